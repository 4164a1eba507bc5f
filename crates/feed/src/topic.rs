//! The topics of a session and their file names in the archive.

/// A live-timing topic f1replay reads. Any other file in a session folder is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Meeting and session metadata, including the archive `Path`.
    SessionInfo,
    /// Drivers: number, three-letter code, names, team and colour.
    DriverList,
    /// Inactive / Started / Aborted / Finished / Finalised / Ends.
    SessionStatus,
    /// Flags: 1 clear, 2 yellow, 4 SC, 5 red, 6 VSC, 7 VSC ending.
    TrackStatus,
    /// Current and total laps (race-like sessions).
    LapCount,
    /// Per-driver timing patches: laps, sectors, pits, positions, gaps.
    TimingData,
    /// Tyre stints.
    TimingAppData,
    /// Personal bests and best sectors / speeds.
    TimingStats,
    /// Race control messages (absolute UTC).
    RaceControlMessages,
    /// Weather about once a minute.
    WeatherData,
    /// Car channels (deflated): rpm, speed, gear, throttle, brake, DRS.
    CarData,
    /// Car positions (deflated): X, Y, Z in 1/10 m.
    Position,
    /// The session clock's remaining time.
    ExtrapolatedClock,
    /// A UTC heartbeat every ~15 s, a cross-check of t0.
    Heartbeat,
    /// Team radio clips: when, whose, and the clip's path under the session folder.
    TeamRadio,
}

impl Topic {
    /// Every topic, in the order f1replay loads them.
    pub const ALL: [Topic; 15] = [
        Topic::SessionInfo,
        Topic::DriverList,
        Topic::SessionStatus,
        Topic::TrackStatus,
        Topic::LapCount,
        Topic::TimingData,
        Topic::TimingAppData,
        Topic::TimingStats,
        Topic::RaceControlMessages,
        Topic::WeatherData,
        Topic::CarData,
        Topic::Position,
        Topic::ExtrapolatedClock,
        Topic::Heartbeat,
        Topic::TeamRadio,
    ];

    /// The topic's name in the archive (`CarData.z`, `TimingData`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Topic::SessionInfo => "SessionInfo",
            Topic::DriverList => "DriverList",
            Topic::SessionStatus => "SessionStatus",
            Topic::TrackStatus => "TrackStatus",
            Topic::LapCount => "LapCount",
            Topic::TimingData => "TimingData",
            Topic::TimingAppData => "TimingAppData",
            Topic::TimingStats => "TimingStats",
            Topic::RaceControlMessages => "RaceControlMessages",
            Topic::WeatherData => "WeatherData",
            Topic::CarData => "CarData.z",
            Topic::Position => "Position.z",
            Topic::ExtrapolatedClock => "ExtrapolatedClock",
            Topic::Heartbeat => "Heartbeat",
            Topic::TeamRadio => "TeamRadio",
        }
    }

    /// The stream file name in a session folder, e.g. `CarData.z.jsonStream`.
    pub fn file_name(self) -> String {
        format!("{}.jsonStream", self.name())
    }

    /// The topic a stream file name belongs to; `None` for topics f1replay does not read.
    pub fn from_file_name(name: &str) -> Option<Topic> {
        let stem = name.strip_suffix(".jsonStream")?;
        Topic::ALL.into_iter().find(|t| t.name() == stem)
    }

    /// Whether the topic is needed to build laps (the others enrich the replay).
    pub fn is_timing(self) -> bool {
        matches!(self, Topic::SessionInfo | Topic::DriverList | Topic::SessionStatus | Topic::TimingData | Topic::TimingAppData)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip_and_unknown_topics_are_none() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_file_name(&t.file_name()), Some(t));
        }
        assert_eq!(Topic::from_file_name("AudioStreams.jsonStream"), None);
    }
}
