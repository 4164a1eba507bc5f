//! The tables there are, by name, and the raw topics each is made from: what `--tables` and the
//! API accept, and what lets an exporter say which topic a table lacks.

use feed::Topic;

/// One exportable table of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// FastF1's laps ([`crate::laps::laps`]).
    Laps,
    /// Tyre stints ([`crate::laps::stints`]).
    Stints,
    /// The final classification ([`crate::laps::results`]).
    Results,
    /// Lap and sector times with their best marks ([`crate::laps::sectors`]).
    Sectors,
    /// Every car sample of the session ([`crate::samples::car_data`]).
    CarData,
    /// Every position sample of the session ([`crate::samples::pos_data`]).
    PosData,
    /// Laps by distance, merged car and position channels ([`crate::samples::lap_telemetry`]).
    Telemetry,
    /// The replay, frame by car ([`crate::timeline::timeline`]).
    Timeline,
    /// Race control messages ([`crate::events::race_control`]).
    RaceControl,
    /// Track status periods ([`crate::events::track_status`]).
    TrackStatus,
    /// Weather samples ([`crate::events::weather`]).
    Weather,
    /// Pit lane visits ([`crate::events::pit_stops`]).
    PitStops,
    /// Race control's marks on cars ([`crate::events::car_marks`]).
    CarMarks,
    /// Team radio clips ([`crate::events::team_radio`]).
    TeamRadio,
    /// Mini-sector statuses ([`crate::events::segments`]).
    Segments,
    /// DRS range at each crossing ([`crate::events::drs`]).
    Drs,
}

impl Table {
    /// Every table, in the order an export writes them.
    pub const ALL: [Table; 16] = [
        Table::Laps,
        Table::Stints,
        Table::Results,
        Table::Sectors,
        Table::CarData,
        Table::PosData,
        Table::Telemetry,
        Table::Timeline,
        Table::RaceControl,
        Table::TrackStatus,
        Table::Weather,
        Table::PitStops,
        Table::CarMarks,
        Table::TeamRadio,
        Table::Segments,
        Table::Drs,
    ];

    /// Its name: in `--tables`, in file names (`laps.parquet`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Laps => "laps",
            Table::Stints => "stints",
            Table::Results => "results",
            Table::Sectors => "sectors",
            Table::CarData => "car_data",
            Table::PosData => "pos_data",
            Table::Telemetry => "telemetry",
            Table::Timeline => "timeline",
            Table::RaceControl => "race_control",
            Table::TrackStatus => "track_status",
            Table::Weather => "weather",
            Table::PitStops => "pit_stops",
            Table::CarMarks => "car_marks",
            Table::TeamRadio => "team_radio",
            Table::Segments => "segments",
            Table::Drs => "drs",
        }
    }

    /// The table of this name; the error lists the names there are.
    pub fn parse(name: &str) -> Result<Table, String> {
        Table::ALL.into_iter().find(|t| t.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
            format!("unknown table {name:?}: the tables are {}", names.join(", "))
        })
    }

    /// The raw topics the table is made from: without any one of them it cannot be made.
    pub fn topics(self) -> &'static [Topic] {
        match self {
            Table::Laps | Table::Results | Table::Sectors => &[Topic::TimingData],
            Table::Stints => &[Topic::TimingData, Topic::TimingAppData],
            Table::CarData => &[Topic::CarData],
            Table::PosData => &[Topic::Position],
            Table::Telemetry => &[Topic::TimingData, Topic::CarData, Topic::Position],
            Table::Timeline => &[Topic::Position],
            Table::RaceControl => &[Topic::RaceControlMessages],
            Table::TrackStatus => &[Topic::TrackStatus],
            Table::Weather => &[Topic::WeatherData],
            Table::PitStops | Table::Segments | Table::Drs => &[Topic::TimingData],
            Table::CarMarks => &[Topic::RaceControlMessages],
            // Many sessions have no radio at all (the simulator's none): no clips, not a loss.
            Table::TeamRadio => &[],
        }
    }

    /// Why the table cannot be made from `feed` (a topic it needs is missing or unusable), or
    /// `None` when it can.
    pub fn unavailable(self, feed: &feed::FeedSession) -> Option<crate::Error> {
        let why = self.topics().iter().find_map(|&t| {
            if feed.missing.contains(&t) {
                Some(format!("{} is missing", t.file_name()))
            } else if feed.lost(t) {
                Some(format!("{} is unusable", t.file_name()))
            } else {
                None
            }
        })?;
        Some(crate::Error::Missing { table: self.name(), why })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_a_wrong_one_lists_the_tables() {
        for t in Table::ALL {
            assert_eq!(Table::parse(t.name()), Ok(t));
        }
        let e = Table::parse("lap").unwrap_err();
        assert!(e.contains("\"lap\"") && e.contains("car_data") && e.contains("weather"), "{e}");
    }

    #[test]
    fn a_missing_topic_is_named() {
        let feed = feed::FeedSession { missing: vec![Topic::CarData], ..Default::default() };
        let e = Table::CarData.unavailable(&feed).expect("car_data needs CarData").to_string();
        assert_eq!(e, "table car_data cannot be made: CarData.z.jsonStream is missing");
        assert!(Table::Laps.unavailable(&feed).is_none());
    }
}

