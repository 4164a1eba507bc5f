//! Decoding all topic files of one session at once.

use crate::error::{FeedError, Warning};
use crate::lines::{split, Line};
use crate::records::*;
use crate::telemetry::{decode_car_data, decode_position, CarData, PositionData};
use crate::topic::Topic;

/// Every topic of a session, decoded. A topic whose file is missing or unusable is empty and
/// listed in `missing` or `errors`; the others load regardless.
#[derive(Debug, Default)]
pub struct FeedSession {
    /// SessionInfo's first line.
    pub session_info: Option<SessionInfo>,
    /// Drivers by racing number.
    pub drivers: Vec<DriverInfo>,
    /// SessionStatus changes.
    pub session_status: Vec<Timed<String>>,
    /// TrackStatus changes.
    pub track_status: Vec<Timed<TrackStatusEntry>>,
    /// LapCount updates.
    pub lap_count: Vec<Timed<LapCountEntry>>,
    /// TimingData patches.
    pub timing: Vec<TimingLine>,
    /// TimingAppData stint patches.
    pub stints: Vec<StintLine>,
    /// TimingStats final state.
    pub stats: Vec<DriverStats>,
    /// Race control messages.
    pub race_control: Vec<RaceControlMessage>,
    /// Team radio clips.
    pub team_radio: Vec<RadioCapture>,
    /// Weather samples.
    pub weather: Vec<Timed<Weather>>,
    /// Car channels per driver.
    pub car_data: CarData,
    /// Positions per driver.
    pub position: PositionData,
    /// Session clock.
    pub clock: Vec<Timed<Clock>>,
    /// Heartbeats (UTC).
    pub heartbeat: Vec<Timed<i64>>,
    /// Topics with no file.
    pub missing: Vec<Topic>,
    /// Topics whose file could not be decoded at all.
    pub errors: Vec<FeedError>,
    /// Lines skipped or suspicious, across all topics.
    pub warnings: Vec<Warning>,
    /// Bytes of raw topic files decoded.
    pub raw_bytes: u64,
}

/// One decoded topic, before it is put into a [`FeedSession`].
enum Decoded {
    SessionInfo(Option<Box<SessionInfo>>),
    Drivers(Vec<DriverInfo>),
    SessionStatus(Vec<Timed<String>>),
    TrackStatus(Vec<Timed<TrackStatusEntry>>),
    LapCount(Vec<Timed<LapCountEntry>>),
    Timing(Vec<TimingLine>),
    Stints(Vec<StintLine>),
    Stats(Vec<DriverStats>),
    RaceControl(Vec<RaceControlMessage>),
    TeamRadio(Vec<RadioCapture>),
    Weather(Vec<Timed<Weather>>),
    CarData(CarData),
    Position(PositionData),
    Clock(Vec<Timed<Clock>>),
    Heartbeat(Vec<Timed<i64>>),
}

