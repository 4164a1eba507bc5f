//! What can be replayed and where its raw files come from: session ids ([`SessionId`]), the
//! seasons and session lists of docs/API.md, and the raw topic files of one session
//! ([`RawSession`]) from the simulator, a local copy of the archive (`--data`) or the archive
//! itself behind the on-disk raw cache.
//!
//! Ids are validated twice: by the id grammar here (a fixed character set, three `~`-separated
//! parts for archive sessions, at most 200 characters) and by `archive::path`, which the archive
//! sources apply again to every path they open. Nothing outside the data or cache folders can be
//! named.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use archive::{CacheConfig, CachedSource, HttpConfig, HttpSource, LocalSource, Source};
use feed::Topic;
use serde::Serialize;

use crate::error::{ApiError, Error};

/// Longest accepted session id.
pub const MAX_ID_LEN: usize = 200;

/// The simulated sessions, by id: the embedded default when there is no network and no data.
pub const SIM_SESSIONS: [(&str, sim::SessionKind); 4] = [
    ("sim-race", sim::SessionKind::Race),
    ("sim-sprint", sim::SessionKind::Sprint),
    ("sim-qualifying", sim::SessionKind::Qualifying),
    ("sim-practice", sim::SessionKind::Practice),
];

/// A validated session id (docs/API.md "Session ids"): `sim-race`... or
/// `YEAR~MEETING_DIR~SESSION_DIR`, the archive path with `/` replaced by `~`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId {
    id: String,
    kind: IdKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum IdKind {
    Sim(sim::SessionKind),
    Archive { year: u16 },
}

impl SessionId {
    /// Parses and validates an id; a 400 with the reason when it is malformed.
    pub fn parse(id: &str) -> Result<SessionId, ApiError> {
        let bad = |reason: &str| {
            let shown: String = id.chars().take(80).collect();
            ApiError::bad_request(format!("invalid session id {shown:?}: {reason}"))
        };
        if id.is_empty() {
            return Err(bad("empty"));
        }
        if id.len() > MAX_ID_LEN {
            return Err(bad("longer than 200 characters"));
        }
        // URL-safe characters only. Letters beyond ASCII are accepted because real archive
        // folders have them (2021-11-14_São_Paulo_Grand_Prix); `archive::path` checks the rest.
        if let Some(c) = id.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '~' | '-'))) {
            return Err(bad(&format!("character {c:?} is not allowed (letters, digits, '_', '.', '~', '-')")));
        }
        if let Some((_, kind)) = SIM_SESSIONS.iter().find(|(name, _)| *name == id) {
            return Ok(SessionId { id: id.to_owned(), kind: IdKind::Sim(*kind) });
        }
        if id.starts_with("sim-") {
            return Err(ApiError::not_found(format!(
                "no simulated session {id:?}; there are {}",
                SIM_SESSIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )));
        }
        let parts: Vec<&str> = id.split('~').collect();
        let [year, meeting, session] = parts[..] else {
            return Err(bad("expected sim-KIND or YEAR~MEETING~SESSION"));
        };
        let year: u16 = match year.parse() {
            Ok(y) if (1950..=2100).contains(&y) && year.len() == 4 => y,
            _ => return Err(bad("YEAR must be a four-digit season such as 2025")),
        };
        for part in [meeting, session] {
            if part.is_empty() || part.chars().all(|c| c == '.') {
                return Err(bad("MEETING and SESSION must be folder names (not empty, '.' or '..')"));
            }
        }
        let path = format!("{year}/{meeting}/{session}/");
        archive::path::session_path(&path).map_err(|e| bad(&e.to_string()))?;
        Ok(SessionId { id: id.to_owned(), kind: IdKind::Archive { year } })
    }

    /// The id of an archive session path (`2025/MEETING/SESSION/`), when it makes a valid id.
    pub fn from_archive_path(path: &str) -> Option<SessionId> {
        SessionId::parse(&path.trim_end_matches('/').replace('/', "~")).ok().filter(|id| id.archive_path().is_some())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The simulated session kind, for `sim-*` ids.
    pub fn sim_kind(&self) -> Option<sim::SessionKind> {
        match self.kind {
            IdKind::Sim(kind) => Some(kind),
            IdKind::Archive { .. } => None,
        }
    }

    /// The archive session path (`2025/MEETING/SESSION/`), for archive ids.
    pub fn archive_path(&self) -> Option<String> {
        match self.kind {
            IdKind::Sim(_) => None,
            IdKind::Archive { .. } => Some(format!("{}/", self.id.replace('~', "/"))),
        }
    }

    /// The season (0 for simulated sessions).
    pub fn year(&self) -> u16 {
        match self.kind {
            IdKind::Sim(_) => 0,
            IdKind::Archive { year } => year,
        }
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

/// One entry of `GET /api/seasons`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Season {
    /// The season; 0 for the simulated sessions.
    pub year: u16,
    /// `local` (`--data`, or the raw cache when offline), `archive` or `sim`.
    pub source: &'static str,
    /// Whether its session list can be read now (an archive season is not when the archive
    /// cannot be reached and its index is not in the raw cache).
    pub available: bool,
    /// Why it is unavailable, in words.
    pub reason: Option<String>,
}

/// One entry of `GET /api/seasons/{year}/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SessionSummary {
    /// The session id to use in `/api/sessions/{id}`; `null` when the archive has no path for it yet.
    pub id: Option<String>,
    /// Meeting name, e.g. "Mexico City Grand Prix".
    pub meeting: String,
    /// Session name, e.g. "Qualifying", "Practice 1", "Sprint".
    pub name: String,
    /// `race`, `sprint`, `qualifying`, `sprint_qualifying` or `practice`.
    pub kind: String,
    /// Scheduled start, local time at the circuit, as the archive writes it.
    pub start: String,
    /// Whether its raw files can be loaded now.
    pub available: bool,
    /// Why it is unavailable, in words (`null` when available).
    pub reason: Option<String>,
    /// What its raw files can give (map, car telemetry, timing), from the topic files present
    /// ([`replay::manifest::Coverage::of_topic_files`]); `null` while unknown (an archive
    /// session not downloaded yet).
    pub coverage: Option<replay::manifest::Coverage>,
    /// A replay of it is built and cached: it opens without a build.
    pub cached: bool,
}

