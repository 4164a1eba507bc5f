//! The WebSocket stream over a real socket: every control message, the three formats, errors
//! answered without closing the socket, and the clock: 10 s at 1× advances the frame time by
//! 10 s ± 0.1 s; at 16× at most 60 messages per second.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &TestServer, id: &str, format: &str) -> Socket {
    let url = s.ws_url(&format!("/api/sessions/{id}/ws?format={format}"));
    tokio_tungstenite::connect_async(url.as_str()).await.expect("connect").0
}

/// The next text or binary message (pings are answered by the library), within 5 s.
async fn next(ws: &mut Socket) -> Message {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message within 5 s").expect("open").expect("ok");
        if matches!(msg, Message::Text(_) | Message::Binary(_) | Message::Close(_)) {
            return msg;
        }
    }
}

async fn next_json(ws: &mut Socket) -> Value {
    match next(ws).await {
        Message::Text(t) => serde_json::from_str(&t).expect("JSON"),
        other => panic!("expected text, got {other:?}"),
    }
}

/// The `meta` message, after any `progress` messages (the session may be opening or building).
async fn meta(ws: &mut Socket) -> Value {
    loop {
        let m = next_json(ws).await;
        if m["type"] != "progress" {
            assert_eq!(m["type"], "meta", "{m}");
            return m;
        }
        assert!(m["stage"].is_string() && m["percent"].is_number(), "{m}");
    }
}

/// The manifest the `meta` message points to, fetched by HTTP as a client does; the message's
/// own figures must be the manifest's.
async fn manifest_of(s: &TestServer, meta: &Value) -> Value {
    let url = meta["manifest_url"].as_str().expect("manifest_url");
    let (status, manifest) = get_json(&reqwest::Client::new(), &s.url(url)).await;
    assert_eq!(status, 200, "{url}: {manifest}");
    assert_eq!(meta["session"], manifest["session"]["id"], "{meta}");
    for field in ["fps", "frame_ms", "t_start_s", "frame_count"] {
        assert_eq!(meta[field], manifest[field], "{field}");
    }
    assert!(meta.to_string().len() < 512, "the meta message stays small: {meta}");
    manifest
}

/// `meta` is JSON text in every format.
async fn super_meta(ws: &mut Socket) {
    meta(ws).await;
}

async fn send(ws: &mut Socket, text: &str) {
    ws.send(Message::text(text)).await.expect("send");
}

