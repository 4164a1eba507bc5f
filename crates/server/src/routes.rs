//! The REST handlers of docs/API.md (JSON), and the extractors that turn path and query
//! parameters into validated values or a 400 with a reason.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use columns::files::Format;
use columns::Table;

use crate::catalog::SessionId;
use crate::error::ApiError;
use crate::frames::FrameFormat;
use crate::loaded::LoadedReplay;
use crate::state::AppState;
use crate::store::Model;
use crate::tables;

/// Path parameters (`{id}`, `{n}`, `{year}`), with the id validated on demand.
pub(crate) struct PathParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<Vec<(String, String)>>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(PathParams(params)),
            Err(e) => Err(ApiError::bad_request(format!("invalid path: {}", e.body_text()))),
        }
    }
}

impl PathParams {
    /// A parameter by name.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The `{id}` parameter, validated.
    pub(crate) fn id(&self) -> Result<SessionId, ApiError> {
        SessionId::parse(self.get("id").unwrap_or_default())
    }
}

/// Query parameters; a malformed query string is a 400. Unknown parameters are ignored (cache
/// busters), repeated ones take the first value.
pub(crate) struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<Vec<(String, String)>>::from_request_parts(parts, state).await {
            Ok(Query(params)) => Ok(QueryParams(params)),
            Err(e) => Err(ApiError::bad_request(format!("invalid query string: {}", e.body_text()))),
        }
    }
}

impl QueryParams {
    /// A parameter by name.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A parameter parsed as `T`; 400 naming the parameter and what was expected when it does
    /// not parse.
    pub(crate) fn parse<T: std::str::FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<T>().map(Some).map_err(|_| {
                let shown: String = v.chars().take(40).collect();
                ApiError::bad_request(format!("parameter {name}={shown:?}: expected {expected}"))
            }),
        }
    }

    /// The format of a table (`format=json|csv|parquet|arrow`): `None` for json (the default,
    /// the model's rows), else the file format.
    pub(crate) fn table_format(&self) -> Result<Option<Format>, ApiError> {
        match self.get("format") {
            None | Some("json") => Ok(None),
            Some(f) => match Format::parse(f) {
                Ok(format) if format != Format::Json => Ok(Some(format)),
                _ => {
                    let shown: String = f.chars().take(40).collect();
                    Err(ApiError::bad_request(format!("parameter format={shown:?}: expected json, csv, parquet or arrow")))
                }
            },
        }
    }

    /// The WebSocket frame format (`format=json|msgpack|binary`, default json).
    pub(crate) fn format(&self) -> Result<FrameFormat, ApiError> {
        match self.get("format") {
            None => Ok(FrameFormat::Json),
            Some(f) => FrameFormat::parse(f)
                .ok_or_else(|| ApiError::bad_request(format!("parameter format={f:?}: expected json, msgpack or binary"))),
        }
    }
}

/// A JSON body from pre-encoded bytes.
pub(crate) fn json_bytes(body: Bytes, cache_control: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache_control)),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/health`.
#[utoipa::path(get, path = "/api/health", tag = "server", summary = "Liveness, counters and what the server lost", responses((status = 200, description = "Liveness, counters and what the server lost", body = crate::state::Health), crate::openapi::Failures))]
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let mut r = Json(state.health()).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /api/openapi.json`.
#[utoipa::path(get, path = "/api/openapi.json", tag = "server", summary = "This document", responses((status = 200, description = "This document", body = Object), crate::openapi::Failures))]
pub(crate) async fn openapi() -> Response {
    json_bytes(crate::openapi::document_bytes(), "no-cache")
}

