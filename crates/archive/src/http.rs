//! [`HttpSource`]: the static archive over HTTP, with a rate limit, retries, a body-length check
//! and an optional mirror.
//!
//! Requests send `User-Agent: BestHTTP` (as FastF1 does) and `Accept-Encoding: identity`. Gzip
//! is not requested because reqwest is built without its `gzip` feature: the largest topics
//! (`CarData.z`, `Position.z`) are already deflate-compressed inside, so gzip would save little
//! on them, and an uncompressed body lets us check it against `Content-Length` exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};
use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::date;
use crate::error::{Error, Result};
use crate::index::SeasonIndex;
use crate::path;
use crate::source::Source;

/// The official static archive.
pub const DEFAULT_BASE_URL: &str = "https://livetiming.formula1.com/static/";

/// FastF1's mirror of the archive, which keeps 2021-2022 files that the official archive no
/// longer serves (FastF1 #607). Not used unless set as [`HttpConfig::mirror_url`].
pub const FASTF1_MIRROR_URL: &str = "https://livetiming-mirror.fastf1.dev/static/";

/// Where circuit info (marshal sector positions) comes from: api.multiviewer.app, as FastF1
/// reads it; `{circuitKey}/{year}` is appended.
pub const DEFAULT_CIRCUIT_INFO_URL: &str = "https://api.multiviewer.app/api/v1/circuits/";

/// Settings of an [`HttpSource`]. `HttpConfig::default()` is polite to the real archive.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Base URL that session paths are appended to; a missing trailing `/` is added.
    pub base_url: String,
    /// A second base URL tried when the primary fails (after its retries, or at once on
    /// 404/403). `None` (the default) never contacts a third party.
    pub mirror_url: Option<String>,
    /// Minimum time between the starts of two requests of this source and its clones. The
    /// archive asks for at least 250 ms (docs/FEED.md 2.0).
    pub min_interval: Duration,
    /// Retries after the first attempt, on 5xx/408/429, connection errors, timeouts and
    /// truncated bodies. 404/403 and other 4xx are never retried.
    pub retries: u32,
    /// Delay before the first retry; doubled for each further retry.
    pub backoff: Duration,
    /// Limit for one attempt, from connecting to the last byte of the body. Telemetry topics
    /// of a race are tens of MB, hence the generous default.
    pub timeout: Duration,
    /// Whether to honour `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment.
    pub use_system_proxy: bool,
    /// Base URL of the circuit info (`{circuitKey}/{year}` appended), fetched through the same
    /// client and rate limit; tests point it at a local server.
    pub circuit_info_url: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            mirror_url: None,
            min_interval: Duration::from_millis(250),
            retries: 3,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(120),
            use_system_proxy: true,
            circuit_info_url: DEFAULT_CIRCUIT_INFO_URL.to_owned(),
        }
    }
}

/// The archive over HTTP. Cloning is cheap and clones share the client, the rate limiter and
/// the request counter.
#[derive(Debug, Clone)]
pub struct HttpSource {
    client: reqwest::Client,
    base: Url,
    mirror: Option<Url>,
    circuits: Url,
    limiter: Arc<RateLimiter>,
    requests: Arc<AtomicU64>,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
}

/// Spaces the starts of requests at least `interval` apart, across tasks.
///
/// The lock is held while sleeping, so waiting requests start one by one in arrival order.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    last_start: Mutex<Option<Instant>>,
}

impl RateLimiter {
    async fn wait(&self) {
        let mut last = self.last_start.lock().await;
        if let Some(previous) = *last {
            tokio::time::sleep_until(previous + self.interval).await;
        }
        *last = Some(Instant::now());
    }
}

/// Why one attempt failed.
enum AttemptError {
    Status(u16),
    Transport(reqwest::Error),
    Truncated { expected: u64, received: u64 },
}

/// Why all attempts against one base URL failed.
enum Failure {
    /// 404, 403 or 410: the file is not there. `url` is the URL asked for.
    Missing {
        url: String,
        status: u16,
    },
    Other(Error),
}

