//! The qualifying delta ([`timing::delta::lap_deltas`], what `/lap-deltas` serves and the
//! tower shows) on 2025 Mexico City qualifying. Oracles: at the line, the lap time less the
//! best lap the timing itself showed (`BestLapTime`) when the lap began; at the two sector
//! ends (fixed points of the track), the sector times' sum less the best lap's (printed: the
//! distance model's error between the line's).

const MEXICO_Q: &str = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying";

/// How long after a lap's end the timing has surely posted its time (and a new best), ms.
const POSTED_MS: i64 = 5_000;

/// The value at `t` of a step function of `(session ms, value)` changes.
fn at<T: Copy>(changes: &[(i64, T)], t: i64) -> Option<T> {
    let i = changes.partition_point(|c| c.0 <= t);
    (i > 0).then(|| changes[i - 1].1)
}

#[test]
fn the_delta_at_the_line_is_the_lap_time_less_the_timings_best() {
    let Some(dir) = testkit::session_dir(MEXICO_Q) else { return };
    let session = timing::Session::build(&feed::FeedSession::read_dir(&dir));
    let deltas = timing::delta::lap_deltas(&session);
    let (mut at_line, mut agree, mut worst) = (0, 0, 0.0_f64);
    let mut sector_errors: Vec<f64> = Vec::new();
    for d in &deltas {
        let lap = session.laps.iter().find(|l| l.driver == d.driver && l.lap_number == d.lap).unwrap();
        let best = session.laps.iter().find(|l| l.driver == d.driver && l.lap_number == d.best_lap).unwrap();
        let (Some(time), Some(start)) = (lap.lap_time_ms, lap.lap_start_ms) else { continue };
        let official = session.official.iter().find(|o| o.driver == d.driver).unwrap();
        // The timing posts a lap's time (and so a new best) a moment after the line: its best
        // as shown a few seconds into the lap.
        let Some(timing_best) = at(&official.best_lap_ms, start + POSTED_MS).flatten() else { continue };
        at_line += 1;
        let want = (time - timing_best) as f64 / 1000.0;
        let got = *d.delta_s.last().unwrap();
        worst = worst.max((got - want).abs());
        agree += usize::from((got - want).abs() <= 0.05);
        if (got - want).abs() > 0.05 {
            println!(
                "car {} lap {} against lap {} ({:?} ms, the timing's best {timing_best}): {got} vs {want}",
                d.driver, d.lap, d.best_lap, best.lap_time_ms
            );
        }
        // At each sector end: the delta series there against the sectors' sums.
        for k in 0..2 {
            let (Some(end), Some(ours), Some(theirs)) = (
                lap.sector_session_ms[k],
                lap.sector_ms[..=k].iter().copied().sum::<Option<i64>>(),
                best.sector_ms[..=k].iter().copied().sum::<Option<i64>>(),
            ) else {
                continue;
            };
            let i = d.t_s.partition_point(|&t| t < end as f64 / 1000.0).min(d.t_s.len() - 1);
            sector_errors.push((d.delta_s[i] - (ours - theirs) as f64 / 1000.0).abs());
        }
    }
    sector_errors.sort_by(f64::total_cmp);
    let pct = |p: f64| sector_errors.get(((sector_errors.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    println!(
        "Mexico Q: {} laps with a delta; at the line {agree} of {at_line} within 0.05 s of lap time - the timing's best (worst {worst:.3} s); at {} sector ends |delta - sector sums| median {:.3} s, p90 {:.3} s (a sample of {} ms either side)",
        deltas.len(),
        sector_errors.len(),
        pct(0.5),
        pct(0.9),
        timing::delta::STEP_MS
    );
    assert!(at_line > 50, "Mexico Q has flying laps with a best before them ({at_line})");
    assert_eq!(agree, at_line, "worst {worst:.3} s");
}
