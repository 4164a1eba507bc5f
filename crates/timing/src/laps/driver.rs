//! One driver's laps from their TimingData patches (docs/FEED.md §2.b, passes 1 and 2 and the
//! per-driver post-processing).
//!
//! Times are `Option<i64>` milliseconds of session time; `None` is FastF1's NaT, and every
//! comparison with `None` is false, as comparisons with NaT are in pandas.

use feed::records::{DriverTiming, SpeedTrap};

/// Values that arrive up to this long after a line crossing still belong to the previous lap.
const LATE_DATA_MS: i64 = 5_000;
/// Lap times this long or longer are the gaps between Q1, Q2 and Q3, not laps.
const QUALI_GAP_LAP_MS: i64 = 150_000;

/// A lap row while it is being built (one driver).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawLap {
    /// Lap end, session ms.
    pub time: Option<i64>,
    /// Lap time, ms.
    pub lap_time: Option<i64>,
    /// The lap time was sent explicitly empty (FastF1's `None`, as opposed to NaT).
    pub lap_time_empty: bool,
    /// Sector times, ms.
    pub sector: [Option<i64>; 3],
    /// Session time each sector time arrived (later synced to the crossing), ms.
    pub sector_session: [Option<i64>; 3],
    /// Speed traps I1, I2, FL, ST in km/h.
    pub speed: [Option<f32>; 4],
    /// Pit entry, session ms.
    pub pit_in: Option<i64>,
    /// Pit exit, session ms.
    pub pit_out: Option<i64>,
    /// Lap number (FastF1's own count).
    pub lap_number: u32,
    /// Pit stops before this lap's end.
    pub pit_stops: i32,
    /// Whether the lap is the driver's personal best at the time.
    pub is_personal_best: bool,
    /// When the timing reported the lap complete (its `NumberOfLaps` line), before the lap end
    /// is synced back to the sector crossings.
    pub reported: Option<i64>,
}

/// One driver's laps plus the approximate qualifying part start times this driver saw.
#[derive(Debug, Default, Clone)]
pub struct DriverLaps {
    /// Laps in order.
    pub laps: Vec<RawLap>,
    /// Start times of Q1/Q2/Q3 as seen from this driver's `BestLapTimes` patches.
    pub part_starts: Vec<i64>,
    /// Laps whose timing failed an integrity check (1-based lap indices), for diagnostics.
    pub integrity_errors: Vec<usize>,
}

/// `a < b` where an absent time (FastF1's NaT) compares false, as in pandas.
pub(crate) fn lt(a: Option<i64>, b: Option<i64>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a < b)
}

fn trap_index(t: SpeedTrap) -> usize {
    match t {
        SpeedTrap::I1 => 0,
        SpeedTrap::I2 => 1,
        SpeedTrap::FL => 2,
        SpeedTrap::ST => 3,
    }
}

fn sector_sum(l: &RawLap) -> Option<i64> {
    Some(l.sector[0]? + l.sector[1]? + l.sector[2]?)
}

/// Tracks the feed's lap counter, ignoring data that goes back in time.
///
/// The API's `NumberOfLaps` sometimes jumps back (a replayed, late patch); everything is then
/// skipped until it comes back to the count already reached.
#[derive(Default)]
struct LapCounter {
    api_laps: u32,
    in_past: bool,
}

impl LapCounter {
    /// Returns false when the patch must be ignored.
    fn accept(&mut self, p: &DriverTiming) -> bool {
        if self.in_past && p.number_of_laps == Some(self.api_laps) {
            self.in_past = false;
        }
        if self.in_past || p.number_of_laps.is_some_and(|n| n < self.api_laps) {
            self.in_past = true;
            return false;
        }
        true
    }
    /// True (and counts it) when the patch starts a new lap.
    fn new_lap(&mut self, p: &DriverTiming) -> bool {
        if p.number_of_laps.is_some_and(|n| n > self.api_laps) {
            self.api_laps += 1;
            return true;
        }
        false
    }
}

