//! [`AppState`]: everything the handlers share, passed explicitly (`State<AppState>`), never
//! global; and [`StateConfig`], how it is set up.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

use crate::catalog::{self, Catalog, SessionId};
use crate::error::{ApiError, Error};
use crate::listen::Limits;
use crate::store::{Store, StoreConfig};

/// How an [`AppState`] is set up.
#[derive(Debug, Clone)]
pub struct StateConfig {
    /// A local copy of the archive (`--data`); archive ids are read from it only.
    pub data: Option<PathBuf>,
    /// The cache folder: raw files in `raw/`, replay files in `replay/`.
    pub cache_dir: PathBuf,
    /// Never contact the archive: without `data`, only what the raw cache holds is served.
    pub offline: bool,
    /// Frames per second of the replays built.
    pub fps: u32,
    /// Built sessions kept in memory (each: its verified replay file in memory plus bounded caches of at
    /// most ~36 MB).
    pub max_sessions: usize,
    /// Memory for session models (telemetry for the laps/telemetry endpoints), bytes.
    pub model_budget_bytes: usize,
    /// Threads building replays; the default leaves one core to the async runtime.
    pub build_threads: usize,
    /// Header timeout, connection and viewer caps (see [`Limits`]).
    pub limits: Limits,
    /// A shared replay store (`--store s3://...`): replay files are read from and written to it
    /// instead of `cache_dir/replay`, and servers sharing it build each session once between
    /// them; finished sessions' raw files are shared there too ([`archive::RawStore`]). `None`:
    /// the local cache folder, as always.
    pub shared_store: Option<bucket::Bucket>,
    /// How long a build's lease on the shared store lasts unless renewed (a builder that dies
    /// is taken over after it).
    pub lease_ttl: std::time::Duration,
    /// The archive's base URL (`None`: the official one); tests point it at a local server.
    pub archive_url: Option<String>,
}

impl StateConfig {
    /// Defaults (25 FPS, 8 sessions, 512 MB of models, cores − 1 build threads) with `cache_dir`.
    pub fn new(cache_dir: impl Into<PathBuf>) -> StateConfig {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        StateConfig {
            data: None,
            cache_dir: cache_dir.into(),
            offline: false,
            fps: 25,
            max_sessions: 8,
            model_budget_bytes: 512 << 20,
            build_threads: cores.saturating_sub(1).max(1),
            limits: Limits::default(),
            shared_store: None,
            lease_ttl: std::time::Duration::from_secs(30),
            archive_url: None,
        }
    }
}

/// The shared state of the application: the session store, counters, the shutdown signal.
/// Cloning is cheap (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    limits: Limits,
    started: Instant,
    shutdown: watch::Sender<bool>,
    ws_connections: AtomicUsize,
    frames_sent: AtomicU64,
    frames_dropped: AtomicU64,
}

impl AppState {
    /// Sets up the sources and the cache folders.
    pub fn new(config: StateConfig) -> Result<AppState, Error> {
        let catalog = Catalog::with_archive_url(
            config.data.as_deref(),
            &config.cache_dir.join("raw"),
            config.offline,
            config.archive_url.as_deref(),
        )?;
        let catalog = match &config.shared_store {
            Some(bucket) => catalog.with_shared_raw(Arc::new(bucket.clone())),
            None => catalog,
        };
        tracing::info!("sessions from {} and the simulator", catalog.describe());
        let store = Store::new(
            catalog,
            StoreConfig {
                replay_dir: config.cache_dir.join("replay"),
                fps: config.fps.clamp(1, 100),
                max_replays: config.max_sessions,
                model_budget_bytes: config.model_budget_bytes,
                build_threads: config.build_threads,
                shared: config.shared_store.clone(),
                lease_ttl: config.lease_ttl,
            },
        )?;
        Ok(AppState {
            inner: Arc::new(Inner {
                store: Arc::new(store),
                limits: config.limits,
                started: Instant::now(),
                shutdown: watch::channel(false).0,
                ws_connections: AtomicUsize::new(0),
                frames_sent: AtomicU64::new(0),
                frames_dropped: AtomicU64::new(0),
            }),
        })
    }

    /// Checks that the shared replay store (if any) has its bucket and takes the credentials.
    pub async fn check_store(&self) -> Result<(), Error> {
        match self.inner.store.shared() {
            Some(bucket) => Ok(bucket.check().await?),
            None => Ok(()),
        }
    }

    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// Replay builds started since start-up: concurrent first requests for one session count
    /// once (single-flight); opening a cached replay file does not count.
    pub fn builds_started(&self) -> u64 {
        self.inner.store.builds_started()
    }

