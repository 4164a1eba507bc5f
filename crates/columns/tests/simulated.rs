//! Every table of the simulated race against the model it presents: the same rows, the same
//! values (times to the nanosecond, nulls where the model has none), and files that read back
//! as the table.

use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{DurationNanosecondType, Int32Type, TimestampNanosecondType, UInt32Type, UInt8Type};
use arrow_array::{Array, RecordBatch};
use columns::files::{encode, Format};
use columns::{events, laps, samples, timeline, Table};

struct Fixture {
    _dir: tempfile::TempDir,
    feed: feed::FeedSession,
    session: timing::Session,
    replay: replay::ReplayFile,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let folder = sim::generate(&sim::SimConfig::new(sim::SessionKind::Race)).write(dir.path()).unwrap();
        let feed = feed::FeedSession::read_dir(&folder);
        let session = timing::Session::build(&feed);
        let built = replay::build(&session, "sim", 0, &replay::BuildOptions::default(), &|_, _| {}).unwrap();
        let bytes = replay::store::encode(&built.manifest, &built.chunks).unwrap();
        let replay = replay::ReplayFile::from_bytes(bytes, "sim").unwrap();
        Fixture { _dir: dir, feed, session, replay }
    })
}

fn durations(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    b.column_by_name(name).unwrap_or_else(|| panic!("{name}")).as_primitive::<DurationNanosecondType>().iter().collect()
}

fn ms_as_ns(v: Option<i64>) -> Option<i64> {
    v.map(|ms| ms * 1_000_000)
}

#[test]
fn laps_are_the_model_s_laps_in_fastf1_s_columns() {
    let f = fixture();
    let b = laps::laps(&f.session).unwrap();
    let schema = b.schema();
    let names: Vec<&str> = schema.fields().iter().map(|x| x.name().as_str()).collect();
    assert_eq!(names, timing::lap_row::COLUMNS);
    assert_eq!(b.num_rows(), f.session.laps.len());
    assert!(b.num_rows() > 1000, "{} laps", b.num_rows());
    assert_eq!(durations(&b, "LapTime"), f.session.laps.iter().map(|l| ms_as_ns(l.lap_time_ms)).collect::<Vec<_>>());
    assert_eq!(durations(&b, "PitInTime"), f.session.laps.iter().map(|l| ms_as_ns(l.pit_in_ms)).collect::<Vec<_>>());
    assert_eq!(durations(&b, "Sector2SessionTime"), f.session.laps.iter().map(|l| ms_as_ns(l.sector_session_ms[1])).collect::<Vec<_>>());
    // LapStartDate is t0 + LapStartTime (FastF1's definition), as an instant in UTC.
    let dates = b.column_by_name("LapStartDate").unwrap().as_primitive::<TimestampNanosecondType>();
    let t0_ns = f.session.t0_utc_us.unwrap() * 1000;
    for (d, s) in dates.iter().zip(durations(&b, "LapStartTime")) {
        assert_eq!(d, s.map(|s| t0_ns + s));
    }
    let compound = b.column_by_name("Compound").unwrap().as_dictionary::<Int32Type>();
    assert!(compound.values().len() <= 5, "a compound is one of a few values");
    assert_eq!(b.column_by_name("Position").unwrap().null_count(), f.session.laps.iter().filter(|l| l.position.is_none()).count());
}

#[test]
fn stints_results_and_sectors_have_the_model_s_rows() {
    let f = fixture();
    let st = laps::stints(&f.session).unwrap();
    assert_eq!(st.num_rows(), timing::tables::stints(&f.session).len());
    let laps_in_stints: u32 = st.column_by_name("Laps").unwrap().as_primitive::<UInt32Type>().values().iter().sum();
    assert_eq!(laps_in_stints as usize, f.session.laps.iter().filter(|l| l.stint.is_some()).count());

    let r = laps::results(&f.session).unwrap();
    let positions: Vec<u32> = r.column_by_name("Position").unwrap().as_primitive::<UInt32Type>().values().to_vec();
    assert_eq!(positions, (1..=20).collect::<Vec<u32>>());
    let model = timing::tables::results(&f.session);
    let race_time = durations(&r, "RaceTime");
    for (row, t) in model.iter().zip(race_time) {
        assert_eq!(t, row.time_s.map(|s| (s * 1000.0).round() as i64 * 1_000_000));
    }

    let s = laps::sectors(&f.session).unwrap();
    let marks = timing::bests::lap_marks(&f.session);
    assert_eq!(s.num_rows(), marks.len());
    assert_eq!(durations(&s, "Sector3Time"), marks.iter().map(|m| ms_as_ns(m.sectors[2].map(|t| t.time_ms))).collect::<Vec<_>>());
    let overall = s.column_by_name("LapTimeIsOverallBest").unwrap().as_boolean();
    let still = durations(&s, "LapTimeOverallBestUntil");
    let holders = (0..s.num_rows()).filter(|&i| overall.value(i) && still[i].is_none()).count();
    assert_eq!(holders, 1, "one lap holds the fastest lap at the end");
}

