//! `f1replay bench serve`: a load generator on loopback that measures the server as viewers see
//! it, and prints its figures.
//!
//! It builds (or opens) one session, starts the server on `127.0.0.1:0` in its own runtime, and
//! runs the clients in another runtime of the same process, so client and server share the
//! machine's cores (the report says so):
//!
//! 1. bytes per frame in each WebSocket format (JSON, msgpack, binary), next to a reconstructed
//!    old-system JSON frame (a map of per-driver maps) for the same cars;
//! 2. N WebSocket viewers playing at 1× (25 FPS), spread over a few positions of the session;
//!    per frame, its lateness: arrival minus when it was due on that viewer's schedule (the
//!    schedule is anchored at the viewer's earliest-arriving frame, so lateness ≥ 0);
//! 3. chunk requests per second over keep-alive HTTP/1.1 connections (a minimal client, so
//!    the client costs little), with full zstd bodies and with `If-None-Match` (304), and their
//!    latency percentiles.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

use server::Server;
use server::{chunk_header, FrameFormat};
use server::{AppState, StateConfig};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// The session to play (default `sim-race`).
    pub session: String,
    /// WebSocket viewers.
    pub viewers: usize,
    /// How long the viewers are measured, seconds (after they all play).
    pub seconds: f64,
    /// The viewers' frame format.
    pub format: FrameFormat,
    /// Concurrent keep-alive connections requesting chunks.
    pub http_connections: usize,
    /// How long each chunk test runs, seconds.
    pub http_seconds: f64,
    /// Server threads (tokio workers) and client threads.
    pub server_threads: usize,
    /// Client threads.
    pub client_threads: usize,
    /// Sources and cache of the server.
    pub state: StateConfig,
}

impl BenchConfig {
    /// 2000 binary viewers for 10 s, 32 chunk connections for 5 s each, on `sim-race`.
    pub fn new(state: StateConfig) -> BenchConfig {
        BenchConfig {
            session: "sim-race".to_owned(),
            viewers: 2000,
            seconds: 10.0,
            format: FrameFormat::Binary,
            http_connections: 32,
            http_seconds: 5.0,
            server_threads: 2,
            client_threads: 2,
            state,
        }
    }
}

/// Percentiles of a sample, milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Number of samples.
    pub n: usize,
}

impl Percentiles {
    /// From samples in milliseconds.
    pub fn of(mut samples: Vec<f64>) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
        Percentiles { p50: at(0.5), p99: at(0.99), max: samples[samples.len() - 1], n: samples.len() }
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)", self.p50, self.p99, self.max, self.n)
    }
}

/// One chunk test's figures.
#[derive(Debug, Clone, Default)]
pub struct HttpFigures {
    /// Completed requests per second.
    pub requests_per_s: f64,
    /// Response bytes per second (bodies).
    pub body_bytes_per_s: f64,
    /// Latency per request.
    pub latency: Percentiles,
    /// Responses that were not the expected status.
    pub errors: usize,
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct BenchReport {
    /// The session.
    pub session: String,
    /// Seconds to build (or open) the session before the run.
    pub prepare_s: f64,
    /// Cars in the session.
    pub drivers: usize,
    /// (format, bytes of one frame): json, msgpack, binary, old-style JSON.
    pub frame_bytes: Vec<(String, usize)>,
    /// Viewers that connected and played.
    pub viewers: usize,
    /// Frame format of the viewers.
    pub format: String,
    /// Seconds measured.
    pub seconds: f64,
    /// Frames received per second, all viewers.
    pub frames_per_s: f64,
    /// Frames a viewer should have received and did not (skipped by the server for slow
    /// clients), as a share.
    pub missed_share: f64,
    /// Frame lateness.
    pub lateness: Percentiles,
    /// Chunk requests with full zstd bodies.
    pub chunks_full: HttpFigures,
    /// Chunk requests answered 304 (`If-None-Match`).
    pub chunks_304: HttpFigures,
    /// Average zstd chunk size.
    pub chunk_bytes: usize,
    /// HTTP connections used.
    pub http_connections: usize,
    /// Cores of the machine.
    pub cores: usize,
    /// CPU used during the WebSocket measurement, in cores: (server, load generator).
    pub ws_cpu_cores: (f64, f64),
    /// Load average of the machine before the run (other work sharing the cores).
    pub load_before: String,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "session: {} ({} cars), ready in {:.2} s", self.session, self.drivers, self.prepare_s)?;
        writeln!(
            f,
            "machine: {} cores shared by the server and the load generator (same process, separate runtimes, loopback); load average before the run: {}",
            self.cores, self.load_before
        )?;
        writeln!(f, "\nbytes per frame ({} cars):", self.drivers)?;
        for (name, bytes) in &self.frame_bytes {
            writeln!(f, "  {name:<34} {bytes:>7}")?;
        }
        writeln!(f, "\nWebSocket: {} viewers at 1x (25 FPS), {} frames, measured {:.1} s", self.viewers, self.format, self.seconds)?;
        writeln!(f, "  frames received: {:.0}/s (missed {:.3}%)", self.frames_per_s, self.missed_share * 100.0)?;
        writeln!(f, "  frame lateness: {}", self.lateness)?;
        writeln!(f, "  CPU: server {:.2} cores, load generator {:.2} cores", self.ws_cpu_cores.0, self.ws_cpu_cores.1)?;
        writeln!(f, "\nchunks over HTTP/1.1 keep-alive, {} connections:", self.http_connections)?;
        writeln!(
            f,
            "  200 zstd (avg {:.0} KB): {:.0} requests/s, {:.0} MB/s, latency {}{}",
            self.chunk_bytes as f64 / 1000.0,
            self.chunks_full.requests_per_s,
            self.chunks_full.body_bytes_per_s / 1e6,
            self.chunks_full.latency,
            errors(self.chunks_full.errors)
        )?;
        writeln!(
            f,
            "  304 If-None-Match:   {:.0} requests/s, latency {}{}",
            self.chunks_304.requests_per_s,
            self.chunks_304.latency,
            errors(self.chunks_304.errors)
        )
    }
}

