//! CarData.z and Position.z decoded straight into per-driver columns.
//!
//! A race has ~35k lines per topic, each a deflated batch of a few samples for every car.
//! Lines are inflated and parsed in parallel (rayon) into typed rows (no JSON tree per sample),
//! then gathered per driver into struct-of-arrays columns in file order.
//!
//! Parsing takes the fast path in [`crate::scan`] and falls back to serde (the structs below)
//! for any line the scanner declines; both hand their values to the same row builders
//! ([`CarRows`], [`PosRows`]), so rows, warnings and errors do not depend on which one ran.

use crate::error::Warning;
use crate::lines::{warn, Line};
use crate::scan::{self, CarSink, PosSink};
use crate::time::parse_utc_us;
use crate::zipped::Inflater;
use rayon::prelude::*;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// Car channel samples of one driver, one entry per sample, in stream order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CarSamples {
    /// When the sample was taken, µs since the Unix epoch (the `Utc` of its entry).
    pub utc_us: Vec<i64>,
    /// Engine speed, channel 0.
    pub rpm: Vec<u16>,
    /// Speed in km/h, channel 2.
    pub speed_kph: Vec<u16>,
    /// Gear 0-8, channel 3.
    pub gear: Vec<u8>,
    /// Throttle 0-100 %, channel 4.
    pub throttle_pct: Vec<u8>,
    /// Brake, channel 5 (0 or 100 in practice; any non-zero means braking).
    pub brake: Vec<u8>,
    /// DRS state, channel 45 (0 when the channel is absent, as from 2026).
    pub drs: Vec<u8>,
}

impl CarSamples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.utc_us.len()
    }
    /// True when the driver has no car sample.
    pub fn is_empty(&self) -> bool {
        self.utc_us.is_empty()
    }
}

/// Position samples of one driver, in stream order. Coordinates are in decimetres.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PositionSamples {
    /// When the position was taken, µs since the Unix epoch (the frame's `Timestamp`).
    pub utc_us: Vec<i64>,
    /// X in 1/10 m.
    pub x_dm: Vec<i32>,
    /// Y in 1/10 m.
    pub y_dm: Vec<i32>,
    /// Z in 1/10 m.
    pub z_dm: Vec<i32>,
    /// `Status == "OnTrack"` (older data: numeric 0).
    pub on_track: Vec<bool>,
}

impl PositionSamples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.utc_us.len()
    }
    /// True when the driver has no position sample.
    pub fn is_empty(&self) -> bool {
        self.utc_us.is_empty()
    }
    /// Whether sample `i` places the car: the feed sends X = Y = Z = 0 for a car it has no
    /// position for (in the garage, before the session), which is a gap, not a place.
    pub fn is_placed(&self, i: usize) -> bool {
        self.x_dm[i] != 0 || self.y_dm[i] != 0 || self.z_dm[i] != 0
    }
}

/// All car data of a session, per racing number.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CarData {
    /// Columns per driver (racing number).
    pub drivers: BTreeMap<u16, CarSamples>,
    /// Whether any sample carried the DRS channel (45); absent from 2026 on.
    pub has_drs: bool,
    /// The latest of the samples against the lines that carried them: the largest sample
    /// time minus its line's session time, µs. FastF1 takes session time zero (t0) from it.
    pub t0_candidate_us: Option<i64>,
}

/// All position data of a session, per racing number.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PositionData {
    /// Columns per driver (racing number).
    pub drivers: BTreeMap<u16, PositionSamples>,
    /// As [`CarData::t0_candidate_us`], over the position samples.
    pub t0_candidate_us: Option<i64>,
}

#[derive(Deserialize)]
struct CarMsg<'a> {
    #[serde(rename = "Entries", borrow, default)]
    entries: Vec<CarEntry<'a>>,
}

#[derive(Deserialize)]
struct CarEntry<'a> {
    #[serde(rename = "Utc", borrow)]
    utc: &'a str,
    #[serde(rename = "Cars", deserialize_with = "pairs", default)]
    cars: Vec<(u16, CarEntryCar)>,
}

#[derive(Deserialize)]
struct CarEntryCar {
    #[serde(rename = "Channels")]
    channels: Channels,
}

