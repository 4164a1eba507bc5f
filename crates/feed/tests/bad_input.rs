//! Bad input: each broken file or line gives one clear warning or error naming the file and
//! the line, and everything else in the session still loads.

use feed::zipped::deflate_payload;
use feed::{FeedSession, Topic};

const TRACK: &str =
    "\u{feff}00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n00:10:00.000{\"Status\":\"2\",\"Message\":\"Yellow\"}\r\n";

fn car_line(t: &str, speed: u32) -> String {
    let json = format!(
        r#"{{"Entries":[{{"Utc":"2025-10-25T20:47:26.1188604Z","Cars":{{"1":{{"Channels":{{"0":10000,"2":{speed},"3":7,"4":100,"5":0}}}}}}}}]}}"#
    );
    format!("{t}{}\r\n", deflate_payload(json.as_bytes()))
}

/// A session with a good TrackStatus and the given CarData text.
fn with_car_data(car: String) -> FeedSession {
    FeedSession::decode(vec![(Topic::TrackStatus, Some(TRACK.as_bytes().to_vec())), (Topic::CarData, Some(car.into_bytes()))])
}

fn assert_one_warning(s: &FeedSession, file: &str, line: usize, words: &str) {
    assert_eq!(s.warnings.len(), 1, "warnings: {:?}", s.warnings);
    let w = s.warnings[0].to_string();
    assert!(w.starts_with(&format!("{file} line {line}:")), "{w}");
    assert!(w.contains(words), "{w}");
    assert_eq!(s.track_status.len(), 2, "the other topic still loads");
}

#[test]
fn a_truncated_file_loses_only_its_last_line() {
    let mut car = car_line("00:01:00.000", 200) + &car_line("00:01:01.000", 210);
    car.truncate(car.len() - 30);
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 2, "");
    assert_eq!(s.car_data.drivers[&1].speed_kph, vec![200]);
}

#[test]
fn a_bad_base64_line_is_named() {
    let car = car_line("00:01:00.000", 200) + "00:01:01.000\"@@not base64@@\"\r\n" + &car_line("00:01:02.000", 220);
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 2, "base64");
    assert_eq!(s.car_data.drivers[&1].speed_kph, vec![200, 220]);
}

#[test]
fn bad_deflate_data_is_named() {
    let car = car_line("00:01:00.000", 200) + "00:01:01.000\"/////w==\"\r\n";
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 2, "deflate");
}

#[test]
fn bad_json_inside_a_z_payload_is_named() {
    let car = format!("00:01:00.000{}\r\n", deflate_payload(b"{\"Entries\":[{")) + &car_line("00:01:01.000", 230);
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 1, "JSON");
    assert_eq!(s.car_data.drivers[&1].speed_kph, vec![230]);
}

#[test]
fn bad_json_in_a_plain_topic_is_named() {
    let status = "00:00:01.000{\"Status\":\"Started\"}\r\n00:00:02.000{\"Status\":\r\n00:00:03.000{\"Status\":\"Finished\"}\r\n";
    let s = FeedSession::decode(vec![
        (Topic::TrackStatus, Some(TRACK.as_bytes().to_vec())),
        (Topic::SessionStatus, Some(status.as_bytes().to_vec())),
    ]);
    assert_one_warning(&s, "SessionStatus.jsonStream", 2, "bad JSON");
    assert_eq!(s.session_status.len(), 2);
}

#[test]
fn an_empty_file_is_an_error_for_that_topic_only() {
    let s = FeedSession::decode(vec![(Topic::TrackStatus, Some(TRACK.as_bytes().to_vec())), (Topic::TimingData, Some(Vec::new()))]);
    assert_eq!(s.errors.len(), 1);
    let e = s.errors[0].to_string();
    assert!(e.contains("TimingData.jsonStream") && e.contains("empty"), "{e}");
    assert_eq!(s.track_status.len(), 2);
}

#[test]
fn a_missing_topic_is_listed_and_the_rest_loads() {
    let s = FeedSession::decode(vec![(Topic::TrackStatus, Some(TRACK.as_bytes().to_vec())), (Topic::WeatherData, None)]);
    assert_eq!(s.missing, vec![Topic::WeatherData]);
    assert!(s.errors.is_empty() && s.warnings.is_empty());
    assert_eq!(s.track_status.len(), 2);
}

#[test]
fn unknown_topics_are_ignored_without_error() {
    assert_eq!(Topic::from_file_name("AudioStreams.jsonStream"), None);
    assert_eq!(Topic::from_file_name("ChampionshipPrediction.jsonStream"), None);
    // A session folder holding an unknown topic still reads the known ones.
    let dir = std::env::temp_dir().join(format!("feed-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("AudioStreams.jsonStream"), "garbage").unwrap();
    std::fs::write(dir.join("TrackStatus.jsonStream"), TRACK).unwrap();
    let s = FeedSession::read_dir(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(s.errors.is_empty() && s.warnings.is_empty());
    assert_eq!(s.track_status.len(), 2);
}

#[test]
fn a_bom_in_the_middle_is_named_and_the_line_still_loads() {
    let car = car_line("00:01:00.000", 200) + "\u{feff}" + &car_line("00:01:01.000", 210);
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 2, "byte-order mark");
    assert_eq!(s.car_data.drivers[&1].speed_kph, vec![200, 210]);
}

#[test]
fn an_offset_going_backwards_is_named_and_kept() {
    let car = car_line("00:01:05.000", 200) + &car_line("00:01:01.000", 210);
    let s = with_car_data(car);
    assert_one_warning(&s, "CarData.z.jsonStream", 2, "back in time");
    assert_eq!(s.car_data.drivers[&1].speed_kph.len(), 2);
}

#[test]
fn a_line_without_an_offset_is_named() {
    let s = FeedSession::decode(vec![(Topic::TrackStatus, Some(format!("{TRACK}garbage line\r\n").into_bytes()))]);
    assert_eq!(s.warnings.len(), 1);
    assert!(s.warnings[0].to_string().starts_with("TrackStatus.jsonStream line 3:"));
    assert_eq!(s.track_status.len(), 2);
}
