//! `build`, `frame` and `verify`: the replay file of a session, cached, and its checks.

use crate::load::{self, SourceArgs};
use std::fmt::Write as _;
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
    id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.~".contains(c) { c } else { '_' }).collect()
}

/// The replay cache folder.
pub fn cache_dir(args: &SourceArgs) -> PathBuf {
    args.cache_dir.clone().or_else(archive::CacheConfig::default_dir).unwrap_or_else(|| PathBuf::from(".f1replay-cache")).join("replay")
}

/// Opens the cached replay of a session, or builds it (also when the cached one is invalid).
pub fn build(spec: &str, args: &SourceArgs, fps: u32, force: bool, show_progress: bool) -> Result<Built, String> {
    let raw = load::load(spec, args)?;
    let hash = replay::source_hash(raw.files.iter().filter_map(|(t, b)| b.as_deref().map(|b| (t.name(), b))));
    let id = session_id(&raw.label);
    let path = cache_dir(args).join(format!("{id}-{}-{fps}fps-{hash:016x}.f1r", replay::PIPELINE_VERSION.replace('/', "_")));
    if !force {
        match replay::ReplayFile::open(&path) {
            Ok(file) => return Ok(Built { file, path, built_now: false, build_s: 0.0 }),
            Err(e) if path.exists() && show_progress => eprintln!("rebuilding: {e}"),
            Err(_) => {}
        }
    }
    let t = Instant::now();
    let feed = feed::FeedSession::decode(raw.files);
    if show_progress {
        eprintln!("[{:>6.3} s] decode", t.elapsed().as_secs_f64());
    }
    let session = timing::Session::build(&feed);
    if show_progress {
        eprintln!("[{:>6.3} s] session model", t.elapsed().as_secs_f64());
    }
    let progress = |stage: &str, f: f32| {
        if show_progress {
            eprintln!("[{:>6.3} s] replay: {stage} ({:.0}%)", t.elapsed().as_secs_f64(), f * 100.0);
        }
    };
    let opts = replay::BuildOptions { fps, ..Default::default() };
    replay::build_file(&session, &id, hash, &opts, &path, &progress).map_err(|e| e.to_string())?;
    let build_s = t.elapsed().as_secs_f64();
    let file = replay::ReplayFile::open(&path).map_err(|e| e.to_string())?;
    Ok(Built { file, path, built_now: true, build_s })
}

