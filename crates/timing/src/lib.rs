//! The session model: what happened in a session, in session time.
//!
//! A [`Session`] is built from a decoded [`feed::FeedSession`]. Its laps ([`laps::Lap`]) come
//! from TimingData and TimingAppData by FastF1's rules (docs/FEED.md §2.b; each rule's reason is
//! named where it is applied); its telemetry ([`telemetry::DriverTelemetry`]) is columnar per
//! driver, car and position channels merged on one time base through t0 (docs/FEED.md §2.e); track
//! status, session status, weather and race control messages are put in session time. Who is
//! where ([`classification`]): the qualifying and practice order at any moment, as the timing
//! screen ranks it, and every session's final classification, typed, for the replay, the server
//! and the CLI to present.
//!
//! ```no_run
//! let feed = feed::FeedSession::read_dir(std::path::Path::new("session-folder"));
//! let session = timing::Session::build(&feed);
//! for lap in session.laps.iter().filter(|l| l.driver == 44) {
//!     println!("lap {} {:?} ms", lap.lap_number, lap.lap_time_ms);
//! }
//! ```
#![warn(missing_docs)]

pub mod bests;
pub mod classification;
pub mod delta;
pub mod drs;
pub mod lap_row;
pub mod laps;
pub mod marshal;
pub mod official;
pub mod segments;
pub mod status;
pub mod stewards;
pub mod story;
pub mod tables;
pub mod telemetry;
pub mod walk;

use feed::records::{DriverInfo, RaceControlMessage, SessionInfo, Timed, Weather};
use feed::FeedSession;
use laps::{Lap, LapContext};
use status::TrackStatusInterval;
use telemetry::DriverTelemetry;

/// FastF1 ignores drivers first declared this long after the stream opened.
const LATE_DRIVER_MS: i64 = 60 * 60 * 1000;

/// A race control message placed in session time.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceControlEvent {
    /// Session ms: its UTC minus t0 when t0 is known, else the carrying line's time.
    pub t_ms: i64,
    /// The message.
    pub message: RaceControlMessage,
}

/// A team radio clip placed in session time.
#[derive(Debug, Clone, PartialEq)]
pub struct RadioClip {
    /// Session ms: its UTC minus t0 when t0 is known, else the carrying line's time.
    pub t_ms: i64,
    /// The capture as sent.
    pub capture: feed::records::RadioCapture,
}

/// A whole session, ready for the replay.
#[derive(Debug, Default, Clone)]
pub struct Session {
    /// What the session is.
    pub info: SessionInfo,
    /// UTC µs at session time zero (from telemetry; `None` without car or position data).
    pub t0_utc_us: Option<i64>,
    /// First "Started", session ms.
    pub session_start_ms: Option<i64>,
    /// Drivers taking part, by racing number.
    pub drivers: Vec<DriverInfo>,
    /// All laps, grouped by driver.
    pub laps: Vec<Lap>,
    /// Start times of Q1/Q2/Q3 (qualifying), session ms.
    pub part_starts_ms: Vec<i64>,
    /// Telemetry per driver.
    pub telemetry: Vec<DriverTelemetry>,
    /// Track status intervals.
    pub track_status: Vec<TrackStatusInterval>,
    /// Session status changes.
    pub session_status: Vec<Timed<String>>,
    /// Weather samples.
    pub weather: Vec<Timed<Weather>>,
    /// Race control messages in session time.
    pub race_control: Vec<RaceControlEvent>,
    /// Team radio clips in session time, as sent.
    pub team_radio: Vec<RadioClip>,
    /// Total laps (race-like sessions).
    pub total_laps: Option<u32>,
    /// The leader's lap as LapCount gave it: (session ms, `CurrentLap`) changes. The lap
    /// counter of a race whose data has no TimingData.
    pub current_lap: Vec<(i64, u32)>,
    /// The official timing's position and flags over time, per driver.
    pub official: Vec<official::OfficialTimeline>,
    /// What could not be done exactly, in plain words (alignment, integrity, missing topics).
    pub notes: Vec<String>,
}

