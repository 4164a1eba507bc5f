//! Every car's state on the common timeline: one pass per driver (drivers in parallel), each
//! channel a column with one value per frame. Continuous channels are interpolated, discrete
//! ones stepped; a car with no data at a frame is absent, never at (0, 0). A car's progress
//! along the lap between two position samples follows the distance its speed channel gives
//! ([`crate::between`]), not a straight line in time: the standings' time-at-distance gaps
//! read it.

use crate::between::{short_way, PositionPair};
use crate::geometry::Track;
use crate::quantise::round_to_i32;
use crate::timeline::Timeline;
use timing::laps::Lap;
use timing::official::OfficialTimeline;
use timing::telemetry::DriverTelemetry;
use timing::walk::TimeWalk;
use timing::Session;

/// State of a car in a frame (the chunk format's `state` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CarState {
    /// No data at this time.
    Absent = 0,
    /// Running on track.
    OnTrack = 1,
    /// In the pit lane.
    InPit = 2,
    /// On an out-lap.
    OutLap = 3,
    /// Stopped on track.
    Stopped = 4,
    /// Retired.
    Retired = 5,
    /// Took the chequered flag.
    Finished = 6,
    /// Did not start.
    NotStarted = 7,
}

impl CarState {
    /// The label the UI and the JSON frame use.
    pub fn label(self) -> &'static str {
        match self {
            CarState::Absent => "absent",
            CarState::OnTrack => "on_track",
            CarState::InPit => "pit",
            CarState::OutLap => "out_lap",
            CarState::Stopped => "stopped",
            CarState::Retired => "retired",
            CarState::Finished => "finished",
            CarState::NotStarted => "not_started",
        }
    }
    /// What a timing tower shows next to the car (empty: nothing).
    pub fn short_label(self) -> &'static str {
        match self {
            CarState::Absent | CarState::OnTrack => "",
            CarState::InPit => "PIT",
            CarState::OutLap => "OUT",
            CarState::Stopped => "STOP",
            CarState::Retired => "RET",
            CarState::Finished => "FIN",
            CarState::NotStarted => "DNS",
        }
    }

    /// From the chunk byte.
    pub fn from_u8(v: u8) -> CarState {
        match v {
            1 => CarState::OnTrack,
            2 => CarState::InPit,
            3 => CarState::OutLap,
            4 => CarState::Stopped,
            5 => CarState::Retired,
            6 => CarState::Finished,
            7 => CarState::NotStarted,
            _ => CarState::Absent,
        }
    }
}

/// Compound names and their chunk codes.
pub const COMPOUNDS: [&str; 6] = ["", "SOFT", "MEDIUM", "HARD", "INTERMEDIATE", "WET"];

fn compound_code(c: &str) -> u8 {
    COMPOUNDS.iter().position(|k| *k == c).map_or(0, |i| i as u8)
}

/// One driver's columns over a run of frames (`first..first + len`), one value per frame, and
/// the facts about the car the standings need at any frame.
#[derive(Debug, Default, Clone)]
pub struct CarColumns {
    /// Racing number.
    pub driver: u16,
    /// The session frame of the columns' first value.
    pub first: usize,
    /// X, decimetres (`i32::MIN` = no position).
    pub x_dm: Vec<i32>,
    /// Y, decimetres.
    pub y_dm: Vec<i32>,
    /// Laps completed + fraction of the current lap (NaN = unknown). f32 resolves 2 cm on a
    /// 70-lap race, and halves the largest column.
    pub progress: Vec<f32>,
    /// Speed, km/h.
    pub speed: Vec<u16>,
    /// Engine rpm.
    pub rpm: Vec<u16>,
    /// Current lap number (0 before the first).
    pub lap: Vec<u16>,
    /// Gear.
    pub gear: Vec<u8>,
    /// Throttle, %.
    pub throttle: Vec<u8>,
    /// Brake on.
    pub brake: Vec<u8>,
    /// DRS: 0 off, 1 available, 2 open.
    pub drs: Vec<u8>,
    /// Compound code.
    pub compound: Vec<u8>,
    /// Laps on the current tyres.
    pub tyre_age: Vec<u8>,
    /// Pit stops so far.
    pub pit_stops: Vec<u8>,
    /// State code.
    pub state: Vec<u8>,
    /// The official position at each frame (255 unknown), to break ties.
    pub official_position: Vec<u8>,
    /// Time penalties not served in the pits: (when announced, session ms; length, ms). The
    /// classification adds them to the time the car took the flag.
    pub penalties: Vec<(i64, i64)>,
    /// Session time at which the car completed each lap (index: lap number − 1; `i64::MIN`
    /// where the lap has no time), from the laps' times: at the frame just after a crossing the
    /// standings give the gap at the line, as the timing does.
    pub crossings_ms: Vec<i64>,
    /// Session time the car took the chequered flag.
    pub finished_at_ms: Option<i64>,
    /// Session time the car retired.
    pub retired_at_ms: Option<i64>,
}

/// Session-wide facts every car's pass needs.
pub struct CarContext<'a> {
    /// The session.
    pub session: &'a Session,
    /// The track, when positions exist.
    pub track: Option<&'a Track>,
    /// The frame times.
    pub timeline: &'a Timeline,
    /// When the winner took the chequered flag (race-like sessions).
    pub chequered_ms: Option<i64>,
    /// Last session time with any timing or telemetry.
    pub session_end_ms: i64,
    /// How far round a lap sectors 1 and 2 end (see [`timing_points`]).
    pub timing_points: Option<[f64; 2]>,
}

