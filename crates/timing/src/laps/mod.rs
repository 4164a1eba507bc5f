//! Laps of every driver: per-driver lap rows ([`driver`]), cross-driver alignment
//! ([`align`]), tyres ([`stints`]), then the session-level rules of docs/FEED.md §2.b: lap start
//! times, red-flag restarts, positions at the line, track status per lap, speed-trap fill,
//! deleted laps from race control, retirements on track and accuracy.

pub mod align;
pub mod driver;
pub mod stints;

use crate::status::TrackStatusInterval;
use driver::lt;
use feed::records::{DriverTiming, RaceControlMessage, Timed};
use feed::FeedSession;

/// One lap of one driver, with FastF1's columns. Times are ms of session time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lap {
    /// Racing number.
    pub driver: u16,
    /// Lap number, from 1.
    pub lap_number: u32,
    /// Lap end (the line crossing), session ms.
    pub time_ms: Option<i64>,
    /// Lap time, ms.
    pub lap_time_ms: Option<i64>,
    /// Sector times, ms.
    pub sector_ms: [Option<i64>; 3],
    /// When each sector ended, session ms.
    pub sector_session_ms: [Option<i64>; 3],
    /// Lap start, session ms.
    pub lap_start_ms: Option<i64>,
    /// Pit entry on this lap, session ms.
    pub pit_in_ms: Option<i64>,
    /// Pit exit on this lap, session ms.
    pub pit_out_ms: Option<i64>,
    /// Speed traps I1, I2, FL, ST, km/h.
    pub speed_kph: [Option<f32>; 4],
    /// Personal best at the time it was set.
    pub is_personal_best: bool,
    /// Tyre compound ("" when unknown).
    pub compound: String,
    /// Laps on this set at the end of the lap.
    pub tyre_life: Option<f32>,
    /// Fresh set at the stint start.
    pub fresh_tyre: Option<bool>,
    /// Stint number from 1 (`None` when no stint message preceded the lap).
    pub stint: Option<u32>,
    /// Pit stops so far.
    pub pit_stops: i32,
    /// Position at the line (race-like sessions).
    pub position: Option<u32>,
    /// Deleted by race control (`None` when there were no race control messages).
    pub deleted: Option<bool>,
    /// Why it was deleted.
    pub deleted_reason: String,
    /// When race control deleted it (session ms of the message's line), for replays that must
    /// not show a deletion before it happened.
    pub deleted_at_ms: Option<i64>,
    /// Track status codes seen during the lap, e.g. "124".
    pub track_status: String,
    /// FastF1's accuracy flag.
    pub is_accurate: bool,
    /// Generated (lap-1 crash, retirement on track), not timed.
    pub generated: bool,
    /// When the timing announced the lap complete (session ms): the lap end as the timing
    /// screen showed it, a little after `time_ms`.
    pub reported_ms: Option<i64>,
}

/// Inputs of the session-level lap rules.
pub struct LapContext<'a> {
    /// Race or sprint.
    pub race_like: bool,
    /// First "Started", session ms.
    pub session_start_ms: Option<i64>,
    /// Drivers to build laps for, in order.
    pub drivers: &'a [u16],
    /// Session status changes.
    pub session_status: &'a [Timed<String>],
    /// Track status intervals.
    pub track_status: &'a [TrackStatusInterval],
    /// Race control messages, if the topic exists.
    pub race_control: Option<&'a [RaceControlMessage]>,
    /// Total race laps.
    pub total_laps: Option<u32>,
    /// t0 (UTC µs) when car data exists, to find where a retired car stopped.
    pub t0_utc_us: Option<i64>,
}

/// The laps of a session, plus notes on what could not be done.
#[derive(Debug, Default, Clone)]
pub struct LapsResult {
    /// All laps, by driver (in `drivers` order) then lap number.
    pub laps: Vec<Lap>,
    /// Start times of Q1/Q2/Q3 (qualifying), session ms.
    pub part_starts: Vec<i64>,
    /// Human-readable notes (drivers not aligned, integrity errors...).
    pub notes: Vec<String>,
}

