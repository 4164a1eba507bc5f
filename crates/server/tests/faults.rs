//! Fault injection on a real server on 127.0.0.1 (issue 16): a cache file truncated or changed
//! in place while it is served, and requests that name a chunk in a non-canonical way.

mod common;

use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

const QUALI: &str = "sim-qualifying";

/// GET with an `Accept-Encoding`: (status, body bytes).
async fn get_coded(client: &reqwest::Client, url: &str, coding: &str) -> (u16, Vec<u8>) {
    let r = client.get(url).header("accept-encoding", coding).send().await.expect("request");
    (r.status().as_u16(), r.bytes().await.expect("body").to_vec())
}

/// A WebSocket seek to `t` answers with a frame at about `t`.
async fn ws_seek_gives_a_frame(s: &TestServer, t: f64) {
    let url = s.ws_url(&format!("/api/sessions/{QUALI}/ws?format=json"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
    ws.send(Message::text(format!(r#"{{"type":"seek","t":{t}}}"#))).await.unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a message").expect("open").expect("ok");
        let Message::Text(text) = msg else { continue };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "frame" && (v["t_s"].as_f64().unwrap_or(0.0) - t).abs() < 1.0 {
            return;
        }
        assert_ne!(v["type"], "error", "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_file_truncated_or_changed_while_served_never_crashes_nor_serves_wrong_bytes() {
    let cache = tempfile::tempdir().unwrap();
    let s = start(config(cache.path(), None)).await;
    let client = reqwest::Client::new();
    let (status, manifest) = get_json(&client, &s.url(&format!("/api/sessions/{QUALI}"))).await;
    assert_eq!(status, 200);
    let chunks = manifest["chunks"].as_array().unwrap().len();
    assert!(chunks > 130, "sim-qualifying has {chunks} chunks");
    let chunk_url = |n: usize| s.url(&format!("/api/sessions/{QUALI}/chunks/{n}"));
    // What the chunks are before the file is touched (zstd as stored, and decompressed).
    let mut stored = Vec::new();
    for n in 0..chunks {
        let (status, body) = get_coded(&client, &chunk_url(n), "zstd").await;
        assert_eq!(status, 200);
        stored.push(body);
    }
    let (_, plain_130) = get_coded(&client, &chunk_url(130), "identity").await;

    // Truncated under the running server, as `truncate -s 100000` does.
    let path = s.state.replay_path(QUALI).await.unwrap();
    let original = std::fs::read(&path).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(100_000).unwrap();
    let (status, body) = get_coded(&client, &chunk_url(130), "zstd").await;
    assert_eq!((status, &body), (200, &stored[130]), "chunk 130 after the truncation");
    let (status, gz) = get_coded(&client, &chunk_url(130), "gzip").await;
    assert_eq!(status, 200);
    let mut gunzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut gunzipped).unwrap();
    assert_eq!(gunzipped, plain_130, "the gzip chunk holds the right bytes");
    let t_130 = manifest["t_start_s"].as_f64().unwrap()
        + manifest["chunks"][130]["first_frame"].as_f64().unwrap() * manifest["frame_ms"].as_f64().unwrap() / 1000.0;
    let (status, frame) = get_json(&client, &s.url(&format!("/api/sessions/{QUALI}/frame?t={}", t_130 + 1.0))).await;
    assert_eq!(status, 200, "{frame}");
    ws_seek_gives_a_frame(&s, t_130 + 2.0).await;

    // Bytes changed in place inside 40 chunks (the file restored to full length first).
    std::fs::write(&path, &original).unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    let mut offset = 16 + u64::from(u32::from_le_bytes(original[12..16].try_into().unwrap()));
    for (n, c) in manifest["chunks"].as_array().unwrap().iter().enumerate() {
        let len = c["bytes"].as_u64().unwrap();
        if n % (chunks / 40).max(1) == 0 {
            f.seek(SeekFrom::Start(offset + len / 2)).unwrap();
            f.write_all(&[0xa5; 8]).unwrap();
        }
        offset += len;
    }
    drop(f);
    for (n, want) in stored.iter().enumerate() {
        let (status, body) = get_coded(&client, &chunk_url(n), "zstd").await;
        assert_eq!((status, &body), (200, want), "chunk {n} after bytes were changed in place");
    }
    let (status, health) = get_json(&client, &s.url("/api/health")).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));

    // A server started on the damaged file rebuilds it rather than serving it.
    drop(s);
    let s = start(config(cache.path(), None)).await;
    let (status, body) = get_coded(&client, &s.url(&format!("/api/sessions/{QUALI}/chunks/130")), "zstd").await;
    assert_eq!((status, &body), (200, &stored[130]));
    assert_eq!(s.state.builds_started(), 1, "the damaged file was rebuilt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_canonical_chunk_numbers_name_a_chunk() {
    let s = start_prebuilt().await;
    let client = reqwest::Client::new();
    let (status, _) = get_coded(&client, &s.url(&format!("/api/sessions/{SIM}/chunks/1")), "zstd").await;
    assert_eq!(status, 200);
    for bad in ["+1", "00001", "01", "1.0", " 1", "-0"] {
        let (status, body) = get_json(&client, &s.url(&format!("/api/sessions/{SIM}/chunks/{}", bad.replace(' ', "%20")))).await;
        assert_error(status, &body, 400, bad);
    }
}