/// How far round a lap (0..1) the session's sector 1 and sector 2 timing points are: the
/// median share of the lap time spent before each, over every lap with all three times.
/// Where a car has no position, its progress between line crossings is timed through these
/// points (the timing's own intermediate times), so it passes a slower car where the timing
/// saw it pass. `None` without such laps.
pub fn timing_points(s: &Session) -> Option<[f64; 2]> {
    let (mut s1, mut s2): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for l in s.laps.iter().filter(|l| !l.generated) {
        if let (Some(lap), Some(a), Some(b)) = (l.lap_time_ms, l.sector_ms[0], l.sector_ms[1]) {
            if lap > 0 && a > 0 && b > 0 && a + b < lap {
                s1.push(a as f64 / lap as f64);
                s2.push((a + b) as f64 / lap as f64);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (!s1.is_empty()).then(|| [median(&mut s1), median(&mut s2)]).filter(|p| 0.0 < p[0] && p[0] < p[1] && p[1] < 1.0)
}

/// A lap report this much later than the lap's crossing time is a late message: the timing's
/// positions already counted the crossing, so the lap counts from the crossing.
const LATE_REPORT_MS: i64 = 3_000;
/// A lap report this much later than its crossing means the timing missed the crossing
/// itself (its positions drop the car a lap until the report): the lap counts from the
/// report, as the timing's positions do, but its fraction is timed from the crossing.
const MISSED_CROSSING_MS: i64 = 10_000;

/// The fraction of a lap between `a` (its start) and `b` (its end) at time `t`, without a
/// position: linear in time through the lap's sector timing points (`(end time, fraction)`
/// pairs; either may be absent), below 1.
fn timed_fraction(t: i64, a: i64, b: i64, points: [Option<(i64, f64)>; 2]) -> f64 {
    let (mut t0, mut f0) = (a, 0.0);
    for (tp, fp) in points.into_iter().flatten() {
        if tp <= t0 || tp >= b || fp <= f0 {
            continue;
        }
        if t < tp {
            return (f0 + (t - t0) as f64 / (tp - t0) as f64 * (fp - f0)).clamp(0.0, 0.9999);
        }
        (t0, f0) = (tp, fp);
    }
    (f0 + (t - t0) as f64 / (b - t0).max(1) as f64 * (1.0 - f0)).clamp(0.0, 0.9999)
}

/// Two telemetry rows further apart than the car could drive between them are a jump in the
/// data: speed margin (m/s) over the faster row's speed, for the position and car-data
/// sources' different delays.
const JUMP_SPEED_MARGIN_MS: f32 = 15.0;
/// The speed (m/s) a car is assumed able to reach where the rows have none: above any F1 car's.
const JUMP_SPEED_UNKNOWN_MS: f32 = 120.0;
/// Metres allowed on top of the distance drivable: the positions' own noise.
const JUMP_SLACK_M: f32 = 5.0;

/// What a car pass needs of a telemetry row pair `(row, row + 1)` at every frame between them,
/// worked out once when the frames reach the pair.
#[derive(Clone, Copy)]
struct RowPair {
    /// The first row of the pair.
    row: usize,
    /// The two rows' times.
    t0: i64,
    t1: i64,
    /// The first row's x, y, speed, rpm and throttle, and how much each changes to the second.
    start: [f32; 5],
    change: [f32; 5],
    /// The rows are further apart than the car can drive in the time between them.
    jump: bool,
    /// Gear, brake and DRS state of the first row (stepped channels).
    gear: u8,
    brake: u8,
    drs: u8,
}

impl RowPair {
    /// Rows `i` and `i + 1` of `tel` (both must exist).
    fn new(tel: &DriverTelemetry, i: usize) -> RowPair {
        let (t0, t1) = (tel.t_ms[i], tel.t_ms[i + 1]);
        let (x, y, v, rpm, thr) = (&tel.x_m, &tel.y_m, &tel.speed_kph, &tel.rpm, &tel.throttle_pct);
        let start = [x[i], y[i], v[i], rpm[i], thr[i]];
        let change = [x[i + 1] - x[i], y[i + 1] - y[i], v[i + 1] - v[i], rpm[i + 1] - rpm[i], thr[i + 1] - thr[i]];
        // Two rows further apart than a car can drive in the time between them are a jump in
        // the data: no position in between. The bound follows the car's own speed (with margin
        // for the two sources' delays).
        let (dx, dy) = (change[0], change[1]);
        let v_max = tel.speed_kph[i].max(tel.speed_kph[i + 1]);
        let v_ms = if v_max.is_finite() { v_max / 3.6 + JUMP_SPEED_MARGIN_MS } else { JUMP_SPEED_UNKNOWN_MS };
        let reach = v_ms * (t1 - t0) as f32 / 1000.0 + JUMP_SLACK_M;
        // Squared lengths: no square root (NaN positions compare false).
        let jump = dx * dx + dy * dy > reach * reach;
        RowPair { row: i, t0, t1, start, change, jump, gear: tel.gear[i], brake: u8::from(tel.brake[i]), drs: drs_state(tel.drs[i]) }
    }
}

/// When the leader completed the race distance, or the session finished.
pub fn chequered_flag(s: &Session) -> Option<i64> {
    if !s.info.is_race_like() {
        return None;
    }
    let by_distance =
        s.total_laps.and_then(|total| s.laps.iter().filter(|l| l.lap_number == total && !l.generated).filter_map(|l| l.time_ms).min());
    by_distance.or_else(|| s.session_status.iter().find(|st| st.value == "Finished").map(|st| st.t_ms))
}

fn drs_state(v: u8) -> u8 {
    // Channel 45: 10, 12, 14 = open; 8 = available (eligible, not open); others off.
    match v {
        10..=14 => 2,
        8 => 1,
        _ => 0,
    }
}

/// One car's output columns, borrowed as slices of the frame count while the pass fills them.
struct Out<'c> {
    x_dm: &'c mut [i32],
    y_dm: &'c mut [i32],
    progress: &'c mut [f32],
    speed: &'c mut [u16],
    rpm: &'c mut [u16],
    lap: &'c mut [u16],
    gear: &'c mut [u8],
    throttle: &'c mut [u8],
    brake: &'c mut [u8],
    drs: &'c mut [u8],
    compound: &'c mut [u8],
    tyre_age: &'c mut [u8],
    pit_stops: &'c mut [u8],
    state: &'c mut [u8],
    official_position: &'c mut [u8],
}

/// Builds one driver's columns for the whole session: one [`CarPass`] over every frame.
pub fn build(ctx: &CarContext<'_>, driver: u16) -> CarColumns {
    let mut pass = CarPass::new(ctx, driver);
    let mut c = pass.columns();
    pass.fill(&mut c, 0, ctx.timeline.frames as usize);
    c
}

/// A step function's change time, for [`TimeWalk`]s over the official flags.
fn change_time<T>(change: &(i64, T)) -> i64 {
    change.0
}

/// A walk over one official flag's changes.
type FlagWalk<'a, T> = TimeWalk<'a, (i64, T), fn(&(i64, T)) -> i64>;

/// One driver's pass over the frames, in runs: [`CarPass::fill`] goes on from the frame where
/// the previous run stopped, so the replay build holds one run of every car's columns at a
/// time instead of the whole session's (for the simulated race, a fifth less peak memory and
/// a fifth fewer pages first touched).
pub struct CarPass<'a> {
    setup: Setup<'a>,
    walk: Walk<'a>,
}

/// What a car's pass knows before its first frame.
struct Setup<'a> {
    ctx: &'a CarContext<'a>,
    /// The car's laps, in order; the timed ones; the ones FastF1 generated.
    laps: Vec<&'a Lap>,
    timed: Vec<&'a Lap>,
    generated: Vec<&'a Lap>,
    tel: Option<&'a DriverTelemetry>,
    /// Races: when each lap counts and its count; when the lap after it is timed from.
    official_laps: Vec<(i64, u32)>,
    lap_from: Vec<i64>,
    /// Pit entries in time order.
    pit_ins: Vec<i64>,
    /// The car has no lap at all: it did not start.
    no_start: bool,
    race_like: bool,
    /// The session has timing: without it nothing says a car is running or did not start.
    timed_session: bool,
    /// The car's facts, with empty columns: what [`CarPass::columns`] starts from.
    info: CarColumns,
}

