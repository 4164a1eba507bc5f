//! A fast path for the JSON inside CarData.z and Position.z lines.
//!
//! serde_json was half of the telemetry decode time. These messages have two fixed shapes, so a
//! small scanner walks the bytes once and hands each car's values to a sink ([`CarSink`],
//! [`PosSink`]) without building strings, maps or vectors.
//!
//! The scanner only ever agrees with serde or declines: for any input it either returns the
//! exact values `serde_json::from_slice` gives for the `telemetry` structs (same f64 bits, same
//! key rules: any order, unknown keys skipped, duplicates refused, `null` for an `Option`), or
//! `None`, and the caller then runs serde, which reports the error. It declines whenever it is
//! not sure, for example:
//! - an escape or a non-ASCII byte in a key or in a string it returns (serde would decode or
//!   validate it; skipped strings are checked exactly as serde skips them),
//! - a number outside the range where one f64 multiplication or division is exact
//!   ([`Cursor::number`]),
//! - a struct written as a JSON array (serde accepts that form), or an unknown value nested
//!   deeper than [`MAX_DEPTH`].

use crate::telemetry::{Channels, PosSample, Status};

/// Deepest nesting the scanner follows (it recurses into skipped values). serde_json skips any
/// depth, so deeper values are left to it; no feed message comes close.
const MAX_DEPTH: usize = 64;

/// Largest significand that converts to f64 exactly (2^53).
const MAX_EXACT: u64 = 1 << 53;

/// The powers of ten that are exact in f64 (1e0 to 1e22): one multiply or divide by one of
/// them is what serde_json does too, so results agree bit for bit.
const POW10: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// Receives what [`car_data`] finds, in document order.
pub(crate) trait CarSink<'j> {
    /// One car of the current entry (the entry's `Utc` may come after its `Cars`).
    fn car(&mut self, car: u16, channels: &Channels);
    /// The end of the entry whose cars were just given, with its `Utc` text.
    fn entry(&mut self, utc: &'j str);
}

/// Receives what [`position`] finds, in document order.
pub(crate) trait PosSink<'j> {
    /// One car of the current frame (the frame's `Timestamp` may come after its `Entries`).
    fn car(&mut self, car: u16, sample: &PosSample<'_>);
    /// The end of the frame whose cars were just given, with its `Timestamp` text.
    fn frame(&mut self, timestamp: &'j str);
}

/// Scans a CarData message (`{"Entries":[{"Utc":…,"Cars":{"1":{"Channels":{"0":…}}}}]}`) into
/// `sink`. `None` means "ask serde": the sink may then hold a partial message and must be dropped.
pub(crate) fn car_data<'j>(json: &'j [u8], sink: &mut impl CarSink<'j>) -> Option<()> {
    let mut c = Cursor { b: json, i: 0 };
    let mut entries = false;
    c.object(|c, key| match key {
        b"Entries" => {
            once(&mut entries)?;
            c.array(|c| car_entry(c, sink))
        }
        _ => c.skip_value(1),
    })?;
    c.end()
}

/// One `{"Utc":…,"Cars":{…}}` entry.
fn car_entry<'j>(c: &mut Cursor<'j>, sink: &mut impl CarSink<'j>) -> Option<()> {
    let (mut utc, mut cars) = (None, false);
    c.object(|c, key| match key {
        b"Utc" => {
            once_set(&mut utc, c.plain_str()?)?;
            Some(())
        }
        b"Cars" => {
            once(&mut cars)?;
            c.object(|c, key| match car_number(key) {
                Some(car) => {
                    let channels = car_channels(c)?;
                    sink.car(car, &channels);
                    Some(())
                }
                None => c.skip_value(4),
            })
        }
        _ => c.skip_value(3),
    })?;
    sink.entry(ascii(utc?)?);
    Some(())
}

/// One car's `{"Channels":{"0":…,"2":…}}`; `Channels` is required, as in serde.
fn car_channels(c: &mut Cursor<'_>) -> Option<Channels> {
    let mut found = None;
    c.object(|c, key| match key {
        b"Channels" => {
            let mut ch = Channels::default();
            let mut seen = [false; 6];
            c.object(|c, key| {
                let (slot, value) = match key {
                    b"0" => (0, &mut ch.rpm),
                    b"2" => (1, &mut ch.speed),
                    b"3" => (2, &mut ch.gear),
                    b"4" => (3, &mut ch.throttle),
                    b"5" => (4, &mut ch.brake),
                    b"45" => (5, &mut ch.drs),
                    _ => return c.skip_value(6),
                };
                once(&mut seen[slot])?;
                *value = c.optional_number()?;
                Some(())
            })?;
            once_set(&mut found, ch)
        }
        _ => c.skip_value(5),
    })?;
    found
}

