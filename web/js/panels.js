// Side panels synced to the playhead: race control messages (as they were issued), weather,
// and the final classification (held back in spoiler-free mode until the chequered flag).

import * as api from './api.js';
import { clock, esc, gapS, lapTime, raceTime } from './format.js';
import { normColour } from './trackmap.js';

/**
 * Number of items with `t_s <= t` in a list sorted by t_s.
 * @param {{t_s:number}[]} list
 * @param {number} t
 */
export function countUpTo(list, t) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].t_s <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Race control messages issued by the playhead, newest first. */
export class RaceControlPanel {
  /**
   * @param {HTMLElement} el
   * @param {any} manifest
   */
  constructor(el, manifest) {
    this.el = el;
    this.m = manifest;
    this.list = [...(manifest.race_control || [])].sort((a, b) => a.t_s - b.t_s);
    this.shown = -1;
    this.start = manifest.session?.start_s ?? manifest.t_start_s;
    /** @type {import('./radio.js').TeamRadio|null} */
    this.radio = null;
    el.innerHTML = '';
  }

  /**
   * Adds the team radio clips to the feed at their time (radio.js).
   * @param {import('./radio.js').TeamRadio} radio
   */
  setRadio(radio) {
    this.radio = radio;
    this.list = [...this.list, ...radio.clips.map((c) => ({ t_s: c.t_s, clip: c }))].sort((a, b) => a.t_s - b.t_s);
    this.shown = -1;
  }

  /** @param {number} t */
  update(t) {
    const n = countUpTo(this.list, t);
    if (n === this.shown) return;
    const grew = n > this.shown && this.shown >= 0;
    this.shown = n;
    if (!n) {
      this.el.innerHTML = '<div class="empty">No race control messages yet.</div>';
      return;
    }
    const items = this.list.slice(0, n).reverse().slice(0, 200);
    this.el.innerHTML = items
      .map((r, i) => {
        if (r.clip && this.radio) return this.radio.itemHtml(r.clip);
        const cls = [r.flag ? String(r.flag).replace(/\s+/g, '_').toUpperCase() : '', r.category || ''].join(' ');
        const extra = [r.lap ? `Lap ${r.lap}` : '', r.sector ? `Sector ${r.sector}` : ''].filter(Boolean).join(' · ');
        return `<div class="rc-item ${esc(cls)}" data-t="${r.t_s}" style="${grew && i === 0 ? '' : 'animation:none'}">
          <div class="rc-t">${clock(r.t_s - this.start)}${extra ? ' · ' + esc(extra) : ''}${r.flag ? ' · ' + esc(r.flag) : ''}</div>
          <div>${esc(r.message)}</div></div>`;
      })
      .join('');
  }
}

/** Air and track temperature, humidity, wind, rain at the playhead. */
export class WeatherPanel {
  /**
   * @param {HTMLElement} el
   * @param {any} manifest
   */
  constructor(el, manifest) {
    this.el = el;
    this.list = manifest.weather || [];
    this.shown = -2;
    el.innerHTML = '';
  }

  /** @param {import('./snapshot.js').Snapshot} snap */
  update(snap) {
    let i = snap.weatherIndex;
    if (i === 65535 || i >= this.list.length) i = countUpTo(this.list, snap.t) - 1;
    if (i === this.shown) return;
    this.shown = i;
    const w = this.list[i];
    if (!w) {
      this.el.innerHTML = '<div class="empty">No weather data yet.</div>';
      return;
    }
    const f = (v, d = 1) => (v == null || !Number.isFinite(Number(v)) ? '–' : Number(v).toFixed(d));
    this.el.innerHTML = `<div class="wx">
      <div class="wx-cell"><span class="dp-lbl">Air</span><b>${f(w.air_c)} °C</b></div>
      <div class="wx-cell"><span class="dp-lbl">Track</span><b>${f(w.track_c)} °C</b></div>
      <div class="wx-cell"><span class="dp-lbl">Humidity</span><b>${f(w.humidity, 0)} %</b></div>
      <div class="wx-cell"><span class="dp-lbl">Pressure</span><b>${f(w.pressure, 0)}</b><span class="muted">mbar</span></div>
      <div class="wx-cell"><span class="dp-lbl">Wind</span><div class="wx-wind"><b>${f(w.wind_ms)} m/s</b>
        <span class="wx-arrow" title="from ${f(w.wind_dir, 0)}°" style="transform:rotate(${Number(w.wind_dir) + 180 || 0}deg)">↑</span></div></div>
      <div class="wx-cell wx-rain ${w.rain ? 'yes' : ''}"><span class="dp-lbl">Rain</span><b>${w.rain ? 'Yes' : 'No'}</b></div>
    </div>`;
  }
}

