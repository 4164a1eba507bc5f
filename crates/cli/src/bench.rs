//! `f1replay bench ...`: measured figures, printed.

use anyhow::Context as _;
use std::time::Instant;

/// What to benchmark.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Raw files → replay file (decode, session model, replay build, write), then opening it
    /// and reading frames; peak memory; FastF1 next to it with --fastf1-python.
    Build {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// Runs to take the median of.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Frames per second.
        #[arg(long, default_value_t = 25)]
        fps: u32,
        /// A local copy of the archive.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// Also time FastF1 on the same folder in this run (see `bench decode`).
        #[arg(long)]
        fastf1_python: Option<std::path::PathBuf>,
    },
    /// Raw files → decoded feed → session model (laps + telemetry), time per stage.
    Decode {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// Runs to take the median of.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// A local copy of the archive.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// Also time FastF1 on the same folder in this run: the harness' `ff_export.py`
        /// (`../shared/tools/ffharness`), run with this Python (e.g. /tmp/ffvenv/bin/python).
        #[arg(long)]
        fastf1_python: Option<std::path::PathBuf>,
    },
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

/// Runs a benchmark and prints its figures.
pub fn run(cmd: BenchCommand, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Build { session, runs, fps, data, fastf1_python } => {
            let args = crate::load::SourceArgs { data, ..Default::default() };
            let raw = crate::load::load(&session, &args)?;
            let bytes: u64 = raw.files.iter().filter_map(|(_, b)| b.as_ref()).map(|b| b.len() as u64).sum();
            let dir = std::env::temp_dir().join(format!("f1replay-bench-build-{}", std::process::id()));
            let path = dir.join("bench.f1r");
            let opts = replay::BuildOptions { fps, ..Default::default() };
            let (mut decode, mut model, mut build, mut total) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            // CPU seconds of all threads per run: decode, session model, the whole run.
            let mut cpu_runs: Vec<[f64; 3]> = Vec::new();
            // Seconds spent in each stage of the replay build, per run (from its progress calls).
            // With the CPU seconds of all threads in the same stage.
            let mut stages: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
            for _ in 0..runs.max(1) {
                let files = raw.files.clone();
                let (t0, c0) = (Instant::now(), process_cpu_seconds());
                let feed = feed::FeedSession::decode(files);
                let (t1, c1) = (Instant::now(), process_cpu_seconds());
                let s = timing::Session::build(&feed);
                // The decoded feed is not needed once the session model exists.
                drop(feed);
                let (t2, c2) = (Instant::now(), process_cpu_seconds());
                let marks = std::sync::Mutex::new(vec![(String::from("start"), Instant::now(), process_cpu_seconds())]);
                replay::build_file(&s, "bench", 0, &opts, &path, &|stage, _| {
                    if let Ok(mut m) = marks.lock() {
                        m.push((stage.to_string(), Instant::now(), process_cpu_seconds()));
                    }
                })
                .map_err(anyhow::Error::from)?;
                let t3 = Instant::now();
                // Stage → next stage; the last stage ("write") ends at "done". A stage the build
                // enters more than once (the cars and the chunks alternate, run by run of frames)
                // counts its time summed over the run.
                let marks = marks.into_inner().unwrap_or_default();
                let mut this_run: Vec<(String, f64, f64)> = Vec::new();
                for w in marks.windows(2).skip(1) {
                    let secs = (w[1].1 - w[0].1).as_secs_f64();
                    let cpu = cpu_between(w[0].2, w[1].2);
                    match this_run.iter_mut().find(|x| x.0 == w[0].0) {
                        Some(x) => {
                            x.1 += secs;
                            x.2 += cpu;
                        }
                        None => this_run.push((w[0].0.clone(), secs, cpu)),
                    }
                }
                for (name, secs, cpu) in this_run {
                    match stages.iter_mut().find(|x| x.0 == name) {
                        Some(x) => {
                            x.1.push(secs);
                            x.2.push(cpu);
                        }
                        None => stages.push((name, vec![secs], vec![cpu])),
                    }
                }
                decode.push((t1 - t0).as_secs_f64());
                model.push((t2 - t1).as_secs_f64());
                build.push((t3 - t2).as_secs_f64());
                total.push((t3 - t0).as_secs_f64());
                let c3 = process_cpu_seconds();
                cpu_runs.push([cpu_between(c0, c1), cpu_between(c1, c2), cpu_between(c0, c3)]);
            }
            // Opening a built replay and reading its first frame; then random frames.
            let mut open_first = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                let file = replay::ReplayFile::open(&path).map_err(anyhow::Error::from)?;
                file.frame(0).map_err(anyhow::Error::from)?;
                open_first.push(t.elapsed().as_secs_f64());
            }
            let file = replay::ReplayFile::open(&path).map_err(anyhow::Error::from)?;
            let n = file.frame_count();
            let mut rng = 0x2545_f491_4f6c_dd1du64;
            let mut random = Vec::new();
            for _ in 0..500 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let k = (rng % u64::from(n.max(1))) as u32;
                let t = Instant::now();
                file.frame(k).map_err(anyhow::Error::from)?;
                random.push(t.elapsed().as_secs_f64());
            }
            let size = file.file_bytes().len();
            let tt = median(total.clone());
            writeln!(out, "session: {}", raw.label)?;
            writeln!(
                out,
                "raw files: {:.1} MB; threads: {}; median of {} runs",
                bytes as f64 / 1e6,
                rayon::current_num_threads(),
                runs.max(1)
            )?;
            writeln!(
                out,
                "  decode {:.3} s, session model {:.3} s, replay build + write {:.3} s",
                median(decode),
                median(model),
                median(build)
            )?;
            let stage_list: Vec<String> = stages.iter().map(|(name, v, _)| format!("{name} {:.3}", median(v.clone()))).collect();
            writeln!(out, "    replay build stages, s: {}", stage_list.join(", "))?;
            let cpu_list: Vec<String> = stages.into_iter().map(|(name, _, c)| format!("{name} {:.3}", median(c))).collect();
            writeln!(out, "    the same stages, CPU s of all threads: {}", cpu_list.join(", "))?;
            let cpu_of = |i: usize| median(cpu_runs.iter().map(|c| c[i]).collect());
            writeln!(
                out,
                "    CPU s of all threads: decode {:.3}, session model {:.3}, whole run {:.3} ({:.2} cores busy on average)",
                cpu_of(0),
                cpu_of(1),
                cpu_of(2),
                cpu_of(2) / tt
            )?;
            let best = total.iter().copied().fold(f64::INFINITY, f64::min);
            writeln!(out, "  raw files → replay file: {tt:.3} s (median; best run {best:.3} s)")?;
            writeln!(
                out,
                "  replay: {n} frames at {fps} FPS, {} chunks, {:.2} MB ({:.1} bytes/frame)",
                file.chunk_count(),
                size as f64 / 1e6,
                size as f64 / f64::from(n.max(1))
            )?;
            writeln!(out, "  open + first frame: {:.2} ms (median of 20)", median(open_first) * 1e3)?;
            let mut sorted = random.clone();
            sorted.sort_by(f64::total_cmp);
            writeln!(
                out,
                "  random frame: median {:.3} ms, p99 {:.3} ms (500 frames)",
                median(random) * 1e3,
                sorted[sorted.len() * 99 / 100] * 1e3
            )?;
            let children =
                (0..runs.clamp(1, 5)).map(|_| one_build_in_a_child(&session, args.data.as_deref(), fps)).collect::<Result<Vec<_>, _>>()?;
            let peak = children.iter().map(|c| c.1).fold(0.0, f64::max);
            writeln!(
                out,
                "  one `f1replay build` in a fresh process (files on disk → replay file, start to exit): median {:.3} s of {}; peak RSS {peak:.0} MB",
                median(children.iter().map(|c| c.0).collect()),
                children.len()
            )
            ?;
            writeln!(
                out,
                "old Python system on Mexico Q (ffharness README): race-style build 65 s, 2.97 GB peak → {:.0}x faster, {:.0}x less memory",
                65.0 / tt,
                2970.0 / peak.max(1.0)
            )?;
            if let Some(python) = fastf1_python {
                let theirs = fastf1_load_seconds(&python, &session, 3)?;
                writeln!(out, "FastF1 session.load() alone (ffharness, cold, median of 3): {theirs:.3} s → {:.1}x", theirs / tt)?;
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        BenchCommand::Decode { session, runs, data, fastf1_python } => {
            let args = crate::load::SourceArgs { data, ..Default::default() };
            let t = Instant::now();
            let raw = crate::load::load(&session, &args)?;
            let read_s = t.elapsed().as_secs_f64();
            let bytes: u64 = raw.files.iter().filter_map(|(_, b)| b.as_ref()).map(|b| b.len() as u64).sum();
            let (mut decode, mut build, mut total) = (Vec::new(), Vec::new(), Vec::new());
            let mut laps = 0;
            let mut samples = 0;
            for _ in 0..runs.max(1) {
                let files = raw.files.clone();
                let t0 = Instant::now();
                let feed = feed::FeedSession::decode(files);
                let t1 = Instant::now();
                let session = timing::Session::build(&feed);
                let t2 = Instant::now();
                decode.push((t1 - t0).as_secs_f64());
                build.push((t2 - t1).as_secs_f64());
                total.push((t2 - t0).as_secs_f64());
                laps = session.laps.len();
                samples = session.telemetry.iter().map(|t| t.t_ms.len()).sum();
            }
            let (d, b, tt) = (median(decode), median(build), median(total));
            writeln!(out, "session: {}", raw.label)?;
            writeln!(out, "raw files: {:.1} MB (read in {:.3} s, not counted below)", bytes as f64 / 1e6, read_s)?;
            writeln!(out, "threads: {}", rayon::current_num_threads())?;
            writeln!(out, "median of {} runs:", runs.max(1))?;
            writeln!(out, "  decode (lines, .z inflate, JSON → columns): {:.3} s  ({:.0} MB/s)", d, bytes as f64 / 1e6 / d)?;
            writeln!(out, "  session model (laps, stints, telemetry merge): {:.3} s", b)?;
            writeln!(out, "  raw → laps + telemetry: {:.3} s  ({laps} laps, {samples} merged telemetry rows)", tt)?;
            if let Some(python) = fastf1_python {
                let theirs = fastf1_load_seconds(&python, &session, 3)?;
                writeln!(out, "FastF1 session.load() (ffharness, cold cache, median of 3): {theirs:.3} s")?;
                writeln!(out, "ratio: {:.1}x", theirs / tt)?;
            }
        }
    }
    Ok(())
}

