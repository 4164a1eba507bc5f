//! The session model on real archive files (`../shared/data`, or `$F1REPLAY_TEST_DATA`).
//! Skipped, with a message saying so, where the data is not present.

use std::path::PathBuf;

fn mexico_q(data: &std::path::Path) -> PathBuf {
    data.join("pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying")
}

#[test]
fn mexico_qualifying_decodes_cleanly_with_fastf1s_t0_and_start() {
    let Some(data) = testkit::data_dir() else { return };
    let feed = feed::FeedSession::read_dir(&mexico_q(&data));
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
    assert!(feed.errors.is_empty());
    assert_eq!(feed.missing, vec![feed::Topic::LapCount], "qualifying has no LapCount");
    let s = timing::Session::build(&feed);
    // FastF1 3.9 on the same files: t0 2025-10-25T20:46:23.9, session start 816.231 s.
    assert_eq!(s.t0_utc_us.map(feed::time::format_utc_us).as_deref(), Some("2025-10-25T20:46:23.9000000Z"));
    assert_eq!(s.session_start_ms, Some(816_231));
    assert_eq!(s.drivers.len(), 20);
    assert_eq!(s.laps.len(), 307);
    assert_eq!(s.telemetry.len(), 20);
    assert_eq!(s.part_starts_ms.len(), 3, "Q1, Q2, Q3");
    // Verstappen's lap 2 as FastF1 has it: 1:17.306, ending at 1300.269 s.
    let ver2 = s.laps.iter().find(|l| l.driver == 1 && l.lap_number == 2).unwrap();
    assert_eq!((ver2.lap_time_ms, ver2.time_ms), (Some(77_306), Some(1_300_269)));
    assert_eq!(ver2.compound, "SOFT");
    // The one deleted lap (Bortoleto, 1:18.964).
    let deleted: Vec<_> = s.laps.iter().filter(|l| l.deleted == Some(true)).map(|l| (l.driver, l.lap_time_ms)).collect();
    assert_eq!(deleted, vec![(5, Some(78_964))]);
}

#[test]
fn mexico_telemetry_has_gaps_never_cars_at_the_origin() {
    let Some(data) = testkit::data_dir() else { return };
    let s = timing::Session::build(&feed::FeedSession::read_dir(&mexico_q(&data)));
    for tel in &s.telemetry {
        assert!(tel.t_ms.windows(2).all(|w| w[0] < w[1]), "time base strictly increasing");
        for i in 0..tel.t_ms.len() {
            let (x, y) = (tel.x_m[i], tel.y_m[i]);
            assert!(x.is_nan() || x != 0.0 || y != 0.0, "driver {} at the origin at {}", tel.driver, tel.t_ms[i]);
            assert!(tel.gear[i] <= 8);
        }
    }
}

#[test]
fn every_timing_session_in_the_test_data_builds_laps() {
    let Some(data) = testkit::data_dir() else { return };
    let root = data.join("fastf1-test-data/livetiming/static");
    let mut sessions = 0;
    for year in std::fs::read_dir(&root).unwrap().flatten() {
        for event in std::fs::read_dir(year.path()).into_iter().flatten().flatten() {
            for session in std::fs::read_dir(event.path()).into_iter().flatten().flatten() {
                if !session.path().join("TimingData.jsonStream").exists() || !session.path().join("DriverList.jsonStream").exists() {
                    continue;
                }
                let feed = feed::FeedSession::read_dir(&session.path());
                assert!(feed.errors.is_empty(), "{}: {:?}", session.path().display(), feed.errors);
                let s = timing::Session::build(&feed);
                assert!(s.laps.len() > 50, "{}: {} laps", session.path().display(), s.laps.len());
                sessions += 1;
            }
        }
    }
    assert!(sessions >= 14, "found {sessions} sessions");
}
