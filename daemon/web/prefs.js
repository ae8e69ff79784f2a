// Shared by every page, loaded in <head> before the page renders: the reader's preferences
// (theme, font size and line spacing, remembered per browser), applied at once so a dark or
// high-contrast reader never sees a white flash; and `el`, which builds elements whose text is
// only ever set as text.
'use strict';

// A new <tag> with `className` and `text` (as textContent, never parsed as HTML).
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className)
    e.className = className;
  if (text !== undefined)
    e.textContent = text;
  return e;
}

const minutedPrefs = (() => {
  const key = 'minuted.prefs';
  const choices = {
    'theme': ['light', 'dark', 'contrast'],
    'font-size': ['small', 'medium', 'large', 'x-large'],
    'line-spacing': ['normal', 'relaxed', 'loose'],
  };
  const defaults = {
    'theme': window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
    'font-size': 'medium',
    'line-spacing': 'normal',
  };

  function load() {
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(key) || '{}') || {};
    } catch {
      saved = {}; // storage disabled or a damaged entry: fall back to the defaults
    }
    const prefs = {};
    for (const [name, allowed] of Object.entries(choices))
      prefs[name] = allowed.includes(saved[name]) ? saved[name] : defaults[name];
    return prefs;
  }

  let prefs = load();
  function apply() {
    for (const [name, value] of Object.entries(prefs))
      document.documentElement.setAttribute('data-' + name, value);
  }
  apply();

  // Wires a <select id="{name}"> to the preference of the same name.
  function bind(select) {
    const name = select.id;
    select.value = prefs[name];
    select.addEventListener('change', () => {
      if (!choices[name].includes(select.value))
        return;
      prefs = {...prefs, [name]: select.value};
      apply();
      document.dispatchEvent(new CustomEvent('minuted:prefs'));
      try {
        localStorage.setItem(key, JSON.stringify(prefs));
      } catch {
        // private mode: the choice lasts for this page only
      }
    });
  }

  return {bind};
})();
