//! The race story: every car's laps as the charts of a race tell it (lap time, position at the
//! line, pit laps, neutralised laps, gap to the leader at the line), and which laps the race ran
//! neutralised. The viewer's story charts present these rows; no rule is left to them.
//!
//! The gap to the leader at the end of lap L is time at distance, as the replay's gaps are: how
//! long after the first car to complete lap L this car completed it (so a lapped car's gap keeps
//! growing past a lap time instead of jumping back).

use crate::laps::Lap;
use crate::status::TrackStatus;
use crate::Session;
use serde::Serialize;
use std::collections::BTreeMap;

/// A neutralisation of the race on a lap: the most severe status the lap saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Neutralised {
    /// The timing's code (4 SC, 5 red, 6 VSC; a lap that only saw "VSC ending" says 6).
    pub status: u8,
    /// Its short name ("SC", "Red", "VSC").
    pub label: &'static str,
}

impl Neutralised {
    /// The most severe neutralisation among a lap's track status codes (FastF1's `TrackStatus`
    /// column, e.g. "1 4"→ SC): red flag, then safety car, then virtual safety car.
    pub fn of_lap(codes: &str) -> Option<Neutralised> {
        let seen: Vec<TrackStatus> = codes.chars().filter_map(|c| c.to_digit(10)).map(|d| TrackStatus::from_code(d as u8)).collect();
        let worst = [TrackStatus::Red, TrackStatus::SafetyCar, TrackStatus::VirtualSafetyCar]
            .into_iter()
            .find(|s| seen.contains(s) || (*s == TrackStatus::VirtualSafetyCar && seen.contains(&TrackStatus::VirtualSafetyCarEnding)))?;
        Some(Neutralised { status: worst.code(), label: worst.label() })
    }
}

/// One lap of one car in the race story.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoryLap {
    /// Racing number.
    pub driver: u16,
    /// Lap number, from 1.
    pub lap: u32,
    /// The line crossing that ended the lap, session s (`None`: not timed).
    pub end_s: Option<f64>,
    /// Lap time, s (`None`: the timing gave none, e.g. a lap with a red flag).
    pub lap_time_s: Option<f64>,
    /// Position at the line (race-like sessions; `None` otherwise).
    pub position: Option<u32>,
    /// The car entered the pit lane on this lap.
    pub pit_in: bool,
    /// The car left the pit lane on this lap.
    pub pit_out: bool,
    /// The race was neutralised during this lap.
    pub neutralised: Option<Neutralised>,
    /// Time behind the first car to complete this lap, s (race-like sessions only).
    pub gap_to_leader_s: Option<f64>,
}

/// A lap of the race run (partly) neutralised, as the leader's lap saw it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NeutralisedLap {
    /// Lap number.
    pub lap: u32,
    /// When the leader started it, session s.
    pub start_s: Option<f64>,
    /// When the leader completed it, session s.
    pub end_s: Option<f64>,
    /// What neutralised it.
    pub neutralised: Neutralised,
}

/// A knot of the lap clock: the leader had run `laps` laps at session time `t_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LapClockPoint {
    /// Laps run by the leader (0 at the start).
    pub laps: u32,
    /// Session time, s.
    pub t_s: f64,
}

/// The race story of a session (`GET /api/sessions/{id}/story`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RaceStory {
    /// Race-like session (positions and gaps are given only then).
    pub race_like: bool,
    /// Every timed or pitted lap (generated laps left out), by driver then lap.
    pub laps: Vec<StoryLap>,
    /// The leader's neutralised laps, by lap (race-like sessions).
    pub neutralised_laps: Vec<NeutralisedLap>,
    /// Laps run by the leader over session time, for the charts by lap (race-like sessions):
    /// 0 at the start, then L at the line crossing of the first car to complete lap L, by time.
    /// Between two knots the leader's progress is linear in time, so a chart's x (laps, e.g.
    /// 12.5: halfway through lap 13) and the replay's clock map to each other by reading the two
    /// knots around them.
    pub lap_clock: Vec<LapClockPoint>,
}

