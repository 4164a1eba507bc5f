//! The replay as a table: every frame by every car, as the viewer plays it (positions and gaps
//! from [`replay::standings`], car states from [`replay::cars`]), read back from the replay file
//! through [`replay::Frame`] so that its codes are decoded in one place.

use arrow_array::{Int32Array, RecordBatch, UInt16Array, UInt32Array, UInt8Array};
use rayon::prelude::*;
use replay::chunk::Chunk;
use replay::ReplayFile;

use crate::arrays::{coded, duration_ms, seconds_to_ms, Columns};
use crate::Error;

/// The replay of `session` built in memory at `fps` frames per second: what [`timeline`] reads
/// when no replay file exists yet (the export and the Python package build it the same way).
pub fn replay_of(session: &timing::Session, fps: u32) -> Result<ReplayFile, Error> {
    let opts = replay::BuildOptions { fps, ..Default::default() };
    let built = replay::build(session, "export", 0, &opts, &|_, _| {})?;
    let bytes = replay::store::encode(&built.manifest, &built.chunks)?;
    Ok(ReplayFile::from_bytes(bytes, "export")?)
}

/// The timeline's columns for a run of frames, kept as plain values (a frame's cars are read
/// and dropped at once: the rows of a race are millions).
#[derive(Default)]
struct Rows {
    frame: Vec<u32>,
    t_ms: Vec<Option<i64>>,
    /// The car's index among the manifest's drivers.
    driver: Vec<i32>,
    position: Vec<Option<u8>>,
    gap_ms: Vec<Option<i64>>,
    interval_ms: Vec<Option<i64>>,
    laps_down: Vec<Option<u32>>,
    lap: Vec<u16>,
    /// The car state's index in the replay's code table.
    state: Vec<i32>,
    x_dm: Vec<Option<i32>>,
    y_dm: Vec<Option<i32>>,
}

impl Rows {
    /// Appends `other`'s rows.
    fn append(&mut self, mut o: Rows) {
        self.frame.append(&mut o.frame);
        self.t_ms.append(&mut o.t_ms);
        self.driver.append(&mut o.driver);
        self.position.append(&mut o.position);
        self.gap_ms.append(&mut o.gap_ms);
        self.interval_ms.append(&mut o.interval_ms);
        self.laps_down.append(&mut o.laps_down);
        self.lap.append(&mut o.lap);
        self.state.append(&mut o.state);
        self.x_dm.append(&mut o.x_dm);
        self.y_dm.append(&mut o.y_dm);
    }
}

/// The cars of every `step`-th frame of chunk `c`, the chunk decoded once and each car read
/// with [`replay::frame::standing`] (no allocation per row), in standings order as the viewer
/// lists them (unclassified last).
fn chunk_rows(file: &ReplayFile, c: usize, step: u32) -> Result<Rows, Error> {
    let bytes = file.chunk_bytes(c).ok_or_else(|| replay::Error::Corrupt(format!("chunk {c} is missing")))?;
    let chunk = Chunk::decode(replay::decompress_chunk(bytes)?)?;
    let m = file.manifest();
    let mut r = Rows::default();
    let mut cars: Vec<(usize, replay::frame::Standing)> = Vec::with_capacity(m.drivers.len());
    for k in 0..chunk.frames {
        let index = chunk.first_frame + k;
        if index % step != 0 {
            continue;
        }
        let t_ms = seconds_to_ms(replay::frame::time_s(m, index));
        cars.clear();
        cars.extend((0..m.drivers.len()).map(|d| (d, replay::frame::standing(&chunk, d, k as usize))));
        cars.sort_by_key(|(d, s)| (s.position.is_none(), s.position, m.drivers[*d].number));
        for (d, s) in &cars {
            r.frame.push(index);
            r.t_ms.push(Some(t_ms));
            r.driver.push(*d as i32);
            r.position.push(s.position);
            r.gap_ms.push(s.gap_ms);
            r.interval_ms.push(s.interval_ms);
            r.laps_down.push(s.laps_down);
            r.lap.push(s.lap);
            r.state.push(i32::from(s.state as u8));
            r.x_dm.push(s.xy_dm.map(|(x, _)| x));
            r.y_dm.push(s.xy_dm.map(|(_, y)| y));
        }
    }
    Ok(r)
}

/// Every `step`-th frame of `file` by car (`step` 1: all of them, at the replay's FPS):
/// `Frame`, `SessionTime`, `Driver`, `DriverNumber`, `Position` (null: not classified),
/// `GapToLeader`, `IntervalToPositionAhead` (durations; null for the leader, a lapped car or
/// where unknown), `LapsDown`, `LapNumber` (the car's current lap), `State` (on track, pit lane,
/// retired...), `X`, `Y` (1/10 m as FastF1's; null where the car is not placed). Chunks are read
/// in parallel.
pub fn timeline(file: &ReplayFile, step: u32) -> Result<RecordBatch, Error> {
    let step = step.max(1);
    let drivers = &file.manifest().drivers;
    // The car states as the replay's code table lists them: a state's code is its index.
    let states: Vec<&str> = replay::codes::codes().car_states.iter().map(|c| c.name).collect();
    let parts = (0..file.chunk_count()).into_par_iter().map(|c| chunk_rows(file, c, step)).collect::<Result<Vec<_>, Error>>()?;
    let mut r = Rows::default();
    for p in parts {
        r.append(p);
    }
    let tla: Vec<&str> = drivers.iter().map(|d| d.tla.as_str()).collect();
    let numbers: Vec<String> = drivers.iter().map(|d| d.number.to_string()).collect();
    Columns::default()
        .add("Frame", UInt32Array::from(r.frame), false)
        .add("SessionTime", duration_ms(r.t_ms), false)
        .add("Driver", coded(r.driver.clone(), tla)?, false)
        .add("DriverNumber", coded(r.driver, numbers.iter().map(String::as_str).collect())?, false)
        .add("Position", UInt8Array::from(r.position), true)
        .add("GapToLeader", duration_ms(r.gap_ms), true)
        .add("IntervalToPositionAhead", duration_ms(r.interval_ms), true)
        .add("LapsDown", UInt32Array::from(r.laps_down), true)
        .add("LapNumber", UInt16Array::from(r.lap), false)
        .add("State", coded(r.state, states)?, false)
        .add("X", Int32Array::from(r.x_dm), true)
        .add("Y", Int32Array::from(r.y_dm), true)
        .finish()
}
