//! Our telemetry against FastF1's on each driver's fastest lap (`tel/*.csv`): speed at its car
//! samples, X/Y at its position samples, and the lap distance.

use crate::csv::{ms, num, Csv};
use crate::CheckError;
use serde::Serialize;
use std::path::Path;
use timing::telemetry::DriverTelemetry;
use timing::Session;

/// Speed within this of FastF1's counts as equal (km/h): both read the same integer samples.
pub const SPEED_TOLERANCE_KPH: f64 = 1.0;
/// X/Y within this of FastF1's counts as equal (m): both read the same decimetre samples.
pub const XY_TOLERANCE_M: f64 = 1.0;

/// One driver's fastest lap compared.
#[derive(Debug, Clone, Serialize)]
pub struct LapTelemetry {
    /// Racing number.
    pub driver: u16,
    /// Lap number.
    pub lap: u32,
    /// Car samples with speed within [`SPEED_TOLERANCE_KPH`].
    pub speed_equal: usize,
    /// Car samples compared.
    pub speed_total: usize,
    /// Position samples with X and Y within [`XY_TOLERANCE_M`].
    pub xy_equal: usize,
    /// Position samples compared.
    pub xy_total: usize,
    /// The largest X/Y difference, m.
    pub worst_xy_m: f64,
    /// Our lap distance at the lap's end, m (`None` without a lap end here).
    pub distance_m: Option<f64>,
    /// FastF1's lap distance at its last sample, m.
    pub fastf1_distance_m: f64,
}

impl LapTelemetry {
    /// |ours − FastF1's| / FastF1's lap distance (infinite where ours is missing).
    pub fn distance_difference(&self) -> f64 {
        match self.distance_m {
            Some(d) if self.fastf1_distance_m.is_finite() && self.fastf1_distance_m > 0.0 => {
                ((d - self.fastf1_distance_m) / self.fastf1_distance_m).abs()
            }
            _ => f64::INFINITY,
        }
    }
}

/// The outcome of comparing telemetry on FastF1's fastest laps.
#[derive(Debug, Clone, Serialize)]
pub struct TelemetryReport {
    /// Each lap compared.
    pub laps: Vec<LapTelemetry>,
    /// Drivers FastF1 has telemetry of and we have none.
    pub missing_here: Vec<u16>,
}

impl TelemetryReport {
    /// The share of car samples with speed within tolerance.
    pub fn speed_share(&self) -> f64 {
        share(self.laps.iter().map(|l| (l.speed_equal, l.speed_total)))
    }

    /// The share of position samples with X/Y within tolerance.
    pub fn xy_share(&self) -> f64 {
        share(self.laps.iter().map(|l| (l.xy_equal, l.xy_total)))
    }

    /// The largest relative lap-distance difference.
    pub fn worst_distance_difference(&self) -> f64 {
        self.laps.iter().map(LapTelemetry::distance_difference).fold(0.0, f64::max)
    }
}

/// Σ equal / Σ total (1 when nothing was compared).
fn share(pairs: impl Iterator<Item = (usize, usize)>) -> f64 {
    let (equal, total) = pairs.fold((0, 0), |(e, t), (a, b)| (e + a, t + b));
    if total == 0 {
        1.0
    } else {
        equal as f64 / total as f64
    }
}

/// Compares our telemetry with FastF1's `tel/` folder (`index.csv` and one CSV per lap).
pub fn compare_telemetry(session: &Session, tel_dir: &Path) -> Result<TelemetryReport, CheckError> {
    let index = Csv::read(&tel_dir.join("index.csv"))?;
    let (cn, cl, cf) = (index.col("DriverNumber")?, index.col("LapNumber")?, index.col("file")?);
    let mut report = TelemetryReport { laps: Vec::new(), missing_here: Vec::new() };
    for r in &index.rows {
        let (Some(driver), Some(lap)) = (r.get(cn).and_then(|s| s.parse::<u16>().ok()), r.get(cl).and_then(|s| num(s))) else { continue };
        let Some(file) = r.get(cf) else { continue };
        let Some(ours) = session.telemetry_of(driver) else {
            report.missing_here.push(driver);
            continue;
        };
        let tel = Csv::read(&tel_dir.join(Path::new(file).file_name().unwrap_or_default()))?;
        report.laps.push(compare_lap(session, ours, driver, lap as u32, &tel)?);
    }
    Ok(report)
}

/// One lap's samples compared.
fn compare_lap(session: &Session, ours: &DriverTelemetry, driver: u16, lap: u32, tel: &Csv) -> Result<LapTelemetry, CheckError> {
    let (ct, cs, cx, cy, csrc, cd) =
        (tel.col("SessionTime")?, tel.col("Speed")?, tel.col("X")?, tel.col("Y")?, tel.col("Source")?, tel.col("Distance")?);
    let mut out = LapTelemetry {
        driver,
        lap,
        speed_equal: 0,
        speed_total: 0,
        xy_equal: 0,
        xy_total: 0,
        worst_xy_m: 0.0,
        distance_m: None,
        fastf1_distance_m: tel.rows.last().and_then(|r| r.get(cd)).and_then(|s| num(s)).unwrap_or(f64::NAN),
    };
    for row in &tel.rows {
        let Some(t) = row.get(ct).and_then(|s| ms(s)) else { continue };
        let value = |c: usize| row.get(c).and_then(|s| num(s));
        match row.get(csrc).map(String::as_str) {
            Some("car") => {
                let (Some(v), o) = (value(cs), ours.speed_at(t)) else { continue };
                if !o.is_nan() {
                    out.speed_total += 1;
                    out.speed_equal += usize::from((f64::from(o) - v).abs() <= SPEED_TOLERANCE_KPH);
                }
            }
            Some("pos") => {
                let (Some(x), Some(y)) = (value(cx), value(cy)) else { continue };
                let (ox, oy) = ours.xy_at(t);
                if !ox.is_nan() {
                    // FastF1's X/Y are in 1/10 m.
                    let err = (f64::from(ox) - x / 10.0).hypot(f64::from(oy) - y / 10.0);
                    out.worst_xy_m = out.worst_xy_m.max(err);
                    out.xy_total += 1;
                    out.xy_equal += usize::from(err <= XY_TOLERANCE_M);
                }
            }
            _ => {}
        }
    }
    let l = session.laps.iter().find(|l| l.driver == driver && l.lap_number == lap);
    out.distance_m = l.and_then(|l| Some((l, l.time_ms?))).map(|(l, end)| {
        let i = ours.index_at(end + 1).saturating_sub(1);
        f64::from(timing::telemetry::lap_distance(ours, &[l])[i])
    });
    Ok(out)
}
