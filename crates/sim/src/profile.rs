//! Speed along the lap: the reference flying-lap profile derived from curvature, and the
//! standing-start profile from a grid slot.
//!
//! The reference profile is the classic lap-time-simulation shape: a cornering limit from
//! curvature (with aerodynamic grip growing with speed), then a forward pass limited by traction
//! and power, then a backward pass limited by braking. Every car's motion on track is this profile
//! stretched in time (see [`crate::motion`]), so speed, throttle and brake stay consistent with the
//! corner the car is in.

/// Gravity, m/s².
const G: f64 = 9.81;
/// Lateral grip: `G * (MU0 + AERO * v^2)`.
const MU0: f64 = 1.9;
const AERO: f64 = 0.00052;
/// Power-to-mass (W/kg) and the drag term that gives ~342 km/h top speed.
const POWER_PER_KG: f64 = 950.0;
const V_TOP: f64 = 95.0;
/// Traction limit at low speed, m/s².
const TRACTION: f64 = 10.5;
/// Braking: `G * (BRAKE0 + BRAKE_AERO * v^2)`.
const BRAKE0: f64 = 1.7;
const BRAKE_AERO: f64 = 0.00052;

/// Forward acceleration available at speed `v` (m/s).
pub fn accel_limit(v: f64) -> f64 {
    let drag = POWER_PER_KG / (V_TOP * V_TOP * V_TOP);
    (POWER_PER_KG / v.max(1.0)).min(TRACTION) - drag * v * v
}

/// Braking deceleration available at speed `v` (m/s), positive.
pub fn brake_limit(v: f64) -> f64 {
    G * (BRAKE0 + BRAKE_AERO * v * v)
}

fn corner_limit(kappa: f64) -> f64 {
    let k = kappa.abs() - G * AERO;
    if k <= 1e-9 {
        V_TOP
    } else {
        (G * MU0 / k).sqrt().min(V_TOP)
    }
}

/// Speed, acceleration and elapsed time along one lap at reference pace.
#[derive(Debug, Clone)]
pub struct SpeedProfile {
    /// Point spacing, metres.
    pub ds: f64,
    /// Speed at each point, m/s.
    pub v: Vec<f64>,
    /// Longitudinal acceleration from each point to the next, m/s².
    pub accel: Vec<f64>,
    /// Time from the line to each point, seconds; `n + 1` entries, the last is the lap time.
    pub tau: Vec<f64>,
}

impl SpeedProfile {
    /// The flying-lap profile for a closed loop with the given curvature samples.
    pub fn reference(curvature: &[f64], ds: f64) -> SpeedProfile {
        let n = curvature.len();
        let vc: Vec<f64> = curvature.iter().map(|&k| corner_limit(k)).collect();
        let mut v = vc.clone();
        let i0 = (0..n).fold(0, |b, i| if vc[i] < vc[b] { i } else { b });
        for _ in 0..2 {
            for step in 0..n {
                let i = (i0 + step) % n;
                let j = (i + 1) % n;
                let lim = (v[i] * v[i] + 2.0 * accel_limit(v[i]) * ds).sqrt();
                v[j] = v[j].min(lim);
            }
            for step in 0..n {
                let i = (i0 + n - step) % n;
                let j = (i + n - 1) % n;
                let lim = (v[i] * v[i] + 2.0 * brake_limit(v[i]) * ds).sqrt();
                v[j] = v[j].min(lim);
            }
        }
        let accel: Vec<f64> = (0..n).map(|i| (v[(i + 1) % n].powi(2) - v[i].powi(2)) / (2.0 * ds)).collect();
        let mut tau = vec![0.0; n + 1];
        for i in 0..n {
            tau[i + 1] = tau[i] + 2.0 * ds / (v[i] + v[(i + 1) % n]);
        }
        SpeedProfile { ds, v, accel, tau }
    }

    /// Lap time at reference pace, seconds.
    pub fn lap_time(&self) -> f64 {
        self.tau[self.v.len()]
    }

    /// Lap length, metres.
    pub fn length(&self) -> f64 {
        self.v.len() as f64 * self.ds
    }

    /// Reference time to reach unwrapped track distance `s` (laps add whole lap times).
    pub fn tau_at(&self, s: f64) -> f64 {
        let len = self.length();
        let laps = (s / len).floor();
        let r = s - laps * len;
        let u = r / self.ds;
        let i = (u.floor() as usize).min(self.v.len() - 1);
        let f = u - i as f64;
        laps * self.lap_time() + self.tau[i] + f * (self.tau[i + 1] - self.tau[i])
    }

    /// Inverse of [`tau_at`](Self::tau_at): unwrapped distance reached after reference time `t`.
    pub fn s_at(&self, t: f64) -> f64 {
        let lap = self.lap_time();
        let laps = (t / lap).floor();
        let r = t - laps * lap;
        let i = match self.tau.binary_search_by(|x| x.total_cmp(&r)) {
            Ok(i) => i.min(self.v.len() - 1),
            Err(i) => i.saturating_sub(1).min(self.v.len() - 1),
        };
        let span = self.tau[i + 1] - self.tau[i];
        let f = if span > 0.0 { (r - self.tau[i]) / span } else { 0.0 };
        laps * self.length() + (i as f64 + f) * self.ds
    }

