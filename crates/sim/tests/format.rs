//! The written files are in the archive's format: BOM, CRLF, `HH:MM:SS.mmm` + JSON per line,
//! `.z` payloads that inflate to the documented shapes, offsets in order, and a season index
//! that points at the session.

mod common;

use common::{parse_file, parse_utc};
use serde_json::Value;
use sim::{generate, SessionKind, SimConfig};

const TOPICS: [&str; 13] = [
    "CarData.z.jsonStream",
    "DriverList.jsonStream",
    "ExtrapolatedClock.jsonStream",
    "Heartbeat.jsonStream",
    "Position.z.jsonStream",
    "RaceControlMessages.jsonStream",
    "SessionInfo.jsonStream",
    "SessionStatus.jsonStream",
    "TimingAppData.jsonStream",
    "TimingData.jsonStream",
    "TimingStats.jsonStream",
    "TrackStatus.jsonStream",
    "WeatherData.jsonStream",
];

fn configs() -> Vec<SimConfig> {
    vec![
        SimConfig { laps: 8, ..SimConfig::new(SessionKind::Race) },
        SimConfig { laps: 5, drivers: 8, seed: 7, ..SimConfig::new(SessionKind::Sprint) },
        SimConfig { drivers: 10, ..SimConfig::new(SessionKind::Qualifying) },
        SimConfig { drivers: 6, ..SimConfig::new(SessionKind::Practice) },
    ]
}

#[test]
fn every_line_of_every_topic_parses() {
    for config in configs() {
        let sim = generate(&config);
        for name in TOPICS {
            assert!(sim.file(name).is_some(), "{name} missing for {config:?}");
        }
        assert_eq!(sim.file("LapCount.jsonStream").is_some(), matches!(config.kind, SessionKind::Race | SessionKind::Sprint));
        for f in sim.files() {
            let lines = parse_file(&f.name, &f.bytes).unwrap_or_else(|e| panic!("{e}"));
            assert!(!lines.is_empty(), "{} is empty", f.name);
        }
    }
}

#[test]
fn telemetry_has_the_documented_shape_for_every_car() {
    let config = SimConfig { laps: 6, ..SimConfig::default() };
    let sim = generate(&config);
    let numbers: Vec<String> = sim.truth().drivers.iter().map(|d| d.number.clone()).collect();
    let car = parse_file("CarData.z.jsonStream", &sim.file("CarData.z.jsonStream").unwrap().bytes).unwrap();
    let mut drs_open = 0;
    for line in &car {
        let entries = line.json["Entries"].as_array().expect("Entries");
        assert!((1..=6).contains(&entries.len()));
        for e in entries {
            let utc = e["Utc"].as_str().unwrap();
            assert_eq!(utc.len(), 28, "{utc}"); // 7 fractional digits and Z
            let cars = e["Cars"].as_object().unwrap();
            assert_eq!(cars.len(), numbers.len());
            for n in &numbers {
                let ch = &cars[n]["Channels"];
                for k in ["0", "2", "3", "4", "5", "45"] {
                    assert!(ch[k].is_u64(), "channel {k} of {n}");
                }
                assert!(ch["2"].as_u64().unwrap() < 380);
                assert!(ch["3"].as_u64().unwrap() <= 8);
                assert!([0, 100].contains(&ch["5"].as_u64().unwrap()));
                let drs = ch["45"].as_u64().unwrap();
                assert!([0, 8, 10, 12, 14].contains(&drs), "drs {drs}");
                if drs >= 10 {
                    drs_open += 1;
                }
            }
        }
    }
    assert!(drs_open > 0, "DRS never opened");
    let pos = parse_file("Position.z.jsonStream", &sim.file("Position.z.jsonStream").unwrap().bytes).unwrap();
    // (ticks, x, y) of each car's previous sample outside the garage
    let mut prev: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for line in &pos {
        for s in line.json["Position"].as_array().expect("Position") {
            let ticks = parse_utc(s["Timestamp"].as_str().unwrap());
            let entries = s["Entries"].as_object().unwrap();
            assert_eq!(entries.len(), numbers.len());
            for (num, v) in entries {
                let st = v["Status"].as_str().unwrap();
                assert!(st == "OnTrack" || st == "OffTrack");
                let (x, y, z) = (v["X"].as_i64().unwrap(), v["Y"].as_i64().unwrap(), v["Z"].as_i64().unwrap());
                if x == 0 && y == 0 && z == 0 {
                    prev.remove(num); // in the garage, as the archive reports it
                    continue;
                }
                if let Some(&(t0, x0, y0)) = prev.get(num) {
                    // a car never jumps: at most 100 m/s, plus a few metres of lateral offset
                    let d_m = (((x - x0).pow(2) + (y - y0).pow(2)) as f64).sqrt() / 10.0;
                    let dt = (ticks - t0) as f64 / 1e7;
                    assert!(d_m <= 100.0 * dt + 12.0, "car {num} jumped {d_m:.1} m in {dt:.3} s");
                }
                prev.insert(num.clone(), (ticks, x, y));
            }
        }
    }
}