/// The raw topic files of one session.
pub struct RawSession {
    /// Each known topic's bytes, `None` when the session has no such file.
    pub files: Vec<(Topic, Option<Vec<u8>>)>,
    /// A fingerprint of the files, recorded in the replay file.
    pub source_hash: u64,
}

/// Where archive sessions come from, chosen once at start-up.
enum Archive {
    /// A folder laid out like the archive: `--data`, or the raw cache when offline.
    Local(LocalSource),
    /// The archive over HTTP behind the raw cache (boxed: it is large and there is one).
    Remote(Box<CachedSource>),
}

/// The session sources of a server: the simulator (always), and a local folder or the archive.
pub struct Catalog {
    archive: Archive,
    /// The last answer of [`Catalog::archive_reachable`] and when it was found.
    reach: std::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>,
}

/// How long an answer on the archive's reachability is reused.
const REACH_TTL: std::time::Duration = std::time::Duration::from_secs(20);
/// How long the reachability probe (name lookup and TCP connect) may take.
const REACH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl Catalog {
    /// `--data DIR` reads that folder only; otherwise the archive is used through the raw cache
    /// in `raw_cache`, or, when `offline`, only what that cache already holds.
    pub fn new(data: Option<&Path>, raw_cache: &Path, offline: bool) -> Result<Catalog, Error> {
        Catalog::with_archive_url(data, raw_cache, offline, None)
    }

    /// As [`Catalog::new`], with the archive at `archive_url` instead of the official one
    /// (tests use a local HTTP server).
    pub fn with_archive_url(data: Option<&Path>, raw_cache: &Path, offline: bool, archive_url: Option<&str>) -> Result<Catalog, Error> {
        let archive = match data {
            Some(dir) => Archive::Local(LocalSource::new(dir)?),
            None => {
                std::fs::create_dir_all(raw_cache).map_err(|source| Error::Folder {
                    path: raw_cache.to_owned(),
                    action: "create the raw cache folder",
                    source,
                })?;
                if offline {
                    Archive::Local(LocalSource::new(raw_cache)?)
                } else {
                    let mut config = HttpConfig::default();
                    if let Some(url) = archive_url {
                        config.base_url = url.to_owned();
                    }
                    let http = HttpSource::new(config)?;
                    Archive::Remote(Box::new(CachedSource::new(http, CacheConfig::new(raw_cache))?))
                }
            }
        };
        Ok(Catalog { archive, reach: std::sync::Mutex::new(None) })
    }

    /// Whether the archive answers at all (its name resolves and a TCP connection opens, within
    /// 2 s), remembered for 20 s; the reason in words when it does not. Always `Ok` for a local
    /// folder. Lets the picker say "offline" at once instead of after the HTTP retries.
    pub async fn archive_reachable(&self) -> Result<(), String> {
        let Archive::Remote(remote) = &self.archive else { return Ok(()) };
        if let Some((at, answer)) = crate::cache::lock(&self.reach).as_ref() {
            if at.elapsed() < REACH_TTL {
                return answer.clone();
            }
        }
        let answer = probe(remote.http().base_url()).await;
        *crate::cache::lock(&self.reach) = Some((std::time::Instant::now(), answer.clone()));
        answer
    }

    /// Puts the shared store (`--store URL`) behind the raw cache of a remote archive: finished
    /// sessions' raw files and clips are read from it before the archive and written to it after,
    /// and read from it alone when the archive cannot be reached. No effect on a local folder.
    pub fn with_shared_raw(mut self, store: Arc<dyn archive::RawStore>) -> Catalog {
        if let Archive::Remote(remote) = self.archive {
            self.archive = Archive::Remote(Box::new(remote.with_shared(store)));
        }
        self
    }

    /// The raw cache of a remote archive, read as a local copy (what is there without a network).
    fn raw_cache(&self) -> Option<LocalSource> {
        match &self.archive {
            Archive::Remote(remote) => LocalSource::new(remote.dir()).ok(),
            Archive::Local(_) => None,
        }
    }

    /// What the archive sessions' source is called in `/api/seasons`.
    pub fn source_label(&self) -> &'static str {
        match self.archive {
            Archive::Local(_) => "local",
            Archive::Remote(_) => "archive",
        }
    }

    /// The seasons: those present in the local folder, or every season the archive has (2018
    /// to this year), then the simulated "season" 0.
    pub async fn seasons(&self) -> Result<Vec<Season>, ApiError> {
        let label = self.source_label();
        let mut years: Vec<u16> = match &self.archive {
            Archive::Local(local) => {
                let root = local.root().to_owned();
                tokio::task::spawn_blocking(move || local_years(&root)).await?
            }
            Archive::Remote(_) => (2018..=current_year()).collect(),
        };
        years.sort_unstable_by(|a, b| b.cmp(a));
        let unreachable = self.archive_reachable().await.err();
        let cache = self.raw_cache();
        let mut out: Vec<Season> = years
            .into_iter()
            .map(|year| {
                let cached = cache.as_ref().is_some_and(|c| c.root().join(year.to_string()).join("Index.json").is_file());
                let reason = unreachable.as_ref().filter(|_| !cached).map(|why| format!("{why}; nothing of {year} is in the cache"));
                Season { year, source: label, available: reason.is_none(), reason }
            })
            .collect();
        out.push(Season { year: 0, source: "sim", available: true, reason: None });
        Ok(out)
    }

    /// The sessions of a season (0: the simulated ones). 404 when the season is unknown.
    pub async fn sessions(&self, year: u16) -> Result<Vec<SessionSummary>, ApiError> {
        if year == 0 {
            return Ok(sim_sessions());
        }
        match &self.archive {
            Archive::Remote(remote) => {
                if !(2018..=current_year() + 1).contains(&year) {
                    return Err(ApiError::not_found(format!("the archive has no {year} season (it starts in 2018)")));
                }
                if let Err(why) = self.archive_reachable().await {
                    // Offline: what the raw cache holds, said at once, not after the retries.
                    let Some(cache) = self.raw_cache() else { return Err(ApiError::unavailable(why)) };
                    let index = match cache.season_index(year).await {
                        Ok(index) => index,
                        Err(_) => return Err(ApiError::unavailable(format!("{why}; the {year} season is not in the cache"))),
                    };
                    let root = cache.root().to_owned();
                    let list = tokio::task::spawn_blocking(move || {
                        let mut list = index_sessions(&index, |path| archive::is_session_folder(&root.join(path.trim_end_matches('/'))));
                        for s in list.iter_mut().filter(|s| !s.available && s.id.is_some()) {
                            s.reason = Some(format!("not downloaded, and {why}"));
                        }
                        describe_files(&root, &mut list);
                        list
                    })
                    .await?;
                    return Ok(list);
                }
                let index = remote.season_index(year).await?;
                let root = remote.dir().to_owned();
                let list = tokio::task::spawn_blocking(move || {
                    let mut list = index_sessions(&index, |_| true);
                    describe_files(&root, &mut list);
                    list
                })
                .await?;
                Ok(list)
            }
            Archive::Local(local) => match local.season_index(year).await {
                Ok(index) => {
                    let root = local.root().to_owned();
                    let list = tokio::task::spawn_blocking(move || {
                        let mut list = index_sessions(&index, |path| archive::is_session_folder(&root.join(path.trim_end_matches('/'))));
                        for s in list.iter_mut().filter(|s| !s.available && s.id.is_some()) {
                            s.reason = Some("not in the data folder".to_owned());
                        }
                        describe_files(&root, &mut list);
                        list
                    })
                    .await?;
                    Ok(list)
                }
                Err(e) if e.is_not_found() => {
                    let local = local.clone();
                    tokio::task::spawn_blocking(move || {
                        let mut list = folder_sessions(&local, year)?;
                        describe_files(local.root(), &mut list);
                        Ok(list)
                    })
                    .await?
                }
                Err(e) => Err(e.into()),
            },
        }
    }

    /// True when the session certainly does not exist (a local folder without it), so callers
    /// can answer 404 before starting anything; false when it may exist.
    pub async fn definitely_missing(&self, id: &SessionId) -> Result<bool, ApiError> {
        match (&self.archive, id.archive_path()) {
            (Archive::Local(local), Some(path)) => {
                let folder = local.root().join(path.trim_end_matches('/'));
                Ok(!tokio::task::spawn_blocking(move || archive::is_session_folder(&folder)).await?)
            }
            _ => Ok(false),
        }
    }

    /// Reads every known topic of an archive session; `progress(fraction)` after each file.
    /// 404 when the session has none of them.
    pub async fn fetch(&self, id: &SessionId, progress: &(dyn Fn(f32) + Send + Sync)) -> Result<RawSession, ApiError> {
        let Some(path) = id.archive_path() else {
            return Err(ApiError::internal(format!("{id} is not an archive session")));
        };
        let names: Vec<String> = Topic::ALL.iter().map(|t| t.file_name()).collect();
        let arrived = |n: usize| progress(n as f32 / names.len() as f32);
        let result = match &self.archive {
            Archive::Local(s) => archive::session_files(s, &path, &names, &arrived).await,
            Archive::Remote(s) => match self.archive_reachable().await {
                Ok(()) => archive::session_files(s.as_ref(), &path, &names, &arrived).await,
                // Unreachable, with a shared store: the raw cache and the store, never the archive.
                Err(_) if s.has_shared() => archive::session_files(&s.stored_only(), &path, &names, &arrived).await,
                // Unreachable: what the raw cache holds, at once, instead of the retries.
                Err(why) => match self.raw_cache() {
                    Some(cache) if archive::is_session_folder(&cache.root().join(path.trim_end_matches('/'))) => {
                        archive::session_files(&cache, &path, &names, &arrived).await
                    }
                    _ => return Err(ApiError::unavailable(format!("session {id} is not downloaded, and {why}"))),
                },
            },
        };
        let raw = match result {
            Ok(raw) => raw,
            // Named by id only: the data folder's place on this machine is not the client's business.
            Err(e) if e.is_not_found() => return Err(ApiError::not_found(format!("session {id} not found: no live-timing files for it"))),
            Err(e) => return Err(e.into()),
        };
        let files = Topic::ALL.into_iter().zip(raw.files).map(|(topic, (_, bytes))| (topic, bytes)).collect();
        Ok(RawSession { files, source_hash: raw.content_hash })
    }

    /// One team radio clip of an archive session (`clip_path` as the TeamRadio topic gives it,
    /// `TeamRadio/NAME.mp3`), read from the data folder, or fetched from the archive through the
    /// raw cache (its rate limit and disk cache). 404 when it is not there, 503 with the reason
    /// when it is not cached and the archive cannot be reached.
    pub async fn clip(&self, id: &SessionId, clip_path: &str) -> Result<Vec<u8>, ApiError> {
        let Some(session) = id.archive_path() else {
            return Err(ApiError::not_found(format!("{id} is simulated: it has no team radio")));
        };
        let Some((dir, file)) = clip_path.rsplit_once('/') else {
            return Err(ApiError::not_found(format!("clip path {clip_path:?} is not TeamRadio/NAME")));
        };
        let folder = format!("{session}{dir}/");
        let missing = |e: archive::Error, whose: &str| -> ApiError {
            if e.is_not_found() {
                ApiError::not_found(format!("clip {file} is not in {whose}"))
            } else {
                e.into()
            }
        };
        match &self.archive {
            Archive::Local(s) => s.topic(&folder, file).await.map_err(|e| missing(e, "the data folder or the cache (offline)")),
            Archive::Remote(s) => {
                if let Err(why) = self.archive_reachable().await {
                    if s.has_shared() {
                        let missing = |e| missing(e, "the raw cache or the shared store (the archive cannot be reached)");
                        return s.stored_only().topic(&folder, file).await.map_err(missing);
                    }
                    if !s.is_cached(&folder, file).unwrap_or(false) {
                        return Err(ApiError::unavailable(format!("clip {file} is not downloaded, and {why}")));
                    }
                }
                s.topic(&folder, file).await.map_err(|e| missing(e, "the archive"))
            }
        }
    }

    /// The circuit info (marshal sectors) of a circuit for a season: from api.multiviewer.app
    /// through the raw cache (its rate limit and disk cache), or the copy under
    /// `multiviewer/circuits/` of the data folder or the offline cache; otherwise the reason.
    pub async fn circuit_info(&self, id: &SessionId, circuit_key: Option<u32>, year: u16) -> Result<Vec<u8>, String> {
        if id.archive_path().is_none() {
            return Err("the simulated circuit has no circuit info (marshal sector positions)".into());
        }
        let Some(key) = circuit_key else { return Err("the session's SessionInfo names no circuit key".into()) };
        let relative = format!("multiviewer/circuits/{key}/{year}.json");
        match &self.archive {
            Archive::Local(s) => std::fs::read(s.root().join(&relative)).map_err(|_| {
                format!(
                    "no circuit info for circuit {key} in {year} in {} (it is fetched from api.multiviewer.app only online)",
                    s.root().display()
                )
            }),
            Archive::Remote(s) => s.circuit_info(key, year).await.map_err(|e| format!("no circuit info: {e}")),
        }
    }

    /// The raw cache folder or data folder sessions are read from, for the logs.
    pub fn describe(&self) -> String {
        match &self.archive {
            Archive::Local(s) => format!("local folder {}", s.root().display()),
            Archive::Remote(s) => format!("the archive, raw cache in {}", s.dir().display()),
        }
    }
}

