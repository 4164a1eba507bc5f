//! The static world a session runs in (track, field, launch profiles, timing points) and the
//! helpers both session simulators use to put a car on track between two timing points.

use crate::driver::Field;
use crate::log::{CarLog, Ev, Trap};
use crate::motion::{Kinematics, Leg};
use crate::profile::StartProfile;
use crate::rng::Rng;
use crate::track::Track;

/// A point on the lap where something is decided or timed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waypoint {
    /// Track distance from the line, `(0, length]`.
    pub s: f64,
    /// Global mini-sector index if this is a mini-sector end.
    pub seg: Option<usize>,
    /// The pit lane branches off here.
    pub pit_entry: bool,
    /// The pit lane merges here.
    pub pit_exit: bool,
}

/// Track, field and derived tables for one simulated session.
pub struct World {
    /// The circuit.
    pub track: Track,
    /// Teams and drivers.
    pub field: Field,
    /// One launch profile per grid slot.
    pub launches: Vec<StartProfile>,
    /// Timing points in lap order; the last is the timing line.
    pub waypoints: Vec<Waypoint>,
    /// Each driver's lateral offset from the centreline (their racing line), metres.
    pub lateral: Vec<f64>,
}

impl World {
    /// Builds the world for `drivers` cars from `rng`.
    pub fn new(rng: &mut Rng, drivers: usize) -> World {
        let mut trng = rng.fork(1);
        let track = Track::generate(&mut trng, drivers.max(1));
        let field = Field::generate(&mut rng.fork(2), drivers);
        let launches = track.grid.iter().map(|&(s, _)| StartProfile::new(&track.profile, s)).collect();
        let mut waypoints: Vec<Waypoint> = track
            .segments
            .iter()
            .enumerate()
            .map(|(g, seg)| Waypoint { s: seg.s, seg: Some(g), pit_entry: false, pit_exit: false })
            .collect();
        waypoints.push(Waypoint { s: track.pit.entry_s, seg: None, pit_entry: true, pit_exit: false });
        waypoints.push(Waypoint { s: track.pit.exit_s, seg: None, pit_entry: false, pit_exit: true });
        waypoints.sort_by(|a, b| a.s.total_cmp(&b.s));
        let mut lrng = rng.fork(3);
        let lateral = (0..drivers).map(|_| lrng.range(-1.2, 1.2)).collect();
        World { track, field, launches, waypoints, lateral }
    }

    /// Kinematics over this world's track.
    pub fn kin(&self) -> Kinematics<'_> {
        Kinematics { track: &self.track, launches: &self.launches }
    }

    /// Index of the waypoint that is the timing line.
    pub fn line_wp(&self) -> usize {
        self.waypoints.len() - 1
    }

    /// Index of the pit exit waypoint.
    pub fn pit_exit_wp(&self) -> usize {
        self.waypoints.iter().position(|w| w.pit_exit).unwrap_or(0)
    }

    /// Index of the first waypoint strictly after lap distance `s` (wrapping to 0).
    pub fn first_wp_after(&self, s: f64) -> usize {
        self.waypoints.iter().position(|w| w.s > s + 1e-9).unwrap_or(0)
    }

    /// Unwrapped track distance of the start of lap `lap` (1-based).
    pub fn lap_base(&self, lap: u32) -> f64 {
        (lap.max(1) - 1) as f64 * self.track.length
    }

    /// Puts a car on track from `s0` to `s1` during `[t0_ms, t1_ms]`, and records the speed
    /// traps it passes and the DRS windows it opens. `drs_ok(zone_instance_start)` says whether
    /// the flap may open in the zone instance starting at that unwrapped distance.
    #[allow(clippy::too_many_arguments)]
    pub fn track_leg(
        &self,
        log: &mut CarLog,
        car: usize,
        t0_ms: i64,
        t1_ms: i64,
        s0: f64,
        s1: f64,
        launch: Option<usize>,
        drs_ok: &dyn Fn(f64) -> bool,
    ) {
        let kin = self.kin();
        let (t0, t1) = (t0_ms as f64 / 1000.0, t1_ms as f64 / 1000.0);
        log.legs.push(Leg::Track { t0, t1, s0, s1, launch, lateral: self.lateral[car] });
        let len = self.track.length;
        let first_lap = (s0 / len).floor();
        for (which, at) in [(Trap::I1, self.track.trap_i1), (Trap::I2, self.track.trap_i2), (Trap::St, self.track.trap_st)] {
            for k in 0..2 {
                let s = (first_lap + k as f64) * len + at;
                if s > s0 && s <= s1 {
                    let t = kin.time_at(t0, t1, s0, s1, launch, s);
                    let v = kin.speed_at(t0, t1, s0, s1, launch, s);
                    log.ev((t * 1000.0).round() as i64, Ev::Trap { which, kph: (v * 3.6).round() as u32 });
                }
            }
        }
        for zone in &self.track.drs {
            for k in -1..2 {
                let zs = (first_lap + k as f64) * len + zone.start;
                let ze = zs + (zone.end - zone.start);
                let (a, b) = (zs.max(s0), ze.min(s1));
                if b > a && drs_ok(zs) {
                    let ta = kin.time_at(t0, t1, s0, s1, launch, a);
                    let tb = kin.time_at(t0, t1, s0, s1, launch, b);
                    // merge with a window that ends where this one starts
                    if let Some(last) = log.drs_open.last_mut() {
                        if (last.1 - ta).abs() < 1e-6 {
                            last.1 = tb;
                            continue;
                        }
                    }
                    log.drs_open.push((ta, tb));
                }
            }
        }
    }

    /// The unwrapped start of the next instance of DRS zone `zone` after distance `s`.
    pub fn next_zone_start(&self, zone: usize, s: f64) -> f64 {
        let len = self.track.length;
        let z = &self.track.drs[zone];
        let mut inst = (s / len).floor() * len + z.start;
        while inst <= s {
            inst += len;
        }
        inst
    }

    /// Fraction of DRS zone instance starting at `zs` covered by `[s0, s1]`.
    pub fn zone_overlap(&self, zone: usize, zs: f64, s0: f64, s1: f64) -> f64 {
        let z = &self.track.drs[zone];
        let ze = zs + (z.end - z.start);
        let ov = (ze.min(s1) - zs.max(s0)).max(0.0);
        ov / (z.end - z.start).max(1.0)
    }
}
