//! The browser UI, embedded in the binary at compile time (see `build.rs`, which walks the
//! repository's `web/` folder), served with content types by extension, `/` → `index.html`,
//! and ETags so the browser revalidates instead of downloading again.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use crate::error::ApiError;

include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Shown at `/` when the binary was built without a `web/` folder.
const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>f1replay</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>f1replay</h1>
<p>The web UI is not built into this binary (the <code>web/</code> folder was missing or empty
when it was compiled). The API works: see <a href="/api/openapi.json">/api/openapi.json</a>,
<a href="/api/seasons">/api/seasons</a> and <a href="/api/health">/api/health</a>.</p>
</body></html>
"#;

/// Number of embedded files.
pub fn file_count() -> usize {
    FILES.len()
}

/// The embedded files: (path relative to the site's root, bytes), for `f1replay publish`.
pub(crate) fn files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    FILES.iter().map(|(path, _, bytes)| (*path, *bytes))
}

/// The content type of a file, by extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// The embedded file at URL path `path` (`/` and folders → their `index.html`).
fn lookup(path: &str) -> Option<&'static (&'static str, &'static str, &'static [u8])> {
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') { format!("{rel}index.html") } else { rel.to_owned() };
    FILES.binary_search_by(|(p, _, _)| (*p).cmp(rel.as_str())).ok().map(|i| &FILES[i])
}

/// The fallback handler: every path that is not an API route.
pub(crate) async fn static_file(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return crate::routes::method_not_allowed(method, uri).await.into_response();
    }
    let path = uri.path();
    let Some((name, etag, bytes)) = lookup(path) else {
        // The viewer asks for it first: a published site has one (static mode); here the API
        // answers, so the viewer uses it.
        if path == "/static.json" {
            return ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], r#"{"static":false}"#)
                .into_response();
        }
        if path == "/" || path == "/index.html" {
            return Html(NOT_BUILT).into_response();
        }
        let shown: String = path.chars().take(120).collect();
        return ApiError::not_found(format!("no file {shown}")).into_response();
    };
    let etag_value = HeaderValue::from_static(etag);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == *etag));
    let common = [(header::ETAG, etag_value), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)))], *bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_types_follow_extensions() {
        assert!(FILES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(content_type("app.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("a/b/style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