/// Simulates a session and returns its files (blocking, CPU-heavy: run it off the runtime).
pub fn sim_files(kind: sim::SessionKind) -> RawSession {
    let simulation = sim::generate(&sim::SimConfig::new(kind));
    let files: Vec<(Topic, Option<Vec<u8>>)> =
        Topic::ALL.into_iter().map(|t| (t, simulation.file(&t.file_name()).map(|f| f.bytes.clone()))).collect();
    RawSession { files, source_hash: sim_hash(kind) }
}

/// The content hash of a simulated session: its files are a function of the simulator's version
/// and the session kind alone, so those are hashed instead of generating the files to hash them.
pub fn sim_hash(kind: sim::SessionKind) -> u64 {
    archive::content_hash(&[("sim".into(), Some(sim::VERSION.to_le_bytes().to_vec())), (kind.name().into(), None)])
}

/// The simulated sessions as a season listing.
fn sim_sessions() -> Vec<SessionSummary> {
    SIM_SESSIONS
        .iter()
        .map(|(id, kind)| {
            let date = sim::calendar::session(*kind);
            SessionSummary {
                id: Some((*id).to_owned()),
                meeting: "Simulated Grand Prix".to_owned(),
                name: kind.name().to_owned(),
                kind: kind_of(kind.name(), kind.name()).to_owned(),
                start: date.start_date(),
                available: true,
                reason: None,
                // The simulator writes every topic.
                coverage: Some(replay::manifest::Coverage::of_topic_files(|_| true)),
                cached: false,
            }
        })
        .collect()
}

