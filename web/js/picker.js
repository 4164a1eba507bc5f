// The session picker: seasons → events → sessions, the simulated demo always first; shows the
// build progress of the chosen session and errors in plain words.

import * as api from './api.js';
import { KIND_NAMES, esc } from './format.js';

const STAGE_NAMES = {
  fetch: 'Downloading the live-timing files',
  download: 'Downloading the live-timing files',
  decode: 'Decoding the feed',
  model: 'Working out laps, stints and telemetry',
  timing: 'Working out laps, stints and telemetry',
  replay: 'Building the replay',
  build: 'Building the replay',
  write: 'Saving the replay',
  queued: 'Waiting for another build',
  open: 'Opening the replay',
  simulate: 'Simulating the session',
  geometry: 'Tracing the circuit',
  cars: 'Placing every car on the timeline',
  standings: 'Working out standings and gaps',
  chunks: 'Packing the replay',
  manifest: 'Packing the replay',
  done: 'Ready',
};

/**
 * What a listed session has and whether it is cached, as the server's typed fields say
 * (`coverage`, `cached`, `reason`): small marks under its name.
 * @param {{available?: boolean, reason?: string|null, cached?: boolean, coverage?: {positions: boolean, car_telemetry: boolean, timing: boolean}|null}} s
 * @returns {string}
 */
function marks(s) {
  const out = [];
  const c = s.coverage;
  if (s.available === false) out.push(`<i class="mark off">${esc(s.reason || 'unavailable')}</i>`);
  else if (!c) out.push('<i class="mark" title="What the data has is known once it is downloaded">not downloaded</i>');
  else if (!c.positions && !c.timing) out.push('<i class="mark off" title="No car positions and no timing in its data">no replay data</i>');
  else {
    if (c.positions) out.push('<i class="mark" title="Car positions: the map shows the cars">map</i>');
    if (c.car_telemetry) out.push('<i class="mark" title="Car telemetry: speed, throttle, brake, gear">telemetry</i>');
    if (c.timing && !c.positions) out.push('<i class="mark warn" title="Timing only: no car positions, no map">timing only</i>');
    else if (!c.timing) out.push('<i class="mark warn" title="No timing: no running order or gaps">no timing</i>');
  }
  if (s.cached) out.push('<i class="mark cached" title="Built and cached: opens at once">cached</i>');
  return out.length ? `<span class="marks">${out.join('')}</span>` : '';
}

/** The picker overlay. */
export class Picker {
  /** @param {{onPick: (id: string) => void}} opts */
  constructor(opts) {
    this.onPick = opts.onPick;
    this.el = /** @type {HTMLElement} */ (document.getElementById('picker'));
    this.seasonsEl = /** @type {HTMLElement} */ (document.getElementById('picker-seasons'));
    this.sessionsEl = /** @type {HTMLElement} */ (document.getElementById('picker-sessions'));
    this.buildEl = /** @type {HTMLElement} */ (document.getElementById('picker-build'));
    this.errorEl = /** @type {HTMLElement} */ (document.getElementById('picker-error'));
    /** @type {number|null} */
    this.year = null;
    this.loadedSeasons = false;
    this.busy = false;
    /** @type {boolean} the picker may be closed (a session is open behind it) */
    this.closable = false;
  }

  /** Opens the picker (loading the seasons the first time). */
  async open() {
    this.el.hidden = false;
    this.el.querySelector('.close')?.toggleAttribute('hidden', !this.closable);
    if (!this.loadedSeasons) await this.#loadSeasons();
  }

  close() {
    if (!this.closable) return;
    this.el.hidden = true;
  }

  get isOpen() {
    return !this.el.hidden;
  }

