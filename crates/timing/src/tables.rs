//! The session's tables as every presenter shows them (the API's JSON, `f1replay`'s output,
//! exporters): one typed row definition each, built from the [`Session`] by the rules of this
//! crate. Times in these rows are seconds of session time, as FastF1 and the API give them.

use crate::classification::{classify, ClassifiedCar, Status};
use crate::lap_row::text;
use crate::laps::Lap;
use crate::telemetry::lap_distance;
use crate::Session;
use serde::Serialize;

/// Milliseconds as seconds.
fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// One tyre stint of one driver.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StintRow {
    /// Racing number.
    pub driver: u16,
    /// Three-letter code.
    pub tla: String,
    /// Stint number (1 = the first).
    pub stint: u32,
    /// Compound (`None` when unknown).
    pub compound: Option<String>,
    /// New tyres at the stint's start (`None` when unknown).
    pub fresh: Option<bool>,
    /// First lap of the stint.
    pub first_lap: u32,
    /// Last lap of the stint.
    pub last_lap: u32,
    /// Laps in the stint.
    pub laps: usize,
    /// Laps already on the set when the stint began.
    pub tyre_age_start: Option<i64>,
}

/// Every driver's stints, from their laps' stint numbers.
pub fn stints(session: &Session) -> Vec<StintRow> {
    let mut out = Vec::new();
    for d in &session.drivers {
        let mut laps: Vec<&Lap> = session.laps.iter().filter(|l| l.driver == d.number).collect();
        laps.sort_by_key(|l| l.lap_number);
        for run in laps.chunk_by(|a, b| a.stint == b.stint) {
            let (Some(stint), first, last) = (run[0].stint, run[0], run[run.len() - 1]) else { continue };
            out.push(StintRow {
                driver: d.number,
                tla: session.tla(d.number),
                stint,
                compound: run.iter().map(|l| l.compound.as_str()).find(|c| !c.is_empty()).and_then(text),
                fresh: first.fresh_tyre,
                first_lap: first.lap_number,
                last_lap: last.lap_number,
                laps: run.len(),
                // TyreLife counts the laps on the set at the end of a lap: a fresh set's first
                // lap says 1.
                tyre_age_start: first.tyre_life.map(|t| (t - 1.0).max(0.0).round() as i64),
            });
        }
    }
    out
}

/// One visit to the pit lane: where it began, where it ended and how long the car spent there.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PitStopRow {
    /// Racing number.
    pub driver: u16,
    /// Three-letter code.
    pub tla: String,
    /// Number of the visit (1 = the first).
    pub stop: u32,
    /// The lap at whose end the car entered the pit lane.
    pub lap: u32,
    /// Pit entry, session time in s (the lap's `PitInTime`).
    pub pit_in_s: f64,
    /// Pit exit, session time in s (the next lap's `PitOutTime`); `None` when the car did not
    /// come out (retired in the pits, or the session ended).
    pub pit_out_s: Option<f64>,
    /// Time in the pit lane, s: exit less entry (includes any time in the garage).
    pub pit_lane_s: Option<f64>,
}

/// Every driver's visits to the pit lane, from the laps: a lap with a pit entry, and the next
/// lap's pit exit.
pub fn pit_stops(session: &Session) -> Vec<PitStopRow> {
    let mut out = Vec::new();
    for d in &session.drivers {
        let mut laps: Vec<&Lap> = session.laps.iter().filter(|l| l.driver == d.number).collect();
        laps.sort_by_key(|l| l.lap_number);
        let mut stop = 0;
        for (i, lap) in laps.iter().enumerate() {
            let Some(pit_in) = lap.pit_in_ms else { continue };
            stop += 1;
            let next = laps.get(i + 1).filter(|n| n.lap_number == lap.lap_number + 1);
            let pit_out = next.and_then(|n| n.pit_out_ms).filter(|&o| o >= pit_in);
            out.push(PitStopRow {
                driver: d.number,
                tla: session.tla(d.number),
                stop,
                lap: lap.lap_number,
                pit_in_s: secs(pit_in),
                pit_out_s: pit_out.map(secs),
                pit_lane_s: pit_out.map(|o| secs(o - pit_in)),
            });
        }
    }
    out
}

/// One weather sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeatherRow {
    /// Session time, s.
    pub t_s: f64,
    /// Air temperature, °C.
    pub air_c: f32,
    /// Track temperature, °C.
    pub track_c: f32,
    /// Relative humidity, %.
    pub humidity: f32,
    /// Air pressure, mbar.
    pub pressure: f32,
    /// Raining.
    pub rain: bool,
    /// Wind direction, degrees.
    pub wind_dir: f32,
    /// Wind speed, m/s.
    pub wind_ms: f32,
}

/// The weather samples in session time.
pub fn weather(session: &Session) -> Vec<WeatherRow> {
    session
        .weather
        .iter()
        .map(|w| {
            let v = &w.value;
            WeatherRow {
                t_s: secs(w.t_ms),
                air_c: v.air_temp_c,
                track_c: v.track_temp_c,
                humidity: v.humidity_pct,
                pressure: v.pressure_mbar,
                rain: v.rainfall,
                wind_dir: v.wind_direction_deg,
                wind_ms: v.wind_speed_ms,
            }
        })
        .collect()
}

