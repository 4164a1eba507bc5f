//! Typed records of the plain (non-deflated) topics.
//!
//! Each topic is parsed line by line; lines are small and few (thousands, not millions), so a
//! `serde_json::Value` per line is parsed and immediately turned into typed fields. Stateful
//! topics (DriverList, ExtrapolatedClock, TimingStats) are patch-merged into their state first.
//! TimingData, tens of thousands of lines, is read without the `Value` ([`timing_data`]).

mod timing_data;

use crate::error::Warning;
use crate::lines::{warn, Line};
use crate::patch::merge;
use crate::time::{parse_duration_ms, parse_utc_us};
use serde_json::{Map, Value};

/// A value stamped with the session time of the line that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed<T> {
    /// Session time of the line, ms.
    pub t_ms: i64,
    /// The value.
    pub value: T,
}

/// A time field of a patch: absent from the patch (`None`), sent empty (`Some(None)`, which
/// FastF1 treats as "explicitly no value"), or sent with a value in ms.
pub type PatchedTime = Option<Option<i64>>;

/// SessionInfo's first line: what the session is and where it lives in the archive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionInfo {
    /// Meeting name, e.g. "Mexico City Grand Prix".
    pub meeting_name: String,
    /// Meeting location, e.g. "Mexico City".
    pub location: String,
    /// Country name.
    pub country: String,
    /// Circuit short name.
    pub circuit: String,
    /// Circuit key (`Meeting.Circuit.Key`): names the circuit in the circuit info of
    /// api.multiviewer.app (marshal sector positions).
    pub circuit_key: Option<u32>,
    /// Session key in the archive.
    pub key: i64,
    /// Session type: Race, Qualifying, Practice.
    pub kind: String,
    /// Session name: Race, Sprint, Qualifying, Sprint Qualifying, Practice 1...
    pub name: String,
    /// Scheduled local start, as sent (`2025-10-25T15:00:00`).
    pub start_date: String,
    /// Scheduled local end, as sent.
    pub end_date: String,
    /// Offset of local time from UTC, as sent (`-06:00:00`).
    pub gmt_offset: String,
    /// The session's folder in the archive, e.g. `2025/2025-10-26_.../2025-10-25_Qualifying/`.
    pub path: String,
}

impl SessionInfo {
    /// What kind of session this is (see [`SessionKind::parse`]); a session that names no known
    /// kind is ranked as practice is, by best lap.
    pub fn session_kind(&self) -> SessionKind {
        SessionKind::parse(&self.kind, &self.name).unwrap_or(SessionKind::Practice)
    }
    /// Race and sprint are "race-like": positions at the line and lap-1 rules apply.
    pub fn is_race_like(&self) -> bool {
        self.session_kind().is_race_like()
    }
    /// Qualifying and sprint qualifying / shootout: Q1/Q2/Q3 segments.
    pub fn is_qualifying_like(&self) -> bool {
        self.session_kind().is_qualifying_like()
    }
}

/// The kind of a session, which decides how it is ranked: races and sprints by the line,
/// qualifying and sprint qualifying (shootout) by the deepest part reached then the best lap in
/// it, practice by best lap. Serialized as the API names it (`sprint_qualifying`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A Grand Prix.
    Race,
    /// A sprint race.
    Sprint,
    /// Qualifying for the Grand Prix (Q1, Q2, Q3).
    Qualifying,
    /// Sprint qualifying, called sprint shootout in 2023 (SQ1, SQ2, SQ3).
    SprintQualifying,
    /// A practice session.
    Practice,
}

impl SessionKind {
    /// Every kind, in the order a weekend runs them (the API's code table lists them so).
    pub const ALL: [SessionKind; 5] =
        [SessionKind::Practice, SessionKind::SprintQualifying, SessionKind::Sprint, SessionKind::Qualifying, SessionKind::Race];

    /// The kind from SessionInfo's `Type` and `Name` (or the archive index's), `None` when
    /// they name none: a name saying sprint and qualifying or shootout is sprint qualifying;
    /// "Sprint", or a race type whose name says sprint, is a sprint.
    pub fn parse(kind: &str, name: &str) -> Option<SessionKind> {
        let (kind, name) = (kind.to_ascii_lowercase(), name.to_ascii_lowercase());
        let qualifying_name = name.contains("qualifying") || name.contains("shootout");
        Some(if name == "sprint" || (kind == "race" && name.contains("sprint")) {
            SessionKind::Sprint
        } else if kind == "race" || name == "race" {
            SessionKind::Race
        } else if name.contains("sprint") && qualifying_name {
            SessionKind::SprintQualifying
        } else if kind == "qualifying" || qualifying_name {
            SessionKind::Qualifying
        } else if kind == "practice" || name.contains("practice") {
            SessionKind::Practice
        } else if name.contains("sprint") {
            SessionKind::Sprint
        } else {
            return None;
        })
    }