/// Milliseconds as seconds.
fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Builds the race story from the session's laps.
pub fn race_story(session: &Session) -> RaceStory {
    let race_like = session.info.is_race_like();
    let mut laps: Vec<&Lap> = session.laps.iter().filter(|l| !l.generated).collect();
    laps.sort_by_key(|l| (l.driver, l.lap_number));
    // The first car across the line at the end of each lap number.
    let mut first: BTreeMap<u32, &Lap> = BTreeMap::new();
    for l in laps.iter().filter(|l| l.time_ms.is_some()) {
        let e = first.entry(l.lap_number).or_insert(l);
        if l.time_ms < e.time_ms {
            *e = l;
        }
    }
    let rows = laps
        .iter()
        .map(|l| StoryLap {
            driver: l.driver,
            lap: l.lap_number,
            end_s: l.time_ms.map(secs),
            lap_time_s: l.lap_time_ms.map(secs),
            position: if race_like { l.position } else { None },
            pit_in: l.pit_in_ms.is_some(),
            pit_out: l.pit_out_ms.is_some(),
            neutralised: Neutralised::of_lap(&l.track_status),
            gap_to_leader_s: match (race_like, l.time_ms, first.get(&l.lap_number).and_then(|f| f.time_ms)) {
                (true, Some(t), Some(lead)) => Some(secs(t - lead)),
                _ => None,
            },
        })
        .collect();
    let neutralised_laps = if race_like {
        first
            .values()
            .filter_map(|l| {
                Some(NeutralisedLap {
                    lap: l.lap_number,
                    start_s: l.lap_start_ms.map(secs),
                    end_s: l.time_ms.map(secs),
                    neutralised: Neutralised::of_lap(&l.track_status)?,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let lap_clock = if race_like { lap_clock(session, &first) } else { Vec::new() };
    RaceStory { race_like, laps: rows, neutralised_laps, lap_clock }
}

/// The lap clock's knots: the start, then the first crossing of each lap, up to the scheduled
/// laps; a crossing no later than the knot before it (a timing error) is left out, so the
/// knots rise in both laps and time.
fn lap_clock(session: &Session, first: &BTreeMap<u32, &Lap>) -> Vec<LapClockPoint> {
    let last = session.total_laps.unwrap_or(u32::MAX);
    let start = session.session_start_ms.map(|t| (0, t));
    let crossings = first.iter().filter(|(n, _)| **n <= last).filter_map(|(n, l)| Some((*n, l.time_ms?)));
    let mut knots: Vec<LapClockPoint> = Vec::new();
    let mut prev: Option<i64> = None;
    for (laps, t) in start.into_iter().chain(crossings) {
        if prev.is_none_or(|p| t > p) {
            knots.push(LapClockPoint { laps, t_s: secs(t) });
            prev = Some(t);
        }
    }
    knots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_severe_status_of_a_lap_names_it() {
        assert_eq!(Neutralised::of_lap(""), None);
        assert_eq!(Neutralised::of_lap("12"), None);
        assert_eq!(Neutralised::of_lap("14").map(|n| n.label), Some("SC"));
        assert_eq!(Neutralised::of_lap("671").map(|n| n.label), Some("VSC"));
        assert_eq!(Neutralised::of_lap("17").map(|n| n.status), Some(6));
        assert_eq!(Neutralised::of_lap("645").map(|n| n.label), Some("Red"));
        assert_eq!(Neutralised::of_lap("64").map(|n| n.label), Some("SC"));
    }

    fn lap(driver: u16, n: u32, end: i64) -> Lap {
        Lap { driver, lap_number: n, time_ms: Some(end), lap_start_ms: Some(end - 90_000), ..Lap::default() }
    }

    #[test]
    fn gaps_are_to_the_first_car_across_the_line_on_the_same_lap() {
        let mut s = Session::default();
        s.info.kind = "Race".into();
        s.info.name = "Race".into();
        s.laps = vec![lap(1, 1, 100_000), lap(1, 2, 190_000), lap(2, 1, 101_500), lap(2, 2, 195_000)];
        s.laps[1].track_status = "14".into();
        let story = race_story(&s);
        assert!(story.race_like);
        let gap = |d, n| story.laps.iter().find(|l| l.driver == d && l.lap == n).unwrap().gap_to_leader_s;
        assert_eq!(gap(1, 1), Some(0.0));
        assert_eq!(gap(2, 1), Some(1.5));
        assert_eq!(gap(2, 2), Some(5.0));
        assert_eq!(story.neutralised_laps.len(), 1);
        assert_eq!(story.neutralised_laps[0].lap, 2);
        assert_eq!(story.neutralised_laps[0].start_s, Some(100.0));
    }

    #[test]
    fn the_lap_clock_runs_from_the_start_through_the_leader_s_crossings() {
        let mut s = Session::default();
        s.info.kind = "Race".into();
        s.info.name = "Race".into();
        s.session_start_ms = Some(10_000);
        s.total_laps = Some(2);
        // Lap 2's first finisher is car 2; car 1's lap 3 is past the scheduled laps.
        s.laps = vec![lap(1, 1, 100_000), lap(1, 2, 196_000), lap(2, 1, 101_500), lap(2, 2, 195_000), lap(1, 3, 290_000)];
        let knots: Vec<(u32, f64)> = race_story(&s).lap_clock.iter().map(|k| (k.laps, k.t_s)).collect();
        assert_eq!(knots, [(0, 10.0), (1, 100.0), (2, 195.0)]);
        s.info.kind = "Qualifying".into();
        s.info.name = "Qualifying".into();
        assert!(race_story(&s).lap_clock.is_empty(), "no clock by lap outside races");
    }
}
