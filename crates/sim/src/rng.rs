//! A tiny seeded PRNG (SplitMix64), so the simulator needs no `rand` and stays byte-for-byte
//! reproducible across platforms and crate versions.

/// SplitMix64: 64-bit state, good statistical quality for simulation, trivially seedable.
///
/// Every random decision in the simulator draws from an `Rng` derived from the user's seed, so the
/// same seed always yields the same session.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed ^ 0x5DEE_CE66_D1F2_A3B7 }
    }

    /// An independent stream for a named sub-task, so adding draws in one part of the simulator
    /// does not shift every later decision elsewhere.
    pub fn fork(&self, stream: u64) -> Rng {
        let mut r = Rng::new(self.state ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(hi >= lo);
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal deviate (Box-Muller), scaled by `sigma`.
    pub fn normal(&mut self, sigma: f64) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        sigma * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn forks_are_independent_of_parent_draws() {
        let a = Rng::new(7);
        let mut b = Rng::new(7);
        b.next_u64();
        // fork depends only on the parent's state at fork time, not on later draws
        assert_eq!(a.fork(3).next_u64(), a.fork(3).next_u64());
        assert_ne!(a.fork(3).next_u64(), a.fork(4).next_u64());
    }

    #[test]
    fn unit_interval_and_normal_are_sane() {
        let mut r = Rng::new(1);
        let n = 20_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..n {
            let x = r.f64();
            assert!((0.0..1.0).contains(&x));
            let g = r.normal(1.0);
            sum += g;
            sq += g * g;
        }
        assert!((sum / n as f64).abs() < 0.05);
        assert!(((sq / n as f64) - 1.0).abs() < 0.05);
    }
}