/// The channels of one car in one CarData entry, as sent (either parser fills it).
#[derive(Deserialize, Default, Debug, Clone, Copy)]
pub(crate) struct Channels {
    /// Engine speed.
    #[serde(rename = "0")]
    pub(crate) rpm: Option<f64>,
    /// Speed, km/h.
    #[serde(rename = "2")]
    pub(crate) speed: Option<f64>,
    /// Gear.
    #[serde(rename = "3")]
    pub(crate) gear: Option<f64>,
    /// Throttle, %.
    #[serde(rename = "4")]
    pub(crate) throttle: Option<f64>,
    /// Brake.
    #[serde(rename = "5")]
    pub(crate) brake: Option<f64>,
    /// DRS state.
    #[serde(rename = "45")]
    pub(crate) drs: Option<f64>,
}

#[derive(Deserialize)]
struct PosMsg<'a> {
    #[serde(rename = "Position", borrow, default)]
    frames: Vec<PosFrame<'a>>,
}

#[derive(Deserialize)]
struct PosFrame<'a> {
    #[serde(rename = "Timestamp", borrow)]
    timestamp: &'a str,
    #[serde(rename = "Entries", deserialize_with = "pairs", default)]
    entries: Vec<(u16, PosEntry)>,
}

#[derive(Deserialize)]
struct PosEntry {
    #[serde(rename = "Status", default)]
    status: Option<StatusValue>,
    #[serde(rename = "X")]
    x: Option<f64>,
    #[serde(rename = "Y")]
    y: Option<f64>,
    #[serde(rename = "Z")]
    z: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StatusValue {
    Text(String),
    Code(f64),
}

/// One car's entry of a Position frame, as sent (either parser fills it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PosSample<'s> {
    /// `Status`.
    pub(crate) status: Status<'s>,
    /// X, 1/10 m.
    pub(crate) x: Option<f64>,
    /// Y, 1/10 m.
    pub(crate) y: Option<f64>,
    /// Z, 1/10 m.
    pub(crate) z: Option<f64>,
}

/// A position entry's `Status`: text now, a number in older data; `Absent` when missing or null.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Status<'s> {
    /// Missing or `null`: taken as on track.
    Absent,
    /// `"OnTrack"`, `"OffTrack"`.
    Text(&'s str),
    /// Older data: 0 is on track.
    Code(f64),
}

impl PosEntry {
    /// The entry in the scanner's terms, so both parsers feed the same row builder.
    fn sample(&self) -> PosSample<'_> {
        let status = match &self.status {
            Some(StatusValue::Text(s)) => Status::Text(s),
            Some(StatusValue::Code(c)) => Status::Code(*c),
            None => Status::Absent,
        };
        PosSample { status, x: self.x, y: self.y, z: self.z }
    }
}

/// Deserialises a JSON object keyed by racing number into a `Vec` of pairs, so no map is
/// allocated per sample. Keys that are not numbers are skipped.
fn pairs<'de, D, V>(d: D) -> Result<Vec<(u16, V)>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct PairsVisitor<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
        type Value = Vec<(u16, V)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object keyed by racing number")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(20));
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.parse::<u16>() {
                    Ok(n) => out.push((n, map.next_value::<V>()?)),
                    Err(_) => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(PairsVisitor(PhantomData))
}

/// What one rayon task keeps between lines: the inflate state and the JSON buffer.
type LineBuffers = (Inflater, Vec<u8>);

fn clamp_u16(v: f64) -> u16 {
    v.clamp(0.0, f64::from(u16::MAX)) as u16
}
fn clamp_u8(v: f64) -> u8 {
    v.clamp(0.0, 255.0) as u8
}
fn dm(v: f64) -> i32 {
    v.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct CarRow {
    car: u16,
    utc_us: i64,
    ch: [u16; 2],
    small: [u8; 4],
}

/// The rows of one CarData line, built from the entries either parser reports.
struct CarRows<'j> {
    rows: Vec<CarRow>,
    /// First row of the entry being read (its `Utc` arrives when the entry ends).
    entry_start: usize,
    has_drs: bool,
    /// The first `Utc` that is not a valid instant: the line is then skipped.
    bad_utc: Option<&'j str>,
}

