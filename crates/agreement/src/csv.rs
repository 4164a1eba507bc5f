//! FastF1's CSV output (`ff_export.py`: `laps.csv`, `tel/*.csv`) read as header and rows.

use crate::CheckError;
use std::path::Path;

/// A CSV file read as a header and rows of strings (quoted fields supported).
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// The file, for errors.
    path: String,
}

impl Csv {
    /// Reads a CSV file; an error names the file.
    pub fn read(path: &Path) -> Result<Csv, CheckError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CheckError::Read { path: name.clone(), reason: e.to_string() })?;
        let mut lines = text.lines().map(split_line);
        let header = lines.next().ok_or_else(|| CheckError::Read { path: name.clone(), reason: "empty file".into() })?;
        Ok(Csv { header, rows: lines.collect(), path: name })
    }

    /// The index of a column; an error names the file and the column.
    pub fn col(&self, name: &str) -> Result<usize, CheckError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| CheckError::Column { path: self.path.clone(), column: name.into() })
    }
}

/// One CSV line's fields (`""` inside quotes is a quote).
fn split_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Seconds (FastF1's timedelta as seconds) as whole milliseconds.
pub fn ms(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * 1000.0).round() as i64)
}

/// A finite number (`nan` and empty are `None`).
pub fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok().filter(|v: &f64| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_their_commas_and_quotes() {
        assert_eq!(split_line(r#"a,"b,c","d""e",,f"#), ["a", "b,c", "d\"e", "", "f"]);
    }

    #[test]
    fn seconds_round_to_the_millisecond() {
        assert_eq!(ms("77.3059999"), Some(77_306));
        assert_eq!(ms("nan"), None);
        assert_eq!(num(""), None);
    }
}
