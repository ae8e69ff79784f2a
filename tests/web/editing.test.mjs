// Editing the minutes in the viewer while the meeting goes on: two editors in two browser
// pages (each opened with its own editor token) and a reader with none, on a daemon with
// [auth.editors] configured and captions flowing (`minuted replay` at a steady pace). The
// edits cross: one editor saves over a bullet the other has open, is told so with what it
// says now, and saves again; an addition and a rename land while the machine keeps writing;
// every page ends with the same minutes, and only the editors see controls. After a meeting,
// its archived page is edited and approved the same way. Editors also correct captions and
// rename speakers.
//
// The DOM contract is the one in tests/web/README.md.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    artifacts, axe_path, dccg_transcript, launch_browser, open_page, poll, wait_in_page,
    with_daemon,
} from './harness.mjs';

const test_timeout = 300_000;
const ana = 'ana-editing-token-0123456789';
const bo = 'bo-editing-token-0123456789';
const config = `[auth.editors]\nAna = "${ana}"\nBo = "${bo}"\n`;
let browser;

before(async () => {
    browser = await launch_browser();
});
after(async () => {
    await browser?.close();
});

async function close_pages(...pages) {
    for (const p of pages)
        await p?.context().close().catch(() => {});
}

/// Item `n`'s minutes as the page shows them: title, marks, and every bullet's key, text and
/// marks; controls and open forms left out, so an editor's page and a reader's compare.
function shown_item(page, n) {
    return page.evaluate(n => {
        const li = document.querySelector(`#agenda li.item[data-n="${n}"]`);
        if (!li)
            return null;
        const marks = e => [...e.querySelectorAll(':scope > .edit-marks .edit-mark')]
            .map(m => m.textContent.trim());
        const bullets = list => [...li.querySelectorAll(`.${list} > li`)].map(b => ({
            key: b.dataset.key,
            text: b.firstChild.textContent,
            marks: marks(b),
        }));
        return {
            title: li.querySelector('.item-name').textContent,
            marks: [...li.querySelectorAll('.item-marks .edit-mark')].map(m => m.textContent),
            key_points: bullets('key-points'),
            next_steps: bullets('next-steps'),
            decisions: bullets('decisions'),
        };
    }, n);
}

/// The item `n` of the daemon's state, in the shape shown_item reads from a page.
function stated_item(state, n) {
    const a = state.agenda.find(i => i.n === n);
    return a && { title: a.title, approved: !!a.approved, renamed: !!a.renamed,
                  key_points: a.key_points.map(b => b.key),
                  next_steps: a.next_steps.map(b => b.key),
                  decisions: a.decisions.map(b => b.key) };
}

