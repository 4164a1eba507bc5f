//! Every REST endpoint over real HTTP on 127.0.0.1, including the errors: unknown sessions
//! 404, bad parameters 400, all as `{"error", "status"}` JSON. Uses the simulated sprint
//! (always there) and the real 2025 Mexico City qualifying (when the shared data is there).

mod common;

use common::*;
use reqwest::header;

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_openapi_and_seasons_answer() {
    let s = start_prebuilt().await;
    let c = client();
    let (status, health) = get_json(&c, &s.url("/api/health")).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert!(health["uptime_s"].as_f64().is_some() && health["builds"].as_u64().is_some() && health["sessions_cached"].as_u64().is_some());

    let (status, doc) = get_json(&c, &s.url("/api/openapi.json")).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    // Every documented path is routed: none falls through to the "no endpoint" catch-all.
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 19, "{} documented paths", paths.len());
    for path in paths.keys() {
        let url = path.replace("{id}", "sim-sprint").replace("{year}", "0").replace("{n}", "0");
        let r = c.get(s.url(&url)).send().await.unwrap();
        let (status, body) = (r.status(), r.text().await.unwrap_or_default());
        assert!(!body.contains("no endpoint"), "{path} is documented but not routed: {status} {body}");
    }

    let (status, seasons) = get_json(&c, &s.url("/api/seasons")).await;
    assert_eq!(status, 200);
    let seasons = seasons.as_array().expect("array");
    assert!(seasons.iter().any(|s| s["year"] == 0 && s["source"] == "sim"), "{seasons:?}");

    let (status, sims) = get_json(&c, &s.url("/api/seasons/0/sessions")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = sims.as_array().unwrap().iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, ["sim-race", "sim-sprint", "sim-qualifying", "sim-practice"]);
    assert!(sims[0]["meeting"].is_string() && sims[0]["kind"] == "race" && sims[0]["available"] == true && sims[0]["start"].is_string());

    let (status, body) = get_json(&c, &s.url("/api/seasons/abc/sessions")).await;
    assert_error(status, &body, 400, "year abc");
    let (status, body) = get_json(&c, &s.url("/api/seasons/99999/sessions")).await;
    assert_error(status, &body, 400, "year 99999");
    let (status, body) = get_json(&c, &s.url("/api/seasons/1999/sessions")).await;
    assert_error(status, &body, 404, "year 1999");

    if static_dir("the 2025 season listing").is_some() {
        assert!(seasons.iter().any(|s| s["year"] == 2025 && s["source"] == "local"), "{seasons:?}");
        let (status, list) = get_json(&c, &s.url("/api/seasons/2025/sessions")).await;
        assert_eq!(status, 200, "{list}");
        let mexico = list.as_array().unwrap().iter().find(|s| s["id"] == MEXICO_Q).expect("Mexico Q listed");
        assert_eq!(mexico["kind"], "qualifying");
        assert_eq!(mexico["meeting"], "Mexico City Grand Prix");
        assert_eq!(mexico["available"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_unknown_session_ids_are_400_and_404() {
    let s = start_prebuilt().await;
    let c = client();
    for id in ["2025~..~x", "2025~a%2F..%2Fb~c", "2025~a~b~c", "x", "2025~a%20b~c", "25~a~b", &"a".repeat(201)] {
        let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{id}"))).await;
        assert_error(status, &body, 400, id);
        let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{id}/laps"))).await;
        assert_error(status, &body, 400, id);
    }
    for id in ["sim-nothing", "2025~2025-01-01_Nowhere_Grand_Prix~2025-01-01_Race"] {
        for tail in ["", "/laps", "/chunks/0", "/frame?t=1", "/replay.bin", "/telemetry?driver=1&lap=1", "/weather"] {
            let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{id}{tail}"))).await;
            let reason = assert_error(status, &body, 404, &format!("{id}{tail}"));
            assert!(reason.contains(id) || reason.contains("sim"), "{reason}");
        }
    }
    let (status, body) = get_json(&c, &s.url("/api/nothing/here")).await;
    assert_error(status, &body, 404, "unknown endpoint");
    let r = c.post(s.url("/api/health")).body("x").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: serde_json::Value = r.json_or_null().await;
    assert_eq!(body["status"], 405);
}

/// `Response::json` needs reqwest's json feature; this reads the body by hand.
trait JsonOrNull {
    async fn json_or_null(self) -> serde_json::Value;
}

impl JsonOrNull for reqwest::Response {
    async fn json_or_null(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap_or_default()).unwrap_or(serde_json::Value::Null)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manifest_chunks_and_file_are_cacheable_bytes() {
    let s = start_prebuilt().await;
    let c = client();
    let (status, manifest) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}"))).await;
    assert_eq!(status, 200, "{manifest}");
    assert_eq!(manifest["fps"], 25);
    assert_eq!(manifest["session"]["id"], SIM);
    let chunks = manifest["chunks"].as_array().expect("chunks");
    assert!(!chunks.is_empty());
    assert_eq!(manifest["drivers"].as_array().map(Vec::len), Some(20));

    let url = s.url(&format!("/api/sessions/{SIM}/chunks/0"));
    let etag = chunks[0]["etag"].as_str().unwrap().to_owned();
    let zstd = c.get(&url).header(header::ACCEPT_ENCODING, "gzip, zstd").send().await.unwrap();
    assert_eq!(zstd.status().as_u16(), 200);
    assert_eq!(zstd.headers()[header::CONTENT_ENCODING], "zstd");
    assert_eq!(zstd.headers()[header::ETAG], etag.as_str());
    assert_eq!(zstd.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let stored = zstd.bytes().await.unwrap();
    assert_eq!(stored.len() as u64, chunks[0]["bytes"].as_u64().unwrap());
    let raw = replay::decompress_chunk(&stored).unwrap();
    assert_eq!(&raw[..4], b"F1RC");

    let gz = c.get(&url).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    let gz_tag = gz.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(gz_tag, etag, "each encoding has its own strong ETag");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, raw);

    let plain = c.get(&url).send().await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes().await.unwrap().to_vec(), raw);

    for tag in [etag.as_str(), gz_tag.as_str(), "\"other\", *"] {
        let r = c.get(&url).header(header::ACCEPT_ENCODING, "zstd").header(header::IF_NONE_MATCH, tag).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 304, "If-None-Match: {tag}");
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = c.get(&url).header(header::IF_NONE_MATCH, "\"stale\"").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/chunks/{}", chunks.len()))).await;
    assert_error(status, &body, 404, "chunk past the end");
    for bad in ["-1", "abc", "1.5", "99999999999"] {
        let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/chunks/{bad}"))).await;
        assert_error(status, &body, 400, bad);
    }

    let file_url = s.url(&format!("/api/sessions/{SIM}/replay.bin"));
    let whole = c.get(&file_url).send().await.unwrap();
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    let file_tag = whole.headers()[header::ETAG].to_str().unwrap().to_owned();
    let whole = whole.bytes().await.unwrap();
    let len = whole.len();
    let part = c.get(&file_url).header(header::RANGE, "bytes=10-25").send().await.unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.headers()[header::CONTENT_RANGE], format!("bytes 10-25/{len}").as_str());
    assert_eq!(part.bytes().await.unwrap(), whole.slice(10..26));
    let tail = c.get(&file_url).header(header::RANGE, "bytes=-7").send().await.unwrap();
    assert_eq!(tail.bytes().await.unwrap(), whole.slice(len - 7..));
    let r = c.get(&file_url).header(header::RANGE, format!("bytes={len}-")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 416);
    assert_eq!(r.headers()[header::CONTENT_RANGE], format!("bytes */{len}").as_str());
    assert_eq!(r.json_or_null().await["status"], 416);
    let r = c.get(&file_url).header(header::IF_NONE_MATCH, &file_tag).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 304);
    let r = c.get(&file_url).header(header::RANGE, "bytes=0-3").header(header::IF_RANGE, "\"stale\"").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "a stale If-Range gets the whole file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_by_time_or_number_and_bad_parameters() {
    let s = start_prebuilt().await;
    let c = client();
    let (_, manifest) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}"))).await;
    let t_start = manifest["t_start_s"].as_f64().unwrap();
    let frames = manifest["frame_count"].as_u64().unwrap();
    let (status, frame) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/frame?t={}", t_start + 600.0))).await;
    assert_eq!(status, 200, "{frame}");
    assert_eq!(frame["index"], 600 * 25);
    assert!((frame["t_s"].as_f64().unwrap() - (t_start + 600.0)).abs() < 0.05);
    assert_eq!(frame["cars"].as_array().map(Vec::len), Some(20));
    let (status, first) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/frame?frame=0"))).await;
    assert_eq!(status, 200);
    assert_eq!(first["index"], 0);
    let (status, clamped) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/frame?t=1e6"))).await;
    assert_eq!(status, 200, "a time after the end is the last frame");
    assert_eq!(clamped["index"], frames - 1);
    for bad in [
        "".to_owned(),
        "?t=abc".to_owned(),
        "?t=NaN".to_owned(),
        "?t=inf".to_owned(),
        "?frame=-1".to_owned(),
        format!("?frame={frames}"),
        "?t=1&frame=2".to_owned(),
    ] {
        let (status, body) = get_json(&c, &s.url(&format!("/api/sessions/{SIM}/frame{bad}"))).await;
        assert_error(status, &body, 400, &bad);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_laps_stints_results_sectors_weather_race_control_track_status() {
    let s = start_prebuilt().await;
    let c = client();
    let base = s.url(&format!("/api/sessions/{SIM}"));
    let (status, laps) = get_json(&c, &format!("{base}/laps")).await;
    assert_eq!(status, 200);
    let laps = laps.as_array().unwrap().clone();
    assert!(laps.len() > 100, "{} laps", laps.len());
    for col in ["Driver", "DriverNumber", "LapNumber", "LapTime", "Sector1Time", "Compound", "TyreLife", "Stint", "Position", "IsAccurate"]
    {
        assert!(laps[0].get(col).is_some(), "column {col} missing");
    }
    let timed = laps.iter().find(|l| l["LapTime"].is_number() && l["LapNumber"].as_u64() > Some(2)).expect("a timed lap");

    let (status, stints) = get_json(&c, &format!("{base}/stints")).await;
    assert_eq!(status, 200);
    let st = &stints[0];
    for k in ["driver", "stint", "compound", "fresh", "first_lap", "last_lap", "tyre_age_start"] {
        assert!(st.get(k).is_some(), "stint field {k} missing: {st}");
    }

    let (status, results) = get_json(&c, &format!("{base}/results")).await;
    assert_eq!(status, 200);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 20);
    assert_eq!(results[0]["position"], 1);
    assert_eq!(results[0]["status"], "Finished");
    assert!(results[0]["time_s"].as_f64().unwrap() > 600.0);
    assert_eq!(results[1]["position"], 2);

    let (status, sectors) = get_json(&c, &format!("{base}/sectors")).await;
    assert_eq!(status, 200);
    let sectors = sectors.as_array().unwrap();
    assert_eq!(sectors.len(), laps.len());
    assert!(sectors.iter().any(|s| s["sectors"][0]["overall_best"] == true));
    assert!(
        sectors.iter().any(|s| s["lap_time"]["overall_best"] == true && s["lap_time"]["overall_best_until_ms"].is_null()),
        "the fastest lap stays purple"
    );

    let (driver, lap) = (timed["DriverNumber"].as_str().unwrap().to_owned(), timed["LapNumber"].as_u64().unwrap());
    let (status, tel) = get_json(&c, &format!("{base}/telemetry?driver={driver}&lap={lap}")).await;
    assert_eq!(status, 200, "{tel}");
    let distance: Vec<f64> = tel["distance_m"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(distance.len() > 50 && distance.windows(2).all(|w| w[1] >= w[0]));
    assert!(distance[distance.len() - 1] > 1000.0);
    for k in ["t_s", "speed", "throttle", "brake", "gear", "rpm", "drs", "x", "y"] {
        assert_eq!(tel[k].as_array().map(Vec::len), Some(distance.len()), "{k}");
    }
    assert!(tel["lap_time_s"].is_number());
    assert_eq!(tel["sector_distances_m"].as_array().map(Vec::len), Some(2));
    for (query, code) in [
        ("".to_owned(), 400),
        ("?lap=3".to_owned(), 400),
        (format!("?driver={driver}"), 400),
        ("?driver=abc&lap=3".to_owned(), 400),
        (format!("?driver={driver}&lap=0"), 400),
        (format!("?driver={driver}&lap=x"), 400),
        ("?driver=999&lap=3".to_owned(), 404),
        (format!("?driver={driver}&lap=9999"), 404),
    ] {
        let (status, body) = get_json(&c, &format!("{base}/telemetry{query}")).await;
        assert_error(status, &body, code, &query);
    }

    let (status, weather) = get_json(&c, &format!("{base}/weather")).await;
    assert_eq!(status, 200);
    for k in ["t_s", "air_c", "track_c", "humidity", "pressure", "rain", "wind_dir", "wind_ms"] {
        assert!(weather[0].get(k).is_some(), "weather {k}");
    }
    let (status, rcm) = get_json(&c, &format!("{base}/race-control")).await;
    assert_eq!(status, 200);
    for k in ["t_s", "category", "flag", "scope", "sector", "driver", "lap", "message"] {
        assert!(rcm[0].get(k).is_some(), "race control {k}");
    }
    let (status, ts) = get_json(&c, &format!("{base}/track-status")).await;
    assert_eq!(status, 200);
    assert!(ts[0]["status"].is_number() && ts[0]["label"].is_string() && ts[0]["start_s"].is_number());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mexico_qualifying_from_the_real_data() {
    let Some(_) = static_dir("Mexico qualifying endpoints") else { return };
    let s = start_prebuilt().await;
    let c = client();
    let base = s.url(&format!("/api/sessions/{MEXICO_Q}"));
    let (status, manifest) = get_json(&c, &base).await;
    assert_eq!(status, 200, "{manifest}");
    assert_eq!(manifest["session"]["kind"], "qualifying");
    assert_eq!(manifest["drivers"].as_array().map(Vec::len), Some(20));
    let (status, results) = get_json(&c, &format!("{base}/results")).await;
    assert_eq!(status, 200);
    // Lando Norris took pole in Mexico City in 2025.
    assert_eq!(results[0]["tla"], "NOR", "{}", results[0]);
    assert!(results[0]["q3_s"].is_number(), "{}", results[0]);
    // Each gap is to the fastest time of the part the car is ranked by (its deepest), and the
    // status is words about the car, never a stand-in for the gap.
    let rows = results.as_array().unwrap();
    for r in rows {
        let column = format!("q{}_s", r["part"]);
        let fastest = rows.iter().filter_map(|o| o[&column].as_f64()).fold(f64::INFINITY, f64::min);
        if let (Some(t), Some(gap)) = (r[&column].as_f64(), r["gap_s"].as_f64()) {
            assert!((gap - (t - fastest)).abs() < 1e-6, "{r}");
        }
        assert_ne!(r["status"], "Classified", "{r}");
    }
    assert!(rows.iter().filter(|r| r["status_code"] == "knocked_out").count() == 10, "5 out in Q1, 5 in Q2");
    let (status, laps) = get_json(&c, &format!("{base}/laps")).await;
    assert_eq!(status, 200);
    assert_eq!(laps.as_array().map(Vec::len), Some(307));
    // Norris' fastest lap, by distance: a lap of the 4.3 km Autódromo Hermanos Rodríguez.
    let best = laps
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["DriverNumber"] == "4" && l["LapTime"].is_number() && l["Deleted"] != true)
        .min_by(|a, b| a["LapTime"].as_f64().unwrap().total_cmp(&b["LapTime"].as_f64().unwrap()))
        .expect("a timed lap of Norris");
    let (status, tel) = get_json(&c, &format!("{base}/telemetry?driver=4&lap={}", best["LapNumber"])).await;
    assert_eq!(status, 200, "{tel}");
    let length = tel["distance_m"].as_array().unwrap().last().unwrap().as_f64().unwrap();
    assert!((4200.0..4400.0).contains(&length), "lap length {length} m");
    assert!((tel["lap_time_s"].as_f64().unwrap() - best["LapTime"].as_f64().unwrap()).abs() < 1e-9);
    let chunk = c.get(format!("{base}/chunks/0")).header(header::ACCEPT_ENCODING, "zstd").send().await.unwrap();
    assert_eq!(chunk.status().as_u16(), 200);
    assert_eq!(chunk.headers()[header::CONTENT_ENCODING], "zstd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_is_served_from_the_binary() {
    let s = start_prebuilt().await;
    let c = client();
    let r = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let r = c.get(s.url("/no-such-file.js")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = c.get(s.url("/../../etc/passwd")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
