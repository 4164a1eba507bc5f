// The leaderboard: the replay's running order at the playhead. Races show position change
// since the start, gap or interval, tyre and age, pit stops and state; qualifying and practice
// show the best lap, the model's gap (to the fastest of the part the car is ranked by), the
// segment and the knock-out zone. Rows are positioned with transforms so an overtake slides
// instead of jumping.

import { COMPOUNDS, I32_NONE, STATE, STATE_LABELS, esc, gap, lapTime, lapsText, isTimedByBestLap } from './format.js';
import { LapsModel } from './laps.js';
import { TOWER_CELLS, TOWER_HEAD, fillTower } from './tower.js';
import { normColour } from './trackmap.js';

const UPDATE_MS = 80;

/** The leaderboard of one session. */
export class Leaderboard {
  /**
   * @param {HTMLElement} root the #leaderboard section
   * @param {any} manifest
   * @param {{onSelect: (driver: number, additive: boolean) => void}} opts
   */
  constructor(root, manifest, opts) {
    this.root = root;
    this.m = manifest;
    this.kind = manifest.session?.kind || 'race';
    this.quali = isTimedByBestLap(manifest.session);
    this.rowsEl = /** @type {HTMLElement} */ (root.querySelector('#lb-rows'));
    this.colsEl = /** @type {HTMLElement} */ (root.querySelector('#lb-columns'));
    this.titleEl = /** @type {HTMLElement} */ (root.querySelector('#lb-title'));
    this.gapBtn = /** @type {HTMLButtonElement} */ (root.querySelector('#lb-gap-mode'));
    this.onSelect = opts.onSelect;
    /** @type {'gap'|'interval'} */
    this.gapMode = 'gap';
    /** @type {LapsModel|null} */
    this.laps = null;
    /** @type {Map<number, number>} driver number → position at the start */
    this.grid = new Map();
    this.lastUpdate = -Infinity;
    this.lastFrame = -1;
    /** @type {number[]} driver numbers in the order last shown */
    this.shownOrder = [];
    this.rowH = 26;
    /** Spoiler-free mode: the total laps wait for the flag. */
    this.spoilerFree = false;
    this.#build();
  }