#[test]
fn car_and_position_data_are_every_sample_on_their_own_time_base() {
    let f = fixture();
    let t0_ms = f.session.t0_utc_us.unwrap() / 1000;
    let car = samples::car_data(&f.session, &f.feed).unwrap();
    let expected: usize = f.feed.car_data.drivers.values().map(|c| c.len()).sum();
    assert_eq!(car.num_rows(), expected);
    let date = car.column_by_name("Date").unwrap().as_primitive::<TimestampNanosecondType>();
    let st = durations(&car, "SessionTime");
    for i in (0..car.num_rows()).step_by(997) {
        assert_eq!(Some(date.value(i)), st[i].map(|s| s + t0_ms * 1_000_000), "SessionTime = Date - t0 at row {i}");
    }
    let first = f.feed.car_data.drivers.values().next().unwrap();
    let speed = car.column_by_name("Speed").unwrap().as_primitive::<arrow_array::types::UInt16Type>();
    assert_eq!(&speed.values()[..first.len()], first.speed_kph.as_slice());

    let pos = samples::pos_data(&f.session, &f.feed).unwrap();
    let placed: usize = f.feed.position.drivers.values().map(|p| (0..p.len()).filter(|&i| p.is_placed(i)).count()).sum();
    let x = pos.column_by_name("X").unwrap().as_primitive::<Int32Type>();
    assert_eq!(pos.num_rows() - x.null_count(), placed, "X is null exactly where the feed placed no car");
}

#[test]
fn fastest_lap_telemetry_is_each_driver_s_fastest_lap_by_distance() {
    let f = fixture();
    let (b, skipped) = samples::fastest_lap_telemetry(&f.session).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let laps = b.column_by_name("LapNumber").unwrap().as_primitive::<UInt32Type>();
    let drivers = b.column_by_name("DriverNumber").unwrap().as_dictionary::<Int32Type>();
    let names = drivers.values().as_string::<i32>();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..b.num_rows() {
        let n: u16 = names.value(drivers.keys().value(i) as usize).parse().unwrap();
        seen.insert((n, laps.value(i)));
    }
    assert_eq!(seen.len(), 20, "one lap per driver");
    for (n, lap) in seen {
        assert_eq!(timing::bests::fastest_lap(&f.session, n).map(|l| l.lap_number), Some(lap));
        let trace = timing::tables::lap_trace(&f.session, n, lap).unwrap();
        let one = samples::lap_telemetry(&f.session, &[(n, lap)]).unwrap();
        assert_eq!(one.num_rows(), trace.distance_m.len());
        let dist = one.column_by_name("Distance").unwrap().as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(dist.values().to_vec(), trace.distance_m);
    }
    let first = f.session.drivers[0].number;
    let e = samples::lap_telemetry(&f.session, &[(first, 999)]).unwrap_err().to_string();
    assert!(e.starts_with(&format!("table telemetry cannot be made: driver {first} has no lap 999")), "{e}");
}

