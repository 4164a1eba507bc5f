//! The published site (`f1replay publish`) of the simulated race and 2025 Mexico City
//! qualifying, served by a plain static file server (Python's `http.server`, no f1replay
//! process), in a real headless Chromium: pick, play, seek, results, compare. The static
//! server's log shows that no API path was ever asked for.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use webtest::harness::{self, assert_no_console_errors, lap_rows, num, state, valid_lap, wait_ready};
use webtest::{Browser, Page};

const MEXICO_Q: &str = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying";

/// `python3 -m http.server` over `dir` on a free loopback port, its log in `log`.
struct StaticServer {
    child: Child,
    base: String,
}

impl StaticServer {
    fn start(dir: &std::path::Path, log: &std::path::Path) -> StaticServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("python3 -m http.server");
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
        StaticServer { child, base: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn pick(page: &Page, year: i64, id: &str) {
    page.click_selector(&format!("#picker-seasons button[data-year=\"{year}\"]")).await.expect("season tab");
    page.click_selector(&format!(".sess-btn[data-id=\"{id}\"]")).await.expect("session button");
}

/// Play from a seek for a while: the clock runs; then the results tab shows the table.
async fn play_seek_results(page: &Page, id: &str) {
    let s = wait_ready(page).await.expect("session ready");
    assert_eq!(s["session"], id);
    let m = page.eval("fetch('data/sessions/' + window.f1replay.state().session + '/manifest.json').then((r) => r.json())").await.unwrap();
    let (start, frames, fps) = (num(&m, "t_start_s"), num(&m, "frame_count"), num(&m, "fps"));
    let target = start + frames / fps * 0.6;
    page.eval(&format!("window.f1replay.pause(); window.f1replay.seek({target})")).await.unwrap();
    let s = wait_ready(page).await.unwrap();
    assert!((num(&s, "t") - target).abs() < 1.0, "seeked to {target}: {s}");
    page.key(" ", 0).await.unwrap();
    page.key("6", 0).await.unwrap(); // 8×
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let s = state(page).await.unwrap();
    assert_eq!(s["playing"], true, "space starts playback: {s}");
    assert!(num(&s, "t") > target + 4.0, "the clock advanced from {target}: {s}");
    page.key(" ", 0).await.unwrap();
    page.click_selector(".tab[data-tab=\"results\"]").await.unwrap();
    let rows = page
        .wait_for("document.querySelectorAll('#results-table tbody tr').length || null", Duration::from_secs(10))
        .await
        .expect("results table");
    assert_eq!(rows.as_u64(), Some(20), "one results row per driver");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_published_site_plays_on_a_plain_static_server() {
    let Some(data) = harness::shared_archive() else {
        testkit::skip("no shared data for Mexico qualifying");
        return;
    };
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        println!("skipped: no chromium");
        return;
    };
    let site = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut config = server::StateConfig::new(cache.path());
    config.offline = true;
    config.data = Some(data);
    let state = server::AppState::new(config).unwrap();
    let out = server::publish::SiteOut::Dir(site.path().to_path_buf());
    let report = server::publish::publish(state.clone(), &["sim-race".into(), MEXICO_Q.into()], &out).await.expect("publish");
    println!("published: {report}");
    let again = server::publish::publish(state, &["sim-race".into(), MEXICO_Q.into()], &out).await.expect("publish again");
    assert_eq!(again.written, 0, "re-publishing unchanged sessions wrote {again}");

    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("http.log");
    let http = StaticServer::start(site.path(), &log);
    let shots = harness::screenshot_dir("webtest-published");
    let page = browser.page().await.unwrap();

    // Pick the simulated race in the picker, then play, seek, results.
    page.navigate(&format!("{}/", http.base)).await.unwrap();
    pick(&page, 0, "sim-race").await;
    play_seek_results(&page, "sim-race").await;
    page.screenshot(&shots.join("sim-race.png")).await.unwrap();

    // Mexico qualifying: play, seek, results, then the lap comparison of the two fastest laps.
    page.navigate(&format!("{}/", http.base)).await.unwrap();
    pick(&page, 2025, MEXICO_Q).await;
    play_seek_results(&page, MEXICO_Q).await;
    let laps = page.eval(&format!("fetch('data/sessions/{MEXICO_Q}/laps.json').then((r) => r.json())")).await.unwrap();
    let mut best: HashMap<i64, (f64, i64)> = HashMap::new();
    for (driver, lap, time, _) in lap_rows(&laps).iter().filter_map(valid_lap) {
        let e = best.entry(driver).or_insert((f64::INFINITY, 0));
        if time < e.0 {
            *e = (time, lap);
        }
    }
    let mut ranked: Vec<(f64, i64, i64)> = best.iter().map(|(d, (t, l))| (*t, *d, *l)).collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    page.key("c", 0).await.unwrap();
    let cmp = page
        .wait_for("window.f1compare && window.f1compare.state().ready && window.f1compare.state()", Duration::from_secs(30))
        .await
        .expect("the lap comparison");
    let picks: Vec<(i64, i64)> =
        cmp["picks"].as_array().unwrap().iter().map(|p| (p["driver"].as_i64().unwrap(), p["lap"].as_i64().unwrap())).collect();
    assert_eq!(picks, vec![(ranked[0].1, ranked[0].2), (ranked[1].1, ranked[1].2)], "the two fastest drivers' best laps");
    let delta_end = num(&cmp, "deltaEnd");
    assert!((delta_end - (ranked[1].0 - ranked[0].0)).abs() <= 0.01, "delta ends at the lap time difference, got {delta_end:.4}");
    page.screenshot(&shots.join("mexico-q-compare.png")).await.unwrap();

    assert_no_console_errors(&page);
    browser.close().await;
    drop(http);
    let served = std::fs::read_to_string(&log).unwrap();
    let asked: Vec<&str> = served.lines().filter(|l| l.contains("\"GET ")).collect();
    assert!(asked.iter().any(|l| l.contains(".gz ")), "chunks were fetched from the site");
    let api: Vec<&&str> = asked.iter().filter(|l| l.contains("GET /api")).collect();
    assert!(api.is_empty(), "the viewer asked the static server for API paths: {api:?}");
    let missing: Vec<&&str> = asked.iter().filter(|l| l.contains("\" 404 ")).collect();
    println!("{} requests to the static server, {} not found: {missing:?}", asked.len(), missing.len());
}