/// Builds one driver's laps from their patches `(session ms, patch)` in stream order.
/// Returns `None` when the driver never completed a lap after leaving the pits.
pub fn build(patches: &[(i64, &DriverTiming)]) -> Option<DriverLaps> {
    // Pass 1: where laps end. A lap only exists once the car has left the pits once
    // (phantom laps are counted before the first pit exit).
    let mut rows = vec![RawLap::default()];
    let mut counter = LapCounter::default();
    let mut out_of_pit = false;
    for &(t, p) in patches {
        if !counter.accept(p) {
            continue;
        }
        if p.in_pit == Some(false) {
            out_of_pit = true;
        }
        if counter.new_lap(p) && out_of_pit {
            if let Some(last) = rows.last_mut() {
                last.time = Some(t);
            }
            rows.push(RawLap::default());
        }
    }

    // Pass 2: fill the rows.
    let mut lapcnt = 0usize;
    let mut counter = LapCounter::default();
    let mut pitstops: i32 = -1; // the first pit exit is the out-lap
    let mut pb_updates: Vec<(i64, i64)> = Vec::new();
    let mut part_starts = vec![0i64];
    for &(t, p) in patches {
        if !counter.accept(p) {
            continue;
        }
        let offset = usize::from(lapcnt > 0 && rows[lapcnt - 1].time.is_some_and(|end| t - end < LATE_DATA_MS));
        let idx = lapcnt - offset;

        for &(k, v) in &p.sectors {
            if let Some(v) = v {
                rows[idx].sector[k as usize] = Some(v);
                rows[idx].sector_session[k as usize] = Some(t);
            }
        }
        if let Some(v) = p.last_lap_time {
            if v.is_none_or(|ms| ms < QUALI_GAP_LAP_MS) || v == sector_sum(&rows[idx]) {
                rows[idx].lap_time = v;
                rows[idx].lap_time_empty = v.is_none();
            }
        }
        for &(trap, v) in &p.speeds {
            if let Some(v) = v {
                // The ST trap can be passed early in the new lap: never shifted back.
                let i = if trap == SpeedTrap::ST { lapcnt } else { idx };
                rows[i].speed[trap_index(trap)] = Some(v);
            }
        }
        match p.in_pit {
            // Pit entries before the first pit exit are laps to the grid, not stops.
            Some(true) if pitstops >= 0 => rows[lapcnt].pit_in = Some(t),
            Some(true) => {}
            Some(false) => {
                let starts_lap = p.number_of_laps.is_some_and(|n| n > counter.api_laps);
                let lap_ends_soon = rows[lapcnt].time.is_some_and(|end| end - t < LATE_DATA_MS);
                if starts_lap || lap_ends_soon {
                    if rows.len() <= lapcnt + 1 {
                        rows.resize(lapcnt + 2, RawLap::default());
                    }
                    rows[lapcnt + 1].pit_out = Some(t);
                } else {
                    rows[lapcnt].pit_out = Some(t);
                }
                pitstops += 1;
            }
            None => {}
        }
        if let Some(Some(pb)) = p.best_lap_time {
            pb_updates.push((t, pb));
        }
        if let Some(part) = p.best_lap_times_part {
            if usize::from(part) + 1 > part_starts.len() {
                part_starts.push(t);
            }
        }
        if counter.new_lap(p) && pitstops >= 0 {
            if rows.len() <= lapcnt + 1 {
                rows.resize(lapcnt + 2, RawLap::default());
            }
            rows[lapcnt].time = Some(t);
            rows[lapcnt].reported = Some(t);
            rows[lapcnt].lap_number = lapcnt as u32 + 1;
            rows[lapcnt].pit_stops = pitstops;
            lapcnt += 1;
        }
    }
    if lapcnt == 0 {
        return None;
    }
    rows.truncate(lapcnt + 1);

    let has_data = |l: &RawLap| l.sector.iter().any(Option::is_some) || l.speed.iter().any(Option::is_some) || l.lap_time.is_some();
    // The row after the last crossing is kept only if something was timed on it.
    if has_data(&rows[lapcnt]) {
        rows[lapcnt].lap_number = lapcnt as u32 + 1;
        rows[lapcnt].pit_stops = pitstops;
    } else {
        rows.pop();
    }
    // A first row with nothing timed is a pseudo out-lap that never existed.
    if !has_data(&rows[0]) {
        rows.remove(0);
        for r in &mut rows {
            r.lap_number -= 1;
        }
    }
    let mut out = DriverLaps { laps: rows, part_starts, integrity_errors: Vec::new() };
    if out.laps.is_empty() {
        return Some(out);
    }
    fill_unsent_values(&mut out);
    sync_lap_ends(&mut out);
    if out.laps.is_empty() {
        return Some(out);
    }
    mark_personal_bests(&mut out, &pb_updates);
    // Laps to the grid through the pit lane are not pit stops, and their pit entry is not one.
    let offset = out.laps[0].pit_stops;
    for l in &mut out.laps {
        l.pit_stops -= offset;
    }
    if lt(out.laps[0].pit_in, out.laps[0].pit_out) {
        out.laps[0].pit_in = None;
    }
    Some(out)
}

