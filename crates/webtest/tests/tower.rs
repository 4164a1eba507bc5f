//! The timing tower (issue 17): at three times of the simulated race and of 2025 Mexico City
//! qualifying, paused, every row's last lap equals `/laps` (the last lap ended by then) and
//! every sector cell equals `/sectors`: the running lap's sectors set so far, the previous
//! lap's for the others (shown dimmed), coloured purple / green / yellow as the model's marks
//! hold at that time; the last stop's time in the pit lane equals `/pit-stops` and the mark
//! beside the name is race control's latest on the car (`/car-marks`); the mini-sector strip
//! is the segment statuses of `/segments` sent by then (the last of each segment); the DRS mark
//! is the car's last crossing's judgement in `/drs` and the qualifying delta is `/lap-deltas`'
//! series at t. The expectation is worked out here from the endpoints alone.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use webtest::harness::{self, assert_no_console_errors, lap_rows, loose_f64, wait_ready};
use webtest::{Browser, Page};

const MEXICO_Q: &str = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying";

/// One row of the tower as shown: driver, last lap's text and class, three sectors' text and class.
struct Shown {
    driver: i64,
    last: (String, String),
    sectors: Vec<(String, String)>,
    pit: String,
    mark: String,
    /// The strip's `data-strip` (sectors by `|`, statuses by `,`) and how many segments it drew.
    strip: (String, usize),
    /// The DRS / delta cell.
    x: String,
}

async fn tower(page: &Page) -> Vec<Shown> {
    let v = page
        .eval(
            "[...document.querySelectorAll('#lb-rows .lb-row')].map((r) => { const c = (e) => [e.textContent, e.className]; \
             return [Number(r.dataset.driver), c(r.querySelector('.tw-last')), [...r.querySelectorAll('.tw-s')].map(c), r.querySelector('.tw-pit').textContent, r.querySelector('.mk').textContent, \
             [r.querySelector('.tw-mini').dataset.strip || '', r.querySelectorAll('.tw-mini i').length], r.querySelector('.tw-x').textContent]; })",
        )
        .await
        .expect("tower rows");
    let pair = |p: &Value| (p[0].as_str().unwrap_or("").to_string(), p[1].as_str().unwrap_or("").to_string());
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| Shown {
            driver: r[0].as_i64().unwrap(),
            last: pair(&r[1]),
            sectors: r[2].as_array().unwrap().iter().map(pair).collect(),
            pit: r[3].as_str().unwrap_or("").to_string(),
            mark: r[4].as_str().unwrap_or("").to_string(),
            strip: (r[5][0].as_str().unwrap_or("").to_string(), r[5][1].as_u64().unwrap_or(0) as usize),
            x: r[6].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

/// A time as the tower writes it (`1:17.306`, `23.456`) in seconds.
fn parse_time(text: &str) -> Option<f64> {
    match text.split_once(':') {
        Some((m, s)) => Some(m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?),
        None => text.parse().ok(),
    }
}

/// The colour a mark has at `ms`: `ob`, `pb` or `yl` (set, neither best). A mark holds from
/// `set_ms` until its `…_until_ms`, and again over its `…_restored` reign (a faster, deleted lap
/// the timing dropped).
fn colour(mark: &Value, ms: f64) -> &'static str {
    let within = |from: Option<f64>, until: &Value| from.is_some_and(|f| f <= ms) && until.as_f64().is_none_or(|u| ms < u);
    let holds = |which: &str| {
        let restored = &mark[format!("{which}_restored")];
        mark[which] == true && within(mark["set_ms"].as_f64(), &mark[format!("{which}_until_ms")])
            || within(restored["from_ms"].as_f64(), &restored["until_ms"])
    };
    if holds("overall_best") {
        "ob"
    } else if holds("personal_best") {
        "pb"
    } else {
        "yl"
    }
}

fn is_set(mark: &Value, ms: f64) -> bool {
    mark["set_ms"].as_f64().is_some_and(|s| s <= ms)
}

/// The expected sector cells of one driver at `ms`: (seconds, class) or None for an empty cell.
fn expected_sectors(marks: &[&Value], ms: f64) -> Vec<Option<(f64, String)>> {
    let Some(i) = marks.iter().rposition(|r| is_set(&r["lap_time"], ms) || r["sectors"].as_array().unwrap().iter().any(|m| is_set(m, ms)))
    else {
        return vec![None, None, None];
    };
    let cur = marks[i];
    let done = is_set(&cur["lap_time"], ms) || is_set(&cur["sectors"][2], ms);
    let prev = (!done && i > 0 && marks[i - 1]["lap"].as_i64() == cur["lap"].as_i64().map(|l| l - 1)).then(|| marks[i - 1]);
    (0..3)
        .map(|k| {
            let time = |m: &Value| m["time_ms"].as_f64().unwrap() / 1000.0;
            if is_set(&cur["sectors"][k], ms) {
                Some((time(&cur["sectors"][k]), colour(&cur["sectors"][k], ms).to_string()))
            } else {
                prev.filter(|p| is_set(&p["sectors"][k], ms)).map(|p| (time(&p["sectors"][k]), "prev".to_string()))
            }
        })
        .collect()
}

/// Checks the tower at session time `t`; returns how many cells of each colour it compared.
/// The endpoints the tower is compared with.
struct Tables<'a> {
    laps: &'a [Value],
    marks: &'a HashMap<i64, Vec<&'a Value>>,
    stops: &'a [Value],
    car_marks: &'a [Value],
    segments: &'a [Value],
    drs: &'a [Value],
    deltas: &'a [Value],
}

