//! Weather once a minute: slow drifts, and a passing shower that cools the track.

use crate::log::Weather;
use crate::rng::Rng;

/// Samples from 18.5 s to `end_ms`, with rain during `rain` (ms window) if given.
pub(crate) fn series(rng: &mut Rng, end_ms: i64, rain: Option<(i64, i64)>) -> Vec<Weather> {
    let mut out = Vec::new();
    let air0 = rng.range(21.0, 29.0);
    let track0 = air0 + rng.range(12.0, 22.0);
    let hum0 = rng.range(35.0, 60.0);
    let pres0 = rng.range(1003.0, 1018.0);
    let mut wind_dir = rng.range(0.0, 360.0);
    let mut t = 18_513;
    let mut i = 0;
    while t < end_ms {
        let hours = t as f64 / 3_600_000.0;
        // cooling after a shower: a drop that fades over ~25 min
        let (wet, cool) = match rain {
            Some((a, b)) => {
                let wet = t >= a && t < b;
                let since = (t - a) as f64 / 60_000.0;
                let cool = if t < a {
                    0.0
                } else if t < b {
                    7.0 * (since / 8.0).min(1.0)
                } else {
                    7.0 * (-(t - b) as f64 / 1_500_000.0).exp()
                };
                (wet, cool)
            }
            None => (false, 0.0),
        };
        wind_dir = (wind_dir + rng.normal(25.0)).rem_euclid(360.0);
        out.push(Weather {
            t: t + rng.int(-6, 12),
            air_temp: air0 + 0.6 * hours + rng.normal(0.08) - cool * 0.25,
            humidity: (hum0 + rng.normal(0.6) + if wet { 22.0 } else { cool * 2.0 }).min(99.0),
            pressure: pres0 - 0.3 * hours + rng.normal(0.05),
            rainfall: wet,
            track_temp: track0 + 1.5 * hours + rng.normal(0.2) - cool,
            wind_direction: wind_dir.round() as u32 % 360,
            wind_speed: (1.6 + rng.normal(0.7)).abs(),
        });
        i += 1;
        t = 18_513 + i * 60_000;
    }
    out
}
