//! The simulated session as a log of facts, before it is written in the feed's formats.
//!
//! The session simulators ([`crate::race`], [`crate::qualifying`]) produce a [`SessionLog`]:
//! per car its motion ([`crate::motion::Leg`]s) and its timing events (mini-sector, sector and
//! line crossings, pit lane, retirements, tyre changes), plus session-wide events (status, track
//! status, race control, weather). The topic writers turn that log into feed lines; the ground
//! truth is derived from it too, so the two cannot disagree.

use crate::driver::Compound;
use crate::motion::Leg;

/// Speed trap names as in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trap {
    /// Intermediate 1.
    I1,
    /// Intermediate 2.
    I2,
    /// Speed trap on the fastest straight.
    St,
}

impl Trap {
    /// The feed's key.
    pub fn key(self) -> &'static str {
        match self {
            Trap::I1 => "I1",
            Trap::I2 => "I2",
            Trap::St => "ST",
        }
    }
}

/// A timing event of one car.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    /// Mini-sector `seg` (global index into the track's segments) completed on lap `lap`.
    /// `ms` is its duration when known; `pit_lane` when the car was in the pit lane.
    Segment {
        /// Lap being driven.
        lap: u32,
        /// Global segment index.
        seg: usize,
        /// Duration, ms, when the segment was driven in full on track.
        ms: Option<i64>,
        /// Crossed in the pit lane.
        pit_lane: bool,
    },
    /// Sector `sector` completed; `ms` is `None` when the feed has no value (lap 1 of a race,
    /// an out-lap from the garage).
    Sector {
        /// Lap being driven.
        lap: u32,
        /// Sector 0..3.
        sector: usize,
        /// Sector time, ms, as sent.
        ms: Option<i64>,
    },
    /// Lap `lap` completed at the timing line.
    Line {
        /// The lap just completed.
        lap: u32,
        /// Lap time as sent (`None`: not sent).
        lap_ms: Option<i64>,
        /// Speed at the line, km/h.
        fl_kph: u32,
        /// Crossed in the pit lane.
        in_pit: bool,
    },
    /// Passed a speed trap.
    Trap {
        /// Which.
        which: Trap,
        /// km/h.
        kph: u32,
    },
    /// Entered the pit lane (`stops` = pit stops including this one).
    PitEntry {
        /// Pit stop count after this entry.
        stops: u32,
    },
    /// Crossed the pit exit line.
    PitExit,
    /// The `PitOut` flag clears (the feed does this some seconds after the exit).
    PitOutCleared,
    /// The car stopped on track.
    Stopped,
    /// The car is out of the session.
    Retired,
    /// A new set of tyres is fitted (stint `index`, 0-based).
    Stint {
        /// Stint index, 0-based.
        index: u32,
        /// Compound.
        compound: Compound,
        /// New set.
        new: bool,
        /// Laps the set had done before this stint.
        start_laps: u32,
    },
    /// The tyre-laps counter of stint `index` advanced.
    StintLaps {
        /// Stint index, 0-based.
        index: u32,
        /// Laps on the set in total.
        total_laps: u32,
    },
    /// A lap was deleted by race control (qualifying); `best_ms` is the personal best that
    /// stands afterwards in the current part (`None` if none).
    LapDeleted {
        /// The deleted lap number.
        lap: u32,
        /// The deleted lap time.
        lap_ms: i64,
        /// The personal best after the deletion.
        best_ms: Option<i64>,
    },
    /// Knocked out of qualifying at the end of a part.
    KnockedOut,
}

/// A timing event with its session time (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEv {
    /// Session time, ms.
    pub t: i64,
    /// What happened.
    pub ev: Ev,
}

/// One lap as it really happened.
#[derive(Debug, Clone, PartialEq)]
pub struct LapRec {
    /// Lap number (1-based, the car's own count).
    pub number: u32,
    /// Session time the lap started (line crossing, race start or pit exit from the garage).
    pub start_ms: i64,
    /// Session time the lap ended (line crossing).
    pub end_ms: i64,
    /// True lap time, ms (`None` for a lap that began in the garage).
    pub lap_ms: Option<i64>,
    /// True sector times, ms.
    pub sectors_ms: [Option<i64>; 3],
    /// Whether the feed carries this lap's time (false for race lap 1 and garage out-laps).
    pub lap_time_sent: bool,
    /// Pit entry on this lap (in-lap).
    pub pit_in_ms: Option<i64>,
    /// Pit exit on this lap (out-lap).
    pub pit_out_ms: Option<i64>,
    /// Tyre compound.
    pub compound: Compound,
    /// Stint, 1-based.
    pub stint: u32,
    /// Laps on the tyre at the end of this lap, FastF1's `TyreLife`.
    pub tyre_life: u32,
    /// Deleted by race control.
    pub deleted: bool,
}

