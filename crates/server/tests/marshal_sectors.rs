//! `GET /api/sessions/{id}/marshal-sectors` over real HTTP: race control's sector flags as
//! intervals (checked against `/race-control` of the simulated race), and the reason the
//! sectors cannot be drawn when there is no circuit info or it is for another circuit.

mod common;

use common::*;

const MEXICO: &str = "2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying";

/// Copies a folder's files (the cache and data folders refuse symlinks leading outside).
fn copy_files(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_races_sector_flags_are_its_race_control_flags_and_no_map_place_is_claimed() {
    let s = start_prebuilt().await;
    let c = reqwest::Client::new();
    let (status, v) = get_json(&c, &s.url("/api/sessions/sim-race/marshal-sectors")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["available"], false);
    assert!(v["reason"].as_str().unwrap().contains("simulated"), "{v}");
    let (_, rc) = get_json(&c, &s.url("/api/sessions/sim-race/race-control")).await;
    let sector_flags: Vec<(u64, f64)> = rc
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "Sector" && r["flag"] == "YELLOW")
        .map(|r| (r["sector"].as_u64().unwrap(), r["t_s"].as_f64().unwrap()))
        .collect();
    let ours: Vec<(u64, f64)> =
        v["flags"].as_array().unwrap().iter().map(|f| (f["sector"].as_u64().unwrap(), f["start_s"].as_f64().unwrap())).collect();
    assert!(!sector_flags.is_empty(), "the simulated race shows sector yellows");
    assert_eq!(ours, sector_flags);
    assert!(v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["flag"] == "yellow" && f["end_s"].as_f64().unwrap() > f["start_s"].as_f64().unwrap()));
    println!("sim race: {} sector flags, each cleared; not placed: {}", ours.len(), v["reason"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_session_says_why_its_sectors_are_not_drawn() {
    let Some(archive) = static_dir("marshal sectors") else { return testkit::skip("no real data") };
    let data = testkit::data_dir().unwrap();
    // A data folder with the Mexico session (a copy, in a temporary folder), with no circuit
    // info, then with another circuit's.
    let folder = tempfile::tempdir().unwrap();
    copy_files(&archive.join(MEXICO), &folder.path().join(MEXICO));
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), Some(folder.path()))).await;
    let c = reqwest::Client::new();
    let url = s.url("/api/sessions/2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying/marshal-sectors");
    let (status, v) = get_json(&c, &url).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["available"], false);
    assert!(v["reason"].as_str().unwrap().contains("no circuit info for circuit 65 in 2025"), "{v}");

    std::fs::create_dir_all(folder.path().join("multiviewer/circuits/65")).unwrap();
    std::fs::copy(
        data.join("fastf1-test-data/multiviewer/api/v1/circuits/39/2020.json"),
        folder.path().join("multiviewer/circuits/65/2025.json"),
    )
    .unwrap();
    let (_, v) = get_json(&c, &url).await;
    assert_eq!(v["available"], false);
    assert!(v["reason"].as_str().unwrap().contains("another layout"), "Silverstone's sectors on Mexico City: {v}");
    println!("Mexico Q: {}", v["reason"]);
}
