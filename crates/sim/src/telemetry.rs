//! CarData.z and Position.z: every car sampled on a shared clock (about 240 ms and 220 ms),
//! several samples per line, each line compressed as the archive does.
//!
//! Each line's offset is its newest sample's time plus a transmission delay that is never
//! negative, and now and then exactly zero (to the millisecond), so FastF1's t0 rule
//! (the maximum over samples of `Date - line offset`) recovers the true t0.
//!
//! Work is split for speed: cars are sampled in parallel (one pass over each car's legs), then
//! lines are formatted and deflated in parallel; the output order is fixed, so bytes do not
//! depend on scheduling.

use rayon::prelude::*;

use crate::calendar::{self, SessionDate, TICKS_PER_MS};
use crate::format::{self, StreamFile};
use crate::log::{CarLog, SessionLog};
use crate::motion::{Leg, LegCursor};
use crate::rng::Rng;
use crate::world::World;

/// Upshift speeds (km/h) per gear, and the speed at the rev limit in each gear.
const UPSHIFT: [f64; 7] = [92.0, 128.0, 163.0, 198.0, 233.0, 263.0, 298.0];
const TOP: [f64; 8] = [100.0, 137.0, 173.0, 210.0, 246.0, 278.0, 315.0, 352.0];
const REV: f64 = 11_900.0;

/// A shared sample clock: sample instants (ticks since session time zero) grouped into lines,
/// with each line's offset (ms).
struct Clock {
    samples: Vec<i64>,
    lines: Vec<(usize, usize, i64)>,
}

fn clock(rng: &mut Rng, start_ms: i64, end_ms: i64, period_ms: f64, spread_ms: f64) -> Clock {
    let mut samples = Vec::new();
    let mut t = start_ms * TICKS_PER_MS + rng.int(0, 9_999);
    let end = end_ms * TICKS_PER_MS;
    while t < end {
        samples.push(t);
        let step = period_ms + rng.range(-spread_ms, spread_ms);
        t += (step * TICKS_PER_MS as f64) as i64 + rng.int(-500, 500);
    }
    let mut lines = Vec::new();
    let mut i = 0;
    while i < samples.len() {
        let n = (rng.int(3, 5) as usize).min(samples.len() - i);
        let newest = i + n - 1;
        let exact = rng.chance(0.04);
        let off = if exact {
            // zero delay: move the newest sample just below a millisecond boundary
            let ms = samples[newest] / TICKS_PER_MS;
            let floor = (samples[newest - usize::from(n > 1)] / TICKS_PER_MS + 1).max(ms);
            samples[newest] = floor * TICKS_PER_MS + TICKS_PER_MS - rng.int(1, 4_999);
            floor + 1
        } else {
            let ms = (samples[newest] + TICKS_PER_MS - 1) / TICKS_PER_MS;
            ms + rng.int(35, 380)
        };
        lines.push((i, i + n, off));
        i += n;
    }
    Clock { samples, lines }
}

/// One car's CarData channels at one sample.
#[derive(Debug, Clone, Copy, Default)]
struct CarSample {
    rpm: u16,
    speed: u16,
    gear: u8,
    throttle: u8,
    brake: u8,
    drs: u8,
}

/// One car's Position at one sample.
#[derive(Debug, Clone, Copy, Default)]
struct PosSample {
    off: bool,
    x: i32,
    y: i32,
    z: i32,
}

/// Fixed rotation and offset from track metres to the feed's decimetres.
#[derive(Debug, Clone, Copy)]
struct Frame {
    cos: f64,
    sin: f64,
    dx: f64,
    dy: f64,
}

impl Frame {
    fn apply(&self, x: f64, y: f64, z: f64) -> (i32, i32, i32) {
        let xr = self.cos * x - self.sin * y;
        let yr = self.sin * x + self.cos * y;
        ((xr * 10.0 + self.dx).round() as i32, (yr * 10.0 + self.dy).round() as i32, (z * 10.0).round() as i32)
    }
}