impl<'j> CarRows<'j> {
    fn with_capacity(rows: usize) -> Self {
        CarRows { rows: Vec::with_capacity(rows), entry_start: 0, has_drs: false, bad_utc: None }
    }

    /// The line's rows and whether any carried DRS, or the warning text for a bad `Utc`.
    fn finish(self) -> Result<(Vec<CarRow>, bool), String> {
        match self.bad_utc {
            Some(utc) => Err(format!("bad Utc {utc:?}")),
            None => Ok((self.rows, self.has_drs)),
        }
    }
}

impl<'j> CarSink<'j> for CarRows<'j> {
    /// A car missing one of the channels 0/2/3/4/5 is skipped (FastF1's rule).
    fn car(&mut self, car: u16, c: &Channels) {
        let (Some(rpm), Some(speed), Some(gear), Some(thr), Some(brake)) = (c.rpm, c.speed, c.gear, c.throttle, c.brake) else {
            return;
        };
        self.has_drs |= c.drs.is_some();
        self.rows.push(CarRow {
            car,
            utc_us: 0,
            ch: [clamp_u16(rpm), clamp_u16(speed)],
            small: [clamp_u8(gear), clamp_u8(thr), clamp_u8(brake), clamp_u8(c.drs.unwrap_or(0.0))],
        });
    }

    fn entry(&mut self, utc: &'j str) {
        match parse_utc_us(utc) {
            Some(us) => self.rows[self.entry_start..].iter_mut().for_each(|r| r.utc_us = us),
            None => {
                self.bad_utc.get_or_insert(utc);
            }
        }
        self.entry_start = self.rows.len();
    }
}

/// Parses one CarData message with serde and reports it to `sink` as the scanner would;
/// `Err` holds the warning text.
pub(crate) fn car_data_via_serde<'j>(json: &'j [u8], sink: &mut impl CarSink<'j>) -> Result<(), String> {
    let msg: CarMsg = serde_json::from_slice(json).map_err(|e| format!("bad CarData JSON: {e}"))?;
    for entry in &msg.entries {
        for (car, c) in &entry.cars {
            sink.car(*car, &c.channels);
        }
        sink.entry(entry.utc);
    }
    Ok(())
}

/// One CarData line's JSON into rows: the scanner, or serde where the scanner declines.
fn car_line(json: &[u8]) -> Result<(Vec<CarRow>, bool), String> {
    // A car sample takes ~70 bytes of JSON.
    let mut rows = CarRows::with_capacity(json.len() / 64);
    if scan::car_data(json, &mut rows).is_none() {
        rows = CarRows::with_capacity(0);
        car_data_via_serde(json, &mut rows)?;
    }
    rows.finish()
}