/// Runs FastF1 through the shared harness `runs` times on a session folder and returns the
/// median of its `session_load_s`.
fn fastf1_load_seconds(python: &std::path::Path, session: &str, runs: usize) -> anyhow::Result<f64> {
    let harness = std::env::var_os("FFHARNESS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/ffharness"));
    let script = harness.join("ff_export.py");
    if !std::path::Path::new(session).is_dir() {
        return Err(anyhow::anyhow!("--fastf1-python needs SESSION to be a session folder, not {session}"));
    }
    let mut times = Vec::new();
    for _ in 0..runs {
        let out_dir = std::env::temp_dir().join(format!("f1replay-bench-fastf1-{}", std::process::id()));
        let status = std::process::Command::new(python)
            .arg(&script)
            .arg(session)
            .arg(&out_dir)
            .args(["--cache", "cold", "--load-only"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .with_context(|| format!("cannot run {}", python.display()))?;
        let timings =
            std::fs::read_to_string(out_dir.join("timings.json")).with_context(|| format!("FastF1 wrote no timings.json ({status})"))?;
        let _ = std::fs::remove_dir_all(&out_dir);
        let load = timings
            .split("\"session_load_s\":")
            .nth(1)
            .and_then(|rest| rest.trim_start().split([',', '}']).next())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .context("FastF1's timings.json has no session_load_s")?;
        times.push(load);
    }
    Ok(median(times))
}

/// Runs `f1replay build SESSION --force` in a child process with a temporary cache and returns
/// its wall time from start to exit and the peak resident memory it reported: one build as a
/// user runs it (files read from disk, a fresh process and allocator), not the benchmark's
/// warm in-process runs.
fn one_build_in_a_child(session: &str, data: Option<&std::path::Path>, fps: u32) -> anyhow::Result<(f64, f64)> {
    let exe = std::env::current_exe().map_err(anyhow::Error::from)?;
    let cache = std::env::temp_dir().join(format!("f1replay-bench-child-{}", std::process::id()));
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["build", session, "--force", "--report-peak-rss", "--fps", &fps.to_string()]).arg("--cache-dir").arg(&cache);
    if let Some(d) = data {
        cmd.arg("--data").arg(d);
    }
    let t = Instant::now();
    let out = cmd.output().map_err(anyhow::Error::from)?;
    let wall = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&cache);
    let text = String::from_utf8_lossy(&out.stdout);
    let peak = text
        .lines()
        .find_map(|l| l.strip_prefix("peak RSS: ").and_then(|v| v.trim_end_matches(" MB").parse().ok()))
        .with_context(|| format!("the child build reported no peak RSS: {}", String::from_utf8_lossy(&out.stderr)))?;
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
