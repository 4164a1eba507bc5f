//! The replay file: written once (temp file, then rename), memory-mapped to read.
//!
//! ```text
//! "F1REPLAY" | format u32 | manifest length u32 | manifest JSON | chunk 0 | chunk 1 | ...
//! | crc32 of each chunk (u32 each) | crc32 of everything before (u32) | "F1RE"
//! ```
//! Chunks are zstd-compressed chunk-format blocks, stored back to back in index order, so
//! their offsets follow from the manifest's sizes. A file whose magic, format, pipeline
//! version, size or checksum is wrong is refused, and the caller rebuilds it.

use crate::chunk::Chunk;
use crate::frame::{self, Frame};
use crate::manifest::Manifest;
use crate::{Error, FORMAT_VERSION, PIPELINE_VERSION};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

const MAGIC: &[u8; 8] = b"F1REPLAY";
const END: &[u8; 4] = b"F1RE";

/// Writes a replay file atomically: the bytes go to a temporary file next to `path`, which is
/// flushed and renamed over `path`, so a reader never sees half a file and a crash leaves none.
pub fn write(path: &Path, manifest: &Manifest, chunks: &[Vec<u8>]) -> Result<(), Error> {
    let json = serde_json::to_vec(manifest).map_err(|e| Error::Corrupt(format!("manifest: {e}")))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Unique per process and per call, so two builds of one session (threads or processes)
    // never write the same temp file; the last rename wins with a complete file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{}.{}-{n}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("replay"), std::process::id()));
    // Each chunk's checksum on the threads at once; the file's from the chunks' own (a CRC of
    // two parts is the combination of theirs), not from a second pass over their bytes.
    let chunk_crcs: Vec<u32> = {
        use rayon::prelude::*;
        chunks.par_iter().map(|c| crc32fast::hash(c)).collect()
    };
    let result = (|| -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let mut crc = crc32fast::Hasher::new();
        let head = [&MAGIC[..], &FORMAT_VERSION.to_le_bytes(), &(json.len() as u32).to_le_bytes(), &json];
        for b in head {
            crc.update(b);
            f.write_all(b)?;
        }
        for (c, &c_crc) in chunks.iter().zip(&chunk_crcs) {
            f.write_all(c)?;
            crc.combine(&crc32fast::Hasher::new_with_initial_len(c_crc, c.len() as u64));
        }
        for c_crc in &chunk_crcs {
            crc.update(&c_crc.to_le_bytes());
            f.write_all(&c_crc.to_le_bytes())?;
        }
        let total = crc.finalize();
        f.write_all(&total.to_le_bytes())?;
        f.write_all(END)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A replay file, memory-mapped: the manifest parsed once, chunks served as borrowed bytes.
pub struct ReplayFile {
    map: memmap2::Mmap,
    manifest: Manifest,
    manifest_json: Vec<u8>,
    chunk_offsets: Vec<(usize, usize)>,
    last: Mutex<Option<(usize, Arc<Chunk>)>>,
    /// The chunk of the last [`ReplayFile::frame`] call: a second frame from the same chunk
    /// means reading in order, and the whole chunk is decoded and kept.
    last_asked: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for ReplayFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayFile").field("bytes", &self.map.len()).field("frames", &self.manifest.frame_count).finish()
    }
}

impl ReplayFile {
    /// Opens and verifies a replay file (magic, format, pipeline version, size, checksums).
    pub fn open(path: &Path) -> Result<ReplayFile, Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: replay files are written once and only ever replaced by rename, never
        // modified in place, so the mapping cannot change under us.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let bad = |why: String| Error::Corrupt(format!("{}: {why}", path.display()));
        if map.len() < 24 || &map[..8] != MAGIC || &map[map.len() - 4..] != END {
            return Err(bad("not a replay file or truncated".into()));
        }
        let format = u32::from_le_bytes([map[8], map[9], map[10], map[11]]);
        if format != FORMAT_VERSION {
            return Err(Error::Version {
                path: path.display().to_string(),
                found: format.to_string(),
                expected: FORMAT_VERSION.to_string(),
            });
        }
        let body_end = map.len() - 8;
        let stored = u32::from_le_bytes([map[body_end], map[body_end + 1], map[body_end + 2], map[body_end + 3]]);
        if crc32fast::hash(&map[..body_end]) != stored {
            return Err(bad("checksum mismatch".into()));
        }
        let mlen = u32::from_le_bytes([map[12], map[13], map[14], map[15]]) as usize;
        let json = map.get(16..16 + mlen).ok_or_else(|| bad("manifest past the end".into()))?;
        let manifest: Manifest = serde_json::from_slice(json).map_err(|e| bad(format!("manifest: {e}")))?;
        if manifest.pipeline_version != PIPELINE_VERSION {
            return Err(Error::Version {
                path: path.display().to_string(),
                found: manifest.pipeline_version.clone(),
                expected: PIPELINE_VERSION.to_string(),
            });
        }
        let mut off = 16 + mlen;
        let mut chunk_offsets = Vec::with_capacity(manifest.chunks.len());
        for c in &manifest.chunks {
            chunk_offsets.push((off, c.bytes as usize));
            off += c.bytes as usize;
        }
        if off + 4 * manifest.chunks.len() != body_end {
            return Err(bad("chunk table does not match the file size".into()));
        }
        let manifest_json = json.to_vec();
        Ok(ReplayFile { map, manifest, manifest_json, chunk_offsets, last: Mutex::new(None), last_asked: usize::MAX.into() })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// The manifest as stored (JSON), ready to send.
    pub fn manifest_json(&self) -> &[u8] {
        &self.manifest_json
    }
    /// Number of chunks.
    pub fn chunk_count(&self) -> usize {
        self.chunk_offsets.len()
    }
    /// Chunk `i` as stored (zstd), borrowed from the mapping.
    pub fn chunk_bytes(&self, i: usize) -> Option<&[u8]> {
        let (o, l) = *self.chunk_offsets.get(i)?;
        self.map.get(o..o + l)
    }
    /// Strong ETag of chunk `i`.
    pub fn chunk_etag(&self, i: usize) -> Option<String> {
        self.manifest.chunks.get(i).map(|c| c.etag.clone())
    }
    /// The whole file.
    pub fn file_bytes(&self) -> &[u8] {
        &self.map
    }
    /// Frames per second.
    pub fn fps(&self) -> u32 {
        self.manifest.fps
    }
    /// Number of frames.
    pub fn frame_count(&self) -> u32 {
        self.manifest.frame_count
    }
    /// The frame nearest to session time `t_ms`, clamped.
    pub fn frame_at(&self, t_ms: i64) -> u32 {
        let m = &self.manifest;
        let k = ((t_ms as f64 - m.t_start_s * 1000.0) / m.frame_ms).round();
        k.clamp(0.0, f64::from(m.frame_count.saturating_sub(1))) as u32
    }

    /// The decoded chunk holding frame `i` (the last one is kept, so reading frames in order
    /// decompresses each chunk once).
    pub fn chunk_of(&self, i: u32) -> Result<Arc<Chunk>, Error> {
        let per = self.manifest.chunk_frames.max(1);
        let c = (i / per) as usize;
        if let Ok(guard) = self.last.lock() {
            if let Some((idx, chunk)) = guard.as_ref() {
                if *idx == c {
                    return Ok(chunk.clone());
                }
            }
        }
        let bytes = self.chunk_bytes(c).ok_or(Error::NoFrame(i))?;
        let chunk = Arc::new(Chunk::decode(crate::decompress_chunk(bytes)?)?);
        if let Ok(mut guard) = self.last.lock() {
            *guard = Some((c, chunk.clone()));
        }
        Ok(chunk)
    }

    /// Frame `i`, decoded. Frames read in order come from their chunk, decoded once and kept;
    /// a frame read at random (another chunk than the last call's) is decoded alone (its chunk
    /// decompressed, each column summed up to the frame), about half the work.
    pub fn frame(&self, i: u32) -> Result<Frame, Error> {
        if i >= self.manifest.frame_count {
            return Err(Error::NoFrame(i));
        }
        let c = (i / self.manifest.chunk_frames.max(1)) as usize;
        if self.last_asked.swap(c, std::sync::atomic::Ordering::Relaxed) == c {
            let chunk = self.chunk_of(i)?;
            return Ok(frame::read(&chunk, (i - chunk.first_frame) as usize, &self.manifest));
        }
        let bytes = self.chunk_bytes(c).ok_or(Error::NoFrame(i))?;
        let first = c as u32 * self.manifest.chunk_frames.max(1);
        let one = Chunk::decode_frame(&crate::decompress_chunk(bytes)?, (i - first) as usize)?;
        Ok(frame::read(&one, 0, &self.manifest))
    }
}