/// Decodes every line of CarData.z into per-driver columns, in parallel.
///
/// A bad line (base64, deflate, JSON, timestamp) is skipped with a warning naming the line;
/// a car missing one of the channels 0/2/3/4/5 is skipped for that entry (FastF1's rule).
pub fn decode_car_data(file: &str, lines: &[Line<'_>]) -> (CarData, Vec<Warning>) {
    let per_line: Vec<LineResult<(Vec<CarRow>, bool)>> = lines
        .par_iter()
        .map_init(LineBuffers::default, |(inflater, json), line| {
            let json = inflater.inflate(line.payload, json).map_err(|e| warn(file, line.number, &e.to_string()))?;
            let (rows, has_drs) = car_line(json).map_err(|message| warn(file, line.number, &message))?;
            let t0 = t0_candidate(line, rows.iter().map(|r| r.utc_us));
            Ok(((rows, has_drs), t0))
        })
        .collect();

    let mut data = CarData::default();
    let mut warnings = Vec::new();
    let mut rows_of_lines = Vec::with_capacity(lines.len());
    for result in per_line {
        match result {
            Err(w) => warnings.push(w),
            Ok(((rows, has_drs), t0)) => {
                data.has_drs |= has_drs;
                data.t0_candidate_us = data.t0_candidate_us.max(t0);
                rows_of_lines.push(rows);
            }
        }
    }
    data.drivers = per_driver(
        &rows_of_lines,
        |r: &CarRow| r.car,
        |n| CarSamples {
            utc_us: Vec::with_capacity(n),
            rpm: Vec::with_capacity(n),
            speed_kph: Vec::with_capacity(n),
            gear: Vec::with_capacity(n),
            throttle_pct: Vec::with_capacity(n),
            brake: Vec::with_capacity(n),
            drs: Vec::with_capacity(n),
        },
        |s, r| {
            s.utc_us.push(r.utc_us);
            s.rpm.push(r.ch[0]);
            s.speed_kph.push(r.ch[1]);
            s.gear.push(r.small[0]);
            s.throttle_pct.push(r.small[1]);
            s.brake.push(r.small[2]);
            s.drs.push(r.small[3]);
        },
    );
    (data, warnings)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct PosRow {
    car: u16,
    utc_us: i64,
    xyz: [i32; 3],
    on_track: bool,
}

/// The rows of one Position line, built from the frames either parser reports.
struct PosRows<'j> {
    rows: Vec<PosRow>,
    /// First row of the frame being read (its `Timestamp` arrives when the frame ends).
    frame_start: usize,
    /// The first `Timestamp` that is not a valid instant: the line is then skipped.
    bad_timestamp: Option<&'j str>,
}

impl<'j> PosRows<'j> {
    fn with_capacity(rows: usize) -> Self {
        PosRows { rows: Vec::with_capacity(rows), frame_start: 0, bad_timestamp: None }
    }

    /// The line's rows, or the warning text for a bad `Timestamp`.
    fn finish(self) -> Result<Vec<PosRow>, String> {
        match self.bad_timestamp {
            Some(ts) => Err(format!("bad Timestamp {ts:?}")),
            None => Ok(self.rows),
        }
    }
}

impl<'j> PosSink<'j> for PosRows<'j> {
    /// An entry without X or Y is skipped: a missing position is a gap, never the origin.
    fn car(&mut self, car: u16, e: &PosSample<'_>) {
        let (Some(x), Some(y)) = (e.x, e.y) else { return };
        let on_track = match e.status {
            Status::Text(s) => s == "OnTrack",
            Status::Code(c) => c == 0.0,
            Status::Absent => true,
        };
        self.rows.push(PosRow { car, utc_us: 0, xyz: [dm(x), dm(y), dm(e.z.unwrap_or(0.0))], on_track });
    }

    fn frame(&mut self, timestamp: &'j str) {
        match parse_utc_us(timestamp) {
            Some(us) => self.rows[self.frame_start..].iter_mut().for_each(|r| r.utc_us = us),
            None => {
                self.bad_timestamp.get_or_insert(timestamp);
            }
        }
        self.frame_start = self.rows.len();
    }
}

/// Parses one Position message with serde and reports it to `sink` as the scanner would;
/// `Err` holds the warning text.
pub(crate) fn position_via_serde<'j>(json: &'j [u8], sink: &mut impl PosSink<'j>) -> Result<(), String> {
    let msg: PosMsg = serde_json::from_slice(json).map_err(|e| format!("bad Position JSON: {e}"))?;
    for frame in &msg.frames {
        for (car, e) in &frame.entries {
            sink.car(*car, &e.sample());
        }
        sink.frame(frame.timestamp);
    }
    Ok(())
}

/// One Position line's JSON into rows: the scanner, or serde where the scanner declines.
fn position_line(json: &[u8]) -> Result<Vec<PosRow>, String> {
    // A position sample takes ~50 bytes of JSON.
    let mut rows = PosRows::with_capacity(json.len() / 48);
    if scan::position(json, &mut rows).is_none() {
        rows = PosRows::with_capacity(0);
        position_via_serde(json, &mut rows)?;
    }
    rows.finish()
}

