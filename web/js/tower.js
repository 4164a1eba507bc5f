// The timing tower's extra columns (shown when the screen is wide enough): the last lap, the
// three sectors of the running lap (the previous lap's where the running lap has not reached
// them yet, dimmed) with the mini-sector strip under them, the tyre history, the last stop's
// time in the pit lane, and DRS range (races) or the running lap's delta (qualifying,
// practice). Colours are the model's marks (GET /sectors, timing::bests) at the playhead:
// purple = overall best, green = personal best, yellow = a time that is neither; the strip is
// the timing's own segment statuses (GET /segments); DRS range is GET /drs (timing::drs) and
// the delta GET /lap-deltas (timing::delta), only interpolated here at the playhead. The stints
// are GET /stints and the stops GET /pit-stops (timing's rules). Nothing is decided here.

import { esc, lapTime, lapsText } from './format.js';

/** Mark class → the tower's colour class. */
const COLOUR = { ob: 'ob', pb: 'pb', '': 'yl' };

/** The cells a row gets (one grid column holding its own small grid). */
export const TOWER_CELLS =
  '<span class="tw"><span class="tw-last"></span><span class="tw-s"></span><span class="tw-s"></span><span class="tw-s"></span><span class="tw-tyres"></span><span class="tw-pit"></span><span class="tw-x"></span><span class="tw-mini" aria-hidden="true"></span></span>';

/** Header of the extra columns. */
export const TOWER_HEAD = '<span class="tw"><span class="tw-last">Last</span><span class="tw-s">S1</span><span class="tw-s">S2</span><span class="tw-s">S3</span><span class="tw-tyres">Tyres</span><span class="tw-pit" title="Time in the pit lane at the last stop, s">Lane</span><span class="tw-x" title="Races: DRS when within 1 s of the car ahead at the line with DRS enabled. Qualifying and practice: the running lap\'s delta to the car\'s best lap at the same distance, s">DRS/Δ</span></span>';

/**
 * What the tower shows of one car at session time t, from the laps, their marks and the stints.
 */
export class TowerTimes {
  /**
   * @param {import('./laps.js').LapsModel} laps with its marks set
   * @param {any[]} marks GET /sectors rows
   * @param {any[]} stints GET /stints rows
   * @param {any[]} pitStops GET /pit-stops rows
   * @param {{segments?: any[], drs?: any[], deltas?: any[]}} extra GET /segments, /drs and /lap-deltas
   */
  constructor(laps, marks, stints, pitStops, extra = {}) {
    this.laps = laps;
    /** @type {Map<number, any[]>} each driver's marked laps, by lap number */
    this.marks = new Map();
    for (const r of marks || []) {
      if (!this.marks.has(r.driver)) this.marks.set(r.driver, []);
      /** @type {any[]} */ (this.marks.get(r.driver)).push(r);
    }
    for (const list of this.marks.values()) list.sort((a, b) => a.lap - b.lap);
    /** @type {Map<number, any[]>} */
    this.stints = new Map();
    for (const s of stints || []) {
      if (!this.stints.has(s.driver)) this.stints.set(s.driver, []);
      /** @type {any[]} */ (this.stints.get(s.driver)).push(s);
    }
    for (const list of this.stints.values()) list.sort((a, b) => a.stint - b.stint);
    /** @type {Map<number, any[]>} */
    this.stops = new Map();
    for (const p of pitStops || []) {
      if (!this.stops.has(p.driver)) this.stops.set(p.driver, []);
      /** @type {any[]} */ (this.stops.get(p.driver)).push(p);
    }
    for (const list of this.stops.values()) list.sort((a, b) => a.pit_in_s - b.pit_in_s);
    this.segments = byDriver(extra.segments, (r) => r.t_s);
    /** @type {Map<number, {t: number, i: number, gen: number, strip: string[][]}>} each car's strip as last folded */
    this.folds = new Map();
    this.drsRows = byDriver(extra.drs, (r) => r.t_s);
    this.deltas = byDriver(extra.deltas, (r) => r.t_s[0]);
  }

  /**
   * The mini-sector strip at t: per sector, each segment's status name (GET /segments folded
   * up to t; the timing clears a lap's segments as the next begins).
   * @param {number} driver
   * @param {number} t seconds
   * @returns {string[][]}
   */
  strip(driver, t) {
    return this.fold(driver, t).strip;
  }

  /**
   * The strip's fold at t: the strip, how many rows it has taken (`i`) and a number that
   * changes when it starts again after a seek back (`gen`): together they say whether it changed.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {{t: number, i: number, gen: number, strip: string[][]}}
   */
  fold(driver, t) {
    const rows = this.segments.get(driver) || [];
    // Folded on from the last call while the clock runs forward; from the start after a seek back.
    let f = this.folds.get(driver);
    if (!f || t < f.t) f = { t, i: 0, gen: (f ? f.gen : 0) + 1, strip: [[], [], []] };
    for (; f.i < rows.length && rows[f.i].t_s <= t; f.i++) {
      const r = rows[f.i];
      const sector = f.strip[Math.min(r.sector, 2)];
      while (sector.length <= r.segment) sector.push('none');
      sector[r.segment] = r.status;
    }
    f.t = t;
    this.folds.set(driver, f);
    return f;
  }

