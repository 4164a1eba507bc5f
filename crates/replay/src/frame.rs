//! One frame, decoded for simple clients (`/frame`, the JSON WebSocket stream).

use crate::cars::{CarState, COMPOUNDS};
use crate::chunk::{col, global, Chunk};
use crate::manifest::Manifest;
use serde::Serialize;

/// Every car and the session state at one instant.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Frame {
    /// Frame index.
    pub index: u32,
    /// Session time, s.
    pub t_s: f64,
    /// Track status code.
    pub track_status: u8,
    /// Session status code.
    pub session_status: u8,
    /// The leader's lap.
    pub leader_lap: u16,
    /// Race distance, if known.
    pub total_laps: Option<u32>,
    /// Race control messages issued so far.
    pub rcm_count: u16,
    /// Index into the manifest's weather samples.
    pub weather_index: Option<u16>,
    /// Cars in standings order (unclassified last).
    pub cars: Vec<CarFrame>,
}

/// One car in a frame.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CarFrame {
    /// Racing number.
    pub number: u16,
    /// Three-letter code.
    pub tla: String,
    /// Position (None = not classified).
    pub position: Option<u8>,
    /// X, m (None = no position: not drawn).
    pub x: Option<f32>,
    /// Y, m.
    pub y: Option<f32>,
    /// Speed, km/h.
    pub speed: u16,
    /// Engine rpm.
    pub rpm: u16,
    /// Gear.
    pub gear: u8,
    /// Throttle, %.
    pub throttle: u8,
    /// Brake on.
    pub brake: bool,
    /// DRS: 0 off, 1 available, 2 open.
    pub drs: u8,
    /// Current lap.
    pub lap: u16,
    /// Laps completed + fraction.
    pub progress: Option<f64>,
    /// Gap to the leader, s.
    pub gap_s: Option<f64>,
    /// Interval to the car ahead, s.
    pub interval_s: Option<f64>,
    /// Laps behind the leader.
    pub laps_down: Option<u32>,
    /// Tyre compound.
    pub compound: &'static str,
    /// Laps on the tyres.
    pub tyre_age: u8,
    /// Pit stops so far.
    pub pit_stops: u8,
    /// State label.
    pub state: &'static str,
}

fn gap(v: i64) -> (Option<f64>, Option<u32>) {
    if v == i64::from(i32::MIN) {
        (None, None)
    } else if v < 0 {
        (None, Some((-v) as u32))
    } else {
        (Some(v as f64 / 1000.0), None)
    }
}

/// One car's standing at one frame, decoded from the chunk's columns without allocating: what a
/// table of millions of rows (the exported timeline) reads per car, and what [`read`] builds
/// its [`CarFrame`] from, so the chunk's codes are decoded in this one place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Position (None = not classified).
    pub position: Option<u8>,
    /// X and Y, 1/10 m (None = no position: not drawn).
    pub xy_dm: Option<(i32, i32)>,
    /// Current lap.
    pub lap: u16,
    /// Gap to the leader, ms (None for the leader, a lapped car or where unknown).
    pub gap_ms: Option<i64>,
    /// Interval to the car ahead, ms.
    pub interval_ms: Option<i64>,
    /// Laps behind the leader.
    pub laps_down: Option<u32>,
    /// The car's state.
    pub state: CarState,
}

/// Decodes car `d` (index among the manifest's drivers) at frame `k` of a decoded chunk.
pub fn standing(chunk: &Chunk, d: usize, k: usize) -> Standing {
    let v = |c: usize| chunk.driver(c, d, k);
    let (x, y) = (v(col::X), v(col::Y));
    let ms = |v: i64| (v != i64::from(i32::MIN) && v >= 0).then_some(v);
    let gap_v = v(col::GAP);
    Standing {
        position: Some(v(col::POSITION) as u8).filter(|p| *p > 0),
        xy_dm: (x != i64::from(i32::MIN)).then_some((x as i32, y as i32)),
        lap: v(col::LAP) as u16,
        gap_ms: ms(gap_v),
        interval_ms: ms(v(col::INTERVAL)),
        laps_down: gap(gap_v).1,
        state: CarState::from_u8(v(col::STATE) as u8),
    }
}

/// Session time of frame `index`, s.
pub fn time_s(m: &Manifest, index: u32) -> f64 {
    m.t_start_s + f64::from(index) * m.frame_ms / 1000.0
}

/// Reads frame `k` (index within the chunk) of a decoded chunk.
pub fn read(chunk: &Chunk, k: usize, m: &Manifest) -> Frame {
    let index = chunk.first_frame + k as u32;
    let weather = chunk.global(global::WEATHER, k);
    let mut cars: Vec<CarFrame> = m
        .drivers
        .iter()
        .enumerate()
        .map(|(d, meta)| {
            let v = |c: usize| chunk.driver(c, d, k);
            let st = standing(chunk, d, k);
            let p = v(col::PROGRESS);
            CarFrame {
                number: meta.number,
                tla: meta.tla.clone(),
                position: st.position,
                x: st.xy_dm.map(|(x, _)| x as f32 / 10.0),
                y: st.xy_dm.map(|(_, y)| y as f32 / 10.0),
                speed: v(col::SPEED) as u16,
                rpm: v(col::RPM) as u16,
                gear: v(col::GEAR) as u8,
                throttle: v(col::THROTTLE) as u8,
                brake: v(col::BRAKE) != 0,
                drs: v(col::DRS) as u8,
                lap: st.lap,
                progress: (p != i64::from(i32::MIN)).then(|| p as f64 / 10_000.0),
                gap_s: st.gap_ms.map(|ms| ms as f64 / 1000.0),
                interval_s: st.interval_ms.map(|ms| ms as f64 / 1000.0),
                laps_down: st.laps_down,
                compound: COMPOUNDS.get(v(col::COMPOUND) as usize).copied().unwrap_or(""),
                tyre_age: v(col::TYRE_AGE) as u8,
                pit_stops: v(col::PIT_STOPS) as u8,
                state: st.state.label(),
            }
        })
        .collect();
    cars.sort_by_key(|c| (c.position.is_none(), c.position, c.number));
    Frame {
        index,
        t_s: time_s(m, index),
        track_status: chunk.global(global::TRACK_STATUS, k) as u8,
        session_status: chunk.global(global::SESSION_STATUS, k) as u8,
        leader_lap: chunk.global(global::LEADER_LAP, k) as u16,
        total_laps: m.session.total_laps,
        rcm_count: chunk.global(global::RCM_COUNT, k) as u16,
        weather_index: (weather != 65_535).then_some(weather as u16),
        cars,
    }
}