/// Sessions listed by a season index; `present(path)` says whether a session's files are here.
fn index_sessions(index: &archive::SeasonIndex, present: impl Fn(&str) -> bool) -> Vec<SessionSummary> {
    index
        .sessions()
        .map(|(meeting, s)| {
            let id = s.path.as_deref().and_then(SessionId::from_archive_path);
            let available = id.is_some() && s.path.as_deref().is_some_and(&present);
            SessionSummary {
                reason: id.is_none().then(|| "not published in the archive yet".to_owned()),
                id: id.map(|i| i.as_str().to_owned()),
                meeting: meeting.name.clone(),
                name: s.display_name().to_owned(),
                kind: kind_of(&s.kind, s.display_name()).to_owned(),
                start: s.start_date.clone(),
                available,
                coverage: None,
                cached: false,
            }
        })
        .collect()
}

/// Sessions of a local folder without a season index: every session folder of the year, named
/// from its SessionInfo topic (or from the folder names when that is missing).
fn folder_sessions(local: &LocalSource, year: u16) -> Result<Vec<SessionSummary>, ApiError> {
    let prefix = format!("{year}/");
    let paths: Vec<String> = local.sessions()?.into_iter().filter(|p| p.starts_with(&prefix)).collect();
    if paths.is_empty() {
        return Err(ApiError::not_found(format!("no sessions of {year} in {}", local.root().display())));
    }
    let mut out = Vec::new();
    for path in paths {
        let Some(id) = SessionId::from_archive_path(&path) else { continue };
        let info = local
            .topic_blocking(&path, &Topic::SessionInfo.file_name())
            .ok()
            .and_then(|bytes| feed::FeedSession::decode(vec![(Topic::SessionInfo, Some(bytes))]).session_info);
        let mut parts = path.trim_end_matches('/').split('/').skip(1);
        let meeting_dir = parts.next().unwrap_or_default();
        let session_dir = parts.next().unwrap_or_default();
        let summary = match info {
            Some(i) => SessionSummary {
                id: Some(id.as_str().to_owned()),
                meeting: i.meeting_name.clone(),
                kind: kind_of(&i.kind, &i.name).to_owned(),
                name: i.name,
                start: i.start_date,
                available: true,
                reason: None,
                coverage: None,
                cached: false,
            },
            None => {
                let name = undated(session_dir);
                SessionSummary {
                    id: Some(id.as_str().to_owned()),
                    meeting: undated(meeting_dir),
                    kind: kind_of(&name, &name).to_owned(),
                    start: session_dir.get(..10).unwrap_or_default().to_owned(),
                    name,
                    available: true,
                    reason: None,
                    coverage: None,
                    cached: false,
                }
            }
        };
        out.push(summary);
    }
    out.sort_by(|a, b| a.start.cmp(&b.start));
    Ok(out)
}

