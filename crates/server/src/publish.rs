//! `f1replay publish`: the viewer and its sessions as a static site, which any static file host
//! or CDN serves with no f1replay process.
//!
//! Every file is what this server's API answers (so no rule is computed twice): the request is
//! made to the router in process and its body written at a path without a query string:
//!
//! ```text
//! index.html, js/..., style.css        the viewer (the embedded web/ files)
//! static.json                          the marker that puts the viewer in static mode
//! data/codes.json                      /api/codes
//! data/seasons.json                    /api/seasons, the published years only
//! data/seasons/YEAR/sessions.json      /api/seasons/YEAR/sessions, the published sessions only
//! data/sessions/ID/manifest.json       /api/sessions/ID
//! data/sessions/ID/TABLE.json          laps, results, sectors, stints, weather, race-control, track-status,
//!                                      pit-stops, car-marks, team-radio, story, marshal-sectors
//! data/sessions/ID/telemetry/D-L.json  /api/sessions/ID/telemetry?driver=D&lap=L, every lap in the laps table
//! data/sessions/ID/chunks/ETAG.gz      chunk n, gzip; named by its ETag (content hash), so immutable
//! ```
//!
//! Re-publishing writes only what changed: `publish-index.json` records each file's length and
//! CRC-32, and a file whose content is the same is not written (uploaded) again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;

use crate::catalog::SessionId;
use crate::state::AppState;

/// The per-session tables the viewer reads, by their API name.
const TABLES: [&str; 12] = [
    "laps",
    "results",
    "sectors",
    "stints",
    "weather",
    "race-control",
    "track-status",
    "pit-stops",
    "car-marks",
    "team-radio",
    "story",
    "marshal-sectors",
];

/// The file recording what a site holds.
const INDEX: &str = "publish-index.json";

/// Where a site is written.
#[derive(Debug, Clone)]
pub enum SiteOut {
    /// A local folder.
    Dir(PathBuf),
    /// An object store (`s3://BUCKET/PREFIX`).
    Bucket(bucket::Bucket),
}

/// What a publish did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PublishReport {
    /// Sessions published.
    pub sessions: usize,
    /// Files in the site.
    pub files: usize,
    /// Files written (new or changed).
    pub written: usize,
    /// Bytes written.
    pub bytes_written: u64,
    /// Bytes of the whole site.
    pub bytes_total: u64,
}

impl std::fmt::Display for PublishReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sessions, {} files ({:.2} MB); written {} files ({:.2} MB), {} unchanged",
            self.sessions,
            self.files,
            self.bytes_total as f64 / 1e6,
            self.written,
            self.bytes_written as f64 / 1e6,
            self.files - self.written
        )
    }
}

/// Why a publish failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A request to the API failed (the session does not exist, its data is unreadable...).
    #[error("{path}: {message}")]
    Api {
        /// The API path.
        path: String,
        /// The API's reason.
        message: String,
    },
    /// Writing the site failed.
    #[error("{path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing to the object store failed.
    #[error("{0}")]
    Store(#[from] bucket::Error),
}

