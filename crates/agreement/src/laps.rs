//! Our laps against FastF1's `laps.csv`, lap by lap and field by field.

use crate::csv::{ms, num, Csv};
use crate::CheckError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use timing::laps::Lap;
use timing::Session;

/// The timed fields, compared to the millisecond.
pub const TIMED: [&str; 7] = ["LapTime", "Sector1Time", "Sector2Time", "Sector3Time", "Time", "PitInTime", "PitOutTime"];
/// The fields compared for equality (plus `Position` in races and sprints).
pub const CATEGORICAL: [&str; 4] = ["Compound", "TyreLife", "Stint", "Deleted"];

/// One lap's field that differs.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    /// Racing number.
    pub driver: u16,
    /// Lap number.
    pub lap: u32,
    /// Our value, as text.
    pub ours: String,
    /// FastF1's value, as its CSV has it.
    pub fastf1: String,
}

/// How one field agrees over the laps present in both.
#[derive(Debug, Clone, Serialize)]
pub struct FieldAgreement {
    /// FastF1's column name.
    pub field: &'static str,
    /// Laps where it is equal.
    pub equal: usize,
    /// Laps compared.
    pub total: usize,
    /// Every lap where it differs.
    pub mismatches: Vec<Mismatch>,
}

impl FieldAgreement {
    /// Whether it is equal on every lap compared.
    pub fn all_equal(&self) -> bool {
        self.equal == self.total
    }
}

/// The outcome of comparing our laps with FastF1's.
#[derive(Debug, Clone, Serialize)]
pub struct LapsReport {
    /// Our lap count.
    pub ours: usize,
    /// FastF1's lap count.
    pub fastf1: usize,
    /// Laps present in both (same driver and lap number).
    pub matched: usize,
    /// Laps only we have.
    pub only_ours: usize,
    /// Laps only FastF1 has.
    pub only_fastf1: usize,
    /// Drivers whose lap counts differ: (driver, ours, FastF1's).
    pub count_differs: Vec<(u16, usize, usize)>,
    /// Laps present in both where every timed field is equal to the millisecond.
    pub all_timed_equal: usize,
    /// Each field compared, in column order.
    pub fields: Vec<FieldAgreement>,
}

impl LapsReport {
    /// The share of matched laps with every timed field equal (0 without matched laps).
    pub fn timed_share(&self) -> f64 {
        if self.matched == 0 {
            0.0
        } else {
            self.all_timed_equal as f64 / self.matched as f64
        }
    }

    /// Whether the two lap sets are the same laps.
    pub fn same_laps(&self) -> bool {
        self.count_differs.is_empty() && self.only_ours == 0 && self.only_fastf1 == 0
    }

    /// The agreement of one field, if it was compared.
    pub fn field(&self, name: &str) -> Option<&FieldAgreement> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// Compares our laps with FastF1's `laps.csv`.
pub fn compare_laps(session: &Session, fastf1_laps: &Path) -> Result<LapsReport, CheckError> {
    let csv = Csv::read(fastf1_laps)?;
    let (cd, cl) = (csv.col("DriverNumber")?, csv.col("LapNumber")?);
    let mut fields: Vec<&'static str> = TIMED.iter().chain(CATEGORICAL.iter()).copied().collect();
    if session.info.is_race_like() {
        fields.push("Position");
    }
    let columns = fields.iter().map(|f| csv.col(f)).collect::<Result<Vec<usize>, _>>()?;
    let mut theirs: BTreeMap<(u16, u32), &Vec<String>> = BTreeMap::new();
    for r in &csv.rows {
        let (Some(d), Some(l)) = (r.get(cd).and_then(|s| s.parse().ok()), r.get(cl).and_then(|s| num(s))) else { continue };
        theirs.insert((d, l as u32), r);
    }
    let ours: BTreeMap<(u16, u32), &Lap> = session.laps.iter().map(|l| ((l.driver, l.lap_number), l)).collect();
    let mut agreement: Vec<FieldAgreement> =
        fields.iter().map(|&field| FieldAgreement { field, equal: 0, total: 0, mismatches: Vec::new() }).collect();
    let (mut matched, mut all_timed_equal) = (0, 0);
    for (&(driver, lap), row) in &theirs {
        let Some(l) = ours.get(&(driver, lap)) else { continue };
        matched += 1;
        let mut timed_equal = true;
        for (a, &col) in agreement.iter_mut().zip(&columns) {
            let fastf1 = row.get(col).map(String::as_str).unwrap_or("");
            let (equal, ours) = field_equal(l, a.field, fastf1);
            a.total += 1;
            if equal {
                a.equal += 1;
            } else {
                timed_equal &= !TIMED.contains(&a.field);
                a.mismatches.push(Mismatch { driver, lap, ours, fastf1: fastf1.to_string() });
            }
        }
        all_timed_equal += usize::from(timed_equal);
    }
    Ok(LapsReport {
        ours: ours.len(),
        fastf1: theirs.len(),
        matched,
        only_ours: ours.keys().filter(|k| !theirs.contains_key(k)).count(),
        only_fastf1: theirs.keys().filter(|k| !ours.contains_key(k)).count(),
        count_differs: count_differences(&ours, &theirs),
        all_timed_equal,
        fields: agreement,
    })
}

/// Drivers whose lap counts differ: (driver, ours, FastF1's).
fn count_differences<A, B>(ours: &BTreeMap<(u16, u32), A>, theirs: &BTreeMap<(u16, u32), B>) -> Vec<(u16, usize, usize)> {
    let mut drivers: Vec<u16> = theirs.keys().chain(ours.keys()).map(|k| k.0).collect();
    drivers.sort_unstable();
    drivers.dedup();
    drivers
        .into_iter()
        .map(|d| (d, ours.keys().filter(|k| k.0 == d).count(), theirs.keys().filter(|k| k.0 == d).count()))
        .filter(|(_, a, b)| a != b)
        .collect()
}

/// Whether lap `l`'s `field` equals FastF1's CSV text of it, and our value as text.
fn field_equal(l: &Lap, field: &str, fastf1: &str) -> (bool, String) {
    let timed = |ours: Option<i64>| (ours == ms(fastf1), format!("{ours:?}"));
    let number = |ours: Option<f64>| (ours == num(fastf1), format!("{ours:?}"));
    match field {
        "LapTime" => timed(l.lap_time_ms),
        "Sector1Time" => timed(l.sector_ms[0]),
        "Sector2Time" => timed(l.sector_ms[1]),
        "Sector3Time" => timed(l.sector_ms[2]),
        "Time" => timed(l.time_ms),
        "PitInTime" => timed(l.pit_in_ms),
        "PitOutTime" => timed(l.pit_out_ms),
        "Compound" => (l.compound == if fastf1 == "nan" { "" } else { fastf1 }, l.compound.clone()),
        "TyreLife" => number(l.tyre_life.map(f64::from)),
        "Stint" => number(l.stint.map(f64::from)),
        "Position" => number(l.position.map(f64::from)),
        _ => {
            let ours = match l.deleted {
                Some(true) => "True",
                Some(false) => "False",
                None => "",
            };
            (ours == fastf1, ours.to_string())
        }
    }
}