/// Lap times that disagree with their sectors are dropped; values the feed did not resend
/// because they equal the previous lap's are restored (docs/FEED.md §2.b post-processing 2-3).
fn fill_unsent_values(out: &mut DriverLaps) {
    for i in 0..out.laps.len() {
        let (prev, rest) = out.laps.split_at_mut(i);
        let lap = &mut rest[0];
        let na: Vec<usize> = (0..3).filter(|&k| lap.sector[k].is_none()).collect();
        let sum: i64 = lap.sector.iter().flatten().sum();
        if !lap.lap_time_empty && lap.lap_time.is_some_and(|t| sum > t) {
            lap.lap_time = None;
            out.integrity_errors.push(i + 1);
        }
        if lap.lap_time_empty {
            lap.lap_time = if na.is_empty() { Some(sum) } else { None };
            lap.lap_time_empty = false;
        }
        let Some(prev) = prev.last() else { continue };
        if na.is_empty() && lap.lap_time.is_none() && prev.lap_time == Some(sum) {
            lap.lap_time = Some(sum);
        } else if na.len() == 1 {
            if let Some(t) = lap.lap_time {
                let k = na[0];
                let implied = t - sum;
                if prev.sector[k] == Some(implied) {
                    lap.sector[k] = Some(implied);
                }
            }
        }
    }
}

/// Lap ends from the sector with the least latency, then forward and backward through the
/// lap times (docs/FEED.md §2.b post-processing 4-6): a trigger can be late, never early.
fn sync_lap_ends(out: &mut DriverLaps) {
    let laps = &mut out.laps;
    for i in 0..laps.len() {
        let l = &laps[i];
        let mut min_time = l.time;
        let mut sum = 0i64;
        for (sector_time, session_time) in
            [(Some(0), l.sector_session[2]), (l.sector[2], l.sector_session[1]), (l.sector[1], l.sector_session[0])]
        {
            let Some(session_time) = session_time else { continue };
            let Some(sector_time) = sector_time else { break };
            sum += sector_time;
            let candidate = session_time + sum;
            if min_time.is_none_or(|m| candidate < m) {
                min_time = Some(candidate);
            }
        }
        if i > 0 && lt(min_time, laps[i - 1].time) {
            out.integrity_errors.push(i + 1);
            continue;
        }
        laps[i].time = min_time;
    }
    if let Some(last) = laps.last_mut() {
        if last.time.is_none() {
            if last.pit_in.is_some() {
                last.time = last.pit_in;
            } else {
                laps.pop();
            }
        }
    }
    if laps.is_empty() {
        return;
    }
    for i in (1..laps.len()).rev() {
        let start = match (laps[i].time, laps[i].lap_time) {
            (Some(t), Some(lt)) => Some(t - lt),
            _ => None,
        };
        if lt(start, laps[i - 1].time) {
            if i > 1 && lt(start, laps[i - 2].time) {
                out.integrity_errors.push(i + 1);
            } else {
                laps[i - 1].time = start;
            }
        }
    }
    for i in 0..laps.len() - 1 {
        let (Some(t0), Some(lap_time)) = (laps[i].time, laps[i + 1].lap_time) else { continue };
        let next = &mut laps[i + 1];
        if lt(Some(t0 + lap_time), next.time) {
            next.time = Some(t0 + lap_time);
        }
        let mut cum = t0;
        for k in 0..3 {
            let Some(s) = next.sector[k] else { break };
            cum += s;
            if lt(Some(cum), next.sector_session[k]) {
                next.sector_session[k] = Some(cum);
            }
        }
    }
}

