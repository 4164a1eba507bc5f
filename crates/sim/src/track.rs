//! A procedural closed circuit: centreline, elevation, sectors and mini-sectors, speed traps, DRS
//! zones, a pit lane along the main straight, and grid slots.
//!
//! The circuit is a centripetal Catmull-Rom spline through control points that are star-shaped
//! around a centre above the main straight, so the curve is simple (no self-intersection) by
//! construction; a separation check rejects the rare shape whose distant parts come too close.
//! The main straight lies on the x axis and runs in +x; the timing line is at x = 0, so track
//! distance `s` equals `x` just after the line. The pit lane runs parallel to the straight, 16 m
//! outside it, and its boxes come after the timing line (a layout FastF1 handles explicitly).

use crate::profile::SpeedProfile;
use crate::rng::Rng;

/// Spacing of the resampled centreline, metres.
const DS_TARGET: f64 = 2.0;
/// Lateral distance between the main straight and the pit lane, metres.
const PIT_OFFSET_M: f64 = 16.0;
/// Length of the pit entry and exit roads (the S-bends between track and lane), metres.
const PIT_ROAD_M: f64 = 100.0;

/// One mini-sector end ("segment" in the feed): where it is and which sector it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentEnd {
    /// Track distance from the timing line, metres, in `(0, length]`.
    pub s: f64,
    /// Sector index 0..3.
    pub sector: usize,
    /// Segment index within its sector.
    pub index: usize,
    /// True for the last segment of a sector (the sector time is taken here).
    pub sector_end: bool,
}

/// A DRS zone: open between `start` and `end`; eligibility is judged at the mini-sector end
/// `detection_boundary` (an index into [`Track::segments`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrsZone {
    /// Activation point, track metres.
    pub start: f64,
    /// End of the zone (braking point), track metres (may exceed the lap length when the zone
    /// spans the line).
    pub end: f64,
    /// Mini-sector end where the one-second rule is applied.
    pub detection_boundary: usize,
}

/// The pit lane: its own polyline from the branch point on the track to the merge point.
#[derive(Debug, Clone)]
pub struct PitLane {
    /// Points along the lane, metres.
    pub x: Vec<f64>,
    /// Points along the lane, metres.
    pub y: Vec<f64>,
    /// Cumulative arc length at each point, metres.
    pub p: Vec<f64>,
    /// Track distance where the lane leaves the track (before the line).
    pub entry_s: f64,
    /// Track distance where the lane rejoins the track (after the line).
    pub exit_s: f64,
    /// Lane distance of the timing line.
    pub line_p: f64,
    /// Lane distance where the 80 km/h limit starts.
    pub limit_start_p: f64,
    /// Lane distance where the limit ends (the pit exit line: `InPit` becomes false here).
    pub limit_end_p: f64,
    /// Lane distance of each team's box, by team index.
    pub box_p: Vec<f64>,
}

impl PitLane {
    /// Total lane length, metres.
    pub fn length(&self) -> f64 {
        *self.p.last().unwrap_or(&0.0)
    }

    /// World position (metres) at lane distance `p`.
    pub fn point(&self, p: f64) -> (f64, f64) {
        let p = p.clamp(0.0, self.length());
        let i = match self.p.binary_search_by(|v| v.total_cmp(&p)) {
            Ok(i) => i.min(self.p.len() - 2),
            Err(i) => i.saturating_sub(1).min(self.p.len() - 2),
        };
        let span = self.p[i + 1] - self.p[i];
        let f = if span > 0.0 { (p - self.p[i]) / span } else { 0.0 };
        (self.x[i] + f * (self.x[i + 1] - self.x[i]), self.y[i] + f * (self.y[i + 1] - self.y[i]))
    }
}

