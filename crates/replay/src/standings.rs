//! Standings and gaps per frame.
//!
//! Races and sprints: at each timing-line crossing the order is the order of crossing (the
//! laps completed come from the timing); between crossings cars are ordered by laps completed
//! plus progress along the lap; where the session has no positions (progress is then an
//! estimate timed through the sector points), by laps completed plus the last timing point
//! passed, and between the same two points in the timing's own order; finished cars among
//! themselves as the timing ranks them (it applies time penalties as the other cars finish),
//! else by when they took the flag plus unserved time penalties; a retired car keeps the place its laps
//! earned until others pass it, so in the end it is below every car that completed more laps.
//! Gaps are time-at-distance: how long ago the leader (or the car ahead) was where this car is
//! now (a car's progress between two position samples follows its speed, see
//! [`crate::cars`]); lapped cars show laps down. A frame shows the gap at its own time, also
//! just after a line crossing: the timing's gap at the line (the difference of crossing times)
//! is the same measure taken at the crossing.
//!
//! Qualifying and practice: the timing screen's order, from the model
//! ([`timing::classification::best_lap_order`]); gaps are lap-time differences within a part.

use crate::cars::{CarColumns, CarState};
use crate::timeline::Timeline;
use rayon::prelude::*;
use timing::Session;

/// `gap_ms` / `interval_ms` value for "no gap".
pub const NO_GAP: i32 = i32::MIN;

/// Standings of a run of `len` frames, driver-major (driver column `d`'s frame `j` at
/// `[d * len + j]`), as the ranking fills them and the chunk encoder reads them.
#[derive(Debug, Default, Clone)]
pub struct Standings {
    /// Frames in the run.
    len: usize,
    /// Position (0 = not classified).
    position: Vec<u8>,
    /// Gap to the leader, ms (−N = N laps down, [`NO_GAP`] = none).
    gap_ms: Vec<i32>,
    /// Interval to the car ahead, same encoding.
    interval_ms: Vec<i32>,
}

impl Standings {
    /// Blank standings of `drivers` driver columns over `len` frames.
    fn new(drivers: usize, len: usize) -> Standings {
        Standings { len, position: vec![0; drivers * len], gap_ms: vec![NO_GAP; drivers * len], interval_ms: vec![NO_GAP; drivers * len] }
    }

    /// Driver column `d`'s position in each frame (0 = not classified).
    pub fn position(&self, d: usize) -> &[u8] {
        &self.position[d * self.len..(d + 1) * self.len]
    }

    /// Driver column `d`'s gap to the leader in each frame, ms (−N = N laps down, [`NO_GAP`]).
    pub fn gap_ms(&self, d: usize) -> &[i32] {
        &self.gap_ms[d * self.len..(d + 1) * self.len]
    }

    /// Driver column `d`'s interval to the car ahead in each frame, as [`Standings::gap_ms`].
    pub fn interval_ms(&self, d: usize) -> &[i32] {
        &self.interval_ms[d * self.len..(d + 1) * self.len]
    }
}

/// One driver's progress over the frames, indexed for "when did this car first reach
/// progress p": its running maximum, plus the first frame at which that maximum reached each
/// step of 1/[`ProgressIndex::STEPS`] lap. A lookup is then a search among the few frames
/// between two steps instead of over the whole race.
#[derive(Debug)]
struct ProgressIndex {
    /// Running maximum of progress (−∞ until the first known progress, so "below p" is one
    /// comparison).
    cummax: Vec<f32>,
    /// `first[j]`: first frame whose running maximum is ≥ [`ProgressIndex::threshold`]`(j)`,
    /// for the steps reached so far.
    first: Vec<u32>,
    /// The running maximum at the last frame indexed.
    max: f32,
    /// The threshold of the next step to reach.
    next_step: f64,
    /// Races: the race start (first frame at or after it, session ms). Progress before it
    /// (the formation lap) is not indexed, and a distance the car had already covered at the
    /// start was reached at the start: a car behind the leader's grid slot is as far behind
    /// as the time since the start.
    start: Option<(usize, f64)>,
}

impl ProgressIndex {
    /// Steps per lap (a power of two, so thresholds and step numbers are exact in f64).
    const STEPS: f64 = 512.0;
    /// Progress of step 0: a car on the grid is a little before the line, below 0.
    const ORIGIN: f64 = -1.0;

