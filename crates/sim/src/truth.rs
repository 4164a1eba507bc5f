//! Ground truth: what really happened in a simulated session, for tests of everything
//! downstream (and for checking the simulator itself against FastF1).
//!
//! It is derived from the same [`SessionLog`] the feed files are written
//! from, and serialised as `ground_truth.json` next to them. Times are session milliseconds
//! (session time zero = the start of the data stream = `t0_utc`).

use serde::{Deserialize, Serialize};

use crate::calendar::{self, SessionDate};
use crate::log::SessionLog;
use crate::world::World;
use crate::SessionKind;

/// The whole ground truth of one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Session facts.
    pub session: TruthSession,
    /// The field.
    pub drivers: Vec<TruthDriver>,
    /// Every completed lap of every driver, by driver then lap.
    pub laps: Vec<TruthLap>,
    /// Race-like sessions: the order at the timing line for every lap number.
    pub order: Vec<TruthCrossing>,
    /// Cars whose session ended early.
    pub retirements: Vec<TruthRetirement>,
    /// Track status changes.
    pub track_status: Vec<TruthTrackStatus>,
}

/// Session-level facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSession {
    /// `Race`, `Sprint`, `Qualifying` or `Practice`.
    pub kind: String,
    /// Session name as in SessionInfo.
    pub name: String,
    /// Archive path of the session folder.
    pub path: String,
    /// UTC of session time zero, seven fractional digits.
    pub t0_utc: String,
    /// Session time of the first `Started` status (the race start), ms.
    pub session_start_ms: i64,
    /// End of the data stream, ms.
    pub session_end_ms: i64,
    /// Scheduled laps (race-like sessions).
    pub total_laps: Option<u32>,
    /// Seed the session was generated from.
    pub seed: u64,
    /// Lap length, metres.
    pub track_length_m: f64,
    /// The ideal lap at reference pace, ms.
    pub reference_lap_ms: i64,
}

/// One driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthDriver {
    /// Racing number.
    pub number: String,
    /// Three-letter code.
    pub tla: String,
    /// Full name.
    pub name: String,
    /// Team.
    pub team: String,
    /// Team colour, hex.
    pub colour: String,
    /// Grid position (races).
    pub grid: Option<u32>,
}

/// One completed lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthLap {
    /// Racing number.
    pub driver: String,
    /// Lap number.
    pub lap: u32,
    /// True lap time, ms (`None` for an out-lap that began in the garage).
    pub lap_time_ms: Option<i64>,
    /// Whether the feed carries the lap time (race lap 1 and garage out-laps: no).
    pub lap_time_in_feed: bool,
    /// True sector times, ms.
    pub sector_times_ms: [Option<i64>; 3],
    /// Lap start, session ms.
    pub start_ms: i64,
    /// Lap end (line crossing), session ms.
    pub end_ms: i64,
    /// Pit entry on this lap, session ms.
    pub pit_in_ms: Option<i64>,
    /// Pit exit on this lap, session ms.
    pub pit_out_ms: Option<i64>,
    /// Tyre compound.
    pub compound: String,
    /// Stint, 1-based.
    pub stint: u32,
    /// Laps on the tyre including this one (FastF1's `TyreLife`).
    pub tyre_life: u32,
    /// Position at the line (race-like sessions).
    pub position: Option<u32>,
    /// Deleted by race control.
    pub deleted: bool,
}

/// The order at the line for one lap number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthCrossing {
    /// Lap number.
    pub lap: u32,
    /// Racing numbers in crossing order.
    pub drivers: Vec<String>,
    /// Gap to the first car across the line on this lap, seconds.
    pub gaps_s: Vec<f64>,
}

/// An early end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthRetirement {
    /// Racing number.
    pub driver: String,
    /// Lap being driven (on track) or just completed (pits).
    pub lap: u32,
    /// Session time, ms.
    pub time_ms: i64,
    /// In the pits (true) or stopped on track (false).
    pub in_pits: bool,
}