/// What a car's pass carries from one frame to the next.
#[derive(Clone, Copy)]
struct Walk<'a> {
    /// The official flags, read at increasing frame times.
    in_pit_at: FlagWalk<'a, bool>,
    stopped_at: FlagWalk<'a, bool>,
    position_at: FlagWalk<'a, u32>,
    /// What changes only at the times of the laps, flags and pit entries, worked out again
    /// only when a frame reaches the next of those times (`next_change`).
    next_change: i64,
    completed: usize,
    in_pit: bool,
    stopped: bool,
    official_position: u8,
    /// Laps reported so far (index into `timed`, or into `official_laps` in races).
    lap_i: usize,
    /// Pit entries passed.
    pit_i: usize,
    /// The bounds of the lap being driven, and the `lap_i` they are for.
    bounds_for: Option<usize>,
    bounds: (Option<i64>, Option<i64>, bool),
    /// The telemetry row pair around the frames, until a frame reaches `pair_until`.
    pair: Option<RowPair>,
    pair_until: i64,
    tel_hint: usize,
    proj_hint: usize,
    /// Distance along the lap of telemetry rows `i` and `i + 1`, projected once per row pair:
    /// where the position samples are not known (see `PositionPair`), a car between two
    /// rows is drawn on the straight line between them and its distance along the lap is
    /// interpolated the same way (a projection per row, not per frame).
    row_along: Option<(usize, f32, f32)>,
    /// The two position samples around the frames, projected once per pair.
    position_pair: Option<PositionPair>,
    prev_progress: f64,
    /// The lap being driven, and its tyres (compound code, age), looked up when a lap is
    /// completed.
    current_for: Option<usize>,
    current: Option<&'a Lap>,
    tyres: (u8, u8),
    /// The next frame to fill.
    next_frame: usize,
}

/// `v` at exactly `len` values (growing it writes the zeros only for the new part): every
/// value is written by the pass after.
fn sized<T: Copy + Default>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    v.truncate(len);
    v.resize(len, T::default());
    v
}

impl<'a> CarPass<'a> {
    /// A pass of `driver`'s car before the first frame.
    pub fn new(ctx: &'a CarContext<'a>, driver: u16) -> CarPass<'a> {
        let s = ctx.session;
        let laps: Vec<&Lap> = s.laps.iter().filter(|l| l.driver == driver).collect();
        let timed: Vec<&Lap> = laps.iter().copied().filter(|l| !l.generated && l.time_ms.is_some()).collect();
        // Laps FastF1 generated (the end of a race a car did not finish): usually none or one.
        let generated: Vec<&Lap> = laps.iter().copied().filter(|l| l.generated).collect();
        let tel: Option<&DriverTelemetry> = s.telemetry_of(driver);
        let official: Option<&OfficialTimeline> = s.official.iter().find(|o| o.driver == driver);
        let race_like = s.info.is_race_like();

