//! `build`, `frame` and `verify`: the replay file of a session, cached, and its checks.

use crate::load::{self, SourceArgs};
use anyhow::Context as _;
use std::path::PathBuf;
use std::time::Instant;

/// A replay file ready to read, and how it came to be.
pub struct Built {
    /// The opened file.
    pub file: replay::ReplayFile,
    /// Where it is.
    pub path: PathBuf,
    /// Whether it was built now (false: found in the cache).
    pub built_now: bool,
    /// Seconds spent building (0 when cached).
    pub build_s: f64,
}

impl Built {
    /// One line about the file.
    pub fn summary(&self) -> String {
        let m = self.file.manifest();
        let bytes = self.file.file_bytes().len();
        format!(
            "{} {}: {} frames at {} FPS, {} chunks, {} drivers, {:.2} MB ({:.1} bytes/frame), {}",
            if self.built_now { "built" } else { "cached" },
            self.path.display(),
            m.frame_count,
            m.fps,
            m.chunks.len(),
            m.drivers.len(),
            bytes as f64 / 1e6,
            bytes as f64 / f64::from(m.frame_count.max(1)),
            if self.built_now { format!("in {:.3} s", self.build_s) } else { "valid".into() }
        )
    }
}

/// A file-system-safe id for a session label (folder path or archive path).
pub fn session_id(label: &str) -> String {
    let trimmed = label.trim_end_matches('/');
    let tail: Vec<&str> = trimmed.rsplit('/').take(3).collect();
    let id: String = tail.into_iter().rev().collect::<Vec<_>>().join("~");
    id.chars().map(|c| if c.is_alphanumeric() || "-_.~".contains(c) { c } else { '_' }).collect()
}

/// The replay cache folder.
pub fn cache_dir(args: &SourceArgs) -> PathBuf {
    load::cache_root(args).join("replay")
}

/// Opens the cached replay of a session, or builds it (also when the cached one is invalid or
/// was built from other raw files). The cache is the one `f1replay serve` reads: one file per
/// session, keyed by [`replay::store::CacheKey`]; older files of the session are pruned.
pub fn build(spec: &str, args: &SourceArgs, fps: u32, force: bool, show_progress: bool) -> anyhow::Result<Built> {
    // A shared store is checked first: a missing bucket or refused credentials is said before
    // any raw file is read.
    let shared = args.shared_store.as_deref().map(SharedStore::open).transpose()?;
    let raw = load::load(spec, args)?;
    let key = replay::store::CacheKey { session_id: session_id(&raw.label), source_hash: raw.content_hash, fps };
    if let Some(shared) = shared {
        return build_shared(&shared, raw, &key, force, show_progress);
    }
    let dir = cache_dir(args);
    replay::store::remove_orphan_temps(&dir);
    let path = dir.join(key.file_name());
    if !force {
        match key.open(&dir) {
            Ok(file) => {
                load::report_losses(&raw.label, &file.manifest().warnings);
                return Ok(Built { file, path, built_now: false, build_s: 0.0 });
            }
            Err(e) if path.exists() && show_progress => eprintln!("rebuilding: {e}"),
            Err(_) => {}
        }
    }
    let t = Instant::now();
    let (manifest, chunks) = build_new(raw, &key, show_progress)?;
    replay::store::write(&path, &manifest, &chunks).map_err(anyhow::Error::from)?;
    key.prune(&dir);
    let build_s = t.elapsed().as_secs_f64();
    let file = key.open(&dir).map_err(anyhow::Error::from)?;
    Ok(Built { file, path, built_now: true, build_s })
}

/// [`build`] with replay files in a shared store (`--store s3://...`): the object
/// `replay/ID@PIPELINE@FPSfps@HASH.f1r` is read and verified, or built and written.
fn build_shared(
    shared: &SharedStore,
    raw: load::RawSession,
    key: &replay::store::CacheKey,
    force: bool,
    show_progress: bool,
) -> anyhow::Result<Built> {
    let (rt, bucket) = (&shared.runtime, &shared.bucket);
    let object = format!("replay/{}", key.file_name());
    let path = PathBuf::from(format!("{}/{object}", bucket.url()));
    if !force {
        if let Some(bytes) = rt.block_on(bucket.get(&object))? {
            let opened = replay::ReplayFile::from_bytes(bytes.to_vec(), &path.display().to_string())
                .and_then(|f| key.check(f.manifest()).map(|()| f).map_err(replay::Error::Corrupt));
            match opened {
                Ok(file) => {
                    load::report_losses(&raw.label, &file.manifest().warnings);
                    return Ok(Built { file, path, built_now: false, build_s: 0.0 });
                }
                Err(e) if show_progress => eprintln!("rebuilding: {e}"),
                Err(_) => {}
            }
        }
    }
    let t = Instant::now();
    let (manifest, chunks) = build_new(raw, key, show_progress)?;
    let bytes = replay::store::encode(&manifest, &chunks).map_err(anyhow::Error::from)?;
    rt.block_on(bucket.put(&object, bytes::Bytes::from(bytes.clone())))?;
    let build_s = t.elapsed().as_secs_f64();
    let file = replay::ReplayFile::from_bytes(bytes, &path.display().to_string()).map_err(anyhow::Error::from)?;
    Ok(Built { file, path, built_now: true, build_s })
}