/// Scans a Position message (`{"Position":[{"Timestamp":…,"Entries":{"1":{"Status":…,"X":…}}}]}`)
/// into `sink`. `None` means "ask serde": the sink may then hold a partial message and must be dropped.
pub(crate) fn position<'j>(json: &'j [u8], sink: &mut impl PosSink<'j>) -> Option<()> {
    let mut c = Cursor { b: json, i: 0 };
    let mut frames = false;
    c.object(|c, key| match key {
        b"Position" => {
            once(&mut frames)?;
            c.array(|c| position_frame(c, sink))
        }
        _ => c.skip_value(1),
    })?;
    c.end()
}

/// One `{"Timestamp":…,"Entries":{…}}` frame.
fn position_frame<'j>(c: &mut Cursor<'j>, sink: &mut impl PosSink<'j>) -> Option<()> {
    let (mut timestamp, mut entries) = (None, false);
    c.object(|c, key| match key {
        b"Timestamp" => {
            once_set(&mut timestamp, c.plain_str()?)?;
            Some(())
        }
        b"Entries" => {
            once(&mut entries)?;
            c.object(|c, key| match car_number(key) {
                Some(car) => {
                    let sample = position_entry(c)?;
                    sink.car(car, &sample);
                    Some(())
                }
                None => c.skip_value(4),
            })
        }
        _ => c.skip_value(3),
    })?;
    sink.frame(ascii(timestamp?)?);
    Some(())
}

/// One car's `{"Status":"OnTrack","X":…,"Y":…,"Z":…}`; every field is optional.
fn position_entry<'j>(c: &mut Cursor<'j>) -> Option<PosSample<'j>> {
    let mut s = PosSample { status: Status::Absent, x: None, y: None, z: None };
    let mut seen = [false; 4];
    c.object(|c, key| {
        let slot = match key {
            b"Status" => 0,
            b"X" => 1,
            b"Y" => 2,
            b"Z" => 3,
            _ => return c.skip_value(5),
        };
        once(&mut seen[slot])?;
        match slot {
            0 => s.status = status(c)?,
            1 => s.x = c.optional_number()?,
            2 => s.y = c.optional_number()?,
            _ => s.z = c.optional_number()?,
        }
        Some(())
    })?;
    Some(s)
}

/// `Status`: text (current feed), a number (older data) or `null`.
fn status<'j>(c: &mut Cursor<'j>) -> Option<Status<'j>> {
    match c.peek()? {
        b'"' => Some(Status::Text(ascii(c.plain_str()?)?)),
        b'n' => c.literal(b"null").map(|()| Status::Absent),
        _ => c.number().map(Status::Code),
    }
}

/// A racing-number key as `str::parse::<u16>` reads it (an optional `+`, then digits, at most
/// 65535); `None` for a key serde's `pairs` would skip.
fn car_number(key: &[u8]) -> Option<u16> {
    let digits = key.strip_prefix(b"+").unwrap_or(key);
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(d - b'0');
        if n > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(n).ok()
}

/// Marks a field as seen; `None` the second time (serde refuses a duplicate field).
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

/// Stores a field's value; `None` if it was already set (a duplicate field).
fn once_set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// Bytes the scanner already checked to be printable ASCII, as `str`.
fn ascii(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// A position in the JSON bytes. Every method returns `None` where serde might disagree.
struct Cursor<'j> {
    b: &'j [u8],
    i: usize,
}