    /// The API's name: `race`, `sprint`, `qualifying`, `sprint_qualifying`, `practice`.
    pub fn api_name(self) -> &'static str {
        match self {
            SessionKind::Race => "race",
            SessionKind::Sprint => "sprint",
            SessionKind::Qualifying => "qualifying",
            SessionKind::SprintQualifying => "sprint_qualifying",
            SessionKind::Practice => "practice",
        }
    }

    /// The session's name as the archive gives it for the kind's first session ("Race",
    /// "Sprint", "Qualifying", "Sprint Qualifying", "Practice").
    pub fn name(self) -> &'static str {
        match self {
            SessionKind::Race => "Race",
            SessionKind::Sprint => "Sprint",
            SessionKind::Qualifying => "Qualifying",
            SessionKind::SprintQualifying => "Sprint Qualifying",
            SessionKind::Practice => "Practice",
        }
    }

    /// Race and sprint: positions at the line and lap-1 rules apply.
    pub fn is_race_like(self) -> bool {
        matches!(self, SessionKind::Race | SessionKind::Sprint)
    }

    /// Qualifying and sprint qualifying: parts with knock-outs.
    pub fn is_qualifying_like(self) -> bool {
        matches!(self, SessionKind::Qualifying | SessionKind::SprintQualifying)
    }
}

/// One driver from DriverList, as merged from all its patches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverInfo {
    /// Racing number.
    pub number: u16,
    /// Three-letter code (NOR).
    pub tla: String,
    /// Broadcast name (L NORRIS).
    pub broadcast_name: String,
    /// Full name.
    pub full_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Team name.
    pub team_name: String,
    /// Team colour, hex without `#`.
    pub team_colour: String,
    /// Country code.
    pub country_code: String,
    /// Last display line (order on the timing screen).
    pub line: Option<u32>,
    /// Session time when the driver was first declared (FastF1 ignores drivers declared after 60 min).
    pub first_seen_ms: i64,
}

/// A TrackStatus change.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackStatusEntry {
    /// Status code: 1 clear, 2 yellow, 4 SC, 5 red, 6 VSC deployed, 7 VSC ending.
    pub status: u8,
    /// Message as sent (AllClear, Yellow, SCDeployed, Red, VSCDeployed, VSCEnding).
    pub message: String,
}

/// A LapCount update.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LapCountEntry {
    /// The leader's current lap, if sent.
    pub current_lap: Option<u32>,
    /// Total laps, if sent.
    pub total_laps: Option<u32>,
}

/// One driver's part of one TimingData line: only what the patch carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverTiming {
    /// Laps completed as counted by the timing.
    pub number_of_laps: Option<u32>,
    /// Pit stops so far.
    pub number_of_pit_stops: Option<u32>,
    /// In the pit lane.
    pub in_pit: Option<bool>,
    /// Leaving the pit lane.
    pub pit_out: Option<bool>,
    /// Retired.
    pub retired: Option<bool>,
    /// Stopped on track.
    pub stopped: Option<bool>,
    /// Knocked out of qualifying.
    pub knocked_out: Option<bool>,
    /// Official position.
    pub position: Option<u32>,
    /// Display line.
    pub line: Option<u32>,
    /// Gap to the leader as sent ("LAP 57", "+1.234", "1L", "").
    pub gap_to_leader: Option<String>,
    /// Interval to the car ahead as sent.
    pub interval_to_ahead: Option<String>,
    /// Last lap time.
    pub last_lap_time: PatchedTime,
    /// Personal best lap time.
    pub best_lap_time: PatchedTime,
    /// Best lap per qualifying part (index 0 = Q1).
    pub best_lap_times: Vec<(u8, Option<i64>)>,
    /// The lowest part index of a dict-form `BestLapTimes` patch: a patch for part N is the
    /// first sign that part N has started (FastF1 uses it to split Q1/Q2/Q3).
    pub best_lap_times_part: Option<u8>,
    /// Sector values from dict-form `Sectors` patches: (sector index 0-2, time). List-form
    /// sectors never carry values (first line) and are not read, as in FastF1.
    pub sectors: Vec<(u8, Option<i64>)>,
    /// Speed traps I1, I2, FL, ST in km/h: (trap, value).
    pub speeds: Vec<(SpeedTrap, Option<f32>)>,
    /// Mini-sector statuses (`Sectors[i].Segments[j].Status`), list or dict form, in the
    /// order a `Value` map iterates them (docs/FEED.md "Segment statuses").
    pub segments: Vec<SegmentPatch>,
}