/// CPU seconds used so far by this process' threads whose name starts with `prefix` (Linux;
/// 0 elsewhere).
fn cpu_seconds(prefix: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let utime: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let stime: f64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        total += (utime + stime) / ticks_per_s;
    }
    total
}

fn errors(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {n} errors")
    }
}

fn runtime(threads: usize, name: &str) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))
}

/// Runs the benchmark (blocking: it starts its own runtimes). `progress` gets a line per step.
pub fn run(config: BenchConfig, progress: &mut dyn FnMut(&str)) -> Result<BenchReport, String> {
    let server_rt = runtime(config.server_threads, "bench-server")?;
    let client_rt = runtime(config.client_threads, "bench-client")?;
    let state = AppState::new(config.state.clone()).map_err(|e| e.to_string())?;
    progress(&format!("preparing {} (build or open)...", config.session));
    let started = Instant::now();
    server_rt.block_on(state.prepare(&config.session)).map_err(|e| e.to_string())?;
    let prepare_s = started.elapsed().as_secs_f64();
    let server =
        server_rt.block_on(Server::bind_with_state(SocketAddr::from(([127, 0, 0, 1], 0)), state.clone())).map_err(|e| e.to_string())?;
    let addr = server.local_addr().map_err(|e| e.to_string())?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = server_rt.spawn(server.run(async {
        let _ = stop_rx.await;
    }));
    let result = client_rt.block_on(measure(&config, addr, prepare_s, progress));
    let _ = stop_tx.send(());
    let _ = server_rt.block_on(serving);
    result
}