impl<'j> Cursor<'j> {
    /// Skips JSON whitespace (the four bytes serde_json accepts) and returns the next byte.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    /// Consumes `want` after optional whitespace.
    #[inline]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.i += 1)
    }

    /// Only whitespace is left (serde refuses trailing characters).
    fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// Walks an object, calling `member` with each key with the cursor at the value, which
    /// `member` must consume.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'j [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.plain_str()?;
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Walks an array, calling `element` with the cursor at each element, which it must consume.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string of printable ASCII without escapes, which is then byte for byte what serde
    /// returns; `None` for any other string.
    #[inline]
    fn plain_str(&mut self) -> Option<&'j [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' | 0..=0x1f | 0x80.. => return None,
                _ => self.i += 1,
            }
        }
        let s = self.b.get(start..self.i);
        self.i += 1;
        s
    }

    /// The rest of a string being skipped (after its `"`), checked as serde_json's
    /// `ignore_str` checks it: valid escapes, no control character; other bytes pass unchecked.
    fn skip_str(&mut self) -> Option<()> {
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return Some(()),
                0..=0x1f => return None,
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 4;
                        }
                        _ => return None,
                    }
                }
                _ => {}
            }
        }
    }

    /// `lit` exactly (`null`, `true`, `false`).
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        let rest = self.b.get(self.i..)?;
        rest.starts_with(lit).then(|| self.i += lit.len())
    }

    /// Skips any JSON value found at nesting `depth`, accepting exactly what serde_json's
    /// `ignore_value` accepts (but declining past [`MAX_DEPTH`]).
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_str()
            }
            b'{' if depth < MAX_DEPTH => {
                self.i += 1;
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.eat(b'"')?;
                    self.skip_str()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => break,
                        _ => return None,
                    }
                }
                self.i += 1;
                Some(())
            }
            b'[' if depth < MAX_DEPTH => {
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => break,
                        _ => return None,
                    }
                }
                self.i += 1;
                Some(())
            }
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// Skips a number with JSON's grammar, as serde_json's `ignore_integer` does.
    fn skip_number(&mut self) -> Option<()> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match *self.b.get(self.i)? {
            b'0' => {
                self.i += 1;
                if self.digit().is_some() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.i += 1;
                while self.digit().is_some() {}
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.digit()?;
            while self.digit().is_some() {}
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digit()?;
            while self.digit().is_some() {}
        }
        Some(())
    }

    /// Consumes one ASCII digit and returns its value.
    #[inline]
    fn digit(&mut self) -> Option<u8> {
        let d = self.b.get(self.i)?.wrapping_sub(b'0');
        (d < 10).then(|| {
            self.i += 1;
            d
        })
    }

    /// `null` as `None`, else a number (see [`Self::number`]); serde's `Option<f64>`.
    #[inline]
    fn optional_number(&mut self) -> Option<Option<f64>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        self.number().map(Some)
    }

    /// A JSON number as serde_json reads it into an f64, for the numbers where that is one
    /// exact operation: significand ≤ 2^53 (so `as f64` is exact) and a decimal exponent of at
    /// most ±22 (so the power of ten is exact). serde_json then computes `significand as f64`
    /// times or divided by that power, a single correctly rounded operation, which is also what
    /// its `float_roundtrip` parser and `str::parse::<f64>` return. Any other number → `None`.
    #[inline]
    fn number(&mut self) -> Option<f64> {
        const MAX_EXPONENT: i32 = 10_000;
        let negative = self.peek()? == b'-';
        if negative {
            self.i += 1;
        }
        let mut significand: u64 = 0;
        match self.digit()? {
            0 => {
                if self.digit().is_some() {
                    return None;
                }
            }
            d => {
                significand = u64::from(d);
                while let Some(d) = self.digit() {
                    significand = significand * 10 + u64::from(d);
                    if significand > MAX_EXACT {
                        return None;
                    }
                }
            }
        }
        let mut exponent: i32 = 0;
        let mut integer = true;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            integer = false;
            significand = significand * 10 + u64::from(self.digit()?);
            exponent -= 1;
            while let Some(d) = self.digit() {
                significand = significand * 10 + u64::from(d);
                exponent -= 1;
                if significand > MAX_EXACT || exponent < -MAX_EXPONENT {
                    return None;
                }
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            integer = false;
            let exp_negative = self.b.get(self.i) == Some(&b'-');
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let mut e = i32::from(self.digit()?);
            while let Some(d) = self.digit() {
                e = e * 10 + i32::from(d);
                if e > MAX_EXPONENT {
                    return None;
                }
            }
            exponent += if exp_negative { -e } else { e };
        }
        if significand > MAX_EXACT {
            return None;
        }
        let magnitude = significand as f64;
        let value = if integer {
            magnitude
        } else {
            let pow = *POW10.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
            if exponent >= 0 {
                magnitude * pow
            } else {
                magnitude / pow
            }
        };
        Some(if negative { -value } else { value })
    }
}

#[cfg(test)]
pub(crate) mod messages;

