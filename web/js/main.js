// f1replay's browser UI: wires the picker, the chunk store, the playback clock, the track map,
// the leaderboard, the controls and the side panels, and runs the animation loop.
//
// One requestAnimationFrame loop reads the clock (performance.now based), samples the replay
// at exactly that session time and draws. Data arrives by chunks over HTTP; while the chunk
// under the playhead is missing the clock holds still, so seeking never skips ahead.

import * as api from './api.js';
import { ChunkStore } from './chunks.js';
import { PlaybackClock, SPEEDS } from './clock.js';
import { Controls, lapAt } from './controls.js';
import { DriverPanel } from './driverpanel.js';
import { TRACK_STATUS, clock, esc, isTimedByBestLap, timeOfDay } from './format.js';
import { LapsModel } from './laps.js';
import { initLayout } from './layout.js';
import { CarMarks, TowerTimes } from './tower.js';
import { Leaderboard } from './leaderboard.js';
import { RaceControlPanel, ResultsPanel, WeatherPanel } from './panels.js';
import { Picker } from './picker.js';
import { Sampler } from './snapshot.js';
import { StoryView } from './story.js';
import { TeamRadio } from './radio.js';
import { TrackMap } from './trackmap.js';
import { readUrl, writeUrl } from './url.js';
import { showSourceWarnings } from './warnings.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** How far ahead of the playhead to prefetch, in seconds of wall time. */
const PREFETCH_WALL_S = 12;

/**
 * Everything about the open session.
 * @typedef {object} Session
 * @property {string} id
 * @property {any} manifest
 * @property {ChunkStore} store
 * @property {Sampler} sampler
 * @property {PlaybackClock} clock
 * @property {TrackMap} map
 * @property {Leaderboard} board
 * @property {Controls} controls
 * @property {DriverPanel} driverPanel
 * @property {RaceControlPanel} rcPanel
 * @property {WeatherPanel} weatherPanel
 * @property {ResultsPanel} resultsPanel
 * @property {LapsModel|null} laps
 * @property {any} [marshal] the /marshal-sectors answer, once it arrives
 */

const app = {
  /** @type {Session|null} */
  s: null,
  generation: 0,
  /** @type {Set<number>} */
  selected: new Set(),
  spoilerFree: localStorage.getItem('f1replay.spoilerFree') === '1',
  showLabels: true,
  tab: 'driver',
  /** @type {import('./snapshot.js').Snapshot|null} */
  lastSnap: null,
  buffering: false,
  bufferingSince: 0,
  lastWant: '',
  forceBoard: false,
  lastUrlWrite: 0,
  lastPanels: 0,
  lastHeader: '',
  lastLoadedShown: 0,
  /** @type {number[]} recent requestAnimationFrame timestamps */
  frameTimes: [],
  firstFrameDrawn: false,
  /** @type {((v?: any) => void)[]} */
  readyWaiters: [],
  /** @type {StoryView|null} the race story beside the map, while open */
  story: null,
  /** @type {TeamRadio|null} the open session's team radio */
  radio: null,
};

const picker = new Picker({ onPick: (id) => openSession(id, { push: true }) });

/**
 * Opens a session: follows its build, loads the manifest, shows the playhead at `opts.t`.
 * @param {string} id
 * @param {{t?: number, speed?: number, selected?: number[], play?: boolean, push?: boolean}} [opts]
 */