fn decode_lines(topic: Topic, file: &str, lines: &[Line<'_>], w: &mut Vec<Warning>) -> Decoded {
    match topic {
        Topic::SessionInfo => Decoded::SessionInfo(session_info(file, lines, w).map(Box::new)),
        Topic::DriverList => Decoded::Drivers(driver_list(file, lines, w)),
        Topic::SessionStatus => Decoded::SessionStatus(session_status(file, lines, w)),
        Topic::TrackStatus => Decoded::TrackStatus(track_status(file, lines, w)),
        Topic::LapCount => Decoded::LapCount(lap_count(file, lines, w)),
        Topic::TimingData => Decoded::Timing(timing_data(file, lines, w)),
        Topic::TimingAppData => Decoded::Stints(timing_app_data(file, lines, w)),
        Topic::TimingStats => Decoded::Stats(timing_stats(file, lines, w)),
        Topic::RaceControlMessages => Decoded::RaceControl(race_control(file, lines, w)),
        Topic::WeatherData => Decoded::Weather(weather(file, lines, w)),
        Topic::TeamRadio => Decoded::TeamRadio(team_radio(file, lines, w)),
        Topic::ExtrapolatedClock => Decoded::Clock(extrapolated_clock(file, lines, w)),
        Topic::Heartbeat => Decoded::Heartbeat(heartbeat(file, lines, w)),
        Topic::CarData => {
            let (d, mut ws) = decode_car_data(file, lines);
            w.append(&mut ws);
            Decoded::CarData(d)
        }
        Topic::Position => {
            let (d, mut ws) = decode_position(file, lines);
            w.append(&mut ws);
            Decoded::Position(d)
        }
    }
}

/// A topic's decoded records and the warnings of its lines, or why the file was unusable.
type TopicResult = Result<(Decoded, Vec<Warning>), FeedError>;

/// Decodes one topic file's bytes.
fn decode_topic(topic: Topic, bytes: &[u8]) -> TopicResult {
    let file = topic.file_name();
    let lines = split(&file, bytes)?;
    let mut warnings = lines.warnings;
    let decoded = decode_lines(topic, &file, &lines.lines, &mut warnings);
    Ok((decoded, warnings))
}

impl FeedSession {
    /// Decodes the given topic files (`None` = the file does not exist), topics in parallel.
    pub fn decode(files: Vec<(Topic, Option<Vec<u8>>)>) -> FeedSession {
        use rayon::prelude::*;
        let mut session = FeedSession::default();
        let results: Vec<(Topic, Option<TopicResult>)> =
            files.par_iter().map(|(topic, bytes)| (*topic, bytes.as_deref().map(|b| decode_topic(*topic, b)))).collect();
        session.raw_bytes = files.iter().filter_map(|(_, b)| b.as_ref()).map(|b| b.len() as u64).sum();
        for (topic, result) in results {
            match result {
                None => session.missing.push(topic),
                Some(Err(e)) => session.errors.push(e),
                Some(Ok((decoded, mut warnings))) => {
                    session.warnings.append(&mut warnings);
                    session.put(decoded);
                }
            }
        }
        session
    }

    fn put(&mut self, d: Decoded) {
        match d {
            Decoded::SessionInfo(v) => self.session_info = v.map(|b| *b),
            Decoded::Drivers(v) => self.drivers = v,
            Decoded::SessionStatus(v) => self.session_status = v,
            Decoded::TrackStatus(v) => self.track_status = v,
            Decoded::LapCount(v) => self.lap_count = v,
            Decoded::Timing(v) => self.timing = v,
            Decoded::Stints(v) => self.stints = v,
            Decoded::Stats(v) => self.stats = v,
            Decoded::RaceControl(v) => self.race_control = v,
            Decoded::TeamRadio(v) => self.team_radio = v,
            Decoded::Weather(v) => self.weather = v,
            Decoded::CarData(v) => self.car_data = v,
            Decoded::Position(v) => self.position = v,
            Decoded::Clock(v) => self.clock = v,
            Decoded::Heartbeat(v) => self.heartbeat = v,
        }
    }

    /// Everything the decode dropped, file by file: whole topics whose file was unusable
    /// (line 0), then skipped or suspicious lines. Empty when nothing was lost.
    pub fn losses(&self) -> Vec<Warning> {
        self.errors.iter().map(FeedError::to_warning).chain(self.warnings.iter().cloned()).collect()
    }

    /// Whether the session is over and its files complete: its status reached "Finalised" or
    /// "Ends", the last two states the timing sends. Until then the archive may still be
    /// publishing it, and anything built from it is provisional.
    pub fn has_ended(&self) -> bool {
        self.session_status.iter().any(|s| matches!(s.value.as_str(), "Finalised" | "Ends"))
    }

    /// Whether `topic`'s file was there but could not be decoded at all.
    pub fn lost(&self, topic: Topic) -> bool {
        let name = topic.file_name();
        self.errors.iter().any(|e| e.file() == name)
    }

    /// Reads every known topic from a session folder on disk. Files that do not exist are
    /// recorded as missing; unreadable files as errors.
    pub fn read_dir(dir: &std::path::Path) -> FeedSession {
        let files = Topic::ALL.into_iter().map(|t| (t, std::fs::read(dir.join(t.file_name())).ok())).collect();
        FeedSession::decode(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_topic_does_not_stop_the_others() {
        let s = FeedSession::decode(vec![
            (Topic::TrackStatus, Some(b"00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n".to_vec())),
            (Topic::SessionStatus, Some(Vec::new())),
            (Topic::WeatherData, None),
        ]);
        assert_eq!(s.track_status.len(), 1);
        assert_eq!(s.errors.len(), 1);
        assert!(s.errors[0].to_string().contains("SessionStatus.jsonStream"));
        assert_eq!(s.missing, vec![Topic::WeatherData]);
        assert!(s.lost(Topic::SessionStatus));
        assert!(!s.has_ended(), "no status: not known to be over");
        assert!(!s.lost(Topic::WeatherData), "a missing file is not a lost one");
        let losses = s.losses();
        assert_eq!(losses.len(), 1);
        assert_eq!((losses[0].file.as_str(), losses[0].line), ("SessionStatus.jsonStream", 0));
    }

    #[test]
    fn a_session_has_ended_once_its_status_says_finalised_or_ends() {
        let status = |lines: &str| FeedSession::decode(vec![(Topic::SessionStatus, Some(lines.as_bytes().to_vec()))]);
        assert!(!status("00:00:01.000{\"Status\":\"Started\"}\n00:00:02.000{\"Status\":\"Finished\"}\n").has_ended());
        assert!(status("00:00:01.000{\"Status\":\"Finished\"}\n00:00:02.000{\"Status\":\"Finalised\"}\n").has_ended());
        assert!(status("00:00:02.000{\"Status\":\"Ends\"}\n").has_ended());
    }

    #[test]
    fn a_bad_byte_in_timing_data_costs_one_line_not_the_topic() {
        let good = "00:00:01.000{\"Lines\":{\"1\":{\"NumberOfLaps\":1}}}\r\n";
        let mut bytes = good.as_bytes().to_vec();
        bytes.extend_from_slice(b"00:00:02.000{\"Lines\":{\"1\":{\"NumberOfLaps\":\xff}}}\r\n");
        bytes.extend_from_slice(good.replace("01.000", "03.000").replace(":1}", ":2}").as_bytes());
        let s = FeedSession::decode(vec![(Topic::TimingData, Some(bytes))]);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.timing.len(), 2, "the two good lines load");
        assert_eq!(s.warnings.len(), 1);
        assert_eq!((s.warnings[0].file.as_str(), s.warnings[0].line), ("TimingData.jsonStream", 2));
    }
}
