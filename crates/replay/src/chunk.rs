//! The chunk format of docs/API.md: a self-contained block of frames, columns delta-coded,
//! stored zstd-compressed. Encoding writes straight from the frame columns; decoding reads one
//! frame without building anything per sample.

use crate::Error;

/// Magic bytes of a chunk.
pub const MAGIC: &[u8; 4] = b"F1RC";
/// Chunk format version.
pub const VERSION: u16 = 1;
const HEADER: usize = 16;

/// Bytes per frame of every per-driver column, in storage order, and the global ones.
const DRIVER_COLUMNS: [usize; STORED_DRIVER_COLUMNS] = [4, 4, 4, 4, 4, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1];
const GLOBAL_COLUMNS: [usize; 5] = [1, 1, 2, 2, 2];

/// Column indices of the per-driver columns.
#[allow(missing_docs)]
pub mod col {
    pub const X: usize = 0;
    pub const Y: usize = 1;
    pub const PROGRESS: usize = 2;
    pub const GAP: usize = 3;
    pub const INTERVAL: usize = 4;
    pub const SPEED: usize = 5;
    pub const RPM: usize = 6;
    pub const LAP: usize = 7;
    pub const GEAR: usize = 8;
    pub const THROTTLE: usize = 9;
    pub const BRAKE: usize = 10;
    pub const DRS: usize = 11;
    pub const POSITION: usize = 12;
    pub const COMPOUND: usize = 13;
    pub const TYRE_AGE: usize = 14;
    pub const PIT_STOPS: usize = 15;
    pub const STATE: usize = 16;
}
/// Column indices of the global columns.
#[allow(missing_docs)]
pub mod global {
    pub const TRACK_STATUS: usize = 0;
    pub const SESSION_STATUS: usize = 1;
    pub const LEADER_LAP: usize = 2;
    pub const RCM_COUNT: usize = 3;
    pub const WEATHER: usize = 4;
}

/// Number of per-driver columns.
const STORED_DRIVER_COLUMNS: usize = 17;

/// One column of values, borrowed from the frame columns, for the encoder.
#[derive(Clone, Copy)]
pub enum Column<'a> {
    /// 32-bit signed values.
    I32(&'a [i32]),
    /// 16-bit unsigned values.
    U16(&'a [u16]),
    /// 8-bit values.
    U8(&'a [u8]),
}

/// Encodes a chunk: `global` (5 columns) and `drivers` (17 columns each, in [`col`] order),
/// each slice covering exactly the chunk's frames. Returns the raw (uncompressed) bytes.
pub fn encode(first_frame: u32, frames: u32, global: &[Column<'_>], drivers: &[Vec<Column<'_>>]) -> Vec<u8> {
    let n = frames as usize;
    let per_driver: usize = DRIVER_COLUMNS.iter().sum();
    let mut out = Vec::with_capacity(HEADER + n * (GLOBAL_COLUMNS.iter().sum::<usize>() + drivers.len() * per_driver));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(drivers.len() as u16).to_le_bytes());
    out.extend_from_slice(&first_frame.to_le_bytes());
    out.extend_from_slice(&frames.to_le_bytes());
    for c in global {
        put(&mut out, c);
    }
    for k in 0..STORED_DRIVER_COLUMNS {
        for d in drivers {
            put(&mut out, &d[k]);
        }
    }
    out
}

fn put(out: &mut Vec<u8>, c: &Column<'_>) {
    match c {
        Column::I32(v) => {
            let mut prev = 0i32;
            for &x in *v {
                out.extend_from_slice(&x.wrapping_sub(prev).to_le_bytes());
                prev = x;
            }
        }
        Column::U16(v) => {
            let mut prev = 0u16;
            for &x in *v {
                out.extend_from_slice(&x.wrapping_sub(prev).to_le_bytes());
                prev = x;
            }
        }
        Column::U8(v) => out.extend_from_slice(v),
    }
}

/// A decoded chunk: the raw bytes with the running sums already applied, read by offset.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Index of the chunk's first frame in the session.
    pub first_frame: u32,
    /// Frames in the chunk.
    pub frames: u32,
    /// Drivers in the chunk.
    pub drivers: u16,
    data: Vec<u8>,
    global_offsets: [usize; 5],
    driver_offsets: [usize; STORED_DRIVER_COLUMNS],
}

