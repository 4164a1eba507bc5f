//! The replay manifest (docs/API.md): what a client needs before the first chunk.

use serde::{Deserialize, Serialize};

/// The session part of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SessionMeta {
    /// Session id (docs/API.md).
    pub id: String,
    /// Season.
    pub year: i32,
    /// Meeting name.
    pub meeting: String,
    /// Session name.
    pub name: String,
    /// race, sprint, qualifying, sprint_qualifying, practice.
    pub kind: String,
    /// Whether the session ranks by best lap (qualifying, sprint qualifying, practice) rather
    /// than by race distance ([`feed::records::SessionKind::is_race_like`]): the viewer's
    /// tower, clock and seek bar follow it.
    #[serde(default)]
    pub ranked_by_best_lap: bool,
    /// Race distance in laps.
    pub total_laps: Option<u32>,
    /// UTC of session time zero.
    pub t0_utc: Option<String>,
    /// Session start (first "Started"), s.
    pub start_s: Option<f64>,
    /// Last frame's time, s.
    pub end_s: f64,
    /// Races and sprints: when the chequered flag fell, s (the leader completed the race
    /// distance; [`crate::cars::chequered_flag`]): before it the final classification is not
    /// known, and a spoiler-free viewer keeps it hidden.
    #[serde(default)]
    pub chequered_s: Option<f64>,
}

/// One chunk in the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ChunkEntry {
    /// Chunk number.
    pub index: u32,
    /// First frame.
    pub first_frame: u32,
    /// Frames in it.
    pub frames: u32,
    /// Stored (compressed) size.
    pub bytes: u64,
    /// Strong ETag (quoted).
    pub etag: String,
}

/// A driver as the viewer shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DriverMeta {
    /// Racing number.
    pub number: u16,
    /// Three-letter code.
    pub tla: String,
    /// Full name.
    pub name: String,
    /// Team.
    pub team: String,
    /// The team colour, `#RRGGBB`.
    pub colour: String,
    /// The map's colour for the car, `#RRGGBB`: the team colour moved apart from other teams'
    /// similar ones ([`crate::colours::map_colours`]); empty in replays built before it.
    #[serde(default)]
    pub map_colour: String,
}

/// A point and direction.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Finish {
    /// X, m.
    pub x: f32,
    /// Y, m.
    pub y: f32,
    /// Direction of travel, x.
    pub dx: f32,
    /// Direction of travel, y.
    pub dy: f32,
}

/// A point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Point {
    /// X, m.
    pub x: f32,
    /// Y, m.
    pub y: f32,
}

/// A DRS zone as outline indices.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Zone {
    /// First outline index.
    pub from: usize,
    /// Last outline index.
    pub to: usize,
}

/// Track geometry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, utoipa::ToSchema)]
pub struct Geometry {
    /// Centreline, m, closed.
    pub outline: Vec<[f32; 2]>,
    /// Pit lane, m.
    pub pit_lane: Vec<[f32; 2]>,
    /// Finish line.
    pub finish: Option<Finish>,
    /// Sector boundaries.
    pub sectors: Vec<Point>,
    /// DRS zones.
    pub drs_zones: Vec<Zone>,
    /// Display rotation, degrees.
    pub rotation_deg: f32,
    /// Bounding box.
    pub bbox: [f32; 4],
    /// Lap length, m.
    pub length_m: f32,
}

/// A leader line crossing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct LapStart {
    /// Lap number started.
    pub lap: u32,
    /// Session time, s.
    pub t_s: f64,
}

/// A track status period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct StatusPeriod {
    /// Start, s.
    pub start_s: f64,
    /// End, s (None = to the end).
    pub end_s: Option<f64>,
    /// Status code.
    pub status: u8,
}

/// A qualifying part.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Segment {
    /// Q1, Q2, Q3.
    pub name: String,
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: Option<f64>,
}

/// A race control message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RcmEntry {
    /// Session time, s.
    pub t_s: f64,
    /// Category.
    pub category: String,
    /// Flag.
    pub flag: String,
    /// Scope.
    pub scope: String,
    /// Sector.
    pub sector: Option<u32>,
    /// Racing number.
    pub driver: Option<u16>,
    /// Lap.
    pub lap: Option<u32>,
    /// Text.
    pub message: String,
}

/// A weather sample.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct WeatherEntry {
    /// Session time, s.
    pub t_s: f64,
    /// Air, °C.
    pub air_c: Option<f32>,
    /// Track, °C.
    pub track_c: Option<f32>,
    /// Humidity, %.
    pub humidity: Option<f32>,
    /// Pressure, mbar.
    pub pressure: Option<f32>,
    /// Rain.
    pub rain: bool,
    /// Wind direction, degrees.
    pub wind_dir: Option<f32>,
    /// Wind speed, m/s.
    pub wind_ms: Option<f32>,
}

