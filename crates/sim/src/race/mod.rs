//! The race (and sprint) simulator: a discrete-event simulation over the lap's timing points.
//!
//! Each car's next timing point is scheduled when it passes the previous one: its natural time
//! comes from the reference profile stretched by its pace (driver, tyres, fuel, noise, safety
//! car), then the car directly ahead at that point may hold it up (dirty air) unless it passes
//! (pace advantage, DRS, blue flags). Events are processed in time order, so "the car directly
//! ahead" is simply the last car to have passed the same point. The pre-race (grid, formation
//! lap), pit stops, a safety car after a car stops on track, a retirement in the pits, a VSC, a
//! shower, the chequered flag and the cool-down lap are scripted around that loop.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::driver::Compound;
use crate::log::{CarLog, Ev, LapRec, Rcm, Retirement, SessionLog, Status};
use crate::motion::{Leg, PathKind, Place};
use crate::pitlane::{drive_in, drive_out};
use crate::rng::Rng;
use crate::weather;
use crate::world::World;

mod control;

/// Safety-car pace for the car behind the safety car (lap time multiplier).
const K_SC: f64 = 1.42;
/// Pace of cars catching up with the safety-car queue.
const K_SC_CATCH: f64 = 1.22;
/// Virtual safety car delta.
const K_VSC: f64 = 1.36;
/// Formation lap pace.
const K_FORMATION: f64 = 1.9;
/// Cool-down lap pace.
const K_COOL: f64 = 1.7;
/// Fuel effect at the start, fraction of lap time, burning off linearly.
const FUEL: f64 = 0.028;
/// Leader laps under the safety car before it comes in.
const SC_LAPS: u32 = 3;
/// Formation lap start, ms.
const T_FORMATION: i64 = 600_000;
/// Stream end after the chequered flag, ms.
const AFTER_FINISH: i64 = 480_000;
/// "Forever" for legs that last to the end of the stream.
pub(crate) const OPEN_END: f64 = 1.0e9;

#[derive(Debug, Clone, Copy)]
struct Passage {
    car: usize,
    t: i64,
    t_next: i64,
    laps_done: u32,
}

#[derive(Debug, Clone)]
struct RCar {
    lap: u32,
    s: f64,
    t: i64,
    v_last: f64,
    launch: Option<usize>,
    k_prev: f64,
    lap_noise: f64,
    lap_start: i64,
    seg_start: Option<i64>,
    sector_start: i64,
    sector_sent: bool,
    sectors: [Option<i64>; 3],
    pit_in: Option<i64>,
    pit_out: Option<i64>,
    compound: Compound,
    new_set: bool,
    start_laps: u32,
    laps_in_stint: u32,
    stint: u32,
    stops: u32,
    plan: Vec<(u32, Compound)>,
    done: bool,
    drs_zone: Vec<Option<f64>>,
    retire_track: Option<(u32, usize)>,
    retire_pit: Option<u32>,
    progress: (u32, usize, i64),
    grid_slot: usize,
}

#[derive(Debug, Default, Clone, Copy)]
struct SafetyCar {
    deploy: Option<i64>,
    end: Option<i64>,
    leader_laps: u32,
    drs_back_at_lap: Option<u32>,
}

struct RaceSim<'w> {
    w: &'w World,
    rng: Rng,
    cars: Vec<RCar>,
    logs: Vec<CarLog>,
    queue: BinaryHeap<Reverse<(i64, u64, usize, usize)>>,
    seq: u64,
    last: Vec<Option<Passage>>,
    total_laps: u32,
    t_start: i64,
    laps_led: u32,
    finish: Option<i64>,
    sc: SafetyCar,
    vsc: Option<(i64, i64)>,
    vsc_lap: Option<u32>,
    rain: Option<(i64, i64)>,
    rain_lap: Option<u32>,
    box_busy: Vec<i64>,
    out: SessionLog,
}

