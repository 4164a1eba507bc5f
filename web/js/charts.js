// Small canvas line charts against distance, shared by the lap comparison and the ghost race.

/**
 * @typedef {object} Series
 * @property {ArrayLike<number>} xs
 * @property {ArrayLike<number>} ys
 * @property {string} colour
 * @property {boolean} [step] draw as a step function (gear, brake)
 * @property {number} [width]
 */

/**
 * Sizes a canvas to its CSS box and the device pixel ratio; returns its CSS size.
 * @param {HTMLCanvasElement} cv
 * @returns {{w:number, h:number, ctx: CanvasRenderingContext2D}}
 */
export function fitCanvas(cv) {
  const r = cv.getBoundingClientRect();
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(r.width));
  const h = Math.max(1, Math.round(r.height));
  if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h, ctx };
}

/**
 * Draws series against a shared x range.
 * @param {HTMLCanvasElement} cv
 * @param {Series[]} series
 * @param {{xMax:number, yMin?:number, yMax?:number, zero?:boolean, marks?:number[], cursor?:number|null, unit?:string}} opt
 */
export function lineChart(cv, series, opt) {
  const { w, h, ctx } = fitCanvas(cv);
  ctx.clearRect(0, 0, w, h);
  const padL = 44;
  const padR = 8;
  const padT = 16;
  const padB = 14;
  let yMin = opt.yMin ?? Infinity;
  let yMax = opt.yMax ?? -Infinity;
  if (opt.yMin == null || opt.yMax == null) {
    for (const s of series) {
      for (let i = 0; i < s.ys.length; i++) {
        const v = s.ys[i];
        if (!Number.isFinite(v)) continue;
        if (opt.yMin == null && v < yMin) yMin = v;
        if (opt.yMax == null && v > yMax) yMax = v;
      }
    }
  }
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) {
    yMin = 0;
    yMax = 1;
  }
  if (opt.zero) {
    const m = Math.max(Math.abs(yMin), Math.abs(yMax), 0.05);
    yMin = -m * 1.1;
    yMax = m * 1.1;
  }
  if (yMax - yMin < 1e-9) yMax = yMin + 1;
  const X = (x) => padL + (x / Math.max(1e-9, opt.xMax)) * (w - padL - padR);
  const Y = (y) => padT + (1 - (y - yMin) / (yMax - yMin)) * (h - padT - padB);
  // Axes and grid.
  ctx.strokeStyle = '#2c2c3a';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#8d8da0';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const lines = h < 70 ? 1 : 3;
  for (let i = 0; i <= lines; i++) {
    const v = yMin + ((yMax - yMin) * i) / lines;
    const y = Y(v);
    ctx.beginPath();
    ctx.moveTo(padL, y);
    ctx.lineTo(w - padR, y);
    ctx.stroke();
    const label = Math.abs(yMax - yMin) < 5 ? v.toFixed(2) : Math.round(v).toString();
    ctx.fillText(label, 4, y);
  }
  if (opt.zero) {
    ctx.strokeStyle = '#8d8da0';
    ctx.beginPath();
    ctx.moveTo(padL, Y(0));
    ctx.lineTo(w - padR, Y(0));
    ctx.stroke();
  }
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = '#55556a';
  for (const m of opt.marks || []) {
    ctx.beginPath();
    ctx.moveTo(X(m), padT);
    ctx.lineTo(X(m), h - padB);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  for (const s of series) {
    ctx.beginPath();
    let pen = false;
    let prevY = 0;
    for (let i = 0; i < s.xs.length; i++) {
      const x = X(s.xs[i]);
      const v = s.ys[i];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const y = Y(v);
      if (!pen) ctx.moveTo(x, y);
      else {
        if (s.step) ctx.lineTo(x, prevY);
        ctx.lineTo(x, y);
      }
      prevY = y;
      pen = true;
    }
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = s.width ?? 1.6;
    ctx.stroke();
  }
  if (opt.cursor != null && Number.isFinite(opt.cursor)) {
    ctx.strokeStyle = '#ffffffa0';
    ctx.beginPath();
    ctx.moveTo(X(opt.cursor), padT);
    ctx.lineTo(X(opt.cursor), h - padB);
    ctx.stroke();
  }
  return { X, Y, padL, padR, w };
}

/**
 * Linear interpolation of ys over increasing xs at x (clamped at the ends).
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @param {number} x
 * @returns {number}
 */
export function interp(xs, ys, x) {
  const n = xs.length;
  if (!n) return NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = xs[hi] - xs[lo];
  const a = span > 0 ? (x - xs[lo]) / span : 0;
  return ys[lo] + (ys[hi] - ys[lo]) * a;
}
