//! Ground truth at any instant of a simulated race: how far every car really is from the
//! start, and from that the true gap to the leader and interval to the car ahead.
//!
//! A car's race distance is its unwrapped track distance (the grid is just past the line, so
//! lap `n` ends at `n` × the lap length); in the pit lane it is the track distance of the point
//! of the main straight beside it (the lane runs along the straight, [`crate::track::Track::pit_z`]
//! uses the same rule). The gap is time-at-distance: how long before `t` the leader was where
//! this car is now, counted from the start (a car behind the leader's grid slot is where the
//! leader was at the start). A car that took the chequered flag keeps the gap and interval it
//! had at the line. Nothing here is serialised: the simulator is deterministic, so a ground
//! truth this detailed is regenerated from the seed instead of stored.

use std::sync::Arc;

use crate::log::SessionLog;
use crate::motion::{Leg, PathKind, Place};
use crate::world::World;

/// One motion leg of a car during the race, with its race distances.
#[derive(Debug, Clone)]
struct Piece {
    leg: Leg,
    /// Race distance at the leg's start and end.
    d0: f64,
    d1: f64,
    /// Pit-lane legs: race distance = lane point's x + `offset`.
    offset: f64,
}

/// One car's race, as distances.
#[derive(Debug, Clone)]
struct CarRace {
    number: u16,
    pieces: Vec<Piece>,
    /// When the car's session ended early (seconds).
    retired_s: Option<f64>,
    /// When the car took the chequered flag (seconds) and its laps then.
    finish: Option<(f64, u32)>,
}

/// The true standing of one car at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrueGap {
    /// Racing number.
    pub driver: u16,
    /// Position, 1 = leader.
    pub position: u32,
    /// The car ahead's racing number (`None` for the leader).
    pub ahead: Option<u16>,
    /// Whether the car is on the leader's lap (less than a lap behind it, or at the flag on
    /// the same lap count).
    pub lead_lap: bool,
    /// Gap to the leader, seconds (`None` for the leader).
    pub gap_s: Option<f64>,
    /// Interval to the car ahead, seconds (`None` for the leader).
    pub interval_s: Option<f64>,
    /// How far ahead the car ahead is, and the car behind is behind, metres: side by side,
    /// which of two cars is ahead is a matter of centimetres.
    pub ahead_m: Option<f64>,
    /// See [`TrueGap::ahead_m`].
    pub behind_m: Option<f64>,
    /// The leader's and the car ahead's speed when they were where this car is, m/s: where
    /// they were nearly stopped (a pit box), time-at-distance turns centimetres into seconds.
    pub leader_speed_ms: Option<f64>,
    /// See [`TrueGap::leader_speed_ms`].
    pub ahead_speed_ms: Option<f64>,
    /// Whole laps behind the leader (0 on the lead lap).
    pub laps_down: u32,
    /// How far behind the leader, metres, and the lap length: a car a whole number of laps
    /// behind give or take centimetres is being lapped, on one lap or the other.
    pub behind_leader_m: f64,
    /// See [`TrueGap::behind_leader_m`].
    pub lap_m: f64,
    /// The car has taken the chequered flag (its standing is frozen at the line).
    pub finished: bool,
}

/// Every car's race distance over a simulated race, and the true gaps at any time.
#[derive(Clone)]
pub struct RaceDistances {
    world: Arc<World>,
    cars: Vec<CarRace>,
    /// The race start, seconds.
    start_s: f64,
}

impl std::fmt::Debug for RaceDistances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaceDistances").field("cars", &self.cars.len()).field("start_s", &self.start_s).finish()
    }
}