impl HttpSource {
    /// Builds a source from `config`. Fails on a base or mirror URL that is not http(s).
    pub fn new(config: HttpConfig) -> Result<HttpSource> {
        let base = parse_base(&config.base_url)?;
        let mirror = config.mirror_url.as_deref().map(parse_base).transpose()?;
        let circuits = parse_base(&config.circuit_info_url)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        let mut builder = reqwest::Client::builder()
            .user_agent("BestHTTP")
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout);
        if !config.use_system_proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpSource {
            client,
            base,
            mirror,
            circuits,
            limiter: Arc::new(RateLimiter { interval: config.min_interval, last_start: Mutex::new(None) }),
            requests: Arc::new(AtomicU64::new(0)),
            retries: config.retries,
            backoff: config.backoff,
            timeout: config.timeout,
        })
    }

    /// The primary base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// How many HTTP requests this source and its clones have started (all attempts, primary
    /// and mirror). For statistics and tests.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The raw bytes of `{year}/Index.json`, BOM included.
    pub async fn season_index_raw(&self, year: u16) -> Result<Vec<u8>> {
        self.get(&format!("{year}/Index.json"), |status| index_hint(year, status)).await
    }

    /// The URL the season index is fetched from (primary base URL).
    pub fn season_index_url(&self, year: u16) -> Result<String> {
        Ok(join(&self.base, &format!("{year}/Index.json"))?.to_string())
    }

    /// The URL a topic is fetched from (primary base URL).
    pub fn topic_url(&self, session_path: &str, file_name: &str) -> Result<String> {
        let relative = topic_relative(session_path, file_name)?;
        Ok(join(&self.base, &relative)?.to_string())
    }

    /// The URL of a circuit's info for a season.
    pub fn circuit_info_url(&self, circuit_key: u32, year: u16) -> Result<String> {
        Ok(join(&self.circuits, &format!("{circuit_key}/{year}"))?.to_string())
    }

    /// The raw circuit info JSON of a circuit for a season (marshal sectors), through the rate
    /// limit and retries; no mirror.
    pub async fn circuit_info_raw(&self, circuit_key: u32, year: u16) -> Result<Vec<u8>> {
        let url = join(&self.circuits, &format!("{circuit_key}/{year}"))?;
        let hint = |status: u16| format!("no circuit info for circuit {circuit_key} in {year} (HTTP {status})");
        self.get_with_retries(&url).await.map_err(|f| into_error(f, &hint))
    }

    /// GETs `relative` from the primary base URL, then from the mirror if that fails.
    async fn get(&self, relative: &str, hint: impl Fn(u16) -> String) -> Result<Vec<u8>> {
        let primary = match self.get_with_retries(&join(&self.base, relative)?).await {
            Ok(bytes) => return Ok(bytes),
            Err(failure) => failure,
        };
        let Some(mirror_base) = &self.mirror else {
            return Err(into_error(primary, &hint));
        };
        let mirror_url = join(mirror_base, relative)?;
        let mirror = match self.get_with_retries(&mirror_url).await {
            Ok(bytes) => return Ok(bytes),
            Err(failure) => failure,
        };
        Err(match (primary, mirror) {
            (Failure::Missing { url, status }, Failure::Missing { .. }) => {
                Error::NotFound { location: url, hint: format!("{}; the mirror {mirror_url} does not have it either", hint(status)) }
            }
            (primary, mirror) => {
                Error::MirrorFailed { primary: Box::new(into_error(primary, &hint)), mirror: Box::new(into_error(mirror, &hint)) }
            }
        })
    }

    /// GETs one URL, retrying what may succeed on a second try.
    async fn get_with_retries(&self, url: &Url) -> Result<Vec<u8>, Failure> {
        let mut attempts = 0;
        loop {
            if attempts > 0 {
                let factor = 1u32.checked_shl(attempts - 1).unwrap_or(u32::MAX);
                tokio::time::sleep(self.backoff.saturating_mul(factor)).await;
            }
            self.limiter.wait().await;
            attempts += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let error = match self.attempt(url).await {
                Ok(bytes) => return Ok(bytes),
                Err(AttemptError::Status(status @ (403 | 404 | 410))) => return Err(Failure::Missing { url: url.to_string(), status }),
                Err(AttemptError::Status(status)) if !is_retryable_status(status) => {
                    return Err(Failure::Other(Error::Status { url: url.to_string(), status, attempts }))
                }
                Err(error) => error,
            };
            if attempts > self.retries {
                return Err(Failure::Other(self.attempt_error(url, attempts, error)));
            }
        }
    }

    /// One request: status check, then the whole body, checked against `Content-Length`.
    async fn attempt(&self, url: &Url) -> Result<Vec<u8>, AttemptError> {
        let mut response = self.client.get(url.clone()).send().await.map_err(AttemptError::Transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(AttemptError::Status(status.as_u16()));
        }
        let expected = response.content_length();
        // Cap the up-front allocation: the header is the server's word, not ours.
        let capacity = expected.unwrap_or(0).min(64 << 20);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    let received = body.len() as u64;
                    return Err(match expected {
                        Some(expected) if received < expected && !e.is_timeout() => AttemptError::Truncated { expected, received },
                        _ => AttemptError::Transport(e),
                    });
                }
            }
        }
        match expected {
            Some(expected) if body.len() as u64 != expected => Err(AttemptError::Truncated { expected, received: body.len() as u64 }),
            _ => Ok(body),
        }
    }

    fn attempt_error(&self, url: &Url, attempts: u32, error: AttemptError) -> Error {
        let url = url.to_string();
        match error {
            AttemptError::Status(status) => Error::Status { url, status, attempts },
            AttemptError::Truncated { expected, received } => Error::Truncated { url, expected, received, attempts },
            AttemptError::Transport(e) => {
                let reason = if e.is_timeout() { format!("timed out after {:?}", self.timeout) } else { describe_chain(&e.without_url()) };
                Error::Request { url, attempts, reason }
            }
        }
    }
}

impl Source for HttpSource {
    async fn season_index(&self, year: u16) -> Result<SeasonIndex> {
        let bytes = self.season_index_raw(year).await?;
        SeasonIndex::parse_for_year(&bytes, year, &self.season_index_url(year)?)
    }