fn drs_value(log: &SessionLog, car: &CarLog, t: f64, moving_on_track: bool) -> u8 {
    // windows are few per lap; a binary search keeps this cheap
    let i = car.drs_open.partition_point(|w| w.1 <= t);
    if let Some(&(a, b)) = car.drs_open.get(i) {
        if a <= t && t < b {
            let open_for = t - a;
            return if open_for < 0.3 {
                10
            } else if open_for < 1.5 {
                12
            } else {
                14
            };
        }
    }
    if moving_on_track && log.drs_enabled_at((t * 1000.0) as i64) {
        8
    } else {
        0
    }
}

fn car_channels(w: &World, log: &SessionLog, car: &CarLog, times: &[i64], jitter_seed: u64) -> Vec<CarSample> {
    let kin = w.kin();
    let mut cur = LegCursor::new(&car.legs);
    let mut rng = Rng::new(jitter_seed);
    times
        .iter()
        .map(|&ticks| {
            let t = ticks as f64 / 1e7;
            let Some(leg) = cur.at(t) else {
                return CarSample::default();
            };
            let st = kin.sample(leg, t);
            if st.pos.is_none() || (st.off_track && st.speed < 0.1) {
                return CarSample::default();
            }
            let kph = st.speed * 3.6;
            if kph < 0.5 {
                return CarSample { rpm: (4_050 + rng.int(0, 150)) as u16, speed: 0, gear: 0, throttle: 0, brake: 0, drs: 0 };
            }
            let gear = UPSHIFT.iter().position(|&u| kph < u).unwrap_or(7);
            let rpm = (REV * kph / TOP[gear]).max(4_600.0) + rng.range(-40.0, 40.0);
            let (throttle, brake) = match leg {
                Leg::Kin { a, .. } => {
                    if *a > 0.3 {
                        (100.0, 0)
                    } else if *a < -3.0 {
                        (0.0, 100)
                    } else if *a < -0.3 {
                        (0.0, 0)
                    } else {
                        (22.0, 0)
                    }
                }
                _ => {
                    if st.accel < -3.0 * st.effort * st.effort {
                        (0.0, 100)
                    } else if st.accel > 0.4 {
                        (if st.effort > 0.93 { 100.0 } else { 100.0 * st.effort * st.effort }, 0)
                    } else {
                        ((30.0 + 45.0 * st.speed / 95.0) * st.effort.min(1.0), 0)
                    }
                }
            };
            let on_track = st.track_s.is_some() && matches!(leg, Leg::Track { .. });
            CarSample {
                rpm: rpm.round() as u16,
                speed: kph.round() as u16,
                gear: gear as u8 + 1,
                throttle: throttle.round().clamp(0.0, 100.0) as u8,
                brake,
                drs: drs_value(log, car, t, on_track),
            }
        })
        .collect()
}

fn car_positions(w: &World, car: &CarLog, times: &[i64], frame: Frame) -> Vec<PosSample> {
    let kin = w.kin();
    let mut cur = LegCursor::new(&car.legs);
    times
        .iter()
        .map(|&ticks| {
            let t = ticks as f64 / 1e7;
            let Some(leg) = cur.at(t) else {
                return PosSample::default();
            };
            let st = kin.sample(leg, t);
            match st.pos {
                None => PosSample::default(),
                Some((x, y, z)) => {
                    let (x, y, z) = frame.apply(x, y, z);
                    PosSample { off: st.off_track, x, y, z }
                }
            }
        })
        .collect()
}

