//! The server on a shared replay store of a real S3-compatible server (moto, started here), and
//! of a real Azure emulator (Azurite): a corrupt replay object is detected (its checksums) and
//! rebuilt, a store that refuses the
//! credentials answers a 502 that says so, and raw files (topics, team radio clips) fetched from
//! a local archive stand-in by one server let another, without the archive, build the same
//! session from the store alone; a damaged raw object is detected and fetched again.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{assert_error, config, get_json, start, static_dir, MEXICO_Q, SIM};

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_replay_object_is_detected_and_rebuilt() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("replays");
    corrupt_replay_is_rebuilt(bucket::Bucket::open_with("s3://replays/corrupt", &s3.env()).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_replay_object_on_azure_is_detected_and_rebuilt() {
    let Some(azure) = testkit::AzureServer::start() else { return };
    azure.create_container("replays");
    corrupt_replay_is_rebuilt(bucket::Bucket::open_with("az://replays/corrupt", &azure.env(false)).unwrap()).await;
}

/// A server builds into `bucket`; one byte of the stored replay is flipped; a second server must
/// detect it (the file's checksums), rebuild, and put back the same bytes.
async fn corrupt_replay_is_rebuilt(bucket: bucket::Bucket) {
    let client = reqwest::Client::new();

    let cache = tempfile::tempdir().unwrap();
    let mut c = config(cache.path(), None);
    c.shared_store = Some(bucket.clone());
    let first = start(c.clone()).await;
    let (status, manifest) = get_json(&client, &first.url(&format!("/api/sessions/{SIM}"))).await;
    assert_eq!(status, 200, "{manifest}");
    assert_eq!(first.state.builds_started(), 1);
    let stored = bucket.list("replay").await.unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let good = bucket.get(&stored[0].key).await.unwrap().unwrap();
    assert!(replay::ReplayFile::from_bytes(good.to_vec(), "stored").is_ok());

    // One byte flipped in the middle of the chunks: the file's checksum no longer holds.
    let mut bad = good.to_vec();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x5a;
    bucket.put(&stored[0].key, bad.into()).await.unwrap();

    // A second server (nothing in memory) on the same bucket: it must not serve the corrupt
    // object, but rebuild it and put the good one back.
    let cache2 = tempfile::tempdir().unwrap();
    let mut c = config(cache2.path(), None);
    c.shared_store = Some(bucket.clone());
    let second = start(c).await;
    let (status, again) = get_json(&client, &second.url(&format!("/api/sessions/{SIM}"))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, manifest);
    assert_eq!(second.state.builds_started(), 1, "the corrupt object was not rebuilt");
    let repaired = bucket.get(&stored[0].key).await.unwrap().unwrap();
    assert_eq!(repaired, good, "the rebuilt replay differs from the first build");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_are_a_502_with_the_reason() {
    let Some(s3) = testkit::S3Server::start(true) else { return };
    let bucket = bucket::Bucket::open_with("s3://replays/x", &s3.env()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(cache.path(), None);
    c.shared_store = Some(bucket);
    // Bound without the start-up check (which `serve` makes, and which would refuse to start):
    // a store that fails while serving.
    let server = start(c).await;
    let (status, body) = get_json(&reqwest::Client::new(), &server.url(&format!("/api/sessions/{SIM}"))).await;
    let reason = assert_error(status, &body, 502, "a store refusing the credentials");
    assert!(reason.contains("s3://replays/x") && reason.contains("refused the credentials"), "{reason}");
}

/// The archive stand-in: the shared data's files, any team radio clip as synthetic bytes, and
/// how many times each path was asked.
struct Archive {
    root: PathBuf,
    asked: Mutex<HashMap<String, usize>>,
}

const CLIP_BYTES: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00 synthetic clip bytes";

async fn serve_archive(State(a): State<Arc<Archive>>, UrlPath(path): UrlPath<String>) -> Response {
    *a.asked.lock().unwrap().entry(path.clone()).or_default() += 1;
    if path.contains("/TeamRadio/") {
        return CLIP_BYTES.to_vec().into_response();
    }
    if path.contains("..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    match std::fs::read(a.root.join(&path)) {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_archive(root: PathBuf) -> (String, Arc<Archive>) {
    let state = Arc::new(Archive { root, asked: Mutex::new(HashMap::new()) });
    let app = axum::Router::new().route("/static/{*path}", axum::routing::get(serve_archive)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/static/"), state)
}

/// A server on `bucket` with its own empty cache, the archive at `archive_url`.
async fn online(bucket: &bucket::Bucket, archive_url: &str) -> (common::TestServer, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = server::StateConfig::new(cache.path());
    c.archive_url = Some(archive_url.to_owned());
    c.shared_store = Some(bucket.clone());
    (start(c).await, cache)
}

/// Removes the built replays from the bucket, so the next server must build from raw files.
async fn drop_replays(bucket: &bucket::Bucket) {
    for o in bucket.list("replay").await.unwrap() {
        bucket.delete(&o.key).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_files_are_shared_through_the_store_and_a_damaged_one_is_fetched_again() {
    let Some(data) = static_dir("raw files in the shared store") else { return };
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("raw");
    let bucket = bucket::Bucket::open_with("s3://raw/shared", &s3.env()).unwrap();
    let (url, archive) = start_archive(data.clone()).await;
    let client = reqwest::Client::new();
    let session = MEXICO_Q.replace('~', "/");
    let timing_path = format!("{session}/TimingData.jsonStream");

    // Server A fetches the session (and one clip) from the archive: the raw files land in the store.
    let (a, _a_cache) = online(&bucket, &url).await;
    let (status, manifest) = get_json(&client, &a.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    assert_eq!(status, 200, "{manifest}");
    let clip = client.get(a.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/0"))).send().await.unwrap();
    assert_eq!(clip.status(), 200);
    assert_eq!(&clip.bytes().await.unwrap()[..], CLIP_BYTES);
    let raw = bucket.list("raw").await.unwrap();
    let on_disk = std::fs::read(data.join(&timing_path)).unwrap();
    let timing_key = archive::shared::key(&timing_path, &on_disk);
    println!("{} raw objects in the store after server A: {:?}", raw.len(), raw.iter().map(|o| &o.key).collect::<Vec<_>>());
    assert!(raw.iter().any(|o| o.key == timing_key), "TimingData is stored under its digest ({timing_key})");
    assert_eq!(&bucket.get(&timing_key).await.unwrap().unwrap()[..], &on_disk[..], "the stored bytes are the archive's");
    assert!(raw.iter().any(|o| o.key.contains("/TeamRadio/")), "the clip is stored");
    let asked_by_a: usize = archive.asked.lock().unwrap().values().sum();

    // Server B cannot reach the archive: it builds the same session from the store alone.
    drop_replays(&bucket).await;
    let (b, _b_cache) = online(&bucket, "http://127.0.0.1:1/static/").await;
    let (status, again) = get_json(&client, &b.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(b.state.builds_started(), 1, "B built the session");
    assert_eq!(again, manifest, "the replay built from the store alone equals the one built from the archive");
    let clip = client.get(b.url(&format!("/api/sessions/{MEXICO_Q}/team-radio/0"))).send().await.unwrap();
    assert_eq!(clip.status(), 200, "the stored clip plays without the archive");
    assert_eq!(&clip.bytes().await.unwrap()[..], CLIP_BYTES);
    assert_eq!(archive.asked.lock().unwrap().values().sum::<usize>(), asked_by_a, "B asked the archive nothing");

    // One byte flipped in the stored TimingData: a server without the archive refuses it with
    // the reason (it does not build a session without timing), one with the archive fetches
    // it again, replaces the object and builds the same replay.
    let mut bad = on_disk.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x20;
    bucket.put(&timing_key, bad.into()).await.unwrap();
    drop_replays(&bucket).await;
    let (c, _c_cache) = online(&bucket, "http://127.0.0.1:1/static/").await;
    let (status, body) = get_json(&client, &c.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    println!("damaged TimingData, no archive: {status} {body}");
    assert!(status >= 500, "a damaged raw object without the archive must fail, not build without it: {status} {body}");
    assert!(body.to_string().contains("TimingData.jsonStream"), "{body}");
    assert!(bucket.head(&timing_key).await.unwrap().is_none(), "the damaged object was deleted");

    let timing_asks = || archive.asked.lock().unwrap().get(&timing_path).copied().unwrap_or(0);
    let before = timing_asks();
    let (d, _d_cache) = online(&bucket, &url).await;
    let (status, rebuilt) = get_json(&client, &d.url(&format!("/api/sessions/{MEXICO_Q}"))).await;
    assert_eq!(status, 200, "{rebuilt}");
    assert_eq!(rebuilt, manifest);
    assert_eq!(timing_asks(), before + 1, "the damaged TimingData was fetched again from the archive");
    assert_eq!(
        &bucket.get(&timing_key).await.unwrap().expect("replaced")[..],
        &on_disk[..],
        "the object was replaced by the archive's bytes"
    );
}
