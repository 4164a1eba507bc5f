//! Driving the pit lane: in from the track to a box, and out from a box back onto the track.
//!
//! The lane has an entry road (braking from track speed to the limit), the speed-limited lane
//! (80 km/h) with the timing line and then the boxes, and an exit road (accelerating to track
//! speed). `InPit` turns true at the entry, false at the end of the limit (the pit exit line).

use crate::motion::{time_to_cover, Leg, PathKind};
use crate::track::Track;

/// The pit lane speed limit, m/s (80 km/h).
pub const V_LIMIT: f64 = 80.0 / 3.6;
/// Braking into and launching out of the box, m/s².
const BOX_ACCEL: f64 = 8.0;

/// The legs and key instants of a drive from the pit entry to a box.
#[derive(Debug, Clone)]
pub struct DriveIn {
    /// Legs from the entry to the stop at the box.
    pub legs: Vec<Leg>,
    /// Time the car crosses the timing line in the lane, seconds.
    pub t_line: f64,
    /// Time the car stops at the box, seconds.
    pub t_box: f64,
}

/// The legs and key instants of a drive from a box back onto the track.
#[derive(Debug, Clone)]
pub struct DriveOut {
    /// Legs from the box to the merge point.
    pub legs: Vec<Leg>,
    /// Time the car crosses the pit exit line (end of the limit), seconds.
    pub t_exit: f64,
    /// Time the car reaches the merge point on track, seconds.
    pub t_merge: f64,
}

fn kin(legs: &mut Vec<Leg>, t0: f64, d0: f64, v0: f64, a: f64, d1: f64) -> f64 {
    let dt = time_to_cover(d1 - d0, v0, a);
    legs.push(Leg::Kin { t0, t1: t0 + dt, path: PathKind::Pit, d0, v0, a });
    t0 + dt
}

/// Enters the lane at time `t` (seconds) with speed `v_entry` and stops at lane distance
/// `box_p`.
pub fn drive_in(track: &Track, t: f64, v_entry: f64, box_p: f64) -> DriveIn {
    let pit = &track.pit;
    let mut legs = Vec::new();
    let v_e = v_entry.max(V_LIMIT);
    let a_entry = (V_LIMIT * V_LIMIT - v_e * v_e) / (2.0 * pit.limit_start_p);
    let mut tt = kin(&mut legs, t, 0.0, v_e, a_entry, pit.limit_start_p);
    let brake_d = V_LIMIT * V_LIMIT / (2.0 * BOX_ACCEL);
    let brake_at = box_p - brake_d;
    let t_line = tt + (pit.line_p - pit.limit_start_p) / V_LIMIT;
    tt = kin(&mut legs, tt, pit.limit_start_p, V_LIMIT, 0.0, brake_at);
    tt = kin(&mut legs, tt, brake_at, V_LIMIT, -BOX_ACCEL, box_p - 1e-9);
    DriveIn { legs, t_line, t_box: tt }
}

/// Leaves the box at lane distance `box_p` at time `t` and merges at speed `v_merge`.
pub fn drive_out(track: &Track, t: f64, box_p: f64, v_merge: f64) -> DriveOut {
    let pit = &track.pit;
    let mut legs = Vec::new();
    let launch_d = V_LIMIT * V_LIMIT / (2.0 * BOX_ACCEL);
    let mut tt = kin(&mut legs, t, box_p, 0.0, BOX_ACCEL, box_p + launch_d);
    tt = kin(&mut legs, tt, box_p + launch_d, V_LIMIT, 0.0, pit.limit_end_p);
    let t_exit = tt;
    let road = pit.length() - pit.limit_end_p;
    let v_m = v_merge.max(V_LIMIT);
    let a = (v_m * v_m - V_LIMIT * V_LIMIT) / (2.0 * road);
    tt = kin(&mut legs, tt, pit.limit_end_p, V_LIMIT, a, pit.length());
    DriveOut { legs, t_exit, t_merge: tt }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn pit_in_and_out_are_contiguous_and_ordered() {
        let track = Track::generate(&mut Rng::new(2), 20);
        let box_p = track.pit.box_p[3];
        let din = drive_in(&track, 100.0, 80.0, box_p);
        assert!(din.t_line > 100.0 && din.t_line < din.t_box);
        for w in din.legs.windows(2) {
            assert!((w[0].t1() - w[1].t0()).abs() < 1e-12);
        }
        let dout = drive_out(&track, din.t_box + 2.5, box_p, 70.0);
        assert!(dout.t_exit < dout.t_merge);
        // a stop costs well over ten seconds against driving the straight
        let straight = (track.length - track.pit.entry_s + track.pit.exit_s) / 80.0;
        assert!(dout.t_merge - 100.0 > straight + 10.0);
    }
}