        let mut c = CarColumns { driver, penalties: time_penalties(s, driver), ..CarColumns::default() };
        for l in &timed {
            let (Some(i), Some(t)) = ((l.lap_number as usize).checked_sub(1), l.time_ms) else { continue };
            if c.crossings_ms.len() <= i {
                c.crossings_ms.resize(i + 1, i64::MIN);
            }
            c.crossings_ms[i] = t;
        }
        // Races count laps as the timing does (NumberOfLaps, when it reported each crossing), so
        // the order at every crossing is the official one; elsewhere the laps are counted. A
        // report within a few seconds of the crossing is kept as it is: the timing's own positions
        // follow its reports then (dating every lap at its crossing matched the official order at
        // fewer crossings of the 2018 Baku race). A report later than that is a late message or a
        // missed crossing ([`LATE_REPORT_MS`], [`MISSED_CROSSING_MS`]).
        // `official_laps[i]`: (when lap count `.1` counts, the count); `lap_from[i]`: when the lap
        // after it is timed from.
        let (mut official_laps, mut lap_from): (Vec<(i64, u32)>, Vec<i64>) = (Vec::new(), Vec::new());
        if let Some(o) = official.filter(|_| race_like) {
            for &(report, count) in &o.laps {
                let crossing =
                    (count as usize).checked_sub(1).and_then(|i| c.crossings_ms.get(i)).copied().filter(|&t| t != i64::MIN && t < report);
                let late = crossing.map_or(0, |c| report - c);
                let at = match crossing {
                    Some(c) if (LATE_REPORT_MS..MISSED_CROSSING_MS).contains(&late) => {
                        c.max(official_laps.last().map_or(i64::MIN, |l| l.0 + 1))
                    }
                    _ => report,
                };
                official_laps.push((at, count));
                lap_from.push(match crossing {
                    Some(c) if late >= MISSED_CROSSING_MS => c,
                    _ => at,
                });
            }
        }
        c.finished_at_ms = ctx.chequered_ms.and_then(|cf| {
            if official_laps.is_empty() {
                timed.iter().filter_map(|l| l.time_ms).filter(|t| *t >= cf).min()
            } else {
                official_laps.iter().map(|l| l.0).filter(|t| *t >= cf).min()
            }
        });
        // Retired: the official flag, else (races) a car that stopped timing before the flag.
        c.retired_at_ms = official.and_then(|o| o.retired.iter().find(|r| r.1).map(|r| r.0)).or_else(|| {
            if !race_like || c.finished_at_ms.is_some() || timed.is_empty() {
                return None;
            }
            // The last sign of the car running: its last lap, sector or pit exit.
            let last = laps.last().and_then(|l| l.time_ms).max(official.and_then(|o| o.last_running_ms))?;
            (last + 120_000 < ctx.chequered_ms.unwrap_or(ctx.session_end_ms)).then_some(last)
        });
        // A car with no lap at all did not start; a lap-1 crash has a generated lap and did start.
        let no_start = laps.is_empty();

        // Pit entries in time order, walked with the frames.
        let mut pit_ins: Vec<i64> = laps.iter().filter_map(|l| l.pit_in_ms).collect();
        pit_ins.sort_unstable();
        let flags = |f: fn(&OfficialTimeline) -> &Vec<(i64, bool)>| -> FlagWalk<'a, bool> {
            TimeWalk::new(official.map_or(&[][..], |o| f(o)), change_time as fn(&(i64, bool)) -> i64)
        };
        let walk = Walk {
            in_pit_at: flags(|o| &o.in_pit),
            stopped_at: flags(|o| &o.stopped),
            position_at: TimeWalk::new(official.map_or(&[][..], |o| &o.position), change_time as fn(&(i64, u32)) -> i64),
            next_change: i64::MIN,
            completed: 0,
            in_pit: false,
            stopped: false,
            official_position: 255,
            lap_i: 0,
            pit_i: 0,
            bounds_for: None,
            bounds: (None, None, false),
            pair: None,
            pair_until: i64::MIN,
            tel_hint: 0,
            proj_hint: 0,
            row_along: None,
            position_pair: None,
            prev_progress: f64::NAN,
            current_for: None,
            current: None,
            tyres: (0, 0),
            next_frame: 0,
        };
        let timed_session = crate::manifest::Coverage::has_timing(s);
        let setup =
            Setup { ctx, laps, timed, generated, tel, official_laps, lap_from, pit_ins, no_start, race_like, timed_session, info: c };
        CarPass { setup, walk }
    }

    /// The car's facts with empty columns, for [`CarPass::fill`] to fill.
    pub fn columns(&self) -> CarColumns {
        self.setup.info.clone()
    }

    /// Fills `c`'s columns with frames `a..b` (`c.first` becomes `a`). `a` must be where the
    /// previous run ended (0 the first time): the pass walks the laps, flags and telemetry
    /// forward only. Each frame: the timing's changes up to it ([`Walk::catch_up`]), the lap
    /// being driven ([`Walk::current_lap`]), the telemetry at it ([`Walk::telemetry_at`]), the
    /// car's state ([`Setup::state_at`]), its progress ([`Walk::progress_at`]), written out.
    pub fn fill(&mut self, c: &mut CarColumns, a: usize, b: usize) {
        debug_assert_eq!(a, self.walk.next_frame, "a car pass goes on from where it stopped");
        let setup = &self.setup;
        // The walk as a local copy, so its fields live in registers over the loop.
        let mut w = self.walk;
        let len = b.saturating_sub(a);
        c.first = a;
        // The output columns as slices of exactly `len` values: frame `k` of the run at `k - a`.
        let mut out = Out {
            x_dm: &mut sized(&mut c.x_dm, len)[..len],
            y_dm: &mut sized(&mut c.y_dm, len)[..len],
            progress: &mut sized(&mut c.progress, len)[..len],
            speed: &mut sized(&mut c.speed, len)[..len],
            rpm: &mut sized(&mut c.rpm, len)[..len],
            lap: &mut sized(&mut c.lap, len)[..len],
            gear: &mut sized(&mut c.gear, len)[..len],
            throttle: &mut sized(&mut c.throttle, len)[..len],
            brake: &mut sized(&mut c.brake, len)[..len],
            drs: &mut sized(&mut c.drs, len)[..len],
            compound: &mut sized(&mut c.compound, len)[..len],
            tyre_age: &mut sized(&mut c.tyre_age, len)[..len],
            pit_stops: &mut sized(&mut c.pit_stops, len)[..len],
            state: &mut sized(&mut c.state, len)[..len],
            official_position: &mut sized(&mut c.official_position, len)[..len],
        };
        for j in 0..len {
            let t = setup.ctx.timeline.t_ms((a + j) as u32);
            if t >= w.next_change {
                w.catch_up(setup, t);
            }
            w.current_lap(setup);
            let sample = w.telemetry_at(setup.tel, t);
            let state = setup.state_at(&w, t, sample.has_pos());
            let progress = w.progress_at(setup, t, &sample, state);
            out.write(j, &sample, progress, state, &w, setup.lap_number_at(&w, t));
        }
        w.next_frame = b.max(a);
        self.walk = w;
    }
}