  async #loadSeasons() {
    this.seasonsEl.innerHTML = '<span class="muted">Loading seasons…</span>';
    /** @type {{year:number, source:string, available?:boolean, reason?:string|null}[]} */
    let seasons = [];
    try {
      seasons = await api.seasons();
      this.loadedSeasons = true;
    } catch (e) {
      this.seasonsEl.innerHTML = '';
      this.showError(e instanceof Error ? e.message : String(e));
      // The demo needs no season list.
      seasons = [];
    }
    if (!seasons.some((s) => s.year === 0)) seasons.unshift({ year: 0, source: 'sim' });
    seasons.sort((a, b) => (a.year === 0 ? -1 : b.year === 0 ? 1 : b.year - a.year));
    // Seasons the server cannot list now (the archive unreachable) are shown disabled, with the
    // server's reason, at once.
    this.seasonsEl.innerHTML = seasons
      .map((s) => {
        const off = s.available === false;
        return `<button class="btn" role="tab" aria-selected="false" data-year="${s.year}" title="${esc(off ? s.reason || 'unavailable' : s.source)}" ${off ? 'aria-disabled="true" data-off="1"' : ''}>${s.year === 0 ? 'Demo (simulated)' : s.year}</button>`;
      })
      .join('');
    const off = seasons.filter((s) => s.available === false);
    if (off.length) {
      const note = document.createElement('div');
      note.className = 'picker-note';
      note.setAttribute('role', 'status');
      note.textContent = `Seasons ${off.map((s) => s.year).join(', ')} are unavailable: ${off[0].reason || 'the archive cannot be reached'}.`;
      this.seasonsEl.appendChild(note);
    }
    this.seasonsEl.querySelectorAll('button').forEach((b) => {
      b.addEventListener('click', () => this.showSeason(Number(/** @type {HTMLElement} */ (b).dataset.year)));
    });
    await this.showSeason(0);
  }

  /**
   * Lists the sessions of a season.
   * @param {number} year
   */
  async showSeason(year) {
    this.year = year;
    this.seasonsEl.querySelectorAll('button').forEach((b) => {
      const on = Number(/** @type {HTMLElement} */ (b).dataset.year) === year;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', String(on));
    });
    const tab = /** @type {HTMLElement|null} */ (this.seasonsEl.querySelector(`button[data-year="${year}"]`));
    if (tab?.dataset.off) {
      this.sessionsEl.innerHTML = `<div class="error-box">${esc(tab.title)}</div>`;
      return;
    }
    this.sessionsEl.innerHTML = '<div class="muted">Loading sessions…</div>';
    let list;
    try {
      list = await api.sessionsOf(year);
    } catch (e) {
      if (this.year !== year) return;
      if (year === 0) {
        list = ['race', 'sprint', 'qualifying', 'practice'].map((k) => ({
          id: `sim-${k}`, meeting: 'Simulated Grand Prix', name: KIND_NAMES[k], kind: k, start: '', available: true,
        }));
      } else {
        this.sessionsEl.innerHTML = `<div class="error-box">${esc(e instanceof Error ? e.message : e)}</div>`;
        return;
      }
    }
    if (this.year !== year) return;
    /** @type {Map<string, any[]>} */
    const meetings = new Map();
    for (const s of list) {
      const key = s.meeting || 'Sessions';
      if (!meetings.has(key)) meetings.set(key, []);
      /** @type {any[]} */ (meetings.get(key)).push(s);
    }
    const groups = [...meetings.entries()];
    // Newest event first; sessions of an event in the order they ran.
    const first = (ss) => ss.reduce((m, s) => (s.start && s.start < m ? s.start : m), '9999');
    groups.sort((a, b) => (first(b[1]) > first(a[1]) ? 1 : -1));
    if (!groups.length) {
      this.sessionsEl.innerHTML = '<div class="empty">No sessions in this season.</div>';
      return;
    }
    this.sessionsEl.innerHTML = groups
      .map(([meeting, ss]) => {
        ss.sort((a, b) => String(a.start).localeCompare(String(b.start)));
        const btns = ss
          .map((s) => {
            const when = s.start ? new Date(s.start + (/[zZ+]/.test(s.start.slice(10)) ? '' : 'Z')).toLocaleDateString([], { day: 'numeric', month: 'short' }) : '';
            return `<button class="btn sess-btn k-${esc(s.kind)}" data-id="${esc(s.id)}" ${s.available === false ? `disabled title="${esc(s.reason || 'Unavailable')}"` : ''}>
              <span class="kind">${esc(KIND_NAMES[s.kind] || s.kind)}${when ? ' · ' + esc(when) : ''}</span><span>${esc(s.name)}</span>${marks(s)}</button>`;
          })
          .join('');
        return `<div class="meeting"><h3>${esc(meeting)}</h3><div class="list">${btns}</div></div>`;
      })
      .join('');
    this.sessionsEl.querySelectorAll('.sess-btn').forEach((b) => {
      b.addEventListener('click', () => {
        if (this.busy) return;
        this.onPick(/** @type {string} */ (/** @type {HTMLElement} */ (b).dataset.id));
      });
    });
  }

  /**
   * Shows build progress.
   * @param {string} stage
   * @param {number} percent
   */
  showBuild(stage, percent) {
    this.busy = true;
    this.errorEl.hidden = true;
    this.buildEl.hidden = false;
    /** @type {HTMLElement} */ (document.getElementById('build-label')).textContent =
      `${STAGE_NAMES[stage] || (stage ? stage[0].toUpperCase() + stage.slice(1) : 'Preparing')}… ${Math.round(percent)}%`;
    /** @type {HTMLElement} */ (document.getElementById('build-bar')).style.width = `${Math.max(0, Math.min(100, percent))}%`;
  }

  /** Hides the progress bar. */
  doneBuild() {
    this.busy = false;
    this.buildEl.hidden = true;
  }

  /**
   * Shows an error in plain words.
   * @param {string} message
   */
  showError(message) {
    this.busy = false;
    this.buildEl.hidden = true;
    this.errorEl.hidden = false;
    this.errorEl.textContent = message;
  }
}
