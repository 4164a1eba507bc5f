//! The lap tables: FastF1's laps ([`LapRow`]), tyre stints, the final classification and the
//! lap and sector bests ([`LapMarks`]), each a record batch of the model's rows as they are.

use arrow_array::{RecordBatch, UInt32Array, UInt8Array};
use timing::bests::{lap_marks, LapMarks, MarkedTime};
use timing::lap_row::{lap_start_utc_us, LapRow, Millis};
use timing::tables::{self, ResultRow, StintRow};
use timing::Session;

use crate::arrays::{category, duration_ms, duration_s, f64_from_f32, flags, text, utc_ms, Columns};
use crate::Error;

/// Optional [`Millis`] as milliseconds.
fn ms(v: Option<Millis>) -> Option<i64> {
    v.map(|m| m.0)
}

/// FastF1's `session.laps`: one row per lap in [`timing::lap_row::COLUMNS`]' names and order;
/// times as `Duration(ns)`, `LapStartDate` as `Timestamp(ns, UTC)`, driver, team and compound as
/// dictionaries, `TyreLife` and the speed traps as float64, what the timing did not give as null.
pub fn laps(session: &Session) -> Result<RecordBatch, Error> {
    let rows = LapRow::all(session);
    let t = |f: fn(&LapRow) -> Option<Millis>| duration_ms(rows.iter().map(|r| ms(f(r))));
    let speed = |f: fn(&LapRow) -> Option<f32>| f64_from_f32(rows.iter().map(f));
    Columns::default()
        .add("Driver", category(rows.iter().map(|r| Some(r.driver.as_str()))), false)
        .add("DriverNumber", category(rows.iter().map(|r| Some(r.driver_number.as_str()))), false)
        .add("LapNumber", rows.iter().map(|r| r.lap_number).collect::<UInt32Array>(), false)
        .add("LapTime", t(|r| r.lap_time), true)
        .add("Sector1Time", t(|r| r.sector1_time), true)
        .add("Sector2Time", t(|r| r.sector2_time), true)
        .add("Sector3Time", t(|r| r.sector3_time), true)
        .add("Time", t(|r| r.time), true)
        .add("LapStartTime", t(|r| r.lap_start_time), true)
        .add("PitInTime", t(|r| r.pit_in_time), true)
        .add("PitOutTime", t(|r| r.pit_out_time), true)
        .add("Compound", category(rows.iter().map(|r| r.compound.as_deref())), true)
        .add("TyreLife", speed(|r| r.tyre_life), true)
        .add("Stint", rows.iter().map(|r| r.stint).collect::<UInt32Array>(), true)
        .add("Position", rows.iter().map(|r| r.position).collect::<UInt32Array>(), true)
        .add("Deleted", flags(rows.iter().map(|r| r.deleted)), true)
        .add("IsAccurate", flags(rows.iter().map(|r| Some(r.is_accurate))), false)
        .add("TrackStatus", text(rows.iter().map(|r| r.track_status.as_deref())), true)
        .add("Team", category(rows.iter().map(|r| r.team.as_deref())), true)
        .add("LapStartDate", utc_ms(session.laps.iter().map(|l| lap_start_utc_us(session, l).map(|us| us.div_euclid(1000)))), true)
        .add("Sector1SessionTime", t(|r| r.sector1_session_time), true)
        .add("Sector2SessionTime", t(|r| r.sector2_session_time), true)
        .add("Sector3SessionTime", t(|r| r.sector3_session_time), true)
        .add("SpeedI1", speed(|r| r.speed_i1), true)
        .add("SpeedI2", speed(|r| r.speed_i2), true)
        .add("SpeedFL", speed(|r| r.speed_fl), true)
        .add("SpeedST", speed(|r| r.speed_st), true)
        .add("IsPersonalBest", flags(rows.iter().map(|r| Some(r.is_personal_best))), false)
        .add("FreshTyre", flags(rows.iter().map(|r| r.fresh_tyre)), true)
        .add("DeletedReason", text(rows.iter().map(|r| r.deleted_reason.as_deref())), true)
        .add("FastF1Generated", flags(rows.iter().map(|r| Some(r.fastf1_generated))), false)
        .finish()
}

