//! The telemetry tables: every car and position sample of the session on its own time base
//! (FastF1's `session.car_data` and `session.pos_data`, all drivers in one table), and laps by
//! distance ([`timing::tables::lap_trace`], FastF1's `Lap.get_telemetry()`).

use arrow_array::{BooleanArray, Float64Array, Int32Array, RecordBatch, UInt16Array, UInt32Array, UInt8Array};
use feed::telemetry::{CarSamples, PositionSamples};
use feed::FeedSession;
use timing::tables::{lap_trace, LapTrace};
use timing::telemetry::round_us_to_ms;
use timing::Session;

use crate::arrays::{category, coded, duration_ms, duration_s, f32_or_null, utc_ms, Columns};
use crate::Error;

/// The drivers of `session` that have samples in `by_driver`, in racing-number order (FastF1
/// keeps the session's drivers only: one declared late is not one of them).
fn drivers<'a, T>(session: &Session, by_driver: &'a std::collections::BTreeMap<u16, T>) -> Vec<(u16, &'a T)> {
    by_driver.iter().filter(|(n, _)| session.driver(**n).is_some()).map(|(n, s)| (*n, s)).collect()
}

/// t0 in ms: the samples' session times need it.
fn t0_ms(session: &Session, table: &'static str) -> Result<i64, Error> {
    session
        .t0_utc_us
        .map(|us| us / 1000)
        .ok_or(Error::Missing { table, why: "the session has no time zero (no car or position sample)".into() })
}

/// The `Driver`, `DriverNumber`, `Date` and `SessionTime` columns of samples taken at `utc_us`
/// (per driver), with `Date` rounded to the ms as FastF1 rounds it.
fn time_columns(session: &Session, t0_ms: i64, per_driver: &[(u16, &[i64])]) -> Result<Columns, Error> {
    let keys: Vec<i32> = per_driver.iter().enumerate().flat_map(|(k, (_, utc))| std::iter::repeat_n(k as i32, utc.len())).collect();
    let date: Vec<i64> = per_driver.iter().flat_map(|(_, utc)| utc.iter().map(|&u| round_us_to_ms(u))).collect();
    let tla: Vec<String> = per_driver.iter().map(|(n, _)| session.tla(*n)).collect();
    let numbers: Vec<String> = per_driver.iter().map(|(n, _)| n.to_string()).collect();
    Ok(Columns::default()
        .add("Driver", coded(keys.clone(), tla.iter().map(String::as_str).collect())?, false)
        .add("DriverNumber", coded(keys, numbers.iter().map(String::as_str).collect())?, false)
        .add("Date", utc_ms(date.iter().map(|&d| Some(d))), false)
        .add("SessionTime", duration_ms(date.iter().map(|&d| Some(d - t0_ms))), false))
}

/// FastF1's `car_data` of every driver, one row per decoded sample in stream order: `Driver`,
/// `DriverNumber`, `Date`, `SessionTime`, `Speed` (km/h), `RPM`, `nGear`, `Throttle` (%),
/// `Brake`, `DRS` (the channel's value), `Source` (`car`). Integers keep the feed's widths.
pub fn car_data(session: &Session, feed: &FeedSession) -> Result<RecordBatch, Error> {
    let t0 = t0_ms(session, "car_data")?;
    let cars: Vec<(u16, &CarSamples)> = drivers(session, &feed.car_data.drivers);
    let times: Vec<(u16, &[i64])> = cars.iter().map(|(n, c)| (*n, c.utc_us.as_slice())).collect();
    let all = |f: fn(&CarSamples) -> &[u16]| cars.iter().flat_map(|(_, c)| f(c).iter().copied()).collect::<UInt16Array>();
    let bytes = |f: fn(&CarSamples) -> &[u8]| cars.iter().flat_map(|(_, c)| f(c).iter().copied()).collect::<UInt8Array>();
    let rows: usize = cars.iter().map(|(_, c)| c.len()).sum();
    time_columns(session, t0, &times)?
        .add("Speed", all(|c| &c.speed_kph), false)
        .add("RPM", all(|c| &c.rpm), false)
        .add("nGear", bytes(|c| &c.gear), false)
        .add("Throttle", bytes(|c| &c.throttle_pct), false)
        .add("Brake", cars.iter().flat_map(|(_, c)| c.brake.iter().map(|&b| Some(b != 0))).collect::<BooleanArray>(), false)
        .add("DRS", bytes(|c| &c.drs), false)
        .add("Source", coded(vec![0; rows], vec!["car"])?, false)
        .finish()
}

