//! The archive's file format: `.jsonStream` lines (`HH:MM:SS.mmm` + JSON, CRLF, UTF-8 BOM) and
//! `.z` payloads (a JSON string holding base64 of raw DEFLATE of the JSON), plus the feed's
//! ways of writing times.

use std::io::Write;

use base64::Engine;
use flate2::write::DeflateEncoder;
use flate2::Compression;

/// UTF-8 byte order mark every archive file starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `HH:MM:SS.mmm` session-time offset of a line.
pub fn offset(t_ms: i64) -> String {
    let t = t_ms.max(0);
    format!("{:02}:{:02}:{:02}.{:03}", t / 3_600_000, (t / 60_000) % 60, (t / 1000) % 60, t % 1000)
}

/// Lap time as the feed writes it: `1:18.964` (minutes may exceed 9: `11:28.503`).
pub fn lap_time(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
}

/// Sector time as the feed writes it: always seconds, `27.211`, `64.609`.
pub fn sector_time(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Gap as the feed writes it: `+1.234`.
pub fn gap(ms: i64) -> String {
    let ms = ms.max(0);
    format!("+{}.{:03}", ms / 1000, ms % 1000)
}

/// `HH:MM:SS` duration (ExtrapolatedClock `Remaining`).
pub fn hms(secs: i64) -> String {
    let s = secs.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Raw DEFLATE (no zlib header) then standard base64, quoted: a `.z` line payload.
pub fn z_payload(json: &str) -> String {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(json.len() / 6), Compression::new(6));
    // writing to a Vec cannot fail
    let _ = enc.write_all(json.as_bytes());
    let raw = enc.finish().unwrap_or_default();
    let mut s = String::with_capacity(raw.len() * 4 / 3 + 4);
    s.push('"');
    base64::engine::general_purpose::STANDARD.encode_string(&raw, &mut s);
    s.push('"');
    s
}

/// A topic file being assembled: BOM, then `offset + payload + CRLF` per line.
#[derive(Debug, Clone)]
pub struct StreamFile {
    bytes: Vec<u8>,
    last_ms: i64,
}

impl Default for StreamFile {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamFile {
    /// An empty file (just the BOM).
    pub fn new() -> Self {
        StreamFile { bytes: BOM.to_vec(), last_ms: 0 }
    }

    /// Appends a line. Offsets never decrease within a file (the archive's files are in
    /// order); a line earlier than the previous one is written at the previous offset.
    pub fn line(&mut self, t_ms: i64, payload: &str) {
        let t = t_ms.max(self.last_ms);
        self.last_ms = t;
        self.bytes.extend_from_slice(offset(t).as_bytes());
        self.bytes.extend_from_slice(payload.as_bytes());
        self.bytes.extend_from_slice(b"\r\n");
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn time_strings() {
        assert_eq!(offset(0), "00:00:00.000");
        assert_eq!(offset(3_723_004), "01:02:03.004");
        assert_eq!(lap_time(78_964), "1:18.964");
        assert_eq!(lap_time(688_503), "11:28.503");
        assert_eq!(sector_time(64_609), "64.609");
        assert_eq!(sector_time(9_050), "9.050");
        assert_eq!(gap(1_234), "+1.234");
        assert_eq!(hms(7199), "01:59:59");
    }

    #[test]
    fn z_payload_round_trips() {
        let json = r#"{"Entries":[{"Utc":"x","Cars":{}}]}"#;
        let z = z_payload(json);
        assert!(z.starts_with('"') && z.ends_with('"'));
        let raw = base64::engine::general_purpose::STANDARD.decode(&z[1..z.len() - 1]).unwrap();
        let mut out = String::new();
        flate2::read::DeflateDecoder::new(&raw[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, json);
    }

    #[test]
    fn stream_file_has_bom_crlf_and_monotone_offsets() {
        let mut f = StreamFile::new();
        f.line(1000, "{}");
        f.line(500, "{\"a\":1}");
        let b = f.into_bytes();
        assert!(b.starts_with(BOM));
        let s = std::str::from_utf8(&b[3..]).unwrap();
        assert_eq!(s, "00:00:01.000{}\r\n00:00:01.000{\"a\":1}\r\n");
    }
}