/// Tyre stints ([`tables::stints`]), one row per driver and stint.
pub fn stints(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<StintRow> = tables::stints(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    let lap = |f: fn(&StintRow) -> u32| rows.iter().map(f).collect::<UInt32Array>();
    Columns::default()
        .add("Driver", category(rows.iter().map(|r| Some(r.tla.as_str()))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("Stint", lap(|r| r.stint), false)
        .add("Compound", category(rows.iter().map(|r| r.compound.as_deref())), true)
        .add("FreshTyre", flags(rows.iter().map(|r| r.fresh)), true)
        .add("FirstLap", lap(|r| r.first_lap), false)
        .add("LastLap", lap(|r| r.last_lap), false)
        .add("Laps", lap(|r| r.laps as u32), false)
        .add("TyreLifeAtStart", rows.iter().map(|r| r.tyre_age_start.map(|a| a as u32)).collect::<UInt32Array>(), true)
        .finish()
}

/// The final classification ([`tables::results`]): FastF1's `Position`, `DriverNumber`,
/// `Abbreviation`, `TeamName`, `Laps`, `Status`, `Q1`-`Q3`, plus `Gap` (to the winner, the
/// fastest of the same part, or the best lap), `RaceTime` (a race's time of a car on the
/// winner's lap), `LapsDown`, `BestLapTime`, `Part` and the typed `StatusCode`.
pub fn results(session: &Session) -> Result<RecordBatch, Error> {
    let rows: Vec<ResultRow> = tables::results(session);
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    // The status as the API's JSON names it (`finished`, `knocked_out`...).
    let codes: Vec<String> = rows
        .iter()
        .map(|r| serde_json::to_value(r.status_code).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .collect();
    let secs = |f: fn(&ResultRow) -> Option<f64>| duration_s(rows.iter().map(f));
    Columns::default()
        .add("Position", rows.iter().map(|r| r.position).collect::<UInt32Array>(), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("Abbreviation", category(rows.iter().map(|r| Some(r.tla.as_str()))), false)
        .add("TeamName", category(rows.iter().map(|r| Some(r.team.as_str()).filter(|t| !t.is_empty()))), true)
        .add("Laps", rows.iter().map(|r| r.laps).collect::<UInt32Array>(), false)
        .add("Gap", secs(|r| r.gap_s), true)
        .add("Status", category(rows.iter().map(|r| r.status.as_deref())), true)
        .add("StatusCode", category(codes.iter().map(|c| Some(c.as_str()))), false)
        .add("RaceTime", secs(|r| r.time_s), true)
        .add("LapsDown", rows.iter().map(|r| r.laps_down).collect::<UInt32Array>(), true)
        .add("BestLapTime", secs(|r| r.best_s), true)
        .add("Part", rows.iter().map(|r| r.part).collect::<UInt8Array>(), true)
        .add("Q1", secs(|r| r.q1_s), true)
        .add("Q2", secs(|r| r.q2_s), true)
        .add("Q3", secs(|r| r.q3_s), true)
        .finish()
}

/// The four marked times of a lap: the lap time, then sectors 1-3, with their column prefixes.
const MARKED: [&str; 4] = ["LapTime", "Sector1Time", "Sector2Time", "Sector3Time"];

/// Marked time `k` ([`MARKED`]) of a lap.
fn marked(m: &LapMarks, k: usize) -> Option<&MarkedTime> {
    if k == 0 {
        m.lap_time.as_ref()
    } else {
        m.sectors[k - 1].as_ref()
    }
}

/// Lap and sector times with the bests the timing showed ([`lap_marks`]): per lap, for the lap
/// time and each sector (`LapTime`, `Sector1Time`...), the time, when it was set (`...SetAt`,
/// session time), whether it was the driver's and the session's best when set (`...IsPersonalBest`,
/// `...IsOverallBest`) and until when (`...PersonalBestUntil`, `...OverallBestUntil`; null while
/// it stays best), and its reign as best again once the timing dropped a faster, deleted lap
/// (`...PersonalBestAgainFrom`/`...Until`, `...OverallBestAgainFrom`/`...Until`; null without one).
pub fn sectors(session: &Session) -> Result<RecordBatch, Error> {
    let rows = lap_marks(session);
    let tla: Vec<String> = rows.iter().map(|m| session.tla(m.driver)).collect();
    let numbers: Vec<String> = rows.iter().map(|r| r.driver.to_string()).collect();
    let mut cols = Columns::default()
        .add("Driver", category(tla.iter().map(|t| Some(t.as_str()))), false)
        .add("DriverNumber", category(numbers.iter().map(|n| Some(n.as_str()))), false)
        .add("LapNumber", rows.iter().map(|m| m.lap).collect::<UInt32Array>(), false)
        .add("Deleted", flags(rows.iter().map(|m| Some(m.deleted))), false);
    for (k, prefix) in MARKED.iter().enumerate() {
        let of = |f: fn(&MarkedTime) -> Option<i64>| duration_ms(rows.iter().map(|m| marked(m, k).and_then(f)));
        let flag = |f: fn(&MarkedTime) -> bool| flags(rows.iter().map(|m| marked(m, k).map(f)));
        cols = cols
            .add(prefix, of(|t| Some(t.time_ms)), true)
            .add(&format!("{prefix}SetAt"), of(|t| Some(t.set_ms)), true)
            .add(&format!("{prefix}IsPersonalBest"), flag(|t| t.personal_best), true)
            .add(&format!("{prefix}PersonalBestUntil"), of(|t| t.personal_best_until_ms), true)
            .add(&format!("{prefix}IsOverallBest"), flag(|t| t.overall_best), true)
            .add(&format!("{prefix}OverallBestUntil"), of(|t| t.overall_best_until_ms), true)
            .add(&format!("{prefix}PersonalBestAgainFrom"), of(|t| t.personal_best_restored.map(|r| r.from_ms)), true)
            .add(&format!("{prefix}PersonalBestAgainUntil"), of(|t| t.personal_best_restored.and_then(|r| r.until_ms)), true)
            .add(&format!("{prefix}OverallBestAgainFrom"), of(|t| t.overall_best_restored.map(|r| r.from_ms)), true)
            .add(&format!("{prefix}OverallBestAgainUntil"), of(|t| t.overall_best_restored.and_then(|r| r.until_ms)), true);
    }
    cols.finish()
}
