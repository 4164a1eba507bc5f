//! The two error types: [`Error`] for starting the server, [`ApiError`] for answering a request.
//!
//! [`ApiError`] is the one place that decides HTTP statuses and the JSON error shape
//! (`{"error": "...", "status": N}`, docs/API.md); handlers return `Result<_, ApiError>` and use
//! `?` on the library crates' errors, whose `From` impls below choose the status.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Why the server could not start or stopped with a failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be opened (address in use, no permission...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A folder the server needs (cache, replay store) could not be created or opened.
    #[error("{}: {action}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The data folder or the archive client could not be set up.
    #[error("{0}")]
    Source(#[from] archive::Error),
    /// The build thread pool could not be started.
    #[error("cannot start the build threads: {0}")]
    Threads(String),
    /// The shared replay store (`--store s3://...`) is unusable: no such bucket, credentials
    /// refused, or unreachable.
    #[error("replay store: {0}")]
    Store(#[from] bucket::Error),
    /// The HTTP server failed while running.
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

/// An error answered to an HTTP client: a status and a reason, sent as
/// `{"error": reason, "status": code}`.
///
/// Bad input is always a 4xx with a reason (never a panic, never a 500); 5xx means the server or
/// the upstream archive failed. Cloneable because one build failure is answered to every request
/// that waited for that build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// For 416: the length of the whole resource, sent as `Content-Range: bytes */len`.
    range_len: Option<u64>,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), range_len: None }
    }

    /// 400: a malformed id or parameter.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such session, season, chunk, driver or lap.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 416: a `Range` outside a resource of `len` bytes.
    pub fn range_not_satisfiable(len: u64) -> ApiError {
        ApiError {
            status: StatusCode::RANGE_NOT_SATISFIABLE,
            message: format!("the requested range is outside the {len} bytes of the file"),
            range_len: Some(len),
        }
    }

    /// 502: the archive (upstream) failed.
    pub fn bad_gateway(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_GATEWAY, message)
    }

    /// 503: the server is shutting down or a feature is not available in this build.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 500: the server failed (a build error, a corrupt file that could not be rebuilt...).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason, as sent in `error`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON body `{"error": .., "status": ..}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.message, "status": self.status.as_u16() })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status.as_u16())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = self.status.as_u16(), "{}", self.message);
        }
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(len) = self.range_len {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The last component of a local path: what a client may see of a file on this machine (its
/// folders are the server's business, and telling them helps an attacker).
fn file_name_only(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or(path)
}

impl From<archive::Error> for ApiError {
    fn from(e: archive::Error) -> ApiError {
        use archive::Error as A;
        match &e {
            A::NotFound { location, hint } if location.starts_with('/') => {
                ApiError::not_found(format!("not found: {} ({hint})", file_name_only(location)))
            }
            A::Io { path, action, source } => {
                tracing::warn!("{e}");
                ApiError::internal(format!("{}: {action}: {source}", file_name_only(&path.display().to_string())))
            }
            _ if e.is_not_found() => ApiError::not_found(e.to_string()),
            A::InvalidPath { .. } | A::Spec { .. } => ApiError::bad_request(e.to_string()),
            A::NoMatch { .. } | A::NoSessionPath { .. } | A::Ambiguous { .. } => ApiError::not_found(e.to_string()),
            A::Status { .. } | A::Request { .. } | A::Truncated { .. } | A::MirrorFailed { .. } | A::Index { .. } => {
                ApiError::bad_gateway(e.to_string())
            }
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl From<replay::Error> for ApiError {
    fn from(e: replay::Error) -> ApiError {
        tracing::warn!("replay: {e}");
        match &e {
            replay::Error::Io { path, source } => ApiError::internal(format!("replay: {}: {source}", file_name_only(path))),
            replay::Error::Version { path, found, expected } => {
                ApiError::internal(format!("replay: {}: version {found}, expected {expected}", file_name_only(path)))
            }
            _ => ApiError::internal(format!("replay: {e}")),
        }
    }
}

impl From<bucket::Error> for ApiError {
    /// The shared replay store failed: a 502 (the store is this server's upstream) whose reason
    /// says which store and why (missing bucket, refused credentials, or the request's error).
    fn from(e: bucket::Error) -> ApiError {
        tracing::warn!("replay store: {e}");
        ApiError::bad_gateway(format!("replay store: {e}"))
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::internal(format!("a background task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_archive_errors_are_404_and_bad_paths_400() {
        let nf = archive::Error::NotFound { location: "x".into(), hint: "y".into() };
        assert_eq!(ApiError::from(nf).status(), StatusCode::NOT_FOUND);
        let bad = archive::path::session_path("../etc").unwrap_err();
        assert_eq!(ApiError::from(bad).status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn error_bodies_name_files_without_the_folders_of_this_machine() {
        let io = archive::Error::Io {
            path: "/srv/secret/data/2025/X/TimingData.jsonStream".into(),
            action: "read",
            source: std::io::Error::other("boom"),
        };
        let nf = archive::Error::NotFound { location: "/srv/secret/data/x/A.jsonStream".into(), hint: "missing".into() };
        let rp = replay::Error::Io { path: "/srv/secret/cache/replay/a.f1r".into(), source: std::io::Error::other("full") };
        for e in [ApiError::from(io), ApiError::from(nf), ApiError::from(rp)] {
            assert!(!e.message().contains("/srv"), "{e}");
            assert!(e.message().contains(".jsonStream") || e.message().contains(".f1r"), "{e}");
        }
    }

    #[test]
    fn range_errors_carry_the_length() {
        let r = ApiError::range_not_satisfiable(10).into_response();
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(r.headers()[header::CONTENT_RANGE], "bytes */10");
    }
}
