//! The map's car colours on every real session with a DriverList: any two teams' colours
//! differ by at least `replay::colours::MIN_DELTA_E`, and a team whose own colour was already
//! clear of the others keeps it.

use replay::colours::{map_colours, min_team_delta_e, MIN_DELTA_E};

#[test]
fn every_sessions_teams_get_map_colours_at_least_the_threshold_apart() {
    let Some(dirs) = testkit::sessions_with("DriverList.jsonStream") else { return testkit::skip("no real data") };
    assert!(!dirs.is_empty(), "no session with a DriverList");
    let mut worst: Option<(f32, f32, String)> = None;
    let mut moved = 0;
    let mut least_before = f32::INFINITY;
    for dir in &dirs {
        let bytes = std::fs::read(dir.join("DriverList.jsonStream")).unwrap();
        let feed = feed::FeedSession::decode(vec![(feed::Topic::DriverList, Some(bytes))]);
        let drivers: Vec<(&str, &str)> = feed.drivers.iter().map(|d| (d.team_name.as_str(), d.team_colour.as_str())).collect();
        let colours = map_colours(drivers.iter().copied());
        let before = min_team_delta_e(drivers.iter().copied());
        least_before = least_before.min(before);
        let after = min_team_delta_e(drivers.iter().zip(&colours).map(|(d, c)| (d.0, c.as_str())));
        moved += drivers.iter().zip(&colours).filter(|(d, c)| !c.eq_ignore_ascii_case(&format!("#{}", d.1))).count();
        assert!(after >= MIN_DELTA_E, "{}: teams' map colours only ΔE {after:.1} apart", dir.display());
        if worst.as_ref().is_none_or(|w| after < w.1) {
            worst = Some((before, after, dir.display().to_string()));
        }
    }
    let (before, after, name) = worst.unwrap();
    println!("{} sessions; {moved} cars' colours moved; least ΔE between teams' team colours {least_before:.1}; between map colours {after:.1} (in {name}, team colours {before:.1})", dirs.len());
}