    /// Raw loads (fetch, decode, session model) started since start-up.
    pub fn loads_started(&self) -> u64 {
        self.inner.store.loads_started()
    }

    /// Built sessions held in memory.
    pub fn sessions_cached(&self) -> usize {
        self.inner.store.replays_cached()
    }

    /// The header timeout and the connection and viewer caps.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Seconds since the state was created.
    pub fn uptime_s(&self) -> f64 {
        self.inner.started.elapsed().as_secs_f64()
    }

    /// Where the replay file of session `id` is (or will be) stored: the cache key covers its
    /// raw files, which are read to hash them.
    pub async fn replay_path(&self, id: &str) -> Result<PathBuf, ApiError> {
        self.inner.store.replay_path(&SessionId::parse(id)?).await
    }

    /// Builds (or opens) session `id` and keeps it in memory, as the first request would.
    pub async fn prepare(&self, id: &str) -> Result<(), ApiError> {
        self.inner.store.replay(&SessionId::parse(id)?).await.map(|_| ())
    }

    /// Asks the long-lived streams (WebSocket, SSE) to end, for a clean shutdown.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// A receiver that changes to `true` at shutdown.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Open WebSocket connections.
    pub fn ws_connections(&self) -> usize {
        self.inner.ws_connections.load(Ordering::Relaxed)
    }

    /// Frames sent over WebSockets, and frames skipped because a client was not reading fast enough.
    pub fn frames_sent_and_dropped(&self) -> (u64, u64) {
        (self.inner.frames_sent.load(Ordering::Relaxed), self.inner.frames_dropped.load(Ordering::Relaxed))
    }

    pub(crate) fn count_frame(&self, sent: bool) {
        let counter = if sent { &self.inner.frames_sent } else { &self.inner.frames_dropped };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a WebSocket connection for as long as the guard lives.
    pub(crate) fn ws_guard(&self) -> WsGuard {
        self.inner.ws_connections.fetch_add(1, Ordering::Relaxed);
        WsGuard(self.clone())
    }

    /// The answer of `GET /api/health`.
    pub(crate) fn health(&self) -> Health {
        let store = &self.inner.store;
        let (frames_sent, frames_dropped) = self.frames_sent_and_dropped();
        Health {
            status: "ok",
            uptime_s: (self.uptime_s() * 1000.0).round() / 1000.0,
            sessions_cached: store.replays_cached(),
            builds: store.builds_started(),
            loads: store.loads_started(),
            models_cached: store.models_cached(),
            building: store.flights_running(),
            cache_bytes: store.cache_bytes(),
            ws_connections: self.ws_connections(),
            frames_sent,
            frames_dropped,
            pipeline_version: replay::PIPELINE_VERSION,
            warnings: store.sessions_with_warnings(),
        }
    }
}

/// Decrements the WebSocket connection count when dropped.
pub(crate) struct WsGuard(AppState);

impl Drop for WsGuard {
    fn drop(&mut self) {
        self.0.inner.ws_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The default cache folder (`~/.cache/f1replay`).
pub fn default_cache_dir() -> PathBuf {
    catalog::default_cache_dir()
}

/// `GET /api/health`: liveness and counters.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the server answers.
    pub status: &'static str,
    /// Seconds since the server started.
    pub uptime_s: f64,
    /// Replays open in memory.
    pub sessions_cached: usize,
    /// Replay builds started since the start.
    pub builds: u64,
    /// Session models loaded since the start.
    pub loads: u64,
    /// Session models in memory.
    pub models_cached: usize,
    /// Builds running now.
    pub building: usize,
    /// Bytes of the replay cache in memory.
    pub cache_bytes: usize,
    /// WebSocket viewers connected.
    pub ws_connections: usize,
    /// Frames sent to viewers.
    pub frames_sent: u64,
    /// Frames skipped for viewers that did not read fast enough.
    pub frames_dropped: u64,
    /// The replay pipeline's version (part of every cache key).
    pub pipeline_version: &'static str,
    /// Sessions in memory whose raw files lost something, with how many warnings each (the
    /// session's manifest lists them).
    pub warnings: std::collections::BTreeMap<String, usize>,
}
