// The race story beside the live map: tyre strategy, lap times, positions by lap, the race
// trace (gap to the leader over time) and the weather, each linked to the replay clock (a
// playhead at the current time; a click seeks there). Every value comes typed from the API
// (/story, /stints, /weather, /track-status, /results); this module only draws them.

import * as api from './api.js';
import { Plot, gaps } from './plot.js';
import { TRACK_STATUS, clock, esc, lapTime } from './format.js';
import { normColour } from './trackmap.js';

/** Compound colours (presentation; the compound names come from the model). */
const COMPOUND_COLOURS = { SOFT: '#ff3b30', MEDIUM: '#ffd12e', HARD: '#f0f0ec', INTERMEDIATE: '#43b02a', WET: '#2f7fd8' };

/** Shading of neutralised laps and periods, by track status code. */
const BAND_COLOURS = { 4: '#ff9f1a33', 5: '#ff2d2d40', 6: '#ff9f1a22', 7: '#ff9f1a18' };

/**
 * Maps the leader's laps to session time and back by the story's lap clock (`/story`'s
 * `lap_clock`: laps run by the leader at each line crossing, linear in between, as the model
 * defines it): x = L is the end of lap L.
 */
export class LapClock {
  /** @param {{laps:number, t_s:number}[]} knots rising in laps and time */
  constructor(knots) {
    this.knots = knots;
  }

  /**
   * Laps run by the leader at session time t (fractional).
   * @param {number} t
   * @returns {number|null}
   */
  xOf(t) {
    return between(this.knots, 't_s', 'laps', t);
  }

  /**
   * The session time at which the leader had run x laps (the inverse of `xOf`).
   * @param {number} x
   * @returns {number|null}
   */
  tOf(x) {
    return between(this.knots, 'laps', 't_s', x);
  }
}

/**
 * Reads `to` at `v` of `from` on the straight line between the two knots around it (clamped
 * to the first and last knot).
 * @param {any[]} knots
 * @param {string} from
 * @param {string} to
 * @param {number} v
 * @returns {number|null}
 */
function between(knots, from, to, v) {
  if (!knots.length) return null;
  if (v <= knots[0][from]) return knots[0][to];
  for (let i = 1; i < knots.length; i++) {
    const a = knots[i - 1];
    const b = knots[i];
    if (v < b[from]) return a[to] + ((v - a[from]) / (b[from] - a[from])) * (b[to] - a[to]);
  }
  return knots[knots.length - 1][to];
}

/** The race story view, in `el` (the `#story` section). */
export class StoryView {
  /**
   * @param {HTMLElement} el
   * @param {string} id
   * @param {any} m manifest
   * @param {{seek: (t: number) => void}} hooks
   */
  constructor(el, id, m, hooks) {
    this.el = el;
    this.id = id;
    this.m = m;
    this.hooks = hooks;
    this.laps = new LapClock([]);
    /** @type {Plot[]} */
    this.plots = [];
    this.ready = false;
    this.error = '';
    this.lastT = NaN;
    this.spoilerFree = false;
    this.drivers = m.drivers.map((d) => ({ ...d, colour: normColour(d.colour) }));
    el.innerHTML = `<div class="story-head"><h2>Race story</h2><span class="muted story-hint">Click a chart to jump there · drag to zoom · double-click to reset</span></div>
      <div class="story-body" id="story-body" tabindex="0" aria-label="Race story charts"><p class="muted">Loading…</p></div>`;
    this.body = /** @type {HTMLElement} */ (el.querySelector('#story-body'));
    this.loaded = this.load();
  }

  async load() {
    const id = this.id;
    try {
      const [story, stints, weather, status, results] = await Promise.all([
        api.story(id),
        api.stints(id),
        api.weather(id),
        api.trackStatus(id),
        api.results(id).catch(() => []),
      ]);
      this.body.innerHTML = '';
      this.build(story, stints, weather, status, results);
      for (const p of this.plots) p.setMask(this.spoilerFree);
      this.ready = true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.body.innerHTML = `<div class="error-box">The race story is unavailable: ${esc(this.error)}</div>`;
    }
  }

