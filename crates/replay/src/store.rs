//! The replay file: written once (temp file, then rename), read whole into memory and verified
//! there, so what is served can neither change nor vanish underneath (a cache file truncated
//! or edited while a server runs cannot fault it nor make it serve other bytes); and the
//! replay cache's layout ([`CacheKey`]): one file per session, named and checked by everything
//! it was built from.
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

/// The bytes of a replay file for `manifest` and `chunks` (the layout above).
pub fn encode(manifest: &Manifest, chunks: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let json = serde_json::to_vec(manifest).map_err(|e| Error::Corrupt(format!("manifest: {e}")))?;
    // Each chunk's checksum on the threads at once; the file's from the chunks' own (a CRC of
    // two parts is the combination of theirs), not from a second pass over their bytes.
    let chunk_crcs: Vec<u32> = {
        use rayon::prelude::*;
        chunks.par_iter().map(|c| crc32fast::hash(c)).collect()
    };
    let total: usize = chunks.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(16 + json.len() + total + 4 * chunks.len() + 8);
    let mut crc = crc32fast::Hasher::new();
    for b in [&MAGIC[..], &FORMAT_VERSION.to_le_bytes(), &(json.len() as u32).to_le_bytes(), &json] {
        crc.update(b);
        out.extend_from_slice(b);
    }
    for (c, &c_crc) in chunks.iter().zip(&chunk_crcs) {
        out.extend_from_slice(c);
        crc.combine(&crc32fast::Hasher::new_with_initial_len(c_crc, c.len() as u64));
    }
    for c_crc in &chunk_crcs {
        crc.update(&c_crc.to_le_bytes());
        out.extend_from_slice(&c_crc.to_le_bytes());
    }
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(END);
    Ok(out)
}

/// Writes a replay file atomically (see [`write_bytes`]).
pub fn write(path: &Path, manifest: &Manifest, chunks: &[Vec<u8>]) -> Result<(), Error> {
    write_bytes(path, &encode(manifest, chunks)?)
}