    /// Reference speed at track distance `s` (any lap), m/s.
    pub fn v_at(&self, s: f64) -> f64 {
        let n = self.v.len();
        let u = s.rem_euclid(self.length()) / self.ds;
        let i = (u.floor() as usize).min(n - 1);
        let f = u - i as f64;
        self.v[i] + f * (self.v[(i + 1) % n] - self.v[i])
    }

    /// Reference longitudinal acceleration at track distance `s`, m/s².
    pub fn accel_at(&self, s: f64) -> f64 {
        let n = self.v.len();
        let i = ((s.rem_euclid(self.length()) / self.ds) as usize).min(n - 1);
        self.accel[i]
    }
}

/// Speed and time from a standstill at a grid slot until the car reaches the reference profile.
#[derive(Debug, Clone)]
pub struct StartProfile {
    /// Grid slot, track metres.
    pub s0: f64,
    ds: f64,
    v: Vec<f64>,
    tau: Vec<f64>,
    /// Where the launch meets the reference profile.
    pub merge_s: f64,
    /// `tau_start(merge_s) - tau_ref(merge_s)`.
    offset: f64,
}

impl StartProfile {
    /// Launch from rest at `s0`.
    pub fn new(reference: &SpeedProfile, s0: f64) -> StartProfile {
        let ds = 1.0;
        let mut v = vec![0.0];
        let mut tau = vec![0.0];
        let mut s = s0;
        loop {
            let cur = *v.last().unwrap_or(&0.0);
            let next = (cur * cur + 2.0 * accel_limit(cur) * ds).sqrt();
            let vr = reference.v_at(s + ds);
            s += ds;
            let t_prev = *tau.last().unwrap_or(&0.0);
            if next >= vr || v.len() > 3000 {
                tau.push(t_prev + 2.0 * ds / (cur + vr));
                v.push(vr);
                break;
            }
            tau.push(t_prev + 2.0 * ds / (cur + next).max(1e-6));
            v.push(next);
        }
        let merge_s = s;
        let offset = tau[tau.len() - 1] - reference.tau_at(merge_s);
        StartProfile { s0, ds, v, tau, merge_s, offset }
    }

    /// Time from the launch to unwrapped distance `s` (>= `s0`).
    pub fn tau_at(&self, reference: &SpeedProfile, s: f64) -> f64 {
        if s >= self.merge_s {
            return reference.tau_at(s) + self.offset;
        }
        let u = ((s - self.s0) / self.ds).max(0.0);
        let i = (u.floor() as usize).min(self.tau.len() - 2);
        let f = u - i as f64;
        self.tau[i] + f * (self.tau[i + 1] - self.tau[i])
    }

    /// Inverse of [`tau_at`](Self::tau_at).
    pub fn s_at(&self, reference: &SpeedProfile, t: f64) -> f64 {
        let t_merge = self.tau[self.tau.len() - 1];
        if t >= t_merge {
            return reference.s_at(t - self.offset);
        }
        let t = t.max(0.0);
        let i = match self.tau.binary_search_by(|x| x.total_cmp(&t)) {
            Ok(i) => i.min(self.tau.len() - 2),
            Err(i) => i.saturating_sub(1).min(self.tau.len() - 2),
        };
        let span = self.tau[i + 1] - self.tau[i];
        let f = if span > 0.0 { (t - self.tau[i]) / span } else { 0.0 };
        self.s0 + (i as f64 + f) * self.ds
    }

    /// Speed at unwrapped distance `s`, m/s.
    pub fn v_at(&self, reference: &SpeedProfile, s: f64) -> f64 {
        if s >= self.merge_s {
            return reference.v_at(s);
        }
        let u = ((s - self.s0) / self.ds).max(0.0);
        let i = (u.floor() as usize).min(self.v.len() - 2);
        let f = u - i as f64;
        self.v[i] + f * (self.v[i + 1] - self.v[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oval() -> (Vec<f64>, f64) {
        // 1 km straight, 180 m-radius half circle, straight, half circle
        let ds = 2.0;
        let mut k = Vec::new();
        k.extend(std::iter::repeat_n(0.0, 500));
        for _ in 0..((std::f64::consts::PI * 180.0 / ds) as usize) {
            k.push(1.0 / 180.0);
        }
        k.extend(std::iter::repeat_n(0.0, 500));
        for _ in 0..((std::f64::consts::PI * 180.0 / ds) as usize) {
            k.push(1.0 / 180.0);
        }
        (k, ds)
    }

    #[test]
    fn profile_respects_limits_and_inverts() {
        let (k, ds) = oval();
        let p = SpeedProfile::reference(&k, ds);
        assert!(p.v.iter().all(|&v| v > 10.0 && v <= V_TOP + 1e-9));
        for i in 0..p.v.len() {
            assert!(p.accel[i] <= TRACTION + 1e-6);
        }
        for s in [0.0, 123.4, 999.0, 3000.5, 5000.0] {
            let t = p.tau_at(s);
            assert!((p.s_at(t) - s).abs() < 1e-6, "{s}");
        }
    }

    #[test]
    fn start_profile_begins_at_rest_and_merges() {
        let (k, ds) = oval();
        let p = SpeedProfile::reference(&k, ds);
        let st = StartProfile::new(&p, 100.0);
        assert_eq!(st.v_at(&p, 100.0), 0.0);
        assert!(st.merge_s > 100.0);
        let t = st.tau_at(&p, 600.0);
        assert!((st.s_at(&p, t) - 600.0).abs() < 1e-6);
        // slower than a flying car over the same stretch
        assert!(t > p.tau_at(600.0) - p.tau_at(100.0));
    }
}