impl RaceDistances {
    /// The distances of a simulated race (`None` for sessions that are not race-like).
    pub(crate) fn new(world: Arc<World>, log: &SessionLog) -> Option<RaceDistances> {
        let total = log.total_laps?;
        let start_s = log.start_ms as f64 / 1000.0;
        // The chequered flag: the first car to complete the race distance.
        let flag_ms = log.cars.iter().filter_map(|c| c.laps.iter().find(|l| l.number == total).map(|l| l.end_ms)).min();
        let cars = log
            .cars
            .iter()
            .zip(&world.field.drivers)
            .map(|(car, driver)| {
                let finish = flag_ms.and_then(|f| {
                    if car.retirement.is_some() {
                        return None;
                    }
                    car.laps.iter().find(|l| l.end_ms >= f).map(|l| (l.end_ms as f64 / 1000.0, l.number))
                });
                CarRace {
                    number: driver.number.parse().unwrap_or(0),
                    pieces: pieces(&world, &car.legs, start_s),
                    retired_s: car.retirement.as_ref().map(|r| out_of_race_ms(car, r) as f64 / 1000.0),
                    finish,
                }
            })
            .collect();
        Some(RaceDistances { world, cars, start_s })
    }

    /// The race start, session milliseconds.
    pub fn start_ms(&self) -> f64 {
        self.start_s * 1000.0
    }

    /// Car `number`'s race distance at session time `t_ms`, metres (`None` before the start
    /// or for a car not in the race).
    pub fn distance_m(&self, number: u16, t_ms: f64) -> Option<f64> {
        let car = self.cars.iter().find(|c| c.number == number)?;
        distance(&self.world, car, t_ms / 1000.0)
    }

