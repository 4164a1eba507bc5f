//! `f1replay`: the command line. Thin glue over the library crates: it parses arguments,
//! calls `archive`, `feed` and `timing`, and turns their errors into one clear message.

mod bench;
mod export;
mod lapstable;
mod replays;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use f1replay::load;
use std::path::PathBuf;
use std::process::ExitCode;

/// Replays Formula 1 sessions from the official live-timing archive.
#[derive(Parser)]
#[command(name = "f1replay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where sessions come from.
#[derive(clap::Args, Clone)]
struct SourceOpts {
    /// A local copy of the archive (a folder holding `YEAR/Index.json` and session folders).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// The cache folder (default: the user cache dir, e.g. ~/.cache/f1replay).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    /// Where replay files live: file:///DIR (the cache folder DIR, as --cache-dir; the default),
    /// s3://BUCKET/PREFIX (AWS_*; AWS_ALLOW_HTTP=true for a plain-HTTP endpoint),
    /// gs://BUCKET/PREFIX (GOOGLE_SERVICE_ACCOUNT or GOOGLE_SERVICE_ACCOUNT_KEY) or
    /// az://CONTAINER/PREFIX (AZURE_STORAGE_*). Servers sharing a bucket build each session
    /// once, and share finished sessions' raw files (fetched from the archive once).
    #[arg(long, global = true, value_name = "URL")]
    store: Option<String>,
}

impl SourceOpts {
    fn args(&self) -> load::SourceArgs {
        let mut args = load::SourceArgs { data: self.data.clone(), cache_dir: self.cache_dir.clone(), shared_store: None };
        match self.store.as_deref().map(load::StoreUrl::parse) {
            Some(Ok(load::StoreUrl::Local(dir))) => args.cache_dir = Some(dir),
            Some(Ok(load::StoreUrl::Shared(url))) => args.shared_store = Some(url),
            // Refused by `check` before any command runs.
            Some(Err(_)) | None => {}
        }
        args
    }

    /// Refuses a malformed `--store`.
    fn check(&self) -> anyhow::Result<()> {
        self.store.as_deref().map(load::StoreUrl::parse).transpose().map(|_| ())
    }
}

