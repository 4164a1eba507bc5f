//! Where f1replay's tests find what they did not make: the shared real data
//! (`$F1REPLAY_TEST_DATA`, else the `shared/data` folder next to the repository) and FastF1's
//! reference output (`$F1REPLAY_FASTF1_ORACLE`, written by `scripts/fastf1-oracle.sh`).
//!
//! A test that cannot find one of them says so and skips; with `F1REPLAY_REQUIRE_DATA` set
//! (`.ci/run` sets it) it fails instead, so a CI run can never pass by testing nothing. Every
//! crate's tests use this one crate (a dev-dependency; nothing the user links), so they agree
//! on where the data is and on what a missing piece means.
//!
//! ```no_run
//! let Some(data) = testkit::data_dir() else { return };
//! let mexico = data.join(testkit::MEXICO_QUALIFYING);
//! assert!(mexico.join("TimingData.jsonStream").is_file());
//! ```

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

mod cloud;
pub use cloud::AzureServer;

/// The 2025 Mexico City qualifying session (the one with car telemetry), relative to
/// [`data_dir`].
pub const MEXICO_QUALIFYING: &str = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying";

/// The environment variable that turns every skip into a failure.
pub const REQUIRE: &str = "F1REPLAY_REQUIRE_DATA";

/// Whether a missing data set or oracle fails the test ([`REQUIRE`] is set to anything but
/// `0` or empty).
pub fn required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Says that a test did not run because `what` is missing: a printed `skipped: ...` line, or a
/// panic when [`required`].
pub fn skip(what: &str) {
    if required() {
        panic!("{REQUIRE} is set, and this test's input is missing: {what}");
    }
    println!("skipped: {what}");
}

/// The shared real data folder (holding `pitwall/` and `fastf1-test-data/`), or `None` after
/// [`skip`] said why.
pub fn data_dir() -> Option<PathBuf> {
    let candidates = data_candidates();
    let found = candidates.iter().find(|dir| dir.join("fastf1-test-data").is_dir() && dir.join("pitwall").is_dir()).cloned();
    if found.is_none() {
        let tried: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        skip(&format!("no shared test data at {} (set F1REPLAY_TEST_DATA)", tried.join(" or ")));
    }
    found
}

/// A session folder of the shared data (`relative` to [`data_dir`]), or `None` after [`skip`].
pub fn session_dir(relative: &str) -> Option<PathBuf> {
    let dir = data_dir()?.join(relative);
    if !dir.is_dir() {
        skip(&format!("no session folder {}", dir.display()));
        return None;
    }
    Some(dir)
}

/// Every file of the shared data whose name `wanted` accepts, sorted; `None` (after [`skip`])
/// without the data.
pub fn data_files(wanted: impl Fn(&str) -> bool) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![data_dir()?];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| wanted(&n.to_string_lossy())) {
                files.push(path);
            }
        }
    }
    files.sort();
    Some(files)
}

/// Every session folder of the shared data that holds a file named `topic` (e.g.
/// `TimingData.jsonStream`), sorted; `None` (after [`skip`]) without the data.
pub fn sessions_with(topic: &str) -> Option<Vec<PathBuf>> {
    let files = data_files(|name| name == topic)?;
    Some(files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect())
}

/// FastF1's reference output (`scripts/fastf1-oracle.sh OUT`, then `F1REPLAY_FASTF1_ORACLE=OUT`),
/// or `None` after [`skip`].
pub fn fastf1_oracle_dir() -> Option<PathBuf> {
    match std::env::var_os("F1REPLAY_FASTF1_ORACLE").map(PathBuf::from) {
        Some(dir) if dir.is_dir() => Some(dir),
        Some(dir) => {
            skip(&format!("F1REPLAY_FASTF1_ORACLE={} is not a folder", dir.display()));
            None
        }
        None => {
            skip("no FastF1 reference output (run scripts/fastf1-oracle.sh OUT, then set F1REPLAY_FASTF1_ORACLE=OUT)");
            None
        }
    }
}

/// Where the shared data may be: `$F1REPLAY_TEST_DATA`, else `shared/data` beside the
/// repository (this crate is at `crates/testkit`; a worktree may sit one level deeper).
fn data_candidates() -> Vec<PathBuf> {
    match std::env::var_os("F1REPLAY_TEST_DATA") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            vec![manifest.join("../../../shared/data"), manifest.join("../../../../shared/data")]
        }
    }
}

/// A real S3-compatible server (moto's `moto_server`, from PyPI) on a free 127.0.0.1 port,
/// stopped when dropped. `.ci/run` installs it in `$HOME/.cache/f1replay/s3venv`;
/// `$F1REPLAY_MOTO_SERVER` names another `moto_server` binary.
pub struct S3Server {
    child: std::process::Child,
    port: u16,
}

/// The `moto_server` binary: `$F1REPLAY_MOTO_SERVER`, else the venv `.ci/run` installs.
pub fn moto_server_binary() -> Option<PathBuf> {
    let path = std::env::var_os("F1REPLAY_MOTO_SERVER")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/f1replay/s3venv/bin/moto_server")))?;
    path.is_file().then_some(path)
}

impl S3Server {
    /// Starts one (`refuse_credentials`: every request's credentials are checked, and none
    /// exist, so each is refused), or `None` after [`skip`] when moto is not installed.
    pub fn start(refuse_credentials: bool) -> Option<S3Server> {
        let Some(binary) = moto_server_binary() else {
            skip("no moto_server (S3-compatible test server): run .ci/run, or pip install 'moto[server]' into ~/.cache/f1replay/s3venv");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let mut cmd = std::process::Command::new(&binary);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if refuse_credentials {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let server = S3Server { child, port };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "moto_server did not listen on port {port} within 60 s");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(server)
    }

    /// Its endpoint, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment an S3 client needs for it (endpoint, plain HTTP, a region, test keys).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ]
    }

    /// Creates bucket `name` (a plain `PUT /NAME`, which moto accepts unsigned).
    pub fn create_bucket(&self, name: &str) {
        let status = self.request("PUT", &format!("/{name}"));
        assert!(status.starts_with("HTTP/1.1 200"), "creating bucket {name}: {status}");
    }

    /// Sends a bodiless request; returns the status line.
    fn request(&self, method: &str, path: &str) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.port).unwrap();
        let mut reply = String::new();
        let _ = s.read_to_string(&mut reply);
        reply.lines().next().unwrap_or("").to_owned()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_input_fails_only_when_required() {
        // The environment is shared by the tests of this binary: one test covers both cases.
        std::env::remove_var(REQUIRE);
        skip("nothing, on purpose");
        std::env::set_var(REQUIRE, "1");
        let failed = std::panic::catch_unwind(|| skip("nothing, on purpose")).is_err();
        std::env::set_var(REQUIRE, "0");
        assert!(!required());
        std::env::remove_var(REQUIRE);
        assert!(failed, "a skip with {REQUIRE}=1 must fail the test");
    }
}
