//! Checks of a replay against the timing and physics: how much of the session our order
//! equals the official order (TimingData `Position`), the order at each lap end, cars that
//! move further between frames than their speed allows, cars at the origin.

use crate::chunk::{col, Chunk};
use crate::Error;
use std::fmt::Write as _;

/// How long after a lap report the timing's position updates for that crossing keep coming.
const SETTLE_MS: i64 = 2_000;
/// A gap this close to the timing's counts as agreeing (the timing shows 0.001 s, and
/// updates a car's gap at its timing points only).
const GAP_WITHIN_MS: i64 = 500;
/// How long before a lap report the timing's `GapToLeader` for that crossing may come (it comes
/// a few hundredths of a second before the report in the shared races).
const GAP_GIVEN_BEFORE_MS: i64 = 1_000;

/// What [`check`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Human-readable report.
    pub text: String,
    /// Share of frames (after the start) where the order equals the official order.
    pub order_share: f64,
    /// Frame pairs where a car moved further than its speed allows plus 5 m.
    pub teleports: u64,
    /// Frame pairs compared.
    pub frame_pairs: u64,
    /// Cars drawn at (0, 0).
    pub at_origin: u64,
    /// Race-like sessions: (lap ends where the order equals the official one, lap ends).
    pub crossings: (u32, u32),
    /// Race-like sessions, at the same lap ends: (our gap to the leader within
    /// [`GAP_WITHIN_MS`] of the `GapToLeader` the timing gave with that crossing, lap ends where
    /// both show a time).
    pub gaps: (u32, u32),
    /// Race-like sessions: our gap against every `GapToLeader` update with a time.
    pub official_gap: UpdateStats,
    /// Race-like sessions: our interval against every `IntervalToPositionAhead` update.
    pub official_interval: UpdateStats,
}

