//! Track geometry derived from the data: the centreline of a clean fast lap, the finish line,
//! sector boundaries, DRS zones, the pit lane ([`crate::pitlane`]) and a display orientation; and the projection of
//! a car's position onto the centreline, which gives its progress along the lap.

use timing::laps::Lap;
use timing::telemetry::DriverTelemetry;
use timing::Session;

/// Spacing of the resampled centreline, metres.
const STEP_M: f32 = 4.0;
/// A projection this close to the centreline is on the track.
const NEAR_M: f32 = 30.0;
/// Furthest a car on the pit lane or a run-off is from the centreline, metres: a local
/// nearest point within it is the car's place along the lap.
const LOCAL_M: f32 = 100.0;

/// The track as the replay knows it. Coordinates in metres, in the feed's frame.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// Centreline points, starting at the finish line, in the direction of travel, closed
    /// implicitly (the last point connects to the first).
    pub outline: Vec<[f32; 2]>,
    /// Distance from the finish line at each outline point, metres.
    pub cum_m: Vec<f32>,
    /// Length of the lap, metres.
    pub length_m: f32,
    /// Finish line point and unit direction of travel.
    pub finish: [f32; 4],
    /// Sector 1/2 and 2/3 boundary points.
    pub sectors: Vec<[f32; 2]>,
    /// DRS zones as outline index ranges.
    pub drs_zones: Vec<(usize, usize)>,
    /// Pit lane points, in the direction of travel.
    pub pit_lane: Vec<[f32; 2]>,
    /// Rotation that lays the track out landscape, degrees.
    pub rotation_deg: f32,
    /// Per outline segment: direction (to the next point), 1 / its squared length and its
    /// length, so a projection needs no division and one square root.
    segments: Vec<[f32; 4]>,
}

