//! Marshal sectors and sector flags on real files: the 2020 Silverstone circuit info (as
//! FastF1 fetched it from api.multiviewer.app) and race control at the British Grand Prix.

use timing::marshal::{sector_flags, CircuitInfo};

#[test]
fn the_silverstone_circuit_info_gives_its_marshal_sectors_in_metres() {
    let Some(data) = testkit::data_dir() else { return testkit::skip("no real data") };
    let path = data.join("fastf1-test-data/multiviewer/api/v1/circuits/39/2020.json");
    let info = CircuitInfo::parse(&std::fs::read(&path).unwrap(), &path.display().to_string()).unwrap();
    let numbers: Vec<u32> = info.marshal_sectors.iter().map(|m| m.number).collect();
    assert_eq!(numbers, (1..=17).collect::<Vec<u32>>());
    // Silverstone's positions span a few kilometres (the file is in decimetres).
    let span = info.marshal_sectors.iter().map(|m| m.x_m).fold(f32::MIN, f32::max)
        - info.marshal_sectors.iter().map(|m| m.x_m).fold(f32::MAX, f32::min);
    assert!((500.0..3_000.0).contains(&span), "x span {span} m");
}

#[test]
fn every_sector_flag_at_silverstone_races_is_cleared_in_its_sector_or_by_the_track() {
    let Some(dirs) = testkit::sessions_with("RaceControlMessages.jsonStream") else { return testkit::skip("no real data") };
    let mut flags = 0;
    for dir in dirs.iter().filter(|d| d.display().to_string().contains("British_Grand_Prix")) {
        let s = timing::Session::build(&feed::FeedSession::read_dir(dir));
        let sector_msgs = s.race_control.iter().filter(|e| e.message.scope == "Sector" && e.message.sector.is_some()).count();
        let got = sector_flags(&s.race_control);
        for f in &got {
            let end = f
                .end_ms
                .unwrap_or_else(|| panic!("{}: the flag in sector {} at {} ms is never cleared", dir.display(), f.sector, f.start_ms));
            assert!(end >= f.start_ms, "{}: ends before it starts", dir.display());
        }
        println!("{}: {sector_msgs} sector messages, {} flag intervals, all cleared", dir.display(), got.len());
        flags += got.len();
    }
    assert!(flags > 0, "no sector flags at any British Grand Prix in the data");
}
