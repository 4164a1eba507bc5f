// Charts on uPlot (vendored in web/vendor/uplot): the dark theme, a playhead line linked to the
// replay clock, a click that reports the x value under the pointer, shaded x bands (safety car,
// rain), resizing with the box, and synced cursors within a group. Presentation only.

import uPlot from '../vendor/uplot/uPlot.esm.js';

const AXIS = { stroke: '#8d8da0', grid: { stroke: '#2c2c3a', width: 1 }, ticks: { stroke: '#2c2c3a', width: 1 }, font: '10px system-ui, sans-serif' };

/**
 * A shaded x interval.
 * @typedef {object} Band
 * @property {number} from
 * @property {number} to
 * @property {string} colour
 */

/**
 * @typedef {object} PlotOptions
 * @property {string} title shown above the chart (and the canvas' accessible name)
 * @property {number} height CSS px
 * @property {any[]} series uPlot series after the x series
 * @property {any[]} data aligned data: [xs, ys1, ys2, ...]
 * @property {(x: number) => string} [xValue] x tick label
 * @property {(y: number) => string} [yValue] y tick label
 * @property {[number, number]} [yRange] fixed y range
 * @property {[number, number]} [xRange] fixed x range
 * @property {boolean} [yInvert] 1 at the top (positions)
 * @property {string} [sync] cursor sync group
 * @property {Band[]} [bands]
 * @property {(u: any) => void} [draw] extra drawing on the plot canvas (after the series)
 * @property {(x: number) => void} [onClick] a click in the plot, with the x value under it
 * @property {number} [yAxisSize]
 * @property {(v: number) => string[] | null} [ySplitsLabels]
 * @property {number[]} [ySplits]
 * @property {(min: number, max: number) => void} [onZoom] the x range changed (zoom or reset)
 * @property {(idx: number|null) => void} [onCursor] the cursor moved to data index idx (null: left)
 */