/// The circuit and its reference speed profile.
#[derive(Debug, Clone)]
pub struct Track {
    /// Lap length, metres.
    pub length: f64,
    /// Centreline spacing, metres (`length / x.len()`).
    pub ds: f64,
    /// Centreline x, metres; index 0 is the timing line.
    pub x: Vec<f64>,
    /// Centreline y, metres.
    pub y: Vec<f64>,
    /// Elevation, metres above sea level.
    pub z: Vec<f64>,
    /// Signed curvature, 1/m (positive = left-hander).
    pub curvature: Vec<f64>,
    /// Mini-sector ends in lap order; the last one is the timing line (`s == length`).
    pub segments: Vec<SegmentEnd>,
    /// Segments per sector, as the feed lists them.
    pub segments_per_sector: [usize; 3],
    /// Intermediate 1 speed trap, track metres.
    pub trap_i1: f64,
    /// Intermediate 2 speed trap, track metres.
    pub trap_i2: f64,
    /// Speed trap on the fastest straight, track metres.
    pub trap_st: f64,
    /// The two DRS zones.
    pub drs: Vec<DrsZone>,
    /// Pit lane geometry.
    pub pit: PitLane,
    /// Grid slots: (track metres, lateral offset metres), pole first.
    pub grid: Vec<(f64, f64)>,
    /// The flying-lap speed profile at reference pace.
    pub profile: SpeedProfile,
}

impl Track {
    /// Generates a circuit from `rng`. Always succeeds: after a bounded number of rejected shapes
    /// it falls back to a mild, known-good shape.
    pub fn generate(rng: &mut Rng, grid_slots: usize) -> Track {
        for attempt in 0..200 {
            let mild = attempt >= 150;
            if let Some(t) = Self::try_generate(rng, grid_slots, mild) {
                return t;
            }
        }
        // Unreachable in practice: the mild shapes always pass. Keep a deterministic answer.
        let mut r = Rng::new(1);
        Self::try_generate(&mut r, grid_slots, true).expect("mild circuit shape")
    }

