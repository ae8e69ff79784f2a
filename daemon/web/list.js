// The session list at /: live meetings first, then recently finished ones, refreshed every
// few seconds from GET /api/sessions. Everything is built with textContent, never HTML.
'use strict';

(() => {
  const refreshMs = 2000;
  const status = document.getElementById('list-status');
  minutedPrefs.bind(document.getElementById('theme'));

  function clock(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' :
      d.toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'});
  }

  // The status is a live region: it changes only when there is something new to say.
  function say(state, text) {
    status.dataset.state = state;
    if (status.textContent !== text)
      status.textContent = text;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  // One list entry per session, kept across refreshes and updated in place, so keyboard focus
  // and screen-reader position survive the refresh.
  const entries = new Map();

  // A session id can be listed twice, live today and ended yesterday: entries are per
  // instance of a session.
  const key = s => s.id + ' ' + s.started;

  function entry(s) {
    const id = s.id;
    let e = entries.get(key(s));
    if (e)
      return e;
    const li = el('li', 'session');
    li.dataset.session = id;
    const head = el('div', 'session-head');
    const link = el('a', 'session-title');
    link.href = '/sessions/' + encodeURIComponent(id);
    const state = el('span', 'state');
    head.append(link, state);
    const facts = el('dl', 'facts');
    const fact = (label, className) => {
      const wrap = el('div');
      const dd = el('dd', className);
      wrap.append(el('dt', '', label), dd);
      facts.append(wrap);
      return dd;
    };
    e = {li, link, state, started: fact('Started'), current: fact('Now discussing', 'current-item'),
      speakers: fact('Speakers', 'speakers'), viewers: fact('Viewers', 'viewers'),
      words: fact('Words'), ended: fact('Ended')};
    li.append(head, facts);
    entries.set(key(s), e);
    return e;
  }

  function fill(s) {
    const e = entry(s);
    e.link.textContent = s.title || s.id;
    e.state.className = 'state ' + (s.live ? 'live' : 'ended');
    e.state.textContent = s.live ? 'live' : 'ended';
    e.started.textContent = clock(s.started);
    e.current.previousElementSibling.textContent = s.live ? 'Now discussing' : 'Last item';
    e.current.textContent = s.current_item || '—';
    e.speakers.textContent = String(s.speakers);
    e.viewers.textContent = String(s.viewers);
    e.words.textContent = s.words.toLocaleString();
    e.ended.textContent = s.end_reason || '';
    e.ended.parentElement.hidden = s.live || !s.end_reason;
    return e.li;
  }

  // Moves the entries into `list` in order, touching the DOM only where it differs.
  function place(list, items) {
    items.forEach((li, i) => {
      if (list.children[i] !== li)
        list.insertBefore(li, list.children[i] || null);
    });
    while (list.children.length > items.length)
      list.lastElementChild.remove();
  }

  function render(sessions) {
    const live = sessions.filter(s => s.live);
    const recent = sessions.filter(s => !s.live);
    place(document.getElementById('live-sessions'), live.map(fill));
    place(document.getElementById('recent-sessions'), recent.map(fill));
    const shown = new Set(sessions.map(key));
    for (const id of entries.keys())
      if (!shown.has(id))
        entries.delete(id);
    document.getElementById('no-live').hidden = live.length > 0;
    document.getElementById('no-recent').hidden = recent.length > 0;
    say('live', `${plural(live.length, 'meeting', 'meetings')} live`);
  }

  async function refresh() {
    try {
      const res = await fetch('/api/sessions', {cache: 'no-store'});
      if (!res.ok)
        throw new Error(`HTTP ${res.status}`);
      render((await res.json()).sessions);
    } catch (e) {
      say('reconnecting', `Cannot reach minuted (${e.message}); retrying…`);
    }
    setTimeout(refresh, refreshMs);
  }
  refresh();
})();