/** One chart: a uPlot instance in a titled box, with a playhead and click-to-seek. */
export class Plot {
  /**
   * @param {HTMLElement} parent
   * @param {string} name short key (tests find a chart by it: `data-chart`)
   * @param {PlotOptions} o
   */
  constructor(parent, name, o) {
    this.name = name;
    this.box = document.createElement('figure');
    this.box.className = 'plot';
    this.box.dataset.chart = name;
    const cap = document.createElement('figcaption');
    cap.className = 'plot-title';
    cap.textContent = o.title;
    this.box.appendChild(cap);
    parent.appendChild(this.box);
    /** @type {number|null} */
    this.playheadX = null;
    this.bands = o.bands || [];
    /** True while the scale is set from outside or at creation (no `onZoom`). */
    this.zooming = true;
    const width = Math.max(200, this.box.clientWidth || parent.clientWidth || 600);
    const opts = {
      width,
      height: o.height,
      legend: { show: false },
      cursor: { sync: o.sync ? { key: o.sync } : undefined, drag: { x: true, y: false, setScale: true }, points: { size: 5 } },
      scales: {
        x: { time: false, ...(o.xRange ? { range: o.xRange } : {}) },
        y: { ...(o.yRange ? { range: o.yRange } : {}), ...(o.yInvert ? { dir: -1 } : {}) },
      },
      axes: [
        { ...AXIS, size: 28, values: o.xValue ? (u, vals) => vals.map((v) => (v == null ? '' : o.xValue(v))) : undefined },
        {
          ...AXIS,
          size: o.yAxisSize ?? 44,
          ...(o.ySplits ? { splits: () => o.ySplits } : {}),
          values: o.yValue ? (u, vals) => vals.map((v) => (v == null ? '' : o.yValue(v))) : undefined,
        },
      ],
      series: [{}, ...o.series],
      hooks: {
        drawClear: [(u) => this.drawBands(u)],
        draw: [(u) => o.draw && o.draw(u)],
        setScale: [(u, key) => key === 'x' && o.onZoom && !this.zooming && o.onZoom(u.scales.x.min, u.scales.x.max)],
        setCursor: [(u) => o.onCursor && o.onCursor(u.cursor.idx ?? null)],
      },
    };
    this.u = new uPlot(opts, o.data, this.box);
    this.zooming = false;
    const canvas = this.box.querySelector('canvas');
    if (canvas) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', o.title);
    }
    this.head = document.createElement('div');
    this.head.className = 'plot-playhead';
    this.head.hidden = true;
    this.u.over.appendChild(this.head);
    // Spoiler-free: what lies after the playhead is covered (on top of the cursor points too).
    this.mask = document.createElement('div');
    this.mask.className = 'plot-mask';
    this.mask.hidden = true;
    this.masking = false;
    this.u.over.appendChild(this.mask);
    if (o.onClick) {
      const onClick = o.onClick;
      let downX = 0;
      this.u.over.addEventListener('pointerdown', (e) => {
        downX = e.clientX;
      });
      // A click (not the end of a drag-to-zoom) reports the x value under the pointer.
      this.u.over.addEventListener('click', (e) => {
        if (Math.abs(e.clientX - downX) > 3) return;
        const r = this.u.over.getBoundingClientRect();
        const x = this.u.posToVal(e.clientX - r.left, 'x');
        if (Number.isFinite(x)) onClick(x);
      });
      this.u.over.style.cursor = 'pointer';
    }
    // A double click restores the full range after a zoom (uPlot's default).
    this.resizer = new ResizeObserver(() => this.fit());
    this.resizer.observe(this.box);
  }

  /** Follows the box's width. */
  fit() {
    const w = Math.round(this.box.clientWidth);
    if (w > 50 && Math.abs(w - this.u.width) > 1) {
      this.u.setSize({ width: w, height: this.u.height });
      this.playheadX = null;
    }
  }

  /**
   * Shades the bands under the series.
   * @param {any} u
   */
  drawBands(u) {
    if (!this.bands.length) return;
    const { ctx } = u;
    const { top, height } = u.bbox;
    ctx.save();
    for (const b of this.bands) {
      const x0 = Math.round(u.valToPos(b.from, 'x', true));
      const x1 = Math.round(u.valToPos(b.to, 'x', true));
      if (x1 < u.bbox.left || x0 > u.bbox.left + u.bbox.width) continue;
      ctx.fillStyle = b.colour;
      ctx.fillRect(Math.max(x0, u.bbox.left), top, Math.max(1, Math.min(x1, u.bbox.left + u.bbox.width) - Math.max(x0, u.bbox.left)), height);
    }
    ctx.restore();
  }

  /**
   * Moves the playhead to x (cheap: a transform, only when the pixel changes).
   * @param {number|null} x
   */
  setPlayhead(x) {
    if (x == null || !Number.isFinite(x)) {
      this.head.hidden = true;
      return;
    }
    const px = Math.round(this.u.valToPos(x, 'x'));
    const inside = px >= 0 && px <= this.u.over.clientWidth;
    this.head.hidden = !inside;
    if (px !== this.playheadX) {
      this.playheadX = px;
      this.head.style.transform = `translateX(${px}px)`;
      this.mask.style.left = `${Math.max(0, px + 2)}px`;
    }
    this.mask.hidden = !this.masking || px >= this.u.over.clientWidth;
  }

  /**
   * Replaces the data (keeps the zoom when `keepScale`).
   * @param {any[]} data
   */
  setData(data) {
    this.u.setData(data);
  }

  /**
   * Covers (or not) what lies after the playhead: spoiler-free mode.
   * @param {boolean} on
   */
  setMask(on) {
    this.masking = on;
    this.playheadX = null;
    if (!on) this.mask.hidden = true;
  }

  /**
   * Shows x from min to max without telling `onZoom` (another chart of the group zoomed).
   * @param {number} min
   * @param {number} max
   */
  zoomTo(min, max) {
    this.zooming = true;
    this.u.setScale('x', { min, max });
    this.zooming = false;
  }

  /** The x scale's current range and the plot's width in CSS px (for tests). */
  extent() {
    const s = this.u.scales.x;
    return { xMin: s.min, xMax: s.max, width: this.u.over.clientWidth, series: this.u.series.length - 1, points: this.u.data[0].length };
  }

  /** Removes the chart. */
  destroy() {
    this.resizer.disconnect();
    this.u.destroy();
    this.box.remove();
  }
}

/**
 * Nulls for non-finite values (uPlot's gaps).
 * @param {ArrayLike<number>} ys
 * @returns {(number|null)[]}
 */
export function gaps(ys) {
  return Array.from(ys, (v) => (Number.isFinite(v) ? v : null));
}

/**
 * Path builder of a step function (gear, brake): each value holds until the next.
 * @returns {any}
 */
export function stepped() {
  return uPlot.paths.stepped({ align: 1 });
}
