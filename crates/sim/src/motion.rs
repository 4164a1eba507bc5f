//! A car's motion through a session as contiguous legs, and sampling it at any instant.
//!
//! The session simulators decide *when* a car reaches each timing point; a leg says how it moves
//! in between: parked, on track following the reference profile stretched in time, or under a
//! constant acceleration (pit lane, launch, stopping). Sampling a leg gives position, speed and
//! acceleration, from which the telemetry channels are derived.

use crate::profile::StartProfile;
use crate::track::Track;

/// Where a stationary car is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    /// In the garage: the feed reports zero coordinates and idle channels.
    Garage,
    /// On track at distance `s`, offset `lateral` metres to the left.
    Track {
        /// Track distance, metres (any lap).
        s: f64,
        /// Lateral offset, metres.
        lateral: f64,
        /// Reported as `OffTrack` (a retired car parked beside the circuit).
        off: bool,
    },
    /// In the pit lane at lane distance `p`.
    Pit {
        /// Lane distance, metres.
        p: f64,
    },
}

/// Which path a moving leg follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// The circuit (distance is unwrapped track metres).
    Track,
    /// The pit lane (distance is lane metres).
    Pit,
}

/// One piece of a car's motion, from `t0` to `t1` (session seconds).
#[derive(Debug, Clone, PartialEq)]
pub enum Leg {
    /// Not moving.
    Hold {
        /// Start, session seconds.
        t0: f64,
        /// End, session seconds.
        t1: f64,
        /// Where.
        at: Place,
    },
    /// On track from unwrapped distance `s0` to `s1`, following the reference (or a grid
    /// launch) profile stretched to fit the interval.
    Track {
        /// Start, session seconds.
        t0: f64,
        /// End, session seconds.
        t1: f64,
        /// Start distance, unwrapped metres.
        s0: f64,
        /// End distance, unwrapped metres.
        s1: f64,
        /// Grid slot for a standing start, if this leg begins with the launch.
        launch: Option<usize>,
        /// Lateral offset (racing line), metres.
        lateral: f64,
    },
    /// Constant acceleration along `path`.
    Kin {
        /// Start, session seconds.
        t0: f64,
        /// End, session seconds.
        t1: f64,
        /// Path followed.
        path: PathKind,
        /// Start distance along the path.
        d0: f64,
        /// Start speed, m/s.
        v0: f64,
        /// Acceleration, m/s².
        a: f64,
    },
}

impl Leg {
    /// Start time, session seconds.
    pub fn t0(&self) -> f64 {
        match *self {
            Leg::Hold { t0, .. } | Leg::Track { t0, .. } | Leg::Kin { t0, .. } => t0,
        }
    }
    /// End time, session seconds.
    pub fn t1(&self) -> f64 {
        match *self {
            Leg::Hold { t1, .. } | Leg::Track { t1, .. } | Leg::Kin { t1, .. } => t1,
        }
    }
}

/// A sampled instant of a car's motion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CarState {
    /// World position, metres; `None` in the garage.
    pub pos: Option<(f64, f64, f64)>,
    /// Speed, m/s.
    pub speed: f64,
    /// Longitudinal acceleration, m/s² (negative = braking).
    pub accel: f64,
    /// How hard the car is being driven relative to the reference (1 = racing pace).
    pub effort: f64,
    /// Reported `OffTrack`.
    pub off_track: bool,
    /// Unwrapped track distance if on track.
    pub track_s: Option<f64>,
}

/// The physics needed to evaluate legs: the track and the grid launch profiles.
pub struct Kinematics<'a> {
    /// The circuit.
    pub track: &'a Track,
    /// One launch profile per grid slot.
    pub launches: &'a [StartProfile],
}

