// @ts-check
/**
 * The notice listing what the session's raw files lost (the manifest's `warnings`: skipped
 * lines, unusable topics), so that a replay built from damaged data never looks complete.
 */
import { esc } from './format.js';

/** Lines listed before the notice only counts the rest. */
const LISTED = 5;

/**
 * Shows `warnings` in `el` (hidden when there are none); a click on the close button hides it.
 * @param {HTMLElement} el
 * @param {{file: string, line: number, message: string}[] | undefined} warnings
 */
export function showSourceWarnings(el, warnings) {
  const list = Array.isArray(warnings) ? warnings : [];
  el.hidden = list.length === 0;
  if (!list.length) {
    el.innerHTML = '';
    return;
  }
  const where = (/** @type {{file: string, line: number}} */ w) => (w.line > 0 ? `${w.file} line ${w.line}` : w.file);
  const items = list.slice(0, LISTED).map((w) => `<li>${esc(where(w))}: ${esc(w.message)}</li>`).join('');
  const more = list.length > LISTED ? `<li>… and ${list.length - LISTED} more</li>` : '';
  el.innerHTML =
    `<button class="btn tiny source-warnings-close" title="Hide">×</button>` +
    `<strong>Some of this session's data was damaged and left out (${list.length}):</strong><ul>${items}${more}</ul>`;
  const close = el.querySelector('button');
  if (close) close.addEventListener('click', () => (el.hidden = true));
}
