// Replay chunks: the binary decoder (docs/API.md, "Chunk format") and a store that fetches
// them over HTTP, prefetches ahead of the playhead and keeps the most recently used ones.
//
// A decoded chunk is a set of typed arrays (no per-frame objects): per-driver columns hold
// `drivers × frames` values, driver `d`'s frame `k` at `d * frames + k`. A multi-byte column
// (all drivers' runs of it, or one global u16 column) is stored as byte planes: every value's
// low byte, then every value's second byte, and so on; each run (one column of one driver) holds
// its first value then differences, zig-zag coded (0, -1, 1, -2 ... as 0, 1, 2, 3 ...). Decoding
// joins the planes, undoes the zig-zag and takes running sums.

import { fetchChunk } from './api.js';

const MAGIC = 0x43523146; // "F1RC" read as a little-endian u32
const HEADER_BYTES = 16;
/** The chunk format version this decoder reads. */
const FORMAT_VERSION = 3;

/**
 * @typedef {object} Chunk
 * @property {number} firstFrame
 * @property {number} frames
 * @property {number} drivers
 * @property {number} bytes decoded size
 * @property {Uint8Array} trackStatus
 * @property {Uint8Array} sessionStatus
 * @property {Uint16Array} leaderLap
 * @property {Uint16Array} rcmCount
 * @property {Uint16Array} weatherIndex
 * @property {Int32Array} x  decimetres
 * @property {Int32Array} y
 * @property {Int32Array} progress
 * @property {Int32Array} gap
 * @property {Int32Array} interval
 * @property {Uint16Array} speed
 * @property {Uint16Array} rpm
 * @property {Uint16Array} lap
 * @property {Uint8Array} gear
 * @property {Uint8Array} throttle
 * @property {Uint8Array} brake
 * @property {Uint8Array} drs
 * @property {Uint8Array} position
 * @property {Uint8Array} compound
 * @property {Uint8Array} tyreAge
 * @property {Uint8Array} pitStops
 * @property {Uint8Array} state
 */

/** Per-driver columns in file order: [name, bytes per value]. */
const DRIVER_COLUMNS = [
  ['x', 4], ['y', 4], ['progress', 4], ['gap', 4], ['interval', 4],
  ['speed', 2], ['rpm', 2], ['lap', 2],
  ['gear', 1], ['throttle', 1], ['brake', 1], ['drs', 1], ['position', 1],
  ['compound', 1], ['tyreAge', 1], ['pitStops', 1], ['state', 1],
];

/**
 * The `count` values at `offset`: a view for bytes, otherwise a new typed array joined from
 * `size` byte planes of `count` bytes each (the format is little-endian within a value).
 * @param {Uint8Array} bytes
 * @param {number} offset
 * @param {number} count
 * @param {1|2|4} size
 * @param {boolean} signed
 */
function column(bytes, offset, count, size, signed) {
  if (size === 1) return bytes.subarray(offset, offset + count);
  if (size === 2) {
    const out = new Uint16Array(count);
    const b0 = offset, b1 = offset + count;
    for (let i = 0; i < count; i++) out[i] = bytes[b0 + i] | (bytes[b1 + i] << 8);
    return out;
  }
  const out = signed ? new Int32Array(count) : new Uint32Array(count);
  const b0 = offset, b1 = offset + count, b2 = offset + 2 * count, b3 = offset + 3 * count;
  for (let i = 0; i < count; i++) {
    out[i] = bytes[b0 + i] | (bytes[b1 + i] << 8) | (bytes[b2 + i] << 16) | (bytes[b3 + i] << 24);
  }
  return out;
}

/**
 * Restores zig-zag delta-coded runs of `run` values in place: each stored value `z` is the
 * difference `(z >>> 1) ^ -(z & 1)` from the value before (0 before a run's first); typed-array
 * stores wrap like the encoder.
 * @param {Int32Array|Uint16Array} a
 * @param {number} run
 */
function undelta(a, run) {
  for (let base = 0; base < a.length; base += run) {
    const end = Math.min(a.length, base + run);
    let acc = 0;
    for (let i = base; i < end; i++) {
      const z = a[i] >>> 0;
      acc = (acc + ((z >>> 1) ^ -(z & 1))) | 0;
      a[i] = acc;
    }
  }
}

/**
 * Decodes one chunk.
 * @param {ArrayBuffer} buf the chunk's bytes (already decompressed by the browser)
 * @param {number} [expectedDrivers] the manifest's driver count, checked when given
 * @returns {Chunk}
 */
export function decodeChunk(buf, expectedDrivers) {
  if (buf.byteLength < HEADER_BYTES) throw new Error(`chunk too short: ${buf.byteLength} bytes`);
  const dv = new DataView(buf);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error('not a replay chunk (bad magic)');
  const version = dv.getUint16(4, true);
  if (version !== FORMAT_VERSION) {
    throw new Error(`chunk format version ${version} is not supported (expected ${FORMAT_VERSION})`);
  }
  const drivers = dv.getUint16(6, true);
  const firstFrame = dv.getUint32(8, true);
  const frames = dv.getUint32(12, true);
  if (expectedDrivers != null && drivers !== expectedDrivers) {
    throw new Error(`chunk has ${drivers} drivers, the manifest ${expectedDrivers}`);
  }
  const perDriver = DRIVER_COLUMNS.reduce((s, [, size]) => s + size, 0);
  const need = HEADER_BYTES + frames * 8 + drivers * frames * perDriver;
  if (buf.byteLength < need) throw new Error(`chunk truncated: ${buf.byteLength} of ${need} bytes`);

  let off = HEADER_BYTES;
  const bytes = new Uint8Array(buf);
  const take = (count, size, signed = false) => {
    const c = column(bytes, off, count, size, signed);
    off += count * size;
    return c;
  };
  /** @type {any} */
  const c = { firstFrame, frames, drivers, bytes: buf.byteLength };
  c.trackStatus = take(frames, 1);
  c.sessionStatus = take(frames, 1);
  c.leaderLap = take(frames, 2);
  c.rcmCount = take(frames, 2);
  c.weatherIndex = take(frames, 2);
  undelta(c.leaderLap, frames);
  undelta(c.rcmCount, frames);
  undelta(c.weatherIndex, frames);
  const n = drivers * frames;
  for (const [name, size] of DRIVER_COLUMNS) {
    c[name] = take(n, size, size === 4);
    if (size > 1) undelta(c[name], frames);
  }
  return /** @type {Chunk} */ (c);
}

