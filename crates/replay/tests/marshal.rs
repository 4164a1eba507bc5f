//! Marshal sectors placed on a track: the 2020 Silverstone circuit info (as FastF1 fetched it
//! from api.multiviewer.app) on the circuit's own outline from the same file. No session in the
//! data has Silverstone positions, so the outline is the file's; the sectors must lie on it,
//! follow each other along the lap in number order and cover it once.

use replay::geometry::Track;
use replay::marshal::{stretches, PlaceError};
use timing::marshal::CircuitInfo;

#[test]
fn silverstones_marshal_sectors_cover_the_lap_once_in_order() {
    let Some(data) = testkit::data_dir() else { return testkit::skip("no real data") };
    let path = data.join("fastf1-test-data/multiviewer/api/v1/circuits/39/2020.json");
    let bytes = std::fs::read(&path).unwrap();
    let info = CircuitInfo::parse(&bytes, &path.display().to_string()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let coords = |k: &str| v[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32 / 10.0).collect::<Vec<f32>>();
    let outline: Vec<[f32; 2]> = coords("x").into_iter().zip(coords("y")).map(|(x, y)| [x, y]).collect();
    let track = Track::along(outline);
    let got = stretches(&track, &info.marshal_sectors).unwrap();
    assert_eq!(got.len(), 17);
    // In order along the lap: each stretch starts where the one before ended, and the starts
    // go round the lap once (one wrap at the finish line).
    let n = track.outline.len();
    let mut wraps = 0;
    for (i, s) in got.iter().enumerate() {
        let next = &got[(i + 1) % got.len()];
        assert_eq!((s.to + 1) % n, next.from, "sector {} ends where {} starts", s.number, next.number);
        if next.from < s.from {
            wraps += 1;
        }
    }
    assert_eq!(wraps, 1, "the sectors go round the lap once: {got:?}");
    let mut hint = 0;
    let worst = info.marshal_sectors.iter().map(|m| track.project([m.x_m, m.y_m], &mut hint).1).fold(0.0f32, f32::max);
    println!("Silverstone: 17 marshal sectors on a {:.0} m lap, starts at most {worst:.1} m from the outline", track.length_m);
}

#[test]
fn sectors_of_another_layout_are_refused_with_the_reason() {
    let Some(data) = testkit::data_dir() else { return testkit::skip("no real data") };
    let path = data.join("fastf1-test-data/multiviewer/api/v1/circuits/39/2020.json");
    let info = CircuitInfo::parse(&std::fs::read(&path).unwrap(), "silverstone").unwrap();
    let circle: Vec<[f32; 2]> =
        (0..400).map(|i| (i as f32 / 400.0 * std::f32::consts::TAU).sin_cos()).map(|(s, c)| [300.0 * c, 300.0 * s]).collect();
    let err = stretches(&Track::along(circle), &info.marshal_sectors).unwrap_err();
    assert!(matches!(err, PlaceError::OffTrack { .. }), "{err}");
    assert!(err.to_string().contains("another layout"), "{err}");
}
