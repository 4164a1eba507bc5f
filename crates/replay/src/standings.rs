//! Standings and gaps per frame.
//!
//! Races and sprints: at each timing-line crossing the order is the order of crossing (the
//! laps completed come from the timing); between crossings cars are ordered by laps completed
//! plus progress along the lap; finished cars by when they took the flag (plus unserved time
//! penalties); a retired car keeps the place its laps earned until others pass it, so in the
//! end it is below every car that completed more laps. Gaps are time-at-distance: how long ago the leader (or
//! the car ahead) was where this car is now; lapped cars show laps down.
//! Qualifying: by best lap in the current part (Q1/Q2/Q3), knocked-out cars fixed below; gaps
//! are lap-time differences. Practice: by best lap.

use crate::cars::{CarColumns, CarState};
use crate::timeline::Timeline;
use rayon::prelude::*;
use timing::official::value_at;
use timing::Session;

/// `gap_ms` / `interval_ms` value for "no gap".
pub const NO_GAP: i32 = i32::MIN;

/// Standings of every frame: per frame, drivers (column indices) in order, and their gaps.
#[derive(Debug, Default, Clone)]
pub struct Standings {
    /// `position[d][k]`: position of driver column `d` in frame `k` (0 = not classified).
    pub position: Vec<Vec<u8>>,
    /// Gap to the leader, ms (−N = N laps down, [`NO_GAP`] = none).
    pub gap_ms: Vec<Vec<i32>>,
    /// Interval to the car ahead, same encoding.
    pub interval_ms: Vec<Vec<i32>>,
}

/// Time at which a driver first reached `p` (progress), searching frames `..=upto`, linear
/// between frames. `cummax` is the driver's running maximum of progress.
fn time_at_progress(cummax: &[f32], tl: &Timeline, upto: usize, p: f64) -> Option<f64> {
    let hi = upto.min(cummax.len().saturating_sub(1));
    let slice = &cummax[..=hi];
    // NaN (no progress yet) counts as not reached.
    let i = slice.partition_point(|&v| v.is_nan() || f64::from(v) < p);
    if i > hi || i == 0 {
        return None;
    }
    let (p0, p1) = (f64::from(slice[i - 1]), f64::from(slice[i]));
    let (t0, t1) = (tl.t_ms(i as u32 - 1) as f64, tl.t_ms(i as u32) as f64);
    if !p0.is_finite() {
        return Some(t1);
    }
    let f = if p1 > p0 { (p - p0) / (p1 - p0) } else { 1.0 };
    Some(t0 + (t1 - t0) * f.clamp(0.0, 1.0))
}

fn gap_between(ahead_cummax: &[f32], tl: &Timeline, k: usize, p_ahead: f64, p_self: f64) -> i32 {
    if !(p_ahead.is_finite() && p_self.is_finite()) {
        return NO_GAP;
    }
    let laps_down = (p_ahead - p_self).floor();
    if laps_down >= 1.0 {
        return -(laps_down.min(99.0) as i32);
    }
    match time_at_progress(ahead_cummax, tl, k, p_self) {
        Some(t) => (tl.t_ms(k as u32) as f64 - t).round().clamp(0.0, i32::MAX as f64) as i32,
        None => NO_GAP,
    }
}