async function turn_editing_on(page) {
    const toggle = page.locator('#edit-toggle');
    await toggle.waitFor({ state: 'visible' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
}

test('two editors edit the live minutes at once while captions flow; every page converges',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let replay, a, b, reader;
        try {
            replay = d.replay(dccg_transcript, 'ed', 40, ['--keep-open']);
            a = await open_page(browser, d.url(`/sessions/ed?token=${ana}`));
            b = await open_page(browser, d.url(`/sessions/ed?token=${bo}`));
            reader = await open_page(browser, d.url('/sessions/ed'));

            // Each editor is named; the reader is offered nothing.
            await wait_in_page(a, 'Ana named as the editor',
                               () => /Ana/.test(document.querySelector('#editor-name')
                                   .textContent));
            await wait_in_page(b, 'Bo named as the editor',
                               () => /Bo/.test(document.querySelector('#editor-name').textContent));
            await turn_editing_on(a);
            await turn_editing_on(b);

            // A key point the machine wrote, on both editors' pages.
            const first = await poll('a key point in the live minutes', async () => {
                const state = await d.get_json('/api/sessions/ed');
                for (const item of state.agenda)
                    if (item.key_points.length)
                        return { n: item.n, key: item.key_points[0].key };
                return null;
            });
            const { n, key } = first;
            const turns_before = (await d.get_json('/api/sessions/ed')).utterances.length;
            const bullet = `#agenda li.item[data-n="${n}"] .key-points li[data-key="${key}"]`;
            const control = (page, action) =>
                page.locator(`${bullet} button[data-focus="${key}|${action}"]`);

            // Bo opens the bullet and starts typing; then Ana saves her wording first.
            await control(b, 'edit').click();
            const bo_text = b.locator(`${bullet} form.bullet-editor textarea[name="text"]`);
            await bo_text.fill('Bo: the working group agreed to circulate a revised draft.');
            await control(a, 'edit').click();
            const ana_text = a.locator(`${bullet} form.bullet-editor textarea[name="text"]`);
            await ana_text.fill(
                'Ana: the group will circulate a revised draft before the next call.');
            await a.locator(`${bullet} form.bullet-editor button[type="submit"]`).click();

            // Both editors' pages and the reader's show the bullet marked as Ana's; Bo's open
            // form is still there, with what he typed, under the rebuilt item.
            for (const [page, who] of [[a, 'Ana'], [b, 'Bo'], [reader, 'the reader']])
                await wait_in_page(page, `Ana's edit shown to ${who}`, sel => {
                    const li = document.querySelector(sel);
                    return li?.firstChild.textContent.startsWith('Ana: the group') &&
                        li.querySelector('.edit-mark.edited[data-by="Ana"]');
                }, bullet);
            assert.equal(await bo_text.inputValue(),
                         'Bo: the working group agreed to circulate a revised draft.');
            // Closed once the save is answered, which may come just after the update.
            await wait_in_page(a, "Ana's form closed", sel => !document.querySelector(`${sel} form`),
                               bullet);

            // Bo saves from the revision he opened: refused, told who changed it and to what.
            await b.locator(`${bullet} form.bullet-editor button[type="submit"]`).click();
            const conflict = b.locator(`${bullet} form.bullet-editor .edit-error`);
            await poll('the conflict told to Bo', async () =>
                /Ana changed this key point/.test(await conflict.textContent()));
            assert.match(await conflict.textContent(), /Ana: the group will circulate/);
            assert.equal(await b.locator(`${bullet} form.bullet-editor.conflict`).count(), 1);
            mkdirSync(artifacts, { recursive: true });
            await b.screenshot({ path: path.join(artifacts, 'editing-conflict.png') });

            // He saves again, knowingly: his wording replaces hers on every page.
            await b.locator(`${bullet} form.bullet-editor button[type="submit"]`).click();
            for (const [page, who] of [[a, 'Ana'], [b, 'Bo'], [reader, 'the reader']])
                await wait_in_page(page, `Bo's edit shown to ${who}`, sel => {
                    const li = document.querySelector(sel);
                    return li?.firstChild.textContent.startsWith('Bo: the working group') &&
                        li.querySelector('.edit-mark.edited[data-by="Bo"]');
                }, bullet);
            // Closed once the save is answered, which may come just after the update.
            await wait_in_page(b, "Bo's form closed", sel => !document.querySelector(`${sel} form`),
                               bullet);
            await wait_in_page(b, "Bo's focus back on the bullet's Edit button", k =>
                document.activeElement?.dataset.focus === `${k}|edit`, key);

            // At once: Ana adds a next step to the item, Bo renames it.
            const item = `#agenda li.item[data-n="${n}"]`;
            await a.locator(`${item} button[data-focus="item:${n}|add"]`).click();
            const add = a.locator(`${item} form.bullet-add`);
            await add.locator('select[name="kind"]').selectOption('next_steps');
            await add.locator('textarea[name="text"]').fill('Circulate the revised draft');
            await add.locator('input[name="who"]').fill('Secretariat');
            await add.locator('input[name="when"]').fill('Friday');
            await b.locator(`${item} button[data-focus="item:${n}|edit"]`).click();
            const rename = b.locator(`${item} form.item-rename input[name="text"]`);
            await rename.fill('Revised draft of the charter');
            await Promise.all([
                add.locator('button[type="submit"]').click(),
                b.locator(`${item} form.item-rename button[type="submit"]`).click(),
            ]);

            // Every page converges on the same minutes for the item, which are the daemon's.
            const converged = await poll('the three pages showing the same item', async () => {
                const seen = await Promise.all([a, b, reader].map(p => shown_item(p, n)));
                const same = seen.every(s => JSON.stringify(s) === JSON.stringify(seen[0]));
                const it = seen[0];
                return same && it.title === 'Revised draft of the charter' &&
                    it.next_steps.some(s => s.text.startsWith('Circulate the revised draft') &&
                                            s.marks.includes('added by Ana')) && it;
            });
            const state = await d.get_json('/api/sessions/ed');
            const stated = stated_item(state, n);
            assert.equal(stated.title, converged.title);
            assert.ok(stated.renamed);
            assert.deepEqual(converged.marks, ['renamed']);
            const edited = state.agenda.find(i => i.n === n).key_points.find(k => k.key === key);
            assert.equal(edited.by, 'Bo');
            assert.equal(edited.revision, 2);

            // The reader sees the marks but no control at all.
            assert.equal(await reader.locator('#edit-toggle').isVisible(), false);
            assert.equal(await reader.locator('.edit-tools, .edit-form, #report-approval button')
                .count(), 0);
            assert.ok(await reader.locator(`${bullet} .edit-mark[data-by="Bo"]`).count());

            // Ana approves the report; every page says so.
            await a.locator('#report-approval button').click();
            for (const page of [a, b, reader])
                await wait_in_page(page, 'the report approved',
                                   () => /approved/.test(
                                       document.querySelector('#report-approval').textContent));
            await a.locator(item).scrollIntoViewIfNeeded();
            await a.screenshot({ path: path.join(artifacts, 'editing-editor.png') });
            await reader.locator(item).scrollIntoViewIfNeeded();
            await reader.screenshot({ path: path.join(artifacts, 'editing-reader.png') });

            // Ana pins Bo's wording, keeping it whatever the machine writes; everyone sees the pin.
            await control(a, 'pin').click();
            await wait_in_page(reader, 'the pin shown to the reader', sel =>
                document.querySelector(`${sel}.pinned .edit-mark.pinned svg[aria-hidden="true"]`),
                bullet);
            await wait_in_page(a, 'the focus kept on the bullet', k =>
                document.activeElement?.dataset.focus?.startsWith(`${k}|`), key);

            // Captions were flowing the whole time.
            const turns_after = (await d.get_json('/api/sessions/ed')).utterances.length;
            assert.ok(turns_after > turns_before,
                      `captions arrived during the edits (${turns_before}, then ${
                          turns_after} turns)`);
            for (const page of [a, b, reader])
                assert.deepEqual(page.problems.filter(p => !/ 409 for POST /.test(p)), []);
        } finally {
            replay?.kill();
            await replay?.done;
            await close_pages(a, b, reader);
        }
    }, config);
});