/// `GET /api/seasons`.
#[utoipa::path(get, path = "/api/codes", tag = "server", summary = "The code tables of the replay format: compounds, car states, track status", responses((status = 200, description = "The code tables of the replay format: compounds, car states, track status", body = replay::codes::Codes), crate::openapi::Failures))]
pub(crate) async fn codes() -> Response {
    let mut r = Json(replay::codes::codes()).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

#[utoipa::path(get, path = "/api/seasons", tag = "catalog", summary = "Seasons available; the simulated sessions are year 0", responses((status = 200, description = "Seasons available; the simulated sessions are year 0", body = [crate::catalog::Season]), crate::openapi::Failures))]
pub(crate) async fn seasons(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut r = Json(state.store().catalog().seasons().await?).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /api/seasons/{year}/sessions`.
#[utoipa::path(get, path = "/api/seasons/{year}/sessions", tag = "catalog", summary = "Sessions of a season", params(("year" = u16, Path, description = "a season such as 2025, or 0 for the simulated sessions")), responses((status = 200, description = "Sessions of a season", body = [crate::catalog::SessionSummary]), crate::openapi::Failures))]
pub(crate) async fn season_sessions(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    let raw = params.get("year").unwrap_or_default();
    let year: u16 = raw
        .parse()
        .ok()
        .filter(|y| *y == 0 || (1950..=2100).contains(y))
        .ok_or_else(|| ApiError::bad_request(format!("invalid year {:?}: expected 0 (simulated) or a season such as 2025", raw)))?;
    let mut list = state.store().catalog().sessions(year).await?;
    state.store().mark_cached(&mut list).await?;
    let mut r = Json(list).into_response();
    // What is cached and reachable changes: never reuse an old answer.
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// The manifest bytes of a loaded replay, served without copying.
struct ManifestBytes(Arc<LoadedReplay>);

impl AsRef<[u8]> for ManifestBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.file.manifest_json()
    }
}

/// `GET /api/sessions/{id}`: the manifest; builds the session first if needed.
#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions", summary = "The replay manifest; builds the session first if needed (single-flight)", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "The replay manifest; builds the session first if needed (single-flight)", body = replay::manifest::Manifest), crate::openapi::Failures))]
pub(crate) async fn session(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    let replay = state.store().replay(&id).await?;
    Ok(json_bytes(Bytes::from_owner(ManifestBytes(replay)), "no-cache"))
}

/// `GET /api/sessions/{id}/frame?t=SECONDS` or `?frame=N`: one frame as JSON.
#[utoipa::path(get, path = "/api/sessions/{id}/frame", tag = "sessions", summary = "One frame as JSON, at session time t (seconds) or by frame number", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("t" = Option<f64>, Query, description = "session time, seconds"), ("frame" = Option<u32>, Query, description = "frame number")), responses((status = 200, description = "One frame as JSON, at session time t (seconds) or by frame number", body = replay::frame::Frame), crate::openapi::Failures))]
pub(crate) async fn frame(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    let t: Option<f64> = query.parse("t", "session time in seconds")?;
    let n: Option<u32> = query.parse("frame", "a frame number")?;
    if let Some(t) = t {
        if !t.is_finite() || t.abs() > 1e7 {
            return Err(ApiError::bad_request("parameter t: expected a finite session time in seconds"));
        }
    }
    let replay = state.store().replay(&id).await?;
    let k = match (t, n) {
        (Some(t), None) => replay.frame_at_s(t),
        (None, Some(n)) => n,
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give either t or frame, not both")),
        (None, None) => return Err(ApiError::bad_request("missing parameter: t (seconds) or frame (number)")),
    };
    let encoded = replay.frame(FrameFormat::Json, k).await?;
    Ok(json_bytes(encoded.bytes(), "public, max-age=3600"))
}

/// A table endpoint: computed once per session from its model; `?format=json` (the default)
/// gives the model's rows as JSON, `csv`, `parquet` or `arrow` the [`columns`] table `which`
/// as a file.
async fn table<T: serde::Serialize + 'static>(
    state: &AppState,
    params: &PathParams,
    query: &QueryParams,
    name: &str,
    which: Table,
    f: fn(&Model) -> Result<T, ApiError>,
) -> Result<Response, ApiError> {
    let id = params.id()?;
    match query.table_format()? {
        None => Ok(json_bytes(state.store().table(&id, name, f).await?, "no-cache")),
        Some(format) => {
            let body = state.store().table_file(&id, name, format, move |m| tables::file(m, which, &[])).await?;
            Ok(file_bytes(body, format, &format!("{id}-{name}")))
        }
    }
}

/// A table file: its media type, and a file name (`stem.ext`) to save it under.
fn file_bytes(body: Bytes, format: Format, stem: &str) -> Response {
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || "-_~.".contains(c) { c } else { '-' }).collect();
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"))),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/sessions/{id}/laps`.
#[utoipa::path(get, path = "/api/sessions/{id}/laps", tag = "tables", summary = "The laps table (FastF1's columns, times in seconds)", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "The laps table (FastF1's columns, times in seconds)", content(([timing::lap_row::LapRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn laps(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "laps", Table::Laps, tables::laps).await
}

/// `GET /api/sessions/{id}/stints`.
#[utoipa::path(get, path = "/api/sessions/{id}/stints", tag = "tables", summary = "Tyre stints per driver", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Tyre stints per driver", content(([timing::tables::StintRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn stints(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "stints", Table::Stints, tables::stints).await
}

/// `GET /api/sessions/{id}/pit-stops`.
#[utoipa::path(get, path = "/api/sessions/{id}/pit-stops", tag = "tables", summary = "Pit lane visits per driver, with the time in the pit lane", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Pit lane visits per driver", content(([timing::tables::PitStopRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn pit_stops(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "pit-stops", Table::PitStops, tables::pit_stops).await
}

