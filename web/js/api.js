// The server's REST API (docs/API.md). Every call returns parsed JSON or throws an ApiError
// whose message is meant for a person.

/** An API failure: `status` is the HTTP status (0 = the server could not be reached). */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * Static mode: the viewer published by `f1replay publish` on a plain static file host, marked
 * by its `static.json`. There is no API to ask: each API path maps to a published file (no
 * query strings), chunks are gzip files named by their ETag, and nothing needs building.
 */
export const STATIC = await fetch('static.json')
  .then((r) => (r.ok ? r.json() : null))
  .then((j) => Boolean(j && j.static))
  .catch(() => false);

/** Chunk file names (their ETags) by session id, from the manifests read in static mode. */
const chunkNames = new Map();

/**
 * The published file of an API path in static mode (`null`: the site does not hold it).
 * @param {string} path
 * @returns {string|null}
 */
export function staticPath(path) {
  const [route, query] = path.split('?');
  const q = new URLSearchParams(query ?? '');
  let m;
  if (route === '/api/codes') return 'data/codes.json';
  if (route === '/api/seasons') return 'data/seasons.json';
  if ((m = route.match(/^\/api\/seasons\/([^/]+)\/sessions$/))) return `data/seasons/${m[1]}/sessions.json`;
  if ((m = route.match(/^\/api\/sessions\/([^/]+)$/))) return `data/sessions/${m[1]}/manifest.json`;
  if ((m = route.match(/^\/api\/sessions\/([^/]+)\/telemetry$/))) {
    return `data/sessions/${m[1]}/telemetry/${Number(q.get('driver'))}-${Number(q.get('lap'))}.json`;
  }
  if ((m = route.match(/^\/api\/sessions\/([^/]+)\/([a-z-]+)$/))) return `data/sessions/${m[1]}/${m[2]}.json`;
  return null;
}

/**
 * The URL to fetch for an API path: itself, or its published file in static mode.
 * @param {string} path
 * @returns {string}
 */
export function apiUrl(path) {
  if (!STATIC) return path;
  const file = staticPath(path);
  if (file === null) throw new ApiError(`Not available in this published site (${path}).`, 404);
  return file;
}

/**
 * GETs JSON from the API.
 * @param {string} path e.g. `/api/seasons`
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
export async function getJson(path, signal) {
  let res;
  try {
    res = await fetch(apiUrl(path), { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError('The f1replay server cannot be reached. Is it still running?', 0);
  }
  if (!res.ok) {
    let detail = '';
    try {
      const body = await res.json();
      detail = body && body.error ? String(body.error) : '';
    } catch {
      // Not JSON: the status alone says enough.
    }
    throw new ApiError(plainError(res.status, detail), res.status);
  }
  return res.json();
}

/**
 * An error as a person would want to read it.
 * @param {number} status
 * @param {string} detail the server's own message
 * @returns {string}
 */
export function plainError(status, detail) {
  const d = detail ? ` (${detail})` : '';
  const low = detail.toLowerCase();
  if (low.includes('not published') || low.includes('not yet')) return `This session has not been published yet${d}.`;
  if (low.includes('network') || low.includes('connect') || low.includes('dns') || low.includes('timed out') || status === 503 || status === 504) {
    return `The live-timing archive could not be reached: no network?${d}`;
  }
  if (status === 404) return `Not found${d}.`;
  if (status === 400) return `The request was not understood${d}.`;
  if (status === 422 || status === 502 || status === 500) return `This session's data could not be read${d}.`;
  return `The server answered ${status}${d}.`;
}

/** @returns {Promise<{year:number, source:string}[]>} */
export const seasons = () => getJson('/api/seasons');

/**
 * @param {number} year (0 = the simulated sessions)
 * @returns {Promise<{id:string, meeting:string, name:string, kind:string, start:string, available:boolean}[]>}
 */
export const sessionsOf = (year) => getJson(`/api/seasons/${encodeURIComponent(year)}/sessions`);

/**
 * The replay manifest (builds the session if needed).
 * @param {string} id
 * @returns {Promise<any>}
 */
