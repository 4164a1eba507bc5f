//! `f1replay export`: writes a session's tables ([`columns`]) as files, one per table, timing
//! each and saying its size; a table that cannot be made is named with the reason, the others
//! are still written, and the command then fails.

use anyhow::Context as _;
use columns::files::{encode, Format};
use columns::table::Inputs;
use columns::Table;
use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to export, from the command line.
pub struct ExportArgs {
    /// The tables (empty: all).
    pub tables: Vec<String>,
    /// The file format's name.
    pub format: String,
    /// The folder the files go to.
    pub out: PathBuf,
    /// `DRIVER:LAP` pairs for `telemetry` (empty: each driver's fastest lap).
    pub laps: Vec<String>,
    /// Frames per second of the replay the timeline is read from.
    pub fps: u32,
    /// Keep every n-th frame of the timeline.
    pub every: u32,
}

/// The tables asked for, in the order they are written.
fn tables(names: &[String]) -> anyhow::Result<Vec<Table>> {
    if names.is_empty() {
        return Ok(Table::ALL.to_vec());
    }
    names.iter().map(|n| Table::parse(n.trim()).map_err(|e| anyhow::anyhow!("--tables: {e}"))).collect()
}

/// `DRIVER:LAP` pairs.
fn laps(pairs: &[String]) -> anyhow::Result<Vec<(u16, u32)>> {
    pairs
        .iter()
        .map(|p| {
            let (d, l) = p.split_once(':').with_context(|| format!("--lap {p:?}: expected DRIVER:LAP, e.g. 44:12"))?;
            Ok((
                d.trim().parse().with_context(|| format!("--lap {p:?}: bad racing number"))?,
                l.trim().parse().with_context(|| format!("--lap {p:?}: bad lap number"))?,
            ))
        })
        .collect()
}

/// Makes `out` and checks a file can be written there, before any work.
fn writable(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("--out {}: cannot create the folder", out.display()))?;
    let probe = out.join(".f1replay-export-probe");
    std::fs::write(&probe, b"").with_context(|| format!("--out {}: cannot write there", out.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all (a temp file, then a rename).
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).with_context(|| format!("cannot write {}", path.display()))
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (pipes and CI logs).
fn progress(n: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

/// Exports `spec`'s tables; one line per table on `out`: rows, time (and of it, the rows' making
/// and the file's encoding), size and file; a `(replay)` line for the replay the timeline is read
/// from, whose build is part of the timeline's time.
pub fn run(spec: &str, source: &crate::load::SourceArgs, args: &ExportArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let format = Format::parse(&args.format).map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let wanted = tables(&args.tables)?;
    let laps = laps(&args.laps)?;
    writable(&args.out)?;
    let bar = progress(wanted.len() + 1);
    bar.set_message("loading the session");
    let t = Instant::now();
    let feed = crate::load::decode(crate::load::load(spec, source)?);
    let session = timing::Session::build(&feed);
    writeln!(out, "{:<13} {:>10} {:>8.3} s", "(load)", "", t.elapsed().as_secs_f64())?;
    bar.inc(1);
    let mut failed = Vec::new();
    let mut replay_file = None;
    for table in wanted {
        bar.set_message(table.name());
        let t = Instant::now();
        let made = table.unavailable(&feed).map_or(Ok(()), Err).map_err(anyhow::Error::from).and_then(|()| {
            if table == Table::Timeline && replay_file.is_none() {
                let t = Instant::now();
                replay_file = Some(columns::timeline::replay_of(&session, args.fps)?);
                bar.suspend(|| writeln!(out, "{:<13} {:>10} {:>8.3} s", "(replay)", "", t.elapsed().as_secs_f64()))?;
            }
            let inputs =
                Inputs { session: &session, feed: Some(&feed), replay: replay_file.as_ref(), laps: &laps, timeline_step: args.every };
            let t = Instant::now();
            Ok((table.make(&inputs)?, t.elapsed().as_secs_f64()))
        });
        let (made, make_s) = match made {
            Ok(m) => m,
            Err(e) => {
                bar.suspend(|| eprintln!("f1replay: {e:#}"));
                failed.push(table.name());
                bar.inc(1);
                continue;
            }
        };
        let path = args.out.join(format!("{}.{}", table.name(), format.extension()));
        let encoding = Instant::now();
        let bytes = encode(&made.batch, format)?;
        let encode_s = encoding.elapsed().as_secs_f64();
        write_file(&path, &bytes)?;
        let secs = t.elapsed().as_secs_f64();
        bar.suspend(|| {
            for note in &made.notes {
                eprintln!("f1replay: {}: left out: {note}", table.name());
            }
        });
        writeln!(
            out,
            "{:<13} {:>10} rows {:>8.3} s (rows {:.3}, file {:.3}) {:>10} {}",
            table.name(),
            made.batch.num_rows(),
            secs,
            make_s,
            encode_s,
            size(bytes.len()),
            path.display()
        )?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !failed.is_empty() {
        return Err(anyhow::anyhow!(
            "{spec}: {} table(s) could not be made: {} (the others were written)",
            failed.len(),
            failed.join(", ")
        ));
    }
    Ok(())
}

/// A byte count for people (`1.2 MB`).
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} kB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}