/// One car's strip at `t` from `/segments`: per sector, the last status sent for each segment
/// by then (`none` for segments not sent), as the page's `data-strip` writes it.
fn expected_strip(segments: &[Value], driver: i64, t: f64) -> (String, usize) {
    let mut strip: [Vec<String>; 3] = Default::default();
    for r in segments.iter().filter(|r| r["driver"].as_i64() == Some(driver) && r["t_s"].as_f64().is_some_and(|x| x <= t)) {
        let sector = &mut strip[r["sector"].as_u64().unwrap().min(2) as usize];
        let i = r["segment"].as_u64().unwrap() as usize;
        if sector.len() <= i {
            sector.resize(i + 1, "none".into());
        }
        sector[i] = r["status"].as_str().unwrap().to_string();
    }
    (strip.iter().map(|s| s.join(",")).collect::<Vec<_>>().join("|"), strip.iter().map(Vec::len).sum())
}

/// The DRS / delta cell at `t` from `/lap-deltas` (the series holding t, interpolated) or else
/// `/drs` (the car's last crossing by t): the delta in s, or whether DRS shows.
fn expected_x(tables: &Tables<'_>, driver: i64, t: f64) -> Result<f64, bool> {
    for d in tables.deltas.iter().filter(|d| d["driver"].as_i64() == Some(driver)) {
        let ts: Vec<f64> = d["t_s"].as_array().unwrap().iter().filter_map(Value::as_f64).collect();
        let ds: Vec<f64> = d["delta_s"].as_array().unwrap().iter().filter_map(Value::as_f64).collect();
        if t < ts[0] || t > ts[ts.len() - 1] {
            continue;
        }
        let i = ts.iter().position(|&x| x >= t).unwrap_or(ts.len() - 1).max(1);
        let f = if ts[i] > ts[i - 1] { ((t - ts[i - 1]) / (ts[i] - ts[i - 1])).clamp(0.0, 1.0) } else { 1.0 };
        return Ok(ds[i - 1] + (ds[i] - ds[i - 1]) * f);
    }
    let last = tables.drs.iter().rfind(|r| r["driver"].as_i64() == Some(driver) && r["t_s"].as_f64().is_some_and(|x| x <= t));
    Err(last.is_some_and(|r| r["within"] == true))
}