/// How close to a lap's timed start or end (ms) a projected fraction on the far side of the
/// line is taken to be on the near side: the projection and the timing's line differ by a few
/// metres, never by a lap, and a lap is far longer than this.
const NEAR_LINE_MS: i64 = 30_000;

/// The telemetry at one frame: interpolated between the rows around it (NaN where none).
struct Sample {
    x: f32,
    y: f32,
    speed: f32,
    rpm: f32,
    throttle: f32,
    gear: u8,
    brake: u8,
    drs: u8,
    /// The row pair around the frame and how far between its rows the frame is.
    row: Option<(usize, f32)>,
}

impl Sample {
    /// Whether the frame has a position.
    fn has_pos(&self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

impl Setup<'_> {
    /// The lap being driven after `lap_i` lap reports (`completed` laps): (start, end, whether
    /// the end is a real line crossing rather than a stop or an estimate).
    fn lap_bounds(&self, lap_i: usize, completed: usize) -> (Option<i64>, Option<i64>, bool) {
        let (laps, timed, generated, official_laps) = (&self.laps, &self.timed, &self.generated, &self.official_laps);
        if official_laps.is_empty() {
            let start =
                if completed == 0 { laps.first().and_then(|l| l.lap_start_ms) } else { timed.get(completed - 1).and_then(|l| l.time_ms) };
            // Without a timed end (a retirement on track) the generated lap's end; a lap-1
            // crash (its only lap generated) has no end: where it stopped is unknown.
            let end = timed.get(completed).and_then(|l| l.time_ms).or_else(|| {
                if timed.is_empty() {
                    return None;
                }
                generated.iter().find(|l| l.lap_number as usize == completed + 1).and_then(|l| l.time_ms)
            });
            (start, end, timed.get(completed).is_some())
        } else {
            let start = if lap_i == 0 { laps.first().and_then(|l| l.lap_start_ms) } else { Some(self.lap_from[lap_i - 1]) };
            // After the last crossing the timing reported (a car about to retire), the lap is
            // assumed as long as the one before.
            let previous = (lap_i >= 2).then(|| official_laps[lap_i - 1].0 - official_laps[lap_i - 2].0);
            let end = official_laps
                .get(lap_i)
                .map(|l| l.0)
                .or_else(|| generated.first().and_then(|l| l.time_ms))
                .or_else(|| Some(start? + previous?));
            (start, end, lap_i < official_laps.len())
        }
    }

    /// The car's state at `t`, from the official flags and the laps.
    fn state_at(&self, w: &Walk<'_>, t: i64, has_pos: bool) -> CarState {
        if self.no_start && self.race_like && self.timed_session {
            CarState::NotStarted
        } else if self.info.finished_at_ms.is_some_and(|f| t >= f) {
            CarState::Finished
        } else if self.info.retired_at_ms.is_some_and(|r| t >= r) {
            CarState::Retired
        } else if w.stopped {
            CarState::Stopped
        } else if w.in_pit {
            CarState::InPit
        } else if w.current.is_some_and(|l| l.pit_out_ms.is_some_and(|p| p <= t) && l.lap_number as usize == w.completed + 1) {
            CarState::OutLap
        } else if has_pos || (self.tel.is_none() && self.timed_session) {
            CarState::OnTrack
        } else {
            CarState::Absent
        }
    }

    /// The lap number shown at `t`: 0 before the car's first lap starts.
    fn lap_number_at(&self, w: &Walk<'_>, t: i64) -> u16 {
        if self.laps.is_empty() || w.bounds.0.is_none_or(|a| t < a) && w.completed == 0 {
            0
        } else {
            (w.completed + 1).min(u16::MAX as usize) as u16
        }
    }
}

impl<'a> Walk<'a> {
    /// At a frame at or past `next_change`: the laps counted, the official flags and the pit
    /// entries passed by `t`, and when the next of them changes.
    fn catch_up(&mut self, setup: &Setup<'a>, t: i64) {
        let (timed, official_laps, pit_ins) = (&setup.timed, &setup.official_laps, &setup.pit_ins);
        (self.completed, self.next_change) = if official_laps.is_empty() {
            while self.lap_i < timed.len() && timed[self.lap_i].time_ms.is_some_and(|e| e <= t) {
                self.lap_i += 1;
            }
            (self.lap_i, timed.get(self.lap_i).and_then(|l| l.time_ms).unwrap_or(i64::MAX))
        } else {
            while self.lap_i < official_laps.len() && official_laps[self.lap_i].0 <= t {
                self.lap_i += 1;
            }
            let completed = if self.lap_i == 0 { 0 } else { official_laps[self.lap_i - 1].1 as usize };
            (completed, official_laps.get(self.lap_i).map_or(i64::MAX, |l| l.0))
        };
        self.in_pit = self.in_pit_at.last(t).is_some_and(|c| c.1);
        self.stopped = self.stopped_at.last(t).is_some_and(|c| c.1);
        self.official_position = self.position_at.last(t).map_or(255, |p| p.1.min(254) as u8);
        while self.pit_i < pit_ins.len() && pit_ins[self.pit_i] <= t {
            self.pit_i += 1;
        }
        self.next_change = self
            .next_change
            .min(self.in_pit_at.next_time())
            .min(self.stopped_at.next_time())
            .min(self.position_at.next_time())
            .min(pit_ins.get(self.pit_i).copied().unwrap_or(i64::MAX));
    }

