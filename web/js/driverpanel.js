// The driver panel: for each selected driver, live telemetry at the playhead (speed, gear,
// rpm, throttle and brake, DRS, tyre), last and best lap with coloured sectors, and a chart of
// speed, throttle and brake over the last 30 seconds, read from the replay chunks.

import { COMPOUNDS, esc, gap, lapTime, lapsText } from './format.js';
import { normColour } from './trackmap.js';

const MAX_CARDS = 4;
const CHART_S = 30;

/** Driver cards for the selected drivers. */
export class DriverPanel {
  /**
   * @param {HTMLElement} el
   * @param {any} manifest
   * @param {import('./snapshot.js').Sampler} sampler
   */
  constructor(el, manifest, sampler) {
    this.el = el;
    this.m = manifest;
    this.sampler = sampler;
    /** @type {import('./laps.js').LapsModel|null} */
    this.laps = null;
    /** @type {string|null} */
    this.key = null;
    /** @type {Map<number, Record<string, HTMLElement>>} */
    this.cards = new Map();
    el.innerHTML = '';
  }

  /** @param {import('./laps.js').LapsModel} laps */
  setLaps(laps) {
    this.laps = laps;
    this.key = null;
  }

  /**
   * @param {import('./snapshot.js').Snapshot} snap
   * @param {Set<number>} selected
   */
  update(snap, selected) {
    const nums = [...selected].slice(0, MAX_CARDS);
    const key = nums.join(',');
    if (key !== this.key) {
      this.key = key;
      this.#build(nums);
    }
    if (!nums.length) return;
    for (const n of nums) {
      const car = snap.cars.find((c) => c.number === n);
      const card = this.cards.get(n);
      if (!car || !card) continue;
      card.pos.textContent = car.position ? `P${car.position}` : '';
      card.speed.textContent = String(car.speed);
      card.gear.textContent = car.gear ? String(car.gear) : 'N';
      card.rpm.textContent = String(car.rpm);
      /** @type {HTMLElement} */ (card.thr.firstElementChild).style.width = `${Math.min(100, car.throttle)}%`;
      /** @type {HTMLElement} */ (card.brk.firstElementChild).style.width = car.brake ? '100%' : '0%';
      card.drs.className = `drs d${car.drs}`;
      card.drs.title = ['DRS off', 'DRS available', 'DRS open'][car.drs] || '';
      const comp = COMPOUNDS[car.compound] || 'UNKNOWN';
      card.tyre.innerHTML = car.compound ? `<span class="tyre ${comp}">${comp[0]}</span> ${lapsText(car.tyreAge)}` : '–';
      card.gap.textContent = car.position === 1 ? 'Leader' : gap(car.gap);
      card.lap.textContent = car.lap ? String(car.lap) : '–';
      if (this.laps) {
        const last = this.laps.last(n, snap.t);
        const best = this.laps.best(n, snap.t);
        const laps = this.laps;
        const cell = (v, i) => (v == null ? '<span>–</span>' : `<span class="${laps.markClass(n, last.lap, i, snap.t)}">${lapTime(v)}</span>`);
        const lapCls = (r) => (r ? laps.markClass(n, r.lap, 'lap', snap.t) : '');
        card.laps.innerHTML = `<span class="h"></span><span class="h">Lap</span><span class="h">S1</span><span class="h">S2</span><span class="h">S3</span>
          <span class="h">Last</span><span class="${lapCls(last)}">${last ? lapTime(last.lapTime) || '–' : '–'}</span>${last ? last.sectors.map(cell).join('') : '<span></span><span></span><span></span>'}
          <span class="h">Best</span><span class="${best ? laps.markClass(n, best.lap, 'lap', snap.t) || 'pb' : ''}">${best ? lapTime(best.lapTime) : '–'}</span>${best ? best.sectors.map((v) => `<span>${lapTime(v)}</span>`).join('') : '<span></span><span></span><span></span>'}`;
      }
      this.#chart(/** @type {HTMLCanvasElement} */ (card.chart), car.index, snap.frame);
    }
  }