/// `GET /api/sessions/{id}/car-marks`.
#[utoipa::path(get, path = "/api/sessions/{id}/car-marks", tag = "tables", summary = "Race control's marks on cars: deleted laps, investigations, penalties", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Race control's marks on cars", content(([timing::stewards::CarMark] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn car_marks(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "car-marks", Table::CarMarks, tables::car_marks).await
}

/// `GET /api/sessions/{id}/segments`.
#[utoipa::path(get, path = "/api/sessions/{id}/segments", tag = "tables", summary = "Mini-sector statuses: every segment status the timing sent, named (yellow, green, purple, pit)", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Mini-sector statuses: every segment status the timing sent, named (yellow, green, purple, pit)", content(([timing::segments::SegmentRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn segments(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "segments", Table::Segments, tables::segments).await
}

/// `GET /api/sessions/{id}/drs`.
#[utoipa::path(get, path = "/api/sessions/{id}/drs", tag = "tables", summary = "DRS range in races: each car at each timing line crossing, the official interval and whether it is within 1 s while DRS is enabled", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "DRS range in races: each car at each timing line crossing, the official interval and whether it is within 1 s while DRS is enabled", content(([timing::drs::DrsRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn drs(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "drs", Table::Drs, tables::drs).await
}

/// `GET /api/sessions/{id}/lap-deltas`.
#[utoipa::path(get, path = "/api/sessions/{id}/lap-deltas", tag = "tables", summary = "Qualifying and practice: each lap's delta to the driver's best lap so far at the same lap distance, as a series in session time", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "Each lap's delta series (t_s, delta_s), to be interpolated at the replay clock", body = [timing::delta::LapDelta]), crate::openapi::Failures))]
pub(crate) async fn lap_deltas(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    // A series per lap, not a table of rows: JSON only, computed once per session.
    let id = params.id()?;
    Ok(json_bytes(state.store().table(&id, "lap-deltas", tables::lap_deltas).await?, "no-cache"))
}

/// `GET /api/sessions/{id}/results`.
#[utoipa::path(get, path = "/api/sessions/{id}/results", tag = "tables", summary = "The classification", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "The classification", content(([timing::tables::ResultRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn results(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "results", Table::Results, tables::results).await
}

/// `GET /api/sessions/{id}/sectors`.
#[utoipa::path(get, path = "/api/sessions/{id}/sectors", tag = "tables", summary = "Lap and sector times per lap, with when each was a personal or overall best", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Lap and sector times per lap, with when each was a personal or overall best", content(([timing::bests::LapMarks] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn sectors(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "sectors", Table::Sectors, tables::sectors).await
}

/// `GET /api/sessions/{id}/weather`.
#[utoipa::path(get, path = "/api/sessions/{id}/weather", tag = "tables", summary = "Weather samples", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Weather samples", content(([timing::tables::WeatherRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn weather(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "weather", Table::Weather, tables::weather).await
}

/// `GET /api/sessions/{id}/race-control`.
#[utoipa::path(get, path = "/api/sessions/{id}/race-control", tag = "tables", summary = "Race control messages", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Race control messages", content(([timing::tables::RaceControlRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn race_control(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "race-control", Table::RaceControl, tables::race_control).await
}

/// `GET /api/sessions/{id}/track-status`.
#[utoipa::path(get, path = "/api/sessions/{id}/track-status", tag = "tables", summary = "Track status periods", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Track status periods", content(([timing::tables::TrackStatusRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn track_status(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "track-status", Table::TrackStatus, tables::track_status).await
}

/// `GET /api/sessions/{id}/team-radio`.
#[utoipa::path(get, path = "/api/sessions/{id}/team-radio", tag = "tables", summary = "Team radio clips at their session time; each clip's audio is at /team-radio/{index}", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)")), responses((status = 200, description = "Team radio clips at their session time", content(([timing::tables::TeamRadioRow] = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn team_radio(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    table(&state, &params, &query, "team-radio", Table::TeamRadio, tables::team_radio).await
}