/// Builds the replay of a session in memory and checks it against the timing and physics.
pub fn check(s: &timing::Session) -> Result<Report, Error> {
    let r = crate::build(s, "verify", 0, &crate::BuildOptions::default(), &|_, _| {})?;
    let mut out = String::new();
    let m = &r.manifest;
    let chunks: Vec<Chunk> = r.chunks.iter().map(|c| crate::decompress_chunk(c).and_then(Chunk::decode)).collect::<Result<_, _>>()?;
    let drivers = m.drivers.len();
    let frame_ms = m.frame_ms;
    // Our order vs the official order (TimingData Position), frame by frame.
    let (mut equal, mut compared) = (0u64, 0u64);
    // Runs of frames that differ: (start s, frames, example).
    let mut runs: Vec<(f64, u32, String)> = Vec::new();
    let mut in_run = false;
    // Teleports: distance between frames beyond what the speed allows plus 5 m; cars at the origin.
    let (mut teleports, mut origin, mut pairs) = (0u64, 0u64, 0u64);
    let mut worst = (0.0f64, 0u16, 0.0f64);
    let mut examples = String::new();
    for c in &chunks {
        for k in 0..c.frames as usize {
            let t_ms = (m.t_start_s * 1000.0 + f64::from(c.first_frame + k as u32) * frame_ms).round() as i64;
            let mut ours: Vec<(i64, u16)> =
                (0..drivers).map(|d| (c.driver(col::POSITION, d, k), m.drivers[d].number)).filter(|p| p.0 > 0).collect();
            ours.sort_unstable();
            let mut official: Vec<(u32, u16)> = s
                .official
                .iter()
                .filter(|o| m.drivers.iter().any(|d| d.number == o.driver))
                .filter_map(|o| timing::official::value_at(&o.position, t_ms).map(|p| (p, o.driver)))
                .collect();
            official.sort_unstable();
            if official.len() == drivers && s.session_start_ms.is_some_and(|st| t_ms >= st) {
                compared += 1;
                let same = ours.len() == official.len() && ours.iter().zip(&official).all(|(a, b)| a.1 == b.1);
                if same {
                    equal += 1;
                    in_run = false;
                } else {
                    if !in_run {
                        let ex = format!(
                            "ours {:?} official {:?}",
                            ours.iter().map(|p| p.1).collect::<Vec<_>>(),
                            official.iter().map(|p| p.1).collect::<Vec<_>>()
                        );
                        runs.push((t_ms as f64 / 1000.0, 0, ex));
                    }
                    in_run = true;
                    if let Some(r) = runs.last_mut() {
                        r.1 += 1;
                    }
                }
            }
            for d in 0..drivers {
                let (x, y) = (c.driver(col::X, d, k), c.driver(col::Y, d, k));
                if x == i64::from(i32::MIN) {
                    continue;
                }
                if x == 0 && y == 0 {
                    origin += 1;
                }
                if k + 1 < c.frames as usize {
                    let (x2, y2) = (c.driver(col::X, d, k + 1), c.driver(col::Y, d, k + 1));
                    if x2 == i64::from(i32::MIN) {
                        continue;
                    }
                    pairs += 1;
                    let dist_m = (((x2 - x) as f64).powi(2) + ((y2 - y) as f64).powi(2)).sqrt() / 10.0;
                    // The speed channel and the positions come from different sources with
                    // different delays: allow the highest speed within ±0.5 s.
                    let (a, b) = (k.saturating_sub(12), (k + 13).min(c.frames as usize - 1));
                    let v = (a..=b).map(|j| c.driver(col::SPEED, d, j)).max().unwrap_or(0) as f64 / 3.6;
                    let allowed = v * frame_ms / 1000.0 + 5.0;
                    if dist_m > allowed {
                        teleports += 1;
                        if teleports <= 8 {
                            let _ = writeln!(
                                examples,
                                "    car {} at t={:.2} s: {dist_m:.1} m in one frame at {:.0} km/h",
                                m.drivers[d].number,
                                t_ms as f64 / 1000.0,
                                v * 3.6
                            );
                        }
                    }
                    if dist_m - allowed > worst.0 - worst.2 || worst.0 == 0.0 {
                        worst = (dist_m, m.drivers[d].number, allowed);
                    }
                }
            }
        }
    }
    let share = if compared == 0 { 0.0 } else { 100.0 * equal as f64 / compared as f64 };
    let _ = writeln!(
        out,
        "order equals the official TimingData order in {equal}/{compared} frames ({share:.2}% of session time after the start)"
    );
    runs.sort_by_key(|r| std::cmp::Reverse(r.1));
    let _ = writeln!(out, "  {} stretches differ; the longest:", runs.len());
    for (t, frames, ex) in runs.iter().take(6) {
        let _ = writeln!(out, "    from t={t:.2} s for {:.2} s: {ex}", f64::from(*frames) * frame_ms / 1000.0);
    }
    let _ = writeln!(
        out,
        "teleports (moved further than speed (max within ±0.5 s) × frame time + 5 m): {teleports} of {pairs} frame pairs; cars drawn at the origin: {origin}; largest step {:.1} m (car {}, allowed {:.1} m)",
        worst.0, worst.1, worst.2
    );
    out.push_str(&examples);
    let mut crossings = (0, 0);
    let mut gaps = (0, 0);
    let (mut official_gap, mut official_interval) = (UpdateStats::default(), UpdateStats::default());
    // Race-like sessions: at each line crossing the timing reports (a driver's NumberOfLaps
    // going up), that driver's position in the replay vs the official one. The timing's
    // position updates for one crossing arrive over a second or two after its report (the
    // cars around it cross too), so any official value in that window counts.
    if s.info.is_race_like() {
        let (mut ok, mut total) = (0u32, 0u32);
        let mut misses: Vec<String> = Vec::new();
        // Our gap to the leader against the timing's at the same moments, where both show a
        // time: (difference, car, lap, report ms, ours, the timing's), all in ms.
        let mut gap_diffs: Vec<(i64, u16, u32, i64, i64, i64)> = Vec::new();
        for (d, meta) in m.drivers.iter().enumerate() {
            let Some(o) = s.official.iter().find(|o| o.driver == meta.number) else { continue };
            for &(t_ms, lap) in &o.laps {
                // The official position arrives with the crossing or in the next few lines.
                let t_check = t_ms + 500;
                let Some(official_pos) = timing::official::value_at(&o.position, t_check) else { continue };
                let settled: Vec<u32> = std::iter::once(official_pos)
                    .chain(o.position.iter().filter(|p| p.0 > t_ms && p.0 <= t_ms + SETTLE_MS).map(|p| p.1))
                    .collect();
                let k = ((t_check as f64 - m.t_start_s * 1000.0) / frame_ms).floor().max(0.0) as u32;
                let Some(c) = chunks.iter().find(|c| k >= c.first_frame && k < c.first_frame + c.frames) else { continue };
                let ours = c.driver(col::POSITION, d, (k - c.first_frame) as usize);
                let our_gap = c.driver(col::GAP, d, (k - c.first_frame) as usize);
                // The gap the timing gave with this crossing: an update just before its lap report
                // or in the moment after. An older one is stale: the timing sends none for a car
                // crossing the line in the pit lane, and its gap then is the one from a sector
                // earlier.
                let given =
                    o.gap_to_leader_ms.iter().rev().skip_while(|g| g.0 > t_check).take_while(|g| g.0 >= t_ms - GAP_GIVEN_BEFORE_MS).next();
                if let (true, Some(&(_, Some(official_gap)))) = (our_gap >= 0, given) {
                    gap_diffs.push(((our_gap - official_gap).abs(), meta.number, lap, t_ms, our_gap, official_gap));
                }
                total += 1;
                if settled.iter().any(|&p| i64::from(p) == ours) {
                    ok += 1;
                } else if misses.len() < 20 {
                    misses.push(format!(
                        "car {} lap {lap} at {:.1} s: P{ours} here, P{official_pos} official",
                        meta.number,
                        t_ms as f64 / 1000.0
                    ));
                }
            }
        }
        let _ = writeln!(
            out,
            "position of each car as it completes each lap equals the official position (as the timing gives it within {} s of its lap report): {ok}/{total}",
            SETTLE_MS / 1000
        );
        for miss in &misses {
            let _ = writeln!(out, "    {miss}");
        }
        crossings = (ok, total);
        gap_diffs.sort_unstable();
        let quantile =
            |q: f64| gap_diffs.get(((gap_diffs.len() as f64 - 1.0) * q).round() as usize).map_or(f64::NAN, |e| e.0 as f64 / 1000.0);
        let within = gap_diffs.iter().filter(|e| e.0 <= GAP_WITHIN_MS).count();
        let _ = writeln!(
            out,
            "gap to the leader at each lap end vs the GapToLeader the timing gave with that crossing, where both show a time: {within}/{} within {:.1} s; difference median {:.3} s, 90th percentile {:.3} s, largest {:.3} s",
            gap_diffs.len(),
            GAP_WITHIN_MS as f64 / 1000.0,
            quantile(0.5),
            quantile(0.9),
            quantile(1.0)
        );
        gaps = (within as u32, gap_diffs.len() as u32);
        for (which, column, updates) in [
            ("GapToLeader", col::GAP, (|o: &timing::official::OfficialTimeline| &o.gap_to_leader_ms) as Updates),
            ("IntervalToPositionAhead", col::INTERVAL, |o| &o.interval_ms),
        ] {
            let stat = against_updates(s, m, &chunks, column, updates);
            let _ = writeln!(out, "{}", stat.line(which));
            if column == col::GAP {
                official_gap = stat;
            } else {
                official_interval = stat;
            }
        }
        for (_, car, lap, t, ours, theirs) in gap_diffs.iter().rev().take(3) {
            let _ = writeln!(
                out,
                "    car {car} lap {lap} at {:.1} s: +{:.3} s here, +{:.3} s official",
                *t as f64 / 1000.0,
                *ours as f64 / 1000.0,
                *theirs as f64 / 1000.0
            );
        }
    }
    let _ = writeln!(
        out,
        "replay: {} frames, {} chunks, {:.2} MB compressed ({:.1} bytes/frame), {:.1} MB raw",
        m.frame_count,
        m.chunks.len(),
        r.chunks.iter().map(|c| c.len()).sum::<usize>() as f64 / 1e6,
        r.chunks.iter().map(|c| c.len()).sum::<usize>() as f64 / f64::from(m.frame_count.max(1)),
        r.raw_bytes as f64 / 1e6
    );
    Ok(Report {
        text: out,
        order_share: share / 100.0,
        teleports,
        frame_pairs: pairs,
        at_origin: origin,
        crossings,
        gaps,
        official_gap,
        official_interval,
    })
}

