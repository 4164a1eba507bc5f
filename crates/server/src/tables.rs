//! The JSON tables of a session, derived from its model (docs/API.md): laps (FastF1's columns,
//! times in seconds), stints, results, sectors, lap telemetry by distance, weather, race control
//! and track status. Each is a pure function of the [`Model`]; the store computes it once per
//! session and caches the bytes.

use serde_json::{json, Value};
use timing::laps::Lap;
use timing::Session;

use crate::error::ApiError;
use crate::store::Model;

/// Milliseconds as seconds.
fn s(ms: Option<i64>) -> Value {
    ms.map(|ms| json!(ms as f64 / 1000.0)).unwrap_or(Value::Null)
}

/// A string, or null when empty.
fn text(v: &str) -> Value {
    if v.is_empty() {
        Value::Null
    } else {
        Value::from(v)
    }
}

fn tla(session: &Session, number: u16) -> String {
    session.driver(number).map(|d| d.tla.clone()).unwrap_or_else(|| number.to_string())
}

/// The laps table with FastF1's column names, one object per lap.
pub fn laps(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    let date = |ms: Option<i64>| match (session.t0_utc_us, ms) {
        (Some(t0), Some(ms)) => Value::from(feed::time::format_utc_us(t0 + ms * 1000)),
        _ => Value::Null,
    };
    let speed = |v: Option<f32>| v.map(|v| json!(v)).unwrap_or(Value::Null);
    let rows: Vec<Value> = session
        .laps
        .iter()
        .map(|l| {
            let d = session.driver(l.driver);
            json!({
                "Driver": tla(session, l.driver),
                "DriverNumber": l.driver.to_string(),
                "LapNumber": l.lap_number,
                "LapTime": s(l.lap_time_ms),
                "Sector1Time": s(l.sector_ms[0]),
                "Sector2Time": s(l.sector_ms[1]),
                "Sector3Time": s(l.sector_ms[2]),
                "Time": s(l.time_ms),
                "LapStartTime": s(l.lap_start_ms),
                "PitInTime": s(l.pit_in_ms),
                "PitOutTime": s(l.pit_out_ms),
                "Compound": text(&l.compound),
                "TyreLife": l.tyre_life,
                "Stint": l.stint,
                "Position": l.position,
                "Deleted": l.deleted,
                "IsAccurate": l.is_accurate,
                "TrackStatus": text(&l.track_status),
                "Team": d.map(|d| text(&d.team_name)).unwrap_or(Value::Null),
                "LapStartDate": date(l.lap_start_ms),
                "Sector1SessionTime": s(l.sector_session_ms[0]),
                "Sector2SessionTime": s(l.sector_session_ms[1]),
                "Sector3SessionTime": s(l.sector_session_ms[2]),
                "SpeedI1": speed(l.speed_kph[0]),
                "SpeedI2": speed(l.speed_kph[1]),
                "SpeedFL": speed(l.speed_kph[2]),
                "SpeedST": speed(l.speed_kph[3]),
                "IsPersonalBest": l.is_personal_best,
                "FreshTyre": l.fresh_tyre,
                "DeletedReason": text(&l.deleted_reason),
                "FastF1Generated": l.generated,
            })
        })
        .collect();
    Ok(Value::Array(rows))
}

/// Laps of one driver, by lap number.
fn driver_laps(session: &Session, number: u16) -> Vec<&Lap> {
    let mut laps: Vec<&Lap> = session.laps.iter().filter(|l| l.driver == number).collect();
    laps.sort_by_key(|l| l.lap_number);
    laps
}

