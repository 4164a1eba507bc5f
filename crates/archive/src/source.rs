//! The [`Source`] trait: where raw files come from, and [`AnySource`] to pick one at run time.

use std::future::Future;

use crate::cache::CachedSource;
use crate::error::Result;
use crate::http::HttpSource;
use crate::index::{ResolvedSession, SeasonIndex, SessionSpec};
use crate::local::LocalSource;

/// A place that serves the archive's raw files: season indexes and session topics.
///
/// Implementations return the files' bytes untouched (BOM, CRLF and `.z` payloads included);
/// decoding them is the `feed` crate's job. A topic that does not exist gives an error for
/// which [`Error::is_not_found`](crate::Error::is_not_found) is true.
pub trait Source: Send + Sync {
    /// The season index `{year}/Index.json`, parsed.
    fn season_index(&self, year: u16) -> impl Future<Output = Result<SeasonIndex>> + Send;

    /// The raw bytes of one topic file of a session, e.g. `("2023/.../2023-04-29_Sprint/",
    /// "TimingData.jsonStream")`. The session path comes from the season index (or is empty for
    /// a plain session folder, see [`LocalSource::session_folder`]).
    fn topic(&self, session_path: &str, file_name: &str) -> impl Future<Output = Result<Vec<u8>>> + Send;
}

/// Parses `YEAR/EVENT/SESSION` (e.g. `2023/azerbaijan/sprint`), loads that season's index from
/// `source` and resolves the session (see [`SeasonIndex::resolve`]).
pub async fn resolve_session<S: Source>(source: &S, spec: &str) -> Result<ResolvedSession> {
    let spec = SessionSpec::parse(spec)?;
    let index = source.season_index(spec.year).await?;
    index.resolve_spec(&spec)
}

/// Several topic files of one session, fetched at once: a local folder reads them on parallel
/// threads, and over HTTP the transfers overlap (their starts still spaced by the rate limit).
/// One result per name, in order; `done` is called as each one arrives, with how many have.
pub async fn topics<S: Source>(
    source: &S,
    session_path: &str,
    file_names: &[String],
    done: &(dyn Fn(usize) + Send + Sync),
) -> Vec<Result<Vec<u8>>> {
    let arrived = std::sync::atomic::AtomicUsize::new(0);
    let fetches = file_names.iter().map(|name| async {
        let result = source.topic(session_path, name).await;
        done(arrived.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        result
    });
    futures_util::future::join_all(fetches).await
}

/// One of the crate's sources, chosen at run time (e.g. by the command line: `--data DIR`,
/// `--no-cache`, or the default cached archive).
#[derive(Debug, Clone)]
pub enum AnySource {
    /// A local copy of the archive.
    Local(LocalSource),
    /// The archive over HTTP, no disk cache.
    Http(HttpSource),
    /// The archive over HTTP behind the on-disk raw cache.
    Cached(CachedSource),
}

impl Source for AnySource {
    async fn season_index(&self, year: u16) -> Result<SeasonIndex> {
        match self {
            AnySource::Local(s) => s.season_index(year).await,
            AnySource::Http(s) => s.season_index(year).await,
            AnySource::Cached(s) => s.season_index(year).await,
        }
    }

    async fn topic(&self, session_path: &str, file_name: &str) -> Result<Vec<u8>> {
        match self {
            AnySource::Local(s) => s.topic(session_path, file_name).await,
            AnySource::Http(s) => s.topic(session_path, file_name).await,
            AnySource::Cached(s) => s.topic(session_path, file_name).await,
        }
    }
}

impl From<LocalSource> for AnySource {
    fn from(source: LocalSource) -> Self {
        AnySource::Local(source)
    }
}

impl From<HttpSource> for AnySource {
    fn from(source: HttpSource) -> Self {
        AnySource::Http(source)
    }
}

impl From<CachedSource> for AnySource {
    fn from(source: CachedSource) -> Self {
        AnySource::Cached(source)
    }
}
