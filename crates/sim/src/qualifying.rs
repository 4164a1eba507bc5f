//! Qualifying and practice: runs from the garage (out-lap, push laps, cool-down laps, in-lap).
//!
//! Cars do not interact here (traffic is not modelled), so each car is driven on its own along
//! the lap's timing points. Qualifying has three parts with knock-outs between them and one lap
//! deleted by race control for track limits; practice is one hour of runs of varying length.

use crate::calendar;
use crate::driver::Compound;
use crate::log::{CarLog, Ev, LapRec, Rcm, SessionLog, Status};
use crate::motion::{Leg, Place};
use crate::pitlane::{drive_in, drive_out};
use crate::race::OPEN_END;
use crate::rng::Rng;
use crate::weather;
use crate::world::World;
use crate::SessionKind;

/// What a lap is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LapKind {
    /// From the pit exit to the line, warming the tyres.
    Out,
    /// Flat out.
    Push,
    /// Slow lap between pushes.
    Cool,
    /// Race-pace lap (practice long runs).
    Long,
    /// Back to the pits.
    In,
}

#[derive(Debug, Clone)]
struct Run {
    leave_ms: i64,
    laps: Vec<LapKind>,
    compound: Compound,
    new: bool,
    start_laps: u32,
}

/// Per-car running state across runs and parts.
#[derive(Debug, Clone)]
struct QCar {
    lap: u32,
    last_line: Option<i64>,
    stint: Option<u32>,
    stops: u32,
    garage_since: f64,
    k_prev: f64,
    /// (part, lap number, lap ms) of valid timed laps
    timed: Vec<(u32, u32, i64)>,
}

/// Part windows (start, end) in ms for qualifying.
const Q_PARTS: [(i64, i64); 3] = [(600_000, 1_680_000), (2_160_000, 3_060_000), (3_540_000, 4_260_000)];
/// Practice window.
const P_WINDOW: (i64, i64) = (600_000, 4_200_000);