    fn threshold(j: usize) -> f64 {
        j as f64 / Self::STEPS + Self::ORIGIN
    }

    fn new(progress: &[f32], start: Option<(usize, f64)>) -> ProgressIndex {
        let mut index = ProgressIndex {
            cummax: Vec::with_capacity(progress.len()),
            first: Vec::new(),
            max: f32::NEG_INFINITY,
            next_step: Self::threshold(0),
            start,
        };
        index.extend(progress);
        index
    }

    /// Appends the next frames' progress: a race is indexed run by run as its frames are built.
    fn extend(&mut self, progress: &[f32]) {
        let start_frame = self.start.map_or(0, |s| s.0);
        for &p in progress {
            if p.is_finite() && p > self.max && self.cummax.len() >= start_frame {
                self.max = p;
            }
            let frame = self.cummax.len() as u32;
            self.cummax.push(self.max);
            // The steps this frame's running maximum reaches first.
            if f64::from(self.max) >= self.next_step {
                while Self::threshold(self.first.len()) <= f64::from(self.max) {
                    self.first.push(frame);
                }
                self.next_step = Self::threshold(self.first.len());
            }
        }
    }

    /// The first frame whose running maximum is ≥ `p` (the frame count if none).
    fn first_frame_reaching(&self, p: f64) -> usize {
        let n = self.cummax.len();
        let below = |v: &f32| f64::from(*v) < p;
        let x = (p - Self::ORIGIN) * Self::STEPS;
        let (lo, hi) = if x >= 0.0 && (x as usize) < self.first.len() {
            // Between the step below `p` and the next (not reached yet: to the last frame).
            let j = x as usize;
            (self.first[j] as usize, self.first.get(j + 1).map_or(n, |&f| f as usize).min(n))
        } else if x >= 0.0 {
            (n, n)
        } else {
            (0, self.first.first().map_or(n, |&f| f as usize).min(n))
        };
        lo + self.cummax[lo..hi].partition_point(below)
    }

    /// As [`ProgressIndex::first_frame_reaching`], walking from `hint` (the answer of a
    /// previous frame for the same pair of cars, which moves by about a frame per frame);
    /// a hint further off than a few frames falls back to the indexed search.
    #[inline]
    fn first_frame_reaching_from(&self, p: f64, hint: &mut usize) -> usize {
        // The usual answers (where it was, or a frame on) inline; any other walk out of line.
        let (c, i) = (&self.cummax, *hint);
        if i > 0 && i < c.len() && f64::from(c[i - 1]) < p && f64::from(c[i]) >= p {
            return i;
        }
        if i + 1 < c.len() && f64::from(c[i]) < p && f64::from(c[i + 1]) >= p {
            *hint = i + 1;
            return i + 1;
        }
        self.walk_from(p, hint)
    }

    /// [`ProgressIndex::first_frame_reaching_from`] when the answer is not at the hint or the
    /// frame after it.
    #[inline(never)]
    fn walk_from(&self, p: f64, hint: &mut usize) -> usize {
        const WALK: usize = 8;
        let n = self.cummax.len();
        let below = |i: usize| f64::from(self.cummax[i]) < p;
        let mut i = (*hint).min(n);
        // Most often the answer is where it was, or one frame on.
        if i > 0 && i < n && below(i - 1) && !below(i) {
            return i;
        }
        if i < n && below(i) && (i + 1 == n || !below(i + 1)) {
            *hint = i + 1;
            return i + 1;
        }
        let mut steps = 0;
        if i < n && below(i) {
            while i < n && below(i) && steps < WALK {
                i += 1;
                steps += 1;
            }
            if i < n && below(i) {
                i = self.first_frame_reaching(p);
            }
        } else {
            while i > 0 && !below(i - 1) && steps < WALK {
                i -= 1;
                steps += 1;
            }
            if i > 0 && !below(i - 1) {
                i = self.first_frame_reaching(p);
            }
        }
        *hint = i;
        i
    }