/// One mini-sector's status as a TimingData patch sent it: the raw code (a bit field, see
/// docs/FEED.md; `timing::segments::SegmentStatus` names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentPatch {
    /// Sector index, 0-2.
    pub sector: u8,
    /// Mini-sector index within the sector, from 0.
    pub segment: u8,
    /// The status code as sent.
    pub status: u32,
}

/// The four speed traps of the timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeedTrap {
    /// Intermediate 1.
    I1,
    /// Intermediate 2.
    I2,
    /// Finish line.
    FL,
    /// Speed trap on the longest straight.
    ST,
}

/// One TimingData line.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingLine {
    /// Session time of the line, ms.
    pub t_ms: i64,
    /// 1-based line number in the file.
    pub number: usize,
    /// Qualifying part (1-3) when the line announces one.
    pub session_part: Option<u8>,
    /// Patches per racing number, in the order sent.
    pub drivers: Vec<(u16, DriverTiming)>,
}

/// One stint item of a TimingAppData patch: only what was sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StintPatch {
    /// Stint index (0-based).
    pub index: u8,
    /// SOFT, MEDIUM, HARD, INTERMEDIATE, WET, UNKNOWN, TEST_UNKNOWN.
    pub compound: Option<String>,
    /// Fresh tyres (`New == "true"`).
    pub new: Option<bool>,
    /// `TyresNotChanged` as sent.
    pub tyres_not_changed: Option<String>,
    /// Laps on the set at the stint's start.
    pub start_laps: Option<u32>,
    /// Laps on the set so far.
    pub total_laps: Option<u32>,
    /// Lap number of a lap time reported with the stint.
    pub lap_number: Option<u32>,
    /// Lap time reported with the stint.
    pub lap_time_ms: Option<i64>,
}

/// One TimingAppData line with stint patches.
#[derive(Debug, Clone, PartialEq)]
pub struct StintLine {
    /// Session time of the line, ms.
    pub t_ms: i64,
    /// Stint patches per racing number.
    pub drivers: Vec<(u16, Vec<StintPatch>)>,
}

/// One race control message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RaceControlMessage {
    /// Session time of the carrying line, ms (the message's own time is `utc_us`).
    pub line_ms: i64,
    /// When it was issued, µs since the epoch (`Utc`, absolute).
    pub utc_us: Option<i64>,
    /// Flag, Other, SafetyCar, Drs, CarEvent...
    pub category: String,
    /// The text.
    pub message: String,
    /// Status (e.g. DRS ENABLED).
    pub status: String,
    /// Flag (GREEN, YELLOW, DOUBLE YELLOW, RED, CHEQUERED, BLUE, CLEAR, BLACK AND WHITE).
    pub flag: String,
    /// Track, Sector, Driver.
    pub scope: String,
    /// Sector for sector-scoped flags.
    pub sector: Option<u32>,
    /// Racing number the message is about.
    pub racing_number: Option<u16>,
    /// Lap the message refers to.
    pub lap: Option<u32>,
}

/// One team radio clip (TeamRadio `Captures`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RadioCapture {
    /// Session time of the carrying line, ms (the clip's own time is `utc_us`).
    pub line_ms: i64,
    /// When it was recorded, µs since the epoch (`Utc`).
    pub utc_us: Option<i64>,
    /// Whose radio.
    pub racing_number: Option<u16>,
    /// The clip's path under the session folder, e.g. `TeamRadio/MAXVER01_1_20251025_155900.mp3`.
    pub path: String,
}

/// One weather sample.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Weather {
    /// Air temperature, °C.
    pub air_temp_c: f32,
    /// Track temperature, °C.
    pub track_temp_c: f32,
    /// Relative humidity, %.
    pub humidity_pct: f32,
    /// Air pressure, mbar.
    pub pressure_mbar: f32,
    /// Rain (`Rainfall == "1"`).
    pub rainfall: bool,
    /// Wind direction, degrees.
    pub wind_direction_deg: f32,
    /// Wind speed, m/s.
    pub wind_speed_ms: f32,
}