/// Our gap or interval against every time the timing gave for it (race-like sessions).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UpdateStats {
    /// Updates with a time where we show a time too, compared.
    pub compared: u32,
    /// Updates with a time where we show none (no gap, or laps down).
    pub no_time_here: u32,
    /// Median, 95th percentile and largest |ours − the timing's|, seconds.
    pub median_s: f64,
    /// See [`UpdateStats::median_s`].
    pub p95_s: f64,
    /// See [`UpdateStats::median_s`].
    pub max_s: f64,
}

impl UpdateStats {
    fn line(&self, which: &str) -> String {
        format!(
            "ours vs every {which} update with a time: {} compared, |difference| median {:.3} s, p95 {:.3} s, largest {:.3} s; {} where we show no time",
            self.compared, self.median_s, self.p95_s, self.max_s, self.no_time_here
        )
    }
}

/// Which of a driver's official updates to compare: (session ms, ms or no time) changes.
type Updates = fn(&timing::official::OfficialTimeline) -> &Vec<(i64, Option<i64>)>;

/// Compares column `column` (gap or interval) in the frame of each official update in
/// `updates(driver)` that carries a time, with that time.
fn against_updates(s: &timing::Session, m: &crate::Manifest, chunks: &[Chunk], column: usize, updates: Updates) -> UpdateStats {
    let mut diffs: Vec<i64> = Vec::new();
    let mut no_time = 0u32;
    for (d, meta) in m.drivers.iter().enumerate() {
        let Some(o) = s.official.iter().find(|o| o.driver == meta.number) else { continue };
        for &(t_ms, value) in updates(o) {
            let Some(official) = value else { continue };
            let k = ((t_ms as f64 - m.t_start_s * 1000.0) / m.frame_ms).ceil();
            if k < 0.0 {
                continue;
            }
            let k = k as u32;
            let Some(c) = chunks.iter().find(|c| k >= c.first_frame && k < c.first_frame + c.frames) else { continue };
            let ours = c.driver(column, d, (k - c.first_frame) as usize);
            if ours >= 0 {
                diffs.push((ours - official).abs());
            } else {
                no_time += 1;
            }
        }
    }
    diffs.sort_unstable();
    let q = |p: f64| diffs.get(((diffs.len() as f64 - 1.0) * p).round() as usize).map_or(f64::NAN, |&v| v as f64 / 1000.0);
    UpdateStats { compared: diffs.len() as u32, no_time_here: no_time, median_s: q(0.5), p95_s: q(0.95), max_s: q(1.0) }
}

