//! `.z` payloads: a JSON string holding base64 of raw-deflated JSON (CarData.z, Position.z).

use base64::Engine;

/// Why a `.z` payload could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZError {
    /// The payload is not a quoted string.
    NotAString,
    /// The string is not valid base64.
    Base64(String),
    /// The bytes are not a valid raw deflate stream.
    Deflate(String),
}

impl std::fmt::Display for ZError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZError::NotAString => write!(f, "a .z payload must be a quoted base64 string"),
            ZError::Base64(e) => write!(f, "bad base64: {e}"),
            ZError::Deflate(e) => write!(f, "bad deflate data: {e}"),
        }
    }
}

/// Opens one `.z` payload (the text after the offset) into its JSON bytes.
///
/// The inflated JSON may itself start with a BOM; it is removed here so callers see plain JSON.
pub fn inflate_payload(payload: &str) -> Result<Vec<u8>, ZError> {
    let mut json = Vec::new();
    Ok(Inflater::default().inflate(payload, &mut json)?.to_vec())
}

/// Opens many `.z` payloads on one thread, keeping the base64 buffer and the inflate state
/// between them instead of allocating both for every line (they showed up in a profile).
pub struct Inflater {
    deflated: Vec<u8>,
    decompress: libdeflater::Decompressor,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater { deflated: Vec::new(), decompress: libdeflater::Decompressor::new() }
    }
}

impl Inflater {
    /// Opens one payload and returns its JSON without a leading BOM: the same bytes and errors
    /// as [`inflate_payload`]. `json` is the output buffer, kept between calls; its contents
    /// are scratch.
    pub fn inflate<'o>(&mut self, payload: &str, json: &'o mut Vec<u8>) -> Result<&'o [u8], ZError> {
        let p = payload.trim();
        let b64 = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or(ZError::NotAString)?;
        self.deflated.clear();
        base64::engine::general_purpose::STANDARD.decode_vec(b64, &mut self.deflated).map_err(|e| ZError::Base64(e.to_string()))?;
        let deflated = &self.deflated;
        // libdeflate (a third of zlib's instructions here) inflates in one call into room for
        // the whole output, and says when there is too little. The buffer keeps its length
        // between lines, so it is zero-filled only when it grows. Feed JSON deflates about
        // 10:1, so most lines fit the first try.
        if json.len() < deflated.len() * 12 {
            json.resize(deflated.len() * 12, 0);
        }
        let n = loop {
            match self.decompress.deflate_decompress(deflated, json) {
                Ok(n) => break n,
                // Deflate expands at most 1032 times: past that the stream is not deflate.
                Err(libdeflater::DecompressionError::InsufficientSpace) if json.len() < deflated.len() * 1032 + 64 => {
                    let more = (json.len().max(4096) * 2).min(deflated.len() * 1032 + 64);
                    json.resize(more, 0);
                }
                Err(libdeflater::DecompressionError::InsufficientSpace) => {
                    return Err(ZError::Deflate("the stream claims more output than deflate can give".to_string()))
                }
                Err(e) => return Err(ZError::Deflate(e.to_string())),
            }
        };
        let json = &json[..n];
        Ok(json.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(json))
    }
}

/// Encodes JSON bytes the way the archive does (raw deflate, base64, quoted), for writers
/// such as the simulator and for round-trip tests.
pub fn deflate_payload(json: &[u8]) -> String {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(json);
    let deflated = enc.finish().unwrap_or_default();
    format!("\"{}\"", base64::engine::general_purpose::STANDARD.encode(deflated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let p = deflate_payload(br#"{"Entries":[]}"#);
        assert_eq!(inflate_payload(&p).unwrap(), br#"{"Entries":[]}"#);
    }

    /// A payload cut short (at a whole base64 quantum, so only the deflate stream is broken).
    fn truncated(payload: &str) -> String {
        let b64 = payload.trim_matches('"');
        format!("\"{}\"", &b64[..b64.len() / 2 / 4 * 4])
    }

    #[test]
    fn one_inflater_opens_many_payloads_like_fresh_ones() {
        let payloads = [
            deflate_payload(br#"{"Entries":[]}"#),
            "\"!!!\"".to_string(),
            deflate_payload("\u{feff}{\"Position\":[]}".as_bytes()),
            "\"/////w==\"".to_string(),
            deflate_payload(&b"{\"x\":1}".repeat(5000)),
            "{}".to_string(),
            deflate_payload(b""),
            "\"AAAA\"".to_string(),
            deflate_payload(br#"{"Entries":[1]}"#),
            "\"\"".to_string(),
            truncated(&deflate_payload(&b"{\"y\":2}".repeat(3000))),
        ];
        let mut inflater = Inflater::default();
        let mut json = b"left over".to_vec();
        for p in &payloads {
            let reused = inflater.inflate(p, &mut json).map(<[u8]>::to_vec);
            assert_eq!(reused, inflate_payload(p), "{p}");
        }
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(inflate_payload("{}"), Err(ZError::NotAString));
        assert!(matches!(inflate_payload("\"!!!\""), Err(ZError::Base64(_))));
        assert!(matches!(inflate_payload("\"AAAA\""), Err(ZError::Deflate(_)) | Ok(_)));
        assert!(matches!(inflate_payload("\"/////w==\""), Err(ZError::Deflate(_))));
    }

    /// zlib's inflate (flate2), the reference for libdeflate's: the JSON of one payload.
    fn zlib(payload: &str) -> Option<Vec<u8>> {
        use std::io::Read;
        let b64 = payload.trim().trim_matches('"');
        let deflated = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let mut json = Vec::new();
        flate2::read::DeflateDecoder::new(&deflated[..]).read_to_end(&mut json).ok()?;
        Some(json.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(&json).to_vec())
    }

    #[test]
    fn every_z_line_of_the_shared_data_opens_as_zlib_opens_it() {
        let Some(files) = testkit::data_files(|name| name.ends_with(".z.jsonStream")) else {
            println!("SKIPPED every_z_line_of_the_shared_data_opens_as_zlib_opens_it: no real data (set F1REPLAY_TEST_DATA)");
            return;
        };
        let (mut inflater, mut json, mut lines_read) = (Inflater::default(), Vec::new(), 0);
        for path in &files {
            let Ok(bytes) = std::fs::read(path) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            let Ok(lines) = crate::lines::split_text("x.z.jsonStream", &text) else { continue };
            for l in &lines.lines {
                let ours = inflater.inflate(l.payload, &mut json).ok().map(<[u8]>::to_vec);
                assert_eq!(ours, zlib(l.payload), "{}:{}", path.display(), l.number);
                lines_read += 1;
            }
        }
        println!("{} .z files, {lines_read} lines: opened as zlib opens them", files.len());
        assert!(lines_read > 9_000);
    }
}