/// FastF1's `pos_data` of every driver, one row per decoded sample in stream order: `Driver`,
/// `DriverNumber`, `Date`, `SessionTime`, `Status` (`OnTrack`/`OffTrack`), `X`, `Y`, `Z` (1/10 m,
/// FastF1's unit; null where the feed sent 0, 0, 0 for a car it had no position for),
/// `Source` (`pos`).
pub fn pos_data(session: &Session, feed: &FeedSession) -> Result<RecordBatch, Error> {
    let t0 = t0_ms(session, "pos_data")?;
    let cars: Vec<(u16, &PositionSamples)> = drivers(session, &feed.position.drivers);
    let times: Vec<(u16, &[i64])> = cars.iter().map(|(n, p)| (*n, p.utc_us.as_slice())).collect();
    let coord = |f: fn(&PositionSamples) -> &[i32]| {
        cars.iter().flat_map(|(_, p)| f(p).iter().enumerate().map(|(i, &v)| p.is_placed(i).then_some(v))).collect::<Int32Array>()
    };
    let status: Vec<i32> = cars.iter().flat_map(|(_, p)| p.on_track.iter().map(|&on| i32::from(!on))).collect();
    let rows: usize = cars.iter().map(|(_, p)| p.len()).sum();
    time_columns(session, t0, &times)?
        .add("Status", coded(status, vec!["OnTrack", "OffTrack"])?, false)
        .add("X", coord(|p| &p.x_dm), true)
        .add("Y", coord(|p| &p.y_dm), true)
        .add("Z", coord(|p| &p.z_dm), true)
        .add("Source", coded(vec![0; rows], vec!["pos"])?, false)
        .finish()
}

/// Laps by distance, stacked: per lap its merged car and position channels from the lap's start
/// to its end ([`lap_trace`]): `Driver`, `DriverNumber`, `LapNumber`, `Time` (from the lap's
/// start), `Distance` (m, from the lap's start), `Speed`, `RPM`, `Throttle`, `nGear`, `Brake`,
/// `DRS`, `X`, `Y` (1/10 m as FastF1's; null in gaps). `laps` are (driver, lap number) pairs.
pub fn lap_telemetry(session: &Session, laps: &[(u16, u32)]) -> Result<RecordBatch, Error> {
    let traces = laps
        .iter()
        .map(|&(d, l)| lap_trace(session, d, l).map_err(|e| Error::Missing { table: "telemetry", why: e.to_string() }))
        .collect::<Result<Vec<LapTrace>, Error>>()?;
    stack(session, &traces)
}

/// Every driver's fastest lap ([`timing::bests::fastest_lap`], FastF1's `pick_fastest()`) by
/// distance, as [`lap_telemetry`], in the session's driver order; with what could not be traced
/// (a driver without a timed lap, a lap without telemetry), in words.
pub fn fastest_lap_telemetry(session: &Session) -> Result<(RecordBatch, Vec<String>), Error> {
    let mut skipped = Vec::new();
    let mut traces = Vec::new();
    for d in &session.drivers {
        match timing::bests::fastest_lap(session, d.number) {
            None => skipped.push(format!("driver {} has no timed personal best lap", d.number)),
            Some(l) => match lap_trace(session, d.number, l.lap_number) {
                Ok(t) => traces.push(t),
                Err(e) => skipped.push(e.to_string()),
            },
        }
    }
    Ok((stack(session, &traces)?, skipped))
}

/// Traces stacked into one table.
fn stack(session: &Session, traces: &[LapTrace]) -> Result<RecordBatch, Error> {
    let rows: Vec<(&LapTrace, usize)> = traces.iter().flat_map(|t| (0..t.t_s.len()).map(move |i| (t, i))).collect();
    let tla: Vec<String> = traces.iter().map(|t| session.tla(t.driver)).collect();
    let numbers: Vec<String> = traces.iter().map(|t| t.driver.to_string()).collect();
    fn per_trace<'a>(traces: &[LapTrace], v: &'a [String]) -> Vec<&'a str> {
        traces.iter().zip(v).flat_map(|(t, s)| std::iter::repeat_n(s.as_str(), t.t_s.len())).collect()
    }
    let decimetres = |f: fn(&LapTrace) -> &[f32]| f32_or_null(rows.iter().map(|(t, i)| f(t)[*i] * 10.0));
    Columns::default()
        .add("Driver", category(per_trace(traces, &tla).into_iter().map(Some)), false)
        .add("DriverNumber", category(per_trace(traces, &numbers).into_iter().map(Some)), false)
        .add("LapNumber", rows.iter().map(|(t, _)| t.lap).collect::<UInt32Array>(), false)
        .add("Time", duration_s(rows.iter().map(|(t, i)| Some(t.t_s[*i]))), false)
        .add("Distance", rows.iter().map(|(t, i)| t.distance_m[*i]).collect::<Float64Array>(), false)
        .add("Speed", f32_or_null(rows.iter().map(|(t, i)| t.speed[*i])), true)
        .add("RPM", f32_or_null(rows.iter().map(|(t, i)| t.rpm[*i])), true)
        .add("Throttle", f32_or_null(rows.iter().map(|(t, i)| t.throttle[*i])), true)
        .add("nGear", rows.iter().map(|(t, i)| t.gear[*i]).collect::<UInt8Array>(), false)
        .add("Brake", rows.iter().map(|(t, i)| Some(t.brake[*i] != 0)).collect::<BooleanArray>(), false)
        .add("DRS", rows.iter().map(|(t, i)| t.drs[*i]).collect::<UInt8Array>(), false)
        .add("X", decimetres(|t| &t.x), true)
        .add("Y", decimetres(|t| &t.y), true)
        .finish()
}