    /// The true standings at session time `t_ms` (empty before the start): every car still in
    /// the race, leader first.
    pub fn gaps_at(&self, t_ms: f64) -> Vec<TrueGap> {
        let t = t_ms / 1000.0;
        if t < self.start_s {
            return Vec::new();
        }
        let length = self.world.track.length;
        // Per car: (the time its gap is measured at, its distance then, laps at the flag).
        let mut running: Vec<(usize, f64, f64, Option<u32>)> = Vec::new();
        for (i, car) in self.cars.iter().enumerate() {
            if car.retired_s.is_some_and(|r| t >= r) {
                continue;
            }
            let (at, laps) = match car.finish {
                Some((f, laps)) if t >= f => (f, Some(laps)),
                _ => (t, None),
            };
            if let Some(d) = distance(&self.world, car, at) {
                // A finished car's distance is the race distance it completed.
                let d = laps.map_or(d, |l| f64::from(l) * length);
                running.push((i, at, d, laps));
            }
        }
        // Most distance first; among cars that finished on the same lap, the first at the flag.
        running.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.1.total_cmp(&b.1)));
        let Some(&(leader, ..)) = running.first() else { return Vec::new() };
        let lead_d_now = running[0].2;
        let lead_laps = running[0].3;
        running
            .iter()
            .enumerate()
            .map(|(rank, &(i, at, d, laps))| {
                let lead_lap = match (lead_laps, laps) {
                    (Some(a), Some(b)) => a == b,
                    _ => lead_d_now - d < length,
                };
                let reached = |other: usize| self.time_reaching(other, d);
                let speed = |other: usize| reached(other).and_then(|ta| self.speed_ms(other, ta));
                let ahead = rank.checked_sub(1).map(|r| running[r]);
                TrueGap {
                    driver: self.cars[i].number,
                    position: rank as u32 + 1,
                    ahead: ahead.map(|a| self.cars[a.0].number),
                    lead_lap,
                    gap_s: (rank > 0).then(|| reached(leader).map(|ta| at - ta)).flatten(),
                    interval_s: ahead.and_then(|a| reached(a.0).map(|ta| at - ta)),
                    ahead_m: ahead.map(|a| a.2 - d),
                    behind_m: running.get(rank + 1).map(|b| d - b.2),
                    leader_speed_ms: (rank > 0).then(|| speed(leader)).flatten(),
                    ahead_speed_ms: ahead.and_then(|a| speed(a.0)),
                    laps_down: if lead_lap { 0 } else { ((lead_d_now - d) / length).floor().max(1.0) as u32 },
                    behind_leader_m: lead_d_now - d,
                    lap_m: length,
                    finished: laps.is_some(),
                }
            })
            .collect()
    }

    /// Car `i`'s speed at `t` seconds, m/s (over ±50 ms).
    fn speed_ms(&self, i: usize, t: f64) -> Option<f64> {
        let car = &self.cars[i];
        let t0 = (t - 0.05).max(self.start_s);
        let (a, b) = (distance(&self.world, car, t0)?, distance(&self.world, car, t0 + 0.1)?);
        Some((b - a) / 0.1)
    }

    /// The first time (seconds, not before the start) car `i` had covered `d` metres.
    fn time_reaching(&self, i: usize, d: f64) -> Option<f64> {
        let car = &self.cars[i];
        let first = car.pieces.first()?;
        if d <= first.d0 {
            return Some(self.start_s);
        }
        let k = car.pieces.partition_point(|p| p.d1 < d);
        let p = car.pieces.get(k)?;
        if d <= p.d0 {
            return Some(p.leg.t0().max(self.start_s));
        }
        let kin = self.world.kin();
        let t = match p.leg {
            Leg::Track { t0, t1, s0, s1, launch, .. } => kin.time_at(t0, t1, s0, s1, launch, d),
            // Constant acceleration, or a pit-lane leg: bisection on the distance.
            _ => {
                let (mut lo, mut hi) = (p.leg.t0().max(self.start_s), p.leg.t1());
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if piece_distance(&self.world, p, mid) < d {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
        };
        Some(t.max(self.start_s))
    }
}

/// When a car that retired was out of the race: as it stopped on track, or (in the pits, where
/// it is a car in its box until withdrawn) when the timing flags it retired.
fn out_of_race_ms(car: &crate::log::CarLog, r: &crate::log::Retirement) -> i64 {
    let flagged = car.events.iter().find(|e| matches!(e.ev, crate::log::Ev::Retired)).map(|e| e.t);
    if r.in_pits {
        flagged.unwrap_or(r.t_ms)
    } else {
        r.t_ms
    }
}

/// Race distance of `car` at `t` seconds.
fn distance(w: &World, car: &CarRace, t: f64) -> Option<f64> {
    let k = car.pieces.partition_point(|p| p.leg.t1() <= t).min(car.pieces.len().checked_sub(1)?);
    let p = &car.pieces[k];
    (t >= p.leg.t0()).then(|| piece_distance(w, p, t))
}

/// Race distance on piece `p` at `t` seconds (clamped to the piece).
fn piece_distance(w: &World, p: &Piece, t: f64) -> f64 {
    match p.leg {
        Leg::Hold { at: Place::Track { s, .. }, .. } => s,
        Leg::Hold { at: Place::Garage, .. } => p.d0,
        Leg::Hold { at: Place::Pit { p: lane }, .. } => beside(w, lane) + p.offset,
        Leg::Kin { path: PathKind::Pit, .. } => beside(w, lane_distance(&p.leg, t)) + p.offset,
        _ => w.kin().sample(&p.leg, t).track_s.unwrap_or(p.d0),
    }
}

/// Track distance (around the line: from about −lane length to +lane length) of the point of
/// the centreline nearest to lane point `lane`: where the car in the lane is along the lap.
fn beside(w: &World, lane: f64) -> f64 {
    let track = &w.track;
    let (x, y) = track.pit.point(lane);
    // The lane runs along the main straight, where track distance is about x: search the
    // centreline around there, then project onto the nearest sample's two segments.
    let n = track.x.len() as i64;
    let guess = (x / track.ds).round() as i64;
    let window = (200.0 / track.ds).ceil() as i64;
    let at = |i: i64| {
        let j = i.rem_euclid(n) as usize;
        (track.x[j], track.y[j])
    };
    let dist2 = |i: i64| {
        let (px, py) = at(i);
        (px - x).powi(2) + (py - y).powi(2)
    };
    let best = (guess - window..=guess + window).min_by(|&a, &b| dist2(a).total_cmp(&dist2(b))).unwrap_or(guess);
    let mut s = best as f64 * track.ds;
    let mut best_d2 = dist2(best);
    for (i0, i1) in [(best - 1, best), (best, best + 1)] {
        let ((ax, ay), (bx, by)) = (at(i0), at(i1));
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = (dx * dx + dy * dy).max(1e-12);
        let f = (((x - ax) * dx + (y - ay) * dy) / len2).clamp(0.0, 1.0);
        let d2 = (ax + f * dx - x).powi(2) + (ay + f * dy - y).powi(2);
        if d2 < best_d2 {
            best_d2 = d2;
            s = (i0 as f64 + f) * track.ds;
        }
    }
    s
}

/// Lane distance of a pit-lane [`Leg::Kin`] at `t` seconds.
fn lane_distance(leg: &Leg, t: f64) -> f64 {
    let Leg::Kin { t0, t1, d0, v0, a, .. } = *leg else { return 0.0 };
    let dt = t.clamp(t0, t1) - t0;
    if a < 0.0 && v0 + a * dt < 0.0 {
        d0 + v0 * v0 / (-2.0 * a)
    } else {
        d0 + v0 * dt + 0.5 * a * dt * dt
    }
}

/// A car's legs from the start on, with their race distances.
fn pieces(w: &World, legs: &[Leg], start_s: f64) -> Vec<Piece> {
    let length = w.track.length;
    let mut out: Vec<Piece> = Vec::new();
    let mut offset = 0.0;
    let mut last_d = f64::NAN;
    for leg in legs.iter().filter(|l| l.t1() > start_s) {
        let in_lane = matches!(leg, Leg::Kin { path: PathKind::Pit, .. } | Leg::Hold { at: Place::Pit { .. }, .. });
        if in_lane && !out.last().is_some_and(|p: &Piece| is_lane(&p.leg)) {
            // Entering the lane: the lap the straight beside it is on.
            let x = match *leg {
                Leg::Hold { at: Place::Pit { p }, .. } => beside(w, p),
                _ => beside(w, lane_distance(leg, leg.t0())),
            };
            offset = if last_d.is_finite() { ((last_d - x) / length).round() * length } else { 0.0 };
        }
        let mut piece = Piece { leg: leg.clone(), d0: last_d, d1: last_d, offset };
        let t0 = leg.t0().max(start_s);
        piece.d0 = piece_distance(w, &piece, t0);
        piece.d1 = piece_distance(w, &piece, leg.t1().min(1.0e8));
        if matches!(leg, Leg::Hold { at: Place::Garage, .. }) {
            (piece.d0, piece.d1) = (last_d, last_d);
        }
        last_d = piece.d1;
        out.push(piece);
    }
    out
}

fn is_lane(leg: &Leg) -> bool {
    matches!(leg, Leg::Kin { path: PathKind::Pit, .. } | Leg::Hold { at: Place::Pit { .. }, .. })
}

#[cfg(test)]
mod tests {
    use crate::{generate, SessionKind, SimConfig};

    #[test]
    fn a_car_is_a_whole_number_of_laps_from_the_start_at_each_line_crossing_and_never_goes_back() {
        let sim = generate(&SimConfig { laps: 8, ..SimConfig::new(SessionKind::Race) });
        let (truth, distances) = (sim.truth(), sim.distances().unwrap());
        let length = truth.session.track_length_m;
        for lap in &truth.laps {
            let d = distances.distance_m(lap.driver.parse().unwrap(), lap.end_ms as f64).unwrap();
            // The line in the pit lane is beside the track's, within a metre.
            assert!((d - f64::from(lap.lap) * length).abs() < 1.0, "car {} lap {}: {d} m", lap.driver, lap.lap);
        }
        for d in &truth.drivers {
            let n: u16 = d.number.parse().unwrap();
            let mut last = f64::NEG_INFINITY;
            let start = distances.start_ms();
            for k in 0..20_000 {
                let v = distances.distance_m(n, start + f64::from(k) * 40.0).unwrap();
                assert!(v >= last - 1e-6, "car {n} goes back at frame {k}: {last} -> {v}");
                last = v;
            }
        }
        // The leader has no gap, everyone else one that is not negative.
        let standings = distances.gaps_at(start_plus(distances, 200_000.0));
        assert_eq!(standings.len(), truth.drivers.len());
        assert!(standings[0].gap_s.is_none() && standings[1..].iter().all(|g| g.gap_s.is_some_and(|s| s >= 0.0)));
    }

    fn start_plus(d: &super::RaceDistances, ms: f64) -> f64 {
        d.start_ms() + ms
    }
}
