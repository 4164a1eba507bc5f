//! Sector and lap bests as the timing screen knows them at each moment: when a sector (or lap)
//! time is set it is a personal best (green) if it is faster than every earlier time of the
//! driver's there, and the overall best (purple) if it is faster than everyone's; it stays so until a faster one is set (an equal
//! time leaves the mark with whoever set it first).
//! A deleted lap's times are bests as any other until the timing drops the lap ([`dropped_at`]:
//! some seconds after race control's message, when the timing's best lap for the car stops
//! being it); the timing then re-sends the bests without it, and the times it had displaced
//! are bests again ([`Restored`]). The last sector and the lap time of an in lap (it ends in the
//! pit lane) never set one; in qualifying each part starts with no best (the timing clears its
//! flags as the part starts).
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
    /// The driver's best again after a faster time of theirs was on a lap the timing dropped.
    pub personal_best_restored: Option<Restored>,
    /// Everyone's best again after a faster time was on a lap the timing dropped.
    pub overall_best_restored: Option<Restored>,
}

/// A second reign as a best: a faster time had taken the mark on a lap the timing later
/// dropped (deleted), and the timing gave the mark back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Restored {
    /// Session ms when the timing dropped the faster lap.
    pub from_ms: i64,
    /// Session ms when a faster one was set; `None` while it stays best.
    pub until_ms: Option<i64>,
}

impl Restored {
    fn holds_at(&self, t: i64) -> bool {
        self.from_ms <= t && self.until_ms.is_none_or(|u| t < u)
    }
}

impl MarkedTime {
    /// Whether at session ms `t` this time is shown as the driver's best (it was set by then and
    /// not yet beaten).
    pub fn personal_best_at(&self, t: i64) -> bool {
        self.personal_best && self.set_ms <= t && self.personal_best_until_ms.is_none_or(|u| t < u)
            || self.personal_best_restored.is_some_and(|r| r.holds_at(t))
    }

    /// Whether at session ms `t` this time is the session's best in its sector.
    pub fn overall_best_at(&self, t: i64) -> bool {
        self.overall_best && self.set_ms <= t && self.overall_best_until_ms.is_none_or(|u| t < u)
            || self.overall_best_restored.is_some_and(|r| r.holds_at(t))
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
    /// The lap was deleted (its times are bests only until the timing drops it).
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
    /// Slot `k` as it stands (see [`LapMarks::slot`]).
    fn slots(&self, k: usize) -> Option<MarkedTime> {
        if k == LAP {
            self.lap_time
        } else {
            self.sectors[k]
        }
    }

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
    // When the timing dropped each lap (deleted laps), and each time that can set a best.
    let dropped: Vec<Option<i64>> = session.laps.iter().map(|l| dropped_at(session, l)).collect();
    let sets = best_candidates(session, &mut out, &dropped);
    // In time order: the times set, and the laps dropped (after a time set at the same ms).
    let mut events: Vec<(i64, Event)> = sets.iter().map(|&(when, i, k)| (when, Event::Set(i, k))).collect();
    events.extend(dropped.iter().enumerate().filter_map(|(i, d)| Some((d.filter(|_| out[i].deleted)?, Event::Dropped(i)))));
    events.sort_unstable();
    let mut bests = Standing::default();
    // Qualifying parts: each starts with no best (the timing clears them as it starts).
    let mut parts = session.part_starts_ms.iter().copied().skip(1).peekable();
    for (when, event) in events {
        while let Some(start) = parts.next_if(|&start| start <= when) {
            bests.clear(&mut out, start);
        }
        match event {
            Event::Set(i, k) => bests.set(&mut out, i, k, when),
            Event::Dropped(i) => {
                let part_start = session.part_starts_ms.iter().copied().rfind(|&s| s <= when).unwrap_or(i64::MIN);
                // What may hold a mark once lap `i` is gone: the times set in this part by now,
                // on laps the timing has not dropped.
                let live = |&&(set, j, _): &&(i64, usize, usize)| {
                    j != i && set >= part_start && set <= when && dropped[j].is_none_or(|d| d > when || !out[j].deleted)
                };
                let remaining: Vec<(i64, usize, usize)> = sets.iter().filter(live).copied().collect();
                bests.drop_lap(&mut out, i, when, &remaining);
            }
        }
    }
    out
}

/// What happens to the marks at a moment: a time set (lap index, slot), or a lap dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Set(usize, usize),
    Dropped(usize),
}

