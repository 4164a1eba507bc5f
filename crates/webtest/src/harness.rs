//! What the UI tests share: the server under test, the screenshot folder, the shared data,
//! reading the replay's own order from the frame endpoint, measuring the frame rate.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::page::Page;
use crate::{Error, Result};

/// The real f1replay server on a loopback port, for as long as this value lives.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _cache: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the f1replay server in-process on `127.0.0.1:0` (offline, with a fresh cache), reading
/// `data` (a local copy of the archive) when given; the simulated sessions are always there.
pub async fn start_server(data: Option<&Path>) -> Result<TestServer> {
    let cache = tempfile::tempdir().map_err(|e| Error::new(format!("cache dir: {e}")))?;
    let mut config = server::StateConfig::new(cache.path());
    config.offline = true;
    config.data = data.map(Path::to_path_buf);
    let state = server::AppState::new(config).map_err(|e| Error::new(format!("server state: {e}")))?;
    let srv = server::Server::bind_with_state(SocketAddr::from(([127, 0, 0, 1], 0)), state)
        .await
        .map_err(|e| Error::new(format!("server bind: {e}")))?;
    let addr = srv.local_addr().map_err(|e| Error::new(format!("server address: {e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(srv.run(async {
        let _ = rx.await;
    }));
    Ok(TestServer { base: format!("http://{addr}"), stop: Some(tx), _cache: cache })
}

/// The shared real data (`$F1REPLAY_TEST_DATA/pitwall/livetiming/static` or
/// `../shared/data/...` from the workspace), if present.
pub fn shared_archive() -> Option<PathBuf> {
    let p = testkit::data_dir()?.join("pitwall/livetiming/static");
    p.is_dir().then_some(p)
}

/// A folder for this run's screenshots, kept after the run (its path is printed).
pub fn screenshot_dir(name: &str) -> PathBuf {
    let dir = tempfile::Builder::new().prefix(&format!("f1replay-{name}-")).tempdir().expect("temp dir").keep();
    println!("screenshots: {}", dir.display());
    dir
}

/// Driver numbers in the replay's own order for a frame, from `GET /api/sessions/{id}/frame`.
///
/// Accepts the frame's drivers as a list of objects (`number`/`driver` and `position`) under
/// `drivers` or `cars`. Cars without a position are left out.
pub fn order_of_frame(frame: &Value) -> Vec<i64> {
    let list = frame.get("drivers").or_else(|| frame.get("cars")).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut cars: Vec<(i64, i64)> = list
        .iter()
        .filter_map(|d| {
            let num = d.get("number").or_else(|| d.get("driver")).and_then(Value::as_i64)?;
            let pos = d.get("position").and_then(Value::as_i64).unwrap_or(0);
            (pos > 0).then_some((pos, num))
        })
        .collect();
    cars.sort();
    cars.into_iter().map(|(_, n)| n).collect()
}

/// Frames per second the page renders, from requestAnimationFrame timestamps over `span`.
pub async fn measure_fps(page: &Page, span: Duration) -> Result<f64> {
    let ms = span.as_millis();
    let v = page
        .eval(&format!(
            "new Promise((resolve) => {{ const ts = []; const f = (t) => {{ ts.push(t); \
             if (t - ts[0] < {ms}) requestAnimationFrame(f); else resolve((ts.length - 1) * 1000 / (ts[ts.length - 1] - ts[0])); }}; \
             requestAnimationFrame(f); }})"
        ))
        .await?;
    v.as_f64().ok_or_else(|| Error::new(format!("fps: not a number: {v}")))
}

/// The page's `window.f1replay.state()`.
pub async fn state(page: &Page) -> Result<Value> {
    page.eval("window.f1replay.state()").await
}

/// Waits until the page shows a frame with data for the current playhead.
pub async fn wait_ready(page: &Page) -> Result<Value> {
    page.wait_for("window.f1replay && window.f1replay.state().ready && window.f1replay.state()", Duration::from_secs(120)).await
}

/// Fails with the page's console errors, if any.
pub fn assert_no_console_errors(page: &Page) {
    let errors = page.errors();
    assert!(errors.is_empty(), "console errors:\n{}", errors.join("\n"));
}

/// A number field of a JSON object (numbers or numeric strings), NaN when absent.
pub fn num(v: &Value, key: &str) -> f64 {
    loose_f64(v.get(key).unwrap_or(&Value::Null)).unwrap_or(f64::NAN)
}

/// A JSON number or numeric string as f64.
pub fn loose_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The rows of the laps endpoint, whether it answers a list of objects or an object of columns.
pub fn lap_rows(v: &Value) -> Vec<Value> {
    if let Some(a) = v.as_array() {
        return a.clone();
    }
    if let Some(a) = v.get("laps").and_then(Value::as_array) {
        return a.clone();
    }
    let Some(cols) = v.as_object() else { return Vec::new() };
    let n = cols.values().next().and_then(Value::as_array).map_or(0, Vec::len);
    (0..n)
        .map(|i| {
            let row: serde_json::Map<String, Value> =
                cols.iter().map(|(k, c)| (k.clone(), c.get(i).cloned().unwrap_or(Value::Null))).collect();
            Value::Object(row)
        })
        .collect()
}

/// A timed, not deleted lap of the laps table: (driver number, lap number, lap time, lap start).
pub fn valid_lap(row: &Value) -> Option<(i64, i64, f64, f64)> {
    let driver = loose_f64(row.get("DriverNumber")?)? as i64;
    let lap = loose_f64(row.get("LapNumber")?)? as i64;
    let time = loose_f64(row.get("LapTime")?)?;
    let deleted = matches!(row.get("Deleted"), Some(Value::Bool(true))) || row.get("Deleted").and_then(Value::as_str) == Some("True");
    if deleted || time <= 0.0 {
        return None;
    }
    let start = row.get("LapStartTime").and_then(loose_f64).or_else(|| row.get("Time").and_then(loose_f64).map(|t| t - time))?;
    Some((driver, lap, time, start))
}