export const manifest = async (id) => {
  const m = await getJson(`/api/sessions/${encodeURIComponent(id)}`);
  if (STATIC) chunkNames.set(id, m.chunks.map((/** @type {any} */ c) => String(c.etag).replace(/"/g, '')));
  return m;
};

/**
 * One frame as JSON, the server's own reading of the replay.
 * @param {string} id
 * @param {number} t session time, seconds
 */
export const frame = (id, t) => getJson(`/api/sessions/${encodeURIComponent(id)}/frame?t=${t}`);

/** @param {string} id */
export const laps = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/laps`);
/** @param {string} id */
export const results = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/results`);
/** GET /stints: each driver's stints (timing's rule). @param {string} id */
export const stints = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/stints`);
/** GET /pit-stops: each visit to the pit lane, with its time (timing's rule). @param {string} id */
export const pitStops = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/pit-stops`);
/** GET /car-marks: race control's marks on cars (timing::stewards). @param {string} id */
export const carMarks = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/car-marks`);
/** GET /segments: every mini-sector status the timing sent (timing::segments). @param {string} id */
export const segments = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/segments`);
/** GET /drs: each car's DRS range at each line crossing, races (timing::drs). @param {string} id */
export const drs = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/drs`);
/** GET /lap-deltas: each lap's delta to the best at the same distance (timing::delta). @param {string} id */
export const lapDeltas = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/lap-deltas`);
/** GET /marshal-sectors: marshal sector stretches and race control's sector flags (replay::marshal). @param {string} id */
export const marshalSectors = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/marshal-sectors`);
/** @param {string} id */
export const sectors = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/sectors`);

/** @param {string} id */
export const weather = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/weather`);
/** @param {string} id */
export const trackStatus = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/track-status`);
/** @param {string} id the team radio clips in session time */
export const teamRadio = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/team-radio`);
/** @param {string} id the race story: laps with position, pits, neutralisation and gap to the leader */
export const story = (id) => getJson(`/api/sessions/${encodeURIComponent(id)}/story`);

/**
 * A lap's telemetry by distance.
 * @param {string} id
 * @param {number} driver
 * @param {number} lap
 */
export const telemetry = (id, driver, lap) =>
  getJson(`/api/sessions/${encodeURIComponent(id)}/telemetry?driver=${driver}&lap=${lap}`);

/**
 * The URL of replay chunk `n`.
 * @param {string} id
 * @param {number} n
 * @returns {string}
 */
export const chunkUrl = (id, n) =>
  STATIC
    ? `data/sessions/${encodeURIComponent(id)}/chunks/${chunkNames.get(id)?.[n]}.gz`
    : `/api/sessions/${encodeURIComponent(id)}/chunks/${n}`;

/**
 * Fetches replay chunk `n` (its bytes decompressed: by the browser from the server's
 * Content-Encoding, or here from a published `.gz` file in static mode).
 * @param {string} id
 * @param {number} n
 * @returns {Promise<Response>}
 */
export async function fetchChunk(id, n) {
  const res = await fetch(chunkUrl(id, n));
  if (!STATIC || !res.ok || !res.body) return res;
  return new Response(res.body.pipeThrough(new DecompressionStream('gzip')));
}

/**
 * Follows the build of a session over Server-Sent Events until it is ready.
 * @param {string} id
 * @param {(stage: string, percent: number) => void} onProgress
 * @returns {{done: Promise<void>, cancel: () => void}}
 */
export function watchBuild(id, onProgress) {
  // A published site is built already.
  if (STATIC) return { done: Promise.resolve(), cancel: () => {} };
  const es = new EventSource(`/api/sessions/${encodeURIComponent(id)}/build`);
  let settled = false;
  const done = new Promise((resolve, reject) => {
    const finish = (fn) => {
      if (settled) return;
      settled = true;
      es.close();
      fn();
    };
    es.addEventListener('progress', (ev) => {
      try {
        const p = JSON.parse(/** @type {MessageEvent} */ (ev).data);
        onProgress(String(p.stage ?? ''), Number(p.percent ?? 0));
      } catch {
        // A progress line we cannot read only costs a progress update.
      }
    });
    es.addEventListener('done', () => finish(resolve));
    es.addEventListener('error', (ev) => {
      const data = /** @type {MessageEvent} */ (ev).data;
      if (typeof data === 'string' && data) {
        let msg = data;
        let status = 500;
        try {
          const body = JSON.parse(data);
          msg = body.error || data;
          status = Number(body.status) || 500;
        } catch {
          // Plain text error.
        }
        finish(() => reject(new ApiError(plainError(status, String(msg)), status)));
      } else {
        // A transport error (no event data). EventSource would reconnect; we stop and ask the
        // manifest endpoint, which answers with the real status.
        finish(() => reject(new ApiError('transport', -1)));
      }
    });
  });
  return { done, cancel: () => { settled = true; es.close(); } };
}
