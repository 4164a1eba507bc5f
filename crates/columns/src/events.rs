//! The session's event tables: race control messages, track status periods and weather
//! ([`timing::tables`]), with FastF1's column names where it has them.

use arrow_array::{BooleanArray, Float32Array, RecordBatch, UInt32Array};
use timing::stewards::{self, CarMark};
use timing::tables::{self, PitStopRow, RaceControlRow, TeamRadioRow, TrackStatusRow, WeatherRow};
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

/// Pit lane visits ([`tables::pit_stops`]): `Driver`, `DriverNumber`, `Stop` (1 = the first),
/// `Lap` (the lap at whose end the car went in), `PitInTime`, `PitOutTime` (session time; null:
/// it did not come out) and `PitLaneTime` (exit less entry).
pub fn pit_stops(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<PitStopRow> = tables::pit_stops(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    Columns::default()
        .add("Driver", category(rows.iter().map(|r| Some(r.tla.as_str()))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("Stop", rows.iter().map(|r| r.stop).collect::<UInt32Array>(), false)
        .add("Lap", rows.iter().map(|r| r.lap).collect::<UInt32Array>(), false)
        .add("PitInTime", duration_s(rows.iter().map(|r| Some(r.pit_in_s))), false)
        .add("PitOutTime", duration_s(rows.iter().map(|r| r.pit_out_s)), true)
        .add("PitLaneTime", duration_s(rows.iter().map(|r| r.pit_lane_s)), true)
        .finish()
}

/// Race control's marks on cars ([`stewards::car_marks`]): `SessionTime`, `DriverNumber`,
/// `Kind` (`lap_deleted`, `penalty`...), `Lap` (null: none named or known) and the `Message`.
pub fn car_marks(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<CarMark> = stewards::car_marks(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    Columns::default()
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("Kind", category(rows.iter().map(|r| Some(r.kind.name()))), false)
        .add("Lap", rows.iter().map(|r| r.lap).collect::<UInt32Array>(), true)
        .add("Message", text(rows.iter().map(|r| Some(r.message.as_str()))), false)
        .finish()
}

/// Team radio clips ([`tables::team_radio`]): `Index` (the clip endpoint's number),
/// `SessionTime`, `DriverNumber` (null: not named) and the clip's `Path` in the archive.
pub fn team_radio(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<TeamRadioRow> = tables::team_radio(session);
    let numbers: Vec<Option<String>> = rows.iter().map(|r| r.driver.map(|n| n.to_string())).collect();
    Columns::default()
        .add("Index", rows.iter().map(|r| r.index as u32).collect::<UInt32Array>(), false)
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| n.as_deref())), true)
        .add("Path", text(rows.iter().map(|r| Some(r.path.as_str()))), false)
        .finish()
}

/// Mini-sector statuses ([`timing::segments::changes`]): `SessionTime`, `DriverNumber`,
/// `Sector` and `Segment` (from 0), `Status` (`yellow`, `green`, `purple`, `pit`, `none`,
/// `other`) and the timing's `Code`.
pub fn segments(session: &Session) -> Result<RecordBatch, Error> {
    let rows = timing::segments::changes(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    Columns::default()
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("Sector", rows.iter().map(|r| u32::from(r.sector)).collect::<UInt32Array>(), false)
        .add("Segment", rows.iter().map(|r| u32::from(r.segment)).collect::<UInt32Array>(), false)
        .add("Status", category(rows.iter().map(|r| Some(r.status.name()))), false)
        .add("Code", rows.iter().map(|r| r.code).collect::<UInt32Array>(), false)
        .finish()
}

/// DRS range at each timing line crossing ([`timing::drs::drs_range`]): `SessionTime`,
/// `DriverNumber`, `NumberOfLaps`, `IntervalToPositionAhead` (null: the leader or none shown),
/// `DrsEnabled` and `WithinDrs`.
pub fn drs(session: &Session) -> Result<RecordBatch, Error> {
    let rows = timing::drs::drs_range(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    Columns::default()
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("NumberOfLaps", rows.iter().map(|r| r.lap).collect::<UInt32Array>(), false)
        .add("IntervalToPositionAhead", duration_s(rows.iter().map(|r| r.interval_s)), true)
        .add("DrsEnabled", rows.iter().map(|r| Some(r.drs_enabled)).collect::<BooleanArray>(), false)
        .add("WithinDrs", rows.iter().map(|r| Some(r.within)).collect::<BooleanArray>(), false)
        .finish()
}
