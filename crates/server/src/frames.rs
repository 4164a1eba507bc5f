//! One frame in the three wire formats of the WebSocket stream (docs/API.md): JSON text,
//! msgpack, and the binary chunk format cut down to one frame.
//!
//! JSON and msgpack carry the replay crate's `Frame` (its serde shape, with `index` and `t_s`)
//! plus `type: "frame"`, so a client can tell frames from `meta`/`error` messages. The binary
//! format is a chunk (header + columns) holding exactly one frame, cut from the decoded chunk.
//!
//! msgpack is written by hand from the JSON value (about sixty lines) rather than with another
//! dependency.

use axum::extract::ws::{Message, Utf8Bytes};
use bytes::Bytes;
use serde_json::Value;

/// How frames are sent to a WebSocket client (`?format=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameFormat {
    /// Text messages, JSON (the default).
    Json,
    /// Binary messages, msgpack of the same value as JSON.
    Msgpack,
    /// Binary messages, the chunk format of docs/API.md holding one frame.
    Binary,
}

impl FrameFormat {
    /// Parses `json`, `msgpack` or `binary`.
    pub fn parse(s: &str) -> Option<FrameFormat> {
        match s {
            "json" => Some(FrameFormat::Json),
            "msgpack" => Some(FrameFormat::Msgpack),
            "binary" => Some(FrameFormat::Binary),
            _ => None,
        }
    }