    async fn topic(&self, session_path: &str, file_name: &str) -> Result<Vec<u8>> {
        let relative = topic_relative(session_path, file_name)?;
        self.get(&relative, |status| topic_hint(session_path, file_name, status)).await
    }
}

/// `session/file` after validating both parts.
pub(crate) fn topic_relative(session_path: &str, file_name: &str) -> Result<String> {
    let session = path::session_path(session_path)?;
    let file = path::file_name(file_name)?;
    Ok(if session.is_empty() { file.to_owned() } else { format!("{session}/{file}") })
}

fn parse_base(text: &str) -> Result<Url> {
    let with_slash = if text.ends_with('/') { text.to_owned() } else { format!("{text}/") };
    let url = Url::parse(&with_slash).map_err(|e| Error::Config(format!("base URL {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!("base URL {text:?}: expected http(s)://host/path/")));
    }
    Ok(url)
}

/// Appends a validated relative path (percent-encoding spaces and non-ASCII such as `São`).
fn join(base: &Url, relative: &str) -> Result<Url> {
    base.join(relative).map_err(|e| Error::invalid_path(relative, format!("cannot be joined to {base}: {e}")))
}

fn is_retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

fn into_error(failure: Failure, hint: &impl Fn(u16) -> String) -> Error {
    match failure {
        Failure::Missing { url, status } => Error::NotFound { location: url, hint: hint(status) },
        Failure::Other(error) => error,
    }
}

/// The error and its causes, outermost first (reqwest's own message is rarely the useful part).
fn describe_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn status_note(status: u16) -> &'static str {
    if status == 403 {
        " (HTTP 403: the archive answers 403 for missing files and for files it withholds, such as \
         the 2022 season; a mirror such as FASTF1_MIRROR_URL may have them)"
    } else {
        ""
    }
}

/// Says whether a missing topic is "not published yet" or "does not exist", from the session
/// date in its folder name.
fn topic_hint(session_path: &str, file_name: &str, status: u16) -> String {
    let folder = session_path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let day = folder.get(..10).unwrap_or(folder);
    let text = match date::session_day(session_path) {
        Some(day) if date::is_recent(day, date::today()) => format!(
            "not published yet: the session ({}) is recent or in the future; the archive publishes \
             topics during and after a session, try again later",
            day
        ),
        Some(_) => format!(
            "does not exist: the session ({}) is over and {file_name} was not published for it \
             (not every session has every topic), or the session path is wrong",
            day
        ),
        None => "does not exist at this path (take session paths from the season Index.json)".to_owned(),
    };
    text + status_note(status)
}

/// Says whether a missing season index is "not published yet" or "does not exist".
fn index_hint(year: u16, status: u16) -> String {
    let current = date::current_year();
    let year_i = i64::from(year);
    let text = if year_i > current {
        format!("not published yet: the {year} season has not started")
    } else if year_i == current {
        format!("not published yet: the {year} season index appears shortly before the first event")
    } else if year < 2018 {
        "does not exist: the archive starts with the 2018 season".to_owned()
    } else {
        format!("does not exist: the archive has no index for {year}")
    };
    text + status_note(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_a_trailing_slash_and_must_be_http() {
        let source = HttpSource::new(HttpConfig { base_url: "http://127.0.0.1:9/static".into(), ..Default::default() }).unwrap();
        assert_eq!(source.base_url(), "http://127.0.0.1:9/static/");
        for bad in ["ftp://x/", "not a url", "http://x/?q=1"] {
            let config = HttpConfig { base_url: bad.into(), ..Default::default() };
            assert!(matches!(HttpSource::new(config), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn topic_urls_are_percent_encoded_and_validated() {
        let source = HttpSource::new(HttpConfig::default()).unwrap();
        let url = source.topic_url("2021/2021-11-14_São_Paulo_Grand_Prix/2021-11-13_Sprint_Qualifying/", "TimingData.jsonStream");
        assert_eq!(
            url.unwrap(),
            "https://livetiming.formula1.com/static/2021/2021-11-14_S%C3%A3o_Paulo_Grand_Prix/2021-11-13_Sprint_Qualifying/TimingData.jsonStream"
        );
        assert!(source.topic_url("../uat/static/2022", "x.json").is_err());
        assert!(source.topic_url("2023/x", "../Index.json").is_err());
    }

    #[test]
    fn hints_tell_not_yet_published_from_does_not_exist() {
        assert!(topic_hint("2023/2023-04-30_X/2023-04-29_Sprint/", "A.jsonStream", 404).starts_with("does not exist"));
        assert!(topic_hint("2999/2999-04-30_X/2999-04-29_Sprint/", "A.jsonStream", 404).starts_with("not published yet"));
        assert!(topic_hint("x", "A.jsonStream", 403).contains("403"));
        assert!(index_hint(2999, 404).starts_with("not published yet"));
        assert!(index_hint(2019, 404).starts_with("does not exist"));
        assert!(index_hint(2010, 404).contains("2018"));
    }
}
