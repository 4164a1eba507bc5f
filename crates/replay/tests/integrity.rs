//! The replay file on real data: built once, read back; damaged, old or half-written files are
//! detected; concurrent builds of one session leave one valid file.
//! Uses 2025 Mexico City Qualifying from `../shared/data` (skipped, saying so, without it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn session() -> Option<&'static timing::Session> {
    static S: OnceLock<Option<timing::Session>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = testkit::data_dir()?.join("pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying");
        Some(timing::Session::build(&feed::FeedSession::read_dir(&dir)))
    })
    .as_ref()
}

fn built(dir: &Path) -> Option<PathBuf> {
    let s = session()?;
    let path = dir.join("mexico.f1r");
    replay::build_file(s, "mexico", 7, &replay::BuildOptions::default(), &path, &|_, _| {}).unwrap();
    Some(path)
}

#[test]
fn a_built_replay_reads_back_every_chunk_and_frame_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(path) = built(tmp.path()) else { return };
    let f = replay::ReplayFile::open(&path).unwrap();
    let m = f.manifest();
    assert_eq!(m.drivers.len(), 20);
    assert!(m.geometry.outline.len() > 500, "outline of {} points", m.geometry.outline.len());
    assert!((4000.0..4600.0).contains(&m.geometry.length_m), "Mexico is ~4.3 km: {}", m.geometry.length_m);
    assert_eq!(m.segments.len(), 3);
    assert_eq!(m.chunks.iter().map(|c| c.frames).sum::<u32>(), m.frame_count);
    for i in (0..f.frame_count()).step_by(997) {
        let frame = f.frame(i).unwrap();
        assert_eq!(frame.index, i);
        let mut positions: Vec<u8> = frame.cars.iter().filter_map(|c| c.position).collect();
        positions.sort_unstable();
        assert_eq!(positions, (1..=positions.len() as u8).collect::<Vec<_>>(), "positions are 1..n in frame {i}");
    }
    // The last frame: Norris took pole (1:15.586), Leclerc second, Hamilton third.
    let frame = f.frame(f.frame_count() - 1).unwrap();
    assert_eq!(frame.cars.iter().take(3).map(|c| c.number).collect::<Vec<_>>(), vec![4, 16, 44]);
    assert_eq!(frame.cars[1].gap_s, Some(0.262), "Leclerc 1:15.848, 0.262 s off pole");
}

#[test]
fn truncated_bit_flipped_and_old_version_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(path) = built(tmp.path()) else { return };
    let bytes = std::fs::read(&path).unwrap();

    let truncated = tmp.path().join("truncated.f1r");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert!(replay::ReplayFile::open(&truncated).is_err());

    let flipped = tmp.path().join("flipped.f1r");
    let mut b = bytes.clone();
    let i = b.len() * 3 / 4;
    b[i] ^= 0x10;
    std::fs::write(&flipped, &b).unwrap();
    let e = replay::ReplayFile::open(&flipped).unwrap_err().to_string();
    assert!(e.contains("checksum"), "{e}");

    let old = tmp.path().join("old.f1r");
    let mut b = bytes.clone();
    b[8] = 0; // format version 0
    std::fs::write(&old, &b).unwrap();
    let e = replay::ReplayFile::open(&old).unwrap_err().to_string();
    assert!(e.contains("version"), "{e}");
}

#[test]
fn an_interrupted_build_leaves_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(s) = session() else { return };
    // A destination whose folder cannot be created fails before anything is renamed into place.
    let blocker = tmp.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let target = blocker.join("replay.f1r");
    assert!(replay::build_file(s, "x", 0, &replay::BuildOptions::default(), &target, &|_, _| {}).is_err());
    assert!(!target.exists());
    // A write that fails midway (the file system refuses the temp file) leaves nothing either.
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let r = replay::build_file(s, "x", 0, &replay::BuildOptions::default(), &ro.join("replay.f1r"), &|_, _| {});
    // As root the folder stays writable; then the build simply succeeds and leaves one valid file.
    let entries: Vec<_> = std::fs::read_dir(&ro).unwrap().flatten().map(|e| e.file_name()).collect();
    match r {
        Err(_) => assert!(entries.is_empty(), "{entries:?}"),
        Ok(()) => assert_eq!(entries.len(), 1, "{entries:?}"),
    }
}

#[test]
fn two_builds_of_one_session_at_once_produce_one_valid_file() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(s) = session() else { return };
    let path = tmp.path().join("same.f1r");
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| replay::build_file(s, "same", 1, &replay::BuildOptions::default(), &path, &|_, _| {}).unwrap());
        }
    });
    let entries: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    replay::ReplayFile::open(&path).unwrap();
}

#[test]
fn mexico_order_matches_the_official_timing_and_no_car_teleports() {
    let Some(s) = session() else { return };
    let r = replay::check::check(s).unwrap();
    println!("{}", r.text);
    assert!(r.order_share >= 0.99, "order equals official in {:.2}% of the session", r.order_share * 100.0);
    assert_eq!(r.teleports, 0, "{}", r.text);
    assert_eq!(r.at_origin, 0);
}
