// Finding words in the captions of the session page, as a browser's find bar does: matches
// marked with <mark> in the turns, the current one distinguished and brought into view, Enter
// and Shift+Enter (or the buttons, F3, Ctrl/Cmd+G) to move between them, Escape to close.
// "/" or Ctrl/Cmd+F opens it (a second Ctrl/Cmd+F, with the field focused, is left to the
// browser's own find). Matching ignores case and accents: "zurich" finds "Zürich".
//
// Costs stay linear in the transcript: each turn is folded for matching once per text it
// takes and scanned once per query; a caption update re-scans only the turns it changed; and
// at most `around` matches on either side of the current one are drawn as marks, so a
// one-letter query in a three-hour meeting does not put a hundred thousand elements in it.
// Caption text stays text: marks are built with DOM calls, their text set as text.
'use strict';

const minutedFind = (() => {
  const around = 300;

  // One character folded for matching: its accents (combining marks after NFD) dropped, in
  // lower case, white space as a space. A character whose decomposition has no marks, such as
  // a Hangul syllable, stays whole, so a match never starts inside it.
  function foldChar(c) {
    const d = c.normalize('NFD');
    const bare = /\p{M}/u.test(d) ? d.replace(/\p{M}/gu, '') : c;
    return /^\s$/u.test(bare) ? ' ' : bare.toLowerCase();
  }

  // `text` folded, and for each of its UTF-16 units the offset in `text` of the character it
  // came from (`from`, one more entry: text.length), or null when that is the same offset
  // (ASCII text, most captions). Marks that fold to nothing belong to the character before.
  function fold(text) {
    if (/^[\x00-\x7f]*$/.test(text))
      return {text, folded: text.toLowerCase().replace(/\s/g, ' '), from: null};
    let folded = '';
    const from = [];
    const other = /[^\x00-\x7f]/gu; // one code point at a time: the runs between are ASCII
    for (let i = 0, m; i < text.length; i = other.lastIndex) {
      m = other.exec(text);
      const end = m ? m.index : text.length;
      folded += text.slice(i, end).toLowerCase().replace(/\s/g, ' ');
      for (let k = i; k < end; k++)
        from.push(k);
      if (!m)
        break;
      const f = foldChar(m[0]);
      folded += f;
      for (let k = 0; k < f.length; k++)
        from.push(m.index);
    }
    from.push(text.length);
    return {text, folded, from};
  }

  // Where each occurrence of `q` (folded) is in the folded text, as offsets in the original:
  // [start0, end0, start1, end1, ...], not overlapping.
  function hitsIn(f, q) {
    const out = [];
    if (!q)
      return out;
    for (let i = f.folded.indexOf(q); i !== -1; i = f.folded.indexOf(q, i + q.length)) {
      const j = i + q.length;
      if (!f.from) {
        out.push(i, j);
        continue;
      }
      const last = f.from[j - 1];
      const end = f.from[j] > last ? f.from[j] :
        last + (f.text.codePointAt(last) > 0xffff ? 2 : 1);
      out.push(f.from[i], end);
    }
    return out;
  }

  const tidy = q => fold(q).folded.replace(/ +/g, ' ').trim();

  // `view`: {captions, utterances() (the state's array, by id), element(id) (the turn's text
  // element, or undefined), following() (whether the captions follow the live edge), toLive()}.
  // Returns {update(changed)}, which the page calls after each render with the Map of the
  // utterance ids it changed, or null when it rebuilt every turn; holds(), true while a match
  // is shown and the view must stay on it rather than follow the live edge; and unhold(), to
  // follow it again with the search still open.
  return function attach(view) {
    const $ = id => document.getElementById(id);
    const input = $('find-q');
    const count = $('find-count');
    const status = $('find-status');

    let query = '';
    const folds = new Map(); // utterance id -> fold() of its current text
    const hits = new Map();  // utterance id -> hitsIn() for the query, only turns with hits
    let order = [];          // the ids in `hits`, ascending
    let before = [];         // before[k]: the number of hits in order[0..k)
    let total = 0;
    let index = -1;          // the current hit, counted over the whole transcript
    let current = null;      // where it is: {id, start}, kept as captions arrive
    let held = false;
    let resume = false;      // whether to follow the live edge again when the search closes
    const drawn = new Map(); // utterance id -> what its marks show (a key), for turns with marks

    function scan(id) {
      const u = view.utterances()[id];
      if (!u) {
        folds.delete(id);
        hits.delete(id);
        return;
      }
      let f = folds.get(id);
      if (!f || f.text !== u.text) {
        f = fold(u.text);
        folds.set(id, f);
      }
      const h = hitsIn(f, query);
      if (h.length)
        hits.set(id, h);
      else
        hits.delete(id);
    }

    function recount() {
      order = [...hits.keys()].sort((a, b) => a - b);
      before = new Array(order.length + 1);
      before[0] = 0;
      order.forEach((id, k) => { before[k + 1] = before[k] + hits.get(id).length / 2; });
      total = before[order.length];
    }

    // The first hit at or after `at` ({id, start}); the last one if none is.
    function seek(at) {
      for (let k = 0; k < order.length; k++) {
        if (order[k] < at.id)
          continue;
        const h = hits.get(order[k]);
        for (let i = 0; i < h.length; i += 2)
          if (order[k] > at.id || h[i] >= at.start)
            return before[k] + i / 2;
      }
      return total - 1;
    }

    // The turn (its index in `order`) holding hit `n`, and the hit's place in it.
    function locate(n) {
      let lo = 0, hi = order.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (before[mid] <= n)
          lo = mid;
        else
          hi = mid - 1;
      }
      return {k: lo, local: n - before[lo]};
    }

    // The first turn showing at the top of the captions: where a new search starts from.
    function topOfView() {
      const top = view.captions.getBoundingClientRect().top;
      const list = view.utterances();
      for (let id = 0; id < list.length; id++) {
        const e = view.element(id);
        if (e && e.closest('.turn').getBoundingClientRect().bottom > top)
          return {id, start: 0};
      }
      return {id: list.length, start: 0};
    }

    function paint(id, a, b, mine) {
      const e = view.element(id);
      if (!e)
        return;
      const text = view.utterances()[id].text;
      const h = hits.get(id);
      const parts = [];
      let at = 0;
      for (let i = a; i <= b; i++) {
        const [s, end] = [h[2 * i], h[2 * i + 1]];
        if (s > at)
          parts.push(document.createTextNode(text.slice(at, s)));
        const m = el('mark', i === mine ? 'current' : '', text.slice(s, end));
        if (i === mine)
          m.setAttribute('aria-current', 'true');
        parts.push(m);
        at = end;
      }
      if (at < text.length)
        parts.push(document.createTextNode(text.slice(at)));
      e.replaceChildren(...parts);
    }

    function unpaint(id) {
      const e = view.element(id);
      const u = view.utterances()[id];
      if (e && u)
        e.textContent = u.text; // one text node again, which a growing turn extends in place
    }

    // Marks the hits within `around` of the current one, and takes them off everywhere else.
    // The window moves in steps of `around`, so going to the next match repaints the turns of
    // the old and the new current match only, most of the time.
    function draw() {
      const want = new Map();
      if (index >= 0) {
        const base = index - index % around;
        const lo = Math.max(0, base - around), hi = Math.min(total - 1, base + 2 * around - 1);
        for (let {k} = locate(lo); k < order.length && before[k] <= hi; k++) {
          const n = before[k + 1] - before[k];
          const a = Math.max(0, lo - before[k]), b = Math.min(n - 1, hi - before[k]);
          const mine = index >= before[k] && index < before[k + 1] ? index - before[k] : -1;
          want.set(order[k], [a, b, mine]);
        }
      }
      for (const id of drawn.keys())
        if (!want.has(id)) {
          unpaint(id);
          drawn.delete(id);
        }
      for (const [id, [a, b, mine]] of want) {
        const key = `${a} ${b} ${mine}`;
        if (drawn.get(id) === key)
          continue;
        paint(id, a, b, mine);
        drawn.set(id, key);
      }
    }

    // Centres the current mark in the captions (only the captions scroll, so the find bar
    // stays where the reader typed).
    function reveal() {
      const m = view.captions.querySelector('mark.current');
      if (!m)
        return;
      if (!held)
        resume = view.following();
      held = true;
      const r = m.getBoundingClientRect(), c = view.captions.getBoundingClientRect();
      view.captions.scrollTop += r.top - c.top - (c.height - r.height) / 2;
    }

    // The count as shown, at once; said to screen readers only once the reader pauses, and
    // not for every caption that arrives.
    let sayTimer = 0;
    function show(say) {
      const text = !query ? '' : total ? `${index + 1} of ${total}` : 'No matches';
      if (count.textContent !== text)
        count.textContent = text;
      $('find-prev').disabled = $('find-next').disabled = total === 0;
      if (!say)
        return;
      clearTimeout(sayTimer);
      sayTimer = setTimeout(() => { status.textContent = text; }, 600);
    }

    function go(n) {
      index = total ? (n + total) % total : -1;
      if (index >= 0) {
        const {k, local} = locate(index);
        current = {id: order[k], start: hits.get(order[k])[2 * local]};
      } else {
        current = null;
      }
      draw();
      reveal();
      show(true);
    }

    // Searches for what the field holds; false if that is the query already shown.
    function search() {
      const q = tidy(input.value);
      if (q === query)
        return false;
      const anchor = current || topOfView();
      query = q;
      hits.clear();
      for (const id of drawn.keys())
        drawn.set(id, ''); // marks of the last query: redrawn, or taken off, by draw()
      if (q)
        view.utterances().forEach((u, id) => scan(id));
      recount();
      // While a query is shown, the captions are not a live region: marks added to old turns
      // are not news, and each caption read out would talk over the reader's search.
      view.captions.setAttribute('aria-live', q ? 'off' : 'polite');
      if (q)
        go(total ? seek(anchor) : -1);
      else
        close(false);
      return true;
    }

    function close(clear) {
      if (clear)
        input.value = '';
      query = '';
      hits.clear();
      recount();
      index = -1;
      current = null;
      draw();
      show(true);
      view.captions.setAttribute('aria-live', 'polite');
      held = false;
      if (resume)
        view.toLive();
      resume = false;
    }

    function update(changed) {
      if (changed === null)
        drawn.clear(); // every turn was built again, without marks
      if (!query)
        return;
      for (const id of changed === null ? view.utterances().keys() : changed.keys()) {
        drawn.delete(id); // its text was set again: no marks left
        scan(id);
      }
      recount();
      // The current match stays the one the reader is at, though the count before it or its
      // own turn changed.
      index = current && total ? seek(current) : total ? 0 : -1;
      if (index >= 0) {
        const {k, local} = locate(index);
        current = {id: order[k], start: hits.get(order[k])[2 * local]};
      }
      draw();
      show(false);
    }

    let typing = 0;
    input.addEventListener('input', () => {
      cancelAnimationFrame(typing);
      typing = requestAnimationFrame(search);
    });
    input.addEventListener('keydown', e => {
      if (e.key === 'Enter') {
        e.preventDefault();
        // Typed and entered before the next frame: the first match found is the one to show.
        if (!search() && total)
          go(index + (e.shiftKey ? -1 : 1));
      } else if (e.key === 'Escape') {
        e.preventDefault();
        close(true);
        view.captions.focus({preventScroll: true});
      }
    });
    $('find-next').addEventListener('click', () => go(index + 1));
    $('find-prev').addEventListener('click', () => go(index - 1));

    document.addEventListener('keydown', e => {
      const mod = e.ctrlKey || e.metaKey;
      const inField = e.target === input;
      const editing = e.target.closest?.('input, textarea, select, [contenteditable]');
      if ((e.key === '/' && !mod && !e.altKey && !editing) ||
          (mod && !e.altKey && e.key.toLowerCase() === 'f' && !inField)) {
        e.preventDefault();
        input.focus();
        input.select();
      } else if (query && !inField && (e.key === 'F3' || (mod && e.key.toLowerCase() === 'g'))) {
        e.preventDefault();
        go(index + (e.shiftKey ? -1 : 1));
      } else if (query && !inField && e.key === 'Escape' && !editing) {
        close(true);
      }
    });

    show(false);
    return {update, holds: () => held, unhold: () => { held = false; }};
  };
})();
