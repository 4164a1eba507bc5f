//! Differential checks of f1replay's session model against FastF1's output, as typed reports.
//!
//! FastF1 is the reference for turning the feed into laps and telemetry (docs/FEED.md). Its
//! output for a session folder (`ff_export.py` of `../shared/tools/ffharness`, run for every
//! shared session by `scripts/fastf1-oracle.sh`) is a `laps.csv` and, with telemetry, a `tel/`
//! folder of each driver's fastest lap. [`check`] compares a [`timing::Session`] with it and
//! returns an [`Agreement`]: per field, how many laps agree and which do not; per lap of
//! telemetry, how many samples agree. `f1replay check` prints it ([`std::fmt::Display`]) or
//! writes it as JSON; the agreement test asserts on its fields, never on its text.
//!
//! ```no_run
//! let feed = feed::FeedSession::read_dir(std::path::Path::new("session-folder"));
//! let session = timing::Session::build(&feed);
//! let agreement = agreement::check(&session, std::path::Path::new("fastf1-output")).unwrap();
//! assert!(agreement.holds(), "{agreement}");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod csv;
mod laps;
mod report;
mod telemetry;

pub use laps::{compare_laps, FieldAgreement, LapsReport, Mismatch, CATEGORICAL, TIMED};
pub use telemetry::{compare_telemetry, LapTelemetry, TelemetryReport, SPEED_TOLERANCE_KPH, XY_TOLERANCE_M};

use serde::Serialize;
use std::path::Path;

/// The largest relative lap-distance difference that counts as agreeing: both integrate the
/// same speed samples, FastF1 over its resampled merge, we over ours.
pub const DISTANCE_TOLERANCE: f64 = 0.01;

/// Why a check could not be made: FastF1's output is unreadable.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A file could not be read.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A CSV lacks a column the check needs.
    #[error("{path}: no column {column}")]
    Column {
        /// The file.
        path: String,
        /// The column.
        column: String,
    },
}

/// Laps, and telemetry where FastF1 wrote it, compared.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// The laps.
    pub laps: LapsReport,
    /// Telemetry of each driver's fastest lap, when FastF1's output has it.
    pub telemetry: Option<TelemetryReport>,
}

impl Agreement {
    /// Everything agrees: the same laps, every timed field to the millisecond, every
    /// categorical field, and telemetry within its tolerances.
    pub fn holds(&self) -> bool {
        self.failures().is_empty()
    }

    /// What does not agree, one sentence each.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        let l = &self.laps;
        if l.matched == 0 || l.all_timed_equal < l.matched {
            out.push(format!("{} of {} laps have every timed field equal", l.all_timed_equal, l.matched));
        }
        if !l.same_laps() {
            out.push(format!("lap sets differ ({} only here, {} only in FastF1)", l.only_ours, l.only_fastf1));
        }
        for f in l.fields.iter().filter(|f| !f.all_equal() && !TIMED.contains(&f.field)) {
            out.push(format!("{} differs on {} of {} laps", f.field, f.total - f.equal, f.total));
        }
        if let Some(t) = &self.telemetry {
            if t.speed_share() < 1.0
                || t.xy_share() < 1.0
                || t.worst_distance_difference() > DISTANCE_TOLERANCE
                || !t.missing_here.is_empty()
            {
                out.push("telemetry differs beyond 1 km/h, 1 m or 1% of lap distance".to_string());
            }
        }
        out
    }
}

/// Compares `session` with FastF1's output folder `fastf1` (`laps.csv`, and `tel/` if there).
pub fn check(session: &timing::Session, fastf1: &Path) -> Result<Agreement, CheckError> {
    let laps = compare_laps(session, &fastf1.join("laps.csv"))?;
    let tel = fastf1.join("tel");
    let telemetry = if tel.join("index.csv").is_file() { Some(compare_telemetry(session, &tel)?) } else { None };
    Ok(Agreement { laps, telemetry })
}
