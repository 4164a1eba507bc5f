//! The HTTP and cache sources against a real HTTP server on 127.0.0.1, serving the real archive
//! files of the shared test data (`$F1REPLAY_TEST_DATA`, else `../shared/data` next to the
//! repository). Tests that need those files say "skipped: ..." and pass where they are absent.
//!
//! Run: `cargo test -p archive --test http`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use archive::{CacheConfig, CachedSource, Error, HttpConfig, HttpSource, Source};
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the `/slow/` routes sleep: far beyond [`SHORT_TIMEOUT`].
const SLOW: Duration = Duration::from_secs(3);
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

const SPRINT: &str = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/";

/// The archive-shaped folder served under `/ok/`.
fn static_root(data: &Path) -> PathBuf {
    data.join("fastf1-test-data/livetiming/static")
}

// ---------------------------------------------------------------------------------------------
// The test server.

/// Routes, each followed by an archive path:
/// `/ok/` serves the files, `/missing/` 404, `/forbidden/` 403, `/broken/` 500,
/// `/flaky/` 500 on the first request of each path then the file, `/slow/` sleeps past the
/// client timeout, `/slow-once/` sleeps on the first request of each path only,
/// `/synthetic/` makes up an `Index.json` for any year and a small body for any topic,
/// `/overlap/` makes up a topic body after [`OVERLAP_HOLD`], counting requests in flight.
struct TestServer {
    base: String,
    state: Arc<ServerState>,
}