/// CarData.z and Position.z file bytes.
pub(crate) fn write(w: &World, log: &SessionLog, cal: &SessionDate, seed: &Rng) -> (Vec<u8>, Vec<u8>) {
    let mut rng = seed.fork(50);
    let end = log.end_ms - 1_500;
    let car_clock = clock(&mut rng.fork(1), 30_160, end, 240.0, 75.0);
    let pos_clock = clock(&mut rng.fork(2), 29_870, end, 220.0, 90.0);
    let theta = rng.range(0.0, std::f64::consts::TAU);
    let frame = Frame { cos: theta.cos(), sin: theta.sin(), dx: rng.range(-2_000.0, 2_000.0), dy: rng.range(-2_000.0, 2_000.0) };
    let numbers: Vec<&str> = w.field.drivers.iter().map(|d| d.number.as_str()).collect();
    let seeds: Vec<u64> = (0..log.cars.len()).map(|c| rng.fork(100 + c as u64).next_u64()).collect();

    let (car_data, pos_data): (Vec<Vec<CarSample>>, Vec<Vec<PosSample>>) = log
        .cars
        .par_iter()
        .enumerate()
        .map(|(c, car)| (car_channels(w, log, car, &car_clock.samples, seeds[c]), car_positions(w, car, &pos_clock.samples, frame)))
        .unzip();

    let t0 = cal.t0_ticks;
    let car_lines: Vec<(i64, String)> = car_clock
        .lines
        .par_iter()
        .map(|&(a, b, off)| {
            let mut s = String::with_capacity((b - a) * numbers.len() * 80 + 32);
            s.push_str("{\"Entries\":[");
            for (k, &ticks) in car_clock.samples.iter().enumerate().take(b).skip(a) {
                if k > a {
                    s.push(',');
                }
                s.push_str("{\"Utc\":\"");
                s.push_str(&calendar::utc7(t0 + ticks));
                s.push_str("\",\"Cars\":{");
                for (c, num) in numbers.iter().enumerate() {
                    let x = car_data[c][k];
                    if c > 0 {
                        s.push(',');
                    }
                    s.push_str(&format!(
                        "\"{num}\":{{\"Channels\":{{\"0\":{},\"2\":{},\"3\":{},\"4\":{},\"5\":{},\"45\":{}}}}}",
                        x.rpm, x.speed, x.gear, x.throttle, x.brake, x.drs
                    ));
                }
                s.push_str("}}");
            }
            s.push_str("]}");
            (off, format::z_payload(&s))
        })
        .collect();
    let pos_lines: Vec<(i64, String)> = pos_clock
        .lines
        .par_iter()
        .map(|&(a, b, off)| {
            let mut s = String::with_capacity((b - a) * numbers.len() * 64 + 32);
            s.push_str("{\"Position\":[");
            for (k, &ticks) in pos_clock.samples.iter().enumerate().take(b).skip(a) {
                if k > a {
                    s.push(',');
                }
                s.push_str("{\"Timestamp\":\"");
                s.push_str(&calendar::utc7(t0 + ticks));
                s.push_str("\",\"Entries\":{");
                for (c, num) in numbers.iter().enumerate() {
                    let p = pos_data[c][k];
                    if c > 0 {
                        s.push(',');
                    }
                    let status = if p.off { "OffTrack" } else { "OnTrack" };
                    s.push_str(&format!("\"{num}\":{{\"Status\":\"{status}\",\"X\":{},\"Y\":{},\"Z\":{}}}", p.x, p.y, p.z));
                }
                s.push_str("}}");
            }
            s.push_str("]}");
            (off, format::z_payload(&s))
        })
        .collect();
    let mut car_file = StreamFile::new();
    for (off, line) in &car_lines {
        car_file.line(*off, line);
    }
    let mut pos_file = StreamFile::new();
    for (off, line) in &pos_lines {
        pos_file.line(*off, line);
    }
    (car_file.into_bytes(), pos_file.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_lines_never_precede_their_samples_and_some_are_exact() {
        let mut rng = Rng::new(9);
        let c = clock(&mut rng, 1_000, 600_000, 240.0, 75.0);
        let mut exact = 0;
        for &(a, b, off) in &c.lines {
            assert!(b > a);
            for k in a..b {
                assert!(c.samples[k] <= off * TICKS_PER_MS, "sample after its line");
            }
            let lag = off * TICKS_PER_MS - c.samples[b - 1];
            if lag < TICKS_PER_MS / 2 {
                exact += 1;
            }
        }
        assert!(exact > 0);
        assert!(c.samples.windows(2).all(|w| w[1] > w[0]));
    }
}