test('an edit refused for its content shows the daemon\'s reason; the form stays open',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let replay, a;
        try {
            replay = d.replay(dccg_transcript, 'bad', 40, ['--keep-open']);
            a = await open_page(browser, d.url(`/sessions/bad?token=${ana}`));
            await turn_editing_on(a);
            const n = await poll('an agenda item', async () =>
                (await d.get_json('/api/sessions/bad')).agenda[0]?.n);
            const item = `#agenda li.item[data-n="${n}"]`;
            await a.locator(`${item} button[data-focus="item:${n}|edit"]`).click();
            await a.locator(`${item} form.item-rename input[name="text"]`).fill('x'.repeat(5000));
            await a.locator(`${item} form.item-rename button[type="submit"]`).click();
            const error = a.locator(`${item} form.item-rename .edit-error`);
            await poll('the refusal shown',
                       async () => /^Not saved: /.test(await error.textContent()));
            assert.match(await error.textContent(), /4096/);
            // Escape closes the form and gives the focus back to Rename.
            await a.locator(`${item} form.item-rename input[name="text"]`).press('Escape');
            await wait_in_page(a, 'the focus back on Rename', nn =>
                document.activeElement?.dataset.focus === `item:${nn}|edit`, n);
        } finally {
            replay?.kill();
            await replay?.done;
            await close_pages(a);
        }
    }, config);
});