/// What the tables are made from. `feed` is needed by `car_data` and `pos_data` (the decoded
/// samples), `replay` by `timeline`.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The session model.
    pub session: &'a timing::Session,
    /// The decoded raw files.
    pub feed: Option<&'a feed::FeedSession>,
    /// The built replay.
    pub replay: Option<&'a replay::ReplayFile>,
    /// The laps `telemetry` gives, (driver, lap); empty: every driver's fastest lap.
    pub laps: &'a [(u16, u32)],
    /// `timeline` keeps every `timeline_step`-th frame.
    pub timeline_step: u32,
}

/// A table made, with what it could not include (in words; e.g. a driver without a timed lap
/// in the default `telemetry`).
#[derive(Debug)]
pub struct Made {
    /// The table.
    pub batch: arrow_array::RecordBatch,
    /// What was left out, and why.
    pub notes: Vec<String>,
}

impl Table {
    /// Makes the table from `inputs`.
    pub fn make(self, inputs: &Inputs<'_>) -> Result<Made, crate::Error> {
        use crate::{events, laps, samples, timeline};
        let s = inputs.session;
        let needs = |what: &str| crate::Error::Missing { table: self.name(), why: format!("no {what} was given") };
        let batch = match self {
            Table::Laps => laps::laps(s),
            Table::Stints => laps::stints(s),
            Table::Results => laps::results(s),
            Table::Sectors => laps::sectors(s),
            Table::CarData => samples::car_data(s, inputs.feed.ok_or_else(|| needs("decoded feed"))?),
            Table::PosData => samples::pos_data(s, inputs.feed.ok_or_else(|| needs("decoded feed"))?),
            Table::Telemetry if inputs.laps.is_empty() => {
                let (batch, notes) = samples::fastest_lap_telemetry(s)?;
                return Ok(Made { batch, notes });
            }
            Table::Telemetry => samples::lap_telemetry(s, inputs.laps),
            Table::Timeline => timeline::timeline(inputs.replay.ok_or_else(|| needs("replay"))?, inputs.timeline_step),
            Table::RaceControl => events::race_control(s),
            Table::TrackStatus => events::track_status(s),
            Table::Weather => events::weather(s),
            Table::PitStops => events::pit_stops(s),
            Table::CarMarks => events::car_marks(s),
            Table::TeamRadio => events::team_radio(s),
            Table::Segments => events::segments(s),
            Table::Drs => events::drs(s),
        }?;
        Ok(Made { batch, notes: Vec::new() })
    }
}
