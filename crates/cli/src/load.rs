//! Turning the SESSION argument into raw topic files: a session folder on disk, or
//! `YEAR/EVENT/SESSION` resolved through the season index of `--data DIR` or of the archive.

use anyhow::Context as _;
use archive::{AnySource, CacheConfig, CachedSource, HttpConfig, HttpSource, LocalSource};
use feed::Topic;
use std::path::{Path, PathBuf};

/// Where sessions come from, from the command line.
#[derive(Debug, Clone, Default)]
pub struct SourceArgs {
    /// A local copy of the archive.
    pub data: Option<PathBuf>,
    /// The raw cache folder (default: the user cache dir).
    pub cache_dir: Option<PathBuf>,
    /// A shared replay store (`--store s3://...`), if replay files live there.
    pub shared_store: Option<String>,
}

/// Where `--store URL` puts replay files: `file:///DIR` is the local cache folder (`DIR` is
/// then the cache root, as `--cache-dir DIR`); anything else (`s3://BUCKET/PREFIX`) is a shared
/// object store, opened by [`bucket::Bucket::open`].
pub enum StoreUrl {
    /// The local cache folder.
    Local(PathBuf),
    /// An object store.
    Shared(String),
}

impl StoreUrl {
    /// Reads `--store URL`.
    pub fn parse(url: &str) -> anyhow::Result<StoreUrl> {
        match url.strip_prefix("file://") {
            Some(path) if path.starts_with('/') => Ok(StoreUrl::Local(PathBuf::from(path))),
            Some(_) => Err(anyhow::anyhow!("--store {url}: a file URL needs an absolute path (file:///DIR)")),
            None if url.contains("://") => Ok(StoreUrl::Shared(url.to_owned())),
            None => {
                Err(anyhow::anyhow!("--store {url}: expected file:///DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or az://CONTAINER/PREFIX"))
            }
        }
    }
}

/// The raw topic files of one session and where they were found.
pub struct RawSession {
    /// What the user asked for, resolved (a folder or an archive path).
    pub label: String,
    /// Each known topic's bytes, `None` when the session has no such file.
    pub files: Vec<(Topic, Option<Vec<u8>>)>,
    /// The raw files' content hash ([`archive::session_files`], as `serve` computes it).
    pub content_hash: u64,
}

/// The cache folder: `--cache-dir`, else the user cache dir (`~/.cache/f1replay`), the same
/// layout as `f1replay serve` uses (`raw/` for raw files, `replay/` for replay files).
pub fn cache_root(args: &SourceArgs) -> PathBuf {
    args.cache_dir.clone().unwrap_or_else(server::default_cache_dir)
}

/// Picks the source for `YEAR/EVENT/SESSION` lookups.
pub fn source(args: &SourceArgs) -> anyhow::Result<AnySource> {
    if let Some(dir) = &args.data {
        return LocalSource::new(dir).map(AnySource::from).map_err(anyhow::Error::from);
    }
    let http = HttpSource::new(HttpConfig::default()).map_err(anyhow::Error::from)?;
    let cached = CachedSource::new(http, CacheConfig::new(cache_root(args).join("raw"))).map_err(anyhow::Error::from)?;
    // A shared object store holds the raw files too (fetched from the archive once between all).
    let cached = match args.shared_store.as_deref().map(StoreUrl::parse).transpose()? {
        Some(StoreUrl::Shared(url)) => cached.with_shared(std::sync::Arc::new(bucket::Bucket::open(&url)?)),
        _ => cached,
    };
    Ok(AnySource::from(cached))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// Where a session's raw files are: (the source, the session's path in it, the name to print).
/// A folder path is read directly; anything else is resolved as `YEAR/EVENT/SESSION`.
pub fn locate(session: &str, args: &SourceArgs) -> anyhow::Result<(AnySource, String, String)> {
    let as_path = Path::new(session);
    if as_path.is_dir() {
        let (src, path) = LocalSource::session_folder(as_path).map_err(anyhow::Error::from)?;
        return Ok((AnySource::from(src), path, as_path.display().to_string()));
    }
    let src = source(args)?;
    let rt = runtime()?;
    let resolved = rt.block_on(archive::resolve_session(&src, session)).map_err(anyhow::Error::from)?;
    let label = resolved.path.clone();
    Ok((src, resolved.path, label))
}

/// Reads every known topic of a session ([`locate`]).
pub fn load(session: &str, args: &SourceArgs) -> anyhow::Result<RawSession> {
    let (src, path, label) = locate(session, args)?;
    fetch_all(&src, &path, label)
}

fn fetch_all(src: &AnySource, path: &str, label: String) -> anyhow::Result<RawSession> {
    let rt = runtime()?;
    let names: Vec<String> = Topic::ALL.iter().map(|t| t.file_name()).collect();
    let raw = rt.block_on(archive::session_files(src, path, &names, &|_| {})).with_context(|| label.clone())?;
    let files = Topic::ALL.into_iter().zip(raw.files).map(|(topic, (_, bytes))| (topic, bytes)).collect();
    Ok(RawSession { label, files, content_hash: raw.content_hash })
}

/// Decodes the raw files and says on stderr what was lost (unusable topics, skipped lines), so
/// nothing is dropped in silence.
pub fn decode(raw: RawSession) -> feed::FeedSession {
    let feed = feed::FeedSession::decode(raw.files);
    report_losses(&raw.label, &feed.losses());
    feed
}

/// Most losses listed one by one on stderr; the rest are counted.
const LISTED_LOSSES: usize = 20;

/// Prints `losses` of session `label` on stderr (nothing when there are none).
pub fn report_losses<W: std::fmt::Display>(label: &str, losses: &[W]) {
    if losses.is_empty() {
        return;
    }
    eprintln!("f1replay: warning: {label}: {} problem(s) in the raw files, the data concerned was dropped:", losses.len());
    for w in losses.iter().take(LISTED_LOSSES) {
        eprintln!("  {w}");
    }
    if losses.len() > LISTED_LOSSES {
        eprintln!("  ... and {} more", losses.len() - LISTED_LOSSES);
    }
}

/// Refuses a result that has no laps, saying why (a TimingData file that was missing or
/// unusable, or one that gave no lap): the caller exits non-zero instead of printing nothing.
pub fn require_laps(label: &str, session: &timing::Session, feed: &feed::FeedSession) -> anyhow::Result<()> {
    if !session.laps.is_empty() {
        return Ok(());
    }
    let why = if feed.missing.contains(&Topic::TimingData) {
        "TimingData.jsonStream is missing".to_string()
    } else if feed.lost(Topic::TimingData) {
        "TimingData.jsonStream is unusable (see the warnings above)".to_string()
    } else {
        "TimingData.jsonStream gave no lap".to_string()
    };
    Err(anyhow::anyhow!("{label}: no laps: {why}"))
}