/// The extrapolated session clock after a line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clock {
    /// Reference instant, µs since the epoch.
    pub utc_us: i64,
    /// Time remaining at that instant, ms.
    pub remaining_ms: i64,
    /// Whether the clock is running.
    pub extrapolating: bool,
}

/// Personal bests at the end of the session, from TimingStats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverStats {
    /// Racing number.
    pub number: u16,
    /// Personal best lap, ms.
    pub best_lap_ms: Option<i64>,
    /// Best sector times, ms.
    pub best_sectors_ms: [Option<i64>; 3],
}

fn parse_json(file: &str, line: &Line<'_>, warnings: &mut Vec<Warning>) -> Option<Value> {
    match serde_json::from_str::<Value>(line.payload) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(warn(file, line.number, &format!("bad JSON: {e}")));
            None
        }
    }
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn uint(v: Option<&Value>) -> Option<u32> {
    num(v).filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX)).map(|x| x as u32)
}

fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true") || s == "1"),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        _ => None,
    }
}

/// A `{"Value": "1:17.123"}` field: `Some(None)` when sent empty or unparseable.
fn time_value(v: Option<&Value>) -> PatchedTime {
    let v = v?;
    let text = match v {
        Value::Object(o) => match o.get("Value") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Null) | None => return None,
            Some(_) => return Some(None),
        },
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    Some(parse_duration_ms(text))
}

/// Iterates `(index, item)` over a list or an object keyed by numbers (the two forms the
/// feed uses for arrays).
fn indexed(v: &Value) -> Vec<(usize, &Value)> {
    match v {
        Value::Array(a) => a.iter().enumerate().collect(),
        Value::Object(o) => o.iter().filter_map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v))).collect(),
        _ => Vec::new(),
    }
}

fn racing_numbers(v: Option<&Value>) -> Vec<(u16, &Value)> {
    match v {
        Some(Value::Object(o)) => o.iter().filter_map(|(k, v)| k.parse::<u16>().ok().map(|n| (n, v))).collect(),
        _ => Vec::new(),
    }
}

