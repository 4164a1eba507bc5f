//! Shared helpers of the integration tests: a real server on 127.0.0.1:0, the real-data
//! folder (skipped with a printed line when absent), and a cache of replays built once per
//! test binary for the tests that do not measure a cold build.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use server::{AppState, Server, StateConfig};

/// The real session of the shared data: 2025 Mexico City Grand Prix qualifying.
pub const MEXICO_Q: &str = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying";
/// The simulated session used where any session will do (short, race-like).
pub const SIM: &str = "sim-sprint";

/// The shared archive folder holding the Mexico qualifying session; `None` when it is absent
/// (testkit says so, or fails the test where the data is required). `what` names the test.
pub fn static_dir(what: &str) -> Option<PathBuf> {
    println!("{what}: needs the shared Mexico qualifying session");
    testkit::session_dir(testkit::MEXICO_QUALIFYING)?;
    Some(testkit::data_dir()?.join("pitwall/livetiming/static"))
}

/// Offline settings with `cache` as the cache folder and `data` as `--data`.
pub fn config(cache: &Path, data: Option<&Path>) -> StateConfig {
    let mut c = StateConfig::new(cache);
    c.offline = true;
    c.data = data.map(Path::to_path_buf);
    c
}

/// A running server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `ws://127.0.0.1:PORT` + `path`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a server with `config` on 127.0.0.1:0 in the current runtime.
pub async fn start(config: StateConfig) -> TestServer {
    let state = AppState::new(config).expect("state");
    let server = Server::bind_with_state(SocketAddr::from(([127, 0, 0, 1], 0)), state.clone()).await.expect("bind");
    let addr = server.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    TestServer { addr, state, stop: Some(tx) }
}

/// A cache folder where `SIM` (and Mexico qualifying, when the data is there) are already
/// built, shared by the tests of one binary: built once, in a thread with its own runtime.
pub fn prebuilt() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            let data = static_dir("prebuilding Mexico qualifying");
            let state = AppState::new(config(&path, data.as_deref())).expect("state");
            let started = std::time::Instant::now();
            rt.block_on(state.prepare(SIM)).expect("build sim");
            println!("prebuilt {SIM} in {:.2} s", started.elapsed().as_secs_f64());
            if data.is_some() {
                let started = std::time::Instant::now();
                rt.block_on(state.prepare(MEXICO_Q)).expect("build Mexico Q");
                println!("prebuilt {MEXICO_Q} in {:.2} s", started.elapsed().as_secs_f64());
            }
        })
        .join()
        .expect("prebuild thread");
        dir
    })
    .path()
}

/// A server over the prebuilt cache (with `--data` when the real data is there).
pub async fn start_prebuilt() -> TestServer {
    let data = static_dir("real-data endpoints");
    start(config(prebuilt(), data.as_deref())).await
}

/// GET as JSON: (status, body).
pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = client.get(url).send().await.expect("request");
    let status = r.status().as_u16();
    let body = r.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

/// Asserts the JSON error shape and status, returns the reason.
pub fn assert_error(status: u16, body: &serde_json::Value, expected: u16, context: &str) -> String {
    assert_eq!(status, expected, "{context}: {body}");
    assert_eq!(body["status"], expected, "{context}: {body}");
    let reason = body["error"].as_str().unwrap_or_default().to_owned();
    assert!(!reason.is_empty(), "{context}: no reason in {body}");
    reason
}
