//! The small topics, written from the session log: SessionInfo, SessionStatus, TrackStatus,
//! LapCount, RaceControlMessages, WeatherData, Heartbeat, ExtrapolatedClock; and the list of
//! every non-telemetry file of a session (the patch topics are in [`crate::timing_data`]).

use serde_json::{json, Map, Value};

use crate::calendar::{self, SessionDate, TICKS_PER_MS};
use crate::format::{self, StreamFile};
use crate::log::{SessionLog, Status};
use crate::rng::Rng;
use crate::timing_data::TimingWriter;
use crate::world::World;
use crate::SessionKind;

/// All written topic files for a session: (file name, bytes).
pub(crate) fn write_all(w: &World, log: &SessionLog, kind: SessionKind, cal: &SessionDate, seed: &Rng) -> Vec<(String, Vec<u8>)> {
    let numbers: Vec<String> = w.field.drivers.iter().map(|d| d.number.clone()).collect();
    let mut files = Vec::new();
    let timing = TimingWriter::run(w, log, kind, &numbers);
    files.push(("TimingData.jsonStream".to_string(), timing.timing));
    files.push(("TimingAppData.jsonStream".to_string(), timing.app));
    files.push(("DriverList.jsonStream".to_string(), timing.driver_list));
    files.push(("TimingStats.jsonStream".to_string(), timing.stats));
    files.push(("SessionInfo.jsonStream".to_string(), session_info(log, kind, cal)));
    files.push(("SessionStatus.jsonStream".to_string(), session_status(log)));
    files.push(("TrackStatus.jsonStream".to_string(), track_status(log)));
    if kind.is_race_like() {
        files.push(("LapCount.jsonStream".to_string(), lap_count(log)));
    }
    files.push(("RaceControlMessages.jsonStream".to_string(), race_control(log, kind, cal)));
    files.push(("WeatherData.jsonStream".to_string(), weather(log)));
    files.push(("Heartbeat.jsonStream".to_string(), heartbeat(log, cal, &mut seed.fork(40))));
    files.push(("ExtrapolatedClock.jsonStream".to_string(), clock(log, cal)));
    files
}

fn session_info(log: &SessionLog, kind: SessionKind, cal: &SessionDate) -> Vec<u8> {
    let mut f = StreamFile::new();
    let info = |status: &str| -> String {
        let mut v = json!({
            "Meeting": {
                "Key": 1299,
                "Name": calendar::EVENT_NAME,
                "OfficialName": calendar::OFFICIAL_NAME,
                "Location": "Simulation Park",
                "Number": 12,
                "Country": {"Key": 999, "Code": "SIM", "Name": "Simland"},
                "Circuit": {"Key": 999, "ShortName": "Simulation Park"}
            },
            "SessionStatus": status,
            "ArchiveStatus": {"Status": "Generating"},
            "Key": cal.key,
            "Type": cal.kind_name,
            "Name": cal.name,
            "StartDate": cal.start_date(),
            "EndDate": cal.end_date(),
            "GmtOffset": calendar::GMT_OFFSET,
            "Path": cal.path()
        });
        if let (Some(n), Some(obj)) = (cal.number, v.as_object_mut()) {
            obj.insert("Number".to_string(), json!(n));
        }
        v.to_string()
    };
    let _ = kind;
    f.line(0, &info("Inactive"));
    f.line(log.start_ms, &info("Started"));
    if let Some(&(t, _)) = log.status.iter().find(|s| s.1 == Status::Finalised) {
        f.line(t, &info("Finalised"));
    }
    f.into_bytes()
}

fn session_status(log: &SessionLog) -> Vec<u8> {
    let mut f = StreamFile::new();
    let mut started = "Inactive";
    for &(t, s) in &log.status {
        match s {
            Status::Started => started = "Started",
            Status::Finished => started = "Finished",
            _ => {}
        }
        f.line(t, &json!({"Status": s.name(), "Started": started}).to_string());
    }
    f.into_bytes()
}