/// The suffix of the temporary files [`write_bytes`] writes before renaming them.
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` atomically: to a temporary file next to `path`, flushed and renamed over
/// `path`, so a reader never sees half a file and a crash leaves only a temporary file (which
/// [`remove_orphan_temps`] clears).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Unique per process and per call, so two builds of one session (threads or processes)
    // never write the same temp file; the last rename wins with a complete file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("replay");
    let tmp = dir.join(format!(".{name}.{}-{n}{TEMP_SUFFIX}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
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

/// Removes the temporary files of [`write_bytes`] in `dir` left by a process that is gone (a
/// crash or a kill mid-write); returns how many. A file whose writer still runs is kept (on
/// systems without `/proc`, a file younger than an hour is).
pub fn remove_orphan_temps(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_writer(&name) else { continue };
        if !writer_may_run(pid, &entry) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary file name `.NAME.PID-N.tmp`.
fn temp_writer(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let (_, tail) = stem.rsplit_once('.')?;
    tail.split_once('-')?.0.parse().ok()
}

fn writer_may_run(pid: u32, entry: &std::fs::DirEntry) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a.as_secs() < 3600)
}

/// What a cached replay is built from: the session, its raw files' content hash, the pipeline
/// version and the frame rate. It names the cache file (`ID@PIPELINE@FPSfps@HASH.f1r`) and is
/// checked against the manifest when the file is opened, so a file built from other raw files,
/// another session or another pipeline (copied, edited, or left over) is never served as this
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// The session id the file is for (also recorded in its manifest).
    pub session_id: String,
    /// The content hash of the raw files ([`crate::source_hash`]).
    pub source_hash: u64,
    /// Frames per second.
    pub fps: u32,
}

impl CacheKey {
    /// The file name: `ID@PIPELINE@FPSfps@HASH.f1r` (`@` never occurs in an id, so the id is
    /// exactly what precedes the first one).
    pub fn file_name(&self) -> String {
        format!("{}{:016x}.f1r", CacheKey::file_prefix(&self.session_id, self.fps), self.source_hash)
    }

    /// What every cache file name of `session_id` at `fps` under this pipeline starts with
    /// (`ID@PIPELINE@FPSfps@`): a file with it is a replay a server can open without a build,
    /// as long as the raw files have not changed.
    pub fn file_prefix(session_id: &str, fps: u32) -> String {
        format!("{session_id}@{}@{fps}fps@", pipeline_tag())
    }

    /// Checks that `manifest` was built from this key; the reason when it was not.
    pub fn check(&self, manifest: &Manifest) -> Result<(), String> {
        let want_hash = format!("{:016x}", self.source_hash);
        if manifest.session.id != self.session_id {
            return Err(format!("built for session {:?}, not {:?}", manifest.session.id, self.session_id));
        }
        if manifest.source_hash != want_hash {
            return Err(format!("built from raw files {}, not {want_hash}", manifest.source_hash));
        }
        if manifest.fps != self.fps {
            return Err(format!("built at {} FPS, not {}", manifest.fps, self.fps));
        }
        if manifest.pipeline_version != PIPELINE_VERSION {
            return Err(format!("built by pipeline {}, not {PIPELINE_VERSION}", manifest.pipeline_version));
        }
        Ok(())
    }

    /// Opens `dir`'s file for this key, verified (checksums) and checked against the key.
    pub fn open(&self, dir: &Path) -> Result<ReplayFile, Error> {
        let path = dir.join(self.file_name());
        let file = ReplayFile::open(&path)?;
        self.check(file.manifest()).map_err(|why| Error::Corrupt(format!("{}: {why}", self.file_name())))?;
        Ok(file)
    }

    /// Removes the other cache files of the same session in `dir` (older raw files, pipeline
    /// or frame rate): one file per session stays. Returns how many were removed.
    pub fn prune(&self, dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
        let keep = self.file_name();
        let prefix = format!("{}@", self.session_id);
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != keep && name.starts_with(&prefix) && name.ends_with(".f1r") && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

/// The pipeline version, file-name safe.
fn pipeline_tag() -> String {
    PIPELINE_VERSION.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') { c } else { '_' }).collect()
}

/// A replay file, held in memory once verified: the manifest parsed once, chunks served as
/// borrowed bytes that nothing can change.
pub struct ReplayFile {
    map: Vec<u8>,
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
    /// Reads and verifies a replay file (magic, format, pipeline version, size, checksums).
    pub fn open(path: &Path) -> Result<ReplayFile, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        ReplayFile::from_bytes(bytes, &path.display().to_string())
    }

    /// Verifies the bytes of a replay file (as [`encode`] makes them) and keeps them; `label`
    /// names them in errors.
    pub fn from_bytes(map: Vec<u8>, label: &str) -> Result<ReplayFile, Error> {
        let bad = |why: String| Error::Corrupt(format!("{label}: {why}"));
        if map.len() < 24 || &map[..8] != MAGIC || &map[map.len() - 4..] != END {
            return Err(bad("not a replay file or truncated".into()));
        }
        let format = u32::from_le_bytes([map[8], map[9], map[10], map[11]]);
        if format != FORMAT_VERSION {
            return Err(Error::Version { path: label.to_string(), found: format.to_string(), expected: FORMAT_VERSION.to_string() });
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
                path: label.to_string(),
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
    /// Chunk `i` as stored (zstd), borrowed from the verified bytes.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Geometry, SessionMeta};

    fn manifest(id: &str, hash: u64, fps: u32) -> Manifest {
        Manifest {
            format_version: FORMAT_VERSION,
            pipeline_version: PIPELINE_VERSION.into(),
            source_hash: format!("{hash:016x}"),
            session: SessionMeta {
                id: id.into(),
                year: 2025,
                meeting: "M".into(),
                name: "Q".into(),
                kind: "qualifying".into(),
                ranked_by_best_lap: true,
                total_laps: None,
                t0_utc: None,
                start_s: None,
                end_s: 0.0,
                chequered_s: None,
            },
            fps,
            frame_ms: 1000.0 / f64::from(fps),
            t_start_s: 0.0,
            frame_count: 0,
            chunk_frames: 1,
            chunks: Vec::new(),
            drivers: Vec::new(),
            geometry: Geometry::default(),
            lap_starts: Vec::new(),
            track_status: Vec::new(),
            segments: Vec::new(),
            race_control: Vec::new(),
            weather: Vec::new(),
            coverage: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn key(id: &str, hash: u64, fps: u32) -> CacheKey {
        CacheKey { session_id: id.into(), source_hash: hash, fps }
    }

    #[test]
    fn a_cache_file_opens_only_for_the_key_it_was_built_from() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("2025~A~Q", 7, 25);
        write(&dir.path().join(k.file_name()), &manifest("2025~A~Q", 7, 25), &[]).unwrap();
        assert!(k.open(dir.path()).is_ok());
        // Another session's file, or one from other raw files or frame rate, put in its place.
        for (other, why) in
            [(manifest("2025~B~Q", 7, 25), "session"), (manifest("2025~A~Q", 8, 25), "raw files"), (manifest("2025~A~Q", 7, 10), "FPS")]
        {
            write(&dir.path().join(k.file_name()), &other, &[]).unwrap();
            let e = k.open(dir.path()).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn the_key_names_the_file_by_everything_it_covers() {
        let names: Vec<String> = [key("sim-race", 1, 25), key("sim-race", 2, 25), key("sim-race", 1, 10), key("sim-race-x", 1, 25)]
            .iter()
            .map(CacheKey::file_name)
            .collect();
        for (i, a) in names.iter().enumerate() {
            assert!(a.starts_with("sim-race") && a.ends_with(".f1r"), "{a}");
            assert!(names[i + 1..].iter().all(|b| b != a), "{names:?}");
        }
    }

    #[test]
    fn pruning_keeps_one_file_per_session_and_spares_other_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let old = key("sim-race", 1, 25);
        let new = key("sim-race", 2, 25);
        let other = key("sim-race-x", 1, 25);
        for k in [&old, &new, &other] {
            std::fs::write(dir.path().join(k.file_name()), b"x").unwrap();
        }
        assert_eq!(new.prune(dir.path()), 1);
        assert!(!dir.path().join(old.file_name()).exists());
        assert!(dir.path().join(new.file_name()).exists());
        assert!(dir.path().join(other.file_name()).exists());
    }

    #[test]
    fn orphan_temp_files_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A pid that cannot be running (above the kernel's maximum), and this process's own.
        let orphan = dir.path().join(".a.f1r.4294967295-0.tmp");
        let live = dir.path().join(format!(".a.f1r.{}-0.tmp", std::process::id()));
        let other = dir.path().join("notes.tmp");
        for f in [&orphan, &live, &other] {
            std::fs::write(f, b"x").unwrap();
        }
        assert_eq!(remove_orphan_temps(dir.path()), usize::from(Path::new("/proc/self").exists()));
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn bytes_are_verified_before_they_are_kept() {
        let bytes = encode(&manifest("x", 1, 25), &[]).unwrap();
        assert!(ReplayFile::from_bytes(bytes.clone(), "x").is_ok());
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(ReplayFile::from_bytes(flipped, "x").is_err());
        assert!(ReplayFile::from_bytes(bytes[..bytes.len() - 1].to_vec(), "x").is_err());
    }
}
