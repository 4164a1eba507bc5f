//! Damaged copies of a real session folder: `laps` and `build` never crash, and every copy
//! that lost data says so (a warning naming the damaged file on stderr, or a non-zero exit
//! when nothing usable is left). The seeded, smaller version of `scripts/damage.py`.
//!
//! Each damage here is one the decoder can detect (a byte that is not UTF-8, an invalid UTF-8
//! sequence inserted, a file cut inside a line), so each copy must report it; the script also
//! flips bits inside values, which no reader can tell from real data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The topic files f1replay reads, and the one every lap comes from.
const TOPICS: [&str; 6] = [
    "TimingData.jsonStream",
    "TimingAppData.jsonStream",
    "DriverList.jsonStream",
    "CarData.z.jsonStream",
    "Position.z.jsonStream",
    "RaceControlMessages.jsonStream",
];

/// A small deterministic generator (xorshift64*), so each run damages the same bytes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// One detectable damage of `data`, and what it was.
fn damage(data: &mut Vec<u8>, rng: &mut Rng) -> String {
    let mut at = rng.below(data.len());
    match rng.below(3) {
        0 => {
            data[at] = 0x80 + rng.below(0x80) as u8;
            format!("byte {at} set above 0x7f")
        }
        1 => {
            data.splice(at..at, [0xe2, 0x82]);
            format!("invalid UTF-8 inserted at byte {at}")
        }
        _ => {
            // Inside a line, at least two bytes before its end, so the cut line is incomplete.
            while at > 0 && data[at..].iter().take(3).any(|&b| b == b'\n' || b == b'\r') {
                at -= 1;
            }
            data.truncate(at.max(1));
            format!("cut at byte {at}")
        }
    }
}

fn f1replay(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_f1replay")).args(args).output().unwrap()
}

fn mexico_qualifying() -> Option<PathBuf> {
    let dir = testkit::data_dir()?.join("pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying");
    dir.is_dir().then_some(dir)
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::write(to.join(e.file_name()), std::fs::read(e.path()).unwrap()).unwrap();
    }
}

/// Says whether the run ended normally (exit 0 or 1, not a signal or a panic's 101) and
/// whether it reported the loss in `file`.
fn check(what: &str, out: &Output, file: &str) {
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(code, Some(0) | Some(1)), "{what}: crashed ({:?}): {stderr}", out.status);
    assert!(stderr.contains(file) && (stderr.contains("warning") || code == Some(1)), "{what}: the loss was not said: {stderr:?}");
}

#[test]
fn damaged_copies_never_crash_and_always_say_what_they_lost() {
    let Some(session) = mexico_qualifying() else {
        eprintln!("skipped: no Mexico qualifying folder in the test data");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let mut rng = Rng(0x005e_edf1);
    for i in 0..12 {
        let copy = work.path().join(i.to_string()).join("2025-10-25_Qualifying");
        copy_folder(&session, &copy);
        let file = TOPICS[rng.below(TOPICS.len())];
        let mut bytes = std::fs::read(copy.join(file)).unwrap();
        let what = format!("copy {i}: {file}: {}", damage(&mut bytes, &mut rng));
        std::fs::write(copy.join(file), bytes).unwrap();
        check(&format!("laps, {what}"), &f1replay(&["laps".as_ref(), copy.as_os_str()]), file);
        let build = f1replay(&["build".as_ref(), copy.as_os_str(), "--cache-dir".as_ref(), cache.as_os_str()]);
        check(&format!("build, {what}"), &build, file);
        // A cached replay says it again: the warnings are in its manifest.
        let again = f1replay(&["build".as_ref(), copy.as_os_str(), "--cache-dir".as_ref(), cache.as_os_str()]);
        if build.status.success() {
            assert!(String::from_utf8_lossy(&again.stdout).starts_with("cached"), "{what}");
            check(&format!("cached build, {what}"), &again, file);
        }
    }
}

#[test]
fn a_missing_timing_data_is_a_failed_laps_not_an_empty_table() {
    let Some(session) = mexico_qualifying() else {
        eprintln!("skipped: no Mexico qualifying folder in the test data");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("2025-10-25_Qualifying");
    copy_folder(&session, &copy);
    std::fs::remove_file(copy.join("TimingData.jsonStream")).unwrap();
    let out = f1replay(&["laps".as_ref(), copy.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no laps: TimingData.jsonStream is missing"));
}

#[test]
fn fps_zero_is_refused() {
    let out = f1replay(&["build".as_ref(), "sim-race".as_ref(), "--fps".as_ref(), "0".as_ref()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fps"));
}
