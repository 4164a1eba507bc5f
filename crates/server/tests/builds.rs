//! Builds: concurrent first requests share one build (single-flight), the server stays
//! responsive while a cold build runs, progress streams over SSE and the WebSocket, and a
//! corrupt replay file is rebuilt.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_first_requests_start_exactly_one_build() {
    let data = static_dir("single-flight on Mexico qualifying (using the simulator instead)");
    let id = if data.is_some() { MEXICO_Q } else { SIM };
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), data.as_deref())).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let url = s.url(&format!("/api/sessions/{id}"));
    let requests = (0..100).map(|_| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move {
            let r = client.get(&url).send().await.expect("request");
            (r.status().as_u16(), r.bytes().await.expect("body"))
        })
    });
    let answers = futures_util::future::join_all(requests).await;
    let first = answers[0].as_ref().unwrap().1.clone();
    for a in &answers {
        let (status, body) = a.as_ref().unwrap();
        assert_eq!(*status, 200);
        assert_eq!(body, &first, "every request gets the same manifest");
    }
    println!("100 concurrent first requests for {id}: {} build(s), {} load(s)", s.state.builds_started(), s.state.loads_started());
    assert_eq!(s.state.builds_started(), 1);
    assert_eq!(s.state.loads_started(), 1);
    let (_, health) = get_json(&client, &s.url("/api/health")).await;
    assert_eq!(health["builds"], 1);
    assert_eq!(health["sessions_cached"], 1);
    // And the table endpoints reuse the model loaded for the build.
    let (status, _) = get_json(&client, &s.url(&format!("/api/sessions/{id}/laps"))).await;
    assert_eq!(status, 200);
    assert_eq!(s.state.loads_started(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_within_10_ms_p99_while_a_cold_build_runs() {
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), None)).await;
    let client = reqwest::Client::new();
    let health = s.url("/api/health");
    get_json(&client, &health).await; // connection warm
    let build = {
        let (client, url) = (client.clone(), s.url("/api/sessions/sim-race"));
        tokio::spawn(async move { client.get(&url).send().await.map(|r| r.status().as_u16()) })
    };
    let started = Instant::now();
    let mut during = Vec::new();
    while during.len() < 200 && started.elapsed() < Duration::from_secs(60) {
        let t = Instant::now();
        let (status, body) = get_json(&client, &health).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200);
        if body["building"].as_u64() > Some(0) {
            during.push(ms);
        } else if body["sessions_cached"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let build_s = started.elapsed().as_secs_f64();
    assert_eq!(build.await.unwrap().unwrap(), 200);
    during.sort_by(f64::total_cmp);
    assert!(during.len() >= 100, "only {} health requests while building (build took {build_s:.1} s)", during.len());
    let p = |q: f64| during[((during.len() - 1) as f64 * q).round() as usize];
    println!(
        "health during a cold build of sim-race ({} requests over {build_s:.1} s): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        during.len(),
        p(0.5),
        p(0.99),
        during[during.len() - 1]
    );
    // A build that blocked the runtime would hold a health answer for a large part of the build:
    // the slowest answer stays a small fraction of the build's time (both measured in this run).
    let slowest = during[during.len() - 1];
    assert!(slowest < build_s * 1000.0 / 20.0, "slowest health answer {slowest:.1} ms during a {build_s:.1} s build");
}

/// The events of an SSE body: (event, data JSON).
fn events(body: &str) -> Vec<(String, serde_json::Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = Some(e.trim().to_owned());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data = serde_json::from_str(d.trim()).ok();
                }
            }
            Some((event?, data?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_progress_streams_as_server_sent_events() {
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), None)).await;
    let client = reqwest::Client::new();
    let url = s.url(&format!("/api/sessions/{SIM}/build"));
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let body = String::from_utf8(r.bytes().await.unwrap().to_vec()).unwrap();
    let evs = events(&body);
    let (last, rest) = evs.split_last().expect("events");
    assert_eq!(last.0, "done", "{body}");
    assert_eq!(last.1["manifest"], format!("/api/sessions/{SIM}"));
    let stages: Vec<&str> = rest.iter().filter(|e| e.0 == "progress").filter_map(|e| e.1["stage"].as_str()).collect();
    assert!(stages.len() >= 3, "{stages:?}");
    assert!(rest.iter().all(|e| e.1["percent"].as_u64().is_some_and(|p| p <= 100)));
    println!("SSE stages: {stages:?}");
    // Built: done at once.
    let body = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(events(&body).iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["done"]);
    let (status, body) = get_json(&client, &s.url("/api/sessions/sim-nothing/build")).await;
    assert_error(status, &body, 404, "unknown sim");
    let (status, body) = get_json(&client, &s.url("/api/sessions/2025~2025-01-01_Nowhere~2025-01-01_Race/build")).await;
    assert_error(status, &body, 404, "not in the (offline) raw cache");
    let (status, body) = get_json(&client, &s.url("/api/sessions/2025~..~x/build")).await;
    assert_error(status, &body, 400, "bad id");
    assert_eq!(s.state.builds_started(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_reports_progress_while_building() {
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), None)).await;
    let url = s.ws_url(&format!("/api/sessions/{SIM}/ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let mut progress = 0;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(60), ws.next()).await.unwrap().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        match v["type"].as_str() {
            Some("progress") => progress += 1,
            Some("meta") => break,
            other => panic!("unexpected {other:?}: {v}"),
        }
    }
    assert!(progress >= 2, "{progress} progress messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_replay_file_is_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let path = {
        let s = start(config(cache.path(), None)).await;
        s.state.prepare(SIM).await.unwrap();
        s.state.replay_path(SIM).await.unwrap()
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let s = start(config(cache.path(), None)).await;
    let client = reqwest::Client::new();
    let (status, manifest) = get_json(&client, &s.url(&format!("/api/sessions/{SIM}"))).await;
    assert_eq!(status, 200, "{manifest}");
    assert_eq!(s.state.builds_started(), 1, "the corrupt file was rebuilt");
    assert!(replay::ReplayFile::open(&path).is_ok());
    // A third server opens the good file without building.
    let s = start(config(cache.path(), None)).await;
    s.state.prepare(SIM).await.unwrap();
    assert_eq!(s.state.builds_started(), 0);
}