/// Simulates a race of `total_laps` laps.
pub(crate) fn simulate(w: &World, seed_rng: &Rng, total_laps: u32, sprint: bool) -> SessionLog {
    let mut rng = seed_rng.fork(10);
    let n = w.field.drivers.len();
    let total_laps = total_laps.max(1);

    // ---- grid: by pace with noise (a qualifying that happened elsewhere) ----------------------
    let mut order: Vec<usize> = (0..n).collect();
    let keys: Vec<f64> = (0..n).map(|i| w.field.drivers[i].pace + rng.normal(0.0022)).collect();
    order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
    let mut slot_of = vec![0usize; n];
    for (pos, &c) in order.iter().enumerate() {
        slot_of[c] = pos;
    }

    // ---- strategies ---------------------------------------------------------------------------
    let mut cars: Vec<RCar> = (0..n)
        .map(|c| {
            let (start, plan, used) = strategy(&mut rng, total_laps, sprint);
            RCar {
                lap: 1,
                s: w.track.grid[slot_of[c]].0,
                t: 0,
                v_last: 0.0,
                launch: Some(slot_of[c]),
                k_prev: 1.0,
                lap_noise: 0.0,
                lap_start: 0,
                seg_start: None,
                sector_start: 0,
                sector_sent: false,
                sectors: [None; 3],
                pit_in: None,
                pit_out: None,
                compound: start,
                new_set: !used,
                start_laps: if used { 3 } else { 0 },
                laps_in_stint: 0,
                stint: 0,
                stops: 0,
                plan,
                done: false,
                drs_zone: vec![None; w.track.drs.len()],
                retire_track: None,
                retire_pit: None,
                progress: (0, 0, 0),
                grid_slot: slot_of[c],
            }
        })
        .collect();

    // ---- scripted incidents --------------------------------------------------------------------
    let mut irng = rng.fork(11);
    if n >= 4 && total_laps >= 8 {
        // a car from the back half stops on track in sector 2 -> safety car
        let victim = order[n / 2 + irng.int(0, (n - n / 2 - 1) as i64) as usize];
        let lap = ((total_laps as f64 * irng.range(0.28, 0.40)).round() as u32).clamp(3, total_laps - 3);
        let s2: Vec<usize> = w
            .waypoints
            .iter()
            .enumerate()
            .filter(|(_, wp)| wp.seg.map(|g| w.track.segments[g].sector == 1 && !w.track.segments[g].sector_end).unwrap_or(false))
            .map(|(i, _)| i)
            .collect();
        let wp = s2[irng.int(0, s2.len() as i64 - 1) as usize];
        cars[victim].retire_track = Some((lap, wp));
        // another retires in the pits (mechanical)
        let mut other = order[1 + irng.int(0, (n - 2) as i64) as usize];
        if other == victim {
            other = order[(n - 1).min(n / 2 - 1)];
        }
        if other != victim {
            let lap = ((total_laps as f64 * irng.range(0.55, 0.70)).round() as u32).clamp(4, total_laps - 2);
            cars[other].retire_pit = Some(lap);
        }
    }
    let vsc_lap = (total_laps >= 10).then(|| ((total_laps as f64 * irng.range(0.74, 0.84)).round() as u32).min(total_laps - 2));
    let rain_lap = (total_laps >= 6).then(|| ((total_laps as f64 * irng.range(0.45, 0.55)).round() as u32).max(2));

    let mut sim = RaceSim {
        w,
        rng: rng.fork(12),
        cars,
        logs: vec![CarLog::default(); n],
        queue: BinaryHeap::new(),
        seq: 0,
        last: vec![None; w.waypoints.len()],
        total_laps,
        t_start: 0,
        laps_led: 0,
        finish: None,
        sc: SafetyCar::default(),
        vsc: None,
        vsc_lap,
        rain: None,
        rain_lap,
        box_busy: vec![0; w.field.teams.len()],
        out: SessionLog { total_laps: Some(total_laps), ..SessionLog::default() },
    };
    for (c, log) in sim.logs.iter_mut().enumerate() {
        log.grid = Some(slot_of[c] as u32 + 1);
    }
    sim.pre_race(&order);
    sim.start(&order);
    while let Some(Reverse((t, _, c, wp))) = sim.queue.pop() {
        sim.arrive(c, t, wp);
    }
    sim.finish_session()
}

