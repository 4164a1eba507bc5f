//! DRS range ([`timing::drs::drs_range`], what `/drs` serves and the tower marks) against two
//! oracles: the official `IntervalToPositionAhead` of the real races and sprints of the shared
//! data, read here from the raw lines at each line where a car's `NumberOfLaps` goes up; and
//! the simulator's ground truth (the interval between two cars' true line crossings).

use std::collections::HashMap;

/// Per car, `(laps, interval text)` at each line that raised its `NumberOfLaps`, the interval
/// as last sent by then (the patch rule), read from the raw text.
fn raw_crossings(dir: &std::path::Path) -> HashMap<u16, Vec<(u32, String)>> {
    let text = std::fs::read_to_string(dir.join("TimingData.jsonStream")).unwrap();
    let (mut interval, mut laps): (HashMap<u16, String>, HashMap<u16, u32>) = Default::default();
    let mut out: HashMap<u16, Vec<(u32, String)>> = HashMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line.trim_start_matches('\u{feff}').get(12..).unwrap_or("")) else {
            continue;
        };
        let Some(lines) = v.get("Lines").and_then(|l| l.as_object()) else { continue };
        for (car, patch) in lines {
            let Ok(car) = car.parse::<u16>() else { continue };
            if let Some(i) = patch.get("IntervalToPositionAhead").and_then(|i| i.get("Value")).and_then(|v| v.as_str()) {
                interval.insert(car, i.to_string());
            }
            let n = patch.get("NumberOfLaps").and_then(|n| n.as_u64()).map(|n| n as u32);
            if let Some(n) = n.filter(|n| laps.get(&car).is_none_or(|l| n > l)) {
                laps.insert(car, n);
                out.entry(car).or_default().push((n, interval.get(&car).cloned().unwrap_or_default()));
            }
        }
    }
    out
}

#[test]
fn drs_range_is_the_official_interval_at_each_crossing_under_a_second_while_enabled() {
    let Some(dirs) = testkit::sessions_with("TimingData.jsonStream") else { return };
    let mut races = 0;
    for dir in dirs {
        let session = timing::Session::build(&feed::FeedSession::read_dir(&dir));
        if !session.info.is_race_like() {
            continue;
        }
        let rows = timing::drs::drs_range(&session);
        let enabled = timing::drs::enabled_changes(&session);
        let raw = raw_crossings(&dir);
        let (mut crossings, mut within, mut enabled_rows) = (0, 0, 0);
        for d in &session.drivers {
            let ours: Vec<&timing::drs::DrsRow> = rows.iter().filter(|r| r.driver == d.number).collect();
            let theirs = raw.get(&d.number).cloned().unwrap_or_default();
            assert_eq!(ours.len(), theirs.len(), "{} car {}: one row per crossing", dir.display(), d.number);
            for (row, (lap, text)) in ours.iter().zip(&theirs) {
                let official = text.trim().strip_prefix('+').and_then(|s| s.parse::<f64>().ok());
                assert_eq!(row.lap, *lap);
                assert_eq!(
                    row.interval_s.map(|s| (s * 1000.0).round() as i64),
                    official.map(|s| (s * 1000.0).round() as i64),
                    "{} car {} lap {lap}",
                    dir.display(),
                    d.number
                );
                assert_eq!(
                    row.within,
                    row.drs_enabled && official.is_some_and(|s| s < 1.0),
                    "{} car {} lap {lap}",
                    dir.display(),
                    d.number
                );
                crossings += 1;
                within += usize::from(row.within);
                enabled_rows += usize::from(row.drs_enabled);
            }
        }
        println!(
            "{}: {crossings} crossings, DRS enabled at {enabled_rows} ({}), within range at {within}",
            dir.display(),
            if enabled.is_some() { "race control's messages" } else { "no message: from the leader's lap 3" }
        );
        races += 1;
    }
    assert!(races > 0 || !testkit::required(), "no real race with TimingData");
}

#[test]
fn drs_range_of_the_simulated_race_is_the_true_interval_under_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let simulation = sim::generate(&sim::SimConfig::new(sim::SessionKind::Race));
    let folder = simulation.write(dir.path()).unwrap();
    let session = timing::Session::build(&feed::FeedSession::read_dir(&folder));
    let truth: serde_json::Value = serde_json::from_slice(&simulation.truth_json()).unwrap();
    let rows = timing::drs::drs_range(&session);
    let (mut compared, mut within, mut agree) = (0, 0, 0);
    for crossing in truth["order"].as_array().unwrap() {
        let lap = crossing["lap"].as_u64().unwrap() as u32;
        let drivers = crossing["drivers"].as_array().unwrap();
        let gaps = crossing["gaps_s"].as_array().unwrap();
        for i in 1..drivers.len() {
            let n: u16 = drivers[i].as_str().unwrap().parse().unwrap();
            let true_ms = ((gaps[i].as_f64().unwrap() - gaps[i - 1].as_f64().unwrap()) * 1000.0).round() as i64;
            let Some(row) = rows.iter().find(|r| r.driver == n && r.lap == lap) else { continue };
            compared += 1;
            let want = row.drs_enabled && true_ms < 1_000;
            assert_eq!(row.within, want, "car {n} lap {lap}: true interval {true_ms} ms, ours {:?}", row.interval_s);
            agree += usize::from(row.within == want);
            within += usize::from(want);
        }
    }
    println!("simulated race: {agree} of {compared} crossings agree with the true interval ({within} within DRS range)");
    assert!(compared > 500 && within > 0);
}
