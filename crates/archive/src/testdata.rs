//! Where tests find the shared real data (`$F1REPLAY_TEST_DATA`, else the `shared/data` folder
//! next to the repository): one place for every crate's tests, so they agree on it. With
//! `F1REPLAY_REQUIRE_DATA=1` (CI), a test whose data is missing fails instead of skipping.

use std::path::{Path, PathBuf};

/// The shared real data folder (holding `pitwall/` and `fastf1-test-data/`), or `None` after
/// printing that the tests needing it are skipped; with `F1REPLAY_REQUIRE_DATA=1` a missing
/// folder panics instead ([`missing_data`]). For tests and benchmarks.
pub fn test_data_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<PathBuf> = match std::env::var_os("F1REPLAY_TEST_DATA") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![manifest.join("../../shared/data"), manifest.join("../../../shared/data")],
    };
    let found = candidates.iter().find(|dir| dir.join("fastf1-test-data").is_dir() && dir.join("pitwall").is_dir()).cloned();
    if found.is_none() {
        let tried: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        missing_data(&format!("no test data at {}", tried.join(" or ")));
    }
    found
}

/// Whether tests must fail rather than skip when their data is missing (`F1REPLAY_REQUIRE_DATA=1`).
pub fn data_required() -> bool {
    std::env::var_os("F1REPLAY_REQUIRE_DATA").is_some_and(|v| v == "1")
}

/// Says that data a test needs is missing: a panic when [`data_required`], else a printed
/// "skipped: ..." line (the test then returns).
pub fn missing_data(what: &str) {
    if data_required() {
        panic!("F1REPLAY_REQUIRE_DATA=1 and {what}");
    }
    println!("skipped: {what}");
}
