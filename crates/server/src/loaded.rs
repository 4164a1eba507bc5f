//! [`LoadedReplay`]: a built session as the server holds it: the verified replay file in memory and
//! the caches of what is derived from it (decompressed, decoded and gzipped chunks, encoded
//! frames), each bounded and shared by every connection.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use replay::chunk::Chunk;
use replay::ReplayFile;

use crate::cache::SharedCache;
use crate::catalog::SessionId;
use crate::error::ApiError;
use crate::frames::{self, Encoded, FrameFormat};

/// Decompressed chunks (as stored, delta-coded) kept per session, for identity responses.
const RAW_CHUNK_BUDGET: usize = 4 << 20;
/// Decoded chunks kept per session, for frames: the positions viewers are at.
const DECODED_CHUNK_BUDGET: usize = 8 << 20;
/// Gzipped chunks kept per session.
const GZIP_BUDGET: usize = 16 << 20;
/// Encoded frames kept per session and format.
const FRAME_BUDGET: usize = 2 << 20;

/// A built session: the replay file and the shared caches derived from it.
pub struct LoadedReplay {
    /// The session.
    pub id: SessionId,
    /// The replay file, verified and held in memory.
    pub file: Arc<ReplayFile>,
    /// The WebSocket `meta` message, built once ([`meta_message`]): small, because a socket's
    /// write buffer keeps the capacity of the largest message it ever sent.
    pub meta_message: Utf8Bytes,
    /// Strong ETag of the whole file (`replay.bin`).
    pub file_etag: String,
    raw_chunks: SharedCache<usize, Bytes>,
    decoded_chunks: SharedCache<usize, Arc<Chunk>>,
    gzip_chunks: SharedCache<usize, Bytes>,
    frames: [SharedCache<u32, Encoded>; 3],
}

/// The WebSocket `meta` message: where the manifest is (`GET /api/sessions/{id}`, fetched by
/// HTTP) and the few numbers needed to place a frame in time, about 250 bytes. Sending the
/// ~55 KB manifest here instead made every idle viewer hold a 55 KB write buffer for good
/// (tungstenite's buffer never shrinks): 60 KB per idle viewer, now about 5 (docs/BENCHMARKS.md).
fn meta_message(id: &SessionId, file: &ReplayFile, replay_etag: &str) -> Utf8Bytes {
    let m = file.manifest();
    let meta = serde_json::json!({
        "type": "meta",
        "session": id.as_str(),
        "manifest_url": format!("/api/sessions/{}", id.as_str()),
        "replay_etag": replay_etag,
        "fps": m.fps,
        "frame_ms": m.frame_ms,
        "t_start_s": m.t_start_s,
        "frame_count": file.frame_count(),
    });
    Utf8Bytes::from(meta.to_string())
}

impl LoadedReplay {
    /// Wraps an opened replay file.
    pub fn new(id: SessionId, file: ReplayFile) -> LoadedReplay {
        let manifest = file.manifest_json();
        let file_etag = format!("\"f1r-{:016x}-{:x}\"", fnv64(manifest), file.file_bytes().len());
        let meta_message = meta_message(&id, &file, &file_etag);
        let weigh_bytes: fn(&Bytes) -> usize = |b| b.len();
        let weigh_chunk: fn(&Arc<Chunk>) -> usize = |c| 16 + c.frames as usize * (8 + 35 * c.drivers as usize);
        let weigh_frame: fn(&Encoded) -> usize = |e| e.len() + 64;
        LoadedReplay {
            id,
            file: Arc::new(file),
            meta_message,
            file_etag,
            raw_chunks: SharedCache::new(RAW_CHUNK_BUDGET, weigh_bytes),
            decoded_chunks: SharedCache::new(DECODED_CHUNK_BUDGET, weigh_chunk),
            gzip_chunks: SharedCache::new(GZIP_BUDGET, weigh_bytes),
            frames: [
                SharedCache::new(FRAME_BUDGET, weigh_frame),
                SharedCache::new(FRAME_BUDGET, weigh_frame),
                SharedCache::new(FRAME_BUDGET, weigh_frame),
            ],
        }
    }

    /// The manifest.
    pub fn manifest(&self) -> &replay::Manifest {
        self.file.manifest()
    }

    /// Frames in the replay.
    pub fn frame_count(&self) -> u32 {
        self.file.frame_count()
    }

    /// Session time of frame `k`, seconds.
    pub fn frame_time_s(&self, k: u32) -> f64 {
        let m = self.manifest();
        m.t_start_s + k as f64 * m.frame_ms / 1000.0
    }