    /// Session time (ms, linear between frames) at which the driver first reached `p`,
    /// looking only at frames `..=upto`; `hint` as in [`ProgressIndex::first_frame_reaching_from`].
    #[inline(always)]
    fn time_at(&self, tl: &Timeline, upto: usize, p: f64, hint: &mut usize) -> Option<f64> {
        let i = self.first_frame_reaching_from(p, hint);
        if i > upto || i == 0 || i >= self.cummax.len() {
            return None;
        }
        if let Some((frame, ms)) = self.start.filter(|s| s.0 == i) {
            // Already this far at the start.
            return (frame <= upto).then_some(ms);
        }
        let (p0, p1) = (f64::from(self.cummax[i - 1]), f64::from(self.cummax[i]));
        let (t0, t1) = (tl.t_ms(i as u32 - 1) as f64, tl.t_ms(i as u32) as f64);
        if !p0.is_finite() {
            return Some(t1);
        }
        let f = if p1 > p0 { (p - p0) / (p1 - p0) } else { 1.0 };
        Some(t0 + (t1 - t0) * f.clamp(0.0, 1.0))
    }
}

/// Time-at-distance gap at frame `k` from the car ahead (at `p_ahead`) to a car at `p_self`:
/// laps down when a lap or more behind.
#[inline(always)]
fn gap_between(ahead: &ProgressIndex, tl: &Timeline, k: usize, p_ahead: f64, p_self: f64, hint: &mut usize) -> i32 {
    if !(p_ahead.is_finite() && p_self.is_finite()) {
        return NO_GAP;
    }
    // Whole laps behind (truncation is the floor here: the difference is at least 1).
    let behind = p_ahead - p_self;
    if behind >= 1.0 {
        return -(behind.min(99.0) as i32);
    }
    match ahead.time_at(tl, k, p_self, hint) {
        Some(t) => crate::quantise::round_ms(tl.t_ms(k as u32) as f64 - t),
        None => NO_GAP,
    }
}

/// Sort key of a car in race frame `k` (where it has `progress`, `state` and the timing's
/// position `official`, 255 unknown): (class, −progress, then for finished cars the timing's
/// position and the flag time plus unserved penalties, in ms); lower ranks first.
/// With `timing_points` (a session without
/// positions), progress counts only the timing points passed (the line, sector 1, sector 2),
/// so cars between the same two points keep the timing's order, as the timing screen does.
#[inline]
fn race_key(
    c: &CarColumns,
    progress: f32,
    state: u8,
    official: u8,
    tl: &Timeline,
    k: usize,
    timing_points: Option<[f64; 2]>,
) -> (u8, f64, u8, i64) {
    let p = match timing_points {
        Some(tp) if progress.is_finite() => passed_point(f64::from(progress), tp),
        _ => f64::from(progress),
    };
    match CarState::from_u8(state) {
        CarState::NotStarted => (4, 0.0, 255, i64::MAX),
        // A retired car keeps the place its laps earned until others pass it (as the official
        // timing and the classification rank it): at the end it is below every car that
        // completed more laps.
        CarState::Retired if p.is_finite() => (0, -p, 255, i64::MAX),
        CarState::Retired => (2, -(c.retired_at_ms.unwrap_or(0) as f64), 255, i64::MAX),
        // Finished cars among themselves: as the timing orders them where it gives a position
        // (it applies time penalties car by car as the others finish, and knows of penalties no
        // message here names); else by flag time plus the unserved time penalties, after them.
        CarState::Finished => {
            let t = tl.t_ms(k as u32);
            let penalty: i64 = c.penalties.iter().filter(|p| p.0 <= t).map(|p| p.1).sum();
            (0, -p.floor(), official, c.finished_at_ms.unwrap_or(0) + penalty)
        }
        _ if !p.is_finite() => (3, 0.0, 255, i64::MAX),
        _ => (0, -p, 255, i64::MAX),
    }
}

/// `v`'s bits as an integer that orders as [`f64::total_cmp`] orders the floats: negative
/// floats with all bits flipped (larger magnitudes lower), the others with the sign bit set.
#[inline]
fn total_order(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Progress `p` down to the last timing point passed: whole laps plus 0, or the lap fraction
/// of sector 1's or sector 2's end.
fn passed_point(p: f64, [s1, s2]: [f64; 2]) -> f64 {
    let laps = p.floor();
    let f = p - laps;
    laps + if f >= s2 {
        s2
    } else if f >= s1 {
        s1
    } else {
        0.0
    }
}

/// How a session's standings are found for any run of frames, so the replay build can rank
/// each chunk's frames where it encodes them (in parallel, while the chunk's columns are still
/// in cache) instead of holding every frame's standings at once.
pub struct Ranking<'a>(Kind<'a>);

