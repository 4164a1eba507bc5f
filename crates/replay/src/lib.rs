//! The replay: what a viewer plays, built from a [`timing::Session`].
//!
//! [`build`] puts every car on one [`timeline::Timeline`] (25 FPS by default): positions and
//! car channels from the telemetry ([`cars`], one pass per driver, drivers in parallel, in
//! runs of chunks so that one run's columns are held at a time), standings and gaps from the
//! timing ([`standings`]), the track derived from a clean fast lap
//! ([`geometry::Track`]). The result is a [`manifest::Manifest`] plus time chunks in the
//! [`chunk`] format, quantised, delta-coded and zstd-compressed, each self-contained so a
//! client can start at any chunk. [`store`] writes it as one immutable, checksummed file and
//! [`ReplayFile`] memory-maps it: a chunk's bytes are served without a copy, and any frame is
//! one chunk decompression away ([`Frame`]).
//!
//! ```no_run
//! # fn main() -> Result<(), replay::Error> {
//! let feed = feed::FeedSession::read_dir(std::path::Path::new("session-folder"));
//! let session = timing::Session::build(&feed);
//! let path = std::path::Path::new("session.f1r");
//! replay::build_file(&session, "my-session", 0, &replay::BuildOptions::default(), path, &|_, _| {})?;
//! let file = replay::ReplayFile::open(path)?;
//! let frame = file.frame(file.frame_at(3_600_000))?;
//! println!("{} cars at t = {} s", frame.cars.len(), frame.t_s);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod between;
pub mod cars;
pub mod check;
pub mod chunk;
pub mod codes;
pub mod colours;
pub mod frame;
pub mod geometry;
pub mod manifest;
pub mod marshal;
pub mod pitlane;
pub mod quantise;
pub mod standings;
pub mod store;
pub mod timeline;

pub use frame::{CarFrame, Frame};
pub use manifest::Manifest;
pub use store::ReplayFile;

use chunk::Column;
use manifest::*;
use rayon::prelude::*;
use std::path::Path;
use timing::Session;

/// Version of the replay file layout.
pub const FORMAT_VERSION: u32 = 3;
/// Version of the whole pipeline (timing rules + replay build); part of cache keys, so a
/// change of either rebuilds cached replays.
pub const PIPELINE_VERSION: &str = "timing-2/replay-7";
/// zstd level of the chunks. With zig-zag deltas level 1 is smaller than level 3 was without
/// them (simulated race 8.28 MB, 8.61 MB before), with a third fewer instructions than level 3.
const ZSTD_LEVEL: i32 = 1;

/// What can go wrong building or reading a replay.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A replay file or chunk is damaged.
    #[error("corrupt replay: {0}")]
    Corrupt(String),
    /// A replay file of another format or pipeline version.
    #[error("{path}: replay version {found}, expected {expected}")]
    Version {
        /// The file.
        path: String,
        /// Version found.
        found: String,
        /// Version expected.
        expected: String,
    },
    /// A frame outside the replay.
    #[error("no frame {0} in this replay")]
    NoFrame(u32),
    /// The session has nothing to replay.
    #[error("nothing to replay: {0}")]
    Empty(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.display().to_string(), source }
    }
}

/// Build settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    /// Frames per second.
    pub fps: u32,
    /// Seconds of replay per chunk.
    pub chunk_seconds: u32,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { fps: 25, chunk_seconds: 30 }
    }
}

/// A built replay in memory: the manifest and the compressed chunks.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The manifest.
    pub manifest: Manifest,
    /// zstd-compressed chunks.
    pub chunks: Vec<Vec<u8>>,
    /// Raw (uncompressed) bytes of all chunks, for size figures.
    pub raw_bytes: u64,
}

/// A zstd compressor for chunks (`None` if zstd cannot make one, which the build reports).
fn chunk_compressor() -> Option<zstd::bulk::Compressor<'static>> {
    zstd::bulk::Compressor::new(ZSTD_LEVEL).ok()
}

/// Largest decompressed chunk accepted (a corrupt size field cannot ask for more).
const MAX_CHUNK_BYTES: usize = 64 << 20;