/// What the session's raw data carries, so a viewer can say what it cannot show instead of
/// showing a fake map or order.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, utoipa::ToSchema)]
pub struct Coverage {
    /// Car positions (`Position.z`): the map can show the cars.
    pub positions: bool,
    /// Car telemetry (`CarData.z`): speed, rpm, gear, throttle, brake, DRS.
    pub car_telemetry: bool,
    /// Timing (`TimingData`): laps, the running order and gaps.
    pub timing: bool,
}

impl Coverage {
    /// What `s` carries. Timing counts only laps the timing gave (not the ones FastF1's rules
    /// generate for cars without any) or positions it gave.
    pub fn of(s: &timing::Session) -> Coverage {
        Coverage {
            positions: s.telemetry.iter().any(|t| t.x_m.iter().any(|x| x.is_finite())),
            car_telemetry: s.telemetry.iter().any(|t| t.speed_kph.iter().any(|v| v.is_finite())),
            timing: Coverage::has_timing(s),
        }
    }

    /// What a session's raw files can give, from which topic files it has (`has(file_name)`),
    /// before it is built: the session list says it so a user knows before picking. Once
    /// built, [`Coverage::of`] (what the files actually held) is the manifest's.
    pub fn of_topic_files(has: impl Fn(&str) -> bool) -> Coverage {
        Coverage {
            positions: has(&feed::Topic::Position.file_name()),
            car_telemetry: has(&feed::Topic::CarData.file_name()),
            timing: has(&feed::Topic::TimingData.file_name()),
        }
    }

    /// Whether `s` has timing (see [`Coverage::timing`], [`timing::Session::has_timing`]).
    pub fn has_timing(s: &timing::Session) -> bool {
        s.has_timing()
    }
}

/// Something the raw files lost or had odd, as the decode said it: the replay was built
/// without it, and viewers are told.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SourceWarning {
    /// The topic file, e.g. `TimingData.jsonStream`.
    pub file: String,
    /// 1-based line in that file; 0 when the whole file is concerned.
    pub line: usize,
    /// What was wrong and what was dropped, in plain words.
    pub message: String,
}

impl From<&feed::Warning> for SourceWarning {
    fn from(w: &feed::Warning) -> SourceWarning {
        SourceWarning { file: w.file.clone(), line: w.line, message: w.message.clone() }
    }
}

impl std::fmt::Display for SourceWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        feed::Warning { file: self.file.clone(), line: self.line, message: self.message.clone() }.fmt(f)
    }
}

/// Most warnings a manifest lists; beyond it the last entry says how many more there were.
pub const MAX_WARNINGS: usize = 100;

/// The source warnings for a manifest: the first [`MAX_WARNINGS`], then one entry counting the
/// rest, so a badly damaged session cannot bloat every client's manifest.
pub fn source_warnings(all: &[feed::Warning]) -> Vec<SourceWarning> {
    let mut out: Vec<SourceWarning> = all.iter().take(MAX_WARNINGS).map(SourceWarning::from).collect();
    if all.len() > MAX_WARNINGS {
        let message = format!("{} more warnings not listed", all.len() - MAX_WARNINGS);
        out.push(SourceWarning { file: "(more)".into(), line: 0, message });
    }
    out
}

/// The manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Manifest {
    /// Replay file format version.
    pub format_version: u32,
    /// Pipeline version that built it.
    pub pipeline_version: String,
    /// Hash of the raw files it was built from (hex).
    #[serde(default)]
    pub source_hash: String,
    /// The session.
    pub session: SessionMeta,
    /// What the session's data carries (positions, car telemetry, timing).
    pub coverage: Coverage,
    /// Frames per second.
    pub fps: u32,
    /// Milliseconds per frame.
    pub frame_ms: f64,
    /// Session time of frame 0, s.
    pub t_start_s: f64,
    /// Frames.
    pub frame_count: u32,
    /// Frames per chunk.
    pub chunk_frames: u32,
    /// Chunk index.
    pub chunks: Vec<ChunkEntry>,
    /// Drivers, in chunk order.
    pub drivers: Vec<DriverMeta>,
    /// Track geometry.
    pub geometry: Geometry,
    /// The leader's line crossings.
    pub lap_starts: Vec<LapStart>,
    /// Track status periods.
    pub track_status: Vec<StatusPeriod>,
    /// Qualifying parts.
    pub segments: Vec<Segment>,
    /// Race control messages.
    pub race_control: Vec<RcmEntry>,
    /// Weather samples.
    pub weather: Vec<WeatherEntry>,
    /// What the raw files lost (skipped lines, unusable topics): empty when nothing was.
    #[serde(default)]
    pub warnings: Vec<SourceWarning>,
}

#[cfg(test)]
mod tests {
    use super::Coverage;

    #[test]
    fn coverage_before_the_build_follows_the_topic_files() {
        let timing_only = Coverage::of_topic_files(|f| f == "TimingData.jsonStream" || f == "DriverList.jsonStream");
        assert_eq!(timing_only, Coverage { positions: false, car_telemetry: false, timing: true });
        let all = Coverage::of_topic_files(|_| true);
        assert_eq!(all, Coverage { positions: true, car_telemetry: true, timing: true });
    }
}
