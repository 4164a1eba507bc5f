// The playback clock. The browser owns it: session time is a linear function of
// performance.now() between user actions, so every animation frame reads the exact time
// (no chasing a target, no drift) and cars are interpolated to it.

/** Playback speeds offered, in order (number keys 1..9). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

/** A session-time clock anchored to the page's monotonic clock. */
export class PlaybackClock {
  /**
   * @param {number} tMin first session time (s)
   * @param {number} tMax last session time (s)
   */
  constructor(tMin, tMax) {
    this.tMin = tMin;
    this.tMax = tMax;
    this.speed = 1;
    this.playing = false;
    this.anchorT = tMin;
    this.anchorWall = performance.now();
    /** @type {(() => void)|null} called once when playback reaches the end */
    this.onEnd = null;
  }

  /**
   * Session time at wall time `now` (ms, performance.now() scale).
   * @param {number} [now]
   * @returns {number}
   */
  time(now = performance.now()) {
    if (!this.playing) return this.anchorT;
    const t = this.anchorT + ((now - this.anchorWall) / 1000) * this.speed;
    if (t >= this.tMax) {
      this.anchorT = this.tMax;
      this.anchorWall = now;
      this.playing = false;
      if (this.onEnd) this.onEnd();
      return this.tMax;
    }
    return Math.max(this.tMin, t);
  }

  /** @param {number} [now] */
  play(now = performance.now()) {
    if (this.playing) return;
    if (this.anchorT >= this.tMax) this.anchorT = this.tMin;
    this.anchorWall = now;
    this.playing = true;
  }

  /** @param {number} [now] */
  pause(now = performance.now()) {
    if (!this.playing) return;
    this.anchorT = this.time(now);
    this.anchorWall = now;
    this.playing = false;
  }

  /**
   * Moves the playhead; playing stays as it was.
   * @param {number} t session time (s)
   * @param {number} [now]
   */
  seek(t, now = performance.now()) {
    this.anchorT = Math.min(this.tMax, Math.max(this.tMin, t));
    this.anchorWall = now;
  }

  /**
   * Changes the speed without a jump of the playhead.
   * @param {number} speed
   * @param {number} [now]
   */
  setSpeed(speed, now = performance.now()) {
    this.anchorT = this.time(now);
    this.anchorWall = now;
    this.speed = speed;
  }

  /**
   * Holds the playhead at `t` while data is missing (re-anchors so time does not run on).
   * @param {number} t
   * @param {number} now
   */
  hold(t, now) {
    this.anchorT = t;
    this.anchorWall = now;
  }
}