/// Tyre stints per driver: compound, fresh or used, first and last lap, tyre age at the start.
pub fn stints(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    let mut out = Vec::new();
    for d in &session.drivers {
        let laps = driver_laps(session, d.number);
        let mut i = 0;
        while i < laps.len() {
            let Some(stint) = laps[i].stint else {
                i += 1;
                continue;
            };
            let start = i;
            while i < laps.len() && laps[i].stint == Some(stint) {
                i += 1;
            }
            let run = &laps[start..i];
            let first = run[0];
            let compound = run.iter().map(|l| l.compound.as_str()).find(|c| !c.is_empty()).unwrap_or("");
            out.push(json!({
                "driver": d.number,
                "tla": d.tla,
                "stint": stint,
                "compound": text(compound),
                "fresh": first.fresh_tyre,
                "first_lap": first.lap_number,
                "last_lap": run[run.len() - 1].lap_number,
                "laps": run.len(),
                // TyreLife counts the laps on the set at the end of a lap, so the first lap of
                // a fresh set says 1.
                "tyre_age_start": first.tyre_life.map(|t| (t - 1.0).max(0.0).round() as i64),
            }));
        }
    }
    Ok(Value::Array(out))
}

/// The classification: race-like sessions by laps completed then time; qualifying by the
/// deepest part reached then the best time in it; practice by best lap; none without timing.
pub fn results(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    // Without the timing there is no classification to give (the manifest's coverage says so).
    if !replay::manifest::Coverage::has_timing(session) {
        return Ok(Value::Array(Vec::new()));
    }
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

/// Sector times per lap with personal-best and overall-best flags, as a timing screen shows
/// them when each sector was set (green / purple): deleted laps never set a best.
pub fn sectors(m: &Model) -> Result<Value, ApiError> {
    let session = &m.session;
    // (when, lap index, sector)
    let mut events: Vec<(i64, usize, usize)> = Vec::new();
    for (i, l) in session.laps.iter().enumerate() {
        for k in 0..3 {
            if l.sector_ms[k].is_some() {
                let when = l.sector_session_ms[k].or(l.time_ms).or(l.lap_start_ms).unwrap_or(i64::MAX);
                events.push((when, i, k));
            }
        }
    }
    events.sort_unstable();
    let mut personal: std::collections::HashMap<(u16, usize), i64> = std::collections::HashMap::new();
    let mut overall: [Option<i64>; 3] = [None; 3];
    let mut flags = vec![[[false; 3]; 2]; session.laps.len()];
    for (_, i, k) in events {
        let l = &session.laps[i];
        let (Some(t), false) = (l.sector_ms[k], l.deleted == Some(true)) else { continue };
        let pb = personal.entry((l.driver, k)).or_insert(i64::MAX);
        if t <= *pb {
            *pb = t;
            flags[i][0][k] = true;
        }
        if overall[k].is_none_or(|o| t <= o) {
            overall[k] = Some(t);
            flags[i][1][k] = true;
        }
    }
    let rows: Vec<Value> = session
        .laps
        .iter()
        .zip(flags)
        .map(|(l, f)| {
            json!({
                "driver": l.driver,
                "tla": tla(session, l.driver),
                "lap": l.lap_number,
                "s1_s": s(l.sector_ms[0]),
                "s2_s": s(l.sector_ms[1]),
                "s3_s": s(l.sector_ms[2]),
                "personal_best": f[0],
                "overall_best": f[1],
                "deleted": l.deleted == Some(true),
            })
        })
        .collect();
    Ok(Value::Array(rows))
}

/// One lap of one driver by distance: the telemetry rows between the lap's start and end, with
/// the distance integrated from speed (as FastF1's `add_distance`), times from the lap start.
pub fn telemetry(m: &Model, driver: u16, lap: u32) -> Result<Value, ApiError> {
    let session = &m.session;
    if session.driver(driver).is_none() {
        return Err(ApiError::not_found(format!("no driver {driver} in this session")));
    }
    let Some(l) = session.laps.iter().find(|l| l.driver == driver && l.lap_number == lap) else {
        let last = session.laps.iter().filter(|l| l.driver == driver).map(|l| l.lap_number).max().unwrap_or(0);
        return Err(ApiError::not_found(format!("driver {driver} has no lap {lap} (laps 1..={last})")));
    };
    let (Some(start), Some(end)) = (l.lap_start_ms, l.time_ms) else {
        return Err(ApiError::not_found(format!("lap {lap} of driver {driver} has no start or end time")));
    };
    let Some(tel) = session.telemetry_of(driver) else {
        return Err(ApiError::not_found(format!("driver {driver} has no telemetry")));
    };
    let (a, b) = (tel.index_at(start), tel.index_at(end + 1));
    if a >= b {
        return Err(ApiError::not_found(format!("no telemetry samples during lap {lap} of driver {driver}")));
    }
    let mut distance = Vec::with_capacity(b - a);
    let mut d = 0.0f64;
    let mut last_speed = 0.0f64;
    for i in a..b {
        let v = tel.speed_kph[i] as f64;
        let v = if v.is_finite() { v } else { last_speed };
        if i > a {
            let dt = (tel.t_ms[i] - tel.t_ms[i - 1]) as f64 / 1000.0;
            d += (v + last_speed) / 2.0 / 3.6 * dt;
        }
        last_speed = v;
        distance.push((d * 10.0).round() / 10.0);
    }
    let distance_at = |t: Option<i64>| -> Value {
        let Some(t) = t else { return Value::Null };
        let k = tel.t_ms[a..b].partition_point(|&x| x < t);
        distance.get(k.min(distance.len() - 1)).map(|d| json!(d)).unwrap_or(Value::Null)
    };
    let col_f = |c: &[f32]| c[a..b].to_vec();
    Ok(json!({
        "driver": driver,
        "lap": lap,
        "distance_m": distance,
        "t_s": tel.t_ms[a..b].iter().map(|t| (t - start) as f64 / 1000.0).collect::<Vec<_>>(),
        "speed": col_f(&tel.speed_kph),
        "throttle": col_f(&tel.throttle_pct),
        "brake": tel.brake[a..b].iter().map(|&b| b as u8).collect::<Vec<_>>(),
        "gear": tel.gear[a..b].to_vec(),
        "rpm": col_f(&tel.rpm),
        "drs": tel.drs[a..b].to_vec(),
        "x": col_f(&tel.x_m),
        "y": col_f(&tel.y_m),
        "lap_time_s": s(l.lap_time_ms),
        "sector_distances_m": [distance_at(l.sector_session_ms[0]), distance_at(l.sector_session_ms[1])],
    }))
}

/// Weather samples in session time.
pub fn weather(m: &Model) -> Result<Value, ApiError> {
    Ok(Value::Array(
        m.session
            .weather
            .iter()
            .map(|w| {
                let v = &w.value;
                json!({
                    "t_s": w.t_ms as f64 / 1000.0,
                    "air_c": v.air_temp_c,
                    "track_c": v.track_temp_c,
                    "humidity": v.humidity_pct,
                    "pressure": v.pressure_mbar,
                    "rain": v.rainfall,
                    "wind_dir": v.wind_direction_deg,
                    "wind_ms": v.wind_speed_ms,
                })
            })
            .collect(),
    ))
}

/// Race control messages in session time.
pub fn race_control(m: &Model) -> Result<Value, ApiError> {
    Ok(Value::Array(
        m.session
            .race_control
            .iter()
            .map(|e| {
                let r = &e.message;
                json!({
                    "t_s": e.t_ms as f64 / 1000.0,
                    "category": text(&r.category),
                    "flag": text(&r.flag),
                    "scope": text(&r.scope),
                    "sector": r.sector,
                    "driver": r.racing_number,
                    "lap": r.lap,
                    "status": text(&r.status),
                    "message": r.message,
                })
            })
            .collect(),
    ))
}

/// What a track status code means.
pub fn track_status_label(status: u8) -> &'static str {
    match status {
        1 => "Clear",
        2 => "Yellow",
        4 => "SC",
        5 => "Red",
        6 => "VSC",
        7 => "VSC ending",
        _ => "Unknown",
    }
}

/// Track status intervals (the last one has `end_s: null`: it lasts to the end).
pub fn track_status(m: &Model) -> Result<Value, ApiError> {
    Ok(Value::Array(
        m.session
            .track_status
            .iter()
            .map(|iv| {
                json!({
                    "start_s": iv.start_ms as f64 / 1000.0,
                    "end_s": s(iv.end_ms),
                    "status": iv.status,
                    "label": track_status_label(iv.status),
                })
            })
            .collect(),
    ))
}
