//! Where a car is between two of its position samples: where its speed has taken it.
//!
//! The speed channel comes as car samples (3-4 a second), and between two of them the speed
//! is taken as linear, except where the change is more than any car can brake or accelerate
//! in that time ([`MAX_ACCEL_MS2`]): the speed then changed at one instant the samples do not
//! show, and the two position samples around it tell when (the distance covered between
//! them fixes it). A linear ramp there puts the car up to a metre and more from where it
//! is (measured on the simulated race: 1.2 m, a 0.07 s interval error behind a car
//! re-accelerating from 17 to 154 km/h within a car sample's interval).

use timing::telemetry::DriverTelemetry;

/// Below this distance between two position samples (m) the car is taken as standing: its
/// speed says nothing about where it is between them, and time does as well.
const STANDING_M: f64 = 0.05;

/// A change of speed between two car samples steeper than this (m/s², about 10 g) is no ramp:
/// the speed changed at once somewhere between the two samples. An F1 car brakes at up to
/// about 6 g and accelerates at under 2 g; the car samples' own timing makes the hardest
/// braking read steeper (the steepest of the 346,000 car-sample intervals of the real 2025
/// Mexico City qualifying is 86.8 m/s²), so those stay ramps.
pub const MAX_ACCEL_MS2: f64 = 100.0;

/// How many merged rows are searched around a position pair for the car samples that bound
/// it (car samples come as often as position samples: one or two rows away).
const CAR_SEARCH_ROWS: usize = 16;

/// Two consecutive position samples of a car and where they are along the lap. Between them
/// the car is where its speed has taken it: the distance from the first is split in
/// proportion to the distance the speed channel gives (trapezoids over the car samples in
/// between, or a step where the speed changed faster than a car can, see the module doc), so a
/// car braking or launching between two samples is not put on a straight line in time, which
/// at 4-5 samples a second is up to half a metre off, and at a hairpin or in the pit lane that
/// is several hundredths of a second of gap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PositionPair {
    /// The two samples' merged rows.
    pub rows: (usize, usize),
    /// Distance along the lap of the first, and the way to the second (the short way round).
    along: f32,
    step: f32,
    /// The distance the speed model gives between the two (`None` where the speed has a gap
    /// or says the car stood).
    driven_m: Option<f64>,
    /// A step of speed within the pair, if the speed channel has one there.
    speed_step: Option<SpeedStep>,
}

/// A change of speed at one instant within a position pair: between the car samples `va` and
/// `vb` (m/s), over the part `oa..ob` (session ms) of their interval inside the pair, the car
/// runs at `va` until `at_ms`, then at `vb`.
#[derive(Debug, Clone, Copy)]
struct SpeedStep {
    oa: i64,
    ob: i64,
    va: f64,
    vb: f64,
    at_ms: f64,
}

impl SpeedStep {
    /// Distance covered over `oa..t` (t clamped to the step's span), m.
    fn driven_to(&self, t: f64) -> f64 {
        let t = t.clamp(self.oa as f64, self.ob as f64);
        let before = (t.min(self.at_ms) - self.oa as f64).max(0.0);
        let after = (t - self.at_ms).max(0.0);
        (self.va * before + self.vb * after) / 1000.0
    }
}

impl PositionPair {
    /// The pair of position samples at merged rows `rows`, `a0` and `a1` along a lap of
    /// `lap_m` metres.
    pub fn new(tel: &DriverTelemetry, rows: (usize, usize), a0: f32, a1: f32, lap_m: f32) -> PositionPair {
        let step = short_way(a1 - a0, lap_m);
        let mut pair = PositionPair { rows, along: a0, step, driven_m: None, speed_step: None };
        pair.speed_step = speed_step(tel, rows, f64::from(step));
        pair.driven_m = pair.driven_to(tel, tel.t_ms[rows.1]).filter(|d| *d > STANDING_M);
        pair
    }

    /// Distance along the lap (not wrapped) at `t`, between the two samples.
    pub fn along_at(&self, tel: &DriverTelemetry, t: i64) -> f32 {
        let (t0, t1) = (tel.t_ms[self.rows.0], tel.t_ms[self.rows.1]);
        let by_time = (t - t0) as f64 / (t1 - t0).max(1) as f64;
        let f = match self.driven_m {
            Some(total) => self.driven_to(tel, t).map_or(by_time, |d| d / total),
            None => by_time,
        };
        self.along + self.step * f.clamp(0.0, 1.0) as f32
    }

    /// The distance the speed model gives from the first sample to `t`, m.
    fn driven_to(&self, tel: &DriverTelemetry, t: i64) -> Option<f64> {
        let from = self.rows.0;
        match self.speed_step {
            None => driven_m(tel, from, t),
            Some(s) => {
                let before = driven_m(tel, from, t.min(s.oa))?;
                let after = if t > s.ob { driven_m(tel, from, t)? - driven_m(tel, from, s.ob)? } else { 0.0 };
                Some(before + s.driven_to(t as f64) + after)
            }
        }
    }
}