/// Each time that can set a best, in the order set: (when, lap index, slot). Not an in lap's
/// last sector and lap time, nor an out lap's first sector and lap time, nor a deleted lap's
/// times when the timing's dropping of it is not known.
fn best_candidates(session: &Session, out: &mut [LapMarks], dropped: &[Option<i64>]) -> Vec<(i64, usize, usize)> {
    let mut sets: Vec<(i64, usize, usize)> = Vec::new();
    for (i, r) in out.iter_mut().enumerate().filter(|(i, r)| !r.deleted || dropped[*i].is_some()) {
        let l = &session.laps[i];
        // A pit entry or exit during the lap (FastF1 sometimes gives a lap a pit entry after its
        // end: the car crossed the line and entered the pits on the next lap).
        let during = |t: Option<i64>| t.is_some_and(|t| l.time_ms.is_none_or(|end| t <= end));
        let (out_lap, in_lap) = (during(l.pit_out_ms), during(l.pit_in_ms));
        let counts = |k: usize| !(in_lap && ends_in_pit_lane(k) || out_lap && starts_in_pit_lane(k));
        sets.extend((0..=LAP).filter(|&k| counts(k)).filter_map(|k| r.slot(k).map(|s| (s.set_ms, i, k))));
    }
    sets.sort_unstable();
    sets
}

/// When the timing dropped deleted lap `l` (`None` for a lap not deleted, or deleted without a
/// known moment): the first change, from race control's message on, of the car's best lap as
/// the timing showed it (`BestLapTime`, or the part's `BestLapTimes`) away from the lap's time,
/// where the timing showed that time as the best then; else race control's message.
pub fn dropped_at(session: &Session, l: &Lap) -> Option<i64> {
    let told = l.deleted_at_ms.filter(|_| l.deleted == Some(true))?;
    let time = l.lap_time_ms;
    let Some(o) = session.official.iter().find(|o| o.driver == l.driver) else { return Some(told) };
    std::iter::once(&o.best_lap_ms)
        .chain(&o.part_best_ms)
        .filter(|c| time.is_some() && crate::official::value_at(c, told) == Some(time))
        .filter_map(|c| c.iter().find(|(at, v)| *at > told && *v != time).map(|c| c.0))
        .min()
        .or(Some(told))
}

/// The standing bests while the events are walked: per (driver, slot) and per slot, the lap
/// index holding the mark.
#[derive(Default)]
struct Standing {
    personal: std::collections::HashMap<(u16, usize), usize>,
    overall: [Option<usize>; LAP + 1],
}

/// Personal or overall.
#[derive(Clone, Copy)]
enum Which {
    Personal,
    Overall,
}

impl Standing {
    /// A qualifying part starting at `when`: every reign ends, nothing is best.
    fn clear(&mut self, out: &mut [LapMarks], when: i64) {
        for ((_, k), i) in self.personal.drain() {
            end_reign(out, i, k, Which::Personal, when);
        }
        for (k, b) in self.overall.iter_mut().enumerate() {
            if let Some(i) = b.take() {
                end_reign(out, i, k, Which::Overall, when);
            }
        }
    }

    /// Slot `k` of lap `i` set at `when`: a best where faster than the standing one.
    fn set(&mut self, out: &mut [LapMarks], i: usize, k: usize, when: i64) {
        let driver = out[i].driver;
        if mark(out, self.personal.get(&(driver, k)).copied(), i, k, when, Which::Personal) {
            self.personal.insert((driver, k), i);
        }
        if mark(out, self.overall[k], i, k, when, Which::Overall) {
            self.overall[k] = Some(i);
        }
    }

    /// Lap `i` dropped by the timing at `when`: each mark it holds ends, and goes back to the
    /// fastest of `remaining` (the times that may still hold it: (set, lap index, slot)).
    fn drop_lap(&mut self, out: &mut [LapMarks], i: usize, when: i64, remaining: &[(i64, usize, usize)]) {
        let driver = out[i].driver;
        let time = |out: &[LapMarks], j: usize, k: usize| out[j].slots(k).map_or(i64::MAX, |s| s.time_ms);
        for k in 0..=LAP {
            if self.personal.get(&(driver, k)) == Some(&i) {
                end_reign(out, i, k, Which::Personal, when);
                self.personal.remove(&(driver, k));
                let back = remaining.iter().filter(|r| r.2 == k && out[r.1].driver == driver).min_by_key(|r| (time(out, r.1, k), r.0));
                if let Some(&(_, j, _)) = back {
                    restore(out, j, k, Which::Personal, when);
                    self.personal.insert((driver, k), j);
                }
            }
            if self.overall[k] == Some(i) {
                end_reign(out, i, k, Which::Overall, when);
                self.overall[k] = None;
                if let Some(&(_, j, _)) = remaining.iter().filter(|r| r.2 == k).min_by_key(|r| (time(out, r.1, k), r.0)) {
                    restore(out, j, k, Which::Overall, when);
                    self.overall[k] = Some(j);
                }
            }
        }
    }
}

