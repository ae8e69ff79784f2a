// The archive at /archive: finished meetings, and a full-text search of what was said
// (GET /api/archive). Matches are marked with <mark> elements built from the API's runs of
// text; nothing from the archive is ever parsed as HTML.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  minutedPrefs.bind($('theme'));

  const when = time => new Date(time).toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'});

  function say(text) {
    if ($('archive-status').textContent !== text)
      $('archive-status').textContent = text;
  }

  function link(archive, utterance) {
    const a = el('a');
    a.href = '/archive/' + encodeURIComponent(archive) +
      (utterance === undefined ? '' : '#u' + utterance);
    return a;
  }

  function hit(h) {
    const li = el('li', 'hit');
    const head = el('p', 'hit-head');
    const title = link(h.archive, h.utterance);
    title.textContent = h.title || h.session;
    head.append(title, el('span', 'hit-meta',
      ` · ${when(h.at)} · ${h.speaker || 'Unattributed'}${h.item ? ' · ' + h.item : ''}`));
    const snippet = el('p', 'snippet');
    for (const run of h.snippet)
      snippet.append('match' in run ? el('mark', '', run.match) : document.createTextNode(run.text));
    li.append(head, snippet);
    return li;
  }

  function session(s) {
    const li = el('li', 'session');
    const a = link(s.archive);
    a.className = 'session-title';
    a.textContent = s.title || s.session;
    li.append(a, el('p', 'item-meta', `${when(s.started)} · ${s.words.toLocaleString()} words · ` +
      `${s.speakers} speakers · ${s.items} agenda items`));
    return li;
  }

  async function get(params) {
    const res = await fetch('/api/archive?' + params, {cache: 'no-store'});
    const body = await res.json().catch(() => ({}));
    if (!res.ok)
      throw new Error(body.error || `HTTP ${res.status}`);
    return body;
  }

  async function search() {
    const params = new URLSearchParams(new FormData($('search')));
    for (const [k, v] of [...params])
      if (!v)
        params.delete(k);
    history.replaceState(null, '', params.toString() ? '?' + params : location.pathname);
    if (!params.get('q')) {
      $('hits').replaceChildren();
      say('');
      return;
    }
    say('Searching…');
    try {
      const r = await get(params);
      $('hits').replaceChildren(...r.hits.map(hit));
      say(r.hits.length ? `${r.hits.length} ${r.hits.length === 1 ? 'match' : 'matches'}` :
        'Nothing matches.');
    } catch (e) {
      $('hits').replaceChildren();
      say(e.message);
    }
  }

  $('search').addEventListener('submit', e => {
    e.preventDefault();
    search();
  });

  // A shared search link fills the form.
  for (const [k, v] of new URLSearchParams(location.search))
    if ($(k) && $(k).form === $('search'))
      $(k).value = v;
  search();
  get('').then(r => $('archived').replaceChildren(...r.sessions.map(session)))
    .catch(e => say(e.message));
})();
