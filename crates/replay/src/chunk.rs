//! The chunk format of docs/API.md: a self-contained block of frames, columns delta-coded and
//! split into byte planes, stored zstd-compressed. Encoding writes straight from the frame
//! columns; decoding restores plain little-endian values once, then reads any frame by offset.
//!
//! Byte planes: the values of a multi-byte column are stored as all their low bytes, then all
//! their second bytes, and so on. Deltas of smooth series are small, and zig-zag coded (0, −1,
//! 1, −2, … as 0, 1, 2, 3, …) their high planes are long runs of 0x00 even where a series
//! wobbles around a value (a gap going up and down by a millisecond): zstd finds fewer, longer
//! matches, so it compresses faster and smaller, and decompresses faster.

use crate::Error;

/// Magic bytes of a chunk.
pub const MAGIC: &[u8; 4] = b"F1RC";
/// Chunk format version.
pub const VERSION: u16 = 3;
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
        put_region(&mut out, std::slice::from_ref(c));
    }
    let mut region: Vec<Column<'_>> = Vec::with_capacity(drivers.len());
    for k in 0..STORED_DRIVER_COLUMNS {
        region.clear();
        region.extend(drivers.iter().map(|d| d[k]));
        put_region(&mut out, &region);
    }
    out
}

/// A difference zig-zag coded: small magnitudes of either sign become small unsigned values.
fn zigzag32(d: i32) -> u32 {
    ((d << 1) ^ (d >> 31)) as u32
}

/// [`zigzag32`] undone.
fn unzigzag32(z: u32) -> i32 {
    ((z >> 1) as i32) ^ -((z & 1) as i32)
}

/// [`zigzag32`] for u16 columns (their differences wrap at 16 bits).
fn zigzag16(d: i16) -> u16 {
    ((d << 1) ^ (d >> 15)) as u16
}

/// [`zigzag16`] undone.
fn unzigzag16(z: u16) -> u16 {
    (((z >> 1) as i16) ^ -((z & 1) as i16)) as u16
}

/// Appends one region (a column of every driver, or one global column): each run delta-coded
/// (zig-zag), the region's values split into byte planes.
fn put_region(out: &mut Vec<u8>, runs: &[Column<'_>]) {
    let values: usize = runs.iter().map(Column::len).sum();
    let base = out.len();
    let width = runs.first().map_or(1, Column::width);
    out.resize(base + values * width, 0);
    let planes = &mut out[base..];
    let mut i = 0;
    for run in runs {
        match run {
            Column::I32(v) => {
                // The run's stretch of each of the four planes, walked together.
                let (p0, rest) = planes.split_at_mut(values);
                let (p1, rest) = rest.split_at_mut(values);
                let (p2, p3) = rest.split_at_mut(values);
                let stretch = i..i + v.len();
                let bytes =
                    p0[stretch.clone()].iter_mut().zip(&mut p1[stretch.clone()]).zip(&mut p2[stretch.clone()]).zip(&mut p3[stretch]);
                let mut prev = 0i32;
                for (&x, (((b0, b1), b2), b3)) in v.iter().zip(bytes) {
                    [*b0, *b1, *b2, *b3] = zigzag32(x.wrapping_sub(prev)).to_le_bytes();
                    prev = x;
                }
                i += v.len();
            }
            Column::U16(v) => {
                let (p0, p1) = planes.split_at_mut(values);
                let stretch = i..i + v.len();
                let mut prev = 0u16;
                for (&x, (b0, b1)) in v.iter().zip(p0[stretch.clone()].iter_mut().zip(&mut p1[stretch])) {
                    [*b0, *b1] = zigzag16(x.wrapping_sub(prev) as i16).to_le_bytes();
                    prev = x;
                }
                i += v.len();
            }
            Column::U8(v) => {
                planes[i..i + v.len()].copy_from_slice(v);
                i += v.len();
            }
        }
    }
}

impl Column<'_> {
    fn len(&self) -> usize {
        match self {
            Column::I32(v) => v.len(),
            Column::U16(v) => v.len(),
            Column::U8(v) => v.len(),
        }
    }
    fn width(&self) -> usize {
        match self {
            Column::I32(_) => 4,
            Column::U16(_) => 2,
            Column::U8(_) => 1,
        }
    }
}