fn track_status(log: &SessionLog) -> Vec<u8> {
    let mut f = StreamFile::new();
    for &(t, code, msg) in &log.track_status {
        f.line(t, &json!({"Status": code.to_string(), "Message": msg}).to_string());
    }
    f.into_bytes()
}

fn lap_count(log: &SessionLog) -> Vec<u8> {
    let mut f = StreamFile::new();
    for (i, &(t, lap)) in log.lap_count.iter().enumerate() {
        let v = if i == 0 { json!({"CurrentLap": lap, "TotalLaps": log.total_laps.unwrap_or(0)}) } else { json!({"CurrentLap": lap}) };
        f.line(t, &v.to_string());
    }
    f.into_bytes()
}

fn race_control(log: &SessionLog, kind: SessionKind, cal: &SessionDate) -> Vec<u8> {
    let mut f = StreamFile::new();
    for (i, m) in log.rcm.iter().enumerate() {
        let mut o = Map::new();
        let utc = calendar::utc_seconds(cal.t0_ticks + (m.t - 250) * TICKS_PER_MS);
        o.insert("Utc".into(), json!(utc));
        if kind.is_race_like() {
            if let Some(l) = m.lap {
                o.insert("Lap".into(), json!(l));
            }
        }
        o.insert("Category".into(), json!(m.category));
        if let Some(v) = m.flag {
            o.insert("Flag".into(), json!(v));
        }
        if let Some(v) = m.scope {
            o.insert("Scope".into(), json!(v));
        }
        if let Some(v) = m.sector {
            o.insert("Sector".into(), json!(v));
        }
        if let Some(v) = m.status {
            o.insert("Status".into(), json!(v));
        }
        if let Some(v) = m.mode {
            o.insert("Mode".into(), json!(v));
        }
        if let Some(v) = &m.racing_number {
            o.insert("RacingNumber".into(), json!(v));
        }
        o.insert("Message".into(), json!(m.message));
        let msgs = if i == 0 {
            json!([Value::Object(o)])
        } else {
            let mut d = Map::new();
            d.insert(i.to_string(), Value::Object(o));
            Value::Object(d)
        };
        f.line(m.t, &json!({ "Messages": msgs }).to_string());
    }
    f.into_bytes()
}

fn weather(log: &SessionLog) -> Vec<u8> {
    let mut f = StreamFile::new();
    for s in &log.weather {
        let v = json!({
            "AirTemp": format!("{:.1}", s.air_temp),
            "Humidity": format!("{:.1}", s.humidity.round()),
            "Pressure": format!("{:.1}", s.pressure),
            "Rainfall": if s.rainfall { "1" } else { "0" },
            "TrackTemp": format!("{:.1}", s.track_temp),
            "WindDirection": s.wind_direction.to_string(),
            "WindSpeed": format!("{:.1}", s.wind_speed),
        });
        f.line(s.t, &v.to_string());
    }
    f.into_bytes()
}

fn heartbeat(log: &SessionLog, cal: &SessionDate, rng: &mut Rng) -> Vec<u8> {
    let mut f = StreamFile::new();
    let mut t = 15_195;
    while t < log.end_ms {
        let lag_ticks = rng.int(1_000_000, 3_000_000); // 100-300 ms
        let utc = calendar::utc7(cal.t0_ticks + t * TICKS_PER_MS - lag_ticks);
        f.line(t, &json!({ "Utc": utc }).to_string());
        t += 15_000 + rng.int(-120, 120);
    }
    f.into_bytes()
}

fn clock(log: &SessionLog, cal: &SessionDate) -> Vec<u8> {
    let mut f = StreamFile::new();
    for &(t, remaining, extrapolating) in &log.clock {
        let utc = calendar::utc_ms(cal.t0_ticks + (t - 120) * TICKS_PER_MS);
        let v = json!({"Utc": utc, "Remaining": format::hms(remaining), "Extrapolating": extrapolating});
        f.line(t, &v.to_string());
    }
    f.into_bytes()
}
