// The position in the replay, kept in the URL hash (`#s=<id>&t=<seconds>&x=<speed>&d=1,44`)
// so a reload or a shared link resumes there.

/**
 * @typedef {object} UrlState
 * @property {string} [s] session id
 * @property {number} [t] session time, seconds
 * @property {number} [x] playback speed
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
  if (p.has('x') && Number.isFinite(x) && x > 0) out.x = x;
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
  if (st.d && st.d.length) parts.push('d=' + st.d.join(','));
  if (st.view) parts.push('view=' + st.view);
  return '#' + parts.join('&');
}

let lastWritten = '';

/**
 * Replaces the hash without adding a history entry (a playhead moving must not fill the back button).
 * @param {UrlState} st
 */
export function writeUrl(st) {
  const h = formatUrl(st);
  if (h === lastWritten && h === location.hash) return;
  lastWritten = h;
  history.replaceState(null, '', h);
}
