// Finding words in the captions of the session page (the find bar, #find), in Debian's chromium
// against the real daemon: matches counted and marked across turns, next and previous wrapping
// round with the current match in view, case and accents ignored, caption markup staying text,
// captions that arrive during a search found without moving the reader, Escape giving the live
// edge back, the keyboard shortcuts, an archived meeting, a three-hour meeting, screenshots.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    artifacts, dccg_transcript, launch_browser, open_page, poll, wait_in_page, with_daemon,
} from './harness.mjs';

const test_timeout = 300_000;
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

/// POSTs `lines` (speaker, text pairs) as CART turns, then an empty line so the last one is
/// final too.
async function post_turns(d, session, lines) {
    await d.post_captions(session, lines.map(([who, text]) => `>> ${who}: ${text}\n`).join(''));
    await d.post_captions(session, '\n');
}

/// `n` short turns numbered from `from`, enough to fill the captions several times over.
const filler = (n, from = 1) => Array.from({ length: n }, (_, i) => [
    i % 2 ? 'JUTTA CROLL' : 'MARKUS KUMMER',
    `Filler caption ${from + i}, long enough to wrap on a phone and to push others away.`,
]);

/// Is `el` (an element in the page, or null for the newest turn) inside the captions' view?
const in_captions_view = el => {
    const c = document.querySelector('#captions');
    const e = el ?? [...c.querySelectorAll('.turn')].at(-1);
    if (!e)
        return false;
    const r = e.getBoundingClientRect(), v = c.getBoundingClientRect();
    return r.height > 0 && r.top >= v.top - 1 && r.bottom <= v.bottom + 1 &&
           r.bottom > 0 && r.top < window.innerHeight;
};

/// What the find bar shows: the count, the marks (their text and their turn), the current one.
function found(page) {
    return page.evaluate(() => {
        const marks = [...document.querySelectorAll('#captions mark')];
        const cur = document.querySelectorAll('#captions mark.current');
        return {
            count: document.querySelector('#find-count').textContent,
            marks: marks.map(m => m.textContent),
            turns: marks.map(m => Number(m.closest('.turn').dataset.utterance)),
            current: cur.length === 1 ? Number(cur[0].closest('.turn').dataset.utterance) : null,
            currents: cur.length,
            aria_current: cur.length === 1 ? cur[0].getAttribute('aria-current') : null,
        };
    });
}

async function current_in_view(page, what) {
    await wait_in_page(page, `the current match in view (${what})`,
                       () => {
                           const m = document.querySelector('#captions mark.current');
                           const c = document.querySelector('#captions');
                           if (!m)
                               return false;
                           const r = m.getBoundingClientRect(), v = c.getBoundingClientRect();
                           return r.top >= v.top && r.bottom <= v.bottom && r.bottom > 0 &&
                                  r.top < window.innerHeight;
                       });
}

const fold = s => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