/// Builds every driver's laps from the decoded feed.
pub fn build(feed: &FeedSession, ctx: &LapContext<'_>) -> LapsResult {
    use rayon::prelude::*;
    let mut notes = Vec::new();
    // Split TimingData per driver, drivers in the order they first appear.
    let mut order: Vec<u16> = Vec::new();
    let mut per_driver: Vec<Vec<(i64, &DriverTiming)>> = Vec::new();
    for line in &feed.timing {
        for (n, p) in &line.drivers {
            let i = match order.iter().position(|x| x == n) {
                Some(i) => i,
                None => {
                    order.push(*n);
                    per_driver.push(Vec::new());
                    order.len() - 1
                }
            };
            per_driver[i].push((line.t_ms, p));
        }
    }
    let built: Vec<Option<driver::DriverLaps>> = per_driver.par_iter().map(|p| driver::build(p)).collect();
    let mut part_starts = vec![0i64];
    let mut aligned: Vec<(u16, Vec<driver::RawLap>, align::GapStream)> = Vec::new();
    for ((n, patches), d) in order.iter().zip(&per_driver).zip(built) {
        let Some(d) = d else { continue };
        if !d.integrity_errors.is_empty() {
            notes.push(format!("driver {n}: timing integrity errors near laps {:?}", d.integrity_errors));
        }
        for (i, t) in d.part_starts.iter().enumerate() {
            if i < part_starts.len() {
                part_starts[i] = part_starts[i].min(*t);
            } else {
                part_starts.push(*t);
            }
        }
        aligned.push((*n, d.laps, gap_stream(patches)));
    }
    // FastF1 takes the earliest split seen by any driver, with a day as "not seen".
    if let Some(unaligned) = align::align(&mut aligned) {
        if !unaligned.is_empty() {
            notes.push(format!("could not align laps of drivers {unaligned:?}"));
        }
    }

    let first_lap_end = aligned.iter().filter_map(|(_, l, _)| l.first().and_then(|l| l.time)).min();
    let mut laps = Vec::new();
    for &drv in ctx.drivers {
        let raw = aligned.iter().find(|(n, _, _)| *n == drv).map(|(_, l, _)| l.as_slice()).unwrap_or(&[]);
        let msgs = stints::messages(&feed.stints, drv);
        let split_times: Vec<i64> = raw.iter().filter(|l| l.pit_in.is_some()).filter_map(|l| l.time).collect();
        let distinct = {
            let mut s: Vec<u32> = msgs.iter().map(|m| m.stint).collect();
            s.sort_unstable();
            s.dedup();
            s.len()
        };
        let tyres = if msgs.len() != distinct { stints::fix(msgs, &split_times, ctx.race_like, ctx.session_start_ms) } else { msgs };
        let mut driver_laps: Vec<Lap> = if raw.is_empty() {
            if ctx.race_like && !tyres.is_empty() {
                // A car that crashed on lap 1 still gets one generated lap.
                let t = &tyres[0];
                vec![Lap {
                    driver: drv,
                    lap_number: 1,
                    time_ms: first_lap_end,
                    compound: t.compound.clone().unwrap_or_default(),
                    tyre_life: t.start_laps.map(|s| s as f32),
                    fresh_tyre: t.new,
                    stint: Some(0),
                    generated: true,
                    ..Default::default()
                }]
            } else {
                notes.push(format!("no lap data for driver {drv}"));
                continue;
            }
        } else {
            raw.iter()
                .map(|r| {
                    let mut pit_out = r.pit_out;
                    if r.lap_number == 1 && lt(pit_out, ctx.session_start_ms) {
                        pit_out = None;
                    }
                    let (compound, tyre_life, fresh, stint) = match (tyres.is_empty(), stints::at(&tyres, r.time)) {
                        (true, _) => (String::new(), None, Some(false), Some(0)),
                        (false, Some(s)) => (
                            s.compound.clone().unwrap_or_default(),
                            s.start_laps.map(|x| x as f32),
                            Some(s.new.unwrap_or(false)),
                            Some(s.stint),
                        ),
                        (false, None) => (String::new(), None, None, None),
                    };
                    Lap {
                        driver: drv,
                        lap_number: r.lap_number,
                        time_ms: r.time,
                        lap_time_ms: r.lap_time,
                        sector_ms: r.sector,
                        sector_session_ms: r.sector_session,
                        pit_in_ms: r.pit_in,
                        pit_out_ms: pit_out,
                        speed_kph: r.speed,
                        is_personal_best: r.is_personal_best,
                        compound,
                        tyre_life,
                        fresh_tyre: fresh,
                        stint,
                        pit_stops: r.pit_stops,
                        reported_ms: r.reported.or(r.time),
                        ..Default::default()
                    }
                })
                .collect()
        };
        set_lap_starts(&mut driver_laps, ctx);
        // Tyre life counts up by one per lap within each stint.
        let mut seen: Vec<(u32, f32)> = Vec::new();
        for l in &mut driver_laps {
            let Some(s) = l.stint else { continue };
            let k = match seen.iter_mut().find(|(x, _)| *x == s) {
                Some(e) => {
                    e.1 += 1.0;
                    e.1
                }
                None => {
                    seen.push((s, 1.0));
                    1.0
                }
            };
            l.tyre_life = l.tyre_life.map(|t| t + k);
            l.stint = Some(s + 1);
        }
        laps.extend(driver_laps);
    }
    if ctx.race_like {
        set_positions(&mut laps);
    }
    for l in &mut laps {
        l.track_status = track_status_of(l.lap_start_ms, l.time_ms, ctx.track_status);
    }
    fill_speed_traps(&mut laps);
    add_retired_on_track_laps(&mut laps, ctx, feed);
    if let Some(rcm) = ctx.race_control {
        mark_deleted(&mut laps, rcm);
    }
    check_accuracy(&mut laps);
    LapsResult { laps, part_starts, notes }
}

