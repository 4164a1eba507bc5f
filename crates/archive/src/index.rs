//! The season index (`{year}/Index.json`): meetings, their sessions, and each session's `Path`
//! in the archive, plus the resolver that turns `YEAR/EVENT/SESSION` into one session.
//!
//! Session paths are always taken from the index, never built from dates: the archive's folder
//! names have exceptions that only the index knows (docs/FEED.md 2.0, FastF1's `make_path` fixes).

use serde::{Deserialize, Serialize};

use crate::date;
use crate::error::{Error, Result};
use crate::path;

/// A parsed season `Index.json`: every meeting (race weekend or test) of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeasonIndex {
    /// The season, e.g. 2023.
    pub year: u16,
    /// Meetings in calendar order, as the archive lists them.
    pub meetings: Vec<Meeting>,
}

/// One meeting (a Grand Prix weekend or a test) of a season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Meeting {
    /// The archive's meeting key.
    pub key: i64,
    /// Meeting name, e.g. `Azerbaijan Grand Prix`.
    pub name: String,
    /// Official name, e.g. `FORMULA 1 AZERBAIJAN GRAND PRIX 2023`.
    #[serde(default)]
    pub official_name: Option<String>,
    /// Round number as the archive counts it (tests may be numbered too).
    #[serde(default)]
    pub number: Option<i32>,
    /// Meeting code, e.g. `AZE02`.
    #[serde(default)]
    pub code: Option<String>,
    /// Location, e.g. `Baku`.
    #[serde(default)]
    pub location: String,
    /// Host country.
    #[serde(default)]
    pub country: Country,
    /// Circuit; its key identifies the track (e.g. for circuit outlines).
    #[serde(default)]
    pub circuit: Circuit,
    /// Sessions of the meeting, in the order the index lists them.
    #[serde(default)]
    pub sessions: Vec<SessionEntry>,
}

/// The country of a meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Country {
    /// The archive's country key.
    #[serde(default)]
    pub key: Option<i64>,
    /// Three-letter code, e.g. `AZE`.
    #[serde(default)]
    pub code: Option<String>,
    /// Country name, e.g. `Azerbaijan`.
    #[serde(default)]
    pub name: String,
}

/// The circuit of a meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Circuit {
    /// The archive's circuit key (stable across seasons).
    #[serde(default)]
    pub key: i64,
    /// Short name, e.g. `Baku`.
    #[serde(default)]
    pub short_name: String,
}

/// One session of a meeting as the season index lists it.
///
/// `Name` and `Path` are missing for some entries (cancelled or not yet published sessions,
/// e.g. 2023 Qatar), so they are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionEntry {
    /// The archive's session key (`-1` for placeholders).
    pub key: i64,
    /// Session type: `Practice`, `Qualifying` or `Race` (a sprint is a `Race`, a sprint
    /// shootout a `Qualifying`).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Number within the type (`1` for Practice 1; `-1` or absent otherwise).
    #[serde(default)]
    pub number: Option<i32>,
    /// Session name, e.g. `Practice 1`, `Sprint Shootout`, `Race`.
    #[serde(default)]
    pub name: Option<String>,
    /// Scheduled start, local time at the circuit (`2023-04-29T17:30:00`).
    #[serde(default)]
    pub start_date: String,
    /// Scheduled end, local time at the circuit.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Offset of the local time from UTC (`04:00:00`, `-03:00:00`).
    #[serde(default)]
    pub gmt_offset: String,
    /// Folder of the session's files in the archive, e.g.
    /// `2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/`.
    #[serde(default)]
    pub path: Option<String>,
}

/// A session found by [`SeasonIndex::resolve`]: the meeting, the session and its validated path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSession {
    /// The season.
    pub year: u16,
    /// The meeting the session belongs to.
    pub meeting: Meeting,
    /// The session entry.
    pub session: SessionEntry,
    /// The session's archive path, as in the index, already checked by [`path::session_path`].
    pub path: String,
}

/// A parsed `YEAR/EVENT/SESSION` string, e.g. `2023/azerbaijan/sprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSpec {
    /// The season.
    pub year: u16,
    /// Meeting name, location or country (case, accents, spaces, `-` and `_` do not matter).
    pub event: String,
    /// Session name or type, or a short form such as `fp1`, `q`, `sq`.
    pub session: String,
}