/// One race control message.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RaceControlRow {
    /// Session time, s.
    pub t_s: f64,
    /// Flag, Other, SafetyCar, Drs, CarEvent...
    pub category: Option<String>,
    /// GREEN, YELLOW, DOUBLE YELLOW, RED, CHEQUERED, BLUE, CLEAR...
    pub flag: Option<String>,
    /// Track, Sector or Driver.
    pub scope: Option<String>,
    /// The sector of a sector-scoped flag.
    pub sector: Option<u32>,
    /// The racing number it is about.
    pub driver: Option<u16>,
    /// The lap it refers to.
    pub lap: Option<u32>,
    /// Status (e.g. DRS ENABLED).
    pub status: Option<String>,
    /// The text.
    pub message: String,
}

/// The race control messages in session time.
pub fn race_control(session: &Session) -> Vec<RaceControlRow> {
    session
        .race_control
        .iter()
        .map(|e| {
            let r = &e.message;
            RaceControlRow {
                t_s: secs(e.t_ms),
                category: text(&r.category),
                flag: text(&r.flag),
                scope: text(&r.scope),
                sector: r.sector,
                driver: r.racing_number,
                lap: r.lap,
                status: text(&r.status),
                message: r.message.clone(),
            }
        })
        .collect()
}

/// One period of one track status.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrackStatusRow {
    /// Start, session s.
    pub start_s: f64,
    /// End, session s (`None`: to the end of the session).
    pub end_s: Option<f64>,
    /// The timing's code (1 clear, 2 yellow, 4 SC, 5 red, 6 VSC, 7 VSC ending).
    pub status: u8,
    /// Its short name ([`crate::status::TrackStatus::label`]).
    pub label: &'static str,
}

/// The track status periods.
pub fn track_status(session: &Session) -> Vec<TrackStatusRow> {
    session
        .track_status
        .iter()
        .map(|iv| TrackStatusRow {
            start_s: secs(iv.start_ms),
            end_s: iv.end_ms.map(secs),
            status: iv.status,
            label: crate::status::TrackStatus::from_code(iv.status).label(),
        })
        .collect()
}

/// One lap of one driver by distance: its telemetry rows from the lap's start to its end, with
/// the lap distance of [`lap_distance`] (the one `f1replay check` validates against FastF1's).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LapTrace {
    /// Racing number.
    pub driver: u16,
    /// Lap number.
    pub lap: u32,
    /// Distance from the lap's start, m (0.1 m).
    pub distance_m: Vec<f64>,
    /// Time from the lap's start, s.
    pub t_s: Vec<f64>,
    /// Speed, km/h.
    pub speed: Vec<f32>,
    /// Throttle, %.
    pub throttle: Vec<f32>,
    /// Brake on (0/1).
    pub brake: Vec<u8>,
    /// Gear.
    pub gear: Vec<u8>,
    /// Engine speed, rpm.
    pub rpm: Vec<f32>,
    /// DRS channel value.
    pub drs: Vec<u8>,
    /// X, m.
    pub x: Vec<f32>,
    /// Y, m.
    pub y: Vec<f32>,
    /// Lap time, s.
    pub lap_time_s: Option<f64>,
    /// Distance at the end of sectors 1 and 2, m.
    pub sector_distances_m: [Option<f64>; 2],
}

/// Why a lap has no trace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    /// No such driver in the session.
    #[error("no driver {0} in this session")]
    NoDriver(u16),
    /// No such lap of that driver.
    #[error("driver {driver} has no lap {lap} (laps 1..={last})")]
    NoLap {
        /// Racing number.
        driver: u16,
        /// The lap asked for.
        lap: u32,
        /// The driver's last lap.
        last: u32,
    },
    /// The lap has no start or end time, or no telemetry during it.
    #[error("lap {lap} of driver {driver} has {what}")]
    NoData {
        /// Racing number.
        driver: u16,
        /// Lap number.
        lap: u32,
        /// What is missing.
        what: &'static str,
    },
}

