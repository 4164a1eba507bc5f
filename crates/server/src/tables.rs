//! The JSON tables of a session (docs/API.md): each is a typed table of the model crates
//! ([`timing::lap_row`], [`timing::tables`], [`timing::bests`]) presented as it is; this file
//! only picks the table and maps its errors to HTTP. The store computes each once per session
//! and caches the bytes.

use timing::bests::{lap_marks, LapMarks};
use timing::lap_row::LapRow;
use timing::tables;

use crate::error::ApiError;
use crate::store::Model;

/// The laps table with FastF1's column names, one object per lap ([`timing::lap_row`]).
pub fn laps(m: &Model) -> Result<Vec<LapRow>, ApiError> {
    Ok(LapRow::all(&m.session))
}

/// Tyre stints per driver.
pub fn stints(m: &Model) -> Result<Vec<tables::StintRow>, ApiError> {
    Ok(tables::stints(&m.session))
}

/// Pit lane visits per driver, with the time spent in the pit lane.
pub fn pit_stops(m: &Model) -> Result<Vec<tables::PitStopRow>, ApiError> {
    Ok(tables::pit_stops(&m.session))
}

/// Race control's marks on cars (deleted laps, investigations, penalties; `timing::stewards`).
pub fn car_marks(m: &Model) -> Result<Vec<timing::stewards::CarMark>, ApiError> {
    Ok(timing::stewards::car_marks(&m.session))
}

/// Every mini-sector status the timing sent, named ([`timing::segments`]).
pub fn segments(m: &Model) -> Result<Vec<timing::segments::SegmentRow>, ApiError> {
    Ok(timing::segments::changes(&m.session))
}

/// Each car's DRS range at each timing line crossing, races only ([`timing::drs`]).
pub fn drs(m: &Model) -> Result<Vec<timing::drs::DrsRow>, ApiError> {
    Ok(timing::drs::drs_range(&m.session))
}

/// Each lap's delta to the driver's best at the same distance, qualifying and practice
/// ([`timing::delta`]).
pub fn lap_deltas(m: &Model) -> Result<Vec<timing::delta::LapDelta>, ApiError> {
    Ok(timing::delta::lap_deltas(&m.session))
}

/// The classification ([`timing::classification`], as [`tables::ResultRow`]s): races by the
/// timing's final positions, qualifying by the deepest part reached then the best lap in it,
/// practice by best lap; empty without the timing (the manifest's coverage says so).
pub fn results(m: &Model) -> Result<Vec<tables::ResultRow>, ApiError> {
    Ok(tables::results(&m.session))
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

/// Team radio clips in session time ([`timing::tables::team_radio`]).
pub fn team_radio(m: &Model) -> Result<Vec<tables::TeamRadioRow>, ApiError> {
    Ok(tables::team_radio(&m.session))
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

/// Table `which` of the model as a typed [`columns`] table, for the file formats; `laps` are the
/// (driver, lap) pairs of `telemetry`. What the session lacks is a 404 with the reason.
pub fn file(m: &Model, which: columns::Table, laps: &[(u16, u32)]) -> Result<columns::RecordBatch, ApiError> {
    let inputs = columns::table::Inputs { session: &m.session, feed: None, replay: None, laps, timeline_step: 1 };
    match which.make(&inputs) {
        Ok(made) => Ok(made.batch),
        Err(e @ columns::Error::Missing { .. }) => Err(ApiError::not_found(e.to_string())),
        Err(e) => Err(ApiError::internal(e.to_string())),
    }
}

/// The race story: each car's laps with position, pit and neutralised laps and the gap to the
/// leader at the line ([`timing::story`]).
pub fn story(m: &Model) -> Result<timing::story::RaceStory, ApiError> {
    Ok(timing::story::race_story(&m.session))
}