impl SessionSpec {
    /// Parses `YEAR/EVENT/SESSION`.
    pub fn parse(spec: &str) -> Result<SessionSpec> {
        let bad = |reason: &str| Error::Spec { spec: spec.to_owned(), reason: reason.to_owned() };
        let parts: Vec<&str> = spec.split('/').map(str::trim).collect();
        let [year, event, session] = parts[..] else {
            return Err(bad("expected YEAR/EVENT/SESSION, e.g. 2023/azerbaijan/sprint"));
        };
        let year: u16 = year.parse().map_err(|_| bad("YEAR must be a number such as 2023"))?;
        if event.is_empty() || session.is_empty() {
            return Err(bad("EVENT and SESSION must not be empty"));
        }
        Ok(SessionSpec { year, event: event.to_owned(), session: session.to_owned() })
    }
}

impl std::str::FromStr for SessionSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        SessionSpec::parse(spec)
    }
}

impl SeasonIndex {
    /// Parses the bytes of a season `Index.json` (a leading UTF-8 BOM is skipped).
    ///
    /// `location` (URL or path) only serves the error message.
    pub fn parse(bytes: &[u8], location: &str) -> Result<SeasonIndex> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        serde_json::from_slice(bytes).map_err(|e| Error::Index { location: location.to_owned(), reason: e.to_string() })
    }

    /// Parses a season index and checks that it is the one for `year`.
    pub fn parse_for_year(bytes: &[u8], year: u16, location: &str) -> Result<SeasonIndex> {
        let index = SeasonIndex::parse(bytes, location)?;
        if index.year != year {
            return Err(Error::Index {
                location: location.to_owned(),
                reason: format!("expected the {year} season, the file says Year {}", index.year),
            });
        }
        Ok(index)
    }

    /// Every (meeting, session) pair, in index order.
    pub fn sessions(&self) -> impl Iterator<Item = (&Meeting, &SessionEntry)> {
        self.meetings.iter().flat_map(|m| m.sessions.iter().map(move |s| (m, s)))
    }

    /// Finds the meeting matching `event` (see [`SeasonIndex::resolve`]).
    pub fn find_meeting(&self, event: &str) -> Result<&Meeting> {
        let query = normalize(event);
        let tiers: [&dyn Fn(&Meeting) -> bool; 4] = [
            // Meeting name, with or without "Grand Prix".
            &|m| {
                let name = normalize(&m.name);
                name == query || name.strip_suffix(" grand prix") == Some(query.as_str())
            },
            &|m| normalize(&m.location) == query || normalize(&m.circuit.short_name) == query,
            &|m| normalize(&m.country.name) == query,
            &|m| [&m.name, &m.location, &m.country.name].iter().any(|field| starts_with_words(&normalize(field), &query)),
        ];
        let context = self.year.to_string();
        for tier in tiers {
            let found: Vec<&Meeting> = self.meetings.iter().filter(|m| tier(m)).collect();
            match found[..] {
                [] => continue,
                [one] => return Ok(one),
                _ => {
                    return Err(Error::Ambiguous {
                        what: "event",
                        query: event.to_owned(),
                        year: context,
                        candidates: list(found.iter().map(|m| describe_meeting(m))),
                    })
                }
            }
        }
        Err(Error::NoMatch {
            what: "event",
            query: event.to_owned(),
            year: context,
            candidates: list(self.meetings.iter().map(describe_meeting)),
        })
    }

    /// Resolves an event and a session to one session with a valid archive path.
    ///
    /// `event` matches the meeting name (with or without "Grand Prix"), then the location or
    /// circuit, then the country, then a word prefix of any of them; `session` matches the
    /// session name, then a short form (`fp1`, `q`, `sq`, `r`...), then the type, then a word
    /// prefix of the name. Case, accents, spaces, `-` and `_` do not matter. The first rule that
    /// matches anything decides; several matches give [`Error::Ambiguous`] listing them, none
    /// gives [`Error::NoMatch`] listing the candidates.
    pub fn resolve(&self, event: &str, session: &str) -> Result<ResolvedSession> {
        let meeting = self.find_meeting(event)?;
        let entry = find_session(self.year, meeting, session)?;
        let Some(raw_path) = entry.path.as_deref() else {
            return Err(Error::NoSessionPath { year: self.year, meeting: meeting.name.clone(), session: entry.display_name().to_owned() });
        };
        path::session_path(raw_path)?;
        Ok(ResolvedSession { year: self.year, meeting: meeting.clone(), session: entry.clone(), path: raw_path.to_owned() })
    }

    /// Resolves a parsed `YEAR/EVENT/SESSION`, checking that it is for this season.
    pub fn resolve_spec(&self, spec: &SessionSpec) -> Result<ResolvedSession> {
        if spec.year != self.year {
            return Err(Error::Spec {
                spec: format!("{}/{}/{}", spec.year, spec.event, spec.session),
                reason: format!("this is the {} season index", self.year),
            });
        }
        self.resolve(&spec.event, &spec.session)
    }
}

