//! The server on a shared replay store of a real S3-compatible server (moto, started here): a
//! corrupt replay object is detected (its checksums) and rebuilt, and a store that refuses the
//! credentials answers a 502 that says so.

mod common;

use common::{assert_error, config, get_json, start, SIM};

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_replay_object_is_detected_and_rebuilt() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("replays");
    let bucket = bucket::Bucket::open_with("s3://replays/corrupt", &s3.env()).unwrap();
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
