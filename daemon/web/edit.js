// Editing the minutes in the viewer (POST /api/sessions/{id}/minutes/edits, PROTOCOL.md). Every
// reader sees what people did to a bullet or item (edited by whom, pinned, approved); an editor
// (GET …/minutes/editor names them) also gets controls, once they turn editing on. Each edit
// carries the revision the page holds: a 409 means someone else changed it first, and the
// person is shown what it says now and may save again over it.
//
// The agenda is rebuilt as the machine writes, so an open form is an element of its own, kept
// here and moved into the rebuilt item: what the person types, and their focus, survive.
//
// An archived meeting's page (api: /api/archive/{archive}) edits the archive's minutes the same
// way; with no live updates, it reads them again (`reload`) after each edit made or refused
// as stale.
'use strict';

function minutedEditing({api, item, minutes, utterances, refresh, reload}) {
  const $ = sel => document.getElementById(sel);
  const toggle = $('edit-toggle');
  const announce = $('edit-status');
  let editor = null; // the reader's name as an editor, or null
  let on = false;
  const forms = new Map();    // form key -> open form element
  const messages = new Map(); // item n -> what the last edit there was told

  const kinds = {
    key_points: {op: 'key_point', name: 'key point', actions: false},
    decisions: {op: 'decision', name: 'decision', actions: true},
    next_steps: {op: 'next_step', name: 'next step', actions: true},
  };

  function button(text, focus, label, action) {
    const b = el('button', 'edit-button', text);
    b.type = 'button';
    b.dataset.focus = focus;
    if (label)
      b.setAttribute('aria-label', label);
    b.addEventListener('click', action);
    return b;
  }

  const short = text => (text.length > 60 ? text.slice(0, 57) + '…' : text);

  // POSTs one edit; {ok, status, body}. A failure to reach the daemon is a status 0.
  async function send(edit) {
    try {
      const res = await fetch(api + '/minutes/edits', {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify(edit),
      });
      let body = {};
      try {
        body = await res.json();
      } catch {
        body = {error: `HTTP ${res.status}`};
      }
      if (reload && (res.ok || res.status === 409))
        reload();
      return {ok: res.ok, status: res.status, body};
    } catch (e) {
      return {ok: false, status: 0, body: {error: 'the daemon could not be reached'}};
    }
  }

  function refusal(r, what) {
    if (r.status === 409 && 'revision' in r.body)
      return `Someone else changed this ${what} first; it now shows their change. ` +
             'Try again if it still needs yours.';
    return `Not saved: ${r.body.error || 'HTTP ' + r.status}.`;
  }

  // An edit with no form (pin, approve, remove): the outcome is told in the item.
  async function act(n, edit, what, done) {
    const r = await send(edit);
    messages.set(n, r.ok ? '' : refusal(r, what));
    announce.textContent = r.ok ? done : messages.get(n);
    refresh(n);
  }

  // --- what every reader sees -------------------------------------------------------------

  const pin = () => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'pin-icon');
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', 'M5 1h6l-1 5 3 3H9l-1 6-1-6H3l3-3z');
    svg.append(path);
    return svg;
  };

  function marks(e) {
    const out = [];
    const mark = (kind, text) => {
      const m = el('span', 'edit-mark ' + kind, text);
      if (e.by)
        m.dataset.by = e.by;
      out.push(m);
      return m;
    };
    if (e.added)
      mark('added', `added by ${e.by}`);
    else if (e.edited)
      mark('edited', `edited by ${e.by}`);
    if (e.pinned)
      mark('pinned', ' pinned').prepend(pin());
    if (e.approved)
      mark('approved', e.edited || e.added ? '✓ approved' : `✓ approved by ${e.by}`);
    if (!out.length)
      return [];
    const wrap = el('span', 'edit-marks');
    wrap.append(...out);
    return [' ', wrap];
  }

  // --- forms ------------------------------------------------------------------------------

  function field(form, label, name, value, multiline) {
    const wrap = el('label', 'edit-field');
    const input = el(multiline ? 'textarea' : 'input');
    input.name = name;
    input.value = value || '';
    input.dataset.focus = form.dataset.key + '|' + name;
    if (multiline)
      input.rows = 2;
    wrap.append(el('span', '', label), input);
    form.append(wrap);
    return input;
  }

  // A form under `key`, with Save and Cancel and a line for what the daemon said. `submit`
  // answers the POST's result; the form closes when it succeeds.
  function openForm(key, n, back, className, label, build, submit) {
    if (forms.has(key)) {
      forms.get(key).querySelector('input, textarea, select').focus();
      return;
    }
    const form = el('form', 'edit-form ' + className);
    form.dataset.key = key;
    form.setAttribute('aria-label', label);
    build(form);
    const error = el('p', 'edit-error');
    error.setAttribute('role', 'alert');
    const save = el('button', 'edit-button primary', 'Save');
    save.type = 'submit';
    save.dataset.focus = key + '|save';
    const cancel = button('Cancel', key + '|cancel', '', () => close(key, n, back));
    const row = el('div', 'edit-row');
    row.append(save, cancel);
    form.append(row, error);
    form.addEventListener('keydown', e => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close(key, n, back);
      }
    });
    form.addEventListener('submit', async e => {
      e.preventDefault();
      save.disabled = true;
      const r = await submit(form);
      save.disabled = false;
      if (r.ok) {
        announce.textContent = 'Saved.';
        return close(key, n, back);
      }
      error.textContent = r.message;
      form.classList.toggle('conflict', r.status === 409);
      save.textContent = r.status === 409 ? 'Save mine anyway' : 'Save';
    });
    forms.set(key, form);
    refresh(n);
    requestAnimationFrame(() => form.querySelector('input, textarea, select')?.focus());
  }

  // Closes the form; the focus goes back to the control that opened it (`back`), once the
  // item is rebuilt without the form.
  function close(key, n, back) {
    const form = forms.get(key);
    forms.delete(key);
    // Saving disables the button under the focus, which leaves the focus on the page itself.
    const active = document.activeElement;
    const had = form?.contains(active) || !active || active === document.body;
    form?.remove();
    refresh(n);
    if (had)
      requestAnimationFrame(() =>
        document.querySelector(`[data-focus="${CSS.escape(back)}"]`)?.focus());
  }

  function editBullet(n, list, e) {
    const kind = kinds[list];
    const key = 'bullet:' + e.key;
    let revision = e.revision || 0;
    openForm(key, n, e.key + '|edit', 'bullet-editor', `Edit the ${kind.name}`, form => {
      field(form, 'Text', 'text', e.text, true);
      if (kind.actions) {
        field(form, 'Owner', 'who', e.who);
        field(form, 'Deadline', 'when', e.when);
      }
    }, async form => {
      const edit = {op: 'bullet.edit', bullet: e.key, revision, text: form.elements.text.value};
      if (kind.actions) {
        edit.who = form.elements.who.value;
        edit.when = form.elements.when.value;
      }
      const r = await send(edit);
      if (r.status === 409 && 'revision' in r.body) {
        revision = r.body.revision; // saving again replaces what is there now, knowingly
        const now = current(n, list, e.key);
        return {ok: false, status: 409, message: now ?
          `${now.by || 'Someone'} changed this ${kind.name} while you were editing; it now ` +
          `reads “${now.text}”. Save again to replace it with yours, or cancel.` :
          refusal(r, kind.name)};
      }
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, kind.name)};
    });
  }

  function current(n, list, key) {
    return (item(n)?.[list] || []).find(b => b.key === key);
  }

  function addBullet(a) {
    const key = `item:${a.n}|add`;
    openForm(key, a.n, key, 'bullet-add', `Add to item ${a.n}`, form => {
      const wrap = el('label', 'edit-field');
      const select = el('select');
      select.name = 'kind';
      select.dataset.focus = key + '|kind';
      for (const [list, k] of Object.entries(kinds)) {
        const option = el('option', '', k.name[0].toUpperCase() + k.name.slice(1));
        option.value = list;
        select.append(option);
      }
      wrap.append(el('span', '', 'Kind'), select);
      form.append(wrap);
      field(form, 'Text', 'text', '', true);
      const who = field(form, 'Owner', 'who', '');
      const when = field(form, 'Deadline', 'when', '');
      const sync = () => {
        const actions = kinds[select.value].actions;
        who.closest('label').hidden = !actions;
        when.closest('label').hidden = !actions;
      };
      select.addEventListener('change', sync);
      sync();
    }, async form => {
      const list = form.elements.kind.value;
      const edit = {op: 'bullet.add', item: a.n, kind: kinds[list].op,
                    text: form.elements.text.value};
      if (kinds[list].actions) {
        edit.who = form.elements.who.value;
        edit.when = form.elements.when.value;
      }
      const r = await send(edit);
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'item')};
    });
  }

  function renameItem(a) {
    const key = `item:${a.n}|rename`;
    let revision = a.revision || 0;
    openForm(key, a.n, `item:${a.n}|edit`, 'item-rename', `Rename item ${a.n}`, form => {
      field(form, 'Title', 'text', a.title);
    }, async form => {
      const text = form.elements.text.value;
      const r = await send({op: 'item.rename', item: a.n, revision, text});
      if (r.status === 409 && 'revision' in r.body) {
        revision = r.body.revision;
        return {ok: false, status: 409, message: 'Someone else changed this item while you ' +
          `were editing; it is now “${item(a.n)?.title}”. Save again to rename it, or cancel.`};
      }
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'item')};
    });
  }

  // Merging, splitting, adding and removing items, moving bullets, marks taken back.
  const structure = minutedStructure({send, act, openForm, field, button, item, utterances, short,
                                      refusal});

  // --- hooks for the agenda's rendering ---------------------------------------------------

  // A bullet `e` of list `list` ("key_points", …) of item `n`: its marks, and for an editor
  // its controls or its open form.
  function bullet(li, e, list, n) {
    if (!e.key)
      return;
    li.dataset.key = e.key;
    for (const flag of ['edited', 'added', 'pinned', 'approved'])
      li.classList.toggle(flag, !!e[flag]);
    li.append(...marks(e));
    if (!on)
      return;
    const form = forms.get('bullet:' + e.key);
    if (form)
      return li.append(form);
    const kind = kinds[list].name;
    const what = `${kind}: ${short(e.text)}`;
    const tools = el('span', 'edit-tools');
    const f = e.key + '|';
    tools.append(button('Edit', f + 'edit', `Edit ${what}`, () => editBullet(n, list, e)));
    const revision = e.revision || 0;
    if (!e.pinned)
      tools.append(button('Pin', f + 'pin', `Pin ${what}`, () =>
        act(n, {op: 'bullet.pin', bullet: e.key, revision}, kind, 'Pinned.')));
    if (!e.approved)
      tools.append(button('Approve', f + 'approve', `Approve ${what}`, () =>
        act(n, {op: 'bullet.approve', bullet: e.key, revision}, kind, 'Approved.')));
    tools.append(button('Remove', f + 'remove', `Remove ${what}`, () =>
      act(n, {op: 'bullet.remove', bullet: e.key, revision}, kind, 'Removed.')),
                 ...structure.bulletTools(e, list, n, what, kind));
    li.append(' ', tools);
  }

  // What goes under item `a`'s title: its marks, and for an editor its controls and forms.
  function itemParts(a) {
    const parts = [];
    const flags = [];
    if (a.renamed)
      flags.push(el('span', 'edit-mark renamed', 'renamed'));
    if (a.approved)
      flags.push(el('span', 'edit-mark approved', '✓ approved'));
    if (flags.length) {
      const p = el('p', 'edit-marks item-marks');
      p.append(...flags);
      parts.push(p);
    }
    if (!on)
      return parts;
    const f = `item:${a.n}|`;
    const tools = el('div', 'edit-tools item-tools');
    tools.append(button('Rename', f + 'edit', `Rename item ${a.n}: ${short(a.title)}`,
                        () => renameItem(a)));
    if (!a.approved)
      tools.append(button('Approve item', f + 'approve', `Approve item ${a.n}`, () =>
        act(a.n, {op: 'item.approve', item: a.n, revision: a.revision || 0}, 'item',
            'Item approved.')));
    tools.append(button('Add…', f + 'add',
                        `Add a key point, decision or next step to item ${a.n}`,
                        () => addBullet(a)), ...structure.itemTools(a));
    parts.push(tools);
    for (const kind of ['rename', 'add', ...structure.forms])
      if (forms.has(f + kind))
        parts.push(forms.get(f + kind));
    if (messages.get(a.n)) {
      const p = el('p', 'edit-error', messages.get(a.n));
      p.setAttribute('role', 'alert');
      parts.push(p);
    }
    return parts;
  }

  // The focused element and its selection, before the agenda is rebuilt under it.
  function held() {
    const e = document.activeElement;
    if (!e || !e.dataset?.focus)
      return null;
    return {e, key: e.dataset.focus, start: e.selectionStart, end: e.selectionEnd};
  }

  // Gives the focus back in the rebuilt item `li`: to the same field (a kept form's), or the
  // control of the same name, or the bullet's or item's first control. True if it did.
  function refocus(li, h) {
    if (!h)
      return false;
    const prefix = h.key.split('|')[0] + '|';
    const target = (li.contains(h.e) && h.e) ||
      li.querySelector(`[data-focus="${CSS.escape(h.key)}"]`) ||
      li.querySelector(`[data-focus^="${CSS.escape(prefix)}"]`);
    if (!target)
      return false;
    target.focus({preventScroll: true});
    if (target === h.e && typeof h.start === 'number')
      target.setSelectionRange(h.start, h.end);
    return true;
  }

  // The report's approval, below its downloads.
  let reportError = '';
  function update() {
    const place = $('report-approval');
    const m = minutes() || {revision: 0, approved: false};
    const state = !editor ? 'none' : m.approved ? 'approved' : on ? 'open' : 'off';
    const shown = `${state}:${m.revision}:${m.approved}:${reportError}`;
    if (place.dataset.shown === shown)
      return;
    place.dataset.shown = shown;
    const parts = [];
    if (m.approved)
      parts.push(el('span', 'edit-mark approved', '✓ The report is approved'));
    if (on && !m.approved)
      parts.push(button('Approve the report', 'report|approve', '', async () => {
        const r = await send({op: 'report.approve', revision: m.revision});
        reportError = r.ok ? '' : refusal(r, 'report');
        announce.textContent = r.ok ? 'The report is approved.' : reportError;
        update();
      }));
    if (reportError) {
      const p = el('p', 'edit-error', reportError);
      p.setAttribute('role', 'alert');
      parts.push(p);
    }
    place.replaceChildren(...parts);
  }

  // Asks whether this reader may edit; editors get the switch that shows the controls.
  async function start() {
    try {
      const res = await fetch(api + '/minutes/editor', {cache: 'no-store'});
      editor = res.ok ? (await res.json()).editor : null;
    } catch {
      editor = null;
    }
    if (!editor)
      return;
    $('editor-name').textContent = `as ${editor}`;
    toggle.hidden = false;
    toggle.addEventListener('click', () => {
      on = !on;
      toggle.setAttribute('aria-pressed', String(on));
      document.body.classList.toggle('editing', on);
      refresh(null);
      update();
    });
    update();
  }

  return {bullet, itemParts, held, refocus, update, start, editing: () => on};
}