#[test]
fn fastf1_t0_rule_recovers_the_true_t0() {
    // t0 = max over samples of (Utc - line offset), rounded to the millisecond
    let sim = generate(&SimConfig { laps: 4, ..SimConfig::default() });
    let t0 = parse_utc(&sim.truth().session.t0_utc);
    let mut best = i64::MIN;
    for (name, key, stamp) in [("CarData.z.jsonStream", "Entries", "Utc"), ("Position.z.jsonStream", "Position", "Timestamp")] {
        for line in parse_file(name, &sim.file(name).unwrap().bytes).unwrap() {
            for e in line.json[key].as_array().unwrap() {
                // FastF1 keeps microseconds
                let ticks = parse_utc(e[stamp].as_str().unwrap()) / 10 * 10;
                let d = ticks - line.t_ms * 10_000;
                assert!(d <= t0, "a sample claims to be sent before it was taken");
                best = best.max(d);
            }
        }
    }
    let rounded = (best as f64 / 10_000.0).round() as i64 * 10_000;
    assert_eq!(rounded, t0);
}

#[test]
fn season_index_lists_the_sessions_written() {
    let dir = tempfile::tempdir().unwrap();
    // a local copy of the real archive's index for the same season must survive
    std::fs::create_dir_all(dir.path().join("2025")).unwrap();
    std::fs::write(
        dir.path().join("2025/Index.json"),
        b"\xEF\xBB\xBF{\"Year\":2025,\"Meetings\":[{\"Key\":1,\"Name\":\"Real Grand Prix\",\"Sessions\":[]}]}",
    )
    .unwrap();
    let race = generate(&SimConfig { laps: 3, drivers: 4, ..SimConfig::default() });
    let folder = race.write(dir.path()).unwrap();
    assert!(folder.ends_with("2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race"));
    assert!(folder.join("ground_truth.json").is_file());
    let quali = generate(&SimConfig { drivers: 4, ..SimConfig::new(SessionKind::Qualifying) });
    quali.write(dir.path()).unwrap();
    let bytes = std::fs::read(dir.path().join("2025/Index.json")).unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
    let index: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(index["Year"], 2025);
    let meetings = index["Meetings"].as_array().unwrap();
    assert_eq!(meetings.len(), 2);
    assert_eq!(meetings[0]["Name"], "Real Grand Prix");
    let sessions = meetings[1]["Sessions"].as_array().unwrap();
    let paths: Vec<&str> = sessions.iter().map(|s| s["Path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["2025/2025-06-15_Simulated_Grand_Prix/2025-06-14_Qualifying/", "2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race/"]
    );
    for s in sessions {
        let p = dir.path().join(s["Path"].as_str().unwrap());
        assert!(p.join("SessionInfo.jsonStream").is_file());
        for k in ["Key", "Type", "Name", "StartDate", "EndDate", "GmtOffset"] {
            assert!(!s[k].is_null(), "{k}");
        }
    }
    // the SessionInfo path agrees with the folder
    let info = std::fs::read(folder.join("SessionInfo.jsonStream")).unwrap();
    let first = &common::parse_file("SessionInfo.jsonStream", &info).unwrap()[0];
    assert_eq!(first.json["Path"], race.path());
    // no temporary files are left behind
    for e in std::fs::read_dir(&folder).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!n.starts_with('.'), "left over {n}");
    }
}