/// A shared replay store, checked, and a runtime to talk to it.
struct SharedStore {
    runtime: tokio::runtime::Runtime,
    bucket: bucket::Bucket,
}

impl SharedStore {
    /// Opens `url` and checks its bucket and credentials.
    fn open(url: &str) -> anyhow::Result<SharedStore> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
        let bucket = bucket::Bucket::open(url)?;
        runtime.block_on(bucket.check())?;
        Ok(SharedStore { runtime, bucket })
    }
}

/// Decodes, models and builds a session's replay: its manifest and compressed chunks.
fn build_new(
    raw: load::RawSession,
    key: &replay::store::CacheKey,
    show_progress: bool,
) -> anyhow::Result<(replay::manifest::Manifest, Vec<Vec<u8>>)> {
    let (id, hash) = (key.session_id.clone(), key.source_hash);
    let t = Instant::now();
    let label = raw.label.clone();
    let feed = load::decode(raw);
    if show_progress {
        eprintln!("[{:>6.3} s] decode", t.elapsed().as_secs_f64());
    }
    let session = timing::Session::build(&feed);
    usable(&label, &session, &feed)?;
    let warnings = replay::manifest::source_warnings(&feed.losses());
    drop(feed);
    if show_progress {
        eprintln!("[{:>6.3} s] session model", t.elapsed().as_secs_f64());
    }
    let progress = |stage: &str, f: f32| {
        if show_progress {
            eprintln!("[{:>6.3} s] replay: {stage} ({:.0}%)", t.elapsed().as_secs_f64(), f * 100.0);
        }
    };
    let opts = replay::BuildOptions { fps: key.fps, ..Default::default() };
    let mut built = replay::build(&session, &id, hash, &opts, &progress).map_err(anyhow::Error::from)?;
    built.manifest.warnings = warnings;
    Ok((built.manifest, built.chunks))
}

/// Refuses to build a replay that would silently lack its timing: a TimingData file that was
/// there but unusable, or that gave no lap. A session with no TimingData file at all (some
/// archive folders hold only a few topics) is built, with a warning saying what it lacks.
fn usable(label: &str, session: &timing::Session, feed: &feed::FeedSession) -> anyhow::Result<()> {
    if feed.missing.contains(&feed::Topic::TimingData) {
        eprintln!("f1replay: warning: {label}: TimingData.jsonStream is missing: the replay has no laps, gaps or official order");
        return Ok(());
    }
    load::require_laps(label, session, feed)
}

/// Checks a replay against the timing and physics, and says how it did; for a simulated race
/// (a session folder with `ground_truth.json`), also every frame's gaps against the truth.
pub fn verify(s: &timing::Session, folder: Option<&std::path::Path>) -> anyhow::Result<String> {
    let mut text = replay::check::check(s).map(|r| r.text).map_err(anyhow::Error::from)?;
    if let Some(simulation) = folder.map(|f| f.join("ground_truth.json")).filter(|p| p.is_file()).map(|p| regenerate(&p)).transpose()? {
        if let Some(distances) = simulation.distances() {
            let r = replay::build(s, "verify", 0, &replay::BuildOptions::default(), &|_, _| {}).map_err(anyhow::Error::from)?;
            let report = replay::check::gaps_against_truth(&r, &|t| distances.gaps_at(t)).map_err(anyhow::Error::from)?;
            text.push_str(&report.text);
        }
    }
    Ok(text)
}

/// The simulation a `ground_truth.json` was written with, generated again from its seed (the
/// simulator is deterministic): its per-instant truth is not stored. An error if the
/// regenerated truth differs from the file's.
fn regenerate(path: &std::path::Path) -> anyhow::Result<sim::Simulation> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let truth: sim::GroundTruth = serde_json::from_slice(&bytes).with_context(|| format!("{}", path.display()))?;
    let name = truth.session.kind.as_str();
    let kind = sim::SessionKind::parse(name, name).with_context(|| format!("{}: unknown session kind {name:?}", path.display()))?;
    let mut config = sim::SimConfig::new(kind);
    config.seed = truth.session.seed;
    config.drivers = truth.drivers.len() as u32;
    if let Some(laps) = truth.session.total_laps {
        config.laps = laps;
    }
    let simulation = sim::generate(&config);
    if simulation.truth_json() != bytes {
        return Err(anyhow::anyhow!("{}: not the truth of a simulation this simulator makes from its seed and settings", path.display()));
    }
    Ok(simulation)
}
