//! Time values as the feed writes them: line offsets, lap and sector times, UTC instants.
//!
//! Every time in f1replay is an integer: milliseconds for session time and durations,
//! microseconds since the Unix epoch for UTC instants (the feed sends 7 fractional digits;
//! FastF1 keeps 6, and so do we, so t0 comes out the same).

/// Parses a line offset `HH:MM:SS.mmm` into milliseconds of session time.
///
/// Strict: exactly two digits for hours, minutes and seconds and three for milliseconds,
/// because every archive line starts with exactly that.
pub fn parse_offset_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 12 || b[2] != b':' || b[5] != b':' || b[8] != b'.' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits(&b[r]);
    let (h, m, sec, ms) = (num(0..2)?, num(3..5)?, num(6..8)?, num(9..12)?);
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Formats milliseconds of session time as `HH:MM:SS.mmm` (the inverse of [`parse_offset_ms`]).
pub fn format_offset_ms(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// Parses a duration as the feed writes lap, sector and gap times: `H:M:S.f`, `M:S.f` or `S.f`,
/// with 0-6 fractional digits, into milliseconds (sub-millisecond digits are truncated,
/// as FastF1's `to_timedelta` does). A leading `+` is accepted. Returns `None` for anything else,
/// including the empty string.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut frac_ms = 0i64;
    for (i, c) in frac.bytes().take(3).enumerate() {
        frac_ms += i64::from(c - b'0') * [100, 10, 1][i];
    }
    let mut total_s = 0i64;
    let mut parts = 0;
    for part in whole.split(':') {
        parts += 1;
        if parts > 3 || part.is_empty() || part.len() > 6 || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        total_s = total_s * 60 + part.parse::<i64>().ok()?;
    }
    Some(total_s * 1000 + frac_ms)
}

/// Parses a UTC instant `YYYY-MM-DDTHH:MM:SS[.f...][Z]` into microseconds since the Unix epoch.
///
/// Fractions are truncated or padded to 6 digits (the feed often sends 7), matching FastF1.
pub fn parse_utc_us(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits(&b[r]);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut us = 0i64;
    if b.len() > 19 {
        if b[19] != b'.' || b.len() == 20 {
            return None;
        }
        let frac = &b[20..];
        if !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for i in 0..6 {
            us = us * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
        }
    }
    let days = days_from_civil(y, mo, d);
    Some((((days * 24 + h) * 60 + mi) * 60 + sec) * 1_000_000 + us)
}

/// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.fffffff Z` in the feed's style
/// (seven fractional digits, the last one always 0), for writers such as the simulator.
pub fn format_utc_us(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}0Z", tod / 3600, tod / 60 % 60, tod % 60)
}

/// The value of a run of ASCII digits; `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |v, &c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip() {
        assert_eq!(parse_offset_ms("01:18:43.422"), Some(4_723_422));
        assert_eq!(format_offset_ms(4_723_422), "01:18:43.422");
        assert_eq!(parse_offset_ms("1:18:43.422"), None);
        assert_eq!(parse_offset_ms("01:61:43.422"), None);
    }

    #[test]
    fn durations_accept_the_feeds_forms() {
        assert_eq!(parse_duration_ms("1:17.123"), Some(77_123));
        assert_eq!(parse_duration_ms("36.564"), Some(36_564));
        assert_eq!(parse_duration_ms("+1.2"), Some(1_200));
        assert_eq!(parse_duration_ms("1:00:01.0001"), Some(3_601_000));
        assert_eq!(parse_duration_ms(""), None);
        assert_eq!(parse_duration_ms("LAP 5"), None);
        assert_eq!(parse_duration_ms("1L"), None);
    }

    #[test]
    fn utc_keeps_microseconds_and_round_trips() {
        let us = parse_utc_us("2025-10-25T20:47:26.1188604Z").unwrap();
        assert_eq!(us % 1_000_000, 118_860);
        assert_eq!(format_utc_us(us), "2025-10-25T20:47:26.1188600Z");
        assert_eq!(parse_utc_us("1970-01-01T00:00:01"), Some(1_000_000));
        assert_eq!(parse_utc_us("2025-13-01T00:00:00"), None);
    }
}
