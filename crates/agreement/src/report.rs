//! The reports as text, for `f1replay check`.

use crate::{Agreement, LapsReport, TelemetryReport};
use std::fmt;

/// Mismatches listed per field; the rest are counted.
const LISTED: usize = 20;

impl fmt::Display for LapsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "laps: {} here, {} in FastF1, {} in both, {} only here, {} only in FastF1",
            self.ours, self.fastf1, self.matched, self.only_ours, self.only_fastf1
        )?;
        for (d, a, b) in &self.count_differs {
            writeln!(f, "  lap count differs: driver {d}: {a} laps here, {b} in FastF1")?;
        }
        writeln!(
            f,
            "all timed fields equal to the ms: {}/{} laps ({:.2}%)",
            self.all_timed_equal,
            self.matched,
            self.timed_share() * 100.0
        )?;
        for a in &self.fields {
            writeln!(f, "  {:<12} {:>5}/{:<5} {:.2}%", a.field, a.equal, a.total, 100.0 * a.equal as f64 / a.total.max(1) as f64)?;
            for m in a.mismatches.iter().take(LISTED) {
                writeln!(f, "      driver {} lap {}: {} here {:?}, FastF1 {:?}", m.driver, m.lap, a.field, m.ours, m.fastf1)?;
            }
            if a.mismatches.len() > LISTED {
                writeln!(f, "      ... {} more", a.mismatches.len() - LISTED)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for TelemetryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.missing_here {
            writeln!(f, "  driver {d}: no telemetry here")?;
        }
        for l in &self.laps {
            writeln!(
                f,
                "  driver {:>2} lap {:>2}: speed {}/{} within 1 km/h, X/Y {}/{} within 1 m (worst {:.2} m), distance {:.1} m vs {:.1} m ({:.3}%)",
                l.driver,
                l.lap,
                l.speed_equal,
                l.speed_total,
                l.xy_equal,
                l.xy_total,
                l.worst_xy_m,
                l.distance_m.unwrap_or(f64::NAN),
                l.fastf1_distance_m,
                l.distance_difference() * 100.0
            )?;
        }
        let (cars, positions): (usize, usize) = self.laps.iter().fold((0, 0), |(c, p), l| (c + l.speed_total, p + l.xy_total));
        writeln!(
            f,
            "telemetry: speed within 1 km/h at {cars} car samples ({:.2}%), X/Y within 1 m at {positions} position samples ({:.2}%), worst lap distance difference {:.3}%",
            self.speed_share() * 100.0,
            self.xy_share() * 100.0,
            self.worst_distance_difference() * 100.0
        )
    }
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.laps)?;
        if let Some(t) = &self.telemetry {
            write!(f, "{t}")?;
        }
        match self.failures() {
            v if v.is_empty() => writeln!(f, "agrees with FastF1"),
            v => writeln!(f, "disagrees with FastF1: {}", v.join("; ")),
        }
    }
}
