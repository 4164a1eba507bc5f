// Playback controls: play/pause, speeds, skips, restart, jump to lap, the seek bar (lap ticks,
// flag periods, click and drag) and the keyboard shortcuts.

import { SPEEDS } from './clock.js';
import { clock, esc, isTimedByBestLap } from './format.js';

/**
 * @typedef {object} PlayerApi what the controls drive
 * @property {() => void} toggle
 * @property {(t: number) => void} seek
 * @property {(dt: number) => void} skip
 * @property {(speed: number) => void} setSpeed
 * @property {(lap: number) => void} jumpToLap
 * @property {() => number} time
 * @property {() => boolean} playing
 * @property {() => number} speed
 * @property {(name: string) => void} command  named UI toggles: labels, gap, fit, follow, spoiler, help, picker, compare, ghost, escape
 */

/**
 * The lap the leader was on at t, from manifest.lap_starts.
 * @param {{lap:number, t_s:number}[]} lapStarts
 * @param {number} t
 * @returns {number} 0 before the first lap
 */
export function lapAt(lapStarts, t) {
  let lo = 0;
  let hi = lapStarts.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (lapStarts[mid].t_s <= t + 1e-6) {
      ans = lapStarts[mid].lap;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The playback bar of one session. */
export class Controls {
  /**
   * @param {any} manifest
   * @param {number} tMin
   * @param {number} tMax
   * @param {PlayerApi} player
   */
  constructor(manifest, tMin, tMax, player) {
    this.m = manifest;
    this.tMin = tMin;
    this.tMax = tMax;
    this.p = player;
    this.$ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
    this.seekbar = this.$('seekbar');
    this.head = this.$('seek-head');
    this.played = this.$('seek-played');
    this.hover = this.$('seek-hover');
    this.playBtn = this.$('btn-play');
    this.spoilerFree = false;
    this.lastFlagsT = -Infinity;
    this.shownSpeed = '';
    // The seek bar is a slider for assistive technology: its range and value in session seconds.
    this.shownSecond = NaN;
    this.seekbar.setAttribute('aria-valuemin', String(Math.floor(tMin)));
    this.seekbar.setAttribute('aria-valuemax', String(Math.ceil(tMax)));
    this.#buildSpeeds();
    this.#buildTicks(tMax);
    this.renderFlags(tMax);
    this.#bind();
  }

  /**
   * Fraction of the bar for session time t.
   * @param {number} t
   */
  frac(t) {
    return Math.min(1, Math.max(0, (t - this.tMin) / Math.max(1e-9, this.tMax - this.tMin)));
  }

  #buildSpeeds() {
    const box = this.$('speeds');
    box.innerHTML = SPEEDS.map((s, i) => `<button class="btn" data-speed="${s}" title="${s}× (key ${i + 1})">${s < 1 ? String(s).replace('0.', '.') : s}×</button>`).join('');
    box.querySelectorAll('button').forEach((b) => {
      b.addEventListener('click', () => this.p.setSpeed(Number(/** @type {HTMLElement} */ (b).dataset.speed)));
    });
  }

  /**
   * The leader's lap ticks up to `until` (spoiler-free mode does not tell how many laps are left).
   * @param {number} until
   */
  #buildTicks(until) {
    const box = this.$('seek-ticks');
    // Laps are per driver in qualifying and practice: the leader's laps mean nothing there.
    const all = isTimedByBestLap(this.m.session) ? [] : this.m.lap_starts || [];
    const starts = all.filter((l) => l.t_s <= until);
    const every = starts.length > 60 ? 10 : 5;
    box.innerHTML = starts
      .map((l) => `<i class="${l.lap % every === 0 ? 'major' : ''}" style="left:${(this.frac(l.t_s) * 100).toFixed(3)}%" title="Lap ${l.lap}"></i>`)
      .join('');
    const jump = /** @type {HTMLInputElement} */ (this.$('jump-lap-input'));
    const maxLap = starts.length ? starts[starts.length - 1].lap : 0;
    jump.max = String(maxLap || '');
    jump.placeholder = maxLap ? `1–${maxLap}` : '';
    /** @type {HTMLFormElement} */ (this.$('jump-lap')).hidden = !all.length;
  }

  /**
   * Draws flag periods (and qualifying segments) on the seek bar, up to `until` (spoiler-free
   * mode does not show a safety car before it happens).
   * @param {number} until
   */
  renderFlags(until) {
    const box = this.$('seek-flags');
    const parts = [];
    for (const seg of this.m.segments || []) {
      if (seg.start_s > until) continue;
      const a = this.frac(seg.start_s);
      const b = this.frac(Math.min(until, seg.end_s ?? this.tMax));
      parts.push(`<i class="seg" style="left:${(a * 100).toFixed(3)}%;width:${((b - a) * 100).toFixed(3)}%" title="${esc(seg.name)}"></i>`);
    }
    for (const p of this.m.track_status || []) {
      if (p.status === 1 || p.start_s > until) continue;
      const a = this.frac(p.start_s);
      const b = this.frac(Math.min(until, p.end_s ?? this.tMax));
      parts.push(`<i class="s${p.status}" style="left:${(a * 100).toFixed(3)}%;width:${Math.max(0.15, (b - a) * 100).toFixed(3)}%"></i>`);
    }
    box.innerHTML = parts.join('');
    this.$('seek-labels').innerHTML = (this.m.segments || [])
      .map((seg) => `<span style="left:${(this.frac(seg.start_s) * 100).toFixed(3)}%">${esc(seg.name)}</span>`)
      .join('');
  }

  /**
   * Spoiler-free mode: future flag periods and lap ticks are hidden.
   * @param {boolean} on
   */
  setSpoilerFree(on) {
    this.spoilerFree = on;
    this.lastFlagsT = -Infinity;
    if (!on) {
      this.renderFlags(this.tMax);
      this.#buildTicks(this.tMax);
    }
  }

  /**
   * Moves the playhead and the buttons' state.
   * @param {number} t
   */
  update(t) {
    const f = this.frac(t) * 100;
    this.head.style.left = f + '%';
    this.played.style.width = f + '%';
    const second = Math.round(t);
    if (second !== this.shownSecond) {
      this.shownSecond = second;
      this.seekbar.setAttribute('aria-valuenow', String(second));
      this.seekbar.setAttribute('aria-valuetext', clock(t - (this.m.session?.start_s ?? this.tMin)));
    }
    const playing = this.p.playing();
    const state = playing ? 'playing' : 'paused';
    if (this.playBtn.dataset.state !== state) {
      this.playBtn.dataset.state = state;
      this.playBtn.setAttribute('aria-label', playing ? 'Pause' : 'Play');
      this.playBtn.innerHTML = playing
        ? '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M3 2h3.5v12H3zM9.5 2H13v12H9.5z" fill="currentColor"/></svg>'
        : '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M4 2l10 6-10 6z" fill="currentColor"/></svg>';
    }
    const sp = String(this.p.speed());
    if (sp !== this.shownSpeed) {
      this.shownSpeed = sp;
      this.$('speeds').querySelectorAll('button').forEach((b) => {
        b.classList.toggle('active', /** @type {HTMLElement} */ (b).dataset.speed === sp);
      });
    }
    if (this.spoilerFree && Math.abs(t - this.lastFlagsT) > 1) {
      this.lastFlagsT = t;
      this.renderFlags(t);
      this.#buildTicks(t);
    }
  }

  /**
   * Shows which chunks are in memory on the seek bar.
   * @param {number[]} chunks indices
   */
  showLoaded(chunks) {
    const box = this.$('seek-loaded');
    const frameS = this.m.frame_ms / 1000;
    box.innerHTML = chunks
      .map((n) => {
        const c = this.m.chunks[n];
        if (!c) return '';
        const a = this.frac(this.m.t_start_s + c.first_frame * frameS);
        const b = this.frac(this.m.t_start_s + (c.first_frame + c.frames) * frameS);
        return `<i style="left:${(a * 100).toFixed(3)}%;width:${((b - a) * 100).toFixed(3)}%"></i>`;
      })
      .join('');
  }

  /** @param {PointerEvent} e */
  #timeAtPointer(e) {
    const r = this.seekbar.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (e.clientX - r.left) / Math.max(1, r.width)));
    return this.tMin + f * (this.tMax - this.tMin);
  }

  #bind() {
    const on = (id, fn) => {
      this.$(id).onclick = fn;
    };
    on('btn-play', () => this.p.toggle());
    on('btn-restart', () => this.p.seek(this.tMin));
    on('btn-back5', () => this.p.skip(-5));
    on('btn-back30', () => this.p.skip(-30));
    on('btn-fwd5', () => this.p.skip(5));
    on('btn-fwd30', () => this.p.skip(30));
    /** @type {HTMLFormElement} */ (this.$('jump-lap')).onsubmit = (e) => {
      e.preventDefault();
      const input = /** @type {HTMLInputElement} */ (this.$('jump-lap-input'));
      const lap = Number(input.value);
      if (Number.isInteger(lap) && lap > 0) this.p.jumpToLap(lap);
      input.blur();
    };
    const sb = this.seekbar;
    let dragging = false;
    sb.onpointerdown = (e) => {
      dragging = true;
      sb.setPointerCapture(e.pointerId);
      this.p.seek(this.#timeAtPointer(e));
    };
    sb.onpointermove = (e) => {
      const t = this.#timeAtPointer(e);
      const lap = lapAt(this.m.lap_starts || [], t);
      const start = this.m.session?.start_s ?? this.tMin;
      this.hover.hidden = false;
      this.hover.textContent = `${clock(t - start)}${lap ? ' · Lap ' + lap : ''}`;
      const r = sb.getBoundingClientRect();
      this.hover.style.left = `${Math.min(r.width - 40, Math.max(40, e.clientX - r.left))}px`;
      if (dragging) this.p.seek(t);
    };
    sb.onpointerup = (e) => {
      dragging = false;
      sb.releasePointerCapture(e.pointerId);
    };
    sb.onpointerleave = () => {
      if (!dragging) this.hover.hidden = true;
    };
    sb.onkeydown = (e) => {
      if (e.key === 'Home') this.p.seek(this.tMin);
      if (e.key === 'End') this.p.seek(this.tMax);
    };
  }

  /**
   * Handles a keyboard shortcut; true when it was one.
   * @param {KeyboardEvent} e
   * @returns {boolean}
   */
  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    const p = this.p;
    switch (e.key) {
      case ' ':
      case 'k':
        p.toggle();
        return true;
      case 'ArrowLeft':
        p.skip(e.shiftKey ? -30 : -5);
        return true;
      case 'ArrowRight':
        p.skip(e.shiftKey ? 30 : 5);
        return true;
      case 'ArrowUp':
      case 'ArrowDown': {
        const i = SPEEDS.indexOf(p.speed());
        const j = Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 2 : i) + (e.key === 'ArrowUp' ? 1 : -1)));
        p.setSpeed(SPEEDS[j]);
        return true;
      }
      case 'Home':
        p.seek(this.tMin);
        return true;
      case 'End':
        p.seek(this.tMax);
        return true;
      case '[':
      case ']': {
        const starts = this.m.lap_starts || [];
        const lap = lapAt(starts, p.time());
        if (e.key === ']') p.jumpToLap(lap + 1);
        else {
          // Back to the start of this lap, or of the previous one when already near its start.
          const cur = starts.find((l) => l.lap === lap);
          p.jumpToLap(cur && p.time() - cur.t_s < 2 ? lap - 1 : lap);
        }
        return true;
      }
      case '?':
        p.command('help');
        return true;
      case 'Escape':
        p.command('escape');
        return true;
      default:
        break;
    }
    if (/^[1-9]$/.test(e.key)) {
      p.setSpeed(SPEEDS[Number(e.key) - 1]);
      return true;
    }
    const named = { l: 'labels', i: 'gap', f: 'fit', w: 'follow', s: 'spoiler', c: 'compare', g: 'ghost', o: 'picker', r: 'story' }[e.key.toLowerCase()];
    if (named) {
      p.command(named);
      return true;
    }
    return false;
  }
}