/// Ends at `when` the open reign (the first, or a restored one) of slot `k` of lap `i`.
fn end_reign(out: &mut [LapMarks], i: usize, k: usize, which: Which, when: i64) {
    let Some(s) = out[i].slot(k).as_mut() else { return };
    let (until, restored) = match which {
        Which::Personal => (&mut s.personal_best_until_ms, &mut s.personal_best_restored),
        Which::Overall => (&mut s.overall_best_until_ms, &mut s.overall_best_restored),
    };
    match restored {
        Some(r) => r.until_ms = Some(when),
        None => *until = Some(when),
    }
}

/// Slot `k` of lap `i` is best again from `when` (a second restoration replaces the first).
fn restore(out: &mut [LapMarks], i: usize, k: usize, which: Which, when: i64) {
    let Some(s) = out[i].slot(k).as_mut() else { return };
    let r = Some(Restored { from_ms: when, until_ms: None });
    match which {
        Which::Personal => s.personal_best_restored = r,
        Which::Overall => s.overall_best_restored = r,
    }
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

/// Marks slot `k` of lap `i` as a best if it is faster than the standing `best` (a lap
/// index), and ends the standing best's reign at `when`.
fn mark(out: &mut [LapMarks], best: Option<usize>, i: usize, k: usize, when: i64, which: Which) -> bool {
    let time = out[i].slots(k).map_or(i64::MAX, |s| s.time_ms);
    let standing = best.and_then(|b| out[b].slots(k));
    // An equal time does not take the mark: the first to set it keeps it, as the timing ranks
    // equal times by who set theirs first.
    if standing.is_some_and(|s| time >= s.time_ms) {
        return false;
    }
    if let Some(b) = best {
        end_reign(out, b, k, which, when);
    }
    if let Some(s) = out[i].slot(k).as_mut() {
        match which {
            Which::Personal => s.personal_best = true,
            Which::Overall => s.overall_best = true,
        }
    }
    true
}

impl MarkedTime {
    /// A time not (yet) known to be a best.
    fn new(time_ms: i64, set_ms: i64) -> MarkedTime {
        MarkedTime {
            time_ms,
            set_ms,
            personal_best: false,
            personal_best_until_ms: None,
            overall_best: false,
            overall_best_until_ms: None,
            personal_best_restored: None,
            overall_best_restored: None,
        }
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
    fn a_best_holds_until_a_faster_time_is_set_and_a_lap_deleted_at_no_known_moment_sets_none() {
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
    fn a_deleted_lap_is_best_until_the_timing_drops_it_and_the_times_it_displaced_are_best_again() {
        // Car 2's 29.0 (lap 2) is deleted by race control at 1 s; the timing showed it as car 2's
        // best lap from its end and drops it at 16 s, back to car 2's lap 1.
        let mut deleted = lap(2, 2, 29_000, 400, true);
        (deleted.deleted_at_ms, deleted.lap_time_ms, deleted.time_ms) = (Some(1_000), Some(80_000), Some(500));
        let mut first = lap(2, 1, 29_500, 200, false);
        (first.lap_time_ms, first.time_ms) = (Some(81_000), Some(300));
        let official = crate::official::OfficialTimeline {
            driver: 2,
            best_lap_ms: vec![(300, Some(81_000)), (500, Some(80_000)), (16_000, Some(81_000))],
            ..Default::default()
        };
        let session = Session {
            laps: vec![lap(1, 1, 30_000, 100, false), first, deleted, lap(1, 2, 29_800, 20_000, false)],
            official: vec![official],
            ..Default::default()
        };
        assert_eq!(dropped_at(&session, &session.laps[2]), Some(16_000));
        let t = lap_marks(&session);
        let s = |i: usize| t[i].sectors[0].unwrap();
        // The deleted 29.0 is purple from 400 until the timing drops it at 16 s (not at race
        // control's message at 1 s); car 2's 29.5 is purple until 400 and again from 16 s.
        assert!(s(2).overall_best_at(400) && s(2).overall_best_at(15_999) && !s(2).overall_best_at(16_000));
        assert!(s(1).overall_best_at(300) && !s(1).overall_best_at(400) && !s(1).overall_best_at(15_999));
        assert!(s(1).overall_best_at(16_000) && s(1).personal_best_at(16_000) && s(1).overall_best_at(99_000));
        // Car 1's 29.8 at 20 s is its personal best, not purple: the 29.5 is back.
        assert!(s(3).personal_best && !s(3).overall_best);
        // The lap time: the same window.
        let lap_time = |i: usize| t[i].lap_time.unwrap();
        assert!(lap_time(2).personal_best_at(10_000) && !lap_time(2).personal_best_at(16_000));
        assert!(lap_time(1).personal_best_at(16_000) && !lap_time(1).personal_best_at(10_000));
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
