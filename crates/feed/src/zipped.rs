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
    let opened = Inflater::default().inflate(payload, &mut json)?.len();
    json.drain(..json.len() - opened);
    Ok(json)
}

/// Opens many `.z` payloads on one thread, keeping the base64 buffer and the inflate state
/// between them instead of allocating both for every line (they showed up in a profile).
pub struct Inflater {
    deflated: Vec<u8>,
    decompress: flate2::Decompress,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater { deflated: Vec::new(), decompress: flate2::Decompress::new(false) }
    }
}

impl Inflater {
    /// Opens one payload into `json` (whose previous contents are dropped) and returns the JSON
    /// without a leading BOM: the same bytes and errors as [`inflate_payload`].
    pub fn inflate<'o>(&mut self, payload: &str, json: &'o mut Vec<u8>) -> Result<&'o [u8], ZError> {
        let p = payload.trim();
        let b64 = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or(ZError::NotAString)?;
        self.deflated.clear();
        base64::engine::general_purpose::STANDARD.decode_vec(b64, &mut self.deflated).map_err(|e| ZError::Base64(e.to_string()))?;
        let deflated = &self.deflated;
        // Inflate straight into the output's spare capacity: no zero-fill, no intermediate buffer
        // (both showed up as a quarter of the decode time in a profile).
        let inflater = &mut self.decompress;
        inflater.reset(false);
        json.clear();
        json.reserve(deflated.len() * 10);
        loop {
            let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
            let input = deflated.get(consumed..).unwrap_or_default();
            let before = (inflater.total_in(), json.len());
            let status =
                inflater.decompress_vec(input, json, flate2::FlushDecompress::Finish).map_err(|e| ZError::Deflate(e.to_string()))?;
            match status {
                flate2::Status::StreamEnd => break,
                _ if json.len() == json.capacity() => json.reserve(json.capacity().max(4096)),
                _ if (inflater.total_in(), json.len()) == before => {
                    return Err(ZError::Deflate("the deflate stream ends early".to_string()));
                }
                _ => {}
            }
        }
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
}
