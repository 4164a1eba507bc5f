// The lap comparison page: two to four (driver, lap) pairs; speed, throttle, brake, gear and
// rpm against distance; a delta-time trace against the first lap; the real sector boundaries
// (from timing); a sector-times table from the laps table; the track coloured by who is
// fastest through each mini-sector.

import * as api from './api.js';
import { fitCanvas, interp } from './charts.js';
import { esc, lapTime } from './format.js';
import { channel, lapProfile, positionAt, timeAt } from './lapdata.js';
import { LapsModel } from './laps.js';
import { Plot, stepped } from './plot.js';
import { normColour } from './trackmap.js';

const MAX_LAPS = 4;
const MINI_SECTORS = 24;
const FALLBACK = ['#ffffff', '#ffd400', '#ff87bc', '#00e0ff'];
/** Points of the common distance grid every lap is resampled on (the charts share one x). */
const GRID = 1000;
/** The channel charts: key, title, height, fixed y range, step function. */
const CHARTS = [
  ['delta', 'Delta to the first lap (s)', 150, null, false],
  ['speed', 'Speed (km/h)', 190, null, false],
  ['throttle', 'Throttle (%)', 110, [0, 100], false],
  ['brake', 'Brake', 80, [0, 1], true],
  ['gear', 'Gear', 110, [0, 8], true],
  ['rpm', 'RPM', 130, null, false],
];

/**
 * A channel of a lap resampled at the fractions `us` (step channels hold their last value).
 * @param {import('./lapdata.js').LapProfile} p
 * @param {string} name
 * @param {number[]} us
 * @param {boolean} step
 * @returns {(number|null)[]}
 */
function resample(p, name, us, step) {
  const raw = channel(p, name);
  const fu = [];
  const fv = [];
  raw.forEach((v, k) => {
    if (Number.isFinite(v)) {
      fu.push(p.u[k]);
      fv.push(v);
    }
  });
  if (!fu.length) return us.map(() => null);
  if (!step) return us.map((u) => interp(fu, fv, u));
  let k = 0;
  return us.map((u) => {
    while (k + 1 < fu.length && fu[k + 1] <= u) k++;
    return fv[k];
  });
}

/**
 * The page's state, for the browser tests (`window.f1compare.state()`).
 * @type {{picks: {driver:number, lap:number, lapTime:number|null}[], deltaEnd: number|null, sectors: (number|null)[][], ready: boolean, error: string}}
 */
const exposed = { picks: [], deltaEnd: null, sectors: [], ready: false, error: '' };
/** @type {any} */ (window).f1compare = { state: () => JSON.parse(JSON.stringify(exposed)) };

/**
 * Opens the lap comparison in `el`.
 * @param {HTMLElement} el
 * @param {string} id session id
 * @param {any} m manifest
 * @param {{selected: number[], close: () => void, spoilerFree: boolean, t: number}} opts
 */
