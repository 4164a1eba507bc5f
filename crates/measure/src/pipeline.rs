//! `f1replay bench decode` and `bench build`: the pipeline from raw files to the session model
//! and to the replay file, timed stage by stage (median of runs), with CPU time, peak memory of
//! a build as a user runs it, and FastF1 on the same folder next to it. The raw files come
//! from [`archive::session_files`], the loader `serve` and the other commands use.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What went wrong while measuring.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The raw files could not be read.
    #[error("{label}: {source}")]
    Load {
        /// The session.
        label: String,
        /// Why.
        source: archive::Error,
    },
    /// Building or reading the replay failed.
    #[error(transparent)]
    Replay(#[from] replay::Error),
    /// A process or file of the measurement (the async runtime, the child build, FastF1).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// FastF1 or the child build did not report what it should.
    #[error("{0}")]
    Report(String),
}

/// Where a session's raw files are and how to name it.
pub struct Input {
    /// The source holding the session (a local folder, the archive).
    pub source: archive::AnySource,
    /// The session's path in the source.
    pub path: String,
    /// The name printed (a folder or an archive path).
    pub label: String,
}

/// Each known topic's raw bytes (`None` where the session has no such file).
type Files = Vec<(feed::Topic, Option<Vec<u8>>)>;

/// Reads every known topic of `input` with [`archive::session_files`]: the files and the
/// seconds it took.
fn load(input: &Input) -> Result<(Files, f64), Error> {
    let t = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io { what: "cannot start the async runtime".into(), source })?;
    let names: Vec<String> = feed::Topic::ALL.iter().map(|t| t.file_name()).collect();
    let raw = rt
        .block_on(archive::session_files(&input.source, &input.path, &names, &|_| {}))
        .map_err(|source| Error::Load { label: input.label.clone(), source })?;
    let files = feed::Topic::ALL.into_iter().zip(raw.files).map(|(topic, (_, bytes))| (topic, bytes)).collect();
    Ok((files, t.elapsed().as_secs_f64()))
}

fn bytes_of(files: &[(feed::Topic, Option<Vec<u8>>)]) -> u64 {
    files.iter().filter_map(|(_, b)| b.as_ref()).map(|b| b.len() as u64).sum()
}

/// FastF1 next to our figures: the shared harness' `ff_export.py` run with this Python on a
/// session folder.
#[derive(Debug, Clone)]
pub struct FastF1 {
    /// The Python that has FastF1 (e.g. /tmp/ffvenv/bin/python).
    pub python: PathBuf,
    /// The session folder FastF1 loads.
    pub folder: String,
}

/// What `bench decode` measured: raw files → decoded feed → session model.
#[derive(Debug, Clone)]
pub struct DecodeReport {
    label: String,
    bytes: u64,
    read_s: f64,
    threads: usize,
    runs: usize,
    decode_s: f64,
    model_s: f64,
    total_s: f64,
    laps: usize,
    rows: usize,
    fastf1_s: Option<f64>,
}

/// Raw files → decoded feed → session model, `runs` times (median of each stage).
pub fn decode(input: &Input, runs: usize, fastf1: Option<&FastF1>) -> Result<DecodeReport, Error> {
    let (files, read_s) = load(input)?;
    let (mut decode, mut build, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let (mut laps, mut rows) = (0, 0);
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let feed = feed::FeedSession::decode(files.clone());
        let t1 = Instant::now();
        let session = timing::Session::build(&feed);
        let t2 = Instant::now();
        decode.push((t1 - t0).as_secs_f64());
        build.push((t2 - t1).as_secs_f64());
        total.push((t2 - t0).as_secs_f64());
        laps = session.laps.len();
        rows = session.telemetry.iter().map(|t| t.t_ms.len()).sum();
    }
    Ok(DecodeReport {
        label: input.label.clone(),
        bytes: bytes_of(&files),
        read_s,
        threads: rayon::current_num_threads(),
        runs: runs.max(1),
        decode_s: median(decode),
        model_s: median(build),
        total_s: median(total),
        laps,
        rows,
        fastf1_s: fastf1.map(|f| fastf1_load_seconds(f, 3)).transpose()?,
    })
}