/// What a [`Ranking`] ranks with.
enum Kind<'a> {
    /// Races and sprints: every frame ranked by progress (see the module doc), with each
    /// car's progress indexed for the time-at-distance gaps.
    Race {
        /// Per car, its progress index, over the frames built so far.
        index: Vec<ProgressIndex>,
        /// Without positions: the lap fractions of the sector timing points, to rank by.
        timing_points: Option<[f64; 2]>,
        /// The race start (first frame at or after it, session ms): no gaps before it.
        start: Option<(usize, f64)>,
        /// The frame times.
        tl: &'a Timeline,
    },
    /// A session without timing: nobody ranked.
    Unranked {
        /// Driver columns.
        drivers: usize,
    },
    /// Qualifying and practice: the order at each event, held until the next.
    ByBestLap {
        /// Event times, ascending; the first is `i64::MIN`.
        events: Vec<i64>,
        /// Per event, per driver column: position, gap, interval.
        at_event: Vec<(Vec<u8>, Vec<i32>, Vec<i32>)>,
        /// The frame times.
        tl: &'a Timeline,
    },
}

impl<'a> Ranking<'a> {
    /// Race and sprint ranking, over `drivers` driver columns, nothing indexed yet. `timing_points`:
    /// in a session without positions, the lap fractions of the sector 1 and 2 timing points
    /// (see [`crate::cars::timing_points`]); progress is then an estimate between them, and
    /// cars between the same two points are ranked in the timing's order.
    ///
    /// The cars' progress is indexed as runs of frames are built ([`Ranking::extend`]); a run
    /// is ranked once indexed.
    ///
    /// `start_ms`: the race start (the first `Started`). Gaps are measured from it: none
    /// before it, and the formation lap is not where the leader was.
    pub fn race(drivers: usize, tl: &'a Timeline, timing_points: Option<[f64; 2]>, start_ms: Option<i64>) -> Ranking<'a> {
        let start = start_ms.map(|ms| ((0..tl.frames).find(|&k| tl.t_ms(k) >= ms).unwrap_or(tl.frames) as usize, ms as f64));
        let index = (0..drivers).map(|_| ProgressIndex::new(&[], start)).collect();
        Ranking(Kind::Race { index, timing_points, start, tl })
    }

    /// No ranking (a session without timing): every frame's positions and gaps empty.
    pub fn unranked(drivers: usize) -> Ranking<'a> {
        Ranking(Kind::Unranked { drivers })
    }

    /// Indexes the next run of frames of every car (`cars` in driver column order, each
    /// holding the frames after the ones indexed so far), in parallel.
    pub fn extend(&mut self, cars: &[CarColumns]) {
        if let Kind::Race { index, .. } = &mut self.0 {
            index.par_iter_mut().zip(cars).for_each(|(i, c)| {
                debug_assert_eq!(i.cummax.len(), c.first, "runs are indexed in order");
                i.extend(&c.progress);
            });
        }
    }

