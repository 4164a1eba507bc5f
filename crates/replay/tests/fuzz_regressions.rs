//! The fuzz targets' kept inputs (`fuzz/regressions/<target>/`: every crash the fuzzers found,
//! and hand-made hazards such as invalid UTF-8 in one TimingData line), replayed through the
//! same harness code the fuzz targets run (`fuzz/harness/mod.rs`), so a fixed crash stays fixed
//! in a normal `cargo test`. The fuzzers themselves run in `.ci/run` (fuzz/README.md).

#[path = "../../../fuzz/harness/mod.rs"]
mod harness;

use std::path::PathBuf;

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_runs_without_a_panic() {
    for (target, run) in harness::TARGETS {
        let inputs = regressions(target);
        assert!(!inputs.is_empty(), "fuzz/regressions/{target} holds no input");
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target}: {} panics", path.display());
            println!("{target}: {} ({} bytes) ok", path.file_name().unwrap().to_string_lossy(), data.len());
        }
    }
}

#[test]
fn the_session_container_reads_back_what_was_written() {
    let files = vec![(feed::Topic::TimingData, vec![7u8; 70_000]), (feed::Topic::SessionInfo, b"00:00:00.000{}\n".to_vec())];
    let read = harness::session_files(&harness::session_input(&files));
    for (topic, bytes) in &files {
        let found = read.iter().find(|(t, _)| t == topic).and_then(|(_, b)| b.as_ref());
        assert_eq!(found, Some(bytes), "{topic:?}");
    }
    assert_eq!(read.iter().filter(|(_, b)| b.is_some()).count(), 2, "the other topics are missing");
}

#[test]
fn the_session_target_builds_a_replay_from_a_real_session_head() {
    // The first 24 lines of each topic of a simulated qualifying (fuzz/seed.py's cut): the
    // target must get through to the replay, not stop at a refusal, or it fuzzes nothing past
    // the decode. With one TimingData line not UTF-8 the rest still builds.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/session");
    for name in ["sim-qualifying-head", "invalid-utf8-in-timingdata"] {
        let frames = harness::session_replay(&std::fs::read(dir.join(name)).unwrap());
        println!("{name}: {frames:?} frames");
        assert!(frames.is_some_and(|n| n > 0), "{name}: no replay");
    }
}
