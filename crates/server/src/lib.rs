//! The f1replay server: the HTTP API of `docs/API.md` over the replay files, WebSocket
//! streaming, build progress and the embedded web UI, on axum and tokio.
//!
//! An [`AppState`] (set up from a [`StateConfig`]) holds the session store: a [`SessionId`]
//! (`sim-race`, or `YEAR~MEETING~SESSION` of the archive or of `--data`) is resolved by the
//! [`Catalog`] to raw files, decoded (`feed`), modelled (`timing`) and built once into a replay
//! file (`replay`), which is read into memory, verified, and kept in an LRU. Concurrent first requests for a
//! session share one build (single-flight; [`AppState::builds_started`] counts them), and all
//! blocking work runs off the async runtime, on a build pool that leaves a core to it.
//!
//! [`app`] builds the whole [`axum::Router`] from a state: REST tables (laps, results,
//! telemetry...) computed once per session, replay chunks as immutable cacheable bytes
//! (zstd passed through from the file, gzip encoded once), the whole file with `Range`, a
//! WebSocket stream whose clock is anchored to wall time and whose frames are encoded once for
//! all viewers ([`FrameFormat`]), and Server-Sent Events for build progress. Every error is an
//! [`ApiError`]: a 4xx with a reason for bad input, never a panic. [`Server`] binds and runs it
//! with a clean shutdown; [`serve`] does both until Ctrl-C. (The load generator of
//! `f1replay bench serve` lives apart, in the `bench` crate.)
//!
//! ```no_run
//! # async fn run() -> Result<(), server::Error> {
//! let mut config = server::ServeConfig::new("127.0.0.1:8000".parse().unwrap());
//! config.state.offline = true; // with no --data: the simulated sessions, and the raw cache
//! server::serve(config).await
//! # }
//! ```
//!
//! In tests, drive [`app`] directly with `tower::ServiceExt::oneshot`, or bind a [`Server`] on
//! `127.0.0.1:0` and use a real client.

#![warn(missing_docs)]

mod cache;
pub mod catalog;
mod chunks;
mod error;
mod frames;
mod listen;
mod loaded;
pub mod openapi;
pub mod publish;
mod routes;
mod shared;
mod sse;
mod state;
mod store;
mod tables;
mod web;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

pub use cache::Progress;
pub use catalog::{Catalog, Season, SessionId, SessionSummary};
pub use chunks::{negotiate, parse_range, Coding, RangeRequest};
pub use error::{ApiError, Error};
pub use frames::{chunk_header, msgpack, one_frame, Encoded, FrameFormat};
pub use listen::Limits;
pub use state::{default_cache_dir, AppState, StateConfig};

/// Kernel send buffer of each connection, bytes (the kernel doubles it for bookkeeping).
pub const SOCKET_SEND_BUFFER: u32 = 256 * 1024;

/// Largest request body accepted (the API is read-only; nothing needs a body).
pub const MAX_BODY_BYTES: usize = 1024;

/// The whole application: every route of docs/API.md, the WebSocket, SSE and the web UI.
pub fn app(state: AppState) -> Router {
    // Every API route comes with its OpenAPI description (openapi::documented); the catch-alls
    // and the web UI are the only routes outside it.
    let (api, _) = openapi::documented().split_for_parts();
    api.route("/api", any(routes::api_not_found))
        .route("/api/", any(routes::api_not_found))
        .route("/api/{*rest}", any(routes::api_not_found))
        .fallback(web::static_file)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Logs each request at debug level (method, path, status, time).
async fn log_request(request: Request, next: Next) -> Response {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::debug!(%method, path, status = response.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    response
}

/// What `f1replay serve` needs: where to listen and how to set up the state.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Listening address (default 127.0.0.1:8000: local only).
    pub addr: SocketAddr,
    /// Sources, cache and limits.
    pub state: StateConfig,
}

impl ServeConfig {
    /// Listens on `addr`, default state settings with the default cache folder.
    pub fn new(addr: SocketAddr) -> ServeConfig {
        ServeConfig { addr, state: StateConfig::new(default_cache_dir()) }
    }
}

impl Default for ServeConfig {
    /// 127.0.0.1:8000.
    fn default() -> Self {
        ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 8000)))
    }
}

/// A bound server, not yet running: bind first to learn the address (port 0 in tests, or to
/// open a browser), then [`Server::run`].
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
}