#[cfg(test)]
pub(crate) mod tests {
    use super::messages::{car_data_message, damage, json_byte, position_message};
    use super::*;
    use proptest::prelude::*;

    /// What a scanner saw, in order, with f64s as bits so that -0.0 and 0.0 differ.
    #[derive(Debug, PartialEq, Default)]
    pub(crate) struct Seen(pub(crate) Vec<String>);

    fn bits(v: Option<f64>) -> String {
        v.map_or("-".into(), |f| format!("{:016x}", f.to_bits()))
    }

    impl<'j> CarSink<'j> for Seen {
        fn car(&mut self, car: u16, c: &Channels) {
            let v = [c.rpm, c.speed, c.gear, c.throttle, c.brake, c.drs].map(bits);
            self.0.push(format!("car {car} {v:?}"));
        }
        fn entry(&mut self, utc: &'j str) {
            self.0.push(format!("utc {utc:?}"));
        }
    }

    impl<'j> PosSink<'j> for Seen {
        fn car(&mut self, car: u16, s: &PosSample<'_>) {
            let status = match s.status {
                Status::Absent => "absent".to_string(),
                Status::Text(t) => format!("text {t:?}"),
                Status::Code(c) => format!("code {}", bits(Some(c))),
            };
            self.0.push(format!("car {car} {status} {} {} {}", bits(s.x), bits(s.y), bits(s.z)));
        }
        fn frame(&mut self, timestamp: &'j str) {
            self.0.push(format!("ts {timestamp:?}"));
        }
    }

    /// Both parsers on one CarData message: (scanner, serde) as event lists.
    pub(crate) fn car_both(json: &[u8]) -> (Option<Seen>, Result<Seen, String>) {
        let mut fast = Seen::default();
        let fast = car_data(json, &mut fast).map(|()| fast);
        let mut slow = Seen::default();
        let slow = crate::telemetry::car_data_via_serde(json, &mut slow).map(|()| slow);
        (fast, slow)
    }

    /// Both parsers on one Position message.
    pub(crate) fn position_both(json: &[u8]) -> (Option<Seen>, Result<Seen, String>) {
        let mut fast = Seen::default();
        let fast = position(json, &mut fast).map(|()| fast);
        let mut slow = Seen::default();
        let slow = crate::telemetry::position_via_serde(json, &mut slow).map(|()| slow);
        (fast, slow)
    }

    /// The fast path agrees with serde or declines; `must_scan` also demands it does not decline.
    fn check(both: (Option<Seen>, Result<Seen, String>), json: &[u8], must_scan: bool) -> Result<(), TestCaseError> {
        let text = String::from_utf8_lossy(json);
        match both {
            (Some(fast), Ok(slow)) => prop_assert_eq!(fast, slow, "{}", text),
            (Some(fast), Err(e)) => prop_assert!(false, "scanner accepted what serde refuses ({e}): {fast:?} from {text}"),
            (None, slow) => prop_assert!(!must_scan, "scanner declined a message it should read ({slow:?}): {text}"),
        }
        Ok(())
    }

    fn number_of(text: &str) -> Option<f64> {
        let mut c = Cursor { b: text.as_bytes(), i: 0 };
        let v = c.number()?;
        c.end()?;
        Some(v)
    }

    #[test]
    fn numbers_come_out_as_serde_reads_them() {
        for text in [
            "0",
            "-0",
            "7",
            "-7",
            "10500",
            "-1234",
            "0.5",
            "-0.0",
            "123.456",
            "1e3",
            "1E+3",
            "25e-1",
            "-2.5e-3",
            "9007199254740992",
            "0.1",
            "0.3",
            "2.675",
            "4.35",
            "123456789012.345",
            "1e22",
            "1e-22",
            "3.0e0",
            "0.000001",
        ] {
            let ours = number_of(text).unwrap_or_else(|| panic!("{text} declined"));
            let serde: f64 = serde_json::from_str(text).unwrap();
            assert_eq!(ours.to_bits(), serde.to_bits(), "{text}");
            assert_eq!(ours.to_bits(), text.parse::<f64>().unwrap().to_bits(), "{text}");
        }
    }

    #[test]
    fn numbers_outside_the_exact_range_or_malformed_are_declined() {
        for text in [
            "9007199254740993",
            "1e23",
            "1e-23",
            "0.00000000000000000000001",
            "123456789012345678901",
            "1e400",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "--1",
            "1.5.",
            "0x10",
            "NaN",
            "Infinity",
            "1_000",
            "",
        ] {
            assert_eq!(number_of(text), None, "{text}");
        }
    }