test('find: matches across turns, next and previous wrap round, case and accents ignored, markup stays text',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            const lines = filler(40);
            lines.splice(2, 0, ['MARKUS KUMMER', 'The next meeting is in Zürich, at the Zürich office.']);
            lines.splice(12, 0, ['JUTTA CROLL', 'I prefer zurich to Geneva.']);
            lines.splice(25, 0, ['AMALI', 'ZURICH it is, then; Zu\u0308rich, decomposed.']);
            lines.splice(30, 0, ['AMALI', 'A caption with <script>window.__xss=1</script> in it.']);
            await post_turns(d, 'find', lines);
            const state = await d.get_json('/api/sessions/find');
            const turns = state.utterances.length;
            page = await open_page(browser, d.url('/sessions/find'));
            await wait_in_page(page, `${turns} captions, live`,
                               n => document.querySelectorAll('#captions .turn').length === n &&
                                    document.querySelector('#status')?.dataset.state === 'live',
                               turns);
            assert.equal(await page.locator('#find').getAttribute('role'), 'search');
            assert.equal(await page.locator('#find-q').evaluate(e => e.labels[0]?.textContent),
                         'Search the captions');

            // "/" opens it from anywhere on the page that is not a text field.
            await page.locator('#captions').focus();
            await page.keyboard.press('/');
            assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-q');
            await page.keyboard.type('zurich');
            await wait_in_page(page, 'five marks of "zurich", counted',
                               () => {
                                   const marks = [...document.querySelectorAll('#captions mark')];
                                   return / of 5$/.test(document.querySelector('#find-count')
                                                            .textContent) &&
                                          marks.length === 5 &&
                                          marks.every(m => m.textContent.normalize('NFD')
                                                               .replace(/\p{M}/gu, '')
                                                               .toLowerCase() === 'zurich');
                               });
            const zurich = state.utterances.filter(u => fold(u.text).includes('zurich'))
                .map(u => u.id);
            let f = await found(page);
            assert.equal(f.marks.length, 5, JSON.stringify(f));
            assert.ok(f.marks.every(m => fold(m) === 'zurich'), `marks: ${f.marks}`);
            assert.deepEqual([...new Set(f.turns)], zurich);
            // A letter and the combining mark after it are marked together.
            const decomposed = state.utterances.some(u => u.text.includes('Zu\u0308rich'));
            assert.ok(!decomposed || f.marks.includes('Zu\u0308rich'), `marks: ${f.marks}`);
            assert.equal(f.currents, 1);
            assert.equal(f.aria_current, 'true');
            await current_in_view(page, 'after typing');
            // The reader was at the live edge: the nearest match above it is the current one.
            assert.equal(await page.locator('#find-count').textContent(), '5 of 5');
            await wait_in_page(page, 'the count said to screen readers',
                               () => document.querySelector('#find-status').textContent ===
                                     '5 of 5');
            assert.equal(await page.locator('#find-status').getAttribute('role'), 'status');

            // Enter goes forward and wraps round to the first; Shift+Enter goes back.
            const order = [...f.turns];
            await page.keyboard.press('Enter');
            assert.equal(await page.locator('#find-count').textContent(), '1 of 5');
            assert.equal((await found(page)).current, order[0]);
            await current_in_view(page, 'after Enter wrapped round to the first');
            for (let i = 2; i <= 5; i++) {
                await page.keyboard.press('Enter');
                assert.equal(await page.locator('#find-count').textContent(), `${i} of 5`);
                assert.equal((await found(page)).current, order[i - 1]);
                await current_in_view(page, `match ${i}`);
            }
            await page.keyboard.press('Enter');
            await page.keyboard.press('Shift+Enter');
            assert.equal(await page.locator('#find-count').textContent(), '5 of 5');
            await page.keyboard.press('Shift+Enter');
            assert.equal(await page.locator('#find-count').textContent(), '4 of 5');
            await current_in_view(page, 'after Shift+Enter');
            // The buttons, by their accessible names.
            await page.getByRole('button', { name: 'Next match' }).click();
            assert.equal(await page.locator('#find-count').textContent(), '5 of 5');
            await page.getByRole('button', { name: 'Previous match' }).click();
            assert.equal(await page.locator('#find-count').textContent(), '4 of 5');
            await current_in_view(page, 'after the Previous match button');
            // Captions under a search are not read out as news.
            assert.equal(await page.locator('#captions').getAttribute('aria-live'), 'off');

            // Markup in a caption is found as text, and marking it makes no element.
            const texts_before = await page.locator('#captions .turn .text').allTextContents();
            await page.fill('#find-q', '<SCRIPT>');
            await wait_in_page(page, '"1 of 1" for <script>',
                               () => document.querySelector('#find-count').textContent ===
                                     '1 of 1');
            f = await found(page);
            assert.deepEqual(f.marks, ['<script>']);
            assert.equal(await page.locator('#captions script, #captions mark *').count(), 0);
            assert.deepEqual(await page.locator('#captions .turn .text').allTextContents(),
                             texts_before, 'marking changes no caption text');
            assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined');

            await page.fill('#find-q', 'no such words');
            await wait_in_page(page, '"No matches"',
                               () => document.querySelector('#find-count').textContent ===
                                     'No matches');
            assert.equal(await page.locator('#captions mark').count(), 0);
            assert.equal(await page.locator('#find-next').isDisabled(), true);

            // Escape closes the search: no marks, the field empty, and the captions follow the
            // live edge again, as they did before the search.
            await page.fill('#find-q', 'filler');
            await wait_in_page(page, 'filler matches', () => document.querySelectorAll(
                '#captions mark').length > 10);
            await page.keyboard.press('Shift+Enter');
            await page.keyboard.press('Escape');
            assert.equal(await page.locator('#captions mark').count(), 0);
            assert.equal(await page.inputValue('#find-q'), '');
            assert.equal(await page.locator('#find-count').textContent(), '');
            assert.equal(await page.locator('#captions').getAttribute('aria-live'), 'polite');
            assert.deepEqual(await page.locator('#captions .turn .text').allTextContents(),
                             texts_before, 'closing leaves every caption text as it was');
            await wait_in_page(page, 'the newest caption in view after Escape', in_captions_view,
                               null);
            await post_turns(d, 'find', [['MARKUS KUMMER', 'After the search, live again.']]);
            await wait_in_page(page, 'the caption after the search, in view',
                               () => {
                                   const turns = document.querySelectorAll('#captions .turn');
                                   const last = turns[turns.length - 1];
                                   const c = document.querySelector('#captions');
                                   return last?.textContent.includes('live again') &&
                                          last.getBoundingClientRect().bottom <=
                                              c.getBoundingClientRect().bottom + 1;
                               });
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('find: captions arriving during a search are found without moving the reader; Ctrl+F opens it; archived meetings too',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page, archived_page;
        try {
            const lines = filler(50);
            lines.splice(4, 0, ['MARKUS KUMMER', 'First, the budget for next year.']);
            lines.splice(20, 0, ['JUTTA CROLL', 'On the budget: we agree.']);
            await post_turns(d, 'live', lines);
            const state = await d.get_json('/api/sessions/live');
            page = await open_page(browser, d.url('/sessions/live'));
            await wait_in_page(page, 'the captions, live',
                               n => document.querySelectorAll('#captions .turn').length === n &&
                                    document.querySelector('#status')?.dataset.state === 'live',
                               state.utterances.length);

            await page.locator('#captions').focus();
            await page.keyboard.press('Control+f');
            assert.equal(await page.evaluate(() => document.activeElement?.id), 'find-q');
            await page.keyboard.type('Budget');
            await wait_in_page(page, '"2 of 2", the marks all "budget"',
                               () => document.querySelector('#find-count').textContent ===
                                         '2 of 2' &&
                                     [...document.querySelectorAll('#captions mark')].every(
                                         m => m.textContent.toLowerCase() === 'budget'));
            await page.keyboard.press('Shift+Enter');
            assert.equal(await page.locator('#find-count').textContent(), '1 of 2');
            const at = (await found(page)).current;
            await current_in_view(page, 'the first budget');

            // More captions, two with the word: counted, marked, and the reader stays put.
            await post_turns(d, 'live', [...filler(5, 100),
                                         ['MARKUS KUMMER', 'Back to the budget, briefly.'],
                                         ...filler(5, 200),
                                         ['JUTTA CROLL', 'The BUDGET is final.']]);
            await wait_in_page(page, '"1 of 4" once the new captions arrive',
                               () => document.querySelector('#find-count').textContent ===
                                     '1 of 4');
            const f = await found(page);
            assert.equal(f.current, at, 'the current match is still the one the reader is at');
            assert.equal(f.marks.length, 4);
            await current_in_view(page, 'after new captions');
            assert.equal(await page.evaluate(in_captions_view, null), false,
                         'the view was not pulled to the live edge');
            assert.equal(await page.locator('#jump-live').isVisible(), true);

            // A turn that grows while marked keeps its marks, with the new text searched too.
            await d.post_captions('live', '>> AMALI: A budget line,\nand another budget line.\n');
            await d.post_captions('live', 'A third budget line.\n\n');
            await wait_in_page(page, '"1 of 7"', () => document.querySelector('#find-count')
                                                      .textContent === '1 of 7');
            assert.equal((await found(page)).current, at);
            const amali = await page.locator('#captions .turn').last().locator('.text');
            assert.equal(await amali.textContent(),
                         (await d.get_json('/api/sessions/live')).utterances.at(-1).text);

            // Escape anywhere (here with focus in the captions) closes the search; the page
            // follows the live edge again.
            await page.locator('#captions').focus();
            await page.keyboard.press('Escape');
            assert.equal(await page.locator('#captions mark').count(), 0);
            await wait_in_page(page, 'the newest caption in view after Escape', in_captions_view,
                               null);

            // The meeting ends and is archived: the same page, read from the archive, finds too.
            const res = await fetch(d.url('/api/sessions/live/end'), { method: 'POST' });
            assert.equal(res.status, 200, await res.text());
            const archive = await poll('the archived meeting', async () =>
                (await d.get_json('/api/archive')).sessions?.[0]?.archive);
            archived_page = await open_page(browser, d.url(`/archive/${archive}`));
            await wait_in_page(archived_page, 'the archived meeting',
                               () => document.querySelector('#status')?.dataset.state ===
                                     'ended' &&
                                     document.querySelectorAll('#captions .turn').length > 0);
            await archived_page.locator('#find-q').fill('budget');
            await wait_in_page(archived_page, '"of 7" in the archived meeting',
                               () => / of 7$/.test(document.querySelector('#find-count')
                                                       .textContent));
            await current_in_view(archived_page, 'archived');
            for (const p of [page, archived_page])
                assert.deepEqual(p.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page, archived_page);
        }
    });
});

