//! The replay as a table: every frame by every car, as the viewer plays it (positions and gaps
//! from [`replay::standings`], car states from [`replay::cars`]), read back from the replay file
//! through [`replay::Frame`] so that its codes are decoded in one place.

use arrow_array::{DurationNanosecondArray, Int32Array, RecordBatch, UInt16Array, UInt32Array, UInt8Array};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use rayon::prelude::*;
use replay::chunk::Chunk;
use replay::ReplayFile;

use crate::arrays::{coded, seconds_to_ms, Columns, NS_PER_MS};
use crate::Error;

/// The replay of `session` built in memory at `fps` frames per second: what [`timeline`] reads
/// when no replay file exists yet (the export and the Python package build it the same way).
pub fn replay_of(session: &timing::Session, fps: u32) -> Result<ReplayFile, Error> {
    let opts = replay::BuildOptions { fps, ..Default::default() };
    let built = replay::build(session, "export", 0, &opts, &|_, _| {})?;
    let bytes = replay::store::encode(&built.manifest, &built.chunks)?;
    Ok(ReplayFile::from_bytes(bytes, "export")?)
}

/// A column that may hold nulls, filled row by row: its values (a default where unknown) and
/// which are known, handed to Arrow as they are (no `Option` per row, no copy).
struct Nullable<T> {
    values: Vec<T>,
    known: Vec<bool>,
}

impl<T: Copy + Default> Nullable<T> {
    fn with_capacity(n: usize) -> Self {
        Nullable { values: Vec::with_capacity(n), known: Vec::with_capacity(n) }
    }

    fn push(&mut self, v: Option<T>) {
        self.known.push(v.is_some());
        self.values.push(v.unwrap_or_default());
    }

    fn extend(&mut self, o: &Nullable<T>) {
        self.values.extend_from_slice(&o.values);
        self.known.extend_from_slice(&o.known);
    }

    /// The values and the null mask, as Arrow takes them.
    fn parts(self) -> (ScalarBuffer<T>, Option<NullBuffer>)
    where
        T: arrow_buffer::ArrowNativeType,
    {
        (self.values.into(), Some(NullBuffer::from(self.known)))
    }
}

/// The timeline's columns for a run of frames, kept as plain values (a frame's cars are read
/// and dropped at once: the rows of a race are millions).
struct Rows {
    frame: Vec<u32>,
    t_ns: Vec<i64>,
    /// The car's index among the manifest's drivers.
    driver: Vec<i32>,
    position: Nullable<u8>,
    gap_ns: Nullable<i64>,
    interval_ns: Nullable<i64>,
    laps_down: Nullable<u32>,
    lap: Vec<u16>,
    /// The car state's index in the replay's code table.
    state: Vec<i32>,
    x_dm: Nullable<i32>,
    y_dm: Nullable<i32>,
}

impl Rows {
    /// Room for `n` rows.
    fn with_capacity(n: usize) -> Rows {
        Rows {
            frame: Vec::with_capacity(n),
            t_ns: Vec::with_capacity(n),
            driver: Vec::with_capacity(n),
            position: Nullable::with_capacity(n),
            gap_ns: Nullable::with_capacity(n),
            interval_ns: Nullable::with_capacity(n),
            laps_down: Nullable::with_capacity(n),
            lap: Vec::with_capacity(n),
            state: Vec::with_capacity(n),
            x_dm: Nullable::with_capacity(n),
            y_dm: Nullable::with_capacity(n),
        }
    }

    /// Appends car `d`'s row at frame `index` (`t_ns` into the session).
    fn push(&mut self, index: u32, t_ns: i64, d: usize, s: &replay::frame::Standing) {
        let ns = |ms: Option<i64>| ms.map(|ms| ms * NS_PER_MS);
        self.frame.push(index);
        self.t_ns.push(t_ns);
        self.driver.push(d as i32);
        self.position.push(s.position);
        self.gap_ns.push(ns(s.gap_ms));
        self.interval_ns.push(ns(s.interval_ms));
        self.laps_down.push(s.laps_down);
        self.lap.push(s.lap);
        self.state.push(i32::from(s.state as u8));
        self.x_dm.push(s.xy_dm.map(|(x, _)| x));
        self.y_dm.push(s.xy_dm.map(|(_, y)| y));
    }

