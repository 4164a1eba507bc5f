//! The timing path of race standings on real races and sprints (no car telemetry): the
//! position of each car as it completes each lap vs the official one, through the same check
//! `f1replay verify` prints. Uses `../shared/data` (skipped, saying so, without it).
//!
//! The floors are the figures measured when this was written; the misses left are crossings
//! where the feed contradicts itself (a lap report up to a minute late while the official
//! positions already moved, or the timing's position update arriving 15 s after the line).

fn lap_end_agreement(session: &str) -> Option<(u32, u32)> {
    let Some(data) = archive::test_data_dir() else {
        println!("skipped: no shared data (../shared/data or $F1REPLAY_TEST_DATA)");
        return None;
    };
    let dir = data.join("fastf1-test-data/livetiming/static").join(session);
    let s = timing::Session::build(&feed::FeedSession::read_dir(&dir));
    let report = replay::check::check(&s).unwrap();
    println!("{session}: {}/{}", report.crossings.0, report.crossings.1);
    Some(report.crossings)
}

#[test]
fn baku_2018_race_positions_at_lap_ends_match_the_timing() {
    let Some((ok, total)) = lap_end_agreement("2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race") else { return };
    assert_eq!(total, 841);
    assert!(ok >= 832, "{ok}/{total}");
}

#[test]
fn baku_2023_sprint_positions_at_lap_ends_match_the_timing() {
    let Some((ok, total)) = lap_end_agreement("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint") else { return };
    assert_eq!(total, 308);
    assert!(ok >= 306, "{ok}/{total}");
}

#[test]
fn miami_2025_sprint_positions_at_lap_ends_match_the_timing_with_the_unserved_penalty() {
    let Some((ok, total)) = lap_end_agreement("2025/2025-05-04_Miami_Grand_Prix/2025-05-03_Sprint") else { return };
    assert_eq!(total, 331);
    assert!(ok >= 330, "{ok}/{total}");
}