/// Simulates qualifying or practice.
pub(crate) fn simulate(w: &World, seed_rng: &Rng, kind: SessionKind) -> SessionLog {
    let mut rng = seed_rng.fork(20);
    let n = w.field.drivers.len();
    let mut out = SessionLog::default();
    let mut logs = vec![CarLog::default(); n];
    let mut cars = vec![QCar { lap: 1, last_line: None, stint: None, stops: 0, garage_since: 0.0, k_prev: 1.3, timed: Vec::new() }; n];
    out.track_status.push((0, 1, "AllClear"));
    out.status.push((12_704, Status::Inactive));
    out.drs_enabled.push((0, true));
    let end_ms;
    if kind.is_qualifying_like() {
        let mut active: Vec<usize> = (0..n).collect();
        let sizes = [n, n - n / 4, n / 2];
        // one push lap in Q1 gets deleted: (car, run 0, first push)
        let deleted_car = active[rng.int(0, n as i64 - 1) as usize];
        for (part, &(start, end)) in Q_PARTS.iter().enumerate() {
            let part_no = part as u32 + 1;
            out.status.push((start, Status::Started));
            out.parts.push((start - 120_000, part_no));
            out.clock.push((start - 120_000, (end - start) / 1000, false));
            out.clock.push((start + 1_000, (end - start) / 1000 - 1, true));
            out.rcm.push(Rcm::flag(start + 260, None, "GREEN", "GREEN LIGHT - PIT EXIT OPEN"));
            out.status.push((end + 30, Status::Finished));
            out.clock.push((end, 0, false));
            out.rcm.push(Rcm::flag(end + 300, None, "CHEQUERED", "CHEQUERED FLAG"));
            for &c in &active {
                let runs = quali_runs(w, &mut rng, c, part, start, end, &cars[c]);
                for (ri, run) in runs.iter().enumerate() {
                    let delete_first_push = part == 0 && ri == 0 && c == deleted_car;
                    drive_run(w, &mut rng, c, run, part_no, kind, &mut cars[c], &mut logs[c], &mut out, delete_first_push);
                }
            }
            // classification of this part: best valid lap, then number
            let mut ranked: Vec<(Option<i64>, usize)> = active
                .iter()
                .map(|&c| {
                    let best = cars[c].timed.iter().filter(|t| t.0 == part_no).map(|t| t.2).min();
                    (best, c)
                })
                .collect();
            ranked.sort_by(|a, b| match (a.0, b.0) {
                (Some(x), Some(y)) => x.cmp(&y).then(a.1.cmp(&b.1)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.1.cmp(&b.1),
            });
            if part < 2 {
                let keep = sizes[part + 1].max(1);
                let knocked: Vec<usize> = ranked.iter().skip(keep).map(|r| r.1).collect();
                for &c in &knocked {
                    logs[c].ev(end + 45_000, Ev::KnockedOut);
                }
                active = ranked.iter().take(keep).map(|r| r.1).collect();
                active.sort();
                out.status.push((end + 305_000, Status::Inactive));
            }
            let first = ranked.first().map(|r| r.1).unwrap_or(0);
            let d = &w.field.drivers[first];
            out.rcm.push(Rcm::other(end + 9_600, None, format!("FIRST CAR TO TAKE THE FLAG - CAR {} ({})", d.number, d.tla)));
        }
        end_ms = Q_PARTS[2].1 + 307_000;
    } else {
        let (start, end) = P_WINDOW;
        out.status.push((start, Status::Started));
        out.clock.push((3_110, (end - start) / 1000, false));
        out.clock.push((start + 1_000, (end - start) / 1000 - 1, true));
        out.rcm.push(Rcm::flag(start + 260, None, "GREEN", "GREEN LIGHT - PIT EXIT OPEN"));
        out.status.push((end + 30, Status::Finished));
        out.clock.push((end, 0, false));
        out.rcm.push(Rcm::flag(end + 300, None, "CHEQUERED", "CHEQUERED FLAG"));
        for (c, (car, log)) in cars.iter_mut().zip(logs.iter_mut()).enumerate() {
            let runs = practice_runs(w, &mut rng, c, start, end);
            for run in &runs {
                drive_run(w, &mut rng, c, run, 1, kind, car, log, &mut out, false);
            }
        }
        end_ms = end + 300_000;
    }
    for (c, log) in logs.iter_mut().enumerate() {
        log.legs.push(Leg::Hold { t0: cars[c].garage_since, t1: OPEN_END, at: Place::Garage });
        log.events.sort_by_key(|e| e.t);
    }
    out.end_ms = end_ms;
    out.status.push((end_ms - 2_000, Status::Finalised));
    out.status.push((end_ms - 2_000, Status::Ends));
    out.weather = weather::series(&mut rng.fork(21), end_ms, None);
    out.start_ms = out.status.iter().find(|s| s.1 == Status::Started).map(|s| s.0).unwrap_or(0);
    out.rcm.sort_by_key(|m| m.t);
    out.status.sort_by_key(|s| s.0);
    out.clock.sort_by_key(|s| s.0);
    out.cars = logs;
    out
}

/// Rough duration of a lap of `kind` for planning, ms.
fn lap_estimate(w: &World, kind: LapKind) -> i64 {
    let t = w.track.profile.lap_time();
    let k = match kind {
        LapKind::Out => 1.35,
        LapKind::Push => 1.01,
        LapKind::Cool => 1.3,
        LapKind::Long => 1.03,
        LapKind::In => 1.3,
    };
    (t * k * 1000.0) as i64
}

fn quali_runs(w: &World, rng: &mut Rng, _c: usize, part: usize, start: i64, end: i64, car: &QCar) -> Vec<Run> {
    let out_ms = lap_estimate(w, LapKind::Out) + 20_000;
    let push_ms = lap_estimate(w, LapKind::Push);
    let cool_ms = lap_estimate(w, LapKind::Cool);
    let first_laps = if part == 0 {
        vec![LapKind::Out, LapKind::Push, LapKind::Cool, LapKind::Push, LapKind::In]
    } else {
        vec![LapKind::Out, LapKind::Push, LapKind::In]
    };
    let first_len: i64 = out_ms
        + first_laps
            .iter()
            .skip(1)
            .map(|k| match k {
                LapKind::Push => push_ms,
                _ => cool_ms,
            })
            .sum::<i64>();
    let earliest = (car.garage_since * 1000.0) as i64 + 60_000;
    let leave_a = (start + rng.int(40_000, 200_000)).max(earliest);
    // the final run's push lap starts 15-70 s before the flag
    let leave_b = end - rng.int(15_000, 70_000) - out_ms;
    let mut runs = vec![Run { leave_ms: leave_a, laps: first_laps, compound: Compound::Soft, new: true, start_laps: 0 }];
    if leave_b > leave_a + first_len + 90_000 {
        runs.push(Run {
            leave_ms: leave_b,
            laps: vec![LapKind::Out, LapKind::Push, LapKind::In],
            compound: Compound::Soft,
            new: part == 2 || rng.chance(0.5),
            start_laps: 0,
        });
        if let Some(r) = runs.last_mut() {
            if !r.new {
                r.start_laps = 3;
            }
        }
    }
    runs
}

fn practice_runs(w: &World, rng: &mut Rng, _c: usize, start: i64, end: i64) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut t = start + rng.int(30_000, 420_000);
    let lap = lap_estimate(w, LapKind::Push);
    let compounds = [Compound::Medium, Compound::Soft, Compound::Hard, Compound::Soft, Compound::Medium];
    let mut i = 0;
    while i < 6 {
        let long = i >= 3 && rng.chance(0.5);
        let mut laps = vec![LapKind::Out];
        let n = if long { rng.int(6, 10) } else { rng.int(1, 4) };
        for k in 0..n {
            if long {
                laps.push(LapKind::Long);
            } else {
                laps.push(LapKind::Push);
                if k + 1 < n && rng.chance(0.6) {
                    laps.push(LapKind::Cool);
                }
            }
        }
        laps.push(LapKind::In);
        let dur = lap * (laps.len() as i64 + 1) + 40_000;
        if t + dur > end - 20_000 {
            break;
        }
        let compound = compounds[(i as usize + rng.int(0, 4) as usize) % compounds.len()];
        runs.push(Run { leave_ms: t, laps, compound, new: rng.chance(0.6), start_laps: 0 });
        if let Some(r) = runs.last_mut() {
            if !r.new {
                r.start_laps = rng.int(2, 6) as u32;
            }
        }
        t += dur + rng.int(150_000, 420_000);
        i += 1;
    }
    runs
}

