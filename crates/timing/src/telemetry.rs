//! Per-driver continuous telemetry for the whole session, columnar, on one time base.
//!
//! Car samples (~240 ms) and position samples (~220 ms) are put on the union of their times
//! in session time (via t0). Continuous channels (speed, rpm, throttle, X/Y) are linear in
//! time between their own samples; discrete ones (gear, brake, DRS) are steps.
//! Where a channel has no sample within [`MAX_GAP_MS`], its value is a gap (NaN for floats),
//! never a zero: a car is never put at the origin.

use crate::laps::Lap;
use feed::telemetry::{CarSamples, PositionSamples};
use feed::FeedSession;

/// Longest stretch between two samples that is still interpolated; beyond it, a gap.
pub const MAX_GAP_MS: i64 = 5_000;

/// Faster than any car (430 km/h): two positions further apart than this allows are not joined.
const MAX_SPEED_MS: f64 = 120.0;

/// One driver's telemetry, struct of arrays; every column has one value per row of `t_ms`.
#[derive(Debug, Default, Clone)]
pub struct DriverTelemetry {
    /// Racing number.
    pub driver: u16,
    /// Session time of each row, ms, increasing.
    pub t_ms: Vec<i64>,
    /// Speed, km/h (NaN in gaps).
    pub speed_kph: Vec<f32>,
    /// Engine rpm (NaN in gaps).
    pub rpm: Vec<f32>,
    /// Throttle, % (NaN in gaps).
    pub throttle_pct: Vec<f32>,
    /// Gear (step; 0 in gaps).
    pub gear: Vec<u8>,
    /// Brake on (step).
    pub brake: Vec<bool>,
    /// DRS channel value (step; 0 when absent).
    pub drs: Vec<u8>,
    /// X, m (NaN in gaps).
    pub x_m: Vec<f32>,
    /// Y, m (NaN in gaps).
    pub y_m: Vec<f32>,
    /// Whether each row is a position sample (its X/Y are the feed's own; elsewhere they are
    /// interpolated): where a car is between two of them is better told by its speed than by
    /// a straight line in time, and only these rows pin it.
    pub position_row: Vec<bool>,
}

/// Rounds µs to the nearest ms (ties to even, like pandas' `round("ms")`).
pub fn round_us_to_ms(us: i64) -> i64 {
    let q = us.div_euclid(1000);
    let r = us.rem_euclid(1000);
    if r > 500 || (r == 500 && q % 2 != 0) {
        q + 1
    } else {
        q
    }
}

/// FastF1's t0: the UTC instant (µs, rounded to the ms) at which session time is zero, as
/// the largest `sample time − line offset` over all car and position samples. A line arrives
/// at least as late as its newest sample, so the least-delayed sample bounds t0 best.
pub fn t0_utc_us(feed: &FeedSession) -> Option<i64> {
    // The feed works out each source's candidate as it decodes (per line, in parallel).
    let max = feed.car_data.t0_candidate_us.max(feed.position.t0_candidate_us)?;
    Some(round_us_to_ms(max) * 1000)
}

fn session_ms(utc_us: &[i64], t0_us: i64) -> Vec<i64> {
    let t0_ms = t0_us / 1000;
    utc_us.iter().map(|&u| round_us_to_ms(u) - t0_ms).collect()
}

/// Where a time falls among a channel's sample times: what [`Bracket::lerp`] needs, found once
/// per time for all the channels sampled together.
#[derive(Clone, Copy)]
enum Bracket {
    /// Outside the samples, or across a gap longer than [`MAX_GAP_MS`].
    None,
    /// On sample `i`.
    At(usize),
    /// Between samples `i` and `i + 1`, a fraction `f` of the way.
    Between(usize, f32),
}

impl Bracket {
    /// Finds `t` in `ts`; `hint` walks forward with increasing t, keeping the merge linear.
    fn find(ts: &[i64], t: i64, hint: &mut usize) -> Bracket {
        while *hint + 1 < ts.len() && ts[*hint + 1] <= t {
            *hint += 1;
        }
        if ts.is_empty() || t < ts[0] || t > ts[ts.len() - 1] {
            return Bracket::None;
        }
        let i = *hint;
        if ts[i] == t {
            return Bracket::At(i);
        }
        if i + 1 >= ts.len() {
            return Bracket::None;
        }
        let (t0, t1) = (ts[i], ts[i + 1]);
        if t1 - t0 > MAX_GAP_MS {
            return Bracket::None;
        }
        Bracket::Between(i, (t - t0) as f32 / (t1 - t0) as f32)
    }

    /// Linear interpolation of `v` (the channel's value at a sample index); NaN for
    /// [`Bracket::None`].
    #[inline]
    fn lerp(self, v: impl Fn(usize) -> f32) -> f32 {
        match self {
            Bracket::None => f32::NAN,
            Bracket::At(i) => v(i),
            Bracket::Between(i, f) => v(i) + (v(i + 1) - v(i)) * f,
        }
    }
}