struct ServerState {
    root: PathBuf,
    requests: AtomicUsize,
    seen: Mutex<HashSet<String>>,
    /// `/overlap/` requests being answered now, and the most at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// How long `/overlap/` holds each answer: long against the tests' request spacing.
const OVERLAP_HOLD: Duration = Duration::from_millis(300);

impl ServerState {
    /// Counts the request; true when `key` was seen before.
    fn hit(&self, key: String) -> bool {
        self.requests.fetch_add(1, Ordering::SeqCst);
        !self.seen.lock().unwrap().insert(key)
    }
}

impl TestServer {
    async fn start(root: PathBuf) -> TestServer {
        let state = Arc::new(ServerState {
            root,
            requests: AtomicUsize::new(0),
            seen: Mutex::new(HashSet::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/ok/{*path}", get(ok))
            .route("/missing/{*path}", get(missing))
            .route("/forbidden/{*path}", get(forbidden))
            .route("/broken/{*path}", get(broken))
            .route("/flaky/{*path}", get(flaky))
            .route("/slow/{*path}", get(slow))
            .route("/slow-once/{*path}", get(slow_once))
            .route("/synthetic/{*path}", get(synthetic))
            .route("/overlap/{*path}", get(overlap))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer { base: format!("http://{addr}"), state }
    }

    fn url(&self, route: &str) -> String {
        format!("{}/{route}/", self.base)
    }

    fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

type Shared = State<Arc<ServerState>>;

async fn file(state: &ServerState, path: &str) -> Response {
    if path.split('/').any(|s| s == "..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    match tokio::fs::read(state.root.join(path)).await {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn ok(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    state.hit(format!("ok {path}"));
    file(&state, &path).await
}

async fn missing(State(state): Shared, UrlPath(path): UrlPath<String>) -> StatusCode {
    state.hit(format!("missing {path}"));
    StatusCode::NOT_FOUND
}

async fn forbidden(State(state): Shared, UrlPath(path): UrlPath<String>) -> StatusCode {
    state.hit(format!("forbidden {path}"));
    StatusCode::FORBIDDEN
}

async fn broken(State(state): Shared, UrlPath(path): UrlPath<String>) -> StatusCode {
    state.hit(format!("broken {path}"));
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn flaky(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    if !state.hit(format!("flaky {path}")) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    file(&state, &path).await
}

async fn slow(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    state.hit(format!("slow {path}"));
    tokio::time::sleep(SLOW).await;
    file(&state, &path).await
}

async fn slow_once(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    if !state.hit(format!("slow-once {path}")) {
        tokio::time::sleep(SLOW).await;
    }
    file(&state, &path).await
}

async fn synthetic(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    state.hit(format!("synthetic {path}"));
    let n = state.requests.load(Ordering::SeqCst);
    match path.strip_suffix("/Index.json") {
        Some(year) => format!("\u{feff}{{\"Year\":{year},\"Meetings\":[{{\"Key\":{n},\"Name\":\"Test Grand Prix\",\"Sessions\":[]}}]}}")
            .into_response(),
        None => format!("00:00:01.000{{\"Request\":{n}}}\r\n").into_response(),
    }
}

async fn overlap(State(state): Shared, UrlPath(path): UrlPath<String>) -> Response {
    state.hit(format!("overlap {path}"));
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(OVERLAP_HOLD).await;
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    format!("00:00:01.000{{\"Path\":{path:?}}}\r\n").into_response()
}

/// A raw TCP server that announces `Content-Length: 100` and sends 100 bytes, except on the
/// first `truncated` connections, where it sends 10 bytes and hangs up. Returns the base URL
/// and the connection counter.
async fn truncating_server(truncated: usize) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&buf[..read]),
                    }
                }
                let body = [b'x'; 100];
                let sent = if n < truncated { 10 } else { 100 };
                let header = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n";
                let _ = socket.write_all(header.as_bytes()).await;
                let _ = socket.write_all(&body[..sent]).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/static/"), connections)
}

/// Fast settings for tests: no rate limit to speak of, short timeout and backoff, no proxy.
fn config(base_url: String) -> HttpConfig {
    HttpConfig {
        base_url,
        mirror_url: None,
        min_interval: Duration::from_millis(1),
        retries: 2,
        backoff: Duration::from_millis(5),
        // Generous, so a busy machine never fails a test by accident; the timeout tests lower it.
        timeout: Duration::from_secs(5),
        use_system_proxy: false,
        ..HttpConfig::default()
    }
}

fn http(base_url: String) -> HttpSource {
    HttpSource::new(config(base_url)).unwrap()
}

/// Every regular file under `dir`, relative.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn index_resolves_a_session_whose_topics_arrive_byte_for_byte() {
    let Some(data) = testkit::data_dir() else { return };
    let root = static_root(&data);
    let server = TestServer::start(root.clone()).await;
    let source = http(server.url("ok"));

    let sprint = archive::resolve_session(&source, "2023/azerbaijan/sprint").await.unwrap();
    assert_eq!(sprint.path, SPRINT);
    assert_eq!(sprint.meeting.location, "Baku");
    let shootout = archive::resolve_session(&source, "2023/Azerbaijan Grand Prix/Sprint Shootout").await.unwrap();
    assert_eq!(shootout.path, "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint_Shootout/");

    for topic in ["TimingData.jsonStream", "DriverList.jsonStream", "LapCount.jsonStream"] {
        let bytes = source.topic(&sprint.path, topic).await.unwrap();
        assert_eq!(bytes, std::fs::read(root.join(SPRINT).join(topic)).unwrap(), "{topic}");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the BOM is kept: raw bytes only");
    }
    // Index.json (twice) and three topics: no retries, no extra requests.
    assert_eq!(server.requests(), 5);
    assert_eq!(source.request_count(), 5);
}

#[tokio::test]
async fn a_missing_topic_is_not_found_with_the_url_and_a_does_not_exist_hint() {
    let Some(data) = testkit::data_dir() else { return };
    let server = TestServer::start(static_root(&data)).await;
    let source = http(server.url("ok"));

    let err = source.topic(SPRINT, "CarData.z.jsonStream").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("{}{SPRINT}CarData.z.jsonStream", server.url("ok"))), "{text}");
    assert!(text.contains("does not exist") && text.contains("2023-04-29"), "{text}");
    assert_eq!(server.requests(), 1, "a 404 is never retried");

    let err = source.season_index(2017).await.unwrap_err();
    assert!(err.is_not_found() && err.to_string().contains("2018"), "{err}");
}

