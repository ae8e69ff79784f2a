// Correcting the transcript in the viewer (speaker.rename and caption.correct, PROTOCOL.md
// "Editing the minutes"). Every reader sees a "corrected by …" mark on a turn a person
// corrected; an editor who turned editing on (edit.js) also gets, on each turn, an Edit control
// for its text and a Rename control for its speaker, and a Rename control on each participant.
// Naming another participant makes the two one.
//
// session.js renders the turns and participants; this file follows what it renders (a
// MutationObserver) and adds its marks and controls to the elements it touched, so a long
// meeting costs only the turns that change. An open form lives inside the turn's or the
// participant's element, which session.js keeps while the meeting goes on.
'use strict';

function minutedTranscriptEditing({api, state, editing}) {
  const $ = id => document.getElementById(id);
  const captions = $('captions');
  const people = $('participants');
  const announce = $('edit-status');

  const clock = ms => new Date(ms).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});

  // POSTs one edit; {ok, status, body}. A failure to reach the daemon is a status 0.
  async function send(edit) {
    try {
      const res = await fetch(api + '/minutes/edits', {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify(edit),
      });
      const body = await res.json().catch(() => ({error: `HTTP ${res.status}`}));
      return {ok: res.ok, status: res.status, body};
    } catch {
      return {ok: false, status: 0, body: {error: 'the daemon could not be reached'}};
    }
  }

  function button(text, label, action) {
    const b = el('button', 'edit-button', text);
    b.type = 'button';
    b.setAttribute('aria-label', label);
    b.addEventListener('click', action);
    return b;
  }

  // A form with one field, Save and Cancel, and a line for what the daemon said. `submit`
  // gets the field's value and answers {ok, message}; the focus goes back to `back` after.
  function form(label, field, value, multiline, back, submit) {
    const f = el('form', 'edit-form transcript-form');
    f.setAttribute('aria-label', label);
    const wrap = el('label', 'edit-field');
    const input = el(multiline ? 'textarea' : 'input');
    input.name = 'text';
    input.value = value;
    if (multiline)
      input.rows = Math.min(12, Math.max(2, Math.ceil(value.length / 70)));
    wrap.append(el('span', '', field), input);
    const error = el('p', 'edit-error');
    error.setAttribute('role', 'alert');
    const save = el('button', 'edit-button primary', 'Save');
    save.type = 'submit';
    const row = el('div', 'edit-row');
    const close = () => {
      f.remove();
      back.hidden = false;
      back.focus();
    };
    row.append(save, button('Cancel', 'Cancel', close));
    f.append(wrap, row, error);
    f.addEventListener('keydown', e => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    });
    f.addEventListener('submit', async e => {
      e.preventDefault();
      save.disabled = true;
      const r = await submit(multiline ? input.value : input.value.trim());
      save.disabled = false;
      if (r.ok) {
        announce.textContent = 'Saved.';
        return close();
      }
      error.textContent = r.message;
      f.classList.toggle('conflict', r.status === 409);
    });
    requestAnimationFrame(() => input.focus());
    return f;
  }

  function refusal(r, what, now) {
    if (r.status === 409 && 'revision' in r.body)
      return `Someone else changed this ${what} while you were editing${now}. ` +
             'Save again to replace it with yours, or cancel.';
    return `Not saved: ${r.body.error || 'HTTP ' + r.status}.`;
  }

  // The part of `before` that `after` changes, in UTF-16 code units as the daemon counts them:
  // {offset, length, text}. Only that is sent, so a turn longer than an edit's text may be, or
  // one that goes on while it is corrected, keeps the rest.
  function changedPart(before, after) {
    let head = 0;
    while (head < before.length && head < after.length && before[head] === after[head])
      head++;
    let tail = 0;
    while (tail < before.length - head && tail < after.length - head &&
           before[before.length - 1 - tail] === after[after.length - 1 - tail])
      tail++;
    const low = c => c >= 0xdc00 && c <= 0xdfff; // the second half of a surrogate pair
    if (head > 0 && low(before.charCodeAt(head)))
      head--;
    if (tail > 0 && low(before.charCodeAt(before.length - tail)))
      tail--;
    return {offset: head, length: before.length - head - tail,
            text: after.slice(head, after.length - tail)};
  }

  function correctTurn(t, u, back) {
    let revision = u.corrected ? u.corrected.revision : 0;
    let base = u.text; // what the form started from
    back.hidden = true;
    t.insertBefore(form(`Correct the caption of ${speakerOf(u) || 'an unattributed turn'}`,
                        'Caption text', u.text, true, back, async text => {
      const part = changedPart(base, text);
      const r = await send({op: 'caption.correct', utterance: u.id, line: u.line, revision,
                            ...part});
      const now = state().utterances[u.id];
      if (r.status === 409 && 'revision' in r.body) {
        revision = r.body.revision; // saving again puts the person's text over what is there
        base = now ? now.text : base;
      }
      const reads = now ? `; it now reads “${now.text}”` : '';
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'caption', reads)};
    }), t.querySelector('.text'));
  }

  function renameSpeaker(place, pid, back, before) {
    const p = state().participants.get(pid);
    if (!p)
      return;
    let revision = p.revision || 0;
    back.hidden = true;
    const f = form(`Rename ${p.name}`, 'Name (another participant’s name makes them one)',
                   p.name, false, back, async name => {
      const r = await send({op: 'speaker.rename', from: pid, to: name, revision});
      if (r.status === 409 && 'revision' in r.body)
        revision = r.body.revision;
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'name', '')};
    });
    place.insertBefore(f, before || null);
  }

  function speakerOf(u) {
    const p = u.speaker === null || u.speaker === undefined ? null
      : state().participants.get(u.speaker);
    return p ? p.name : '';
  }

  // A turn's mark and controls, as its utterance stands now. Writes only what changed, so
  // that the observer's own mutations settle at once.
  function turn(t) {
    const u = state().utterances[Number(t.dataset.utterance)];
    const head = t.querySelector('.turn-head');
    if (!u || !head)
      return;
    let mark = head.querySelector('.corrected');
    const c = u.corrected;
    const text = c ? `corrected by ${c.by}` : '';
    if (c && !mark) {
      mark = el('span', 'edit-mark corrected');
      head.insertBefore(mark, head.querySelector('.edit-tools')); // after the time, before controls
    }
    if (mark && !c)
      mark.remove();
    if (c && mark.textContent !== text) {
      mark.textContent = text;
      mark.title = `Corrected by ${c.by} at ${clock(c.at)}: a person's words, not the ` +
                   'captioner’s';
    }
    let tools = head.querySelector('.edit-tools');
    const on = editing() && !!u.text;
    if (!on) {
      if (tools)
        tools.hidden = true;
      return;
    }
    if (!tools) {
      tools = el('span', 'edit-tools turn-tools');
      const edit = button('Edit', '', () => correctTurn(t, state().utterances[u.id], edit));
      const rename = button('Rename', '', () => {
        const now = state().utterances[u.id];
        renameSpeaker(t, now.speaker, rename, t.querySelector('.text'));
      });
      rename.classList.add('rename-speaker');
      tools.append(edit, rename);
      head.append(tools);
    }
    tools.hidden = false;
    const [edit, rename] = tools.children;
    const who = speakerOf(u) || 'an unattributed speaker';
    const label = `Edit the caption of ${who} at ${clock(u.at)}`;
    if (edit.getAttribute('aria-label') !== label)
      edit.setAttribute('aria-label', label);
    if (rename.getAttribute('aria-label') !== `Rename ${who}`)
      rename.setAttribute('aria-label', `Rename ${who}`);
    rename.hidden = !speakerOf(u) || edit.hidden;
  }

  function participant(li) {
    const line = li.querySelector('.participant-line');
    let b = line && line.querySelector('.edit-tools');
    if (!line || (!b && !editing()))
      return;
    const name = li.querySelector('.name').textContent;
    if (!b) {
      b = el('span', 'edit-tools');
      const rename = button('Rename', '', () => renameSpeaker(li, Number(li.dataset.id), rename));
      b.append(rename);
      line.append(b);
    }
    b.hidden = !editing() || !!li.querySelector('.transcript-form');
    if (b.firstChild.getAttribute('aria-label') !== `Rename ${name}`)
      b.firstChild.setAttribute('aria-label', `Rename ${name}`);
  }

  function all() {
    captions.querySelectorAll('article.turn').forEach(turn);
    people.querySelectorAll('li.participant').forEach(participant);
  }

  const observer = new MutationObserver(records => {
    const turns = new Set();
    const rows = new Set();
    for (const r of records) {
      const nodes = [r.target, ...r.addedNodes];
      for (const n of nodes) {
        const e = n.nodeType === Node.ELEMENT_NODE ? n : n.parentElement;
        const t = e && e.closest('article.turn');
        if (t)
          turns.add(t);
        const li = e && e.closest('li.participant');
        if (li)
          rows.add(li);
      }
    }
    turns.forEach(turn);
    rows.forEach(participant);
  });
  observer.observe(captions, {childList: true, subtree: true});
  observer.observe(people, {childList: true, subtree: true});
  // Editing switched on or off (edit.js's toggle): every turn's controls.
  new MutationObserver(all).observe($('edit-toggle'), {attributeFilter: ['aria-pressed']});
}
