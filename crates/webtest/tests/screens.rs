//! Every screen size (issue 17): the viewer at 390×844 (a phone, touch), 768×1024 (a tablet),
//! 1366×768 and 1920×1080, on the simulated race during its safety car (so the status banner
//! is up). At each size: no horizontal scroll; the boxes of the tower, the map's controls, the
//! banners, the side panel, the sheet tabs, the top bar and the playback bar lie inside the
//! screen and do not overlap; every feature is reachable by clicks a person can make at that
//! size (compare, ghost race, spoiler-free, race story when built, full screen, shortcuts,
//! another session, and each panel: leaderboard, driver, race control, weather, results), and
//! each opens what it names. On the phone a two-finger pinch zooms the map and a one-finger
//! drag pans it. Screenshots of each view at each size (viewer, tower, race control, results,
//! menu, compare, ghost, race story, help, picker, race start, and a timing-only session) go to
//! the printed folder.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use webtest::harness::{self, assert_no_console_errors, state, wait_ready};
use webtest::{Browser, Page};

/// The screens: width, height, phone (touch and mobile emulation).
const SIZES: [(u32, u32, bool); 4] = [(390, 844, true), (768, 1024, false), (1366, 768, false), (1920, 1080, false)];

/// The layout's parts that must never cover one another (selector, name).
const PARTS: [(&str, &str); 8] = [
    (".topbar", "top bar"),
    ("#leaderboard", "tower"),
    (".map-tools", "map controls"),
    ("#status-banner", "status banner"),
    ("#source-warnings", "source warnings"),
    ("#sidepanel", "side panel"),
    ("#sheet-tabs", "sheet tabs"),
    (".controls", "playback bar"),
];

/// The bounding boxes of the visible parts: [name, left, top, right, bottom].
async fn boxes(page: &Page) -> Vec<(String, [f64; 4])> {
    let parts = serde_json::to_string(&PARTS).unwrap();
    let v = page
        .eval(&format!(
            "{parts}.map(([sel, name]) => {{ const e = document.querySelector(sel); if (!e) return null; \
             const r = e.getBoundingClientRect(); if (r.width < 1 || r.height < 1 || getComputedStyle(e).visibility === 'hidden') return null; \
             return [name, r.left, r.top, r.right, r.bottom]; }}).filter(Boolean)"
        ))
        .await
        .expect("boxes");
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| (b[0].as_str().unwrap().to_string(), [1, 2, 3, 4].map(|i| b[i].as_f64().unwrap_or(f64::NAN))))
        .collect()
}

/// Fails when two parts overlap (by more than a hairline) or one leaves the screen.
fn assert_layout(label: &str, parts: &[(String, [f64; 4])], w: f64, h: f64) {
    for (name, [l, t, r, b]) in parts {
        assert!(*l >= -0.5 && *t >= -0.5 && *r <= w + 0.5 && *b <= h + 0.5, "{label}: the {name} leaves the screen: {l},{t}–{r},{b}");
    }
    for (i, (a, ba)) in parts.iter().enumerate() {
        for (b, bb) in &parts[i + 1..] {
            let ox = ba[2].min(bb[2]) - ba[0].max(bb[0]);
            let oy = ba[3].min(bb[3]) - ba[1].max(bb[1]);
            assert!(ox <= 1.0 || oy <= 1.0, "{label}: the {a} {ba:?} and the {b} {bb:?} overlap by {ox:.0}×{oy:.0} px");
        }
    }
}

