// Every screen size: the menu that holds the top bar's actions on a phone, the bottom sheet's
// tabs (leaderboard and side panels share the space under the map below 720 px), collapsing
// the sheet, and the fullscreen button. Which layout applies is CSS's job (media queries in
// style.css); this module only switches states the CSS reads (classes and data attributes).

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Tells the map and the leaderboard to re-measure after the space they have changed. */
function relayout() {
  requestAnimationFrame(() => window.dispatchEvent(new Event('resize')));
}

/**
 * Wires the menu, the sheet tabs, the side panel's collapse and the fullscreen button.
 */
export function initLayout() {
  bindMenu();
  bindSheet();
  bindFullscreen();
}

/** The ☰ button opens the top bar's actions as a menu (shown as a menu below 720 px only). */
function bindMenu() {
  const btn = $('open-menu');
  const bar = /** @type {HTMLElement} */ (document.querySelector('.topbar'));
  const menu = $('topbar-actions');
  const setOpen = (open) => {
    bar.classList.toggle('menu-open', open);
    btn.setAttribute('aria-expanded', String(open));
  };
  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    setOpen(!bar.classList.contains('menu-open'));
  });
  // Choosing an entry (a button; not the spoiler-free switch, which stays to be seen) closes it.
  menu.addEventListener('click', (e) => {
    if (/** @type {HTMLElement} */ (e.target).closest('button')) setOpen(false);
  });
  document.addEventListener('click', (e) => {
    if (bar.classList.contains('menu-open') && !menu.contains(/** @type {Node} */ (e.target))) setOpen(false);
  });
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') setOpen(false);
  });
}

/**
 * The bottom sheet: below 720 px one tab strip chooses between the leaderboard and the side
 * panel's tabs; a second tap on the open tab folds the sheet away (the map gets the space).
 * Between 720 and 1100 px the side panel sits under the map and its own tabs fold it.
 */
function bindSheet() {
  const stage = $('stage');
  const side = $('sidepanel');
  document.querySelectorAll('.sheet-tab').forEach((b) => {
    b.addEventListener('click', () => {
      const which = String(/** @type {HTMLElement} */ (b).dataset.sheet);
      const current = stage.dataset.sheet === 'board' ? 'board' : stage.dataset.panel;
      if (which === current && !stage.classList.contains('sheet-collapsed')) {
        stage.classList.add('sheet-collapsed');
      } else {
        stage.classList.remove('sheet-collapsed');
        stage.dataset.sheet = which === 'board' ? 'board' : 'panel';
        if (which !== 'board') {
          stage.dataset.panel = which;
          /** @type {HTMLElement|null} */ (document.querySelector(`.tab[data-tab="${which}"]`))?.click();
        }
      }
      document.querySelectorAll('.sheet-tab').forEach((x) => {
        const on = x === b && !stage.classList.contains('sheet-collapsed');
        x.classList.toggle('active', on);
        x.setAttribute('aria-selected', String(on));
      });
      relayout();
    });
  });
  // Capture on the strip: runs before the tab's own handler has made it the active one.
  side.querySelector('.tabs')?.addEventListener(
    'click',
    (e) => {
      const b = /** @type {HTMLElement} */ (e.target).closest('.tab');
      // A click that the sheet strip made only selects; a second click on the open tab folds.
      if (!b || !e.isTrusted) return;
      const fold = b.classList.contains('active') && !side.classList.contains('collapsed');
      side.classList.toggle('collapsed', fold);
      relayout();
    },
    true,
  );
}

/** Full screen on and off (the button shows which). */
function bindFullscreen() {
  const btn = $('open-fullscreen');
  if (!document.fullscreenEnabled) {
    btn.hidden = true;
    return;
  }
  btn.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener('fullscreenchange', () => {
    btn.classList.toggle('active', !!document.fullscreenElement);
    relayout();
  });
}
