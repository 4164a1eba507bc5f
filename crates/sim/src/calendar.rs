//! The fictional event's calendar: names, dates, archive paths and the absolute clock.
//!
//! Everything is fixed (no wall clock), so output is reproducible. Absolute instants are kept as
//! 100-nanosecond ticks since the Unix epoch because the feed writes UTC with seven fractional
//! digits.

use crate::SessionKind;

/// The season of the simulated event.
pub const YEAR: i32 = 2025;
/// Meeting (race day) date.
pub const MEETING_DATE: (i32, u32, u32) = (2025, 6, 15);
/// The event's name (folder name with spaces turned into underscores).
pub const EVENT_NAME: &str = "Simulated Grand Prix";
/// Official name.
pub const OFFICIAL_NAME: &str = "FORMULA 1 SIMULATED GRAND PRIX 2025";
/// Local time offset as the feed writes it.
pub const GMT_OFFSET: &str = "02:00:00";
const GMT_OFFSET_S: i64 = 2 * 3600;

/// Ticks (100 ns) per millisecond.
pub const TICKS_PER_MS: i64 = 10_000;

/// The calendar entry of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDate {
    /// Session key (unique number, like the archive's).
    pub key: u32,
    /// `Type` in the archive: Race, Qualifying or Practice.
    pub kind_name: &'static str,
    /// `Name`: Race, Sprint, Qualifying, Practice 1.
    pub name: &'static str,
    /// `Number` for practice sessions.
    pub number: Option<u32>,
    /// Session date (local).
    pub date: (i32, u32, u32),
    /// Scheduled local start, `HH:MM:SS`.
    pub start_local: &'static str,
    /// Scheduled local end, `HH:MM:SS`.
    pub end_local: &'static str,
    /// UTC of session time zero (the start of the data stream), ticks since the epoch.
    pub t0_ticks: i64,
}

impl SessionDate {
    /// `2025-06-15_Race` style folder name.
    pub fn folder(&self) -> String {
        format!("{:04}-{:02}-{:02}_{}", self.date.0, self.date.1, self.date.2, self.name.replace(' ', "_"))
    }

    /// `2025-06-15T15:00:00` style local start.
    pub fn start_date(&self) -> String {
        format!("{}T{}", ymd(self.date), self.start_local)
    }

    /// `2025-06-15T17:00:00` style local end.
    pub fn end_date(&self) -> String {
        format!("{}T{}", ymd(self.date), self.end_local)
    }

    /// The archive `Path` of this session (with the trailing slash).
    pub fn path(&self) -> String {
        format!("{}/{}/{}/", YEAR, meeting_folder(), self.folder())
    }
}

fn ymd(d: (i32, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// `2025-06-15_Simulated_Grand_Prix`.
pub fn meeting_folder() -> String {
    format!("{}_{}", ymd(MEETING_DATE), EVENT_NAME.replace(' ', "_"))
}

/// The calendar entry for a session kind.
pub fn session(kind: SessionKind) -> SessionDate {
    // t0 = scheduled local start - offset - lead time of the data stream (+ an odd fraction,
    // like the archive's)
    let at = |date: (i32, u32, u32), h: i64, m: i64, lead_s: i64, frac_ms: i64| -> i64 {
        let days = days_from_civil(date.0, date.1, date.2);
        let secs = days * 86_400 + h * 3600 + m * 60 - GMT_OFFSET_S - lead_s;
        secs * 10_000_000 + frac_ms * TICKS_PER_MS
    };
    match kind {
        SessionKind::Race => SessionDate {
            key: 9905,
            kind_name: "Race",
            name: "Race",
            number: None,
            date: (2025, 6, 15),
            start_local: "15:00:00",
            end_local: "17:00:00",
            t0_ticks: at((2025, 6, 15), 15, 0, 13 * 60, 196),
        },
        SessionKind::Sprint => SessionDate {
            key: 9903,
            kind_name: "Race",
            name: "Sprint",
            number: None,
            date: (2025, 6, 14),
            start_local: "12:00:00",
            end_local: "13:00:00",
            t0_ticks: at((2025, 6, 14), 12, 0, 13 * 60, 421),
        },
        SessionKind::Qualifying => SessionDate {
            key: 9904,
            kind_name: "Qualifying",
            name: "Qualifying",
            number: None,
            date: (2025, 6, 14),
            start_local: "16:00:00",
            end_local: "17:00:00",
            t0_ticks: at((2025, 6, 14), 16, 0, 10 * 60, 348),
        },
        SessionKind::SprintQualifying => SessionDate {
            key: 9902,
            kind_name: "Qualifying",
            name: "Sprint Qualifying",
            number: None,
            date: (2025, 6, 13),
            start_local: "17:30:00",
            end_local: "18:15:00",
            t0_ticks: at((2025, 6, 13), 17, 30, 10 * 60, 257),
        },
        SessionKind::Practice => SessionDate {
            key: 9901,
            kind_name: "Practice",
            name: "Practice 1",
            number: Some(1),
            date: (2025, 6, 13),
            start_local: "13:30:00",
            end_local: "14:30:00",
            t0_ticks: at((2025, 6, 13), 13, 30, 10 * 60, 123),
        },
    }
}

/// All sessions of the simulated meeting in date order (for the season index).
pub fn all_sessions() -> Vec<(SessionKind, SessionDate)> {
    let mut v: Vec<(SessionKind, SessionDate)> = [SessionKind::Practice, SessionKind::Sprint, SessionKind::Qualifying, SessionKind::Race]
        .into_iter()
        .map(|k| (k, session(k)))
        .collect();
    v.sort_by_key(|a| a.1.t0_ticks);
    v
}

/// Local wall-clock (h, m, s) at session time `t_ms`.
pub fn local_hms(kind: SessionKind, t_ms: i64) -> (i64, i64, i64) {
    let ticks = session(kind).t0_ticks + t_ms * TICKS_PER_MS;
    let secs = ticks.div_euclid(10_000_000) + GMT_OFFSET_S;
    let sod = secs.rem_euclid(86_400);
    (sod / 3600, (sod / 60) % 60, sod % 60)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2025-06-15T13:02:03.1234567Z`: UTC with seven fractional digits, as CarData and Position
/// carry it.
pub fn utc7(ticks: i64) -> String {
    let secs = ticks.div_euclid(10_000_000);
    let frac = ticks.rem_euclid(10_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z", y, mo, d, sod / 3600, (sod / 60) % 60, sod % 60, frac)
}

/// `2025-06-15T13:02:03`: UTC to the second, as race control messages carry it.
pub fn utc_seconds(ticks: i64) -> String {
    let s = utc7(ticks);
    s[..19].to_string()
}

/// `2025-06-15T13:02:03.009Z`: UTC to the millisecond (ExtrapolatedClock).
pub fn utc_ms(ticks: i64) -> String {
    let s = utc7(ticks);
    format!("{}Z", &s[..23])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-1000, 0, 1, 20_000, 20_254, 30_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y as i32, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2025, 6, 15)), (2025, 6, 15));
    }

    #[test]
    fn utc_strings_look_like_the_feed() {
        let t = session(SessionKind::Race).t0_ticks;
        assert_eq!(utc7(t), "2025-06-15T12:47:00.1960000Z");
        assert_eq!(utc_seconds(t), "2025-06-15T12:47:00");
        assert_eq!(utc_ms(t), "2025-06-15T12:47:00.196Z");
        assert_eq!(session(SessionKind::Race).path(), "2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race/");
        assert_eq!(session(SessionKind::Practice).folder(), "2025-06-13_Practice_1");
    }
}
