// The position in the replay, kept in the URL hash (`#s=<id>&t=<seconds>&x=<speed>&p=1&d=1,44`)
// so a reload or a shared link resumes there, playing if it was (`p=1`). Opening a session or a
// view adds a history entry, so Back returns to the picker or the viewer.

import { SPEEDS } from './clock.js';

/**
 * The offered speed nearest to `x` (a link cannot ask for a speed the controls do not offer).
 * @param {number} x
 * @returns {number}
 */
export function clampSpeed(x) {
  return SPEEDS.reduce((best, s) => (Math.abs(Math.log(s / x)) < Math.abs(Math.log(best / x)) ? s : best), SPEEDS[0]);
}

/**
 * @typedef {object} UrlState
 * @property {string} [s] session id
 * @property {number} [t] session time, seconds
 * @property {number} [x] playback speed (one of SPEEDS)
 * @property {boolean} [p] playing
 * @property {number[]} [d] selected driver numbers
 * @property {string} [view] 'compare' | 'ghost' | 'story'
 */

/**
 * Reads the hash of `location`.
 * @param {string} [hash]
 * @returns {UrlState}
 */
export function readUrl(hash = location.hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  /** @type {UrlState} */
  const out = {};
  const s = p.get('s');
  if (s && /^[A-Za-z0-9_.~-]{1,200}$/.test(s)) out.s = s;
  const t = Number(p.get('t'));
  if (p.has('t') && Number.isFinite(t)) out.t = t;
  const x = Number(p.get('x'));
  if (p.has('x') && Number.isFinite(x) && x > 0) out.x = clampSpeed(x);
  if (p.get('p') === '1') out.p = true;
  const d = p.get('d');
  if (d) out.d = d.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const view = p.get('view');
  if (view === 'compare' || view === 'ghost' || view === 'story') out.view = view;
  return out;
}

/**
 * The hash string for a state.
 * @param {UrlState} st
 * @returns {string}
 */
export function formatUrl(st) {
  const parts = [];
  if (st.s) parts.push('s=' + st.s);
  if (st.t != null && Number.isFinite(st.t)) parts.push('t=' + (Math.round(st.t * 10) / 10));
  if (st.x != null && st.x !== 1) parts.push('x=' + st.x);
  if (st.p) parts.push('p=1');
  if (st.d && st.d.length) parts.push('d=' + st.d.join(','));
  if (st.view) parts.push('view=' + st.view);
  return '#' + parts.join('&');
}

let lastWritten = '';

/**
 * Replaces the hash without adding a history entry (a playhead moving must not fill the back
 * button), or adds one (`push`: a session or a view opened, so Back leaves it).
 * @param {UrlState} st
 * @param {boolean} [push]
 */
export function writeUrl(st, push = false) {
  const h = formatUrl(st);
  if (!push && h === lastWritten && h === location.hash) return;
  lastWritten = h;
  if (push) history.pushState(null, '', h);
  else history.replaceState(null, '', h);
}
