//! TimingData lines decoded straight into typed patches, without a `serde_json::Value` tree.
//!
//! TimingData is the one plain topic with tens of thousands of lines, and a `Value` per line
//! (a map per driver, a string per key, then dropping it all) cost 0.5 G of the simulated
//! race build's 8.4 G instructions; this costs 0.2 G. It reads the same fields with the same
//! rules as the `Value` helpers of [`super`] (numbers sent as text, booleans as `"1"`,
//! `{"Value": …}` times, the last of duplicate keys, keys in text order as a `Value` map
//! iterates them), and skips everything else without keeping it. Syntax errors are left to
//! the `Value` path, which reports them.

use super::{DriverTiming, LinePatches, PatchedTime, SegmentPatch, SpeedTrap};
use crate::time::parse_duration_ms;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The methods of a [`Visitor`] that reads any scalar (null, boolean, number, text) as `$v`.
macro_rules! scalars_as {
    ($v:expr) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// The `visit_seq` of a [`Visitor`] that skips an array and reads it as `$v`.
macro_rules! skip_arrays_as {
    ($v:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
}

/// One TimingData line: its qualifying part and each driver's patch (drivers in the text
/// order of their keys).
pub(super) fn decode(payload: &str) -> Result<LinePatches, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(payload);
    let line = LineValue::deserialize(&mut de)?;
    de.end()?;
    let session_part = line.session_part.as_ref().and_then(Field::uint).and_then(|p| u8::try_from(p).ok());
    let drivers = last_of_each_key(line.drivers).into_iter().filter_map(|(k, d)| Some((k.parse::<u16>().ok()?, d))).collect();
    Ok((session_part, drivers))
}

/// `(key, value)` pairs sorted by key text, keeping the last of equal keys: how a `Value` map
/// built from the same members iterates.
fn last_of_each_key<T>(mut members: Vec<(Cow<'_, str>, T)>) -> Vec<(Cow<'_, str>, T)> {
    members.reverse();
    // Stable: among equal keys, the last sent now comes first and is the one kept.
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members.dedup_by(|later, earlier| later.0 == earlier.0);
    members
}

/// A JSON value where only its kind and plain contents matter.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    /// An object or an array (skipped).
    Composite,
}

/// A field of a driver's patch: a plain value, an object (of which only its `Value` member
/// matters), or an array.
#[derive(Debug, Clone, PartialEq)]
enum Field<'a> {
    Scalar(Scalar<'a>),
    /// An object, with its last `Value` member if it has one.
    Object(Option<Scalar<'a>>),
    Array,
}

impl<'a> Field<'a> {
    /// A number, or a number sent as text (`num` of the `Value` path).
    fn num(&self) -> Option<f64> {
        match self {
            Field::Scalar(s) => scalar_num(s),
            _ => None,
        }
    }

    fn uint(&self) -> Option<u32> {
        self.num().filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX)).map(|x| x as u32)
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Field::Scalar(Scalar::Bool(b)) => Some(*b),
            Field::Scalar(Scalar::Str(s)) => Some(s.eq_ignore_ascii_case("true") || s == "1"),
            Field::Scalar(Scalar::Num(n)) => Some(*n != 0.0),
            _ => None,
        }
    }

    fn text(self) -> Option<String> {
        match self {
            Field::Scalar(Scalar::Str(s)) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// The `Value` member of an object, when it has one.
    fn value_member(&self) -> Option<&Scalar<'a>> {
        match self {
            Field::Object(v) => v.as_ref(),
            _ => None,
        }
    }

    /// A `{"Value": "1:17.123"}` time (`time_value` of the `Value` path).
    fn time(&self) -> PatchedTime {
        match self {
            Field::Object(Some(Scalar::Str(s))) | Field::Scalar(Scalar::Str(s)) => Some(parse_duration_ms(s)),
            Field::Object(Some(Scalar::Null) | None) => None,
            Field::Object(Some(_)) => Some(None),
            _ => None,
        }
    }
}

