//! Where tests find the shared real data (`$F1REPLAY_TEST_DATA`, else the `shared/data` folder
//! next to the repository): one place for every crate's tests, so they agree on it.

use std::path::{Path, PathBuf};

/// The shared real data folder (holding `pitwall/` and `fastf1-test-data/`), or `None` after
/// printing that the tests needing it are skipped. For tests and benchmarks.
pub fn test_data_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<PathBuf> = match std::env::var_os("F1REPLAY_TEST_DATA") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![manifest.join("../../shared/data"), manifest.join("../../../shared/data")],
    };
    let found = candidates.iter().find(|dir| dir.join("fastf1-test-data").is_dir() && dir.join("pitwall").is_dir()).cloned();
    if found.is_none() {
        let tried: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        println!("skipped: no test data at {}", tried.join(" or "));
    }
    found
}