/// Marks personal bests by walking the BestLapTime updates backwards within each qualifying
/// part: an update faster than one already seen later means that lap was deleted and the
/// previous best was resent (docs/FEED.md §2.b post-processing 7).
fn mark_personal_bests(out: &mut DriverLaps, updates: &[(i64, i64)]) {
    let mut part = out.part_starts.len() - 1;
    let mut accepted: Vec<i64> = Vec::new();
    for &(t, pb) in updates.iter().rev() {
        if part > 0 && t < out.part_starts[part] {
            part -= 1;
            accepted.clear();
        }
        if !accepted.is_empty() && (accepted.contains(&pb) || accepted.iter().any(|&a| pb < a)) {
            continue;
        }
        accepted.push(pb);
        if let Some(lap) = out.laps.iter_mut().find(|l| l.lap_time == Some(pb)) {
            lap.is_personal_best = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> DriverTiming {
        DriverTiming::default()
    }

    #[test]
    fn no_lap_before_the_first_pit_exit() {
        let a = DriverTiming { number_of_laps: Some(1), ..p() };
        assert!(build(&[(1000, &a)]).is_none());
    }

    #[test]
    fn out_lap_timed_lap_and_lap_time_restored_from_sectors_when_not_resent() {
        let out = DriverTiming { in_pit: Some(false), ..p() };
        let l1 = DriverTiming { number_of_laps: Some(1), ..p() };
        let s = |k: u8, v: i64| DriverTiming { sectors: vec![(k, Some(v))], ..p() };
        let lap2 = DriverTiming { number_of_laps: Some(2), last_lap_time: Some(Some(90_000)), ..p() };
        let lap3 = DriverTiming { number_of_laps: Some(3), ..p() };
        let (s1, s2, s3) = (s(0, 30_000), s(1, 30_000), s(2, 30_000));
        let (s1b, s2b, s3b) = (s(0, 30_000), s(1, 30_000), s(2, 30_000));
        let patches = vec![
            (0, &out),
            (100_000, &l1),
            (130_000, &s1),
            (160_000, &s2),
            (190_000, &s3),
            (190_000, &lap2),
            (220_000, &s1b),
            (250_000, &s2b),
            (280_000, &s3b),
            (280_000, &lap3),
        ];
        let d = build(&patches).unwrap();
        // The first row (pit exit to the first crossing) has nothing timed: a pseudo out-lap,
        // dropped and the laps renumbered.
        assert_eq!(d.laps.iter().map(|l| l.lap_number).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(d.laps[0].lap_time, Some(90_000));
        // Lap 2's time was never resent; it equals lap 1's and its sectors add up to it.
        assert_eq!(d.laps[1].lap_time, Some(90_000));
        assert_eq!(d.laps[1].time, Some(280_000));
    }

    #[test]
    fn data_going_back_in_time_is_ignored_until_it_catches_up() {
        let mut c = LapCounter::default();
        let a = DriverTiming { number_of_laps: Some(2), ..p() };
        let back = DriverTiming { number_of_laps: Some(1), ..p() };
        let other = p();
        assert!(c.accept(&a));
        assert!(c.new_lap(&a));
        c.api_laps = 2;
        assert!(!c.accept(&back));
        assert!(!c.accept(&other));
        assert!(c.accept(&a));
    }
}
