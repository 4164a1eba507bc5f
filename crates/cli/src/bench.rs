//! `f1replay bench ...`: measured figures, printed.

use std::time::Instant;

/// What to benchmark.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs a benchmark and prints its figures.
pub fn run(cmd: BenchCommand, out: &mut impl std::io::Write) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    match cmd {
        BenchCommand::Decode { session, runs, data, fastf1_python } => {
            let args = crate::load::SourceArgs { data, cache_dir: None };
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
            writeln!(out, "session: {}", raw.label).map_err(io)?;
            writeln!(out, "raw files: {:.1} MB (read in {:.3} s, not counted below)", bytes as f64 / 1e6, read_s).map_err(io)?;
            writeln!(out, "threads: {}", rayon::current_num_threads()).map_err(io)?;
            writeln!(out, "median of {} runs:", runs.max(1)).map_err(io)?;
            writeln!(out, "  decode (lines, .z inflate, JSON → columns): {:.3} s  ({:.0} MB/s)", d, bytes as f64 / 1e6 / d).map_err(io)?;
            writeln!(out, "  session model (laps, stints, telemetry merge): {:.3} s", b).map_err(io)?;
            writeln!(out, "  raw → laps + telemetry: {:.3} s  ({laps} laps, {samples} merged telemetry rows)", tt).map_err(io)?;
            if let Some(python) = fastf1_python {
                let theirs = fastf1_load_seconds(&python, &session, 3)?;
                writeln!(out, "FastF1 session.load() (ffharness, cold cache, median of 3): {theirs:.3} s").map_err(io)?;
                writeln!(out, "ratio: {:.1}x", theirs / tt).map_err(io)?;
            }
        }
    }
    Ok(())
}

/// Runs FastF1 through the shared harness `runs` times on a session folder and returns the
/// median of its `session_load_s`.
fn fastf1_load_seconds(python: &std::path::Path, session: &str, runs: usize) -> Result<f64, String> {
    let harness = std::env::var_os("FFHARNESS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/ffharness"));
    let script = harness.join("ff_export.py");
    if !std::path::Path::new(session).is_dir() {
        return Err(format!("--fastf1-python needs SESSION to be a session folder, not {session}"));
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
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        let timings =
            std::fs::read_to_string(out_dir.join("timings.json")).map_err(|e| format!("FastF1 wrote no timings.json ({status}): {e}"))?;
        let _ = std::fs::remove_dir_all(&out_dir);
        let load = timings
            .split("\"session_load_s\":")
            .nth(1)
            .and_then(|rest| rest.trim_start().split([',', '}']).next())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or("FastF1's timings.json has no session_load_s")?;
        times.push(load);
    }
    Ok(median(times))
}
