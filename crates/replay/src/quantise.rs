//! Rounding for the per-frame hot loops. `f32::round` and `f64::round` are calls into libm on
//! the baseline x86-64 target (no SSE4.1); these give the same results (half away from zero)
//! with truncating conversions, a few instructions.

/// `x.round() as i32` for f32: the f64 sum `x ± 0.5` is exact for every f32 that matters
/// (a tiny `x` only loses bits that cannot reach the integer part), so truncating it rounds
/// half away from zero, in a few instructions. NaN gives 0 and out-of-range values saturate,
/// as `as` does.
#[inline]
pub fn round_to_i32(x: f32) -> i32 {
    let x = f64::from(x);
    (x + 0.5f64.copysign(x)) as i32
}

/// `x.round().clamp(0.0, i32::MAX as f64) as i32` (a duration in whole ms, never negative),
/// without a libm call: below a half it is 0 (NaN too), else the truncated value plus one
/// where the rest is at least a half (the rest of a non-negative f64 is exact).
#[inline]
pub fn round_ms(x: f64) -> i32 {
    if x.is_nan() || x < 0.5 {
        0
    } else if x >= f64::from(i32::MAX) {
        i32::MAX
    } else {
        let whole = x as i32;
        whole + i32::from(x - f64::from(whole) >= 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What [`round_ms`] stands for.
    fn std_ms(x: f64) -> i32 {
        x.round().clamp(0.0, f64::from(i32::MAX)) as i32
    }

    #[test]
    fn whole_ms_at_halves_and_edges_are_std_rounding() {
        let edges = [0.5f64, -0.5, 2.5, 0.49999999999999994, -0.49999999999999994, 2_147_483_646.5, 2_147_483_647.0, 1e300, f64::MAX];
        for x in edges.into_iter().chain([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0]) {
            assert_eq!(round_ms(x), std_ms(x), "{x}");
        }
    }

    #[test]
    fn rounding_to_i32_at_halves_and_edges_is_std_rounding() {
        for x in
            [0.5f32, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 8_388_607.5, 1e-30, -1e-30, 2.1e9, -2.2e9, 1e30, f32::MIN, f32::NAN]
        {
            assert_eq!(round_to_i32(x), x.round() as i32, "{x}");
        }
    }

    proptest! {
        #[test]
        fn any_value_rounds_to_i32_like_std(a in any::<f32>(), b in -1e6f32..1e6) {
            for x in [a, b] {
                prop_assert_eq!(round_to_i32(x), x.round() as i32, "{}", x);
            }
        }

        #[test]
        fn any_duration_rounds_to_whole_ms_like_std(c in any::<f64>(), d in -1e9f64..1e9, e in 0u32..1_000_000) {
            // `e` lands on halves and near them.
            let half = f64::from(e) + 0.5;
            for x in [c, d, half, f64::from_bits(half.to_bits() - 1), f64::from_bits(half.to_bits() + 1)] {
                prop_assert_eq!(round_ms(x), std_ms(x), "{}", x);
            }
        }
    }
}
