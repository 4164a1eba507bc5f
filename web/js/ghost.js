// The qualifying ghost race: pick Q1, Q2 or Q3 and drivers; their best laps of that segment
// start together and race on the map at any speed, with the live gap between them. Positions
// come from each lap's telemetry by time since the line; the gap is time-at-distance: how long
// ago the leading ghost was where this one is now.

import * as api from './api.js';
import { PlaybackClock, SPEEDS } from './clock.js';
import { esc, gapS, lapTime } from './format.js';
import { fractionAt, lapProfile, positionAt, timeAt } from './lapdata.js';
import { LapsModel } from './laps.js';
import { TrackMap, normColour } from './trackmap.js';

const DEFAULT_DRIVERS = 5;

/** The page's state, for the browser tests (`window.f1ghost`). */
const exposed = {
  segment: '',
  drivers: /** @type {number[]} */ ([]),
  lapTimes: /** @type {Record<string, number>} */ ({}),
  t: 0,
  playing: false,
  order: /** @type {number[]} */ ([]),
  finished: /** @type {number[]} */ ([]),
  gaps: /** @type {Record<string, number>} */ ({}),
  ready: false,
  error: '',
};

/** @type {{play: () => void, pause: () => void, setSpeed: (s: number) => void, restart: () => void} | null} */
let controls = null;

/** @type {any} */ (window).f1ghost = {
  state: () => JSON.parse(JSON.stringify(exposed)),
  play: () => controls?.play(),
  pause: () => controls?.pause(),
  setSpeed: (s) => controls?.setSpeed(s),
  restart: () => controls?.restart(),
};

/**
 * The time windows of the segments (a lap belongs to a segment if it started in it; laps
 * finishing after the chequered flag still count).
 * @param {any} m
 * @returns {{name:string, from:number, to:number}[]}
 */
function segmentWindows(m) {
  const segs = m.segments || [];
  if (!segs.length) return [{ name: m.session?.name || 'Session', from: -Infinity, to: Infinity }];
  return segs.map((s, i) => ({ name: s.name, from: s.start_s, to: i + 1 < segs.length ? segs[i + 1].start_s : Infinity }));
}

/**
 * Opens the ghost race in `el`.
 * @param {HTMLElement} el
 * @param {string} id
 * @param {any} m manifest
 * @param {{selected: number[], close: () => void, spoilerFree: boolean, t: number}} opts
 */