    /// The frame shown at session time `t_s` (nearest, clamped to the replay).
    pub fn frame_at_s(&self, t_s: f64) -> u32 {
        let t_ms = (t_s * 1000.0).round().clamp(-1e15, 1e15) as i64;
        self.file.frame_at(t_ms).min(self.frame_count().saturating_sub(1))
    }

    /// The chunk holding frame `k`, and `k`'s index within it (chunks hold `chunk_frames`
    /// frames each, the last one fewer).
    pub fn chunk_of(&self, k: u32) -> (usize, usize) {
        let per = self.manifest().chunk_frames.max(1);
        ((k / per) as usize, (k % per) as usize)
    }

    /// Chunk `i` decompressed, as stored (cached).
    pub async fn raw_chunk(&self, i: usize) -> Result<Bytes, ApiError> {
        let file = self.file.clone();
        self.raw_chunks
            .get_or_compute(i, move || {
                let stored = file.chunk_bytes(i).ok_or_else(|| ApiError::not_found(format!("no chunk {i}")))?;
                Ok(Bytes::from(replay::decompress_chunk(stored)?))
            })
            .await
    }

    /// Chunk `i` decoded (running sums applied), cached: where frames are read from.
    pub async fn decoded_chunk(&self, i: usize) -> Result<Arc<Chunk>, ApiError> {
        let file = self.file.clone();
        self.decoded_chunks
            .get_or_compute(i, move || {
                let stored = file.chunk_bytes(i).ok_or_else(|| ApiError::not_found(format!("no chunk {i}")))?;
                Ok(Arc::new(Chunk::decode(replay::decompress_chunk(stored)?)?))
            })
            .await
    }

    /// Chunk `i` gzip-encoded, encoded once and cached (for clients without zstd).
    pub async fn gzip_chunk(&self, i: usize) -> Result<Bytes, ApiError> {
        if let Some(b) = self.gzip_chunks.get(&i) {
            return Ok(b);
        }
        let raw = self.raw_chunk(i).await?;
        self.gzip_chunks
            .get_or_compute(i, move || {
                use std::io::Write;
                let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 3), flate2::Compression::new(6));
                enc.write_all(&raw).and_then(|_| enc.finish()).map(Bytes::from).map_err(|e| ApiError::internal(format!("gzip: {e}")))
            })
            .await
    }

    /// Frame `k` encoded for `format` (cached; encoded once for all connections).
    pub async fn frame(&self, format: FrameFormat, k: u32) -> Result<Encoded, ApiError> {
        if k >= self.frame_count() {
            return Err(ApiError::bad_request(format!("frame {k} is outside the {} frames of {}", self.frame_count(), self.id)));
        }
        let cache = &self.frames[format.index()];
        if let Some(e) = cache.get(&k) {
            return Ok(e);
        }
        let (c, local) = self.chunk_of(k);
        let chunk = self.decoded_chunk(c).await?;
        let t_s = self.frame_time_s(k);
        let file = self.file.clone();
        cache
            .get_or_compute(k, move || match format {
                FrameFormat::Json => {
                    let frame = replay::frame::read(&chunk, local, file.manifest());
                    let json = serde_json::to_vec(&frame).map_err(|e| ApiError::internal(format!("frame {k}: {e}")))?;
                    let text = String::from_utf8(frames::tag_json(json)).map_err(|e| ApiError::internal(format!("frame {k}: {e}")))?;
                    Ok(Encoded::Text(Utf8Bytes::from(text)))
                }
                FrameFormat::Msgpack => {
                    let frame = replay::frame::read(&chunk, local, file.manifest());
                    let value = serde_json::to_value(&frame).map_err(|e| ApiError::internal(format!("frame {k}: {e}")))?;
                    Ok(Encoded::Binary(Bytes::from(frames::msgpack(&frames::annotate(value, k, t_s)))))
                }
                FrameFormat::Binary => frames::one_frame(&chunk, local)
                    .map(|b| Encoded::Binary(Bytes::from(b)))
                    .map_err(|e| ApiError::internal(format!("chunk {c}: {e}"))),
            })
            .await
    }

    /// Bytes held by this session's caches.
    pub fn cached_bytes(&self) -> usize {
        self.raw_chunks.weight()
            + self.decoded_chunks.weight()
            + self.gzip_chunks.weight()
            + self.frames.iter().map(|f| f.weight()).sum::<usize>()
    }
}

/// 64-bit FNV-1a (ETags).
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