/// Checks a replay against the timing and physics, and says how it did.
pub fn verify(s: &timing::Session) -> Result<String, String> {
    let r = replay::build(s, "verify", 0, &replay::BuildOptions::default(), &|_, _| {}).map_err(|e| e.to_string())?;
    let mut out = String::new();
    let m = &r.manifest;
    let chunks: Vec<replay::chunk::Chunk> =
        r.chunks.iter().map(|c| replay::decompress_chunk(c).and_then(replay::chunk::Chunk::decode)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    use replay::chunk::col;
    let drivers = m.drivers.len();
    let frame_ms = m.frame_ms;
    // Our order vs the official order (TimingData Position), frame by frame.
    let (mut equal, mut compared) = (0u64, 0u64);
    let mut first_diff: Vec<String> = Vec::new();
    // Runs of frames that differ: (start s, frames, example).
    let mut runs: Vec<(f64, u32, String)> = Vec::new();
    let mut in_run = false;
    // Teleports: distance between frames beyond what the speed allows plus 5 m; cars at the origin.
    let (mut teleports, mut origin, mut pairs) = (0u64, 0u64, 0u64);
    let mut worst = (0.0f64, 0u16, 0.0f64);
    let mut examples = String::new();
    for c in &chunks {
        for k in 0..c.frames as usize {
            let t_ms = (m.t_start_s * 1000.0 + f64::from(c.first_frame + k as u32) * frame_ms).round() as i64;
            let mut ours: Vec<(i64, u16)> = (0..drivers).map(|d| (c.driver(col::POSITION, d, k), m.drivers[d].number)).filter(|p| p.0 > 0).collect();
            ours.sort_unstable();
            let mut official: Vec<(u32, u16)> = s
                .official
                .iter()
                .filter(|o| m.drivers.iter().any(|d| d.number == o.driver))
                .filter_map(|o| timing::official::value_at(&o.position, t_ms).map(|p| (p, o.driver)))
                .collect();
            official.sort_unstable();
            if official.len() == drivers && s.session_start_ms.is_some_and(|st| t_ms >= st) {
                compared += 1;
                let same = ours.len() == official.len() && ours.iter().zip(&official).all(|(a, b)| a.1 == b.1);
                if same {
                    equal += 1;
                    in_run = false;
                } else {
                    if !in_run {
                        let ex = format!(
                            "ours {:?} official {:?}",
                            ours.iter().map(|p| p.1).collect::<Vec<_>>(),
                            official.iter().map(|p| p.1).collect::<Vec<_>>()
                        );
                        runs.push((t_ms as f64 / 1000.0, 0, ex));
                    }
                    in_run = true;
                    if let Some(r) = runs.last_mut() {
                        r.1 += 1;
                    }
                }
                if !same && first_diff.len() < 5 {
                    first_diff.push(format!(
                        "t={:.1}s ours {:?} official {:?}",
                        t_ms as f64 / 1000.0,
                        ours.iter().map(|p| p.1).collect::<Vec<_>>(),
                        official.iter().map(|p| p.1).collect::<Vec<_>>()
                    ));
                }
            }
            for d in 0..drivers {
                let (x, y) = (c.driver(col::X, d, k), c.driver(col::Y, d, k));
                if x == i64::from(i32::MIN) {
                    continue;
                }
                if x == 0 && y == 0 {
                    origin += 1;
                }
                if k + 1 < c.frames as usize {
                    let (x2, y2) = (c.driver(col::X, d, k + 1), c.driver(col::Y, d, k + 1));
                    if x2 == i64::from(i32::MIN) {
                        continue;
                    }
                    pairs += 1;
                    let dist_m = (((x2 - x) as f64).powi(2) + ((y2 - y) as f64).powi(2)).sqrt() / 10.0;
                    // The speed channel and the positions come from different sources with
                    // different delays: allow the highest speed within ±0.5 s.
                    let (a, b) = (k.saturating_sub(12), (k + 13).min(c.frames as usize - 1));
                    let v = (a..=b).map(|j| c.driver(col::SPEED, d, j)).max().unwrap_or(0) as f64 / 3.6;
                    let allowed = v * frame_ms / 1000.0 + 5.0;
                    if dist_m > allowed {
                        teleports += 1;
                        if teleports <= 8 {
                            let _ = writeln!(
                                examples,
                                "    car {} at t={:.2} s: {dist_m:.1} m in one frame at {:.0} km/h",
                                m.drivers[d].number,
                                t_ms as f64 / 1000.0,
                                v * 3.6
                            );
                        }
                    }
                    if dist_m - allowed > worst.0 - worst.2 || worst.0 == 0.0 {
                        worst = (dist_m, m.drivers[d].number, allowed);
                    }
                }
            }
        }
    }
    let share = if compared == 0 { 0.0 } else { 100.0 * equal as f64 / compared as f64 };
    let _ = writeln!(out, "order equals the official TimingData order in {equal}/{compared} frames ({share:.2}% of session time after the start)");
    for d in &first_diff {
        let _ = writeln!(out, "  e.g. {d}");
    }
    runs.sort_by(|a, b| b.1.cmp(&a.1));
    let _ = writeln!(out, "  {} stretches differ; the longest:", runs.len());
    for (t, frames, ex) in runs.iter().take(6) {
        let _ = writeln!(out, "    from t={t:.2} s for {:.2} s: {ex}", f64::from(*frames) * frame_ms / 1000.0);
    }
    let _ = writeln!(
        out,
        "teleports (moved further than speed (max within ±0.5 s) × frame time + 5 m): {teleports} of {pairs} frame pairs; cars drawn at the origin: {origin}; largest step {:.1} m (car {}, allowed {:.1} m)",
        worst.0, worst.1, worst.2
    );
    out.push_str(&examples);
    // Race-like sessions: the order at each lap end (the leader's crossing + 1 s) vs official.
    if s.info.is_race_like() {
        let (mut ok, mut total) = (0, 0);
        for ls in &m.lap_starts {
            let t_ms = (ls.t_s * 1000.0).round() as i64 + 1000;
            let k = ((t_ms as f64 - m.t_start_s * 1000.0) / frame_ms).round().max(0.0) as u32;
            let Some(c) = chunks.iter().find(|c| k >= c.first_frame && k < c.first_frame + c.frames) else { continue };
            let kk = (k - c.first_frame) as usize;
            let mut ours: Vec<(i64, u16)> = (0..drivers).map(|d| (c.driver(col::POSITION, d, kk), m.drivers[d].number)).filter(|p| p.0 > 0).collect();
            ours.sort_unstable();
            let mut official: Vec<(u32, u16)> = s.official.iter().filter_map(|o| timing::official::value_at(&o.position, t_ms).map(|p| (p, o.driver))).collect();
            official.sort_unstable();
            total += 1;
            if ours.iter().map(|p| p.1).take(official.len()).eq(official.iter().map(|p| p.1).take(ours.len())) {
                ok += 1;
            }
        }
        let _ = writeln!(out, "order 1 s after each of the leader's {total} line crossings equals the official order: {ok}/{total}");
    }
    let _ = writeln!(out, "replay: {} frames, {} chunks, {:.2} MB compressed ({:.1} bytes/frame), {:.1} MB raw", m.frame_count, m.chunks.len(), r.chunks.iter().map(|c| c.len()).sum::<usize>() as f64 / 1e6, r.chunks.iter().map(|c| c.len()).sum::<usize>() as f64 / f64::from(m.frame_count.max(1)), r.raw_bytes as f64 / 1e6);
    Ok(out)
}
