//! The pit stops table (`tables::pit_stops`) against the simulator's ground truth: every pit
//! entry of the simulated race is a stop, on the right lap, with the true entry and exit times
//! and so the true time in the pit lane, to the millisecond.

use timing::tables::pit_stops;

#[test]
fn the_simulated_races_pit_stops_and_pit_lane_times_are_the_true_ones() {
    let dir = tempfile::tempdir().unwrap();
    let simulation = sim::generate(&sim::SimConfig::new(sim::SessionKind::Race));
    let folder = simulation.write(dir.path()).unwrap();
    let session = timing::Session::build(&feed::FeedSession::read_dir(&folder));
    let truth: serde_json::Value = serde_json::from_slice(&simulation.truth_json()).unwrap();
    let laps = truth["laps"].as_array().unwrap();
    let ours = pit_stops(&session);
    let mut want = Vec::new();
    for l in laps {
        let Some(pit_in) = l["pit_in_ms"].as_i64() else { continue };
        let (driver, lap) = (l["driver"].as_str().unwrap().parse::<u16>().unwrap(), l["lap"].as_u64().unwrap() as u32);
        let out = laps
            .iter()
            .find(|n| n["driver"] == l["driver"] && n["lap"].as_u64() == Some(u64::from(lap) + 1))
            .and_then(|n| n["pit_out_ms"].as_i64());
        want.push((driver, lap, pit_in, out));
    }
    assert!(want.len() >= 20, "the simulated race has pit stops ({})", want.len());
    for (driver, lap, pit_in, out) in &want {
        let row =
            ours.iter().find(|r| r.driver == *driver && r.lap == *lap).unwrap_or_else(|| panic!("no stop of car {driver} on lap {lap}"));
        assert_eq!((row.pit_in_s * 1000.0).round() as i64, *pit_in, "car {driver} lap {lap}: pit entry");
        assert_eq!(row.pit_out_s.map(|s| (s * 1000.0).round() as i64), *out, "car {driver} lap {lap}: pit exit");
        assert_eq!(row.pit_lane_s.map(|s| (s * 1000.0).round() as i64), out.map(|o| o - pit_in), "car {driver} lap {lap}: pit lane time");
    }
    assert_eq!(ours.len(), want.len(), "no stop that the truth does not have");
    let worst = ours.iter().filter_map(|r| r.pit_lane_s).fold(0.0_f64, f64::max);
    println!("{} pit stops equal the ground truth to the ms; longest in the pit lane {worst:.3} s", want.len());
}