/// The step of speed within the position pair at `rows` (which covers `covered_m`), if one
/// interval between two car samples overlapping it changes speed faster than
/// [`MAX_ACCEL_MS2`]: placed so the distance over the pair is the one covered (clamped to the
/// overlap where that cannot be met).
fn speed_step(tel: &DriverTelemetry, rows: (usize, usize), covered_m: f64) -> Option<SpeedStep> {
    if tel.position_row.len() != tel.t_ms.len() || covered_m <= STANDING_M {
        return None;
    }
    let (t0, t1) = (tel.t_ms[rows.0], tel.t_ms[rows.1]);
    let car = |r: usize| !tel.position_row[r];
    // The car samples from the last at or before the pair's start to the first at or after its end.
    let first = (rows.0.saturating_sub(CAR_SEARCH_ROWS)..=rows.0).rev().find(|&r| car(r))?;
    let last = (rows.1..tel.t_ms.len().min(rows.1 + CAR_SEARCH_ROWS)).find(|&r| car(r))?;
    let samples: Vec<usize> = (first..=last).filter(|&r| car(r)).collect();
    let speed = |r: usize| f64::from(tel.speed_kph[r]) / 3.6;
    let steep: Vec<(usize, usize)> = samples
        .windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|&(a, b)| {
            let dt = (tel.t_ms[b] - tel.t_ms[a]) as f64 / 1000.0;
            dt > 0.0 && ((speed(b) - speed(a)) / dt).abs() > MAX_ACCEL_MS2
        })
        .collect();
    // One step is placed by the pair's distance; two or more are not told apart by it.
    let [(a, b)] = steep[..] else { return None };
    let (va, vb) = (speed(a), speed(b));
    if !(va.is_finite() && vb.is_finite()) {
        return None;
    }
    let (oa, ob) = (tel.t_ms[a].max(t0), tel.t_ms[b].min(t1));
    if ob <= oa {
        return None;
    }
    // The distance over the overlap: what the pair covered less what the speed gives outside it.
    let outside = driven_m(tel, rows.0, oa)? + driven_m(tel, rows.0, t1)? - driven_m(tel, rows.0, ob)?;
    let inside = covered_m - outside;
    // va·u + vb·(span − u) = inside, u the time at va.
    let span = (ob - oa) as f64 / 1000.0;
    let u = ((vb * span - inside) / (vb - va)).clamp(0.0, span);
    Some(SpeedStep { oa, ob, va, vb, at_ms: oa as f64 + u * 1000.0 })
}

/// The distance the speed channel gives from merged row `from` to `t` (m; trapezoids over
/// the rows, the speed linear between them); `None` where the speed has a gap.
fn driven_m(tel: &DriverTelemetry, from: usize, t: i64) -> Option<f64> {
    let mut d = 0.0;
    let mut r = from;
    while r + 1 < tel.t_ms.len() && tel.t_ms[r] < t {
        let (ta, tb) = (tel.t_ms[r], tel.t_ms[r + 1]);
        let (va, vb) = (f64::from(tel.speed_kph[r]) / 3.6, f64::from(tel.speed_kph[r + 1]) / 3.6);
        if !(va.is_finite() && vb.is_finite()) {
            return None;
        }
        let span = (tb - ta) as f64 / 1000.0;
        let dt = ((t.min(tb) - ta) as f64 / 1000.0).max(0.0);
        // Speed linear over the span: ∫ = va·dt + (vb − va)·dt² / (2·span).
        d += va * dt + (vb - va) * dt * dt / (2.0 * span.max(1e-3));
        r += 1;
    }
    Some(d)
}

/// A change of distance along the lap taken the short way round (a car crossing the line
/// goes from the end of the lap to its start, not back over the whole lap).
pub(crate) fn short_way(step: f32, lap_m: f32) -> f32 {
    if step > lap_m / 2.0 {
        step - lap_m
    } else if step < -lap_m / 2.0 {
        step + lap_m
    } else {
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A car at 5 m/s that is at 70 m/s from t = 700 ms on (a step between its car samples
    /// at 300 and 900 ms), with position samples at 200 and 800 ms: rows (t, position sample,
    /// speed m/s, true distance m).
    fn stepping_car() -> (DriverTelemetry, impl Fn(f64) -> f64) {
        let truth = |t: f64| if t <= 700.0 { 5.0 * t / 1000.0 } else { 3.5 + 70.0 * (t - 700.0) / 1000.0 };
        // Speeds at position rows are the car samples' interpolation, as the merge gives them.
        let rows = [(0, false, 5.0), (200, true, 5.0), (300, false, 5.0), (800, true, 5.0 + 65.0 * 5.0 / 6.0), (900, false, 70.0)];
        let tel = DriverTelemetry {
            t_ms: rows.iter().map(|r| r.0).collect(),
            position_row: rows.iter().map(|r| r.1).collect(),
            speed_kph: rows.iter().map(|r| (r.2 * 3.6) as f32).collect(),
            ..Default::default()
        };
        (tel, truth)
    }

    #[test]
    fn a_speed_step_between_car_samples_is_placed_by_the_distance_the_positions_cover() {
        let (tel, truth) = stepping_car();
        let pair = PositionPair::new(&tel, (1, 3), truth(200.0) as f32, truth(800.0) as f32, 5000.0);
        for t in (200..=800).step_by(20) {
            let off = f64::from(pair.along_at(&tel, t)) - truth(t as f64);
            assert!(off.abs() < 0.01, "at {t} ms: {off:+.3} m from the truth");
        }
    }

    #[test]
    fn a_ramp_a_car_can_drive_stays_a_ramp() {
        // 5 → 50 m/s over 0.6 s (75 m/s², a hard braking's reading backwards): linear,
        // whatever the positions say.
        let (mut tel, _) = stepping_car();
        tel.speed_kph = [5.0, 5.0, 5.0, 5.0 + 45.0 * 5.0 / 6.0, 50.0].iter().map(|v| (v * 3.6) as f32).collect();
        assert!(speed_step(&tel, (1, 3), 6.0).is_none());
        // And a steeper change does make a step.
        let (tel, _) = stepping_car();
        assert!(speed_step(&tel, (1, 3), 6.0).is_some());
    }
}
