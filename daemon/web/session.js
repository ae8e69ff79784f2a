// The session page at /sessions/{id}: live captions beside the rolling minutes, fed by the
// /live/{id} WebSocket (protocol/PROTOCOL.md). At /archive/{archive} the same page shows a
// finished meeting from the archive, with no socket. A snapshot replaces the state; each update
// carries only what changed and is merged by id (a growing utterance: only the text it gained,
// from an offset on). Messages are applied as they arrive, and
// the DOM is brought up to date once per animation frame, so a burst of a hundred updates
// costs one layout. Text from the meeting only ever reaches the page through textContent.
'use strict';

(() => {
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const $ = sel => document.getElementById(sel);
  const captions = $('captions');
  const pending = $('pending');
  const status = $('status');
  const jumpLive = $('jump-live');

  for (const name of ['font-size', 'line-spacing', 'theme'])
    minutedPrefs.bind($(name));

  const archived = location.pathname.startsWith('/archive/');
  const api = (archived ? '/api/archive/' : '/api/sessions/') + encodeURIComponent(id);
  for (const [link, file] of [['md', 'report.md'], ['json', 'report.json'], ['txt', 'transcript.txt'],
                              ['html', 'report.html'], ['odt', 'report.odt']]) {
    $('download-' + link).href = `${api}/${file}`;
    $('download-' + link).download = `${id}-${file}`;
  }

  // ---------------------------------------------------------------------------------------
  // State, as the daemon sends it.

  let state = emptyState();
  function emptyState() {
    return {
      rev: 0, epoch: '', title: '', chair: null, chairs: [], ended: false, words: 0, summary: '',
      participants: new Map(), // id -> participant
      agenda: new Map(),       // n -> item
      utterances: [],          // by id
      pending: [],
    };
  }

  // What changed since the last render.
  let dirty = emptyDirty(true);
  // `utterances` maps an utterance id to the offset its text changed from since the last
  // render (0: all of it), so a long turn's element takes only its new tail.
  function emptyDirty(all) {
    return {all, utterances: new Map(), agenda: new Set(), participants: all, renamed: new Set()};
  }

  function applySnapshot(m) {
    state = emptyState();
    state.epoch = m.epoch || '';
    dirty = emptyDirty(true);
    merge(m);
  }

  // False if an update changes text this page does not have: it missed something.
  function merge(m) {
    for (const u of m.utterances || []) {
      if (!('from' in u))
        continue;
      const before = state.utterances[u.id];
      if (!before || before.text.length < u.from)
        return false;
    }
    state.rev = m.rev;
    for (const key of ['title', 'chair', 'chairs', 'ended', 'words', 'lang', 'minutes'])
      if (key in m)
        state[key] = m[key];
    if ('summary' in m)
      state.summary = m.summary;
    if ('pending' in m)
      state.pending = m.pending;
    if ('known_agenda' in m) {
      state.known = m.known_agenda;
      dirty.all = true;
    }
    for (const p of m.participants || []) {
      const before = state.participants.get(p.id);
      if (before && before.name !== p.name)
        dirty.renamed.add(p.id);
      state.participants.set(p.id, p);
    }
    if (m.participants?.length)
      dirty.participants = true;
    for (const a of m.agenda || []) {
      state.agenda.set(a.n, a);
      dirty.agenda.add(a.n);
    }
    // An alignment to the known agenda can take items back: those past the count are gone.
    if ('items' in m)
      for (const n of [...state.agenda.keys()])
        if (n > m.items) {
          state.agenda.delete(n);
          dirty.all = true;
        }
    for (const u of m.utterances || []) {
      let from = 0;
      if ('from' in u) {
        // Only the text it gained: the rest of the utterance stays as it is.
        const {from: at, tail, ...fields} = u;
        const before = state.utterances[u.id];
        state.utterances[u.id] = {...before, ...fields, text: before.text.slice(0, at) + tail};
        from = at;
      } else {
        state.utterances[u.id] = u;
      }
      const seen = dirty.utterances.get(u.id);
      dirty.utterances.set(u.id, seen === undefined ? from : Math.min(seen, from));
    }
    scheduleRender();
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Connection: reconnects by itself, resuming with ?since= the rev on screen.

  let socket = null;
  let retries = 0, retryTimer = 0;
  let resync = false; // the state on screen missed something: the next connection takes a snapshot

  function setStatus(kind, text) {
    status.dataset.state = kind;
    if (status.textContent !== text) // a live region: say only what is new
      status.textContent = text;
  }

  function connect() {
    clearTimeout(retryTimer);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // Resume where the page is, in this instance of the session only: after a daemon restart
    // the same id may carry other revs, and the daemon answers a foreign epoch with a snapshot.
    const since = state.rev > 0 && !resync ?
      `?since=${state.rev}&epoch=${encodeURIComponent(state.epoch)}` : '';
    const ws = new WebSocket(`${scheme}//${location.host}/live/${encodeURIComponent(id)}${since}`);
    socket = ws;
    ws.onmessage = event => {
      if (socket !== ws)
        return;
      let m;
      try {
        m = JSON.parse(event.data);
      } catch {
        return; // not from minuted; nothing to show
      }
      if (m.type === 'snapshot') {
        resync = false;
        applySnapshot(m);
      } else if (m.type === 'resumed') {
        // The updates after m.rev follow. After a daemon restart the session has a new epoch.
        state.epoch = m.epoch || state.epoch;
      } else if (m.type === 'update') {
        if (m.rev <= state.rev)
          return; // already applied (resumed with an overlap)
        if (m.rev !== state.rev + 1)
          return ws.close(4000, 'missed an update'); // reconnect resumes from state.rev
        if (!merge(m)) {
          resync = true;
          return ws.close(4000, 'missed the text of an utterance');
        }
      } else {
        return;
      }
      retries = 0;
      showConnected();
    };
    ws.onclose = event => {
      if (socket !== ws)
        return;
      socket = null;
      if (event.code === 4404) {
        setStatus('waiting', `Waiting for “${id}” to start…`);
        retryTimer = setTimeout(connect, 3000);
        return;
      }
      // Capped exponential backoff with jitter, so a restarted daemon is not stormed.
      const delay = Math.min(10000, 500 * 2 ** retries) * (0.5 + Math.random() / 2);
      retries++;
      setStatus('reconnecting',
        `Disconnected. Reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`);
      retryTimer = setTimeout(connect, delay);
    };
  }

  function showConnected() {
    if (state.ended)
      setStatus('ended', 'Ended: final minutes');
    else
      setStatus('live', feedNote ? `Live; ${feedNote}` : 'Live');
  }

  // A feed minuted pulls the captions from (GET /api/sessions, "feed"): when it is down, the
  // status line says so, or readers would take a silent feed for a silent meeting. Asked
  // again every 10 s while the session has a feed; a session that has none is not asked about.
  let feedNote = '';
  let feedTimer = null;
  async function checkFeed() {
    try {
      const res = await fetch('/api/sessions', {cache: 'no-store'});
      if (!res.ok)
        return;
      const mine = (await res.json()).sessions.find(s => s.id === id && s.live);
      const feed = mine && mine.feed;
      if (mine && !feed && feedTimer !== null) {
        clearInterval(feedTimer);
        feedTimer = null;
      }
      feedNote = !feed || feed.state === 'connected' ? '' :
        feed.state === 'retrying' ? `the caption feed is not answering (${feed.last_error}); ` +
          `retrying in ${Math.max(1, Math.round(feed.retry_in_ms / 1000))} s` :
          'the caption feed has stopped';
      if (socket && socket.readyState === WebSocket.OPEN)
        showConnected();
    } catch (e) {
      // The socket's own status says when the daemon cannot be reached.
    }
  }

  // Back online or back to the tab: try at once rather than at the end of a long backoff.
  window.addEventListener('online', () => {
    if (!socket)
      connect();
  });

  // ---------------------------------------------------------------------------------------
  // Rendering.

  function setText(e, text) {
    if (e.textContent !== text)
      e.textContent = text;
  }

  function clock(time) { // RFC 3339
    return new Date(time).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
  }

  function speakerName(pid) {
    const p = pid === null || pid === undefined ? null : state.participants.get(pid);
    return p ? p.name : '';
  }

  // The name for a speaker label being typed ("MARKUS KUMMER"): the participant's readable
  // name when the label is known, else the label in title case.
  function readableLabel(label) {
    for (const p of state.participants.values())
      if (p.label === label || (p.aliases || []).includes(label))
        return p.name;
    return label.toLowerCase().replace(/(^|[\s-])\p{L}/gu, c => c.toUpperCase());
  }

  // The speaker of the latest turn: the current speaker.
  function currentSpeaker() {
    const last = state.utterances[state.utterances.length - 1];
    return last ? last.speaker : null;
  }

  // The item under discussion: the latest turn's, or the newest item.
  function currentItem() {
    // The item that holds it, as published: people may have merged or split the machine's.
    const last = state.utterances[state.utterances.length - 1];
    const held = [...state.agenda.values()].filter(a => !last || a.first_utterance <= last.id);
    return held.length ? Math.max(...held.map(a => a.n)) : 0;
  }

  const turns = new Map(); // utterance id -> element

  // Shows `text` in `e`, whose text so far agrees with it up to `from` (a UTF-16 offset):
  // a long turn's new line is one replaceData, not the whole turn set again.
  function setTail(e, text, from) {
    const node = e.firstChild;
    if (from > 0 && node && node === e.lastChild && node.nodeType === Node.TEXT_NODE &&
        from <= node.length) {
      node.replaceData(from, node.length - from, text.slice(from));
      return;
    }
    setText(e, text);
  }

  function turnElement(u, from = 0) {
    let t = turns.get(u.id);
    if (!t) {
      t = el('article', 'turn');
      t.dataset.utterance = u.id;
      const head = el('header', 'turn-head');
      head.append(el('span', 'speaker'), el('time', 'at'));
      const text = el('p', 'text');
      text.dir = 'auto'; // a turn in Arabic or Hebrew reads right to left
      t.append(head, text);
      turns.set(u.id, t);
      // Turns arrive in order; a late one still lands in its place.
      let next = pending;
      for (let i = u.id + 1; i < state.utterances.length; i++)
        if (turns.has(i)) {
          next = turns.get(i);
          break;
        }
      captions.insertBefore(t, next);
    }
    const name = speakerName(u.speaker);
    const speaker = t.querySelector('.speaker');
    setText(speaker, name || 'Unattributed');
    speaker.classList.toggle('unknown', !name);
    t.dataset.speaker = u.speaker ?? '';
    // The language the caption source named, so screen readers speak the words in it.
    const text = t.querySelector('.text');
    if (u.lang)
      text.lang = u.lang;
    else
      text.removeAttribute('lang');
    const at = t.querySelector('.at');
    at.dateTime = new Date(u.at).toISOString();
    setText(at, clock(u.at));
    setTail(text, u.text, from);
    return t;
  }

  function renderCaptions() {
    if (dirty.all) {
      for (const t of turns.values())
        t.remove();
      turns.clear();
      for (const u of state.utterances)
        if (u)
          turnElement(u);
    } else {
      for (const [uid, from] of dirty.utterances)
        turnElement(state.utterances[uid], from);
      if (dirty.renamed.size) // a rename changes the name on earlier turns
        for (const u of state.utterances)
          if (u && dirty.renamed.has(u.speaker))
            turnElement(u);
    }
    const typing = state.pending.map(p => (p.speaker ? readableLabel(p.speaker) + ': ' : '') + p.text)
      .join(' ');
    setText(pending, typing);
    if (state.lang)
      pending.lang = state.lang;
    else
      pending.removeAttribute('lang');
  }

  function listOf(className, entries, line, decorate) {
    const ul = el('ul', className);
    for (const e of entries) {
      const li = el('li', '', line(e));
      if (Number.isInteger(e.utterance) && !e.added) // a person's own bullet was not said
        li.append(' ', evidenceLink(e));
      decorate?.(li, e); // what people did to it, and an editor's controls (edit.js)
      ul.append(li);
    }
    return ul;
  }

  // A note's evidence: the turn it was taken from, shown and highlighted in the captions.
  function evidenceLink(e) {
    const b = el('button', 'evidence link-button', `line ${e.line}`);
    b.type = 'button';
    b.setAttribute('aria-label', `Show where this was said, line ${e.line}, in the captions`);
    b.addEventListener('click', () => showTurn(e.utterance));
    return b;
  }

  function noteLine(e) {
    // "Roman Chukov to share …" and "DE agrees that …" already name who.
    const named = name => name && e.text.startsWith(name);
    const who = e.who && e.who !== e.speaker && !named(e.who) ? ` (${e.who})` : '';
    const when = e.when ? ` — ${e.when}` : '';
    const by = e.speaker && !named(e.speaker) && !named(e.who) ? ` — ${e.speaker}` : '';
    return e.text + who + when + (e.who || e.when ? '' : by);
  }

  const items = new Map(); // n -> li
  const editing = minutedEditing({api, item: n => state.agenda.get(n), minutes: () => state.minutes,
                                  utterances: () => state.utterances,
                                  reload: archived && (() => loadArchived(true)), refresh: n => {
                                    for (const k of n === null ? state.agenda.keys() : [n])
                                      dirty.agenda.add(k);
                                    scheduleRender();
                                  }});
  minutedTranscriptEditing({api, state: () => state, editing: editing.editing});

  function itemElement(a) {
    let li = items.get(a.n);
    if (!li) {
      li = el('li', 'item');
      li.dataset.n = a.n;
      items.set(a.n, li);
    }
    const title = el('button', 'item-title');
    title.type = 'button';
    title.append(el('span', 'item-n', a.n + '.'), ' ', el('span', 'item-name', a.title));
    title.addEventListener('click', () => jumpTo(a.n));
    const meta = el('p', 'item-meta', a.started ? 'From ' + clock(a.started) : '');
    const parts = [title, meta, ...editing.itemParts(a)];
    if (a.context)
      parts.push(el('p', 'item-context', a.context));
    const section = (heading, className, list) => { // list: the state's name for it
      const wrap = el('div', 'item-notes');
      const marked = (li, e) => editing.bullet(li, e, list, a.n);
      wrap.append(el('h3', '', heading), listOf(className, a[list] || [], noteLine, marked));
      wrap.hidden = !a[list]?.length;
      parts.push(wrap);
    };
    section('Key points raised', 'key-points', 'key_points');
    section('Next steps', 'next-steps', 'next_steps');
    section('Decided', 'decisions', 'decisions');
    li.replaceChildren(...parts);
    return li;
  }

  function renderAgenda() {
    const list = $('agenda');
    if (dirty.all) {
      items.clear();
      list.replaceChildren();
    }
    const ns = dirty.all ? [...state.agenda.keys()] : [...dirty.agenda];
    const focused = document.activeElement?.closest?.('li.item')?.dataset.n;
    const held = editing.held(); // an editor's control or field, given back after the rebuild
    for (const n of ns.sort((a, b) => a - b)) {
      const li = itemElement(state.agenda.get(n));
      if (!li.isConnected) {
        const after = [...items.keys()].filter(k => k > n && items.get(k).isConnected);
        list.insertBefore(li, after.length ? items.get(Math.min(...after)) : null);
      }
      if (String(n) === focused && !editing.refocus(li, held)) // rebuilt under the focus
        li.querySelector('.item-title').focus({preventScroll: true});
    }
    const current = currentItem();
    for (const [n, li] of items) {
      if (n === current)
        li.setAttribute('aria-current', 'true');
      else
        li.removeAttribute('aria-current');
    }
    $('no-agenda').hidden = state.agenda.size > 0;
    renderRest();
  }

  // The known agenda's entries no item has reached: still to come after the furthest one
  // reached in order, skipped before it (the meeting passed them by). An item the chair took
  // out of order ("ahead") passes nothing by.
  function renderRest() {
    const known = state.known || [];
    const reached = new Set();
    let furthest = -1;
    for (const a of state.agenda.values()) {
      if (a.known === null || a.known === undefined)
        continue;
      reached.add(a.known);
      if (!a.ahead)
        furthest = Math.max(furthest, a.known);
    }
    const rest = [];
    known.forEach((title, i) => {
      if (reached.has(i))
        return;
      const skipped = i < furthest;
      const li = el('li', 'item ' + (skipped ? 'skipped' : 'upcoming'));
      li.append(el('span', 'item-n', (i + 1) + '.'), ' ', el('span', 'item-name', title), ' ',
                el('span', 'item-status', skipped ? 'skipped' : 'to come'));
      rest.push(li);
    });
    $('agenda-rest').replaceChildren(...rest);
    $('agenda-rest-h').hidden = rest.length === 0;
  }

  const rows = new Map(); // participant id -> li

  function renderParticipants() {
    if (dirty.all)
      rows.clear(); // a snapshot: the ids may be another instance's
    const list = $('participants');
    const current = currentSpeaker();
    const total = Math.max(1, state.words);
    const people = [...state.participants.values()]
      .filter(p => p.turns > 0)
      .sort((a, b) => b.words - a.words || a.id - b.id);
    const shown = people.map(p => {
      let li = rows.get(p.id);
      if (!li) {
        li = el('li', 'participant');
        li.dataset.id = p.id;
        const line = el('div', 'participant-line');
        line.append(el('span', 'name'), el('span', 'role'), el('span', 'share'));
        li.append(line, el('span', 'share-bar'));
        rows.set(p.id, li);
      }
      const share = Math.round(100 * p.words / total);
      setText(li.querySelector('.name'), p.name);
      setText(li.querySelector('.role'), p.role === 'participant' ? '' : p.role);
      setText(li.querySelector('.share'), share + '%');
      li.querySelector('.share-bar').style.setProperty('--share', share + '%');
      li.title = `${p.turns} turns, ${p.words.toLocaleString()} words`;
      if (p.id === current)
        li.setAttribute('aria-current', 'true');
      else
        li.removeAttribute('aria-current');
      return li;
    });
    shown.forEach((li, i) => {
      if (list.children[i] !== li)
        list.insertBefore(li, list.children[i] || null);
    });
    while (list.children.length > shown.length)
      list.lastElementChild.remove();
    $('no-participants').hidden = shown.length > 0;
  }

  function renderHeader() {
    const title = state.title || id;
    setText($('title'), title);
    document.title = `${title} · minuted`;
    setText($('summary'), state.summary || 'Waiting for the meeting to start.');
    document.body.dataset.rev = state.rev;
    document.body.classList.toggle('ended', state.ended);
  }

  // ---------------------------------------------------------------------------------------
  // Following the live edge. The captions follow new text while the reader is at the
  // bottom; scrolling up pauses that and offers "Jump to live".

  let follow = true;
  let lastTop = 0;
  // The find bar (find.js): while it shows a match, the view stays there (finder.holds()).
  const finder = minutedFind({captions, utterances: () => state.utterances,
                              element: u => turns.get(u)?.lastChild, following: () => follow, toLive});

  function atBottom() {
    return captions.scrollHeight - captions.scrollTop - captions.clientHeight < 40;
  }

  captions.addEventListener('scroll', () => {
    if (atBottom())
      follow = true;
    else if (captions.scrollTop < lastTop - 2)
      follow = false; // the reader scrolled up; growth below never lowers scrollTop
    lastTop = captions.scrollTop;
    jumpLive.hidden = (follow && !finder.holds()) || state.ended;
  }, {passive: true});

  // New text size or spacing, or a resized window, moves the text: stay at the live edge.
  const keepLive = () => {
    if (follow && !finder.holds())
      requestAnimationFrame(toLive);
  };
  document.addEventListener('minuted:prefs', keepLive);
  new ResizeObserver(keepLive).observe(captions);

  function toLive() {
    follow = true;
    captions.scrollTop = captions.scrollHeight;
    lastTop = captions.scrollTop;
    jumpLive.hidden = true;
  }
  jumpLive.addEventListener('click', () => {
    finder.unhold(); // the search stays open, its marks too, but the view follows again
    toLive();
    captions.focus({preventScroll: true});
  });

  function jumpTo(n) {
    const a = state.agenda.get(n);
    if (a)
      showTurn(a.first_utterance);
  }

  // Brings turn `u` to the top of the captions and gives it focus.
  function showTurn(u) {
    const t = turns.get(u);
    if (!t)
      return;
    follow = false;
    t.tabIndex = -1;
    t.scrollIntoView({block: 'start'});
    t.focus({preventScroll: true});
    lastTop = captions.scrollTop;
    jumpLive.hidden = state.ended || atBottom();
    t.classList.remove('flash');
    void t.offsetWidth; // restart the highlight animation
    t.classList.add('flash');
  }

  // ---------------------------------------------------------------------------------------

  let frame = 0;
  function scheduleRender() {
    if (!frame)
      frame = requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    renderHeader();
    renderCaptions();
    if (dirty.all || dirty.agenda.size || dirty.utterances.size)
      renderAgenda();
    if (dirty.participants || dirty.utterances.size)
      renderParticipants();
    finder.update(dirty.all ? null : dirty.utterances);
    editing.update();
    dirty = emptyDirty(false);
    if (follow && !finder.holds())
      toLive();
    else
      jumpLive.hidden = state.ended;
  }

  // ---------------------------------------------------------------------------------------
  // The summary report, formatted from report.json.

  const showReport = $('show-report');
  const report = $('report');

  async function loadReport() {
    const res = await fetch(api + '/report.json', {cache: 'no-store'});
    if (!res.ok)
      throw new Error(`HTTP ${res.status}`);
    const r = await res.json();
    const parts = [el('h3', '', r.title || state.title || id)];
    const facts = [];
    const chairs = r.chairs || (r.chair ? [r.chair] : []);
    if (chairs.length)
      facts.push((chairs.length > 1 ? 'Chairs: ' : 'Chair: ') + chairs.join(', '));
    facts.push(`${r.stats.words.toLocaleString()} words, ${r.stats.utterances} turns`);
    facts.push(r.ended ? 'final' : 'so far (the meeting is still live)');
    parts.push(el('p', 'report-facts', facts.join(' · ')));
    parts.push(el('p', 'report-summary', r.summary));
    for (const a of r.agenda) {
      parts.push(el('h4', '', `${a.n}. ${a.title}`));
      if (a.context)
        parts.push(el('p', 'item-context', a.context));
      const block = (heading, entries) => {
        if (!entries.length)
          return;
        parts.push(el('h5', '', heading), listOf('', entries, noteLine));
      };
      block('Key points raised', a.key_points);
      block('Next steps', a.next_steps);
      block('Decided', a.decisions);
    }
    parts.push(el('h4', '', 'Participants'));
    parts.push(listOf('', r.participants, p =>
      `${p.name}${p.role === 'participant' ? '' : ' (' + p.role + ')'}: ${p.turns} turns, ` +
      `${Math.round(100 * p.share)}% of words`));
    report.replaceChildren(...parts);
  }

  showReport.addEventListener('click', async () => {
    const open = report.hidden;
    report.hidden = !open;
    showReport.setAttribute('aria-expanded', String(open));
    showReport.textContent = open ? 'Hide the summary report' : 'Show the summary report';
    if (!open)
      return;
    report.replaceChildren(el('p', '', 'Loading the report…'));
    try {
      await loadReport();
    } catch (e) {
      report.replaceChildren(el('p', 'error', `The report could not be loaded (${e.message}).`));
    }
  });

  const more = $('summary-more');
  more.addEventListener('click', () => {
    const open = more.getAttribute('aria-expanded') !== 'true';
    more.setAttribute('aria-expanded', String(open));
    more.textContent = open ? 'Show less' : 'Show all';
    $('summary').classList.toggle('expanded', open);
  });

  // A finished meeting from the archive: its final state, once; #uN shows turn N.
  async function loadArchived(again) {
    try {
      const res = await fetch(api + '/state.json', {cache: 'no-store'});
      if (!res.ok)
        throw new Error(res.status === 404 ? 'not in the archive' : `HTTP ${res.status}`);
      applySnapshot(await res.json());
      render();
      setStatus('ended', 'Archived meeting');
      const m = /^#u(\d+)$/.exec(location.hash);
      if (m && !again)
        showTurn(Number(m[1]));
    } catch (e) {
      setStatus('waiting', `This meeting could not be loaded (${e.message}).`);
    }
  }

  setText($('title'), id);
  editing.start();
  if (archived) {
    setText($('captions-h'), 'Captions');
    loadArchived();
  } else {
    connect();
    feedTimer = setInterval(checkFeed, 10000);
    checkFeed();
  }
})();
