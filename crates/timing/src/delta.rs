//! The running lap's delta to the car's best lap so far, at the same lap distance (qualifying
//! and practice), as a series in session time that a viewer only interpolates.
//!
//! Lap distance is [`crate::telemetry::lap_distance`] (speed integrated over each lap, the one
//! `f1replay check` validates against FastF1). Two laps' integrated lengths differ by a few
//! metres, so each lap's distance is taken as a fraction of its own length (a lap with no time,
//! an in lap, keeps its metres): at the line the delta is exactly the lap time less the best.
//! The best is the one the timing showed when the lap began ([`crate::bests::best_lap_at`]; in
//! qualifying, within the part), so it never uses a lap not yet finished.

use crate::bests::{best_lap_at, lap_marks};
use crate::laps::Lap;
use crate::telemetry::{lap_distance, DriverTelemetry};
use crate::Session;
use serde::{Deserialize, Serialize};

/// The series' step in session time, ms: fine enough for a tenth of a second to read true
/// between two samples, small enough to send a session's laps in one answer.
pub const STEP_MS: i64 = 500;

/// One lap's delta to the best lap as the timing showed it when the lap began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LapDelta {
    /// Racing number.
    pub driver: u16,
    /// The running lap.
    pub lap: u32,
    /// The lap it is compared with (the best at the lap's start).
    pub best_lap: u32,
    /// Session times of the samples, s: every [`STEP_MS`] from the lap's start, then its end.
    pub t_s: Vec<f64>,
    /// Delta at each sample, s: time on this lap less the best lap's time at the same distance
    /// (positive: slower).
    pub delta_s: Vec<f64>,
}

/// A lap's profile: (distance, time since the lap's start in ms) at each telemetry row within
/// it, distance scaled to `scale` of the lap's own length when it has a time.
fn profile(tel: &DriverTelemetry, dist: &[f32], lap: &Lap) -> Option<Vec<(f64, f64)>> {
    let (start, end) = (lap.lap_start_ms?, lap.time_ms?);
    let from = tel.t_ms.partition_point(|&t| t < start);
    let to = tel.t_ms.partition_point(|&t| t <= end);
    let mut points: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    points.extend((from..to).filter(|&i| dist[i].is_finite()).map(|i| (f64::from(dist[i]), (tel.t_ms[i] - start) as f64)));
    let &(last_d, last_e) = points.last()?;
    if points.len() < 3 || last_d <= 0.0 {
        return None;
    }
    if let Some(lap_time) = lap.lap_time_ms {
        // The line: the last row's distance carried on at its speed to the lap's end.
        let speed = f64::from(tel.speed_kph[to - 1]) / 3.6;
        let length = last_d + if speed.is_finite() { speed * (lap_time as f64 - last_e).max(0.0) / 1000.0 } else { 0.0 };
        points.push((length, lap_time as f64));
        for p in &mut points {
            p.0 /= length;
        }
    }
    Some(points)
}

/// Linear interpolation of `y` at `x` over points sorted by `x` (clamped at both ends).
fn interpolate(points: &[(f64, f64)], x: f64, key: impl Fn(&(f64, f64)) -> f64, value: impl Fn(&(f64, f64)) -> f64) -> f64 {
    let i = points.partition_point(|p| key(p) < x);
    match (i.checked_sub(1).and_then(|j| points.get(j)), points.get(i)) {
        (Some(a), Some(b)) if key(b) > key(a) => value(a) + (value(b) - value(a)) * (x - key(a)) / (key(b) - key(a)),
        (_, Some(b)) => value(b),
        (Some(a), None) => value(a),
        (None, None) => f64::NAN,
    }
}

/// Every lap's delta series in qualifying and practice (empty in races): laps that are not out
/// laps, whose driver had a best lap when they began, with telemetry.
pub fn lap_deltas(session: &Session) -> Vec<LapDelta> {
    if session.info.is_race_like() {
        return Vec::new();
    }
    let marks = lap_marks(session);
    let mut out = Vec::new();
    for tel in &session.telemetry {
        let laps: Vec<&Lap> = session.laps.iter().filter(|l| l.driver == tel.driver).collect();
        let dist = lap_distance(tel, &laps);
        for lap in &laps {
            let Some(start) = lap.lap_start_ms else { continue };
            let out_lap = lap.pit_out_ms.is_some_and(|o| lap.time_ms.is_none_or(|end| o <= end));
            let Some(best) = best_lap_at(&marks, tel.driver, start).filter(|b| b.lap != lap.lap_number && !out_lap) else { continue };
            let Some(best_lap) = laps.iter().find(|l| l.lap_number == best.lap) else { continue };
            let (Some(reference), Some(running)) = (profile(tel, &dist, best_lap), profile(tel, &dist, lap)) else { continue };
            // An in lap keeps its metres: compare it with the best's metres.
            let reference = match (lap.lap_time_ms, best_lap.lap_time_ms) {
                (None, Some(_)) => profile(tel, &dist, &Lap { lap_time_ms: None, ..(*best_lap).clone() }).unwrap_or(reference),
                _ => reference,
            };
            let end = running.last().map_or(0.0, |p| p.1);
            let mut times: Vec<f64> = (0..).map(|k| (k * STEP_MS) as f64).take_while(|&e| e < end).collect();
            times.push(end);
            let delta_s = times
                .iter()
                .map(|&e| {
                    let d = interpolate(&running, e, |p| p.1, |p| p.0);
                    let ms = e - interpolate(&reference, d, |p| p.0, |p| p.1);
                    (ms / 1000.0 * 1000.0).round() / 1000.0
                })
                .collect();
            out.push(LapDelta {
                driver: tel.driver,
                lap: lap.lap_number,
                best_lap: best.lap,
                t_s: times.iter().map(|e| ((start as f64 + e) / 1000.0 * 1000.0).round() / 1000.0).collect(),
                delta_s,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_linear_and_clamped() {
        let points = [(0.0, 0.0), (0.5, 10.0), (1.0, 30.0)];
        let at = |x| interpolate(&points, x, |p| p.0, |p| p.1);
        assert_eq!((at(-1.0), at(0.25), at(0.75), at(2.0)), (0.0, 5.0, 20.0, 30.0));
    }
}
