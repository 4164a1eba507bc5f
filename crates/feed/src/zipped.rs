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
    let p = payload.trim();
    let b64 = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or(ZError::NotAString)?;
    let deflated = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| ZError::Base64(e.to_string()))?;
    // Inflate straight into the output's spare capacity: no zero-fill, no intermediate buffer
    // (both showed up as a quarter of the decode time in a profile).
    let mut inflater = flate2::Decompress::new(false);
    let mut json = Vec::with_capacity(deflated.len() * 10);
    loop {
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let input = deflated.get(consumed..).unwrap_or_default();
        let before = (inflater.total_in(), json.len());
        let status =
            inflater.decompress_vec(input, &mut json, flate2::FlushDecompress::Finish).map_err(|e| ZError::Deflate(e.to_string()))?;
        match status {
            flate2::Status::StreamEnd => break,
            _ if json.len() == json.capacity() => json.reserve(json.capacity().max(4096)),
            _ if (inflater.total_in(), json.len()) == before => {
                return Err(ZError::Deflate("the deflate stream ends early".to_string()));
            }
            _ => {}
        }
    }
    if json.starts_with(&[0xef, 0xbb, 0xbf]) {
        json.drain(..3);
    }
    Ok(json)
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

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(inflate_payload("{}"), Err(ZError::NotAString));
        assert!(matches!(inflate_payload("\"!!!\""), Err(ZError::Base64(_))));
        assert!(matches!(inflate_payload("\"AAAA\""), Err(ZError::Deflate(_)) | Ok(_)));
        assert!(matches!(inflate_payload("\"/////w==\""), Err(ZError::Deflate(_))));
    }
}