/// A car's true standing at one instant, from the simulator's ground truth
/// ([`sim::distance::TrueGap`]): what the replay's gap and interval must equal in every frame.
pub use sim::distance::TrueGap as TrueStanding;

/// Being lapped: running a whole number of laps behind the leader, within
/// [`SIDE_BY_SIDE_M`] (one lap down or still on the lap, by centimetres).
fn being_lapped(st: &TrueStanding) -> bool {
    if st.finished {
        return false;
    }
    let laps = (st.behind_leader_m / st.lap_m).round();
    laps >= 1.0 && (st.behind_leader_m - laps * st.lap_m).abs() < SIDE_BY_SIDE_M
}

/// Two running cars closer than this along the track are side by side: which is ahead is a
/// matter of the positions' resolution and interpolation (the feed gives decimetres, 4-5
/// times a second), so the interval between them (and the gap, where one is the leader) is
/// not compared in that frame. (Measured on the simulated race: 1 m instead left out a
/// thirtieth more values and found no other miss.)
pub const SIDE_BY_SIDE_M: f64 = 0.25;
/// A gap or interval to a car that was slower than this where this car is now (a pit box, a
/// car stopping) is not compared: time-at-distance turns each decimetre of position into
/// more than 0.02 s there.
pub const SLOW_REFERENCE_MS: f64 = 5.0;

/// Why a true gap or interval is not compared in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// This car and a neighbour (the car ahead or behind; for a gap, the leader) are side by
    /// side: which of the two is ahead is a matter of centimetres the positions do not
    /// resolve, so the replay may rank the pair either way and the value is to another car.
    SideBySide,
    /// The car ahead and the one ahead of it are side by side: the replay may rank that pair
    /// either way, and this car's interval is then to the other of the two.
    PairAheadSideBySide,
    /// The reference car (the leader or the car ahead) was nearly stopped where this car is
    /// now (a pit box, a car stopping): how long ago it was there turns each centimetre of
    /// position into a large share of a second.
    SlowReference,
}

impl Undefined {
    /// Every reason, in the order the report prints them.
    pub const ALL: [Undefined; 3] = [Undefined::SideBySide, Undefined::PairAheadSideBySide, Undefined::SlowReference];