async fn measure(config: &BenchConfig, addr: SocketAddr, prepare_s: f64, progress: &mut dyn FnMut(&str)) -> Result<BenchReport, String> {
    let id = &config.session;
    let manifest: serde_json::Value = http_json(addr, &format!("/api/sessions/{id}")).await?;
    let drivers = manifest["drivers"].as_array().map(Vec::len).unwrap_or(0);
    let frame_count = manifest["frame_count"].as_u64().unwrap_or(0) as u32;
    let fps = manifest["fps"].as_u64().unwrap_or(25).max(1) as f64;
    let t_start = manifest["t_start_s"].as_f64().unwrap_or(0.0);
    let chunks = manifest["chunks"].as_array().map(Vec::len).unwrap_or(0);
    if frame_count < 10 || chunks == 0 {
        return Err(format!("{id}: the replay has {frame_count} frames and {chunks} chunks, too few to measure"));
    }
    let mut report = BenchReport {
        session: id.clone(),
        prepare_s,
        drivers,
        viewers: config.viewers,
        format: format!("{:?}", config.format).to_lowercase(),
        http_connections: config.http_connections,
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        load_before: std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".to_owned()),
        ..Default::default()
    };

    progress("measuring bytes per frame...");
    let middle_t = t_start + (frame_count / 2) as f64 / fps;
    for format in ["json", "msgpack", "binary"] {
        let bytes = one_frame(addr, id, format, middle_t).await?;
        if format == "json" {
            report.frame_bytes.push(("old-style JSON map (reconstructed)".to_owned(), old_style_frame(&bytes).len()));
        }
        report.frame_bytes.push((format!("{format} (this server)"), bytes.len()));
    }

    progress(&format!("connecting {} WebSocket viewers...", config.viewers));
    let start_gate = Arc::new(tokio::sync::Barrier::new(config.viewers + 1));
    let measure_from = Arc::new(std::sync::OnceLock::<Instant>::new());
    let period = Duration::from_secs_f64(1.0 / fps);
    let mut tasks = Vec::with_capacity(config.viewers);
    let span = (frame_count as f64 / fps - config.seconds - 30.0).max(0.0);
    for i in 0..config.viewers {
        // Eight starting points spread over the session: viewers share frames in groups.
        let seek_t = t_start + span * (i % 8) as f64 / 8.0;
        let url = format!("ws://{addr}/api/sessions/{id}/ws?format={}", report.format);
        let gate = start_gate.clone();
        let from = measure_from.clone();
        let seconds = config.seconds;
        tasks.push(tokio::spawn(async move { viewer(url, seek_t, gate, from, seconds, period).await }));
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    start_gate.wait().await;
    let _ = measure_from.set(Instant::now() + Duration::from_secs(1));
    progress(&format!("measuring for {:.0} s...", config.seconds));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu_start = (cpu_seconds("bench-server"), cpu_seconds("bench-client"), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(config.seconds)).await;
    let wall = cpu_start.2.elapsed().as_secs_f64();
    report.ws_cpu_cores = ((cpu_seconds("bench-server") - cpu_start.0) / wall, (cpu_seconds("bench-client") - cpu_start.1) / wall);
    let mut lateness = Vec::new();
    let (mut received, mut expected, mut ok_viewers) = (0usize, 0usize, 0usize);
    for t in tasks {
        match t.await {
            Ok(Ok(v)) => {
                ok_viewers += 1;
                received += v.frames;
                expected += v.expected;
                lateness.extend(v.lateness_ms);
            }
            Ok(Err(e)) => return Err(format!("a viewer failed: {e}")),
            Err(e) => return Err(format!("a viewer task failed: {e}")),
        }
    }
    report.viewers = ok_viewers;
    report.seconds = config.seconds;
    report.frames_per_s = received as f64 / config.seconds;
    report.missed_share = if expected > 0 { expected.saturating_sub(received) as f64 / expected as f64 } else { 0.0 };
    report.lateness = Percentiles::of(lateness);

    progress(&format!("chunk requests, {} connections...", config.http_connections));
    let sizes: Vec<u64> = manifest["chunks"].as_array().into_iter().flatten().filter_map(|c| c["bytes"].as_u64()).collect();
    report.chunk_bytes = if sizes.is_empty() { 0 } else { (sizes.iter().sum::<u64>() / sizes.len() as u64) as usize };
    let etags: Vec<String> =
        manifest["chunks"].as_array().into_iter().flatten().map(|c| c["etag"].as_str().unwrap_or("").to_owned()).collect();
    let paths = Arc::new((0..chunks).map(|n| format!("/api/sessions/{id}/chunks/{n}")).collect::<Vec<_>>());
    report.chunks_full = chunk_load(addr, paths.clone(), None, config.http_connections, config.http_seconds).await;
    report.chunks_304 = chunk_load(addr, paths, Some(Arc::new(etags)), config.http_connections, config.http_seconds).await;
    Ok(report)
}

/// The viewers' WebSocket settings: tungstenite zero-fills its read buffer on every read, so a
/// small one (frames are at most a few KB) keeps the load generator cheap.
fn client_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024)
}

