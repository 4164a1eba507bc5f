//! The replay as a table: every frame by every car, as the viewer plays it (positions and gaps
//! from [`replay::standings`], car states from [`replay::cars`]), read back from the replay file
//! through [`replay::Frame`] so that its codes are decoded in one place.

use arrow_array::{Int32Array, RecordBatch, UInt16Array, UInt32Array, UInt8Array};
use replay::ReplayFile;

use crate::arrays::{category, duration_s, Columns};
use crate::Error;

/// One car of one frame, as the table keeps it.
struct Row {
    frame: u32,
    t_s: f64,
    car: replay::CarFrame,
}

/// Every `step`-th frame of `file` by car (`step` 1: all of them, at the replay's FPS):
/// `Frame`, `SessionTime`, `Driver`, `DriverNumber`, `Position` (null: not classified),
/// `GapToLeader`, `IntervalToPositionAhead` (durations; null for the leader, a lapped car or
/// where unknown), `LapsDown`, `LapNumber` (the car's current lap), `State` (on track, pit lane,
/// retired...), `X`, `Y` (1/10 m as FastF1's; null where the car is not placed).
pub fn timeline(file: &ReplayFile, step: u32) -> Result<RecordBatch, Error> {
    let mut rows = Vec::with_capacity(file.frame_count() as usize * file.manifest().drivers.len() / step.max(1) as usize);
    for i in (0..file.frame_count()).step_by(step.max(1) as usize) {
        let f = file.frame(i)?;
        rows.extend(f.cars.into_iter().map(|car| Row { frame: f.index, t_s: f.t_s, car }));
    }
    let numbers: Vec<String> = file.manifest().drivers.iter().map(|d| d.number.to_string()).collect();
    let number_of = |n: u16| file.manifest().drivers.iter().position(|d| d.number == n).map(|k| numbers[k].as_str());
    let decimetres = |v: Option<f32>| v.map(|m| (m * 10.0).round() as i32);
    Columns::default()
        .add("Frame", rows.iter().map(|r| r.frame).collect::<UInt32Array>(), false)
        .add("SessionTime", duration_s(rows.iter().map(|r| Some(r.t_s))), false)
        .add("Driver", category(rows.iter().map(|r| Some(r.car.tla.as_str()))), false)
        .add("DriverNumber", category(rows.iter().map(|r| number_of(r.car.number))), false)
        .add("Position", rows.iter().map(|r| r.car.position).collect::<UInt8Array>(), true)
        .add("GapToLeader", duration_s(rows.iter().map(|r| r.car.gap_s)), true)
        .add("IntervalToPositionAhead", duration_s(rows.iter().map(|r| r.car.interval_s)), true)
        .add("LapsDown", rows.iter().map(|r| r.car.laps_down).collect::<UInt32Array>(), true)
        .add("LapNumber", rows.iter().map(|r| r.car.lap).collect::<UInt16Array>(), false)
        .add("State", category(rows.iter().map(|r| Some(r.car.state))), false)
        .add("X", rows.iter().map(|r| decimetres(r.car.x)).collect::<Int32Array>(), true)
        .add("Y", rows.iter().map(|r| decimetres(r.car.y)).collect::<Int32Array>(), true)
        .finish()
}
