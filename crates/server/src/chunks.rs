//! The replay over plain HTTP, the way the UI plays: each chunk as immutable, cacheable bytes,
//! and the whole file with `Range` support.
//!
//! A chunk is served as stored (zstd) when the client accepts zstd: zero copy from the
//! verified replay file in memory. Otherwise it is gzip-encoded once and cached, or sent decompressed.
//! Chunks never change for a given ETag, so responses say `immutable` and a matching
//! `If-None-Match` gets a 304. Each encoding has its own strong ETag (the stored chunk's ETag for
//! zstd, with `-gzip` / `-identity` appended for the others), as strong ETags must name exact
//! bytes; any of them validates the chunk.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::error::ApiError;
use crate::loaded::LoadedReplay;
use crate::routes::PathParams;
use crate::state::AppState;

/// `Cache-Control` of chunks: they never change under their ETag.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// The stored bytes.
    Zstd,
    /// Encoded once per chunk, cached.
    Gzip,
    /// Decompressed.
    Identity,
}

/// Picks the coding from `Accept-Encoding`: zstd if accepted, else gzip, else identity. A
/// coding is accepted when listed (or matched by `*`) with a q-value above 0.
pub fn negotiate(accept_encoding: Option<&str>) -> Coding {
    let Some(header) = accept_encoding else {
        return Coding::Identity;
    };
    let q_of = |name: &str| -> Option<f32> {
        let mut star = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding == name {
                return Some(q);
            }
            if coding == "*" {
                star = Some(q);
            }
        }
        star
    };
    if q_of("zstd").is_some_and(|q| q > 0.0) {
        Coding::Zstd
    } else if q_of("gzip").is_some_and(|q| q > 0.0) {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// The ETag of an encoding of a chunk whose stored (zstd) ETag is `etag`.
fn variant(etag: &str, coding: Coding) -> String {
    let inner = etag.trim_start_matches("W/").trim_matches('"');
    match coding {
        Coding::Zstd => format!("\"{inner}\""),
        Coding::Gzip => format!("\"{inner}-gzip\""),
        Coding::Identity => format!("\"{inner}-identity\""),
    }
}

/// True when `If-None-Match` names one of `tags` (weak comparison, as RFC 9110 asks for
/// `If-None-Match`) or is `*`.
fn none_match_hits(headers: &HeaderMap, tags: &[String]) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || tags.iter().any(|tag| tag == t))
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("\"invalid\""))
}

/// Chunk `n`'s stored bytes, borrowed from the verified file in memory without copying.
struct StoredChunk(Arc<LoadedReplay>, usize);

impl AsRef<[u8]> for StoredChunk {
    fn as_ref(&self) -> &[u8] {
        self.0.file.chunk_bytes(self.1).unwrap_or_default()
    }
}

/// The whole replay file, borrowed from the verified bytes in memory.
struct WholeFile(Arc<LoadedReplay>);

impl AsRef<[u8]> for WholeFile {
    fn as_ref(&self) -> &[u8] {
        self.0.file.file_bytes()
    }
}