test('after the meeting an editor edits and approves the archived minutes; a reader sees the marks',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let a, reader;
        try {
            const replay = d.replay(dccg_transcript, 'done', 'max', ['--keep-open']);
            assert.equal(await replay.done, 0, replay.output());
            const ended = await fetch(d.url('/api/sessions/done/end'), { method: 'POST' });
            assert.equal(ended.status, 200);
            const archive = await poll('the meeting archived', async () =>
                (await d.get_json('/api/sessions')).sessions
                    .find(s => s.id === 'done' && !s.live)?.archive);
            const state = await d.get_json(`/api/archive/${archive}/state.json`);
            const { n } = state.agenda.find(i => i.key_points.length);
            const { key } = state.agenda.find(i => i.n === n).key_points[0];
            a = await open_page(browser, d.url(`/archive/${archive}?token=${ana}`));
            reader = await open_page(browser, d.url(`/archive/${archive}`));
            await turn_editing_on(a);

            // Approving a bullet and the report: the page reads the archive again after each.
            const bullet = `#agenda li.item[data-n="${n}"] .key-points li[data-key="${key}"]`;
            await a.locator(`${bullet} button[data-focus="${key}|approve"]`).click();
            await wait_in_page(a, 'the bullet shown approved', sel =>
                document.querySelector(`${sel}.approved .edit-mark.approved[data-by="Ana"]`),
                bullet);
            await a.locator('#report-approval button').click();
            await wait_in_page(a, 'the report shown approved', () =>
                /The report is approved/.test(
                    document.querySelector('#report-approval').textContent));
            const archived = await d.get_json(`/api/archive/${archive}/state.json`);
            assert.equal(archived.minutes.approved, true);
            assert.match(await (await fetch(d.url(`/api/archive/${archive}/edits.jsonl`))).text(),
                         /"op":"report.approve".*"by":"Ana"/);

            // A reader opening it now sees the marks, and no control.
            await reader.reload();
            await wait_in_page(reader, 'the approval shown to the reader', sel =>
                document.querySelector(`${sel} .edit-mark.approved`) &&
                /approved/.test(document.querySelector('#report-approval').textContent), bullet);
            assert.equal(await reader.locator('#edit-toggle').isVisible(), false);
            assert.equal(await reader.locator('.edit-tools, #report-approval button').count(), 0);
            mkdirSync(artifacts, { recursive: true });
            await a.locator(bullet).scrollIntoViewIfNeeded();
            await a.screenshot({ path: path.join(artifacts, 'editing-archived.png') });
            for (const page of [a, reader])
                assert.deepEqual(page.problems, []);
        } finally {
            await close_pages(a, reader);
        }
    }, config);
});