/// Race and sprint standings.
pub fn race(cars: &[CarColumns], tl: &Timeline) -> Standings {
    let n = tl.frames as usize;
    let cummax: Vec<Vec<f32>> = cars
        .iter()
        .map(|c| {
            let mut m = f32::NEG_INFINITY;
            c.progress
                .iter()
                .map(|&p| {
                    if p.is_finite() && p > m {
                        m = p;
                    }
                    if m.is_finite() {
                        m
                    } else {
                        f32::NAN
                    }
                })
                .collect()
        })
        .collect();
    let drivers = cars.len();
    let mut st = Standings {
        position: vec![vec![0u8; n]; drivers],
        gap_ms: vec![vec![NO_GAP; n]; drivers],
        interval_ms: vec![vec![NO_GAP; n]; drivers],
    };
    // Frames are ranked in parallel a block at a time (frame-major scratch for the block),
    // then scattered into the per-driver columns: memory stays at the columns plus one block.
    const BLOCK: usize = 4096;
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let len = end - start;
        let mut pos = vec![0u8; len * drivers];
        let mut gap = vec![NO_GAP; len * drivers];
        let mut int = vec![NO_GAP; len * drivers];
        pos.par_chunks_mut(drivers.max(1))
            .zip(gap.par_chunks_mut(drivers.max(1)))
            .zip(int.par_chunks_mut(drivers.max(1)))
            .enumerate()
            .for_each_init(
                || (Vec::with_capacity(drivers), Vec::with_capacity(drivers)),
                |(order, keys): &mut (Vec<usize>, Vec<(u8, f64, f64)>), (j, ((pos, gap), int))| {
                    let k = start + j;
                    order.clear();
                    order.extend(0..drivers);
                    let key = |d: usize| -> (u8, f64, f64) {
                        let c = &cars[d];
                        let st = CarState::from_u8(c.state[k]);
                        let p = f64::from(c.progress[k]);
                        match st {
                            CarState::NotStarted => (4, 0.0, 0.0),
                            // A retired car keeps the place its laps earned until others pass it
                            // (as the official timing and the classification rank it): at the end
                            // it is below every car that completed more laps.
                            CarState::Retired if p.is_finite() => (0, -p, f64::MAX),
                            CarState::Retired => (2, -(c.retired_at_ms.unwrap_or(0) as f64), 0.0),
                            CarState::Finished => {
                                let t = tl.t_ms(k as u32);
                                let penalty: i64 = c.penalties.iter().filter(|p| p.0 <= t).map(|p| p.1).sum();
                                (0, -p.floor(), (c.finished_at_ms.unwrap_or(0) + penalty) as f64)
                            }
                            _ if !p.is_finite() => (3, 0.0, 0.0),
                            _ => (0, -p, f64::MAX),
                        }
                    };
                    // Keys once per car, then the sort; ties (the grid, cars stopped together)
                    // go by the official order.
                    keys.clear();
                    keys.extend((0..drivers).map(key));
                    order.sort_by(|&a, &b| {
                        let (ka, kb) = (keys[a], keys[b]);
                        ka.0.cmp(&kb.0)
                            .then(ka.1.total_cmp(&kb.1))
                            .then(ka.2.total_cmp(&kb.2))
                            .then(cars[a].official_position[k].cmp(&cars[b].official_position[k]))
                            .then(cars[a].driver.cmp(&cars[b].driver))
                    });
                    let leader = order[0];
                    for (rank, &d) in order.iter().enumerate() {
                        let st = CarState::from_u8(cars[d].state[k]);
                        if st == CarState::NotStarted || (!cars[d].progress[k].is_finite() && st != CarState::Retired) {
                            continue;
                        }
                        pos[d] = (rank + 1).min(255) as u8;
                        if rank == 0 || matches!(st, CarState::Retired) {
                            continue;
                        }
                        let p = f64::from(cars[d].progress[k]);
                        gap[d] = gap_between(&cummax[leader], tl, k, f64::from(cars[leader].progress[k]), p);
                        let ahead = order[rank - 1];
                        int[d] = gap_between(&cummax[ahead], tl, k, f64::from(cars[ahead].progress[k]), p);
                        // Finished cars on the leader's lap: the gap is the difference of flag times.
                        if let (Some(fa), Some(fl)) =
                            (cars[d].finished_at_ms.filter(|_| st == CarState::Finished), cars[leader].finished_at_ms)
                        {
                            if cars[d].progress[k].floor() >= cars[leader].progress[k].floor() {
                                gap[d] = (fa - fl).clamp(0, i32::MAX as i64) as i32;
                            }
                        }
                    }
                },
            );
        for d in 0..drivers {
            for j in 0..len {
                st.position[d][start + j] = pos[j * drivers + d];
                st.gap_ms[d][start + j] = gap[j * drivers + d];
                st.interval_ms[d][start + j] = int[j * drivers + d];
            }
        }
        start = end;
    }
    st
}

/// The qualifying part (0 = Q1) at `t`.
fn part_at(part_starts: &[i64], t: i64) -> usize {
    part_starts.iter().rposition(|&s| s <= t).unwrap_or(0)
}

/// Qualifying and practice standings: by best lap (in the current part for qualifying),
/// deletions applied from the moment race control announced them. The order only changes at
/// events (a lap completed, a deletion, a knock-out, a new part), so it is computed once per
/// event and held until the next.
pub fn by_best_lap(s: &Session, cars: &[CarColumns], tl: &Timeline, qualifying: bool) -> Standings {
    let parts: Vec<i64> = if qualifying { s.part_starts_ms.clone() } else { vec![i64::MIN] };
    let mut events: Vec<i64> = vec![i64::MIN];
    events.extend(s.laps.iter().filter_map(reported));
    events.extend(s.laps.iter().filter_map(|l| l.deleted_at_ms));
    events.extend(parts.iter().copied().filter(|p| *p > i64::MIN));
    for o in &s.official {
        events.extend(o.knocked_out.iter().map(|c| c.0));
        events.extend(o.position.iter().map(|c| c.0));
    }
    events.sort_unstable();
    events.dedup();
    let at_event: Vec<(Vec<u8>, Vec<i32>, Vec<i32>)> = events.par_iter().map(|&t| order_at(s, cars, &parts, qualifying, t)).collect();
    let n = tl.frames as usize;
    let drivers = cars.len();
    let mut st = Standings {
        position: vec![Vec::with_capacity(n); drivers],
        gap_ms: vec![Vec::with_capacity(n); drivers],
        interval_ms: vec![Vec::with_capacity(n); drivers],
    };
    let mut e = 0;
    for k in 0..n {
        let t = tl.t_ms(k as u32);
        while e + 1 < events.len() && events[e + 1] <= t {
            e += 1;
        }
        let (pos, gap, int) = &at_event[e];
        for d in 0..drivers {
            st.position[d].push(pos[d]);
            st.gap_ms[d].push(gap[d]);
            st.interval_ms[d].push(int[d]);
        }
    }
    st
}