impl fmt::Display for DecodeReport {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, b, tt) = (self.decode_s, self.model_s, self.total_s);
        writeln!(out, "session: {}", self.label)?;
        writeln!(out, "raw files: {:.1} MB (read in {:.3} s, not counted below)", self.bytes as f64 / 1e6, self.read_s)?;
        writeln!(out, "threads: {}", self.threads)?;
        writeln!(out, "median of {} runs:", self.runs)?;
        writeln!(out, "  decode (lines, .z inflate, JSON → columns): {:.3} s  ({:.0} MB/s)", d, self.bytes as f64 / 1e6 / d)?;
        writeln!(out, "  session model (laps, stints, telemetry merge): {:.3} s", b)?;
        writeln!(out, "  raw → laps + telemetry: {:.3} s  ({} laps, {} merged telemetry rows)", tt, self.laps, self.rows)?;
        if let Some(theirs) = self.fastf1_s {
            writeln!(out, "FastF1 session.load() (ffharness, cold cache, median of 3): {theirs:.3} s")?;
            writeln!(out, "ratio: {:.1}x", theirs / tt)?;
        }
        Ok(())
    }
}

/// What `bench build` is asked to measure.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    /// Runs to take the median of.
    pub runs: usize,
    /// Frames per second.
    pub fps: u32,
    /// The `f1replay` binary and the arguments that name the session to it (the SESSION and
    /// `--data`), for one build in a fresh process.
    pub exe: PathBuf,
    /// See [`BuildConfig::exe`].
    pub session: String,
    /// See [`BuildConfig::exe`].
    pub data: Option<PathBuf>,
    /// FastF1 on the same folder, if wanted.
    pub fastf1: Option<FastF1>,
}

/// What `bench build` measured: raw files → replay file, then reading it.
#[derive(Debug, Clone)]
pub struct BuildReport {
    label: String,
    bytes: u64,
    threads: usize,
    runs: usize,
    fps: u32,
    decode_s: f64,
    model_s: f64,
    build_s: f64,
    /// (stage, median seconds, median CPU seconds of all threads), in the order entered.
    stages: Vec<(String, f64, f64)>,
    /// Median CPU seconds of all threads: decode, session model, the whole run.
    cpu: [f64; 3],
    total_s: f64,
    best_s: f64,
    frames: u32,
    chunks: usize,
    file_bytes: usize,
    open_first_s: f64,
    random_median_s: f64,
    random_p99_s: f64,
    /// One build in a fresh process: (median wall seconds, peak RSS MB over them, how many).
    child: (f64, f64, usize),
    fastf1_s: Option<f64>,
}

/// One run of the pipeline into `path`: (decode, model, build) seconds; the CPU seconds of
/// decode, model and the whole run; the replay build's stages (seconds, CPU seconds).
type Run = ([f64; 3], [f64; 3], Vec<(String, f64, f64)>);

