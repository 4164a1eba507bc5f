//! Race control's marks on cars (`timing::stewards`) on every real session of the test data
//! that has race control messages: each car a message names is a driver of the session with
//! the code the message gives it, and each deleted lap time is a lap of that driver that the
//! laps table marks deleted (FastF1's `Deleted`), with that lap time to the millisecond (a
//! message whose `TIME` is no lap time of the car, as FastF1 finds too, is counted and printed).

use timing::stewards::{car_marks, MarkKind};

/// `TIME 1:39.777` of a message, in ms.
fn time_in(message: &str) -> Option<i64> {
    let w: Vec<&str> = message.split_whitespace().collect();
    let t = w.windows(2).find(|p| p[0] == "TIME")?.get(1)?.to_string();
    let (m, s) = t.split_once(':')?;
    Some(m.parse::<i64>().ok()? * 60_000 + (s.parse::<f64>().ok()? * 1000.0).round() as i64)
}

#[test]
fn every_car_named_by_race_control_and_every_deleted_lap_time_is_the_sessions() {
    let Some(sessions) = testkit::sessions_with("RaceControlMessages.jsonStream") else {
        testkit::skip("no shared data");
        return;
    };
    let (mut marks_seen, mut deleted_checked, mut sessions_seen) = (0, 0, 0);
    let mut unmatched = Vec::new();
    let mut disagree = Vec::new();
    for dir in sessions {
        if !dir.join("TimingData.jsonStream").exists() || !dir.join("DriverList.jsonStream").exists() {
            continue;
        }
        let session = timing::Session::build(&feed::FeedSession::read_dir(&dir));
        sessions_seen += 1;
        for mark in car_marks(&session) {
            let driver = session.drivers.iter().find(|d| d.number == mark.driver);
            let driver =
                driver.unwrap_or_else(|| panic!("{}: car {} of {:?} is not in the session", dir.display(), mark.driver, mark.message));
            assert!(
                mark.message.contains(&format!("{} ({})", mark.driver, driver.tla)),
                "{}: car {} is {} in {:?}",
                dir.display(),
                mark.driver,
                driver.tla,
                mark.message
            );
            marks_seen += 1;
            if mark.kind != MarkKind::LapDeleted {
                continue;
            }
            let Some(time) = time_in(&mark.message) else { continue };
            // Some messages give a time that is no lap time (2021 Monza FP2: `TIME 14:39.359`, a
            // time of day); FastF1 leaves those alone too. They are counted and shown.
            let Some(lap) = session.laps.iter().find(|l| l.driver == mark.driver && l.lap_time_ms == Some(time)) else {
                unmatched.push(mark.message.clone());
                continue;
            };
            // The laps table's Deleted disagreeing with a message is listed (and must stay rare).
            if lap.deleted != Some(true) {
                disagree.push(format!("{}: car {} lap {}: {}", dir.display(), mark.driver, lap.lap_number, mark.message));
            }
            deleted_checked += 1;
        }
    }
    println!("{sessions_seen} sessions: {marks_seen} marks name the session's cars; {deleted_checked} deleted lap times are lap times of the car; {} name a time no lap has: {unmatched:?}", unmatched.len());
    assert!(deleted_checked >= 5 && marks_seen >= 10, "too little to check: {marks_seen} marks, {deleted_checked} deleted");
    println!("deleted by a message but not in the laps table ({}): {disagree:#?}", disagree.len());
    assert!(
        disagree.len() * 20 <= deleted_checked,
        "the laps table deletes what race control deletes: {} of {deleted_checked} differ",
        disagree.len()
    );
}