/// When a lap counts for the standings: when the timing announced it (the timing screen's
/// order changes then, not at the sector-synced crossing a few hundred ms earlier).
fn reported(l: &timing::laps::Lap) -> Option<i64> {
    match (l.time_ms, l.reported_ms) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn order_at(s: &Session, cars: &[CarColumns], parts: &[i64], qualifying: bool, t: i64) -> (Vec<u8>, Vec<i32>, Vec<i32>) {
    let part = part_at(parts, t);
    let best_in = |driver: u16, part: usize| -> Option<i64> {
        s.laps
            .iter()
            // A lap that ends in the pit lane never crosses the timing line: it sets no time.
            .filter(|l| l.driver == driver && l.pit_in_ms.is_none() && reported(l).is_some_and(|e| e <= t))
            .filter(|l| !qualifying || part_at(parts, l.time_ms.unwrap_or(0)) == part)
            .filter(|l| !(l.deleted == Some(true) && l.deleted_at_ms.is_none_or(|d| d <= t)))
            .filter_map(|l| l.lap_time_ms)
            .min()
    };
    // Knocked out: fixed below, ordered by the part they fell in (later first), then by their
    // best time in it. Without a time, the official order decides (as on the timing screen).
    let mut keys: Vec<(usize, (u8, i64, i64, u32))> = cars
        .iter()
        .enumerate()
        .map(|(d, c)| {
            let official = s.official.iter().find(|o| o.driver == c.driver);
            let official_pos = official.and_then(|o| value_at(&o.position, t)).unwrap_or(99);
            let out = qualifying && official.and_then(|o| value_at(&o.knocked_out, t)).unwrap_or(false);
            let key = if out {
                let out_part = (0..part).rev().find(|&p| best_in(c.driver, p).is_some()).unwrap_or(0);
                (1, -(out_part as i64), best_in(c.driver, out_part).unwrap_or(i64::MAX), official_pos)
            } else {
                (0, 0, best_in(c.driver, part).unwrap_or(i64::MAX), official_pos)
            };
            (d, key)
        })
        .collect();
    keys.sort_by_key(|x| x.1);
    let mut pos = vec![0u8; cars.len()];
    let mut gap = vec![NO_GAP; cars.len()];
    let mut int = vec![NO_GAP; cars.len()];
    let p1 = keys.first().map(|x| x.1 .2).unwrap_or(i64::MAX);
    for (rank, &(d, key)) in keys.iter().enumerate() {
        pos[d] = (rank + 1).min(255) as u8;
        if key.0 == 0 && key.2 != i64::MAX && p1 != i64::MAX {
            gap[d] = (key.2 - p1) as i32;
            if rank > 0 {
                let ahead = keys[rank - 1].1 .2;
                if ahead != i64::MAX {
                    int[d] = (key.2 - ahead) as i32;
                }
            }
        }
    }
    (pos, gap, int)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn car(driver: u16, progress: Vec<f32>, state: Vec<u8>) -> CarColumns {
        CarColumns { driver, official_position: vec![255; progress.len()], progress, state, ..Default::default() }
    }

    proptest! {
        #[test]
        fn race_standings_are_a_permutation_of_the_cars_present(
            progress in prop::collection::vec(prop::collection::vec(prop_oneof![Just(f32::NAN), 0.0f32..60.0], 8), 1..12),
            states in prop::collection::vec(prop::collection::vec(0u8..8, 8), 12),
        ) {
            let tl = Timeline { start_ms: 0, fps: 25, frames: 8 };
            let cars: Vec<CarColumns> = progress.iter().enumerate().map(|(d, p)| car(d as u16 + 1, p.clone(), states[d].clone())).collect();
            let st = race(&cars, &tl);
            for k in 0..8 {
                let mut pos: Vec<u8> = (0..cars.len()).map(|d| st.position[d][k]).filter(|p| *p > 0).collect();
                let present = (0..cars.len()).filter(|&d| {
                    let s = CarState::from_u8(cars[d].state[k]);
                    s != CarState::NotStarted && (cars[d].progress[k].is_finite() || s == CarState::Retired)
                }).count();
                pos.sort_unstable();
                // Every car present has a position, no two share one, and they are 1..n in
                // order (cars not present are ranked after, so ranks may skip at the end).
                prop_assert_eq!(pos.len(), present);
                pos.dedup();
                prop_assert_eq!(pos.len(), present);
            }
        }
    }
}