export async function open(el, id, m, opts) {
  exposed.ready = false;
  exposed.error = '';
  const windows = segmentWindows(m);
  el.innerHTML = `<div class="page">
    <div class="page-head"><h2>Ghost race</h2><span class="muted">${esc(m.session?.meeting || '')} · ${esc(m.session?.name || '')}</span>
      <span id="gh-segs" style="display:flex;gap:4px"></span>
      <span style="flex:1"></span><button class="btn icon-btn" data-act="close" title="Back to the replay (Esc)">×</button></div>
    <div class="page-body">
      <div class="page-side">
        <div class="ghost-board" id="gh-board"></div>
        <h3 class="muted" style="font-size:11px;text-transform:uppercase;margin:12px 0 4px">Drivers (best lap of the segment)</h3>
        <div id="gh-drivers"></div>
      </div>
      <div class="ghost-stage">
        <div style="position:relative;min-height:0"><canvas id="gh-map" style="position:absolute;inset:0"></canvas>
          <div id="gh-status" class="status-banner" hidden></div></div>
        <div class="ghost-controls">
          <button class="btn play" id="gh-play" title="Play / pause (Space)">▶</button>
          <button class="btn" id="gh-restart" title="Restart">Restart</button>
          <span class="speeds" id="gh-speeds"></span>
          <span id="gh-clock" style="margin-left:auto;font-weight:700;font-variant-numeric:tabular-nums;font-size:16px">0.000</span>
        </div>
      </div>
    </div></div>`;
  const q = (s) => /** @type {HTMLElement} */ (el.querySelector(s));
  q('[data-act="close"]').onclick = opts.close;
  if (!(m.segments || []).length && m.session?.kind !== 'practice') {
    q('#gh-board').innerHTML = '<div class="empty">The ghost race compares qualifying laps; this session has no qualifying segments. The best laps of the whole session are used.</div>';
  }
  let laps;
  try {
    laps = new LapsModel(await api.laps(id));
  } catch (e) {
    exposed.error = e instanceof Error ? e.message : String(e);
    q('#gh-board').innerHTML = `<div class="error-box">${esc(exposed.error)}</div>`;
    return;
  }
  const until = opts.spoilerFree ? opts.t : Infinity;
  const drivers = m.drivers.map((d, i) => ({ ...d, index: i, colour: normColour(d.colour) }));
  /** Best valid lap of a driver in a segment window. */
  const bestIn = (n, w) => {
    let best = null;
    for (const r of laps.byDriver.get(n) || []) {
      if (!LapsModel.valid(r) || r.time == null || r.time > until) continue;
      const start = r.start ?? r.time - /** @type {number} */ (r.lapTime);
      if (start < w.from - 1 || start >= w.to) continue;
      if (!best || /** @type {number} */ (r.lapTime) < /** @type {number} */ (best.lapTime)) best = r;
    }
    return best;
  };
  // Start on the last segment that has laps (Q3 when the playhead is past it).
  let segIndex = windows.length - 1;
  while (segIndex > 0 && !drivers.some((d) => bestIn(d.number, windows[segIndex]))) segIndex--;

  const map = new TrackMap(/** @type {HTMLCanvasElement} */ (q('#gh-map')), m, {});
  const clk = new PlaybackClock(0, 1);
  clk.speed = 1;
  /** @type {{driver:number, index:number, row:any, profile:any}[]} */
  let ghosts = [];
  /** @type {Set<number>} */
  let chosen = new Set();
  let finishedSet = new Set();
  let gen = 0;

  const renderSegs = () => {
    q('#gh-segs').innerHTML = windows
      .map((w, i) => `<button class="btn tiny ${i === segIndex ? 'active' : ''}" data-seg="${i}">${esc(w.name)}</button>`)
      .join('');
    q('#gh-segs').querySelectorAll('button').forEach((b) => {
      /** @type {HTMLElement} */ (b).onclick = () => {
        segIndex = Number(/** @type {HTMLElement} */ (b).dataset.seg);
        chooseDefaults();
        load();
      };
    });
  };
  const chooseDefaults = () => {
    const w = windows[segIndex];
    const ranked = drivers
      .map((d) => ({ d, b: bestIn(d.number, w) }))
      .filter((x) => x.b)
      .sort((a, b) => /** @type {number} */ (a.b?.lapTime) - /** @type {number} */ (b.b?.lapTime));
    const sel = opts.selected.filter((n) => ranked.some((x) => x.d.number === n));
    chosen = new Set(sel.length >= 2 ? sel : ranked.slice(0, DEFAULT_DRIVERS).map((x) => x.d.number));
  };
  const renderDrivers = () => {
    const w = windows[segIndex];
    const ranked = drivers
      .map((d) => ({ d, b: bestIn(d.number, w) }))
      .filter((x) => x.b)
      .sort((a, b) => /** @type {number} */ (a.b?.lapTime) - /** @type {number} */ (b.b?.lapTime));
    q('#gh-drivers').innerHTML = ranked.length
      ? ranked
        .map(({ d, b }) => `<label class="pick-row"><input type="checkbox" data-n="${d.number}" ${chosen.has(d.number) ? 'checked' : ''}>
          <span class="swatch" style="background:${d.colour}"></span><b style="width:36px">${esc(d.tla)}</b>
          <span class="muted">Lap ${b?.lap} · ${lapTime(b?.lapTime)}</span></label>`)
        .join('')
      : `<div class="empty">No timed laps in ${esc(w.name)}${opts.spoilerFree ? ' yet (spoiler-free mode)' : ''}.</div>`;
    q('#gh-drivers').querySelectorAll('input').forEach((cb) => {
      cb.onchange = () => {
        const n = Number(cb.dataset.n);
        if (cb.checked) chosen.add(n);
        else chosen.delete(n);
        load();
      };
    });
  };

  const load = async () => {
    const g = ++gen;
    exposed.ready = false;
    renderSegs();
    renderDrivers();
    const w = windows[segIndex];
    const list = [...chosen].map((n) => ({ n, r: bestIn(n, w) })).filter((x) => x.r);
    exposed.segment = w.name;
    exposed.drivers = list.map((x) => x.n);
    exposed.lapTimes = Object.fromEntries(list.map((x) => [x.n, /** @type {number} */ (x.r?.lapTime)]));
    q('#gh-board').innerHTML = '<div class="muted">Loading laps…</div>';
    try {
      const tels = await Promise.all(list.map((x) => api.telemetry(id, x.n, /** @type {any} */ (x.r).lap)));
      if (g !== gen) return;
      ghosts = list.map((x, i) => ({
        driver: x.n,
        index: /** @type {any} */ (drivers.find((d) => d.number === x.n)).index,
        row: x.r,
        profile: lapProfile(tels[i], x.r?.lapTime),
      }));
    } catch (e) {
      if (g !== gen) return;
      exposed.error = e instanceof Error ? e.message : String(e);
      q('#gh-board').innerHTML = `<div class="error-box">${esc(exposed.error)}</div>`;
      return;
    }
    const longest = Math.max(1, ...ghosts.map((x) => x.profile.lapTime));
    clk.tMax = longest + 1;
    clk.pause();
    clk.seek(0);
    finishedSet = new Set();
    exposed.finished = [];
    exposed.ready = true;
  };

  const play = () => {
    if (clk.time() >= clk.tMax) restart();
    clk.play();
  };
  const restart = () => {
    clk.seek(0);
    finishedSet = new Set();
    exposed.finished = [];
  };
  controls = { play, pause: () => clk.pause(), setSpeed: (s) => clk.setSpeed(s), restart };
  q('#gh-play').onclick = () => (clk.playing ? clk.pause() : play());
  q('#gh-restart').onclick = restart;
  q('#gh-speeds').innerHTML = SPEEDS.filter((s) => s <= 16)
    .map((s) => `<button class="btn" data-speed="${s}">${s < 1 ? String(s).replace('0.', '.') : s}×</button>`)
    .join('');
  q('#gh-speeds').querySelectorAll('button').forEach((b) => {
    /** @type {HTMLElement} */ (b).onclick = () => clk.setSpeed(Number(/** @type {HTMLElement} */ (b).dataset.speed));
  });
  const onKey = (e) => {
    if (el.hidden) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (clk.playing) clk.pause();
      else play();
    }
  };
  window.addEventListener('keydown', onKey);

  /** A snapshot-shaped object for the TrackMap. */
  const snap = { t: 0, frame: 0, trackStatus: 1, sessionStatus: 1, leaderLap: 0, rcmCount: 0, weatherIndex: 65535, cars: /** @type {any[]} */ ([]), order: /** @type {number[]} */ ([]) };
  let lastBoard = 0;
  let shownSpeed = '';

  const tick = (now) => {
    if (!el.isConnected || el.hidden || !el.querySelector('#gh-map')) {
      window.removeEventListener('keydown', onKey);
      controls = null;
      return;
    }
    requestAnimationFrame(tick);
    map.resize();
    const t = clk.time(now);
    exposed.t = t;
    exposed.playing = clk.playing;
    const state = ghosts.map((gst) => {
      const p = gst.profile;
      const done = t >= p.lapTime;
      const u = done ? 1 : fractionAt(p, t);
      return { g: gst, u, done };
    });
    // Crossings in this frame are ordered by their exact lap times.
    const newly = state.filter((s) => s.done && !finishedSet.has(s.g.driver)).sort((a, b) => a.g.profile.lapTime - b.g.profile.lapTime);
    for (const s of newly) {
      finishedSet.add(s.g.driver);
      exposed.finished.push(s.g.driver);
    }
    state.sort((a, b) => (a.done && b.done ? a.g.profile.lapTime - b.g.profile.lapTime : b.u - a.u));
    const leader = state[0];
    const gaps = {};
    for (const s of state) {
      let gap = 0;
      if (leader && s !== leader) {
        gap = s.done ? s.g.profile.lapTime - leader.g.profile.lapTime : t - timeAt(leader.g.profile, s.u);
      }
      gaps[s.g.driver] = gap;
    }
    exposed.order = state.map((s) => s.g.driver);
    exposed.gaps = gaps;
    snap.cars = state.map((s, i) => {
      const pos = positionAt(s.g.profile, s.u);
      return { index: s.g.index, number: s.g.driver, x: pos ? pos[0] : null, y: pos ? pos[1] : null, state: 1, position: i + 1, progress: s.u };
    });
    snap.order = snap.cars.map((_, i) => i);
    map.draw(/** @type {any} */ (snap));
    q('#gh-clock').textContent = t.toFixed(3);
    const playIcon = clk.playing ? '❚❚' : '▶';
    if (q('#gh-play').textContent !== playIcon) q('#gh-play').textContent = playIcon;
    const sp = String(clk.speed);
    if (sp !== shownSpeed) {
      shownSpeed = sp;
      q('#gh-speeds').querySelectorAll('button').forEach((b) => b.classList.toggle('active', /** @type {HTMLElement} */ (b).dataset.speed === sp));
    }
    if (now - lastBoard > 100 && exposed.ready) {
      lastBoard = now;
      q('#gh-board').innerHTML = state
        .map((s, i) => {
          const d = drivers[s.g.index];
          const txt = i === 0 ? (s.done ? lapTime(s.g.profile.lapTime) : `${Math.round(s.u * 100)}%`) : gapS(gaps[s.g.driver]);
          return `<div class="row" data-driver="${d.number}"><b>${i + 1}</b><i style="--team:${d.colour}"></i><b>${esc(d.tla)}</b>
            <span class="bar"><i style="width:${(s.u * 100).toFixed(1)}%;background:${d.colour}"></i></span><span style="text-align:right">${txt}</span></div>`;
        })
        .join('');
    }
  };

  chooseDefaults();
  await load();
  requestAnimationFrame(tick);
}