/// Whether the page scrolls sideways.
async fn horizontal_scroll(page: &Page) -> f64 {
    page.eval("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth")
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

/// Whether an element is visible with a box inside the screen (a person can see and press it).
async fn visible(page: &Page, sel: &str) -> bool {
    let sel = serde_json::to_string(sel).unwrap();
    page.eval(&format!(
        "(() => {{ const e = document.querySelector({sel}); if (!e) return false; const r = e.getBoundingClientRect(); \
         return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5 \
         && getComputedStyle(e).visibility !== 'hidden'; }})()"
    ))
    .await
    .unwrap()
        == json!(true)
}

/// Clicks an entry of the top bar's actions: through the ☰ menu where the screen has one.
async fn click_action(page: &Page, label: &str, sel: &str) {
    if !visible(page, sel).await {
        assert!(visible(page, "#open-menu").await, "{label}: {sel} is not on screen and there is no menu button");
        page.click_selector("#open-menu").await.unwrap();
        page.wait_for("document.querySelector('.topbar').classList.contains('menu-open')", Duration::from_secs(5)).await.unwrap();
    }
    assert!(visible(page, sel).await, "{label}: {sel} is reachable");
    page.click_selector(sel).await.unwrap();
}

/// Opens a panel (tab name of the side panel, or `board`) the way this screen offers it.
async fn open_panel(page: &Page, label: &str, tab: &str) {
    let sheet = format!(".sheet-tab[data-sheet=\"{tab}\"]");
    if visible(page, &sheet).await {
        let active =
            page.eval(&format!("document.querySelector('{}').classList.contains('active')", sheet.replace('\'', "\\'"))).await.unwrap();
        if active != json!(true) {
            page.click_selector(&sheet).await.unwrap();
        }
    } else if tab != "board" {
        let sel = format!("button.tab[data-tab=\"{tab}\"]");
        assert!(visible(page, &sel).await, "{label}: the {tab} tab is reachable");
        // The open tab of an unfolded panel is already shown (a click on it would fold it).
        let open = format!("document.querySelector('{}').classList.contains('active') && !document.getElementById('sidepanel').classList.contains('collapsed')", sel.replace('\'', "\\'"));
        if page.eval(&open).await.unwrap() != json!(true) {
            page.click_selector(&sel).await.unwrap();
        }
    }
    let body = if tab == "board" { "#lb-rows".to_string() } else { format!(".tab-body[data-body=\"{tab}\"]") };
    page.wait_for(
        &format!(
            "(() => {{ const r = document.querySelector('{}').getBoundingClientRect(); return r.width > 100 && r.height > 40; }})()",
            body.replace('\'', "\\'")
        ),
        Duration::from_secs(5),
    )
    .await
    .unwrap_or_else(|e| panic!("{label}: the {tab} panel shows: {e}"));
}

/// Two fingers spread apart on the map: the map zooms in.
async fn pinch(page: &Page) -> (f64, f64) {
    let r = page.eval("(() => { const r = document.getElementById('trackmap').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()").await.unwrap();
    let (cx, cy) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
    let scale = || async { page.eval("window.f1replay.state().mapScale").await.unwrap().as_f64().unwrap() };
    let before = scale().await;
    let touch = |d: f64| json!([{ "x": cx - d, "y": cy, "id": 1 }, { "x": cx + d, "y": cy, "id": 2 }]);
    page.call("Input.dispatchTouchEvent", json!({ "type": "touchStart", "touchPoints": touch(20.0) })).await.unwrap();
    for i in 1..=8 {
        page.call("Input.dispatchTouchEvent", json!({ "type": "touchMove", "touchPoints": touch(20.0 + 10.0 * f64::from(i)) }))
            .await
            .unwrap();
    }
    page.call("Input.dispatchTouchEvent", json!({ "type": "touchEnd", "touchPoints": [] })).await.unwrap();
    (before, scale().await)
}

/// One finger drags the map: the camera moves.
async fn touch_pan(page: &Page) -> Value {
    let r = page.eval("(() => { const r = document.getElementById('trackmap').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()").await.unwrap();
    let (cx, cy) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
    let before = page.eval("window.f1replay.state().mapCentre").await.unwrap();
    page.call("Input.dispatchTouchEvent", json!({ "type": "touchStart", "touchPoints": [{ "x": cx, "y": cy, "id": 1 }] })).await.unwrap();
    for i in 1..=8 {
        page.call(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchMove", "touchPoints": [{ "x": cx + 6.0 * f64::from(i), "y": cy + 4.0 * f64::from(i), "id": 1 }] }),
        )
        .await
        .unwrap();
    }
    page.call("Input.dispatchTouchEvent", json!({ "type": "touchEnd", "touchPoints": [] })).await.unwrap();
    let after = page.eval("window.f1replay.state().mapCentre").await.unwrap();
    assert_ne!(before, after, "a one-finger drag pans the map");
    after
}

/// At the race start (the field on the grid), the map labels every car and no label covers
/// another label or another car's dot.
async fn check_start_labels(page: &Page, dir: &Path, label: &str, t: f64) {
    page.eval("window.f1replay.command('fit')").await.unwrap();
    page.eval(&format!("window.f1replay.seek({t})")).await.unwrap();
    page.wait_for(&format!("Math.abs(window.f1replay.state().t - {t}) < 0.01"), Duration::from_secs(10)).await.unwrap();
    wait_ready(page).await.unwrap();
    page.eval("window.f1replay.nextFrame()").await.unwrap();
    let cars = page.eval("window.f1replay.cars()").await.unwrap();
    let cars = cars.as_array().unwrap();
    let boxes: Vec<(i64, [f64; 4])> = cars
        .iter()
        .filter_map(|c| {
            let l = c["label"].as_array()?;
            Some((c["number"].as_i64().unwrap(), [0, 1, 2, 3].map(|i| l[i].as_f64().unwrap())))
        })
        .collect();
    let on_track = cars.iter().filter(|c| c["state"] != 0 && c["x"].is_number()).count();
    assert!(on_track >= 20, "{label}: 20 cars on the grid ({on_track})");
    assert_eq!(boxes.len(), on_track, "{label}: every car on the grid has a label");
    for (i, (a, ba)) in boxes.iter().enumerate() {
        for (b, bb) in &boxes[i + 1..] {
            let ox = (ba[0] + ba[2]).min(bb[0] + bb[2]) - ba[0].max(bb[0]);
            let oy = (ba[1] + ba[3]).min(bb[1] + bb[3]) - ba[1].max(bb[1]);
            assert!(ox <= 0.0 || oy <= 0.0, "{label}: the labels of cars {a} {ba:?} and {b} {bb:?} overlap at the start");
        }
        for c in cars.iter().filter(|c| c["number"].as_i64() != Some(*a)) {
            let (x, y) = (c["sx"].as_f64().unwrap(), c["sy"].as_f64().unwrap());
            let inside = x > ba[0] && x < ba[0] + ba[2] && y > ba[1] && y < ba[1] + ba[3];
            assert!(!inside, "{label}: car {a}'s label covers car {}'s dot", c["number"]);
        }
    }
    shot(page, dir, &format!("{label}-start")).await;
    println!("{label}: race start: {} labels, none overlapping another label or dot", boxes.len());
}

async fn shot(page: &Page, dir: &Path, name: &str) {
    tokio::time::sleep(Duration::from_millis(250)).await;
    page.screenshot(&dir.join(format!("{name}.png"))).await.unwrap();
}

/// Opens a full page (compare, ghost, story) and closes it again with Escape.
async fn open_page(page: &Page, dir: &Path, label: &str, button: &str, id: &str) {
    click_action(page, label, button).await;
    page.wait_for(
        &format!("!document.getElementById('{id}').hidden && document.getElementById('{id}').children.length > 0"),
        Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|e| panic!("{label}: {button} opens #{id}: {e}"));
    assert_eq!(horizontal_scroll(page).await, 0.0, "{label}: #{id} scrolls sideways");
    shot(page, dir, &format!("{label}-{id}")).await;
    page.key("Escape", 0).await.unwrap();
    page.wait_for(&format!("document.getElementById('{id}').hidden"), Duration::from_secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feature_is_reachable_at_every_screen_size_without_overlaps_or_sideways_scroll() {
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        testkit::skip("no chromium");
        return;
    };
    let server = harness::start_server(None).await.expect("server");
    let dir = harness::screenshot_dir("screens");
    let page = browser.page().await.unwrap();
    page.navigate(&format!("{}/#s=sim-race", server.base)).await.unwrap();
    wait_ready(&page).await.expect("sim-race opens");
    let status = page.eval("fetch('/api/sessions/sim-race/track-status').then((r) => r.json())").await.unwrap();
    let sc = status.as_array().unwrap().iter().find(|s| s["status"] == 4).expect("the simulated race has a safety car").clone();
    let t_sc = (sc["start_s"].as_f64().unwrap() + sc["end_s"].as_f64().unwrap()) / 2.0;
    let m = page.eval("fetch('/api/sessions/sim-race').then((r) => r.json())").await.unwrap();
    let t_start = m["session"]["start_s"].as_f64().unwrap() + 1.0;

    for (w, h, phone) in SIZES {
        let label = format!("{w}x{h}");
        page.set_viewport(w, h, phone).await.unwrap();
        page.call("Emulation.setTouchEmulationEnabled", json!({ "enabled": phone, "maxTouchPoints": 5 })).await.unwrap();
        page.navigate(&format!("{}/?{label}#s=sim-race&t={t_sc:.1}", server.base)).await.unwrap();
        let s = wait_ready(&page).await.unwrap();
        assert_eq!(s["trackStatus"], 4, "{label}: paused in the safety car period");
        page.wait_for("!document.getElementById('status-banner').hidden", Duration::from_secs(5)).await.unwrap();
        shot(&page, &dir, &format!("{label}-viewer")).await;
        let parts = boxes(&page).await;
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        for needed in ["top bar", "map controls", "status banner", "playback bar"] {
            assert!(names.contains(&needed), "{label}: the {needed} is on screen ({names:?})");
        }
        assert_layout(&label, &parts, f64::from(w), f64::from(h));
        assert_eq!(horizontal_scroll(&page).await, 0.0, "{label}: no sideways scroll");

        // Every panel, the way this screen offers it; the layout holds with each one open.
        for tab in ["board", "driver", "control", "weather", "results"] {
            open_panel(&page, &label, tab).await;
            assert_layout(&format!("{label} with {tab}"), &boxes(&page).await, f64::from(w), f64::from(h));
            if tab != "weather" {
                shot(&page, &dir, &format!("{label}-{tab}")).await;
            }
        }
        open_panel(&page, &label, "board").await;
        assert!(visible(&page, "#lb-rows .lb-row").await, "{label}: the tower's rows are on screen");

        // The phone menu as it opens, before any entry is used (a toast would cover it).
        if visible(&page, "#open-menu").await {
            page.eval("document.getElementById('open-menu').click()").await.unwrap();
            page.wait_for("document.querySelector('.topbar').classList.contains('menu-open')", Duration::from_secs(5))
                .await
                .expect("the menu opens");
            shot(&page, &dir, &format!("{label}-menu")).await;
            page.eval("document.querySelector('.topbar').classList.remove('menu-open')").await.unwrap();
        }
        // The menu's entries, each doing what it names.
        let sf = state(&page).await.unwrap()["spoilerFree"].clone();
        click_action(&page, &label, "#topbar-actions .switch").await;
        page.wait_for(&format!("window.f1replay.state().spoilerFree !== {sf}"), Duration::from_secs(5))
            .await
            .expect("spoiler-free toggles");
        click_action(&page, &label, "#topbar-actions .switch").await;
        page.wait_for(&format!("window.f1replay.state().spoilerFree === {sf}"), Duration::from_secs(5))
            .await
            .expect("spoiler-free toggles back");
        page.eval("document.querySelector('.topbar').classList.remove('menu-open')").await.unwrap();
        open_page(&page, &dir, &label, "#open-compare", "compare").await;
        open_page(&page, &dir, &label, "#open-ghost", "ghost").await;
        if page.eval("!!document.getElementById('story')").await.unwrap() == json!(true) {
            open_page(&page, &dir, &label, "#open-story", "story").await;
        }
        click_action(&page, &label, "#open-help").await;
        page.wait_for("!document.getElementById('help').hidden", Duration::from_secs(5)).await.unwrap();
        shot(&page, &dir, &format!("{label}-help")).await;
        page.key("Escape", 0).await.unwrap();
        click_action(&page, &label, "#open-fullscreen").await;
        page.wait_for("!!document.fullscreenElement", Duration::from_secs(5)).await.expect("the fullscreen button enters full screen");
        page.eval("document.exitFullscreen()").await.unwrap();
        // Another session: the menu's entry on a phone, the logo elsewhere.
        let sessions = if visible(&page, "#open-menu").await { "#open-sessions" } else { "#open-picker" };
        click_action(&page, &label, sessions).await;
        page.wait_for("!document.getElementById('picker').hidden", Duration::from_secs(5)).await.unwrap();
        assert_eq!(horizontal_scroll(&page).await, 0.0, "{label}: the picker scrolls sideways");
        shot(&page, &dir, &format!("{label}-picker")).await;
        page.key("Escape", 0).await.unwrap();

        if phone {
            let (before, after) = pinch(&page).await;
            println!("{label}: pinch zoom: map scale {before:.3} → {after:.3}");
            assert!(after > before * 1.5, "{label}: a pinch zooms the map in ({before} → {after})");
            touch_pan(&page).await;
            shot(&page, &dir, &format!("{label}-pinched")).await;
        }
        check_start_labels(&page, &dir, &label, t_start).await;
        println!("{label}: {} parts on screen, none overlapping; every feature reached; no sideways scroll", parts.len());
    }

    // The narrowest phone the issue names: nothing scrolls sideways.
    page.set_viewport(360, 740, true).await.unwrap();
    page.navigate(&format!("{}/?360#s=sim-race&t={t_sc:.1}", server.base)).await.unwrap();
    wait_ready(&page).await.unwrap();
    assert_eq!(horizontal_scroll(&page).await, 0.0, "360 px: no sideways scroll");
    assert_layout("360x740", &boxes(&page).await, 360.0, 740.0);
    shot(&page, &dir, "360x740-viewer").await;
    println!("360x740: no sideways scroll, no overlaps");
    timing_only_screens(&browser, &dir).await;
    assert_no_console_errors(&page);
    browser.close().await;
}

/// A timing-only session (the 2025 Miami sprint of FastF1's test data: timing, no positions)
/// at each size, ten laps in: the map says what the data lacks and the tower still shows the
/// order. Screenshots only; `viewer.rs` checks the notice.
async fn timing_only_screens(browser: &Browser, dir: &Path) {
    let Some(data) = testkit::data_dir() else { return testkit::skip("no real data for the timing-only screens") };
    let server = harness::start_server(Some(&data.join("fastf1-test-data/livetiming/static"))).await.expect("server with data");
    let page = browser.page().await.unwrap();
    let id = "2025~2025-05-04_Miami_Grand_Prix~2025-05-03_Sprint";
    page.navigate(&format!("{}/#s={id}", server.base)).await.unwrap();
    wait_ready(&page).await.expect("the timing-only session opens");
    let m = page.eval(&format!("fetch('/api/sessions/{id}').then((r) => r.json())")).await.unwrap();
    assert_eq!(m["coverage"]["positions"], false, "the Miami sprint has no positions");
    let t = m["lap_starts"].as_array().and_then(|l| l.get(10)).and_then(|l| l["t_s"].as_f64()).expect("ten laps");
    for (w, h, phone) in SIZES {
        let label = format!("{w}x{h}");
        page.set_viewport(w, h, phone).await.unwrap();
        page.navigate(&format!("{}/?{label}#s={id}&t={t:.1}", server.base)).await.unwrap();
        wait_ready(&page).await.unwrap_or_else(|e| panic!("{label}: the timing-only session opens: {e}"));
        assert_eq!(horizontal_scroll(&page).await, 0.0, "{label}: the timing-only session scrolls sideways");
        assert_layout(&format!("{label} timing only"), &boxes(&page).await, f64::from(w), f64::from(h));
        shot(&page, dir, &format!("{label}-timing-only")).await;
    }
    assert_no_console_errors(&page);
}