    fn try_generate(rng: &mut Rng, grid_slots: usize, mild: bool) -> Option<Track> {
        // ---- control points ------------------------------------------------------------
        let mut ctrl: Vec<(f64, f64)> = Vec::new();
        let straight_lo = -800.0;
        let straight_hi = 700.0;
        let mut x = straight_lo;
        while x <= straight_hi + 1e-9 {
            ctrl.push((x, 0.0));
            x += 150.0;
        }
        let rc = rng.range(650.0, 900.0);
        let theta_a = (-rc).atan2(straight_hi + 150.0);
        let theta_b = (-rc).atan2(straight_lo - 150.0) + std::f64::consts::TAU;
        let n_other = rng.int(11, 15) as usize;
        let r_base = rng.range(850.0, 1100.0);
        let (r_lo, r_hi) = if mild { (0.8, 1.0) } else { (0.42, 1.05) };
        // squash or stretch the loop away from the straight, for variety of shapes
        let aspect = if mild { 1.0 } else { rng.range(0.6, 1.2) };
        for k in 0..n_other {
            let f = (k as f64 + 0.5 + rng.range(-0.25, 0.25)) / n_other as f64;
            let th = theta_a + f * (theta_b - theta_a);
            let r = r_base * rng.range(r_lo, r_hi);
            let px = r * th.cos();
            let py = aspect * (rc + r * th.sin());
            // keep the loop clear of the pit lane and the straight
            if py < 90.0 && px > straight_lo - 100.0 && px < straight_hi + 100.0 {
                return None;
            }
            ctrl.push((px, py));
        }

        // ---- spline, resample -------------------------------------------------------------
        let dense = catmull_rom_closed(&ctrl, 48);
        let mut cum = vec![0.0; dense.len() + 1];
        for i in 0..dense.len() {
            let (a, b) = (dense[i], dense[(i + 1) % dense.len()]);
            cum[i + 1] = cum[i] + ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        }
        let raw_len = cum[dense.len()];
        // scale so the lap is 4-6 km
        let target = rng.range(4300.0, 5700.0);
        let scale = target / raw_len;
        if !(0.7..=1.45).contains(&scale) {
            return None;
        }
        let length = raw_len * scale;
        let n = (length / DS_TARGET).round() as usize;
        let ds = length / n as f64;
        // find the timing line (x == 0 on the straight, y == 0) in the unscaled dense curve
        let line_u = {
            // the straight runs from control point 0 at x=-800; x = 0 is on it
            let mut best = 0.0;
            for i in 0..dense.len() {
                let (a, b) = (dense[i], dense[(i + 1) % dense.len()]);
                if a.1.abs() < 1e-6 && b.1.abs() < 1e-6 && a.0 <= 0.0 && b.0 > 0.0 {
                    best = cum[i] + (0.0 - a.0);
                    break;
                }
            }
            best
        };
        let mut xs = Vec::with_capacity(n);
        let mut ys = Vec::with_capacity(n);
        let mut j = 0usize;
        for i in 0..n {
            let u = (line_u + i as f64 * ds / scale) % raw_len;
            // dense index with cum[j] <= u < cum[j+1]; u wraps once, so restart the scan then
            if u < cum[j] {
                j = 0;
            }
            while cum[j + 1] < u {
                j += 1;
            }
            let f = (u - cum[j]) / (cum[j + 1] - cum[j]).max(1e-12);
            let (a, b) = (dense[j], dense[(j + 1) % dense.len()]);
            xs.push((a.0 + f * (b.0 - a.0)) * scale);
            ys.push((a.1 + f * (b.1 - a.1)) * scale);
        }

        // ---- separation check -------------------------------------------------------------
        let step = (20.0 / ds).round().max(1.0) as usize;
        let idx: Vec<usize> = (0..n).step_by(step).collect();
        for (ai, &a) in idx.iter().enumerate() {
            for &b in &idx[ai + 1..] {
                let along = ((b - a) as f64 * ds).min(length - (b - a) as f64 * ds);
                if along < 400.0 {
                    continue;
                }
                let d2 = (xs[a] - xs[b]).powi(2) + (ys[a] - ys[b]).powi(2);
                if d2 < 70.0 * 70.0 {
                    return None;
                }
            }
        }

        // ---- elevation, curvature, profile -------------------------------------------------
        let z0 = rng.range(5.0, 700.0);
        let (a1, a2) = (rng.range(3.0, 9.0), rng.range(1.0, 4.0));
        let (p1, p2) = (rng.range(0.0, 6.3), rng.range(0.0, 6.3));
        let z: Vec<f64> = (0..n)
            .map(|i| {
                let u = std::f64::consts::TAU * i as f64 / n as f64;
                z0 + a1 * (u + p1).sin() + a2 * (2.0 * u + p2).sin()
            })
            .collect();
        let curvature = curvature_of(&xs, &ys, ds);
        let profile = SpeedProfile::reference(&curvature, ds);

        // too easy or too hard a lap is implausible
        let lap = profile.lap_time();
        if !(68.0..=110.0).contains(&lap) {
            return None;
        }
        let vmin = profile.v.iter().cloned().fold(f64::MAX, f64::min);
        if vmin * 3.6 < 55.0 && !mild {
            return None;
        }

        // ---- sectors and mini-sectors ------------------------------------------------------
        let s1 = length * rng.range(0.30, 0.36);
        let s2 = length * rng.range(0.63, 0.69);
        let sector_ends = [s1, s2, length];
        let segments_per_sector = [rng.int(7, 9) as usize, rng.int(7, 9) as usize, rng.int(5, 7) as usize];
        let mut segments = Vec::new();
        let mut start = 0.0;
        for (k, &end) in sector_ends.iter().enumerate() {
            let m = segments_per_sector[k];
            for i in 0..m {
                let s = if i + 1 == m { end } else { start + (end - start) * (i + 1) as f64 / m as f64 };
                segments.push(SegmentEnd { s, sector: k, index: i, sector_end: i + 1 == m });
            }
            start = end;
        }

        // ---- speed traps: fastest point in the middle of each of sectors 1 and 2, and overall
        let fastest_in = |lo: f64, hi: f64| -> f64 {
            let (a, b) = ((lo / ds) as usize, ((hi / ds) as usize).min(n - 1));
            let mut best = a;
            for i in a..=b {
                if profile.v[i] > profile.v[best] {
                    best = i;
                }
            }
            best as f64 * ds
        };
        let trap_st = fastest_in(0.0, length - ds);
        // intermediates: fastest point of each sector's middle, away from the speed trap
        let fastest_away = |lo: f64, hi: f64| -> f64 {
            let (a, b) = ((lo / ds) as usize, ((hi / ds) as usize).min(n - 1));
            let mut best: Option<usize> = None;
            for i in a..=b {
                let s = i as f64 * ds;
                let d = (s - trap_st).abs().min(length - (s - trap_st).abs());
                if d > 250.0 && best.is_none_or(|j| profile.v[i] > profile.v[j]) {
                    best = Some(i);
                }
            }
            best.map(|i| i as f64 * ds).unwrap_or((lo + hi) / 2.0)
        };
        let trap_i1 = fastest_away(s1 * 0.15, s1 * 0.85);
        let trap_i2 = fastest_away(s1 + (s2 - s1) * 0.15, s1 + (s2 - s1) * 0.85);

        // ---- DRS zones: the two longest full-throttle stretches --------------------------------
        let drs = drs_zones(&profile, &curvature, ds, &segments, length);
        if drs.len() < 2 {
            return None;
        }

        // ---- pit lane ----------------------------------------------------------------------
        // the straight (exactly y == 0) spans x in [-650, 550] unscaled, at least
        // [-455, 385] m; the lane (about 700 m, 450 m of it limited) fits inside
        let x_e = -330.0;
        let x_x = 360.0;
        let pit = pit_lane(x_e, x_x, length);
        if pit.limit_end_p < pit.line_p + 180.0 || x_x > 550.0 * scale - 20.0 {
            return None;
        }

        // ---- grid: after the line, before the pit exit merge ---------------------------------
        let pole = (8.0 * grid_slots as f64 + 10.0).min(x_x - 60.0);
        let grid: Vec<(f64, f64)> = (0..grid_slots)
            .map(|i| {
                let side = if i % 2 == 0 { 2.2 } else { -2.2 };
                ((pole - 8.0 * i as f64).max(4.0), side)
            })
            .collect();

        Some(Track {
            length,
            ds,
            x: xs,
            y: ys,
            z,
            curvature,
            segments,
            segments_per_sector,
            trap_i1,
            trap_i2,
            trap_st,
            drs,
            pit,
            grid,
            profile,
        })
    }

