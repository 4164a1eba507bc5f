// The track map: a canvas with the circuit (outline, pit lane, finish line, sector boundaries,
// DRS zones, tinted by track status) and the cars as team-coloured dots. Pan with a drag, zoom
// with the wheel or a pinch, fit to screen, follow a selected car.

import { STATE, TRACK_STATUS } from './format.js';
import { LabelPlacer } from './labels.js';

const CAR_R = 6.5;

/** The track map of one session. */
export class TrackMap {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {any} manifest
   * @param {{onSelect?: (driver: number, additive: boolean) => void}} [opts]
   */
  constructor(canvas, manifest, opts = {}) {
    this.canvas = canvas;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { alpha: false }));
    this.m = manifest;
    this.g = manifest.geometry || {};
    this.onSelect = opts.onSelect || (() => {});
    const rot = ((this.g.rotation_deg || 0) * Math.PI) / 180;
    this.cos = Math.cos(rot);
    this.sin = Math.sin(rot);
    this.outline = this.#rotated(this.g.outline || []);
    this.pit = this.#rotated(this.g.pit_lane || []);
    this.showLabels = true;
    this.follow = false;
    /** @type {Set<number>} driver numbers */
    this.selected = new Set();
    this.cam = { x: 0, y: 0, scale: 1 };
    this.fitScale = 1;
    this.dpr = 1;
    this.w = 0;
    this.h = 0;
    /** @type {{number:number, sx:number, sy:number}[]} where each car was drawn last */
    this.drawn = [];
    /** label placement (kept between frames) and the boxes drawn last frame */
    this.placer = new LabelPlacer();
    /** @type {import('./labels.js').LabelPlace[]} */
    this.labels = [];
    // The map colour (replay::colours: similar team colours moved apart), else the team's.
    this.colours = manifest.drivers.map((d) => normColour(d.map_colour || d.colour));
    /** @type {boolean[]} the second car of a team (in the manifest's order) wears a white centre: teammates share a colour */
    this.marked = manifest.drivers.map((d, i) => manifest.drivers.slice(0, i).some((o) => o.team && o.team === d.team));
    this.tlas = manifest.drivers.map((d) => d.tla);
    /** @type {Map<string, number>} label widths (measureText is not free at 60 fps) */
    this.textWidths = new Map();
    this.#bindPointer();
    this.resize();
    this.fit();
  }

  /** @param {number[][]} pts */
  #rotated(pts) {
    const out = new Float64Array(pts.length * 2);
    pts.forEach((p, i) => {
      out[2 * i] = p[0] * this.cos - p[1] * this.sin;
      out[2 * i + 1] = p[0] * this.sin + p[1] * this.cos;
    });
    return out;
  }

  /** Matches the canvas to its CSS size and the device pixel ratio. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(r.width));
    const h = Math.max(1, Math.round(r.height));
    if (w === this.w && h === this.h && dpr === this.dpr) return;
    const fitted = Math.abs(this.cam.scale - this.fitScale) < 1e-9;
    this.w = w;
    this.h = h;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.#computeFit();
    if (fitted) this.fit();
  }

  #computeFit() {
    const pts = this.outline.length ? this.outline : this.pit;
    let minx = Infinity;
    let miny = Infinity;
    let maxx = -Infinity;
    let maxy = -Infinity;
    for (const arr of [pts, this.pit]) {
      for (let i = 0; i < arr.length; i += 2) {
        minx = Math.min(minx, arr[i]);
        maxx = Math.max(maxx, arr[i]);
        miny = Math.min(miny, arr[i + 1]);
        maxy = Math.max(maxy, arr[i + 1]);
      }
    }
    if (!Number.isFinite(minx)) {
      minx = -500;
      maxx = 500;
      miny = -500;
      maxy = 500;
    }
    this.fitCenter = { x: (minx + maxx) / 2, y: (miny + maxy) / 2 };
    const pad = 36;
    this.fitScale = Math.max(1e-4, Math.min((this.w - 2 * pad) / Math.max(1, maxx - minx), (this.h - 2 * pad) / Math.max(1, maxy - miny)));
  }

  /** Shows the whole track. */
  fit() {
    this.follow = false;
    this.cam = { x: this.fitCenter.x, y: this.fitCenter.y, scale: this.fitScale };
  }

  /**
   * Follows the first selected car (zooming in if the map is zoomed out).
   * @param {boolean} on
   */
  setFollow(on) {
    this.follow = on;
    if (on && this.cam.scale < this.fitScale * 2.5) this.cam.scale = this.fitScale * 2.5;
  }

  /**
   * Screen position of a world point (CSS pixels).
   * @param {number} x metres (unrotated)
   * @param {number} y
   * @returns {[number, number]}
   */
  toScreen(x, y) {
    const rx = x * this.cos - y * this.sin;
    const ry = x * this.sin + y * this.cos;
    return [this.w / 2 + (rx - this.cam.x) * this.cam.scale, this.h / 2 - (ry - this.cam.y) * this.cam.scale];
  }

  /**
   * Draws the map and the cars of a snapshot.
   * @param {import('./snapshot.js').Snapshot|null} snap
   */
  draw(snap) {
    const ctx = this.ctx;
    if (this.follow && snap) {
      const num = this.selected.values().next().value;
      const car = snap.cars.find((c) => c.number === num);
      if (car && car.x != null && car.y != null) {
        this.cam.x = car.x * this.cos - car.y * this.sin;
        this.cam.y = car.x * this.sin + car.y * this.cos;
      }
    }
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#101017';
    ctx.fillRect(0, 0, this.w, this.h);
    this.#drawTrack(snap ? snap.trackStatus : 1);
    if (snap) this.#drawSectorFlags(snap.t);
    if (snap) this.#drawCars(snap);
  }

  /** @param {Float64Array} pts @param {boolean} close */
  #path(pts, close, from = 0, to = pts.length / 2 - 1) {
    const ctx = this.ctx;
    const { x: cx, y: cy, scale } = this.cam;
    const hw = this.w / 2;
    const hh = this.h / 2;
    ctx.beginPath();
    for (let i = from; i <= to; i++) {
      const sx = hw + (pts[2 * i] - cx) * scale;
      const sy = hh - (pts[2 * i + 1] - cy) * scale;
      if (i === from) ctx.moveTo(sx, sy);
      else ctx.lineTo(sx, sy);
    }
    if (close) ctx.closePath();
  }

  /** @param {number} status */
  #drawTrack(status) {
    const ctx = this.ctx;
    const tint = (TRACK_STATUS[status] || TRACK_STATUS[1]).colour;
    const zoom = Math.max(0.6, Math.min(3, this.cam.scale / this.fitScale));
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    if (this.outline.length >= 4) {
      // A wide tinted halo under the track when a flag is out.
      if (tint) {
        this.#path(this.outline, true);
        ctx.strokeStyle = tint;
        ctx.globalAlpha = 0.35;
        ctx.lineWidth = 18 * zoom;
        ctx.stroke();
        ctx.globalAlpha = 1;
      }
      this.#path(this.outline, true);
      ctx.strokeStyle = tint || '#3b3b4d';
      ctx.lineWidth = 9 * zoom;
      ctx.stroke();
      ctx.strokeStyle = tint ? '#00000066' : '#5a5a70';
      ctx.lineWidth = 1.5;
      ctx.stroke();
      // DRS zones: a green band along the outline.
      const n = this.outline.length / 2;
      for (const z of this.g.drs_zones || []) {
        const from = Math.max(0, Math.min(n - 1, z.from | 0));
        const to = Math.max(0, Math.min(n - 1, z.to | 0));
        ctx.strokeStyle = '#2bd46a';
        ctx.globalAlpha = 0.75;
        ctx.lineWidth = 3 * zoom;
        if (from <= to) {
          this.#path(this.outline, false, from, to);
          ctx.stroke();
        } else {
          this.#path(this.outline, false, from, n - 1);
          ctx.stroke();
          this.#path(this.outline, false, 0, to);
          ctx.stroke();
        }
        ctx.globalAlpha = 1;
      }
    }
    // The pit lane as the cars drove it (garages included), on top of the track (it often runs
    // right beside the main straight): a narrow lane with a dashed centre line.
    if (this.pit.length >= 4) {
      this.#path(this.pit, false);
      ctx.strokeStyle = '#34344a';
      ctx.lineWidth = 5 * zoom;
      ctx.stroke();
      ctx.strokeStyle = '#9a9ab4';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // Sector boundaries: short bars across the track, labelled.
    const secs = this.g.sectors || [];
    secs.forEach((s, i) => {
      if (s == null || !Number.isFinite(s.x)) return;
      const [sx, sy] = this.toScreen(s.x, s.y);
      const dir = this.#directionNear(s.x, s.y);
      this.#bar(sx, sy, dir, 9 * zoom, '#c9c9d6', 2);
      ctx.fillStyle = '#9a9ab0';
      ctx.font = '600 10px system-ui, sans-serif';
      ctx.fillText(`S${i + 2}`, sx + 8, sy - 8);
    });
    const f = this.g.finish;
    if (f && Number.isFinite(f.x)) {
      const [sx, sy] = this.toScreen(f.x, f.y);
      const rdx = f.dx * this.cos - f.dy * this.sin;
      const rdy = f.dx * this.sin + f.dy * this.cos;
      this.#chequered(sx, sy, [rdx, -rdy], 11 * zoom);
    }
  }

  /**
   * The marshal sectors and their flags (replay::marshal's view).
   * @param {{available: boolean, stretches: {number: number, from: number, to: number}[], flags: {sector: number, flag: string, start_s: number, end_s: number|null}[]}} v
   */
  setMarshal(v) {
    this.marshal = v;
    /** @type {Map<number, {from: number, to: number}>} */
    this.stretches = new Map((v.available ? v.stretches : []).map((s) => [s.number, s]));
  }

  /**
   * Flags on the stretch of track they apply to: a wide yellow (double yellow: with a dark
   * dashed centre) or red band over the marshal sector, numbered at its start.
   * @param {number} t
   */
  #drawSectorFlags(t) {
    if (!this.marshal || !this.stretches || !this.stretches.size) return;
    const ctx = this.ctx;
    const n = this.outline.length / 2;
    const zoom = Math.max(0.6, Math.min(3, this.cam.scale / this.fitScale));
    for (const f of this.marshal.flags) {
      if (f.start_s > t || (f.end_s != null && t >= f.end_s)) continue;
      const s = this.stretches.get(f.sector);
      if (!s || n < 2) continue;
      const from = Math.max(0, Math.min(n - 1, s.from));
      const to = Math.max(0, Math.min(n - 1, s.to));
      const runs = from <= to ? [[from, to]] : [[from, n - 1], [0, to]];
      const colour = f.flag === 'red' ? '#ff2d2d' : '#ffd400';
      for (const [a, b] of runs) {
        this.#path(this.outline, false, a, b);
        ctx.strokeStyle = colour;
        ctx.lineWidth = 12 * zoom;
        ctx.stroke();
        if (f.flag === 'double_yellow') {
          ctx.strokeStyle = '#000';
          ctx.lineWidth = 2.5 * zoom;
          ctx.setLineDash([6, 5]);
          ctx.stroke();
          ctx.setLineDash([]);
        }
      }
      const sx = this.w / 2 + (this.outline[2 * from] - this.cam.x) * this.cam.scale;
      const sy = this.h / 2 - (this.outline[2 * from + 1] - this.cam.y) * this.cam.scale;
      ctx.font = '700 11px system-ui, sans-serif';
      const label = `⚑ ${f.sector}`;
      const w = ctx.measureText(label).width + 8;
      ctx.fillStyle = colour;
      ctx.fillRect(sx - w / 2, sy - 22, w, 15);
      ctx.fillStyle = f.flag === 'red' ? '#fff' : '#000';
      ctx.textBaseline = 'middle';
      ctx.fillText(label, sx - w / 2 + 4, sy - 14.5);
    }
  }

  /** The outline's screen direction near a world point. */
  #directionNear(x, y) {
    const rx = x * this.cos - y * this.sin;
    const ry = x * this.sin + y * this.cos;
    const o = this.outline;
    let best = 0;
    let bd = Infinity;
    for (let i = 0; i < o.length; i += 2) {
      const d = (o[i] - rx) ** 2 + (o[i + 1] - ry) ** 2;
      if (d < bd) {
        bd = d;
        best = i / 2;
      }
    }
    const n = o.length / 2;
    if (n < 2) return [1, 0];
    const a = (best - 1 + n) % n;
    const b = (best + 1) % n;
    const dx = o[2 * b] - o[2 * a];
    const dy = o[2 * b + 1] - o[2 * a + 1];
    const len = Math.hypot(dx, dy) || 1;
    return [dx / len, -dy / len];
  }

  #bar(sx, sy, dir, half, colour, width) {
    const ctx = this.ctx;
    const nx = -dir[1];
    const ny = dir[0];
    ctx.beginPath();
    ctx.moveTo(sx - nx * half, sy - ny * half);
    ctx.lineTo(sx + nx * half, sy + ny * half);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  }

  #chequered(sx, sy, dir, half) {
    const ctx = this.ctx;
    const nx = -dir[1];
    const ny = dir[0];
    const cells = 6;
    const step = (2 * half) / cells;
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < cells; i++) {
        const ox = sx - nx * half + nx * step * i + dir[0] * (r - 1) * 3;
        const oy = sy - ny * half + ny * step * i + dir[1] * (r - 1) * 3;
        ctx.fillStyle = (i + r) % 2 ? '#111' : '#fff';
        ctx.beginPath();
        ctx.moveTo(ox, oy);
        ctx.lineTo(ox + nx * step, oy + ny * step);
        ctx.lineTo(ox + nx * step + dir[0] * 3, oy + ny * step + dir[1] * 3);
        ctx.lineTo(ox + dir[0] * 3, oy + dir[1] * 3);
        ctx.fill();
      }
    }
  }

  /** @param {import('./snapshot.js').Snapshot} snap */
  #drawCars(snap) {
    const ctx = this.ctx;
    const drawn = this.drawn;
    drawn.length = 0;
    const anySel = this.selected.size > 0;
    /** @type {any[]} labels wanted this frame */
    const wants = [];
    /** @type {{sx:number, sy:number, r:number}[]} */
    const dots = [];
    // Back to front: retired first, then the field from last to first, selected cars on top.
    const order = snap.order;
    const layers = [[], [], []];
    for (let i = order.length - 1; i >= 0; i--) {
      const car = snap.cars[order[i]];
      if (car.x == null || car.y == null) continue;
      if (car.state === STATE.ABSENT) continue;
      const out = car.state === STATE.RETIRED || car.state === STATE.STOPPED || car.state === STATE.NOT_STARTED;
      const layer = this.selected.has(car.number) ? 2 : out ? 0 : 1;
      layers[layer].push(car);
    }
    ctx.font = '700 10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let l = 0; l < 3; l++) {
      for (const car of layers[l]) {
        const [sx, sy] = this.toScreen(car.x, car.y);
        drawn.push({ number: car.number, sx, sy });
        if (sx < -40 || sy < -40 || sx > this.w + 40 || sy > this.h + 40) continue;
        const colour = this.colours[car.index];
        const sel = l === 2;
        const out = car.state === STATE.RETIRED || car.state === STATE.STOPPED || car.state === STATE.NOT_STARTED;
        const inPit = car.state === STATE.PIT;
        const dim = anySel && !sel;
        ctx.globalAlpha = out ? 0.45 : dim ? 0.55 : 1;
        const r = sel ? CAR_R + 2 : CAR_R;
        if (sel) {
          ctx.beginPath();
          ctx.arc(sx, sy, r + 4, 0, Math.PI * 2);
          ctx.strokeStyle = '#ffd400';
          ctx.lineWidth = 2;
          ctx.stroke();
        }
        ctx.beginPath();
        ctx.arc(sx, sy, r, 0, Math.PI * 2);
        if (inPit) {
          ctx.fillStyle = '#101017';
          ctx.fill();
          ctx.strokeStyle = colour;
          ctx.lineWidth = 2.5;
          ctx.stroke();
        } else {
          ctx.fillStyle = out ? '#6a6a78' : colour;
          ctx.fill();
          ctx.strokeStyle = '#000';
          ctx.lineWidth = 1.2;
          ctx.stroke();
          if (this.marked[car.index] && !out) {
            ctx.beginPath();
            ctx.arc(sx, sy, r * 0.38, 0, Math.PI * 2);
            ctx.fillStyle = '#fff';
            ctx.fill();
          }
        }
        if (out) {
          ctx.strokeStyle = '#ff6b6b';
          ctx.lineWidth = 1.6;
          ctx.beginPath();
          ctx.moveTo(sx - 3.5, sy - 3.5);
          ctx.lineTo(sx + 3.5, sy + 3.5);
          ctx.moveTo(sx + 3.5, sy - 3.5);
          ctx.lineTo(sx - 3.5, sy + 3.5);
          ctx.stroke();
        }
        // Cars parked in the pit lane only get a label when zoomed in (they pile up there).
        const crowded = inPit && this.cam.scale < this.fitScale * 2;
        if ((this.showLabels && !crowded) || sel) {
          const text = this.tlas[car.index] + (inPit ? ' PIT' : out ? ' OUT' : '');
          let tw = this.textWidths.get(text);
          if (tw === undefined) {
            tw = ctx.measureText(text).width;
            this.textWidths.set(text, tw);
          }
          wants.push({ number: car.number, sx, sy, r, w: tw + 6, text, colour, sel, alpha: ctx.globalAlpha, prio: sel ? -1 : car.position || 99 });
        }
        dots.push({ sx, sy, r });
        ctx.globalAlpha = 1;
      }
    }
    this.#drawLabels(wants, dots);
  }

  /**
   * Labels where they cover no other label or dot (labels.js), joined to far dots by a line.
   * @param {any[]} wants
   * @param {{sx:number, sy:number, r:number}[]} dots
   */
  #drawLabels(wants, dots) {
    const ctx = this.ctx;
    wants.sort((a, b) => a.prio - b.prio);
    const places = this.placer.place(wants, dots, this.w, this.h, this.#overlays());
    this.labels = places;
    places.forEach((p, i) => {
      const l = wants[i];
      ctx.globalAlpha = l.alpha;
      if (p.leader) {
        const cx = Math.max(p.x, Math.min(p.x + p.w, l.sx));
        const cy = Math.max(p.y, Math.min(p.y + p.h, l.sy));
        ctx.strokeStyle = '#ffffff90';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(l.sx, l.sy);
        ctx.lineTo(cx, cy);
        ctx.stroke();
      }
      ctx.fillStyle = l.sel ? '#ffd400' : '#000000b0';
      ctx.fillRect(p.x, p.y, p.w, p.h);
      ctx.fillStyle = l.colour;
      ctx.fillRect(p.x, p.y, 2, p.h);
      ctx.fillStyle = l.sel ? '#000' : '#fff';
      ctx.fillText(l.text, p.x + 4, p.y + p.h / 2 + 0.5);
    });
    ctx.globalAlpha = 1;
  }

  /**
   * Boxes of what lies over the map (the status banner, the map's buttons) in canvas pixels,
   * read at most four times a second: labels keep out of them.
   * @returns {{x:number,y:number,w:number,h:number}[]}
   */
  #overlays() {
    const now = performance.now();
    if (this.overlaysAt != null && now - this.overlaysAt < 250) return this.overlayBoxes;
    this.overlaysAt = now;
    const c = this.canvas.getBoundingClientRect();
    const host = this.canvas.parentElement;
    const els = host ? [...host.querySelectorAll('#status-banner, .map-tools')] : [];
    this.overlayBoxes = els
      .filter((e) => !(/** @type {HTMLElement} */ (e).hidden))
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.width > 0 && r.height > 0)
      .map((r) => ({ x: r.left - c.left, y: r.top - c.top, w: r.width, h: r.height }));
    return this.overlayBoxes;
  }

  /**
   * The driver drawn nearest to a screen point, within a few pixels.
   * @param {number} sx
   * @param {number} sy
   * @returns {number|null}
   */
  hit(sx, sy) {
    let best = null;
    let bd = 14 * 14;
    for (const d of this.drawn) {
      const dd = (d.sx - sx) ** 2 + (d.sy - sy) ** 2;
      if (dd < bd) {
        bd = dd;
        best = d.number;
      }
    }
    return best;
  }

  /**
   * Zooms by `factor` keeping the world point under (sx, sy) in place.
   * @param {number} factor
   * @param {number} sx
   * @param {number} sy
   */
  zoomAt(factor, sx, sy) {
    const s0 = this.cam.scale;
    const s1 = Math.max(this.fitScale * 0.5, Math.min(this.fitScale * 40, s0 * factor));
    if (!this.follow) {
      const wx = this.cam.x + (sx - this.w / 2) / s0;
      const wy = this.cam.y - (sy - this.h / 2) / s0;
      this.cam.x = wx - (sx - this.w / 2) / s1;
      this.cam.y = wy + (sy - this.h / 2) / s1;
    }
    this.cam.scale = s1;
  }

  #bindPointer() {
    const cv = this.canvas;
    /** @type {Map<number, {x:number, y:number}>} */
    const pts = new Map();
    let moved = 0;
    let pinch = 0;
    cv.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = cv.getBoundingClientRect();
      this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    cv.addEventListener('pointerdown', (e) => {
      cv.setPointerCapture(e.pointerId);
      pts.set(e.pointerId, { x: e.clientX, y: e.clientY });
      moved = 0;
      if (pts.size === 2) {
        const [a, b] = [...pts.values()];
        pinch = Math.hypot(a.x - b.x, a.y - b.y);
      }
    });
    cv.addEventListener('pointermove', (e) => {
      const p = pts.get(e.pointerId);
      if (!p) return;
      const dx = e.clientX - p.x;
      const dy = e.clientY - p.y;
      p.x = e.clientX;
      p.y = e.clientY;
      moved += Math.abs(dx) + Math.abs(dy);
      if (pts.size === 1) {
        if (moved > 3) {
          cv.classList.add('dragging');
          this.follow = false;
          this.cam.x -= dx / this.cam.scale;
          this.cam.y += dy / this.cam.scale;
        }
      } else if (pts.size === 2) {
        const [a, b] = [...pts.values()];
        const d = Math.hypot(a.x - b.x, a.y - b.y);
        const r = cv.getBoundingClientRect();
        if (pinch > 0) this.zoomAt(d / pinch, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
        pinch = d;
      }
    });
    const end = (e) => {
      if (!pts.has(e.pointerId)) return;
      pts.delete(e.pointerId);
      cv.classList.remove('dragging');
      if (e.type === 'pointerup' && moved <= 3 && pts.size === 0) {
        const r = cv.getBoundingClientRect();
        const hit = this.hit(e.clientX - r.left, e.clientY - r.top);
        if (hit != null) this.onSelect(hit, e.shiftKey);
      }
    };
    cv.addEventListener('pointerup', end);
    cv.addEventListener('pointercancel', end);
    cv.addEventListener('dblclick', () => this.fit());
  }
}

/**
 * A CSS colour from the manifest's `#RRGGBB` or `RRGGBB`.
 * @param {string} c
 * @returns {string}
 */
export function normColour(c) {
  if (!c) return '#9a9aa8';
  const s = String(c).trim();
  if (/^#?[0-9a-fA-F]{6}$/.test(s)) return s.startsWith('#') ? s : '#' + s;
  return s;
}