  #build() {
    const cls = this.quali ? 'lb-row quali' : 'lb-row';
    this.colsEl.className = cls + ' lb-columns';
    this.colsEl.innerHTML = this.quali
      ? '<span class="lb-pos">P</span><span>Driver</span><span class="lb-best">Best</span><span class="lb-gap">Gap</span><span>Tyre</span><span></span>'
      : '<span class="lb-pos">P</span><span></span><span>Driver</span><span class="lb-gap" id="lb-gap-h">Gap</span><span>Tyre</span><span class="lb-pits" title="Pit stops">Pit</span><span></span>';
    this.colsEl.innerHTML += TOWER_HEAD;
    this.gapBtn.hidden = this.quali;
    this.gapBtn.onclick = () => this.toggleGapMode();
    const collapse = /** @type {HTMLButtonElement} */ (this.root.querySelector('#lb-collapse'));
    collapse.onclick = () => {
      this.root.classList.toggle('collapsed');
      collapse.textContent = this.root.classList.contains('collapsed') ? '▴' : '▾';
    };
    this.rowsEl.innerHTML = '';
    this.cut = document.createElement('div');
    this.cut.className = 'lb-cut';
    this.cut.hidden = true;
    this.rowsEl.appendChild(this.cut);
    /** @type {Map<number, any>} */
    this.rows = new Map();
    this.m.drivers.forEach((d, i) => {
      const el = document.createElement('div');
      el.className = cls;
      el.dataset.driver = String(d.number);
      el.style.setProperty('--team', normColour(d.colour));
      el.title = `${d.name || d.tla} · ${d.team || ''}`;
      el.innerHTML = this.quali
        ? `<span class="lb-pos"></span><span class="lb-drv"><span>${esc(d.tla)}</span><i class="fl"></i><b class="mk"></b></span><span class="lb-best"></span><span class="lb-gap"></span><span class="lb-tyre"></span><span class="lb-state"></span>${TOWER_CELLS}`
        : `<span class="lb-pos"></span><span class="lb-chg"></span><span class="lb-drv"><span>${esc(d.tla)}</span><i class="fl" title="Fastest lap"></i><b class="mk"></b></span><span class="lb-gap"></span><span class="lb-tyre"></span><span class="lb-pits"></span><span class="lb-state"></span>${TOWER_CELLS}`;
      el.addEventListener('click', (e) => this.onSelect(d.number, e.shiftKey || e.metaKey || e.ctrlKey));
      this.rowsEl.appendChild(el);
      const q = (s) => /** @type {HTMLElement} */ (el.querySelector(s));
      this.rows.set(d.number, {
        el, index: i,
        pos: q('.lb-pos'), chg: q('.lb-chg'), gap: q('.lb-gap'), best: q('.lb-best'), tyre: q('.lb-tyre'),
        pits: q('.lb-pits'), state: q('.lb-state'), mark: q('.mk'),
        cache: /** @type {Record<string, string>} */ ({}),
      });
    });
    this.measure();
  }

  /** Re-reads the row height (it changes with the layout). */
  measure() {
    const v = parseFloat(getComputedStyle(this.rowsEl).getPropertyValue('--row-h'));
    if (v > 0) this.rowH = v;
    this.rowsEl.style.height = `${this.rowH * this.m.drivers.length}px`;
    const tw = this.colsEl.querySelector('.tw');
    this.towerShown = !!tw && getComputedStyle(tw).display !== 'none';
    this.lastFrame = -1;
  }

  /** @param {import('./tower.js').CarMarks} marks race control's marks on cars */
  setMarks(marks) {
    this.marks = marks;
    this.lastFrame = -1;
  }

  /** @param {import('./tower.js').TowerTimes} tower the extra columns' data */
  setTower(tower) {
    this.tower = tower;
    this.lastFrame = -1;
  }

  /** Switches between gap to the leader and interval to the car ahead. */
  toggleGapMode() {
    this.gapMode = this.gapMode === 'gap' ? 'interval' : 'gap';
    this.gapBtn.textContent = this.gapMode === 'gap' ? 'GAP' : 'INT';
    const h = this.colsEl.querySelector('#lb-gap-h');
    if (h) h.textContent = this.gapMode === 'gap' ? 'Gap' : 'Int';
    this.lastFrame = -1;
  }

  /** @param {LapsModel} laps */
  setLaps(laps) {
    this.laps = laps;
    this.lastFrame = -1;
  }

  /** @param {Map<number, number>} grid driver number → position at the start */
  setGrid(grid) {
    this.grid = grid;
    this.lastFrame = -1;
  }

  /**
   * Shows the snapshot (throttled; `force` after a seek or a selection change).
   * @param {import('./snapshot.js').Snapshot} snap
   * @param {Set<number>} selected
   * @param {boolean} [force]
   */
  update(snap, selected, force = false) {
    const now = performance.now();
    if (!force && (snap.frame === this.lastFrame || now - this.lastUpdate < UPDATE_MS)) return;
    this.lastUpdate = now;
    this.lastFrame = snap.frame;
    // After a seek (or the first time) rows jump to their places instead of sliding there.
    const instant = force || this.shownOrder.length === 0;
    if (instant) {
      this.rowsEl.classList.add('no-anim');
      requestAnimationFrame(() => requestAnimationFrame(() => this.rowsEl.classList.remove('no-anim')));
    }
    const t = snap.t;
    const seg = this.segmentAt(t);
    this.titleEl.innerHTML = seg ? `<span class="lb-seg">${esc(seg.name)}</span> Classification` : this.quali ? 'Classification' : `Lap ${snap.leaderLap || '–'}${this.m.session?.total_laps && (!this.spoilerFree || snap.sessionStatus >= 3) ? ' / ' + this.m.session.total_laps : ''}`;
    const fastest = this.laps ? this.laps.fastest(t) : null;
    const n = this.m.drivers.length;
    const cuts = this.quali ? this.#cuts(seg) : null;
    const bests = new Map();
    /** @type {Map<number, any>} best of an earlier segment, for drivers knocked out there */
    const earlier = new Map();
    if (this.quali && this.laps) {
      for (const car of snap.cars) {
        const b = this.laps.best(car.number, t);
        bests.set(car.number, b);
        if (!b && seg) earlier.set(car.number, this.#earlierBest(car.number, seg));
      }
    }
    // The knock-out zone only once someone has a time in this part (before, it means nothing).
    if (cuts && seg && ![...bests.values()].some(Boolean)) cuts.danger = null;
    this.shownOrder.length = 0;
    snap.order.forEach((ci, idx) => {
      const car = snap.cars[ci];
      const row = this.rows.get(car.number);
      this.shownOrder.push(car.number);
      const c = row.cache;
      const set = (key, el, text) => {
        if (el && c[key] !== text) {
          c[key] = text;
          el.textContent = text;
        }
      };
      const setCls = (cls) => {
        if (c.cls !== cls) {
          c.cls = cls;
          row.el.className = cls;
        }
      };
      const y = `translateY(${idx * this.rowH}px)`;
      if (c.y !== y) {
        c.y = y;
        row.el.style.transform = y;
      }
      set('pos', row.pos, car.position > 0 ? String(car.position) : '');
      if (this.tower && this.towerShown) fillTower(row, this.tower, car, t);
      if (this.marks) {
        const mk = this.marks.at(car.number, t);
        const key = mk ? mk.kind + mk.message : '';
        if (c.mark !== key) {
          c.mark = key;
          row.mark.textContent = mk ? mk.text : '';
          row.mark.className = mk ? `mk ${mk.kind}` : 'mk';
          row.mark.title = mk ? mk.message : '';
        }
      }
      const out = car.state === STATE.RETIRED || car.state === STATE.NOT_STARTED || car.state === STATE.STOPPED;
      let cls = this.quali ? 'lb-row quali' : 'lb-row';
      if (selected.has(car.number)) cls += ' selected';
      if (fastest && fastest.driver === car.number) cls += ' fastest';
      if (out) cls += ' out-of-race';
      if (cuts && car.position > 0) {
        if (cuts.knocked != null && car.position > cuts.knocked) cls += ' knocked';
        else if (cuts.danger != null && car.position > cuts.danger) cls += ' danger';
      }
      setCls(cls);
      // A knocked-out car in its garage is not news.
      const knockedOut = cls.includes(' knocked');
      const st = knockedOut ? '' : STATE_LABELS[car.state] || '';
      set('state', row.state, st);
      if (c.stcls !== st) {
        c.stcls = st;
        row.state.className = 'lb-state ' + st;
      }
      const comp = COMPOUNDS[car.compound] || 'UNKNOWN';
      const tyreKey = comp + car.tyreAge;
      if (c.tyre !== tyreKey) {
        c.tyre = tyreKey;
        row.tyre.innerHTML = car.compound
          ? `<span class="tyre ${comp}" title="${comp}, ${lapsText(car.tyreAge)}">${comp[0]}</span><span class="lb-age">${car.tyreAge}</span>`
          : '';
      }
      if (this.quali) {
        const b = bests.get(car.number);
        const old = earlier.get(car.number);
        set('best', row.best, b ? lapTime(b.lapTime) : old ? lapTime(old.lapTime) : '');
        const bestCls = b && fastest && b === fastest ? 'lb-best ob' : !b && old ? 'lb-best muted' : 'lb-best';
        if (c.bestcls !== bestCls) {
          c.bestcls = bestCls;
          row.best.className = bestCls;
        }
        // The model's gap: to the fastest lap of the part the car is ranked by (none for it).
        set('gap', row.gap, car.gap > 0 ? gap(car.gap) : '');
      } else {
        const grid = this.grid.get(car.number);
        let chg = '';
        let chgCls = 'lb-chg';
        if (grid && car.position > 0 && !out) {
          const d = grid - car.position;
          if (d > 0) {
            chg = `▲${d}`;
            chgCls += ' up';
          } else if (d < 0) {
            chg = `▼${-d}`;
            chgCls += ' down';
          } else chg = '–';
        }
        set('chg', row.chg, chg);
        if (c.chgcls !== chgCls) {
          c.chgcls = chgCls;
          row.chg.className = chgCls;
        }
        let g;
        if (car.position === 1) g = this.gapMode === 'gap' ? 'LEADER' : 'INTERVAL';
        else {
          const v = this.gapMode === 'gap' ? car.gap : car.interval;
          g = v === I32_NONE ? '' : gap(v);
        }
        if (out && car.state === STATE.RETIRED) g = 'OUT';
        set('gap', row.gap, g);
        set('pits', row.pits, car.pitStops ? String(car.pitStops) : '');
      }
    });
    if (cuts && (cuts.danger != null || cuts.knocked != null)) {
      const line = cuts.knocked ?? cuts.danger;
      this.cut.hidden = !(line && line < n);
      this.cut.style.transform = `translateY(${(line || 0) * this.rowH}px)`;
    } else this.cut.hidden = true;
  }

  /**
   * A driver's best lap in the segments before `seg` (the latest one with a lap): the model's
   * mark just before the next segment started.
   * @param {number} driver
   * @param {{start_s:number}} seg
   */
  #earlierBest(driver, seg) {
    if (!this.laps) return null;
    const segs = this.m.segments || [];
    for (let i = segs.indexOf(seg) - 1; i >= 0; i--) {
      const b = this.laps.best(driver, segs[i + 1].start_s - 0.001);
      if (b) return b;
    }
    return null;
  }

  /**
   * The qualifying segment at t (the last one started), or null.
   * @param {number} t
   * @returns {{name:string, start_s:number, end_s:number}|null}
   */
  segmentAt(t) {
    const segs = this.m.segments || [];
    let cur = null;
    for (const s of segs) if (s.start_s <= t) cur = s;
    return cur || (segs.length ? segs[0] : null);
  }

  /**
   * Knock-out lines of the segment: `danger` = the last safe position while the segment runs,
   * `knocked` = positions beyond it are out from earlier segments.
   * @param {{name:string}|null} seg
   */
  #cuts(seg) {
    if (!seg) return null;
    const segs = this.m.segments || [];
    const i = segs.indexOf(seg);
    const n = this.m.drivers.length;
    const cut1 = 10 + Math.ceil((n - 10) / 2);
    if (segs.length < 3) return null;
    if (i === 0) return { danger: cut1, knocked: null };
    if (i === 1) return { danger: 10, knocked: cut1 };
    return { danger: null, knocked: 10 };
  }
}
