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
//!
//! Each car's value is first read in the feed's own spelling ([`usual_channels`],
//! [`usual_position_entry`]: its key order, no whitespace), which is a few byte comparisons
//! around the numbers. Any other spelling is read again from the same place by the general
//! walker, which takes any order, whitespace and unknown keys. The feed's spelling is one of
//! the inputs the general walker reads, to the same values, so the short way changes only the
//! speed.

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
            c.car_map(|c, car| {
                let channels = c.either(usual_channels, car_channels)?;
                sink.car(car, &channels);
                Some(())
            })
        }
        _ => c.skip_value(3),
    })?;
    sink.entry(ascii(utc?)?);
    Some(())
}

/// One car's value as the feed spells it, `{"Channels":{"0":…,"2":…,"3":…,"4":…,"5":…,"45":…}}`
/// without whitespace; `None` for any other spelling, which [`car_channels`] then reads.
fn usual_channels(c: &mut Cursor<'_>) -> Option<Channels> {
    c.tag(b"{\"Channels\":{\"0\":")?;
    let rpm = c.optional_number()?;
    c.tag(b",\"2\":")?;
    let speed = c.optional_number()?;
    c.tag(b",\"3\":")?;
    let gear = c.optional_number()?;
    c.tag(b",\"4\":")?;
    let throttle = c.optional_number()?;
    c.tag(b",\"5\":")?;
    let brake = c.optional_number()?;
    c.tag(b",\"45\":")?;
    let drs = c.optional_number()?;
    c.tag(b"}}")?;
    Some(Channels { rpm, speed, gear, throttle, brake, drs })
}

/// One car's `{"Channels":{"0":…,"2":…}}` in any spelling; `Channels` is required, as in serde.
#[cold]
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
            c.car_map(|c, car| {
                let sample = c.either(usual_position_entry, position_entry)?;
                sink.car(car, &sample);
                Some(())
            })
        }
        _ => c.skip_value(3),
    })?;
    sink.frame(ascii(timestamp?)?);
    Some(())
}

/// One car's value as the feed spells it, `{"Status":…,"X":…,"Y":…,"Z":…}` without
/// whitespace; `None` for any other spelling, which [`position_entry`] then reads.
fn usual_position_entry<'j>(c: &mut Cursor<'j>) -> Option<PosSample<'j>> {
    c.tag(b"{\"Status\":")?;
    let status = match c.tag(b"\"OnTrack\"") {
        Some(()) => Status::Text("OnTrack"),
        None => status(c)?,
    };
    c.tag(b",\"X\":")?;
    let x = c.optional_number()?;
    c.tag(b",\"Y\":")?;
    let y = c.optional_number()?;
    c.tag(b",\"Z\":")?;
    let z = c.optional_number()?;
    c.tag(b"}")?;
    Some(PosSample { status, x, y, z })
}

/// One car's `{"Status":"OnTrack","X":…,"Y":…,"Z":…}` in any spelling; every field is optional.
#[cold]
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
        b'"' => Some(Status::Text(status_text(c.plain_str()?)?)),
        b'n' => c.literal(b"null").map(|()| Status::Absent),
        _ => c.number().map(Status::Code),
    }
}