    /// Sector end distances (the third is the lap length).
    pub fn sector_ends(&self) -> [f64; 3] {
        let mut out = [0.0; 3];
        for seg in &self.segments {
            if seg.sector_end {
                out[seg.sector] = seg.s;
            }
        }
        out
    }

    /// World position (metres) at track distance `s` (any lap), shifted `lateral` metres to the
    /// left of the direction of travel.
    pub fn point(&self, s: f64, lateral: f64) -> (f64, f64, f64) {
        let n = self.x.len();
        let u = s.rem_euclid(self.length) / self.ds;
        let i = (u.floor() as usize).min(n - 1);
        let f = u - i as f64;
        let j = (i + 1) % n;
        let x = self.x[i] + f * (self.x[j] - self.x[i]);
        let y = self.y[i] + f * (self.y[j] - self.y[i]);
        let z = self.z[i] + f * (self.z[j] - self.z[i]);
        if lateral == 0.0 {
            return (x, y, z);
        }
        let (tx, ty) = (self.x[j] - self.x[i], self.y[j] - self.y[i]);
        let norm = (tx * tx + ty * ty).sqrt().max(1e-9);
        (x - lateral * ty / norm, y + lateral * tx / norm, z)
    }

    /// Elevation along the pit lane: the straight's elevation at the same x.
    pub fn pit_z(&self, x: f64) -> f64 {
        let s = if x >= 0.0 { x } else { self.length + x };
        self.point(s, 0.0).2
    }

