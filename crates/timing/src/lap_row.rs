//! One lap in FastF1's `Laps` columns: the one definition of that table, which the API's laps
//! endpoint serializes (JSON, times in seconds) and `f1replay laps --csv` writes (FastF1's own
//! CSV text, so its output compares with `ff_export.py`'s field by field).

use crate::laps::Lap;
use crate::Session;
use serde::{Serialize, Serializer};

/// FastF1's `Laps` columns, in its order: [`LapRow`]'s fields serialize under these names.
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

/// A duration or session time in whole milliseconds, serialized as seconds (FastF1's
/// timedeltas, as the API gives them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub i64);

impl utoipa::PartialSchema for Millis {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("seconds (whole milliseconds)"))
            .into()
    }
}

impl utoipa::ToSchema for Millis {}

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

/// Optional milliseconds, as [`Millis`].
fn millis(ms: Option<i64>) -> Option<Millis> {
    ms.map(Millis)
}

/// One lap, FastF1's columns (see [`COLUMNS`]); absent values are `None` (JSON null, empty CSV).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LapRow {
    /// Three-letter code (the number where the driver list lacks it).
    pub driver: String,
    /// Racing number, as text (FastF1's dtype).
    pub driver_number: String,
    /// Lap number.
    pub lap_number: u32,
    /// Lap time.
    pub lap_time: Option<Millis>,
    /// Sector 1 time.
    pub sector1_time: Option<Millis>,
    /// Sector 2 time.
    pub sector2_time: Option<Millis>,
    /// Sector 3 time.
    pub sector3_time: Option<Millis>,
    /// Session time at the lap's end.
    pub time: Option<Millis>,
    /// Session time at the lap's start.
    pub lap_start_time: Option<Millis>,
    /// Session time the car entered the pit lane on this lap.
    pub pit_in_time: Option<Millis>,
    /// Session time the car left the pit lane on this lap.
    pub pit_out_time: Option<Millis>,
    /// Tyre compound (`None` when unknown).
    pub compound: Option<String>,
    /// Laps on this set of tyres at the lap's end.
    pub tyre_life: Option<f32>,
    /// Stint number.
    pub stint: Option<u32>,
    /// Position at the line (races and sprints).
    pub position: Option<u32>,
    /// Deleted by race control (`None` when the session says nothing of deletions).
    pub deleted: Option<bool>,
    /// Whether the lap's times are trustworthy (FastF1's accuracy rule).
    pub is_accurate: bool,
    /// Track status codes seen during the lap.
    pub track_status: Option<String>,
    /// Team name.
    pub team: Option<String>,
    /// UTC date of the lap's start (ISO 8601, `Z`).
    pub lap_start_date: Option<String>,
    /// Session time at the end of sector 1.
    pub sector1_session_time: Option<Millis>,
    /// Session time at the end of sector 2.
    pub sector2_session_time: Option<Millis>,
    /// Session time at the end of sector 3.
    pub sector3_session_time: Option<Millis>,
    /// Speed trap at intermediate 1, km/h.
    #[serde(rename = "SpeedI1")]
    pub speed_i1: Option<f32>,
    /// Speed trap at intermediate 2, km/h.
    #[serde(rename = "SpeedI2")]
    pub speed_i2: Option<f32>,
    /// Speed at the finish line, km/h.
    #[serde(rename = "SpeedFL")]
    pub speed_fl: Option<f32>,
    /// Speed trap on the longest straight, km/h.
    #[serde(rename = "SpeedST")]
    pub speed_st: Option<f32>,
    /// The driver's best lap so far.
    pub is_personal_best: bool,
    /// New tyres at the stint's start.
    pub fresh_tyre: Option<bool>,
    /// Why it was deleted.
    pub deleted_reason: Option<String>,
    /// Made up by FastF1's rules (a lap the timing never reported).
    #[serde(rename = "FastF1Generated")]
    pub fastf1_generated: bool,
}

/// FastF1's `LapStartDate`: the UTC instant (µs) of the lap's start, t0 plus `LapStartTime`.
pub fn lap_start_utc_us(session: &Session, l: &Lap) -> Option<i64> {
    Some(session.t0_utc_us? + l.lap_start_ms? * 1000)
}