  /** @param {number[]} nums */
  #build(nums) {
    this.cards.clear();
    if (!nums.length) {
      this.el.innerHTML = '<div class="empty">Select a driver on the leaderboard or the map<br>(Shift+click for several) to see live telemetry.</div>';
      return;
    }
    this.el.innerHTML = '';
    for (const n of nums) {
      const d = this.m.drivers.find((x) => x.number === n);
      if (!d) continue;
      const card = document.createElement('div');
      card.className = 'dp';
      card.dataset.driver = String(n);
      card.style.setProperty('--team', normColour(d.colour));
      card.innerHTML = `<div class="dp-head"><span><span class="dp-name">${esc(d.tla)}</span> <span class="dp-team">#${d.number} ${esc(d.name || '')}</span></span><b data-k="pos"></b></div>
        <div class="dp-grid">
          <div><div class="dp-lbl">km/h</div><div class="dp-big" data-k="speed">0</div></div>
          <div><div class="dp-lbl">Gear</div><div class="dp-big" data-k="gear">N</div></div>
          <div><div class="dp-lbl">RPM</div><div data-k="rpm" style="font-size:15px;font-weight:700">0</div><span class="drs d0" data-k="drs">DRS</span></div>
          <div style="grid-column:span 3"><div class="dp-lbl">Throttle</div><div class="bar" data-k="thr"><i></i></div>
            <div class="dp-lbl" style="margin-top:3px">Brake</div><div class="bar brake" data-k="brk"><i></i></div></div>
          <div><div class="dp-lbl">Tyre</div><div data-k="tyre"></div></div>
          <div><div class="dp-lbl">Gap</div><div data-k="gap"></div></div>
          <div><div class="dp-lbl">Lap</div><div data-k="lap"></div></div>
        </div>
        <div class="dp-laps" data-k="laps"></div>
        <canvas class="dp-chart" data-k="chart" width="560" height="140" title="Last 30 s: speed (white), throttle (green), brake (red)"></canvas>`;
      this.el.appendChild(card);
      /** @type {Record<string, HTMLElement>} */
      const refs = {};
      card.querySelectorAll('[data-k]').forEach((x) => {
        refs[/** @type {string} */ (/** @type {HTMLElement} */ (x).dataset.k)] = /** @type {HTMLElement} */ (x);
      });
      this.cards.set(n, refs);
    }
  }

  /**
   * Speed, throttle and brake over the last 30 s up to frame k.
   * @param {HTMLCanvasElement} cv
   * @param {number} di driver index
   * @param {number} k current frame
   */
  #chart(cv, di, k) {
    const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
    const W = cv.width;
    const H = cv.height;
    ctx.clearRect(0, 0, W, H);
    const span = Math.round((CHART_S * 1000) / this.m.frame_ms);
    const step = Math.max(1, Math.floor(span / 240));
    const k0 = Math.max(0, k - span);
    const xOf = (f) => ((f - (k - span)) / span) * W;
    const s = this.sampler;
    // The chart reaches back into the previous chunk: ask for it (a no-op when it is here).
    const back = s.store.indexOfFrame(k0);
    if (!s.store.has(back)) s.store.load(back).catch(() => {});
    // Brake as red blocks, throttle and speed as lines.
    ctx.fillStyle = '#ff2d2d55';
    for (let f = k0; f <= k; f += step) {
      if (s.value('brake', di, f)) ctx.fillRect(xOf(f), 0, Math.max(1, (step / span) * W + 0.5), H);
    }
    const line = (col, colour, max, width) => {
      ctx.beginPath();
      let pen = false;
      for (let f = k0; f <= k; f += step) {
        const v = s.value(col, di, f);
        if (v == null) {
          pen = false;
          continue;
        }
        const y = H - 4 - (Math.min(max, v) / max) * (H - 8);
        if (pen) ctx.lineTo(xOf(f), y);
        else ctx.moveTo(xOf(f), y);
        pen = true;
      }
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.stroke();
    };
    line('throttle', '#2bd46a', 100, 2);
    line('speed', '#ffffff', 360, 2.5);
  }
}