impl Server {
    /// Sets up the state and binds the listening socket.
    pub async fn bind(config: &ServeConfig) -> Result<Server, Error> {
        let state = AppState::new(config.state.clone())?;
        state.check_store().await?;
        Server::bind_with_state(config.addr, state).await
    }

    /// Binds with an existing state.
    pub async fn bind_with_state(addr: SocketAddr, state: AppState) -> Result<Server, Error> {
        let bind = || -> std::io::Result<tokio::net::TcpListener> {
            let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
            socket.set_reuseaddr(true)?;
            // Accepted sockets inherit it: a fixed send buffer bounds the kernel memory a
            // stalled viewer can hold; beyond it the viewer's frames are dropped, not queued.
            socket.set_send_buffer_size(SOCKET_SEND_BUFFER)?;
            socket.bind(addr)?;
            socket.listen(4096)
        };
        let listener = bind().map_err(|source| Error::Bind { addr, source })?;
        Ok(Server { listener, state })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener.local_addr().map_err(Error::Serve)
    }

    /// The shared state (counters, shutdown).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops accepting, closes every WebSocket (close
    /// code 1001) and SSE stream, and waits up to 5 s for requests in progress (see [`Limits`]
    /// for the timeouts and caps while running).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), Error> {
        let state = self.state.clone();
        let stopped = state.shutdown_signal();
        let signal = state.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down");
            signal.shutdown();
        });
        listen::serve(self.listener, app(state.clone()), state.clone(), stopped).await;
        // The viewers were told (1001) by their own tasks; give them 2 s to send it and close.
        let deadline = Instant::now() + Duration::from_secs(2);
        while state.ws_connections() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if state.ws_connections() > 0 {
            tracing::warn!(viewers = state.ws_connections(), "viewers still open 2 s after the shutdown; stopping anyway");
        }
        Ok(())
    }
}

/// Binds `config.addr` and serves until Ctrl-C.
pub async fn serve(config: ServeConfig) -> Result<(), Error> {
    let server = Server::bind(&config).await?;
    let addr = server.local_addr()?;
    tracing::info!("f1replay listening on http://{addr}/ ({} embedded web files)", web::file_count());
    server
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Logs to stderr with `tracing` (`info`, or `debug` when `verbose`); the `F1REPLAY_LOG`
/// variable (`error`, `warn`, `info`, `debug`, `trace`) overrides. Calling it twice is harmless.
pub fn init_logging(verbose: bool) {
    let level = std::env::var("F1REPLAY_LOG").ok().and_then(|v| v.parse::<tracing::Level>().ok()).unwrap_or(if verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    });
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    fn state() -> (AppState, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = StateConfig::new(dir.path());
        config.offline = true;
        (AppState::new(config).unwrap(), dir)
    }

    async fn get(app: Router, uri: &str) -> (StatusCode, serde_json::Value) {
        let response = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn health_answers_without_a_server() {
        let (state, _dir) = state();
        let (status, body) = get(app(state), "/api/health").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["builds"], 0);
    }

    #[tokio::test]
    async fn bad_input_is_a_json_4xx() {
        let (state, _dir) = state();
        for (uri, code) in [
            ("/api/sessions/..~x~y", StatusCode::BAD_REQUEST),
            ("/api/sessions/sim-race/chunks/abc", StatusCode::BAD_REQUEST),
            ("/api/seasons/abc/sessions", StatusCode::BAD_REQUEST),
            ("/api/sessions/sim-nothing/laps", StatusCode::NOT_FOUND),
            ("/api/nothing", StatusCode::NOT_FOUND),
            ("/api/sessions/sim-race/ws", StatusCode::BAD_REQUEST),
        ] {
            let (status, body) = get(app(state.clone()), uri).await;
            assert_eq!(status, code, "{uri}: {body}");
            assert_eq!(body["status"], code.as_u16(), "{uri}");
            assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{uri}");
        }
        let response = app(state).oneshot(Request::post("/api/health").body(Body::from("x")).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[tokio::test]
    async fn the_viewer_learns_it_talks_to_a_server() {
        let (state, _dir) = state();
        let (status, body) = get(app(state), "/static.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["static"], false);
    }

    #[tokio::test]
    async fn the_root_serves_a_page() {
        let (state, _dir) = state();
        let response = app(state).oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }
}
