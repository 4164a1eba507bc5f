//! The leaderboard the page shows is the replay's, at the moments where bugs live (issue 15):
//! lap 1 before the leader's first crossing, a safety car, the last lap and after the flag. At
//! each, paused, the test reads the rows on screen (gap and interval, in both modes) and the lap
//! counter, and compares them with `/frame` for the same frame; after the flag it opens the
//! results tab and compares it with `/results`. The browser presents; these check that it
//! presents the model's numbers and nothing of its own.

use std::time::Duration;

use serde_json::Value;
use webtest::harness::{self, assert_no_console_errors, wait_ready};
use webtest::{Browser, Page};

/// A gap as the page writes it (`+1.234`, `+1:02.345`, `+2 LAPS`) as (seconds, laps down).
fn parse_gap(text: &str) -> (Option<f64>, Option<u64>) {
    let t = text.trim().trim_start_matches('+');
    if let Some(n) = t.strip_suffix(" LAPS").or_else(|| t.strip_suffix(" LAP")) {
        return (None, n.trim().parse().ok());
    }
    let secs = match t.split_once(':') {
        Some((m, s)) => m.parse::<f64>().ok().zip(s.parse::<f64>().ok()).map(|(m, s)| m * 60.0 + s),
        None => t.parse().ok(),
    };
    (secs, None)
}

/// The rows on screen: (driver, the gap cell's text), top to bottom.
async fn board(page: &Page) -> Vec<(i64, String)> {
    let v = page
        .eval("[...document.querySelectorAll('#lb-rows .lb-row')].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map((r) => [Number(r.dataset.driver), r.querySelector('.lb-gap').textContent])")
        .await
        .expect("rows");
    v.as_array().unwrap().iter().map(|r| (r[0].as_i64().unwrap_or(0), r[1].as_str().unwrap_or("").to_string())).collect()
}

async fn fetch(page: &Page, path: &str) -> Value {
    page.eval(&format!("fetch('{path}').then((r) => r.json())")).await.unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Seeks (paused) to session time `t` and checks the board and the lap counter against `/frame`.
async fn check_moment(page: &Page, name: &str, t: f64) -> Value {
    page.eval(&format!("window.f1replay.seek({t})")).await.unwrap();
    page.wait_for(&format!("Math.abs(window.f1replay.state().t - {t}) < 0.01"), Duration::from_secs(10)).await.unwrap();
    let s = wait_ready(page).await.unwrap();
    let frame = fetch(page, &format!("/api/sessions/sim-race/frame?frame={}", s["frame"])).await;
    let cars = frame["cars"].as_array().expect("cars");
    let by_number = |n: i64| cars.iter().find(|c| c["number"] == n).unwrap_or_else(|| panic!("{name}: car {n} not in the frame"));
    let mut checked = 0;
    for mode in ["gap", "interval"] {
        if mode == "interval" {
            page.click_selector("#lb-gap-mode").await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for (number, text) in board(page).await {
            let car = by_number(number);
            if car["position"] == 1 || car["state"] == "retired" {
                continue;
            }
            let (secs, laps) = parse_gap(&text);
            let want_s = car[if mode == "gap" { "gap_s" } else { "interval_s" }].as_f64();
            if mode == "gap" && car["laps_down"].as_u64().is_some() {
                assert_eq!(
                    laps,
                    car["laps_down"].as_u64(),
                    "{name}: car {number} shows {text:?}, the frame says {} laps down",
                    car["laps_down"]
                );
            } else {
                match (secs, want_s) {
                    (Some(a), Some(b)) => {
                        assert!((a - b).abs() < 0.0015, "{name}: car {number}'s {mode} shows {text:?}, the frame has {b}")
                    }
                    (None, None) => {}
                    _ if laps.is_some() => {}
                    _ => panic!("{name}: car {number}'s {mode} shows {text:?}, the frame has {want_s:?}"),
                }
            }
            checked += 1;
        }
    }
    page.click_selector("#lb-gap-mode").await.unwrap();
    assert!(checked > 10, "{name}: {checked} gaps compared");
    let (shown, total) = (s["lapShown"].as_u64(), frame["total_laps"].as_u64());
    assert_eq!(shown, frame["leader_lap"].as_u64().filter(|l| *l > 0), "{name}: the lap counter shows the frame's leader lap");
    if let (Some(shown), Some(total)) = (shown, total) {
        assert!(shown <= total, "{name}: lap {shown} of {total}");
    }
    println!(
        "{name} (t = {t:.1} s, frame {}): {checked} gaps and intervals on screen equal the frame's; lap {shown:?} of {total:?}",
        s["frame"]
    );
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_race_leaderboard_shows_the_replays_gaps_intervals_and_lap_at_lap_1_sc_last_lap_and_after_the_flag() {
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        testkit::skip("no chromium");
        return;
    };
    let server = harness::start_server(None).await.expect("server");
    let page = browser.page().await.unwrap();
    page.navigate(&format!("{}/", server.base)).await.unwrap();
    page.wait_for("document.querySelector('.sess-btn[data-id=\"sim-race\"]')", Duration::from_secs(20)).await.unwrap();
    page.click_selector(".sess-btn[data-id=\"sim-race\"]").await.expect("session button");
    wait_ready(&page).await.expect("sim-race opens");
    let laps = fetch(&page, "/api/sessions/sim-race/laps").await;
    let laps = laps.as_array().unwrap();
    let results = fetch(&page, "/api/sessions/sim-race/results").await;
    let status = fetch(&page, "/api/sessions/sim-race/track-status").await;
    let winner = results[0]["driver"].as_i64().unwrap().to_string();
    let num = |l: &Value, k: &str| l[k].as_f64();
    let start = laps.iter().filter(|l| l["LapNumber"] == 1).filter_map(|l| num(l, "LapStartTime")).fold(f64::INFINITY, f64::min);
    let winner_laps: Vec<&Value> = laps.iter().filter(|l| l["DriverNumber"] == winner.as_str()).collect();
    let last = winner_laps.iter().max_by_key(|l| l["LapNumber"].as_u64()).unwrap();
    let sc = status.as_array().unwrap().iter().find(|s| s["status"] == 4 || s["status"] == 6).expect("the simulated race has a safety car");
    let moments = [
        ("lap 1, before the first crossing", start + 20.0),
        ("safety car", (sc["start_s"].as_f64().unwrap() + sc["end_s"].as_f64().unwrap()) / 2.0),
        ("last lap", num(last, "LapStartTime").unwrap() + 20.0),
        ("after the flag", num(last, "Time").unwrap() + 60.0),
    ];
    for (name, t) in moments {
        check_moment(&page, name, t).await;
    }
    // After the flag the results tab is the classification of /results, row by row.
    page.click_selector("button.tab[data-tab=\"results\"]").await.unwrap();
    page.wait_for("document.querySelector('#results-table tbody tr')", Duration::from_secs(10)).await.expect("results shown");
    let shown = page.eval("[...document.querySelectorAll('#results-table tbody tr')].map((r) => [Number(r.cells[0].textContent), r.cells[1].textContent.trim()])").await.unwrap();
    let want: Vec<Value> = results.as_array().unwrap().iter().map(|r| serde_json::json!([r["position"], r["tla"]])).collect();
    assert_eq!(shown.as_array().unwrap(), &want, "the results tab is /results");
    println!("results tab: {} rows equal /results", want.len());
    assert_no_console_errors(&page);
    browser.close().await;
}