    /// The lap being driven and its tyres (compound code, age), looked up when a lap is
    /// completed. Laps are numbered from 1 in order, so it is usually at index `completed`.
    fn current_lap(&mut self, setup: &Setup<'a>) {
        if self.current_for == Some(self.completed) {
            return;
        }
        let (laps, completed) = (&setup.laps, self.completed);
        self.current_for = Some(completed);
        self.current = match laps.get(completed) {
            Some(l) if l.lap_number as usize == completed + 1 => Some(*l),
            _ => laps.iter().find(|l| l.lap_number as usize == completed + 1).copied().or(laps.last().copied()),
        };
        self.tyres = (
            self.current.map_or(0, |l| compound_code(&l.compound)),
            self.current.and_then(|l| l.tyre_life).map_or(0, |a| (a - 1.0).max(0.0) as u8),
        );
    }

    /// The telemetry at `t`: the row pair around it (looked up when `t` passes the pair's
    /// end), interpolated; no position across a jump in the data.
    fn telemetry_at(&mut self, tel: Option<&DriverTelemetry>, t: i64) -> Sample {
        let mut sample =
            Sample { x: f32::NAN, y: f32::NAN, speed: f32::NAN, rpm: f32::NAN, throttle: f32::NAN, gear: 0, brake: 0, drs: 0, row: None };
        if let Some(tel) = tel.filter(|_| t >= self.pair_until) {
            while self.tel_hint + 1 < tel.t_ms.len() && tel.t_ms[self.tel_hint + 1] <= t {
                self.tel_hint += 1;
            }
            let i = self.tel_hint;
            (self.pair, self.pair_until) = if tel.t_ms.get(i).is_some_and(|&ti| ti <= t) && i + 1 < tel.t_ms.len() {
                (Some(RowPair::new(tel, i)), tel.t_ms[i + 1])
            } else {
                // Before the first row, or after the last.
                (None, tel.t_ms.first().copied().filter(|&first| first > t).unwrap_or(i64::MAX))
            };
        }
        if let Some(p) = &self.pair {
            let f = (t - p.t0) as f32 / (p.t1 - p.t0).max(1) as f32;
            sample.row = Some((p.row, f));
            let lerp = |c: usize| p.start[c] + p.change[c] * f;
            (sample.x, sample.y) = if t != p.t0 && p.jump { (f32::NAN, f32::NAN) } else { (lerp(0), lerp(1)) };
            (sample.speed, sample.rpm, sample.throttle) = (lerp(2), lerp(3), lerp(4));
            (sample.gear, sample.brake, sample.drs) = (p.gear, p.brake, p.drs);
        }
        sample
    }

    /// Progress at `t`: laps completed (timing) + fraction along the lap ([`Walk::lap_fraction`]),
    /// made continuous with the timing's line; where this frame gives no fraction, where the
    /// car was last seen; a finished or retired car keeps the progress it had.
    fn progress_at(&mut self, setup: &Setup<'a>, t: i64, sample: &Sample, state: CarState) -> f64 {
        // The lap's bounds change only with the laps counted: worked out once per lap.
        if self.bounds_for != Some(self.lap_i) {
            self.bounds_for = Some(self.lap_i);
            self.bounds = setup.lap_bounds(self.lap_i, self.completed);
        }
        let (lap_start, lap_end, crossing) = self.bounds;
        let mut frac = self.lap_fraction(setup, t, sample);
        // Near the line: a car just past the timing line that the projection still sees
        // before it, and the reverse, are put on the right side.
        if frac.is_finite() {
            if frac > 0.5 && lap_start.is_none_or(|a| t - a < NEAR_LINE_MS) {
                frac -= 1.0;
            } else if frac < 0.5 && crossing && lap_end.is_some_and(|b| b - t < NEAR_LINE_MS && b >= t) {
                frac += 1.0;
            }
        }
        if setup.timed.is_empty() && !sample.has_pos() && !frac.is_finite() {
            // A car that never completed a lap and has no position: it is at the start.
            frac = 0.0;
        }
        let mut progress = if state == CarState::NotStarted { f64::NAN } else { self.completed as f64 + frac };
        // Where this frame gives no fraction (no position, no lap end to time against), the
        // car is where it was last seen.
        if progress.is_nan() && state != CarState::NotStarted && self.prev_progress.is_finite() {
            progress = self.prev_progress.max(self.completed as f64);
        }
        if matches!(state, CarState::Finished | CarState::Retired) && self.prev_progress.is_finite() {
            progress = self.prev_progress;
        }
        if state == CarState::Finished {
            progress = progress.max(self.completed as f64);
        }
        self.prev_progress = progress;
        progress
    }