async fn check_at(page: &Page, name: &str, t: f64, tables: &Tables<'_>, seen: &mut HashMap<String, usize>) {
    page.eval(&format!("window.f1replay.seek({t})")).await.unwrap();
    page.wait_for(&format!("Math.abs(window.f1replay.state().t - {t}) < 0.001"), Duration::from_secs(10)).await.unwrap();
    wait_ready(page).await.unwrap();
    page.eval("window.f1replay.nextFrame()").await.unwrap();
    let ms = t * 1000.0;
    let Tables { laps, marks, stops, car_marks, segments, .. } = tables;
    let shown = tower(page).await;
    assert!(shown.len() >= 10, "{name}: the tower has a row per driver ({})", shown.len());
    let mut compared = 0;
    for row in &shown {
        // The last lap: the driver's lap of /laps that ended last by t.
        let last = laps
            .iter()
            .filter(|l| l.get("DriverNumber").and_then(loose_f64) == Some(row.driver as f64))
            .filter(|l| l.get("Time").and_then(loose_f64).is_some_and(|e| e <= t))
            .max_by(|a, b| loose_f64(&a["Time"]).partial_cmp(&loose_f64(&b["Time"])).unwrap());
        match last {
            None => assert_eq!(row.last.0, "", "{name}: car {} has no lap ended by {t}", row.driver),
            Some(l) => {
                let lap = l["LapNumber"].as_i64().unwrap();
                let want = l.get("LapTime").and_then(loose_f64);
                let got = parse_time(&row.last.0);
                match want {
                    Some(w) => assert!(
                        got.is_some_and(|g| (g - w).abs() < 0.0005),
                        "{name}: car {} last lap {lap}: shows {:?}, /laps has {w}",
                        row.driver,
                        row.last.0
                    ),
                    None => assert_eq!(row.last.0, "–", "{name}: car {} last lap {lap} has no time", row.driver),
                }
                let deleted = l["Deleted"] == true;
                let mark = marks.get(&row.driver).and_then(|m| m.iter().find(|r| r["lap"].as_i64() == Some(lap))).map(|r| &r["lap_time"]);
                let want_cls = match (deleted, want, mark) {
                    (true, _, _) => "del",
                    (false, None, _) => "",
                    (false, Some(_), Some(m)) if !m.is_null() => colour(m, ms),
                    _ => "yl",
                };
                assert_eq!(row.last.1.trim(), format!("tw-last {want_cls}").trim(), "{name}: car {} last lap {lap}'s colour", row.driver);
                *seen.entry(format!("last {want_cls}")).or_default() += 1;
            }
        }
        // The last stop completed by t: its time in the pit lane, from /pit-stops.
        let stop = stops
            .iter()
            .filter(|p| p["driver"].as_i64() == Some(row.driver) && p["pit_out_s"].as_f64().is_some_and(|o| o <= t))
            .filter_map(|p| Some((p["pit_in_s"].as_f64()?, p["pit_lane_s"].as_f64()?)))
            .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        match stop {
            None => assert_eq!(row.pit, "", "{name}: car {} has no stop by {t}", row.driver),
            Some((_, lane)) => {
                let shown: f64 = row.pit.parse().unwrap_or_else(|_| panic!("{name}: car {} pit lane {:?}", row.driver, row.pit));
                assert!((shown - lane).abs() <= 0.05 + 1e-9, "{name}: car {} pit lane shows {shown}, /pit-stops has {lane}", row.driver);
                *seen.entry("pit lane".into()).or_default() += 1;
            }
        }
        // Race control's latest mark on the car by t, from /car-marks.
        let latest = car_marks.iter().rfind(|m| m["driver"].as_i64() == Some(row.driver) && m["t_s"].as_f64().is_some_and(|x| x <= t));
        let badge = match latest.and_then(|m| m["kind"].as_str()) {
            Some("lap_deleted") => "DEL",
            Some("noted") => "NOTED",
            Some("under_investigation") => "INV",
            Some("penalty") => "PEN",
            _ => "",
        };
        assert_eq!(row.mark, badge, "{name}: car {}'s race control mark", row.driver);
        if !badge.is_empty() {
            *seen.entry(format!("mark {badge}")).or_default() += 1;
        }
        // The mini-sector strip, from /segments.
        let strip = expected_strip(segments, row.driver, t);
        assert_eq!(row.strip, strip, "{name}: car {}'s mini-sector strip", row.driver);
        for status in strip.0.split(['|', ',']).filter(|s| !s.is_empty()) {
            *seen.entry(format!("segment {status}")).or_default() += 1;
        }
        // DRS range (races) or the delta (qualifying), from /drs and /lap-deltas.
        match expected_x(tables, row.driver, t) {
            Ok(delta) => {
                let shown: f64 = row.x.replace('−', "-").parse().unwrap_or_else(|_| panic!("{name}: car {} delta {:?}", row.driver, row.x));
                assert!(
                    (shown - delta).abs() <= 0.005 + 1e-6,
                    "{name}: car {} delta shows {shown}, /lap-deltas has {delta:.4}",
                    row.driver
                );
                *seen.entry("delta".into()).or_default() += 1;
            }
            Err(drs) => {
                assert_eq!(row.x, if drs { "DRS" } else { "" }, "{name}: car {}'s DRS mark", row.driver);
                *seen.entry(format!("drs {drs}")).or_default() += 1;
            }
        }
        let want = expected_sectors(marks.get(&row.driver).map_or(&[][..], Vec::as_slice), ms);
        for (k, (cell, w)) in row.sectors.iter().zip(&want).enumerate() {
            match w {
                None => assert_eq!(cell.0, "", "{name}: car {} S{} is empty", row.driver, k + 1),
                Some((secs, cls)) => {
                    let got = parse_time(&cell.0);
                    assert!(
                        got.is_some_and(|g| (g - secs).abs() < 0.0005),
                        "{name}: car {} S{}: shows {:?}, /sectors has {secs}",
                        row.driver,
                        k + 1,
                        cell.0
                    );
                    assert_eq!(cell.1, format!("tw-s {cls}"), "{name}: car {} S{}'s colour", row.driver, k + 1);
                    *seen.entry(format!("sector {cls}")).or_default() += 1;
                }
            }
            compared += 1;
        }
    }
    println!("{name} (t = {t:.1} s): {} rows, {compared} sector cells and the last laps equal /laps and /sectors", shown.len());
}