async function openSession(id, opts = {}) {
  const gen = ++app.generation;
  if (!picker.isOpen) await picker.open();
  picker.showBuild('', 0);
  let manifest;
  try {
    const build = api.watchBuild(id, (stage, pct) => {
      if (gen === app.generation) picker.showBuild(stage, pct);
    });
    try {
      await build.done;
    } catch (e) {
      // A transport failure of the event stream: the manifest request below gives the real answer.
      if (!(e instanceof api.ApiError && e.status === -1)) throw e;
    }
    if (gen !== app.generation) return;
    picker.showBuild('replay', 100);
    manifest = await api.manifest(id);
  } catch (e) {
    if (gen !== app.generation) return;
    picker.showError(`${id}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (gen !== app.generation) return;
  if (!manifest || !Array.isArray(manifest.chunks) || !manifest.chunks.length || !(manifest.frame_count > 0)) {
    picker.showError(`${id}: this session has nothing to replay (no car positions in its data).`);
    return;
  }
  closeSession();
  setupSession(id, manifest, opts);
  picker.doneBuild();
  picker.closable = true;
  picker.close();
}

function closeSession() {
  if (!app.s) return;
  app.story?.destroy();
  app.story = null;
  app.radio?.playing?.pause();
  app.radio = null;
  app.s.store.close();
  app.s = null;
  app.lastSnap = null;
  app.firstFrameDrawn = false;
}

/**
 * Says on the map what the session's data lacks (the manifest's `coverage`), instead of an
 * empty map and an order that is not there.
 * @param {{positions: boolean, car_telemetry: boolean, timing: boolean} | undefined} c
 */
function showCoverage(c) {
  const el = $('coverage-notice');
  const missing = [];
  if (c && !c.positions) missing.push('car positions (no map)');
  if (c && !c.car_telemetry) missing.push('car telemetry');
  if (c && !c.timing) missing.push('timing (no running order or gaps)');
  el.hidden = missing.length === 0;
  el.textContent = missing.length ? `This session's data has no ${missing.join(', no ')}.` : '';
}

/**
 * @param {string} id
 * @param {any} m manifest
 * @param {{t?: number, speed?: number, selected?: number[], play?: boolean, push?: boolean}} opts
 */
function setupSession(id, m, opts) {
  const store = new ChunkStore(id, m);
  const sampler = new Sampler(m, store);
  const tMin = m.t_start_s;
  const tMax = sampler.tEnd;
  const clk = new PlaybackClock(tMin, tMax);
  const start = m.session?.start_s ?? tMin;
  clk.seek(opts.t ?? Math.max(tMin, Math.min(tMax, start - 10)));
  if (opts.speed && opts.speed > 0) clk.speed = opts.speed;
  clk.onEnd = () => updateUrl(true);
  app.selected = new Set((opts.selected || []).filter((n) => m.drivers.some((d) => d.number === n)));
  const map = new TrackMap(/** @type {HTMLCanvasElement} */ ($('trackmap')), m, { onSelect: select });
  showCoverage(m.coverage);
  map.showLabels = app.showLabels;
  map.selected = app.selected;
  const board = new Leaderboard($('leaderboard'), m, { onSelect: select });
  /** @type {Session} */
  const s = {
    id, manifest: m, store, sampler, clock: clk, map, board, laps: null,
    controls: /** @type {any} */ (null),
    driverPanel: new DriverPanel($('driver-panel'), m, sampler),
    rcPanel: new RaceControlPanel($('rc-panel'), m),
    weatherPanel: new WeatherPanel($('weather-panel'), m),
    resultsPanel: new ResultsPanel($('results-panel'), m, id),
  };
  s.controls = new Controls(m, tMin, tMax, {
    toggle: () => (clk.playing ? pause() : play()),
    seek,
    skip: (dt) => seek(clk.time() + dt),
    setSpeed,
    jumpToLap,
    time: () => clk.time(),
    playing: () => clk.playing,
    speed: () => clk.speed,
    command,
  });
  s.controls.setSpoilerFree(app.spoilerFree);
  s.resultsPanel.setSpoilerFree(app.spoilerFree);
  store.onLoad = () => {
    app.lastWant = '';
  };
  app.s = s;
  $('app').classList.remove('no-session');
  $('session-meeting').textContent = m.session?.meeting || id;
  $('session-name').textContent = m.session?.name || '';
  document.title = `${m.session?.meeting || id} · ${m.session?.name || ''} · f1replay`;
  app.lastHeader = '';
  showSourceWarnings($('source-warnings'), m.warnings);
  wantChunks(true);
  loadLaps(s);
  loadMarshal(s);
  const radio = new TeamRadio(id, m);
  app.radio = radio;
  radio.loaded.then(() => {
    if (app.s === s) {
      s.rcPanel.setRadio(radio);
      app.lastPanels = 0;
    }
  });
  if (!isTimedByBestLap(m.session)) loadGrid(s, start);
  s.board.spoilerFree = app.spoilerFree;
  if (opts.play) s.clock.play();
  // Opened from the picker: a history entry of its own, so Back returns to the picker.
  updateUrl(true, undefined, opts.push);
  if ($('app').classList.contains('story-open')) openStory();
}

/** Opens the race story beside the map for the open session (story.js). */
function openStory() {
  const s = app.s;
  $('app').classList.add('story-open');
  $('story').hidden = false;
  $('open-story').classList.add('active');
  $('open-story').setAttribute('aria-pressed', 'true');
  if (s && !app.story) {
    app.story = new StoryView($('story'), s.id, s.manifest, { seek });
    app.story.setSpoilerFree(app.spoilerFree);
  }
  s?.map.resize();
  updateUrl(true);
}

/**
 * Closes the race story; the map takes its room back.
 * @param {boolean} [write] whether the URL is written (not while following Back or a link)
 */
function closeStory(write = true) {
  app.story?.destroy();
  app.story = null;
  $('app').classList.remove('story-open');
  $('story').hidden = true;
  $('open-story').classList.remove('active');
  $('open-story').setAttribute('aria-pressed', 'false');
  app.s?.map.resize();
  if (write) updateUrl(true);
}

/** @param {Session} s */
async function loadLaps(s) {
  try {
    const [rows, marks, stints, stops, carMarks, segments, drs, deltas] = await Promise.all([
      api.laps(s.id),
      api.sectors(s.id),
      api.stints(s.id),
      api.pitStops(s.id).catch(optional('pit stops')),
      api.carMarks(s.id).catch(optional('race control marks')),
      api.segments(s.id).catch(optional('mini-sectors')),
      api.drs(s.id).catch(optional('DRS range')),
      api.lapDeltas(s.id).catch(optional('lap deltas')),
    ]);
    const laps = new LapsModel(rows);
    laps.setMarks(marks);
    if (app.s !== s) return;
    s.laps = laps;
    s.board.setLaps(laps);
    s.board.setTower(new TowerTimes(laps, marks, stints, stops, { segments, drs, deltas }));
    s.board.setMarks(new CarMarks(carMarks));
    s.driverPanel.setLaps(laps);
  } catch (e) {
    // Laps only add best times and the fastest-lap mark; the replay plays without them.
    console.warn('laps unavailable:', e instanceof Error ? e.message : e);
  }
}

/**
 * Marshal sectors and their flags (replay::marshal): the map draws a flag on its sector's
 * stretch when the sectors are known; the banner names the sector either way.
 * @param {Session} s
 */
async function loadMarshal(s) {
  try {
    const v = await api.marshalSectors(s.id);
    if (app.s !== s) return;
    s.marshal = v;
    s.map.setMarshal(v);
    app.lastHeader = '';
  } catch (e) {
    console.warn('marshal sectors unavailable:', e instanceof Error ? e.message : e);
  }
}

/** Banner names of the sector flags. */
const SECTOR_FLAG_NAMES = { yellow: 'Yellow', double_yellow: 'Double yellow', red: 'Red' };

/**
 * A table the tower can do without (its column stays empty): logged, answered as empty.
 * @param {string} what
 */
function optional(what) {
  return (/** @type {unknown} */ e) => {
    console.warn(`${what} unavailable:`, e instanceof Error ? e.message : e);
    return [];
  };
}

/**
 * The order at the start (for "positions gained"), read from the chunk at the start.
 * @param {Session} s
 * @param {number} start
 */
async function loadGrid(s, start) {
  const k = Math.max(0, Math.min(s.manifest.frame_count - 1, Math.round(s.sampler.frameOf(start))));
  try {
    await s.store.load(s.store.indexOfFrame(k));
  } catch {
    return;
  }
  if (app.s !== s) return;
  const grid = new Map();
  s.manifest.drivers.forEach((d, i) => {
    const p = s.sampler.value('position', i, k);
    if (p) grid.set(d.number, p);
  });
  s.board.setGrid(grid);
}

function play() {
  if (!app.s) return;
  app.s.clock.play();
  updateUrl(true);
}

function pause() {
  if (!app.s) return;
  app.s.clock.pause();
  updateUrl(true);
}

/** @param {number} t */
function seek(t) {
  if (!app.s) return;
  app.s.clock.seek(t);
  wantChunks(true);
  app.forceBoard = true;
  updateUrl(true);
}

/** @param {number} speed */
function setSpeed(speed) {
  if (!app.s || !(speed > 0)) return;
  app.s.clock.setSpeed(speed);
  wantChunks(true);
  updateUrl(true);
  toast(`${speed}×`);
}

/** @param {number} lap */
function jumpToLap(lap) {
  if (!app.s) return;
  const starts = app.s.manifest.lap_starts || [];
  if (!starts.length) return;
  const target = starts.find((l) => l.lap === lap) || (lap <= starts[0].lap ? starts[0] : starts[starts.length - 1]);
  // A hair after the line so the counter already shows the new lap.
  seek(target.t_s + 0.05);
}

/**
 * Selects a driver (additive: shift-click adds or removes).
 * @param {number} driver
 * @param {boolean} additive
 */
function select(driver, additive) {
  if (additive) {
    if (app.selected.has(driver)) app.selected.delete(driver);
    else app.selected.add(driver);
  } else if (app.selected.size === 1 && app.selected.has(driver)) app.selected.clear();
  else {
    app.selected.clear();
    app.selected.add(driver);
  }
  if (app.s && app.selected.size === 0) app.s.map.follow = false;
  $('map-follow').classList.toggle('active', !!app.s?.map.follow);
  app.lastPanels = 0;
  if (app.lastSnap && app.s) app.s.board.update(app.lastSnap, app.selected, true);
  updateUrl(true);
}

/**
 * Named UI commands (buttons and keys).
 * @param {string} name
 */
function command(name) {
  const s = app.s;
  switch (name) {
    case 'labels':
      app.showLabels = !app.showLabels;
      if (s) s.map.showLabels = app.showLabels;
      $('map-labels').classList.toggle('active', app.showLabels);
      break;
    case 'gap':
      s?.board.toggleGapMode();
      break;
    case 'fit':
      s?.map.fit();
      $('map-follow').classList.remove('active');
      break;
    case 'follow':
      if (!s) break;
      if (!app.selected.size) {
        toast('Select a driver to follow');
        break;
      }
      s.map.setFollow(!s.map.follow);
      $('map-follow').classList.toggle('active', s.map.follow);
      break;
    case 'spoiler':
      setSpoilerFree(!app.spoilerFree);
      break;
    case 'help':
      $('help').hidden = !$('help').hidden;
      break;
    case 'picker':
      picker.open();
      break;
    case 'compare':
      openView('compare');
      break;
    case 'ghost':
      openView('ghost');
      break;
    case 'story':
      if (app.story || $('app').classList.contains('story-open')) closeStory();
      else openStory();
      break;
    case 'escape':
      if (!$('help').hidden) $('help').hidden = true;
      else if (!$('compare').hidden || !$('ghost').hidden || app.story) closeViews();
      else if (picker.isOpen) picker.close();
      else if (app.selected.size) {
        app.selected.clear();
        if (s) s.map.follow = false;
        app.lastPanels = 0;
        if (app.lastSnap && s) s.board.update(app.lastSnap, app.selected, true);
        updateUrl(true);
      }
      break;
    default:
      break;
  }
}

/**
 * @param {boolean} on
 * @param {boolean} [fromOtherTab] another tab changed it (its storage event): no toast
 */
function setSpoilerFree(on, fromOtherTab = false) {
  app.spoilerFree = on;
  if (!fromOtherTab) localStorage.setItem('f1replay.spoilerFree', on ? '1' : '0');
  /** @type {HTMLInputElement} */ ($('spoiler-free')).checked = on;
  if (app.s) {
    app.s.controls.setSpoilerFree(on);
    app.s.resultsPanel.setSpoilerFree(on);
    app.s.board.spoilerFree = on;
    app.forceBoard = true;
  }
  app.story?.setSpoilerFree(on);
  app.lastPanels = 0;
  app.lastHeader = '';
  if (!fromOtherTab) toast(on ? 'Spoiler-free: results hidden until they happen' : 'Spoiler-free off');
}

/**
 * The full-page views, loaded lazily (the race story is not one: it sits beside the map, `openStory`).
 * @type {Record<string, () => Promise<any>>}
 */
const VIEWS = { compare: () => import('./compare.js'), ghost: () => import('./ghost.js') };

/** Loaded lazily: the lap comparison and the ghost race are separate pages. */
async function openView(view) {
  if (!app.s) return;
  pause();
  const el = $(view);
  el.hidden = false;
  const load = VIEWS[view];
  if (!load) return;
  const mod = await load();
  if (!app.s) return;
  await mod.open(el, app.s.id, app.s.manifest, { selected: [...app.selected], close: closeViews, spoilerFree: app.spoilerFree, t: app.s.clock.time() });
  // A history entry of its own (unless the URL already names it): Back returns to the viewer.
  updateUrl(true, view, readUrl().view !== view);
}

/** @param {boolean} [write] keep the URL in step (not when the URL itself closed the view) */
function closeViews(write = true) {
  for (const v of ['compare', 'ghost']) {
    const el = document.getElementById(v);
    if (el && !el.hidden) {
      el.hidden = true;
      el.innerHTML = '';
    }
  }
  if (app.story) closeStory(false);
  if (write) updateUrl(true);
}

/**
 * Tells the store which chunks the playhead needs (cheap; only acts when something changed).
 * @param {boolean} [force]
 */
function wantChunks(force = false) {
  const s = app.s;
  if (!s) return;
  const t = s.clock.time();
  const k = Math.max(0, Math.min(s.manifest.frame_count - 1, Math.floor(s.sampler.frameOf(t) + 1e-6)));
  const n = s.store.indexOfFrame(k);
  const chunkS = (s.manifest.chunk_frames * s.manifest.frame_ms) / 1000;
  const ahead = s.clock.playing ? Math.min(24, 1 + Math.ceil((PREFETCH_WALL_S * s.clock.speed) / chunkS)) : 1;
  const key = `${n}/${ahead}`;
  if (!force && key === app.lastWant) return;
  app.lastWant = key;
  s.store.want(n, ahead);
}

/**
 * Keeps the playhead in the URL (immediately on user actions, once a second while playing).
 * @param {boolean} [now]
 * @param {string} [view]
 * @param {boolean} [push] add a history entry (a session or a view opened)
 */
function updateUrl(now = false, view, push = false) {
  const s = app.s;
  if (!s) return;
  const wall = performance.now();
  if (!now && wall - app.lastUrlWrite < 1000) return;
  app.lastUrlWrite = wall;
  const v = view ?? (!$('compare').hidden ? 'compare' : !$('ghost').hidden ? 'ghost' : app.story ? 'story' : undefined);
  writeUrl({ s: s.id, t: s.clock.time(), x: s.clock.speed, p: s.clock.playing, d: [...app.selected], view: v }, push);
}

/** @param {string} text */
function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(/** @type {any} */ (toast).timer);
  /** @type {any} */ (toast).timer = setTimeout(() => {
    el.hidden = true;
  }, 1200);
}

/**
 * The header: lap counter, session clock, track status banner.
 * @param {Session} s
 * @param {import('./snapshot.js').Snapshot} snap
 */
function drawHeader(s, snap) {
  const m = s.manifest;
  const start = m.session?.start_s ?? m.t_start_s;
  const timed = isTimedByBestLap(m.session);
  let lapHtml;
  let clockText;
  const seg = s.board.segmentAt(snap.t);
  // One clock meaning per session kind: timed sessions count down the time left in the part
  // (or the session), races count up from the start.
  let clockTitle = 'Race time';
  if (timed) {
    const from = seg ? seg.start_s : start;
    const to = seg ? seg.end_s : m.session?.end_s;
    lapHtml = esc(seg ? seg.name : m.session?.name || 'Session');
    clockTitle = `Time left in ${seg ? seg.name : 'the session'}`;
    clockText = to != null ? clock(Math.max(0, Math.min(to - from, to - snap.t)), true) : clock(snap.t - start);
  } else {
    const lap = snap.leaderLap || lapAt(m.lap_starts || [], snap.t);
    const total = m.session?.total_laps;
    // Spoiler-free: the distance is not told before the flag (a shortened race gives it away).
    const showTotal = total && (!app.spoilerFree || snap.sessionStatus >= 3);
    lapHtml = `LAP <b id="lap-now">${lap || '–'}</b>${showTotal ? '<span id="lap-total">/' + total + '</span>' : ''}`;
    clockText = clock(snap.t - start);
  }
  const flags = activeSectorFlags(s.marshal, snap.t);
  // Short, as the map marks it (⚑ and the marshal sector's number), so it fits a phone's banner.
  const flagText = flags.map((f) => `${SECTOR_FLAG_NAMES[f.flag] || f.flag} ⚑${f.sector}`).join(', ');
  const key = lapHtml + clockText + snap.trackStatus + snap.sessionStatus + flagText;
  if (key === app.lastHeader) return;
  app.lastHeader = key;
  $('lap-counter').innerHTML = lapHtml;
  $('session-clock').textContent = clockText;
  $('session-clock').title = clockTitle + (m.session?.t0_utc ? ` · time of day ${timeOfDay(m.session.t0_utc, snap.t)}` : '');
  const banner = $('status-banner');
  const ts = TRACK_STATUS[snap.trackStatus];
  // Where the map cannot draw a sector flag, a second line of the banner says why.
  const unplaced = flags.length > 0 && !s.marshal?.available;
  const why = unplaced ? `Marshal sectors not on the map: ${s.marshal?.reason || 'unknown'}` : '';
  banner.title = why;
  const note = unplaced ? `<small class="banner-note">${esc(why)}</small>` : '';
  if (ts && ts.short) {
    banner.hidden = false;
    banner.className = `status-banner s${snap.trackStatus}`;
    banner.innerHTML = esc(ts.label + (flags.length ? ` · ${flagText}` : '')) + note;
  } else if (flags.length) {
    banner.hidden = false;
    banner.className = `status-banner ${flags.some((f) => f.flag === 'red') ? 's5' : 's2'}`;
    banner.innerHTML = esc(flagText) + note;
  } else if (snap.sessionStatus >= 3 && snap.sessionStatus <= 4 && !timed) {
    banner.hidden = false;
    banner.className = 'status-banner chequered';
    banner.textContent = 'Chequered flag';
  } else banner.hidden = true;
}

/**
 * The sector flags shown at time t.
 * @param {any} marshal the /marshal-sectors answer (or undefined before it arrives)
 * @param {number} t
 * @returns {{sector: number, flag: string}[]}
 */
function activeSectorFlags(marshal, t) {
  if (!marshal) return [];
  return marshal.flags.filter((f) => f.start_s <= t && (f.end_s == null || t < f.end_s));
}

/** The animation loop: one clock read, one sample, one draw per display refresh. */
function frame(now) {
  requestAnimationFrame(frame);
  const ft = app.frameTimes;
  ft.push(now);
  while (ft.length > 2 && now - ft[0] > 2000) ft.shift();
  const s = app.s;
  if (!s) return;
  const t = s.clock.time(now);
  const snap = s.sampler.at(t);
  if (!snap) {
    if (s.clock.playing) s.clock.hold(t, now);
    if (!app.buffering) {
      app.buffering = true;
      app.bufferingSince = now;
    }
    $('buffering').hidden = now - app.bufferingSince < 200;
    wantChunks();
    s.map.draw(app.lastSnap);
    s.controls.update(t);
    return;
  }
  if (app.buffering) {
    app.buffering = false;
    $('buffering').hidden = true;
  }
  app.lastSnap = snap;
  wantChunks();
  s.map.draw(snap);
  s.board.update(snap, app.selected, app.forceBoard);
  app.forceBoard = false;
  s.controls.update(t);
  drawHeader(s, snap);
  app.story?.update(snap.t);
  if (now - app.lastPanels > 200) {
    app.lastPanels = now;
    if (app.tab === 'driver') {
      s.driverPanel.update(snap, app.selected);
      app.radio?.renderDriver($('driver-panel'), app.selected, snap.t);
    }
    if (app.tab === 'control') s.rcPanel.update(snap.t);
    if (app.tab === 'weather') s.weatherPanel.update(snap);
    if (app.tab === 'results') s.resultsPanel.update(snap);
  }
  if (now - app.lastLoadedShown > 500) {
    app.lastLoadedShown = now;
    s.controls.showLoaded(s.store.loaded());
  }
  if (s.clock.playing) updateUrl();
  if (!app.firstFrameDrawn) app.firstFrameDrawn = true;
  if (app.readyWaiters.length) {
    const w = app.readyWaiters.splice(0);
    for (const fn of w) fn();
  }
}

/** Measured display refresh over the last second or two. */
function fps() {
  const ft = app.frameTimes;
  if (ft.length < 2) return 0;
  return ((ft.length - 1) * 1000) / (ft[ft.length - 1] - ft[0]);
}

function bindGlobal() {
  $('open-picker').onclick = () => picker.open();
  $('open-help').onclick = () => command('help');
  $('open-compare').onclick = () => command('compare');
  $('open-ghost').onclick = () => command('ghost');
  $('open-sessions').onclick = () => command('picker');
  initLayout();
  $('open-story').onclick = () => command('story');
  $('map-fit').onclick = () => command('fit');
  $('map-follow').onclick = () => command('follow');
  $('map-labels').onclick = () => command('labels');
  const sf = /** @type {HTMLInputElement} */ ($('spoiler-free'));
  sf.checked = app.spoilerFree;
  sf.onchange = () => setSpoilerFree(sf.checked);
  document.querySelectorAll('[data-close]').forEach((b) => {
    b.addEventListener('click', () => {
      const which = /** @type {HTMLElement} */ (b).dataset.close;
      if (which === 'picker') picker.close();
      else $(String(which)).hidden = true;
    });
  });
  document.querySelectorAll('.tab').forEach((b) => {
    b.addEventListener('click', () => {
      app.tab = String(/** @type {HTMLElement} */ (b).dataset.tab);
      document.querySelectorAll('.tab').forEach((x) => {
        x.classList.toggle('active', x === b);
        x.setAttribute('aria-selected', String(x === b));
      });
      document.querySelectorAll('.tab-body').forEach((x) => {
        /** @type {HTMLElement} */ (x).hidden = /** @type {HTMLElement} */ (x).dataset.body !== app.tab;
      });
      app.lastPanels = 0;
    });
  });
  window.addEventListener('keydown', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA') && e.key !== 'Escape') return;
    if (!$('compare').hidden || !$('ghost').hidden) {
      if (e.key === 'Escape') closeViews();
      return;
    }
    if (picker.isOpen && e.key !== 'Escape') return;
    if (e.key === 'Escape') {
      command('escape');
      e.preventDefault();
      return;
    }
    if (!app.s) return;
    if (app.s.controls.key(e)) e.preventDefault();
  });
  window.addEventListener('resize', () => {
    app.s?.map.resize();
    app.s?.board.measure();
  });
  window.addEventListener('hashchange', () => {
    // Back, Forward or a pasted link: follow it.
    const u = readUrl();
    if (!u.s) {
      // Back to before a session was opened: the picker (pausing without writing the URL back).
      app.s?.clock.pause();
      closeViews(false);
      picker.open();
      return;
    }
    if (!app.s || u.s !== app.s.id) {
      openSession(u.s, { t: u.t, speed: u.x, selected: u.d, play: u.p });
      return;
    }
    if (picker.isOpen) picker.close();
    if (!u.view) closeViews(false);
    else if (u.view === 'story') {
      if (!app.story) openStory();
    } else if ($(u.view).hidden) openView(u.view);
    if (u.t != null && Math.abs(u.t - app.s.clock.time()) > 1) seek(u.t);
  });
  // Spoiler-free is one setting for every tab of the viewer.
  window.addEventListener('storage', (e) => {
    if (e.key === 'f1replay.spoilerFree' && (e.newValue === '1') !== app.spoilerFree) setSpoilerFree(e.newValue === '1', true);
  });
  window.addEventListener('pagehide', () => updateUrl(true));
  // Team radio play buttons, in the race control feed and the driver panel.
  document.addEventListener('click', (e) => {
    const b = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (e.target).closest?.('[data-radio-play]'));
    if (b && app.radio) app.radio.play(Number(b.dataset.radioPlay), $('sidepanel'));
  });
}

