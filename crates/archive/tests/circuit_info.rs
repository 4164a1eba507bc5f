//! The circuit info (marshal sectors, api.multiviewer.app's `/api/v1/circuits/{key}/{year}`)
//! through the HTTP source and the raw cache, against a real HTTP server on 127.0.0.1 serving
//! the 2020 Silverstone file FastF1 fetched: fetched once through the rate limit, then served
//! from the disk cache, also with the network gone; a missing circuit and an unreachable server
//! are errors naming the URL and the reason.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use archive::{CacheConfig, CachedSource, HttpConfig, HttpSource};
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

struct Served {
    dir: PathBuf,
    requests: AtomicUsize,
}

async fn circuit(State(s): State<Arc<Served>>, UrlPath((key, year)): UrlPath<(u32, u16)>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    match tokio::fs::read(s.dir.join(format!("{key}/{year}.json"))).await {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A server of the stored circuit files; its base URL and request counter.
async fn serve(dir: PathBuf) -> (String, Arc<Served>) {
    let state = Arc::new(Served { dir, requests: AtomicUsize::new(0) });
    let app = Router::new().route("/api/v1/circuits/{key}/{year}", get(circuit)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/api/v1/circuits/"), state)
}

fn cached(circuit_info_url: String, cache: &std::path::Path) -> CachedSource {
    let config = HttpConfig {
        circuit_info_url,
        min_interval: Duration::from_millis(1),
        retries: 0,
        timeout: Duration::from_secs(5),
        use_system_proxy: false,
        ..HttpConfig::default()
    };
    CachedSource::new(HttpSource::new(config).unwrap(), CacheConfig::new(cache)).unwrap()
}

#[tokio::test]
async fn silverstone_2020_is_fetched_once_then_served_from_the_cache_even_offline() {
    let Some(data) = testkit::data_dir() else { return testkit::skip("no real data") };
    let dir = data.join("fastf1-test-data/multiviewer/api/v1/circuits");
    let (url, served) = serve(dir.clone()).await;
    let cache = tempfile::tempdir().unwrap();
    let source = cached(url, cache.path());
    assert!(!source.has_circuit_info(39, 2020));
    let first = source.circuit_info(39, 2020).await.unwrap();
    assert_eq!(first, std::fs::read(dir.join("39/2020.json")).unwrap());
    assert_eq!(served.requests.load(Ordering::SeqCst), 1);
    assert!(source.has_circuit_info(39, 2020));
    assert_eq!(source.circuit_info(39, 2020).await.unwrap(), first);
    assert_eq!(served.requests.load(Ordering::SeqCst), 1, "the second read comes from the cache");
    // Offline: nothing listens on port 9 of 127.0.0.1; the cached copy still answers.
    let offline = cached("http://127.0.0.1:9/api/v1/circuits/".into(), cache.path());
    assert_eq!(offline.circuit_info(39, 2020).await.unwrap(), first);
}

#[tokio::test]
async fn a_missing_circuit_and_an_unreachable_server_say_which_url_and_why() {
    let empty = tempfile::tempdir().unwrap();
    let (url, _) = serve(empty.path().to_path_buf()).await;
    let cache = tempfile::tempdir().unwrap();
    let err = cached(url, cache.path()).circuit_info(77, 2020).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("77/2020"), "{err}");
    let err = cached("http://127.0.0.1:9/api/v1/circuits/".into(), cache.path()).circuit_info(39, 2020).await.unwrap_err();
    assert!(!err.is_not_found());
    assert!(err.to_string().contains("127.0.0.1:9/api/v1/circuits/39/2020"), "{err}");
    assert!(!cache.path().join("multiviewer/circuits/77/2020.json").exists(), "nothing stored for a missing circuit");
}
