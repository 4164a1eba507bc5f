//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong while locating or fetching raw archive files.
///
/// Every message names the URL or path involved and what was wrong with it, so the binary can
/// print it as is. Use [`Error::is_not_found`] to tell "this file does not exist" (a topic that a
/// session simply does not have) from real failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A session path, file name or cache path that could reach outside its root, or that is
    /// not a plain relative path (`..`, absolute, backslash, NUL, symlink escape...).
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The offending path, as given.
        path: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The file does not exist: HTTP 404/403 from the archive (and the mirror, if any), or a
    /// missing file in a local folder. Callers treat a missing topic as "topic absent".
    #[error("not found: {location} ({hint})")]
    NotFound {
        /// The URL or local file path that was looked up.
        location: String,
        /// Whether the file is probably "not published yet" or "does not exist", and why.
        hint: String,
    },

    /// A local file or folder could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What was being done (`read`, `write`, `create folder`...).
        action: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The server answered with an HTTP status that is neither success nor "not found".
    #[error("{url}: HTTP status {status} after {attempts} attempt(s)")]
    Status {
        /// The requested URL.
        url: String,
        /// The last status received.
        status: u16,
        /// How many requests were made.
        attempts: u32,
    },

    /// The request failed without a status: connection refused, timeout, reset while reading.
    #[error("{url}: request failed after {attempts} attempt(s): {reason}")]
    Request {
        /// The requested URL.
        url: String,
        /// How many requests were made.
        attempts: u32,
        /// What went wrong on the last attempt (timeout, connection error...).
        reason: String,
    },

    /// The body ended before the announced `Content-Length` on every attempt.
    #[error("{url}: body truncated: received {received} of {expected} bytes (after {attempts} attempt(s))")]
    Truncated {
        /// The requested URL.
        url: String,
        /// The `Content-Length` the server announced.
        expected: u64,
        /// How many bytes arrived on the last attempt.
        received: u64,
        /// How many requests were made.
        attempts: u32,
    },

    /// The primary archive failed and so did the mirror.
    #[error("{primary}; mirror also failed: {mirror}")]
    MirrorFailed {
        /// The error from the primary base URL.
        primary: Box<Error>,
        /// The error from the mirror base URL.
        mirror: Box<Error>,
    },

    /// A season `Index.json` that is not valid JSON of the expected shape.
    #[error("{location}: invalid season index: {reason}")]
    Index {
        /// The URL or path the index came from.
        location: String,
        /// What is wrong, with line and column when the JSON parser knows them.
        reason: String,
    },

    /// A `YEAR/EVENT/SESSION` string that cannot be parsed.
    #[error("invalid session {spec:?}: {reason}")]
    Spec {
        /// The string as given.
        spec: String,
        /// Why it was rejected.
        reason: String,
    },

    /// No event or session of the season index matches the query.
    #[error("no {what} matches {query:?} in {year}; candidates: {candidates}")]
    NoMatch {
        /// `"event"` or `"session"`.
        what: &'static str,
        /// The query as given.
        query: String,
        /// The season (and event, for sessions) that was searched.
        year: String,
        /// What could have been meant, comma-separated.
        candidates: String,
    },

    /// More than one event or session matches the query.
    #[error("{what} {query:?} is ambiguous in {year}; it matches: {candidates}")]
    Ambiguous {
        /// `"event"` or `"session"`.
        what: &'static str,
        /// The query as given.
        query: String,
        /// The season (and event, for sessions) that was searched.
        year: String,
        /// The matching entries, comma-separated.
        candidates: String,
    },

    /// The session exists in the season index but has no `Path` (cancelled, or not yet published).
    #[error("{session} of the {year} {meeting} has no Path in the season index (cancelled or not published yet)")]
    NoSessionPath {
        /// Season.
        year: u16,
        /// Meeting name.
        meeting: String,
        /// Session name or type.
        session: String,
    },

    /// A base URL or another setting that cannot work.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// True when the file simply does not exist (locally, or on the archive and its mirror).
    ///
    /// Missing topics are normal (not every session has every topic), so callers usually skip
    /// them instead of failing.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::NotFound { .. } => true,
            Error::MirrorFailed { primary, mirror } => primary.is_not_found() && mirror.is_not_found(),
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), action, source }
    }

    pub(crate) fn invalid_path(path: &str, reason: impl Into<String>) -> Self {
        Error::InvalidPath { path: path.to_owned(), reason: reason.into() }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
