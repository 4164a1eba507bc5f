//! The JSON tables of a session (docs/API.md): each is a typed table of the model crates
//! ([`timing::lap_row`], [`timing::tables`], [`timing::bests`]) presented as it is; this file
//! only picks the table and maps its errors to HTTP. The store computes each once per session
//! and caches the bytes.

use serde_json::{json, Value};
use timing::bests::{lap_marks, LapMarks};
use timing::lap_row::LapRow;
use timing::laps::Lap;
use timing::tables;
use timing::Session;

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

/// The classification: race-like sessions by laps completed then time; qualifying by the
/// deepest part reached then the best time in it; practice by best lap.
pub fn results(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    if session.info.is_race_like() {
        Ok(race_results(session))
    } else {
        Ok(best_lap_results(session))
    }
}

fn race_results(session: &Session) -> Value {
    struct Row {
        number: u16,
        laps: usize,
        last_ms: Option<i64>,
    }
    let mut rows: Vec<Row> = session
        .drivers
        .iter()
        .map(|d| {
            let timed: Vec<&Lap> = session.laps.iter().filter(|l| l.driver == d.number && !l.generated && l.time_ms.is_some()).collect();
            Row { number: d.number, laps: timed.len(), last_ms: timed.iter().filter_map(|l| l.time_ms).max() }
        })
        .collect();
    rows.sort_by_key(|r| (std::cmp::Reverse(r.laps), r.last_ms.unwrap_or(i64::MAX)));
    let race_start = session.laps.iter().filter(|l| l.lap_number == 1).filter_map(|l| l.lap_start_ms).min().or(session.session_start_ms);
    let (leader_laps, leader_last) = rows.first().map(|r| (r.laps, r.last_ms)).unwrap_or((0, None));
    let out: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = session.driver(r.number);
            let down = leader_laps.saturating_sub(r.laps);
            let took_flag = matches!((r.last_ms, leader_last), (Some(a), Some(b)) if a >= b);
            let status = match (r.laps, down, took_flag) {
                (0, _, _) => "Did not start".to_owned(),
                (_, 0, _) => "Finished".to_owned(),
                (_, 1, true) => "+1 Lap".to_owned(),
                (_, n, true) => format!("+{n} Laps"),
                _ => "Retired".to_owned(),
            };
            json!({
                "position": i + 1,
                "driver": r.number,
                "tla": d.map(|d| d.tla.clone()),
                "team": d.map(|d| d.team_name.clone()),
                "laps": r.laps,
                "time_s": match (r.last_ms, race_start) { (Some(l), Some(s0)) if down == 0 => json!((l - s0) as f64 / 1000.0), _ => Value::Null },
                "gap_s": match (r.last_ms, leader_last) { (Some(l), Some(b)) if down == 0 => json!((l - b) as f64 / 1000.0), _ => Value::Null },
                "laps_down": down,
                "status": status,
            })
        })
        .collect();
    Value::Array(out)
}

fn best_lap_results(session: &Session) -> Value {
    let parts = &session.part_starts_ms;
    // Which part (Q1/Q2/Q3) a lap belongs to: the last part started before the lap ended.
    let part_of = |l: &Lap| -> usize {
        let t = l.time_ms.or(l.lap_start_ms).unwrap_or(i64::MIN);
        parts.partition_point(|&p| p <= t).saturating_sub(1)
    };
    let n_parts = parts.len().max(1);
    struct Row {
        number: u16,
        best: Option<i64>,
        per_part: Vec<Option<i64>>,
        laps: usize,
    }
    let mut rows: Vec<Row> = session
        .drivers
        .iter()
        .map(|d| {
            let mut per_part = vec![None; n_parts];
            let mut best: Option<i64> = None;
            let mut laps = 0;
            for l in session.laps.iter().filter(|l| l.driver == d.number && !l.generated) {
                laps += 1;
                let Some(t) = l.lap_time_ms else { continue };
                if l.deleted == Some(true) {
                    continue;
                }
                let p = part_of(l).min(n_parts - 1);
                per_part[p] = Some(per_part[p].map_or(t, |b: i64| b.min(t)));
                best = Some(best.map_or(t, |b| b.min(t)));
            }
            Row { number: d.number, best, per_part, laps }
        })
        .collect();
    // Deepest part with a time first, then the time in that part.
    let key = |r: &Row| {
        let deepest = r.per_part.iter().rposition(|t| t.is_some());
        (std::cmp::Reverse(deepest.map(|p| p + 1).unwrap_or(0)), deepest.and_then(|p| r.per_part[p]).unwrap_or(i64::MAX))
    };
    rows.sort_by_key(key);
    let pole = rows.iter().filter_map(|r| r.best).min();
    let out: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = session.driver(r.number);
            let mut row = json!({
                "position": i + 1,
                "driver": r.number,
                "tla": d.map(|d| d.tla.clone()),
                "team": d.map(|d| d.team_name.clone()),
                "laps": r.laps,
                "best_s": s(r.best),
                "gap_s": match (r.best, pole) { (Some(b), Some(p)) => json!((b - p) as f64 / 1000.0), _ => Value::Null },
                "status": if r.best.is_some() { "Classified" } else { "No time" },
            });
            if parts.len() > 1 {
                for (p, t) in r.per_part.iter().enumerate() {
                    row[format!("q{}_s", p + 1)] = s(*t);
                }
            }
            row
        })
        .collect();
    Value::Array(out)
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