/// The last sample index at or before `t` if it is within [`MAX_GAP_MS`].
fn step_at(ts: &[i64], t: i64, hint: &mut usize) -> Option<usize> {
    while *hint + 1 < ts.len() && ts[*hint + 1] <= t {
        *hint += 1;
    }
    let i = *hint;
    (ts.get(i).is_some_and(|&ti| ti <= t && t - ti <= MAX_GAP_MS)).then_some(i)
}

/// Sorts samples by time (the feed is nearly sorted; a few batches overlap) and returns the
/// permutation, so the columns can be read in time order.
fn time_order(ts: &[i64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..ts.len()).collect();
    idx.sort_by_key(|&i| ts[i]);
    idx.dedup_by_key(|i| ts[*i]);
    idx
}

/// Merges one driver's car and position samples onto one time base. The distance driven in
/// each lap ([`lap_distance`]) needs the laps, and only the comparison with FastF1 reads it: it
/// is worked out where it is wanted.
pub fn merge_channels(driver: u16, car: Option<&CarSamples>, pos: Option<&PositionSamples>, t0_us: i64) -> DriverTelemetry {
    let empty_car = CarSamples::default();
    let empty_pos = PositionSamples::default();
    let car = car.unwrap_or(&empty_car);
    let pos = pos.unwrap_or(&empty_pos);
    let car_t_all = session_ms(&car.utc_us, t0_us);
    let pos_t_all = session_ms(&pos.utc_us, t0_us);
    let ci = time_order(&car_t_all);
    // A sample that does not place the car is a gap, not a place.
    let mut pi = time_order(&pos_t_all);
    pi.retain(|&i| pos.is_placed(i));
    let car_t: Vec<i64> = ci.iter().map(|&i| car_t_all[i]).collect();
    let pos_t: Vec<i64> = pi.iter().map(|&i| pos_t_all[i]).collect();

    let mut tel = DriverTelemetry { driver, ..Default::default() };
    let n = car_t.len() + pos_t.len();
    tel.t_ms.reserve(n);
    tel.position_row.reserve(n);
    let (mut a, mut b) = (0, 0);
    while a < car_t.len() || b < pos_t.len() {
        let (t, from_position) = match (car_t.get(a), pos_t.get(b)) {
            (Some(&x), Some(&y)) if x == y => {
                a += 1;
                b += 1;
                (x, true)
            }
            (Some(&x), Some(&y)) if x < y => {
                a += 1;
                (x, false)
            }
            (Some(&x), None) => {
                a += 1;
                (x, false)
            }
            (_, Some(&y)) => {
                b += 1;
                (y, true)
            }
            (None, None) => break,
        };
        tel.t_ms.push(t);
        tel.position_row.push(from_position);
    }
    // plausible[i]: the step from position sample i to i + 1 is drivable (≤ 120 m/s).
    let plausible: Vec<bool> = (0..pos_t.len())
        .map(|i| {
            let Some(&t1) = pos_t.get(i + 1) else { return true };
            let (a, b) = (pi[i], pi[i + 1]);
            let d_dm = (f64::from(pos.x_dm[b] - pos.x_dm[a]).powi(2) + f64::from(pos.y_dm[b] - pos.y_dm[a]).powi(2)).sqrt();
            d_dm / 10.0 <= MAX_SPEED_MS * ((t1 - pos_t[i]) as f64 / 1000.0) + 5.0
        })
        .collect();
    // Every column at its final length, written in place (no push per row and column).
    let rows = tel.t_ms.len();
    let (mut speed, mut rpm, mut throttle) = (vec![0f32; rows], vec![0f32; rows], vec![0f32; rows]);
    let (mut gear, mut brake, mut drs) = (vec![0u8; rows], vec![false; rows], vec![0u8; rows]);
    let (mut xs, mut ys) = (vec![0f32; rows], vec![0f32; rows]);
    let (mut car_hint, mut pos_hint) = (0, 0);
    for (k, &t) in tel.t_ms.iter().enumerate() {
        let at_car = Bracket::find(&car_t, t, &mut car_hint);
        speed[k] = at_car.lerp(|i| f32::from(car.speed_kph[ci[i]]));
        rpm[k] = at_car.lerp(|i| f32::from(car.rpm[ci[i]]));
        throttle[k] = at_car.lerp(|i| f32::from(car.throttle_pct[ci[i]]));
        // The same walk as `at_car`'s, already done; no sample: 0, false, 0.
        if let Some(i) = step_at(&car_t, t, &mut car_hint) {
            gear[k] = car.gear[ci[i]];
            brake[k] = car.brake[ci[i]] > 0;
            drs[k] = car.drs[ci[i]];
        }
        let at_pos = Bracket::find(&pos_t, t, &mut pos_hint);
        let mut x = at_pos.lerp(|i| pos.x_dm[pi[i]] as f32 / 10.0);
        let mut y = at_pos.lerp(|i| pos.y_dm[pi[i]] as f32 / 10.0);
        // Between two samples farther apart than any car can go (a transponder that jumps, a
        // car reappearing), there is no position: a gap, not a streak across the map.
        if pos_t.get(pos_hint) != Some(&t) && !plausible.get(pos_hint).copied().unwrap_or(true) {
            (x, y) = (f32::NAN, f32::NAN);
        }
        (xs[k], ys[k]) = (x, y);
    }
    (tel.speed_kph, tel.rpm, tel.throttle_pct) = (speed, rpm, throttle);
    (tel.gear, tel.brake, tel.drs) = (gear, brake, drs);
    (tel.x_m, tel.y_m) = (xs, ys);
    tel
}