    /// Qualifying and practice ranking: the timing screen's order
    /// ([`timing::classification::best_lap_order`]), which only changes at events (a lap
    /// reported, a best lap the timing sets or drops, a knock-out, a new part), so it is
    /// computed once per event.
    pub fn by_best_lap(s: &Session, cars: &[CarColumns], tl: &'a Timeline) -> Ranking<'a> {
        let mut events: Vec<i64> = vec![i64::MIN];
        events.extend(s.laps.iter().filter_map(timing::classification::reported_at));
        events.extend(s.laps.iter().filter_map(|l| l.deleted_at_ms));
        events.extend(s.part_starts_ms.iter().copied());
        for o in &s.official {
            events.extend(o.knocked_out.iter().map(|c| c.0));
            events.extend(o.position.iter().map(|c| c.0));
            events.extend(o.best_lap_ms.iter().map(|c| c.0));
            events.extend(o.part_best_ms.iter().flatten().map(|c| c.0));
        }
        events.sort_unstable();
        events.dedup();
        let at_event = events.par_iter().map(|&t| order_at(s, cars, t)).collect();
        Ranking(Kind::ByBestLap { events, at_event, tl })
    }

    /// The standings of frames `a..b` (frame `k` at index `k - a` of each column), from
    /// `cars`' columns, which hold those frames (races: indexed, see [`Ranking::extend`]).
    pub fn frames(&self, cars: &[CarColumns], a: usize, b: usize) -> Standings {
        match &self.0 {
            Kind::Race { index, timing_points, start, tl } => rank_span(cars, index, *timing_points, start.map(|s| s.0), tl, a, b),
            Kind::Unranked { drivers } => Standings::new(*drivers, b - a),
            Kind::ByBestLap { events, at_event, tl } => {
                let drivers = at_event.first().map_or(0, |e| e.0.len());
                let len = b - a;
                let mut st = Standings::new(drivers, len);
                let t_a = tl.t_ms(a as u32);
                let mut e = events.partition_point(|&x| x <= t_a).saturating_sub(1);
                for k in a..b {
                    let t = tl.t_ms(k as u32);
                    while e + 1 < events.len() && events[e + 1] <= t {
                        e += 1;
                    }
                    let (pos, gap, int) = &at_event[e];
                    let j = k - a;
                    for d in 0..drivers {
                        st.position[d * len + j] = pos[d];
                        st.gap_ms[d * len + j] = gap[d];
                        st.interval_ms[d * len + j] = int[d];
                    }
                }
                st
            }
        }
    }
}

/// Ranks frames `a..b`.
fn rank_span(
    cars: &[CarColumns],
    index: &[ProgressIndex],
    timing_points: Option<[f64; 2]>,
    start_frame: Option<usize>,
    tl: &Timeline,
    a: usize,
    b: usize,
) -> Standings {
    let drivers = cars.len();
    let len = b - a;
    let mut st = Standings::new(drivers, len);
    let (pos, gap, int) = (&mut st.position, &mut st.gap_ms, &mut st.interval_ms);
    // What every frame reads of every car, gathered frame-major first (car `d` of frame
    // `a + j` at `[j * drivers + d]`): read in place, a frame touches three columns of each
    // car, more streams than the caches follow, and the ranking waited on memory.
    let mut progress = vec![0f32; len * drivers];
    let mut state = vec![0u8; len * drivers];
    let mut official = vec![0u8; len * drivers];
    for (d, c) in cars.iter().enumerate() {
        let run = a - c.first..b - c.first;
        let frames = c.progress[run.clone()].iter().zip(&c.state[run.clone()]).zip(&c.official_position[run]);
        for (j, ((&p, &s), &o)) in frames.enumerate() {
            progress[j * drivers + d] = p;
            state[j * drivers + d] = s;
            official[j * drivers + d] = o;
        }
    }
    let mut order: Vec<usize> = (0..drivers).collect();
    let mut keys: Vec<(u8, u64, u8, i64, u8, u16)> = Vec::with_capacity(drivers);
    // Per car: the last answers of its gap and interval searches, and whom they were to.
    let mut gap_hint: Vec<(usize, usize)> = vec![(usize::MAX, 0); drivers];
    let mut int_hint: Vec<(usize, usize)> = vec![(usize::MAX, 0); drivers];
    for k in a..b {
        let j = k - a;
        let t = tl.t_ms(k as u32);
        let (progress, state, official) =
            (&progress[j * drivers..][..drivers], &state[j * drivers..][..drivers], &official[j * drivers..][..drivers]);
        // Ties (the grid, cars stopped together) go by the official order, then the number:
        // a strict total order, so the result does not depend on the order sorted from. The
        // key's progress as an integer in the same order (`f64::total_cmp`'s), so a comparison
        // is one tuple of integers.
        keys.clear();
        for (d, c) in cars.iter().enumerate() {
            let (class, p, finish_position, finish_ms) = race_key(c, progress[d], state[d], official[d], tl, k, timing_points);
            keys.push((class, total_order(p), finish_position, finish_ms, official[d], c.driver));
        }
        let before = |x: usize, y: usize| -> bool { keys[x] < keys[y] };
        // Insertion sort from the previous frame's order: linear when nothing changed.
        for i in 1..order.len() {
            let mut m = i;
            while m > 0 && before(order[m], order[m - 1]) {
                order.swap(m, m - 1);
                m -= 1;
            }
        }
        // Before the race start there is no race to be behind in.
        let racing = start_frame.is_none_or(|f| k >= f);
        // The cars that can be behind or ahead: running (not stopped, retired or absent).
        let runs = |d: usize| {
            let s = CarState::from_u8(state[d]);
            progress[d].is_finite() && !matches!(s, CarState::NotStarted | CarState::Retired | CarState::Stopped)
        };
        let leader = order.iter().copied().find(|&d| runs(d)).unwrap_or(order[0]);
        // The running car ranked just above the one being ranked.
        let mut ahead = usize::MAX;
        for (rank, &d) in order.iter().enumerate() {
            let car_state = state[d];
            if car_state == CarState::NotStarted as u8 || (!progress[d].is_finite() && car_state != CarState::Retired as u8) {
                continue;
            }
            pos[d * len + j] = (rank + 1).min(255) as u8;
            if !runs(d) {
                continue;
            }
            let above = std::mem::replace(&mut ahead, d);
            if d == leader || above == usize::MAX || !racing {
                continue;
            }
            let ahead = above;
            let gaps = car_gaps(cars, index, tl, k, t, d, (leader, ahead), progress, state, (&mut gap_hint[d], &mut int_hint[d]));
            gap[d * len + j] = gaps.0;
            int[d * len + j] = gaps.1;
        }
    }
    st
}

/// Car `d`'s gap to `leader` and interval to `ahead` in frame `k` (at `t`): time-at-distance
/// at the frame's own time, also in the frame just after a line crossing (there it is the
/// difference of crossing times plus what the two cars' speeds made of the few hundredths of
/// a second since; with one of them in the pit lane that is up to 0.1 s); once the car has taken the flag,
/// frozen at the line's values (the difference of the flag times of cars on the same lap; of
/// the flag times plus the penalties announced once the timing applied a penalty to it).
#[allow(clippy::too_many_arguments)]
fn car_gaps(
    cars: &[CarColumns],
    index: &[ProgressIndex],
    tl: &Timeline,
    k: usize,
    t: i64,
    d: usize,
    (leader, ahead): (usize, usize),
    progress: &[f32],
    state: &[u8],
    (gap_hint, int_hint): (&mut (usize, usize), &mut (usize, usize)),
) -> (i32, i32) {
    let c = &cars[d];
    if CarState::from_u8(state[d]) == CarState::Finished {
        // The flag time plus the time penalties announced by `t` and not served.
        let classified = |car: &CarColumns, flag: i64| flag + car.penalties.iter().filter(|p| p.0 <= t).map(|p| p.1).sum::<i64>();
        // On the road's difference, as the timing shows it at the line; once the timing ranks a
        // car that crossed later ahead of this one (it applied a penalty), the difference of
        // classified times, as the timing then shows it.
        let penalised = matches!((c.finished_at_ms, cars[ahead].finished_at_ms), (Some(fa), Some(fo)) if fo > fa);
        let at_flag = |other: usize| match (c.finished_at_ms, cars[other].finished_at_ms) {
            (Some(fa), Some(fo)) if progress[d].floor() >= progress[other].floor() => {
                let gap = if penalised { classified(c, fa) - classified(&cars[other], fo) } else { fa - fo };
                gap.clamp(0, i32::MAX as i64) as i32
            }
            (Some(_), _) if progress[d].is_finite() && progress[other].is_finite() && progress[other] - progress[d] >= 1.0 => {
                -((progress[other] - progress[d]).min(99.0) as i32)
            }
            _ => NO_GAP,
        };
        return (at_flag(leader), at_flag(ahead));
    }
    // Ranked by timing points, a car may be ahead with a little less estimated progress:
    // the gap is then measured to where the car ahead is now.
    let p = f64::from(progress[d]).min(f64::from(progress[ahead]));
    if gap_hint.0 != leader {
        *gap_hint = (leader, k);
    }
    let to_leader = gap_between(&index[leader], tl, k, f64::from(progress[leader]), p, &mut gap_hint.1);
    // Second place: the car ahead is the leader, and the interval is the gap.
    let interval = if ahead == leader {
        to_leader
    } else {
        if int_hint.0 != ahead {
            *int_hint = (ahead, k);
        }
        gap_between(&index[ahead], tl, k, f64::from(progress[ahead]), p, &mut int_hint.1)
    };
    (to_leader, interval)
}

/// The order at `t` as columns over `cars` (position, gap, interval), from the model's order.
fn order_at(s: &Session, cars: &[CarColumns], t: i64) -> (Vec<u8>, Vec<i32>, Vec<i32>) {
    let order = timing::classification::best_lap_order(s, t);
    let mut pos = vec![0u8; cars.len()];
    let mut gap = vec![NO_GAP; cars.len()];
    let mut int = vec![NO_GAP; cars.len()];
    let ms = |v: Option<i64>| v.map_or(NO_GAP, |v| v.clamp(0, i32::MAX as i64) as i32);
    for (rank, st) in order.iter().filter(|st| cars.iter().any(|c| c.driver == st.driver)).enumerate() {
        let Some(d) = cars.iter().position(|c| c.driver == st.driver) else { continue };
        pos[d] = (rank + 1).min(255) as u8;
        gap[d] = ms(st.gap_ms);
        int[d] = ms(st.interval_ms);
    }
    (pos, gap, int)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The race standings of frames `0..frames`, indexed and ranked as the replay build does.
    fn race(cars: &[CarColumns], tl: &Timeline, timing_points: Option<[f64; 2]>, frames: usize) -> Standings {
        let mut ranking = Ranking::race(cars.len(), tl, timing_points, None);
        ranking.extend(cars);
        ranking.frames(cars, 0, frames)
    }

    fn car(driver: u16, progress: Vec<f32>, state: Vec<u8>) -> CarColumns {
        CarColumns { driver, official_position: vec![255; progress.len()], progress, state, ..Default::default() }
    }

    /// The first frame `..=upto` whose running maximum reaches `p`, by scanning every frame.
    fn first_reaching_by_scan(progress: &[f32], upto: usize, p: f64) -> Option<usize> {
        let mut m = f32::NEG_INFINITY;
        for (i, &v) in progress.iter().enumerate().take(upto + 1) {
            if v.is_finite() && v > m {
                m = v;
            }
            if m.is_finite() && f64::from(m) >= p {
                return Some(i);
            }
        }
        None
    }

    #[test]
    fn progress_counts_down_to_the_last_timing_point_passed() {
        let tp = [0.3, 0.7];
        assert_eq!(passed_point(4.29, tp), 4.0);
        assert_eq!(passed_point(4.31, tp), 4.3);
        assert_eq!(passed_point(4.69, tp), 4.3);
        assert_eq!(passed_point(4.95, tp), 4.7);
        assert_eq!(passed_point(-0.1, tp), -1.0 + 0.7);
    }

    #[test]
    fn without_positions_cars_between_the_same_timing_points_keep_the_official_order() {
        let tl = Timeline::new(0, 25, 2);
        let on_track = vec![CarState::OnTrack as u8; 2];
        // Car 1's estimate is a little ahead of car 2's, but the timing has car 2 ahead; car 3
        // has passed sector 1's point and is ahead of both whatever the timing says.
        let mut a = car(1, vec![5.10, 5.12], on_track.clone());
        let mut b = car(2, vec![5.08, 5.11], on_track.clone());
        let mut c = car(3, vec![5.31, 5.32], on_track);
        (a.official_position, b.official_position, c.official_position) = (vec![3, 3], vec![2, 2], vec![4, 4]);
        let cars = [a, b, c];
        let by_timing = race(&cars, &tl, Some([0.3, 0.7]), 2);
        assert_eq!([by_timing.position(0)[1], by_timing.position(1)[1], by_timing.position(2)[1]], [3, 2, 1]);
        // Car 1 is ahead of car 2 in the timing's order but a little behind by estimate: the
        // interval is measured to where car 2 is now, never missing.
        assert!(by_timing.interval_ms(0)[1] >= 0);
        // With positions, progress alone decides.
        let by_progress = race(&cars, &tl, None, 2);
        assert_eq!([by_progress.position(0)[1], by_progress.position(1)[1], by_progress.position(2)[1]], [2, 3, 1]);
    }

    #[test]
    fn finished_cars_rank_as_the_timing_ranks_them_else_by_flag_time_and_penalty() {
        let tl = Timeline::new(0, 25, 2);
        let finished = vec![CarState::Finished as u8; 2];
        // Car 1 took the flag first, car 2 0.4 s later; car 1 has a 5 s penalty.
        let mut a = car(1, vec![18.0, 18.0], finished.clone());
        let mut b = car(2, vec![18.0, 18.0], finished);
        (a.finished_at_ms, b.finished_at_ms) = (Some(-1_000), Some(-600));
        a.penalties = vec![(-60_000, 5_000)];
        // Frame 0: the timing has not moved car 1 behind yet; frame 1: it has.
        (a.official_position, b.official_position) = (vec![1, 2], vec![2, 1]);
        let cars = [a.clone(), b.clone()];
        let st = race(&cars, &tl, None, 2);
        assert_eq!([st.position(0)[0], st.position(1)[0]], [1, 2], "as the timing ranks them");
        assert_eq!([st.position(0)[1], st.position(1)[1]], [2, 1]);
        // Without positions from the timing: flag time plus the penalty puts car 1 behind.
        (a.official_position, b.official_position) = (vec![255, 255], vec![255, 255]);
        let st = race(&[a, b], &tl, None, 2);
        assert_eq!([st.position(0)[0], st.position(1)[0]], [2, 1]);
    }

    proptest! {
        #[test]
        fn the_progress_index_finds_what_a_scan_finds(
            progress in prop::collection::vec(prop_oneof![1 => Just(f32::NAN), 8 => -1.5f32..4.0], 1..400),
            probes in prop::collection::vec((-2.0f64..5.0, 0usize..400), 1..40),
        ) {
            let index = ProgressIndex::new(&progress, None);
            // Random points, the samples themselves and the step thresholds (the edge cases).
            let last = progress.len() - 1;
            let exact = progress.iter().filter(|v| v.is_finite()).map(|&v| (f64::from(v), last));
            let steps = (0..3000).step_by(7).map(|j| (ProgressIndex::threshold(j), last));
            for (p, upto) in probes.into_iter().chain(exact).chain(steps) {
                let upto = upto.min(progress.len() - 1);
                let i = index.first_frame_reaching(p);
                let found = (i <= upto && i < progress.len()).then_some(i);
                prop_assert_eq!(found, first_reaching_by_scan(&progress, upto, p), "p {} upto {}", p, upto);
                // Walking from any hint, near or far, gives the same frame.
                for start in [0, upto / 2, i.saturating_sub(3), i + 3, progress.len()] {
                    let mut hint = start;
                    prop_assert_eq!(index.first_frame_reaching_from(p, &mut hint), i, "p {} hint {}", p, start);
                }
            }
        }

        #[test]
        fn total_order_orders_as_total_cmp(a in any::<f64>(), b in any::<f64>()) {
            prop_assert_eq!(total_order(a).cmp(&total_order(b)), a.total_cmp(&b));
            for special in [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN, f64::MAX, f64::MIN] {
                prop_assert_eq!(total_order(a).cmp(&total_order(special)), a.total_cmp(&special));
            }
        }

        #[test]
        fn race_standings_are_a_permutation_of_the_cars_present(
            progress in prop::collection::vec(prop::collection::vec(prop_oneof![Just(f32::NAN), 0.0f32..60.0], 8), 1..12),
            states in prop::collection::vec(prop::collection::vec(0u8..8, 8), 12),
            timing_points in prop::option::of(Just([0.31, 0.68])),
        ) {
            let tl = Timeline::new(0, 25, 8);
            let cars: Vec<CarColumns> = progress.iter().enumerate().map(|(d, p)| car(d as u16 + 1, p.clone(), states[d].clone())).collect();
            let st = race(&cars, &tl, timing_points, 8);
            for k in 0..8 {
                let mut pos: Vec<u8> = (0..cars.len()).map(|d| st.position(d)[k]).filter(|p| *p > 0).collect();
                let present = (0..cars.len()).filter(|&d| {
                    let s = CarState::from_u8(cars[d].state[k]);
                    s != CarState::NotStarted && (cars[d].progress[k].is_finite() || s == CarState::Retired)
                }).count();
                pos.sort_unstable();
                // Every car present has a position, no two share one, and they are 1..n in
                // order (cars not present are ranked after, so ranks may skip at the end).
                prop_assert_eq!(pos.len(), present);
                pos.dedup();
                prop_assert_eq!(pos.len(), present);
            }
        }
    }
}
