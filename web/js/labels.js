// Map label placement: every car's label goes where it covers no other label and no car dot,
// tried beside the dot first, then further out on rings around it with a leader line back to
// the dot. Each car keeps last frame's place while it stays free, so labels do not flicker.
// Pure geometry on screen boxes; the map draws what this returns.

/** Label height in CSS pixels. */
export const LABEL_H = 14;

/** Directions tried, in order: right, left, up-right, down-right, up-left, down-left, up, down. */
const ANGLES = [0, Math.PI, -Math.PI / 4, Math.PI / 4, (-3 * Math.PI) / 4, (3 * Math.PI) / 4, -Math.PI / 2, Math.PI / 2];

/** Rings around the dot (extra distance in px); beyond the first a leader line is drawn. */
const RINGS = [0, 12, 26, 42, 60, 82, 108];

/**
 * @typedef {object} LabelWant
 * @property {number} number driver
 * @property {number} sx dot centre
 * @property {number} sy
 * @property {number} r dot radius
 * @property {number} w label width
 */

/**
 * @typedef {object} LabelPlace
 * @property {number} number
 * @property {number} x left
 * @property {number} y top
 * @property {number} w
 * @property {number} h
 * @property {boolean} leader whether a line joins it to its dot
 */

/**
 * The box of candidate `i` for a label.
 * @param {LabelWant} l
 * @param {number} i
 */
function candidate(l, i) {
  const a = ANGLES[i % ANGLES.length];
  const d = l.r + 3 + RINGS[Math.floor(i / ANGLES.length)];
  const cx = l.sx + Math.cos(a) * (d + l.w / 2);
  const cy = l.sy + Math.sin(a) * (d + LABEL_H / 2);
  return { x: cx - l.w / 2, y: cy - LABEL_H / 2, w: l.w, h: LABEL_H };
}

/** Number of candidates per label. */
const CANDIDATES = ANGLES.length * RINGS.length;

/**
 * @param {{x:number,y:number,w:number,h:number}} a
 * @param {{x:number,y:number,w:number,h:number}} b
 */
function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Places labels without overlaps, remembering each car's place between frames. */
export class LabelPlacer {
  constructor() {
    /** @type {Map<number, number>} driver → candidate used last frame */
    this.last = new Map();
  }

  /**
   * Places the labels in priority order (the first keeps its favourite place).
   * @param {LabelWant[]} wants in priority order
   * @param {{sx:number, sy:number, r:number}[]} dots every drawn car dot
   * @param {number} width canvas size, labels stay inside it when they can
   * @param {number} height
   * @param {{x:number,y:number,w:number,h:number}[]} [blocked] boxes over the map (banner, map buttons) labels keep out of
   * @returns {LabelPlace[]}
   */
  place(wants, dots, width, height, blocked = []) {
    /** @type {{x:number,y:number,w:number,h:number}[]} */
    const taken = dots.map((d) => ({ x: d.sx - d.r - 1, y: d.sy - d.r - 1, w: 2 * d.r + 2, h: 2 * d.r + 2 }));
    taken.push(...blocked);
    /** @type {LabelPlace[]} */
    const out = [];
    const free = (b) => b.x >= 0 && b.y >= 0 && b.x + b.w <= width && b.y + b.h <= height && !taken.some((t) => overlaps(t, b));
    for (const l of wants) {
      const prev = this.last.get(l.number);
      let pick = -1;
      if (prev != null && free(candidate(l, prev))) pick = prev;
      for (let i = 0; pick < 0 && i < CANDIDATES; i++) if (free(candidate(l, i))) pick = i;
      // Nowhere free on screen (a dot at the very edge): beside the dot, as before.
      if (pick < 0) pick = 0;
      this.last.set(l.number, pick);
      const b = candidate(l, pick);
      taken.push(b);
      out.push({ number: l.number, ...b, leader: pick >= ANGLES.length });
    }
    return out;
  }
}