#[tokio::test]
async fn a_missing_file_of_a_future_session_or_season_is_not_published_yet() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let source = http(server.url("missing"));
    let err = source.topic("2999/2999-05-01_Future_Grand_Prix/2999-04-30_Race/", "TimingData.jsonStream").await;
    let text = err.unwrap_err().to_string();
    assert!(text.contains("not published yet"), "{text}");
    let err = source.season_index(2999).await.unwrap_err();
    assert!(err.is_not_found() && err.to_string().contains("not published yet"), "{err}");
}

#[tokio::test]
async fn a_server_error_is_retried_and_then_succeeds() {
    let Some(data) = testkit::data_dir() else { return };
    let root = static_root(&data);
    let server = TestServer::start(root.clone()).await;
    let source = http(server.url("flaky"));
    let bytes = source.topic(SPRINT, "LapCount.jsonStream").await.unwrap();
    assert_eq!(bytes, std::fs::read(root.join(SPRINT).join("LapCount.jsonStream")).unwrap());
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_server_that_keeps_failing_gives_a_status_error_after_all_retries() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let source = http(server.url("broken"));
    let err = source.topic(SPRINT, "LapCount.jsonStream").await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 500, attempts: 3, .. }), "{err}");
    assert!(err.to_string().contains("/broken/2023/"), "{err}");
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_slow_server_times_out_and_the_retry_succeeds() {
    let Some(data) = testkit::data_dir() else { return };
    let server = TestServer::start(static_root(&data)).await;
    let config = HttpConfig { timeout: SHORT_TIMEOUT, ..config(server.url("slow-once")) };
    let source = HttpSource::new(config).unwrap();
    let started = Instant::now();
    assert!(!source.topic(SPRINT, "LapCount.jsonStream").await.unwrap().is_empty());
    assert_eq!(server.requests(), 2);
    assert!(started.elapsed() < SLOW, "the first attempt was cut at the timeout");
}

