//! Cross-driver alignment of lap ends on GapToLeader (docs/FEED.md §2.b, `_align_laps`).
//!
//! Each driver's timing arrives with its own constant latency. At a lap where the leader and
//! others cross the line without pitting, the official gap says how far apart their crossings
//! really were; the difference to our crossing times is that driver's latency, removed here.

use super::driver::RawLap;

/// GapToLeader strings of one driver, with the session time each was sent (FastF1's stream data).
#[derive(Debug, Default, Clone)]
pub struct GapStream {
    /// Session ms of each row.
    pub t_ms: Vec<i64>,
    /// The gap as sent, carried forward from the previous row when a row lacks it.
    pub gap: Vec<Option<String>>,
}

impl GapStream {
    /// The gap string sent nearest in time to `t` (the first of equally near rows).
    fn nearest(&self, t: i64) -> Option<&Option<String>> {
        let mut best: Option<(i64, usize)> = None;
        for (i, &ti) in self.t_ms.iter().enumerate() {
            let d = (ti - t).abs();
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| &self.gap[i])
    }
}

/// Shifts every driver's lap ends by their latency relative to the leader. `drivers` holds
/// each driver's laps and gap stream in the order drivers first appear in TimingData.
/// Returns the drivers that could not be aligned, or `None` when no alignment was possible.
pub fn align(drivers: &mut [(u16, Vec<RawLap>, GapStream)]) -> Option<Vec<u16>> {
    if drivers.iter().all(|(_, _, g)| g.gap.iter().all(Option::is_none)) {
        return None;
    }
    let n_laps = drivers.iter().flat_map(|(_, l, _)| l.iter().map(|l| l.lap_number)).max().unwrap_or(0);
    let mut expected: Vec<(usize, i64)> = Vec::new();
    let mut delta: Vec<(usize, i64)> = Vec::new();
    let has = |v: &[(usize, i64)], d: usize| v.iter().any(|(x, _)| *x == d);
    for offset in 0..n_laps as usize {
        let lap_n = offset as u32 + 1;
        let mut leader = None;
        let mut active = 0usize;
        for (di, (_, laps, gaps)) in drivers.iter().enumerate() {
            let Some(lap) = laps.iter().find(|l| l.lap_number == lap_n) else { continue };
            active += 1;
            if laps.iter().filter(|l| l.lap_number == lap_n).any(|l| l.pit_in.is_some() || l.pit_out.is_some()) {
                continue;
            }
            let _ = lap;
            let t = laps.get(offset)?.time?;
            // A driver with no gap near its crossing makes FastF1 give up on alignment.
            let gap = gaps.nearest(t)?.as_deref()?;
            if gap.contains("LAP") {
                leader = Some(di);
            } else if !has(&delta, di) {
                if let Some(g) = feed::time::parse_duration_ms(gap) {
                    if let Some(e) = expected.iter_mut().find(|(x, _)| *x == di) {
                        e.1 = g;
                    } else {
                        expected.push((di, g));
                    }
                }
            }
        }
        let Some(leader) = leader else { continue };
        let leader_time = drivers[leader].1.get(offset)?.time?;
        if !has(&delta, leader) {
            delta.push((leader, 0));
        }
        let ref_zero = delta.iter().find(|(x, _)| *x == leader).map_or(0, |d| d.1);
        for &(di, gap) in &expected {
            if has(&delta, di) {
                continue;
            }
            let other = drivers[di].1.get(offset)?.time?;
            delta.push((di, gap - (other - leader_time) + ref_zero));
        }
        if active <= delta.len() {
            break;
        }
    }
    let max_delta = delta.iter().map(|d| d.1).max().unwrap_or(0).max(0);
    for &(di, d) in &delta {
        for lap in &mut drivers[di].1 {
            if let Some(t) = lap.time.as_mut() {
                *t += d - max_delta;
            }
        }
    }
    Some(drivers.iter().enumerate().filter(|(i, _)| !has(&delta, *i)).map(|(_, d)| d.0).collect())
}