    /// Index into per-format tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// An encoded frame, shared (reference-counted) by every connection that sends it.
#[derive(Debug, Clone)]
pub enum Encoded {
    /// A text message (JSON).
    Text(Utf8Bytes),
    /// A binary message (msgpack or binary frame).
    Binary(Bytes),
}

impl Encoded {
    /// The WebSocket message; cloning only bumps a reference count.
    pub fn message(&self) -> Message {
        match self {
            Encoded::Text(t) => Message::Text(t.clone()),
            Encoded::Binary(b) => Message::Binary(b.clone()),
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> Bytes {
        match self {
            Encoded::Text(t) => Bytes::from(t.clone()),
            Encoded::Binary(b) => b.clone(),
        }
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        match self {
            Encoded::Text(t) => t.len(),
            Encoded::Binary(b) => b.len(),
        }
    }

    /// True when empty (never, for a real frame).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adds `type: "frame"`, and `index` and `t_s` when they are missing, to a frame's JSON object.
pub fn annotate(mut value: Value, index: u32, t_s: f64) -> Value {
    if let Value::Object(map) = &mut value {
        map.entry("type").or_insert_with(|| Value::from("frame"));
        map.entry("index").or_insert_with(|| Value::from(index));
        map.entry("t_s").or_insert_with(|| Value::from((t_s * 1000.0).round() / 1000.0));
    }
    value
}

/// Adds `"type":"frame"` to a serialised JSON object (serialising the frame directly keeps
/// its `f32` values short: going through `serde_json::Value` would widen them to `f64` digits).
pub fn tag_json(mut json: Vec<u8>) -> Vec<u8> {
    if json.first() == Some(&b'{') {
        let tag: &[u8] = if json.get(1) == Some(&b'}') { br#""type":"frame""# } else { br#""type":"frame","# };
        json.splice(1..1, tag.iter().copied());
    }
    json
}

/// Encodes a JSON value as msgpack (compact forms; floats as f32 when that is exact).
pub fn msgpack(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_msgpack(value, &mut out);
    out
}

fn write_msgpack(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                write_uint(u, out);
            } else if let Some(i) = n.as_i64() {
                write_int(i, out);
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if (f as f32) as f64 == f {
                    out.push(0xca);
                    out.extend_from_slice(&(f as f32).to_be_bytes());
                } else {
                    out.push(0xcb);
                    out.extend_from_slice(&f.to_be_bytes());
                }
            }
        }
        Value::String(s) => {
            let n = s.len();
            match n {
                0..=31 => out.push(0xa0 | n as u8),
                32..=0xff => out.extend_from_slice(&[0xd9, n as u8]),
                0x100..=0xffff => {
                    out.push(0xda);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                }
                _ => {
                    out.push(0xdb);
                    out.extend_from_slice(&(n as u32).to_be_bytes());
                }
            }
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            write_len(items.len(), 0x90, 0xdc, out);
            for item in items {
                write_msgpack(item, out);
            }
        }
        Value::Object(map) => {
            write_len(map.len(), 0x80, 0xde, out);
            for (k, v) in map {
                write_msgpack(&Value::String(k.clone()), out);
                write_msgpack(v, out);
            }
        }
    }
}

/// Array or map header: fix form below 16, then 16- or 32-bit length (`wide` is the 16-bit tag).
fn write_len(n: usize, fix: u8, wide: u8, out: &mut Vec<u8>) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(wide);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(wide + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn write_uint(u: u64, out: &mut Vec<u8>) {
    if u < 128 {
        out.push(u as u8);
    } else if u <= 0xff {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        write_uint(i as u64, out);
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i8::MIN as i64 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= i16::MIN as i64 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i32::MIN as i64 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// The header fields of a raw chunk: drivers, first frame, frames.
pub fn chunk_header(raw: &[u8]) -> Result<(usize, u32, usize), String> {
    let h = replay::chunk::Header::read(raw).map_err(|e| e.to_string())?;
    Ok((usize::from(h.drivers), h.first_frame, h.frames as usize))
}

/// Frame `local` (index within the chunk) of a decoded chunk as a chunk of its own: the chunk
/// format of docs/API.md with one frame, `first_frame` = the frame's index in the session.
pub fn one_frame(chunk: &replay::chunk::Chunk, local: usize) -> Result<Vec<u8>, String> {
    chunk.one_frame(local).ok_or_else(|| format!("frame {local} is outside the chunk's {} frames", chunk.frames))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgpack_matches_the_spec_for_small_and_wide_values() {
        let v = serde_json::json!({"a": [1, -1, -100, 300, 70000, true, null, "hi", 0.5, 0.1]});
        let b = msgpack(&v);
        assert_eq!(b[0], 0x81);
        assert_eq!(&b[1..3], &[0xa1, b'a']);
        assert_eq!(b[3], 0x9a);
        assert_eq!(&b[4..6], &[0x01, 0xff]);
        assert_eq!(&b[6..8], &[0xd0, (-100i8) as u8]);
        assert_eq!(&b[8..11], &[0xcd, 0x01, 0x2c]);
        assert_eq!(b[11], 0xce);
        assert_eq!(&b[16..18], &[0xc3, 0xc0]);
        assert_eq!(&b[18..21], &[0xa2, b'h', b'i']);
        assert_eq!(b[21], 0xca, "0.5 is exact as f32");
        assert_eq!(b[26], 0xcb, "0.1 is not");
    }

    #[test]
    fn one_frame_keeps_every_column_of_that_frame() {
        use replay::chunk::{col, encode, global, Chunk, Column};
        let x = [i32::MIN, 100, -130];
        let y = [5, 6, 7];
        let speed = [0u16, 300, 65535];
        let st = [3u8, 4, 5];
        let (g8, g16) = ([1u8, 4, 5], [7u16, 8, 9]);
        let mut cols = vec![Column::I32(&x), Column::I32(&y), Column::I32(&x), Column::I32(&x), Column::I32(&x)];
        cols.extend((0..3).map(|_| Column::U16(&speed)));
        cols.extend((0..9).map(|_| Column::U8(&st)));
        let globals = [Column::U8(&g8), Column::U8(&g8), Column::U16(&g16), Column::U16(&g16), Column::U16(&g16)];
        let chunk = Chunk::decode(encode(100, 3, &globals, &[cols.clone(), cols])).unwrap();
        for k in 0..3 {
            let one = Chunk::decode(one_frame(&chunk, k).unwrap()).unwrap();
            assert_eq!((one.first_frame, one.frames, one.drivers), (100 + k as u32, 1, 2));
            assert_eq!(one.driver(col::X, 1, 0), i64::from(x[k]));
            assert_eq!(one.driver(col::Y, 0, 0), i64::from(y[k]));
            assert_eq!(one.driver(col::RPM, 1, 0), i64::from(speed[k]));
            assert_eq!(one.driver(col::STATE, 0, 0), i64::from(st[k]));
            assert_eq!(one.global(global::TRACK_STATUS, 0), i64::from(g8[k]));
            assert_eq!(one.global(global::WEATHER, 0), i64::from(g16[k]));
        }
        assert!(one_frame(&chunk, 3).is_err());
        assert_eq!(chunk_header(&one_frame(&chunk, 1).unwrap()).unwrap(), (2, 101, 1));
    }

    #[test]
    fn json_frames_are_tagged_without_reformatting() {
        assert_eq!(tag_json(br#"{"x":-205.1}"#.to_vec()), br#"{"type":"frame","x":-205.1}"#.to_vec());
        assert_eq!(tag_json(b"{}".to_vec()), br#"{"type":"frame"}"#.to_vec());
        assert_eq!(tag_json(b"[]".to_vec()), b"[]".to_vec());
    }

    #[test]
    fn annotate_keeps_existing_fields() {
        let v = annotate(serde_json::json!({"index": 5}), 9, 1.23456);
        assert_eq!(v["index"], 5);
        assert_eq!(v["type"], "frame");
        assert_eq!(v["t_s"], 1.235);
    }
}
