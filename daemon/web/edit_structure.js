// Shaping the agenda in the viewer (POST /api/sessions/{id}/minutes/edits, PROTOCOL.md): merge
// an item with the next one, split it at one of its turns, remove it, add an item after the
// last; move a bullet up or down its list; take a pin or an approval back. Every control is a
// button (no dragging), so a keyboard does all of it. edit.js owns the forms and the sending.
'use strict';

function minutedStructure({send, act, openForm, field, button, item, utterances, short,
                          refusal}) {
  // The turns item `shown` holds, as the minutes stand now (the page may not have drawn the
  // last update yet, nor all of its captions): from its first utterance to the next item's.
  function turnsOf(shown) {
    const a = item(shown.n) || shown;
    const end = item(a.n + 1)?.first_utterance ?? Infinity;
    return (utterances() || []).filter(u => u && u.id > a.first_utterance && u.id < end);
  }

  function splitItem(a) {
    const key = `item:${a.n}|split`;
    const revision = a.revision || 0;
    openForm(key, a.n, key, 'item-split', `Split item ${a.n}`, form => {
      const wrap = el('label', 'edit-field');
      const select = el('select');
      select.name = 'utterance';
      select.dataset.focus = key + '|utterance';
      for (const u of turnsOf(a)) {
        const t = document.querySelector(`#captions article.turn[data-utterance="${u.id}"]`);
        const who = t?.querySelector('.speaker')?.textContent || 'Speaker';
        const at = t?.querySelector('.at')?.textContent || '';
        const option = el('option', '', `${at} ${who}: ${short(u.text || '')}`);
        option.value = u.id;
        select.append(option);
      }
      wrap.append(el('span', '', 'The new item starts at'), select);
      form.append(wrap);
      field(form, 'Title of the new item', 'text', '');
    }, async form => {
      const utterance = Number(form.elements.utterance.value);
      if (!form.elements.utterance.value)
        return {ok: false, status: 400, message: 'This item has no later turn to split at.'};
      const r = await send({op: 'item.split', item: a.n, revision, utterance,
                            text: form.elements.text.value});
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'item')};
    });
  }

  function addItem(a) {
    const key = `item:${a.n}|additem`;
    openForm(key, a.n, key, 'item-add', `Add an item after item ${a.n}`, form => {
      field(form, 'Title', 'text', '');
    }, async form => {
      const r = await send({op: 'item.add', after: a.n, text: form.elements.text.value});
      return {ok: r.ok, status: r.status, message: r.ok ? '' : refusal(r, 'item')};
    });
  }

  // The controls under item `a`'s title that shape the agenda.
  function itemTools(a) {
    const f = `item:${a.n}|`;
    const revision = a.revision || 0;
    const next = item(a.n + 1);
    const tools = [];
    if (a.approved)
      tools.push(button('Unapprove item', f + 'unapprove', `Unapprove item ${a.n}`,
        () => act(a.n, {op: 'item.unapprove', item: a.n, revision}, 'item',
                  'Approval taken back.')));
    if (next)
      tools.push(button('Merge with next', f + 'merge',
                        `Merge with next: item ${a.n} with item ${a.n + 1}, ${short(next.title)}`,
        () => act(a.n, {op: 'item.merge', item: a.n, revision, with: a.n + 1,
                        with_revision: next.revision || 0}, 'item', 'Items merged.')));
    tools.push(button('Split…', f + 'split', `Split item ${a.n} at one of its turns`,
                      () => splitItem(a)));
    tools.push(button('Remove item', f + 'remove',
                      `Remove item ${a.n} and its bullets from the minutes`,
      () => act(a.n, {op: 'item.remove', item: a.n, revision}, 'item', 'Item removed.')));
    if (!next)
      tools.push(button('Add item after', f + 'additem',
                        `Add item after item ${a.n}, for what is said next`,
                        () => addItem(a)));
    return tools;
  }

  // A bullet's controls: up and down its list, and its marks taken back.
  function bulletTools(e, list, n, what, kind) {
    const all = item(n)?.[list] || [];
    const at = all.findIndex(b => b.key === e.key);
    const revision = e.revision || 0;
    const f = e.key + '|';
    const tools = [];
    const move = (label, focus, position, done) =>
      tools.push(button(label, f + focus, `${label} ${what}`, () =>
        act(n, {op: 'bullet.move', bullet: e.key, revision, position}, kind, done)));
    if (at > 0)
      move('Move up', 'up', at - 1, 'Moved up.');
    if (at >= 0 && at < all.length - 1)
      move('Move down', 'down', at + 1, 'Moved down.');
    if (e.pinned)
      tools.push(button('Unpin', f + 'unpin', `Unpin ${what}`, () =>
        act(n, {op: 'bullet.unpin', bullet: e.key, revision}, kind, 'Unpinned.')));
    if (e.approved)
      tools.push(button('Unapprove', f + 'unapprove', `Unapprove ${what}`, () =>
        act(n, {op: 'bullet.unapprove', bullet: e.key, revision}, kind,
            'Approval taken back.')));
    return tools;
  }

  return {itemTools, bulletTools, forms: ['split', 'additem']};
}
