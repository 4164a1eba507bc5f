// A lap's telemetry (GET /telemetry, by distance) as a time-at-distance profile that starts at
// the line at t = 0 and ends at the line at the official lap time. Comparing laps by fraction
// of their own length keeps the delta exact at the finish: it ends at the lap time difference.

import { interp } from './charts.js';

/**
 * @typedef {object} LapProfile
 * @property {number} lapTime official lap time (s)
 * @property {number} length lap length along this car's line (m)
 * @property {Float64Array} d distance (m), increasing, 0 … length
 * @property {Float64Array} t time since the line (s), 0 … lapTime
 * @property {Float64Array} u fraction of the lap, 0 … 1
 * @property {number[]} idx telemetry sample index of each point (-1 for the added line points)
 * @property {any} tel the raw telemetry
 * @property {number[]} sectorDistances sector 1/2 and 2/3 boundaries (m)
 */

/**
 * Builds a lap profile.
 * @param {any} tel telemetry JSON
 * @param {number|null} [officialLapTime] from the laps table, preferred over tel.lap_time_s
 * @returns {LapProfile}
 */
export function lapProfile(tel, officialLapTime) {
  const dist = tel.distance_m || [];
  const ts = tel.t_s || [];
  const sp = tel.speed || [];
  let lapTime = Number(officialLapTime ?? tel.lap_time_s);
  if (!Number.isFinite(lapTime) || lapTime <= 0) lapTime = ts.length ? ts[ts.length - 1] : 0;
  const d = [];
  const t = [];
  const idx = [];
  for (let i = 0; i < dist.length; i++) {
    const di = Number(dist[i]);
    const ti = Number(ts[i]);
    if (!Number.isFinite(di) || !Number.isFinite(ti) || di < 0 || ti < 0 || ti >= lapTime) continue;
    if (d.length && (di < d[d.length - 1] || ti <= t[t.length - 1])) continue;
    d.push(di);
    t.push(ti);
    idx.push(i);
  }
  if (!d.length || d[0] > 0) {
    d.unshift(0);
    t.unshift(0);
    idx.unshift(-1);
  }
  // Extend to the line at the official lap time with the last speed.
  const lastD = d[d.length - 1];
  const lastT = t[t.length - 1];
  const lastIdx = idx[idx.length - 1];
  const v = Math.max(5, (lastIdx >= 0 ? Number(sp[lastIdx]) : 100) / 3.6);
  const length = lastD + Math.max(0, lapTime - lastT) * v;
  if (lapTime > lastT) {
    d.push(length);
    t.push(lapTime);
    idx.push(-1);
  }
  const L = Math.max(1, d[d.length - 1]);
  return {
    lapTime,
    length: L,
    d: Float64Array.from(d),
    t: Float64Array.from(t),
    u: Float64Array.from(d, (x) => x / L),
    idx,
    tel,
    sectorDistances: (tel.sector_distances_m || []).map(Number).filter(Number.isFinite),
  };
}

/**
 * Time (s since the line) at a fraction of the lap.
 * @param {LapProfile} p
 * @param {number} u
 */
export function timeAt(p, u) {
  return interp(p.u, p.t, u);
}

/**
 * Fraction of the lap done at time t (s since the line).
 * @param {LapProfile} p
 * @param {number} t
 */
export function fractionAt(p, t) {
  return interp(p.t, p.u, t);
}

/**
 * Position (m) on the map at a fraction of the lap, from the telemetry's x/y.
 * @param {LapProfile} p
 * @param {number} u
 * @returns {[number, number]|null}
 */
export function positionAt(p, u) {
  const xs = p.tel.x || [];
  const ys = p.tel.y || [];
  if (!xs.length) return null;
  // Samples with a position, by fraction (computed once per profile).
  if (!(/** @type {any} */ (p).xyU)) {
    const uu = [];
    const xx = [];
    const yy = [];
    p.idx.forEach((i, k) => {
      // Missing positions may come as null or as a sentinel far off the map.
      if (i < 0 || xs[i] == null || ys[i] == null || !(Math.abs(Number(xs[i])) < 1e6) || !(Math.abs(Number(ys[i])) < 1e6)) return;
      uu.push(p.u[k]);
      xx.push(Number(xs[i]));
      yy.push(Number(ys[i]));
    });
    /** @type {any} */ (p).xyU = { u: uu, x: xx, y: yy };
  }
  const q = /** @type {any} */ (p).xyU;
  if (!q.u.length) return null;
  return [interp(q.u, q.x, u), interp(q.u, q.y, u)];
}

/**
 * A telemetry channel at the profile's points (NaN where the point was added).
 * @param {LapProfile} p
 * @param {string} name
 * @returns {number[]}
 */
export function channel(p, name) {
  const src = p.tel[name] || [];
  return p.idx.map((i) => (i >= 0 && src[i] != null ? Number(src[i]) : NaN));
}