    /// Index into [`TruthReport::not_compared`].
    fn index(self) -> usize {
        self as usize
    }

    /// The report's words for it.
    fn describe(self) -> String {
        match self {
            Undefined::SideBySide => format!("side by side with the car ahead or behind (within {SIDE_BY_SIDE_M} m)"),
            Undefined::PairAheadSideBySide => format!("the two cars ahead side by side (within {SIDE_BY_SIDE_M} m)"),
            Undefined::SlowReference => format!("the leader or car ahead below {SLOW_REFERENCE_MS} m/s where this car is"),
        }
    }
}

/// Whether each of a frame's true standings' gap and interval are defined well enough to
/// compare: `None` if so, else why not ([`Undefined`]), as (gap, interval), in the order given.
fn comparable(standings: &[TrueStanding]) -> Vec<(Option<Undefined>, Option<Undefined>)> {
    let by_driver = |n: u16| standings.iter().find(|s| s.driver == n);
    let behind = |n: u16| standings.iter().find(|s| s.ahead == Some(n));
    let slow = |v: Option<f64>| v.is_some_and(|v| v < SLOW_REFERENCE_MS);
    // Two cars that both took the flag are not side by side: each keeps the race distance it
    // completed, and their order is the order at the flag.
    let side_by_side = |m: Option<f64>, a: &TrueStanding, b: Option<&TrueStanding>| {
        m.is_some_and(|m| m < SIDE_BY_SIDE_M) && !(a.finished && b.is_some_and(|b| b.finished))
    };
    standings
        .iter()
        .map(|s| {
            let ahead = s.ahead.and_then(by_driver);
            let interval = if side_by_side(s.ahead_m, s, ahead) || side_by_side(s.behind_m, s, behind(s.driver)) {
                Some(Undefined::SideBySide)
            } else if ahead.is_some_and(|a| side_by_side(a.ahead_m, a, a.ahead.and_then(by_driver))) {
                Some(Undefined::PairAheadSideBySide)
            } else if slow(s.ahead_speed_ms) {
                Some(Undefined::SlowReference)
            } else {
                None
            };
            // Right behind the leader the gap is the interval.
            let behind_leader = ahead.is_some_and(|a| a.gap_s.is_none());
            let gap = if slow(s.leader_speed_ms) {
                Some(Undefined::SlowReference)
            } else if behind_leader {
                interval
            } else {
                None
            };
            (gap, interval)
        })
        .collect()
}

/// A gap this close to the ground truth counts as equal (a 25 FPS frame is 0.04 s).
pub const TRUTH_WITHIN_S: f64 = 0.05;