impl Kinematics<'_> {
    /// Reference time from `s0` to `s1` on track (with the launch profile when given).
    pub fn dtau(&self, s0: f64, s1: f64, launch: Option<usize>) -> f64 {
        let p = &self.track.profile;
        match launch {
            Some(g) => {
                let lp = &self.launches[g];
                lp.tau_at(p, s1) - lp.tau_at(p, s0)
            }
            None => p.tau_at(s1) - p.tau_at(s0),
        }
    }

    /// Reference speed at `s` (with the launch profile when given).
    pub fn v_ref(&self, s: f64, launch: Option<usize>) -> f64 {
        let p = &self.track.profile;
        match launch {
            Some(g) => self.launches[g].v_at(p, s),
            None => p.v_at(s),
        }
    }

    /// Time within a track leg at which the car passes `s` (seconds), for leg `[t0,t1]`
    /// from `s0` to `s1`.
    #[allow(clippy::too_many_arguments)]
    pub fn time_at(&self, t0: f64, t1: f64, s0: f64, s1: f64, launch: Option<usize>, s: f64) -> f64 {
        let total = self.dtau(s0, s1, launch);
        if total <= 0.0 {
            return t0;
        }
        t0 + (t1 - t0) * self.dtau(s0, s, launch) / total
    }

    /// Speed (m/s) a track leg has at `s`.
    pub fn speed_at(&self, t0: f64, t1: f64, s0: f64, s1: f64, launch: Option<usize>, s: f64) -> f64 {
        let total = self.dtau(s0, s1, launch);
        let stretch = if t1 > t0 { total / (t1 - t0) } else { 1.0 };
        self.v_ref(s, launch) * stretch
    }

    /// The state of a car on `leg` at time `t` (clamped to the leg).
    pub fn sample(&self, leg: &Leg, t: f64) -> CarState {
        let track = self.track;
        match *leg {
            Leg::Hold { at, .. } => match at {
                Place::Garage => CarState { pos: None, speed: 0.0, accel: 0.0, effort: 0.0, off_track: false, track_s: None },
                Place::Track { s, lateral, off } => {
                    CarState { pos: Some(track.point(s, lateral)), speed: 0.0, accel: 0.0, effort: 0.0, off_track: off, track_s: Some(s) }
                }
                Place::Pit { p } => {
                    CarState { pos: Some(self.pit_point(p)), speed: 0.0, accel: 0.0, effort: 0.0, off_track: false, track_s: None }
                }
            },
            Leg::Track { t0, t1, s0, s1, launch, lateral } => {
                let p = &track.profile;
                let tt = t.clamp(t0, t1);
                let total = self.dtau(s0, s1, launch);
                let stretch = if t1 > t0 { total / (t1 - t0) } else { 1.0 };
                let s = match launch {
                    Some(g) => {
                        let lp = &self.launches[g];
                        let base = lp.tau_at(p, s0);
                        lp.s_at(p, base + (tt - t0) * stretch)
                    }
                    None => {
                        let base = p.tau_at(s0);
                        p.s_at(base + (tt - t0) * stretch)
                    }
                };
                let s = s.clamp(s0, s1);
                let v = self.v_ref(s, launch) * stretch;
                let a = match launch {
                    Some(g) if s < self.launches[g].merge_s => crate::profile::accel_limit(v) * stretch * stretch,
                    _ => p.accel_at(s) * stretch * stretch,
                };
                CarState { pos: Some(track.point(s, lateral)), speed: v, accel: a, effort: stretch, off_track: false, track_s: Some(s) }
            }
            Leg::Kin { t0, t1, path, d0, v0, a } => {
                let dt = t.clamp(t0, t1) - t0;
                let v = (v0 + a * dt).max(0.0);
                // distance, guarding against a deceleration that would reverse the car
                let d = if a < 0.0 && v0 + a * dt < 0.0 { d0 + v0 * v0 / (-2.0 * a) } else { d0 + v0 * dt + 0.5 * a * dt * dt };
                let (pos, track_s) = match path {
                    PathKind::Track => (track.point(d, 0.0), Some(d)),
                    PathKind::Pit => (self.pit_point(d), None),
                };
                CarState { pos: Some(pos), speed: v, accel: a, effort: if a > 0.0 { 1.0 } else { 0.5 }, off_track: false, track_s }
            }
        }
    }

    fn pit_point(&self, p: f64) -> (f64, f64, f64) {
        let (x, y) = self.track.pit.point(p);
        (x, y, self.track.pit_z(x))
    }
}

/// Cursor over a car's legs for time-ordered sampling (amortised O(1) per sample).
pub struct LegCursor<'a> {
    legs: &'a [Leg],
    i: usize,
}

impl<'a> LegCursor<'a> {
    /// A cursor at the first leg.
    pub fn new(legs: &'a [Leg]) -> Self {
        LegCursor { legs, i: 0 }
    }

    /// The leg active at `t` (the first leg before the motion starts, the last after it ends).
    /// `t` must not decrease between calls.
    pub fn at(&mut self, t: f64) -> Option<&'a Leg> {
        if self.legs.is_empty() {
            return None;
        }
        while self.i + 1 < self.legs.len() && self.legs[self.i].t1() <= t {
            self.i += 1;
        }
        Some(&self.legs[self.i])
    }
}

/// Constant-acceleration helper: time (s) to cover `d` metres from speed `v0` with accel `a`.
pub fn time_to_cover(d: f64, v0: f64, a: f64) -> f64 {
    if d <= 0.0 {
        return 0.0;
    }
    if a.abs() < 1e-9 {
        return d / v0.max(1e-6);
    }
    let disc = v0 * v0 + 2.0 * a * d;
    if disc <= 0.0 {
        // cannot reach: stops before; return the time to stop
        return v0 / -a;
    }
    (disc.sqrt() - v0) / a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_to_cover_matches_kinematics() {
        let t = time_to_cover(100.0, 10.0, 2.0);
        let d = 10.0 * t + 0.5 * 2.0 * t * t;
        assert!((d - 100.0).abs() < 1e-9);
        assert!((time_to_cover(50.0, 25.0, 0.0) - 2.0).abs() < 1e-12);
        let t = time_to_cover(30.0, 20.0, -4.0);
        let d = 20.0 * t - 2.0 * t * t;
        assert!((d - 30.0).abs() < 1e-9);
    }

    #[test]
    fn cursor_walks_forward() {
        let legs = vec![Leg::Hold { t0: 0.0, t1: 1.0, at: Place::Garage }, Leg::Hold { t0: 1.0, t1: 2.0, at: Place::Pit { p: 3.0 } }];
        let mut c = LegCursor::new(&legs);
        assert!(matches!(c.at(0.5), Some(Leg::Hold { at: Place::Garage, .. })));
        assert!(matches!(c.at(1.5), Some(Leg::Hold { at: Place::Pit { .. }, .. })));
        assert!(matches!(c.at(9.0), Some(Leg::Hold { at: Place::Pit { .. }, .. })));
    }
}
