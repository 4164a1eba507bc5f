// Team radio: the session's clips (GET /team-radio, in session time) listed in the race control
// feed and the driver panel at their time; a clip's audio is fetched by the server from the
// archive on demand (GET /team-radio/{n}). A clip that cannot play says why, in the server's
// words (offline and not cached, or missing in the archive).

import * as api from './api.js';
import { clock, esc } from './format.js';

/** The team radio of one session. */
export class TeamRadio {
  /**
   * @param {string} id session id
   * @param {any} manifest
   */
  constructor(id, manifest) {
    this.id = id;
    this.start = manifest.session?.start_s ?? manifest.t_start_s;
    /** @type {Map<number, string>} driver number → TLA */
    this.tla = new Map(manifest.drivers.map((d) => [d.number, d.tla]));
    /** @type {{index:number, t_s:number, driver:number|null, path:string}[]} */
    this.clips = [];
    /** @type {Map<number, string>} why a clip is unavailable, once known */
    this.unavailable = new Map();
    /** @type {HTMLAudioElement|null} */
    this.playing = null;
    this.loaded = api.teamRadio(id).then(
      (rows) => {
        this.clips = rows.slice().sort((a, b) => a.t_s - b.t_s);
      },
      () => {
        this.clips = [];
      },
    );
  }

  /**
   * One clip as a line of the race control feed or the driver panel.
   * @param {{index:number, t_s:number, driver:number|null}} c
   * @returns {string}
   */
  itemHtml(c) {
    const who = c.driver != null ? this.tla.get(c.driver) || `#${c.driver}` : 'Team';
    const why = this.unavailable.get(c.index);
    return `<div class="rc-item radio" data-t="${c.t_s}" data-radio="${c.index}">
      <div class="rc-t">${clock(c.t_s - this.start)} · Team radio</div>
      <div class="radio-row"><button class="btn tiny radio-play" data-radio-play="${c.index}" aria-label="Play team radio of ${esc(who)} at ${clock(c.t_s - this.start)}">▶ ${esc(who)}</button>
      <span class="radio-state">${why ? 'Unavailable: ' + esc(why) : ''}</span></div></div>`;
  }

  /**
   * The clips of `drivers` up to t, newest first (at most `max`).
   * @param {Set<number>} drivers
   * @param {number} t
   * @param {number} max
   */
  recent(drivers, t, max) {
    return this.clips.filter((c) => c.t_s <= t && c.driver != null && drivers.has(c.driver)).reverse().slice(0, max);
  }

  /**
   * Plays clip `n`; when it cannot, asks the server why and shows it on every line of that clip.
   * @param {number} n
   * @param {HTMLElement} root where the clip's lines are
   */
  async play(n, root) {
    if (this.playing) {
      this.playing.pause();
      this.playing = null;
    }
    const url = `/api/sessions/${encodeURIComponent(this.id)}/team-radio/${n}`;
    // Ask first (the server fetches and caches the clip): an unavailable clip is an answer with
    // its reason, not a failed media request.
    let why = '';
    try {
      const check = await api.getJson(`${url}?check=1`);
      if (!check.available) why = check.reason || 'unavailable';
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
    if (!why) {
      const audio = new Audio(url);
      this.playing = audio;
      try {
        await audio.play();
      } catch (e) {
        why = `this browser could not play it (${e instanceof Error ? e.message : e})`;
      }
    }
    if (why) {
      this.unavailable.set(n, why);
      root.querySelectorAll(`[data-radio="${n}"] .radio-state`).forEach((el) => {
        el.textContent = `Unavailable: ${why}`;
      });
    }
  }

  /**
   * The driver panel's radio box: the selected drivers' last clips up to t.
   * @param {HTMLElement} panel
   * @param {Set<number>} selected
   * @param {number} t
   */
  renderDriver(panel, selected, t) {
    let box = /** @type {HTMLElement|null} */ (panel.querySelector('.dp-radio'));
    const items = selected.size ? this.recent(selected, t, 5) : [];
    if (!items.length) {
      box?.remove();
      return;
    }
    if (!box) {
      box = document.createElement('div');
      box.className = 'dp-radio';
      panel.appendChild(box);
    }
    const key = items.map((c) => `${c.index}:${this.unavailable.get(c.index) || ''}`).join(',');
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.innerHTML = `<h3 class="dp-radio-title">Team radio</h3>${items.map((c) => this.itemHtml(c)).join('')}`;
  }
}