/// Fills each session's coverage from the topic files present under `root` (a local copy or
/// the raw cache); sessions with none of them there stay unknown (`null`).
fn describe_files(root: &Path, list: &mut [SessionSummary]) {
    let Ok(root) = root.canonicalize() else { return };
    let root = root.as_path();
    for s in list.iter_mut() {
        let Some(path) = s.id.as_deref().and_then(|id| SessionId::parse(id).ok()).and_then(|id| id.archive_path()) else { continue };
        let folder = root.join(path.trim_end_matches('/'));
        if !folder.is_dir() || !archive::is_dir_within(root, &folder) {
            continue;
        }
        let has = |name: &str| folder.join(name).is_file();
        if Topic::ALL.iter().any(|t| has(&t.file_name())) {
            s.coverage = Some(replay::manifest::Coverage::of_topic_files(has));
        }
    }
}

/// Whether the archive at `base_url` answers: its host resolves and takes a TCP connection
/// within [`REACH_TIMEOUT`]; the reason in words when not.
async fn probe(base_url: &str) -> Result<(), String> {
    // Behind a proxy a direct connection says nothing: the HTTP client goes through the proxy.
    if ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"].iter().any(|v| std::env::var_os(v).is_some()) {
        return Ok(());
    }
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let https = base_url.starts_with("https");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_owned(), p.parse::<u16>().unwrap_or(443)),
        _ => (authority.to_owned(), if https { 443 } else { 80 }),
    };
    let what = format!("the archive ({host}) cannot be reached");
    let connect = async {
        let addrs: Vec<_> = match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(a) => a.collect(),
            Err(_) => return Err(format!("{what}: its name does not resolve (no network?)")),
        };
        let mut last = format!("{what}: no address");
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(_) => return Ok(()),
                Err(e) => last = format!("{what}: {}", plain_io(&e)),
            }
        }
        Err(last)
    };
    match tokio::time::timeout(REACH_TIMEOUT, connect).await {
        Ok(answer) => answer,
        Err(_) => Err(format!("{what}: no answer within {} s", REACH_TIMEOUT.as_secs())),
    }
}