/// Decompresses a stored chunk, into a buffer of the size its zstd frame declares (a chunk is
/// read on every random frame: a worst-case buffer is a fresh mapping to fault in each time)
/// with a decompression context kept per thread.
pub fn decompress_chunk(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            std::cell::RefCell::new(zstd::bulk::Decompressor::new().ok());
    }
    let declared = zstd::zstd_safe::get_frame_content_size(bytes).ok().flatten();
    let capacity = declared.map_or(MAX_CHUNK_BYTES, |n| (n as usize).min(MAX_CHUNK_BYTES));
    let out = CONTEXT.with(|c| match c.borrow_mut().as_mut() {
        Some(z) => z.decompress(bytes, capacity),
        None => zstd::bulk::decompress(bytes, capacity),
    });
    out.map_err(|e| Error::Corrupt(format!("chunk: {e}")))
}

fn kind(s: &Session) -> &'static str {
    s.info.session_kind().api_name()
}

fn session_status_code(v: &str) -> u8 {
    match v {
        "Started" => 1,
        "Aborted" => 2,
        "Finished" => 3,
        "Finalised" => 4,
        "Ends" => 5,
        _ => 0,
    }
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn finite(v: f32) -> Option<f32> {
    v.is_finite().then_some(v)
}

/// Builds the replay of a session. `progress(stage, fraction)` is called as stages advance.
pub fn build(s: &Session, id: &str, source_hash: u64, opts: &BuildOptions, progress: &dyn Fn(&str, f32)) -> Result<Replay, Error> {
    progress("geometry", 0.0);
    let track = geometry::Track::from_session(s);
    let tl = timeline::Timeline::for_session(s, opts.fps);
    let drivers: Vec<&feed::records::DriverInfo> =
        s.drivers.iter().filter(|d| s.laps.iter().any(|l| l.driver == d.number) || s.telemetry_of(d.number).is_some()).collect();
    if drivers.is_empty() {
        return Err(Error::Empty(format!(
            "{id}: no driver has a lap or telemetry (drivers come from DriverList, else from the cars found in both TimingData and TimingAppData)"
        )));
    }
    let session_end_ms = tl.t_ms(tl.frames.saturating_sub(1));
    let ctx = cars::CarContext {
        session: s,
        track: track.as_ref(),
        timeline: &tl,
        chequered_ms: cars::chequered_flag(s),
        session_end_ms,
        timing_points: cars::timing_points(s),
    };
    let n = tl.frames as usize;
    let mut rcm: Vec<i64> = s.race_control.iter().map(|e| e.t_ms).collect();
    rcm.sort_unstable();
    let race_like = s.info.is_race_like();
    let per = (opts.chunk_seconds.max(1) * tl.fps) as usize;
    let ranges: Vec<(usize, usize)> = (0..n).step_by(per.max(1)).map(|a| (a, (a + per).min(n))).collect();

    // The frames are built in runs of chunks. Each car's pass fills its columns for the run
    // (cars in parallel); the run's progress is indexed for the gaps; then its chunks are
    // ranked, encoded and compressed (in parallel), while their columns are still in cache.
    // One run of columns is held at a time, not the session's: a fifth less peak memory for
    // the simulated race, and the same few megabytes of columns whatever the session's length.
    let mut passes: Vec<cars::CarPass> = drivers.par_iter().map(|d| cars::CarPass::new(&ctx, d.number)).collect();
    let mut cars: Vec<cars::CarColumns> = passes.iter().map(cars::CarPass::columns).collect();
    let coverage = Coverage::of(s);
    let mut ranking = if !coverage.timing {
        // Without the timing there is no order to show: no positions, no gaps.
        standings::Ranking::unranked(cars.len())
    } else if race_like {
        standings::Ranking::race(cars.len(), &tl, ctx.timing_points.filter(|_| track.is_none()), s.session_start_ms)
    } else {
        standings::Ranking::by_best_lap(s, &cars, &tl)
    };
    let chunk_ctx = ChunkContext { session: s, rcm: &rcm, race_like, tl: &tl };
    let mut encoded: Vec<(Vec<u8>, usize)> = Vec::with_capacity(ranges.len());
    for run in ranges.chunks(CHUNKS_PER_RUN) {
        let (a, b) = (run[0].0, run[run.len() - 1].1);
        let done = 0.1 + 0.85 * a as f32 / n.max(1) as f32;
        progress("cars", done);
        passes.par_iter_mut().zip(cars.par_iter_mut()).for_each(|(pass, c)| pass.fill(c, a, b));
        progress("standings + chunks", done);
        ranking.extend(&cars);
        let (cars, ranking) = (&cars, &ranking);
        encoded.par_extend(run.par_iter().map(|&(a, b)| encode_chunk(&chunk_ctx, cars, &ranking.frames(cars, a, b), a, b)));
    }
    if encoded.iter().any(|(c, _)| c.is_empty()) {
        return Err(Error::Corrupt("zstd failed to compress a chunk".into()));
    }
    progress("manifest", 0.95);
    let raw_bytes = encoded.iter().map(|e| e.1 as u64).sum();
    let chunks: Vec<Vec<u8>> = encoded.into_iter().map(|e| e.0).collect();
    let manifest = manifest(s, id, source_hash, &tl, per as u32, &ranges, &chunks, &drivers, track.as_ref());
    Ok(Replay { manifest, chunks, raw_bytes })
}

/// Chunks of frames built per run of [`build`]: 16 one-minute chunks are ~13 MB of columns
/// for 20 cars, few enough runs that waiting for the slowest car or chunk at the end of each
/// costs little.
const CHUNKS_PER_RUN: usize = 16;

/// What every chunk of a session is encoded with, besides its frames' columns.
struct ChunkContext<'a> {
    session: &'a Session,
    /// Race control message times, ascending.
    rcm: &'a [i64],
    race_like: bool,
    tl: &'a timeline::Timeline,
}