/// The `index` of a JSON frame, found without parsing the frame (the load generator must stay
/// cheaper than the server it measures).
fn json_index(text: &str) -> Option<u32> {
    let start = text.find("\"index\":")? + 8;
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The `index` of a msgpack frame (a top-level map), read without decoding the rest.
fn msgpack_index(b: &[u8]) -> Option<u32> {
    let mut at = 0usize;
    let n = map_len(b, &mut at)?;
    for _ in 0..n {
        let key_start = at;
        skip(b, &mut at)?;
        let key = b.get(key_start..at)?;
        if key == [0xa5, b'i', b'n', b'd', b'e', b'x'] {
            return read_uint(b, &mut at).and_then(|v| u32::try_from(v).ok());
        }
        skip(b, &mut at)?;
    }
    None
}

fn map_len(b: &[u8], at: &mut usize) -> Option<usize> {
    let tag = *b.get(*at)?;
    *at += 1;
    match tag {
        0x80..=0x8f => Some((tag & 0x0f) as usize),
        0xde => take(b, at, 2).map(|v| u16::from_be_bytes([v[0], v[1]]) as usize),
        0xdf => take(b, at, 4).map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]) as usize),
        _ => None,
    }
}

fn take<'a>(b: &'a [u8], at: &mut usize, n: usize) -> Option<&'a [u8]> {
    let s = b.get(*at..*at + n)?;
    *at += n;
    Some(s)
}

fn read_uint(b: &[u8], at: &mut usize) -> Option<u64> {
    let tag = *b.get(*at)?;
    *at += 1;
    let be = |s: &[u8]| s.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    match tag {
        0x00..=0x7f => Some(u64::from(tag)),
        0xcc => take(b, at, 1).map(be),
        0xcd => take(b, at, 2).map(be),
        0xce => take(b, at, 4).map(be),
        0xcf => take(b, at, 8).map(be),
        _ => None,
    }
}

/// Skips one msgpack value.
fn skip(b: &[u8], at: &mut usize) -> Option<()> {
    let tag = *b.get(*at)?;
    *at += 1;
    let len = |at: &mut usize, n: usize| take(b, at, n).map(|v| v.iter().fold(0usize, |acc, x| (acc << 8) | *x as usize));
    let (skip_bytes, items) = match tag {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
        0x80..=0x8f => (0, 2 * (tag & 0x0f) as usize),
        0x90..=0x9f => (0, (tag & 0x0f) as usize),
        0xa0..=0xbf => ((tag & 0x1f) as usize, 0),
        0xcc | 0xd0 => (1, 0),
        0xcd | 0xd1 => (2, 0),
        0xca | 0xce | 0xd2 => (4, 0),
        0xcb | 0xcf | 0xd3 => (8, 0),
        0xd9 | 0xc4 => (len(at, 1)?, 0),
        0xda | 0xc5 => (len(at, 2)?, 0),
        0xdb | 0xc6 => (len(at, 4)?, 0),
        0xdc => (0, len(at, 2)?),
        0xdd => (0, len(at, 4)?),
        0xde => (0, 2 * len(at, 2)?),
        0xdf => (0, 2 * len(at, 4)?),
        _ => return None,
    };
    take(b, at, skip_bytes)?;
    for _ in 0..items {
        skip(b, at)?;
    }
    Some(())
}

/// What one viewer saw.
struct ViewerFigures {
    frames: usize,
    expected: usize,
    lateness_ms: Vec<f64>,
}

