//! The session store: from a [`SessionId`] to a built, memory-mapped replay
//! ([`LoadedReplay`]) and to the session model (for the laps, telemetry and other tables).
//!
//! Both are single-flight ([`Flights`]): however many requests arrive for a session that is not
//! ready, one task does the work and all of them wait for it and can watch its progress. Built
//! replays stay in an LRU of `Arc<LoadedReplay>` (memory-mapped files, cheap); models, which hold
//! all telemetry, in an LRU bounded by their estimated size; derived JSON tables in a byte-bounded
//! cache.
//!
//! The pipeline of one build: raw files (simulator, local folder or archive) → `feed` decode →
//! `timing::Session` → `replay::build_file` into `<cache>/replay/<id>-<pipeline>-<fps>.f1r`
//! (temp file + rename) → `ReplayFile::open`. A replay file already in the cache is opened
//! instead; one that fails to open (checksum, version) is rebuilt. Every step that blocks or
//! burns CPU runs on the blocking pool, the CPU-heavy ones inside a dedicated rayon pool that
//! leaves a core to the async runtime.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::cache::{self, lock, Flights, Joined, Lru, Reporter, SharedCache};
use crate::catalog::{self, Catalog, SessionId};
use crate::error::{ApiError, Error};
use crate::loaded::LoadedReplay;

/// Derived JSON tables (laps, results...) kept, all sessions together.
const TABLE_BUDGET: usize = 48 << 20;

/// A decoded session model and the fingerprint of the raw files it came from.
pub struct Model {
    /// The session model.
    pub session: timing::Session,
    /// Fingerprint of the raw files (recorded in the replay file).
    pub source_hash: u64,
}

impl Model {
    /// Rough heap size: the telemetry columns dominate.
    fn estimated_bytes(&self) -> usize {
        let rows: usize = self.session.telemetry.iter().map(|t| t.t_ms.len()).sum();
        rows * 44 + self.session.laps.len() * 256 + self.session.race_control.len() * 256 + 64 * 1024
    }
}

/// Settings of the store.
#[derive(Debug, Clone)]
pub(crate) struct StoreConfig {
    pub replay_dir: PathBuf,
    pub fps: u32,
    pub max_replays: usize,
    pub model_budget_bytes: usize,
    pub build_threads: usize,
}

/// Sessions: built replays, models, derived tables, and the builds in flight.
pub(crate) struct Store {
    catalog: Catalog,
    config: StoreConfig,
    pool: Arc<rayon::ThreadPool>,
    replays: Mutex<Lru<String, Arc<LoadedReplay>>>,
    models: Mutex<Lru<String, Arc<Model>>>,
    replay_flights: Flights<Arc<LoadedReplay>>,
    model_flights: Flights<Arc<Model>>,
    tables: SharedCache<String, Bytes>,
    builds_started: AtomicU64,
    loads_started: AtomicU64,
}

