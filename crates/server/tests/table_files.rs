//! The table endpoints as files: `?format=csv|parquet|arrow` over real HTTP on 127.0.0.1, with
//! the media type and a file name, the same rows as the JSON, and a 400 with the reason for an
//! unknown format (the simulated sprint, always there).

mod common;

use common::*;
use reqwest::header;

/// Rows of an Arrow IPC file, or of a Parquet file.
fn rows(format: &str, body: bytes::Bytes) -> usize {
    match format {
        "arrow" => arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(body), None).unwrap().map(|b| b.unwrap().num_rows()).sum(),
        "parquet" => parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(body)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum(),
        _ => String::from_utf8(body.to_vec()).unwrap().lines().count() - 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_answers_csv_parquet_and_arrow_with_the_json_s_rows() {
    let s = start_prebuilt().await;
    let c = reqwest::Client::new();
    let base = s.url(&format!("/api/sessions/{SIM}"));
    let (_, laps) = get_json(&c, &format!("{base}/laps")).await;
    let lap = laps.as_array().unwrap().iter().find(|l| l["LapTime"].is_number() && l["LapNumber"].as_u64() > Some(2)).unwrap();
    let telemetry = format!("telemetry?driver={}&lap={}", lap["DriverNumber"].as_str().unwrap(), lap["LapNumber"]);
    for table in ["laps", "stints", "results", "sectors", "weather", "race-control", "track-status", "segments", "drs", telemetry.as_str()]
    {
        let sep = if table.contains('?') { '&' } else { '?' };
        let (_, json) = get_json(&c, &format!("{base}/{table}")).await;
        let expected = match json.as_array() {
            Some(a) => a.len(),
            None => json["distance_m"].as_array().unwrap().len(),
        };
        for (format, media) in
            [("csv", "text/csv"), ("parquet", "application/vnd.apache.parquet"), ("arrow", "application/vnd.apache.arrow.file")]
        {
            let r = c.get(format!("{base}/{table}{sep}format={format}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{table} {format}");
            let h = r.headers().clone();
            assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with(media), "{table} {format}: {:?}", h[header::CONTENT_TYPE]);
            let disposition = h[header::CONTENT_DISPOSITION].to_str().unwrap();
            assert!(
                disposition.starts_with(&format!("attachment; filename=\"{SIM}-")) && disposition.ends_with(&format!(".{format}\"")),
                "{disposition}"
            );
            assert_eq!(rows(format, r.bytes().await.unwrap()), expected, "{table} {format}: the JSON's rows");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_format_is_a_400_with_the_reason_and_a_missing_lap_a_404() {
    let s = start_prebuilt().await;
    let c = reqwest::Client::new();
    let base = s.url(&format!("/api/sessions/{SIM}"));
    let (status, body) = get_json(&c, &format!("{base}/laps?format=xlsx")).await;
    assert_error(status, &body, 400, "format=xlsx");
    assert!(body["error"].as_str().unwrap().contains("expected json, csv, parquet or arrow"), "{body}");
    let (status, body) = get_json(&c, &format!("{base}/telemetry?driver=1&lap=9999&format=parquet")).await;
    assert_error(status, &body, 404, "no such lap");
    let (status, body) = get_json(&c, &s.url("/api/sessions/no-such-session/laps?format=parquet")).await;
    assert!(status == 400 || status == 404, "{status} {body}");
}

#[test]
fn the_document_says_each_table_s_formats() {
    let doc = server::openapi::document();
    for path in ["laps", "stints", "results", "sectors", "weather", "race-control", "track-status", "segments", "drs", "telemetry"] {
        let get = &doc["paths"][format!("/api/sessions/{{id}}/{path}")]["get"];
        let content = get["responses"]["200"]["content"].as_object().unwrap();
        for media in ["application/json", "text/csv", "application/vnd.apache.parquet", "application/vnd.apache.arrow.file"] {
            assert!(content.contains_key(media), "{path}: {media} not documented");
        }
        assert!(get["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "format"), "{path}: no format parameter");
    }
}