/// A connection failure in words.
fn plain_io(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "the connection was refused",
        std::io::ErrorKind::TimedOut => "the connection timed out",
        std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => "no route to it (no network?)",
        _ => "the connection failed",
    }
}

/// `2025-10-26_Mexico_City_Grand_Prix` → `Mexico City Grand Prix`.
fn undated(dir: &str) -> String {
    let rest = match dir.as_bytes() {
        [y, _, _, _, b'-', _, _, b'-', _, _, b'_', ..] if y.is_ascii_digit() => &dir[11..],
        _ => dir,
    };
    rest.replace('_', " ")
}

/// The API's session kind from the archive's type and name ([`feed::records::SessionKind`]),
/// `other` when they name none.
pub fn kind_of(kind: &str, name: &str) -> &'static str {
    feed::records::SessionKind::parse(kind, name).map_or("other", feed::records::SessionKind::api_name)
}

/// Year folders (`2025`) of a local archive copy (`root` canonical; links out of it ignored).
fn local_years(root: &Path) -> Vec<u16> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| archive::is_dir_within(root, &e.path()))
        .filter_map(|e| e.file_name().to_str().and_then(|n| if n.len() == 4 { n.parse::<u16>().ok() } else { None }))
        .filter(|y| (1950..=2100).contains(y))
        .collect()
}