    /// The fraction of the lap at `t` (NaN if unknown): the position projected on the
    /// centreline (interpolated between the projections of the two telemetry rows around `t`,
    /// the short way round); without a position, timed through the lap's sector points. A car
    /// in the pit lane of a session with positions that shows none (in its garage) gets none.
    fn lap_fraction(&mut self, setup: &Setup<'a>, t: i64, sample: &Sample) -> f64 {
        let ctx = setup.ctx;
        let (lap_start, lap_end, _) = self.bounds;
        if let (true, Some(track), Some((i, f)), Some(tel)) = (sample.has_pos(), ctx.track, sample.row, setup.tel) {
            let lap_m = track.length_m;
            let along = match self.position_pair_at(tel, track, i) {
                Some(pair) => pair.along_at(tel, t),
                None => self.row_along_at(tel, track, i, f),
            };
            let along = if along < 0.0 {
                along + lap_m
            } else if along >= lap_m {
                along - lap_m
            } else {
                along
            };
            f64::from(track.fraction(along))
        } else if let (Some(a), Some(b), false) = (lap_start, lap_end, self.in_pit && ctx.track.is_some()) {
            // The lap being driven's sector timing points, where known.
            let points = match (ctx.timing_points, self.current.filter(|l| l.lap_number as usize == self.completed + 1)) {
                (Some(p), Some(l)) => [l.sector_session_ms[0].map(|e| (e, p[0])), l.sector_session_ms[1].map(|e| (e, p[1]))],
                _ => [None, None],
            };
            timed_fraction(t, a, b, points)
        } else {
            f64::NAN
        }
    }
}

impl Walk<'_> {
    /// The position samples around merged row `i` (the last at or before it, the first after
    /// it), projected on the centreline; `None` without a position sample on either side.
    fn position_pair_at(&mut self, tel: &DriverTelemetry, track: &crate::geometry::Track, i: usize) -> Option<PositionPair> {
        if let Some(p) = self.position_pair.filter(|p| p.rows.0 <= i && i < p.rows.1) {
            return Some(p);
        }
        let rows = &tel.position_row;
        if rows.len() != tel.t_ms.len() {
            return None;
        }
        let j0 = (0..=i).rev().take(PAIR_SEARCH_ROWS).find(|&j| rows[j])?;
        let j1 = (i + 1..rows.len()).take(PAIR_SEARCH_ROWS).find(|&j| rows[j])?;
        let a0 = track.project([tel.x_m[j0], tel.y_m[j0]], &mut self.proj_hint).0;
        let a1 = track.project([tel.x_m[j1], tel.y_m[j1]], &mut self.proj_hint).0;
        let pair = PositionPair::new(tel, (j0, j1), a0, a1, track.length_m);
        self.position_pair = Some(pair);
        Some(pair)
    }

    /// Distance along the lap at fraction `f` of merged rows `i` and `i + 1`, linear between
    /// their projections (telemetry without its position samples marked).
    fn row_along_at(&mut self, tel: &DriverTelemetry, track: &crate::geometry::Track, i: usize, f: f32) -> f32 {
        let (a0, a1) = match self.row_along {
            Some((r, a0, a1)) if r == i => (a0, a1),
            // The next pair shares a row with this one.
            Some((r, _, a1)) if r + 1 == i => (a1, track.project([tel.x_m[i + 1], tel.y_m[i + 1]], &mut self.proj_hint).0),
            _ => {
                let a0 = track.project([tel.x_m[i], tel.y_m[i]], &mut self.proj_hint).0;
                (a0, track.project([tel.x_m[i + 1], tel.y_m[i + 1]], &mut self.proj_hint).0)
            }
        };
        self.row_along = Some((i, a0, a1));
        a0 + short_way(a1 - a0, track.length_m) * f
    }
}

/// How many merged rows away a position sample is looked for (position samples come 4-5 a
/// second and car samples as often, so the next one is a row or two away; further, the
/// position is a gap).
const PAIR_SEARCH_ROWS: usize = 16;

impl Out<'_> {
    /// Writes frame `j` of the run.
    fn write(&mut self, j: usize, s: &Sample, progress: f64, state: CarState, w: &Walk<'_>, lap: u16) {
        let has_pos = s.has_pos();
        let q = |v: f32| if v.is_finite() { round_to_i32(v * 10.0) } else { i32::MIN };
        self.x_dm[j] = if has_pos { q(s.x) } else { i32::MIN };
        self.y_dm[j] = if has_pos { q(s.y) } else { i32::MIN };
        self.progress[j] = progress as f32;
        self.speed[j] = if s.speed.is_finite() { round_to_i32(s.speed).clamp(0, 65_535) as u16 } else { 0 };
        self.rpm[j] = if s.rpm.is_finite() { round_to_i32(s.rpm).clamp(0, 65_535) as u16 } else { 0 };
        self.throttle[j] = if s.throttle.is_finite() { round_to_i32(s.throttle).clamp(0, 255) as u8 } else { 0 };
        self.gear[j] = s.gear;
        self.brake[j] = s.brake;
        self.drs[j] = s.drs;
        self.lap[j] = lap;
        self.compound[j] = w.tyres.0;
        self.tyre_age[j] = w.tyres.1;
        self.pit_stops[j] = w.pit_i.min(255) as u8;
        self.state[j] = state as u8;
        self.official_position[j] = w.official_position;
    }
}

/// "10 SECOND TIME PENALTY FOR CAR 1 (VER) - ..." messages for `driver` that are added to its
/// race time: less the ones race control later says were served ("PENALTY SERVED - 10 SECOND
/// TIME PENALTY FOR CAR 1 ...") and the ones followed by a pit stop, where a time penalty is
/// served (older seasons send no "served" message).
pub fn time_penalties(s: &Session, driver: u16) -> Vec<(i64, i64)> {
    let parse = |m: &str| -> Option<(i64, u16)> {
        let i = m.find(" SECOND TIME PENALTY FOR CAR ")?;
        let secs: i64 = m[..i].rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
        let rest = &m[i + " SECOND TIME PENALTY FOR CAR ".len()..];
        let car: u16 = rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
        Some((secs * 1000, car))
    };
    let mut issued: Vec<(i64, i64)> = Vec::new();
    // A time penalty is served at the car's next pit stop; only one never served there is
    // added to its race time.
    let pit_stops: Vec<i64> = s.laps.iter().filter(|l| l.driver == driver).filter_map(|l| l.pit_in_ms).collect();
    for e in &s.race_control {
        let m = e.message.message.as_str();
        let Some((ms, car)) = parse(m) else { continue };
        if car != driver {
            continue;
        }
        if m.contains("PENALTY SERVED") {
            if let Some(i) = issued.iter().position(|p| p.1 == ms) {
                issued.remove(i);
            }
        } else if !pit_stops.iter().any(|&p| p > e.t_ms) {
            issued.push((e.t_ms, ms));
        }
    }
    issued
}

