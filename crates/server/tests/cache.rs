//! The replay cache is tied to its source: a file opens only for the session id, raw files,
//! pipeline and frame rate it was built from; an edited `--data` folder is rebuilt and the old
//! file pruned; another session's file put in place is rebuilt; a session whose status has not
//! ended is not cached; orphan temporary files go at start; losses reach the manifest and
//! `/api/health`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const MEXICO_DIR: &str = "2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying";

/// A writable `--data` copy of the Mexico qualifying folder; `None` without the real data.
fn mexico_copy(root: &Path) -> Option<PathBuf> {
    let src = static_dir("cache keys on Mexico qualifying")?.join(MEXICO_DIR);
    let dst = root.join(MEXICO_DIR);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::write(dst.join(e.file_name()), std::fs::read(e.path()).unwrap()).unwrap();
    }
    Some(dst)
}

/// The `.f1r` files in the replay cache.
fn replay_files(cache: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cache.join("replay"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".f1r")).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_data_folder_is_rebuilt_and_its_old_file_pruned_and_the_loss_said() {
    let (data, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let Some(folder) = mexico_copy(data.path()) else { return };
    {
        let s = start(config(cache.path(), Some(data.path()))).await;
        s.state.prepare(MEXICO_Q).await.unwrap();
        assert_eq!(s.state.builds_started(), 1);
    }
    let before = replay_files(cache.path());
    assert_eq!(before.len(), 1);
    // One byte of TimingData that is not UTF-8: the data changed, and a line is lost.
    let timing = folder.join("TimingData.jsonStream");
    let mut bytes = std::fs::read(&timing).unwrap();
    let at = bytes.len() / 2;
    bytes[at] = 0xff;
    std::fs::write(&timing, bytes).unwrap();
    let s = start(config(cache.path(), Some(data.path()))).await;
    let client = reqwest::Client::new();
    let (status, manifest) = get_json(&client, &s.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    assert_eq!(status, 200);
    assert_eq!(s.state.builds_started(), 1, "the changed folder was rebuilt, not served from the old file");
    let after = replay_files(cache.path());
    assert_eq!(after.len(), 1, "the old file was pruned: {after:?}");
    assert_ne!(after, before);
    let warnings = manifest["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["file"], "TimingData.jsonStream");
    assert!(warnings[0]["message"].as_str().unwrap().contains("not UTF-8"));
    let (_, health) = get_json(&client, &s.url("/api/health")).await;
    assert_eq!(health["warnings"][MEXICO_Q], 1, "{health}");
    // The same folder again: the file is opened, not rebuilt.
    let s = start(config(cache.path(), Some(data.path()))).await;
    s.state.prepare(MEXICO_Q).await.unwrap();
    assert_eq!(s.state.builds_started(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sessions_file_put_in_place_is_rebuilt_not_served() {
    let cache = tempfile::tempdir().unwrap();
    let (race, sprint) = {
        let s = start(config(cache.path(), None)).await;
        s.state.prepare("sim-qualifying").await.unwrap();
        s.state.prepare(SIM).await.unwrap();
        (s.state.replay_path("sim-qualifying").await.unwrap(), s.state.replay_path(SIM).await.unwrap())
    };
    std::fs::copy(&sprint, &race).unwrap();
    let s = start(config(cache.path(), None)).await;
    let (status, manifest) = get_json(&reqwest::Client::new(), &s.url("/api/sessions/sim-qualifying")).await;
    assert_eq!(status, 200);
    assert_eq!(manifest["session"]["id"], "sim-qualifying");
    assert_eq!(s.state.builds_started(), 1, "the sprint's file was not served as qualifying");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_has_not_ended_is_served_but_not_cached() {
    let (data, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let Some(folder) = mexico_copy(data.path()) else { return };
    // The archive still publishing it: the status has not reached "Finalised" or "Ends".
    let status = folder.join("SessionStatus.jsonStream");
    let text = String::from_utf8(std::fs::read(&status).unwrap()).unwrap();
    let kept: String = text.split_inclusive('\n').filter(|l| !l.contains("Finalised") && !l.contains("Ends")).collect();
    std::fs::write(&status, kept).unwrap();
    let s = start(config(cache.path(), Some(data.path()))).await;
    let (code, manifest) = get_json(&reqwest::Client::new(), &s.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    assert_eq!(code, 200);
    assert!(manifest["frame_count"].as_u64().unwrap() > 0);
    assert!(replay_files(cache.path()).is_empty(), "a partial session was cached as final");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphan_temp_files_are_removed_at_start() {
    let cache = tempfile::tempdir().unwrap();
    let replay_dir = cache.path().join("replay");
    std::fs::create_dir_all(&replay_dir).unwrap();
    // Left by a writer that is gone (no process can have this id).
    let orphan = replay_dir.join(".sim-race@x.f1r.4294967295-0.tmp");
    std::fs::write(&orphan, b"half a file").unwrap();
    let _s = start(config(cache.path(), None)).await;
    assert_eq!(orphan.exists(), !Path::new("/proc/self").exists());
}