/// The header of a raw chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Drivers in the chunk.
    pub drivers: u16,
    /// Index of the chunk's first frame in the session.
    pub first_frame: u32,
    /// Frames in the chunk.
    pub frames: u32,
}

impl Header {
    /// Reads the header of raw chunk bytes, checking the magic and the format version.
    pub fn read(raw: &[u8]) -> Result<Header, Error> {
        if raw.len() < HEADER || &raw[..4] != MAGIC {
            return Err(Error::Corrupt("chunk: bad magic (not an F1RC chunk)".into()));
        }
        let u16_at = |i: usize| u16::from_le_bytes([raw[i], raw[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        if u16_at(4) != VERSION {
            return Err(Error::Corrupt(format!("chunk: version {} (expected {VERSION})", u16_at(4))));
        }
        Ok(Header { drivers: u16_at(6), first_frame: u32_at(8), frames: u32_at(12) })
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

/// Where each column region starts in a chunk of `n` frames and `drivers` drivers, and the
/// chunk's size.
fn layout(drivers: usize, n: usize) -> ([usize; 5], [usize; STORED_DRIVER_COLUMNS], usize) {
    let mut off = HEADER;
    let mut global_offsets = [0; 5];
    for (i, w) in GLOBAL_COLUMNS.iter().enumerate() {
        global_offsets[i] = off;
        off += w * n;
    }
    let mut driver_offsets = [0; STORED_DRIVER_COLUMNS];
    for (i, w) in DRIVER_COLUMNS.iter().enumerate() {
        driver_offsets[i] = off;
        off += w * n * drivers;
    }
    (global_offsets, driver_offsets, off)
}

impl Chunk {
    /// Frame `local` of raw chunk bytes, as a decoded one-frame chunk: each run is summed only
    /// up to that frame, and nothing else is restored (reading one frame at random costs about
    /// half a chunk's running sums instead of the whole decode).
    pub fn decode_frame(planes: &[u8], local: usize) -> Result<Chunk, Error> {
        let Header { drivers, first_frame, frames } = Header::read(planes)?;
        let (n, d) = (frames as usize, drivers as usize);
        let (global_src, driver_src, size) = layout(d, n);
        if planes.len() != size {
            return Err(Error::Corrupt(format!("chunk: {} bytes, expected {size}", planes.len())));
        }
        if local >= n {
            return Err(Error::NoFrame(first_frame.saturating_add(local as u32)));
        }
        let frame = first_frame
            .checked_add(local as u32)
            .ok_or_else(|| Error::Corrupt(format!("chunk: first frame {first_frame} + {local} overflows")))?;
        let (global_offsets, driver_offsets, one_size) = layout(d, 1);
        let mut data = Vec::with_capacity(one_size);
        data.extend_from_slice(&planes[..HEADER]);
        data[8..12].copy_from_slice(&frame.to_le_bytes());
        data[12..16].copy_from_slice(&1u32.to_le_bytes());
        let regions = GLOBAL_COLUMNS
            .iter()
            .zip(global_src)
            .map(|(w, o)| (*w, o, 1usize))
            .chain(DRIVER_COLUMNS.iter().zip(driver_src).map(|(w, o)| (*w, o, d)));
        for (w, o, count) in regions {
            let values = n * count;
            let plane = |p: usize| &planes[o + p * values..o + (p + 1) * values];
            for r in 0..count {
                let run = r * n..r * n + local + 1;
                match w {
                    4 => {
                        let (p0, p1, p2, p3) = (&plane(0)[run.clone()], &plane(1)[run.clone()], &plane(2)[run.clone()], &plane(3)[run]);
                        let zs = p0.iter().zip(p1).zip(p2).zip(p3).map(|(((&a, &b), &c), &e)| u32::from_le_bytes([a, b, c, e]));
                        let v = zs.fold(0i32, |acc, z| acc.wrapping_add(unzigzag32(z)));
                        data.extend_from_slice(&v.to_le_bytes());
                    }
                    2 => {
                        let (p0, p1) = (&plane(0)[run.clone()], &plane(1)[run]);
                        let v = p0.iter().zip(p1).fold(0u16, |acc, (&a, &b)| acc.wrapping_add(unzigzag16(u16::from_le_bytes([a, b]))));
                        data.extend_from_slice(&v.to_le_bytes());
                    }
                    _ => data.push(planes[o + r * n + local]),
                }
            }
        }
        debug_assert_eq!(data.len(), one_size);
        Ok(Chunk { first_frame: frame, frames: 1, drivers, data, global_offsets, driver_offsets })
    }

    /// Parses raw chunk bytes: byte planes back to little-endian values, then running sums.
    pub fn decode(planes: Vec<u8>) -> Result<Chunk, Error> {
        let Header { drivers, first_frame, frames } = Header::read(&planes)?;
        let n = frames as usize;
        let (global_offsets, driver_offsets, off) = layout(drivers as usize, n);
        if planes.len() != off {
            return Err(Error::Corrupt(format!("chunk: {} bytes, expected {off}", planes.len())));
        }
        // Byte planes back to values (same offsets) and running sums per run, in one pass.
        let mut data = vec![0u8; planes.len()];
        data[..HEADER].copy_from_slice(&planes[..HEADER]);
        let regions = GLOBAL_COLUMNS
            .iter()
            .zip(global_offsets)
            .map(|(w, o)| (*w, o, 1usize))
            .chain(DRIVER_COLUMNS.iter().zip(driver_offsets).map(|(w, o)| (*w, o, drivers as usize)));
        for (w, o, count) in regions {
            let values = n * count;
            let src = &planes[o..o + w * values];
            let dst = &mut data[o..o + w * values];
            match w {
                // Run by run (one driver's column), walking the planes as slices: no index
                // arithmetic or bounds check per value (reading a random frame decodes a chunk).
                4 => {
                    let run = n.max(1);
                    let (p0, rest) = src.split_at(values);
                    let (p1, rest) = rest.split_at(values);
                    let (p2, p3) = rest.split_at(values);
                    let planes = p0.chunks_exact(run).zip(p1.chunks_exact(run)).zip(p2.chunks_exact(run)).zip(p3.chunks_exact(run));
                    for (out, (((q0, q1), q2), q3)) in dst.chunks_exact_mut(4 * run).zip(planes) {
                        let mut acc = 0i32;
                        for (v, (((&b0, &b1), &b2), &b3)) in out.chunks_exact_mut(4).zip(q0.iter().zip(q1).zip(q2).zip(q3)) {
                            acc = acc.wrapping_add(unzigzag32(u32::from_le_bytes([b0, b1, b2, b3])));
                            v.copy_from_slice(&acc.to_le_bytes());
                        }
                    }
                }
                2 => {
                    let run = n.max(1);
                    let (p0, p1) = src.split_at(values);
                    for (out, (q0, q1)) in dst.chunks_exact_mut(2 * run).zip(p0.chunks_exact(run).zip(p1.chunks_exact(run))) {
                        let mut acc = 0u16;
                        for (v, (&b0, &b1)) in out.chunks_exact_mut(2).zip(q0.iter().zip(q1)) {
                            acc = acc.wrapping_add(unzigzag16(u16::from_le_bytes([b0, b1])));
                            v.copy_from_slice(&acc.to_le_bytes());
                        }
                    }
                }
                _ => dst.copy_from_slice(src),
            }
        }
        Ok(Chunk { first_frame, frames, drivers, data, global_offsets, driver_offsets })
    }

    /// Frame `local` (index within the chunk) as a chunk of its own, in the same format, with
    /// `first_frame` = the frame's index in the session: what a stream sends per frame.
    /// `None` when the chunk has no such frame.
    pub fn one_frame(&self, local: usize) -> Option<Vec<u8>> {
        if local >= self.frames as usize {
            return None;
        }
        let drivers = self.drivers as usize;
        let g8: Vec<u8> = (0..2).map(|c| self.global(c, local) as u8).collect();
        let g16: Vec<u16> = (2..5).map(|c| self.global(c, local) as u16).collect();
        let i32s: Vec<i32> = (0..5 * drivers).map(|i| self.driver(i / drivers, i % drivers, local) as i32).collect();
        let u16s: Vec<u16> = (0..3 * drivers).map(|i| self.driver(5 + i / drivers, i % drivers, local) as u16).collect();
        let u8s: Vec<u8> = (0..9 * drivers).map(|i| self.driver(8 + i / drivers, i % drivers, local) as u8).collect();
        let global =
            [Column::U8(&g8[0..1]), Column::U8(&g8[1..2]), Column::U16(&g16[0..1]), Column::U16(&g16[1..2]), Column::U16(&g16[2..3])];
        let per_driver: Vec<Vec<Column<'_>>> = (0..drivers)
            .map(|d| {
                let one = |c: usize| c * drivers + d..c * drivers + d + 1;
                let mut cols: Vec<Column<'_>> = (0..5).map(|c| Column::I32(&i32s[one(c)])).collect();
                cols.extend((0..3).map(|c| Column::U16(&u16s[one(c)])));
                cols.extend((0..9).map(|c| Column::U8(&u8s[one(c)])));
                cols
            })
            .collect();
        Some(encode(self.first_frame + local as u32, 1, &global, &per_driver))
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

    proptest::proptest! {
        #[test]
        fn any_columns_round_trip_and_cut_into_single_frames(
            drivers in 1usize..5,
            frames in 1usize..40,
            seed in proptest::collection::vec(proptest::prelude::any::<i32>(), 64),
        ) {
            // Values from the seed: extremes, small steps and noise in every column.
            let v = |d: usize, c: usize, k: usize| seed[(d * 31 + c * 7 + k) % seed.len()].wrapping_mul(k as i32 + 1);
            let i32s: Vec<Vec<Vec<i32>>> = (0..drivers).map(|d| (0..5).map(|c| (0..frames).map(|k| v(d, c, k)).collect()).collect()).collect();
            let u16s: Vec<Vec<Vec<u16>>> = (0..drivers).map(|d| (0..3).map(|c| (0..frames).map(|k| v(d, c + 5, k) as u16).collect()).collect()).collect();
            let u8s: Vec<Vec<Vec<u8>>> = (0..drivers).map(|d| (0..9).map(|c| (0..frames).map(|k| v(d, c + 8, k) as u8).collect()).collect()).collect();
            let g8: Vec<u8> = (0..frames).map(|k| v(9, 0, k) as u8).collect();
            let g16: Vec<u16> = (0..frames).map(|k| v(9, 1, k) as u16).collect();
            let global = [Column::U8(&g8), Column::U8(&g8), Column::U16(&g16), Column::U16(&g16), Column::U16(&g16)];
            let cols: Vec<Vec<Column>> = (0..drivers)
                .map(|d| {
                    let mut c: Vec<Column> = i32s[d].iter().map(|x| Column::I32(x)).collect();
                    c.extend(u16s[d].iter().map(|x| Column::U16(x)));
                    c.extend(u8s[d].iter().map(|x| Column::U8(x)));
                    c
                })
                .collect();
            let raw = encode(7, frames as u32, &global, &cols);
            let chunk = Chunk::decode(raw.clone()).unwrap();
            for k in 0..frames {
                let one = Chunk::decode(chunk.one_frame(k).unwrap()).unwrap();
                proptest::prop_assert_eq!((one.first_frame, one.frames), (7 + k as u32, 1));
                // Decoding the frame alone from the chunk's bytes gives the same one-frame chunk.
                let alone = Chunk::decode_frame(&raw, k).unwrap();
                proptest::prop_assert_eq!((alone.first_frame, alone.frames), (7 + k as u32, 1));
                proptest::prop_assert_eq!(&alone.data, &one.data);
                for d in 0..drivers {
                    let expected = i32s[d].iter().map(|c| i64::from(c[k]))
                        .chain(u16s[d].iter().map(|c| i64::from(c[k])))
                        .chain(u8s[d].iter().map(|c| i64::from(c[k])));
                    for (c, want) in expected.enumerate() {
                        proptest::prop_assert_eq!(chunk.driver(c, d, k), want);
                        proptest::prop_assert_eq!(one.driver(c, d, 0), want);
                    }
                }
                proptest::prop_assert_eq!(one.global(global::LEADER_LAP, 0), i64::from(g16[k]));
                proptest::prop_assert_eq!(chunk.global(global::SESSION_STATUS, k), i64::from(g8[k]));
            }
            proptest::prop_assert!(chunk.one_frame(frames).is_none());
            proptest::prop_assert!(Chunk::decode_frame(&raw, frames).is_err());
        }
    }

    #[test]
    fn a_truncated_chunk_is_an_error() {
        assert!(Chunk::decode(b"F1RC\x02\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00".to_vec()).is_err());
        assert!(Chunk::decode(b"nope".to_vec()).is_err());
    }
}