  /**
   * @param {any} story
   * @param {any[]} stints
   * @param {any[]} weather
   * @param {any[]} status
   * @param {any[]} results
   */
  build(story, stints, weather, status, results) {
    this.laps = new LapClock(story.lap_clock || []);
    const byDriver = new Map();
    for (const r of story.laps) {
      if (!byDriver.has(r.driver)) byDriver.set(r.driver, []);
      byDriver.get(r.driver).push(r);
    }
    // Drivers in the model's classification order, then the rest as the manifest lists them.
    const rank = new Map(results.map((r, i) => [r.driver, i]));
    const drivers = this.drivers.filter((d) => byDriver.has(d.number) || stints.some((s) => s.driver === d.number));
    drivers.sort((a, b) => (rank.get(a.number) ?? 999) - (rank.get(b.number) ?? 999));
    const maxLap = Math.max(1, ...story.laps.map((r) => r.lap), ...stints.map((s) => s.last_lap));
    const lapXs = Array.from({ length: maxLap + 1 }, (_, i) => i);
    const lapBands = story.neutralised_laps.map((n) => ({ from: n.lap - 1, to: n.lap, colour: BAND_COLOURS[n.neutralised.status] || '#ff9f1a22' }));
    const timeBands = status
      .filter((s) => BAND_COLOURS[s.status])
      .map((s) => ({ from: s.start_s, to: s.end_s ?? this.m.session?.end_s ?? s.start_s, colour: BAND_COLOURS[s.status] }));
    const lapClick = (x) => {
      const t = this.laps.tOf(x);
      if (t != null) this.hooks.seek(t);
    };
    const timeClick = (t) => this.hooks.seek(t);
    const legend = document.createElement('div');
    legend.className = 'legend story-legend';
    legend.innerHTML = drivers.map((d) => `<span><i class="swatch" style="background:${d.colour}"></i>${esc(d.tla)}</span>`).join('')
      + Object.entries(BAND_COLOURS).filter(([c]) => c === '4' || c === '6' || c === '5')
        .map(([c, col]) => `<span><i class="swatch" style="background:${col.slice(0, 7)}"></i>${esc(TRACK_STATUS[c]?.short || TRACK_STATUS[c]?.label || '')}</span>`).join('');
    this.body.appendChild(legend);
    const lineSeries = (d) => ({ label: d.tla, stroke: d.colour, width: 1.5, spanGaps: true, points: { show: false } });

    // Tyre strategy: a bar per stint, a row per driver.
    const rowOf = new Map(drivers.map((d, i) => [d.number, i]));
    this.plots.push(new Plot(this.body, 'tyres', {
      title: 'Tyre strategy (stints by lap)',
      height: Math.max(140, 16 * drivers.length + 40),
      series: [{ label: 'lap', show: false }],
      data: [lapXs, lapXs.map(() => null)],
      xRange: [0, maxLap],
      yRange: [-0.5, drivers.length - 0.5],
      yInvert: true,
      ySplits: drivers.map((_, i) => i),
      yValue: (v) => drivers[Math.round(v)]?.tla ?? '',
      yAxisSize: 40,
      xValue: (v) => String(Math.round(v)),
      bands: lapBands,
      onClick: lapClick,
      draw: (u) => {
        const ctx = u.ctx;
        const dpr = window.devicePixelRatio || 1;
        ctx.save();
        for (const s of stints) {
          const row = rowOf.get(s.driver);
          if (row == null) continue;
          const x0 = u.valToPos(s.first_lap - 1, 'x', true);
          const x1 = u.valToPos(s.last_lap, 'x', true);
          const y0 = u.valToPos(row - 0.32, 'y', true);
          const y1 = u.valToPos(row + 0.32, 'y', true);
          ctx.fillStyle = COMPOUND_COLOURS[s.compound] || '#777';
          ctx.fillRect(x0 + dpr, Math.min(y0, y1), Math.max(1, x1 - x0 - 2 * dpr), Math.abs(y1 - y0));
        }
        ctx.restore();
      },
    }));

    // Lap times by lap: pit laps and neutralised laps marked.
    const lapTimes = drivers.map((d) => {
      const ys = lapXs.map(() => null);
      for (const r of byDriver.get(d.number) || []) ys[r.lap] = r.lap_time_s;
      return ys;
    });
    const pitIdx = drivers.map((d) => (byDriver.get(d.number) || []).filter((r) => r.pit_in || r.pit_out).map((r) => r.lap));
    const allTimes = lapTimes.flat().filter((v) => v != null).sort((a, b) => a - b);
    const fastest = allTimes[0] ?? 60;
    const slowShown = allTimes.length ? Math.min(allTimes[allTimes.length - 1], fastest * 1.25) : fastest * 1.25;
    this.plots.push(new Plot(this.body, 'laptimes', {
      title: 'Lap times (pit laps dotted; SC/VSC laps shaded)',
      height: 200,
      series: drivers.map((d, i) => ({ ...lineSeries(d), points: { show: true, size: 6, fill: '#fff', stroke: d.colour, filter: () => pitIdx[i] } })),
      data: [lapXs, ...lapTimes],
      yRange: [fastest - 0.5, slowShown + 0.5],
      xRange: [0, maxLap],
      yValue: (v) => lapTime(v),
      yAxisSize: 56,
      xValue: (v) => String(Math.round(v)),
      bands: lapBands,
      sync: 'story-laps',
      onClick: lapClick,
    }));

    if (story.race_like) {
      const positions = drivers.map((d) => {
        const ys = lapXs.map(() => null);
        for (const r of byDriver.get(d.number) || []) ys[r.lap] = r.position;
        return ys;
      });
      this.plots.push(new Plot(this.body, 'positions', {
        title: 'Positions by lap',
        height: 220,
        series: drivers.map(lineSeries),
        data: [lapXs, ...positions],
        yRange: [0.5, drivers.length + 0.5],
        yInvert: true,
        xRange: [0, maxLap],
        xValue: (v) => String(Math.round(v)),
        yValue: (v) => String(Math.round(v)),
        bands: lapBands,
        sync: 'story-laps',
        onClick: lapClick,
      }));
      // The race trace: gap to the leader at each line crossing, against session time.
      const times = [...new Set(story.laps.filter((r) => r.end_s != null && r.gap_to_leader_s != null).map((r) => r.end_s))].sort((a, b) => a - b);
      const col = new Map(times.map((t, i) => [t, i]));
      const traces = drivers.map((d) => {
        const ys = times.map(() => null);
        for (const r of byDriver.get(d.number) || []) if (r.end_s != null && r.gap_to_leader_s != null) ys[/** @type {number} */ (col.get(r.end_s))] = r.gap_to_leader_s;
        return ys;
      });
      this.plots.push(new Plot(this.body, 'gaps', {
        title: 'Gap to the leader (s) over time',
        height: 220,
        series: drivers.map(lineSeries),
        data: [times, ...traces],
        yInvert: true,
        xValue: (v) => clock(v - (this.m.session?.start_s ?? 0), true),
        yValue: (v) => v.toFixed(0),
        bands: timeBands,
        sync: 'story-time',
        onClick: timeClick,
      }));
    } else {
      const p = document.createElement('p');
      p.className = 'muted story-note';
      p.textContent = 'Positions by lap and the race trace are for races and sprints; this session is ranked by best lap.';
      this.body.appendChild(p);
    }

    if (weather.length) {
      const wx = weather.map((w) => w.t_s);
      const rainBands = [];
      weather.forEach((w, i) => {
        if (w.rain) rainBands.push({ from: w.t_s, to: weather[i + 1]?.t_s ?? w.t_s + 60, colour: '#2f7fd833' });
      });
      this.plots.push(new Plot(this.body, 'weather', {
        title: 'Weather: air and track °C (rain shaded blue)',
        height: 150,
        series: [
          { label: 'Air °C', stroke: '#7fc8ff', width: 1.5, points: { show: false } },
          { label: 'Track °C', stroke: '#ff8a3d', width: 1.5, points: { show: false } },
        ],
        data: [wx, gaps(weather.map((w) => w.air_c)), gaps(weather.map((w) => w.track_c))],
        xValue: (v) => clock(v - (this.m.session?.start_s ?? 0), true),
        yValue: (v) => v.toFixed(0),
        bands: [...timeBands, ...rainBands],
        sync: 'story-time',
        onClick: timeClick,
      }));
    }
  }

  /**
   * Spoiler-free: every chart hides what lies after the playhead.
   * @param {boolean} on
   */
  setSpoilerFree(on) {
    this.spoilerFree = on;
    for (const p of this.plots) p.setMask(on);
    this.lastT = NaN;
  }

  /**
   * Moves every chart's playhead to session time t.
   * @param {number} t
   */
  update(t) {
    if (!this.ready || t === this.lastT) return;
    this.lastT = t;
    const x = this.laps.xOf(t);
    for (const p of this.plots) {
      const byTime = p.name === 'gaps' || p.name === 'weather';
      p.setPlayhead(byTime ? t : x);
    }
  }

  /** The charts drawn, for tests. */
  state() {
    return {
      ready: this.ready,
      error: this.error,
      spoilerFree: this.spoilerFree,
      charts: this.plots.map((p) => ({ name: p.name, ...p.extent(), playheadX: p.playheadX, masked: !p.mask.hidden })),
    };
  }

  /** Removes the charts. */
  destroy() {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.el.innerHTML = '';
  }
}