#[derive(Subcommand)]
enum Command {
    /// Lists the sessions of a season (from the archive's index, or from --data).
    Sessions {
        /// Season.
        #[arg(long)]
        year: u16,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Summary of a session: drivers, classification, status, warnings.
    Info {
        /// A session folder, or YEAR/EVENT/SESSION (e.g. 2025/mexico/qualifying).
        session: String,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// The laps table (FastF1's columns with --csv).
    Laps {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// CSV with FastF1's columns.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Differential checks against FastF1's output (see scripts/fastf1-oracle.sh).
    Check {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// A folder written by ffharness' ff_export.py (laps.csv, tel/).
        #[arg(long)]
        fastf1: PathBuf,
        /// The report as JSON (every mismatch listed), not text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Builds the replay file of a session (cached next to the raw cache).
    Build {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// Frames per second.
        #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=100))]
        fps: u32,
        /// Rebuild even if a valid replay file exists.
        #[arg(long)]
        force: bool,
        /// Print the process's peak resident memory at the end (for `bench build`).
        #[arg(long, hide = true)]
        report_peak_rss: bool,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Prints one frame of the replay as JSON.
    Frame {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// Session time in seconds.
        #[arg(long)]
        t: f64,
        /// Frames per second.
        #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=100))]
        fps: u32,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Checks of the replay against the timing: standings vs the official order, teleports.
    Verify {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Writes a simulated session in the archive's own format (and its ground truth).
    Sim {
        /// race, sprint, qualifying, sprint_qualifying or practice.
        #[arg(long, default_value = "race")]
        kind: String,
        /// Race distance (race and sprint).
        #[arg(long)]
        laps: Option<u32>,
        /// Number of cars (1-20).
        #[arg(long, default_value_t = 20)]
        drivers: u32,
        /// Seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder to write the archive tree into (YEAR/Index.json and the session folder).
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes a session's tables as files (Parquet, Arrow IPC, CSV or JSON), one per table:
    /// laps, stints, results, sectors, car_data, pos_data, telemetry, timeline, race_control,
    /// track_status, weather.
    Export {
        /// A session folder, or YEAR/EVENT/SESSION.
        session: String,
        /// Tables, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        tables: Vec<String>,
        /// parquet (zstd), arrow (IPC file), csv or json.
        #[arg(long, default_value = "parquet")]
        format: String,
        /// The folder to write into (made if missing).
        #[arg(long)]
        out: PathBuf,
        /// A lap for the telemetry table, DRIVER:LAP (repeatable; default: each driver's fastest lap).
        #[arg(long = "lap")]
        laps: Vec<String>,
        /// Frames per second of the replay the timeline comes from.
        #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=100))]
        fps: u32,
        /// Keep every n-th frame of the timeline (e.g. 25 at 25 FPS: one row per car and second).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        every: u32,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Writes a static site: the viewer, the session list, and per session its manifest,
    /// chunks (gzip, immutable names) and tables, for any static file host or CDN. Publishing
    /// again writes only the files that changed.
    Publish {
        /// Session ids as the API names them (`sim-race`, `2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying`).
        sessions: Vec<String>,
        /// Every available session of this season (0: the simulated ones).
        #[arg(long)]
        season: Option<u16>,
        /// Where the site goes: a folder, or s3://BUCKET/PREFIX.
        #[arg(long)]
        out: String,
        /// Never contact the archive.
        #[arg(long)]
        offline: bool,
        #[command(flatten)]
        source: SourceOpts,
    },
    /// Serves the replay viewer and its API (docs/API.md); Ctrl-C stops it. With no network and
    /// no data it still serves the simulated sessions.
    Serve {
        /// Address to listen on (local only by default).
        #[arg(long, default_value = "127.0.0.1:8000")]
        addr: std::net::SocketAddr,
        /// Never contact the archive: serve --data (or what the raw cache holds) and the simulator.
        #[arg(long)]
        offline: bool,
        /// Open the viewer in the default browser once listening.
        #[arg(long)]
        open: bool,
        /// With a shared --store: seconds a build's lease lasts unless renewed (another server
        /// takes over a build whose server died, or made no progress, for this long).
        #[arg(long, default_value_t = 30.0)]
        lease_seconds: f64,
        #[command(flatten)]
        source: SourceOpts,
    },
}

impl Command {
    /// The command's source options, if it has them.
    fn source(&self) -> Option<&SourceOpts> {
        match self {
            Command::Sessions { source, .. }
            | Command::Info { source, .. }
            | Command::Laps { source, .. }
            | Command::Check { source, .. }
            | Command::Build { source, .. }
            | Command::Frame { source, .. }
            | Command::Verify { source, .. }
            | Command::Serve { source, .. }
            | Command::Publish { source, .. }
            | Command::Bench { what: BenchWhat::Serve { source, .. } } => Some(source),
            _ => None,
        }
    }
}

/// `bench serve` (the server's load generator) next to the other benchmarks.
#[derive(Subcommand)]
enum BenchWhat {
    /// WebSocket viewers at 25 FPS and chunk requests against a real server on loopback
    /// (client and server share this machine); prints lateness, throughput, bytes per frame.
    Serve {
        /// The session to play.
        #[arg(long, default_value = "sim-race")]
        session: String,
        /// WebSocket viewers.
        #[arg(long, default_value_t = 2000)]
        viewers: usize,
        /// Seconds the viewers are measured.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Viewers' frame format: json, msgpack or binary.
        #[arg(long, default_value = "binary")]
        format: String,
        /// Keep-alive connections requesting chunks.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Instead: chunk requests against a published static site at this URL
        /// (http://HOST:PORT/PATH/, served by any static file server) for --seconds.
        #[arg(long, value_name = "URL")]
        site: Option<String>,
        #[command(flatten)]
        source: SourceOpts,
    },
    #[command(flatten)]
    Other(bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head` and closed early is not a failure.
        Err(e) if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("f1replay: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Loads, decodes and builds a session model.
fn session(spec: &str, source: &SourceOpts) -> anyhow::Result<(timing::Session, feed::FeedSession)> {
    let raw = load::load(spec, &source.args())?;
    let feed = load::decode(raw);
    Ok((timing::Session::build(&feed), feed))
}

fn run(command: Command) -> anyhow::Result<()> {
    command.source().map(SourceOpts::check).transpose()?;
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    match command {
        Command::Sessions { year, source } => {
            let src = load::source(&source.args())?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(anyhow::Error::from)?;
            let index = rt.block_on(archive::Source::season_index(&src, year)).map_err(anyhow::Error::from)?;
            for (meeting, s) in index.sessions() {
                writeln!(
                    out,
                    "{:<28} {:<20} {:<20} {}",
                    meeting.name,
                    s.name.as_deref().unwrap_or(""),
                    s.start_date,
                    s.path.as_deref().unwrap_or("(no path yet)")
                )?;
            }
        }
        Command::Info { session: spec, source } => {
            let (s, feed) = session(&spec, &source)?;
            info(&s, &feed, &mut out)?;
        }
        Command::Laps { session: spec, csv, source } => {
            let (s, feed) = session(&spec, &source)?;
            load::require_laps(&spec, &s, &feed)?;
            if csv {
                lapstable::write_csv(&s, &mut out)?;
            } else {
                lapstable::write_text(&s, &mut out)?;
            }
        }
        Command::Check { session: spec, fastf1, json, source } => {
            let (s, _) = session(&spec, &source)?;
            let agreement = agreement::check(&s, &fastf1).map_err(anyhow::Error::from)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &agreement).map_err(anyhow::Error::from)?;
                writeln!(out)?;
            } else {
                write!(out, "{agreement}")?;
            }
            if !agreement.holds() {
                return Err(anyhow::anyhow!("disagrees with FastF1: {}", agreement.failures().join("; ")));
            }
        }
        Command::Export { session: spec, tables, format, out: dir, laps, fps, every, source } => {
            let args = export::ExportArgs { tables, format, out: dir, laps, fps, every };
            export::run(&spec, &source.args(), &args, &mut out)?;
        }
        Command::Bench { what: BenchWhat::Other(what) } => bench::run(what, &mut out)?,
        Command::Bench { what: BenchWhat::Serve { session, seconds, connections, site: Some(site), .. } } => {
            let rest = site.strip_prefix("http://").with_context(|| format!("--site {site}: expected http://HOST:PORT/PATH"))?;
            let (host, root) = rest.split_once('/').map(|(h, r)| (h, format!("/{r}"))).unwrap_or((rest, "/".to_owned()));
            use std::net::ToSocketAddrs as _;
            let addr =
                host.to_socket_addrs().ok().and_then(|mut a| a.next()).with_context(|| format!("--site {site}: cannot resolve {host}"))?;
            let (chunks, figures) = measure::serve::site_chunks(addr, &root, &session, connections, seconds).map_err(anyhow::Error::msg)?;
            writeln!(
                out,
                "static site {site}, session {session} ({chunks} chunk files), {connections} keep-alive connections, {seconds} s (client and server on this machine):"
            )?;
            writeln!(
                out,
                "  {:.0} chunk requests/s, {:.1} MB/s of bodies, latency p50 {:.2} ms p99 {:.2} ms, {} errors",
                figures.requests_per_s,
                figures.body_bytes_per_s / 1e6,
                figures.latency.p50,
                figures.latency.p99,
                figures.errors
            )?;
        }
        Command::Bench { what: BenchWhat::Serve { session, viewers, seconds, format, connections, site: None, source } } => {
            let mut config = measure::serve::BenchConfig::new(serve_state(&source, true)?);
            config.session = session;
            config.viewers = viewers;
            config.seconds = seconds;
            config.http_connections = connections;
            config.format = server::FrameFormat::parse(&format).with_context(|| format!("--format {format}: json, msgpack or binary"))?;
            let report = measure::serve::run(config, &mut |line| eprintln!("{line}")).map_err(anyhow::Error::msg)?;
            write!(out, "{report}")?;
        }
        Command::Serve { addr, offline, open, lease_seconds, source } => {
            let mut state = serve_state(&source, offline)?;
            state.lease_ttl = std::time::Duration::try_from_secs_f64(lease_seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .with_context(|| format!("--lease-seconds {lease_seconds}: expected a positive number of seconds"))?;
            serve(addr, state, open)?
        }
        Command::Publish { sessions, season, out: site, offline, source } => {
            let report = publish(sessions, season, &site, serve_state(&source, offline)?)?;
            writeln!(out, "published {site}: {report}")?;
        }
        Command::Sim { kind, laps, drivers, seed, out: dir } => {
            let kind = match kind.to_ascii_lowercase().as_str() {
                "quali" | "q" => Some(sim::SessionKind::Qualifying),
                "sq" | "sprint_qualifying" => Some(sim::SessionKind::SprintQualifying),
                "fp" => Some(sim::SessionKind::Practice),
                other => sim::SessionKind::parse(other, other),
            }
            .with_context(|| format!("--kind {kind:?}: expected race, sprint, qualifying, sprint_qualifying or practice"))?;
            let mut config = sim::SimConfig::new(kind);
            if let Some(l) = laps {
                config.laps = l;
            }
            config.drivers = drivers;
            config.seed = seed;
            let t = std::time::Instant::now();
            let simulation = sim::generate(&config);
            let generated_s = t.elapsed().as_secs_f64();
            let folder = simulation.write(&dir).map_err(anyhow::Error::from)?;
            writeln!(out, "wrote {} in {:.3} s (generated in {:.3} s)", folder.display(), t.elapsed().as_secs_f64(), generated_s)?;
            for f in simulation.files() {
                writeln!(out, "  {:<34} {:>10} bytes", f.name, f.bytes.len())?;
            }
        }
        Command::Build { session: spec, fps, force, report_peak_rss, source } => {
            let built = replays::build(&spec, &source.args(), fps, force, !report_peak_rss)?;
            writeln!(out, "{}", built.summary())?;
            if report_peak_rss {
                writeln!(out, "peak RSS: {:.0} MB", measure::pipeline::peak_rss_mb())?;
            }
        }
        Command::Frame { session: spec, t, fps, source } => {
            if !t.is_finite() {
                return Err(anyhow::anyhow!("--t {t}: expected a finite session time in seconds"));
            }
            let built = replays::build(&spec, &source.args(), fps, false, false)?;
            let file = &built.file;
            let frame = file.frame(file.frame_at((t * 1000.0).round() as i64)).map_err(anyhow::Error::from)?;
            writeln!(out, "{}", serde_json::to_string_pretty(&frame).map_err(anyhow::Error::from)?)?;
        }
        Command::Verify { session: spec, source } => {
            let (s, _) = session(&spec, &source)?;
            let report = replays::verify(&s, Some(std::path::Path::new(&spec))).with_context(|| spec.clone())?;
            write!(out, "{report}")?;
        }
    }
    Ok(())
}

/// The server's settings from the command line.
fn serve_state(source: &SourceOpts, offline: bool) -> anyhow::Result<server::StateConfig> {
    let args = source.args();
    let mut state = server::StateConfig::new(load::cache_root(&args));
    state.data = args.data;
    state.offline = offline;
    state.shared_store = args.shared_store.as_deref().map(bucket::Bucket::open).transpose()?;
    Ok(state)
}

/// `f1replay publish`: the sessions (and the season's) as a static site at `out`.
fn publish(
    mut sessions: Vec<String>,
    season: Option<u16>,
    out: &str,
    state: server::StateConfig,
) -> anyhow::Result<server::publish::PublishReport> {
    server::init_logging(false);
    let site = if out.contains("://") {
        server::publish::SiteOut::Bucket(bucket::Bucket::open(out)?)
    } else {
        server::publish::SiteOut::Dir(PathBuf::from(out))
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async {
        let state = server::AppState::new(state)?;
        state.check_store().await?;
        if let server::publish::SiteOut::Bucket(b) = &site {
            b.check().await?;
        }
        if let Some(year) = season {
            sessions.extend(server::publish::season_sessions(state.clone(), year).await?);
        }
        if sessions.is_empty() {
            anyhow::bail!("nothing to publish: name sessions, or --season YEAR");
        }
        Ok(server::publish::publish(state, &sessions, &site).await?)
    })
}

/// `f1replay serve`: binds, optionally opens the browser, serves until Ctrl-C.
fn serve(addr: std::net::SocketAddr, state: server::StateConfig, open: bool) -> anyhow::Result<()> {
    server::init_logging(false);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async {
        let config = server::ServeConfig { addr, state };
        let bound = server::Server::bind(&config).await.map_err(anyhow::Error::from)?;
        let url = format!("http://{}/", bound.local_addr().map_err(anyhow::Error::from)?);
        eprintln!("f1replay: serving on {url} (Ctrl-C to stop)");
        if open {
            open_browser(&url);
        }
        bound
            .run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(anyhow::Error::from)
    })
}

/// Opens `url` in the default browser; failing to is not an error (the URL was printed).
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(e) = cmd.arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn() {
        eprintln!("f1replay: cannot open a browser ({e}); open {url} yourself");
    }
}

fn info(s: &timing::Session, feed: &feed::FeedSession, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let i = &s.info;
    writeln!(out, "{} {} — {} ({}), {}", i.start_date.get(..4).unwrap_or(""), i.meeting_name, i.name, i.kind, i.circuit)?;
    writeln!(out, "path: {}", i.path)?;
    if let Some(t0) = s.t0_utc_us {
        writeln!(out, "t0: {}", feed::time::format_utc_us(t0))?;
    }
    writeln!(out, "session start: {}", s.session_start_ms.map(feed::time::format_offset_ms).unwrap_or_else(|| "-".into()))?;
    if let Some(t) = s.total_laps {
        writeln!(out, "total laps: {t}")?;
    }
    writeln!(
        out,
        "laps: {}, telemetry drivers: {}, race control messages: {}, weather samples: {}",
        s.laps.len(),
        s.telemetry.len(),
        s.race_control.len(),
        s.weather.len()
    )?;
    let kind = i.session_kind();
    let by = match kind {
        _ if kind.is_race_like() => "the timing's final positions",
        _ if kind.is_qualifying_like() => "deepest part reached, then the best lap in it",
        _ => "best lap",
    };
    writeln!(out, "\nclassification ({}, by {by}):", kind.api_name())?;
    for r in timing::classification::classify(s) {
        let parts: Vec<String> = r.part_best_ms.iter().map(|t| lapstable::secs(*t)).collect();
        let race_like = kind.is_race_like();
        let time = if race_like { r.time_ms.map(feed::time::format_offset_ms).unwrap_or_default() } else { lapstable::secs(r.time_ms) };
        let gap = r.gap_ms.filter(|_| r.position > 1).map(|g| format!("+{:.3}", g as f64 / 1000.0)).unwrap_or_default();
        writeln!(
            out,
            "{:>3}. {:>2} {:<4} {:<26} {:>3} laps {:>12} {:>9} {} {}",
            r.position,
            r.driver,
            r.tla,
            r.team,
            r.laps,
            time,
            gap,
            parts.join(" "),
            r.status_text
        )?;
    }
    if !s.notes.is_empty() || !feed.warnings.is_empty() {
        writeln!(out, "\nnotes:")?;
        for n in &s.notes {
            writeln!(out, "  {n}")?;
        }
        for w in feed.warnings.iter().take(20) {
            writeln!(out, "  {w}")?;
        }
        if feed.warnings.len() > 20 {
            writeln!(out, "  ... {} more warnings", feed.warnings.len() - 20)?;
        }
    }
    Ok(())
}
