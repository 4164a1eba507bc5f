//! The session store: from a [`SessionId`] to a built replay held in memory
//! ([`LoadedReplay`]) and to the session model (for the laps, telemetry and other tables).
//!
//! Both are single-flight ([`Flights`]): however many requests arrive for a session that is not
//! ready, one task does the work and all of them wait for it and can watch its progress. Built
//! replays stay in an LRU of `Arc<LoadedReplay>` (the verified file bytes, a few MB each); models, which hold
//! all telemetry, in an LRU bounded by their estimated size; derived JSON tables in a byte-bounded
//! cache.
//!
//! The pipeline of one build: raw files (simulator, local folder or archive, through
//! `archive::session_files`, the loader `f1replay build` uses too) → `feed` decode →
//! `timing::Session` → `replay::build` → the file's bytes, verified and served from memory, and
//! written to `<cache>/replay/` under its [`replay::store::CacheKey`] (session id, raw files'
//! content hash, pipeline, fps; the layout `f1replay build` fills). A cache file is opened only
//! if its manifest matches that key, so a changed `--data` folder, another session's file put in
//! its place or a file from an older pipeline is rebuilt; the session's older files are pruned.
//! A session whose status has not reached its end (the archive may still be publishing it) is
//! served from memory and not written as final; neither is a replay whose write fails (read-only
//! cache, full disk). A failed build is remembered for [`FAILED_BUILD_BACKOFF`] so that a
//! burst of requests does not redo it. Every step that blocks or burns CPU runs on the
//! blocking pool, the CPU-heavy ones inside a dedicated rayon pool that leaves a core to the
//! async runtime.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use columns::files::Format;

use crate::cache::{self, lock, Flights, Joined, Lru, Reporter, SharedCache};
use crate::catalog::{self, Catalog, SessionId};
use crate::error::{ApiError, Error};
use crate::loaded::LoadedReplay;

/// Derived JSON tables (laps, results...) kept, all sessions together.
const TABLE_BUDGET: usize = 48 << 20;

/// How long a failed build is answered from memory (its error) before it is tried again.
pub(crate) const FAILED_BUILD_BACKOFF: std::time::Duration = std::time::Duration::from_secs(10);

