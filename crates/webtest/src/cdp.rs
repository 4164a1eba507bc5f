//! A minimal Chrome DevTools Protocol connection: JSON commands over one WebSocket, answers
//! matched by id, page-level events (console, exceptions, log entries) recorded per session.
//!
//! Flattened sessions (`Target.attachToTarget` with `flatten: true`) put every tab on the
//! browser's own socket: a command names its `sessionId`, and so does every event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Result};

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<std::result::Result<Value, String>>>>>;

/// One line the page wrote to its console or log, with its level.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    /// `log`, `info`, `warning`, `error`, `exception`, ...
    pub level: String,
    /// The text, with the source location when the browser gave one.
    pub text: String,
}

/// Console entries per session id.
pub type ConsoleLog = Arc<Mutex<HashMap<String, Vec<ConsoleEntry>>>>;

/// A DevTools WebSocket connection to the browser.
pub struct Connection {
    out: mpsc::UnboundedSender<Message>,
    next_id: AtomicU64,
    pending: Pending,
    console: ConsoleLog,
    timeout: Duration,
}

impl Connection {
    /// Connects to a `ws://127.0.0.1:PORT/devtools/browser/...` address.
    pub async fn connect(url: &str) -> Result<Connection> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| Error::new(format!("DevTools connect {url}: {e}")))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let pending: Pending = Arc::default();
        let console: ConsoleLog = Arc::default();
        let (p, c) = (pending.clone(), console.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                if let Some(id) = v.get("id").and_then(Value::as_u64) {
                    if let Some(tx) = p.lock().expect("pending lock").remove(&id) {
                        let answer = match v.get("error") {
                            Some(e) => Err(e.to_string()),
                            None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
                        };
                        let _ = tx.send(answer);
                    }
                } else if let Some(entry) = console_entry(&v) {
                    let session = v.get("sessionId").and_then(Value::as_str).unwrap_or("").to_string();
                    c.lock().expect("console lock").entry(session).or_default().push(entry);
                }
            }
            // The socket closed: fail everything still waiting.
            for (_, tx) in p.lock().expect("pending lock").drain() {
                let _ = tx.send(Err("DevTools connection closed".into()));
            }
        });
        Ok(Connection { out, next_id: AtomicU64::new(1), pending, console, timeout: Duration::from_secs(60) })
    }

    /// Sends a command (to a tab when `session` is given) and waits for its answer.
    pub async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_string());
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending lock").insert(id, tx);
        self.out.send(Message::Text(msg.to_string().into())).map_err(|_| Error::new("DevTools connection closed"))?;
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => Err(Error::new(format!("{method}: {e}"))),
            Ok(Err(_)) => Err(Error::new(format!("{method}: no answer (connection closed)"))),
            Err(_) => {
                self.pending.lock().expect("pending lock").remove(&id);
                Err(Error::new(format!("{method}: no answer within {:?}", self.timeout)))
            }
        }
    }

    /// Everything a tab wrote to its console so far.
    pub fn console(&self, session: &str) -> Vec<ConsoleEntry> {
        self.console.lock().expect("console lock").get(session).cloned().unwrap_or_default()
    }
}

/// A console, exception or log event as an entry; None for other events.
fn console_entry(v: &Value) -> Option<ConsoleEntry> {
    let params = v.get("params")?;
    match v.get("method")?.as_str()? {
        "Runtime.consoleAPICalled" => {
            let level = params.get("type")?.as_str()?.to_string();
            let text = params
                .get("args")
                .and_then(Value::as_array)
                .map(|args| args.iter().map(remote_object_text).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            Some(ConsoleEntry { level, text })
        }
        "Runtime.exceptionThrown" => {
            let d = params.get("exceptionDetails")?;
            let desc = d.pointer("/exception/description").and_then(Value::as_str);
            let text = desc.or_else(|| d.get("text").and_then(Value::as_str)).unwrap_or("exception").to_string();
            let at = format!(
                " ({}:{})",
                d.get("url").and_then(Value::as_str).unwrap_or(""),
                d.get("lineNumber").and_then(Value::as_i64).unwrap_or(-1) + 1
            );
            Some(ConsoleEntry { level: "exception".into(), text: text + &at })
        }
        "Log.entryAdded" => {
            let e = params.get("entry")?;
            let level = e.get("level")?.as_str()?.to_string();
            let text =
                format!("{} {}", e.get("text").and_then(Value::as_str).unwrap_or(""), e.get("url").and_then(Value::as_str).unwrap_or(""));
            Some(ConsoleEntry { level, text })
        }
        _ => None,
    }
}

fn remote_object_text(o: &Value) -> String {
    if let Some(v) = o.get("value") {
        return match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    }
    o.get("description").and_then(Value::as_str).unwrap_or("").to_string()
}