/// Encodes and compresses the chunk of frames `a..b` from the cars' columns (which hold them)
/// and their standings: (compressed bytes, raw size); empty bytes if zstd failed.
fn encode_chunk(ctx: &ChunkContext<'_>, cars: &[cars::CarColumns], st: &standings::Standings, a: usize, b: usize) -> (Vec<u8>, usize) {
    let g = GlobalColumns::of_frames(ctx.session, ctx.rcm, ctx.race_like.then_some((cars, st)), ctx.tl, a, b);
    let global = [Column::U8(&g.track), Column::U8(&g.session), Column::U16(&g.leader_lap), Column::U16(&g.rcm), Column::U16(&g.weather)];
    // Progress in 1/10000 lap, quantised here, one chunk at a time.
    let progress_q: Vec<Vec<i32>> = cars
        .iter()
        .map(|c| {
            c.progress[a - c.first..b - c.first]
                .iter()
                .map(|p| if p.is_finite() { quantise::round_to_i32(p * 10_000.0) } else { i32::MIN })
                .collect()
        })
        .collect();
    let per_driver: Vec<Vec<Column>> = cars
        .iter()
        .enumerate()
        .map(|(d, c)| {
            let run = a - c.first..b - c.first;
            vec![
                Column::I32(&c.x_dm[run.clone()]),
                Column::I32(&c.y_dm[run.clone()]),
                Column::I32(&progress_q[d]),
                Column::I32(st.gap_ms(d)),
                Column::I32(st.interval_ms(d)),
                Column::U16(&c.speed[run.clone()]),
                Column::U16(&c.rpm[run.clone()]),
                Column::U16(&c.lap[run.clone()]),
                Column::U8(&c.gear[run.clone()]),
                Column::U8(&c.throttle[run.clone()]),
                Column::U8(&c.brake[run.clone()]),
                Column::U8(&c.drs[run.clone()]),
                Column::U8(st.position(d)),
                Column::U8(&c.compound[run.clone()]),
                Column::U8(&c.tyre_age[run.clone()]),
                Column::U8(&c.pit_stops[run.clone()]),
                Column::U8(&c.state[run]),
            ]
        })
        .collect();
    let raw = chunk::encode(a as u32, (b - a) as u32, &global, &per_driver);
    // One zstd context per thread, reused for its chunks (a context is ~1 MB of tables).
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> = std::cell::RefCell::new(chunk_compressor());
    }
    let mut compressed = COMPRESSOR.with(|z| z.borrow_mut().as_mut().and_then(|z| z.compress(&raw).ok())).unwrap_or_default();
    // The output was allocated at zstd's worst-case bound (the raw size): give back the ~90%
    // not used, or all chunks together hold the raw size in memory.
    compressed.shrink_to_fit();
    (compressed, raw.len())
}

/// The session-wide columns of a run of frames (one chunk's worth).
struct GlobalColumns {
    track: Vec<u8>,
    session: Vec<u8>,
    leader_lap: Vec<u16>,
    rcm: Vec<u16>,
    weather: Vec<u16>,
}

