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

// ---------------------------------------------------------------------------------------------
// A server that cannot be starved.

use std::process::{Child, Command, Stdio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Set in the child process that [`ChildServer`] starts: the cache folder to serve from.
const CHILD_ENV: &str = "F1REPLAY_FAULTS_CHILD_CACHE";

/// Not a test: the server process of [`ChildServer`] (this test binary run again with
/// `--ignored --exact child_server`), listening on 127.0.0.1 until its stdin closes.
#[test]
#[ignore]
fn child_server() {
    let Some(cache) = std::env::var_os(CHILD_ENV) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let state = server::AppState::new(config(Path::new(&cache), None)).unwrap();
        state.prepare(SIM).await.unwrap();
        let bound = server::Server::bind_with_state("127.0.0.1:0".parse().unwrap(), state).await.unwrap();
        println!("LISTENING {}", bound.local_addr().unwrap());
        let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::Read::read(&mut std::io::stdin(), &mut [0u8; 1]);
            let _ = closed.send(());
        });
        bound
            .run(async {
                let _ = on_close.await;
            })
            .await
            .unwrap();
    });
}

use std::path::Path;

/// A server in a child process (so its descriptors and memory are its own), with an optional
/// `ulimit -n`; stopped when dropped.
struct ChildServer {
    child: Child,
    addr: std::net::SocketAddr,
    _cache: tempfile::TempDir,
}

impl ChildServer {
    fn start(descriptors: Option<u32>) -> ChildServer {
        let cache = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let ulimit = descriptors.map(|n| format!("ulimit -n {n} && ")).unwrap_or_default();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("{ulimit}exec \"$0\" --ignored --exact child_server --nocapture --test-threads 1"))
            .arg(exe)
            .env(CHILD_ENV, cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let addr = loop {
            let mut line = String::new();
            assert!(std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0, "the child server ended before listening");
            // libtest prints "test child_server ... " on the same line first.
            if let Some(addr) = line.trim().split("LISTENING ").nth(1) {
                break addr.parse().unwrap();
            }
        };
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        ChildServer { child, addr, _cache: cache }
    }

    /// Resident memory of the server process, KB.
    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 GET on a new connection: the status code.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut head = vec![0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_hundred_silent_connections_with_1024_descriptors_do_not_stop_a_real_request() {
    let server = ChildServer::start(Some(1024));
    let mut silent = Vec::new();
    for _ in 0..1100 {
        silent.push(tokio::net::TcpStream::connect(server.addr).await.unwrap());
    }
    let started = std::time::Instant::now();
    let status = raw_get(server.addr, "/api/health").await;
    println!(
        "1,100 silent connections, descriptor limit 1,024: /api/health answered {status} in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(status, 200);
    // The silent ones that made room were closed by the server (EOF), not left to hang.
    let mut closed = 0;
    for s in &mut silent {
        let mut b = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut b)).await {
            closed += 1;
        }
    }
    println!("{closed} of the silent connections were closed to make room");
    assert!(closed > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_closed_after_the_header_timeout() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(cache.path(), None);
    c.limits.header_timeout = Duration::from_secs(1);
    let s = start(c).await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        tcp.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(tcp);
    }
    let started = std::time::Instant::now();
    let mut closed = 0;
    // One header byte per 100 ms from each, until the server closes them (bounded wait: 60 s).
    'outer: for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for tcp in &mut slow {
            let _ = tcp.write_all(b"X").await;
        }
        closed = 0;
        for tcp in &mut slow {
            let mut b = [0u8; 256];
            match tokio::time::timeout(Duration::from_millis(1), tcp.read(&mut b)).await {
                Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
                Ok(Ok(_)) => closed += 1, // an error response, then the close
                Err(_) => {}
            }
        }
        if closed == slow.len() {
            break 'outer;
        }
    }
    println!("50 slowloris connections (header timeout 1 s): {closed} closed after {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(closed, 50);
    assert_eq!(raw_get(s.addr, "/api/health").await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_past_the_cap_get_a_503() {
    let mut c = config(prebuilt(), None);
    c.limits.max_viewers = 2;
    let s = start(c).await;
    let url = s.ws_url(&format!("/api/sessions/{SIM}/ws"));
    let mut viewers = Vec::new();
    for _ in 0..2 {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("within the cap");
        let _ = ws.next().await;
        viewers.push(ws);
    }
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 503),
        other => panic!("expected a 503, got {:?}", other.map(|(_, r)| r.status())),
    }
}

/// Opens `n` viewers of `SIM`, each read up to its first frame (paused, idle).
async fn open_viewers(
    addr: std::net::SocketAddr,
    n: usize,
) -> Vec<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>> {
    let url = format!("ws://{addr}/api/sessions/{SIM}/ws?format=binary");
    let mut viewers = Vec::with_capacity(n);
    for _ in 0..n {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
        loop {
            match ws.next().await.expect("open").expect("ok") {
                Message::Binary(_) => break,
                Message::Text(t) if t.contains("\"frame\"") => break,
                _ => {}
            }
        }
        viewers.push(ws);
    }
    viewers
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_viewer_memory_is_measured() {
    let server = ChildServer::start(None);
    let _warm = open_viewers(server.addr, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kb();
    let viewers = open_viewers(server.addr, 3000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kb();
    let per = (after.saturating_sub(before)) as f64 / viewers.len() as f64;
    println!("3,000 idle viewers: server RSS {before} KB before, {after} KB after: {per:.1} KB per viewer");
    assert!(before > 0 && after > before);
    // Issue 16's bound; 60 KB when the 55 KB manifest went inline in the `meta` message.
    assert!(per <= 30.0, "{per:.1} KB per idle viewer (at most 30)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_viewers_get_a_1001_close_frame_at_shutdown() {
    let state = server::AppState::new(config(prebuilt(), None)).unwrap();
    let bound = server::Server::bind_with_state("127.0.0.1:0".parse().unwrap(), state).await.unwrap();
    let addr = bound.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(bound.run(async {
        let _ = stopped.await;
    }));
    let viewers = open_viewers(addr, 1000).await;
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    let closes = futures_util::future::join_all(viewers.into_iter().map(|mut ws| async move {
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            if let Message::Close(frame) = msg {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    }))
    .await;
    let with_1001 = closes.iter().filter(|c| **c == Some(1001)).count();
    println!("1,000 viewers and a shutdown: {with_1001} close frames with code 1001 in {:.2} s", started.elapsed().as_secs_f64());
    running.await.unwrap().unwrap();
    assert_eq!(with_1001, 1000);
}