  /**
   * Whether the car is within DRS range at t (its last crossing's judgement, GET /drs).
   * @param {number} driver
   * @param {number} t seconds
   */
  withinDrs(driver, t) {
    let last = null;
    for (const r of this.drsRows.get(driver) || []) {
      if (r.t_s > t) break;
      last = r;
    }
    return !!(last && last.within);
  }

  /**
   * The running lap's delta to the best at t (GET /lap-deltas, interpolated), or null when the
   * car is on no lap with one.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {number|null}
   */
  delta(driver, t) {
    for (const d of this.deltas.get(driver) || []) {
      const ts = d.t_s;
      if (t < ts[0] || t > ts[ts.length - 1]) continue;
      let i = 1;
      while (i < ts.length - 1 && ts[i] < t) i++;
      const [a, b] = [ts[i - 1], ts[i]];
      const f = b > a ? Math.min(1, Math.max(0, (t - a) / (b - a))) : 1;
      return d.delta_s[i - 1] + (d.delta_s[i] - d.delta_s[i - 1]) * f;
    }
    return null;
  }

  /**
   * The last stop whose pit exit had happened by t (the model's pit lane time), or null.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {{lap: number, pitLaneS: number}|null}
   */
  lastStop(driver, t) {
    let last = null;
    for (const p of this.stops.get(driver) || []) {
      if (p.pit_out_s != null && p.pit_out_s <= t && p.pit_lane_s != null) last = { lap: p.lap, pitLaneS: p.pit_lane_s };
    }
    return last;
  }

  /**
   * The last lap completed by t: its time (null: not timed) and colour class.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {{lap: number, time: number|null, cls: string}|null}
   */
  lastLap(driver, t) {
    const r = this.laps.last(driver, t);
    if (!r) return null;
    const cls = r.deleted ? 'del' : r.lapTime == null ? '' : COLOUR[this.laps.markClass(driver, r.lap, 'lap', t)];
    return { lap: r.lap, time: r.lapTime, cls };
  }

  /**
   * The three sector cells at t: the running lap's sectors set so far, the previous lap's
   * (`prev`) for the others; once a lap is complete its three sectors stand until the next
   * lap's first sector is set.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {({lap: number, ms: number, cls: string, prev: boolean}|null)[]}
   */
  sectors(driver, t) {
    const ms = t * 1000;
    const list = this.marks.get(driver) || [];
    const set = (m) => m && m.set_ms <= ms;
    let i = list.length - 1;
    while (i >= 0 && !(set(list[i].lap_time) || list[i].sectors.some(set))) i--;
    if (i < 0) return [null, null, null];
    const cur = list[i];
    const done = set(cur.lap_time) || set(cur.sectors[2]);
    const prev = !done && i > 0 && list[i - 1].lap === cur.lap - 1 ? list[i - 1] : null;
    return [0, 1, 2].map((k) => {
      if (set(cur.sectors[k])) return this.#cell(driver, cur, k, t, false);
      if (prev && set(prev.sectors[k])) return this.#cell(driver, prev, k, t, true);
      return null;
    });
  }

  /**
   * @param {number} driver
   * @param {any} row a /sectors row
   * @param {number} k sector index
   * @param {number} t
   * @param {boolean} prev
   */
  #cell(driver, row, k, t, prev) {
    return { lap: row.lap, ms: row.sectors[k].time_ms, cls: COLOUR[this.laps.markClass(driver, row.lap, k, t)], prev };
  }

  /**
   * The stints begun by the car's current lap: compound and laps on that set (the running
   * stint's age is the frame's tyre age).
   * @param {number} driver
   * @param {number} lap the car's current lap (0 unknown)
   * @returns {{compound: string, laps: number, current: boolean}[]}
   */
  tyres(driver, lap) {
    const all = (this.stints.get(driver) || []).filter((s) => lap > 0 && s.first_lap <= lap);
    return all.map((s, i) => ({ compound: String(s.compound || 'UNKNOWN'), laps: s.laps, current: i === all.length - 1 }));
  }
}

/**
 * Fills a row's tower cells (only what changed, through the row's cache).
 * @param {any} row the leaderboard's row record
 * @param {TowerTimes} tower
 * @param {any} car the snapshot's car
 * @param {number} t seconds
 */