fn ms(t: f64) -> i64 {
    (t * 1000.0).round() as i64
}

/// Target pace for one mini-sector of a lap of `kind`; `frac` is the position in the lap (0..1).
fn seg_k(kind: LapKind, frac: f64, push_k: f64, next_push: bool) -> f64 {
    match kind {
        LapKind::Push | LapKind::Long => push_k,
        LapKind::Out => {
            if next_push && frac > 0.75 {
                push_k * 1.03
            } else {
                1.34
            }
        }
        LapKind::Cool => {
            if frac < 0.08 {
                push_k * 1.08
            } else if next_push && frac > 0.78 {
                push_k * 1.03
            } else {
                1.31
            }
        }
        LapKind::In => 1.29,
    }
}

#[allow(clippy::too_many_arguments)]
fn drive_run(
    w: &World,
    rng: &mut Rng,
    c: usize,
    run: &Run,
    part: u32,
    kind: SessionKind,
    car: &mut QCar,
    log: &mut CarLog,
    out: &mut SessionLog,
    delete_first_push: bool,
) {
    let kin = w.kin();
    let d = &w.field.drivers[c];
    let team = d.team;
    let box_p = w.track.pit.box_p[team % w.track.pit.box_p.len()];
    let len = w.track.length;
    let leave = run.leave_ms.max((car.garage_since * 1000.0) as i64 + 30_000);

    // garage, then a moment at the box
    log.legs.push(Leg::Hold { t0: car.garage_since, t1: leave as f64 / 1000.0 - 3.0, at: Place::Garage });
    log.legs.push(Leg::Hold { t0: leave as f64 / 1000.0 - 3.0, t1: leave as f64 / 1000.0, at: Place::Pit { p: box_p } });
    let stint = car.stint.map(|s| s + 1).unwrap_or(0);
    car.stint = Some(stint);
    log.ev(leave - 1_500, Ev::Stint { index: stint, compound: run.compound, new: run.new, start_laps: run.start_laps });
    let evolution = 1.0 - 0.0025 * part as f64;
    let quali_push = if kind.is_qualifying_like() { 0.992 } else { 1.0 };
    let mut laps_on_set = run.start_laps;
    let first_k = seg_k(LapKind::Out, 0.0, 1.0, true);
    let v_merge = kin.v_ref(w.track.pit.exit_s, None) / first_k;
    let dout = drive_out(&w.track, leave as f64 / 1000.0, box_p, v_merge);
    log.legs.extend(dout.legs.iter().cloned());
    let t_exit = ms(dout.t_exit);
    log.ev(t_exit, Ev::PitExit);
    log.ev(t_exit + 36_000, Ev::PitOutCleared);
    car.k_prev = first_k;

    let mut t = ms(dout.t_merge);
    let mut s = w.lap_base(car.lap) + w.track.pit.exit_s;
    let mut wpi = w.pit_exit_wp();
    let mut seg_start: Option<i64> = None;
    let mut sector_start = t_exit;
    let mut sector_sent = false;
    let mut sectors: [Option<i64>; 3] = [None; 3];
    let mut lap_start = t_exit;
    let mut lap_from_garage = true;
    let mut pit_out = Some(t_exit);
    let mut pushes = 0;

    for (li, &lk) in run.laps.iter().enumerate() {
        let next_push = run.laps.get(li + 1).is_some_and(|k| matches!(k, LapKind::Push));
        let age = laps_on_set;
        let noise = rng.normal(d.consistency * 0.8);
        let push_k = d.pace
            * evolution
            * quali_push
            * (1.0 + run.compound.penalty(age, d.tyre_wear))
            * (1.0 + noise)
            * if lk == LapKind::Long { 1.018 } else { 1.0 };
        let deleted = lk == LapKind::Push && delete_first_push && pushes == 0;
        if lk == LapKind::Push {
            pushes += 1;
        }
        // drive mini-sector to mini-sector until the line (or the pit entry on an in-lap)
        loop {
            let next = (wpi + 1) % w.waypoints.len();
            let wp = w.waypoints[next];
            let s_to = w.lap_base(car.lap) + wp.s;
            let frac = wp.s / len;
            let kt = seg_k(lk, frac, push_k, next_push);
            let k = kt.clamp(car.k_prev / 1.12, car.k_prev * 1.12);
            let dtau = kin.dtau(s, s_to, None);
            let dt = dtau * k * (1.0 + rng.normal(0.0015));
            let t_next = t + ms(dt).max(1);
            let drs_free = matches!(lk, LapKind::Push | LapKind::Long);
            w.track_leg(log, c, t, t_next, s, s_to, None, &|_| drs_free);
            car.k_prev = if dtau > 0.5 { (t_next - t) as f64 / 1000.0 / dtau } else { k };
            let v_end = kin.speed_at(t as f64 / 1000.0, t_next as f64 / 1000.0, s, s_to, None, s_to);
            t = t_next;
            s = s_to;
            wpi = next;
            if let Some(g) = wp.seg {
                let seg = w.track.segments[g];
                log.ev(t, Ev::Segment { lap: car.lap, seg: g, ms: seg_start.map(|a| t - a), pit_lane: false });
                seg_start = Some(t);
                if seg.sector_end {
                    let v = t - sector_start;
                    sectors[seg.sector] = (!(lap_from_garage && seg.sector == 0)).then_some(v);
                    log.ev(t, Ev::Sector { lap: car.lap, sector: seg.sector, ms: sector_sent.then_some(v) });
                    sector_start = t;
                    sector_sent = true;
                }
                if next == w.line_wp() {
                    // lap complete on track
                    let lap_ms = t - lap_start;
                    let sent_ms = if lap_from_garage { car.last_line.map(|p| t - p) } else { Some(lap_ms) };
                    laps_on_set += 1;
                    log.ev(t, Ev::Line { lap: car.lap, lap_ms: sent_ms, fl_kph: (v_end * 3.6).round() as u32, in_pit: false });
                    log.ev(t + 380, Ev::StintLaps { index: stint, total_laps: laps_on_set });
                    log.laps.push(LapRec {
                        number: car.lap,
                        start_ms: lap_start,
                        end_ms: t,
                        lap_ms: (!lap_from_garage).then_some(lap_ms),
                        sectors_ms: sectors,
                        lap_time_sent: !lap_from_garage,
                        pit_in_ms: None,
                        pit_out_ms: pit_out.take(),
                        compound: run.compound,
                        stint: stint + 1,
                        tyre_life: laps_on_set,
                        deleted,
                    });
                    if !lap_from_garage && matches!(lk, LapKind::Push | LapKind::Long) {
                        if deleted {
                            let best = car.timed.iter().filter(|x| x.0 == part).map(|x| x.2).min();
                            log.ev(t + 24_000, Ev::LapDeleted { lap: car.lap, lap_ms, best_ms: best });
                            let (h, m, sec) = calendar::local_hms(kind, t);
                            let mut msg = Rcm::other(
                                t + 24_500,
                                None,
                                format!(
                                    "CAR {} ({}) TIME {} DELETED - TRACK LIMITS AT TURN {} LAP {} {:02}:{:02}:{:02}",
                                    d.number,
                                    d.tla,
                                    crate::format::lap_time(lap_ms),
                                    rng.int(2, 14),
                                    car.lap,
                                    h,
                                    m,
                                    sec
                                ),
                            );
                            msg.racing_number = None;
                            out.rcm.push(msg);
                        } else {
                            car.timed.push((part, car.lap, lap_ms));
                        }
                    }
                    car.last_line = Some(t);
                    car.lap += 1;
                    lap_start = t;
                    lap_from_garage = false;
                    sectors = [None; 3];
                    break;
                }
            }
            if wp.pit_entry && lk == LapKind::In {
                // into the pits; the line in the lane ends the in-lap
                car.stops += 1;
                log.ev(t, Ev::PitEntry { stops: car.stops });
                let din = drive_in(&w.track, t as f64 / 1000.0, v_end, box_p);
                log.legs.extend(din.legs.iter().cloned());
                let tl = ms(din.t_line);
                let g_line = w.track.segments.len() - 1;
                log.ev(tl, Ev::Segment { lap: car.lap, seg: g_line, ms: None, pit_lane: true });
                let v = tl - sector_start;
                sectors[2] = Some(v);
                log.ev(tl, Ev::Sector { lap: car.lap, sector: 2, ms: sector_sent.then_some(v) });
                let lap_ms = tl - lap_start;
                laps_on_set += 1;
                log.ev(
                    tl,
                    Ev::Line {
                        lap: car.lap,
                        lap_ms: if lap_from_garage { car.last_line.map(|p| tl - p) } else { Some(lap_ms) },
                        fl_kph: 80,
                        in_pit: true,
                    },
                );
                log.ev(tl + 380, Ev::StintLaps { index: stint, total_laps: laps_on_set });
                log.laps.push(LapRec {
                    number: car.lap,
                    start_ms: lap_start,
                    end_ms: tl,
                    lap_ms: (!lap_from_garage).then_some(lap_ms),
                    sectors_ms: sectors,
                    lap_time_sent: !lap_from_garage,
                    pit_in_ms: Some(t),
                    pit_out_ms: pit_out.take(),
                    compound: run.compound,
                    stint: stint + 1,
                    tyre_life: laps_on_set,
                    deleted: false,
                });
                car.last_line = Some(tl);
                car.lap += 1;
                log.legs.push(Leg::Hold { t0: din.t_box, t1: din.t_box + 4.0, at: Place::Pit { p: box_p } });
                car.garage_since = din.t_box + 4.0;
                return;
            }
        }
    }
}