fn scalar_num(s: &Scalar<'_>) -> Option<f64> {
    match s {
        Scalar::Num(n) => Some(*n),
        Scalar::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads any JSON value as a [`Scalar`], skipping the contents of objects and arrays.
struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Composite)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Composite)
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// A map key, borrowed from the line unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => Ok(Key(s)),
            // serde_json only gives strings as keys.
            _ => Err(serde::de::Error::custom("a map key that is not a string")),
        }
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Bool(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Num(v as f64)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Num(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Num(v)))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Str(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Scalar(Scalar::Str(Cow::Owned(v.to_string()))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value = None;
                while let Some(Key(k)) = map.next_key()? {
                    if k == "Value" {
                        value = Some(map.next_value::<Scalar>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Field::Object(value))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Array)
            }
        }
        d.deserialize_any(V)
    }
}

/// A map of members or a list of items (the two forms the feed uses for arrays), each item
/// read as a [`Field`]; anything else gives `None`.
enum Members<'a> {
    Map(Vec<(Cow<'a, str>, Field<'a>)>),
    List(Vec<Field<'a>>),
    Neither,
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_as!(Members::Neither);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(Key(k)) = map.next_key()? {
                    members.push((k, map.next_value::<Field>()?));
                }
                Ok(Members::Map(last_of_each_key(members)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Field>()? {
                    items.push(item);
                }
                Ok(Members::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// A `Sectors` item: its `Value` (as a [`Field`]) and its `Segments` statuses, as
/// `(index key, Status)` in the order a `Value` map iterates them.
struct SectorItem<'a> {
    field: Field<'a>,
    segments: Vec<(usize, Option<u32>)>,
}

impl<'de> Deserialize<'de> for SectorItem<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SectorItem<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Null), segments: Vec::new() })
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Bool(v)), segments: Vec::new() })
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Num(v as f64)), segments: Vec::new() })
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Num(v as f64)), segments: Vec::new() })
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Num(v)), segments: Vec::new() })
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Str(Cow::Borrowed(v))), segments: Vec::new() })
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(SectorItem { field: Field::Scalar(Scalar::Str(Cow::Owned(v.to_string()))), segments: Vec::new() })
            }
            skip_arrays_as!(SectorItem { field: Field::Array, segments: Vec::new() });
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut value, mut segments) = (None, Vec::new());
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "Value" => value = Some(map.next_value::<Scalar>()?),
                        "Segments" => segments = map.next_value::<Segments>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(SectorItem { field: Field::Object(value), segments })
            }
        }
        d.deserialize_any(V)
    }
}

/// A `Segments` value: each item's index (a list position, or a map key that reads as a
/// number) and its last `Status` member read as a number; anything else gives none.
struct Segments(Vec<(usize, Option<u32>)>);

