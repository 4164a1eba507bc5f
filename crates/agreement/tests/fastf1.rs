//! Laps and telemetry agree with FastF1 3.9 on every real session it can load, as the README
//! says: every lap present in both, every timed field equal to the millisecond, Compound,
//! TyreLife, Stint, Deleted (and Position in races and sprints) equal, telemetry within the
//! check's tolerances.
//!
//! FastF1's output comes from `scripts/fastf1-oracle.sh OUT` (the real FastF1, offline, through
//! `../shared/tools/ffharness`), found at `F1REPLAY_FASTF1_ORACLE=OUT`; `.ci/run` makes it.
//! Without it or the shared data the test says so, and fails where `F1REPLAY_REQUIRE_DATA` is set.

use std::path::{Path, PathBuf};

/// The session folders FastF1 wrote output for (a `laps.csv` and its `timings.json`).
fn oracle_sessions(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("timings.json").exists() && dir.join("laps.csv").exists() {
            out.push(dir);
            continue;
        }
        stack.extend(std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    out.sort();
    out
}

/// Every session folder of the shared data holding TimingData (FastF1 needs it for laps).
fn shared_sessions(data: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = testkit::sessions_with("TimingData.jsonStream").unwrap_or_default();
    dirs.retain(|d| d.starts_with(data));
    dirs
}

#[test]
fn laps_and_telemetry_agree_with_fastf1_on_every_session_it_loads() {
    let (Some(data), Some(oracle)) = (testkit::data_dir(), testkit::fastf1_oracle_dir()) else { return };
    let sessions = oracle_sessions(&oracle);
    // FastF1 loads all but the sessions whose data it rejects; the oracle script names those.
    assert!(sessions.len() >= 15, "FastF1 output for {} sessions in {}, 15 expected", sessions.len(), oracle.display());
    let mut laps = 0;
    for dir in &sessions {
        let rel = dir.strip_prefix(&oracle).unwrap();
        let src = shared_sessions(&data)
            .into_iter()
            .find(|s| s.ends_with(rel))
            .unwrap_or_else(|| panic!("no shared session for {}", rel.display()));
        let session = timing::Session::build(&feed::FeedSession::read_dir(&src));
        let agreement = agreement::check(&session, dir).unwrap();
        println!(
            "== {}: {} laps, {:.2}% with every timed field equal",
            rel.display(),
            agreement.laps.matched,
            agreement.laps.timed_share() * 100.0
        );
        assert!(agreement.holds(), "{}:\n{agreement}", rel.display());
        if rel.starts_with("2025/2025-10-26_Mexico_City_Grand_Prix") {
            assert!(agreement.telemetry.as_ref().is_some_and(|t| !t.laps.is_empty()), "Mexico Q: FastF1's telemetry was not compared");
        }
        laps += agreement.laps.matched;
    }
    println!("{laps} laps in {} sessions agree with FastF1", sessions.len());
}