    #[test]
    fn car_numbers_are_read_like_str_parse() {
        for key in ["1", "44", "+4", "0", "007", "65535", "65536", "", "+", "-1", "1a", " 1", "99999999999", "0000000000001"] {
            assert_eq!(car_number(key.as_bytes()), key.parse::<u16>().ok(), "{key:?}");
        }
    }

    #[test]
    fn the_real_shapes_scan_like_serde() {
        let car = br#"{"Entries":[{"Utc":"2025-10-25T20:00:00.123456Z","Cars":{"1":{"Channels":{"0":10500,"2":290,"3":7,"4":100,"5":0,"45":12}},"4":{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5}}}}]}"#;
        let both = car_both(car);
        assert_eq!(both.0.as_ref().map(|s| s.0.len()), Some(3));
        check(both, car, true).unwrap();
        let pos = br#"{"Position":[{"Timestamp":"2025-10-25T20:00:00.1Z","Entries":{"1":{"Status":"OnTrack","X":-1234,"Y":5678,"Z":90},"4":{"Status":1,"X":1.5,"Y":-2e1}}}]}"#;
        let both = position_both(pos);
        assert_eq!(both.0.as_ref().map(|s| s.0.len()), Some(3));
        check(both, pos, true).unwrap();
    }

    #[test]
    fn serde_rules_hold_for_keys_nulls_and_defaults() {
        // (message, the scanner reads it whenever serde does)
        let accepted: [(&[u8], bool); 10] = [
            (br#" { "Entries" : [ { "Cars" : { "1" : { "x" : [1, {"a": "\"\u00e9"}], "Channels" : { "2" : null, "0" : 1 } } } , "Utc" : "t" } ] } "#, true),
            (br#"{}"#, true),
            (br#"{"Entries":[]}"#, true),
            (br#"{"Entries":[{"Utc":"t"}]}"#, true),
            (br#"{"Entries":[{"Utc":"t","Cars":{"x":null,"":1,"70000":{"Channels":1},"+7":{"Channels":{}},"007":{"Channels":{"0":1}},"7":{"Channels":{"1":2,"1":3}}}}]}"#, true),
            (br#"{"Other":{"Entries":"not these"},"Entries":[{"Utc":"t","Cars":{"1":{"Channels":{"45":-0,"5":-0.0}}}}]}"#, true),
            (b"{\"Entries\":[{\"Utc\":\"t\",\"skip\":\"\xff\xfe\"}]}", true),
            (br#"{"Position":[{"Timestamp":"t","Entries":{"1":{"Status":null,"X":null},"2":{},"3":{"Status":"Off\u0054rack"}}}]}"#, false),
            (br#"{"Position":[{"Entries":{"1":{"X":1,"Y":2}},"Timestamp":"t"}],"Entries":5}"#, true),
            (br#"{"Position":[{"Timestamp":"t","Entries":{"1":{"Status":"OffTrack","X":1e2,"Y":2.50,"Z":-3E-1,"W":[[[]]]}}}]}"#, true),
        ];
        for (json, scans) in accepted {
            let (car, pos) = (car_both(json), position_both(json));
            assert!(car.1.is_ok() || pos.1.is_ok(), "serde refuses {}", String::from_utf8_lossy(json));
            let must = (scans && car.1.is_ok(), scans && pos.1.is_ok());
            check(car, json, must.0).unwrap();
            check(pos, json, must.1).unwrap();
        }
    }

    #[test]
    fn what_serde_refuses_is_declined() {
        let refused: [&[u8]; 21] = [
            b"",
            b"null",
            br#"{"Entries":[{"Utc":"t"}]} x"#,
            br#"{"Entries":[{"Utc":"t"},]}"#,
            br#"{"Entries":[{"Utc":"t",}]}"#,
            br#"{"Entries":[{"Utc":"t"}],"Entries":[]}"#,
            br#"{"Entries":[{"Utc":"t","Utc":"u"}]}"#,
            br#"{"Entries":[{"Cars":{}}]}"#,
            br#"{"Entries":[{"Utc":null}]}"#,
            br#"{"Entries":[{"Utc":"t\u0041"}]}"#,
            br#"{"Entries":[{"Utc":"t","Cars":null}]}"#,
            br#"{"Entries":[{"Utc":"t","Cars":{"1":{}}}]}"#,
            br#"{"Entries":[{"Utc":"t","Cars":{"1":{"Channels":{"0":1,"0":2}}}}]}"#,
            br#"{"Entries":[{"Utc":"t","Cars":{"1":{"Channels":{"0":"1"}}}}]}"#,
            br#"{"Entries":[{"Utc":"t","Cars":{"1":{"Channels":{"0":01}}}}]}"#,
            br#"{"Entries":[{"Utc":"t","x":"\q"}]}"#,
            br#"{"Entries":[{"Utc":"t","x":[1 2]}]}"#,
            b"{\"Entries\":[{\"Utc\":\"t\",\"x\":\"a\tb\"}]}",
            br#"{"Position":[{"Timestamp":"t","Entries":{"1":{"Status":true}}}]}"#,
            br#"{"Position":[{"Timestamp":"t","Entries":{"1":{"X":1,"X":2}}}]}"#,
            br#"{"Position":[{"Timestamp":"t","Entries":{"1":{"Z":1e400}}}]}"#,
        ];
        for json in refused {
            let (car, pos) = (car_both(json), position_both(json));
            assert!(car.1.is_err() || pos.1.is_err(), "serde accepts both readings of {}", String::from_utf8_lossy(json));
            check(car, json, false).unwrap();
            check(pos, json, false).unwrap();
        }
    }

    #[test]
    fn a_struct_written_as_an_array_is_left_to_serde() {
        // serde also reads a struct from a JSON array of its fields; the feed never sends that.
        for json in [&b"[]"[..], b"[[]]", br#"{"Entries":[["t",{}]]}"#] {
            let (fast, slow) = car_both(json);
            assert!(fast.is_none() && slow.is_ok(), "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn very_deep_unknown_values_are_left_to_serde() {
        let deep = |n: usize| format!(r#"{{"Entries":[],"x":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        let json = deep(10);
        check(car_both(json.as_bytes()), json.as_bytes(), true).unwrap();
        let (fast, slow) = car_both(deep(200).as_bytes());
        assert!(fast.is_none() && slow.is_ok(), "serde skips any depth; the scanner stops at {MAX_DEPTH}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn generated_car_data_scans_exactly_like_serde(m in car_data_message()) {
            check(car_both(m.text.as_bytes()), m.text.as_bytes(), m.plain)?;
        }

        #[test]
        fn generated_positions_scan_exactly_like_serde(m in position_message()) {
            check(position_both(m.text.as_bytes()), m.text.as_bytes(), m.plain)?;
        }

        #[test]
        fn damaged_car_data_is_declined_or_read_like_serde(m in car_data_message(), at in any::<usize>(), op in any::<u8>(), byte in json_byte()) {
            let json = damage(&m.text, at, op, byte);
            check(car_both(&json), &json, false)?;
        }

        #[test]
        fn damaged_positions_are_declined_or_read_like_serde(m in position_message(), at in any::<usize>(), op in any::<u8>(), byte in json_byte()) {
            let json = damage(&m.text, at, op, byte);
            check(position_both(&json), &json, false)?;
        }

        #[test]
        fn any_number_text_is_declined_or_read_like_serde(text in "-?[0-9]{0,20}(\\.[0-9]{0,20})?([eE][+-]?[0-9]{0,4})?") {
            if let Some(v) = number_of(&text) {
                let serde: f64 = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(v.to_bits(), serde.to_bits(), "{}", text);
            }
        }

        #[test]
        fn any_number_in_the_exact_range_is_read(significand in 0u64..=MAX_EXACT, exponent in -22i32..=22, negative in any::<bool>(), form in 0u8..3) {
            let sign = if negative { "-" } else { "" };
            let text = match form {
                0 => format!("{sign}{significand}e{exponent}"),
                1 if exponent < 0 => {
                    let digits = format!("{significand:0>width$}", width = exponent.unsigned_abs() as usize + 1);
                    let (int, frac) = digits.split_at(digits.len() - exponent.unsigned_abs() as usize);
                    format!("{sign}{int}.{frac}")
                }
                _ => format!("{sign}{significand}"),
            };
            let ours = number_of(&text);
            let serde: f64 = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(ours.map(f64::to_bits), Some(serde.to_bits()), "{}", text);
        }
    }
}
