//! Mini-sector statuses ([`timing::segments::changes`], what `/segments` serves and the tower's
//! strip shows) against the raw TimingData of every session of the shared data: each segment
//! status in the file, counted here by walking each line's JSON (`Lines.N.Sectors.i.Segments.j
//! .Status`, list or dict form), is one row, with the same code, in the same order per car.

use std::collections::HashMap;
use std::path::Path;

/// Per car, every `(sector, segment, code)` the file sends, in line order, read from the raw
/// text without the feed's decoder.
fn raw_statuses(dir: &Path) -> HashMap<u16, Vec<(u8, u8, u32)>> {
    let text = std::fs::read_to_string(dir.join("TimingData.jsonStream")).unwrap();
    let items = |v: &serde_json::Value| -> Vec<(usize, serde_json::Value)> {
        match v {
            serde_json::Value::Object(m) => m.iter().filter_map(|(k, v)| Some((k.parse().ok()?, v.clone()))).collect(),
            serde_json::Value::Array(a) => a.iter().cloned().enumerate().collect(),
            _ => Vec::new(),
        }
    };
    let mut out: HashMap<u16, Vec<(u8, u8, u32)>> = HashMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line.trim_start_matches('\u{feff}').get(12..).unwrap_or("")) else {
            continue;
        };
        let Some(lines) = v.get("Lines").and_then(|l| l.as_object()) else { continue };
        for (car, patch) in lines {
            let Ok(car) = car.parse::<u16>() else { continue };
            for (i, sector) in patch.get("Sectors").map(items).unwrap_or_default() {
                for (j, seg) in sector.get("Segments").map(items).unwrap_or_default() {
                    if let Some(code) = seg.get("Status").and_then(|s| s.as_u64()) {
                        out.entry(car).or_default().push((i as u8, j as u8, code as u32));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_segment_status_in_the_file_is_one_row_of_the_model() {
    let Some(dirs) = testkit::sessions_with("TimingData.jsonStream") else { return };
    let (mut sessions, mut total) = (0, 0);
    for dir in dirs {
        let raw = raw_statuses(&dir);
        let session = timing::Session::build(&feed::FeedSession::read_dir(&dir));
        let rows = timing::segments::changes(&session);
        let in_file: usize = session.drivers.iter().map(|d| raw.get(&d.number).map_or(0, Vec::len)).sum();
        println!("{}: {} segment statuses in the file, {} rows", dir.display(), in_file, rows.len());
        assert_eq!(rows.len(), in_file, "{}", dir.display());
        for d in &session.drivers {
            let model: Vec<(u8, u8, u32)> = rows.iter().filter(|r| r.driver == d.number).map(|r| (r.sector, r.segment, r.code)).collect();
            assert_eq!(&model, raw.get(&d.number).unwrap_or(&Vec::new()), "{} car {}", dir.display(), d.number);
        }
        assert!(rows.windows(2).all(|w| w[0].driver != w[1].driver || w[0].t_s <= w[1].t_s));
        sessions += usize::from(in_file > 0);
        total += in_file;
    }
    println!("{sessions} sessions with segments, {total} statuses: each one row of the model");
    assert!(total > 0 || !testkit::required(), "no session with segment statuses");
}
