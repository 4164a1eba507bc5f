//! The JSON tables of a session (docs/API.md): each is a typed table of the model crates
//! ([`timing::lap_row`], [`timing::tables`], [`timing::bests`]) presented as it is; this file
//! only picks the table and maps its errors to HTTP. The store computes each once per session
//! and caches the bytes.

use serde_json::{json, Value};
use timing::bests::{lap_marks, LapMarks};
use timing::lap_row::LapRow;
use timing::tables;

use crate::error::ApiError;
use crate::store::Model;

/// Milliseconds as seconds.
fn s(ms: Option<i64>) -> Value {
    ms.map(|ms| json!(ms as f64 / 1000.0)).unwrap_or(Value::Null)
}

/// The laps table with FastF1's column names, one object per lap ([`timing::lap_row`]).
pub fn laps(m: &Model) -> Result<Vec<LapRow>, ApiError> {
    Ok(LapRow::all(&m.session))
}

/// Tyre stints per driver.
pub fn stints(m: &Model) -> Result<Vec<tables::StintRow>, ApiError> {
    Ok(tables::stints(&m.session))
}

/// The classification ([`timing::classification::classify`]), times in seconds: races by the
/// timing's final positions, qualifying by the deepest part reached then the best lap in it
/// (`q1_s`..: the best lap in each part; `gap_s`: behind the fastest of the same part),
/// practice by best lap. `status` is the status in words, `status_code` the typed one.
pub fn results(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    // Without the timing there is no classification to give (the manifest's coverage says so).
    if !replay::manifest::Coverage::has_timing(session) {
        return Ok(Value::Array(Vec::new()));
    }
    let race_like = session.info.is_race_like();
    let rows = timing::classification::classify(session)
        .into_iter()
        .map(|r| {
            let mut row = json!({
                "position": r.position,
                "driver": r.driver,
                "tla": r.tla,
                "team": r.team,
                "laps": r.laps,
                "gap_s": s(r.gap_ms),
                "status": if r.status_text.is_empty() { Value::Null } else { Value::from(r.status_text) },
                "status_code": r.status,
            });
            if race_like {
                row["time_s"] = s(r.time_ms);
                row["laps_down"] = json!(r.laps_down);
            } else {
                row["best_s"] = s(r.time_ms);
            }
            if let Some(part) = r.part {
                row["part"] = json!(part);
            }
            for (p, t) in r.part_best_ms.iter().enumerate() {
                row[format!("q{}_s", p + 1)] = s(*t);
            }
            row
        })
        .collect();
    Ok(Value::Array(rows))
}

/// Lap and sector times per lap, with when each was a personal or overall best
/// ([`timing::bests`]).
pub fn sectors(m: &Model) -> Result<Vec<LapMarks>, ApiError> {
    Ok(lap_marks(&m.session))
}

/// One lap of one driver by distance ([`timing::tables::lap_trace`]).
pub fn telemetry(m: &Model, driver: u16, lap: u32) -> Result<tables::LapTrace, ApiError> {
    tables::lap_trace(&m.session, driver, lap).map_err(|e| ApiError::not_found(e.to_string()))
}

/// Weather samples in session time.
pub fn weather(m: &Model) -> Result<Vec<tables::WeatherRow>, ApiError> {
    Ok(tables::weather(&m.session))
}

/// Race control messages in session time.
pub fn race_control(m: &Model) -> Result<Vec<tables::RaceControlRow>, ApiError> {
    Ok(tables::race_control(&m.session))
}

/// Track status periods (the last one has `end_s: null`: it lasts to the end).
pub fn track_status(m: &Model) -> Result<Vec<tables::TrackStatusRow>, ApiError> {
    Ok(tables::track_status(&m.session))
}
