//! Same seed, same bytes: two generations written to two folders are identical, file by file.

use std::collections::BTreeMap;
use std::path::Path;

use sim::{generate, SessionKind, SimConfig};

fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn assert_identical(config: SimConfig) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(&config).write(a.path()).unwrap();
    generate(&config).write(b.path()).unwrap();
    let ta = read_tree(a.path());
    let tb = read_tree(b.path());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>(), "same files");
    assert!(ta.len() >= 15, "{:?}", ta.keys());
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{name} differs between two runs of {config:?}");
    }
}

#[test]
fn a_race_written_twice_is_byte_identical() {
    assert_identical(SimConfig { laps: 14, ..SimConfig::new(SessionKind::Race) });
}

#[test]
fn a_qualifying_written_twice_is_byte_identical() {
    assert_identical(SimConfig::new(SessionKind::Qualifying));
}

#[test]
fn different_seeds_give_different_sessions() {
    let a = generate(&SimConfig { laps: 5, seed: 1, ..SimConfig::default() });
    let b = generate(&SimConfig { laps: 5, seed: 2, ..SimConfig::default() });
    assert_ne!(a.file("TimingData.jsonStream").unwrap().bytes, b.file("TimingData.jsonStream").unwrap().bytes);
}

/// FNV-1a over every file's name and bytes, in the order written (stable across Rust releases,
/// unlike std's hasher).
fn fingerprint(kind: SessionKind) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in generate(&SimConfig::new(kind)).files() {
        for &b in f.name.as_bytes().iter().chain([0u8].iter()).chain(f.bytes.iter()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The default sessions' bytes at [`sim::VERSION`]. When the simulator changes what it writes,
/// raise `sim::VERSION` and record the new fingerprints here (the failure prints them).
const FINGERPRINTS: (u32, [u64; 4]) = (2, [0x75ca_1f0e_0c65_5310, 0x0acb_daf0_a463_4d6e, 0x95fb_c280_f04e_fd17, 0xd40f_e89d_c0ac_f404]);

#[test]
fn the_default_sessions_are_the_ones_their_version_names() {
    let kinds = [SessionKind::Race, SessionKind::Sprint, SessionKind::Qualifying, SessionKind::Practice];
    let now: Vec<u64> = kinds.iter().map(|&k| fingerprint(k)).collect();
    assert_eq!(
        (sim::VERSION, now.as_slice()),
        (FINGERPRINTS.0, &FINGERPRINTS.1[..]),
        "the simulator writes other bytes than sim::VERSION {} recorded: raise sim::VERSION (cached simulated replays are keyed by it) and record ({}, {:#x?}) in FINGERPRINTS",
        FINGERPRINTS.0,
        sim::VERSION + 1,
        now
    );
}