/// FastF1's stream data for one driver: a row per patch carrying Position, GapToLeader or
/// IntervalToPositionAhead, with GapToLeader carried forward.
fn gap_stream(patches: &[(i64, &DriverTiming)]) -> align::GapStream {
    let mut g = align::GapStream::default();
    let mut gap: Option<String> = None;
    for &(t, p) in patches {
        let mut row = false;
        if p.position.is_some() {
            row = true;
        }
        if let Some(v) = p.gap_to_leader.as_deref().filter(|v| !v.is_empty()) {
            gap = Some(v.to_string());
            row = true;
        }
        if p.interval_to_ahead.as_deref().is_some_and(|v| !v.is_empty()) {
            row = true;
        }
        if row {
            g.t_ms.push(t);
            g.gap.push(gap.clone());
        }
    }
    g
}

/// Lap start = previous lap's end; lap 1 starts at the session start in races. After a red
/// flag, the first lap with a pit exit after the restart starts there (races, if untimed) or
/// is unknown (other sessions); unknown starts fall back to the pit exit.
fn set_lap_starts(laps: &mut [Lap], ctx: &LapContext<'_>) {
    let mut starts: Vec<Option<i64>> = Vec::with_capacity(laps.len());
    starts.push(if ctx.race_like { ctx.session_start_ms } else { None });
    for l in laps.iter().take(laps.len().saturating_sub(1)) {
        starts.push(l.time_ms);
    }
    if ctx.session_status.iter().any(|s| s.value == "Aborted") {
        let mut aborted = false;
        for s in ctx.session_status {
            if aborted && s.value == "Started" {
                aborted = false;
                let Some(i) = laps.iter().position(|l| l.pit_out_ms.is_some_and(|p| p > s.t_ms)) else { continue };
                if ctx.race_like {
                    if laps[i].lap_time_ms.is_none() {
                        starts[i] = Some(s.t_ms);
                    }
                } else {
                    starts[i] = None;
                }
            } else if s.value == "Aborted" {
                aborted = true;
            }
        }
    }
    for (l, s) in laps.iter_mut().zip(starts) {
        l.lap_start_ms = s.or(l.pit_out_ms);
    }
}

/// Position at the line: for each lap number, drivers ranked by the time they completed it.
fn set_positions(laps: &mut [Lap]) {
    let mut count: std::collections::HashMap<u16, usize> = Default::default();
    for l in laps.iter() {
        *count.entry(l.driver).or_default() += 1;
    }
    let excluded = |l: &Lap| l.generated && count.get(&l.driver) == Some(&1);
    let mut numbers: Vec<u32> = laps.iter().map(|l| l.lap_number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        let mut idx: Vec<usize> = (0..laps.len()).filter(|&i| laps[i].lap_number == n && !excluded(&laps[i])).collect();
        // NaT sorts last in pandas; the sort is stable for ties.
        idx.sort_by_key(|&i| (laps[i].time_ms.is_none(), laps[i].time_ms));
        for (pos, i) in idx.into_iter().enumerate() {
            laps[i].position = Some(pos as u32 + 1);
        }
    }
}