#[cfg(test)]
mod tests {
    use super::*;
    use feed::records::RaceControlMessage;
    use timing::RaceControlEvent;

    fn message(t_ms: i64, text: &str) -> RaceControlEvent {
        RaceControlEvent { t_ms, message: RaceControlMessage { message: text.to_string(), ..Default::default() } }
    }

    #[test]
    fn without_a_position_a_lap_is_timed_through_its_sector_points() {
        // Lap 0..100 s, sector 1 ends at 40 s (30% of the lap), sector 2 at 70 s (70%).
        let points = [Some((40_000, 0.3)), Some((70_000, 0.7))];
        let at = |t| timed_fraction(t, 0, 100_000, points);
        assert_eq!(at(0), 0.0);
        assert!((at(20_000) - 0.15).abs() < 1e-12);
        assert!((at(40_000) - 0.3).abs() < 1e-12);
        assert!((at(55_000) - 0.5).abs() < 1e-12);
        assert!((at(85_000) - 0.85).abs() < 1e-12);
        assert_eq!(at(100_000), 0.9999);
        // Without sector times, or with ones outside the lap or out of order: linear in time.
        assert!((timed_fraction(25_000, 0, 100_000, [None, None]) - 0.25).abs() < 1e-12);
        let bad = [Some((120_000, 0.3)), Some((-5, 0.7))];
        assert!((timed_fraction(25_000, 0, 100_000, bad) - 0.25).abs() < 1e-12);
    }

    /// Car 1's laps in a race without positions: laps 1-3 cross the line at 100, 200 and
    /// 300 s; the timing reported lap 2 `late_ms` after its crossing.
    fn laps_with_a_late_report(late_ms: i64) -> CarColumns {
        let mut s = Session::default();
        s.info.kind = "Race".into();
        s.laps = (1..=3)
            .map(|n| Lap {
                driver: 1,
                lap_number: n,
                time_ms: Some(i64::from(n) * 100_000),
                lap_start_ms: Some(i64::from(n - 1) * 100_000),
                ..Default::default()
            })
            .collect();
        let mut official = OfficialTimeline { driver: 1, ..Default::default() };
        official.laps = vec![(100_000, 1), (200_000 + late_ms, 2), (300_000, 3)];
        s.official = vec![official];
        let timeline = Timeline::new(0, 1, 350);
        let ctx =
            CarContext { session: &s, track: None, timeline: &timeline, chequered_ms: None, session_end_ms: 350_000, timing_points: None };
        build(&ctx, 1)
    }

    #[test]
    fn a_lap_report_a_few_seconds_late_counts_the_lap_from_its_crossing() {
        // On time (0.5 s): the lap counts from the report, as the timing's positions do.
        let on_time = laps_with_a_late_report(500);
        assert_eq!((on_time.lap[200], on_time.lap[201]), (2, 3));
        assert!(on_time.progress[200] < 2.0);
        // 5 s late: the timing's positions already counted it at the crossing.
        let late = laps_with_a_late_report(5_000);
        assert_eq!((late.lap[199], late.lap[200]), (2, 3));
        assert!((late.progress[202] - 2.02).abs() < 1e-4, "{}", late.progress[202]);
    }

    #[test]
    fn a_crossing_the_timing_missed_counts_at_the_report_and_is_timed_from_the_crossing() {
        // 40 s late: the timing held the car a lap back until the report, then put it where
        // 40 s of its lap had taken it.
        let missed = laps_with_a_late_report(40_000);
        assert_eq!((missed.lap[239], missed.lap[240]), (2, 3));
        assert!(missed.progress[239] < 2.0);
        assert!((missed.progress[240] - 2.4).abs() < 1e-4, "{}", missed.progress[240]);
    }

    #[test]
    fn the_timing_points_are_the_median_sector_shares_of_the_lap() {
        let lap = |lap_ms, s1, s2| Lap {
            lap_time_ms: Some(lap_ms),
            sector_ms: [Some(s1), Some(s2), Some(lap_ms - s1 - s2)],
            ..Default::default()
        };
        let mut s = Session::default();
        assert_eq!(timing_points(&s), None);
        s.laps = vec![lap(100_000, 30_000, 40_000), lap(100_000, 31_000, 40_000), lap(200_000, 64_000, 80_000)];
        let [s1, s2] = timing_points(&s).unwrap();
        assert!((s1 - 0.31).abs() < 1e-12 && (s2 - 0.71).abs() < 1e-12, "{s1} {s2}");
    }

    #[test]
    fn a_time_penalty_counts_unless_served_by_message_or_at_a_later_pit_stop() {
        let mut s = Session {
            race_control: vec![
                message(1_000, "5 SECOND TIME PENALTY FOR CAR 11 (PER) - OVERTAKING BEFORE THE SAFETY CAR LINE"),
                message(2_000, "FIA STEWARDS: 10 SECOND TIME PENALTY FOR CAR 1 (VER) - UNSAFE RELEASE"),
                message(3_000, "10 SECOND TIME PENALTY FOR CAR 9 (ERI) - CAUSING A COLLISION"),
                message(4_000, "PENALTY SERVED - 10 SECOND TIME PENALTY FOR CAR 9 (ERI) - CAUSING A COLLISION"),
            ],
            ..Default::default()
        };
        // Car 11 pits after its penalty (served there); car 1 pitted only before its own.
        s.laps = vec![
            Lap { driver: 11, lap_number: 30, pit_in_ms: Some(5_000), ..Default::default() },
            Lap { driver: 1, lap_number: 3, pit_in_ms: Some(1_500), ..Default::default() },
        ];
        assert_eq!(time_penalties(&s, 11), vec![]);
        assert_eq!(time_penalties(&s, 1), vec![(2_000, 10_000)]);
        assert_eq!(time_penalties(&s, 9), vec![]);
        assert_eq!(time_penalties(&s, 44), vec![]);
    }
}
