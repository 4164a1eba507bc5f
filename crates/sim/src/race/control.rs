//! Race control: what happens to the whole race as the leader completes laps (lap count, DRS,
//! safety car laps, the VSC and the shower), and the car that stops on track and brings out the
//! safety car.

use super::{ms, RaceSim, OPEN_END, SC_LAPS};
use crate::log::{Ev, Rcm, Retirement};
use crate::motion::{Leg, PathKind, Place};

impl RaceSim<'_> {
    /// Race-wide bookkeeping when the leader completes lap `lap`.
    pub(super) fn leader_crossed(&mut self, t: i64, lap: u32) {
        let total = self.total_laps;
        if lap < total {
            self.out.lap_count.push((t + 40, lap + 1));
        }
        if lap == 2 && !self.sc_active(t) {
            self.drs(t + 1_900, lap + 1, true);
        }
        if self.sc.deploy.is_some() && self.sc.end.is_none() && self.sc.deploy.is_some_and(|d| d <= t) {
            self.sc.leader_laps += 1;
            if self.sc.leader_laps == SC_LAPS {
                let mut m = Rcm::other(t + 3_000, Some(lap + 1), "SAFETY CAR IN THIS LAP");
                m.category = "SafetyCar";
                m.status = Some("IN THIS LAP");
                m.mode = Some("SAFETY CAR");
                self.out.rcm.push(m);
            } else if self.sc.leader_laps > SC_LAPS {
                self.sc.end = Some(t);
                self.out.track_status.push((t + 600, 1, "AllClear"));
                self.out.rcm.push(Rcm::flag(t + 650, Some(lap + 1), "CLEAR", "TRACK CLEAR"));
                self.sc.drs_back_at_lap = Some(lap + 2);
            }
        }
        if self.sc.drs_back_at_lap == Some(lap) {
            self.drs(t + 1_900, lap + 1, true);
        }
        if self.vsc_lap == Some(lap) && !self.sc_active(t) {
            let a = t + 21_337;
            let b = a + 48_000;
            self.vsc = Some((a, b + 8_000));
            self.out.track_status.push((a - 2_000, 2, "Yellow"));
            let mut y = Rcm::other(a - 1_900, Some(lap + 1), "YELLOW IN TRACK SECTOR 3");
            y.category = "Flag";
            y.flag = Some("YELLOW");
            y.scope = Some("Sector");
            y.sector = Some(3);
            self.out.rcm.push(y);
            self.out.track_status.push((a, 6, "VSCDeployed"));
            let mut m = Rcm::other(a + 40, Some(lap + 1), "VIRTUAL SAFETY CAR DEPLOYED");
            m.category = "SafetyCar";
            m.status = Some("DEPLOYED");
            m.mode = Some("VIRTUAL SAFETY CAR");
            self.out.rcm.push(m);
            self.out.track_status.push((b, 7, "VSCEnding"));
            let mut m = Rcm::other(b + 30, Some(lap + 1), "VIRTUAL SAFETY CAR ENDING");
            m.category = "SafetyCar";
            m.status = Some("ENDING");
            m.mode = Some("VIRTUAL SAFETY CAR");
            self.out.rcm.push(m);
            self.out.track_status.push((b + 8_000, 1, "AllClear"));
            self.out.rcm.push(Rcm::flag(b + 8_050, Some(lap + 1), "CLEAR", "TRACK CLEAR"));
        }
        if self.rain_lap == Some(lap) {
            self.rain = Some((t + 5_000, t + 305_000));
            self.out.rcm.push(Rcm::other(t + 5_500, Some(lap + 1), "LIGHT RAIN IN TRACK SECTOR 2"));
        }
    }

    pub(super) fn drs(&mut self, t: i64, lap: u32, on: bool) {
        self.out.drs_enabled.push((t, on));
        let word = if on { "ENABLED" } else { "DISABLED" };
        let mut m = Rcm::other(t, Some(lap), format!("DRS {word}"));
        m.category = "Drs";
        m.status = Some(word);
        self.out.rcm.push(m);
    }

    /// The scripted retirement on track: the car brakes to a stop beside the circuit.
    pub(super) fn stop_on_track(&mut self, c: usize, t: i64) {
        let w = self.w;
        let next = (self.cars[c].s.rem_euclid(w.track.length)).max(0.0);
        let wpi = w.first_wp_after(next);
        let mut room = w.waypoints[wpi].s - next;
        if room <= 0.0 {
            room += w.track.length;
        }
        let v = self.cars[c].v_last.max(5.0);
        let a = (v * v / (2.0 * 0.8 * room)).max(7.0);
        let d = v * v / (2.0 * a);
        let t0 = t as f64 / 1000.0;
        let t1 = t0 + v / a;
        let s = self.cars[c].s;
        self.logs[c].legs.push(Leg::Kin { t0, t1, path: PathKind::Track, d0: s, v0: v, a: -a });
        self.logs[c].legs.push(Leg::Hold { t0: t1, t1: OPEN_END, at: Place::Track { s: s + d, lateral: 9.0, off: true } });
        let t_stop = ms(t1);
        let lap = self.cars[c].lap;
        self.logs[c].ev(t_stop, Ev::Stopped);
        self.logs[c].ev(t_stop + 31_000, Ev::Retired);
        self.logs[c].retirement = Some(Retirement { lap, t_ms: t_stop, in_pits: false });
        self.cars[c].done = true;
        let lap_now = self.laps_led + 1;
        let d = &w.field.drivers[c];
        // yellow, then the safety car
        self.out.track_status.push((t + 1_500, 2, "Yellow"));
        let mut y = Rcm::other(t + 1_550, Some(lap_now), "YELLOW IN TRACK SECTOR 2");
        y.category = "Flag";
        y.flag = Some("YELLOW");
        y.scope = Some("Sector");
        y.sector = Some(2);
        self.out.rcm.push(y);
        self.out.rcm.push(Rcm::other(t_stop + 4_000, Some(lap_now), format!("CAR {} ({}) STOPPED ON TRACK IN SECTOR 2", d.number, d.tla)));
        if self.sc.deploy.is_none() && self.laps_led + 4 < self.total_laps {
            let t_sc = t_stop + 9_000;
            self.sc.deploy = Some(t_sc);
            self.out.track_status.push((t_sc, 4, "SCDeployed"));
            let mut m = Rcm::other(t_sc + 30, Some(lap_now), "SAFETY CAR DEPLOYED");
            m.category = "SafetyCar";
            m.status = Some("DEPLOYED");
            m.mode = Some("SAFETY CAR");
            self.out.rcm.push(m);
            self.drs(t_sc + 200, lap_now, false);
            // cheap stops: cars due within a dozen laps come in now
            for car in self.cars.iter_mut().filter(|x| !x.done) {
                if let Some(first) = car.plan.first_mut() {
                    if first.0 <= car.lap + 12 {
                        first.0 = car.lap;
                    }
                }
            }
        }
    }
}