/// `GET /api/sessions/{id}/team-radio/{n}`: the clip's audio.
#[utoipa::path(get, path = "/api/sessions/{id}/team-radio/{n}", tag = "tables", summary = "One team radio clip's audio (MP3), fetched from the archive on demand through the raw cache; 404 when missing, 503 with the reason when offline and not cached", params(("id" = String, Path, description = "YEAR~MEETING_DIR~SESSION_DIR", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("n" = usize, Path, description = "the clip's index in /team-radio"), ("check" = Option<u8>, Query, description = "any value: answer {available, reason} as JSON (200) instead of the audio")), responses((status = 200, description = "The clip (audio/mpeg)", content_type = "audio/mpeg", body = Vec<u8>), crate::openapi::Failures))]
pub(crate) async fn team_radio_clip(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    let raw = params.get("n").unwrap_or_default();
    let n: usize = raw.parse().ok().filter(|_| raw == "0" || !raw.starts_with('0')).ok_or_else(|| {
        ApiError::bad_request(format!(
            "invalid clip number {:?}: expected an index from /team-radio",
            raw.chars().take(20).collect::<String>()
        ))
    })?;
    let model = state.store().model(&id).await?;
    let Some(clip) = model.session.team_radio.get(n) else {
        return Err(ApiError::not_found(format!("session {id} has {} team radio clips; no clip {n}", model.session.team_radio.len())));
    };
    let result = state.store().catalog().clip(&id, &clip.capture.path).await;
    if query.get("check").is_some() {
        // A viewer asks before playing: the answer, not a failed media request.
        let (available, reason) = match result {
            Ok(_) => (true, None),
            Err(e) => (false, Some(e.message().to_owned())),
        };
        let mut r = Json(serde_json::json!({ "available": available, "reason": reason })).into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(r);
    }
    let bytes = result?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/sessions/{id}/marshal-sectors`.
#[utoipa::path(get, path = "/api/sessions/{id}/marshal-sectors", tag = "tables", summary = "Marshal sectors on the track (from api.multiviewer.app's circuit info, through the raw cache) and race control's sector flags over time; available false with the reason when the sectors cannot be placed", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "Marshal sectors and sector flags", body = replay::marshal::MarshalView), crate::openapi::Failures))]
pub(crate) async fn marshal_sectors(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    let model = state.store().model(&id).await?;
    let s = &model.session;
    let bytes = state.store().catalog().circuit_info(&id, s.info.circuit_key, id.year()).await;
    let circuit = bytes.and_then(|b| timing::marshal::CircuitInfo::parse(&b, "the circuit info").map_err(|e| e.to_string()));
    let track = replay::geometry::Track::from_session(s);
    let view = replay::marshal::MarshalView::of(track.as_ref(), circuit, &s.race_control);
    let mut r = Json(view).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// `GET /api/sessions/{id}/story`.
#[utoipa::path(get, path = "/api/sessions/{id}/story", tag = "tables", summary = "The race story: every car's laps with lap time, position, pit and neutralised laps and the gap to the leader at the line", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "The race story: every car's laps with lap time, position, pit and neutralised laps and the gap to the leader at the line", body = timing::story::RaceStory), crate::openapi::Failures))]
pub(crate) async fn story(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    // One document, not a table of rows: JSON only, computed once per session as the tables are.
    let id = params.id()?;
    Ok(json_bytes(state.store().table(&id, "story", tables::story).await?, "no-cache"))
}

/// `GET /api/sessions/{id}/telemetry?driver=N&lap=L`.
#[utoipa::path(get, path = "/api/sessions/{id}/telemetry", tag = "tables", summary = "One lap of one driver by distance", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "json (default: the rows as below), csv, parquet (zstd) or arrow (Arrow IPC file): the table with typed columns and FastF1's column names (docs/API.md), sent as a file (Content-Disposition)"), ("driver" = u16, Query, description = "racing number"), ("lap" = u32, Query, description = "lap number, from 1")), responses((status = 200, description = "One lap of one driver by distance", content((timing::tables::LapTrace = "application/json"), (crate::openapi::TableFile = "text/csv"), (crate::openapi::TableFile = "application/vnd.apache.parquet"), (crate::openapi::TableFile = "application/vnd.apache.arrow.file"))), crate::openapi::Failures))]
pub(crate) async fn telemetry(State(state): State<AppState>, params: PathParams, query: QueryParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    let driver: u16 = query
        .parse("driver", "a racing number such as 44")?
        .ok_or_else(|| ApiError::bad_request("missing parameter: driver (racing number)"))?;
    let lap: u32 =
        query.parse("lap", "a lap number such as 12")?.ok_or_else(|| ApiError::bad_request("missing parameter: lap (lap number)"))?;
    if lap == 0 {
        return Err(ApiError::bad_request("parameter lap: laps are numbered from 1"));
    }
    let name = format!("telemetry/{driver}/{lap}");
    if let Some(format) = query.table_format()? {
        let body = state.store().table_file(&id, &name, format, move |m| tables::file(m, Table::Telemetry, &[(driver, lap)])).await?;
        return Ok(file_bytes(body, format, &format!("{id}-telemetry-{driver}-{lap}")));
    }
    let body = state.store().table(&id, &name, move |m| tables::telemetry(m, driver, lap)).await?;
    Ok(json_bytes(body, "no-cache"))
}

/// Any other `/api/...` path.
pub(crate) async fn api_not_found(uri: Uri) -> ApiError {
    let shown: String = uri.path().chars().take(120).collect();
    ApiError::not_found(format!("no endpoint {shown}; see /api/openapi.json"))
}

/// A known path with the wrong method.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    let shown: String = uri.path().chars().take(120).collect();
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not allowed on {shown} (this API is read-only: GET)"))
}