/** The classification (GET /results), hidden in spoiler-free mode until the chequered flag. */
export class ResultsPanel {
  /**
   * @param {HTMLElement} el
   * @param {any} manifest
   * @param {string} id
   */
  constructor(el, manifest, id) {
    this.el = el;
    this.m = manifest;
    this.id = id;
    this.spoilerFree = false;
    /** @type {any[]|null} */
    this.results = null;
    this.error = '';
    this.loading = false;
    this.shownKey = '';
    el.innerHTML = '';
  }

  /** @param {boolean} on */
  setSpoilerFree(on) {
    this.spoilerFree = on;
    this.shownKey = '';
  }

  /**
   * Whether the final classification may be shown at this snapshot: once the chequered flag
   * has fallen (the model's time for it, `session.chequered_s`), once the session is finished,
   * or after its end.
   * @param {import('./snapshot.js').Snapshot} snap
   */
  revealed(snap) {
    if (!this.spoilerFree) return true;
    if (snap.sessionStatus >= 3 && snap.sessionStatus <= 4) return true;
    const flag = this.m.session?.chequered_s;
    if (typeof flag === 'number') return snap.t >= flag;
    return snap.t >= (this.m.session?.end_s ?? Infinity);
  }

  /** @param {import('./snapshot.js').Snapshot} snap */
  update(snap) {
    const show = this.revealed(snap);
    const key = `${show}/${!!this.results}/${this.error}`;
    if (key === this.shownKey) return;
    this.shownKey = key;
    if (!show) {
      this.el.innerHTML = '<div class="spoiler-hidden" id="results-hidden">The final classification is hidden until the chequered flag<br><span class="muted">(spoiler-free mode)</span></div>';
      return;
    }
    if (!this.results && !this.error) {
      this.el.innerHTML = '<div class="empty">Loading the classification…</div>';
      if (!this.loading) {
        this.loading = true;
        api.results(this.id)
          .then((r) => {
            this.results = Array.isArray(r) ? r : r.results || [];
          })
          .catch((e) => {
            this.error = e instanceof Error ? e.message : String(e);
          })
          .finally(() => {
            this.shownKey = '';
            this.update(snap);
          });
      }
      return;
    }
    if (this.error) {
      this.el.innerHTML = `<div class="error-box">${esc(this.error)}</div>`;
      return;
    }
    const teams = new Map(this.m.drivers.map((d) => [d.number, normColour(d.colour)]));
    const results = /** @type {any[]} */ (this.results);
    // Qualifying: the best lap of each part (the server sends q1_s, q2_s, ... per row).
    const parts = Math.max(0, ...results.map((r) => Object.keys(r).filter((k) => /^q\d+_s$/.test(k)).length));
    const prefix = this.m.session?.kind === 'sprint_qualifying' ? 'SQ' : 'Q';
    const rows = results
      .map((r) => {
        const time = r.time_s != null ? raceTime(r.time_s) : r.best_s != null ? lapTime(r.best_s) : '';
        // The gap (within the same part in qualifying); where there is none, the status.
        const gap = r.gap_s != null && r.gap_s > 0 ? gapS(Number(r.gap_s)) : r.gap_s != null ? '' : r.status || '';
        const partCells = Array.from({ length: parts }, (_, p) => {
          const v = r[`q${p + 1}_s`];
          return `<td class="num">${v != null ? esc(lapTime(v)) : ''}</td>`;
        }).join('');
        const timeCell = parts ? partCells : `<td class="num">${esc(time)}</td>`;
        const note = parts ? `<td>${esc(r.gap_s != null ? r.status || '' : '')}</td>` : '';
        return `<tr><td class="num">${r.position ?? ''}</td><td><span class="team" style="--team:${teams.get(r.driver) || '#888'}"></span>${esc(r.tla)}</td>
          <td class="num">${esc(r.laps ?? '')}</td>${timeCell}<td class="num">${esc(gap)}</td>${note}</tr>`;
      })
      .join('');
    const timeHead = parts ? Array.from({ length: parts }, (_, p) => `<th class="num">${prefix}${p + 1}</th>`).join('') : '<th>Time</th>';
    const noteHead = parts ? '<th></th>' : '';
    this.el.innerHTML = `<table class="res" id="results-table"><thead><tr><th>P</th><th>Driver</th><th>Laps</th>${timeHead}<th class="num">Gap</th>${noteHead}</tr></thead><tbody>${rows}</tbody></table>`;
  }
}