/// Start compound, planned stops (lap, new compound), and whether the start set is used.
fn strategy(rng: &mut Rng, laps: u32, sprint: bool) -> (Compound, Vec<(u32, Compound)>, bool) {
    use Compound::*;
    if sprint || laps < 12 {
        let c = if rng.chance(0.7) { Medium } else { Soft };
        return (c, Vec::new(), false);
    }
    let lap = |rng: &mut Rng, lo: f64, hi: f64| -> u32 { ((laps as f64 * rng.range(lo, hi)).round() as u32).clamp(2, laps - 3) };
    if rng.chance(0.7) {
        let (a, b) = match rng.int(0, 3) {
            0 | 1 => (Medium, Hard),
            2 => (Soft, Hard),
            _ => (Hard, Medium),
        };
        let used = a == Soft && rng.chance(0.5);
        (a, vec![(lap(rng, 0.34, 0.55), b)], used)
    } else {
        let (a, b, c) = match rng.int(0, 2) {
            0 => (Soft, Medium, Hard),
            1 => (Medium, Hard, Soft),
            _ => (Soft, Hard, Medium),
        };
        let l1 = lap(rng, 0.22, 0.32);
        let l2 = lap(rng, 0.58, 0.70).max(l1 + 4);
        let used = a == Soft && rng.chance(0.5);
        (a, vec![(l1, b), (l2, c)], used)
    }
}

fn ms(t: f64) -> i64 {
    (t * 1000.0).round() as i64
}

