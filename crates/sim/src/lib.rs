//! A deterministic Formula 1 session generator that writes the live-timing archive's own raw
//! files, with the ground truth of what happened.
//!
//! It is f1replay's offline demo (no network, no data: `serve` still shows a full race) and the
//! known-answer input of every test downstream: the files go through the same decoder and lap
//! rules as real data, and [`GroundTruth`] says what those rules must find.
//!
//! A [`SimConfig`] (session kind, laps, number of drivers, seed) goes into [`generate`], which
//! builds a procedural circuit ([`track`]), a field of fictional drivers ([`driver`]), simulates
//! the session ([`race`] is a discrete-event race with dirty air, overtakes, pit stops, a safety
//! car, a VSC, retirements and a shower; [`qualifying`] does Q1/Q2/Q3 and practice runs), and
//! writes every topic in the archive's formats ([`timing_data`], [`topics`], [`telemetry`],
//! [`format`](mod@format)). The
//! resulting [`Simulation`] holds the files in memory; [`Simulation::write`] lays them out like
//! the archive (`DIR/2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race/` plus the season
//! `DIR/2025/Index.json`) with `ground_truth.json` next to the topic files.
//!
//! The same seed gives byte-identical output: every random draw comes from a seeded
//! [`rng::Rng`], maps are ordered, and there is no clock.
//!
//! The real FastF1 is the reference: `tests/fastf1.rs` (opt-in, needs the ffharness venv) loads
//! a simulated race and qualifying with it and requires its laps, lap times, sector times, pit
//! laps, positions, tyres and t0 to equal the ground truth (`examples/ff_compare.py`).
//!
//! ```no_run
//! use sim::{generate, SessionKind, SimConfig};
//!
//! let race = generate(&SimConfig::default()); // 57 laps, 20 drivers, seed 1
//! let folder = race.write("/tmp/sim-data")?;
//! println!("session folder: {}", folder.display());
//! let truth = race.truth();
//! let winner = &truth.order.last().unwrap().drivers[0];
//! println!("{} laps, winner #{winner}", truth.session.total_laps.unwrap());
//!
//! let quali = generate(&SimConfig::new(SessionKind::Qualifying));
//! quali.write("/tmp/sim-data")?; // same event, Index.json now lists both
//! # Ok::<(), sim::Error>(())
//! ```

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

/// The version of what [`generate`] writes for the default configurations, the sessions
/// `serve` shows. Replays built from simulated sessions are cached under it, so a simulator
/// that writes other bytes is never shown through a replay of the old ones. The test
/// `the_default_sessions_are_the_ones_their_version_names` fails when the bytes change
/// and this was not raised.
pub const VERSION: u32 = 2;

pub mod calendar;
pub mod distance;
pub mod driver;
pub mod format;
pub mod log;
pub mod motion;
pub mod pitlane;
pub mod profile;
pub mod qualifying;
pub mod race;
pub mod rng;
pub mod telemetry;
pub mod timing_data;
pub mod topics;
pub mod track;
pub mod truth;
mod weather;
pub mod world;
mod writer;

pub use truth::GroundTruth;

/// Which kind of session to simulate: the model's session kind (sprint qualifying is
/// simulated as qualifying is).
pub use feed::records::SessionKind;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimConfig {
    /// Session kind.
    pub kind: SessionKind,
    /// Race distance in laps (race-like sessions; ignored otherwise).
    pub laps: u32,
    /// Number of cars, 1..=20.
    pub drivers: u32,
    /// Seed: the same seed gives the same session, byte for byte.
    pub seed: u64,
}

impl SimConfig {
    /// Defaults for `kind`: a 57-lap race, a 19-lap sprint; 20 drivers; seed 1.
    pub fn new(kind: SessionKind) -> SimConfig {
        SimConfig {
            kind,
            laps: match kind {
                SessionKind::Sprint => 19,
                _ => 57,
            },
            drivers: 20,
            seed: 1,
        }
    }
}

impl Default for SimConfig {
    /// A 57-lap race with 20 drivers, seed 1.
    fn default() -> Self {
        SimConfig::new(SessionKind::Race)
    }
}

/// Errors writing a simulation to disk.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One raw topic file of the session folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFile {
    /// File name, e.g. `TimingData.jsonStream`.
    pub name: String,
    /// File content, exactly as written to disk.
    pub bytes: Vec<u8>,
}

/// A generated session, in memory.
#[derive(Debug, Clone)]
pub struct Simulation {
    config: SimConfig,
    path: String,
    files: Vec<SessionFile>,
    truth: GroundTruth,
    distances: Option<distance::RaceDistances>,
}

/// Simulates a session and encodes every topic (deterministic in `config`).
pub fn generate(config: &SimConfig) -> Simulation {
    let drivers = config.drivers.clamp(1, 20) as usize;
    let seed = rng::Rng::new(config.seed);
    let w = world::World::new(&mut seed.fork(0), drivers);
    let log = match config.kind {
        SessionKind::Race | SessionKind::Sprint => race::simulate(&w, &seed, config.laps.max(1), config.kind == SessionKind::Sprint),
        SessionKind::Qualifying | SessionKind::SprintQualifying | SessionKind::Practice => qualifying::simulate(&w, &seed, config.kind),
    };
    let cal = calendar::session(config.kind);
    let (mut files, (car, pos)) =
        rayon::join(|| topics::write_all(&w, &log, config.kind, &cal, &seed), || telemetry::write(&w, &log, &cal, &seed));
    files.push(("CarData.z.jsonStream".to_string(), car));
    files.push(("Position.z.jsonStream".to_string(), pos));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let truth = truth::build(&w, &log, config.kind, &cal, config.seed);
    let distances = distance::RaceDistances::new(std::sync::Arc::new(w), &log);
    Simulation {
        config: *config,
        path: cal.path(),
        files: files.into_iter().map(|(name, bytes)| SessionFile { name, bytes }).collect(),
        truth,
        distances,
    }
}

impl Simulation {
    /// The configuration this session was generated from.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The archive path of the session (`2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The topic files, sorted by name.
    pub fn files(&self) -> &[SessionFile] {
        &self.files
    }

    /// One topic file by name.
    pub fn file(&self, name: &str) -> Option<&SessionFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// What really happened.
    pub fn truth(&self) -> &GroundTruth {
        &self.truth
    }

    /// Races and sprints: every car's true distance and gaps at any instant (not serialised;
    /// regenerate the session from its configuration to get them).
    pub fn distances(&self) -> Option<&distance::RaceDistances> {
        self.distances.as_ref()
    }

    /// `ground_truth.json` as written (pretty JSON, trailing newline).
    pub fn truth_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(&self.truth).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Writes the session folder under `dir` like the archive, with `ground_truth.json`, and
    /// (re)writes the season `Index.json` to list every simulated session present under `dir`.
    /// Returns the session folder.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let dir = dir.as_ref();
        let folder = dir.join(self.path.trim_end_matches('/'));
        writer::create_dir(&folder)?;
        for f in &self.files {
            writer::write_atomic(&folder.join(&f.name), &f.bytes)?;
        }
        writer::write_atomic(&folder.join("ground_truth.json"), &self.truth_json())?;
        let index = writer::season_index(dir);
        writer::write_atomic(&dir.join(calendar::YEAR.to_string()).join("Index.json"), &index)?;
        Ok(folder)
    }
}