test('an editor corrects a caption line and renames a speaker; another page sees both, axe-clean',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let a, reader;
        try {
            await d.post_captions('tx',
                '>> MARKUS KUMMER: Welcome everyone, we start with the budget.\n' +
                '>> JON SMITH: Thank you. The budgit needs a careful review.\n' +
                '>> JOHN SMITH: I agree with the review of the budget.\n' +
                '>> MARKUS KUMMER: Thank you both.\n');
            // axe is injected as a script tag, which the viewer's policy would refuse.
            a = await open_page(browser, d.url(`/sessions/tx?token=${ana}`), { bypassCSP: true });
            reader = await open_page(browser, d.url('/sessions/tx'), { bypassCSP: true });
            await turn_editing_on(a);

            // Edit on the turn, by keyboard: the form opens with its text, focused.
            const turn = '#captions article.turn[data-utterance="1"]';
            await a.locator(`${turn} .turn-tools button`, { hasText: 'Edit' }).press('Enter');
            const text = a.locator(`${turn} form.transcript-form textarea`);
            await wait_in_page(a, 'the caption form focused',
                               () => document.activeElement?.tagName === 'TEXTAREA');
            assert.equal(await text.inputValue(), 'Thank you. The budgit needs a careful review.');
            await text.fill('Thank you. The budget needs a careful review.');
            await a.locator(`${turn} form.transcript-form button[type="submit"]`).click();

            // The speaker's Rename, from the participants list: into John Smith, one person.
            const jon = (await d.get_json('/api/sessions/tx')).participants
                .find(p => p.label === 'JON SMITH').id;
            await a.locator(`#participants li[data-id="${jon}"] .edit-tools button`).click();
            const name = a.locator(`#participants li[data-id="${jon}"] form input`);
            await name.fill('John Smith');
            await name.press('Enter');

            for (const [page, who] of [[a, 'the editor'], [reader, 'the reader']]) {
                await wait_in_page(page, `the correction shown to ${who}`, sel => {
                    const t = document.querySelector(sel);
                    return t?.querySelector('.text').textContent ===
                        'Thank you. The budget needs a careful review.' &&
                        t.querySelector('.edit-mark.corrected')?.textContent === 'corrected by Ana';
                }, turn);
                await wait_in_page(page, `one John Smith shown to ${who}`, () => {
                    const names = [...document.querySelectorAll('#participants .name')]
                        .map(n => n.textContent);
                    const speakers = [...document.querySelectorAll('#captions .speaker')]
                        .map(n => n.textContent);
                    return names.filter(n => /Smith/.test(n)).join() === 'John Smith' &&
                        !speakers.includes('Jon Smith');
                });
            }
            // Readers get the mark, not the controls.
            assert.equal(await reader.locator('.turn-tools, .transcript-form').count(), 0);
            mkdirSync(artifacts, { recursive: true });
            await a.screenshot({ path: path.join(artifacts, 'transcript-editor.png') });

            const found = [];
            for (const [page, where] of [[a, 'editor'], [reader, 'reader']]) {
                await page.addScriptTag({ path: axe_path });
                const result = await page.evaluate(() => window.axe.run(document, {
                    resultTypes: ['violations'] }));
                found.push(...result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${where}: ${v.id}: ${v.nodes.map(n => n.target.join(' '))}`));
            }
            assert.deepEqual(found, []);
            for (const page of [a, reader])
                assert.deepEqual(page.problems, []);
        } finally {
            await close_pages(a, reader);
        }
    }, config);
});

/// The titles of the items a page shows, and each item's key points by key.
function shown_outline(page) {
    return page.evaluate(() => [...document.querySelectorAll('#agenda li.item')].map(li => ({
        title: li.querySelector('.item-name').textContent,
        key_points: [...li.querySelectorAll('.key-points > li')].map(b => b.dataset.key),
    })));
}

test('an editor merges, splits and reorders by keyboard-reachable buttons; a reader sees it',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let a, reader;
        try {
            const replay = d.replay(dccg_transcript, 'sh', 'max', ['--keep-open']);
            assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
            const state = await d.get_json('/api/sessions/sh');
            // axe is injected as a script tag, which the viewer's policy would refuse.
            a = await open_page(browser, d.url(`/sessions/sh?token=${ana}`), { bypassCSP: true });
            reader = await open_page(browser, d.url('/sessions/sh'));
            for (const page of [a, reader])
                await wait_in_page(page, 'the whole meeting on the page', n =>
                    document.querySelectorAll('#captions .turn').length === n &&
                    document.querySelectorAll('#agenda li.item').length > 0,
                                   state.utterances.length);
            await turn_editing_on(a);
            const before = await shown_outline(reader);
            const count = before.length;
            assert.ok(count >= 3, `${count} items`);

            // Item 1 merged with item 2: one item less, under item 1's title.
            await a.locator('button[data-focus="item:1|merge"]').click();
            for (const [page, whose] of [[reader, 'reader'], [a, 'editor']])
                await poll(`the merge on the ${whose}'s page`, async () => {
                    const now = await shown_outline(page);
                    return now.length === count - 1 && now[0].title === before[0].title &&
                        now[1].title === before[2].title;
                });

            // The last item split at its second turn, into a new item with its own title.
            const last = count - 1;
            await a.locator(`button[data-focus="item:${last}|split"]`).click();
            const form = a.locator(`li.item[data-n="${last}"] form.item-split`);
            // The form is drawn with the page's next render, not at the click.
            await form.locator('select[name="utterance"] option').first()
                .waitFor({ state: 'attached' });
            const options = await form.locator('select[name="utterance"] option').count();
            assert.ok(options >= 2, `${options} turns to split at`);
            await form.locator('select[name="utterance"]').selectOption({ index: 1 });
            await form.locator('input[name="text"]').fill('Questions from the floor');
            await form.locator('input[name="text"]').press('Enter');
            await poll('the split on the reader\'s page', async () => {
                const now = await shown_outline(reader);
                return now.length === count && now[count - 1].title === 'Questions from the floor';
            });

            // A key point moved down its list by keyboard: the reader sees the new order.
            const outline = await shown_outline(a);
            const n = outline.findIndex(i => i.key_points.length >= 2) + 1;
            assert.ok(n > 0, 'an item with two key points');
            const [first, second] = outline[n - 1].key_points;
            const down = a.locator(`li.item[data-n="${n}"] button[data-focus="${first}|down"]`);
            await down.focus();
            await a.keyboard.press('Enter');
            await poll('the move on the reader\'s page', async () => {
                const now = await shown_outline(reader);
                return now[n - 1].key_points[0] === second && now[n - 1].key_points[1] === first;
            });
            await wait_in_page(a, 'the focus kept on the moved bullet', k =>
                document.activeElement?.dataset.focus?.startsWith(`${k}|`), first);
            await a.locator(`li.item[data-n="${n}"]`).scrollIntoViewIfNeeded();
            mkdirSync(artifacts, { recursive: true });
            await a.screenshot({ path: path.join(artifacts, 'editing-structure.png') });

            // The editor's page, every control shown, has no serious accessibility problem.
            await a.addScriptTag({ path: axe_path });
            const result = await a.evaluate(() => window.axe.run(document, {
                resultTypes: ['violations'],
            }));
            assert.deepEqual(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id}: ${v.nodes.map(x => x.target.join(' ')).join(', ')}`), []);
            for (const page of [a, reader])
                assert.deepEqual(page.problems, []);
        } finally {
            await close_pages(a, reader);
        }
    }, config);
});