/// Reads frames for `d`, returning (arrival, frame JSON) of each.
async fn frames_for(ws: &mut Socket, d: Duration) -> Vec<(Instant, Value)> {
    let end = Instant::now() + d;
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(end.into(), ws.next()).await {
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("JSON");
            if v["type"] == "frame" {
                out.push((Instant::now(), v));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_then_frames_and_every_control_message() {
    let s = start_prebuilt().await;
    let mut ws = connect(&s, SIM, "json").await;
    let meta = meta(&mut ws).await;
    let manifest = manifest_of(&s, &meta).await;
    assert_eq!(manifest["session"]["id"], SIM);
    let t_start = meta["t_start_s"].as_f64().unwrap();
    let first = next_json(&mut ws).await;
    assert_eq!(first["type"], "frame");
    assert_eq!(first["index"], 0, "paused at the first frame");

    send(&mut ws, &format!(r#"{{"type":"seek","t":{}}}"#, t_start + 300.0)).await;
    let f = next_json(&mut ws).await;
    assert_eq!(f["index"], 300 * 25);
    assert_eq!(f["cars"].as_array().map(Vec::len), Some(20));

    let lap = &manifest["lap_starts"][3];
    send(&mut ws, &format!(r#"{{"type":"seek","lap":{}}}"#, lap["lap"])).await;
    let f = next_json(&mut ws).await;
    assert!((f["t_s"].as_f64().unwrap() - lap["t_s"].as_f64().unwrap()).abs() < 0.05, "{f} vs {lap}");

    send(&mut ws, r#"{"type":"speed","x":4}"#).await;
    send(&mut ws, r#"{"type":"play"}"#).await;
    let played = frames_for(&mut ws, Duration::from_millis(1000)).await;
    assert!(played.len() >= 40, "{} frames in 1 s at 4x", played.len());
    let steps: Vec<i64> = played.windows(2).map(|w| w[1].1["index"].as_i64().unwrap() - w[0].1["index"].as_i64().unwrap()).collect();
    assert!(steps.iter().all(|s| *s >= 1), "frames move forward: {steps:?}");
    let advanced = played.last().unwrap().1["t_s"].as_f64().unwrap() - played[0].1["t_s"].as_f64().unwrap();
    assert!((3.0..=4.2).contains(&advanced), "4x for ~1 s advanced {advanced} s");

    send(&mut ws, r#"{"type":"pause"}"#).await;
    frames_for(&mut ws, Duration::from_millis(300)).await; // in flight, and the paused frame
    let after = frames_for(&mut ws, Duration::from_millis(500)).await;
    assert!(after.is_empty(), "no frames while paused: {}", after.len());

    send(&mut ws, r#"{"type":"play","speed":2}"#).await;
    let played = frames_for(&mut ws, Duration::from_millis(600)).await;
    assert!(played.len() >= 20, "{} frames in 0.6 s at 2x", played.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_answered_and_the_socket_stays_open() {
    let s = start_prebuilt().await;
    let mut ws = connect(&s, SIM, "json").await;
    let meta = meta(&mut ws).await;
    let t_start = meta["t_start_s"].as_f64().unwrap();
    next_json(&mut ws).await;
    let big = format!(r#"{{"type":"pause","pad":"{}"}}"#, "x".repeat(2000));
    for (bad, why) in [
        ("hello", "not JSON"),
        ("{}", "missing \"type\""),
        (r#"{"type":"jump"}"#, "unknown type"),
        (r#"{"type":"speed","x":0}"#, "above 0"),
        (r#"{"type":"speed","x":"fast"}"#, "above 0"),
        (r#"{"type":"play","speed":-1}"#, "speed must be"),
        (r#"{"type":"seek"}"#, "needs t"),
        (r#"{"type":"seek","lap":9999}"#, "no lap 9999"),
        (big.as_str(), "too large"),
    ] {
        send(&mut ws, bad).await;
        let reply = next_json(&mut ws).await;
        assert_eq!(reply["type"], "error", "{bad}");
        assert!(reply["error"].as_str().unwrap().contains(why), "{bad}: {reply}");
    }
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["type"], "error");
    // Still open and working.
    send(&mut ws, &format!(r#"{{"type":"seek","t":{}}}"#, t_start + 60.0)).await;
    let f = next_json(&mut ws).await;
    assert_eq!(f["index"], 60 * 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_and_binary_formats_carry_the_same_frame() {
    let s = start_prebuilt().await;
    let mut json = connect(&s, SIM, "json").await;
    let mut pack = connect(&s, SIM, "msgpack").await;
    let mut bin = connect(&s, SIM, "binary").await;
    let meta = meta(&mut json).await;
    super_meta(&mut pack).await;
    super_meta(&mut bin).await;
    let t = meta["t_start_s"].as_f64().unwrap() + 123.4;
    for ws in [&mut json, &mut pack, &mut bin] {
        next(ws).await;
        send(ws, &format!(r#"{{"type":"seek","t":{t}}}"#)).await;
    }
    let j = next_json(&mut json).await;
    let index = j["index"].as_u64().unwrap() as u32;
    let Message::Binary(p) = next(&mut pack).await else { panic!("msgpack is binary") };
    assert!(p[0] & 0xf0 == 0x80 || p[0] == 0xde, "a msgpack map");
    assert!(p.len() < j.to_string().len(), "msgpack {} < JSON {}", p.len(), j.to_string().len());
    let Message::Binary(b) = next(&mut bin).await else { panic!("binary is binary") };
    let (drivers, first, frames) = server::chunk_header(&b).unwrap();
    assert_eq!((drivers, first, frames), (20, index, 1));
    let one = replay::chunk::Chunk::decode(b.to_vec()).expect("a one-frame chunk in the documented format");
    let from_json = |k: usize| j["cars"].as_array().unwrap().iter().map(|c| c["speed"].as_u64().unwrap()).collect::<Vec<_>>()[k];
    let mut speeds: Vec<u64> = (0..20).map(|d| one.driver(replay::chunk::col::SPEED, d, 0) as u64).collect();
    let mut json_speeds: Vec<u64> = (0..20).map(from_json).collect();
    speeds.sort_unstable();
    json_speeds.sort_unstable();
    assert_eq!(speeds, json_speeds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_errors_are_http_errors() {
    let s = start_prebuilt().await;
    let c = reqwest::Client::new();
    let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/ws"))).await;
    assert!(status == 400 || status == 426, "plain GET: {status} {body}");
    assert_eq!(body["status"], status);
    let err = tokio_tungstenite::connect_async(s.ws_url(&format!("/api/sessions/{SIM}/ws?format=xml")).as_str()).await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    let err = tokio_tungstenite::connect_async(s.ws_url("/api/sessions/sim-nothing/ws").as_str()).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    let err = tokio_tungstenite::connect_async(s.ws_url("/api/sessions/2025~..~x/ws").as_str()).await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    if static_dir("404 for an unknown local session over WebSocket").is_some() {
        let err = tokio_tungstenite::connect_async(s.ws_url("/api/sessions/2025~2025-01-01_Nowhere~2025-01-01_Race/ws").as_str())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("404"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_seconds_at_1x_advance_the_frame_time_by_ten_seconds() {
    let s = start_prebuilt().await;
    let mut ws = connect(&s, SIM, "json").await;
    meta(&mut ws).await;
    let paused = next_json(&mut ws).await;
    let t0 = paused["t_s"].as_f64().unwrap();
    let played_at = Instant::now();
    send(&mut ws, r#"{"type":"play","speed":1}"#).await;
    let frames = frames_for(&mut ws, Duration::from_secs(10)).await;
    let (arrived, last) = frames.last().expect("frames");
    let wall = arrived.duration_since(played_at).as_secs_f64();
    let advanced = last["t_s"].as_f64().unwrap() - t0;
    println!("1x: {} frames, frame time advanced {advanced:.3} s in {wall:.3} s of wall time", frames.len());
    assert!((advanced - 10.0).abs() <= 0.1, "advanced {advanced} s in 10 s");
    assert!((advanced - wall).abs() <= 0.1, "frame time {advanced} s vs wall {wall} s");
    let rate = frames.len() as f64 / 10.0;
    assert!((23.0..=25.5).contains(&rate), "{rate} frames/s at 1x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_16x_at_most_60_messages_per_second() {
    let s = start_prebuilt().await;
    let mut ws = connect(&s, SIM, "binary").await;
    meta(&mut ws).await;
    next(&mut ws).await;
    send(&mut ws, r#"{"type":"play","speed":16}"#).await;
    let end = Instant::now() + Duration::from_secs(4);
    let mut arrivals = Vec::new();
    let mut indexes = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(end.into(), ws.next()).await {
        if let Message::Binary(b) = msg {
            arrivals.push(Instant::now());
            indexes.push(server::chunk_header(&b).unwrap().1);
        }
    }
    // Count over the middle 3 s (no start-up edge).
    let from = arrivals[0] + Duration::from_millis(500);
    let in_window = arrivals.iter().filter(|a| **a >= from && **a < from + Duration::from_secs(3)).count();
    let per_s = in_window as f64 / 3.0;
    let advanced_s = (indexes[indexes.len() - 1] - indexes[0]) as f64 / 25.0;
    let wall = arrivals[arrivals.len() - 1].duration_since(arrivals[0]).as_secs_f64();
    println!("16x: {per_s:.1} messages/s, frame time advanced {advanced_s:.2} s in {wall:.2} s");
    assert!(per_s <= 60.0, "{per_s} messages/s");
    assert!(per_s >= 45.0, "{per_s} messages/s: frames should still flow");
    assert!((advanced_s / wall - 16.0).abs() < 0.5, "speed {}", advanced_s / wall);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_misses_frames_and_slows_nobody() {
    let s = start_prebuilt().await;
    // The slow one: JSON at 256x with a small receive buffer, never read after the meta.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(s.addr).await.unwrap();
    let url = s.ws_url(&format!("/api/sessions/{SIM}/ws?format=json"));
    let (mut slow, _) = tokio_tungstenite::client_async(url.as_str(), tokio_tungstenite::MaybeTlsStream::Plain(stream)).await.unwrap();
    meta(&mut slow).await;
    send(&mut slow, r#"{"type":"play","speed":256}"#).await;
    let mut fast = connect(&s, SIM, "json").await;
    meta(&mut fast).await;
    let t0 = next_json(&mut fast).await["t_s"].as_f64().unwrap();
    let played_at = Instant::now();
    send(&mut fast, r#"{"type":"play","speed":1}"#).await;
    let frames = frames_for(&mut fast, Duration::from_secs(6)).await;
    let (arrived, last) = frames.last().expect("frames");
    let advanced = last["t_s"].as_f64().unwrap() - t0;
    let wall = arrived.duration_since(played_at).as_secs_f64();
    let (sent, dropped) = s.state.frames_sent_and_dropped();
    println!(
        "next to a stalled client: {} frames in 6 s, advanced {advanced:.3} s in {wall:.3} s; server sent {sent}, dropped {dropped}",
        frames.len()
    );
    assert!((advanced - wall).abs() <= 0.1, "the reading client kept time: {advanced} vs {wall}");
    assert!(frames.len() >= 140, "{} frames", frames.len());
    assert!(dropped > 0, "the stalled client's frames were dropped, not queued");
    drop(slow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sockets_and_stops_the_server() {
    let state = server::AppState::new(config(prebuilt(), None)).unwrap();
    let bound = server::Server::bind_with_state("127.0.0.1:0".parse().unwrap(), state).await.unwrap();
    let addr = bound.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(bound.run(async {
        let _ = stopped.await;
    }));
    let url = format!("ws://{addr}/api/sessions/{SIM}/ws");
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    meta(&mut ws).await;
    send(&mut ws, r#"{"type":"play"}"#).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    stop.send(()).unwrap();
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("closed within 5 s") {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1001), "going away");
    drop(ws);
    tokio::time::timeout(Duration::from_secs(6), running).await.expect("the server stopped").unwrap().unwrap();
    println!("shutdown took {:.3} s", asked.elapsed().as_secs_f64());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
}
