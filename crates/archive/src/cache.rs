//! [`CachedSource`]: the archive over HTTP behind an on-disk cache of raw files.
//!
//! The cache mirrors the archive's layout (`DIR/2023/Index.json`,
//! `DIR/2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/TimingData.jsonStream`), so a
//! cache folder is also a valid `--data` folder for [`LocalSource`](crate::LocalSource).
//!
//! What may be served from disk without asking the network:
//! - topics of a session that is over: forever (the archive does not change them);
//! - topics of a recent or future session: for [`CacheConfig::recent_session_ttl`], since the
//!   archive writes them while the session runs;
//! - the season index of a past season: forever; of the current or a future season: for
//!   [`CacheConfig::index_ttl`], since sessions are added to it during the season.
//!
//! When an expired entry cannot be refreshed (network down, server error), the old copy is
//! served rather than nothing.
//!
//! With a shared store ([`CachedSource::with_shared`], `--store URL`), files the archive no longer
//! changes (the first kind above, and past seasons' indexes) are also read from and written to
//! it, verified by their digest ([`crate::shared`]): servers sharing a bucket fetch each raw
//! file from the archive once between them, and one that cannot reach the archive builds from
//! the store alone ([`CachedSource::stored_only`]). Files are written to a temporary name in the same folder, then
//! renamed, so a crash or a failed download never leaves a partial file under the real name.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::date;
use crate::error::{Error, Result};
use crate::http::{topic_relative, HttpSource};
use crate::index::SeasonIndex;
use crate::path;
use crate::shared::{self, RawStore};
use crate::source::Source;

/// Settings of a [`CachedSource`].
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// The cache folder; created if missing.
    pub dir: PathBuf,
    /// How long a cached season index of the current (or a future) season is used before it is
    /// fetched again.
    pub index_ttl: Duration,
    /// How long a cached topic of a recent or future session is used before it is fetched again.
    pub recent_session_ttl: Duration,
}

impl CacheConfig {
    /// Default lifetimes (12 h for indexes, 10 min for topics of recent sessions) in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> CacheConfig {
        CacheConfig { dir: dir.into(), index_ttl: Duration::from_secs(12 * 3600), recent_session_ttl: Duration::from_secs(10 * 60) }
    }

    /// `$XDG_CACHE_HOME/f1replay/raw`, else `$HOME/.cache/f1replay/raw`; `None` when neither
    /// variable is set to an absolute path.
    pub fn default_dir() -> Option<PathBuf> {
        let absolute = |name: &str| std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute());
        absolute("XDG_CACHE_HOME")
            .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
            .map(|base| base.join("f1replay").join("raw"))
    }
}

/// The archive over HTTP with an on-disk raw cache in front of it (see the module doc for what
/// is cached for how long). Cloning is cheap; clones share the HTTP client and its rate limit.
#[derive(Debug, Clone)]
pub struct CachedSource {
    http: HttpSource,
    /// Canonical cache folder.
    root: PathBuf,
    index_ttl: Duration,
    recent_ttl: Duration,
    /// The shared store of final raw files, if any.
    shared: Option<Arc<dyn RawStore>>,
    /// Whether the archive may be asked (false: the disk cache and the shared store only).
    network: bool,
}

/// A cached file and how old it is.
struct CachedFile {
    bytes: Vec<u8>,
    age: Duration,
    location: String,
}

