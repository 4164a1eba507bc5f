//! The viewer's small things (issue 17): Back returns to the picker and Forward to the session
//! (history entries); the URL keeps the play state and a speed the controls do not offer is
//! clamped to the nearest offered one; spoiler-free set in one tab reaches another tab (the
//! storage event) and, until the flag, hides the seek bar's lap ticks ahead of the playhead and
//! the total laps; after the flag the total is shown again. Screenshots of the chequered banner.

use std::time::Duration;

use serde_json::{json, Value};
use webtest::harness::{self, assert_no_console_errors, state, wait_ready};
use webtest::{Browser, Page};

async fn fetch(page: &Page, path: &str) -> Value {
    page.eval(&format!("fetch('{path}').then((r) => r.json())")).await.unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Seeks (paused) and waits for the frame and the header to show it.
async fn seek(page: &Page, t: f64) {
    page.eval(&format!("window.f1replay.seek({t})")).await.unwrap();
    page.wait_for(&format!("Math.abs(window.f1replay.state().t - {t}) < 0.01"), Duration::from_secs(10)).await.unwrap();
    wait_ready(page).await.unwrap();
    page.eval("window.f1replay.nextFrame()").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_goes_to_the_picker_the_url_keeps_play_state_and_spoiler_free_follows_other_tabs() {
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        testkit::skip("no chromium");
        return;
    };
    let server = harness::start_server(None).await.expect("server");
    let dir = harness::screenshot_dir("small");
    let page = browser.page().await.unwrap();
    page.set_viewport(1366, 768, false).await.unwrap();

    // Picker → session: Back shows the picker again, Forward the session.
    page.navigate(&format!("{}/", server.base)).await.unwrap();
    page.click_selector(".sess-btn[data-id=\"sim-race\"]").await.expect("session button");
    wait_ready(&page).await.expect("sim-race opens");
    assert!(page.eval("document.getElementById('picker').hidden").await.unwrap() == json!(true), "the picker closed");
    page.eval("history.back()").await.unwrap();
    page.wait_for("!document.getElementById('picker').hidden", Duration::from_secs(5)).await.expect("Back shows the picker");
    assert_eq!(page.eval("location.hash").await.unwrap(), json!(""), "Back returns to the picker's address");
    page.eval("history.forward()").await.unwrap();
    page.wait_for("document.getElementById('picker').hidden && window.f1replay.state().session === 'sim-race'", Duration::from_secs(10))
        .await
        .expect("Forward returns to the session");
    println!("Back: the picker; Forward: the session again");

    // A link asking for 5× while playing: plays at the nearest offered speed, 4×.
    page.navigate(&format!("{}/?link#s=sim-race&t=1500&x=5&p=1", server.base)).await.unwrap();
    let s = wait_ready(&page).await.unwrap();
    assert_eq!(s["speed"], json!(4), "x=5 is clamped to the offered 4×: {s}");
    assert_eq!(s["playing"], true, "p=1 plays: {s}");
    page.wait_for("location.hash.includes('p=1') && location.hash.includes('x=4')", Duration::from_secs(5))
        .await
        .expect("the URL keeps the play state");
    page.key(" ", 0).await.unwrap();
    page.wait_for("!location.hash.includes('p=1')", Duration::from_secs(5)).await.expect("paused: the URL says so");
    println!("URL: x=5 → 4×, p=1 plays, pausing writes it");

    // Spoiler-free in a second tab reaches this one; ticks and total laps wait for the flag.
    let m = fetch(&page, "/api/sessions/sim-race").await;
    let starts = m["lap_starts"].as_array().unwrap().clone();
    let total = m["session"]["total_laps"].as_u64().expect("total laps");
    assert_eq!(state(&page).await.unwrap()["spoilerFree"], false);
    let other = browser.new_page().await.unwrap();
    other.navigate(&format!("{}/?other#s=sim-race&t=1000", server.base)).await.unwrap();
    wait_ready(&other).await.unwrap();
    other.click_selector("#spoiler-free").await.unwrap();
    other.wait_for("window.f1replay.state().spoilerFree", Duration::from_secs(5)).await.unwrap();
    page.wait_for("window.f1replay.state().spoilerFree", Duration::from_secs(5))
        .await
        .expect("the other tab's spoiler-free reaches this tab");
    // Back to the first tab (a hidden tab draws no frames).
    page.call("Page.bringToFront", json!({})).await.unwrap();
    let t = starts[10]["t_s"].as_f64().unwrap() + 30.0;
    seek(&page, t).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ticks = page.eval("document.querySelectorAll('#seek-ticks i').length").await.unwrap().as_u64().unwrap();
    let before = starts.iter().filter(|l| l["t_s"].as_f64().unwrap() <= t).count() as u64;
    assert_eq!(ticks, before, "spoiler-free: only the {before} lap ticks up to the playhead");
    assert_eq!(
        page.eval("!!document.getElementById('lap-total')").await.unwrap(),
        json!(false),
        "spoiler-free: no total laps before the flag"
    );
    let title = page.eval("document.getElementById('lb-title').textContent").await.unwrap();
    assert!(!title.as_str().unwrap().contains(&format!("/ {total}")), "spoiler-free: the board's title has no total: {title}");
    page.screenshot(&dir.join("spoiler-free-lap-11.png")).await.unwrap();
    // After the flag: the total is known.
    let laps = fetch(&page, "/api/sessions/sim-race/laps").await;
    let end = laps.as_array().unwrap().iter().filter_map(|l| l["Time"].as_f64()).fold(0.0, f64::max);
    seek(&page, end + 30.0).await;
    page.wait_for("!!document.getElementById('lap-total')", Duration::from_secs(5)).await.expect("after the flag the total laps are shown");
    page.screenshot(&dir.join("chequered-1366.png")).await.unwrap();
    page.set_viewport(390, 844, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    page.screenshot(&dir.join("chequered-390.png")).await.unwrap();
    other.call("Page.bringToFront", json!({})).await.unwrap();
    other.click_selector("#spoiler-free").await.unwrap();
    page.wait_for("!window.f1replay.state().spoilerFree", Duration::from_secs(5)).await.expect("switching off reaches this tab too");
    page.call("Page.bringToFront", json!({})).await.unwrap();
    page.eval("window.f1replay.nextFrame()").await.unwrap();
    let ticks = page.eval("document.querySelectorAll('#seek-ticks i').length").await.unwrap().as_u64().unwrap();
    assert_eq!(ticks as usize, starts.len(), "spoiler-free off: every lap tick");
    println!("spoiler-free: synced both ways between tabs; {before} of {} ticks and no total before the flag", starts.len());
    assert_no_console_errors(&page);
    assert_no_console_errors(&other);
    browser.close().await;
}
