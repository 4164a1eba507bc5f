//! The ground truth is self-consistent, and the feed carries exactly what it says.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;
use sim::truth::TruthLap;
use sim::{generate, GroundTruth, SessionKind, SimConfig};

fn laps_of<'a>(t: &'a GroundTruth, driver: &str) -> Vec<&'a TruthLap> {
    t.laps.iter().filter(|l| l.driver == driver).collect()
}

/// Invariants every session's truth must satisfy.
fn check(t: &GroundTruth, race: bool) {
    for d in &t.drivers {
        let laps = laps_of(t, &d.number);
        for (i, l) in laps.iter().enumerate() {
            assert_eq!(l.lap, i as u32 + 1, "driver {} laps are numbered 1..n", d.number);
            assert!(l.end_ms > l.start_ms);
            if i > 0 {
                assert!(l.end_ms > laps[i - 1].end_ms, "lap ends increase");
                if race || l.pit_out_ms.is_none() {
                    assert_eq!(l.start_ms, laps[i - 1].end_ms, "a lap starts where the last ended");
                }
            }
            if let Some(ms) = l.lap_time_ms {
                assert_eq!(ms, l.end_ms - l.start_ms, "lap time = end - start");
                if let [Some(a), Some(b), Some(c)] = l.sector_times_ms {
                    assert_eq!(a + b + c, ms, "sectors sum to the lap time: {l:?}");
                }
            } else {
                assert!(!l.lap_time_in_feed);
            }
            if let Some(p) = l.pit_in_ms {
                assert!(p > l.start_ms && p < l.end_ms, "pit entry inside the in-lap");
            }
            if let Some(p) = l.pit_out_ms {
                assert!(p >= l.start_ms && p < l.end_ms, "pit exit inside the out-lap");
            }
            if i > 0 {
                let prev = laps[i - 1];
                if l.stint == prev.stint {
                    assert_eq!(l.tyre_life, prev.tyre_life + 1, "tyre life counts laps");
                    assert_eq!(l.compound, prev.compound);
                } else {
                    assert_eq!(l.stint, prev.stint + 1);
                    assert!(prev.pit_in_ms.is_some(), "a new stint follows an in-lap");
                }
            }
        }
    }
    if race {
        assert_eq!(t.laps.iter().filter(|l| l.lap == 1).count(), t.order[0].drivers.len());
        for o in &t.order {
            let mut pos: Vec<u32> =
                o.drivers.iter().map(|d| t.laps.iter().find(|l| &l.driver == d && l.lap == o.lap).unwrap().position.unwrap()).collect();
            let expected: Vec<u32> = (1..=o.drivers.len() as u32).collect();
            assert_eq!(pos, expected, "positions on lap {} follow the crossing order", o.lap);
            pos.sort();
            assert_eq!(pos, expected, "positions are a permutation");
            assert_eq!(o.gaps_s[0], 0.0);
            assert!(o.gaps_s.windows(2).all(|w| w[1] >= w[0]));
            let mut uniq = o.drivers.clone();
            uniq.sort();
            uniq.dedup();
            assert_eq!(uniq.len(), o.drivers.len());
        }
        // lap 1 is not timed by the feed in races
        assert!(t.laps.iter().filter(|l| l.lap == 1).all(|l| !l.lap_time_in_feed));
    }
    for r in &t.retirements {
        let n = laps_of(t, &r.driver).len() as u32;
        if r.in_pits {
            assert_eq!(n, r.lap, "retired in the pits after completing the in-lap");
        } else {
            assert_eq!(n + 1, r.lap, "stopped on track during the next lap");
        }
    }
}