impl CachedSource {
    /// Wraps `http` with a cache in `config.dir`, creating the folder if needed.
    pub fn new(http: HttpSource, config: CacheConfig) -> Result<CachedSource> {
        let dir = &config.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create cache folder", e))?;
        let root = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, "open cache folder", e))?;
        Ok(CachedSource { http, root, index_ttl: config.index_ttl, recent_ttl: config.recent_session_ttl, shared: None, network: true })
    }

    /// The same cache, also reading final raw files from `store` before the archive and writing
    /// what it fetches there (see the module doc).
    pub fn with_shared(self, store: Arc<dyn RawStore>) -> CachedSource {
        CachedSource { shared: Some(store), ..self }
    }

    /// Whether a shared store is behind the disk cache.
    pub fn has_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// A view that never asks the archive: the disk cache, then the shared store; anything in
    /// neither is not found. For when the archive is known to be unreachable.
    pub fn stored_only(&self) -> CachedSource {
        CachedSource { network: false, ..self.clone() }
    }

    /// The canonical cache folder.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The HTTP source behind the cache.
    pub fn http(&self) -> &HttpSource {
        &self.http
    }

    /// True when a topic is on disk (fresh or not), i.e. loading it may need no network.
    pub fn is_cached(&self, session_path: &str, file_name: &str) -> Result<bool> {
        let relative = topic_relative(session_path, file_name)?;
        Ok(path::join(&self.root, &relative).is_file())
    }

    /// The circuit info of a circuit for a season ([`HttpSource::circuit_info_raw`]), kept in
    /// the cache under `multiviewer/circuits/{key}/{year}.json`: past seasons for good, the
    /// current one for the season index's time to live. A cached copy is served without a
    /// request; a body that is not JSON is refused and not stored.
    pub async fn circuit_info(&self, circuit_key: u32, year: u16) -> Result<Vec<u8>> {
        let relative = format!("multiviewer/circuits/{circuit_key}/{year}.json");
        let ttl = if i64::from(year) < date::current_year() { None } else { Some(self.index_ttl) };
        let url = self.http.circuit_info_url(circuit_key, year)?;
        let check = |bytes: &[u8], location: &str| {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .map(drop)
                .map_err(|e| Error::Config(format!("{location}: the circuit info is not JSON: {e}")))
        };
        self.load(relative, ttl, self.http.circuit_info_raw(circuit_key, year), url, check).await
    }

    /// True when a circuit's info is on disk (loading it needs no network).
    pub fn has_circuit_info(&self, circuit_key: u32, year: u16) -> bool {
        self.root.join(format!("multiviewer/circuits/{circuit_key}/{year}.json")).is_file()
    }

    /// Serves `relative` from disk if present and younger than `ttl` (`None`: forever), else
    /// fetches it, checks it with `check`, stores it and returns it.
    async fn load(
        &self,
        relative: String,
        ttl: Option<Duration>,
        fetch: impl std::future::Future<Output = Result<Vec<u8>>>,
        fetched_location: String,
        check: impl Fn(&[u8], &str) -> Result<()>,
    ) -> Result<Vec<u8>> {
        let mut stale = None;
        if let Some(cached) = self.read_cached(relative.clone()).await? {
            // A cached file that fails the check is corrupt: fetch it again.
            if check(&cached.bytes, &cached.location).is_ok() {
                if ttl.is_none_or(|ttl| cached.age <= ttl) {
                    return Ok(cached.bytes);
                }
                stale = Some(cached.bytes);
            }
        }
        // Only files the archive no longer changes are shared (one name, one content).
        let shared = self.shared.as_deref().filter(|_| ttl.is_none());
        if let Some(store) = shared {
            match shared::read(store, &relative, |bytes, location| check(bytes, location).is_ok()).await {
                Ok(shared::Found::Good(bytes)) => return self.store(relative, bytes).await,
                Ok(shared::Found::Absent) => {
                    let location = format!("{}/raw/{relative}", store.url());
                    return Err(Error::NotFound { location, hint: "the archive does not have it (recorded in the shared store)".into() });
                }
                Ok(shared::Found::Missing) => {}
                Err(e) => tracing::warn!(store = %store.url(), "cannot read {relative} from the shared store, asking the archive: {e}"),
            }
        }
        if !self.network {
            // Not a "not found": whether the archive has it is unknown.
            let url = match shared {
                Some(store) => format!("{}/raw/{relative}", store.url()),
                None => path::join(&self.root, &relative).display().to_string(),
            };
            return Err(Error::Request {
                url,
                attempts: 0,
                reason: "not in the raw cache or the shared store, and the archive cannot be reached".into(),
            });
        }
        match fetch.await {
            Ok(bytes) => {
                check(&bytes, &fetched_location)?;
                if let Some(store) = shared {
                    shared::write(store, &relative, &bytes).await;
                }
                self.store(relative, bytes).await
            }
            // Better an old copy than nothing, unless the file is gone upstream.
            Err(e) if !e.is_not_found() => stale.ok_or(e),
            Err(e) => {
                if let Some(store) = shared {
                    shared::write_absent(store, &relative).await;
                }
                Err(e)
            }
        }
    }

    async fn read_cached(&self, relative: String) -> Result<Option<CachedFile>> {
        let root = self.root.clone();
        blocking(&self.root, move || {
            let wanted = path::join(&root, &relative);
            let real = match path::resolve_existing(&root, &wanted, "not cached") {
                Ok(real) => real,
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            };
            let modified = std::fs::metadata(&real).and_then(|m| m.modified());
            let modified = modified.map_err(|e| Error::io(&real, "inspect", e))?;
            // A modification time in the future (clock change) counts as fresh.
            let age = SystemTime::now().duration_since(modified).unwrap_or(Duration::ZERO);
            let bytes = std::fs::read(&real).map_err(|e| Error::io(&real, "read", e))?;
            Ok(Some(CachedFile { bytes, age, location: real.display().to_string() }))
        })
        .await
    }

    /// Writes `bytes` under `relative` atomically and hands them back.
    async fn store(&self, relative: String, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let root = self.root.clone();
        blocking(&self.root, move || {
            let (folder, file) = relative.rsplit_once('/').unwrap_or(("", relative.as_str()));
            let dir = path::create_dir_within(&root, folder)?;
            let target = dir.join(file);
            write_atomic(&target, |out| out.write_all(&bytes)).map_err(|e| Error::io(&target, "write", e))?;
            Ok(bytes)
        })
        .await
    }
}