/// `GET /api/sessions/{id}/chunks/{n}`.
#[utoipa::path(get, path = "/api/sessions/{id}/chunks/{n}", tag = "replay", summary = "Chunk n of the replay (binary chunk format, docs/API.md); immutable, strong ETag, If-None-Match gives 304, Content-Encoding zstd, gzip or identity", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("n" = u32, Path, description = "chunk number, from 0")), responses((status = 200, description = "Chunk n of the replay (binary chunk format, docs/API.md); immutable, strong ETag, If-None-Match gives 304, Content-Encoding zstd, gzip or identity", body = Vec<u8>, content_type = "application/octet-stream"), (status = 304, description = "not modified"), crate::openapi::Failures))]
pub(crate) async fn chunk(State(state): State<AppState>, params: PathParams, headers: HeaderMap) -> Result<Response, ApiError> {
    let id = params.id()?;
    let raw_n = params.get("n").unwrap_or_default();
    // Canonical decimal only: `+1` or `00001` would be a second URL (and cache entry) for chunk 1.
    let n: usize = raw_n.parse().ok().filter(|n: &usize| *n < 1_000_000 && n.to_string() == raw_n).ok_or_else(|| {
        ApiError::bad_request(format!("invalid chunk number {:?}: expected 0, 1, 2...", raw_n.chars().take(40).collect::<String>()))
    })?;
    let replay = state.store().replay(&id).await?;
    let count = replay.file.chunk_count();
    if n >= count {
        return Err(ApiError::not_found(format!("session {id} has {count} chunks (0..{count}); there is no chunk {n}")));
    }
    let stored_tag = replay.file.chunk_etag(n).unwrap_or_else(|| format!("\"{id}-{n}\""));
    let coding = negotiate(headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    let tag = variant(&stored_tag, coding);
    let all_tags = [Coding::Zstd, Coding::Gzip, Coding::Identity].map(|c| variant(&stored_tag, c));
    let common = [
        (header::ETAG, header_value(&tag)),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (header::VARY, HeaderValue::from_static("Accept-Encoding")),
    ];
    if none_match_hits(&headers, &all_tags) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let body = match coding {
        Coding::Zstd => Bytes::from_owner(StoredChunk(replay.clone(), n)),
        Coding::Gzip => replay.gzip_chunk(n).await?,
        Coding::Identity => replay.raw_chunk(n).await?,
    };
    let mut response = (common, [(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"))], body).into_response();
    match coding {
        Coding::Zstd => response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("zstd")),
        Coding::Gzip => response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
        Coding::Identity => None,
    };
    Ok(response)
}

/// A parsed `Range` header against a resource of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send everything (absent, not `bytes=`, several ranges, or malformed;
    /// RFC 9110 lets a server ignore such headers).
    Full,
    /// One satisfiable range, inclusive.
    Part(u64, u64),
    /// A range that starts beyond the end: 416.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`.
pub fn parse_range(value: &str, len: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| if s.chars().all(|c| c.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match (a.is_empty(), b.is_empty()) {
        (true, true) => RangeRequest::Full,
        (true, false) => match num(b) {
            None => RangeRequest::Full,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part(len.saturating_sub(n), len - 1),
        },
        (false, _) => {
            let Some(start) = num(a) else { return RangeRequest::Full };
            let end = if b.is_empty() { Some(u64::MAX) } else { num(b) };
            match end {
                None => RangeRequest::Full,
                Some(end) if end < start => RangeRequest::Full,
                Some(_) if start >= len => RangeRequest::Unsatisfiable,
                Some(end) => RangeRequest::Part(start, end.min(len - 1)),
            }
        }
    }
}

/// `GET /api/sessions/{id}/replay.bin`: the whole replay file, with `Range`.
#[utoipa::path(get, path = "/api/sessions/{id}/replay.bin", tag = "replay", summary = "The whole replay file, Range supported", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "The whole replay file, Range supported", body = Vec<u8>, content_type = "application/octet-stream"), (status = 206, description = "part of the file", body = Vec<u8>, content_type = "application/octet-stream"), (status = 304, description = "not modified"), (status = 416, description = "range not satisfiable"), crate::openapi::Failures))]
pub(crate) async fn replay_file(State(state): State<AppState>, params: PathParams, headers: HeaderMap) -> Result<Response, ApiError> {
    let id = params.id()?;
    let replay = state.store().replay(&id).await?;
    let len = replay.file.file_bytes().len() as u64;
    let etag = replay.file_etag.clone();
    let common = [
        (header::ETAG, header_value(&etag)),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
    ];
    if none_match_hits(&headers, std::slice::from_ref(&etag)) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    // `If-Range` with another validator: the client's copy is stale, send everything.
    let if_range_ok = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == etag);
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if if_range_ok => parse_range(r, len),
        _ => RangeRequest::Full,
    };
    let whole = Bytes::from_owner(WholeFile(replay.clone()));
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    match range {
        RangeRequest::Full => Ok((common, [content_type], whole).into_response()),
        RangeRequest::Unsatisfiable => Err(ApiError::range_not_satisfiable(len)),
        RangeRequest::Part(start, end) => {
            let part = whole.slice(start as usize..=end as usize);
            let content_range = (header::CONTENT_RANGE, header_value(&format!("bytes {start}-{end}/{len}")));
            Ok((StatusCode::PARTIAL_CONTENT, common, [content_type, content_range], part).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_is_preferred_then_gzip_then_identity() {
        assert_eq!(negotiate(Some("gzip, deflate, br, zstd")), Coding::Zstd);
        assert_eq!(negotiate(Some("gzip, zstd;q=0")), Coding::Gzip);
        assert_eq!(negotiate(Some("br")), Coding::Identity);
        assert_eq!(negotiate(Some("*")), Coding::Zstd);
        assert_eq!(negotiate(Some("gzip;q=0.5")), Coding::Gzip);
        assert_eq!(negotiate(None), Coding::Identity);
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range("bytes=0-99", 1000), RangeRequest::Part(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), RangeRequest::Part(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), RangeRequest::Part(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), RangeRequest::Part(0, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), RangeRequest::Part(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 1000), RangeRequest::Full);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), RangeRequest::Full);
        assert_eq!(parse_range("items=0-1", 1000), RangeRequest::Full);
        assert_eq!(parse_range("bytes=x-1", 1000), RangeRequest::Full);
    }

    #[test]
    fn etag_variants_differ_per_coding() {
        assert_eq!(variant("\"abc\"", Coding::Zstd), "\"abc\"");
        assert_eq!(variant("\"abc\"", Coding::Gzip), "\"abc-gzip\"");
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"abc-gzip\", \"zzz\""));
        assert!(none_match_hits(&h, &[variant("\"abc\"", Coding::Zstd), variant("\"abc\"", Coding::Gzip)]));
        assert!(!none_match_hits(&h, &["\"abd\"".to_owned()]));
    }
}
