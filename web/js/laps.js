// The laps table (GET /api/sessions/{id}/laps, FastF1's columns, times in seconds) as a small
// model answering "what was known at session time t": each driver's last lap; the fastest lap
// and each driver's best, and the colours of lap and sector times, come from the model's marks
// (GET /sectors, setMarks; in qualifying the model starts each part with no best). Everything
// is filtered by the time the lap ended, so nothing is shown before it happened.

/**
 * @typedef {object} LapRow
 * @property {number} driver
 * @property {string} tla
 * @property {number} lap
 * @property {number|null} lapTime
 * @property {(number|null)[]} sectors  [s1, s2, s3]
 * @property {number|null} time  session time at the end of the lap
 * @property {number|null} start session time at the start of the lap
 * @property {boolean} deleted
 * @property {string|null} compound
 * @property {number|null} tyreLife
 * @property {number|null} pitIn
 * @property {number|null} pitOut
 */

/**
 * Rows from either an array of objects or an object of columns.
 * @param {any} data
 * @returns {Record<string, any>[]}
 */
function rowsOf(data) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.laps)) return data.laps;
  if (data && typeof data === 'object') {
    const cols = Object.keys(data);
    const n = cols.length ? (data[cols[0]] || []).length : 0;
    const out = [];
    for (let i = 0; i < n; i++) {
      const r = {};
      for (const c of cols) r[c] = data[c][i];
      out.push(r);
    }
    return out;
  }
  return [];
}

/** @param {any} v */
function num(v) {
  if (v == null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** @param {any} v */
function bool(v) {
  return v === true || v === 'True' || v === 'true' || v === 1;
}

/** The laps of a session. */
export class LapsModel {
  /** @param {any} data the laps endpoint's JSON */
  constructor(data) {
    /** @type {LapRow[]} */
    this.rows = rowsOf(data).map((r) => ({
      driver: num(r.DriverNumber ?? r.driver_number ?? r.driver) ?? 0,
      tla: String(r.Driver ?? r.tla ?? ''),
      lap: num(r.LapNumber ?? r.lap) ?? 0,
      lapTime: num(r.LapTime ?? r.lap_time_s),
      sectors: [num(r.Sector1Time), num(r.Sector2Time), num(r.Sector3Time)],
      time: num(r.Time ?? r.time_s),
      start: num(r.LapStartTime),
      deleted: bool(r.Deleted),
      compound: r.Compound ? String(r.Compound) : null,
      tyreLife: num(r.TyreLife),
      pitIn: num(r.PitInTime),
      pitOut: num(r.PitOutTime),
    }));
    this.rows.sort((a, b) => (a.time ?? Infinity) - (b.time ?? Infinity));
    /** @type {Map<number, LapRow[]>} */
    this.byDriver = new Map();
    for (const r of this.rows) {
      if (!this.byDriver.has(r.driver)) this.byDriver.set(r.driver, []);
      /** @type {LapRow[]} */ (this.byDriver.get(r.driver)).push(r);
    }
    for (const list of this.byDriver.values()) list.sort((a, b) => a.lap - b.lap);
  }

  /**
   * Whether a lap counts for best times (timed, not deleted).
   * @param {LapRow} r
   */
  static valid(r) {
    return r.lapTime != null && r.lapTime > 0 && !r.deleted;
  }

  /**
   * The fastest lap as the model marks it at t (in qualifying, of the part running at t: the
   * model's marks start each part afresh).
   * @param {number} t
   * @returns {LapRow|null}
   */
  fastest(t) {
    return this.marks ? this.#marked(t, 'ob', this.rows) : null;
  }

  /**
   * A driver's best lap as the model marks it at t (in qualifying, within the part running at
   * t: the tower's Best column).
   * @param {number} driver
   * @param {number} t
   * @returns {LapRow|null}
   */
  best(driver, t) {
    return this.marks ? this.#marked(t, 'pb', this.byDriver.get(driver) || []) : null;
  }

  /**
   * A driver's best lap of the whole session by t: the fastest of the laps the model marked as
   * the driver's best when set (in qualifying, the fastest of the part bests).
   * @param {number} driver
   * @param {number} t
   * @returns {LapRow|null}
   */
  sessionBest(driver, t) {
    let best = null;
    for (const r of this.byDriver.get(driver) || []) {
      const m = this.marks && this.marks.get(`${driver}:${r.lap}`);
      if (r.time == null || r.time > t || r.lapTime == null || !m?.lap_time?.personal_best) continue;
      // A deleted lap counts only until the timing dropped it (the end of its reign).
      const until = m.lap_time.personal_best_until_ms;
      if (m.deleted && until != null && until <= t * 1000) continue;
      if (!best || r.lapTime < /** @type {number} */ (best.lapTime)) best = r;
    }
    return best;
  }

  /**
   * A driver's last lap completed by t (timed or not).
   * @param {number} driver
   * @param {number} t
   * @returns {LapRow|null}
   */
  last(driver, t) {
    let last = null;
    for (const r of this.byDriver.get(driver) || []) {
      if (r.time != null && r.time <= t) last = r;
    }
    return last;
  }

  /**
   * The lap of `rows` whose time is marked at t as the overall best (`which` 'ob') or as its
   * driver's best ('pb': an overall best is its driver's best too), by the model's marks.
   * @param {number} t
   * @param {'ob'|'pb'} which
   * @param {LapRow[]} rows
   * @returns {LapRow|null}
   */
  #marked(t, which, rows) {
    // Both lists run in the order the laps ended: nothing after t can hold a mark at t.
    for (const r of rows) {
      if (r.time == null) continue;
      if (r.time > t) break;
      const c = this.markClass(r.driver, r.lap, 'lap', t);
      if (c === 'ob' || (which === 'pb' && c === 'pb')) return r;
    }
    return null;
  }

  /**
   * Takes the best marks of GET /sectors (the model's rule, timing::bests): for each lap, its
   * time and sectors with when they were a personal or overall best.
   * @param {any[]} rows
   */
  setMarks(rows) {
    /** @type {Map<string, any>} */
    this.marks = new Map();
    for (const r of rows || []) this.marks.set(`${r.driver}:${r.lap}`, r);
  }

  /**
   * How a lap's time (`slot` 'lap') or sector (`slot` 0-2) is shown at session time t: 'ob'
   * (overall best), 'pb' (personal best) or ''. Presents the model's marks; decides nothing.
   * @param {number} driver
   * @param {number} lap
   * @param {number|'lap'} slot
   * @param {number} t seconds
   */
  markClass(driver, lap, slot, t) {
    const r = this.marks && this.marks.get(`${driver}:${lap}`);
    const m = r && (slot === 'lap' ? r.lap_time : r.sectors[slot]);
    if (!m) return '';
    const ms = t * 1000;
    // The model's reigns (timing::bests::MarkedTime): from when set, and again where restored.
    const within = (from, until) => from <= ms && (until == null || ms < until);
    const holds = (flag, until, again) =>
      (flag && within(m.set_ms, until)) || (again != null && within(again.from_ms, again.until_ms));
    if (holds(m.overall_best, m.overall_best_until_ms, m.overall_best_restored)) return 'ob';
    if (holds(m.personal_best, m.personal_best_until_ms, m.personal_best_restored)) return 'pb';
    return '';
  }

  /** The last lap's end time: after it, nothing in this table is a spoiler any more. */
  get lastTime() {
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i].time != null) return this.rows[i].time;
    return null;
  }
}
