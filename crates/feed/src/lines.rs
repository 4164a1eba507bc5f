//! Splitting a `.jsonStream` file into timed lines.
//!
//! Each line is `HH:MM:SS.mmm` (session time since the stream opened) followed by a payload,
//! which is JSON for plain topics and a JSON string of base64 + raw deflate for `.z` topics.
//! The archive serves a leading BOM and CRLF; copies found in the wild drop either, and the
//! last line may miss its newline, so all of those are accepted.

use crate::error::{FeedError, Warning};
use crate::time::parse_offset_ms;

const BOM: char = '\u{feff}';

/// One timed line of a topic file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number in the file, for error messages.
    pub number: usize,
    /// Session time of the line in milliseconds (the stream's own clock).
    pub t_ms: i64,
    /// The payload after the offset, untouched.
    pub payload: &'a str,
}

/// The lines of one file, with a warning for every line that had to be skipped or was odd.
#[derive(Debug, Default)]
pub struct Lines<'a> {
    /// Usable lines in file order.
    pub lines: Vec<Line<'a>>,
    /// Skipped or suspicious lines.
    pub warnings: Vec<Warning>,
}

/// Splits a topic file's bytes into timed lines (see [`split_text`]). Text that is not UTF-8
/// costs only the lines it is on: each such line is skipped with a warning naming it, the rest
/// of the file loads.
pub fn split<'a>(file: &str, bytes: &'a [u8]) -> Result<Lines<'a>, FeedError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return split_text(file, text);
    }
    let bytes = bytes.strip_prefix(BOM.to_string().as_bytes()).unwrap_or(bytes);
    let raw_lines = bytes.split(|&b| b == b'\n').map(|raw| {
        std::str::from_utf8(raw).map_err(|e| format!("not UTF-8 text (byte {} of the line): line skipped", e.valid_up_to() + 1))
    });
    collect(file, raw_lines)
}

/// Splits a topic file's text into timed lines.
///
/// A line without a valid offset is skipped with a warning; a BOM in the middle of the file
/// (files glued together) is removed with a warning; an offset earlier than the previous one is
/// kept (the feed does this around reconnects) but reported. An empty file is an error.
pub fn split_text<'a>(file: &str, text: &'a str) -> Result<Lines<'a>, FeedError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    collect(file, text.split('\n').map(Ok))
}

/// Turns raw lines (or why a line is unreadable) into timed lines and warnings.
fn collect<'a>(file: &str, raw_lines: impl Iterator<Item = Result<&'a str, String>>) -> Result<Lines<'a>, FeedError> {
    let mut out = Lines::default();
    let mut last_t = i64::MIN;
    for (i, raw) in raw_lines.enumerate() {
        let number = i + 1;
        let raw = match raw {
            Ok(raw) => raw,
            Err(reason) => {
                out.warnings.push(warn(file, number, &reason));
                continue;
            }
        };
        let mut line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(BOM) {
            out.warnings.push(warn(file, number, "byte-order mark in the middle of the file (ignored)"));
            line = rest;
        }
        let Some(t_ms) = line.get(..12).and_then(parse_offset_ms) else {
            let shown: String = line.chars().take(24).collect();
            out.warnings.push(warn(file, number, &format!("no HH:MM:SS.mmm offset at the start of the line: {shown:?}")));
            continue;
        };
        if t_ms < last_t {
            out.warnings.push(warn(
                file,
                number,
                &format!(
                    "offset goes back in time ({} after {})",
                    crate::time::format_offset_ms(t_ms),
                    crate::time::format_offset_ms(last_t)
                ),
            ));
        }
        last_t = last_t.max(t_ms);
        out.lines.push(Line { number, t_ms, payload: &line[12..] });
    }
    if out.lines.is_empty() {
        let reason =
            if out.warnings.is_empty() { "the file is empty".to_string() } else { format!("{} unusable lines", out.warnings.len()) };
        return Err(FeedError::Empty { file: file.to_string(), reason });
    }
    Ok(out)
}

pub(crate) fn warn(file: &str, line: usize, message: &str) -> Warning {
    Warning { file: file.to_string(), line, message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bom_crlf_lf_and_missing_final_newline() {
        let text = "\u{feff}00:00:01.000{\"a\":1}\r\n00:00:01.000{\"a\":2}\n00:00:02.500{}";
        let l = split_text("T.jsonStream", text).unwrap();
        assert_eq!(l.lines.len(), 3);
        assert_eq!(l.lines[0].payload, "{\"a\":1}");
        assert_eq!(l.lines[1].t_ms, 1000);
        assert_eq!(l.lines[2].t_ms, 2500);
        assert!(l.warnings.is_empty());
    }

    #[test]
    fn a_bad_offset_skips_only_that_line_and_names_it() {
        let l = split_text("T.jsonStream", "00:00:01.000{}\r\nxx:00:01.000{}\r\n00:00:03.000{}\r\n").unwrap();
        assert_eq!(l.lines.len(), 2);
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].line, 2);
        assert!(l.warnings[0].to_string().starts_with("T.jsonStream line 2:"));
    }

    #[test]
    fn a_bom_in_the_middle_is_dropped_with_a_warning() {
        let l = split_text("T.jsonStream", "00:00:01.000{}\r\n\u{feff}00:00:02.000{}\r\n").unwrap();
        assert_eq!(l.lines.len(), 2);
        assert_eq!(l.warnings[0].line, 2);
    }

    #[test]
    fn an_offset_going_backwards_is_kept_and_reported() {
        let l = split_text("T.jsonStream", "00:00:05.000{}\n00:00:02.000{}\n").unwrap();
        assert_eq!(l.lines.len(), 2);
        assert!(l.warnings[0].message.contains("back in time"));
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(split_text("T.jsonStream", "").is_err());
        assert!(split_text("T.jsonStream", "\u{feff}\r\n").is_err());
        assert!(split("T.jsonStream", &[0xff, 0xfe]).is_err());
    }

    #[test]
    fn invalid_utf8_costs_only_its_own_line() {
        let mut bytes = b"\xef\xbb\xbf00:00:01.000{\"a\":1}\r\n00:00:02.000{\"a\":\"".to_vec();
        bytes.extend_from_slice(&[0xc3, 0x28]);
        bytes.extend_from_slice(b"\"}\r\n00:00:03.000{\"a\":3}\r\n");
        let l = split("T.jsonStream", &bytes).unwrap();
        assert_eq!(l.lines.iter().map(|l| l.number).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(l.lines[0].payload, "{\"a\":1}", "the BOM is still stripped");
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].line, 2);
        assert!(l.warnings[0].message.contains("not UTF-8"), "{}", l.warnings[0]);
    }
}
