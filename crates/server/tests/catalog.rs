//! The session list's honest states (issue 17): what each session's data has (map, car
//! telemetry, timing) before it is built, equal to what the built replay's manifest says; what
//! is cached; and an archive that cannot be reached said at once, with the reason in words,
//! instead of after the HTTP retries with a raw connection error.

mod common;

use std::time::Instant;

use common::{assert_error, config, get_json, start, static_dir};

#[tokio::test]
async fn the_list_says_what_each_session_has_and_what_is_cached() {
    let Some(data) = static_dir("session list coverage") else { return };
    let cache = tempfile::tempdir().unwrap();
    let server = start(config(cache.path(), Some(&data))).await;
    let client = reqwest::Client::new();
    let (status, list) = get_json(&client, &server.url("/api/seasons/2025/sessions")).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    let mut compared = 0;
    for s in list.iter().filter(|s| s["available"] == true) {
        let id = s["id"].as_str().unwrap();
        assert_eq!(s["cached"], false, "{id}: nothing is built yet");
        assert!(s["coverage"].is_object(), "{id}: a local session says what it has: {s}");
        // The oracle: what the built replay's manifest says the data covers.
        let (status, manifest) = get_json(&client, &server.url(&format!("/api/sessions/{id}"))).await;
        assert_eq!(status, 200, "{id}: {manifest}");
        println!("{id}: listed {} / built {}", s["coverage"], manifest["coverage"]);
        assert_eq!(s["coverage"], manifest["coverage"], "{id}: the list's coverage is the manifest's");
        compared += 1;
    }
    assert!(compared >= 1, "no session of 2025 in the shared data");
    let (_, after) = get_json(&client, &server.url("/api/seasons/2025/sessions")).await;
    for s in after.as_array().unwrap().iter().filter(|s| s["available"] == true) {
        assert_eq!(s["cached"], true, "{}: built, so cached", s["id"]);
    }
    let (_, sims) = get_json(&client, &server.url("/api/seasons/0/sessions")).await;
    assert!(sims.as_array().unwrap().iter().all(|s| s["coverage"]["positions"] == true && s["reason"].is_null()), "{sims}");
}

#[tokio::test]
async fn an_unreachable_archive_is_said_at_once_with_the_reason() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(cache.path(), None);
    c.offline = false;
    // Port 1 on the loopback: nothing listens, the connection is refused.
    c.archive_url = Some("http://127.0.0.1:1/static/".to_owned());
    let server = start(c).await;
    let client = reqwest::Client::new();

    let t0 = Instant::now();
    let (status, seasons) = get_json(&client, &server.url("/api/seasons")).await;
    println!("seasons answered in {} ms", t0.elapsed().as_millis());
    assert_eq!(status, 200, "{seasons}");
    let seasons = seasons.as_array().unwrap();
    let archive: Vec<_> = seasons.iter().filter(|s| s["year"] != 0).collect();
    assert!(!archive.is_empty());
    for s in &archive {
        assert_eq!(s["available"], false, "{s}");
        let reason = s["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("cannot be reached") && reason.contains("refused"), "a reason in words: {s}");
    }
    assert!(seasons.iter().any(|s| s["year"] == 0 && s["available"] == true), "the simulated sessions stay: {seasons:?}");

    let t0 = Instant::now();
    let (status, body) = get_json(&client, &server.url("/api/seasons/2024/sessions")).await;
    println!("a season's sessions answered in {} ms: {body}", t0.elapsed().as_millis());
    let reason = assert_error(status, &body, 503, "sessions of an unreachable archive");
    assert!(reason.contains("cannot be reached") && reason.contains("not in the cache"), "{reason}");
    for raw in ["error sending request", "dns error", "tcp connect error", "os error"] {
        assert!(!reason.contains(raw), "no raw client error in the reason: {reason}");
    }
}