async fn run(page: &Page, id: &str, times: impl Fn(&[Value], &Value) -> Vec<(String, f64)>) {
    // The tower's data (laps, marks, stints) arrives after the first frame.
    page.wait_for(
        "window.f1replay.state().ready && window.f1replay.state().towerReady && document.querySelector('#lb-rows .tw-s')",
        Duration::from_secs(120),
    )
    .await
    .unwrap();
    let laps = lap_rows(&page.eval(&format!("fetch('/api/sessions/{id}/laps').then((r) => r.json())")).await.unwrap());
    let sectors = page.eval(&format!("fetch('/api/sessions/{id}/sectors').then((r) => r.json())")).await.unwrap();
    let manifest = page.eval(&format!("fetch('/api/sessions/{id}').then((r) => r.json())")).await.unwrap();
    let stops = page.eval(&format!("fetch('/api/sessions/{id}/pit-stops').then((r) => r.json())")).await.unwrap();
    let stops = stops.as_array().expect("/pit-stops is a list");
    let car_marks = page.eval(&format!("fetch('/api/sessions/{id}/car-marks').then((r) => r.json())")).await.unwrap();
    let car_marks = car_marks.as_array().expect("/car-marks is a list");
    let get = |what: &'static str| async move {
        let v = page.eval(&format!("fetch('/api/sessions/{id}/{what}').then((r) => r.json())")).await.unwrap();
        v.as_array().unwrap_or_else(|| panic!("/{what} is a list")).clone()
    };
    let (segments, drs, deltas) = (get("segments").await, get("drs").await, get("lap-deltas").await);
    let mut marks: HashMap<i64, Vec<&Value>> = HashMap::new();
    for r in sectors.as_array().unwrap() {
        marks.entry(r["driver"].as_i64().unwrap()).or_default().push(r);
    }
    for list in marks.values_mut() {
        list.sort_by_key(|r| r["lap"].as_i64());
    }
    let mut seen = HashMap::new();
    let tables = Tables { laps: &laps, marks: &marks, stops, car_marks, segments: &segments, drs: &drs, deltas: &deltas };
    for (name, t) in times(&laps, &manifest) {
        check_at(page, &format!("{id} {name}"), t, &tables, &mut seen).await;
    }
    println!("{id}: cells compared by colour: {seen:?}");
    for want in ["sector ob", "sector pb", "sector yl", "last yl", "pit lane", "segment yellow", "segment green"] {
        assert!(seen.get(want).copied().unwrap_or(0) > 0, "{id}: no {want} cell was compared ({seen:?})");
    }
    // Races show DRS range, qualifying the delta.
    let race = manifest["session"]["ranked_by_best_lap"] == false;
    let want = if race { "drs true" } else { "delta" };
    assert!(seen.get(want).copied().unwrap_or(0) > 0, "{id}: no {want} cell was compared ({seen:?})");
}