impl<'de> Deserialize<'de> for Segments {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The `Status` of one segment item (`None` when it is not an object or has none).
        struct Status(Option<u32>);
        impl<'de> Deserialize<'de> for Status {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Status;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    scalars_as!(Status(None));
                    skip_arrays_as!(Status(None));
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut status = None;
                        while let Some(Key(k)) = map.next_key()? {
                            if k == "Status" {
                                status = Some(map.next_value::<Field>()?);
                            } else {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                        Ok(Status(status.as_ref().and_then(Field::uint)))
                    }
                }
                d.deserialize_any(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Segments;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_as!(Segments(Vec::new()));
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(Key(k)) = map.next_key()? {
                    members.push((k, map.next_value::<Status>()?.0));
                }
                let items = last_of_each_key(members).into_iter().filter_map(|(k, s)| Some((k.parse::<usize>().ok()?, s))).collect();
                Ok(Segments(items))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(Status(s)) = seq.next_element()? {
                    items.push((items.len(), s));
                }
                Ok(Segments(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// `Sectors`: a map of items by key or a list of items; anything else has none.
enum Sectors<'a> {
    Map(Vec<(Cow<'a, str>, SectorItem<'a>)>),
    List(Vec<SectorItem<'a>>),
    Neither,
}

impl Sectors<'_> {
    /// The segment statuses of sectors 0-2, as the `Value` path lists them.
    fn segments(&self) -> Vec<SegmentPatch> {
        let items: Vec<(usize, &SectorItem)> = match self {
            Sectors::Map(members) => members.iter().filter_map(|(k, item)| Some((k.parse::<usize>().ok()?, item))).collect(),
            Sectors::List(items) => items.iter().enumerate().collect(),
            Sectors::Neither => Vec::new(),
        };
        let mut out = Vec::new();
        for (i, item) in items {
            let Some(sector) = u8::try_from(i).ok().filter(|s| *s < 3) else { continue };
            for &(j, status) in &item.segments {
                if let (Ok(segment), Some(status)) = (u8::try_from(j), status) {
                    out.push(SegmentPatch { sector, segment, status });
                }
            }
        }
        out
    }
}

impl<'de> Deserialize<'de> for Sectors<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sectors<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_as!(Sectors::Neither);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(Key(k)) = map.next_key()? {
                    members.push((k, map.next_value::<SectorItem>()?));
                }
                Ok(Sectors::Map(last_of_each_key(members)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<SectorItem>()? {
                    items.push(item);
                }
                Ok(Sectors::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// One driver's patch. A value that is not an object is a patch with nothing in it.
struct Driver(DriverTiming);

impl<'de> Deserialize<'de> for Driver {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Driver;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_as!(Driver(DriverTiming::default()));
            skip_arrays_as!(Driver(DriverTiming::default()));
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // The last of each field, as a `Value` map keeps it.
                let mut f: [Option<Field<'de>>; 13] = Default::default();
                const NAMES: [&str; 13] = [
                    "NumberOfLaps",
                    "NumberOfPitStops",
                    "InPit",
                    "PitOut",
                    "Retired",
                    "Stopped",
                    "KnockedOut",
                    "Position",
                    "Line",
                    "GapToLeader",
                    "IntervalToPositionAhead",
                    "LastLapTime",
                    "BestLapTime",
                ];
                let (mut best_lap_times, mut sectors, mut speeds) = (None, None, None);
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "BestLapTimes" => best_lap_times = Some(map.next_value::<Members>()?),
                        "Sectors" => sectors = Some(map.next_value::<Sectors>()?),
                        "Speeds" => speeds = Some(map.next_value::<Members>()?),
                        name => match NAMES.iter().position(|n| *n == name) {
                            Some(i) => f[i] = Some(map.next_value::<Field>()?),
                            None => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        },
                    }
                }
                let [laps, pit_stops, in_pit, pit_out, retired, stopped, knocked_out, position, line, gap, interval, last_lap, best_lap] =
                    f;
                let mut t = DriverTiming {
                    number_of_laps: laps.as_ref().and_then(Field::uint),
                    number_of_pit_stops: pit_stops.as_ref().and_then(Field::uint),
                    in_pit: in_pit.as_ref().and_then(Field::boolean),
                    pit_out: pit_out.as_ref().and_then(Field::boolean),
                    retired: retired.as_ref().and_then(Field::boolean),
                    stopped: stopped.as_ref().and_then(Field::boolean),
                    knocked_out: knocked_out.as_ref().and_then(Field::boolean),
                    position: position.as_ref().and_then(Field::uint),
                    line: line.as_ref().and_then(Field::uint),
                    gap_to_leader: gap.and_then(Field::text),
                    interval_to_ahead: interval.as_ref().and_then(Field::value_member).and_then(|v| match v {
                        Scalar::Str(s) => Some(s.to_string()),
                        _ => None,
                    }),
                    last_lap_time: last_lap.as_ref().and_then(Field::time),
                    best_lap_time: best_lap.as_ref().and_then(Field::time),
                    ..Default::default()
                };
                match best_lap_times {
                    Some(Members::Map(members)) => {
                        t.best_lap_times_part = members.iter().filter_map(|(k, _)| k.parse::<u8>().ok()).min();
                        for (k, item) in &members {
                            if let (Some(i), Some(v)) = (k.parse::<usize>().ok().and_then(|i| u8::try_from(i).ok()), item.time()) {
                                t.best_lap_times.push((i, v));
                            }
                        }
                    }
                    Some(Members::List(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            if let (Ok(i), Some(v)) = (u8::try_from(i), item.time()) {
                                t.best_lap_times.push((i, v));
                            }
                        }
                    }
                    _ => {}
                }
                // Only dict-form sectors carry values; both forms carry segments.
                if let Some(Sectors::Map(members)) = &sectors {
                    for (k, item) in members {
                        let Ok(i) = k.parse::<u8>() else { continue };
                        if i < 3 && item.field.value_member().is_some() {
                            if let Some(v) = item.field.time() {
                                t.sectors.push((i, v));
                            }
                        }
                    }
                }
                if let Some(sectors) = &sectors {
                    t.segments = sectors.segments();
                }
                if let Some(Members::Map(members)) = speeds {
                    for (k, item) in &members {
                        let trap = match &**k {
                            "I1" => SpeedTrap::I1,
                            "I2" => SpeedTrap::I2,
                            "FL" => SpeedTrap::FL,
                            "ST" => SpeedTrap::ST,
                            _ => continue,
                        };
                        if let Some(v) = item.value_member() {
                            t.speeds.push((trap, scalar_num(v).map(|x| x as f32)));
                        }
                    }
                }
                Ok(Driver(t))
            }
        }
        d.deserialize_any(V)
    }
}

/// The members of a line that matter: `SessionPart` and the drivers of `Lines`.
struct LineValue<'a> {
    session_part: Option<Field<'a>>,
    drivers: Vec<(Cow<'a, str>, DriverTiming)>,
}

impl<'de> Deserialize<'de> for LineValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// `Lines`: the drivers when it is an object.
        struct Lines<'a>(Vec<(Cow<'a, str>, DriverTiming)>);
        impl<'de> Deserialize<'de> for Lines<'de> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Lines<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    scalars_as!(Lines(Vec::new()));
                    skip_arrays_as!(Lines(Vec::new()));
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        // Nearly every line patches one driver: it gets a vector of exactly one
                        // patch. Pushed into an empty vector it took room for four (a race's
                        // TimingData then filled 24 MB instead of 6).
                        let mut first = None;
                        let mut drivers = Vec::new();
                        while let Some(Key(k)) = map.next_key()? {
                            let patch = (k, map.next_value::<Driver>()?.0);
                            match first.take() {
                                None if drivers.is_empty() => first = Some(patch),
                                earlier => {
                                    drivers.extend(earlier);
                                    drivers.push(patch);
                                }
                            }
                        }
                        if let Some(only) = first {
                            drivers = vec![only];
                        }
                        Ok(Lines(drivers))
                    }
                }
                d.deserialize_any(V)
            }
        }

        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LineValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_as!(LineValue { session_part: None, drivers: Vec::new() });
            skip_arrays_as!(LineValue { session_part: None, drivers: Vec::new() });
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut line = LineValue { session_part: None, drivers: Vec::new() };
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "SessionPart" => line.session_part = Some(map.next_value::<Field>()?),
                        "Lines" => line.drivers = map.next_value::<Lines>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(line)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_text;
    use proptest::prelude::*;
    use serde_json::Value;

    /// What the `Value` path reads from `text`, or `None` when it is not JSON.
    fn by_value(text: &str) -> Option<LinePatches> {
        serde_json::from_str::<Value>(text).ok().map(|v| super::super::timing_line_of_value(&v))
    }

    /// Both readings as text (NaN speeds compare equal that way).
    fn both(text: &str) -> (String, String) {
        (format!("{:?}", decode(text).ok()), format!("{:?}", by_value(text)))
    }

    #[test]
    fn the_feed_shapes_read_as_the_value_path_reads_them() {
        for text in [
            r#"{"Lines":{"44":{"NumberOfLaps":3,"LastLapTime":{"Value":""},"Sectors":{"1":{"Value":"36.564"},"2":{"Segments":{}}},"Speeds":{"ST":{"Value":"321"}}}}}"#,
            r#"{"Lines":{"1":{"Sectors":[{"Value":"30.0"}],"BestLapTimes":[{"Value":"1:17.1"},{"Value":""}]}},"SessionPart":2}"#,
            r#"{"Lines":{"16":{"BestLapTimes":{"2":{"Value":"1:16.9","Lap":12}},"KnockedOut":"true","InPit":1,"Retired":false}},"Withheld":false}"#,
            r#"{"Lines":{"4":{"GapToLeader":"+1.234","IntervalToPositionAhead":{"Value":"+0.5","Catching":true},"Position":"3","Line":3}}}"#,
            r#"{"SessionPart":"3"}"#,
            r#"{"Lines":{"x":{"Position":"1"},"01":{"Position":" 2 "},"1":5,"65536":{}}}"#,
            r#"{"Lines":{"1":{"Position":"1"},"1":{"Line":4}}}"#,
            r#"{"Lines":{"1":{"Position":"1"}},"Lines":{"2":{"NumberOfLaps":1.5e1,"InPit":"1","PitOut":"1"}}}"#,
            r#"{"Lines":{"1":{"Speeds":{"I1":{"Value":"NaN"},"FL":{"Value":null},"ST":{"Value":7},"XX":{"Value":"1"}}}}}"#,
            r#"{"Lines":{"1":{"LastLapTime":{"Value":12},"BestLapTime":"1:20.000","Sectors":{"0":{"Value":null},"5":{"Value":"1"},"1":{"Value":[1]}}}}}"#,
            r#"{"Lines":{"\u0031":{"GapToLeader":"LAP \u00357","Position":-1}}}"#,
            r#"[1,{"Lines":{}}]"#,
            r#"null"#,
            r#"{"Lines":{"1":{"Sectors":[{"Segments":[{"Status":0},{"Status":"2049"}]},{},{"Segments":[{"Status":2064}]},{"Segments":[{"Status":1}]}]}}}"#,
            r#"{"Lines":{"1":{"Sectors":{"2":{"Segments":{"10":{"Status":2051},"3":{"Status":2048},"x":{"Status":1},"3":{"Status":2049}}},"0":{"Value":"1.0","Segments":[]}}}}}"#,
        ] {
            let (direct, value) = both(text);
            assert!(direct != "None", "{text}");
            assert_eq!(direct, value, "{text}");
        }
    }

    #[test]
    fn segment_statuses_are_read_in_both_forms() {
        let seg = |sector, segment, status| SegmentPatch { sector, segment, status };
        let (_, list) = decode(r#"{"Lines":{"1":{"Sectors":[{"Segments":[{"Status":0},{"Status":"2049"}]},{},{"Segments":[{"Status":2064}]},{"Segments":[{"Status":1}]}]}}}"#).unwrap();
        assert_eq!(list[0].1.segments, vec![seg(0, 0, 0), seg(0, 1, 2049), seg(2, 0, 2064)]);
        let (_, dict) =
            decode(r#"{"Lines":{"1":{"Sectors":{"2":{"Segments":{"10":{"Status":2051},"3":{"Status":2048},"3":{"Status":2049}}}}}}}"#)
                .unwrap();
        assert_eq!(dict[0].1.segments, vec![seg(2, 10, 2051), seg(2, 3, 2049)]);
    }

    #[test]
    fn text_that_is_not_json_is_left_to_the_value_path() {
        for text in [r#"{"Lines":{"1":{"Position":"1"}}"#, r#"{"Lines":{"1":}}"#, r#"{"Lines":{}} x"#, ""] {
            assert!(decode(text).is_err(), "{text}");
            assert!(by_value(text).is_none(), "{text}");
        }
    }

    /// A JSON value as text, keys in any order and possibly repeated (which `Value` cannot hold).
    #[derive(Debug, Clone)]
    enum J {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Str(&'static str),
        Arr(Vec<J>),
        Obj(Vec<(&'static str, J)>),
    }

    impl J {
        fn text(&self) -> String {
            match self {
                J::Null => "null".into(),
                J::Bool(b) => b.to_string(),
                J::Int(i) => i.to_string(),
                J::Float(f) => format!("{f:?}"),
                J::Str(s) => serde_json::to_string(s).unwrap_or_default(),
                J::Arr(items) => format!("[{}]", items.iter().map(J::text).collect::<Vec<_>>().join(",")),
                J::Obj(members) => format!(
                    "{{{}}}",
                    members
                        .iter()
                        .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), v.text()))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            }
        }
    }

    /// Keys the generated lines use: every field either path reads, and some neither does.
    /// Written out here rather than taken from the decoder's own list, so that a field the
    /// decoder forgot still appears in generated lines and the comparison catches it.
    const KEYS: [&str; 28] = [
        "Value",
        "NumberOfLaps",
        "NumberOfPitStops",
        "InPit",
        "PitOut",
        "Retired",
        "Stopped",
        "KnockedOut",
        "Position",
        "Line",
        "GapToLeader",
        "IntervalToPositionAhead",
        "LastLapTime",
        "BestLapTime",
        "BestLapTimes",
        "Sectors",
        "Speeds",
        "Segments",
        "0",
        "1",
        "2",
        "10",
        "I1",
        "I2",
        "FL",
        "ST",
        "Status",
        "é\"\\",
    ];
    const TEXTS: [&str; 14] = ["", "1", "0", "true", "TRUE", "false", " 12 ", "1:17.123", "36.564", "+1.234", "LAP 57", "1L", "NaN", "-3"];

    fn any_json() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            prop_oneof![-5i64..400, any::<i64>()].prop_map(J::Int),
            (-1e6f64..1e6).prop_map(J::Float),
            prop::sample::select(&TEXTS[..]).prop_map(J::Str),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
                prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..6).prop_map(J::Obj),
            ]
        })
    }

    /// A TimingData line: `SessionPart` and `Lines` of drivers (some keys not numbers, some
    /// repeated), each driver's members drawn from the fields the decoder reads.
    fn line() -> impl Strategy<Value = J> {
        let driver =
            prop_oneof![4 => prop::collection::vec((prop::sample::select(&KEYS[..]), any_json()), 0..8).prop_map(J::Obj), 1 => any_json()];
        let lines =
            prop::collection::vec((prop::sample::select(&["1", "44", "01", "x", "65536", "16", "1"][..]), driver), 0..5).prop_map(J::Obj);
        prop::collection::vec(
            prop_oneof![
                3 => lines.prop_map(|l| ("Lines", l)),
                1 => any_json().prop_map(|v| ("SessionPart", v)),
                1 => any_json().prop_map(|v| ("Withheld", v)),
            ],
            0..4,
        )
        .prop_map(J::Obj)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn generated_lines_read_as_the_value_path_reads_them(l in line()) {
            let text = l.text();
            let (direct, value) = both(&text);
            prop_assert_eq!(direct, value, "{}", text);
        }
    }

    #[test]
    fn every_timing_data_line_of_the_shared_data_reads_as_the_value_path_reads_it() {
        let Some(files) = testkit::data_files(|name| name == "TimingData.jsonStream") else {
            println!(
                "SKIPPED every_timing_data_line_of_the_shared_data_reads_as_the_value_path_reads_it: no real data (set F1REPLAY_TEST_DATA)"
            );
            return;
        };
        let mut lines_read = 0;
        for path in &files {
            let Ok(bytes) = std::fs::read(path) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            let Ok(lines) = split_text("TimingData.jsonStream", &text) else { continue };
            for l in &lines.lines {
                let (direct, value) = both(l.payload);
                assert_eq!(direct, value, "{}:{}", path.display(), l.number);
                lines_read += 1;
            }
        }
        println!("{} TimingData files, {lines_read} lines: read as the Value path reads them", files.len());
        assert!(lines_read > 10_000);
    }
}