/** The browser tests' handle on the page (and a console toy). */
window.f1replay = {
  /** The playback state as plain data. */
  state() {
    const s = app.s;
    const snap = app.lastSnap;
    return {
      session: s ? s.id : null,
      kind: s ? s.manifest.session?.kind : null,
      ready: !!(s && snap && !app.buffering && (s.clock.playing || Math.abs(snap.t - s.clock.time()) < 1e-6)),
      t: s ? s.clock.time() : null,
      playing: s ? s.clock.playing : false,
      speed: s ? s.clock.speed : 1,
      frame: snap ? snap.frame : null,
      lap: snap ? snap.leaderLap : null,
      lapShown: Number(document.getElementById('lap-now')?.textContent) || null,
      totalLaps: s ? s.manifest.session?.total_laps ?? null : null,
      order: snap ? snap.order.map((i) => snap.cars[i].number) : [],
      boardOrder: s ? s.board.shownOrder.slice() : [],
      trackStatus: snap ? snap.trackStatus : null,
      sectorFlags: s && snap ? activeSectorFlags(s.marshal, snap.t) : [],
      marshalAvailable: s && s.marshal ? s.marshal.available : null,
      buffering: app.buffering,
      fps: Math.round(fps() * 10) / 10,
      selected: [...app.selected],
      chunks: s ? { loaded: s.store.loaded().length, fetched: s.store.stats.fetched, errors: s.store.stats.errors } : null,
      spoilerFree: app.spoilerFree,
      towerReady: !!(s && s.board.tower),
      mapScale: s ? s.map.cam.scale : null,
      mapCentre: s ? [s.map.cam.x, s.map.cam.y] : null,
      story: !!app.story,
    };
  },
  /** Where each car was drawn (CSS pixels of the map canvas), its label's box, its replay position. */
  cars() {
    const s = app.s;
    const snap = app.lastSnap;
    if (!s || !snap) return [];
    return s.map.drawn.map((d) => {
      const car = snap.cars.find((c) => c.number === d.number);
      const l = s.map.labels.find((p) => p.number === d.number);
      return { number: d.number, sx: d.sx, sy: d.sy, x: car?.x, y: car?.y, position: car?.position, state: car?.state, label: l ? [l.x, l.y, l.w, l.h] : null };
    });
  },
  /** Resolves after the next frame drawn with data. */
  nextFrame() {
    return new Promise((r) => app.readyWaiters.push(r));
  },
  open: (id, t) => openSession(id, { t }),
  play,
  pause,
  seek,
  setSpeed,
  jumpToLap,
  select: (nums) => {
    app.selected.clear();
    for (const n of nums) app.selected.add(n);
    app.lastPanels = 0;
  },
  command,
  speeds: SPEEDS,
};

/** The race story's charts, for the browser tests. */
window.f1story = {
  state: () => (app.story ? app.story.state() : null),
  loaded: () => (app.story ? app.story.loaded : Promise.resolve()),
};

function boot() {
  bindGlobal();
  requestAnimationFrame(frame);
  const u = readUrl();
  if (u.s) {
    openSession(u.s, { t: u.t, speed: u.x, selected: u.d, play: u.p }).then(() => {
      if (u.view === 'story' && app.s) openStory();
      else if (u.view && app.s) openView(u.view);
    });
  } else {
    picker.open();
  }
}

boot();
