//! The laps table as CSV (FastF1's columns, [`timing::lap_row`]) or aligned text.

use timing::lap_row::{seconds_text, LapRow, COLUMNS};
use timing::Session;

/// Milliseconds as decimal seconds (`77.306`), empty when absent.
pub fn secs(ms: Option<i64>) -> String {
    ms.map(seconds_text).unwrap_or_default()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
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
    for row in LapRow::all(session) {
        let fields: Vec<String> = row.csv_fields().iter().map(|f| csv_field(f)).collect();
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
        let tla = session.tla(l.driver);
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