/// Distance since each lap's start, integrating speed over time (trapezoids). Per lap, so the
/// integration error does not grow over the session.
pub fn lap_distance(tel: &DriverTelemetry, laps: &[&Lap]) -> Vec<f32> {
    let mut out = vec![f32::NAN; tel.t_ms.len()];
    for lap in laps {
        let (Some(start), Some(end)) = (lap.lap_start_ms, lap.time_ms) else { continue };
        let from = tel.t_ms.partition_point(|&t| t < start);
        let to = tel.t_ms.partition_point(|&t| t <= end);
        let mut d = 0f64;
        let mut prev: Option<(i64, f32)> = None;
        for ((slot, &t), &v) in out[from..to].iter_mut().zip(&tel.t_ms[from..to]).zip(&tel.speed_kph[from..to]) {
            if let Some((pt, pv)) = prev {
                if v.is_finite() && pv.is_finite() {
                    d += f64::from(pv + v) / 2.0 / 3.6 * ((t - pt) as f64 / 1000.0);
                }
            }
            *slot = d as f32;
            prev = Some((t, v));
        }
    }
    out
}

impl DriverTelemetry {
    /// The row index at or after `t_ms`.
    pub fn index_at(&self, t_ms: i64) -> usize {
        self.t_ms.partition_point(|&t| t < t_ms)
    }

    /// Speed at any session time, interpolated between rows (NaN in gaps).
    pub fn speed_at(&self, t_ms: i64) -> f32 {
        self.lerp(&self.speed_kph, t_ms)
    }

    /// X, Y in metres at any session time (NaN in gaps).
    pub fn xy_at(&self, t_ms: i64) -> (f32, f32) {
        (self.lerp(&self.x_m, t_ms), self.lerp(&self.y_m, t_ms))
    }

    fn lerp(&self, col: &[f32], t_ms: i64) -> f32 {
        let mut h = self.index_at(t_ms).saturating_sub(1);
        Bracket::find(&self.t_ms, t_ms, &mut h).lerp(|i| col[i])
    }
}

/// The first session time after `after_ms` at which the driver's car reported 0 km/h (where a
/// car that retired on track stopped).
pub fn first_stop_after(feed: &FeedSession, t0_us: i64, driver: u16, after_ms: i64) -> Option<i64> {
    let car = feed.car_data.drivers.get(&driver)?;
    let t0_ms = t0_us / 1000;
    car.utc_us
        .iter()
        .zip(&car.speed_kph)
        .map(|(&u, &v)| (round_us_to_ms(u) - t0_ms, v))
        .filter(|&(t, v)| t > after_ms && v == 0)
        .map(|(t, _)| t)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_pandas() {
        assert_eq!(round_us_to_ms(1_500), 2);
        assert_eq!(round_us_to_ms(2_500), 2);
        assert_eq!(round_us_to_ms(2_501), 3);
        assert_eq!(round_us_to_ms(-1_400), -1);
    }

    #[test]
    fn gaps_are_nan_never_zero_and_steps_do_not_invent_values() {
        let car = CarSamples {
            utc_us: vec![1_000_000, 2_000_000, 10_000_000],
            rpm: vec![10_000, 11_000, 9_000],
            speed_kph: vec![100, 200, 50],
            gear: vec![3, 5, 2],
            throttle_pct: vec![100, 100, 0],
            brake: vec![0, 0, 100],
            drs: vec![0, 0, 0],
        };
        let pos = PositionSamples {
            utc_us: vec![1_500_000, 9_000_000],
            x_dm: vec![100, 900],
            y_dm: vec![0, 0],
            z_dm: vec![0, 0],
            on_track: vec![true, true],
        };
        let tel = merge_channels(1, Some(&car), Some(&pos), 0);
        assert_eq!(tel.t_ms, vec![1000, 1500, 2000, 9000, 10000]);
        assert_eq!(tel.speed_kph[1], 150.0);
        assert_eq!(tel.gear[1], 3);
        assert!(tel.speed_kph[3].is_nan(), "8 s between car samples is a gap");
        assert!(tel.x_m[2].is_nan(), "7.5 s between positions is a gap");
        assert!(tel.x_m[0].is_nan(), "before the first position there is none");
        assert_eq!(tel.x_m[1], 10.0);
    }
}
