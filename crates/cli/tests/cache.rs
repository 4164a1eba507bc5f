//! One cache for the CLI and the server: the replay `f1replay build` writes is the one
//! `f1replay serve` opens (same file name, same key check), without a second build: a session
//! folder given by path is keyed by its last three folders, as the server's ids are.

use std::process::Command;

#[test]
fn build_fills_the_cache_that_serve_reads() {
    let Some(data) = testkit::data_dir().map(|d| d.join("pitwall/livetiming/static")) else {
        eprintln!("skipped: no test data");
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_f1replay"))
        .arg("build")
        .arg(data.join("2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"))
        .arg("--cache-dir")
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut config = server::StateConfig::new(cache.path());
    config.data = Some(data);
    config.offline = true;
    let state = server::AppState::new(config).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(state.prepare("2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")).unwrap();
    assert_eq!(state.builds_started(), 0, "serve opened the file build wrote");
}
