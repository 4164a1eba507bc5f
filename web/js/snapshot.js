// The state of the session at one instant, read from the decoded chunks: discrete values
// (position, lap, tyre, state, ...) step at frame boundaries, car x/y are linear between the
// two frames around the instant, so cars move at the display's refresh rate.

import { I32_NONE } from './format.js';

/** Two positions further apart than this (metres) in one frame are a jump, not motion. */
const MAX_STEP_M = 150;

/**
 * @typedef {object} CarState
 * @property {number} index  driver index in manifest order
 * @property {number} number
 * @property {number|null} x metres, interpolated (null: no position)
 * @property {number|null} y
 * @property {number} position 0 = none
 * @property {number} progress
 * @property {number} gap ms (see format.gap)
 * @property {number} interval
 * @property {number} speed
 * @property {number} rpm
 * @property {number} lap
 * @property {number} gear
 * @property {number} throttle
 * @property {number} brake
 * @property {number} drs
 * @property {number} compound
 * @property {number} tyreAge
 * @property {number} pitStops
 * @property {number} state
 */

/**
 * @typedef {object} Snapshot
 * @property {number} t session time (s)
 * @property {number} frame the frame at or before t
 * @property {number} trackStatus
 * @property {number} sessionStatus
 * @property {number} leaderLap
 * @property {number} rcmCount
 * @property {number} weatherIndex
 * @property {CarState[]} cars in manifest order
 * @property {number[]} order driver indices in running order
 */

/** Reads snapshots from a ChunkStore; reuses its objects to keep the animation loop allocation-free. */
export class Sampler {
  /**
   * @param {any} manifest
   * @param {import('./chunks.js').ChunkStore} store
   */
  constructor(manifest, store) {
    this.m = manifest;
    this.store = store;
    this.frameS = manifest.frame_ms / 1000;
    this.tStart = manifest.t_start_s;
    this.frameCount = manifest.frame_count;
    /** @type {Snapshot} */
    this.snap = {
      t: 0, frame: 0, trackStatus: 1, sessionStatus: 0, leaderLap: 0, rcmCount: 0, weatherIndex: 65535,
      cars: manifest.drivers.map((d, i) => ({
        index: i, number: d.number, x: null, y: null, position: 0, progress: 0, gap: I32_NONE, interval: I32_NONE,
        speed: 0, rpm: 0, lap: 0, gear: 0, throttle: 0, brake: 0, drs: 0, compound: 0, tyreAge: 0, pitStops: 0, state: 0,
      })),
      order: manifest.drivers.map((_, i) => i),
    };
  }

  /** The last session time with a frame. */
  get tEnd() {
    return this.tStart + (this.frameCount - 1) * this.frameS;
  }

  /**
   * The frame index (fractional) of session time t.
   * @param {number} t
   */
  frameOf(t) {
    return (t - this.tStart) / this.frameS;
  }

  /**
   * The session time of frame k.
   * @param {number} k
   */
  timeOf(k) {
    return this.tStart + k * this.frameS;
  }

  /**
   * The snapshot at t, or null when its chunk is not loaded yet.
   * @param {number} t
   * @returns {Snapshot|null}
   */
  at(t) {
    const f = Math.min(this.frameCount - 1, Math.max(0, this.frameOf(t)));
    // The epsilon keeps t = timeOf(k) on frame k despite floating point.
    let k = Math.floor(f + 1e-6);
    if (k > this.frameCount - 1) k = this.frameCount - 1;
    const a = Math.max(0, f - k);
    const n = this.store.indexOfFrame(k);
    const c = this.store.get(n);
    if (!c) return null;
    const i = k - c.firstFrame;
    // The next frame, possibly in the next chunk, for interpolation.
    let c2 = c;
    let i2 = i + 1;
    if (i2 >= c.frames) {
      c2 = k + 1 < this.frameCount ? this.store.get(n + 1) : null;
      i2 = 0;
    }
    const s = this.snap;
    s.t = t;
    s.frame = k;
    s.trackStatus = c.trackStatus[i];
    s.sessionStatus = c.sessionStatus[i];
    s.leaderLap = c.leaderLap[i];
    s.rcmCount = c.rcmCount[i];
    s.weatherIndex = c.weatherIndex[i];
    const F = c.frames;
    for (const car of s.cars) {
      const j = car.index * F + i;
      const x0 = c.x[j];
      const y0 = c.y[j];
      if (x0 === I32_NONE || y0 === I32_NONE) {
        car.x = null;
        car.y = null;
      } else {
        let x = x0 / 10;
        let y = y0 / 10;
        if (c2 && a > 0) {
          const j2 = car.index * c2.frames + i2;
          const x1 = c2.x[j2];
          const y1 = c2.y[j2];
          if (x1 !== I32_NONE && y1 !== I32_NONE) {
            const dx = (x1 - x0) / 10;
            const dy = (y1 - y0) / 10;
            if (dx * dx + dy * dy < MAX_STEP_M * MAX_STEP_M) {
              x += dx * a;
              y += dy * a;
            }
          }
        }
        car.x = x;
        car.y = y;
      }
      car.position = c.position[j];
      car.progress = c.progress[j];
      car.gap = c.gap[j];
      car.interval = c.interval[j];
      car.speed = c.speed[j];
      car.rpm = c.rpm[j];
      car.lap = c.lap[j];
      car.gear = c.gear[j];
      car.throttle = c.throttle[j];
      car.brake = c.brake[j];
      car.drs = c.drs[j];
      car.compound = c.compound[j];
      car.tyreAge = c.tyreAge[j];
      car.pitStops = c.pitStops[j];
      car.state = c.state[j];
    }
    s.order.sort((p, q) => rank(s.cars[p]) - rank(s.cars[q]) || s.cars[q].progress - s.cars[p].progress || p - q);
    return s;
  }

  /**
   * Reads one per-driver value at frame k without building a snapshot (for charts, grid order).
   * @param {string} column a Chunk column name, e.g. 'speed'
   * @param {number} driverIndex
   * @param {number} k
   * @returns {number|null} null when the chunk is not loaded
   */
  value(column, driverIndex, k) {
    const c = this.store.get(this.store.indexOfFrame(k));
    if (!c) return null;
    return /** @type {any} */ (c)[column][driverIndex * c.frames + (k - c.firstFrame)];
  }
}

/**
 * Sort key: the replay's position; cars without one go after, by progress.
 * @param {CarState} car
 */
function rank(car) {
  return car.position > 0 ? car.position : 1000;
}