impl GlobalColumns {
    /// Frames `a..b`: the statuses, race control count and weather index at each, and (races,
    /// given the cars and the standings of frames `a..b`) the leader's lap.
    fn of_frames(
        s: &Session,
        rcm: &[i64],
        race: Option<(&[cars::CarColumns], &standings::Standings)>,
        tl: &timeline::Timeline,
        a: usize,
        b: usize,
    ) -> GlobalColumns {
        let len = b - a;
        let mut g = GlobalColumns {
            track: Vec::with_capacity(len),
            session: Vec::with_capacity(len),
            leader_lap: Vec::with_capacity(len),
            rcm: Vec::with_capacity(len),
            weather: Vec::with_capacity(len),
        };
        let mut session = timing::walk::TimeWalk::new(&s.session_status, |x| x.t_ms);
        let mut messages = timing::walk::TimeWalk::new(rcm, |&x| x);
        let mut weather = timing::walk::TimeWalk::new(&s.weather, |x| x.t_ms);
        for k in a..b {
            let t = tl.t_ms(k as u32);
            g.track.push(timing::status::track_status_at(&s.track_status, t));
            g.session.push(session.last(t).map_or(0, |x| session_status_code(&x.value)));
            g.rcm.push(messages.passed(t).min(65_534) as u16);
            g.weather.push(weather.passed(t).checked_sub(1).map_or(65_535, |i| i.min(65_534) as u16));
            let lap =
                race.and_then(|(cars, st)| (0..cars.len()).find(|&d| st.position(d)[k - a] == 1).map(|d| cars[d].lap[k - cars[d].first]));
            // Without a leader (no timing): the lap LapCount gave.
            let lap = lap.or_else(|| timing::official::value_at(&s.current_lap, t).map(|l| l.min(u32::from(u16::MAX)) as u16));
            g.leader_lap.push(leader_lap(lap.unwrap_or(0), s.total_laps));
        }
        g
    }
}

/// The lap counter: the leader's lap, never past the race distance (after the flag the
/// leader is on its cool-down lap, which is no lap of the race).
fn leader_lap(lap: u16, total_laps: Option<u32>) -> u16 {
    total_laps.map_or(lap, |total| lap.min(total.min(u32::from(u16::MAX)) as u16))
}