/// A string, or `None` when empty.
pub(crate) fn text(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

impl LapRow {
    /// Lap `l` of `session` in FastF1's columns.
    pub fn new(session: &Session, l: &Lap) -> LapRow {
        let d = session.driver(l.driver);
        let date = lap_start_utc_us(session, l).map(feed::time::format_utc_us);
        LapRow {
            driver: session.tla(l.driver),
            driver_number: l.driver.to_string(),
            lap_number: l.lap_number,
            lap_time: millis(l.lap_time_ms),
            sector1_time: millis(l.sector_ms[0]),
            sector2_time: millis(l.sector_ms[1]),
            sector3_time: millis(l.sector_ms[2]),
            time: millis(l.time_ms),
            lap_start_time: millis(l.lap_start_ms),
            pit_in_time: millis(l.pit_in_ms),
            pit_out_time: millis(l.pit_out_ms),
            compound: text(&l.compound),
            tyre_life: l.tyre_life,
            stint: l.stint,
            position: l.position,
            deleted: l.deleted,
            is_accurate: l.is_accurate,
            track_status: text(&l.track_status),
            team: d.and_then(|d| text(&d.team_name)),
            lap_start_date: date,
            sector1_session_time: millis(l.sector_session_ms[0]),
            sector2_session_time: millis(l.sector_session_ms[1]),
            sector3_session_time: millis(l.sector_session_ms[2]),
            speed_i1: l.speed_kph[0],
            speed_i2: l.speed_kph[1],
            speed_fl: l.speed_kph[2],
            speed_st: l.speed_kph[3],
            is_personal_best: l.is_personal_best,
            fresh_tyre: l.fresh_tyre,
            deleted_reason: text(&l.deleted_reason),
            fastf1_generated: l.generated,
        }
    }

    /// Every lap of `session`, in its order (grouped by driver).
    pub fn all(session: &Session) -> Vec<LapRow> {
        session.laps.iter().map(|l| LapRow::new(session, l)).collect()
    }

    /// The row as FastF1's `to_csv` writes it (in [`COLUMNS`] order): seconds without trailing
    /// zeros, floats with a `.0`, Python's `True`/`False`, dates without the `Z`.
    pub fn csv_fields(&self) -> [String; 31] {
        let t = |v: Option<Millis>| v.map(|m| seconds_text(m.0)).unwrap_or_default();
        let f = |v: Option<f32>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        let whole = |v: Option<u32>| v.map(|v| format!("{v}.0")).unwrap_or_default();
        let b = |v: bool| if v { "True" } else { "False" }.to_string();
        let ob = |v: Option<bool>| v.map(b).unwrap_or_default();
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            self.driver.clone(),
            self.driver_number.clone(),
            format!("{:.1}", f64::from(self.lap_number)),
            t(self.lap_time),
            t(self.sector1_time),
            t(self.sector2_time),
            t(self.sector3_time),
            t(self.time),
            t(self.lap_start_time),
            t(self.pit_in_time),
            t(self.pit_out_time),
            s(&self.compound),
            f(self.tyre_life),
            whole(self.stint),
            whole(self.position),
            ob(self.deleted),
            b(self.is_accurate),
            s(&self.track_status),
            s(&self.team),
            self.lap_start_date.as_deref().map(|d| d.trim_end_matches('Z').to_string()).unwrap_or_default(),
            t(self.sector1_session_time),
            t(self.sector2_session_time),
            t(self.sector3_session_time),
            f(self.speed_i1),
            f(self.speed_i2),
            f(self.speed_fl),
            f(self.speed_st),
            b(self.is_personal_best),
            ob(self.fresh_tyre),
            s(&self.deleted_reason),
            b(self.fastf1_generated),
        ]
    }
}

/// Milliseconds as decimal seconds without trailing zeros (`77.306`, `1250.35`, `1`).
pub fn seconds_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let a = ms.unsigned_abs();
    let s = format!("{sign}{}.{:03}", a / 1000, a % 1000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_written_as_fastf1_writes_them() {
        assert_eq!(seconds_text(77_306), "77.306");
        assert_eq!(seconds_text(1_250_350), "1250.35");
        assert_eq!(seconds_text(1_000), "1");
        assert_eq!(seconds_text(-1_500), "-1.5");
    }

    #[test]
    fn a_row_serializes_under_fastf1_s_column_names_in_its_order() {
        let session = Session::default();
        let lap = Lap {
            driver: 44,
            lap_number: 3,
            lap_time_ms: Some(90_123),
            speed_kph: [Some(301.0), None, None, Some(320.5)],
            ..Default::default()
        };
        let json = serde_json::to_string(&LapRow::new(&session, &lap)).unwrap();
        let mut at = 0;
        for column in COLUMNS {
            let key = format!("\"{column}\":");
            let found = json[at..].find(&key).unwrap_or_else(|| panic!("{column} missing or out of order in {json}"));
            at += found + key.len();
        }
        assert_eq!(json.matches("\":").count(), COLUMNS.len(), "no other keys: {json}");
        assert!(json.contains("\"LapTime\":90.123") && json.contains("\"SpeedST\":320.5") && json.contains("\"Driver\":\"44\""));
        assert_eq!(LapRow::new(&session, &lap).csv_fields()[3], "90.123");
    }
}