impl SessionEntry {
    /// The name, or the type for entries without a name.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.kind)
    }

    /// Scheduled start in seconds since the Unix epoch (UTC), when the dates parse.
    pub fn start_unix_s(&self) -> Option<i64> {
        Some(date::parse_local_datetime(&self.start_date)? - date::parse_offset(&self.gmt_offset)?)
    }

    /// Scheduled end in seconds since the Unix epoch (UTC), when the dates parse.
    pub fn end_unix_s(&self) -> Option<i64> {
        let end = self.end_date.as_deref()?;
        Some(date::parse_local_datetime(end)? - date::parse_offset(&self.gmt_offset)?)
    }
}

fn find_session<'m>(year: u16, meeting: &'m Meeting, query_text: &str) -> Result<&'m SessionEntry> {
    let query = normalize(query_text);
    let aliases = session_aliases(&query);
    let name_of = |s: &SessionEntry| s.name.as_deref().map(normalize);
    let tiers: [&dyn Fn(&SessionEntry) -> bool; 4] = [
        &|s| name_of(s).as_deref() == Some(query.as_str()),
        &|s| name_of(s).is_some_and(|n| aliases.contains(&n.as_str())),
        // By type, but a session whose name says something else (a "Sprint" of type "Race")
        // only counts when nothing plainer matches; see below.
        &|s| normalize(&s.kind) == query,
        &|s| name_of(s).is_some_and(|n| starts_with_words(&n, &query)),
    ];
    let context = format!("{year} {}", meeting.name);
    for (rank, tier) in tiers.iter().enumerate() {
        let mut found: Vec<&SessionEntry> = meeting.sessions.iter().filter(|s| tier(s)).collect();
        if rank == 2 {
            let plain: Vec<&SessionEntry> = found.iter().copied().filter(|s| name_of(s).is_none_or(|n| n == normalize(&s.kind))).collect();
            if !plain.is_empty() {
                found = plain;
            }
        }
        match found[..] {
            [] => continue,
            [one] => return Ok(one),
            _ => {
                return Err(Error::Ambiguous {
                    what: "session",
                    query: query_text.to_owned(),
                    year: context,
                    candidates: list(found.iter().map(|s| describe_session(s))),
                })
            }
        }
    }
    Err(Error::NoMatch {
        what: "session",
        query: query_text.to_owned(),
        year: context,
        candidates: list(meeting.sessions.iter().map(describe_session)),
    })
}

/// Short forms of session names, after [`normalize`].
fn session_aliases(query: &str) -> &'static [&'static str] {
    match query {
        "fp1" | "p1" | "practice1" => &["practice 1"],
        "fp2" | "p2" | "practice2" => &["practice 2"],
        "fp3" | "p3" | "practice3" => &["practice 3"],
        "q" | "quali" => &["qualifying"],
        "r" | "gp" | "grand prix" => &["race"],
        "s" => &["sprint"],
        // The sprint's qualifying was renamed twice; accept any of its names for any season.
        "sq" | "ss" | "sprint quali" | "sprint qualifying" | "sprint shootout" => &["sprint qualifying", "sprint shootout"],
        _ => &[],
    }
}