/// How a car's session ended early.
#[derive(Debug, Clone, PartialEq)]
pub struct Retirement {
    /// The lap being driven (on track) or just completed (in the pits).
    pub lap: u32,
    /// Session time, ms.
    pub t_ms: i64,
    /// Retired in the pits (true) or stopped on track (false).
    pub in_pits: bool,
}

/// Everything about one car.
#[derive(Debug, Clone, Default)]
pub struct CarLog {
    /// Motion, contiguous legs.
    pub legs: Vec<Leg>,
    /// Timing events in time order.
    pub events: Vec<TimedEv>,
    /// DRS flap open intervals, session seconds.
    pub drs_open: Vec<(f64, f64)>,
    /// Completed laps.
    pub laps: Vec<LapRec>,
    /// Early end, if any.
    pub retirement: Option<Retirement>,
    /// Grid position (races) or `None`.
    pub grid: Option<u32>,
}

impl CarLog {
    /// Records an event.
    pub fn ev(&mut self, t: i64, ev: Ev) {
        self.events.push(TimedEv { t, ev });
    }
}

/// Session status values of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Before, between parts.
    Inactive,
    /// Running.
    Started,
    /// Chequered flag.
    Finished,
    /// Results final.
    Finalised,
    /// Stream over.
    Ends,
}

impl Status {
    /// The feed's word.
    pub fn name(self) -> &'static str {
        match self {
            Status::Inactive => "Inactive",
            Status::Started => "Started",
            Status::Finished => "Finished",
            Status::Finalised => "Finalised",
            Status::Ends => "Ends",
        }
    }
}

/// A race control message (times are session ms; the writer turns them into absolute UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct Rcm {
    /// Session time, ms.
    pub t: i64,
    /// Lap shown with the message (races).
    pub lap: Option<u32>,
    /// Category: Flag, Other, SafetyCar, Drs.
    pub category: &'static str,
    /// Flag for flag messages.
    pub flag: Option<&'static str>,
    /// Scope for flag messages (Track, Sector, Driver).
    pub scope: Option<&'static str>,
    /// Sector for sector-scoped flags.
    pub sector: Option<u32>,
    /// Status for Drs / SafetyCar messages.
    pub status: Option<&'static str>,
    /// Mode for SafetyCar messages.
    pub mode: Option<&'static str>,
    /// Racing number for driver-scoped messages.
    pub racing_number: Option<String>,
    /// The text.
    pub message: String,
}

impl Rcm {
    /// A plain "Other" message.
    pub fn other(t: i64, lap: Option<u32>, message: impl Into<String>) -> Rcm {
        Rcm {
            t,
            lap,
            category: "Other",
            flag: None,
            scope: None,
            sector: None,
            status: None,
            mode: None,
            racing_number: None,
            message: message.into(),
        }
    }

    /// A track-wide flag message.
    pub fn flag(t: i64, lap: Option<u32>, flag: &'static str, message: impl Into<String>) -> Rcm {
        Rcm { category: "Flag", flag: Some(flag), scope: Some("Track"), ..Rcm::other(t, lap, message) }
    }
}

/// One WeatherData sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Weather {
    /// Session time, ms.
    pub t: i64,
    /// °C.
    pub air_temp: f64,
    /// %.
    pub humidity: f64,
    /// mbar.
    pub pressure: f64,
    /// Raining.
    pub rainfall: bool,
    /// °C.
    pub track_temp: f64,
    /// Degrees.
    pub wind_direction: u32,
    /// m/s.
    pub wind_speed: f64,
}

/// A session simulated end to end.
#[derive(Debug, Clone, Default)]
pub struct SessionLog {
    /// Per car, in the field's driver order.
    pub cars: Vec<CarLog>,
    /// Session status changes.
    pub status: Vec<(i64, Status)>,
    /// Track status changes: (ms, code, message).
    pub track_status: Vec<(i64, u8, &'static str)>,
    /// Race control messages.
    pub rcm: Vec<Rcm>,
    /// Weather samples.
    pub weather: Vec<Weather>,
    /// LapCount changes (race-like): (ms, current lap).
    pub lap_count: Vec<(i64, u32)>,
    /// DRS enabled/disabled changes (drives channel 45 between 0 and 8).
    pub drs_enabled: Vec<(i64, bool)>,
    /// Qualifying part starts: (ms, part 1..=3).
    pub parts: Vec<(i64, u32)>,
    /// Session time of the first "Started" (race start).
    pub start_ms: i64,
    /// End of the data stream, ms.
    pub end_ms: i64,
    /// Scheduled laps (race-like).
    pub total_laps: Option<u32>,
    /// Extrapolated clock: (ms, remaining seconds, extrapolating).
    pub clock: Vec<(i64, i64, bool)>,
}

impl SessionLog {
    /// DRS enabled at session time `t_ms`.
    pub fn drs_enabled_at(&self, t_ms: i64) -> bool {
        let mut on = false;
        for &(t, e) in &self.drs_enabled {
            if t <= t_ms {
                on = e;
            } else {
                break;
            }
        }
        on
    }
}
