// Formatting of times, gaps and codes for display. Pure functions, no DOM.

import { apiUrl } from './api.js';

/** The "no value" marker of i32 chunk columns. */
export const I32_NONE = -2147483648;

/**
 * The code tables of the replay format, from the model (GET /api/codes: replay::codes): this
 * module only adds colours. Loaded once, before any module that reads a code runs.
 */
const CODES = await fetch(apiUrl('/api/codes')).then((r) => {
  if (!r.ok) throw new Error(`GET /api/codes: HTTP ${r.status}`);
  return r.json();
});

/** Compound names by chunk code ('UNKNOWN' for 0). */
export const COMPOUNDS = CODES.compounds.map((c) => c.name);

/** Car state codes of the chunk format as leaderboard labels ('' = nothing to show). */
export const STATE_LABELS = CODES.car_states.map((c) => c.short);

/** Car state codes by upper-case name: STATE.ON_TRACK, STATE.PIT, STATE.RETIRED... */
export const STATE = Object.fromEntries(CODES.car_states.map((c) => [c.name.toUpperCase(), c.code]));

/** Banner colours by track status code (presentation only). */
const TRACK_COLOURS = { 1: null, 2: '#ffd400', 4: '#ff9f1a', 5: '#ff2d2d', 6: '#ff9f1a', 7: '#ffc266' };

/** Track status codes with their banner text, short name and colour. */
export const TRACK_STATUS = Object.fromEntries(
  CODES.track_status.map((c) => [c.code, { label: c.label, short: c.short, colour: TRACK_COLOURS[c.code] ?? null }]),
);

/**
 * A clock reading `H:MM:SS` (or `M:SS` when `short` and under an hour); negative values get a minus.
 * @param {number} s seconds
 * @param {boolean} [short]
 * @returns {string}
 */
export function clock(s, short = false) {
  if (!Number.isFinite(s)) return '–';
  const neg = s < 0;
  let a = Math.floor(Math.abs(s));
  const h = Math.floor(a / 3600);
  a -= h * 3600;
  const m = Math.floor(a / 60);
  const sec = a - m * 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  const body = short && h === 0 ? `${m}:${ss}` : `${h}:${mm}:${ss}`;
  return (neg ? '−' : '') + body;
}

/**
 * A lap or sector time: `1:17.306` or `23.456`.
 * @param {number|null|undefined} s seconds
 * @returns {string}
 */
export function lapTime(s) {
  if (s == null || !Number.isFinite(s)) return '';
  const ms = Math.round(s * 1000);
  const m = Math.floor(ms / 60000);
  const rest = (ms - m * 60000) / 1000;
  return m > 0 ? `${m}:${rest.toFixed(3).padStart(6, '0')}` : rest.toFixed(3);
}

/**
 * A race time: `1:24:25.458` past an hour, else as a lap time.
 * @param {number|null|undefined} s seconds
 * @returns {string}
 */
export function raceTime(s) {
  if (s == null || !Number.isFinite(s)) return '';
  if (s < 3600) return lapTime(s);
  const ms = Math.round(s * 1000);
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms - h * 3600000) / 60000);
  const sec = (ms - h * 3600000 - m * 60000) / 1000;
  return `${h}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}

/**
 * A gap of the chunk format (ms; -N = N laps down; I32_NONE = none) as `+1.234`, `+1 LAP`.
 * @param {number} ms
 * @returns {string}
 */
export function gap(ms) {
  if (ms === I32_NONE || ms == null) return '';
  if (ms < 0) return `+${-ms} LAP${ms < -1 ? 'S' : ''}`;
  if (ms >= 60000) return '+' + lapTime(ms / 1000);
  return '+' + (ms / 1000).toFixed(3);
}

/**
 * A gap in seconds (`gap_s` of the API) in the one gap format of the viewer: `+1.234`, `+1:02.345`.
 * @param {number|null|undefined} s
 * @returns {string}
 */
export function gapS(s) {
  if (s == null || !Number.isFinite(s)) return '';
  // Negative seconds are ahead (ms < 0 means laps down in the chunk format, not here).
  if (s < 0) return '−' + (-s).toFixed(3);
  return gap(Math.round(s * 1000));
}

/**
 * A count of laps in words: `1 lap`, `2 laps`.
 * @param {number} n
 * @returns {string}
 */
export function lapsText(n) {
  return `${n} ${n === 1 ? 'lap' : 'laps'}`;
}

/**
 * A gap in seconds as `+0.123`.
 * @param {number|null} s
 * @returns {string}
 */
export function delta(s) {
  if (s == null || !Number.isFinite(s)) return '';
  return (s >= 0 ? '+' : '−') + Math.abs(s).toFixed(3);
}

/**
 * The time of day at session time `t` (seconds since t0), in the viewer's time zone.
 * @param {string} t0Utc ISO instant of session time 0
 * @param {number} t seconds
 * @returns {string}
 */
export function timeOfDay(t0Utc, t) {
  const base = Date.parse(t0Utc);
  if (!Number.isFinite(base)) return '';
  return new Date(base + t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * Escapes text for HTML.
 * @param {unknown} s
 * @returns {string}
 */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Human names of session kinds by API name (race, sprint_qualifying...), from the model. */
export const KIND_NAMES = Object.fromEntries(CODES.session_kinds.map((c) => [c.name, c.label]));

/**
 * Whether a session ranks by best lap rather than by race distance: the model's answer, from
 * the manifest (`session.ranked_by_best_lap`).
 * @param {any} session the manifest's `session`
 * @returns {boolean}
 */
export function isTimedByBestLap(session) {
  return !!session?.ranked_by_best_lap;
}
