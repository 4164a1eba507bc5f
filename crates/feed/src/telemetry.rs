//! CarData.z and Position.z decoded straight into per-driver columns.
//!
//! A race has ~35k lines per topic, each a deflated batch of a few samples for every car.
//! Lines are inflated and parsed in parallel (rayon) into typed rows (no JSON tree per sample),
//! then gathered per driver into struct-of-arrays columns in file order.

use crate::error::Warning;
use crate::lines::{warn, Line};
use crate::time::parse_utc_us;
use crate::zipped::inflate_payload;
use rayon::prelude::*;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// Car channel samples of one driver, one entry per sample, in stream order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CarSamples {
    /// Session time (ms) of the line that carried the sample: when it arrived, not when it was taken.
    pub line_ms: Vec<i64>,
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
    /// Session time (ms) of the carrying line.
    pub line_ms: Vec<i64>,
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
}

/// All car data of a session, per racing number.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CarData {
    /// Columns per driver (racing number).
    pub drivers: BTreeMap<u16, CarSamples>,
    /// Whether any sample carried the DRS channel (45); absent from 2026 on.
    pub has_drs: bool,
}

/// All position data of a session, per racing number.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PositionData {
    /// Columns per driver (racing number).
    pub drivers: BTreeMap<u16, PositionSamples>,
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

#[derive(Deserialize, Default)]
struct Channels {
    #[serde(rename = "0")]
    rpm: Option<f64>,
    #[serde(rename = "2")]
    speed: Option<f64>,
    #[serde(rename = "3")]
    gear: Option<f64>,
    #[serde(rename = "4")]
    throttle: Option<f64>,
    #[serde(rename = "5")]
    brake: Option<f64>,
    #[serde(rename = "45")]
    drs: Option<f64>,
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

fn clamp_u16(v: f64) -> u16 {
    v.clamp(0.0, f64::from(u16::MAX)) as u16
}
fn clamp_u8(v: f64) -> u8 {
    v.clamp(0.0, 255.0) as u8
}
fn dm(v: f64) -> i32 {
    v.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

struct CarRow {
    car: u16,
    utc_us: i64,
    ch: [u16; 2],
    small: [u8; 4],
}

/// Decodes every line of CarData.z into per-driver columns, in parallel.
///
/// A bad line (base64, deflate, JSON, timestamp) is skipped with a warning naming the line;
/// a car missing one of the channels 0/2/3/4/5 is skipped for that entry (FastF1's rule).
pub fn decode_car_data(file: &str, lines: &[Line<'_>]) -> (CarData, Vec<Warning>) {
    let per_line: Vec<Result<(Vec<CarRow>, bool), Warning>> = lines
        .par_iter()
        .map(|line| {
            let json = inflate_payload(line.payload).map_err(|e| warn(file, line.number, &e.to_string()))?;
            let msg: CarMsg = serde_json::from_slice(&json).map_err(|e| warn(file, line.number, &format!("bad CarData JSON: {e}")))?;
            let mut rows = Vec::with_capacity(msg.entries.len() * 20);
            let mut has_drs = false;
            for entry in msg.entries {
                let utc_us = parse_utc_us(entry.utc).ok_or_else(|| warn(file, line.number, &format!("bad Utc {:?}", entry.utc)))?;
                for (car, c) in entry.cars {
                    let c = c.channels;
                    let (Some(rpm), Some(speed), Some(gear), Some(thr), Some(brake)) = (c.rpm, c.speed, c.gear, c.throttle, c.brake) else {
                        continue;
                    };
                    has_drs |= c.drs.is_some();
                    rows.push(CarRow {
                        car,
                        utc_us,
                        ch: [clamp_u16(rpm), clamp_u16(speed)],
                        small: [clamp_u8(gear), clamp_u8(thr), clamp_u8(brake), clamp_u8(c.drs.unwrap_or(0.0))],
                    });
                }
            }
            Ok((rows, has_drs))
        })
        .collect();

    let mut data = CarData::default();
    let mut warnings = Vec::new();
    for (line, result) in lines.iter().zip(per_line) {
        match result {
            Err(w) => warnings.push(w),
            Ok((rows, has_drs)) => {
                data.has_drs |= has_drs;
                for r in rows {
                    let s = data.drivers.entry(r.car).or_default();
                    s.line_ms.push(line.t_ms);
                    s.utc_us.push(r.utc_us);
                    s.rpm.push(r.ch[0]);
                    s.speed_kph.push(r.ch[1]);
                    s.gear.push(r.small[0]);
                    s.throttle_pct.push(r.small[1]);
                    s.brake.push(r.small[2]);
                    s.drs.push(r.small[3]);
                }
            }
        }
    }
    (data, warnings)
}

struct PosRow {
    car: u16,
    utc_us: i64,
    xyz: [i32; 3],
    on_track: bool,
}

/// Decodes every line of Position.z into per-driver columns, in parallel.
///
/// An entry without X or Y is skipped: a missing position is a gap, never the origin.
pub fn decode_position(file: &str, lines: &[Line<'_>]) -> (PositionData, Vec<Warning>) {
    let per_line: Vec<Result<Vec<PosRow>, Warning>> = lines
        .par_iter()
        .map(|line| {
            let json = inflate_payload(line.payload).map_err(|e| warn(file, line.number, &e.to_string()))?;
            let msg: PosMsg = serde_json::from_slice(&json).map_err(|e| warn(file, line.number, &format!("bad Position JSON: {e}")))?;
            let mut rows = Vec::with_capacity(msg.frames.len() * 20);
            for frame in msg.frames {
                let utc_us = parse_utc_us(frame.timestamp)
                    .ok_or_else(|| warn(file, line.number, &format!("bad Timestamp {:?}", frame.timestamp)))?;
                for (car, e) in frame.entries {
                    let (Some(x), Some(y)) = (e.x, e.y) else { continue };
                    let on_track = match e.status {
                        Some(StatusValue::Text(s)) => s == "OnTrack",
                        Some(StatusValue::Code(c)) => c == 0.0,
                        None => true,
                    };
                    rows.push(PosRow { car, utc_us, xyz: [dm(x), dm(y), dm(e.z.unwrap_or(0.0))], on_track });
                }
            }
            Ok(rows)
        })
        .collect();

    let mut data = PositionData::default();
    let mut warnings = Vec::new();
    for (line, result) in lines.iter().zip(per_line) {
        match result {
            Err(w) => warnings.push(w),
            Ok(rows) => {
                for r in rows {
                    let s = data.drivers.entry(r.car).or_default();
                    s.line_ms.push(line.t_ms);
                    s.utc_us.push(r.utc_us);
                    s.x_dm.push(r.xyz[0]);
                    s.y_dm.push(r.xyz[1]);
                    s.z_dm.push(r.xyz[2]);
                    s.on_track.push(r.on_track);
                }
            }
        }
    }
    (data, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_text;
    use crate::zipped::deflate_payload;

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
        assert_eq!(car.line_ms, vec![1000, 2000]);
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
}
