//! Sector and lap bests as the timing screen knows them at each moment: when a sector (or lap)
//! time is set it is a personal best (green) if it is faster than every earlier time of the
//! driver's there, and the overall best (purple) if it is faster than everyone's; it stays so until a faster one is set (an equal
//! time leaves the mark with whoever set it first).
//! Deleted laps never set a best (the timing re-sends the bests without them), nor does the
//! last sector or the lap time of an in lap (it ends in the pit lane); in qualifying each part
//! starts with no best (the timing clears its flags as the part starts).
//!
//! This is the one home of the rule: the API's `/sectors`, the viewer's colours and the
//! exporters read [`LapMarks`]; none works it out again.

use crate::laps::Lap;
use crate::Session;
use serde::Serialize;

/// One sector or lap time, with what it was when set and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MarkedTime {
    /// The time, ms.
    pub time_ms: i64,
    /// Session ms when it was set (the end of the sector).
    pub set_ms: i64,
    /// The driver's best in this sector when set.
    pub personal_best: bool,
    /// Session ms when the driver set a faster one; `None` while it stays best.
    pub personal_best_until_ms: Option<i64>,
    /// Everyone's best in this sector when set.
    pub overall_best: bool,
    /// Session ms when anyone set a faster one; `None` while it stays best.
    pub overall_best_until_ms: Option<i64>,
}

impl MarkedTime {
    /// Whether at session ms `t` this time is shown as the driver's best (it was set by then and
    /// not yet beaten).
    pub fn personal_best_at(&self, t: i64) -> bool {
        self.personal_best && self.set_ms <= t && self.personal_best_until_ms.is_none_or(|u| t < u)
    }

    /// Whether at session ms `t` this time is the session's best in its sector.
    pub fn overall_best_at(&self, t: i64) -> bool {
        self.overall_best && self.set_ms <= t && self.overall_best_until_ms.is_none_or(|u| t < u)
    }
}

/// One lap's time and its three sectors, each with its best marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LapMarks {
    /// Racing number.
    pub driver: u16,
    /// Lap number.
    pub lap: u32,
    /// The lap time (`None` where the timing gave none).
    pub lap_time: Option<MarkedTime>,
    /// Sectors 1-3 (`None` where the timing gave no time).
    pub sectors: [Option<MarkedTime>; 3],
    /// The lap was deleted (its sectors set no best).
    pub deleted: bool,
}

/// Where a time is marked: the lap time is slot [`LAP`], sector `k` slot `k`.
const LAP: usize = 3;

/// When slot `k` of `l` was set: the sector's end (the lap's for the lap time), else the lap's
/// end or start.
fn set_at(l: &Lap, k: usize) -> i64 {
    let end = if k == LAP { None } else { l.sector_session_ms[k] };
    end.or(l.time_ms).or(l.lap_start_ms).unwrap_or(i64::MAX)
}

impl LapMarks {
    /// Slot `k`: sector `k`, or the lap time for [`LAP`].
    fn slot(&mut self, k: usize) -> &mut Option<MarkedTime> {
        if k == LAP {
            &mut self.lap_time
        } else {
            &mut self.sectors[k]
        }
    }
}

