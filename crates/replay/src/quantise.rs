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

/// `x.round()` for f64, without a libm call.
#[inline]
pub fn round_f64(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = (x as i64) as f64;
    let rest = x - t;
    let r = t + f64::from(i8::from(rest >= 0.5) - i8::from(rest <= -0.5));
    r.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn halves_and_edges_round_like_std_in_f64() {
        for x in [0.5f64, -0.5, 2.5, 0.49999999999999994, -0.49999999999999994, 4_503_599_627_370_495.5, 1e300, f64::MAX] {
            assert_eq!(round_f64(x).to_bits(), x.round().to_bits(), "{x}");
        }
        assert!(round_f64(f64::NAN).is_nan());
        assert_eq!(round_f64(f64::NEG_INFINITY), f64::NEG_INFINITY);
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
        fn any_value_rounds_like_std(c in any::<f64>(), d in -1e9f64..1e9) {
            for x in [c, d] {
                let (ours, std) = (round_f64(x), x.round());
                prop_assert!(ours.to_bits() == std.to_bits() || (ours.is_nan() && std.is_nan()), "{} {} {}", x, ours, std);
            }
        }
    }
}