#[allow(clippy::too_many_arguments)]
fn manifest(
    s: &Session,
    id: &str,
    source_hash: u64,
    tl: &timeline::Timeline,
    chunk_frames: u32,
    ranges: &[(usize, usize)],
    chunks: &[Vec<u8>],
    drivers: &[&feed::records::DriverInfo],
    track: Option<&geometry::Track>,
) -> Manifest {
    let end_ms = tl.t_ms(tl.frames.saturating_sub(1));
    let chunk_entries = ranges
        .iter()
        .zip(chunks)
        .enumerate()
        .map(|(i, (&(a, b), c))| ChunkEntry {
            index: i as u32,
            first_frame: a as u32,
            frames: (b - a) as u32,
            bytes: c.len() as u64,
            etag: format!("\"{:08x}-{}-{}\"", crc32fast::hash(c), c.len(), i),
        })
        .collect();
    let geometry = track.map_or_else(Geometry::default, |t| Geometry {
        outline: t.outline.clone(),
        pit_lane: t.pit_lane.clone(),
        finish: Some(Finish { x: t.finish[0], y: t.finish[1], dx: t.finish[2], dy: t.finish[3] }),
        sectors: t.sectors.iter().map(|p| Point { x: p[0], y: p[1] }).collect(),
        drs_zones: t.drs_zones.iter().map(|z| Zone { from: z.0, to: z.1 }).collect(),
        rotation_deg: t.rotation_deg,
        bbox: t.bbox(),
        length_m: t.length_m,
    });
    // The leader's line crossings: the first car to complete each lap.
    let mut lap_starts: Vec<LapStart> = Vec::new();
    if s.info.is_race_like() {
        if let Some(start) = s.session_start_ms {
            lap_starts.push(LapStart { lap: 1, t_s: secs(start) });
        }
        let max_lap = s.laps.iter().map(|l| l.lap_number).max().unwrap_or(0).min(s.total_laps.unwrap_or(u32::MAX));
        for n in 1..max_lap {
            if let Some(t) = s.laps.iter().filter(|l| l.lap_number == n && !l.generated).filter_map(|l| l.time_ms).min() {
                lap_starts.push(LapStart { lap: n + 1, t_s: secs(t) });
            }
        }
    }
    let segments = if s.info.is_qualifying_like() {
        let finished: Vec<i64> = s.session_status.iter().filter(|x| x.value == "Finished").map(|x| x.t_ms).collect();
        s.part_starts_ms
            .iter()
            .enumerate()
            .map(|(i, &start)| {
                let start = if i == 0 { s.session_start_ms.unwrap_or(start) } else { start };
                Segment {
                    name: format!("Q{}", i + 1),
                    start_s: secs(start),
                    end_s: finished.iter().copied().find(|f| *f > start).map(secs),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let year = s.info.start_date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    Manifest {
        format_version: FORMAT_VERSION,
        pipeline_version: PIPELINE_VERSION.to_string(),
        source_hash: format!("{source_hash:016x}"),
        coverage: Coverage::of(s),
        session: SessionMeta {
            id: id.to_string(),
            year,
            meeting: s.info.meeting_name.clone(),
            name: s.info.name.clone(),
            kind: kind(s).to_string(),
            ranked_by_best_lap: !s.info.session_kind().is_race_like(),
            total_laps: s.total_laps,
            t0_utc: s.t0_utc_us.map(feed::time::format_utc_us),
            start_s: s.session_start_ms.map(secs),
            end_s: secs(end_ms),
            chequered_s: cars::chequered_flag(s).map(secs),
        },
        fps: tl.fps,
        frame_ms: 1000.0 / f64::from(tl.fps),
        t_start_s: secs(tl.start_ms),
        frame_count: tl.frames,
        chunk_frames,
        chunks: chunk_entries,
        drivers: drivers
            .iter()
            .zip(colours::map_colours(drivers.iter().map(|d| (d.team_name.as_str(), d.team_colour.as_str()))))
            .map(|(d, map_colour)| DriverMeta {
                number: d.number,
                tla: s.tla(d.number),
                name: if d.full_name.is_empty() { d.broadcast_name.clone() } else { d.full_name.clone() },
                team: d.team_name.clone(),
                colour: format!("#{}", if d.team_colour.len() == 6 { d.team_colour.as_str() } else { "888888" }),
                map_colour,
            })
            .collect(),
        geometry,
        lap_starts,
        track_status: s
            .track_status
            .iter()
            .map(|iv| StatusPeriod { start_s: secs(iv.start_ms), end_s: iv.end_ms.map(secs), status: iv.status })
            .collect(),
        segments,
        race_control: s
            .race_control
            .iter()
            .map(|e| RcmEntry {
                t_s: secs(e.t_ms),
                category: e.message.category.clone(),
                flag: e.message.flag.clone(),
                scope: e.message.scope.clone(),
                sector: e.message.sector,
                driver: e.message.racing_number,
                lap: e.message.lap,
                message: e.message.message.clone(),
            })
            .collect(),
        weather: s
            .weather
            .iter()
            .map(|w| WeatherEntry {
                t_s: secs(w.t_ms),
                air_c: finite(w.value.air_temp_c),
                track_c: finite(w.value.track_temp_c),
                humidity: finite(w.value.humidity_pct),
                pressure: finite(w.value.pressure_mbar),
                rain: w.value.rainfall,
                wind_dir: finite(w.value.wind_direction_deg),
                wind_ms: finite(w.value.wind_speed_ms),
            })
            .collect(),
        warnings: Vec::new(),
    }
}

/// Builds the replay and writes it to `path` (atomically: temp file, then rename).
pub fn build_file(
    s: &Session,
    id: &str,
    source_hash: u64,
    opts: &BuildOptions,
    path: &Path,
    progress: &dyn Fn(&str, f32),
) -> Result<(), Error> {
    let replay = build(s, id, source_hash, opts, progress)?;
    progress("write", 0.97);
    store::write(path, &replay.manifest, &replay.chunks)?;
    progress("done", 1.0);
    Ok(())
}

/// A hash of a session's raw files (names and bytes), recorded in the manifest so a replay can
/// be traced to exactly what it was built from.
pub fn source_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> u64 {
    let mut a = crc32fast::Hasher::new();
    let mut b = crc32fast::Hasher::new_with_initial(0x9e37_79b9);
    for (name, bytes) in files {
        a.update(name.as_bytes());
        a.update(bytes);
        b.update(&(bytes.len() as u64).to_le_bytes());
        b.update(name.as_bytes());
    }
    (u64::from(a.finalize()) << 32) | u64::from(b.finalize())
}