export async function open(el, id, m, opts) {
  exposed.ready = false;
  exposed.error = '';
  el.innerHTML = `<div class="page">
    <div class="page-head"><h2>Lap comparison</h2><span class="muted">${esc(m.session?.meeting || '')} · ${esc(m.session?.name || '')}</span>
      <span style="flex:1"></span><button class="btn icon-btn" data-act="close" title="Back to the replay (Esc)">×</button></div>
    <div class="page-body">
      <div class="page-side">
        <div id="cmp-picks"></div>
        <button class="btn tiny" data-act="add">+ Add a lap</button>
        <h3 class="muted" style="font-size:11px;text-transform:uppercase;margin:12px 0 4px">Sector times</h3>
        <table class="res" id="cmp-sectors"></table>
        <h3 class="muted" style="font-size:11px;text-transform:uppercase;margin:12px 0 4px">Fastest by mini-sector</h3>
        <canvas class="cmp-map" id="cmp-map"></canvas>
      </div>
      <div class="page-main">
        <div class="legend" id="cmp-legend"></div>
        <div id="cmp-status" class="muted"></div>
        <div id="cmp-charts"></div>
      </div>
    </div></div>`;
  const q = (s) => /** @type {HTMLElement} */ (el.querySelector(s));
  /** @type {HTMLElement} */ (q('[data-act="close"]')).onclick = opts.close;
  let laps;
  try {
    const [rows, marks] = await Promise.all([api.laps(id), api.sectors(id)]);
    laps = new LapsModel(rows);
    laps.setMarks(marks);
  } catch (e) {
    exposed.error = e instanceof Error ? e.message : String(e);
    q('#cmp-status').innerHTML = `<div class="error-box">${esc(exposed.error)}</div>`;
    return;
  }
  // Spoiler-free: only laps the playhead has seen.
  const until = opts.spoilerFree ? opts.t : Infinity;
  const usable = (r) => r.time != null && r.time <= until && r.lapTime != null;
  const drivers = m.drivers.map((d, i) => ({ ...d, index: i, colour: normColour(d.colour) }));
  const bestOf = (n) => laps.sessionBest(n, until);
  drivers.sort((a, b) => (bestOf(a.number)?.lapTime ?? Infinity) - (bestOf(b.number)?.lapTime ?? Infinity));

  /** @type {{driver:number, lap:number}[]} */
  let picks = [];
  for (const n of opts.selected.slice(0, MAX_LAPS)) {
    const b = bestOf(n);
    if (b) picks.push({ driver: n, lap: b.lap });
  }
  for (const d of drivers) {
    if (picks.length >= 2) break;
    const b = bestOf(d.number);
    if (b && !picks.some((p) => p.driver === d.number)) picks.push({ driver: d.number, lap: b.lap });
  }

  /** @type {Map<string, Promise<any>>} */
  const telCache = new Map();
  const tel = (p) => {
    const k = `${p.driver}/${p.lap}`;
    if (!telCache.has(k)) telCache.set(k, api.telemetry(id, p.driver, p.lap));
    return /** @type {Promise<any>} */ (telCache.get(k));
  };
  /** @type {any[]} */
  let profiles = [];
  let colours = [];

  const renderPicks = () => {
    const box = q('#cmp-picks');
    box.innerHTML = picks
      .map((p, i) => {
        const dOpts = drivers.map((d) => `<option value="${d.number}" ${d.number === p.driver ? 'selected' : ''}>${esc(d.tla)}</option>`).join('');
        const best = bestOf(p.driver);
        const lOpts = (laps.byDriver.get(p.driver) || [])
          .filter(usable)
          .map((r) => `<option value="${r.lap}" ${r.lap === p.lap ? 'selected' : ''}>Lap ${r.lap} · ${lapTime(r.lapTime)}${r === best ? ' ★' : ''}${r.deleted ? ' (deleted)' : ''}</option>`)
          .join('');
        return `<div class="pick-row" data-i="${i}"><span class="swatch" style="background:${colours[i] || '#888'}"></span>
          <select data-k="driver" aria-label="Driver ${i + 1}">${dOpts}</select><select data-k="lap" aria-label="Lap of driver ${i + 1}">${lOpts}</select>
          ${picks.length > 2 ? `<button class="btn tiny" data-k="remove" title="Remove">×</button>` : ''}</div>`;
      })
      .join('');
    box.querySelectorAll('.pick-row').forEach((row) => {
      const i = Number(/** @type {HTMLElement} */ (row).dataset.i);
      /** @type {HTMLSelectElement} */ (row.querySelector('[data-k="driver"]')).onchange = (e) => {
        const n = Number(/** @type {HTMLSelectElement} */ (e.target).value);
        const b = bestOf(n) || (laps.byDriver.get(n) || []).find(usable);
        if (b) picks[i] = { driver: n, lap: b.lap };
        refresh();
      };
      /** @type {HTMLSelectElement} */ (row.querySelector('[data-k="lap"]')).onchange = (e) => {
        picks[i] = { driver: picks[i].driver, lap: Number(/** @type {HTMLSelectElement} */ (e.target).value) };
        refresh();
      };
      const rm = row.querySelector('[data-k="remove"]');
      if (rm) {
        /** @type {HTMLElement} */ (rm).onclick = () => {
          picks.splice(i, 1);
          refresh();
        };
      }
    });
    /** @type {HTMLButtonElement} */ (q('[data-act="add"]')).disabled = picks.length >= MAX_LAPS;
  };
  /** @type {HTMLElement} */ (q('[data-act="add"]')).onclick = () => {
    const d = drivers.find((x) => !picks.some((p) => p.driver === x.number) && bestOf(x.number));
    if (d && picks.length < MAX_LAPS) {
      picks.push({ driver: d.number, lap: /** @type {any} */ (bestOf(d.number)).lap });
      refresh();
    }
  };

  const rows = () => picks.map((p) => (laps.byDriver.get(p.driver) || []).find((r) => r.lap === p.lap) || null);

  const renderSectors = () => {
    const rs = rows();
    const cols = [0, 1, 2, 3].map((c) => rs.map((r) => (r ? (c < 3 ? r.sectors[c] : r.lapTime) : null)));
    const best = cols.map((vals) => Math.min(...vals.map((v) => (v == null ? Infinity : v))));
    exposed.sectors = rs.map((r) => (r ? [...r.sectors, r.lapTime] : [null, null, null, null]));
    q('#cmp-sectors').innerHTML = `<thead><tr><th></th><th>Lap</th><th>S1</th><th>S2</th><th>S3</th><th>Time</th></tr></thead><tbody>${rs
      .map((r, i) => {
        const d = drivers.find((x) => x.number === picks[i].driver);
        const cell = (c) => {
          const v = cols[c][i];
          return `<td class="num" style="${v != null && v === best[c] && rs.length > 1 ? 'color:var(--purple);font-weight:700' : ''}">${v == null ? '–' : lapTime(v)}</td>`;
        };
        return `<tr data-driver="${picks[i].driver}" data-lap="${picks[i].lap}"><td><span class="team" style="--team:${colours[i]}"></span>${esc(d?.tla)}</td><td class="num">${picks[i].lap}</td>${cell(0)}${cell(1)}${cell(2)}${cell(3)}</tr>`;
      })
      .join('')}</tbody>`;
  };

  /** @type {Plot[]} */
  let plots = [];
  let cursorIdx = /** @type {number|null} */ (null);
  /** @type {number[]} */
  let gridUs = [];
  const drawAll = () => {
    if (!profiles.length) return;
    const ref = profiles[0];
    const xMax = ref.length;
    const marks = ref.sectorDistances || [];
    gridUs = Array.from({ length: GRID + 1 }, (_, k) => k / GRID);
    const xs = gridUs.map((u) => u * xMax);
    // Delta to the first lap, at the same fraction of each lap, against the first lap's distance.
    const deltas = profiles.map((p) => gridUs.map((u) => timeAt(p, u) - timeAt(ref, u)));
    exposed.deltaEnd = deltas.length > 1 ? deltas[1][GRID] : null;
    const charts = /** @type {HTMLElement} */ (q('#cmp-charts'));
    for (const p of plots) p.destroy();
    charts.innerHTML = '';
    const sectorLines = (u) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = '#55556a';
      for (const mk of marks) {
        const x = Math.round(u.valToPos(mk, 'x', true));
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    };
    const zoomAll = (min, max) => plots.forEach((p) => p.zoomTo(min, max));
    plots = CHARTS.map(([key, title, height, range, step]) => {
      const ys = key === 'delta' ? deltas : profiles.map((p) => resample(p, String(key), gridUs, Boolean(step)));
      return new Plot(charts, String(key), {
        title: String(title),
        height: Number(height),
        series: profiles.map((_, i) => ({ label: `lap ${i + 1}`, stroke: colours[i], width: key === 'delta' ? 2 : 1.5, points: { show: false }, ...(step ? { paths: stepped() } : {}) })),
        data: [xs, ...ys],
        ...(range ? { yRange: /** @type {[number, number]} */ (range) } : {}),
        xValue: (v) => `${Math.round(v)} m`,
        yValue: key === 'delta' ? (v) => v.toFixed(2) : (v) => String(Math.round(v)),
        yAxisSize: 52, // one width for all: the plots line up and the synced cursors too
        sync: 'compare',
        draw: sectorLines,
        onZoom: zoomAll,
        onCursor: (idx) => {
          if (idx === cursorIdx) return;
          cursorIdx = idx;
          showReadout();
        },
      });
    });
    drawMiniSectors();
  };

  /** The values under the cursor, in words. */
  const showReadout = () => {
    if (cursorIdx == null || !profiles.length) return;
    const ref = profiles[0];
    const u = gridUs[cursorIdx];
    const vals = profiles.map((p, i) => {
      const sp = resample(p, 'speed', [u], false)[0];
      const dt = timeAt(p, u) - timeAt(ref, u);
      return `<span><i class="swatch" style="background:${colours[i]}"></i>${sp != null && Number.isFinite(sp) ? Math.round(sp) + ' km/h' : ''} ${i ? (dt >= 0 ? '+' : '') + dt.toFixed(3) + ' s' : ''}</span>`;
    });
    q('#cmp-status').innerHTML = `${Math.round(u * ref.length)} m · ${vals.join(' ')}`;
  };

  const drawMiniSectors = () => {
    const cv = /** @type {HTMLCanvasElement} */ (q('#cmp-map'));
    const { w, h, ctx } = fitCanvas(cv);
    ctx.clearRect(0, 0, w, h);
    const ref = profiles[0];
    const pts = [];
    for (let k = 0; k <= 400; k++) {
      const p = positionAt(ref, k / 400);
      if (p) pts.push(p);
    }
    if (pts.length < 2) return;
    const rot = ((m.geometry?.rotation_deg || 0) * Math.PI) / 180;
    const c = Math.cos(rot);
    const s = Math.sin(rot);
    const R = (p) => [p[0] * c - p[1] * s, p[0] * s + p[1] * c];
    const rp = pts.map(R);
    const xs = rp.map((p) => p[0]);
    const ys = rp.map((p) => p[1]);
    const minx = Math.min(...xs);
    const maxx = Math.max(...xs);
    const miny = Math.min(...ys);
    const maxy = Math.max(...ys);
    const sc = Math.min((w - 20) / Math.max(1, maxx - minx), (h - 20) / Math.max(1, maxy - miny));
    const S = (p) => [w / 2 + (p[0] - (minx + maxx) / 2) * sc, h / 2 - (p[1] - (miny + maxy) / 2) * sc];
    ctx.lineCap = 'round';
    for (let ms = 0; ms < MINI_SECTORS; ms++) {
      const a = ms / MINI_SECTORS;
      const b = (ms + 1) / MINI_SECTORS;
      let win = 0;
      let bestT = Infinity;
      profiles.forEach((p, i) => {
        const dt = timeAt(p, b) - timeAt(p, a);
        if (dt < bestT) {
          bestT = dt;
          win = i;
        }
      });
      ctx.beginPath();
      for (let k = 0; k <= 12; k++) {
        const pos = positionAt(ref, a + ((b - a) * k) / 12);
        if (!pos) continue;
        const [x, y] = S(R(pos));
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.strokeStyle = colours[win];
      ctx.lineWidth = 6;
      ctx.stroke();
    }
  };

  let generation = 0;
  const refresh = async () => {
    const gen = ++generation;
    exposed.ready = false;
    // Team colours, unless two laps share one.
    colours = picks.map((p, i) => {
      const d = drivers.find((x) => x.number === p.driver);
      const c = d ? d.colour : FALLBACK[i];
      const clash = picks.slice(0, i).some((o) => {
        const od = drivers.find((x) => x.number === o.driver);
        return od && od.colour === c;
      });
      return clash ? FALLBACK[i] : c;
    });
    renderPicks();
    renderSectors();
    q('#cmp-legend').innerHTML = picks
      .map((p, i) => `<span><i class="swatch" style="background:${colours[i]}"></i>${esc(drivers.find((x) => x.number === p.driver)?.tla)} lap ${p.lap}${i === 0 ? ' (reference)' : ''}</span>`)
      .join('');
    exposed.picks = rows().map((r, i) => ({ driver: picks[i].driver, lap: picks[i].lap, lapTime: r ? r.lapTime : null }));
    if (picks.length < 1) return;
    q('#cmp-status').textContent = 'Loading telemetry…';
    try {
      const tels = await Promise.all(picks.map(tel));
      if (gen !== generation) return;
      const rs = rows();
      profiles = tels.map((t, i) => lapProfile(t, rs[i]?.lapTime));
      q('#cmp-status').textContent = '';
      drawAll();
      exposed.ready = true;
    } catch (e) {
      if (gen !== generation) return;
      exposed.error = e instanceof Error ? e.message : String(e);
      q('#cmp-status').innerHTML = `<div class="error-box">${esc(exposed.error)}</div>`;
    }
  };

  if (picks.length < 2) {
    q('#cmp-status').textContent = opts.spoilerFree ? 'No two timed laps yet at this point of the replay (spoiler-free mode).' : 'This session has fewer than two timed laps.';
    exposed.ready = true;
    return;
  }
  await refresh();
  const onResize = () => {
    if (profiles.length) drawMiniSectors();
  };
  window.addEventListener('resize', onResize);
  const obs = new MutationObserver(() => {
    if (el.hidden || !el.isConnected || !el.querySelector('#cmp-charts')) {
      window.removeEventListener('resize', onResize);
      obs.disconnect();
    }
  });
  obs.observe(el, { attributes: true, childList: true });
}