/// A decoded session model and the fingerprint of the raw files it came from.
pub struct Model {
    /// The session model.
    pub session: timing::Session,
    /// Fingerprint of the raw files (recorded in the replay file).
    pub source_hash: u64,
    /// What the decode dropped (unusable topics, skipped lines), for the replay's manifest.
    pub losses: Vec<feed::Warning>,
    /// Whether the session is over (its status reached its end), so its replay may be cached.
    pub ended: bool,
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
    /// The shared replay store, if any (else `replay_dir`).
    pub shared: Option<bucket::Bucket>,
    /// How long a build's lease on the shared store lasts unless renewed.
    pub lease_ttl: std::time::Duration,
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
    failed: Mutex<std::collections::HashMap<String, (std::time::Instant, ApiError)>>,
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
        let orphans = replay::store::remove_orphan_temps(&config.replay_dir);
        if orphans > 0 {
            tracing::info!(removed = orphans, "removed temporary files left by an interrupted build");
        }
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
            failed: Mutex::new(std::collections::HashMap::new()),
            config,
        })
    }

    /// The shared replay store, if replays live in one.
    pub(crate) fn shared(&self) -> Option<&bucket::Bucket> {
        self.config.shared.as_ref()
    }

    /// How long a build's lease on the shared store lasts unless renewed.
    pub(crate) fn lease_ttl(&self) -> std::time::Duration {
        self.config.lease_ttl
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

    /// The cache key of session `id`'s replay: its raw files are read (or, for a simulated
    /// session, its simulator version taken) to hash them.
    pub(crate) async fn cache_key(&self, id: &SessionId) -> Result<replay::store::CacheKey, ApiError> {
        let source_hash = match id.sim_kind() {
            Some(kind) => catalog::sim_hash(kind),
            None => self.catalog.fetch(id, &|_| {}).await?.source_hash,
        };
        Ok(replay::store::CacheKey { session_id: id.as_str().to_owned(), source_hash, fps: self.config.fps })
    }

    /// Marks the sessions whose replay is in memory or in the replay cache (they open without
    /// a build: docs/API.md `cached`).
    pub(crate) async fn mark_cached(&self, list: &mut [crate::catalog::SessionSummary]) -> Result<(), ApiError> {
        let in_memory: std::collections::HashSet<String> = lock(&self.replays).values().map(|r| r.id.to_string()).collect();
        let dir = self.config.replay_dir.clone();
        let files: Vec<String> = tokio::task::spawn_blocking(move || {
            std::fs::read_dir(&dir).map(|e| e.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default()
        })
        .await?;
        for s in list.iter_mut() {
            let Some(id) = s.id.as_deref() else { continue };
            let prefix = replay::store::CacheKey::file_prefix(id, self.config.fps);
            s.cached = in_memory.contains(id) || files.iter().any(|f| f.starts_with(&prefix) && f.ends_with(".f1r"));
        }
        Ok(())
    }

    /// Where the replay file of `id` lives (or will).
    pub(crate) async fn replay_path(&self, id: &SessionId) -> Result<PathBuf, ApiError> {
        Ok(self.config.replay_dir.join(self.cache_key(id).await?.file_name()))
    }

    /// Heap bytes held by the caches: session models, derived tables, chunks and frames.
    pub(crate) fn cache_bytes(&self) -> usize {
        let replays: usize = lock(&self.replays).values().map(|r| r.cached_bytes()).sum();
        replays + lock(&self.models).weight() + self.tables.weight()
    }

    /// The sessions in memory whose raw files lost something, with how many warnings each.
    pub(crate) fn sessions_with_warnings(&self) -> std::collections::BTreeMap<String, usize> {
        let replays = lock(&self.replays);
        replays.values().filter(|r| !r.manifest().warnings.is_empty()).map(|r| (r.id.to_string(), r.manifest().warnings.len())).collect()
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
                    let result = match store.recent_failure(&id) {
                        Some(e) => Err(e),
                        None => store.open_or_build(&id, &reporter).await,
                    };
                    if let Err(e) = &result {
                        tracing::warn!(session = %id, "build failed: {}", e.message());
                        // Not found is not worth remembering (the folder may appear); the rest is.
                        if e.status() != axum::http::StatusCode::NOT_FOUND {
                            lock(&store.failed).entry(id.as_str().to_owned()).or_insert_with(|| (std::time::Instant::now(), e.clone()));
                        }
                    }
                    reporter.finish(result, |r| lock(&store.replays).insert(id.as_str().to_owned(), r.clone(), 1));
                });
            },
        )
    }

    /// The error of `id`'s last build if it failed less than [`FAILED_BUILD_BACKOFF`] ago.
    fn recent_failure(&self, id: &SessionId) -> Option<ApiError> {
        let mut failed = lock(&self.failed);
        failed.retain(|_, (at, _)| at.elapsed() < FAILED_BUILD_BACKOFF);
        failed.get(id.as_str()).map(|(_, e)| e.clone())
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

    /// A derived table of a session as a file of `format` ([`columns`]), made and encoded once
    /// on the blocking pool and cached; `name` must identify the table and its parameters.
    pub(crate) async fn table_file<F>(self: &Arc<Self>, id: &SessionId, name: &str, format: Format, make: F) -> Result<Bytes, ApiError>
    where
        F: FnOnce(&Model) -> Result<columns::RecordBatch, ApiError> + Send + 'static,
    {
        let key = format!("{id}\u{0}{name}\u{0}{}", format.name());
        if let Some(b) = self.tables.get(&key) {
            return Ok(b);
        }
        let model = self.model(id).await?;
        self.tables
            .get_or_compute(key, move || {
                let batch = make(&model)?;
                columns::files::encode(&batch, format).map(Bytes::from).map_err(|e| ApiError::internal(format!("encoding a table: {e}")))
            })
            .await
    }

    /// Runs CPU-heavy work on the build pool, off the async runtime.
    async fn on_pool<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        Ok(tokio::task::spawn_blocking(move || pool.install(f)).await?)
    }

    /// Opens the cached replay file, or builds it (then writes it to the cache when it may be).
    async fn open_or_build(
        self: &Arc<Self>,
        id: &SessionId,
        reporter: &Reporter<Arc<LoadedReplay>>,
    ) -> Result<Arc<LoadedReplay>, ApiError> {
        reporter.progress("fetch", 0.0);
        let key = self.cache_key(id).await?;
        if let Some(bucket) = self.config.shared.clone() {
            return crate::shared::open_or_build(self, &bucket, id, key, reporter).await;
        }
        let dir = self.config.replay_dir.clone();
        if tokio::fs::try_exists(dir.join(key.file_name())).await.unwrap_or(false) {
            reporter.progress("open", 0.0);
            let (k, d) = (key.clone(), dir.clone());
            match tokio::task::spawn_blocking(move || k.open(&d)).await? {
                Ok(file) => {
                    tracing::info!(session = %id, file = %key.file_name(), "opened the cached replay");
                    return Ok(Arc::new(LoadedReplay::new(id.clone(), file)));
                }
                Err(e) => tracing::warn!(session = %id, "cached replay unusable, rebuilding: {e}"),
            }
        }
        let started = std::time::Instant::now();
        let (bytes, model) = self.build_encoded(id, reporter).await?;
        reporter.progress("open", 0.0);
        // The key of the raw files the model was built from (they may have changed since the
        // key above was computed).
        let key = replay::store::CacheKey { source_hash: model.source_hash, ..key };
        let (ended, label) = (model.ended, id.to_string());
        let file = tokio::task::spawn_blocking(move || {
            if ended {
                save(&dir, &key, &bytes, &label);
            } else {
                tracing::info!(session = %label, "the session has not ended: its replay is kept in memory, not cached");
            }
            replay::ReplayFile::from_bytes(bytes, &label)
        })
        .await??;
        let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        tracing::info!(session = %id, seconds, bytes = file.file_bytes().len(), "replay built");
        Ok(Arc::new(LoadedReplay::new(id.clone(), file)))
    }

    /// Builds `id`'s replay (its model loaded or joined first) and encodes its file; counted in
    /// [`Store::builds_started`].
    pub(crate) async fn build_encoded(
        self: &Arc<Self>,
        id: &SessionId,
        reporter: &Reporter<Arc<LoadedReplay>>,
    ) -> Result<(Vec<u8>, Arc<Model>), ApiError> {
        let model = match self.model_flight(id) {
            Joined::Ready(m) => m,
            Joined::Flight(rx) => cache::follow(rx, |p| reporter.progress(&p.stage, p.fraction)).await?,
        };
        // Counted once the session is known to exist: an unknown id is a 404, not a build.
        self.builds_started.fetch_add(1, Ordering::Relaxed);
        tracing::info!(session = %id, "building the replay");
        reporter.progress("replay", 0.0);
        let progress = reporter.progress_fn();
        let (id_text, fps) = (id.as_str().to_owned(), self.config.fps);
        let m = model.clone();
        let bytes = self
            .on_pool(move || {
                let opts = replay::BuildOptions { fps, ..Default::default() };
                let mut built = replay::build(&m.session, &id_text, m.source_hash, &opts, &progress)?;
                built.manifest.warnings = replay::manifest::source_warnings(&m.losses);
                progress("write", 0.97);
                replay::store::encode(&built.manifest, &built.chunks)
            })
            .await??;
        Ok((bytes, model))
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
                Model {
                    session: timing::Session::build(&feed),
                    source_hash: raw.source_hash,
                    losses: feed.losses(),
                    ended: feed.has_ended(),
                }
            })
            .await?;
        if model.session.drivers.is_empty() {
            return Err(ApiError::not_found(format!("session {id} has no drivers (no DriverList or timing data)")));
        }
        Ok(Arc::new(model))
    }
}

/// Writes a built replay to the cache and prunes the session's older files. A failed write
/// (read-only folder, full disk) is logged, not an error: the replay is served from memory.
fn save(dir: &Path, key: &replay::store::CacheKey, bytes: &[u8], label: &str) {
    match replay::store::write_bytes(&dir.join(key.file_name()), bytes) {
        Ok(()) => {
            let pruned = key.prune(dir);
            if pruned > 0 {
                tracing::info!(session = %label, pruned, "removed the session's older replay files");
            }
        }
        Err(e) => tracing::warn!(session = %label, "cannot cache the replay, serving it from memory: {e}"),
    }
}
