//! The session's event tables: race control messages, track status periods and weather
//! ([`timing::tables`]), with FastF1's column names where it has them.

use arrow_array::{Float32Array, RecordBatch, UInt32Array};
use timing::tables::{self, RaceControlRow, TrackStatusRow, WeatherRow};
use timing::Session;

use crate::arrays::{category, duration_s, flags, text, Columns};
use crate::Error;

/// Race control messages ([`tables::race_control`]): `SessionTime`, then FastF1's `Category`,
/// `Message`, `Status`, `Flag`, `Scope`, `Sector`, `RacingNumber` (text, as FastF1's), `Lap`.
pub fn race_control(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<RaceControlRow> = tables::race_control(session);
    let numbers: Vec<Option<String>> = rows.iter().map(|r| r.driver.map(|n| n.to_string())).collect();
    let cat = |f: fn(&RaceControlRow) -> Option<&str>| category(rows.iter().map(f));
    Columns::default()
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("Category", cat(|r| r.category.as_deref()), true)
        .add("Message", text(rows.iter().map(|r| Some(r.message.as_str()))), false)
        .add("Status", cat(|r| r.status.as_deref()), true)
        .add("Flag", cat(|r| r.flag.as_deref()), true)
        .add("Scope", cat(|r| r.scope.as_deref()), true)
        .add("Sector", rows.iter().map(|r| r.sector).collect::<UInt32Array>(), true)
        .add("RacingNumber", category(numbers.iter().map(|n| n.as_deref())), true)
        .add("Lap", rows.iter().map(|r| r.lap).collect::<UInt32Array>(), true)
        .finish()
}

/// Track status periods ([`tables::track_status`]): `Time` (its start, session time, FastF1's
/// name), `EndTime` (null: to the end of the session), `Status` (the timing's code as text,
/// FastF1's dtype) and its `Label`.
pub fn track_status(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<TrackStatusRow> = tables::track_status(session);
    let codes: Vec<String> = rows.iter().map(|r| r.status.to_string()).collect();
    Columns::default()
        .add("Time", duration_s(rows.iter().map(|r| Some(r.start_s))), false)
        .add("EndTime", duration_s(rows.iter().map(|r| r.end_s)), true)
        .add("Status", category(codes.iter().map(|c| Some(c.as_str()))), false)
        .add("Label", category(rows.iter().map(|r| Some(r.label))), false)
        .finish()
}

/// Weather samples ([`tables::weather`]) in FastF1's `weather_data` columns: `Time` (session
/// time), `AirTemp`, `Humidity`, `Pressure`, `Rainfall`, `TrackTemp`, `WindDirection`,
/// `WindSpeed`; float32 as the feed gives them, null where a value is not a number.
pub fn weather(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<WeatherRow> = tables::weather(session);
    let v = |f: fn(&WeatherRow) -> f32| rows.iter().map(|r| Some(f(r)).filter(|x| x.is_finite())).collect::<Float32Array>();
    Columns::default()
        .add("Time", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("AirTemp", v(|r| r.air_c), true)
        .add("Humidity", v(|r| r.humidity), true)
        .add("Pressure", v(|r| r.pressure), true)
        .add("Rainfall", flags(rows.iter().map(|r| Some(r.rain))), false)
        .add("TrackTemp", v(|r| r.track_c), true)
        .add("WindDirection", v(|r| r.wind_dir), true)
        .add("WindSpeed", v(|r| r.wind_ms), true)
        .finish()
}