#[tokio::test]
async fn a_server_that_always_exceeds_the_timeout_gives_a_timeout_error() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let source = HttpSource::new(HttpConfig { retries: 1, timeout: SHORT_TIMEOUT, ..config(server.url("slow")) }).unwrap();
    let err = source.topic(SPRINT, "LapCount.jsonStream").await.unwrap_err();
    assert!(matches!(err, Error::Request { attempts: 2, .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_with_its_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/static/", listener.local_addr().unwrap());
    drop(listener);
    let err = http(base).topic(SPRINT, "LapCount.jsonStream").await.unwrap_err();
    assert!(matches!(err, Error::Request { attempts: 3, .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("/static/2023/") && text.to_lowercase().contains("connect"), "{text}");
    println!("{text}");
}

#[tokio::test]
async fn a_truncated_body_is_retried() {
    let (base, connections) = truncating_server(1).await;
    let bytes = http(base).topic(SPRINT, "LapCount.jsonStream").await.unwrap();
    assert_eq!(bytes.len(), 100);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_body_that_is_always_truncated_is_an_error_and_is_never_cached() {
    let (base, connections) = truncating_server(usize::MAX).await;
    let err = http(base.clone()).topic(SPRINT, "LapCount.jsonStream").await.unwrap_err();
    assert!(matches!(err, Error::Truncated { expected: 100, received: 10, attempts: 3, .. }), "{err}");
    assert!(err.to_string().contains("LapCount.jsonStream"), "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 3);

    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedSource::new(http(base), CacheConfig::new(cache_dir.path())).unwrap();
    assert!(cached.topic(SPRINT, "LapCount.jsonStream").await.is_err());
    assert!(files_under(cache_dir.path()).is_empty(), "{:?}", files_under(cache_dir.path()));
}

#[tokio::test]
async fn the_mirror_serves_what_the_primary_does_not() {
    let Some(data) = testkit::data_dir() else { return };
    let root = static_root(&data);
    let expected = std::fs::read(root.join(SPRINT).join("LapCount.jsonStream")).unwrap();
    let server = TestServer::start(root).await;

    for (primary, requests) in [("missing", 2), ("forbidden", 2), ("broken", 4)] {
        let before = server.requests();
        let config = HttpConfig { mirror_url: Some(server.url("ok")), ..config(server.url(primary)) };
        let source = HttpSource::new(config).unwrap();
        assert_eq!(source.topic(SPRINT, "LapCount.jsonStream").await.unwrap(), expected, "{primary}");
        // 404/403 go to the mirror at once; a 500 only after the retries (1 + 2).
        assert_eq!(server.requests() - before, requests, "{primary}");
    }
}

#[tokio::test]
async fn when_the_mirror_fails_too_the_error_says_so() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let both_missing = HttpConfig { mirror_url: Some(server.url("missing")), ..config(server.url("forbidden")) };
    let err = HttpSource::new(both_missing).unwrap().topic(SPRINT, "X.jsonStream").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("does not have it either"), "{err}");

    let mirror_broken = HttpConfig { mirror_url: Some(server.url("broken")), ..config(server.url("missing")) };
    let err = HttpSource::new(mirror_broken).unwrap().topic(SPRINT, "X.jsonStream").await.unwrap_err();
    assert!(matches!(err, Error::MirrorFailed { .. }), "{err}");
    assert!(!err.is_not_found());
    let text = err.to_string();
    assert!(text.contains("/missing/") && text.contains("/broken/"), "{text}");
}

#[tokio::test]
async fn a_second_load_is_served_from_disk_without_any_request() {
    let Some(data) = testkit::data_dir() else { return };
    let root = static_root(&data);
    let server = TestServer::start(root.clone()).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedSource::new(http(server.url("ok")), CacheConfig::new(cache_dir.path())).unwrap();

    let session = archive::resolve_session(&cached, "2023/baku/sprint").await.unwrap();
    let first = cached.topic(&session.path, "TimingData.jsonStream").await.unwrap();
    assert_eq!(server.requests(), 2);
    assert!(cached.is_cached(&session.path, "TimingData.jsonStream").unwrap());

    // Same source, then a fresh one on the same folder (as after a restart).
    let again = CachedSource::new(http(server.url("ok")), CacheConfig::new(cache_dir.path())).unwrap();
    for source in [&cached, &again] {
        let session = archive::resolve_session(source, "2023/baku/sprint").await.unwrap();
        assert_eq!(source.topic(&session.path, "TimingData.jsonStream").await.unwrap(), first);
    }
    assert_eq!(server.requests(), 2, "no network I/O on cached files");
    assert_eq!(first, std::fs::read(root.join(SPRINT).join("TimingData.jsonStream")).unwrap());
    assert_eq!(
        files_under(cache_dir.path()),
        ["2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/TimingData.jsonStream", "2023/Index.json"]
    );

    // The cache is laid out like the archive, so it is also a `--data` folder.
    let local = archive::LocalSource::new(cache_dir.path()).unwrap();
    assert_eq!(local.topic(SPRINT, "TimingData.jsonStream").await.unwrap(), first);
}

#[tokio::test]
async fn missing_topics_are_not_cached() {
    let Some(data) = testkit::data_dir() else { return };
    let server = TestServer::start(static_root(&data)).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedSource::new(http(server.url("ok")), CacheConfig::new(cache_dir.path())).unwrap();
    for _ in 0..2 {
        assert!(cached.topic(SPRINT, "CarData.z.jsonStream").await.unwrap_err().is_not_found());
    }
    assert_eq!(server.requests(), 2);
    assert!(files_under(cache_dir.path()).is_empty());
}

#[tokio::test]
async fn the_current_season_index_expires_and_an_old_copy_beats_an_outage() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let year = u16::try_from(current_year()).unwrap();
    let cache_dir = tempfile::tempdir().unwrap();

    let fresh = CachedSource::new(http(server.url("synthetic")), CacheConfig::new(cache_dir.path())).unwrap();
    let first = fresh.season_index(year).await.unwrap();
    assert_eq!(fresh.season_index(year).await.unwrap(), first);
    assert_eq!(server.requests(), 1, "within its lifetime the index comes from disk");

    let expiring = CacheConfig { index_ttl: Duration::ZERO, ..CacheConfig::new(cache_dir.path()) };
    let refetching = CachedSource::new(http(server.url("synthetic")), expiring.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let second = refetching.season_index(year).await.unwrap();
    assert_eq!(server.requests(), 2, "an expired index is fetched again");
    assert_ne!(second.meetings[0].key, first.meetings[0].key);

    let outage = CachedSource::new(http(server.url("broken")), expiring).unwrap();
    assert_eq!(outage.season_index(year).await.unwrap(), second);
}

#[tokio::test]
async fn topics_of_a_recent_session_expire_while_past_ones_never_do() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let config = CacheConfig { recent_session_ttl: Duration::ZERO, ..CacheConfig::new(cache_dir.path()) };
    let cached = CachedSource::new(http(server.url("synthetic")), config).unwrap();

    let future = "2999/2999-05-01_Future_Grand_Prix/2999-04-30_Race/";
    let a = cached.topic(future, "LapCount.jsonStream").await.unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let b = cached.topic(future, "LapCount.jsonStream").await.unwrap();
    assert_ne!(a, b);
    assert_eq!(server.requests(), 2);

    for _ in 0..2 {
        cached.topic(SPRINT, "LapCount.jsonStream").await.unwrap();
    }
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_corrupt_cached_index_is_fetched_again() {
    let Some(data) = testkit::data_dir() else { return };
    let server = TestServer::start(static_root(&data)).await;
    let cache_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(cache_dir.path().join("2023")).unwrap();
    std::fs::write(cache_dir.path().join("2023/Index.json"), b"{\"Year\":2023,\"Meet").unwrap();
    let cached = CachedSource::new(http(server.url("ok")), CacheConfig::new(cache_dir.path())).unwrap();
    assert_eq!(cached.season_index(2023).await.unwrap().year, 2023);
    assert_eq!(server.requests(), 1);
    assert!(cached.season_index(2023).await.is_ok());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn bad_paths_are_rejected_before_any_request() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let cached = CachedSource::new(http(server.url("ok")), CacheConfig::new(cache_dir.path())).unwrap();
    for (session, file) in [("../etc", "passwd"), ("/etc", "passwd"), ("a/../../b", "x"), ("2023", "a\0b"), (SPRINT, "../Index.json")] {
        let err = cached.topic(session, file).await.unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{session:?} {file:?}: {err}");
        let err = cached.http().topic(session, file).await.unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{session:?} {file:?}: {err}");
    }
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn requests_start_at_least_the_rate_limit_interval_apart() {
    let server = TestServer::start(PathBuf::from("/nonexistent")).await;
    let interval = Duration::from_millis(250);
    let source = HttpSource::new(HttpConfig { min_interval: interval, ..config(server.url("synthetic")) }).unwrap();
    let n = 5;
    let started = Instant::now();
    // Concurrent tasks on clones share one limiter.
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let source = source.clone();
            tokio::spawn(async move { source.topic(SPRINT, &format!("T{i}.jsonStream")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(server.requests(), n);
    assert!(elapsed >= interval * (n as u32 - 1), "{n} requests took {elapsed:?}");
}

/// The current UTC year, computed here independently of the crate.
fn current_year() -> i64 {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 / 86_400;
    // Civil-from-days (Howard Hinnant), year only.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

#[tokio::test]
async fn a_session_s_topics_are_fetched_at_once_and_returned_in_order() {
    let server = TestServer::start(PathBuf::new()).await;
    let source = http(server.url("overlap"));
    let names: Vec<String> =
        ["TimingData.jsonStream", "LapCount.jsonStream", "TrackStatus.jsonStream", "WeatherData.jsonStream"].map(String::from).to_vec();
    let arrivals = Mutex::new(Vec::new());
    let results = archive::topics(&source, SPRINT, &names, &|n| arrivals.lock().unwrap().push(n)).await;
    // Each answer is held 300 ms and requests start 1 ms apart: fetched one after another,
    // never two would be in flight.
    assert!(server.state.most_in_flight.load(Ordering::SeqCst) >= 2, "the requests did not overlap");
    for (name, result) in names.iter().zip(&results) {
        let body = String::from_utf8(result.as_ref().unwrap().clone()).unwrap();
        assert!(body.contains(name.as_str()), "{name}: {body}");
    }
    assert_eq!(*arrivals.lock().unwrap(), vec![1, 2, 3, 4]);
}
