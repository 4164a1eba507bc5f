//! Where unit tests find the shared real data: `$F1REPLAY_TEST_DATA`, else `../../shared/data`
//! from this crate, else the repository's sibling `../shared/data` (three levels up).

use std::path::{Path, PathBuf};

/// The shared data folder, or `None` after printing why tests using it are skipped.
pub(crate) fn root() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<PathBuf> = match std::env::var_os("F1REPLAY_TEST_DATA") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![manifest.join("../../shared/data"), manifest.join("../../../shared/data")],
    };
    let found = candidates.iter().find(|dir| dir.join("fastf1-test-data").is_dir()).cloned();
    if found.is_none() {
        let tried: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        println!("skipped: no test data at {}", tried.join(" or "));
    }
    found
}