/** Fetches, decodes and caches the chunks of one session's replay. */
export class ChunkStore {
  /**
   * @param {string} sessionId
   * @param {any} manifest
   * @param {{capacity?: number, concurrency?: number}} [opts]
   */
  constructor(sessionId, manifest, opts = {}) {
    this.id = sessionId;
    this.manifest = manifest;
    this.chunkFrames = manifest.chunk_frames;
    this.count = manifest.chunks.length;
    this.drivers = manifest.drivers.length;
    this.capacity = opts.capacity ?? 40;
    this.concurrency = opts.concurrency ?? 3;
    /** @type {Map<number, Chunk>} decoded chunks, oldest use first */
    this.cache = new Map();
    /** @type {Map<number, Promise<Chunk>>} */
    this.inflight = new Map();
    /** @type {number[]} chunk indices waiting for a fetch slot, most urgent first */
    this.queue = [];
    /** @type {Set<number>} chunks the playhead needs now (never evicted) */
    this.pinned = new Set();
    this.stats = { fetched: 0, bytes: 0, errors: 0, lastError: '' };
    /** @type {(() => void)|null} called whenever a chunk arrives */
    this.onLoad = null;
    this.closed = false;
  }

  /**
   * The chunk holding frame `f`.
   * @param {number} f
   * @returns {number}
   */
  indexOfFrame(f) {
    let n = Math.floor(f / this.chunkFrames);
    n = Math.max(0, Math.min(this.count - 1, n));
    // The manifest is the authority; the fixed size is only the first guess.
    const ch = this.manifest.chunks;
    while (n > 0 && f < ch[n].first_frame) n--;
    while (n < this.count - 1 && f >= ch[n].first_frame + ch[n].frames) n++;
    return n;
  }

  /**
   * A decoded chunk, or null if it is not here yet (marks it as recently used).
   * @param {number} n
   * @returns {Chunk|null}
   */
  get(n) {
    const c = this.cache.get(n);
    if (!c) return null;
    this.cache.delete(n);
    this.cache.set(n, c);
    return c;
  }

  /**
   * Whether chunk `n` is decoded and here.
   * @param {number} n
   */
  has(n) {
    return this.cache.has(n);
  }

  /**
   * Loads chunk `n` now (ahead of queued prefetches).
   * @param {number} n
   * @returns {Promise<Chunk>}
   */
  load(n) {
    const c = this.cache.get(n);
    if (c) return Promise.resolve(c);
    const running = this.inflight.get(n);
    if (running) return running;
    const p = this.#fetch(n);
    return p;
  }

  /**
   * Says where the playhead is: chunk `n` is needed now, the next `ahead` chunks soon.
   * Queued prefetches that are no longer wanted are dropped (a seek changes everything).
   * @param {number} n
   * @param {number} ahead
   */
  want(n, ahead) {
    this.pinned = new Set([n, n + 1]);
    const wanted = [];
    for (let i = n; i <= Math.min(this.count - 1, n + ahead); i++) {
      if (!this.cache.has(i) && !this.inflight.has(i)) wanted.push(i);
    }
    this.queue = wanted;
    this.#pump();
  }

  /** Stops all further fetching (the session was closed). */
  close() {
    this.closed = true;
    this.queue = [];
    this.cache.clear();
  }

  /** Indices of the chunks in memory. */
  loaded() {
    return [...this.cache.keys()];
  }

  #pump() {
    while (this.inflight.size < this.concurrency && this.queue.length) {
      const n = /** @type {number} */ (this.queue.shift());
      if (this.cache.has(n) || this.inflight.has(n)) continue;
      this.#fetch(n).catch(() => {
        // Recorded in stats; the playhead will ask again.
      });
    }
  }

  /**
   * @param {number} n
   * @returns {Promise<Chunk>}
   */
  #fetch(n) {
    const p = (async () => {
      try {
        const res = await fetchChunk(this.id, n);
        if (!res.ok) throw new Error(`chunk ${n}: HTTP ${res.status}`);
        const buf = await res.arrayBuffer();
        const chunk = decodeChunk(buf, this.drivers);
        this.stats.fetched++;
        this.stats.bytes += buf.byteLength;
        if (!this.closed) {
          this.cache.set(n, chunk);
          this.#evict();
        }
        return chunk;
      } catch (e) {
        this.stats.errors++;
        this.stats.lastError = String(e && e.message ? e.message : e);
        throw e;
      } finally {
        this.inflight.delete(n);
        if (!this.closed) {
          this.#pump();
          if (this.onLoad) this.onLoad();
        }
      }
    })();
    this.inflight.set(n, p);
    return p;
  }

  #evict() {
    for (const k of this.cache.keys()) {
      if (this.cache.size <= this.capacity) break;
      if (this.pinned.has(k)) continue;
      this.cache.delete(k);
    }
  }
}