/// Status text as `str`: the feed's two words as constants (they come with every position
/// sample, and a UTF-8 check costs more than the comparison), any other text via [`ascii`].
fn status_text(b: &[u8]) -> Option<&str> {
    match b {
        b"OnTrack" => Some("OnTrack"),
        b"OffTrack" => Some("OffTrack"),
        _ => ascii(b),
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

/// The sign applied to a magnitude (`-0.0` for a negative zero, as serde gives).
fn signed(negative: bool, magnitude: f64) -> f64 {
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// A position in the JSON bytes. Every method returns `None` where serde might disagree.
struct Cursor<'j> {
    b: &'j [u8],
    i: usize,
}

impl<'j> Cursor<'j> {
    /// Skips JSON whitespace and returns the next byte.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        // Whitespace and control bytes are all at or below b' ': one comparison passes the rest.
        match *self.b.get(self.i)? {
            c @ 0x21.. => Some(c),
            _ => self.peek_past_whitespace(),
        }
    }

    /// [`Self::peek`] at a byte that may be whitespace (the four bytes serde_json accepts);
    /// the feed sends none.
    #[cold]
    fn peek_past_whitespace(&mut self) -> Option<u8> {
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

    /// Consumes `lit` if the next bytes are exactly it, with no whitespace skipped: the
    /// feed's own spelling, compared a few bytes at a time.
    #[inline]
    fn tag<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        let next = self.b.get(self.i..)?.first_chunk::<N>()?;
        (next == lit).then(|| self.i += N)
    }

    /// A value read with `usual` (the feed's own spelling) or, where that declines, read again
    /// from the same place with `general` (any spelling).
    #[inline]
    fn either<T>(&mut self, usual: impl FnOnce(&mut Self) -> Option<T>, general: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.i;
        usual(self).or_else(|| {
            self.i = start;
            general(self)
        })
    }

    /// Only whitespace is left (serde refuses trailing characters).
    fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// After a member or an element: `true` past a `,` (another one follows), `false` past
    /// `close` (the end of the object or array).
    #[inline]
    fn more(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        let more = c == b',';
        (more || c == close).then(|| {
            self.i += 1;
            more
        })
    }

    /// Consumes `open` and, if `close` follows at once, that too: `Some(true)` for an empty
    /// object or array.
    #[inline]
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        let empty = self.peek()? == close;
        if empty {
            self.i += 1;
        }
        Some(empty)
    }

    /// Walks an object, calling `member` with each key with the cursor at the value, which
    /// `member` must consume.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'j [u8]) -> Option<()>) -> Option<()> {
        if self.open(b'{', b'}')? {
            return Some(());
        }
        loop {
            let key = self.plain_str()?;
            self.eat(b':')?;
            member(self, key)?;
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    /// Walks an object keyed by racing number (`Cars`, `Entries`), calling `car` with the
    /// cursor at each value whose key [`car_number`] reads; other values are skipped, as in
    /// serde's `pairs`. Keys as the feed spells them (`"1":`, `"44":`) take a short way.
    #[inline]
    fn car_map(&mut self, mut car: impl FnMut(&mut Self, u16) -> Option<()>) -> Option<()> {
        if self.open(b'{', b'}')? {
            return Some(());
        }
        loop {
            let number = match self.usual_car_key() {
                Some(number) => Some(number),
                None => {
                    let key = self.plain_str()?;
                    self.eat(b':')?;
                    car_number(key)
                }
            };
            match number {
                Some(number) => car(self, number)?,
                None => self.skip_value(4)?,
            }
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    /// A racing-number key and its colon as the feed spells them, `"1":` or `"44":` (what
    /// [`car_number`] reads from one or two digits); `None`, consuming nothing, otherwise.
    #[inline]
    fn usual_car_key(&mut self) -> Option<u16> {
        let digit = |d: u8| u16::from(d - b'0');
        let (number, len) = match *self.b.get(self.i..)? {
            [b'"', d @ b'0'..=b'9', b'"', b':', ..] => (digit(d), 4),
            [b'"', t @ b'0'..=b'9', d @ b'0'..=b'9', b'"', b':', ..] => (digit(t) * 10 + digit(d), 5),
            _ => return None,
        };
        self.i += len;
        Some(number)
    }

    /// Walks an array, calling `element` with the cursor at each element, which it must consume.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.open(b'[', b']')? {
            return Some(());
        }
        loop {
            element(self)?;
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// A string of printable ASCII without escapes, which is then byte for byte what serde
    /// returns; `None` for any other string.
    #[inline]
    fn plain_str(&mut self) -> Option<&'j [u8]> {
        self.eat(b'"')?;
        let rest = self.b.get(self.i..)?;
        let len = rest.iter().position(|&c| !matches!(c, 0x20..=0x7f) || c == b'"' || c == b'\\')?;
        let (text, after) = rest.split_at(len);
        (after.first() == Some(&b'"')).then(|| {
            self.i += len + 1;
            text
        })
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
                if self.open(b'{', b'}')? {
                    return Some(());
                }
                loop {
                    self.eat(b'"')?;
                    self.skip_str()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    if !self.more(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' if depth < MAX_DEPTH => {
                if self.open(b'[', b']')? {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if !self.more(b']')? {
                        return Some(());
                    }
                }
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
    #[inline(always)]
    fn optional_number(&mut self) -> Option<Option<f64>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            _ => self.number().map(Some),
        }
    }

    /// A JSON number starting at the cursor (callers skip whitespace first) as serde_json reads
    /// it into an f64, for the numbers where that is one exact operation: significand ≤ 2^53
    /// (so `as f64` is exact) and a decimal exponent of at most ±22 (so the power of ten is
    /// exact). serde_json then computes `significand as f64` times or divided by that power, a
    /// single correctly rounded operation, which is also what its `float_roundtrip` parser and
    /// `str::parse::<f64>` return. Any other number → `None`.
    ///
    /// An integer (all the feed sends) is read here in one pass over its digits; a fraction or
    /// an exponent goes on in [`Self::number_tail`].
    #[inline(always)]
    fn number(&mut self) -> Option<f64> {
        let rest = self.b.get(self.i..)?;
        let (negative, unsigned) = match rest {
            [b'-', unsigned @ ..] => (true, unsigned),
            _ => (false, rest),
        };
        if let [b'0', b'0'..=b'9', ..] = unsigned {
            return None; // JSON has no leading zeros
        }
        // 17 digits are at least 10^16 > 2^53, so no more are read (and none can overflow).
        let window = unsigned.get(..17).unwrap_or(unsigned);
        let mut significand: u64 = 0;
        let mut len = 0;
        for &c in window {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            significand = significand * 10 + u64::from(d);
            len += 1;
        }
        if len == 0 || significand > MAX_EXACT {
            return None;
        }
        self.i += usize::from(negative) + len;
        match unsigned.get(len) {
            Some(b'.' | b'e' | b'E') => self.number_tail(negative, significand),
            _ => Some(signed(negative, significand as f64)),
        }
    }

    /// The fraction and exponent of a number whose sign and integer digits [`Self::number`]
    /// read; the rules are those of [`Self::number`].
    #[cold]
    fn number_tail(&mut self, negative: bool, mut significand: u64) -> Option<f64> {
        const MAX_EXPONENT: i32 = 10_000;
        let mut exponent: i32 = 0;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
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
        let pow = *POW10.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
        Some(signed(negative, if exponent >= 0 { magnitude * pow } else { magnitude / pow }))
    }
}

#[cfg(test)]
pub(crate) mod messages;

#[cfg(test)]
pub(crate) mod tests {
    use super::messages::{car_data_message, damage, feed_car_data_message, feed_position_message, json_byte, position_message};
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
    fn the_feed_spelling_takes_the_short_way() {
        let mut c = Cursor { b: br#"{"Channels":{"0":10500,"2":-0,"3":null,"4":1.5,"5":2e1,"45":12}},"#, i: 0 };
        let ch = usual_channels(&mut c).expect("the feed's spelling");
        let bits = [ch.rpm, ch.speed, ch.gear, ch.throttle, ch.brake, ch.drs].map(|v| v.map(f64::to_bits));
        assert_eq!(bits, [Some(10500.0), Some(-0.0), None, Some(1.5), Some(20.0), Some(12.0)].map(|v| v.map(f64::to_bits)));
        assert_eq!(c.b.get(c.i..), Some(&b","[..]));
        for (json, status) in [
            (&br#"{"Status":"OnTrack","X":-1,"Y":2,"Z":null}"#[..], "OnTrack"),
            (br#"{"Status":"OffTrack","X":-1,"Y":2,"Z":null}"#, "OffTrack"),
        ] {
            let s = usual_position_entry(&mut Cursor { b: json, i: 0 }).expect("the feed's spelling");
            assert!(matches!(s.status, Status::Text(t) if t == status), "{:?}", s.status);
            assert_eq!((s.x, s.y, s.z), (Some(-1.0), Some(2.0), None));
        }
        let mut key = Cursor { b: br#""44":{"#, i: 0 };
        assert_eq!((key.usual_car_key(), key.i), (Some(44), 5));
    }

    #[test]
    fn other_spellings_of_a_car_are_read_the_long_way_like_serde() {
        // Each differs from the feed's spelling just after a point where the short way could stop.
        let cars = [
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5,"45":6},"x":1}"#,
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5,"45":6,"46":7}}"#,
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5}}"#,
            r#"{"Channels":{"2":2,"0":1,"3":3,"4":4,"5":5,"45":6}}"#,
            r#"{"Channels":{"0":1 ,"2":2,"3":3,"4":4,"5":5,"45":6}}"#,
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5,"45":6 }}"#,
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5,"45":6,"0":1}}"#,
            r#"{"Channels":{"0":1,"2":2,"3":3,"4":4,"5":5,"45":6}, "Channels":{}}"#,
            r#"{"Channels":{"0":1.25e1,"2":2,"3":3,"4":4,"5":5,"45":01}}"#,
            r#"{"Channels":{"0":12345678901234567,"2":2,"3":3,"4":4,"5":5,"45":6}}"#,
        ];
        for car in cars {
            for key in ["1", "44", "+1", "100", "x"] {
                let json = format!(r#"{{"Entries":[{{"Utc":"t","Cars":{{"{key}":{car},"2":{car}}}}}]}}"#);
                check(car_both(json.as_bytes()), json.as_bytes(), false).unwrap();
            }
        }
        let samples = [
            r#"{"Status":"OnTrackX","X":1,"Y":2,"Z":3}"#,
            r#"{"Status":"OnTrack","X":1,"Y":2,"Z":3,"W":4}"#,
            r#"{"Status":"OnTrack","X":1,"Y":2}"#,
            r#"{"Status":"OnTrack","Y":2,"X":1,"Z":3}"#,
            r#"{"Status":"OnTrack","X":1,"Y":2,"Z":3,"X":1}"#,
            r#"{"Status":0,"X":1.5,"Y":-2e1,"Z":null}"#,
            r#"{"Status":"On\u0054rack","X":1,"Y":2,"Z":3}"#,
            r#"{"Status": "OnTrack","X":1,"Y":2,"Z":3}"#,
        ];
        for sample in samples {
            let json = format!(r#"{{"Position":[{{"Timestamp":"t","Entries":{{"1":{sample},"20":{sample}}}}}]}}"#);
            check(position_both(json.as_bytes()), json.as_bytes(), false).unwrap();
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
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        // Messages of any shape, and in the feed's own spelling (what the fast path reads).
        #[test]
        fn generated_car_data_scans_exactly_like_serde(m in prop_oneof![car_data_message(), feed_car_data_message()]) {
            check(car_both(m.text.as_bytes()), m.text.as_bytes(), m.plain)?;
        }

        #[test]
        fn generated_positions_scan_exactly_like_serde(m in prop_oneof![position_message(), feed_position_message()]) {
            check(position_both(m.text.as_bytes()), m.text.as_bytes(), m.plain)?;
        }

        #[test]
        fn damaged_car_data_is_declined_or_read_like_serde(
            m in prop_oneof![car_data_message(), feed_car_data_message()], at in any::<usize>(), op in any::<u8>(), byte in json_byte(),
        ) {
            let json = damage(&m.text, at, op, byte);
            check(car_both(&json), &json, false)?;
        }

        #[test]
        fn damaged_positions_are_declined_or_read_like_serde(
            m in prop_oneof![position_message(), feed_position_message()], at in any::<usize>(), op in any::<u8>(), byte in json_byte(),
        ) {
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
