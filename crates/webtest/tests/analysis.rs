//! The analysis views in a real headless Chromium against the real server (issue 7): lap
//! comparison and qualifying ghost race on the real 2025 Mexico City Qualifying; race control
//! messages synced to the playhead and spoiler-free mode on the simulated race. Screenshots go
//! to a temp folder whose path is printed; any console error fails the test.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::Value;
use webtest::harness::{self, assert_no_console_errors, lap_rows, num, state, valid_lap, wait_ready};
use webtest::Browser;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MEXICO_Q: &str = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mexico_qualifying_lap_comparison_and_q3_ghost_race_agree_with_the_laps_table() {
    let _serial = SERIAL.lock().await;
    let Some(data) = harness::shared_archive() else {
        println!("skipped: no shared data (../shared/data or $F1REPLAY_TEST_DATA)");
        return;
    };
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        println!("skipped: no chromium");
        return;
    };
    let server = harness::start_server(Some(&data)).await.expect("server");
    let shots = harness::screenshot_dir("webtest-analysis-q");
    let page = browser.page().await.unwrap();
    page.navigate(&format!("{}/#s={MEXICO_Q}", server.base)).await.unwrap();
    wait_ready(&page).await.unwrap();

    // The laps table, read independently of the page's code.
    let laps = page.eval(&format!("fetch('/api/sessions/{MEXICO_Q}/laps').then((r) => r.json())")).await.unwrap();
    let rows = lap_rows(&laps);
    let mut best: HashMap<i64, (f64, i64)> = HashMap::new();
    for (driver, lap, time, _) in rows.iter().filter_map(valid_lap) {
        let e = best.entry(driver).or_insert((f64::INFINITY, 0));
        if time < e.0 {
            *e = (time, lap);
        }
    }
    let mut ranked: Vec<(f64, i64, i64)> = best.iter().map(|(d, (t, l))| (*t, *d, *l)).collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (t1, d1, l1) = ranked[0];
    let (t2, d2, l2) = ranked[1];

    // Lap comparison of the two fastest drivers' best laps (the default with no selection).
    page.key("c", 0).await.unwrap();
    let cmp = page
        .wait_for("window.f1compare && window.f1compare.state().ready && window.f1compare.state()", Duration::from_secs(30))
        .await
        .unwrap();
    let picks: Vec<(i64, i64)> =
        cmp["picks"].as_array().unwrap().iter().map(|p| (p["driver"].as_i64().unwrap(), p["lap"].as_i64().unwrap())).collect();
    assert_eq!(picks, vec![(d1, l1), (d2, l2)], "the two fastest drivers' best laps");
    let delta_end = num(&cmp, "deltaEnd");
    println!("compare: #{d1} lap {l1} {t1:.3} s vs #{d2} lap {l2} {t2:.3} s; delta trace ends at {delta_end:.4} s");
    assert!((delta_end - (t2 - t1)).abs() <= 0.01, "delta ends at the lap time difference {:.3}, got {delta_end:.4}", t2 - t1);
    // The sector table is the laps table.
    for (i, (d, l)) in picks.iter().enumerate() {
        let row = rows
            .iter()
            .find(|r| {
                r.get("DriverNumber").and_then(harness::loose_f64) == Some(*d as f64)
                    && r.get("LapNumber").and_then(harness::loose_f64) == Some(*l as f64)
            })
            .expect("lap in the laps table");
        for (k, col) in ["Sector1Time", "Sector2Time", "Sector3Time", "LapTime"].iter().enumerate() {
            let want = row.get(*col).and_then(harness::loose_f64);
            let got = cmp["sectors"][i][k].as_f64();
            match (want, got) {
                (Some(w), Some(g)) => assert!((w - g).abs() < 1e-6, "{col} of #{d} lap {l}: table {w}, page {g}"),
                (None, None) => {}
                other => panic!("{col} of #{d} lap {l}: {other:?}"),
            }
        }
    }
    let shown = page.eval("document.querySelectorAll('#cmp-sectors tbody tr').length").await.unwrap();
    assert_eq!(shown, 2, "one sector row per lap");
    // The pointer over the speed chart (uPlot): the readout names the speeds under it.
    let r = page.eval("(() => { const r = document.querySelector('[data-chart=\"speed\"] .u-over').getBoundingClientRect(); return [r.left + r.width * 0.6, r.top + 20]; })()").await.unwrap();
    page.call("Input.dispatchMouseEvent", serde_json::json!({ "type": "mouseMoved", "x": r[0], "y": r[1] })).await.unwrap();
    let readout = page
        .wait_for(
            "(document.getElementById('cmp-status').textContent.includes('km/h') && document.getElementById('cmp-status').textContent)",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    println!("compare readout: {readout}");
    page.screenshot(&shots.join("compare.png")).await.unwrap();
    page.key("Escape", 0).await.unwrap();

    // Ghost race of Q3: the best Q3 laps finish in the order of their Q3 times.
    let segs = page.eval(&format!("fetch('/api/sessions/{MEXICO_Q}').then((r) => r.json()).then((m) => m.segments)")).await.unwrap();
    let q3_start = segs.as_array().and_then(|a| a.iter().find(|s| s["name"] == "Q3")).map(|s| num(s, "start_s")).expect("Q3 segment");
    page.key("g", 0).await.unwrap();
    let g =
        page.wait_for("window.f1ghost && window.f1ghost.state().ready && window.f1ghost.state()", Duration::from_secs(30)).await.unwrap();
    assert_eq!(g["segment"], "Q3");
    let drivers: Vec<i64> = g["drivers"].as_array().unwrap().iter().filter_map(Value::as_i64).collect();
    assert!(drivers.len() >= 2, "ghosts: {drivers:?}");
    let mut q3_best: BTreeMap<i64, f64> = BTreeMap::new();
    for (driver, _, time, start) in rows.iter().filter_map(valid_lap) {
        if start >= q3_start - 1.0 {
            let e = q3_best.entry(driver).or_insert(f64::INFINITY);
            *e = e.min(time);
        }
    }
    let mut want: Vec<i64> = drivers.clone();
    want.sort_by(|a, b| q3_best[a].total_cmp(&q3_best[b]));
    page.eval("window.f1ghost.setSpeed(4); window.f1ghost.play()").await.unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    page.screenshot(&shots.join("ghost-racing.png")).await.unwrap();
    page.eval("window.f1ghost.setSpeed(16)").await.unwrap();
    let n = drivers.len();
    let g = page
        .wait_for(&format!("window.f1ghost.state().finished.length === {n} && window.f1ghost.state()"), Duration::from_secs(60))
        .await
        .unwrap();
    let finished: Vec<i64> = g["finished"].as_array().unwrap().iter().filter_map(Value::as_i64).collect();
    println!("ghost Q3: finish order {finished:?}, Q3 times {:?}", want.iter().map(|d| (d, q3_best[d])).collect::<Vec<_>>());
    assert_eq!(finished, want, "ghosts finish in the order of their Q3 times");
    tokio::time::sleep(Duration::from_millis(300)).await;
    page.screenshot(&shots.join("ghost-finished.png")).await.unwrap();
    page.key("Escape", 0).await.unwrap();

    assert_no_console_errors(&page);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_race_shows_race_control_at_its_time_and_spoiler_free_hides_the_result() {
    let _serial = SERIAL.lock().await;
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        println!("skipped: no chromium");
        return;
    };
    let server = harness::start_server(None).await.expect("server");
    let shots = harness::screenshot_dir("webtest-analysis-race");
    let page = browser.page().await.unwrap();
    page.navigate(&format!("{}/#s=sim-race", server.base)).await.unwrap();
    wait_ready(&page).await.unwrap();
    let m = page.eval("fetch('/api/sessions/sim-race').then((r) => r.json())").await.unwrap();

    // Race control: a message in the middle of the race appears when issued, not before.
    page.click_selector(".tab[data-tab=\"control\"]").await.unwrap();
    let rcm = m["race_control"].as_array().cloned().unwrap_or_default();
    assert!(!rcm.is_empty(), "the simulated race has race control messages");
    let start = num(&m["session"], "start_s");
    let msg = rcm.iter().find(|r| num(r, "t_s") > start + 120.0).or_else(|| rcm.last()).unwrap().clone();
    let t_msg = num(&msg, "t_s");
    let shown = "document.querySelectorAll('#rc-panel .rc-item').length";
    let issued_by = |t: f64| rcm.iter().filter(|r| num(r, "t_s") <= t).count();
    page.eval(&format!("window.f1replay.pause(); window.f1replay.seek({})", t_msg - 2.0)).await.unwrap();
    wait_ready(&page).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = page.eval(shown).await.unwrap().as_u64().unwrap() as usize;
    assert_eq!(before, issued_by(t_msg - 2.0), "only messages issued by the playhead are shown");
    let has_msg =
        format!("[...document.querySelectorAll('#rc-panel .rc-item')].some((e) => Math.abs(Number(e.dataset.t) - {t_msg}) < 1e-6)");
    assert_eq!(page.eval(&has_msg).await.unwrap(), false, "message at {t_msg} not shown 2 s before");
    page.key(" ", 0).await.unwrap();
    page.wait_for(&has_msg, Duration::from_secs(10)).await.expect("the message appears when issued");
    page.key(" ", 0).await.unwrap();
    let s = state(&page).await.unwrap();
    assert!(num(&s, "t") >= t_msg, "it appeared no earlier than its time ({} < {t_msg})", num(&s, "t"));
    page.screenshot(&shots.join("race-control.png")).await.unwrap();

    // Weather tab shows the sample at the playhead.
    page.click_selector(".tab[data-tab=\"weather\"]").await.unwrap();
    page.wait_for("document.querySelector('#weather-panel .wx')", Duration::from_secs(5)).await.expect("weather shown");
    page.screenshot(&shots.join("weather.png")).await.unwrap();

    // Spoiler-free: the classification is hidden until the chequered flag (the model's time for
    // it, in the manifest), also while the leader is on the last lap.
    let total = m["session"]["total_laps"].as_i64().expect("total laps");
    let flag = num(&m["session"], "chequered_s");
    page.click_selector(".tab[data-tab=\"results\"]").await.unwrap();
    page.click_selector("#spoiler-free").await.unwrap();
    assert_eq!(state(&page).await.unwrap()["spoilerFree"], true);
    page.eval(&format!("window.f1replay.jumpToLap({})", total - 2)).await.unwrap();
    wait_ready(&page).await.unwrap();
    page.wait_for("document.getElementById('results-hidden')", Duration::from_secs(5)).await.expect("results hidden before the last lap");
    assert_eq!(page.eval("!!document.getElementById('results-table')").await.unwrap(), false);
    page.screenshot(&shots.join("spoiler-hidden.png")).await.unwrap();
    page.eval(&format!("window.f1replay.pause(); window.f1replay.jumpToLap({total})")).await.unwrap();
    wait_ready(&page).await.unwrap();
    let s = state(&page).await.unwrap();
    assert!(num(&s, "t") < flag, "jumped to the last lap's start ({} s), before the flag ({flag} s)", num(&s, "t"));
    page.wait_for("document.getElementById('results-hidden')", Duration::from_secs(5)).await.expect("results hidden on the last lap");
    assert_eq!(
        page.eval("!!document.getElementById('results-table')").await.unwrap(),
        false,
        "results shown on the last lap, before the flag"
    );
    page.eval(&format!("window.f1replay.pause(); window.f1replay.seek({})", flag - 0.5)).await.unwrap();
    wait_ready(&page).await.unwrap();
    page.wait_for("document.getElementById('results-hidden')", Duration::from_secs(5)).await.expect("results hidden just before the flag");
    page.eval(&format!("window.f1replay.pause(); window.f1replay.seek({})", flag + 0.5)).await.unwrap();
    page.wait_for("document.getElementById('results-table')", Duration::from_secs(10)).await.expect("results shown after the flag");
    page.screenshot(&shots.join("spoiler-revealed.png")).await.unwrap();
    page.click_selector("#spoiler-free").await.unwrap();

    assert_no_console_errors(&page);
    browser.close().await;
}