async fn viewer(
    url: String,
    seek_t: f64,
    gate: Arc<tokio::sync::Barrier>,
    from: Arc<std::sync::OnceLock<Instant>>,
    seconds: f64,
    period: Duration,
) -> Result<ViewerFigures, String> {
    let setup = async {
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(client_config()), true)
            .await
            .map_err(|e| format!("connect {url}: {e}"))?;
        socket.send(Message::text(format!(r#"{{"type":"seek","t":{seek_t}}}"#))).await.map_err(|e| e.to_string())?;
        socket.send(Message::text(r#"{"type":"play","speed":1}"#)).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(socket)
    }
    .await;
    // Every viewer passes the gate, connected or not, so the run never waits forever.
    gate.wait().await;
    let mut socket = setup?;
    // (arrival, frame index) of frames inside the measured window.
    let mut seen: Vec<(Instant, u32)> = Vec::with_capacity((seconds * 30.0) as usize);
    let start = loop {
        if let Some(s) = from.get() {
            break *s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let end = start + Duration::from_secs_f64(seconds);
    loop {
        let next = tokio::time::timeout_at(end.into(), socket.next()).await;
        let msg = match next {
            Err(_) => break,
            Ok(None) => return Err("the server closed the socket".to_owned()),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(Some(Ok(m))) => m,
        };
        let now = Instant::now();
        if now < start {
            continue;
        }
        let index = match &msg {
            Message::Binary(b) => match chunk_header(b) {
                Ok((_, first, _)) => Some(first),
                Err(_) => msgpack_index(b),
            },
            Message::Text(t) => json_index(t),
            _ => None,
        };
        if let Some(k) = index {
            seen.push((now, k));
        }
    }
    let _ = socket.close(None).await;
    let frames = seen.len();
    let expected = match (seen.first(), seen.last()) {
        (Some(a), Some(b)) => (b.1 - a.1.min(b.1)) as usize + 1,
        _ => 0,
    };
    // The schedule: frame k due at base + k × period, base from the earliest-arriving frame.
    let period_s = period.as_secs_f64();
    let base = seen.iter().map(|(at, k)| at.duration_since(start).as_secs_f64() - *k as f64 * period_s).fold(f64::INFINITY, f64::min);
    let lateness_ms = seen.iter().map(|(at, k)| (at.duration_since(start).as_secs_f64() - *k as f64 * period_s - base) * 1000.0).collect();
    Ok(ViewerFigures { frames, expected, lateness_ms })
}

/// The first frame a fresh socket receives after seeking to `t`, in `format`.
async fn one_frame(addr: SocketAddr, id: &str, format: &str, t: f64) -> Result<Vec<u8>, String> {
    let url = format!("ws://{addr}/api/sessions/{id}/ws?format={format}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await.map_err(|e| format!("{url}: {e}"))?;
    let mut skip = 2; // meta, frame 0
    socket.send(Message::text(format!(r#"{{"type":"seek","t":{t}}}"#))).await.map_err(|e| e.to_string())?;
    while let Some(msg) = socket.next().await {
        let msg = msg.map_err(|e| e.to_string())?;
        let bytes = match msg {
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            _ => continue,
        };
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let _ = socket.close(None).await;
        return Ok(bytes);
    }
    Err(format!("{url}: closed before a frame"))
}

/// A JSON frame the way the old Python system sent one: one map per driver keyed by its code,
/// each repeating its key names, floats as Python writes numpy values (full precision), built
/// from this server's frame (same cars, same values). Reconstructed for the size comparison:
/// the old code is not in this repository.
fn old_style_frame(json_frame: &[u8]) -> Vec<u8> {
    let frame: serde_json::Value = serde_json::from_slice(json_frame).unwrap_or_default();
    // An interpolated float as numpy produces it: not a short decimal.
    let py = |v: Option<f64>, salt: f64| serde_json::Value::from(v.unwrap_or(0.0) + 1.234_567_891e-7 * salt);
    let mut drivers = serde_json::Map::new();
    for (i, car) in frame["cars"].as_array().into_iter().flatten().enumerate() {
        let salt = i as f64 + 1.0;
        let f = |k: &str| car[k].as_f64();
        let progress = f("progress").unwrap_or(0.0);
        drivers.insert(
            car["tla"].as_str().map(str::to_owned).unwrap_or_else(|| format!("D{i:02}")),
            serde_json::json!({
                "x": py(f("x"), salt), "y": py(f("y"), salt),
                "dist": py(Some(progress * 4304.0), salt), "rel_dist": py(Some(progress.fract()), salt),
                "lap": f("lap").unwrap_or(0.0), "tyre": py(Some(2.0), 0.0), "position": f("position").unwrap_or(0.0),
                "speed": py(f("speed"), salt), "gear": f("gear").unwrap_or(0.0), "drs": f("drs").unwrap_or(0.0),
                "throttle": py(f("throttle"), salt), "brake": py(Some(if car["brake"] == true { 1.0 } else { 0.0 }), 0.0),
            }),
        );
    }
    serde_json::to_vec(&serde_json::json!({
        "frame": frame["index"],
        "t": py(frame["t_s"].as_f64(), 1.0),
        "lap": frame["leader_lap"],
        "leader": drivers.keys().next().cloned().unwrap_or_default(),
        "drivers": drivers,
    }))
    .unwrap_or_default()
}

/// Chunk requests against a published static site (`f1replay publish`) served at `addr` under
/// `root` (`/` or `/prefix/`) by any static file server: the session's chunk files
/// (`data/sessions/ID/chunks/ETAG.gz`, as the viewer fetches them) requested round-robin by
/// `connections` keep-alive clients for `seconds`. Client and server share this machine.
pub fn site_chunks(addr: SocketAddr, root: &str, session: &str, connections: usize, seconds: f64) -> Result<(usize, HttpFigures), String> {
    let rt = runtime(2, "bench-client")?;
    rt.block_on(async {
        let base = format!("{}/data/sessions/{session}", root.trim_end_matches('/'));
        let manifest = http_json(addr, &format!("{base}/manifest.json")).await?;
        let names: Vec<String> = manifest["chunks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["etag"].as_str())
            .map(|e| format!("{base}/chunks/{}.gz", e.trim_matches('"')))
            .collect();
        if names.is_empty() {
            return Err(format!("{base}/manifest.json lists no chunks"));
        }
        Ok((names.len(), chunk_load(addr, Arc::new(names), None, connections, seconds).await))
    })
}

/// GET `path` as JSON with a one-off connection.
async fn http_json(addr: SocketAddr, path: &str) -> Result<serde_json::Value, String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut conn = BufReader::new(stream);
    let (status, body) = http_get(&mut conn, path, &[]).await?;
    if status != 200 {
        return Err(format!("GET {path}: status {status}: {}", String::from_utf8_lossy(&body)));
    }
    serde_json::from_slice(&body).map_err(|e| format!("GET {path}: {e}"))
}

/// One request on a keep-alive connection: (status, body).
async fn http_get(conn: &mut BufReader<tokio::net::TcpStream>, path: &str, headers: &[(&str, &str)]) -> Result<(u16, Vec<u8>), String> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    conn.get_mut().write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut line = String::new();
    conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length = 0usize;
    loop {
        line.clear();
        let n = conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".to_owned());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = Vec::with_capacity(length);
    (&mut *conn).take(length as u64).read_to_end(&mut body).await.map_err(|e| e.to_string())?;
    if body.len() != length {
        return Err("body truncated".to_owned());
    }
    Ok((status, body))
}

/// `connections` clients requesting chunks round-robin for `seconds`; with `etags`, each
/// request carries the chunk's `If-None-Match` and expects 304.
async fn chunk_load(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    etags: Option<Arc<Vec<String>>>,
    connections: usize,
    seconds: f64,
) -> HttpFigures {
    let chunks = paths.len().max(1);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections.max(1) {
        let paths = paths.clone();
        let etags = etags.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut bytes, mut errors) = (0usize, 0usize);
            let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
                return (latencies, bytes, 1);
            };
            let _ = stream.set_nodelay(true);
            let mut conn = BufReader::with_capacity(256 * 1024, stream);
            let mut n = c % chunks;
            while Instant::now() < end {
                let path = &paths[n];
                let t = Instant::now();
                let result = match &etags {
                    None => http_get(&mut conn, path, &[("Accept-Encoding", "zstd")]).await,
                    Some(tags) => http_get(&mut conn, path, &[("Accept-Encoding", "zstd"), ("If-None-Match", &tags[n])]).await,
                };
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                match result {
                    Ok((200, body)) if etags.is_none() => bytes += body.len(),
                    Ok((304, _)) if etags.is_some() => {}
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
                n = (n + 1) % chunks;
            }
            (latencies, bytes, errors)
        }));
    }
    let mut all = Vec::new();
    let (mut bytes, mut errors) = (0usize, 0usize);
    for t in tasks {
        if let Ok((l, b, e)) = t.await {
            all.extend(l);
            bytes += b;
            errors += e;
        }
    }
    HttpFigures {
        requests_per_s: all.len() as f64 / seconds,
        body_bytes_per_s: bytes as f64 / seconds,
        latency: Percentiles::of(all),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_of_a_msgpack_frame_is_found() {
        let v = serde_json::json!({"cars": [{"x": 1.5, "tla": "NOR", "n": null}], "index": 70000, "t_s": 12.5, "type": "frame"});
        assert_eq!(msgpack_index(&server::msgpack(&v)), Some(70000));
        assert_eq!(msgpack_index(&server::msgpack(&serde_json::json!({"a": 1}))), None);
        assert_eq!(msgpack_index(&[0x81, 0xa5]), None);
        assert_eq!(json_index(r#"{"type":"frame","cars":[],"index":4242,"t_s":1.0}"#), Some(4242));
        assert_eq!(json_index(r#"{"type":"meta"}"#), None);
    }

    #[test]
    fn percentiles_of_samples() {
        let p = Percentiles::of((1..=100).map(f64::from).collect());
        assert_eq!((p.p50, p.max, p.n), (51.0, 100.0, 100));
        assert!(p.p99 >= 99.0);
        assert_eq!(Percentiles::of(Vec::new()).n, 0);
    }
}