/// Qualifying: the clock is the time left in the part at every moment (one meaning), and the
/// knock-out zone appears only once someone has a time in the part.
async fn qualifying_clock_and_knockout_zone(page: &Page) {
    let m = page.eval(&format!("fetch('/api/sessions/{MEXICO_Q}').then((r) => r.json())")).await.unwrap();
    let laps = lap_rows(&page.eval(&format!("fetch('/api/sessions/{MEXICO_Q}/laps').then((r) => r.json())")).await.unwrap());
    let segs = m["segments"].as_array().unwrap();
    for seg in segs {
        let (a, b) = (seg["start_s"].as_f64().unwrap(), seg["end_s"].as_f64().unwrap());
        let first_time = laps
            .iter()
            .filter(|l| l.get("LapTime").and_then(loose_f64).is_some())
            .filter_map(|l| l.get("Time").and_then(loose_f64))
            .filter(|&e| e > a && e <= b)
            .fold(f64::INFINITY, f64::min);
        for (t, cut_expected) in [(a + 5.3, first_time <= a + 5.3), (a + 0.8 * (b - a) + 0.3, true)] {
            page.eval(&format!("window.f1replay.seek({t})")).await.unwrap();
            page.wait_for(&format!("Math.abs(window.f1replay.state().t - {t}) < 0.001"), Duration::from_secs(10)).await.unwrap();
            wait_ready(page).await.unwrap();
            page.eval("window.f1replay.nextFrame()").await.unwrap();
            let shown = page.eval("[document.getElementById('session-clock').textContent, document.getElementById('session-clock').title, document.querySelectorAll('#lb-rows .lb-row.danger').length > 0]").await.unwrap();
            let left = (b - t).max(0.0).min(b - a).floor() as i64;
            let want = format!("{}:{:02}", left / 60, left % 60);
            let name = seg["name"].as_str().unwrap();
            assert_eq!(shown[0], want.as_str(), "{name} at {t:.1}: the clock is the time left in the part");
            assert!(
                shown[1].as_str().unwrap().starts_with(&format!("Time left in {name}")),
                "{name}: the clock says what it counts: {}",
                shown[1]
            );
            // The zone is the rows marked in danger; the last part has none.
            if name != "Q3" {
                assert_eq!(
                    shown[2], cut_expected,
                    "{name} at {t:.1}: the knock-out line shows only once a time exists (first at {first_time:.1})"
                );
            }
            println!("{name} at {t:.1}: clock {want} (time left), knock-out zone shown: {}", shown[2]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_towers_last_laps_and_sector_colours_equal_laps_and_sectors_at_three_times() {
    let Some(browser) = Browser::launch().await.expect("launch chromium") else {
        testkit::skip("no chromium");
        return;
    };
    let data = harness::shared_archive();
    let server = harness::start_server(data.as_deref()).await.expect("server");
    let dir = harness::screenshot_dir("tower");
    let page = browser.page().await.unwrap();
    page.set_viewport(1920, 1080, false).await.unwrap();

    page.navigate(&format!("{}/#s=sim-race", server.base)).await.unwrap();
    run(&page, "sim-race", |laps, m| {
        let start = m["session"]["start_s"].as_f64().unwrap();
        let end = laps.iter().filter_map(|l| l.get("Time").and_then(loose_f64)).fold(0.0, f64::max);
        vec![("lap 3".into(), start + 290.3), ("mid-race".into(), start + 0.5 * (end - start) + 0.7), ("near the flag".into(), end - 40.1)]
    })
    .await;
    page.screenshot(&dir.join("sim-race-1920.png")).await.unwrap();

    let Some(_) = data else {
        testkit::skip("no shared data for Mexico City qualifying");
        return;
    };
    page.navigate(&format!("{}/#s={MEXICO_Q}", server.base)).await.unwrap();
    run(&page, MEXICO_Q, |_, m| {
        let segs = m["segments"].as_array().unwrap();
        segs.iter()
            .map(|s| {
                let (a, b) = (s["start_s"].as_f64().unwrap(), s["end_s"].as_f64().unwrap());
                (s["name"].as_str().unwrap().to_string(), a + 0.8 * (b - a) + 0.3)
            })
            .collect()
    })
    .await;
    page.screenshot(&dir.join("mexico-q-1920.png")).await.unwrap();
    qualifying_clock_and_knockout_zone(&page).await;
    assert_no_console_errors(&page);
    browser.close().await;
}