    /// True if track distance `s` (any lap) lies in DRS zone `zone`.
    pub fn in_drs_zone(&self, zone: usize, s: f64) -> bool {
        let z = &self.drs[zone];
        let s = s.rem_euclid(self.length);
        (s >= z.start && s < z.end) || (z.end > self.length && s < z.end - self.length)
    }
}

/// Closed centripetal Catmull-Rom spline through `pts`, `per_span` samples per span.
fn catmull_rom_closed(pts: &[(f64, f64)], per_span: usize) -> Vec<(f64, f64)> {
    let n = pts.len();
    let mut out = Vec::with_capacity(n * per_span);
    let knot = |a: (f64, f64), b: (f64, f64)| -> f64 { (((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt()).sqrt().max(1e-6) };
    for i in 0..n {
        let p0 = pts[(i + n - 1) % n];
        let p1 = pts[i];
        let p2 = pts[(i + 1) % n];
        let p3 = pts[(i + 2) % n];
        let t0 = 0.0;
        let t1 = t0 + knot(p0, p1);
        let t2 = t1 + knot(p1, p2);
        let t3 = t2 + knot(p2, p3);
        for k in 0..per_span {
            let t = t1 + (t2 - t1) * k as f64 / per_span as f64;
            let lerp = |a: (f64, f64), b: (f64, f64), ta: f64, tb: f64| -> (f64, f64) {
                let w = (t - ta) / (tb - ta);
                (a.0 + w * (b.0 - a.0), a.1 + w * (b.1 - a.1))
            };
            let a1 = lerp(p0, p1, t0, t1);
            let a2 = lerp(p1, p2, t1, t2);
            let a3 = lerp(p2, p3, t2, t3);
            let b1 = lerp(a1, a2, t0, t2);
            let b2 = lerp(a2, a3, t1, t3);
            out.push(lerp(b1, b2, t1, t2));
        }
    }
    out
}

/// Signed curvature from the circle through points `k` apart, then a moving average.
fn curvature_of(x: &[f64], y: &[f64], ds: f64) -> Vec<f64> {
    let n = x.len();
    let k = ((8.0 / ds).round() as usize).max(1);
    let raw: Vec<f64> = (0..n)
        .map(|i| {
            let a = (x[(i + n - k) % n], y[(i + n - k) % n]);
            let b = (x[i], y[i]);
            let c = (x[(i + k) % n], y[(i + k) % n]);
            let cross = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
            let ab = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let bc = ((c.0 - b.0).powi(2) + (c.1 - b.1).powi(2)).sqrt();
            let ca = ((a.0 - c.0).powi(2) + (a.1 - c.1).powi(2)).sqrt();
            let denom = ab * bc * ca;
            if denom < 1e-9 {
                0.0
            } else {
                2.0 * cross / denom
            }
        })
        .collect();
    let w = ((10.0 / ds).round() as usize).max(1);
    (0..n)
        .map(|i| {
            let mut acc = 0.0;
            for d in 0..=2 * w {
                acc += raw[(i + n + d - w) % n];
            }
            acc / (2 * w + 1) as f64
        })
        .collect()
}

fn drs_zones(profile: &SpeedProfile, curvature: &[f64], ds: f64, segments: &[SegmentEnd], length: f64) -> Vec<DrsZone> {
    let n = curvature.len();
    // "straight": nearly no curvature and not braking
    let straight: Vec<bool> = (0..n).map(|i| curvature[i].abs() < 1.0 / 600.0 && profile.accel[i] > -1.0).collect();
    // find runs on the closed loop, starting from a non-straight point
    let Some(start) = (0..n).find(|&i| !straight[i]) else {
        return Vec::new();
    };
    let mut runs: Vec<(usize, usize)> = Vec::new(); // (first index, length)
    let mut i = 0;
    while i < n {
        let idx = (start + i) % n;
        if straight[idx] {
            let first = idx;
            let mut len = 0;
            while i < n && straight[(start + i) % n] {
                len += 1;
                i += 1;
            }
            runs.push((first, len));
        } else {
            i += 1;
        }
    }
    runs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut zones = Vec::new();
    for &(first, len) in runs.iter().take(2) {
        let run_m = len as f64 * ds;
        if run_m < 350.0 {
            continue;
        }
        let zs = first as f64 * ds + 70.0;
        let ze = first as f64 * ds + run_m - 20.0;
        // detection: the last mini-sector end at least 50 m before activation
        let target = (zs - 50.0).rem_euclid(length);
        let mut det = segments.len() - 1;
        for (k, seg) in segments.iter().enumerate() {
            if seg.s <= target {
                det = k;
            }
        }
        let zs = zs.rem_euclid(length);
        let ze = if ze.rem_euclid(length) < zs { ze.rem_euclid(length) + length } else { ze.rem_euclid(length) };
        zones.push(DrsZone { start: zs, end: ze, detection_boundary: det });
    }
    zones.sort_by(|a, b| a.start.total_cmp(&b.start));
    zones
}

fn smoothstep(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn pit_lane(x_e: f64, x_x: f64, _length: f64) -> PitLane {
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut xx = x_e;
    while xx <= x_x + 1e-9 {
        let yy = if xx < x_e + PIT_ROAD_M {
            -PIT_OFFSET_M * smoothstep((xx - x_e) / PIT_ROAD_M)
        } else if xx > x_x - PIT_ROAD_M {
            -PIT_OFFSET_M * (1.0 - smoothstep((xx - (x_x - PIT_ROAD_M)) / PIT_ROAD_M))
        } else {
            -PIT_OFFSET_M
        };
        x.push(xx);
        y.push(yy);
        xx += 1.0;
    }
    let mut p = vec![0.0; x.len()];
    for i in 1..x.len() {
        p[i] = p[i - 1] + ((x[i] - x[i - 1]).powi(2) + (y[i] - y[i - 1]).powi(2)).sqrt();
    }
    let p_at_x = |target: f64| -> f64 {
        let i = ((target - x_e).round().max(0.0) as usize).min(p.len() - 1);
        p[i]
    };
    let limit_start_p = p_at_x(x_e + PIT_ROAD_M + 20.0);
    let limit_end_p = p_at_x(x_x - PIT_ROAD_M - 20.0);
    let line_p = p_at_x(0.0);
    let first_box = line_p + 35.0;
    let last_box = limit_end_p - 45.0;
    let box_p = (0..10).map(|k| first_box + (last_box - first_box) * k as f64 / 9.0).collect();
    PitLane { x, y, p, entry_s: _length + x_e, exit_s: x_x, line_p, limit_start_p, limit_end_p, box_p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tracks_are_plausible_for_many_seeds() {
        for seed in 0..12 {
            let mut rng = Rng::new(seed);
            let t = Track::generate(&mut rng, 20);
            assert!((4000.0..=6000.0).contains(&t.length), "seed {seed}: {}", t.length);
            let lap = t.profile.lap_time();
            assert!((68.0..=110.0).contains(&lap), "seed {seed}: lap {lap}");
            assert_eq!(t.drs.len(), 2);
            assert_eq!(t.segments.last().map(|s| s.s), Some(t.length));
            assert!(t.pit.entry_s > t.length - 800.0 && t.pit.exit_s < 800.0);
            assert!(t.grid.iter().all(|g| g.0 > 0.0 && g.0 < t.pit.exit_s));
            let vmax = t.profile.v.iter().cloned().fold(0.0, f64::max) * 3.6;
            assert!((280.0..=350.0).contains(&vmax), "seed {seed}: vmax {vmax}");
        }
    }

    #[test]
    fn timing_line_is_on_the_straight_at_origin() {
        let mut rng = Rng::new(3);
        let t = Track::generate(&mut rng, 20);
        let (x, y, _) = t.point(0.0, 0.0);
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6);
        let (x, y, _) = t.point(100.0, 0.0);
        assert!((x - 100.0).abs() < 1e-3 && y.abs() < 1e-6);
    }
}