impl Chunk {
    /// Parses and un-deltas raw chunk bytes.
    pub fn decode(mut data: Vec<u8>) -> Result<Chunk, Error> {
        if data.len() < HEADER || &data[..4] != MAGIC {
            return Err(Error::Corrupt("chunk: bad magic".into()));
        }
        let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        if u16_at(&data, 4) != VERSION {
            return Err(Error::Corrupt(format!("chunk: version {} (expected {VERSION})", u16_at(&data, 4))));
        }
        let drivers = u16_at(&data, 6);
        let first_frame = u32_at(&data, 8);
        let frames = u32_at(&data, 12);
        let n = frames as usize;
        let mut off = HEADER;
        let mut global_offsets = [0; 5];
        for (i, w) in GLOBAL_COLUMNS.iter().enumerate() {
            global_offsets[i] = off;
            off += w * n;
        }
        let mut driver_offsets = [0; STORED_DRIVER_COLUMNS];
        for (i, w) in DRIVER_COLUMNS.iter().enumerate() {
            driver_offsets[i] = off;
            off += w * n * drivers as usize;
        }
        if data.len() != off {
            return Err(Error::Corrupt(format!("chunk: {} bytes, expected {off}", data.len())));
        }
        // Running sums, in place.
        let runs = GLOBAL_COLUMNS
            .iter()
            .zip(global_offsets)
            .map(|(w, o)| (*w, o, 1usize))
            .chain(DRIVER_COLUMNS.iter().zip(driver_offsets).map(|(w, o)| (*w, o, drivers as usize)));
        for (w, o, count) in runs.collect::<Vec<_>>() {
            for r in 0..count {
                let base = o + r * w * n;
                match w {
                    4 => {
                        let mut acc = 0i32;
                        for k in 0..n {
                            let i = base + 4 * k;
                            acc = acc.wrapping_add(i32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]));
                            data[i..i + 4].copy_from_slice(&acc.to_le_bytes());
                        }
                    }
                    2 => {
                        let mut acc = 0u16;
                        for k in 0..n {
                            let i = base + 2 * k;
                            acc = acc.wrapping_add(u16::from_le_bytes([data[i], data[i + 1]]));
                            data[i..i + 2].copy_from_slice(&acc.to_le_bytes());
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(Chunk { first_frame, frames, drivers, data, global_offsets, driver_offsets })
    }

    fn at(&self, offset: usize, width: usize, index: usize) -> &[u8] {
        let i = offset + width * index;
        &self.data[i..i + width]
    }

    /// A global column value at frame `k` of the chunk (widened to i64).
    pub fn global(&self, column: usize, k: usize) -> i64 {
        let w = GLOBAL_COLUMNS[column];
        le(self.at(self.global_offsets[column], w, k), false)
    }

    /// A per-driver column value of driver `d` (manifest order) at frame `k` of the chunk.
    pub fn driver(&self, column: usize, d: usize, k: usize) -> i64 {
        let w = DRIVER_COLUMNS[column];
        let n = self.frames as usize;
        le(self.at(self.driver_offsets[column], w, d * n + k), w == 4)
    }
}

fn le(b: &[u8], signed: bool) -> i64 {
    match b.len() {
        4 if signed => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        4 => i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        2 => i64::from(u16::from_le_bytes([b[0], b[1]])),
        _ => i64::from(b[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_absent_markers() {
        let x = [i32::MIN, 100, 130, i32::MIN, -5];
        let speed = [0u16, 300, 65535, 1, 2];
        let st = [0u8, 1, 2, 3, 4];
        let g = [1u8; 5];
        let g16 = [7u16; 5];
        let mut cols: Vec<Column> = vec![Column::I32(&x); 5];
        cols.extend((0..3).map(|_| Column::U16(&speed)));
        cols.extend((0..9).map(|_| Column::U8(&st)));
        let global = [Column::U8(&g), Column::U8(&g), Column::U16(&g16), Column::U16(&g16), Column::U16(&g16)];
        let raw = encode(10, 5, &global, &[cols]);
        let c = Chunk::decode(raw).unwrap();
        assert_eq!((c.first_frame, c.frames, c.drivers), (10, 5, 1));
        assert_eq!((0..5).map(|k| c.driver(col::X, 0, k)).collect::<Vec<_>>(), x.iter().map(|v| i64::from(*v)).collect::<Vec<_>>());
        assert_eq!(c.driver(col::RPM, 0, 2), 65535);
        assert_eq!(c.driver(col::STATE, 0, 4), 4);
        assert_eq!(c.global(global::LEADER_LAP, 3), 7);
    }

    #[test]
    fn a_truncated_chunk_is_an_error() {
        assert!(Chunk::decode(b"F1RC\x01\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00".to_vec()).is_err());
        assert!(Chunk::decode(b"nope".to_vec()).is_err());
    }
}