/// Rows of a driver's telemetry within `[from, to]` ms that have a position.
fn positions(tel: &DriverTelemetry, from: i64, to: i64) -> Vec<(i64, [f32; 2])> {
    let a = tel.index_at(from);
    let b = tel.index_at(to + 1);
    (a..b).filter(|&i| tel.x_m[i].is_finite() && tel.y_m[i].is_finite()).map(|i| (tel.t_ms[i], [tel.x_m[i], tel.y_m[i]])).collect()
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Catmull-Rom through `pts` (closed), sampled every `step` metres.
fn resample_closed(pts: &[[f32; 2]], step: f32) -> Vec<[f32; 2]> {
    let n = pts.len();
    let mut out = Vec::new();
    for i in 0..n {
        let p0 = pts[(i + n - 1) % n];
        let p1 = pts[i];
        let p2 = pts[(i + 1) % n];
        let p3 = pts[(i + 2) % n];
        let segs = (dist(p1, p2) / step).ceil().max(1.0) as usize;
        for k in 0..segs {
            let t = k as f32 / segs as f32;
            let (t2, t3) = (t * t, t * t * t);
            let c = |a: f32, b: f32, c: f32, d: f32| {
                0.5 * (2.0 * b + (-a + c) * t + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2 + (-a + 3.0 * b - 3.0 * c + d) * t3)
            };
            out.push([c(p0[0], p1[0], p2[0], p3[0]), c(p0[1], p1[1], p2[1], p3[1])]);
        }
    }
    out
}

impl Track {
    /// A track along a closed centreline (the first point on the finish line): distances along
    /// it and the segment table; the rest of the geometry is filled in by the caller.
    pub fn along(outline: Vec<[f32; 2]>) -> Track {
        let n = outline.len();
        let mut cum_m = Vec::with_capacity(n);
        let mut segments = Vec::with_capacity(n);
        let mut d = 0f32;
        for i in 0..n {
            let (a, b) = (outline[i], outline[(i + 1) % n]);
            cum_m.push(d);
            d += dist(a, b);
            let (vx, vy) = (b[0] - a[0], b[1] - a[1]);
            segments.push([vx, vy, 1.0 / (vx * vx + vy * vy).max(1e-6), dist(a, b)]);
        }
        Track { outline, cum_m, length_m: d, segments, ..Default::default() }
    }

    /// Derives the track from the session: the fastest lap with a complete position trace
    /// gives the centreline; `None` without position data.
    pub fn from_session(s: &Session) -> Option<Track> {
        let mut candidates: Vec<&Lap> = s
            .laps
            .iter()
            .filter(|l| {
                l.lap_time_ms.is_some()
                    && l.lap_start_ms.is_some()
                    && l.time_ms.is_some()
                    && l.pit_in_ms.is_none()
                    && l.pit_out_ms.is_none()
                    && !l.generated
            })
            .collect();
        candidates.sort_by_key(|l| (!l.is_accurate, l.lap_time_ms));
        for lap in candidates.into_iter().take(20) {
            let Some(tel) = s.telemetry_of(lap.driver) else { continue };
            let (start, end) = (lap.lap_start_ms?, lap.time_ms?);
            let pts = positions(tel, start, end);
            // A usable trace: dense (no gap over 1.5 s) and closing on itself.
            if pts.len() < 50 || pts.windows(2).any(|w| w[1].0 - w[0].0 > 1_500) {
                continue;
            }
            if let Some(track) = Track::from_lap(s, tel, lap, &pts) {
                return Some(track);
            }
        }
        None
    }

    fn from_lap(s: &Session, tel: &DriverTelemetry, lap: &Lap, pts: &[(i64, [f32; 2])]) -> Option<Track> {
        let start = tel.xy_at(lap.lap_start_ms?);
        let mut raw: Vec<[f32; 2]> = Vec::with_capacity(pts.len() + 1);
        if start.0.is_finite() {
            raw.push([start.0, start.1]);
        }
        for p in pts {
            if raw.last().is_none_or(|l| dist(*l, p.1) > 0.5) {
                raw.push(p.1);
            }
        }
        // Drop the closing points that come back within a few metres of the start.
        while raw.len() > 3 && dist(raw[raw.len() - 1], raw[0]) < 2.0 {
            raw.pop();
        }
        let outline = resample_closed(&raw, STEP_M);
        if outline.len() < 100 {
            return None;
        }
        let dir = {
            let (a, b) = (outline[0], outline[2.min(outline.len() - 1)]);
            let l = dist(a, b).max(1e-3);
            [(b[0] - a[0]) / l, (b[1] - a[1]) / l]
        };
        let mut track = Track::along(outline);
        track.finish = [track.outline[0][0], track.outline[0][1], dir[0], dir[1]];
        track.sectors = lap.sector_session_ms[..2]
            .iter()
            .filter_map(|t| {
                let (x, y) = tel.xy_at((*t)?);
                x.is_finite().then_some([x, y])
            })
            .collect();
        track.rotation_deg = landscape_rotation(&track.outline);
        track.drs_zones = drs_zones(&track, tel);
        track.pit_lane = crate::pitlane::pit_lane(&track, &crate::pitlane::in_pit_positions(s));
        Some(track)
    }

    /// Projects a point onto the centreline: (distance from the finish line in metres,
    /// lateral distance in metres). `hint` is the segment found last time for this car, which
    /// makes the search local (and O(1) per frame) while the car keeps moving.
    pub fn project(&self, p: [f32; 2], hint: &mut usize) -> (f32, f32) {
        let n = self.outline.len();
        if n < 2 {
            return (0.0, f32::INFINITY);
        }
        // Between two telemetry rows (~8 per second) a car moves at most ~12 m, three segments:
        // windows of growing size around the last hit. A window's nearest point is kept when it is inside the window (a
        // local minimum along the line, not cut off by the window's ends) and no further than
        // a pit lane lies from the track, or when it is near the line; else the next window,
        // and at last the whole track (a jump in the data, the first fix).
        let mut best = None;
        for (back, count) in [(2, 10), (4, 24), (100, 300)] {
            let first = (*hint + n - back) % n;
            let last = (first + count - 1) % n;
            let found = self.best_segment(p, first, count.min(n));
            let inside = (found.0 != first || found.1 > 0.0) && (found.0 != last || found.1 < 1.0);
            if (inside && found.2 <= LOCAL_M) || (count > 10 && found.2 <= NEAR_M) {
                best = Some(found);
                break;
            }
        }
        let best = best.unwrap_or_else(|| self.best_segment(p, 0, n));
        let (i, t, d) = best;
        *hint = i;
        let along = self.cum_m[i] + t * self.segments[i][3];
        // Only the last segment's far end reaches the lap length: wrap it to the line.
        (if along >= self.length_m { along - self.length_m } else { along }, d)
    }

    /// The nearest of `count` segments from `from`: (segment, fraction along it, distance).
    fn best_segment(&self, p: [f32; 2], from: usize, count: usize) -> (usize, f32, f32) {
        let n = self.outline.len();
        let (from, count) = (from % n, count.min(n));
        // Squared distances in the loop; one square root for the winner.
        let mut best = (from, 0.0, f32::INFINITY);
        // A window that wraps past the last point is two runs of consecutive segments, each
        // walked as slices (no index wrapping or bounds check per segment).
        let first_run = count.min(n - from);
        for (start, len) in [(from, first_run), (0, count - first_run)] {
            let run = self.outline[start..start + len].iter().zip(&self.segments[start..start + len]);
            for (j, (a, &[vx, vy, inv_len2, _])) in run.enumerate() {
                let t = (((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) * inv_len2).clamp(0.0, 1.0);
                let (dx, dy) = (p[0] - (a[0] + t * vx), p[1] - (a[1] + t * vy));
                let d2 = dx * dx + dy * dy;
                if d2 < best.2 {
                    best = (start + j, t, d2);
                }
            }
        }
        (best.0, best.1, best.2.sqrt())
    }

    /// Fraction of the lap (0..1) at a distance from the finish line.
    pub fn fraction(&self, along_m: f32) -> f32 {
        if self.length_m <= 0.0 {
            0.0
        } else {
            (along_m / self.length_m).clamp(0.0, 0.99999)
        }
    }

    /// The bounding box of outline and pit lane: [min x, min y, max x, max y].
    pub fn bbox(&self) -> [f32; 4] {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for p in self.outline.iter().chain(&self.pit_lane) {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        b
    }
}

/// The rotation (degrees) that turns the track's principal axis horizontal.
fn landscape_rotation(pts: &[[f32; 2]]) -> f32 {
    let n = pts.len() as f32;
    let (mx, my) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p[0] / n, a.1 + p[1] / n));
    let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
    for p in pts {
        let (dx, dy) = (p[0] - mx, p[1] - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    -angle.to_degrees()
}

/// DRS zones: stretches of the centreline where the reference driver had DRS open (≥ 10),
/// over the whole session. Empty when the channel is absent (2026 on).
fn drs_zones(track: &Track, tel: &DriverTelemetry) -> Vec<(usize, usize)> {
    let n = track.outline.len();
    let mut hits = vec![0u32; n];
    let mut hint = 0;
    for i in 0..tel.t_ms.len() {
        if tel.drs[i] >= 10 && tel.x_m[i].is_finite() {
            let (along, lateral) = track.project([tel.x_m[i], tel.y_m[i]], &mut hint);
            if lateral < 20.0 {
                let k = ((along / track.length_m) * n as f32) as usize;
                hits[k.min(n - 1)] += 1;
            }
        }
    }
    let mut zones = Vec::new();
    let mut i = 0;
    while i < n {
        if hits[i] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut gap = 0;
        while i < n && gap < 15 {
            if hits[i] > 0 {
                end = i;
                gap = 0;
            } else {
                gap += 1;
            }
            i += 1;
        }
        if (track.cum_m[end] - track.cum_m[start]) > 150.0 {
            zones.push((start, end));
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circle(r: f32, n: usize) -> Track {
        let outline: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                let a = i as f32 / n as f32 * std::f32::consts::TAU;
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        Track::along(outline)
    }

    #[test]
    fn projection_finds_distance_along_and_lateral_offset() {
        let t = circle(100.0, 400);
        let mut hint = 0;
        let (along, lateral) = t.project([0.0, 110.0], &mut hint);
        assert!((along - t.length_m / 4.0).abs() < 1.0, "{along}");
        assert!((lateral - 10.0).abs() < 0.1);
        let (along, _) = t.project([-100.0, 0.0], &mut hint);
        assert!((along - t.length_m / 2.0).abs() < 1.0);
    }
}
