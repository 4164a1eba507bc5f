//! A real emulator of Azure Blob Storage for the shared-store tests: [`AzureServer`], Azurite's
//! blob service (npm `azurite`, installed by `.ci/run` into `$HOME/.cache/f1replay/azurite`;
//! `$F1REPLAY_AZURITE_BLOB` names another `azurite-blob`), on a free 127.0.0.1 port, stopped
//! when dropped. (No GCS emulator from a registry speaks the XML API `object_store` uses: see
//! docs/SCALING.md.)

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::skip;

/// A binary named by `env`, else `$HOME/.cache/f1replay/DEFAULT`, when it exists.
fn installed(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/f1replay").join(default)))?;
    path.is_file().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Waits until something listens on `port` (60 s at most).
fn wait_listening(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not listen on port {port} within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn spawn(cmd: &mut Command, what: &str) -> Child {
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}"))
}

/// Azurite's blob service, in memory, checking Shared Key signatures.
pub struct AzureServer {
    child: Child,
    port: u16,
}

/// Azurite's documented development account and key (public, the same in every install).
const ACCOUNT: &str = "devstoreaccount1";
const ACCOUNT_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Creates a container with a Shared Key signed request (Python's standard library signs it).
const CREATE_CONTAINER: &str = r#"
import sys, hmac, hashlib, base64, datetime, http.client
port, acct, key, name = sys.argv[1:5]
date = datetime.datetime.now(datetime.timezone.utc).strftime('%a, %d %b %Y %H:%M:%S GMT')
ver = '2021-08-06'
sts = 'PUT' + '\n' * 12 + f'x-ms-date:{date}\nx-ms-version:{ver}\n/{acct}/{acct}/{name}\nrestype:container'
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
c = http.client.HTTPConnection('127.0.0.1', int(port))
c.request('PUT', f'/{acct}/{name}?restype=container', headers={'x-ms-date': date, 'x-ms-version': ver, 'Authorization': f'SharedKey {acct}:{sig}', 'Content-Length': '0'})
r = c.getresponse()
print(r.status, r.read().decode(errors='replace'))
"#;

impl AzureServer {
    /// Starts one, or `None` after [`skip`] when Azurite is not installed.
    pub fn start() -> Option<AzureServer> {
        let Some(binary) = installed("F1REPLAY_AZURITE_BLOB", "azurite/node_modules/.bin/azurite-blob") else {
            skip("no Azurite (Azure Blob Storage emulator): run .ci/run, or npm install --prefix ~/.cache/f1replay/azurite azurite");
            return None;
        };
        let port = free_port();
        let mut cmd = Command::new(&binary);
        cmd.args([
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            &port.to_string(),
            "--inMemoryPersistence",
            "--silent",
            "--skipApiVersionCheck",
        ])
        .args(["--loose", "--disableTelemetry"]);
        let server = AzureServer { child: spawn(&mut cmd, "azurite-blob"), port };
        wait_listening(port, "azurite-blob");
        Some(server)
    }

    /// The settings an Azure client needs for it: its endpoint, plain HTTP, the development
    /// account and (unless `wrong_key`) its key; with `wrong_key`, a key Azurite refuses.
    pub fn env(&self, wrong_key: bool) -> Vec<(&'static str, String)> {
        let key = if wrong_key { "d3Jvbmcga2V5IGZvciB0aGUgdGVzdA==".to_owned() } else { ACCOUNT_KEY.to_owned() };
        vec![
            ("AZURE_STORAGE_ENDPOINT", format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)),
            ("AZURE_ALLOW_HTTP", "true".into()),
            ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT.into()),
            ("AZURE_STORAGE_ACCOUNT_KEY", key),
        ]
    }

    /// Creates container `name`.
    pub fn create_container(&self, name: &str) {
        let out = Command::new("python3")
            .args(["-c", CREATE_CONTAINER, &self.port.to_string(), ACCOUNT, ACCOUNT_KEY, name])
            .output()
            .expect("python3 (signs Azurite's create-container request)");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.starts_with("201"), "creating container {name}: {said}{}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for AzureServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