export function fillTower(row, tower, car, t) {
  if (!row.tw) {
    const tw = row.el.querySelector('.tw');
    row.tw = {
      last: tw.querySelector('.tw-last'),
      s: [...tw.querySelectorAll('.tw-s')],
      tyres: tw.querySelector('.tw-tyres'),
      pit: tw.querySelector('.tw-pit'),
      x: tw.querySelector('.tw-x'),
      mini: tw.querySelector('.tw-mini'),
    };
  }
  const c = row.cache;
  const put = (key, el, html, cls) => {
    if (c[key] !== html + cls) {
      c[key] = html + cls;
      el.innerHTML = html;
      el.className = cls;
    }
  };
  const last = tower.lastLap(car.number, t);
  put('twl', row.tw.last, last ? (last.time == null ? '–' : lapTime(last.time)) : '', `tw-last ${last ? last.cls : ''}`);
  tower.sectors(car.number, t).forEach((s, k) => {
    put(`tws${k}`, row.tw.s[k], s ? (s.ms / 1000).toFixed(3) : '', s ? `tw-s ${s.prev ? 'prev' : s.cls}` : 'tw-s');
  });
  const tyres = tower.tyres(car.number, car.lap);
  // The last three sets fit; the count of earlier ones is shown before them.
  const earlier = tyres.length > 3 ? `<b>+${tyres.length - 3}</b>` : '';
  const html = earlier + tyres.slice(-3)
    .map((s) => `<i class="tyre ${esc(s.compound)}${s.current ? ' now' : ''}" title="${esc(s.compound)}, ${lapsText(s.current ? car.tyreAge : s.laps)}">${esc(s.compound[0])}</i>${s.current ? '' : `<b>${s.laps}</b>`}`)
    .join('');
  put('twt', row.tw.tyres, html, 'tw-tyres');
  const stop = tower.lastStop(car.number, t);
  put('twp', row.tw.pit, stop ? stop.pitLaneS.toFixed(1) : '', 'tw-pit');
  const delta = tower.delta(car.number, t);
  if (delta != null) put('twx', row.tw.x, `${delta < 0 ? '−' : '+'}${Math.abs(delta).toFixed(2)}`, `tw-x ${delta < 0 ? 'faster' : 'slower'}`);
  else if (tower.withinDrs(car.number, t)) put('twx', row.tw.x, 'DRS', 'tw-x in-drs');
  else put('twx', row.tw.x, '', 'tw-x');
  const f = tower.fold(car.number, t);
  if (c.twmAt !== f.i || c.twmGen !== f.gen) {
    c.twmAt = f.i;
    c.twmGen = f.gen;
    drawStrip(row.tw.mini, f.strip);
  }
}

/**
 * Draws a strip into its element: new segment elements only when the shape changed, else each
 * segment's class.
 * @param {HTMLElement} el
 * @param {string[][]} strip per sector, each segment's status name
 */
function drawStrip(el, strip) {
  const key = strip.map((s) => s.join(',')).join('|');
  if (el.dataset.strip === key) return;
  const shape = strip.map((s) => s.length).join(',');
  el.dataset.strip = key;
  if (el.dataset.shape !== shape) {
    el.dataset.shape = shape;
    el.innerHTML = strip.map((s) => `<span>${s.map((st) => `<i class="sg-${st}"></i>`).join('')}</span>`).join('');
    return;
  }
  const cells = el.querySelectorAll('i');
  let k = 0;
  for (const s of strip) {
    for (const st of s) {
      const cls = `sg-${st}`;
      if (cells[k].className !== cls) cells[k].className = cls;
      k++;
    }
  }
}

/**
 * Rows grouped by their `driver`, each group sorted by `key`.
 * @param {any[]|undefined} rows
 * @param {(r: any) => number} key
 * @returns {Map<number, any[]>}
 */
function byDriver(rows, key) {
  /** @type {Map<number, any[]>} */
  const out = new Map();
  for (const r of rows || []) {
    if (!out.has(r.driver)) out.set(r.driver, []);
    /** @type {any[]} */ (out.get(r.driver)).push(r);
  }
  for (const list of out.values()) list.sort((a, b) => key(a) - key(b));
  return out;
}

/** Badge text of a race control mark kind (timing::stewards); kinds that clear a car show none. */
const MARK_BADGE = { lap_deleted: 'DEL', noted: 'NOTED', under_investigation: 'INV', penalty: 'PEN' };

/**
 * Race control's marks on cars (GET /car-marks): the latest one of a car at time t is shown
 * beside its name (a "no further action", a reinstated lap or a served penalty clears it).
 */
export class CarMarks {
  /** @param {any[]} rows GET /car-marks */
  constructor(rows) {
    /** @type {Map<number, any[]>} each car's marks in time order */
    this.byCar = new Map();
    for (const r of rows || []) {
      if (!this.byCar.has(r.driver)) this.byCar.set(r.driver, []);
      /** @type {any[]} */ (this.byCar.get(r.driver)).push(r);
    }
    for (const list of this.byCar.values()) list.sort((a, b) => a.t_s - b.t_s);
  }

  /**
   * The badge of a car at t: its latest mark's short text and message, or null.
   * @param {number} driver
   * @param {number} t seconds
   * @returns {{text: string, kind: string, message: string}|null}
   */
  at(driver, t) {
    let last = null;
    for (const r of this.byCar.get(driver) || []) {
      if (r.t_s > t) break;
      last = r;
    }
    const text = last && MARK_BADGE[last.kind];
    return text ? { text, kind: last.kind, message: last.message } : null;
  }
}
