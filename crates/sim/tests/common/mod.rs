//! Helpers shared by the integration tests: reading the archive's line format back.

#![allow(dead_code)]

use std::io::Read;

use base64::Engine;
use serde_json::Value;

/// One parsed line: offset (ms) and JSON payload (decoded for `.z` topics).
pub struct Line {
    pub t_ms: i64,
    pub json: Value,
}

/// Parses `HH:MM:SS.mmm` strictly.
pub fn parse_offset(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    if b.len() != 12 || b[2] != b':' || b[5] != b':' || b[8] != b'.' {
        return Err(format!("bad offset {s:?}"));
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> { s[r].parse::<i64>().map_err(|e| format!("bad offset {s:?}: {e}")) };
    Ok(num(0..2)? * 3_600_000 + num(3..5)? * 60_000 + num(6..8)? * 1000 + num(9..12)?)
}

/// Decodes a `.z` payload: a JSON string of base64(raw deflate(JSON)).
pub fn decode_z(payload: &str) -> Result<Value, String> {
    let s: String = serde_json::from_str(payload).map_err(|e| format!("not a JSON string: {e}"))?;
    let raw = base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(|e| format!("base64: {e}"))?;
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(&raw[..]).read_to_string(&mut text).map_err(|e| format!("inflate: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("inflated JSON: {e}"))
}

/// Parses a whole topic file, checking BOM, CRLF, offsets and JSON on every line.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Vec<Line>, String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").ok_or_else(|| format!("{name}: no BOM"))?;
    let text = std::str::from_utf8(body).map_err(|e| format!("{name}: not UTF-8: {e}"))?;
    if !text.ends_with("\r\n") {
        return Err(format!("{name}: does not end with CRLF"));
    }
    let zipped = name.ends_with(".z.jsonStream");
    let mut out = Vec::new();
    let mut last = -1;
    for (i, raw) in text[..text.len() - 2].split("\r\n").enumerate() {
        if raw.contains('\n') || raw.contains('\r') {
            return Err(format!("{name}:{}: stray line break", i + 1));
        }
        if raw.len() < 13 {
            return Err(format!("{name}:{}: too short", i + 1));
        }
        let t = parse_offset(&raw[..12]).map_err(|e| format!("{name}:{}: {e}", i + 1))?;
        if t < last {
            return Err(format!("{name}:{}: offset goes back", i + 1));
        }
        last = t;
        let payload = &raw[12..];
        let json = if zipped { decode_z(payload) } else { serde_json::from_str(payload).map_err(|e| e.to_string()) }
            .map_err(|e| format!("{name}:{}: {e}", i + 1))?;
        out.push(Line { t_ms: t, json });
    }
    Ok(out)
}

/// `2025-06-15T13:02:03.1234567Z` (1-7 fractional digits, optional Z) to 100-ns ticks.
pub fn parse_utc(s: &str) -> i64 {
    let s = s.trim_end_matches('Z');
    let (date, time) = s.split_once('T').expect("T");
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    let mut f = frac.to_string();
    while f.len() < 7 {
        f.push('0');
    }
    let days = sim::calendar::days_from_civil(d[0] as i32, d[1] as u32, d[2] as u32);
    ((days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]) * 10_000_000) + f[..7].parse::<i64>().unwrap()
}
