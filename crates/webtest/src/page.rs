//! One browser tab: navigation, JavaScript, input, screenshots, console errors.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::cdp::{Connection, ConsoleEntry};
use crate::{Error, Result};

/// Keyboard modifier bits of `Input.dispatch*Event`.
pub const SHIFT: i64 = 8;

/// A tab attached over a flattened DevTools session.
pub struct Page {
    conn: Arc<Connection>,
    session: String,
}

impl Page {
    pub(crate) async fn attach(conn: Arc<Connection>, session: String) -> Result<Page> {
        let page = Page { conn, session };
        for domain in ["Runtime.enable", "Page.enable", "Log.enable"] {
            page.call(domain, json!({})).await?;
        }
        page.set_viewport(1280, 720, false).await?;
        Ok(page)
    }

    /// Sends a DevTools command to this tab.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value> {
        self.conn.call(Some(&self.session), method, params).await
    }

    /// Sets the CSS viewport (and touch emulation for a phone-sized screen).
    pub async fn set_viewport(&self, width: u32, height: u32, mobile: bool) -> Result<()> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await?;
        Ok(())
    }

    /// Loads a URL and waits until the document has finished loading.
    pub async fn navigate(&self, url: &str) -> Result<()> {
        let r = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            return Err(Error::new(format!("navigate {url}: {e}")));
        }
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", Duration::from_secs(30)).await?;
        Ok(())
    }

    /// Reloads the page and waits for it.
    pub async fn reload(&self) -> Result<()> {
        self.eval("window.__reloaded_marker = 1").await?;
        self.call("Page.reload", json!({ "ignoreCache": false })).await?;
        self.wait_for("window.__reloaded_marker === undefined && document.readyState === 'complete'", Duration::from_secs(30)).await?;
        Ok(())
    }

    /// Evaluates an expression (awaiting a promise) and returns its value as JSON.
    pub async fn eval(&self, expr: &str) -> Result<Value> {
        let r = self
            .call("Runtime.evaluate", json!({ "expression": expr, "awaitPromise": true, "returnByValue": true, "userGesture": true }))
            .await?;
        if let Some(d) = r.get("exceptionDetails") {
            let desc = d.pointer("/exception/description").and_then(Value::as_str).or_else(|| d.get("text").and_then(Value::as_str));
            return Err(Error::new(format!("evaluating `{expr}`: {}", desc.unwrap_or("exception"))));
        }
        Ok(r.pointer("/result/value").cloned().unwrap_or(Value::Null))
    }

    /// Polls an expression until it is truthy and returns its value; fails after `timeout`.
    pub async fn wait_for(&self, expr: &str, timeout: Duration) -> Result<Value> {
        let start = Instant::now();
        loop {
            let last = match self.eval(expr).await {
                Ok(v) if truthy(&v) => return Ok(v),
                Ok(v) => v,
                Err(e) => Value::String(e.to_string()),
            };
            if start.elapsed() > timeout {
                return Err(Error::new(format!("waited {timeout:?} for `{expr}`; last value: {last}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let r = self.call("Page.captureScreenshot", json!({ "format": "png" })).await?;
        let data = r["data"].as_str().ok_or_else(|| Error::new("captureScreenshot: no data"))?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| Error::new(format!("screenshot base64: {e}")))?;
        std::fs::write(path, bytes).map_err(|e| Error::new(format!("writing {}: {e}", path.display())))
    }

    /// Presses and releases a key (`" "`, `"ArrowRight"`, `"5"`, `"?"`), with modifier bits.
    pub async fn key(&self, key: &str, modifiers: i64) -> Result<()> {
        let (code, vk, text) = key_info(key);
        let mut down = json!({ "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers });
        if let Some(t) = text {
            down["text"] = Value::String(t);
        }
        self.call("Input.dispatchKeyEvent", down).await?;
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers }),
        )
        .await?;
        Ok(())
    }

    /// Clicks at a point of the viewport (CSS pixels), with modifier bits.
    pub async fn click(&self, x: f64, y: f64, modifiers: i64) -> Result<()> {
        self.call("Input.dispatchMouseEvent", json!({ "type": "mouseMoved", "x": x, "y": y, "modifiers": modifiers })).await?;
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1, "modifiers": modifiers }),
            )
            .await?;
        }
        Ok(())
    }

    /// Drags with the left button from one point to another in a few steps.
    pub async fn drag(&self, from: (f64, f64), to: (f64, f64)) -> Result<()> {
        self.call("Input.dispatchMouseEvent", json!({ "type": "mouseMoved", "x": from.0, "y": from.1 })).await?;
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mousePressed", "x": from.0, "y": from.1, "button": "left", "buttons": 1, "clickCount": 1 }),
        )
        .await?;
        for i in 1..=8 {
            let f = f64::from(i) / 8.0;
            let (x, y) = (from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f);
            self.call("Input.dispatchMouseEvent", json!({ "type": "mouseMoved", "x": x, "y": y, "button": "left", "buttons": 1 })).await?;
        }
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mouseReleased", "x": to.0, "y": to.1, "button": "left", "buttons": 1, "clickCount": 1 }),
        )
        .await?;
        Ok(())
    }

    /// Clicks the centre of the first element matching a CSS selector.
    pub async fn click_selector(&self, selector: &str) -> Result<()> {
        let sel = serde_json::to_string(selector).expect("a string serialises");
        let r = self
            .wait_for(
                &format!(
                    "(() => {{ const e = document.querySelector({sel}); if (!e) return null; const r = e.getBoundingClientRect(); \
                     return r.width > 0 ? [r.left + r.width / 2, r.top + r.height / 2] : null; }})()"
                ),
                Duration::from_secs(20),
            )
            .await?;
        let x = r[0].as_f64().unwrap_or(0.0);
        let y = r[1].as_f64().unwrap_or(0.0);
        self.click(x, y, 0).await
    }

    /// Everything the page wrote to its console, its uncaught exceptions and its error log.
    pub fn console(&self) -> Vec<ConsoleEntry> {
        self.conn.console(&self.session)
    }

    /// The console errors, exceptions and error log entries so far (what a test fails on).
    pub fn errors(&self) -> Vec<String> {
        self.console()
            .into_iter()
            .filter(|e| e.level == "error" || e.level == "exception")
            .map(|e| format!("[{}] {}", e.level, e.text))
            .collect()
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// DOM `code`, Windows virtual key code and typed text of a key.
fn key_info(key: &str) -> (String, i64, Option<String>) {
    match key {
        " " => ("Space".into(), 32, Some(" ".into())),
        "ArrowLeft" => (key.into(), 37, None),
        "ArrowUp" => (key.into(), 38, None),
        "ArrowRight" => (key.into(), 39, None),
        "ArrowDown" => (key.into(), 40, None),
        "Escape" => (key.into(), 27, None),
        "Enter" => (key.into(), 13, Some("\r".into())),
        "Home" => (key.into(), 36, None),
        "End" => (key.into(), 35, None),
        "?" => ("Slash".into(), 191, Some("?".into())),
        k if k.len() == 1 => {
            let c = k.chars().next().expect("one char");
            if c.is_ascii_digit() {
                (format!("Digit{c}"), i64::from(c as u8), Some(k.into()))
            } else if c.is_ascii_alphabetic() {
                (format!("Key{}", c.to_ascii_uppercase()), i64::from(c.to_ascii_uppercase() as u8), Some(k.into()))
            } else {
                (String::new(), 0, Some(k.into()))
            }
        }
        other => (other.into(), 0, None),
    }
}
