//! The laps table in FastF1's columns, as CSV or aligned text.

use timing::laps::Lap;
use timing::Session;

/// FastF1's `Laps` columns, in its order.
pub const COLUMNS: [&str; 31] = [
    "Driver",
    "DriverNumber",
    "LapNumber",
    "LapTime",
    "Sector1Time",
    "Sector2Time",
    "Sector3Time",
    "Time",
    "LapStartTime",
    "PitInTime",
    "PitOutTime",
    "Compound",
    "TyreLife",
    "Stint",
    "Position",
    "Deleted",
    "IsAccurate",
    "TrackStatus",
    "Team",
    "LapStartDate",
    "Sector1SessionTime",
    "Sector2SessionTime",
    "Sector3SessionTime",
    "SpeedI1",
    "SpeedI2",
    "SpeedFL",
    "SpeedST",
    "IsPersonalBest",
    "FreshTyre",
    "DeletedReason",
    "FastF1Generated",
];

/// Milliseconds as decimal seconds (`77.306`), empty when absent.
pub fn secs(ms: Option<i64>) -> String {
    match ms {
        None => String::new(),
        Some(ms) => {
            let sign = if ms < 0 { "-" } else { "" };
            let a = ms.abs();
            let s = format!("{sign}{}.{:03}", a / 1000, a % 1000);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn date(session: &Session, ms: Option<i64>) -> String {
    match (session.t0_utc_us, ms) {
        (Some(t0), Some(ms)) => feed::time::format_utc_us(t0 + ms * 1000).trim_end_matches('Z').to_string(),
        _ => String::new(),
    }
}

/// One lap as FastF1-style CSV fields.
pub fn row(session: &Session, l: &Lap) -> Vec<String> {
    let d = session.driver(l.driver);
    vec![
        d.map(|d| d.tla.clone()).unwrap_or_default(),
        l.driver.to_string(),
        format!("{:.1}", l.lap_number as f64),
        secs(l.lap_time_ms),
        secs(l.sector_ms[0]),
        secs(l.sector_ms[1]),
        secs(l.sector_ms[2]),
        secs(l.time_ms),
        secs(l.lap_start_ms),
        secs(l.pit_in_ms),
        secs(l.pit_out_ms),
        l.compound.clone(),
        opt(l.tyre_life.map(|t| format!("{t:.1}"))),
        opt(l.stint.map(|s| format!("{s}.0"))),
        opt(l.position.map(|p| format!("{p}.0"))),
        l.deleted.map(py_bool).unwrap_or_default().to_string(),
        py_bool(l.is_accurate).to_string(),
        l.track_status.clone(),
        d.map(|d| d.team_name.clone()).unwrap_or_default(),
        date(session, l.lap_start_ms),
        secs(l.sector_session_ms[0]),
        secs(l.sector_session_ms[1]),
        secs(l.sector_session_ms[2]),
        opt(l.speed_kph[0].map(|v| format!("{v:.1}"))),
        opt(l.speed_kph[1].map(|v| format!("{v:.1}"))),
        opt(l.speed_kph[2].map(|v| format!("{v:.1}"))),
        opt(l.speed_kph[3].map(|v| format!("{v:.1}"))),
        py_bool(l.is_personal_best).to_string(),
        l.fresh_tyre.map(py_bool).unwrap_or_default().to_string(),
        l.deleted_reason.clone(),
        py_bool(l.generated).to_string(),
    ]
}

/// Quotes a CSV field when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes the laps table as CSV.
pub fn write_csv(session: &Session, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    for l in &session.laps {
        let fields: Vec<String> = row(session, l).iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

/// Writes a readable table of the main columns.
pub fn write_text(session: &Session, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<4} {:>3} {:>9} {:>8} {:>8} {:>8} {:>10} {:>9} {:>9} {:<12} {:>4} {:>5} {:>3} {:<3}",
        "DRV", "LAP", "LAPTIME", "S1", "S2", "S3", "TIME", "PIT IN", "PIT OUT", "COMPOUND", "LIFE", "STINT", "POS", "DEL"
    )?;
    for l in &session.laps {
        let tla = session.driver(l.driver).map(|d| d.tla.clone()).unwrap_or_else(|| l.driver.to_string());
        writeln!(
            out,
            "{:<4} {:>3} {:>9} {:>8} {:>8} {:>8} {:>10} {:>9} {:>9} {:<12} {:>4} {:>5} {:>3} {:<3}",
            tla,
            l.lap_number,
            secs(l.lap_time_ms),
            secs(l.sector_ms[0]),
            secs(l.sector_ms[1]),
            secs(l.sector_ms[2]),
            secs(l.time_ms),
            secs(l.pit_in_ms),
            secs(l.pit_out_ms),
            l.compound,
            opt(l.tyre_life),
            opt(l.stint),
            opt(l.position),
            if l.deleted == Some(true) { "DEL" } else { "" }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_formatted_like_fastf1() {
        assert_eq!(secs(Some(77_306)), "77.306");
        assert_eq!(secs(Some(1_250_350)), "1250.35");
        assert_eq!(secs(Some(1_000)), "1");
        assert_eq!(secs(None), "");
    }
}