impl RaceSim<'_> {
    fn push(&mut self, t: i64, c: usize, wp: usize) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq, c, wp)));
    }

    /// Grid, formation lap, back to the grid; sets the start time.
    fn pre_race(&mut self, order: &[usize]) {
        let w = self.w;
        let kin = w.kin();
        let mut latest = 0.0f64;
        let mut formation: Vec<Vec<Leg>> = vec![Vec::new(); self.cars.len()];
        for (pos, &c) in order.iter().enumerate() {
            let (sg, lat) = w.track.grid[pos];
            let t_go = (T_FORMATION as f64 + pos as f64 * 600.0) / 1000.0;
            let legs = &mut formation[c];
            legs.push(Leg::Hold { t0: 0.0, t1: t_go, at: Place::Track { s: sg, lateral: lat, off: false } });
            // launch gently to the stretched profile's speed, cruise, stop again; the ramps'
            // lengths follow from their speeds so positions join exactly
            let a = 4.0;
            let mut d1 = 60.0;
            for _ in 0..3 {
                let v1 = kin.v_ref(sg + d1, None) / K_FORMATION;
                d1 = v1 * v1 / (2.0 * a);
            }
            let v1 = kin.v_ref(sg + d1, None) / K_FORMATION;
            let d1 = v1 * v1 / (2.0 * a);
            let t1 = t_go + v1 / a;
            legs.push(Leg::Kin { t0: t_go, t1, path: PathKind::Track, d0: sg, v0: 0.0, a });
            let end = sg + w.track.length;
            let b = 5.0;
            let mut d2 = 60.0;
            for _ in 0..3 {
                let v2 = kin.v_ref(end - d2, None) / K_FORMATION;
                d2 = v2 * v2 / (2.0 * b);
            }
            let v2 = kin.v_ref(end - d2, None) / K_FORMATION;
            let d2 = v2 * v2 / (2.0 * b);
            let t2 = t1 + kin.dtau(sg + d1, end - d2, None) * K_FORMATION;
            legs.push(Leg::Track { t0: t1, t1: t2, s0: sg + d1, s1: end - d2, launch: None, lateral: lat });
            let t3 = t2 + v2 / b;
            legs.push(Leg::Kin { t0: t2, t1: t3, path: PathKind::Track, d0: end - d2, v0: v2, a: -b });
            latest = latest.max(t3);
        }
        let t_start = (((latest + 25.0) * 1000.0) as i64 / 1000 + 1) * 1000 + 117;
        self.t_start = t_start;
        for (c, legs) in formation.into_iter().enumerate() {
            let (sg, lat) = w.track.grid[self.cars[c].grid_slot];
            let t3 = legs.last().map(|l| l.t1()).unwrap_or(0.0);
            self.logs[c].legs = legs;
            self.logs[c].legs.push(Leg::Hold { t0: t3, t1: t_start as f64 / 1000.0, at: Place::Track { s: sg, lateral: lat, off: false } });
            // tyres are announced before the start
            let car = &self.cars[c];
            let ev = Ev::Stint { index: 0, compound: car.compound, new: car.new_set, start_laps: car.start_laps };
            self.logs[c].ev(61_000 + c as i64 * 3, ev);
        }
        let out = &mut self.out;
        out.status.push((9_754, Status::Inactive));
        out.track_status.push((0, 1, "AllClear"));
        out.lap_count.push((2_878, 1));
        out.clock.push((3_235, 0, false));
        out.clock.push((12_233, 7200, false));
        out.drs_enabled.push((0, false));
        out.rcm.push(Rcm::flag(30_000, Some(1), "GREEN", "GREEN LIGHT - PIT EXIT OPEN"));
        out.rcm.push(Rcm::other(330_000, Some(1), "PIT EXIT CLOSED"));
        out.rcm.push(Rcm::other(420_000, Some(1), "RISK OF RAIN FOR F1 RACE IS 40%"));
        let mut drs = Rcm::other(t_start - 5_000, Some(1), "DRS DISABLED");
        drs.category = "Drs";
        drs.status = Some("DISABLED");
        out.rcm.push(drs);
    }

    fn start(&mut self, order: &[usize]) {
        let w = self.w;
        let kin = w.kin();
        let t_start = self.t_start;
        self.out.status.push((t_start, Status::Started));
        self.out.clock.push((t_start + 124, 7199, true));
        self.out.start_ms = t_start;
        let mut prev: Option<(usize, i64)> = None; // (first waypoint, arrival) of the car ahead
        for &c in order {
            let slot = self.cars[c].grid_slot;
            let sg = w.track.grid[slot].0;
            let first = w.first_wp_after(sg);
            let s_to = w.waypoints[first].s;
            self.cars[c].lap_noise = self.rng.normal(self.w.field.drivers[c].consistency);
            let k = self.k_target(c, t_start);
            let dtau = kin.dtau(sg, s_to, Some(slot));
            let mut reaction = self.rng.range(0.18, 0.42);
            if self.rng.chance(0.06) {
                reaction += self.rng.range(0.3, 0.9); // a bad launch
            }
            let go = t_start + ms(reaction);
            let mut arrive = go + ms(dtau * k * (1.0 + self.rng.normal(0.004)));
            if let Some((pw, pt)) = prev {
                if pw == first && arrive < pt + 150 {
                    let passes = arrive < pt - 100 && self.rng.chance(0.35);
                    if !passes {
                        arrive = pt + 150 + self.rng.int(0, 120);
                    }
                }
            }
            prev = Some((first, arrive));
            let car = &mut self.cars[c];
            car.t = t_start;
            car.lap_start = t_start;
            car.sector_start = t_start;
            car.sector_sent = false;
            car.seg_start = None;
            car.k_prev = (arrive - go) as f64 / 1000.0 / dtau;
            car.v_last = kin.speed_at(go as f64 / 1000.0, arrive as f64 / 1000.0, sg, s_to, Some(slot), s_to);
            let log = &mut self.logs[c];
            log.legs.push(Leg::Hold {
                t0: t_start as f64 / 1000.0,
                t1: go as f64 / 1000.0,
                at: Place::Track { s: sg, lateral: w.track.grid[slot].1, off: false },
            });
            w.track_leg(log, c, go, arrive, sg, s_to, Some(slot), &|_| false);
            if s_to >= w.launches[slot].merge_s {
                self.cars[c].launch = None;
            }
            self.push(arrive, c, first);
        }
    }

    fn sc_active(&self, t: i64) -> bool {
        matches!(self.sc.deploy, Some(d) if d <= t) && self.sc.end.is_none_or(|e| t < e)
    }

    fn vsc_active(&self, t: i64) -> bool {
        matches!(self.vsc, Some((a, b)) if a <= t && t < b)
    }

    fn leader(&self) -> Option<usize> {
        (0..self.cars.len()).filter(|&c| !self.cars[c].done).max_by(|&a, &b| {
            let (pa, pb) = (self.cars[a].progress, self.cars[b].progress);
            (pa.0, pa.1, Reverse(pa.2)).cmp(&(pb.0, pb.1, Reverse(pb.2)))
        })
    }

    /// Lap time multiplier the car aims for at time `t`.
    fn k_target(&self, c: usize, t: i64) -> f64 {
        if self.sc_active(t) {
            return if self.leader() == Some(c) { K_SC } else { K_SC_CATCH };
        }
        if self.vsc_active(t) {
            return K_VSC;
        }
        let d = &self.w.field.drivers[c];
        let car = &self.cars[c];
        let age = car.start_laps + car.laps_in_stint;
        let fuel = FUEL * (1.0 - (car.lap.saturating_sub(1)) as f64 / self.total_laps as f64);
        let mut k = d.pace * (1.0 + car.compound.penalty(age, d.tyre_wear)) * (1.0 + fuel) * (1.0 + car.lap_noise);
        if car.lap == 1 {
            k *= 1.012;
        }
        if matches!(self.rain, Some((a, b)) if a <= t && t < b) {
            k *= 1.011;
        }
        k
    }

    fn arrive(&mut self, c: usize, t: i64, wpi: usize) {
        let w = self.w;
        let wp = w.waypoints[wpi];
        {
            let base = w.lap_base(self.cars[c].lap);
            let car = &mut self.cars[c];
            car.t = t;
            car.s = base + wp.s;
        }
        if let Some(g) = wp.seg {
            let seg = w.track.segments[g];
            let car = &mut self.cars[c];
            let seg_ms = car.seg_start.map(|s0| t - s0);
            car.seg_start = Some(t);
            car.progress = (car.lap - 1, g, t);
            let lap = car.lap;
            self.logs[c].ev(t, Ev::Segment { lap, seg: g, ms: seg_ms, pit_lane: false });
            if seg.sector_end {
                self.sector_done(c, t, seg.sector);
            }
            // DRS detection
            for z in 0..w.track.drs.len() {
                if w.track.drs[z].detection_boundary == g {
                    let ok = self.out.drs_enabled_at(t)
                        && matches!(self.last[wpi], Some(p) if p.car != c && t - p.t <= 1000 && !self.cars[p.car].done);
                    let s = self.cars[c].s;
                    self.cars[c].drs_zone[z] = ok.then(|| w.next_zone_start(z, s));
                }
            }
            if wpi == w.line_wp() {
                self.lap_done(c, t, false);
            }
        }
        if self.cars[c].done {
            return;
        }
        if wp.pit_entry {
            let car = &self.cars[c];
            if car.retire_pit == Some(car.lap) {
                self.pit(c, t, true);
                return;
            }
            let late = self.laps_led + 2 >= self.total_laps;
            if !late && car.plan.first().is_some_and(|&(l, _)| l <= car.lap) {
                self.pit(c, t, false);
                return;
            }
        }
        if let Some((lap, rw)) = self.cars[c].retire_track {
            if lap == self.cars[c].lap && rw == wpi {
                self.stop_on_track(c, t);
                return;
            }
        }
        self.advance(c, t, wpi);
    }

    fn sector_done(&mut self, c: usize, t: i64, sector: usize) {
        let car = &mut self.cars[c];
        let true_ms = t - car.sector_start;
        car.sectors[sector] = Some(true_ms);
        let sent = car.sector_sent;
        car.sector_start = t;
        car.sector_sent = true;
        let lap = car.lap;
        self.logs[c].ev(t, Ev::Sector { lap, sector, ms: sent.then_some(true_ms) });
    }

    /// Lap `car.lap` completed at `t`.
    fn lap_done(&mut self, c: usize, t: i64, in_pit: bool) {
        let w = self.w;
        let car = &mut self.cars[c];
        let lap = car.lap;
        let lap_ms = t - car.lap_start;
        let sent = lap > 1;
        car.laps_in_stint += 1;
        let tyre_life = car.start_laps + car.laps_in_stint;
        let fl_kph = (car.v_last * 3.6).round() as u32;
        let rec = LapRec {
            number: lap,
            start_ms: car.lap_start,
            end_ms: t,
            lap_ms: Some(lap_ms),
            sectors_ms: car.sectors,
            lap_time_sent: sent,
            pit_in_ms: car.pit_in,
            pit_out_ms: car.pit_out,
            compound: car.compound,
            stint: car.stint + 1,
            tyre_life,
            deleted: false,
        };
        let stint = car.stint;
        car.lap += 1;
        car.lap_start = t;
        car.sectors = [None; 3];
        car.pit_in = None;
        car.pit_out = None;
        car.progress = (lap, w.track.segments.len() - 1, t);
        let consistency = w.field.drivers[c].consistency;
        car.lap_noise = self.rng.normal(consistency);
        let log = &mut self.logs[c];
        log.ev(t, Ev::Line { lap, lap_ms: sent.then_some(lap_ms), fl_kph, in_pit });
        log.laps.push(rec);
        log.ev(t + 420, Ev::StintLaps { index: stint, total_laps: tyre_life });

        // the first car to complete a lap leads it
        if lap > self.laps_led {
            self.laps_led = lap;
            self.leader_crossed(t, lap);
        }
        if self.finish.is_none() && lap >= self.total_laps {
            self.finish = Some(t);
            self.out.rcm.push(Rcm::flag(t + 180, Some(self.total_laps), "CHEQUERED", "CHEQUERED FLAG"));
            // "Finished" as the winner takes the flag: a lapped car crossing the line just after
            // it has then finished too (FastF1 would otherwise invent a lap for it).
            self.out.status.push((t, Status::Finished));
            self.out.clock.push((t + 300, 0, false));
        }
        if let Some(f) = self.finish {
            if t >= f {
                self.cars[c].done = true;
                if !in_pit {
                    self.cool_down(c, t);
                }
            }
        }
    }

    /// Schedules the next timing point on track with dirty-air and overtaking rules.
    fn advance(&mut self, c: usize, t: i64, wpi: usize) {
        let w = self.w;
        let kin = w.kin();
        let next = (wpi + 1) % w.waypoints.len();
        let (s_from, launch, k_prev, lap) = {
            let car = &self.cars[c];
            (car.s, car.launch, car.k_prev, car.lap)
        };
        let s_to = w.lap_base(lap) + w.waypoints[next].s;
        let dtau = kin.dtau(s_from, s_to, launch);
        let kt = self.k_target(c, t);
        let k = kt.clamp(k_prev / 1.10, k_prev * 1.10);
        let racing = !self.sc_active(t) && !self.vsc_active(t);
        let mut dt = dtau * k * (1.0 + self.rng.normal(0.0022)) * 1000.0;
        if racing && self.rng.chance(0.0012) {
            dt += self.rng.range(300.0, 1100.0); // a lock-up or a moment
        }
        let ahead = self.last[wpi].filter(|p| p.car != c && p.t_next > t);
        let mut drs_here = false;
        let mut blue = false;
        if let Some(a) = ahead {
            if racing && t - a.t < 1_500 {
                let mut bonus = 0.0;
                for z in 0..w.track.drs.len() {
                    if let Some(zs) = self.cars[c].drs_zone[z] {
                        let f = w.zone_overlap(z, zs, s_from, s_to);
                        if f > 0.0 {
                            bonus += 320.0 * f;
                            drs_here = true;
                        }
                    }
                }
                if kin.v_ref(s_to, None) > 70.0 && kin.v_ref(s_from, None) > 60.0 {
                    bonus += 0.02 * dt; // slipstream
                }
                if lap.saturating_sub(1) > a.laps_done {
                    blue = true; // the lapped car moves over
                    bonus += 0.06 * dt;
                }
                // never more than a plausible share of the segment
                dt -= bonus.min(0.07 * dt);
            }
        }
        let mut t_next = t + dt.round() as i64;
        if let Some(a) = ahead {
            let gap = if racing { 300 + self.rng.int(0, 250) } else { 650 + self.rng.int(0, 350) };
            if t_next < a.t_next + gap {
                let d_me = &self.w.field.drivers[c];
                let d_him = &self.w.field.drivers[a.car];
                let mut p = 0.12 + 0.45 * d_me.racecraft - 0.2 * d_him.racecraft;
                if drs_here {
                    p += 0.3;
                }
                if blue {
                    p = 0.95;
                }
                let can_pass = racing && t_next < a.t_next - 100 && self.rng.chance(p.clamp(0.03, 0.95));
                if !can_pass {
                    t_next = a.t_next + gap;
                }
            }
        }
        let t_next = t_next.max(t + 1);
        {
            let drs_zone = self.cars[c].drs_zone.clone();
            let w2 = self.w;
            let ok = move |zs: f64| (0..w2.track.drs.len()).any(|z| drs_zone[z].is_some_and(|e| (e - zs).abs() < 1.0));
            w.track_leg(&mut self.logs[c], c, t, t_next, s_from, s_to, launch, &ok);
        }
        let car = &mut self.cars[c];
        // tiny segments (a timing point next to another) say nothing about the pace
        car.k_prev = if dtau > 0.5 { (t_next - t) as f64 / 1000.0 / dtau } else { k };
        car.v_last = kin.speed_at(t as f64 / 1000.0, t_next as f64 / 1000.0, s_from, s_to, launch, s_to);
        if let Some(g) = launch {
            if s_to >= w.launches[g].merge_s {
                car.launch = None;
            }
        }
        self.last[wpi] = Some(Passage { car: c, t, t_next, laps_done: lap - 1 });
        self.push(t_next, c, next);
    }

    /// Pit stop (or retirement in the pits) from the pit entry at `t`.
    fn pit(&mut self, c: usize, t: i64, retire: bool) {
        let w = self.w;
        let team = w.field.drivers[c].team;
        let box_p = w.track.pit.box_p[team % w.track.pit.box_p.len()];
        let stops = self.cars[c].stops + 1;
        self.cars[c].stops = stops;
        self.cars[c].pit_in = Some(t);
        self.logs[c].ev(t, Ev::PitEntry { stops });
        let din = drive_in(&w.track, t as f64 / 1000.0, self.cars[c].v_last, box_p);
        self.logs[c].legs.extend(din.legs.iter().cloned());
        let t_line = ms(din.t_line);
        // the line in the lane ends the in-lap
        let g_line = w.track.segments.len() - 1;
        let lap = self.cars[c].lap;
        self.logs[c].ev(t_line, Ev::Segment { lap, seg: g_line, ms: None, pit_lane: true });
        self.sector_done(c, t_line, 2);
        self.cars[c].v_last = crate::pitlane::V_LIMIT;
        self.lap_done(c, t_line, true);
        let finished = self.cars[c].done;
        let car = &mut self.cars[c];
        car.seg_start = None;
        car.sector_start = t_line;
        car.sector_sent = true;
        if retire || finished {
            let t_box = din.t_box;
            self.logs[c].legs.push(Leg::Hold { t0: t_box, t1: t_box + 20.0, at: Place::Pit { p: box_p } });
            self.logs[c].legs.push(Leg::Hold {
                t0: t_box + 20.0,
                t1: OPEN_END,
                at: if finished { Place::Pit { p: box_p } } else { Place::Garage },
            });
            if retire && !finished {
                let tr = ms(t_box) + 25_000;
                self.logs[c].ev(tr, Ev::Retired);
                self.logs[c].retirement = Some(Retirement { lap, t_ms: ms(t_box), in_pits: true });
                self.out.rcm.push(Rcm::other(
                    tr + 12_000,
                    Some(self.laps_led + 1),
                    format!("CAR {} ({}) RETIRED - MECHANICAL", w.field.drivers[c].number, w.field.drivers[c].tla),
                ));
            }
            self.cars[c].done = true;
            return;
        }
        // the stop
        let arrive = ms(din.t_box);
        let begin = arrive.max(self.box_busy[team] + 900);
        let mut dwell = self.rng.int(2_100, 3_300);
        if self.rng.chance(0.06) {
            dwell += self.rng.int(1_500, 6_000);
        }
        let leave = begin + dwell;
        self.box_busy[team] = leave;
        self.logs[c].legs.push(Leg::Hold { t0: din.t_box, t1: leave as f64 / 1000.0, at: Place::Pit { p: box_p } });
        let (_, compound) = if self.cars[c].plan.is_empty() { (0, self.cars[c].compound) } else { self.cars[c].plan.remove(0) };
        {
            let car = &mut self.cars[c];
            car.stint += 1;
            car.compound = compound;
            car.new_set = true;
            car.start_laps = 0;
            car.laps_in_stint = 0;
        }
        let stint = self.cars[c].stint;
        self.logs[c].ev(leave - 600, Ev::Stint { index: stint, compound, new: true, start_laps: 0 });
        let k = self.k_target(c, leave);
        let v_merge = w.kin().v_ref(w.track.pit.exit_s, None) / k;
        let dout = drive_out(&w.track, leave as f64 / 1000.0, box_p, v_merge);
        self.logs[c].legs.extend(dout.legs.iter().cloned());
        let t_exit = ms(dout.t_exit);
        let t_merge = ms(dout.t_merge);
        self.logs[c].ev(t_exit, Ev::PitExit);
        self.logs[c].ev(t_exit + 17_500, Ev::PitOutCleared);
        let car = &mut self.cars[c];
        car.pit_out = Some(t_exit);
        car.k_prev = k;
        car.v_last = v_merge;
        car.drs_zone.iter_mut().for_each(|z| *z = None);
        self.push(t_merge, c, w.pit_exit_wp());
    }

    /// After the chequered flag: a slow lap, then into the pit lane and park at the box.
    fn cool_down(&mut self, c: usize, t: i64) {
        let w = self.w;
        let kin = w.kin();
        let s0 = self.cars[c].s;
        let s1 = w.lap_base(self.cars[c].lap) + w.track.pit.entry_s;
        let t1 = t + ms(kin.dtau(s0, s1, None) * K_COOL);
        w.track_leg(&mut self.logs[c], c, t, t1, s0, s1, None, &|_| false);
        let v = kin.v_ref(s1, None) / K_COOL;
        let team = w.field.drivers[c].team;
        let box_p = w.track.pit.box_p[team % w.track.pit.box_p.len()];
        let din = drive_in(&w.track, t1 as f64 / 1000.0, v, box_p);
        self.logs[c].legs.extend(din.legs.iter().cloned());
        self.logs[c].legs.push(Leg::Hold { t0: din.t_box, t1: OPEN_END, at: Place::Pit { p: box_p } });
    }

    fn finish_session(mut self) -> SessionLog {
        let end = self.finish.unwrap_or(self.t_start) + AFTER_FINISH;
        self.out.end_ms = end;
        self.out.status.push((end - 2_000, Status::Finalised));
        self.out.status.push((end - 2_000, Status::Ends));
        self.out.weather = weather::series(&mut self.rng.fork(13), end, self.rain);
        for log in &mut self.logs {
            log.events.sort_by_key(|e| e.t);
        }
        self.out.rcm.sort_by_key(|m| m.t);
        self.out.track_status.sort_by_key(|s| s.0);
        self.out.status.sort_by_key(|s| s.0);
        self.out.drs_enabled.sort_by_key(|s| s.0);
        self.out.clock.sort_by_key(|s| s.0);
        self.out.cars = self.logs;
        self.out
    }
}
