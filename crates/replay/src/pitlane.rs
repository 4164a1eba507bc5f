//! The pit lane as the cars drove it: every position any car reported while the official
//! timing had it in the pit lane (`InPit`, from the pit entry to the exit line, garage included),
//! placed along the lap by its projection onto the centreline and reduced to one point per
//! stretch (the median of the distinct positions there). One car's single stop, as before,
//! misses the garages and any part of the lane it drove at speed near the track.

use crate::geometry::Track;
use timing::Session;

/// Length of the stretch of lap that gives one pit lane point, metres.
const BIN_M: f32 = 8.0;
/// Distinct positions a stretch needs to give a point: fewer is a stray sample.
const MIN_SAMPLES: usize = 3;
/// Positions closer than this to the car's previous kept one are the same place (a car
/// standing in its box reports the same spot for minutes; it would outweigh the lane).
const SAME_PLACE_M: f32 = 0.5;

/// Every distinct position of every car while the timing had it in the pit lane.
pub fn in_pit_positions(s: &Session) -> Vec<[f32; 2]> {
    let mut out = Vec::new();
    for o in &s.official {
        let Some(tel) = s.telemetry_of(o.driver) else { continue };
        for (from, to) in in_pit_intervals(&o.in_pit) {
            let mut last: Option<[f32; 2]> = None;
            for i in tel.index_at(from)..tel.index_at(to) {
                let p = [tel.x_m[i], tel.y_m[i]];
                if !p[0].is_finite() || !p[1].is_finite() {
                    continue;
                }
                if last.is_none_or(|l| (l[0] - p[0]).hypot(l[1] - p[1]) > SAME_PLACE_M) {
                    out.push(p);
                    last = Some(p);
                }
            }
        }
    }
    out
}

/// The `[from, to)` session-ms intervals in which a step function of `InPit` is true; an
/// interval still open at the end runs to the end of time.
pub fn in_pit_intervals(changes: &[(i64, bool)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut open: Option<i64> = None;
    for &(t, v) in changes {
        match (open, v) {
            (None, true) => open = Some(t),
            (Some(a), false) => {
                out.push((a, t));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(a) = open {
        out.push((a, i64::MAX));
    }
    out
}

/// The pit lane polyline in the direction of travel, from the in-pit positions: empty when
/// there are too few (no positions, or no car ever in the pit lane).
pub fn pit_lane(track: &Track, positions: &[[f32; 2]]) -> Vec<[f32; 2]> {
    if positions.len() < MIN_SAMPLES || track.length_m <= 0.0 {
        return Vec::new();
    }
    let len = track.length_m;
    let mut hint = 0;
    let along: Vec<f32> = positions.iter().map(|&p| track.project(p, &mut hint).0).collect();
    // The lane's middle along the lap (a circular mean), so a lane across the finish line is
    // unwrapped into one run.
    let (sx, sy) = along.iter().fold((0.0f32, 0.0f32), |a, &d| {
        let ang = d / len * std::f32::consts::TAU;
        (a.0 + ang.cos(), a.1 + ang.sin())
    });
    let centre = sy.atan2(sx) / std::f32::consts::TAU * len;
    let mut placed: Vec<(f32, [f32; 2])> =
        along.iter().zip(positions).map(|(&d, &p)| ((d - centre + 1.5 * len).rem_euclid(len) - len / 2.0, p)).collect();
    placed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut lane = Vec::new();
    let mut i = 0;
    while i < placed.len() {
        let bin = (placed[i].0 / BIN_M).floor();
        let j = i + placed[i..].partition_point(|p| (p.0 / BIN_M).floor() <= bin);
        if j - i >= MIN_SAMPLES {
            lane.push(median_point(&placed[i..j]));
        }
        i = j;
    }
    lane
}

/// The componentwise median of the points of a stretch.
fn median_point(stretch: &[(f32, [f32; 2])]) -> [f32; 2] {
    let median = |k: usize| {
        let mut v: Vec<f32> = stretch.iter().map(|p| p.1[k]).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    [median(0), median(1)]
}

/// Distance from a point to a polyline, metres (infinite for an empty one).
pub fn distance_to(lane: &[[f32; 2]], p: [f32; 2]) -> f32 {
    if lane.len() == 1 {
        return (lane[0][0] - p[0]).hypot(lane[0][1] - p[1]);
    }
    lane.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (vx, vy) = (b[0] - a[0], b[1] - a[1]);
            let t = (((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) / (vx * vx + vy * vy).max(1e-6)).clamp(0.0, 1.0);
            (p[0] - a[0] - t * vx).hypot(p[1] - a[1] - t * vy)
        })
        .fold(f32::INFINITY, f32::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_pit_intervals_pair_entries_with_exits_and_keep_an_open_one() {
        let changes = [(10, true), (20, false), (25, false), (30, true), (35, true), (40, false), (50, true)];
        assert_eq!(in_pit_intervals(&changes), vec![(10, 20), (30, 40), (50, i64::MAX)]);
        assert!(in_pit_intervals(&[(5, false)]).is_empty());
    }

    #[test]
    fn distance_to_a_polyline_is_to_its_nearest_segment() {
        let lane = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]];
        assert!((distance_to(&lane, [5.0, 3.0]) - 3.0).abs() < 1e-5);
        assert!((distance_to(&lane, [12.0, 5.0]) - 2.0).abs() < 1e-5);
        assert_eq!(distance_to(&[], [0.0, 0.0]), f32::INFINITY);
    }
}