impl Store {
    /// A store over `catalog`, creating the replay folder.
    pub(crate) fn new(catalog: Catalog, config: StoreConfig) -> Result<Store, Error> {
        std::fs::create_dir_all(&config.replay_dir).map_err(|source| Error::Folder {
            path: config.replay_dir.clone(),
            action: "create the replay folder",
            source,
        })?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.build_threads.max(1))
            .thread_name(|i| format!("f1replay-build-{i}"))
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        Ok(Store {
            catalog,
            pool: Arc::new(pool),
            replays: Mutex::new(Lru::new(config.max_replays.max(1))),
            models: Mutex::new(Lru::new(config.model_budget_bytes)),
            replay_flights: Flights::new(),
            model_flights: Flights::new(),
            tables: SharedCache::new(TABLE_BUDGET, |b| b.len() + 64),
            builds_started: AtomicU64::new(0),
            loads_started: AtomicU64::new(0),
            config,
        })
    }

    /// The catalog of sessions.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Replay builds started since start-up (a cached replay file that opens is not a build).
    pub(crate) fn builds_started(&self) -> u64 {
        self.builds_started.load(Ordering::Relaxed)
    }

    /// Raw loads (fetch + decode + model) started since start-up.
    pub(crate) fn loads_started(&self) -> u64 {
        self.loads_started.load(Ordering::Relaxed)
    }

    /// Built sessions held in memory.
    pub(crate) fn replays_cached(&self) -> usize {
        lock(&self.replays).len()
    }

    /// Session models held in memory.
    pub(crate) fn models_cached(&self) -> usize {
        lock(&self.models).len()
    }

    /// Builds and loads running now.
    pub(crate) fn flights_running(&self) -> usize {
        self.replay_flights.running() + self.model_flights.running()
    }

    /// Where the replay file of `id` lives.
    pub(crate) fn replay_path(&self, id: &SessionId) -> PathBuf {
        replay_file_path(&self.config.replay_dir, id, self.config.fps)
    }

    /// Heap bytes held by the caches: session models, derived tables, chunks and frames.
    pub(crate) fn cache_bytes(&self) -> usize {
        let replays: usize = lock(&self.replays).values().map(|r| r.cached_bytes()).sum();
        replays + lock(&self.models).weight() + self.tables.weight()
    }

    /// The built session, building it if needed (single-flight) and waiting for it.
    pub(crate) async fn replay(self: &Arc<Self>, id: &SessionId) -> Result<Arc<LoadedReplay>, ApiError> {
        match self.replay_flight(id) {
            Joined::Ready(r) => Ok(r),
            Joined::Flight(rx) => cache::wait(rx).await,
        }
    }

    /// The built session, or the flight building it (started now if none runs).
    pub(crate) fn replay_flight(self: &Arc<Self>, id: &SessionId) -> Joined<Arc<LoadedReplay>> {
        let key = id.as_str().to_owned();
        self.replay_flights.join_or_start(
            &key,
            || lock(&self.replays).get(&key),
            |reporter| {
                let store = self.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    let result = store.open_or_build(&id, &reporter).await;
                    if let Err(e) = &result {
                        tracing::warn!(session = %id, "build failed: {}", e.message());
                    }
                    reporter.finish(result, |r| lock(&store.replays).insert(id.as_str().to_owned(), r.clone(), 1));
                });
            },
        )
    }

    /// The session model, loading it if needed (single-flight).
    pub(crate) async fn model(self: &Arc<Self>, id: &SessionId) -> Result<Arc<Model>, ApiError> {
        match self.model_flight(id) {
            Joined::Ready(m) => Ok(m),
            Joined::Flight(rx) => cache::wait(rx).await,
        }
    }

    fn model_flight(self: &Arc<Self>, id: &SessionId) -> Joined<Arc<Model>> {
        let key = id.as_str().to_owned();
        self.model_flights.join_or_start(
            &key,
            || lock(&self.models).get(&key),
            |reporter| {
                let store = self.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    let result = store.load_model(&id, &reporter).await;
                    reporter.finish(result, |m| lock(&store.models).insert(id.as_str().to_owned(), m.clone(), m.estimated_bytes()));
                });
            },
        )
    }

    /// A derived JSON table of a session (laps, results...), computed once from the model and
    /// cached; `name` must identify the table and its parameters.
    pub(crate) async fn table<F, T>(self: &Arc<Self>, id: &SessionId, name: &str, compute: F) -> Result<Bytes, ApiError>
    where
        F: FnOnce(&Model) -> Result<T, ApiError> + Send + 'static,
        T: serde::Serialize,
    {
        let key = format!("{id}\u{0}{name}");
        if let Some(b) = self.tables.get(&key) {
            return Ok(b);
        }
        let model = self.model(id).await?;
        self.tables
            .get_or_compute(key, move || {
                let value = compute(&model)?;
                serde_json::to_vec(&value).map(Bytes::from).map_err(|e| ApiError::internal(format!("encoding a table: {e}")))
            })
            .await
    }

    /// Runs CPU-heavy work on the build pool, off the async runtime.
    async fn on_pool<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        Ok(tokio::task::spawn_blocking(move || pool.install(f)).await?)
    }

    /// Opens the cached replay file, or builds it (then opens it).
    async fn open_or_build(
        self: &Arc<Self>,
        id: &SessionId,
        reporter: &Reporter<Arc<LoadedReplay>>,
    ) -> Result<Arc<LoadedReplay>, ApiError> {
        let path = self.replay_path(id);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            reporter.progress("open", 0.0);
            let p = path.clone();
            match tokio::task::spawn_blocking(move || replay::ReplayFile::open(&p)).await? {
                Ok(file) => {
                    tracing::info!(session = %id, file = %path.display(), "opened the cached replay");
                    return Ok(Arc::new(LoadedReplay::new(id.clone(), file)));
                }
                Err(e) => tracing::warn!(session = %id, "cached replay unusable, rebuilding: {e}"),
            }
        }
        let started = std::time::Instant::now();
        let model = match self.model_flight(id) {
            Joined::Ready(m) => m,
            Joined::Flight(rx) => cache::follow(rx, |p| reporter.progress(&p.stage, p.fraction)).await?,
        };
        // Counted once the session is known to exist: an unknown id is a 404, not a build.
        self.builds_started.fetch_add(1, Ordering::Relaxed);
        tracing::info!(session = %id, "building the replay");
        reporter.progress("replay", 0.0);
        let progress = reporter.progress_fn();
        let (id_text, fps, p) = (id.as_str().to_owned(), self.config.fps, path.clone());
        self.on_pool(move || {
            let opts = replay::BuildOptions { fps, ..Default::default() };
            replay::build_file(&model.session, &id_text, model.source_hash, &opts, &p, &progress)
        })
        .await??;
        reporter.progress("open", 0.0);
        let p = path.clone();
        let file = tokio::task::spawn_blocking(move || replay::ReplayFile::open(&p)).await??;
        let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        tracing::info!(session = %id, seconds, bytes = file.file_bytes().len(), "replay built");
        Ok(Arc::new(LoadedReplay::new(id.clone(), file)))
    }

    /// Raw files → feed → session model.
    async fn load_model(self: &Arc<Self>, id: &SessionId, reporter: &Reporter<Arc<Model>>) -> Result<Arc<Model>, ApiError> {
        self.loads_started.fetch_add(1, Ordering::Relaxed);
        reporter.progress("fetch", 0.0);
        let raw = match id.sim_kind() {
            Some(kind) => {
                reporter.progress("simulate", 0.0);
                self.on_pool(move || catalog::sim_files(kind)).await?
            }
            None => {
                let progress = reporter.progress_fn();
                self.catalog.fetch(id, &move |f| progress("fetch", f)).await?
            }
        };
        reporter.progress("decode", 0.0);
        let progress = reporter.progress_fn();
        let model = self
            .on_pool(move || {
                let feed = feed::FeedSession::decode(raw.files);
                progress("model", 0.0);
                Model { session: timing::Session::build(&feed), source_hash: raw.source_hash }
            })
            .await?;
        if model.session.drivers.is_empty() {
            return Err(ApiError::not_found(format!("session {id} has no drivers (no DriverList or timing data)")));
        }
        Ok(Arc::new(model))
    }
}

/// `<dir>/<id>-<pipeline>-<fps>.f1r`, the pipeline version made file-name safe. A simulated
/// session's files also name the simulator's version (`sim-race-sim1-…`): its raw files are
/// generated, not fetched, so a new simulator must not be shown through an old replay.
pub(crate) fn replay_file_path(dir: &Path, id: &SessionId, fps: u32) -> PathBuf {
    let pipeline: String =
        replay::PIPELINE_VERSION.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') { c } else { '_' }).collect();
    let source = if id.sim_kind().is_some() { format!("-sim{}", sim::VERSION) } else { String::new() };
    dir.join(format!("{}{source}-{pipeline}-{fps}.f1r", id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_replays_are_filed_under_the_simulator_version() {
        let dir = Path::new("/cache");
        let path = |id: &str| replay_file_path(dir, &SessionId::parse(id).map_err(|e| e.message().to_owned()).unwrap(), 25);
        let sim = path("sim-race");
        let name = sim.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.starts_with(&format!("sim-race-sim{}-", sim::VERSION)), "{name}");
        let real = path("2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying");
        let name = real.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(!name.contains("-sim"), "{name}");
        assert!(name.ends_with("-25.f1r"), "{name}");
    }
}