/// Publishes `sessions` (ids as the API names them) from `state` to `out`.
pub async fn publish(state: AppState, sessions: &[String], out: &SiteOut) -> Result<PublishReport, PublishError> {
    let site = Site { router: crate::app(state), out: out.clone() };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (path, bytes) in crate::web::files() {
        files.insert(path.to_owned(), bytes.to_vec());
    }
    files.insert("static.json".into(), br#"{"static":true,"generator":"f1replay publish"}"#.to_vec());
    files.insert("data/codes.json".into(), site.get("/api/codes", false).await?);
    let mut years: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for id in sessions {
        let parsed = SessionId::parse(id).map_err(|e| PublishError::Api { path: id.clone(), message: e.message().to_owned() })?;
        years.entry(parsed.year()).or_default().push(id.clone());
        site.session(id, &mut files).await?;
    }
    let seasons: Vec<serde_json::Value> = json(&site.get("/api/seasons", false).await?)?;
    let seasons: Vec<_> = seasons.into_iter().filter(|s| s["year"].as_u64().is_some_and(|y| years.contains_key(&(y as u16)))).collect();
    files.insert("data/seasons.json".into(), serde_json::to_vec(&seasons).unwrap_or_default());
    for (year, ids) in &years {
        let listed: Vec<serde_json::Value> = json(&site.get(&format!("/api/seasons/{year}/sessions"), false).await?)?;
        let listed: Vec<_> = listed.into_iter().filter(|s| s["id"].as_str().is_some_and(|id| ids.iter().any(|i| i == id))).collect();
        files.insert(format!("data/seasons/{year}/sessions.json"), serde_json::to_vec(&listed).unwrap_or_default());
    }
    site.write_changed(files, sessions.len()).await
}

/// The ids of the sessions of season `year` that can be published (`available`).
pub async fn season_sessions(state: AppState, year: u16) -> Result<Vec<String>, PublishError> {
    let site = Site { router: crate::app(state), out: SiteOut::Dir(PathBuf::new()) };
    let listed: Vec<serde_json::Value> = json(&site.get(&format!("/api/seasons/{year}/sessions"), false).await?)?;
    Ok(listed.iter().filter(|s| s["available"].as_bool() == Some(true)).filter_map(|s| s["id"].as_str().map(str::to_owned)).collect())
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, PublishError> {
    serde_json::from_slice(bytes).map_err(|e| PublishError::Api { path: "(answer)".into(), message: e.to_string() })
}

struct Site {
    router: axum::Router,
    out: SiteOut,
}

impl Site {
    /// The body of `GET path` (gzip-encoded when `gzip`), or the API's error.
    async fn get(&self, path: &str, gzip: bool) -> Result<Vec<u8>, PublishError> {
        let mut request = Request::get(path);
        if gzip {
            request = request.header(header::ACCEPT_ENCODING, "gzip");
        }
        let request = request.body(Body::empty()).map_err(|e| PublishError::Api { path: path.into(), message: e.to_string() })?;
        let response = self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
        let status = response.status();
        let coded = response.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| PublishError::Api { path: path.into(), message: e.to_string() })?;
        if status != StatusCode::OK {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| status.to_string());
            return Err(PublishError::Api { path: path.into(), message });
        }
        if gzip && coded.as_deref() != Some("gzip") {
            return Err(PublishError::Api { path: path.into(), message: format!("expected a gzip body, got {coded:?}") });
        }
        Ok(body.to_vec())
    }

    /// Everything of one session.
    async fn session(&self, id: &str, files: &mut BTreeMap<String, Vec<u8>>) -> Result<(), PublishError> {
        let api = format!("/api/sessions/{id}");
        let dir = format!("data/sessions/{id}");
        let manifest = self.get(&api, false).await?;
        let parsed: serde_json::Value = json(&manifest)?;
        for chunk in parsed["chunks"].as_array().into_iter().flatten() {
            let (Some(n), Some(etag)) = (chunk["index"].as_u64(), chunk["etag"].as_str()) else { continue };
            let gz = self.get(&format!("{api}/chunks/{n}"), true).await?;
            files.insert(format!("{dir}/chunks/{}.gz", etag.trim_matches('"')), gz);
        }
        files.insert(format!("{dir}/manifest.json"), manifest);
        for table in TABLES {
            files.insert(format!("{dir}/{table}.json"), self.get(&format!("{api}/{table}"), false).await?);
        }
        let laps: Vec<serde_json::Value> = json(&files[&format!("{dir}/laps.json")])?;
        for lap in &laps {
            let driver = lap["DriverNumber"].as_str().and_then(|d| d.parse::<u16>().ok());
            let Some((driver, n)) = driver.zip(lap["LapNumber"].as_u64()) else { continue };
            // A lap with no telemetry (no position data) is answered 404: the viewer says so.
            match self.get(&format!("{api}/telemetry?driver={driver}&lap={n}"), false).await {
                Ok(body) => {
                    files.insert(format!("{dir}/telemetry/{driver}-{n}.json"), body);
                }
                Err(PublishError::Api { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes the files whose content differs from the site's index, then the index.
    async fn write_changed(&self, files: BTreeMap<String, Vec<u8>>, sessions: usize) -> Result<PublishReport, PublishError> {
        let before: BTreeMap<String, String> = self.read(INDEX).await?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        let mut after = BTreeMap::new();
        let mut report = PublishReport { sessions, files: files.len(), ..Default::default() };
        for (path, bytes) in files {
            let mark = format!("{:08x}-{}", crc32fast::hash(&bytes), bytes.len());
            report.bytes_total += bytes.len() as u64;
            if before.get(&path) != Some(&mark) {
                report.written += 1;
                report.bytes_written += bytes.len() as u64;
                self.write(&path, bytes).await?;
            }
            after.insert(path, mark);
        }
        self.write(INDEX, serde_json::to_vec_pretty(&after).unwrap_or_default()).await?;
        Ok(report)
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, PublishError> {
        match &self.out {
            SiteOut::Dir(dir) => match tokio::fs::read(dir.join(path)).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(PublishError::Write { path: dir.join(path).display().to_string(), source }),
            },
            SiteOut::Bucket(b) => Ok(b.get(path).await?.map(|b| b.to_vec())),
        }
    }

    async fn write(&self, path: &str, bytes: Vec<u8>) -> Result<(), PublishError> {
        match &self.out {
            SiteOut::Dir(dir) => {
                let file = dir.join(path);
                let fail = |source| PublishError::Write { path: file.display().to_string(), source };
                if let Some(parent) = file.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(fail)?;
                }
                tokio::fs::write(&file, bytes).await.map_err(fail)
            }
            SiteOut::Bucket(b) => Ok(b.put(path, bytes.into()).await?),
        }
    }
}