    /// Appends `o`'s rows.
    fn extend(&mut self, o: &Rows) {
        self.frame.extend_from_slice(&o.frame);
        self.t_ns.extend_from_slice(&o.t_ns);
        self.driver.extend_from_slice(&o.driver);
        self.position.extend(&o.position);
        self.gap_ns.extend(&o.gap_ns);
        self.interval_ns.extend(&o.interval_ns);
        self.laps_down.extend(&o.laps_down);
        self.lap.extend_from_slice(&o.lap);
        self.state.extend_from_slice(&o.state);
        self.x_dm.extend(&o.x_dm);
        self.y_dm.extend(&o.y_dm);
    }

    fn len(&self) -> usize {
        self.frame.len()
    }
}

/// The cars of every `step`-th frame of chunk `c`, the chunk decoded once and each car read
/// with [`replay::frame::standing`] (no allocation per row), in standings order as the viewer
/// lists them (unclassified last).
fn chunk_rows(file: &ReplayFile, c: usize, step: u32) -> Result<Rows, Error> {
    let bytes = file.chunk_bytes(c).ok_or_else(|| replay::Error::Corrupt(format!("chunk {c} is missing")))?;
    let chunk = Chunk::decode(replay::decompress_chunk(bytes)?)?;
    let m = file.manifest();
    let kept = (chunk.first_frame..chunk.first_frame + chunk.frames).filter(|i| i % step == 0).count();
    let mut r = Rows::with_capacity(kept * m.drivers.len());
    let mut cars: Vec<(usize, replay::frame::Standing)> = Vec::with_capacity(m.drivers.len());
    for k in 0..chunk.frames {
        let index = chunk.first_frame + k;
        if index % step != 0 {
            continue;
        }
        let t_ns = seconds_to_ms(replay::frame::time_s(m, index)) * NS_PER_MS;
        cars.clear();
        cars.extend((0..m.drivers.len()).map(|d| (d, replay::frame::standing(&chunk, d, k as usize))));
        cars.sort_by_key(|(d, s)| (s.position.is_none(), s.position, m.drivers[*d].number));
        for (d, s) in &cars {
            r.push(index, t_ns, *d, s);
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
    let mut r = Rows::with_capacity(parts.iter().map(Rows::len).sum());
    for p in &parts {
        r.extend(p);
    }
    drop(parts);
    let tla: Vec<&str> = drivers.iter().map(|d| d.tla.as_str()).collect();
    let numbers: Vec<String> = drivers.iter().map(|d| d.number.to_string()).collect();
    let duration = |c: Nullable<i64>| {
        let (values, nulls) = c.parts();
        DurationNanosecondArray::new(values, nulls)
    };
    let (position, position_nulls) = r.position.parts();
    let (laps_down, laps_down_nulls) = r.laps_down.parts();
    let (x, x_nulls) = r.x_dm.parts();
    let (y, y_nulls) = r.y_dm.parts();
    Columns::default()
        .add("Frame", UInt32Array::from(r.frame), false)
        .add("SessionTime", DurationNanosecondArray::from(r.t_ns), false)
        .add("Driver", coded(r.driver.clone(), tla)?, false)
        .add("DriverNumber", coded(r.driver, numbers.iter().map(String::as_str).collect())?, false)
        .add("Position", UInt8Array::new(position, position_nulls), true)
        .add("GapToLeader", duration(r.gap_ns), true)
        .add("IntervalToPositionAhead", duration(r.interval_ns), true)
        .add("LapsDown", UInt32Array::new(laps_down, laps_down_nulls), true)
        .add("LapNumber", UInt16Array::from(r.lap), false)
        .add("State", coded(r.state, states)?, false)
        .add("X", Int32Array::new(x, x_nulls), true)
        .add("Y", Int32Array::new(y, y_nulls), true)
        .finish()
}