/// Every lap's time and sectors with their best marks, in the session's lap order.
pub fn lap_marks(session: &Session) -> Vec<LapMarks> {
    let mut out: Vec<LapMarks> = session
        .laps
        .iter()
        .map(|l| LapMarks {
            driver: l.driver,
            lap: l.lap_number,
            lap_time: l.lap_time_ms.map(|time_ms| MarkedTime::new(time_ms, set_at(l, LAP))),
            sectors: std::array::from_fn(|k| l.sector_ms[k].map(|time_ms| MarkedTime::new(time_ms, set_at(l, k)))),
            deleted: l.deleted == Some(true),
        })
        .collect();
    // Each time that can set a best, in the order set: (when, lap index, slot).
    let mut events: Vec<(i64, usize, usize)> = Vec::new();
    for (i, r) in out.iter_mut().enumerate().filter(|(_, r)| !r.deleted) {
        let l = &session.laps[i];
        // A pit entry or exit during the lap (FastF1 sometimes gives a lap a pit entry after its
        // end: the car crossed the line and entered the pits on the next lap).
        let during = |t: Option<i64>| t.is_some_and(|t| l.time_ms.is_none_or(|end| t <= end));
        let (out_lap, in_lap) = (during(l.pit_out_ms), during(l.pit_in_ms));
        let counts = |k: usize| !(in_lap && ends_in_pit_lane(k) || out_lap && starts_in_pit_lane(k));
        events.extend((0..=LAP).filter(|&k| counts(k)).filter_map(|k| r.slot(k).map(|s| (s.set_ms, i, k))));
    }
    events.sort_unstable();
    // The standing best of each (driver, slot) and of each slot: its lap index.
    let mut personal: std::collections::HashMap<(u16, usize), usize> = std::collections::HashMap::new();
    let mut overall: [Option<usize>; LAP + 1] = [None; LAP + 1];
    // Qualifying parts: each starts with no best (the timing clears them as it starts).
    let mut parts = session.part_starts_ms.iter().copied().skip(1).peekable();
    for (when, i, k) in events {
        while let Some(start) = parts.next_if(|&start| start <= when) {
            end_reigns(&mut out, personal.drain().map(|(key, i)| (i, key.1)), start, |s| &mut s.personal_best_until_ms);
            end_reigns(&mut out, overall.iter_mut().enumerate().filter_map(|(k, b)| Some((b.take()?, k))), start, |s| {
                &mut s.overall_best_until_ms
            });
        }
        let driver = out[i].driver;
        let pb = personal.get(&(driver, k)).copied();
        if mark(&mut out, pb, i, k, when, |s| (&mut s.personal_best, &mut s.personal_best_until_ms)) {
            personal.insert((driver, k), i);
        }
        if mark(&mut out, overall[k], i, k, when, |s| (&mut s.overall_best, &mut s.overall_best_until_ms)) {
            overall[k] = Some(i);
        }
    }
    out
}

/// The lap holding `driver`'s best lap time at session ms `t` among `marks` ([`lap_marks`]):
/// in qualifying, the best within the part running at `t` (each part starts with none), as
/// the tower's Best column shows it; `None` before the driver set a time (in this part).
pub fn best_lap_at(marks: &[LapMarks], driver: u16, t: i64) -> Option<&LapMarks> {
    marks.iter().filter(|m| m.driver == driver).find(|m| m.lap_time.is_some_and(|l| l.personal_best_at(t)))
}

/// Whether slot `k` of an in lap ends in the pit lane: its last sector and its lap time,
/// which the timing never marks as a best (it takes them at the pit lane's line).
fn ends_in_pit_lane(k: usize) -> bool {
    k == 2 || k == LAP
}

/// Whether slot `k` of an out lap starts in the pit lane: its first sector and its lap time.
fn starts_in_pit_lane(k: usize) -> bool {
    k == 0 || k == LAP
}

/// Ends at `when` the reign of each standing best `(lap index, slot)` (a qualifying part
/// starting); `until` picks personal or overall.
fn end_reigns(
    out: &mut [LapMarks],
    bests: impl Iterator<Item = (usize, usize)>,
    when: i64,
    until: fn(&mut MarkedTime) -> &mut Option<i64>,
) {
    let bests: Vec<(usize, usize)> = bests.collect();
    for (i, k) in bests {
        if let Some(s) = out[i].slot(k).as_mut() {
            *until(s) = Some(when);
        }
    }
}

/// Marks slot `k` of lap `i` as a best if it is faster than the standing `best` (a lap
/// index), and ends the standing best's reign at `when`; `which` picks personal or overall.
fn mark(
    out: &mut [LapMarks],
    best: Option<usize>,
    i: usize,
    k: usize,
    when: i64,
    which: fn(&mut MarkedTime) -> (&mut bool, &mut Option<i64>),
) -> bool {
    let time = out[i].slot(k).map_or(i64::MAX, |s| s.time_ms);
    let standing = best.and_then(|b| *out[b].slot(k));
    // An equal time does not take the mark: the first to set it keeps it, as the timing ranks
    // equal times by who set theirs first.
    if standing.is_some_and(|s| time >= s.time_ms) {
        return false;
    }
    if let Some(s) = best.and_then(|b| out[b].slot(k).as_mut()) {
        *which(s).1 = Some(when);
    }
    if let Some(s) = out[i].slot(k).as_mut() {
        *which(s).0 = true;
    }
    true
}