/// Reads SessionInfo from its first valid line (later lines only update the archive status).
pub fn session_info(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Option<SessionInfo> {
    let v = lines.iter().find_map(|l| parse_json(file, l, warnings))?;
    let meeting = v.get("Meeting").cloned().unwrap_or(Value::Null);
    Some(SessionInfo {
        meeting_name: s(&meeting, "Name"),
        location: s(&meeting, "Location"),
        country: meeting.get("Country").map(|c| s(c, "Name")).unwrap_or_default(),
        circuit: meeting.get("Circuit").map(|c| s(c, "ShortName")).unwrap_or_default(),
        circuit_key: meeting.get("Circuit").and_then(|c| uint(c.get("Key"))),
        key: num(v.get("Key")).unwrap_or(0.0) as i64,
        kind: s(&v, "Type"),
        name: s(&v, "Name"),
        start_date: s(&v, "StartDate"),
        end_date: s(&v, "EndDate"),
        gmt_offset: s(&v, "GmtOffset"),
        path: s(&v, "Path"),
    })
}

/// Merges all DriverList patches into one record per driver, ordered by racing number.
pub fn driver_list(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<DriverInfo> {
    let mut state = Value::Object(Map::new());
    let mut first_seen: std::collections::BTreeMap<u16, i64> = Default::default();
    for line in lines {
        let Some(v) = parse_json(file, line, warnings) else { continue };
        for (n, _) in racing_numbers(Some(&v)) {
            first_seen.entry(n).or_insert(line.t_ms);
        }
        merge(&mut state, v);
    }
    first_seen
        .into_iter()
        .filter_map(|(number, first_seen_ms)| {
            let d = state.get(number.to_string())?;
            if !d.is_object() {
                return None;
            }
            Some(DriverInfo {
                number,
                tla: s(d, "Tla"),
                broadcast_name: s(d, "BroadcastName"),
                full_name: s(d, "FullName"),
                first_name: s(d, "FirstName"),
                last_name: s(d, "LastName"),
                team_name: s(d, "TeamName"),
                team_colour: s(d, "TeamColour"),
                country_code: s(d, "CountryCode"),
                line: uint(d.get("Line")),
                first_seen_ms,
            })
        })
        .collect()
}

/// SessionStatus changes: `Status` per line.
pub fn session_status(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<String>> {
    lines
        .iter()
        .filter_map(|l| {
            let v = parse_json(file, l, warnings)?;
            let status = s(&v, "Status");
            (!status.is_empty()).then_some(Timed { t_ms: l.t_ms, value: status })
        })
        .collect()
}

/// TrackStatus changes.
pub fn track_status(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<TrackStatusEntry>> {
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        match uint(v.get("Status")).and_then(|c| u8::try_from(c).ok()) {
            Some(status) => out.push(Timed { t_ms: l.t_ms, value: TrackStatusEntry { status, message: s(&v, "Message") } }),
            None => warnings.push(warn(file, l.number, "TrackStatus without a numeric Status")),
        }
    }
    out
}

/// LapCount updates.
pub fn lap_count(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<LapCountEntry>> {
    lines
        .iter()
        .filter_map(|l| {
            let v = parse_json(file, l, warnings)?;
            Some(Timed {
                t_ms: l.t_ms,
                value: LapCountEntry { current_lap: uint(v.get("CurrentLap")), total_laps: uint(v.get("TotalLaps")) },
            })
        })
        .collect()
}

fn driver_timing(d: &Value) -> DriverTiming {
    let mut t = DriverTiming {
        number_of_laps: uint(d.get("NumberOfLaps")),
        number_of_pit_stops: uint(d.get("NumberOfPitStops")),
        in_pit: boolean(d.get("InPit")),
        pit_out: boolean(d.get("PitOut")),
        retired: boolean(d.get("Retired")),
        stopped: boolean(d.get("Stopped")),
        knocked_out: boolean(d.get("KnockedOut")),
        position: uint(d.get("Position")),
        line: uint(d.get("Line")),
        gap_to_leader: d.get("GapToLeader").and_then(Value::as_str).map(str::to_string),
        interval_to_ahead: d.get("IntervalToPositionAhead").and_then(|i| i.get("Value")).and_then(Value::as_str).map(str::to_string),
        last_lap_time: time_value(d.get("LastLapTime")),
        best_lap_time: time_value(d.get("BestLapTime")),
        ..Default::default()
    };
    if let Some(Value::Object(o)) = d.get("BestLapTimes") {
        t.best_lap_times_part = o.keys().filter_map(|k| k.parse::<u8>().ok()).min();
    }
    if let Some(b) = d.get("BestLapTimes") {
        for (i, item) in indexed(b) {
            if let (Ok(i), Some(v)) = (u8::try_from(i), time_value(Some(item))) {
                t.best_lap_times.push((i, v));
            }
        }
    }
    if let Some(Value::Object(sectors)) = d.get("Sectors") {
        for (k, item) in sectors {
            let Ok(i) = k.parse::<u8>() else { continue };
            if i < 3 {
                if let Some(v) = item.get("Value").and_then(|_| time_value(Some(item))) {
                    t.sectors.push((i, v));
                }
            }
        }
    }
    if let Some(sectors) = d.get("Sectors") {
        for (i, item) in indexed(sectors) {
            let Some(sector) = u8::try_from(i).ok().filter(|s| *s < 3) else { continue };
            for (j, seg) in item.get("Segments").map(indexed).unwrap_or_default() {
                if let (Ok(segment), Some(status)) = (u8::try_from(j), uint(seg.get("Status"))) {
                    t.segments.push(SegmentPatch { sector, segment, status });
                }
            }
        }
    }
    if let Some(Value::Object(speeds)) = d.get("Speeds") {
        for (k, item) in speeds {
            let trap = match k.as_str() {
                "I1" => SpeedTrap::I1,
                "I2" => SpeedTrap::I2,
                "FL" => SpeedTrap::FL,
                "ST" => SpeedTrap::ST,
                _ => continue,
            };
            if let Some(v) = item.get("Value") {
                t.speeds.push((trap, num(Some(v)).map(|x| x as f32)));
            }
        }
    }
    t
}

/// What one TimingData line says: its qualifying part, and its drivers' patches by racing
/// number.
type LinePatches = (Option<u8>, Vec<(u16, DriverTiming)>);

/// A TimingData line's qualifying part and driver patches, read from its `Value`: the
/// reference the direct decoder ([`timing_data::decode`]) is tested against, and its fallback.
fn timing_line_of_value(v: &Value) -> LinePatches {
    let session_part = uint(v.get("SessionPart")).and_then(|p| u8::try_from(p).ok());
    (session_part, racing_numbers(v.get("Lines")).into_iter().map(|(n, d)| (n, driver_timing(d))).collect())
}

/// TimingData as typed per-driver patches, one [`TimingLine`] per line with `Lines`.
pub fn timing_data(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<TimingLine> {
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let (session_part, drivers) = match timing_data::decode(l.payload) {
            Ok(line) => line,
            // A line that is not valid JSON: the `Value` path reports it, as for every topic.
            Err(_) => {
                let Some(v) = parse_json(file, l, warnings) else { continue };
                timing_line_of_value(&v)
            }
        };
        if drivers.is_empty() && session_part.is_none() {
            continue;
        }
        out.push(TimingLine { t_ms: l.t_ms, number: l.number, session_part, drivers });
    }
    out
}

/// TimingAppData stint patches (list or dict form).
pub fn timing_app_data(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<StintLine> {
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        // Every TimingAppData line of the archive is `{"Lines":{...}}`: one without is damaged
        // (a bit flip in the key lost a stint's compound in silence), and says so.
        if !v.get("Lines").is_some_and(Value::is_object) {
            warnings.push(warn(file, l.number, "no \"Lines\" object (every TimingAppData line has one): line skipped"));
            continue;
        }
        let mut drivers = Vec::new();
        for (n, d) in racing_numbers(v.get("Lines")) {
            let Some(stints) = d.get("Stints") else { continue };
            let patches: Vec<StintPatch> = indexed(stints)
                .into_iter()
                .filter_map(|(i, st)| {
                    Some(StintPatch {
                        index: u8::try_from(i).ok()?,
                        compound: st.get("Compound").and_then(Value::as_str).map(str::to_string),
                        new: st.get("New").and_then(|x| boolean(Some(x))),
                        tyres_not_changed: st.get("TyresNotChanged").map(|x| s(&serde_json::json!({"v": x}), "v")),
                        start_laps: uint(st.get("StartLaps")),
                        total_laps: uint(st.get("TotalLaps")),
                        lap_number: uint(st.get("LapNumber")),
                        lap_time_ms: st.get("LapTime").and_then(Value::as_str).and_then(parse_duration_ms),
                    })
                })
                .collect();
            if !patches.is_empty() {
                drivers.push((n, patches));
            }
        }
        if !drivers.is_empty() {
            out.push(StintLine { t_ms: l.t_ms, drivers });
        }
    }
    out
}

/// TimingStats merged to its final state: each driver's personal best lap and sectors.
pub fn timing_stats(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<DriverStats> {
    let mut state = Value::Object(Map::new());
    for l in lines {
        if let Some(v) = parse_json(file, l, warnings) {
            merge(&mut state, v);
        }
    }
    racing_numbers(state.get("Lines"))
        .into_iter()
        .map(|(number, d)| {
            let mut best_sectors_ms = [None; 3];
            if let Some(b) = d.get("BestSectors") {
                for (i, item) in indexed(b) {
                    if i < 3 {
                        best_sectors_ms[i] = time_value(Some(item)).flatten();
                    }
                }
            }
            DriverStats { number, best_lap_ms: time_value(d.get("PersonalBestLapTime")).flatten(), best_sectors_ms }
        })
        .collect()
}

/// Race control messages in the order sent (`Messages` as a list or as a dict).
pub fn race_control(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<RaceControlMessage> {
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        let Some(messages) = v.get("Messages") else { continue };
        for (_, m) in indexed(messages) {
            out.push(RaceControlMessage {
                line_ms: l.t_ms,
                utc_us: m.get("Utc").and_then(Value::as_str).and_then(parse_utc_us),
                category: s(m, "Category"),
                message: s(m, "Message"),
                status: s(m, "Status"),
                flag: s(m, "Flag"),
                scope: s(m, "Scope"),
                sector: uint(m.get("Sector")),
                racing_number: uint(m.get("RacingNumber")).and_then(|n| u16::try_from(n).ok()),
                lap: uint(m.get("Lap")),
            });
        }
    }
    out
}

/// Team radio clips, in list or indexed form, in the order sent.
pub fn team_radio(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<RadioCapture> {
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        let Some(captures) = v.get("Captures") else { continue };
        for (_, c) in indexed(captures) {
            out.push(RadioCapture {
                line_ms: l.t_ms,
                utc_us: c.get("Utc").and_then(Value::as_str).and_then(parse_utc_us),
                racing_number: uint(c.get("RacingNumber")).and_then(|n| u16::try_from(n).ok()),
                path: s(c, "Path"),
            });
        }
    }
    out
}

/// Weather samples (numbers arrive as strings).
pub fn weather(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<Weather>> {
    let mut state = Value::Object(Map::new());
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        merge(&mut state, v);
        let f = |k: &str| num(state.get(k)).unwrap_or(f64::NAN) as f32;
        out.push(Timed {
            t_ms: l.t_ms,
            value: Weather {
                air_temp_c: f("AirTemp"),
                track_temp_c: f("TrackTemp"),
                humidity_pct: f("Humidity"),
                pressure_mbar: f("Pressure"),
                rainfall: num(state.get("Rainfall")).is_some_and(|r| r >= 1.0),
                wind_direction_deg: f("WindDirection"),
                wind_speed_ms: f("WindSpeed"),
            },
        });
    }
    out
}

/// The extrapolated clock after every line (state merged, so `Extrapolating` carries over).
pub fn extrapolated_clock(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<Clock>> {
    let mut state = Value::Object(Map::new());
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        merge(&mut state, v);
        let (Some(utc_us), Some(remaining_ms)) = (
            state.get("Utc").and_then(Value::as_str).and_then(parse_utc_us),
            state.get("Remaining").and_then(Value::as_str).and_then(parse_duration_ms),
        ) else {
            warnings.push(warn(file, l.number, "ExtrapolatedClock without Utc or Remaining"));
            continue;
        };
        out.push(Timed {
            t_ms: l.t_ms,
            value: Clock { utc_us, remaining_ms, extrapolating: boolean(state.get("Extrapolating")).unwrap_or(false) },
        });
    }
    out
}

/// Heartbeat UTC instants (µs since the epoch).
pub fn heartbeat(file: &str, lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Timed<i64>> {
    let mut out = Vec::new();
    for l in lines {
        let Some(v) = parse_json(file, l, warnings) else { continue };
        match v.get("Utc").and_then(Value::as_str).and_then(parse_utc_us) {
            Some(utc) => out.push(Timed { t_ms: l.t_ms, value: utc }),
            None => warnings.push(warn(file, l.number, "Heartbeat without a valid Utc")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_text;

    fn run<T>(text: &str, f: impl Fn(&str, &[Line<'_>], &mut Vec<Warning>) -> T) -> (T, Vec<Warning>) {
        let lines = split_text("X.jsonStream", text).unwrap();
        let mut w = lines.warnings.clone();
        let out = f("X.jsonStream", &lines.lines, &mut w);
        (out, w)
    }

    #[test]
    fn session_kinds_from_type_and_name() {
        use SessionKind::*;
        let cases = [
            ("Race", "Race", Some(Race)),
            ("Race", "Sprint", Some(Sprint)),
            ("Qualifying", "Qualifying", Some(Qualifying)),
            ("Qualifying", "Sprint Shootout", Some(SprintQualifying)),
            ("Qualifying", "Sprint Qualifying", Some(SprintQualifying)),
            ("Practice", "Practice 2", Some(Practice)),
            ("", "Sprint", Some(Sprint)),
            ("", "Day 1", None),
        ];
        for (kind, name, want) in cases {
            assert_eq!(SessionKind::parse(kind, name), want, "{kind} / {name}");
        }
        let info = |kind: &str, name: &str| SessionInfo { kind: kind.into(), name: name.into(), ..Default::default() };
        assert!(info("Race", "Sprint").is_race_like() && !info("Race", "Sprint").is_qualifying_like());
        assert!(info("Qualifying", "Sprint Shootout").is_qualifying_like());
        assert_eq!(info("", "").session_kind(), Practice, "an unnamed session is ranked by best lap");
        assert_eq!(serde_json::to_string(&SprintQualifying).unwrap(), "\"sprint_qualifying\"");
    }

    #[test]
    fn timing_patches_keep_empty_values_apart_from_absent_ones() {
        let text = "00:00:01.000{\"Lines\":{\"44\":{\"NumberOfLaps\":3,\"LastLapTime\":{\"Value\":\"\"},\"Sectors\":{\"1\":{\"Value\":\"36.564\"},\"2\":{\"Segments\":{}}},\"Speeds\":{\"ST\":{\"Value\":\"321\"}}}}}\r\n";
        let (lines, w) = run(text, timing_data);
        assert!(w.is_empty());
        let (n, d) = &lines[0].drivers[0];
        assert_eq!(*n, 44);
        assert_eq!(d.number_of_laps, Some(3));
        assert_eq!(d.last_lap_time, Some(None));
        assert_eq!(d.best_lap_time, None);
        assert_eq!(d.sectors, vec![(1, Some(36_564))]);
        assert_eq!(d.speeds, vec![(SpeedTrap::ST, Some(321.0))]);
    }

    #[test]
    fn list_form_sectors_are_not_read() {
        let text = "00:00:01.000{\"Lines\":{\"1\":{\"Sectors\":[{\"Value\":\"30.0\"}]}}}\r\n";
        let (lines, _) = run(text, timing_data);
        assert!(lines[0].drivers[0].1.sectors.is_empty());
    }

    #[test]
    fn driver_list_merges_patches_and_remembers_first_sighting() {
        let text = "00:00:04.875{\"4\":{\"Tla\":\"NOR\",\"TeamColour\":\"F47600\",\"Line\":1}}\r\n00:13:49.143{\"4\":{\"Line\":3},\"44\":{\"Tla\":\"HAM\"}}\r\n";
        let (drivers, _) = run(text, driver_list);
        assert_eq!(drivers.len(), 2);
        assert_eq!(drivers[0].tla, "NOR");
        assert_eq!(drivers[0].line, Some(3));
        assert_eq!(drivers[1].first_seen_ms, 829_143);
    }

    #[test]
    fn stints_in_list_and_dict_form() {
        let text = "00:00:01.000{\"Lines\":{\"14\":{\"Stints\":[{\"Compound\":\"SOFT\",\"New\":\"true\",\"StartLaps\":0,\"TotalLaps\":0}]}}}\r\n00:00:02.000{\"Lines\":{\"14\":{\"Stints\":{\"0\":{\"TotalLaps\":3}}}}}\r\n";
        let (lines, _) = run(text, timing_app_data);
        assert_eq!(lines[0].drivers[0].1[0].compound.as_deref(), Some("SOFT"));
        assert_eq!(lines[0].drivers[0].1[0].new, Some(true));
        assert_eq!(lines[1].drivers[0].1[0].total_laps, Some(3));
    }

    #[test]
    fn a_stint_line_without_lines_is_a_warning_naming_it() {
        let text = "00:00:01.000{\"Lines\":{\"14\":{\"Stints\":[{\"Compound\":\"SOFT\"}]}}}\r\n00:00:02.000{\"Lings\":{\"14\":{\"Stints\":{\"0\":{\"Compound\":\"HARD\"}}}}}\r\n";
        let (lines, w) = run(text, timing_app_data);
        assert_eq!(lines.len(), 1);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 2);
        assert!(w[0].message.contains("\"Lines\""), "{}", w[0].message);
    }

    #[test]
    fn bad_json_is_one_warning_naming_the_line() {
        let text = "00:00:01.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n00:00:02.000{\"Status\":\r\n00:00:03.000{\"Status\":\"4\",\"Message\":\"SCDeployed\"}\r\n";
        let (statuses, w) = run(text, track_status);
        assert_eq!(statuses.len(), 2);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 2);
    }

    #[test]
    fn team_radio_captures_in_list_and_dict_form() {
        let text = "00:12:45.660{\"Captures\":[{\"Utc\":\"2025-10-25T20:59:10.493Z\",\"RacingNumber\":\"23\",\"Path\":\"TeamRadio/ALEALB01_23_20251025_155858.mp3\"}]}\r\n00:34:18.128{\"Captures\":{\"2\":{\"Utc\":\"2025-10-25T21:20:42.027Z\",\"RacingNumber\":\"1\",\"Path\":\"TeamRadio/MAXVER01_1_20251025_152007.mp3\"}}}\r\n";
        let (c, w) = run(text, team_radio);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].racing_number, Some(23));
        assert_eq!(c[1].path, "TeamRadio/MAXVER01_1_20251025_152007.mp3");
        assert_eq!(c[1].line_ms, 34 * 60_000 + 18_128);
        assert!(c[0].utc_us.is_some());
    }

    #[test]
    fn race_control_messages_in_list_and_dict_form() {
        let text = "00:13:36.469{\"Messages\":[{\"Utc\":\"2025-10-25T21:00:00\",\"Category\":\"Flag\",\"Flag\":\"GREEN\",\"Message\":\"GREEN LIGHT - PIT EXIT OPEN\"}]}\r\n00:17:34.763{\"Messages\":{\"1\":{\"Utc\":\"2025-10-25T21:03:58\",\"Category\":\"Other\",\"Message\":\"CAR 5 (BOR) TIME 1:18.964 DELETED\",\"RacingNumber\":\"5\"}}}\r\n";
        let (m, _) = run(text, race_control);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].flag, "GREEN");
        assert_eq!(m[1].racing_number, Some(5));
        assert!(m[1].utc_us.is_some());
    }
}
