//! Where f1replay's raw live-timing files come from: the official static archive over HTTP, an
//! on-disk cache of it, or a local folder. This crate deals in raw bytes and file names only;
//! decoding them is the `feed` crate's job.
//!
//! A [`SeasonIndex`] (the archive's `{year}/Index.json`) lists [`Meeting`]s and their
//! [`SessionEntry`]s; the session's `Path` there is the only way a session folder is found
//! (never built from dates). [`SeasonIndex::resolve`] turns loose names such as
//! `azerbaijan` + `sprint` into a [`ResolvedSession`], and [`resolve_session`] does the whole
//! `YEAR/EVENT/SESSION` string against a source.
//!
//! A [`Source`] serves season indexes and topic files (`TimingData.jsonStream`,
//! `CarData.z.jsonStream`...) of a session path:
//! - [`LocalSource`] reads a folder laid out like the archive (`--data DIR`), or one session
//!   folder ([`LocalSource::session_folder`]);
//! - [`HttpSource`] fetches from the archive with a rate limit, retries, a `Content-Length`
//!   check and an optional mirror ([`HttpConfig`]);
//! - [`CachedSource`] puts an on-disk raw cache ([`CacheConfig`]) in front of an `HttpSource`,
//!   and optionally a shared store ([`RawStore`], `--store URL`) between the two;
//! - [`AnySource`] is any of them, chosen at run time.
//!
//! Every session path and file name goes through [`path`] validation, so nothing can reach
//! outside the data folder, the cache folder or the base URL. Errors are one [`Error`] enum whose
//! messages name the URL or path; a missing topic is [`Error::is_not_found`], which callers
//! treat as "this session has no such topic".
//!
//! ```
//! use archive::{LocalSource, Source};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local copy of the archive: a season index and one topic.
//! let dir = tempfile::tempdir()?;
//! let session = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/";
//! std::fs::create_dir_all(dir.path().join(session))?;
//! std::fs::write(dir.path().join(session).join("LapCount.jsonStream"), "00:00:01.000{}\r\n")?;
//! std::fs::write(
//!     dir.path().join("2023/Index.json"),
//!     format!(r#"{{"Year":2023,"Meetings":[{{"Key":1,"Name":"Azerbaijan Grand Prix","Location":"Baku",
//!         "Sessions":[{{"Key":2,"Type":"Race","Name":"Sprint","Path":"{session}"}}]}}]}}"#),
//! )?;
//!
//! let source = LocalSource::new(dir.path())?;
//! let sprint = archive::resolve_session(&source, "2023/azerbaijan/sprint").await?;
//! let lap_count = source.topic(&sprint.path, "LapCount.jsonStream").await?;
//! assert!(lap_count.starts_with(b"00:00:01.000"));
//! assert!(source.topic(&sprint.path, "CarData.z.jsonStream").await.unwrap_err().is_not_found());
//! # Ok(())
//! # }
//! ```
//!
//! Over the network, with the cache (this contacts the archive, so it is not run here):
//!
//! ```no_run
//! use archive::{CacheConfig, CachedSource, HttpConfig, HttpSource, Source};
//!
//! # async fn run() -> archive::Result<()> {
//! let http = HttpSource::new(HttpConfig::default())?;
//! let dir = CacheConfig::default_dir().unwrap_or_else(|| "f1replay-cache".into());
//! let source = CachedSource::new(http, CacheConfig::new(dir))?;
//! let quali = archive::resolve_session(&source, "2023/baku/qualifying").await?;
//! let timing = source.topic(&quali.path, "TimingData.jsonStream").await?;
//! # let _ = timing;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod cache;
mod date;
mod error;
mod http;
mod index;
mod local;
pub mod path;
pub mod shared;
mod source;

pub use cache::{CacheConfig, CachedSource};
pub use error::{Error, Result};
pub use http::{HttpConfig, HttpSource, DEFAULT_BASE_URL, FASTF1_MIRROR_URL};
pub use index::{Circuit, Country, Meeting, ResolvedSession, SeasonIndex, SessionEntry, SessionSpec};
pub use local::{is_dir_within, is_session_folder, LocalSource};
pub use shared::RawStore;
pub use source::{content_hash, resolve_session, session_files, topics, AnySource, SessionFiles, Source};
