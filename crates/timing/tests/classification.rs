//! The final classification on every qualifying, sprint qualifying, sprint and race session of
//! the shared data with TimingData (`../shared/data`, or `$F1REPLAY_TEST_DATA`; skipped, saying
//! so, without it, failing with `F1REPLAY_REQUIRE_DATA=1`). Oracles: the timing's last
//! `Position` of each car, and in qualifying the last `TimeDiffToFastest` the timing gave each
//! car in the part it is ranked by (its `Stats`, read here from the raw lines).

use std::collections::HashMap;
use std::path::Path;
use timing::classification::{classify, SessionKind};

/// The last `TimeDiffToFastest` per (car, part index) in a raw TimingData file, ms (`None`
/// where the timing showed none: the fastest car, or an empty value).
fn time_diffs_to_fastest(dir: &Path) -> HashMap<(u16, usize), Option<i64>> {
    let text = std::fs::read_to_string(dir.join("TimingData.jsonStream")).unwrap();
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim_start_matches('\u{feff}');
        let Some(json) = line.get(12..) else { continue };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else { continue };
        let Some(lines) = v.get("Lines").and_then(|l| l.as_object()) else { continue };
        for (car, patch) in lines {
            let Ok(car) = car.parse::<u16>() else { continue };
            let parts: Vec<(usize, &serde_json::Value)> = match patch.get("Stats") {
                Some(serde_json::Value::Object(m)) => m.iter().filter_map(|(k, v)| Some((k.parse().ok()?, v))).collect(),
                Some(serde_json::Value::Array(a)) => a.iter().enumerate().collect(),
                _ => continue,
            };
            for (part, stat) in parts {
                if let Some(diff) = stat.get("TimeDiffToFastest").and_then(|d| d.as_str()) {
                    out.insert((car, part), timing::official::gap_ms(diff));
                }
            }
        }
    }
    out
}

#[test]
fn the_classification_is_the_timings_final_order_with_qualifying_gaps_within_the_part() {
    let Some(data) = testkit::data_dir() else { return };
    let (mut races, mut qualifying) = (0, 0);
    for dir in testkit::sessions_with("TimingData.jsonStream").unwrap_or_default() {
        let name = dir.strip_prefix(&data).unwrap().display().to_string();
        let s = timing::Session::build(&feed::FeedSession::read_dir(&dir));
        if s.info.name.is_empty() {
            println!("{name}: no SessionInfo, its kind is unknown: not classified");
            continue;
        }
        let kind = s.info.session_kind();
        if kind == SessionKind::Practice {
            continue;
        }
        let rows = classify(&s);
        assert_eq!(rows.len(), s.drivers.len(), "{name}");
        // Our position against the timing's last one, for every car it placed.
        let mut placed = 0;
        for r in &rows {
            let Some(last) = s.official.iter().find(|o| o.driver == r.driver).and_then(|o| o.position.last()) else { continue };
            assert_eq!(r.position, last.1, "{name}: car {} is P{} here, P{} in the timing's last position", r.driver, r.position, last.1);
            placed += 1;
        }
        assert!(placed >= rows.len() - 1, "{name}: only {placed} of {} cars placed by the timing", rows.len());
        let mut gaps = (0, 0);
        if kind.is_qualifying_like() {
            qualifying += 1;
            let diffs = time_diffs_to_fastest(&dir);
            for r in rows.iter().filter(|r| r.time_ms.is_some()) {
                let part = usize::from(r.part.unwrap()) - 1;
                assert_eq!(r.time_ms, r.part_best_ms[part], "{name}: car {} ranked by its time in Q{}", r.driver, part + 1);
                // The fastest car's difference is shown empty (or +0.000).
                let Some(theirs) = diffs.get(&(r.driver, part)) else { continue };
                gaps.1 += 1;
                assert_eq!(r.gap_ms.filter(|g| *g > 0), theirs.filter(|g| *g > 0), "{name}: car {} gap in Q{}", r.driver, part + 1);
                gaps.0 += 1;
            }
            assert!(gaps.1 >= rows.len() / 2, "{name}: the timing gave {} of {} cars a difference to the fastest", gaps.1, rows.len());
        } else {
            races += 1;
        }
        println!(
            "{name} ({}): {placed}/{} cars at the timing's last position; gaps in the part equal the timing's {}/{}",
            kind.api_name(),
            rows.len(),
            gaps.0,
            gaps.1
        );
    }
    // The shared data holds 3 races and sprints, 8 qualifying and sprint qualifying sessions
    // with SessionInfo.
    assert!(races >= 3 && qualifying >= 8, "found {races} races, {qualifying} qualifying sessions");
}