test('find: a three-hour meeting (3,000 turns, 30,000 words) is searched at once, with marks capped',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            const words = ['budget', 'Zürich', 'agenda', 'coalition', 'report', 'internet',
                           'governance', 'forum', 'youth', 'décision'];
            const lines = Array.from({ length: 3000 }, (_, i) => [
                ['MARKUS KUMMER', 'JUTTA CROLL', 'AMALI'][i % 3],
                Array.from({ length: 10 }, (_, k) => words[(i * 7 + k * 3) % words.length])
                    .join(' ') + ` ${i}.`,
            ]);
            for (let i = 0; i < lines.length; i += 500)
                await d.post_captions('long', lines.slice(i, i + 500)
                    .map(([who, text]) => `>> ${who}: ${text}\n`).join(''));
            await d.post_captions('long', '\n');
            const state = await d.get_json('/api/sessions/long');
            assert.equal(state.utterances.length, 3000);
            page = await open_page(browser, d.url('/sessions/long'));
            await wait_in_page(page, '3,000 captions', () =>
                document.querySelectorAll('#captions .turn').length === 3000);

            // The time from a keystroke to the count and marks on screen, in the page.
            const timed = q => page.evaluate(async query => {
                const input = document.querySelector('#find-q');
                const start = performance.now();
                input.value = query;
                input.dispatchEvent(new Event('input'));
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                return { ms: performance.now() - start,
                         count: document.querySelector('#find-count').textContent,
                         marks: document.querySelectorAll('#captions mark').length };
            }, q);
            const decision = await timed('decision');
            const e = await timed('e');
            t.diagnostic(`3,000 turns: "decision" ${decision.count} in ${
                decision.ms.toFixed(1)} ms; "e" ${e.count} in ${e.ms.toFixed(1)} ms, ${
                e.marks} marks drawn`);
            const total = Number(/ of (\d+)$/.exec(e.count)[1]);
            assert.ok(total > 10_000, e.count);
            assert.ok(e.marks <= 900, `${e.marks} marks drawn for ${total} matches`);
            assert.equal(Number(/ of (\d+)$/.exec(decision.count)[1]), 3000);

            // Moving through the matches redraws only near the current one.
            await page.focus('#find-q');
            const step = await page.evaluate(async () => {
                const start = performance.now();
                for (let i = 0; i < 50; i++)
                    document.querySelector('#find-next').click();
                await new Promise(r => requestAnimationFrame(r));
                return (performance.now() - start) / 50;
            });
            t.diagnostic(`next match: ${step.toFixed(2)} ms a step`);
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('screenshots: the captions searched, at desktop and phone widths', { timeout: test_timeout },
     async t => {
    await with_daemon(t, async d => {
        mkdirSync(artifacts, { recursive: true });
        const pages = [];
        try {
            const all = readFileSync(dccg_transcript, 'utf8').split('\n').slice(0, 400);
            for (let i = 0; i < all.length; i += 60)
                await d.post_captions('dccg', all.slice(i, i + 60).join('\n') + '\n');
            const state = await d.get_json('/api/sessions/dccg');
            for (const [name, viewport] of [['search-desktop', { width: 1280, height: 800 }],
                                            ['search-phone', { width: 390, height: 844 }]]) {
                const page = await open_page(browser, d.url('/sessions/dccg'), {
                    viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500,
                    hasTouch: viewport.width < 500,
                });
                pages.push(page);
                await wait_in_page(page, `the meeting so far (rev ${state.rev})`,
                                   rev => document.body.dataset.rev === String(rev), state.rev);
                await page.fill('#find-q', 'agenda');
                await wait_in_page(page, 'matches', () => / of \d+$/.test(
                    document.querySelector('#find-count').textContent));
                await page.keyboard.press('Shift+Enter');
                await current_in_view(page, name);
                await page.evaluate(() => document.fonts.ready);
                const file = path.join(artifacts, `${name}.png`);
                await page.screenshot({ path: file });
                console.log(`screenshot: ${file}`);
                const overflow = await page.evaluate(() => document.documentElement.scrollWidth -
                                                           window.innerWidth);
                assert.ok(overflow <= 1, `${name}: the page is ${overflow}px wider than the ${
                                             viewport.width}px screen`);
                // A phone widens its layout to fit what overflows: the bar's own edge tells.
                const right = await page.locator('#find-next').evaluate(
                    b => b.getBoundingClientRect().right);
                assert.ok(right <= viewport.width, `${name}: #find-next ends at ${right}px, past ${
                                                       viewport.width}px`);
                assert.deepEqual(page.problems, [], 'no script errors on the page');
            }
        } finally {
            await close_pages(...pages);
        }
    });
});
