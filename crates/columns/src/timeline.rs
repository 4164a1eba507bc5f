//! The replay as a table: every frame by every car, as the viewer plays it (positions and gaps
//! from [`replay::standings`], car states from [`replay::cars`]), read back from the replay file
//! through [`replay::Frame`] so that its codes are decoded in one place.

use arrow_array::{Int32Array, RecordBatch, UInt16Array, UInt32Array, UInt8Array};
use rayon::prelude::*;
use replay::chunk::Chunk;
use replay::ReplayFile;

use crate::arrays::{coded, duration_s, Columns};
use crate::Error;

/// One car of one frame, as the table keeps it.
struct Row {
    frame: u32,
    t_s: f64,
    /// The car's index among the manifest's drivers.
    driver: i32,
    car: replay::CarFrame,
}

/// The cars of every `step`-th frame of chunk `c`, the chunk decoded once.
fn chunk_rows(file: &ReplayFile, c: usize, step: u32, index: &[i32]) -> Result<Vec<Row>, Error> {
    let bytes = file.chunk_bytes(c).ok_or_else(|| replay::Error::Corrupt(format!("chunk {c} is missing")))?;
    let chunk = Chunk::decode(replay::decompress_chunk(bytes)?)?;
    let mut rows = Vec::new();
    for k in 0..chunk.frames {
        if (chunk.first_frame + k) % step != 0 {
            continue;
        }
        let f = replay::frame::read(&chunk, k as usize, file.manifest());
        rows.extend(f.cars.into_iter().map(|car| Row { frame: f.index, t_s: f.t_s, driver: index[usize::from(car.number)], car }));
    }
    Ok(rows)
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
    let mut index = vec![0i32; usize::from(u16::MAX) + 1];
    for (k, d) in drivers.iter().enumerate() {
        index[usize::from(d.number)] = k as i32;
    }
    let parts = (0..file.chunk_count()).into_par_iter().map(|c| chunk_rows(file, c, step, &index)).collect::<Result<Vec<_>, Error>>()?;
    let rows: Vec<Row> = parts.into_iter().flatten().collect();
    let tla: Vec<&str> = drivers.iter().map(|d| d.tla.as_str()).collect();
    let numbers: Vec<String> = drivers.iter().map(|d| d.number.to_string()).collect();
    let keys = || rows.iter().map(|r| r.driver).collect::<Vec<i32>>();
    // The car states as the replay's code table lists them.
    let states: Vec<&str> = replay::codes::codes().car_states.iter().map(|c| c.name).collect();
    let state_key = |label: &str| states.iter().position(|s| *s == label).unwrap_or(0) as i32;
    let decimetres = |v: Option<f32>| v.map(|m| (m * 10.0).round() as i32);
    Columns::default()
        .add("Frame", rows.iter().map(|r| r.frame).collect::<UInt32Array>(), false)
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("Driver", coded(keys(), tla)?, false)
        .add("DriverNumber", coded(keys(), numbers.iter().map(String::as_str).collect())?, false)
        .add("Position", rows.iter().map(|r| r.car.position).collect::<UInt8Array>(), true)
        .add("GapToLeader", duration_s(rows.iter().map(|r| r.car.gap_s)), true)
        .add("IntervalToPositionAhead", duration_s(rows.iter().map(|r| r.car.interval_s)), true)
        .add("LapsDown", rows.iter().map(|r| r.car.laps_down).collect::<UInt32Array>(), true)
        .add("LapNumber", rows.iter().map(|r| r.car.lap).collect::<UInt16Array>(), false)
        .add("State", coded(rows.iter().map(|r| state_key(r.car.state)).collect(), states.clone())?, false)
        .add("X", rows.iter().map(|r| decimetres(r.car.x)).collect::<Int32Array>(), true)
        .add("Y", rows.iter().map(|r| decimetres(r.car.y)).collect::<Int32Array>(), true)
        .finish()
}