fn one_run(files: &[(feed::Topic, Option<Vec<u8>>)], opts: &replay::BuildOptions, path: &Path) -> Result<Run, Error> {
    let (t0, c0) = (Instant::now(), process_cpu_seconds());
    let feed = feed::FeedSession::decode(files.to_vec());
    let (t1, c1) = (Instant::now(), process_cpu_seconds());
    let s = timing::Session::build(&feed);
    // The decoded feed is not needed once the session model exists.
    drop(feed);
    let (t2, c2) = (Instant::now(), process_cpu_seconds());
    let marks = std::sync::Mutex::new(vec![(String::from("start"), Instant::now(), process_cpu_seconds())]);
    replay::build_file(&s, "bench", 0, opts, path, &|stage, _| {
        if let Ok(mut m) = marks.lock() {
            m.push((stage.to_string(), Instant::now(), process_cpu_seconds()));
        }
    })?;
    let t3 = Instant::now();
    // Stage → next stage; the last stage ("write") ends at "done". A stage the build enters
    // more than once (the cars and the chunks alternate, run by run of frames) counts its time
    // summed over the run.
    let marks = marks.into_inner().unwrap_or_default();
    let mut stages: Vec<(String, f64, f64)> = Vec::new();
    for w in marks.windows(2).skip(1) {
        let secs = (w[1].1 - w[0].1).as_secs_f64();
        let cpu = cpu_between(w[0].2, w[1].2);
        match stages.iter_mut().find(|x| x.0 == w[0].0) {
            Some(x) => {
                x.1 += secs;
                x.2 += cpu;
            }
            None => stages.push((w[0].0.clone(), secs, cpu)),
        }
    }
    let c3 = process_cpu_seconds();
    let secs = [(t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64(), (t3 - t2).as_secs_f64()];
    Ok((secs, [cpu_between(c0, c1), cpu_between(c1, c2), cpu_between(c0, c3)], stages))
}

/// Raw files → replay file (decode, session model, replay build, write) `config.runs` times,
/// then opening it and reading frames; one build in a fresh process; FastF1 if asked.
pub fn build(input: &Input, config: &BuildConfig) -> Result<BuildReport, Error> {
    let (files, _) = load(input)?;
    let dir = std::env::temp_dir().join(format!("f1replay-bench-build-{}", std::process::id()));
    let path = dir.join("bench.f1r");
    let opts = replay::BuildOptions { fps: config.fps, ..Default::default() };
    let runs: Vec<Run> = (0..config.runs.max(1)).map(|_| one_run(&files, &opts, &path)).collect::<Result<_, _>>()?;
    // Each stage's seconds and CPU seconds over the runs, in the order first entered.
    let mut stages: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for (name, secs, cpu) in runs.iter().flat_map(|r| r.2.iter()) {
        match stages.iter_mut().find(|x| &x.0 == name) {
            Some(x) => {
                x.1.push(*secs);
                x.2.push(*cpu);
            }
            None => stages.push((name.clone(), vec![*secs], vec![*cpu])),
        }
    }
    let of = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let total: Vec<f64> = runs.iter().map(|r| r.0.iter().sum()).collect();
    // Opening a built replay and reading its first frame; then random frames.
    let mut open_first = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let file = replay::ReplayFile::open(&path)?;
        file.frame(0)?;
        open_first.push(t.elapsed().as_secs_f64());
    }
    let file = replay::ReplayFile::open(&path)?;
    let n = file.frame_count();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut random = Vec::new();
    for _ in 0..500 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let k = (rng % u64::from(n.max(1))) as u32;
        let t = Instant::now();
        file.frame(k)?;
        random.push(t.elapsed().as_secs_f64());
    }
    let mut sorted = random.clone();
    sorted.sort_by(f64::total_cmp);
    let children = (0..config.runs.clamp(1, 5)).map(|_| one_build_in_a_child(config)).collect::<Result<Vec<_>, _>>()?;
    let report = BuildReport {
        label: input.label.clone(),
        bytes: bytes_of(&files),
        threads: rayon::current_num_threads(),
        runs: config.runs.max(1),
        fps: config.fps,
        decode_s: of(&|r| r.0[0]),
        model_s: of(&|r| r.0[1]),
        build_s: of(&|r| r.0[2]),
        stages: stages.into_iter().map(|(name, s, c)| (name, median(s), median(c))).collect(),
        cpu: [of(&|r| r.1[0]), of(&|r| r.1[1]), of(&|r| r.1[2])],
        total_s: median(total.clone()),
        best_s: total.iter().copied().fold(f64::INFINITY, f64::min),
        frames: n,
        chunks: file.chunk_count(),
        file_bytes: file.file_bytes().len(),
        open_first_s: median(open_first),
        random_median_s: median(random),
        random_p99_s: sorted[sorted.len() * 99 / 100],
        child: (median(children.iter().map(|c| c.0).collect()), children.iter().map(|c| c.1).fold(0.0, f64::max), children.len()),
        fastf1_s: config.fastf1.as_ref().map(|f| fastf1_load_seconds(f, 3)).transpose()?,
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report)
}

impl fmt::Display for BuildReport {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tt = self.total_s;
        writeln!(out, "session: {}", self.label)?;
        writeln!(out, "raw files: {:.1} MB; threads: {}; median of {} runs", self.bytes as f64 / 1e6, self.threads, self.runs)?;
        writeln!(out, "  decode {:.3} s, session model {:.3} s, replay build + write {:.3} s", self.decode_s, self.model_s, self.build_s)?;
        let stage_list: Vec<String> = self.stages.iter().map(|(name, s, _)| format!("{name} {s:.3}")).collect();
        writeln!(out, "    replay build stages, s: {}", stage_list.join(", "))?;
        let cpu_list: Vec<String> = self.stages.iter().map(|(name, _, c)| format!("{name} {c:.3}")).collect();
        writeln!(out, "    the same stages, CPU s of all threads: {}", cpu_list.join(", "))?;
        writeln!(
            out,
            "    CPU s of all threads: decode {:.3}, session model {:.3}, whole run {:.3} ({:.2} cores busy on average)",
            self.cpu[0],
            self.cpu[1],
            self.cpu[2],
            self.cpu[2] / tt
        )?;
        writeln!(out, "  raw files → replay file: {tt:.3} s (median; best run {:.3} s)", self.best_s)?;
        writeln!(
            out,
            "  replay: {} frames at {} FPS, {} chunks, {:.2} MB ({:.1} bytes/frame)",
            self.frames,
            self.fps,
            self.chunks,
            self.file_bytes as f64 / 1e6,
            self.file_bytes as f64 / f64::from(self.frames.max(1))
        )?;
        writeln!(out, "  open + first frame: {:.2} ms (median of 20)", self.open_first_s * 1e3)?;
        writeln!(out, "  random frame: median {:.3} ms, p99 {:.3} ms (500 frames)", self.random_median_s * 1e3, self.random_p99_s * 1e3)?;
        let (wall, peak, n) = self.child;
        writeln!(
            out,
            "  one `f1replay build` in a fresh process (files on disk → replay file, start to exit): median {wall:.3} s of {n}; peak RSS {peak:.0} MB"
        )?;
        writeln!(
            out,
            "old Python system on Mexico Q (ffharness README): race-style build 65 s, 2.97 GB peak → {:.0}x faster, {:.0}x less memory",
            65.0 / tt,
            2970.0 / peak.max(1.0)
        )?;
        if let Some(theirs) = self.fastf1_s {
            writeln!(out, "FastF1 session.load() alone (ffharness, cold, median of 3): {theirs:.3} s → {:.1}x", theirs / tt)?;
        }
        Ok(())
    }
}