#[test]
fn the_timeline_is_every_frame_by_car_with_the_replay_s_standings() {
    let f = fixture();
    let step = 250;
    let b = timeline::timeline(&f.replay, step).unwrap();
    let frames = f.replay.frame_count().div_ceil(step) as usize;
    assert_eq!(b.num_rows(), frames * f.replay.manifest().drivers.len());
    let frame = b.column_by_name("Frame").unwrap().as_primitive::<UInt32Type>();
    let position = b.column_by_name("Position").unwrap().as_primitive::<UInt8Type>();
    let gap = durations(&b, "GapToLeader");
    for i in (0..b.num_rows()).step_by(997) {
        let fr = f.replay.frame(frame.value(i)).unwrap();
        let k = i % fr.cars.len();
        assert_eq!(position.is_null(i), fr.cars[k].position.is_none());
        assert_eq!(gap[i], fr.cars[k].gap_s.map(|s| (s * 1000.0).round() as i64 * 1_000_000));
    }
}

#[test]
fn the_event_tables_have_the_model_s_rows() {
    let f = fixture();
    let rc = events::race_control(&f.session).unwrap();
    assert_eq!(rc.num_rows(), f.session.race_control.len());
    assert_eq!(durations(&rc, "SessionTime"), f.session.race_control.iter().map(|e| ms_as_ns(Some(e.t_ms))).collect::<Vec<_>>());
    let ts = events::track_status(&f.session).unwrap();
    assert_eq!(durations(&ts, "EndTime"), f.session.track_status.iter().map(|iv| ms_as_ns(iv.end_ms)).collect::<Vec<_>>());
    let w = events::weather(&f.session).unwrap();
    assert_eq!(durations(&w, "Time"), f.session.weather.iter().map(|s| ms_as_ns(Some(s.t_ms))).collect::<Vec<_>>());
    assert!(w.num_rows() > 0 && rc.num_rows() > 0 && ts.num_rows() > 0);
    let stops = timing::tables::pit_stops(&f.session);
    let ps = events::pit_stops(&f.session).unwrap();
    let secs = |v: Option<f64>| v.map(|s| (s * 1000.0).round() as i64 * 1_000_000);
    assert_eq!(durations(&ps, "PitInTime"), stops.iter().map(|r| secs(Some(r.pit_in_s))).collect::<Vec<_>>());
    assert_eq!(durations(&ps, "PitLaneTime"), stops.iter().map(|r| secs(r.pit_lane_s)).collect::<Vec<_>>());
    assert!(!stops.is_empty(), "the simulated race has pit stops");
}

#[test]
fn every_table_reads_back_from_its_parquet_and_arrow_file() {
    let f = fixture();
    for table in Table::ALL {
        let b = match table {
            Table::Laps => laps::laps(&f.session),
            Table::Stints => laps::stints(&f.session),
            Table::Results => laps::results(&f.session),
            Table::Sectors => laps::sectors(&f.session),
            Table::CarData => samples::car_data(&f.session, &f.feed),
            Table::PosData => samples::pos_data(&f.session, &f.feed),
            Table::Telemetry => samples::fastest_lap_telemetry(&f.session).map(|(b, _)| b),
            Table::Timeline => timeline::timeline(&f.replay, 100),
            Table::RaceControl => events::race_control(&f.session),
            Table::TrackStatus => events::track_status(&f.session),
            Table::Weather => events::weather(&f.session),
            Table::PitStops => events::pit_stops(&f.session),
            Table::CarMarks => events::car_marks(&f.session),
            Table::TeamRadio => events::team_radio(&f.session),
            Table::Segments => events::segments(&f.session),
            Table::Drs => events::drs(&f.session),
        }
        .unwrap();
        let pq = bytes::Bytes::from(encode(&b, Format::Parquet).unwrap());
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(pq)
            .unwrap()
            .with_batch_size(usize::MAX >> 1)
            .build()
            .unwrap();
        let back: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        let back = arrow_select_concat(&back, &b);
        assert_eq!(back, b, "{}: Parquet", table.name());
        let ipc = encode(&b, Format::Arrow).unwrap();
        let back = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(ipc), None).unwrap().next().unwrap().unwrap();
        assert_eq!(back, b, "{}: Arrow", table.name());
        let csv = encode(&b, Format::Csv).unwrap();
        assert_eq!(csv.iter().filter(|&&c| c == b'\n').count(), b.num_rows() + 1, "{}: CSV lines", table.name());
    }
}

/// The batches of a file as one (the reader splits at row groups).
fn arrow_select_concat(parts: &[RecordBatch], like: &RecordBatch) -> RecordBatch {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    arrow_select::concat::concat_batches(&like.schema(), parts).unwrap()
}