/// Lap `lap` of `driver` by distance.
pub fn lap_trace(session: &Session, driver: u16, lap: u32) -> Result<LapTrace, TraceError> {
    session.driver(driver).ok_or(TraceError::NoDriver(driver))?;
    let no_data = |what| TraceError::NoData { driver, lap, what };
    let Some(l) = session.laps.iter().find(|l| l.driver == driver && l.lap_number == lap) else {
        let last = session.laps.iter().filter(|l| l.driver == driver).map(|l| l.lap_number).max().unwrap_or(0);
        return Err(TraceError::NoLap { driver, lap, last });
    };
    let (Some(start), Some(end)) = (l.lap_start_ms, l.time_ms) else { return Err(no_data("no start or end time")) };
    let tel = session.telemetry_of(driver).ok_or(no_data("no telemetry"))?;
    let (a, b) = (tel.index_at(start), tel.index_at(end + 1));
    if a >= b {
        return Err(no_data("no telemetry samples"));
    }
    let distance: Vec<f64> = lap_distance(tel, &[l])[a..b].iter().map(|&d| (f64::from(d) * 10.0).round() / 10.0).collect();
    let distance_at = |t: Option<i64>| {
        let t = t?;
        let k = tel.t_ms[a..b].partition_point(|&x| x < t);
        distance.get(k.min(distance.len() - 1)).copied()
    };
    Ok(LapTrace {
        driver,
        lap,
        t_s: tel.t_ms[a..b].iter().map(|&t| secs(t - start)).collect(),
        speed: tel.speed_kph[a..b].to_vec(),
        throttle: tel.throttle_pct[a..b].to_vec(),
        brake: tel.brake[a..b].iter().map(|&b| u8::from(b)).collect(),
        gear: tel.gear[a..b].to_vec(),
        rpm: tel.rpm[a..b].to_vec(),
        drs: tel.drs[a..b].to_vec(),
        x: tel.x_m[a..b].to_vec(),
        y: tel.y_m[a..b].to_vec(),
        lap_time_s: l.lap_time_ms.map(secs),
        sector_distances_m: [distance_at(l.sector_session_ms[0]), distance_at(l.sector_session_ms[1])],
        distance_m: distance,
    })
}

/// One car of the final classification ([`crate::classification`]) as the API and exporters
/// give it, times in seconds. Races fill `time_s` and `laps_down`; qualifying and practice
/// `best_s`; qualifying also `part` and the best lap of each part (`q1_s`...).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    /// Classified position, from 1.
    pub position: u32,
    /// Racing number.
    pub driver: u16,
    /// Three-letter code.
    pub tla: String,
    /// Team name.
    pub team: String,
    /// Laps completed (qualifying and practice: laps run).
    pub laps: u32,
    /// Races: behind the winner at the flag; qualifying: behind the fastest of the same part;
    /// practice: behind the best lap. s.
    pub gap_s: Option<f64>,
    /// The status in words ("+1 Lap", "Knocked out in Q2"); `None` where there is nothing to say.
    pub status: Option<String>,
    /// The status, typed.
    pub status_code: Status,
    /// Races: the race time of a car on the winner's lap, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_s: Option<f64>,
    /// Races: laps behind the winner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub laps_down: Option<u32>,
    /// Qualifying and practice: the best lap (in the deepest part reached), s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_s: Option<f64>,
    /// Qualifying: the deepest part reached (1 = Q1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<u8>,
    /// Qualifying: the best lap in Q1, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q1_s: Option<f64>,
    /// Qualifying: the best lap in Q2, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q2_s: Option<f64>,
    /// Qualifying: the best lap in Q3, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q3_s: Option<f64>,
}

impl ResultRow {
    /// A classified car as a row (`race_like`: a race or sprint).
    pub fn new(c: &ClassifiedCar, race_like: bool) -> ResultRow {
        let part_best = |p: usize| c.part_best_ms.get(p).copied().flatten().map(secs);
        let parts = !c.part_best_ms.is_empty();
        ResultRow {
            position: c.position,
            driver: c.driver,
            tla: c.tla.clone(),
            team: c.team.clone(),
            laps: c.laps,
            gap_s: c.gap_ms.map(secs),
            status: text(&c.status_text),
            status_code: c.status,
            time_s: c.time_ms.filter(|_| race_like).map(secs),
            laps_down: race_like.then_some(c.laps_down),
            best_s: c.time_ms.filter(|_| !race_like).map(secs),
            part: c.part,
            q1_s: part_best(0).filter(|_| parts),
            q2_s: part_best(1).filter(|_| parts),
            q3_s: part_best(2).filter(|_| parts),
        }
    }
}

/// The final classification of `session` as rows; none without the timing
/// ([`Session::has_timing`]): there is no order to give.
pub fn results(session: &Session) -> Vec<ResultRow> {
    if !session.has_timing() {
        return Vec::new();
    }
    let race_like = session.info.is_race_like();
    classify(session).iter().map(|c| ResultRow::new(c, race_like)).collect()
}

/// One team radio clip, at its time.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamRadioRow {
    /// Index of the clip in the session (the clip endpoint's `{n}`).
    pub index: usize,
    /// Session time, s.
    pub t_s: f64,
    /// Whose radio (racing number).
    pub driver: Option<u16>,
    /// The clip's path under the session folder (`TeamRadio/NAME.mp3`).
    pub path: String,
}

/// The team radio clips in session time, in the order sent (their index names them).
pub fn team_radio(session: &Session) -> Vec<TeamRadioRow> {
    session
        .team_radio
        .iter()
        .enumerate()
        .map(|(index, c)| TeamRadioRow { index, t_s: secs(c.t_ms), driver: c.capture.racing_number, path: c.capture.path.clone() })
        .collect()
}
