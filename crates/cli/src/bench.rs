//! `f1replay bench decode|build`: the flags; the measuring is `measure::pipeline`'s.

use anyhow::Context as _;

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

/// Runs a benchmark ([`measure::pipeline`]) and prints its figures.
pub fn run(cmd: BenchCommand, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let input = |session: &str, data: Option<std::path::PathBuf>| -> anyhow::Result<measure::pipeline::Input> {
        let (source, path, label) = crate::load::locate(session, &crate::load::SourceArgs { data, ..Default::default() })?;
        Ok(measure::pipeline::Input { source, path, label })
    };
    let fastf1 = |python: Option<std::path::PathBuf>, session: &str| {
        python.map(|python| measure::pipeline::FastF1 { python, folder: session.to_string() })
    };
    match cmd {
        BenchCommand::Build { session, runs, fps, data, fastf1_python } => {
            let config = measure::pipeline::BuildConfig {
                runs,
                fps,
                exe: std::env::current_exe().context("cannot find this program to run a build in a child process")?,
                session: session.clone(),
                data: data.clone(),
                fastf1: fastf1(fastf1_python, &session),
            };
            write!(out, "{}", measure::pipeline::build(&input(&session, data)?, &config)?)?;
        }
        BenchCommand::Decode { session, runs, data, fastf1_python } => {
            let report = measure::pipeline::decode(&input(&session, data)?, runs, fastf1(fastf1_python, &session).as_ref())?;
            write!(out, "{report}")?;
        }
    }
    Ok(())
}