/// What [`gaps_against_truth`] found: the gaps and intervals of lead-lap cars in every frame
/// against the ground truth.
#[derive(Debug, Clone, Default)]
pub struct TruthReport {
    /// Human-readable report.
    pub text: String,
    /// (values within [`TRUTH_WITHIN_S`], values compared): gaps and intervals together.
    pub within: (u64, u64),
    /// Largest difference, seconds (infinite where the replay showed no time and the truth
    /// one), and where: (car, session seconds, which value).
    pub worst: (f64, u16, f64, &'static str),
    /// Frames where the lap counter read more than the race distance.
    pub lap_counter_over_total: u64,
    /// Values not compared, per reason ([`Undefined::ALL`]'s order).
    pub not_compared: [u64; 3],
    /// Lapped cars in every frame: (frames where the replay shows the true laps down, frames).
    pub laps_down: (u64, u64),
}

/// Compares the gap and interval of every lead-lap car in every frame of `replay` (from
/// the race start) with `truth(t_ms)` (the simulator's: `|t| distances.gaps_at(t)`), and
/// checks the lap counter never exceeds the total.
pub fn gaps_against_truth(replay: &crate::Replay, truth: &dyn Fn(f64) -> Vec<TrueStanding>) -> Result<TruthReport, Error> {
    let m = &replay.manifest;
    let mut report = TruthReport::default();
    let mut diffs: Vec<f64> = Vec::new();
    let (mut examples, mut misses): (Vec<String>, u64) = (Vec::new(), 0);
    let mut lapped_examples: Vec<String> = Vec::new();
    for bytes in &replay.chunks {
        let c = Chunk::decode(crate::decompress_chunk(bytes)?)?;
        for k in 0..c.frames as usize {
            let frame = c.first_frame + k as u32;
            let t_ms = m.t_start_s * 1000.0 + f64::from(frame) * m.frame_ms;
            let lap = c.global(crate::chunk::global::LEADER_LAP, k);
            if m.session.total_laps.is_some_and(|total| lap > i64::from(total)) {
                report.lap_counter_over_total += 1;
            }
            let standings = truth(t_ms);
            for st in standings.iter().filter(|st| !st.lead_lap && !being_lapped(st)) {
                let Some(d) = m.drivers.iter().position(|x| x.number == st.driver) else { continue };
                report.laps_down.1 += 1;
                if c.driver(col::GAP, d, k) == -i64::from(st.laps_down) {
                    report.laps_down.0 += 1;
                } else if lapped_examples.len() < 10 {
                    lapped_examples.push(format!(
                        "car {} at t={:.2} s: gap code {} here, {} laps down true",
                        st.driver,
                        t_ms / 1000.0,
                        c.driver(col::GAP, d, k),
                        st.laps_down
                    ));
                }
            }
            for (st, (gap_undefined, interval_undefined)) in
                standings.iter().zip(comparable(&standings)).filter(|(st, _)| st.lead_lap && !being_lapped(st))
            {
                let Some(d) = m.drivers.iter().position(|x| x.number == st.driver) else { continue };
                for (which, column, value, undefined) in
                    [("gap", col::GAP, st.gap_s, gap_undefined), ("interval", col::INTERVAL, st.interval_s, interval_undefined)]
                {
                    let Some(true_s) = value else { continue };
                    if let Some(why) = undefined {
                        report.not_compared[why.index()] += 1;
                        continue;
                    }
                    let ours = c.driver(column, d, k);
                    let diff = if ours >= 0 { (ours as f64 / 1000.0 - true_s).abs() } else { f64::INFINITY };
                    diffs.push(diff);
                    if diff > report.worst.0 || report.worst.1 == 0 {
                        report.worst = (diff, st.driver, t_ms / 1000.0, which);
                    }
                    if diff > TRUTH_WITHIN_S {
                        misses += 1;
                        if examples.len() < 40 {
                            let ours = if ours >= 0 { format!("{:.3} s", ours as f64 / 1000.0) } else { format!("code {ours}") };
                            examples.push(format!(
                                "car {} at t={:.2} s: {which} {ours} here, {true_s:.3} s true",
                                st.driver,
                                t_ms / 1000.0
                            ));
                        }
                    }
                }
            }
        }
    }
    let within = diffs.iter().filter(|d| **d <= TRUTH_WITHIN_S).count() as u64;
    report.within = (within, diffs.len() as u64);
    let share = 100.0 * within as f64 / diffs.len().max(1) as f64;
    diffs.sort_by(f64::total_cmp);
    let q = |p: f64| diffs.get(((diffs.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    let mut out = String::new();
    let (w, car, t, which) = report.worst;
    let _ = writeln!(
        out,
        "gap and interval of lead-lap cars at every frame vs the ground truth: {within}/{} within {TRUTH_WITHIN_S} s ({share:.3}%); median {:.4} s, p99 {:.4} s, worst {w:.3} s (car {car}, {which} at t={t:.2} s)",
        diffs.len(),
        q(0.5),
        q(0.99)
    );
    let not_compared: Vec<String> =
        Undefined::ALL.iter().map(|why| format!("{} {}", report.not_compared[why.index()], why.describe())).collect();
    let _ = writeln!(
        out,
        "    not compared (undefined there): {} values: {}; cars being lapped (a whole lap behind within {SIDE_BY_SIDE_M} m: on one lap or the other by centimetres) left out",
        report.not_compared.iter().sum::<u64>(),
        not_compared.join(", ")
    );
    if misses > 0 {
        let _ = writeln!(out, "    {misses} values off; the first {}:", examples.len());
        for e in &examples {
            let _ = writeln!(out, "      {e}");
        }
    }
    let _ = writeln!(out, "lapped cars showing the true laps down: {}/{} car-frames", report.laps_down.0, report.laps_down.1);
    for e in &lapped_examples {
        let _ = writeln!(out, "      {e}");
    }
    let _ = writeln!(out, "frames whose lap counter exceeds the total laps: {}", report.lap_counter_over_total);
    report.text = out;
    Ok(report)
}
