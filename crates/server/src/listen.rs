//! The accept loop: HTTP/1.1 connections served by hyper with a header-read timeout, and a
//! connection cap that keeps the server answering when connections pile up.
//!
//! A connection that has not sent a complete request head within the header timeout is closed
//! (a silent or slowloris client; the same timeout ends a keep-alive connection left idle). At
//! the cap (open HTTP connections plus WebSocket viewers, kept under the descriptor limit), the
//! oldest connection that has not yet sent any request is closed to make room; when every
//! connection is in use, the newcomer gets a `503` and is closed, never queued. So a thousand
//! silent sockets cannot stop a real request from being answered at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::Service;

use crate::cache::lock;
use crate::AppState;

/// The answer to a connection past the cap, written without reading its request.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncache-control: no-store\r\n\
retry-after: 1\r\nconnection: close\r\ncontent-length: 66\r\n\r\n{\"error\":\"too many connections; try again shortly\",\"status\":503}";

/// One open connection, as the accept loop sees it.
struct Conn {
    /// Set once it has sent a request: it is then a real client, never evicted.
    active: AtomicBool,
    /// Closes it (while it has sent nothing).
    evict: Notify,
}

/// The open connections: how many, and the idle ones in accept order (oldest first).
#[derive(Default)]
struct Tracker {
    open: AtomicUsize,
    idle: Mutex<VecDeque<Weak<Conn>>>,
}

impl Tracker {
    /// Closes the oldest connection that has sent nothing yet; false when there is none.
    fn evict_oldest_idle(&self) -> bool {
        let mut idle = lock(&self.idle);
        while let Some(weak) = idle.pop_front() {
            if let Some(conn) = weak.upgrade().filter(|c| !c.active.load(Ordering::Relaxed)) {
                conn.evict.notify_one();
                return true;
            }
        }
        false
    }
}

/// Decrements the open count when a connection task ends.
struct Open(Arc<Tracker>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts and serves connections until `stop` turns true, then lets the open ones finish
/// (hyper's graceful shutdown: a request in progress completes, idle keep-alives close).
/// Returns once the loop has stopped; open connections may still be finishing.
pub(crate) async fn serve(listener: TcpListener, app: Router, state: AppState, mut stop: watch::Receiver<bool>) -> usize {
    let limits = state.limits();
    let tracker = Arc::new(Tracker::default());
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.wait_for(|s| *s) => break,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                // Out of descriptors (or another transient error): make room, then retry.
                tracing::warn!("accept failed: {e}");
                tracker.evict_oldest_idle();
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let in_use = tracker.open.load(Ordering::Relaxed) + state.ws_connections();
        if in_use >= limits.max_connections && !tracker.evict_oldest_idle() {
            tokio::spawn(refuse(tcp));
            continue;
        }
        let conn = Arc::new(Conn { active: AtomicBool::new(false), evict: Notify::new() });
        lock(&tracker.idle).push_back(Arc::downgrade(&conn));
        tracker.open.fetch_add(1, Ordering::Relaxed);
        let open = Open(tracker.clone());
        tokio::spawn(connection(tcp, app.clone(), conn, limits.header_timeout, stop.clone(), open));
    }
    tracker.open.load(Ordering::Relaxed)
}

/// Answers 503 and closes (bounded: a client that does not read is dropped after 1 s).
async fn refuse(mut tcp: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = tcp.write_all(BUSY).await;
        let _ = tcp.shutdown().await;
    })
    .await;
}

/// Serves one connection until it ends, is evicted while idle, or the server stops.
async fn connection(tcp: TcpStream, app: Router, conn: Arc<Conn>, header_timeout: Duration, mut stop: watch::Receiver<bool>, _open: Open) {
    let flag = conn.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        flag.active.store(true, Ordering::Relaxed);
        let mut app = app.clone();
        async move { app.call(request).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let served = builder.serve_connection(TokioIo::new(tcp), service).with_upgrades();
    tokio::pin!(served);
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = served.as_mut() => return,
            _ = conn.evict.notified(), if !conn.active.load(Ordering::Relaxed) => return,
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The limits of the accept loop and of the WebSocket viewers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send a whole request head (and a keep-alive connection may stay
    /// idle between requests).
    pub header_timeout: Duration,
    /// Open connections (HTTP and WebSocket) at most.
    pub max_connections: usize,
    /// WebSocket viewers at most (a `503` beyond).
    pub max_viewers: usize,
}

impl Default for Limits {
    /// A 10 s header timeout; connections up to the descriptor limit less 64 kept for files
    /// and the runtime; three quarters of them for viewers, so HTTP always has room.
    fn default() -> Limits {
        let max_connections = descriptor_limit().saturating_sub(64).max(16);
        Limits { header_timeout: Duration::from_secs(10), max_connections, max_viewers: (max_connections * 3 / 4).max(1) }
    }
}

/// The process's open-file limit (soft), from `/proc/self/limits`; 1024 where unknown.
fn descriptor_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            match line.split_whitespace().nth(3)? {
                "unlimited" => Some(1 << 20),
                n => n.parse().ok(),
            }
        })
        .unwrap_or(1024)
}
