//! Team radio (issue 17): the TeamRadio topic's clips listed at their session time, and a clip
//! fetched from the archive on demand through the raw cache (its rate limit and disk cache),
//! against a real local HTTP server standing in for the archive: the bytes are the archive's,
//! a second request and a restarted server are answered from the disk cache without asking
//! the archive again, a clip the archive lacks is a 404 with the reason, and with the archive
//! gone an uncached clip is a 503 saying why while a cached one still plays.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::{assert_error, get_json, start, static_dir, MEXICO_Q};

/// The archive stand-in: the shared data's files, plus one synthetic clip.
struct Archive {
    root: PathBuf,
    clip_name: Mutex<String>,
    clip_requests: AtomicUsize,
}

const CLIP_BYTES: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00 synthetic clip bytes";

async fn serve(State(a): State<Arc<Archive>>, UrlPath(path): UrlPath<String>) -> Response {
    if let Some((_, name)) = path.split_once("/TeamRadio/") {
        a.clip_requests.fetch_add(1, Ordering::SeqCst);
        return if *a.clip_name.lock().unwrap() == name {
            CLIP_BYTES.to_vec().into_response()
        } else {
            StatusCode::NOT_FOUND.into_response()
        };
    }
    if path.contains("..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    match std::fs::read(a.root.join(&path)) {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_archive(root: PathBuf) -> (String, Arc<Archive>, tokio::sync::oneshot::Sender<()>) {
    let state = Arc::new(Archive { root, clip_name: Mutex::new(String::new()), clip_requests: AtomicUsize::new(0) });
    let app = Router::new().route("/static/{*path}", get(serve)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap()
    });
    (format!("http://{addr}/static/"), state, tx)
}

fn online(cache: &std::path::Path, archive_url: &str) -> server::StateConfig {
    let mut c = server::StateConfig::new(cache);
    c.archive_url = Some(archive_url.to_owned());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clips_are_listed_fetched_on_demand_cached_and_said_unavailable_with_a_reason() {
    let Some(data) = static_dir("team radio") else { return };
    let topic =
        std::fs::read_to_string(data.join("2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying/TeamRadio.jsonStream")).unwrap();
    let (url, archive, stop) = start_archive(data.clone()).await;
    let cache = tempfile::tempdir().unwrap();
    let server = start(online(cache.path(), &url)).await;
    let client = reqwest::Client::new();

    // The list: every capture of the topic, in order, at its UTC minus t0.
    let (status, clips) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio"))).await;
    assert_eq!(status, 200, "{clips}");
    let clips = clips.as_array().unwrap().clone();
    let sent = topic.matches("\"Path\"").count();
    println!("{} clips listed, {sent} in the topic file", clips.len());
    assert_eq!(clips.len(), sent, "every capture is listed");
    let (_, manifest) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    let t0_ms = chrono_ms(manifest["session"]["t0_utc"].as_str().unwrap());
    // The first capture: 2025-10-25T20:59:10.493Z, car 23.
    let first = &clips[0];
    assert_eq!(first["driver"], 23);
    assert_eq!(first["path"], "TeamRadio/ALEALB01_23_20251025_155858.mp3");
    let want_t = (chrono_ms("2025-10-25T20:59:10.493Z") - t0_ms) as f64 / 1000.0;
    assert!((first["t_s"].as_f64().unwrap() - want_t).abs() < 0.002, "clip at UTC − t0 = {want_t}: {first}");

    // The archive has the first clip only.
    let name = first["path"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    *archive.clip_name.lock().unwrap() = name.clone();
    let clip_url = server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/0"));
    let r = client.get(&clip_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/mpeg");
    assert_eq!(&r.bytes().await.unwrap()[..], CLIP_BYTES, "the archive's bytes");
    let r = client.get(&clip_url).send().await.unwrap();
    assert_eq!(&r.bytes().await.unwrap()[..], CLIP_BYTES);
    assert_eq!(archive.clip_requests.load(Ordering::SeqCst), 1, "the second request comes from the disk cache");

    // A clip the archive does not have: 404 with the reason.
    let (status, body) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/1"))).await;
    let reason = assert_error(status, &body, 404, "a clip the archive lacks");
    assert!(reason.contains("not in the archive"), "{reason}");
    // A viewer asks before playing: the same answers as JSON.
    let (_, check) = get_json(&client, &format!("{clip_url}?check=1")).await;
    assert_eq!(check, serde_json::json!({"available": true, "reason": null}));
    let (_, check) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/1?check=1"))).await;
    assert_eq!(check["available"], false);
    assert!(check["reason"].as_str().unwrap().contains("not in the archive"), "{check}");
    let (status, body) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/{}", clips.len()))).await;
    assert_error(status, &body, 404, "a clip number past the list");

    // The archive gone: a new server on the same cache plays the cached clip and says why the
    // others are unavailable, without waiting for retries.
    drop(server);
    let _ = stop.send(());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let server = start(online(cache.path(), &url)).await;
    let r = client.get(server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/0"))).send().await.unwrap();
    assert_eq!(r.status(), 200, "the cached clip plays offline");
    assert_eq!(&r.bytes().await.unwrap()[..], CLIP_BYTES);
    let started = std::time::Instant::now();
    let (status, body) = get_json(&client, &server.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/2"))).await;
    println!("an uncached clip with the archive gone answered in {} ms: {body}", started.elapsed().as_millis());
    let reason = assert_error(status, &body, 503, "an uncached clip offline");
    assert!(reason.contains("not downloaded") && reason.contains("cannot be reached"), "{reason}");
    assert_eq!(archive.clip_requests.load(Ordering::SeqCst), 3, "only the missing clip was asked of the archive (twice)");
}

#[tokio::test]
async fn simulated_sessions_have_no_clips() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(common::config(cache.path(), None)).await;
    let client = reqwest::Client::new();
    let (status, clips) = get_json(&client, &server.url(&format!("/api/sessions/{}/team-radio", common::SIM))).await;
    assert_eq!(status, 200);
    assert_eq!(clips, serde_json::json!([]));
    let (status, body) = get_json(&client, &server.url(&format!("/api/sessions/{}/team-radio/0", common::SIM))).await;
    assert_error(status, &body, 404, "a clip of a simulated session");
}

/// Milliseconds since the epoch of an ISO UTC time (`2025-10-25T20:59:10.493Z`).
fn chrono_ms(s: &str) -> i64 {
    let s = s.trim_end_matches('Z');
    let (date, time) = s.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    let ms: i64 = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().unwrap();
    let days = days_from_civil(d[0], d[1], d[2]);
    ((days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]) * 1000) + ms
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