/// A track status change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthTrackStatus {
    /// Session time, ms.
    pub time_ms: i64,
    /// Status code as in the feed ("1", "2", "4", "6", "7").
    pub status: String,
    /// The feed's message.
    pub message: String,
}

/// Builds the ground truth of a simulated session.
pub(crate) fn build(w: &World, log: &SessionLog, kind: SessionKind, cal: &SessionDate, seed: u64) -> GroundTruth {
    let race = kind.is_race_like();
    let mut laps = Vec::new();
    let mut order = Vec::new();
    // positions per lap number
    let max_lap = log.cars.iter().flat_map(|c| c.laps.iter().map(|l| l.number)).max().unwrap_or(0);
    let mut position = vec![Vec::new(); log.cars.len()];
    if race {
        for lap in 1..=max_lap {
            let mut at: Vec<(i64, usize)> = log
                .cars
                .iter()
                .enumerate()
                .filter_map(|(c, car)| car.laps.iter().find(|l| l.number == lap).map(|l| (l.end_ms, c)))
                .collect();
            at.sort();
            if at.is_empty() {
                continue;
            }
            let lead = at[0].0;
            for (p, &(_, c)) in at.iter().enumerate() {
                position[c].push((lap, p as u32 + 1));
            }
            order.push(TruthCrossing {
                lap,
                drivers: at.iter().map(|&(_, c)| w.field.drivers[c].number.clone()).collect(),
                gaps_s: at.iter().map(|&(t, _)| (t - lead) as f64 / 1000.0).collect(),
            });
        }
    }
    for (c, car) in log.cars.iter().enumerate() {
        let num = &w.field.drivers[c].number;
        for l in &car.laps {
            laps.push(TruthLap {
                driver: num.clone(),
                lap: l.number,
                lap_time_ms: l.lap_ms,
                lap_time_in_feed: l.lap_time_sent,
                sector_times_ms: l.sectors_ms,
                start_ms: l.start_ms,
                end_ms: l.end_ms,
                pit_in_ms: l.pit_in_ms,
                pit_out_ms: l.pit_out_ms,
                compound: l.compound.name().to_string(),
                stint: l.stint,
                tyre_life: l.tyre_life,
                position: position[c].iter().find(|(lap, _)| *lap == l.number).map(|p| p.1),
                deleted: l.deleted,
            });
        }
    }
    let retirements = log
        .cars
        .iter()
        .enumerate()
        .filter_map(|(c, car)| {
            car.retirement.as_ref().map(|r| TruthRetirement {
                driver: w.field.drivers[c].number.clone(),
                lap: r.lap,
                time_ms: r.t_ms,
                in_pits: r.in_pits,
            })
        })
        .collect();
    GroundTruth {
        session: TruthSession {
            kind: kind.name().to_string(),
            name: cal.name.to_string(),
            path: cal.path(),
            t0_utc: calendar::utc7(cal.t0_ticks),
            session_start_ms: log.start_ms,
            session_end_ms: log.end_ms,
            total_laps: log.total_laps,
            seed,
            track_length_m: (w.track.length * 1000.0).round() / 1000.0,
            reference_lap_ms: (w.track.profile.lap_time() * 1000.0).round() as i64,
        },
        drivers: w
            .field
            .drivers
            .iter()
            .enumerate()
            .map(|(c, d)| TruthDriver {
                number: d.number.clone(),
                tla: d.tla.clone(),
                name: format!("{} {}", d.first_name, d.last_name),
                team: w.field.teams[d.team].name.to_string(),
                colour: w.field.teams[d.team].colour.to_string(),
                grid: log.cars[c].grid,
            })
            .collect(),
        laps,
        order,
        retirements,
        track_status: log
            .track_status
            .iter()
            .map(|&(t, code, msg)| TruthTrackStatus { time_ms: t, status: code.to_string(), message: msg.to_string() })
            .collect(),
    }
}