impl Source for CachedSource {
    async fn season_index(&self, year: u16) -> Result<SeasonIndex> {
        let relative = format!("{year}/Index.json");
        // Past seasons are final; the current one grows as the season goes on.
        let ttl = if i64::from(year) < date::current_year() { None } else { Some(self.index_ttl) };
        let url = self.http.season_index_url(year)?;
        let check = |bytes: &[u8], location: &str| SeasonIndex::parse_for_year(bytes, year, location).map(drop);
        let bytes = self.load(relative.clone(), ttl, self.http.season_index_raw(year), url, check).await?;
        let location = path::join(&self.root, &relative).display().to_string();
        SeasonIndex::parse_for_year(&bytes, year, &location)
    }

    async fn topic(&self, session_path: &str, file_name: &str) -> Result<Vec<u8>> {
        let relative = topic_relative(session_path, file_name)?;
        let recent = date::session_day(session_path).is_some_and(|day| date::is_recent(day, date::today()));
        let ttl = recent.then_some(self.recent_ttl);
        let url = self.http.topic_url(session_path, file_name)?;
        let fetch = self.http.topic(session_path, file_name);
        self.load(relative, ttl, fetch, url, |_, _| Ok(())).await
    }
}

/// Runs file-system work off the async threads.
async fn blocking<T: Send + 'static>(root: &Path, work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| Error::io(root, "use cache (task failed)", std::io::Error::other(e)))?
}

/// Writes `target` through a temporary file in the same folder, then renames it into place, so
/// `target` is either absent, the old file, or the complete new file; never a part.
fn write_atomic(target: &Path, write: impl FnOnce(&mut File) -> std::io::Result<()>) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // A leading dot and a `.part` suffix: never mistaken for a topic, never read back.
    let temp = dir.join(format!(".{name}.{}-{n}.part", std::process::id()));
    let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
    let result = write(&mut file).and_then(|()| file.sync_all());
    drop(file);
    match result.and_then(|()| std::fs::rename(&temp, target)) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Best effort: the temporary name is never read, so a leftover only costs space.
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n.ends_with(".part")).collect()
    }

    #[test]
    fn a_write_that_fails_halfway_leaves_no_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("TimingData.jsonStream");
        let err = write_atomic(&target, |out| {
            out.write_all(b"half of the")?;
            Err(std::io::Error::other("simulated crash"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "simulated crash");
        assert!(!target.exists());
        assert!(part_files(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_rewrite_keeps_the_previous_complete_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("Index.json");
        write_atomic(&target, |out| out.write_all(b"complete old")).unwrap();
        let _ = write_atomic(&target, |out| {
            out.write_all(b"new but cut")?;
            Err(std::io::Error::other("disk full"))
        });
        assert_eq!(std::fs::read(&target).unwrap(), b"complete old");
        assert!(part_files(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn a_leftover_temporary_file_does_not_count_as_cached() {
        let dir = tempfile::tempdir().unwrap();
        let http = HttpSource::new(crate::HttpConfig::default()).unwrap();
        let cache = CachedSource::new(http, CacheConfig::new(dir.path())).unwrap();
        let session = dir.path().join("2023/m/2023-01-01_Race");
        std::fs::create_dir_all(&session).unwrap();
        std::fs::write(session.join(".LapCount.jsonStream.1-0.part"), b"cut").unwrap();
        assert!(!cache.is_cached("2023/m/2023-01-01_Race/", "LapCount.jsonStream").unwrap());
        assert!(cache.read_cached("2023/m/2023-01-01_Race/LapCount.jsonStream".into()).await.unwrap().is_none());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_cache_never_writes_or_reads_through_a_symlink_leading_outside() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("2023")).unwrap();
        let http = HttpSource::new(crate::HttpConfig::default()).unwrap();
        let cache = CachedSource::new(http, CacheConfig::new(dir.path())).unwrap();
        let err = cache.store("2023/m/s/A.jsonStream".into(), b"x".to_vec()).await.unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{err}");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        std::fs::write(outside.path().join("Index.json"), b"{}").unwrap();
        let err = cache.read_cached("2023/Index.json".into()).await.err().unwrap();
        assert!(matches!(err, Error::InvalidPath { .. }), "{err}");
    }

    #[test]
    fn default_dir_ends_in_f1replay_raw() {
        if let Some(dir) = CacheConfig::default_dir() {
            assert!(dir.ends_with("f1replay/raw"), "{}", dir.display());
        }
    }
}