/// This year, UTC.
fn current_year() -> u16 {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0);
    let (year, _, _) = sim::calendar::civil_from_days(days as i64);
    u16::try_from(year).unwrap_or(2025)
}

/// The default cache folder: `$XDG_CACHE_HOME/f1replay`, else `~/.cache/f1replay`, else
/// `.f1replay-cache` in the working folder.
pub fn default_cache_dir() -> PathBuf {
    CacheConfig::default_dir().and_then(|raw| raw.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from(".f1replay-cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_to_sim_kinds_and_archive_paths() {
        assert_eq!(SessionId::parse("sim-race").unwrap().sim_kind(), Some(sim::SessionKind::Race));
        let id = SessionId::parse("2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying").unwrap();
        assert_eq!(id.archive_path().unwrap(), "2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying/");
        assert_eq!(id.year(), 2025);
        assert!(SessionId::parse("2021~2021-11-14_São_Paulo_Grand_Prix~2021-11-13_Sprint_Qualifying").is_ok());
    }

    #[test]
    fn ids_that_could_escape_or_are_malformed_are_rejected_with_400() {
        for bad in [
            "",
            "..",
            "2025~..~x",
            "2025~.~x",
            "2025~a~..",
            "2025~a/../b~c",
            "2025~a~b~c",
            "2025~a",
            "25~a~b",
            "x~a~b",
            "2025~a%2e~b",
            "2025~a\\b~c",
            "/etc/passwd",
            "2025~a b~c",
            "2025~~c",
        ] {
            let e = SessionId::parse(bad).unwrap_err();
            assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST, "{bad:?}: {e}");
        }
        assert!(SessionId::parse(&"a".repeat(201)).is_err());
        assert_eq!(SessionId::parse("sim-nothing").unwrap_err().status(), axum::http::StatusCode::NOT_FOUND);
    }

    #[test]
    fn kinds_follow_the_api_names() {
        assert_eq!(kind_of("Race", "Sprint"), "sprint");
        assert_eq!(kind_of("Qualifying", "Sprint Shootout"), "sprint_qualifying");
        assert_eq!(kind_of("Qualifying", "Sprint Qualifying"), "sprint_qualifying");
        assert_eq!(kind_of("Practice", "Practice 2"), "practice");
        assert_eq!(kind_of("Race", "Race"), "race");
        assert_eq!(undated("2025-10-26_Mexico_City_Grand_Prix"), "Mexico City Grand Prix");
    }
}
