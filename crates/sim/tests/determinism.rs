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