impl MarkedTime {
    /// A time not (yet) known to be a best.
    fn new(time_ms: i64, set_ms: i64) -> MarkedTime {
        MarkedTime { time_ms, set_ms, personal_best: false, personal_best_until_ms: None, overall_best: false, overall_best_until_ms: None }
    }
}

/// A driver's fastest lap as FastF1's `Laps.pick_fastest()` picks it: the quickest of the laps
/// marked as a personal best (the first of equal times); `None` when none has a time. The lap
/// whose telemetry `f1replay check` and the exporters take by default.
pub fn fastest_lap(session: &Session, driver: u16) -> Option<&Lap> {
    session
        .laps
        .iter()
        .filter(|l| l.driver == driver && l.is_personal_best)
        .filter_map(|l| Some((l.lap_time_ms?, l)))
        .min_by_key(|(t, _)| *t)
        .map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lap(driver: u16, n: u32, s1: i64, end_s1: i64, deleted: bool) -> Lap {
        Lap {
            driver,
            lap_number: n,
            sector_ms: [Some(s1), None, None],
            sector_session_ms: [Some(end_s1), None, None],
            deleted: Some(deleted),
            ..Default::default()
        }
    }

    #[test]
    fn a_best_holds_until_a_faster_time_is_set_and_deleted_laps_never_set_one() {
        let session = Session {
            laps: vec![
                lap(1, 1, 30_000, 100, false),
                lap(2, 1, 29_500, 200, false),
                lap(1, 2, 29_800, 300, false),
                lap(2, 2, 29_000, 400, true),
            ],
            ..Default::default()
        };
        let t = lap_marks(&session);
        let s = |i: usize| t[i].sectors[0].unwrap();
        // Car 1's first: purple at 100, beaten by car 2 at 200; green until its own 29.8 at 300.
        assert!(s(0).overall_best_at(150) && !s(0).overall_best_at(200));
        assert!(s(0).personal_best_at(250) && !s(0).personal_best_at(300));
        // Car 2's 29.5 stays purple: its 29.0 was on a deleted lap.
        assert!(s(1).overall_best_at(10_000));
        assert!(s(2).personal_best && !s(2).overall_best);
        assert!(!s(3).personal_best && !s(3).overall_best);
        // Nothing shows before it is set.
        assert!(!s(1).overall_best_at(199));
        // Lap times are marked by the same rule, at the lap's end.
        let mut laps = session.laps.clone();
        for (l, (time, end)) in laps.iter_mut().zip([(90_000, 1_000), (89_000, 2_000), (88_000, 3_000), (80_000, 4_000)]) {
            (l.lap_time_ms, l.time_ms) = (Some(time), Some(end));
        }
        let t = lap_marks(&Session { laps, ..Default::default() });
        let lap = |i: usize| t[i].lap_time.unwrap();
        assert!(lap(1).overall_best_at(2_500) && !lap(1).overall_best_at(3_000) && lap(2).overall_best_at(9_000));
        assert!(!lap(3).personal_best, "a deleted lap sets no best");
        // An equal sector time leaves purple with whoever set it first.
        let tie = Session { laps: vec![self::lap(1, 1, 30_000, 100, false), self::lap(2, 1, 30_000, 200, false)], ..Default::default() };
        let t = lap_marks(&tie);
        assert!(t[0].sectors[0].unwrap().overall_best_at(300) && !t[1].sectors[0].unwrap().overall_best);
    }

    #[test]
    fn the_fastest_lap_is_the_quickest_personal_best_as_fastf1_picks_it() {
        let timed =
            |n: u32, ms: i64, pb: bool| Lap { driver: 7, lap_number: n, lap_time_ms: Some(ms), is_personal_best: pb, ..Default::default() };
        // Lap 3 is quicker but not a personal best (FastF1 skips it); laps 2 and 4 tie: the first.
        let session = Session {
            laps: vec![timed(1, 92_000, true), timed(2, 90_500, true), timed(3, 89_000, false), timed(4, 90_500, true)],
            ..Default::default()
        };
        assert_eq!(fastest_lap(&session, 7).map(|l| l.lap_number), Some(2));
        assert!(fastest_lap(&session, 8).is_none());
    }
}
