//! Calendar arithmetic for the archive's dates, without a date library: session days taken from
//! session folder names (`2025-10-25_Qualifying`), index timestamps (`2023-04-29T17:30:00` plus
//! `GmtOffset`), and "is this session recent", which decides whether a missing file is "not
//! published yet" and whether a cached file may still change.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds in a day.
const DAY_S: i64 = 86_400;

/// A session counts as recent (its files may be missing or still growing) from this many days
/// before its date onwards, including any future date.
const RECENT_DAYS: i64 = 2;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` at the start of `text` into days since the epoch.
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Parses an index timestamp `YYYY-MM-DDTHH:MM:SS` (local time) into seconds since the epoch,
/// as if it were UTC.
pub(crate) fn parse_local_datetime(text: &str) -> Option<i64> {
    let days = parse_day(text)?;
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let clock = parse_hms(text.get(11..19)?)?;
    Some(days * DAY_S + clock)
}

/// Parses a `GmtOffset` such as `04:00:00` or `-03:00:00` into seconds.
pub(crate) fn parse_offset(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(rest) => parse_hms(rest).map(|s| -s),
        None => parse_hms(text.strip_prefix('+').unwrap_or(text)),
    }
}

fn parse_hms(text: &str) -> Option<i64> {
    let mut parts = text.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: i64 = parts.next().unwrap_or("0").parse().ok()?;
    if parts.next().is_some() || !(0..60).contains(&m) || !(0..61).contains(&s) {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// Now, in seconds since the epoch.
pub(crate) fn now_unix_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// Today (UTC), in days since the epoch.
pub(crate) fn today() -> i64 {
    now_unix_s().div_euclid(DAY_S)
}

/// The current UTC year.
pub(crate) fn current_year() -> i64 {
    // Walk from an estimate; at most one step either way.
    let today = today();
    let mut year = 1970 + today / 365;
    while days_from_civil(year, 1, 1) > today {
        year -= 1;
    }
    while days_from_civil(year + 1, 1, 1) <= today {
        year += 1;
    }
    year
}

/// The day of a session, read from its folder name (`.../2025-10-25_Qualifying/`), the way the
/// archive names session folders. `None` when the last segment does not start with a date.
pub(crate) fn session_day(session_path: &str) -> Option<i64> {
    let last = session_path.trim_end_matches('/').rsplit('/').next()?;
    parse_day(last)
}

/// True when a session on `session_day` is recent or in the future relative to `today`.
pub(crate) fn is_recent(session_day: i64, today: i64) -> bool {
    session_day >= today - RECENT_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2023, 4, 29), 19_476);
    }

    #[test]
    fn index_timestamps_and_offsets_parse() {
        let local = parse_local_datetime("2023-04-29T17:30:00").unwrap();
        assert_eq!(local, 19_476 * DAY_S + 17 * 3600 + 30 * 60);
        assert_eq!(parse_offset("04:00:00"), Some(4 * 3600));
        assert_eq!(parse_offset("-03:00:00"), Some(-3 * 3600));
        assert_eq!(parse_local_datetime("2023-04-29"), None);
        assert_eq!(parse_offset("x"), None);
    }

    #[test]
    fn session_day_comes_from_the_last_folder_name() {
        let day = session_day("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/");
        assert_eq!(day, Some(days_from_civil(2023, 4, 29)));
        assert_eq!(session_day("my_folder"), None);
    }

    #[test]
    fn recency_window_includes_the_future() {
        assert!(is_recent(100, 100));
        assert!(is_recent(200, 100));
        assert!(is_recent(98, 100));
        assert!(!is_recent(97, 100));
        assert!(current_year() >= 2025);
    }
}