/// Lower case, common Latin accents removed, runs of spaces, `-` and `_` made one space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c == '-' || c == '_' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(fold_accent(c));
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// True when `query` is `text` or a prefix of it that ends at a word boundary.
fn starts_with_words(text: &str, query: &str) -> bool {
    !query.is_empty() && text.strip_prefix(query).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

fn describe_meeting(m: &Meeting) -> String {
    format!("{} ({}, {})", m.name, m.location, m.country.name)
}

fn describe_session(s: &SessionEntry) -> String {
    let mut text = match &s.name {
        Some(name) => format!("{name} ({})", s.kind),
        None => format!("unnamed {} on {}", s.kind, s.start_date),
    };
    if s.path.is_none() {
        text.push_str(" [no Path]");
    }
    text
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real season index of the shared test data.
    fn real_index(year: u16) -> Option<SeasonIndex> {
        let file = testkit::data_dir()?.join(format!("fastf1-test-data/livetiming/static/{year}/Index.json"));
        let bytes = std::fs::read(&file).unwrap();
        Some(SeasonIndex::parse_for_year(&bytes, year, &file.display().to_string()).unwrap())
    }

    fn path_of(index: &SeasonIndex, event: &str, session: &str) -> String {
        index.resolve(event, session).unwrap().path
    }

    #[test]
    fn real_season_indexes_parse_with_bom_and_missing_fields() {
        for year in [2019, 2021, 2022, 2023] {
            let Some(index) = real_index(year) else {
                return;
            };
            assert_eq!(index.year, year);
            assert!(index.meetings.len() >= 21, "{year}");
            assert!(index.sessions().count() >= 100, "{year}");
        }
        let Some(index) = real_index(2023) else {
            return;
        };
        let baku = &index.meetings[4];
        assert_eq!(baku.name, "Azerbaijan Grand Prix");
        assert_eq!(baku.location, "Baku");
        assert_eq!(baku.country.name, "Azerbaijan");
        assert_eq!(baku.circuit.short_name, "Baku");
        assert_eq!(baku.circuit.key, 144);
        let sprint = baku.sessions.iter().find(|s| s.name.as_deref() == Some("Sprint")).unwrap();
        assert_eq!(sprint.kind, "Race");
        assert_eq!(sprint.gmt_offset, "04:00:00");
        assert_eq!(sprint.start_unix_s(), Some(date::days_from_civil(2023, 4, 29) * 86_400 + 13 * 3600 + 30 * 60));
        // 2023 Qatar lists placeholder sessions without Name or Path.
        let qatar = index.find_meeting("qatar").unwrap();
        assert!(qatar.sessions.iter().any(|s| s.name.is_none() && s.path.is_none()));
    }

    #[test]
    fn events_match_name_location_and_country_loosely() {
        let Some(index) = real_index(2023) else {
            return;
        };
        let sprint = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/";
        assert_eq!(path_of(&index, "azerbaijan", "sprint"), sprint);
        assert_eq!(path_of(&index, "Azerbaijan Grand Prix", "Sprint"), sprint);
        assert_eq!(path_of(&index, "azerbaijan-grand_prix", "SPRINT"), sprint);
        assert_eq!(path_of(&index, "baku", "sprint"), sprint);
        assert_eq!(path_of(&index, "Sao Paulo", "race"), "2023/2023-11-05_São_Paulo_Grand_Prix/2023-11-05_Race/");
        assert_eq!(index.find_meeting("united states").unwrap().location, "Austin");
        assert_eq!(index.find_meeting("mexico").unwrap().name, "Mexico City Grand Prix");
        assert_eq!(index.find_meeting("abu").unwrap().name, "Abu Dhabi Grand Prix");
    }

    #[test]
    fn sessions_match_name_short_form_and_type() {
        let Some(index) = real_index(2023) else {
            return;
        };
        let shootout = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint_Shootout/";
        assert_eq!(path_of(&index, "Azerbaijan Grand Prix", "Sprint Shootout"), shootout);
        assert_eq!(path_of(&index, "azerbaijan", "sprint_shootout"), shootout);
        assert_eq!(path_of(&index, "azerbaijan", "sq"), shootout);
        assert_eq!(path_of(&index, "azerbaijan", "sprint qualifying"), shootout);
        let quali = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-28_Qualifying/";
        assert_eq!(path_of(&index, "azerbaijan", "qualifying"), quali);
        assert_eq!(path_of(&index, "azerbaijan", "Q"), quali);
        let fp1 = "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-28_Practice_1/";
        assert_eq!(path_of(&index, "azerbaijan", "fp1"), fp1);
        assert_eq!(path_of(&index, "azerbaijan", "practice 1"), fp1);
        assert_eq!(path_of(&index, "azerbaijan", "Practice_1"), fp1);
        // Type "Race" matches both the race and the sprint; the plain race wins.
        assert_eq!(path_of(&index, "azerbaijan", "race"), "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-30_Race/");
    }

    #[test]
    fn sprint_finds_the_2021_sprint_qualifying_by_word_prefix() {
        let Some(index) = real_index(2021) else {
            return;
        };
        assert_eq!(path_of(&index, "british", "sprint"), "2021/2021-07-18_British_Grand_Prix/2021-07-17_Sprint_Qualifying/");
    }

    #[test]
    fn ambiguous_queries_list_the_candidates() {
        let Some(index) = real_index(2019) else {
            return;
        };
        let err = index.resolve("monaco", "practice").unwrap_err();
        assert!(matches!(err, Error::Ambiguous { what: "session", .. }), "{err}");
        let text = err.to_string();
        for name in ["Practice 1", "Practice 2", "Practice 3"] {
            assert!(text.contains(name), "{text}");
        }
        let Some(index) = real_index(2021) else {
            return;
        };
        let err = index.resolve("austria", "race").unwrap_err().to_string();
        assert!(err.contains("Styrian Grand Prix") && err.contains("Austrian Grand Prix"), "{err}");
    }

    #[test]
    fn unknown_event_or_session_lists_what_exists() {
        let Some(index) = real_index(2023) else {
            return;
        };
        let err = index.resolve("atlantis", "race").unwrap_err();
        assert!(matches!(err, Error::NoMatch { what: "event", .. }));
        assert!(err.to_string().contains("Azerbaijan Grand Prix (Baku, Azerbaijan)"), "{err}");
        let err = index.resolve("azerbaijan", "fp3").unwrap_err();
        assert!(matches!(err, Error::NoMatch { what: "session", .. }));
        assert!(err.to_string().contains("Sprint Shootout (Qualifying)"), "{err}");
    }

    #[test]
    fn sessions_without_a_usable_path_are_errors_not_guesses() {
        let Some(index) = real_index(2023) else {
            return;
        };
        // 2023 Qatar also lists unnamed placeholders without Path next to the real sessions.
        assert_eq!(path_of(&index, "qatar", "race"), "2023/2023-10-08_Qatar_Grand_Prix/2023-10-08_Race/");
        let err = index.resolve("qatar", "fp2").unwrap_err();
        assert!(err.to_string().contains("unnamed Race on 2023-10-08T20:00:00 [no Path]"), "{err}");
        let Some(index) = real_index(2019) else {
            return;
        };
        let err = index.resolve("japanese", "fp3").unwrap_err();
        assert!(matches!(err, Error::NoSessionPath { .. }), "{err}");
        let Some(index) = real_index(2021) else {
            return;
        };
        // Its Path is `../uat/static/...`: it must never be followed.
        let err = index.resolve("saudi arabian", "high speed track test").unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{err}");
    }

    #[test]
    fn session_specs_parse_and_reject_malformed_input() {
        let spec: SessionSpec = "2023/Azerbaijan Grand Prix/Sprint Shootout".parse().unwrap();
        assert_eq!(spec.year, 2023);
        assert_eq!(spec.event, "Azerbaijan Grand Prix");
        assert_eq!(spec.session, "Sprint Shootout");
        for bad in ["2023/azerbaijan", "twenty/azerbaijan/race", "2023//race", "2023/a/b/c"] {
            assert!(matches!(SessionSpec::parse(bad), Err(Error::Spec { .. })), "{bad}");
        }
    }

    #[test]
    fn malformed_index_error_names_the_location_and_line() {
        let err = SeasonIndex::parse(b"\xEF\xBB\xBF{\n\"Year\": \"x\"}", "mem://Index.json").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mem://Index.json") && text.contains("line 2"), "{text}");
        let ok = br#"{"Year": 2024, "Meetings": []}"#;
        assert!(SeasonIndex::parse_for_year(ok, 2023, "x").is_err());
    }

    #[test]
    fn normalize_folds_case_accents_and_separators() {
        assert_eq!(normalize("  São_Paulo--Grand  Prix "), "sao paulo grand prix");
        assert_eq!(normalize("Montréal"), "montreal");
        assert!(starts_with_words("emilia romagna grand prix", "emilia"));
        assert!(!starts_with_words("emilia romagna grand prix", "emil"));
    }
}
