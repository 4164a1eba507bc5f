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

/// The raw topic files of one session, and the content hash that keys everything built from
/// them (see [`session_files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFiles {
    /// Each requested file's bytes, in the order asked; `None` when the session has no such file.
    pub files: Vec<(String, Option<Vec<u8>>)>,
    /// A hash of the files' names and bytes: equal for equal files wherever they came from (a
    /// local folder, the raw cache, the archive), different when any byte differs.
    pub content_hash: u64,
}

/// The one way from a session to its raw files: fetches `file_names` of `session_path` from
/// `source` (see [`topics`]), a missing file being `None`, and hashes their content. An error
/// when a file cannot be read, or when the session has none of them (not found).
pub async fn session_files<S: Source>(
    source: &S,
    session_path: &str,
    file_names: &[String],
    done: &(dyn Fn(usize) + Send + Sync),
) -> Result<SessionFiles> {
    let mut files = Vec::with_capacity(file_names.len());
    for (name, result) in file_names.iter().zip(topics(source, session_path, file_names, done).await) {
        match result {
            Ok(bytes) => files.push((name.clone(), Some(bytes))),
            Err(e) if e.is_not_found() => files.push((name.clone(), None)),
            Err(e) => return Err(e),
        }
    }
    if files.iter().all(|(_, b)| b.is_none()) {
        return Err(crate::Error::NotFound {
            location: if session_path.is_empty() { "the session folder".into() } else { session_path.to_owned() },
            hint: "no live-timing topic file".into(),
        });
    }
    let content_hash = content_hash(&files);
    Ok(SessionFiles { files, content_hash })
}

/// The content hash of a session's files (names and bytes; absent files count by name only):
/// two CRC-32s with different seeds, one over names and bytes, one over names and lengths.
pub fn content_hash(files: &[(String, Option<Vec<u8>>)]) -> u64 {
    let mut a = crc32fast::Hasher::new();
    let mut b = crc32fast::Hasher::new_with_initial(0x9e37_79b9);
    for (name, bytes) in files {
        a.update(name.as_bytes());
        b.update(name.as_bytes());
        match bytes {
            Some(bytes) => {
                a.update(bytes);
                b.update(&(bytes.len() as u64).to_le_bytes());
            }
            None => b.update(b"-"),
        }
    }
    (u64::from(a.finalize()) << 32) | u64::from(b.finalize())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn session_files_hash_the_content_and_say_when_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("A.jsonStream"), b"00:00:00.000{}\r\n").unwrap();
        let names = vec!["A.jsonStream".to_string(), "B.jsonStream".to_string()];
        let load = || async {
            let (src, path) = LocalSource::session_folder(dir.path()).unwrap();
            session_files(&src, &path, &names, &|_| {}).await
        };
        let first = load().await.unwrap();
        assert_eq!(first.files[1], ("B.jsonStream".to_string(), None));
        assert_eq!(load().await.unwrap().content_hash, first.content_hash, "same files, same hash");
        std::fs::write(dir.path().join("A.jsonStream"), b"00:00:00.000{}\r\n00:00:01.000{}\r\n").unwrap();
        let edited = load().await.unwrap().content_hash;
        assert_ne!(edited, first.content_hash, "an edited file changes the hash");
        std::fs::write(dir.path().join("B.jsonStream"), b"").unwrap();
        assert_ne!(load().await.unwrap().content_hash, edited, "a new (even empty) file changes the hash");
        let (src, path) = LocalSource::session_folder(dir.path()).unwrap();
        let none = session_files(&src, &path, &["C.jsonStream".to_string()], &|_| {}).await.unwrap_err();
        assert!(none.is_not_found(), "{none}");
    }
}
