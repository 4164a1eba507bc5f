//! Laps and telemetry agree with FastF1 3.9 on the real sessions of `../shared/data`.
//!
//! FastF1's output comes from `scripts/fastf1-oracle.sh OUT`, which runs the real FastF1
//! offline through `../shared/tools/ffharness`; CI runs it and points
//! `F1REPLAY_FASTF1_ORACLE` at OUT. Without it (or without the data) the test says it was
//! skipped. The agreement is printed by `f1replay check SESSION --fastf1 DIR` too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn oracle_sessions(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("timings.json").exists() && dir.join("laps.csv").exists() {
            out.push(dir);
            continue;
        }
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn figure(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit('(').next())
        .and_then(|s| s.trim_end_matches([')', '%']).parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn laps_and_telemetry_agree_with_fastf1() {
    let (Some(data), Some(oracle)) = (archive::test_data_dir(), std::env::var_os("F1REPLAY_FASTF1_ORACLE").map(PathBuf::from)) else {
        eprintln!("skipped: needs ../shared/data and F1REPLAY_FASTF1_ORACLE (run scripts/fastf1-oracle.sh OUT first)");
        return;
    };
    let sessions = oracle_sessions(&oracle);
    assert!(sessions.len() >= 15, "expected FastF1 output for 15 sessions, found {}", sessions.len());
    for dir in sessions {
        let rel = dir.strip_prefix(&oracle).unwrap();
        let src = ["pitwall/livetiming/static", "fastf1-test-data/livetiming/static"]
            .iter()
            .map(|p| data.join(p).join(rel))
            .find(|p| p.is_dir())
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_f1replay")).arg("check").arg(&src).arg("--fastf1").arg(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        println!("== {}\n{text}", rel.display());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let share = figure(&text, "all timed fields equal");
        let needed = if rel.starts_with("2025/2025-10-26_Mexico_City_Grand_Prix") { 99.5 } else { 99.0 };
        assert!(share >= needed, "{}: {share}% of laps agree", rel.display());
        assert!(
            text.contains(" 0 only here, 0 only in FastF1") && !text.contains("lap count differs"),
            "{}: lap sets differ",
            rel.display()
        );
        for field in ["Compound", "TyreLife", "Stint", "Deleted"] {
            let line = text.lines().find(|l| l.trim_start().starts_with(field)).unwrap_or("");
            assert!(line.ends_with("100.00%"), "{}: {line}", rel.display());
        }
        if text.contains("telemetry:") {
            let tel = text.lines().find(|l| l.starts_with("telemetry:")).unwrap();
            assert!(tel.contains("car samples (100.00%)") && tel.contains("position samples (100.00%)"), "{tel}");
            let worst: f64 = tel.rsplit("difference ").next().unwrap().trim_end_matches('%').parse().unwrap();
            assert!(worst <= 1.0, "{tel}");
        }
    }
}