impl Session {
    /// Builds the session model. Never fails: what is missing is empty and explained in `notes`.
    pub fn build(feed: &FeedSession) -> Session {
        let info = feed.session_info.clone().unwrap_or_default();
        let race_like = info.is_race_like();
        let t0_utc_us = telemetry::t0_utc_us(feed);
        let session_start_ms = status::session_start(&feed.session_status);
        let track_status = status::track_status_intervals(&feed.track_status);
        let total_laps = status::total_laps(&feed.lap_count);

        let mut drivers: Vec<DriverInfo> = feed.drivers.iter().filter(|d| d.first_seen_ms <= LATE_DRIVER_MS).cloned().collect();
        if drivers.is_empty() {
            // No DriverList: the drivers that have both timing and tyre data.
            let mut nums: Vec<u16> = feed.timing.iter().flat_map(|l| l.drivers.iter().map(|d| d.0)).collect();
            nums.sort_unstable();
            nums.dedup();
            nums.retain(|n| feed.stints.iter().any(|l| l.drivers.iter().any(|d| d.0 == *n)));
            drivers = nums.into_iter().map(|number| DriverInfo { number, tla: number.to_string(), ..Default::default() }).collect();
        }
        let numbers: Vec<u16> = drivers.iter().map(|d| d.number).collect();
        let ctx = LapContext {
            race_like,
            session_start_ms,
            drivers: &numbers,
            session_status: &feed.session_status,
            track_status: &track_status,
            race_control: (!feed.missing.contains(&feed::Topic::RaceControlMessages) && !feed.race_control.is_empty())
                .then_some(feed.race_control.as_slice()),
            total_laps,
            t0_utc_us,
        };
        // The laps and the official timelines (one thread each) and the telemetry merge (per
        // driver) at once.
        use rayon::prelude::*;
        let ((built, official), telemetry) = rayon::join(
            || rayon::join(|| laps::build(feed, &ctx), || official::timelines(feed, &numbers)),
            || match t0_utc_us {
                Some(t0) => numbers
                    .par_iter()
                    .filter(|n| feed.car_data.drivers.contains_key(n) || feed.position.drivers.contains_key(n))
                    .map(|&n| telemetry::merge_channels(n, feed.car_data.drivers.get(&n), feed.position.drivers.get(&n), t0))
                    .collect(),
                None => Vec::new(),
            },
        );
        let race_control = feed
            .race_control
            .iter()
            .map(|m| RaceControlEvent {
                t_ms: match (m.utc_us, t0_utc_us) {
                    (Some(u), Some(t0)) => (u - t0).div_euclid(1000),
                    _ => m.line_ms,
                },
                message: m.clone(),
            })
            .collect();

        let team_radio = feed
            .team_radio
            .iter()
            .map(|c| RadioClip {
                t_ms: match (c.utc_us, t0_utc_us) {
                    (Some(u), Some(t0)) => (u - t0).div_euclid(1000),
                    _ => c.line_ms,
                },
                capture: c.clone(),
            })
            .collect();
        let mut notes = built.notes;
        notes.extend(feed.missing.iter().map(|t| format!("topic {} is missing", t.name())));
        notes.extend(feed.errors.iter().map(|e| e.to_string()));
        Session {
            info,
            t0_utc_us,
            session_start_ms,
            drivers,
            laps: built.laps,
            part_starts_ms: built.part_starts,
            telemetry,
            track_status,
            session_status: feed.session_status.clone(),
            weather: feed.weather.clone(),
            race_control,
            team_radio,
            total_laps,
            current_lap: feed.lap_count.iter().filter_map(|e| e.value.current_lap.map(|lap| (e.t_ms, lap))).collect(),
            official,
            notes,
        }
    }

    /// Whether the timing gave anything: a lap it reported (not one FastF1's rules generated for
    /// a car without any) or a position. Without it there is no order, gap or classification.
    pub fn has_timing(&self) -> bool {
        self.laps.iter().any(|l| !l.generated) || self.official.iter().any(|o| !o.position.is_empty())
    }

    /// The driver with this racing number.
    pub fn driver(&self, number: u16) -> Option<&DriverInfo> {
        self.drivers.iter().find(|d| d.number == number)
    }

    /// The driver's three-letter code as every table shows it: the driver list's, or the
    /// racing number where the list has none (no `DriverList`, or an empty `Tla`), as FastF1's
    /// `Driver` column does.
    pub fn tla(&self, number: u16) -> String {
        self.driver(number).map(|d| d.tla.as_str()).filter(|t| !t.is_empty()).map_or_else(|| number.to_string(), str::to_string)
    }

    /// The telemetry of this driver.
    pub fn telemetry_of(&self, number: u16) -> Option<&DriverTelemetry> {
        self.telemetry.iter().find(|t| t.driver == number)
    }
}
