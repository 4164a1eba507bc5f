//! Starting and stopping headless Chromium.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::cdp::Connection;
use crate::page::Page;
use crate::{Error, Result};

/// Program names tried in `PATH` when `F1REPLAY_CHROMIUM` is not set.
const CANDIDATES: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// A running headless Chromium and its DevTools connection. Dropping it kills the browser.
pub struct Browser {
    child: Child,
    conn: Arc<Connection>,
    _profile: tempfile::TempDir,
}

/// The Chromium executable: `$F1REPLAY_CHROMIUM`, or the first of [`CANDIDATES`] in `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("F1REPLAY_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in CANDIDATES {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

impl Browser {
    /// Starts headless Chromium at 1280×720; `Ok(None)` when no Chromium is installed.
    pub async fn launch() -> Result<Option<Browser>> {
        let Some(exe) = find_chromium() else {
            // CI installs Chromium and sets these: there a missing browser is a failure, not a skip.
            if std::env::var_os("F1REPLAY_REQUIRE_BROWSER").is_some() || testkit::required() {
                return Err(Error::new("F1REPLAY_REQUIRE_BROWSER or F1REPLAY_REQUIRE_DATA is set but no chromium was found".to_string()));
            }
            return Ok(None);
        };
        let profile = tempfile::tempdir().map_err(|e| Error::new(format!("temp profile dir: {e}")))?;
        let mut child = Command::new(&exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--hide-scrollbars",
                "--mute-audio",
                "--window-size=1280,720",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::new(format!("starting {}: {e}", exe.display())))?;
        let stderr = child.stderr.take().ok_or_else(|| Error::new("no stderr from chromium"))?;
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let ws = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("DevTools listening on ").nth(1) {
                    return Some(rest.trim().to_string());
                }
                seen.push(line);
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(ws) = ws else {
            return Err(Error::new(format!("chromium did not print its DevTools address; its stderr:\n{}", seen.join("\n"))));
        };
        // Keep reading stderr so the browser never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let conn = Arc::new(Connection::connect(&ws).await?);
        Ok(Some(Browser { child, conn, _profile: profile }))
    }

    /// The browser's first tab, attached and with console, page and log events on.
    pub async fn page(&self) -> Result<Page> {
        let targets = self.conn.call(None, "Target.getTargets", json!({})).await?;
        let existing = targets["targetInfos"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["targetId"].as_str())
            .map(str::to_string);
        let target = match existing {
            Some(t) => t,
            None => {
                let r = self.conn.call(None, "Target.createTarget", json!({ "url": "about:blank" })).await?;
                r["targetId"].as_str().ok_or_else(|| Error::new("Target.createTarget: no targetId"))?.to_string()
            }
        };
        let r = self.conn.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await?;
        let session = r["sessionId"].as_str().ok_or_else(|| Error::new("Target.attachToTarget: no sessionId"))?.to_string();
        Page::attach(self.conn.clone(), session).await
    }

    /// A new tab of the same browser (same profile: storage is shared, as between a person's tabs).
    pub async fn new_page(&self) -> Result<Page> {
        let r = self.conn.call(None, "Target.createTarget", json!({ "url": "about:blank" })).await?;
        let target = r["targetId"].as_str().ok_or_else(|| Error::new("Target.createTarget: no targetId"))?.to_string();
        let r = self.conn.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await?;
        let session = r["sessionId"].as_str().ok_or_else(|| Error::new("Target.attachToTarget: no sessionId"))?.to_string();
        Page::attach(self.conn.clone(), session).await
    }

    /// Closes the browser politely, then for sure.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.call(None, "Browser.close", json!({}))).await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}