/// The track status codes active during a lap (overlap of the lap with status intervals).
fn track_status_of(start: Option<i64>, end: Option<i64>, intervals: &[TrackStatusInterval]) -> String {
    let mut s = String::new();
    for iv in intervals {
        let within = |x: Option<i64>| x.is_some_and(|x| iv.start_ms <= x && iv.end_ms.is_none_or(|e| x <= e));
        let covers = iv.end_ms.is_some_and(|e| start.is_some_and(|st| st <= iv.start_ms) && end.is_some_and(|en| e <= en));
        let hit = if iv.end_ms.is_none() { end.is_some_and(|en| iv.start_ms <= en) } else { within(end) || within(start) || covers };
        let code = char::from(b'0' + iv.status.min(9));
        if hit && !s.contains(code) {
            s.push(code);
        }
    }
    s
}

/// Speed traps that were not resent are carried forward from the previous lap, except on
/// generated laps and under red flags; FL also not on in-laps.
fn fill_speed_traps(laps: &mut [Lap]) {
    let mut start = 0;
    while start < laps.len() {
        let drv = laps[start].driver;
        let end = laps[start..].iter().position(|l| l.driver != drv).map_or(laps.len(), |p| start + p);
        let mut last = [None; 4];
        for l in &mut laps[start..end] {
            let orig = l.speed_kph;
            for k in 0..4 {
                if orig[k].is_some() {
                    last[k] = orig[k];
                }
            }
            let applicable = !l.generated && !l.track_status.contains('5');
            if applicable {
                for k in [0, 1, 3] {
                    l.speed_kph[k] = last[k];
                }
                if l.pit_in_ms.is_none() {
                    l.speed_kph[2] = last[2];
                }
            }
        }
        start = end;
    }
}

/// A driver whose last lap is not an in-lap when the session later finishes retired on track:
/// they get one generated last lap (FastF1's `_fix_missing_laps_retired_on_track`). A race or
/// sprint without a total lap count (no LapCount, or none with `TotalLaps`) gets none: FastF1
/// never sets the total then, reading it fails and the step is skipped (without the total a
/// winner would get a lap past the race distance).
fn add_retired_on_track_laps(laps: &mut Vec<Lap>, ctx: &LapContext<'_>, feed: &FeedSession) {
    if ctx.race_like && ctx.total_laps.is_none() {
        return;
    }
    let mut new = Vec::new();
    for &drv in ctx.drivers {
        let dl: Vec<&Lap> = laps.iter().filter(|l| l.driver == drv).collect();
        let Some(last) = dl.last() else { continue };
        if dl.len() == 1 && last.generated {
            continue;
        }
        let Some(ref_time) = last.time_ms.or(last.lap_start_ms) else { continue };
        let next: Vec<&Timed<String>> = ctx.session_status.iter().filter(|s| s.t_ms > ref_time).collect();
        let prev_finished = ctx.session_status.iter().any(|s| s.t_ms <= ref_time && s.value == "Finished");
        if ctx.total_laps.is_some_and(|t| last.lap_number == t) {
            continue;
        }
        if prev_finished || !next.iter().any(|s| s.value == "Finished") || last.pit_in_ms.is_some() {
            continue;
        }
        if ctx.total_laps.is_some_and(|t| dl.len() >= t as usize) {
            continue;
        }
        if dl.len() >= 2 && dl[dl.len() - 2].pit_in_ms.is_some() && last.pit_out_ms.is_none() {
            continue;
        }
        let end = if next[0].value == "Aborted" {
            Some(next[0].t_ms)
        } else {
            ctx.t0_utc_us.and_then(|t0| crate::telemetry::first_stop_after(feed, t0, drv, ref_time)).or(Some(ref_time + 150_000))
        };
        let mut lap = Lap {
            driver: drv,
            lap_number: last.lap_number + 1,
            lap_start_ms: last.time_ms,
            time_ms: end,
            stint: last.stint,
            compound: last.compound.clone(),
            tyre_life: last.tyre_life.map(|t| t + 1.0),
            fresh_tyre: last.fresh_tyre,
            generated: true,
            ..Default::default()
        };
        lap.track_status = track_status_of(lap.lap_start_ms, lap.time_ms, ctx.track_status);
        new.push(lap);
    }
    for lap in new {
        let at = laps.iter().rposition(|l| l.driver == lap.driver).map_or(laps.len(), |i| i + 1);
        laps.insert(at, lap);
    }
}

