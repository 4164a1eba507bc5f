//! Differential check against the real FastF1: it must read the simulated files without errors
//! and find the laps, lap times, pit laps and positions of the ground truth.
//!
//! Needs the FastF1 harness (`../shared/tools/ffharness`) and its venv (`/tmp/ffvenv`, or set
//! `FFVENV_PYTHON` / `FFHARNESS`). It takes about half a minute, so it is opt-in:
//!
//! ```text
//! cargo test -p sim --test fastf1 -- --ignored --nocapture
//! ```
//! Skipped, with a message, when the venv or the harness is absent. Runs one FastF1 process at
//! a time (waits while another `ff_export` runs).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use sim::{generate, SessionKind, SimConfig};

fn tools() -> Option<(PathBuf, PathBuf)> {
    let python = std::env::var_os("FFVENV_PYTHON").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp/ffvenv/bin/python"));
    let harness = std::env::var_os("FFHARNESS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/ffharness/ff_export.py"));
    (python.is_file() && harness.is_file()).then_some((python, harness))
}

fn wait_for_other_fastf1() {
    for _ in 0..120 {
        let busy = Command::new("pgrep").args(["-f", "ff_export"]).output().map(|o| !o.stdout.is_empty()).unwrap_or(false);
        if !busy {
            return;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

fn check(config: SimConfig) {
    let Some((python, harness)) = tools() else {
        testkit::skip("FastF1 venv or harness not found (set FFVENV_PYTHON / FFHARNESS)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sim = generate(&config);
    let folder = sim.write(dir.path()).unwrap();
    let out = dir.path().join("ff");
    wait_for_other_fastf1();
    let status = Command::new(&python).arg(&harness).arg(&folder).arg(&out).arg("--load-only").status().expect("run ff_export");
    assert!(status.success(), "FastF1 failed to load {}", folder.display());
    let compare = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/ff_compare.py");
    let status = Command::new(&python).arg(compare).arg(folder.join("ground_truth.json")).arg(&out).status().expect("run ff_compare.py");
    assert!(status.success(), "FastF1 disagrees with the ground truth for {config:?}");
}

#[test]
#[ignore = "runs the real FastF1 (~30 s); cargo test -p sim --test fastf1 -- --ignored"]
fn fastf1_agrees_with_the_truth_of_a_race() {
    check(SimConfig::default());
}

#[test]
#[ignore = "runs the real FastF1 (~20 s); cargo test -p sim --test fastf1 -- --ignored"]
fn fastf1_agrees_with_the_truth_of_a_qualifying() {
    check(SimConfig::new(SessionKind::Qualifying));
}
