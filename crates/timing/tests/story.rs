//! The race story against the simulator's ground truth: on the simulated race, every car's gap
//! to the first car across the line and its position at the line, lap by lap, are the true
//! ones, the pit laps are the true pit laps, and the neutralised laps are those the true track
//! status neutralised.

use timing::story::{race_story, RaceStory};

struct Fixture {
    story: RaceStory,
    truth: serde_json::Value,
}

fn simulated(kind: sim::SessionKind) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let simulation = sim::generate(&sim::SimConfig::new(kind));
    let folder = simulation.write(dir.path()).unwrap();
    let session = timing::Session::build(&feed::FeedSession::read_dir(&folder));
    let truth = serde_json::from_slice(&simulation.truth_json()).unwrap();
    Fixture { story: race_story(&session), truth }
}

#[test]
fn gaps_and_positions_at_the_line_equal_the_ground_truth() {
    let f = simulated(sim::SessionKind::Race);
    assert!(f.story.race_like);
    let mut checked = 0;
    let mut worst_ms = 0i64;
    for crossing in f.truth["order"].as_array().unwrap() {
        let lap = crossing["lap"].as_u64().unwrap() as u32;
        let drivers = crossing["drivers"].as_array().unwrap();
        let gaps = crossing["gaps_s"].as_array().unwrap();
        for (i, (d, g)) in drivers.iter().zip(gaps).enumerate() {
            let driver: u16 = d.as_str().unwrap().parse().unwrap();
            let row = f.story.laps.iter().find(|l| l.driver == driver && l.lap == lap);
            let row = row.unwrap_or_else(|| panic!("no story row for {driver} lap {lap}"));
            let ours = row.gap_to_leader_s.unwrap_or_else(|| panic!("no gap for {driver} lap {lap}"));
            let diff = ((ours - g.as_f64().unwrap()) * 1000.0).round().abs() as i64;
            worst_ms = worst_ms.max(diff);
            assert_eq!(row.position, Some(i as u32 + 1), "position of {driver} at the end of lap {lap}");
            checked += 1;
        }
    }
    println!("{checked} line crossings; largest gap difference {worst_ms} ms");
    assert!(checked > 500, "only {checked} crossings");
    assert_eq!(worst_ms, 0, "gaps differ from the ground truth");
}

#[test]
fn pit_laps_and_neutralised_laps_equal_the_ground_truth() {
    let f = simulated(sim::SessionKind::Race);
    for t in f.truth["laps"].as_array().unwrap() {
        let driver: u16 = t["driver"].as_str().unwrap().parse().unwrap();
        let lap = t["lap"].as_u64().unwrap() as u32;
        let Some(row) = f.story.laps.iter().find(|l| l.driver == driver && l.lap == lap) else { continue };
        assert_eq!(row.pit_in, !t["pit_in_ms"].is_null(), "pit in {driver}/{lap}");
        assert_eq!(row.pit_out, !t["pit_out_ms"].is_null(), "pit out {driver}/{lap}");
    }
    // A leader's lap is neutralised when the true status was SC (4) or VSC (6, 7) at some
    // moment between its start and its end.
    let changes: Vec<(i64, u8)> = f.truth["track_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["time_ms"].as_i64().unwrap(), c["status"].as_str().unwrap().parse().unwrap()))
        .collect();
    let status_at = |t: i64| changes.iter().rev().find(|c| c.0 <= t).map(|c| c.1).unwrap_or(1);
    let neutral = |s: u8| matches!(s, 4..=7);
    let mut expected = Vec::new();
    for crossing in f.truth["order"].as_array().unwrap() {
        let lap = crossing["lap"].as_u64().unwrap() as u32;
        let leader = crossing["drivers"][0].as_str().unwrap();
        let l = f.truth["laps"].as_array().unwrap().iter().find(|l| l["driver"] == leader && l["lap"] == lap).unwrap();
        let (start, end) = (l["start_ms"].as_i64().unwrap(), l["end_ms"].as_i64().unwrap());
        let during = neutral(status_at(start)) || changes.iter().any(|c| c.0 > start && c.0 <= end && neutral(c.1));
        if during {
            expected.push(lap);
        }
    }
    let ours: Vec<u32> = f.story.neutralised_laps.iter().map(|n| n.lap).collect();
    println!("neutralised laps: {ours:?}");
    assert!(!expected.is_empty(), "the simulated race has a neutralisation");
    assert_eq!(ours, expected);
}

#[test]
fn qualifying_has_laps_but_no_positions_or_gaps() {
    let f = simulated(sim::SessionKind::Qualifying);
    assert!(!f.story.race_like);
    assert!(!f.story.laps.is_empty());
    assert!(f.story.laps.iter().all(|l| l.position.is_none() && l.gap_to_leader_s.is_none()));
    assert!(f.story.neutralised_laps.is_empty());
}