/// CPU seconds used so far by every thread of this process (Linux: the sum of
/// `/proc/self/task/*/schedstat`, nanosecond resolution); `None` elsewhere. Stage CPU over stage
/// wall time shows how well a stage uses the cores.
fn process_cpu_seconds() -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread that ended since the listing has no file any more: it is skipped.
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else { continue };
        ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 / 1e9)
}

/// CPU seconds between two [`process_cpu_seconds`] readings (NaN where either is missing).
fn cpu_between(from: Option<f64>, to: Option<f64>) -> f64 {
    to.zip(from).map_or(f64::NAN, |(b, a)| b - a)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs FastF1 through the shared harness `runs` times on a session folder and returns the
/// median of its `session_load_s`.
fn fastf1_load_seconds(f: &FastF1, runs: usize) -> Result<f64, Error> {
    let harness = std::env::var_os("FFHARNESS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/ffharness"));
    let script = harness.join("ff_export.py");
    if !Path::new(&f.folder).is_dir() {
        return Err(Error::Report(format!("--fastf1-python needs SESSION to be a session folder, not {}", f.folder)));
    }
    let mut times = Vec::new();
    for _ in 0..runs {
        let out_dir = std::env::temp_dir().join(format!("f1replay-bench-fastf1-{}", std::process::id()));
        let status = std::process::Command::new(&f.python)
            .arg(&script)
            .arg(&f.folder)
            .arg(&out_dir)
            .args(["--cache", "cold", "--load-only"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|source| Error::Io { what: format!("cannot run {}", f.python.display()), source })?;
        let timings = std::fs::read_to_string(out_dir.join("timings.json"))
            .map_err(|source| Error::Io { what: format!("FastF1 wrote no timings.json ({status})"), source })?;
        let _ = std::fs::remove_dir_all(&out_dir);
        let load = timings
            .split("\"session_load_s\":")
            .nth(1)
            .and_then(|rest| rest.trim_start().split([',', '}']).next())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| Error::Report("FastF1's timings.json has no session_load_s".into()))?;
        times.push(load);
    }
    Ok(median(times))
}

/// Runs `f1replay build SESSION --force` in a child process with a temporary cache and returns
/// its wall time from start to exit and the peak resident memory it reported: one build as a
/// user runs it (files read from disk, a fresh process and allocator), not the benchmark's
/// warm in-process runs.
fn one_build_in_a_child(config: &BuildConfig) -> Result<(f64, f64), Error> {
    let cache = std::env::temp_dir().join(format!("f1replay-bench-child-{}", std::process::id()));
    let mut cmd = std::process::Command::new(&config.exe);
    cmd.args(["build", &config.session, "--force", "--report-peak-rss", "--fps", &config.fps.to_string()]).arg("--cache-dir").arg(&cache);
    if let Some(d) = &config.data {
        cmd.arg("--data").arg(d);
    }
    let t = Instant::now();
    let out = cmd.output().map_err(|source| Error::Io { what: format!("cannot run {}", config.exe.display()), source })?;
    let wall = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&cache);
    let text = String::from_utf8_lossy(&out.stdout);
    let peak = text
        .lines()
        .find_map(|l| l.strip_prefix("peak RSS: ").and_then(|v| v.trim_end_matches(" MB").parse().ok()))
        .ok_or_else(|| Error::Report(format!("the child build reported no peak RSS: {}", String::from_utf8_lossy(&out.stderr))))?;
    Ok((wall, peak))
}

/// Peak resident memory of this process so far (VmHWM), MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