/// Laps deleted by race control ("CAR 5 (BOR) TIME 1:18.964 DELETED - reason"), unless a
/// later message reinstated them; matched by driver and lap time.
fn mark_deleted(laps: &mut [Lap], rcm: &[RaceControlMessage]) {
    let parse = |m: &str, word: &str| -> Option<(u16, i64, String)> {
        let rest = m.strip_prefix("CAR ")?;
        let (num, rest) = rest.split_once(' ')?;
        if num.is_empty() || num.len() > 2 {
            return None;
        }
        let drv: u16 = num.parse().ok()?;
        let i = rest.find(" TIME ")?;
        let after = &rest[i + 6..];
        let (time, tail) = after.split_once(' ')?;
        let tb = time.as_bytes();
        if !(tb.len() == 8 && tb[1] == b':' && tb[4] == b'.') {
            return None;
        }
        let ms = feed::time::parse_duration_ms(time)?;
        if word == "DELETED" {
            let reason = tail.strip_prefix("DELETED - ")?;
            Some((drv, ms, strip_clock(reason)))
        } else {
            tail.contains("REINSTATED").then(|| (drv, ms, String::new()))
        }
    };
    let reinstated: Vec<(u16, i64)> = rcm.iter().filter_map(|m| parse(&m.message, "REINSTATED")).map(|(d, t, _)| (d, t)).collect();
    for l in laps.iter_mut() {
        l.deleted = Some(false);
    }
    for m in rcm {
        let Some((drv, t, reason)) = parse(&m.message, "DELETED") else { continue };
        if reinstated.contains(&(drv, t)) {
            continue;
        }
        for l in laps.iter_mut().filter(|l| l.driver == drv && l.lap_time_ms == Some(t)) {
            l.deleted = Some(true);
            l.deleted_at_ms = Some(m.line_ms);
            l.is_personal_best = false;
            l.deleted_reason = reason.clone();
        }
    }
}

/// Removes `HH:MM:SS` clock times from a deletion reason, as FastF1 does.
fn strip_clock(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_clock =
            i + 8 <= b.len() && [0, 1, 3, 4, 6, 7].iter().all(|&k| b[i + k].is_ascii_digit()) && b[i + 2] == b':' && b[i + 5] == b':';
        if is_clock {
            i += 8;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// FastF1's `IsAccurate`: a clean, fully timed lap whose sectors and line crossings agree.
fn check_accuracy(laps: &mut [Lap]) {
    let mut prev: Option<(u16, String, Option<i64>)> = None;
    for l in laps.iter_mut() {
        let same_driver_prev = prev.as_ref().filter(|p| p.0 == l.driver);
        let check1 = l.pit_in_ms.is_none()
            && l.pit_out_ms.is_none()
            && !l.generated
            && matches!(l.track_status.as_str(), "1" | "2" | "12" | "21")
            && l.lap_time_ms.is_some()
            && l.sector_ms.iter().all(Option::is_some);
        let check2 = check1 && (l.sector_ms.iter().flatten().sum::<i64>() - l.lap_time_ms.unwrap_or(0)).abs() <= 3;
        let check3 = same_driver_prev.is_none_or(|p| p.1 != "4");
        let check4 = match (l.time_ms, l.lap_time_ms, same_driver_prev.and_then(|p| p.2)) {
            (Some(t), Some(lt), Some(pt)) => ((t - pt) - lt).abs() <= 3,
            _ => true,
        };
        l.is_accurate = check1 && check2 && check3 && check4;
        prev = Some((l.driver, l.track_status.clone(), l.time_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_stripped_from_deletion_reasons() {
        assert_eq!(strip_clock("TRACK LIMITS AT TURN 12 LAP 3 15:03:34"), "TRACK LIMITS AT TURN 12 LAP 3 ");
    }

    #[test]
    fn deleted_and_reinstated_laps() {
        let mut laps = vec![Lap { driver: 5, lap_time_ms: Some(78_964), is_personal_best: true, ..Default::default() }];
        let msg = |m: &str| RaceControlMessage { message: m.into(), ..Default::default() };
        mark_deleted(&mut laps, &[msg("CAR 5 (BOR) TIME 1:18.964 DELETED - TRACK LIMITS AT TURN 12 LAP 3 15:03:34")]);
        assert_eq!(laps[0].deleted, Some(true));
        assert!(!laps[0].is_personal_best);
        mark_deleted(
            &mut laps,
            &[msg("CAR 5 (BOR) TIME 1:18.964 DELETED - TRACK LIMITS"), msg("CAR 5 (BOR) TIME 1:18.964 (15:03:34) REINSTATED")],
        );
        assert_eq!(laps[0].deleted, Some(false));
    }
}