/// Merges TimingData patches per driver; at each new `NumberOfLaps` the merged lap and sector
/// values must be the truth's (values identical to the previous lap are not resent, so this
/// checks the merged state, not the patch).
fn check_feed_against_truth(sim: &sim::Simulation) {
    let f = sim.file("TimingData.jsonStream").unwrap();
    let lines = common::parse_file(&f.name, &f.bytes).unwrap();
    let t = sim.truth();
    let mut state: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    let mut checked = 0;
    fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    flatten(&format!("{prefix}{k}."), x, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    flatten(&format!("{prefix}{i}."), x, out);
                }
            }
            _ => {
                out.insert(prefix.trim_end_matches('.').to_string(), v.clone());
            }
        }
    }
    for line in lines {
        let Some(Value::Object(drivers)) = line.json.get("Lines") else {
            continue;
        };
        for (num, patch) in drivers {
            let st = state.entry(num.clone()).or_default();
            let before = st.get("NumberOfLaps").cloned();
            flatten("", patch, st);
            let after = st.get("NumberOfLaps").cloned();
            if after != before {
                let lap = after.and_then(|v| v.as_u64()).unwrap() as u32;
                let tl = t
                    .laps
                    .iter()
                    .find(|l| &l.driver == num && l.lap == lap)
                    .unwrap_or_else(|| panic!("feed lap {lap} of {num} not in truth"));
                assert_eq!(tl.end_ms, line.t_ms, "line crossing time of {num} lap {lap}");
                let last = st.get("LastLapTime.Value").and_then(|v| v.as_str()).unwrap_or("");
                if tl.lap_time_in_feed {
                    assert_eq!(last, sim::format::lap_time(tl.lap_time_ms.unwrap()), "{num} lap {lap}");
                }
                let s3 = st.get("Sectors.2.Value").and_then(|v| v.as_str()).unwrap_or("");
                assert_eq!(s3, sim::format::sector_time(tl.sector_times_ms[2].unwrap()));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, t.laps.len(), "every lap of the truth is announced by the feed");
}

#[test]
fn race_truth_is_self_consistent_and_matches_the_feed() {
    let sim = generate(&SimConfig { laps: 25, ..SimConfig::default() });
    let t = sim.truth();
    check(t, true);
    check_feed_against_truth(&sim);
    // the scripted events happened
    assert_eq!(t.retirements.len(), 2);
    assert!(t.retirements.iter().any(|r| r.in_pits) && t.retirements.iter().any(|r| !r.in_pits));
    let codes: Vec<&str> = t.track_status.iter().map(|s| s.status.as_str()).collect();
    for c in ["1", "2", "4", "6", "7"] {
        assert!(codes.contains(&c), "track status {c} in {codes:?}");
    }
    assert!(t.laps.iter().any(|l| l.pit_in_ms.is_some()));
    let finishers = &t.order.last().unwrap().drivers;
    assert!(!finishers.is_empty());
    assert_eq!(t.session.total_laps, Some(25));
}

#[test]
fn qualifying_truth_is_self_consistent_and_matches_the_feed() {
    let sim = generate(&SimConfig::new(SessionKind::Qualifying));
    let t = sim.truth();
    check(t, false);
    check_feed_against_truth(&sim);
    assert_eq!(t.laps.iter().filter(|l| l.deleted).count(), 1);
    // out-laps from the garage carry no lap time
    assert!(t.laps.iter().any(|l| l.lap_time_ms.is_none() && l.pit_out_ms.is_some()));
    // knock-outs: Q3 cars do more laps than Q1 exits
    let mut per_driver: Vec<usize> = t.drivers.iter().map(|d| laps_of(t, &d.number).len()).collect();
    per_driver.sort();
    assert!(per_driver[per_driver.len() - 1] > per_driver[0] + 3);
}

#[test]
fn small_and_odd_configurations_work() {
    let cases = [
        SimConfig { kind: SessionKind::Race, laps: 1, drivers: 1, seed: 3 },
        SimConfig { kind: SessionKind::Race, laps: 2, drivers: 2, seed: 4 },
        SimConfig { kind: SessionKind::Race, laps: 9, drivers: 5, seed: 5 },
        SimConfig { kind: SessionKind::Sprint, laps: 8, drivers: 20, seed: 6 },
        SimConfig { kind: SessionKind::Qualifying, laps: 0, drivers: 3, seed: 7 },
        SimConfig { kind: SessionKind::Practice, laps: 0, drivers: 2, seed: 8 },
        SimConfig { kind: SessionKind::Race, laps: 4, drivers: 30, seed: 9 },
    ];
    for c in cases {
        let sim = generate(&c);
        let t = sim.truth();
        assert_eq!(t.drivers.len(), c.drivers.clamp(1, 20) as usize);
        check(t, c.kind == SessionKind::Race || c.kind == SessionKind::Sprint);
        check_feed_against_truth(&sim);
        assert!(!t.laps.is_empty(), "{c:?}");
    }
}

#[test]
fn ground_truth_json_round_trips() {
    let sim = generate(&SimConfig { laps: 3, drivers: 3, ..SimConfig::default() });
    let back: GroundTruth = serde_json::from_slice(&sim.truth_json()).unwrap();
    assert_eq!(&back, sim.truth());
}