/// Decodes every line of Position.z into per-driver columns, in parallel.
///
/// An entry without X or Y is skipped: a missing position is a gap, never the origin.
pub fn decode_position(file: &str, lines: &[Line<'_>]) -> (PositionData, Vec<Warning>) {
    let per_line: Vec<LineResult<Vec<PosRow>>> = lines
        .par_iter()
        .map_init(LineBuffers::default, |(inflater, json), line| {
            let json = inflater.inflate(line.payload, json).map_err(|e| warn(file, line.number, &e.to_string()))?;
            let rows = position_line(json).map_err(|message| warn(file, line.number, &message))?;
            let t0 = t0_candidate(line, rows.iter().map(|r| r.utc_us));
            Ok((rows, t0))
        })
        .collect();

    let mut warnings = Vec::new();
    let mut rows_of_lines = Vec::with_capacity(lines.len());
    let mut t0_candidate_us = None;
    for result in per_line {
        match result {
            Err(w) => warnings.push(w),
            Ok((rows, t0)) => {
                t0_candidate_us = t0_candidate_us.max(t0);
                rows_of_lines.push(rows);
            }
        }
    }
    let drivers = per_driver(
        &rows_of_lines,
        |r: &PosRow| r.car,
        |n| PositionSamples {
            utc_us: Vec::with_capacity(n),
            x_dm: Vec::with_capacity(n),
            y_dm: Vec::with_capacity(n),
            z_dm: Vec::with_capacity(n),
            on_track: Vec::with_capacity(n),
        },
        |s, r| {
            s.utc_us.push(r.utc_us);
            s.x_dm.push(r.xyz[0]);
            s.y_dm.push(r.xyz[1]);
            s.z_dm.push(r.xyz[2]);
            s.on_track.push(r.on_track);
        },
    );
    let data = PositionData { drivers, t0_candidate_us };
    (data, warnings)
}

/// One line decoded in parallel: its rows (and what else the topic reads from it) with its
/// [`t0_candidate`], or the warning that skips it.
type LineResult<R> = Result<(R, Option<i64>), Warning>;

/// FastF1's candidate for session time zero from one line's samples: the latest sample time
/// minus the line's session time, µs.
fn t0_candidate(line: &Line<'_>, utc_us: impl Iterator<Item = i64>) -> Option<i64> {
    utc_us.max().map(|u| u - line.t_ms * 1000)
}

/// Sorts the rows of every line into per-driver columns, in stream order.
///
/// The rows are counted per car first, so each column is allocated once at its final length
/// (pushing into growing columns copied them at every doubling: 0.12 G instructions of the
/// simulated race build). The cars are then split into one group per thread, of about equal
/// rows; each group's thread reads every row and fills its own cars' columns. On one thread
/// this was the last 25 ms of the simulated race's decode, with the other core idle.
fn per_driver<R: Sync, S: Send>(
    rows_of_lines: &[Vec<R>],
    car_of: impl Fn(&R) -> u16 + Sync,
    with_capacity: impl Fn(usize) -> S + Sync,
    push: impl Fn(&mut S, &R) + Sync,
) -> BTreeMap<u16, S> {
    let mut count = vec![0usize; usize::from(u16::MAX) + 1];
    for rows in rows_of_lines {
        for r in rows {
            count[usize::from(car_of(r))] += 1;
        }
    }
    let cars: Vec<(u16, usize)> = count.iter().enumerate().filter(|c| *c.1 > 0).map(|(car, &n)| (car as u16, n)).collect();
    let total: usize = cars.iter().map(|c| c.1).sum();
    // At most 64 groups (a group number is a byte; more would not help): a file may name any car.
    let groups = rayon::current_num_threads().min(cars.len()).clamp(1, 64);
    // Per racing number: its group, and its place among the group's cars.
    let mut slot = vec![(u8::MAX, 0u16); usize::from(u16::MAX) + 1];
    let mut members: Vec<Vec<(u16, usize)>> = vec![Vec::new(); groups];
    let mut before = 0;
    for &(car, n) in &cars {
        let g = (before * groups / total.max(1)).min(groups - 1);
        slot[usize::from(car)] = (g as u8, members[g].len() as u16);
        members[g].push((car, n));
        before += n;
    }
    members
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(g, members)| {
            let mut columns: Vec<S> = members.iter().map(|&(_, n)| with_capacity(n)).collect();
            for rows in rows_of_lines {
                for r in rows {
                    let (group, i) = slot[usize::from(car_of(r))];
                    if usize::from(group) == g {
                        push(&mut columns[usize::from(i)], r);
                    }
                }
            }
            members.into_iter().map(|m| m.0).zip(columns)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{split, split_text};
    use crate::scan::messages::{car_data_message, damage, json_byte, position_message};
    use crate::scan::tests::{car_both, position_both};
    use crate::zipped::{deflate_payload, inflate_payload};
    use proptest::prelude::*;
    use std::path::Path;

    fn file(payloads: &[&str]) -> String {
        payloads.iter().enumerate().map(|(i, p)| format!("00:00:{:02}.000{}\r\n", i + 1, deflate_payload(p.as_bytes()))).collect()
    }

    #[test]
    fn car_data_goes_into_columns_and_skips_incomplete_cars() {
        let text = file(&[
            r#"{"Entries":[{"Utc":"2025-10-25T20:47:26.1188604Z","Cars":{"1":{"Channels":{"0":10000,"2":250,"3":7,"4":100,"5":0,"45":12}},"4":{"Channels":{"0":9000,"2":200}}}}]}"#,
            r#"{"Entries":[{"Utc":"2025-10-25T20:47:26.3588604Z","Cars":{"1":{"Channels":{"0":10100,"2":252,"3":7,"4":99,"5":0}}}}]}"#,
        ]);
        let lines = split_text("CarData.z.jsonStream", &text).unwrap();
        let (data, warnings) = decode_car_data("CarData.z.jsonStream", &lines.lines);
        assert!(warnings.is_empty());
        assert!(data.has_drs);
        let car = &data.drivers[&1];
        assert_eq!(car.speed_kph, vec![250, 252]);
        assert_eq!(car.drs, vec![12, 0]);
        // The latest sample against its line: the first, 26.1188604 s into its minute at 1 s.
        assert_eq!(data.t0_candidate_us, parse_utc_us("2025-10-25T20:47:26.1188604Z").map(|u| u - 1_000_000));
        assert!(!data.drivers.contains_key(&4));
    }

    #[test]
    fn a_bad_line_is_reported_and_the_rest_loads() {
        let mut text = file(&[
            r#"{"Position":[{"Timestamp":"2025-10-25T20:47:26.1Z","Entries":{"1":{"Status":"OnTrack","X":-1000,"Y":2000,"Z":30}}}]}"#,
        ]);
        text.push_str("00:00:05.000\"not base64!\"\r\n");
        text.push_str(&format!("00:00:06.000{}\r\n", deflate_payload(b"{broken")));
        let lines = split_text("Position.z.jsonStream", &text).unwrap();
        let (data, warnings) = decode_position("Position.z.jsonStream", &lines.lines);
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].line, 2);
        assert!(warnings[0].message.contains("base64"));
        assert_eq!(warnings[1].line, 3);
        assert_eq!(data.drivers[&1].x_dm, vec![-1000]);
    }

    /// The decoder as it was before the scanner: serde for every line, rows straight from the
    /// parsed structs. The fast path must give exactly its columns and warnings.
    fn reference_car_data(file: &str, lines: &[Line<'_>]) -> (CarData, Vec<Warning>) {
        let mut data = CarData::default();
        let mut warnings = Vec::new();
        'lines: for line in lines {
            let json = match inflate_payload(line.payload) {
                Ok(json) => json,
                Err(e) => {
                    warnings.push(warn(file, line.number, &e.to_string()));
                    continue;
                }
            };
            let msg: CarMsg = match serde_json::from_slice(&json) {
                Ok(msg) => msg,
                Err(e) => {
                    warnings.push(warn(file, line.number, &format!("bad CarData JSON: {e}")));
                    continue;
                }
            };
            let mut rows = Vec::new();
            let mut has_drs = false;
            for entry in msg.entries {
                let Some(utc_us) = parse_utc_us(entry.utc) else {
                    warnings.push(warn(file, line.number, &format!("bad Utc {:?}", entry.utc)));
                    continue 'lines;
                };
                for (car, c) in entry.cars {
                    let c = c.channels;
                    let (Some(rpm), Some(speed), Some(gear), Some(thr), Some(brake)) = (c.rpm, c.speed, c.gear, c.throttle, c.brake) else {
                        continue;
                    };
                    has_drs |= c.drs.is_some();
                    let drs = clamp_u8(c.drs.unwrap_or(0.0));
                    rows.push((car, utc_us, [clamp_u16(rpm), clamp_u16(speed)], [clamp_u8(gear), clamp_u8(thr), clamp_u8(brake), drs]));
                }
            }
            data.has_drs |= has_drs;
            for (car, utc_us, ch, small) in rows {
                data.t0_candidate_us = data.t0_candidate_us.max(Some(utc_us - line.t_ms * 1000));
                let s = data.drivers.entry(car).or_default();
                s.utc_us.push(utc_us);
                s.rpm.push(ch[0]);
                s.speed_kph.push(ch[1]);
                s.gear.push(small[0]);
                s.throttle_pct.push(small[1]);
                s.brake.push(small[2]);
                s.drs.push(small[3]);
            }
        }
        (data, warnings)
    }

    /// Position's counterpart of [`reference_car_data`].
    fn reference_position(file: &str, lines: &[Line<'_>]) -> (PositionData, Vec<Warning>) {
        let mut data = PositionData::default();
        let mut warnings = Vec::new();
        'lines: for line in lines {
            let json = match inflate_payload(line.payload) {
                Ok(json) => json,
                Err(e) => {
                    warnings.push(warn(file, line.number, &e.to_string()));
                    continue;
                }
            };
            let msg: PosMsg = match serde_json::from_slice(&json) {
                Ok(msg) => msg,
                Err(e) => {
                    warnings.push(warn(file, line.number, &format!("bad Position JSON: {e}")));
                    continue;
                }
            };
            let mut rows = Vec::new();
            for frame in msg.frames {
                let Some(utc_us) = parse_utc_us(frame.timestamp) else {
                    warnings.push(warn(file, line.number, &format!("bad Timestamp {:?}", frame.timestamp)));
                    continue 'lines;
                };
                for (car, e) in frame.entries {
                    let (Some(x), Some(y)) = (e.x, e.y) else { continue };
                    let on_track = match e.status {
                        Some(StatusValue::Text(s)) => s == "OnTrack",
                        Some(StatusValue::Code(c)) => c == 0.0,
                        None => true,
                    };
                    rows.push((car, utc_us, [dm(x), dm(y), dm(e.z.unwrap_or(0.0))], on_track));
                }
            }
            for (car, utc_us, xyz, on_track) in rows {
                data.t0_candidate_us = data.t0_candidate_us.max(Some(utc_us - line.t_ms * 1000));
                let s = data.drivers.entry(car).or_default();
                s.utc_us.push(utc_us);
                s.x_dm.push(xyz[0]);
                s.y_dm.push(xyz[1]);
                s.z_dm.push(xyz[2]);
                s.on_track.push(on_track);
            }
        }
        (data, warnings)
    }

    /// Checks a session folder's CarData.z and Position.z: the scanner reads every line and
    /// reports exactly serde's values, and the decoded columns and warnings equal the reference.
    fn scans_like_serde(dir: &Path) {
        for name in ["CarData.z.jsonStream", "Position.z.jsonStream"] {
            let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()));
            let lines = split(name, &bytes).unwrap();
            let mut scanned = 0;
            for line in &lines.lines {
                let Ok(json) = inflate_payload(line.payload) else { continue };
                let (fast, slow) = if name.starts_with("Car") { car_both(&json) } else { position_both(&json) };
                let slow = slow.unwrap_or_else(|e| panic!("{name} line {}: {e}", line.number));
                assert_eq!(fast.as_ref(), Some(&slow), "{name} line {}: the scanner must read it as serde does", line.number);
                scanned += 1;
            }
            if name.starts_with("Car") {
                assert_eq!(decode_car_data(name, &lines.lines), reference_car_data(name, &lines.lines), "{name}");
            } else {
                assert_eq!(decode_position(name, &lines.lines), reference_position(name, &lines.lines), "{name}");
            }
            println!("{}: {scanned} of {} lines scanned, same as serde", dir.join(name).display(), lines.lines.len());
            assert!(scanned > 0);
        }
    }

    #[test]
    fn mexico_qualifying_telemetry_scans_exactly_like_serde() {
        let session = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying";
        match testkit::data_dir().map(|d| d.join(session)).filter(|d| d.is_dir()) {
            Some(dir) => scans_like_serde(&dir),
            None => println!("SKIPPED mexico_qualifying_telemetry_scans_exactly_like_serde: no real data (set F1REPLAY_TEST_DATA)"),
        }
    }

    /// Any other session folder, e.g. a simulated race (`f1replay sim --out DIR`):
    /// `F1REPLAY_SCAN_CHECK=DIR/2025/…/2025-06-15_Race cargo test -p feed scans_exactly`.
    #[test]
    fn a_session_named_by_f1replay_scan_check_scans_exactly_like_serde() {
        match std::env::var_os("F1REPLAY_SCAN_CHECK") {
            Some(dir) => scans_like_serde(Path::new(&dir)),
            None => println!("SKIPPED a_session_named_by_f1replay_scan_check_scans_exactly_like_serde: F1REPLAY_SCAN_CHECK not set"),
        }
    }

    /// A CarData.z / Position.z file of the given JSON messages, one line each.
    #[test]
    fn per_driver_keeps_stream_order_whatever_the_number_of_threads() {
        // Rows (car, value) over lines, cars interleaved and of uneven counts.
        let lines: Vec<(i64, Vec<(u16, u32)>)> = (0..50)
            .map(|l| {
                (
                    l * 10,
                    (0..(l % 7) as u32 * 3)
                        .map(|i| ((i * 13 + l as u32) % 9 + 1) as u16)
                        .map(|c| (c, l as u32 * 100 + u32::from(c)))
                        .collect(),
                )
            })
            .collect();
        let mut expected: BTreeMap<u16, Vec<(i64, u32)>> = BTreeMap::new();
        for (ms, rows) in &lines {
            for &(car, v) in rows {
                expected.entry(car).or_default().push((*ms, v));
            }
        }
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            // Each row carries its line's time, to check the order of lines too.
            let rows: Vec<Vec<(u16, i64, u32)>> =
                lines.iter().map(|(ms, rows)| rows.iter().map(|&(car, v)| (car, *ms, v)).collect()).collect();
            let got = pool.install(|| per_driver(&rows, |r| r.0, Vec::with_capacity, |s: &mut Vec<(i64, u32)>, r| s.push((r.1, r.2))));
            assert_eq!(got, expected, "{threads} threads");
        }
    }

    fn file_of(messages: &[Vec<u8>]) -> String {
        messages.iter().enumerate().map(|(i, m)| format!("00:00:{:02}.000{}\r\n", i + 1, deflate_payload(m))).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn generated_car_data_files_decode_like_the_serde_decoder(
            messages in prop::collection::vec((car_data_message(), any::<usize>(), any::<u8>(), json_byte(), 0u8..4), 1..6),
        ) {
            let messages: Vec<Vec<u8>> =
                messages.into_iter().map(|(m, at, op, byte, keep)| if keep > 0 { m.text.into_bytes() } else { damage(&m.text, at, op, byte) }).collect();
            let text = file_of(&messages);
            let lines = split_text("CarData.z.jsonStream", &text).unwrap();
            prop_assert_eq!(decode_car_data("CarData.z.jsonStream", &lines.lines), reference_car_data("CarData.z.jsonStream", &lines.lines));
        }

        #[test]
        fn generated_position_files_decode_like_the_serde_decoder(
            messages in prop::collection::vec((position_message(), any::<usize>(), any::<u8>(), json_byte(), 0u8..4), 1..6),
        ) {
            let messages: Vec<Vec<u8>> =
                messages.into_iter().map(|(m, at, op, byte, keep)| if keep > 0 { m.text.into_bytes() } else { damage(&m.text, at, op, byte) }).collect();
            let text = file_of(&messages);
            let lines = split_text("Position.z.jsonStream", &text).unwrap();
            prop_assert_eq!(decode_position("Position.z.jsonStream", &lines.lines), reference_position("Position.z.jsonStream", &lines.lines));
        }
    }
}
