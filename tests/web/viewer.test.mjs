// The web viewer in a real browser (Debian's chromium) against the real daemon: a live meeting
// growing on screen, caption text that must never become markup, a daemon restart under an open
// page, accessibility (axe-core, keyboard), the reader's controls, and screenshots.
//
// Each test starts its own daemon on a free loopback port. The DOM contract the viewer
// implements is the one in tests/web/README.md.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    artifacts, axe_path, caption_count, choose, dccg_labels, dccg_transcript,
    launch_browser, long_wait, open_page, poll, wait_in_page, with_daemon,
} from './harness.mjs';

const test_timeout = 300_000;
let browser;

before(async () => {
    browser = await launch_browser();
});
after(async () => {
    await browser?.close();
});

/// Closes the pages' contexts even when a test fails.
async function close_pages(...pages) {
    for (const p of pages)
        await p?.context().close().catch(() => {});
}

/// The state the page shows, for comparisons between pages.
function shown_state(page) {
    return page.evaluate(() => ({
        status: document.querySelector('#status')?.dataset.state,
        rev: document.body.dataset.rev,
        turns: document.querySelectorAll('#captions .turn').length,
        agenda: [...document.querySelectorAll('#agenda li.item')].map(li => ({
            n: li.dataset.n,
            title: li.querySelector('.item-title')?.textContent.trim(),
        })),
    }));
}

/// POSTs `lines` (speaker, text pairs) as CART turns, then an empty line so the last one is
/// final too.
async function post_turns(d, session, lines) {
    await d.post_captions(session, lines.map(([who, text]) => `>> ${who}: ${text}\n`).join(''));
    await d.post_captions(session, '\n');
}

/// Is the caption with utterance id `id` (the newest one when `id` is null) visible to the
/// reader: inside the window and inside every scrolling ancestor? Focus on it counts as seen
/// when `focus_counts`. Evaluated in the page, so it is self-contained (the page's
/// Content-Security-Policy forbids evaluating strings there).
const caption_in_view = ([id, focus_counts]) => {
    const turns = document.querySelectorAll('#captions .turn');
    const el = id === null ? turns[turns.length - 1]
                           : document.querySelector(`#captions .turn[data-utterance="${id}"]`);
    if (!el)
        return false;
    if (focus_counts && (el === document.activeElement || el.contains(document.activeElement)))
        return true;
    const r = el.getBoundingClientRect();
    if (r.height === 0 || r.bottom <= 0 || r.top >= window.innerHeight)
        return false;
    for (let a = el.parentElement; a; a = a.parentElement) {
        if (!/(auto|scroll|hidden)/.test(getComputedStyle(a).overflowY))
            continue;
        const c = a.getBoundingClientRect();
        if (r.bottom <= c.top + 1 || r.top >= c.bottom - 1)
            return false;
    }
    return true;
};

test('live meeting: the page waits for the session, follows the replay, and a late page catches up',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let first, second, list;
        let replay;
        try {
            // Opened before the session exists: the daemon closes the live socket with 4404 and
            // the page says it is waiting, and keeps trying.
            first = await open_page(browser, d.url('/sessions/dccg'));
            await wait_in_page(first, '#status data-state="waiting" before the session exists',
                               () => document.querySelector('#status')?.dataset.state ===
                                     'waiting');
            assert.equal(await first.locator('#status').getAttribute('role'), 'status');
            assert.equal(await caption_count(first), 0);

            replay = d.replay(dccg_transcript, 'dccg', 300);
            let replay_code = null;
            replay.done.then(code => { replay_code = code; });

            await wait_in_page(first, '#status "live" and the first captions',
                               () => document.querySelector('#status')?.dataset.state ===
                                         'live' &&
                                     document.querySelectorAll('#captions .turn').length > 0);
            const early = await caption_count(first);

            // The meeting grows on screen while the replay is still running.
            await wait_in_page(first, `more than ${early + 20} captions while live`,
                               n => document.querySelectorAll('#captions .turn').length > n,
                               early + 20);
            assert.equal(replay_code, null,
                         'the replay finished before the page saw the meeting grow');

            // Known captions: the chair's greeting, attributed to him.
            const greeting = first.locator('#captions .turn', { hasText: 'Markus here' }).first();
            await greeting.waitFor();
            assert.match(await greeting.locator('.speaker').textContent(), /Markus Kummer/i);
            assert.match(await greeting.locator('.text').textContent(),
                         /Hello, everyone! Markus here\./);
            const id = await greeting.getAttribute('data-utterance');
            assert.match(id, /^\d+$/, 'data-utterance is the utterance id');
            assert.equal(await first.locator('#captions').getAttribute('role'), 'log');
            assert.equal(await first.locator('#captions').getAttribute('aria-live'), 'polite');

            // The session list shows the live session and links to its page.
            list = await open_page(browser, d.url('/'));
            const row = list.locator('#sessions [data-session="dccg"]');
            await row.waitFor();
            assert.equal(await row.locator('a[href="/sessions/dccg"]').count(), 1,
                         'the session list links to /sessions/dccg');

            // A second page opened mid-meeting gets everything so far at once.
            const before_second = await caption_count(first);
            second = await open_page(browser, d.url('/sessions/dccg'));
            await wait_in_page(second, `at least ${before_second} captions on the late page`,
                               n => document.querySelectorAll('#captions .turn').length >= n,
                               before_second);

            assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);

            for (const page of [first, second])
                await wait_in_page(page, '#status data-state="ended"',
                                   () => document.querySelector('#status')?.dataset.state ===
                                         'ended');

            // The daemon's own view of the ended meeting.
            const state = await d.get_json('/api/sessions/dccg');
            assert.equal(state.ended, true);
            assert.equal(state.agenda.length, 5, JSON.stringify(state.agenda.map(a => a.title)));
            for (const [i, label] of dccg_labels.agenda.entries()) {
                const title = state.agenda[i].title.toLowerCase();
                assert.ok(label.keywords.some(k => title.includes(k.toLowerCase())),
                          `daemon's item ${i + 1} "${state.agenda[i].title}" matches ${
                              label.keywords}`);
            }

            for (const page of [first, second]) {
                await wait_in_page(page, `body[data-rev="${state.rev}"] and ${
                                       state.utterances.length} captions`,
                                   ([rev, n]) => document.body.dataset.rev === String(rev) &&
                                                 document.querySelectorAll('#captions .turn')
                                                         .length === n,
                                   [state.rev, state.utterances.length]);

                // The five agenda items, as the daemon titles them.
                const items = await page.locator('#agenda li.item').evaluateAll(
                    lis => lis.map(li => ({
                        n: li.dataset.n,
                        title: li.querySelector('button.item-title')?.textContent.trim(),
                    })));
                assert.deepEqual(items.map(i => i.n), ['1', '2', '3', '4', '5']);
                for (const [i, item] of state.agenda.entries())
                    assert.ok(items[i].title?.includes(item.title),
                              `#agenda li.item[data-n="${item.n}"] button.item-title shows "${
                                  items[i].title}", expected "${item.title}"`);
                assert.ok(await page.locator('#agenda .key-points li').count() > 0,
                          'some agenda item has key points');

                // Every labelled participant, with a share of the words.
                const people = await page.locator('#participants li.participant').evaluateAll(
                    lis => lis.map(li => ({
                        id: li.dataset.id,
                        name: li.querySelector('.name')?.textContent.trim(),
                        share: li.querySelector('.share')?.textContent.trim(),
                    })));
                const names = people.map(p => p.name?.toLowerCase());
                // The IGF Secretariat is Roman Chukov, as the meeting says (line 43): shown
                // once, as him.
                for (const p of dccg_labels.participants.filter(p => p.name !== 'IGF SECRETARIAT'))
                    assert.ok(names.includes(p.name.toLowerCase()),
                              `#participants shows ${p.name}; it shows ${names}`);
                assert.equal(names.length, dccg_labels.participants.length - 1,
                             `#participants lists each person once: ${names}`);
                for (const p of people)
                    assert.match(p.share ?? '', /^\d+(\.\d+)?\s?%$/,
                                 `.share of ${p.name} is a percentage`);
                const chair = people.find(p => /markus kummer/i.test(p.name));
                assert.equal(chair.id, String(state.participants.find(
                                               p => /markus kummer/i.test(p.name)).id));

                // The catch-up text and the title.
                assert.match(await page.locator('#title').textContent(),
                             /Dynamic Coalitions Coordination Group Meeting 90/);
                assert.ok((await page.locator('#summary').textContent()).trim().length > 0,
                          '#summary is filled');
            }

            // Both pages show the same meeting.
            const a = await shown_state(first), b = await shown_state(second);
            assert.deepEqual(b, a);

            // The session list refreshes by itself to show the meeting ended.
            await wait_in_page(list, '#sessions [data-session="dccg"] .state "ended"',
                               () => document.querySelector(
                                   '#sessions [data-session="dccg"] .state')
                                   ?.textContent.trim() === 'ended',
                               undefined, { timeout: long_wait });
            assert.ok((await row.locator('.current-item').textContent()).length > 0,
                      '.current-item is filled');
            await row.locator('a[href="/sessions/dccg"]').click();
            await list.waitForURL(d.url('/sessions/dccg'));
            await list.locator('#captions .turn').first().waitFor();

            for (const page of [first, second, list])
                assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            replay?.kill('SIGTERM');
            await close_pages(first, second, list);
        }
    });
});

test('escaping: caption text with markup shows as text and never runs', { timeout: test_timeout },
     async t => {
    await with_daemon(t, async d => {
        const script = '<script>window.__xss=1</script>';
        const img = '<img src=x onerror="window.__xss=2">';
        const pending_img = '<img src=y onerror="window.__xss=3">';
        await post_turns(d, 'xss', [['MARKUS KUMMER', `${script} said the script.`],
                                    ['JUTTA CROLL', `${img} said the image.`]]);
        await d.post_captions('xss', `>> MARKUS KUMMER: ${pending_img} still typing`);

        // Once as served (with its Content-Security-Policy), once with the policy bypassed, so
        // the page's own escaping is tested, not just the policy that backs it up.
        for (const bypassCSP of [false, true]) {
            const page = await open_page(browser, d.url('/sessions/xss'), { bypassCSP });
            try {
                await wait_in_page(page, 'two captions and the pending text',
                                   () => document.querySelectorAll('#captions .turn').length ===
                                             2 &&
                                         document.querySelector('#pending')?.textContent
                                             .includes('still typing'));
                const texts = await page.locator('#captions .turn .text').allTextContents();
                assert.ok(texts[0].includes(script), `literal script tag shown: ${texts[0]}`);
                assert.ok(texts[1].includes(img), `literal img tag shown: ${texts[1]}`);
                assert.ok((await page.locator('#pending').textContent()).includes(pending_img),
                          'literal img tag in #pending');
                // Give an image error handler the chance to run before looking.
                await page.evaluate(() => new Promise(r => setTimeout(r, 500)));
                assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined',
                             `window.__xss stays undefined (bypassCSP: ${bypassCSP})`);
                assert.equal(await page.locator('#captions img, #pending img').count(), 0,
                             'no img element inside #captions or #pending');
                assert.equal(await page.locator('#captions script, #pending script').count(), 0,
                             'no script element inside #captions or #pending');
                assert.deepEqual(page.problems.filter(p => !/Content Security Policy/.test(p)),
                                 [], 'no script errors on the page');
            } finally {
                await close_pages(page);
            }
        }
    });
});

test('languages: each turn is marked with the language its source named; Arabic reads right to left',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        const arabic = 'مرحبا بكم في الاجتماع';
        await d.post_captions('lang', `>> AMINA HASSAN: ${arabic}\n`, 'ar');
        await d.post_captions('lang', '>> MARKUS KUMMER: Thank you, and welcome.\n', 'en');
        await d.post_captions('lang', '\n', 'en');
        const page = await open_page(browser, d.url('/sessions/lang'));
        try {
            await wait_in_page(page, 'two captions',
                               () => document.querySelectorAll('#captions .turn').length === 2);
            const texts = await page.locator('#captions .turn .text').evaluateAll(
                els => els.map(e => ({ lang: e.lang, dir: e.dir,
                                       direction: getComputedStyle(e).direction })));
            assert.deepEqual(texts, [{ lang: 'ar', dir: 'auto', direction: 'rtl' },
                                     { lang: 'en', dir: 'auto', direction: 'ltr' }]);
            // The speaker's name is not in the turn's language.
            assert.equal(await page.locator('#captions .turn .speaker').first().evaluate(
                             e => e.closest('[lang]')?.lang), 'en');
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('caption feed: the status line says when the service minuted polls is not answering',
     { timeout: test_timeout }, async t => {
    // Nothing listens on port 1: the feed fails at once and keeps retrying.
    const config = '[[feed]]\nkind = "streamtext"\nsession = "pulled"\nevent = "IGF-Plenary"\n' +
                   'url = "http://127.0.0.1:1/captions"\n';
    await with_daemon(t, async d => {
        const page = await open_page(browser, d.url('/sessions/pulled'));
        try {
            await wait_in_page(page, 'the feed note in the status line',
                               () => /^Live; the caption feed is not answering \(.+\); retrying in \d+ s$/
                                         .test(document.querySelector('#status').textContent));
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    }, config);
});

test('known agenda: an agenda put during the meeting shows its items, and those still to come',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        await post_turns(d, 'plenary', [
            ['KEVIN GIBBONS', 'Set methods for stage 4: the proposal ships in two browsers.'],
            ['MICHAEL FICARRA', 'Set methods look good to me, I support stage 4.'],
            ['KEVIN GIBBONS', 'Thanks. I will take that as consensus for set methods.'],
            ['ROB PALMER', 'Thank you, Kevin. Nothing else on the queue for set methods.'],
            ['MICHAEL FICARRA', 'One more question on set methods and subclassing.'],
            ['KEVIN GIBBONS', 'Subclassing is covered by the spec text for set methods.'],
        ]);
        const page = await open_page(browser, d.url('/sessions/plenary'));
        try {
            await wait_in_page(page, 'the captions', () =>
                document.querySelectorAll('#captions .turn').length === 6);
            const res = await fetch(d.url('/api/sessions/plenary/agenda'), {
                method: 'PUT',
                body: JSON.stringify([
                    { title: 'Set methods for Stage 4', presenter: 'Kevin Gibbons' },
                    { title: 'Decimal for Stage 2', presenter: 'Jesse Alama' },
                    { title: 'Any Other Business' },
                ]),
            });
            assert.equal(res.status, 200, await res.text());
            await wait_in_page(page, 'the first item and two still to come', () =>
                document.querySelector('#agenda li.item .item-name')?.textContent ===
                    'Set methods for Stage 4' &&
                document.querySelectorAll('#agenda-rest li.upcoming').length === 2);
            const rest = await page.locator('#agenda-rest li').allTextContents();
            assert.deepEqual(rest.map(s => s.replace(/\s+/g, ' ').trim()),
                             ['2. Decimal for Stage 2 to come', '3. Any Other Business to come']);
            assert.ok(await page.locator('#agenda-rest-h').isVisible());
            // The chair takes the last item first: the one before it is still to come, not
            // skipped.
            await post_turns(d, 'plenary', [
                ['ROB PALMER', "Jesse is not here yet, so let's take item 3 first."],
                ['ANNA', 'Under any other business: the next meeting is in Tokyo in March.'],
                ['ROB PALMER', 'Thank you, Anna. Any other business from anyone else?'],
                ['MICHAEL FICARRA', 'Nothing from me.'],
                ['ROB PALMER', 'Then we wait for Jesse.'],
                ['ANNA', 'Fine.'],
            ]);
            await wait_in_page(page, 'the item taken out of order', () =>
                document.querySelectorAll('#agenda li.item').length === 2);
            const later = await page.locator('#agenda-rest li').allTextContents();
            assert.deepEqual(later.map(s => s.replace(/\s+/g, ' ').trim()),
                             ['2. Decimal for Stage 2 to come']);
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('long turn: each line reaches the page as the text the turn gained, emoji and accents included',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            // A line is final once the line after it is complete: the greeting shows.
            await d.post_captions('mono', '>> JANE DOE: Good morning, everyone.\nToday:\n');
            // Listening to the socket before the session page opens it.
            page = await open_page(browser, d.url('/healthz'));
            const frames = [];
            page.on('websocket', ws => ws.on('framereceived', f => frames.push(String(f.payload))));
            await page.goto(d.url('/sessions/mono'));
            await wait_in_page(page, 'live with the first caption',
                               () => document.querySelector('#status')?.dataset.state ===
                                         'live' &&
                                     document.querySelectorAll('#captions .turn').length === 1);
            // Characters outside the Basic Multilingual Plane count 2 in a JavaScript string:
            // the offsets the daemon sends must agree with the page's.
            for (let i = 0; i < 40; i++)
                await d.post_captions('mono', `Line ${i} of the same turn, 🎻 café naïve 𝄞 text.\n`);
            await d.post_captions('mono', '\n');
            const state = await d.get_json('/api/sessions/mono');
            assert.equal(state.utterances.length, 1);
            await wait_in_page(page, `body[data-rev="${state.rev}"]`,
                               rev => document.body.dataset.rev === String(rev), state.rev);
            assert.equal(await page.locator('#captions .turn .text').textContent(),
                         state.utterances[0].text);
            const updates = frames.map(f => JSON.parse(f)).filter(m => m.type === 'update');
            assert.ok(updates.length >= 40, `${updates.length} updates`);
            const grown = updates.flatMap(m => m.utterances || []).filter(u => 'from' in u);
            assert.ok(grown.length >= 39, `${grown.length} utterances sent as their tail`);
            for (const u of grown)
                assert.ok(u.tail.length < 100, `a tail of ${u.tail.length}: ${u.tail}`);
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('daemon restart: the page says it is reconnecting, then shows the new captions live',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            await post_turns(d, 'restart', [['MARKUS KUMMER', 'Good morning, everyone.'],
                                            ['JUTTA CROLL', 'Good morning, Markus.'],
                                            ['MARKUS KUMMER', 'Let us begin before the break.']]);
            page = await open_page(browser, d.url('/sessions/restart'));
            await wait_in_page(page, 'live with three captions',
                               () => document.querySelector('#status')?.dataset.state ===
                                         'live' &&
                                     document.querySelectorAll('#captions .turn').length === 3);

            const port = d.port;
            assert.equal(await d.stop(), 0, `daemon stop:\n${d.output()}`);
            await wait_in_page(page, '#status[data-state="reconnecting"] after SIGTERM',
                               () => document.querySelector('#status')?.dataset.state ===
                                     'reconnecting');
            assert.ok((await page.locator('#status').textContent()).trim().length > 0,
                      '#status says something while reconnecting');

            await d.restart();
            assert.equal(d.port, port, 'restarted on the same port');
            // The restarted daemon starts the session afresh: the page sees an unknown
            // session (it may wait) until captions arrive, then a new, shorter meeting.
            await post_turns(d, 'restart', [['MARKUS KUMMER', 'We are back after the restart.'],
                                            ['JUTTA CROLL', 'Welcome back, everyone.']]);
            await wait_in_page(page, '#status "live" and the captions sent after the restart',
                               () => document.querySelector('#status')?.dataset.state ===
                                         'live' &&
                                     document.querySelector('#captions')?.textContent
                                         .includes('Welcome back, everyone.'),
                               undefined, {
                                   show: () => ({
                                       status: document.querySelector('#status')?.dataset.state,
                                       rev: document.body.dataset.rev,
                                       captions: [...document.querySelectorAll(
                                           '#captions .turn .text')].map(e => e.textContent),
                                   }),
                               });
            const text = await page.locator('#captions').textContent();
            assert.ok(text.includes('We are back after the restart.'), text);
            const state = await d.get_json('/api/sessions/restart');
            await wait_in_page(page, `body[data-rev="${state.rev}"]`,
                               rev => document.body.dataset.rev === String(rev), state.rev);
            assert.equal(await caption_count(page), state.utterances.length,
                         'the page shows the restarted session, not the old captions too');
            assert.deepEqual(page.problems.filter(p => !/WebSocket|ERR_CONNECTION_REFUSED/.test(p)),
                             [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

/// axe-core violations of impact serious or critical on the page, as readable lines.
async function serious_violations(page, where) {
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined')))
        await page.addScriptTag({ path: axe_path });
    const result = await page.evaluate(() => window.axe.run(document, {
        resultTypes: ['violations'],
    }));
    return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${where}: [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${
            v.nodes.slice(0, 5).map(n => `    ${n.target.join(' ')}: ${n.failureSummary
                .replace(/\n/g, ' ')}`).join('\n')}`);
}

test('accessibility: no serious axe violations in any theme, the captions searched; the agenda works by keyboard',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page, list, keys;
        try {
            const replay = d.replay(dccg_transcript, 'a11y', 'max');
            assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
            const state = await d.get_json('/api/sessions/a11y');

            // axe is injected as a script tag, which the viewer's policy (script-src 'self')
            // would refuse: these contexts bypass the policy.
            page = await open_page(browser, d.url('/sessions/a11y'), { bypassCSP: true });
            await wait_in_page(page, 'the whole meeting on the page',
                               n => document.querySelectorAll('#captions .turn').length === n &&
                                    document.querySelectorAll('#agenda li.item').length > 0,
                               state.utterances.length);
            list = await open_page(browser, d.url('/'), { bypassCSP: true });
            await list.locator('#sessions [data-session="a11y"]').waitFor();

            // The find bar open with matches marked, the current one too, in every theme.
            await page.fill('#find-q', 'agenda');
            await wait_in_page(page, 'matches for "agenda" marked',
                               () => document.querySelector('#captions mark.current') !== null);

            const found = [];
            for (const theme of ['light', 'dark', 'contrast']) {
                await choose(page, '#theme', theme);
                await wait_in_page(page, `html[data-theme="${theme}"]`,
                                   th => document.documentElement.dataset.theme === th, theme);
                found.push(...await serious_violations(page, `/sessions/a11y (${theme})`));

                // Show the report too, so its headings and lists are checked.
                if (theme === 'light') {
                    await page.click('#show-report');
                    await wait_in_page(page, '#report filled',
                                       () => document.querySelector('#report li') !== null);
                    found.push(...await serious_violations(page, `/sessions/a11y with report (${
                        theme})`));
                }

                // The list shares the origin's stored preferences, or has its own selector.
                if (await list.locator('select#theme').count())
                    await choose(list, '#theme', theme);
                else
                    await list.reload();
                await list.locator('#sessions [data-session="a11y"]').waitFor();
                const list_theme = await list.evaluate(() => document.documentElement.dataset
                                                                  .theme);
                if (list_theme !== theme)
                    t.diagnostic(`/ shows data-theme="${list_theme}" after choosing ${theme}`);
                found.push(...await serious_violations(list, `/ (${theme})`));
            }
            assert.deepEqual(found, [], `serious or critical axe violations:\n${
                found.join('\n')}`);

            // Keyboard: Tab reaches the agenda buttons; Enter on one brings its first caption
            // into view.
            keys = await open_page(browser, d.url('/sessions/a11y'));
            await wait_in_page(keys, 'the whole meeting on the page',
                               n => document.querySelectorAll('#captions .turn').length === n &&
                                    document.querySelectorAll('#agenda li.item').length === 5,
                               state.utterances.length);
            // An item whose first caption is out of view now, so the jump is observable.
            let target = null;
            for (const item of state.agenda.slice(1))
                if (!(await keys.evaluate(caption_in_view, [item.first_utterance, false]))) {
                    target = item;
                    break;
                }
            assert.ok(target, 'some agenda item starts with a caption out of view');
            const selector = `#agenda li.item[data-n="${target.n}"] button.item-title`;
            await keys.evaluate(() => document.activeElement?.blur());
            let reached = [];
            for (let i = 0; i < 300; ++i) {
                await keys.keyboard.press('Tab');
                const here = await keys.evaluate(() => {
                    const e = document.activeElement;
                    const li = e?.closest('#agenda li.item');
                    return li && e.matches('button.item-title') ? li.dataset.n : null;
                });
                if (here)
                    reached.push(here);
                if (here === String(target.n))
                    break;
            }
            assert.ok(reached.includes(String(target.n)),
                      `Tab reaches ${selector}; reached agenda buttons ${reached}`);
            assert.equal(reached[0], '1', 'the first agenda button Tab reaches is item 1');
            await keys.keyboard.press('Enter');
            await wait_in_page(keys, `caption ${target.first_utterance} (first of item ${
                                   target.n}) in view or focused after Enter on ${selector}`,
                               caption_in_view,
                               [target.first_utterance, true]);
            for (const p of [page, list, keys])
                assert.deepEqual(p.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page, list, keys);
        }
    });
});

test('accessibility: the editing controls, an open form and what people changed pass axe in every theme',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let replay, page;
        try {
            // Left live, so the minutes take edits; with no editor configured this machine
            // edits, so the page offers the controls.
            replay = d.replay(dccg_transcript, 'a11y-edit', 'max', ['--keep-open']);
            assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
            const state = await d.get_json('/api/sessions/a11y-edit');
            const item = state.agenda.find(a => a.key_points.length && a.decisions.length);
            assert.ok(item, 'an item with key points and decisions');
            const post = async edit => {
                const res = await fetch(d.url('/api/sessions/a11y-edit/minutes/edits'), {
                    method: 'POST', body: JSON.stringify(edit) });
                assert.equal(res.status, 200, await res.text());
            };
            await post({ op: 'bullet.edit', bullet: item.key_points[0].key, revision: 0,
                         text: 'Reworded by a person.' });
            await post({ op: 'bullet.pin', bullet: item.decisions[0].key, revision: 0 });
            await post({ op: 'bullet.approve', bullet: item.decisions[0].key, revision: 1 });
            await post({ op: 'item.rename', item: item.n, revision: 0, text: 'Renamed item' });

            page = await open_page(browser, d.url('/sessions/a11y-edit'), { bypassCSP: true });
            await page.locator('#edit-toggle').click();
            const li = `#agenda li.item[data-n="${item.n}"]`;
            await page.locator(`${li} .edit-mark.pinned`).waitFor();
            await page.locator(`${li} .key-points li button[data-focus$="|edit"]`).first().click();
            await page.locator(`${li} button[data-focus="item:${item.n}|add"]`).click();
            await page.locator(`${li} form.bullet-add select[name="kind"]`)
                .selectOption('decisions');
            await page.locator(`${li} form.bullet-editor textarea`).waitFor();
            const found = [];
            for (const theme of ['light', 'dark', 'contrast']) {
                await choose(page, '#theme', theme);
                await wait_in_page(page, `html[data-theme="${theme}"]`,
                                   th => document.documentElement.dataset.theme === th, theme);
                await page.locator(li).scrollIntoViewIfNeeded();
                found.push(...await serious_violations(page, `editing (${theme})`));
                await page.screenshot({ path: path.join(artifacts, `editing-${theme}.png`) });
            }
            assert.deepEqual(found, [], `serious or critical axe violations:\n${
                found.join('\n')}`);
        } finally {
            replay?.kill();
            await close_pages(page);
        }
    });
});

/// Sixty short turns, enough to fill the captions view several times over.
const sixty_turns = Array.from({ length: 60 }, (_, i) => [
    i % 2 ? 'JUTTA CROLL' : 'MARKUS KUMMER',
    `Caption number ${i + 1} of the controls test, long enough to wrap on a phone.`,
]);

test('controls: jump-live returns to the live captions; font size, spacing and theme persist',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            await post_turns(d, 'controls', sixty_turns);
            page = await open_page(browser, d.url('/sessions/controls'));
            await wait_in_page(page, '60 captions, live',
                               () => document.querySelectorAll('#captions .turn').length === 60 &&
                                     document.querySelector('#status')?.dataset.state === 'live');

            // Jump to live: hidden while following; shown once the reader scrolls up; back to
            // the newest caption when clicked.
            await wait_in_page(page, 'the newest caption in view', caption_in_view,
                               [null, false]);
            assert.equal(await page.locator('#jump-live').evaluate(b => b.hidden), true,
                         '#jump-live is hidden while following the live captions');
            const box = await page.locator('#captions').boundingBox();
            await page.mouse.move(box.x + box.width / 2,
                                  Math.max(box.y, 0) + Math.min(box.height, 800) / 2);
            for (let i = 0; i < 10; ++i)
                await page.mouse.wheel(0, -600);
            await wait_in_page(page, '#jump-live shown after scrolling the captions up',
                               () => {
                                   const b = document.querySelector('#jump-live');
                                   return b && !b.hidden && b.getClientRects().length > 0;
                               });
            assert.equal(await page.evaluate(caption_in_view, [null, false]), false,
                         'scrolled up: the newest caption is out of view');

            // New captions do not pull a reader who scrolled up back down.
            await post_turns(d, 'controls', [['MARKUS KUMMER', 'A caption while you read.']]);
            await wait_in_page(page, '61 captions',
                               () => document.querySelectorAll('#captions .turn').length === 61);
            assert.equal(await page.locator('#jump-live').isVisible(), true,
                         '#jump-live still shown after a new caption');
            assert.equal(await page.evaluate(caption_in_view, [null, false]), false,
                         'a new caption does not scroll a reader who scrolled up');

            await page.click('#jump-live');
            await wait_in_page(page, 'the newest caption in view after #jump-live',
                               caption_in_view, [null, false]);
            await wait_in_page(page, '#jump-live hidden again',
                               () => document.querySelector('#jump-live')?.hidden === true);

            // The report: shown on demand from report.json; downloads link to the API.
            await page.click('#show-report');
            await wait_in_page(page, '#report shown with headings and list items',
                               () => {
                                   const r = document.querySelector('#report');
                                   return r && !r.hidden && r.getClientRects().length > 0 &&
                                          r.querySelector('h2, h3, h4') &&
                                          r.querySelector('li');
                               });
            const report = await page.locator('#report').textContent();
            assert.ok(report.includes('Markus Kummer'), 'the report names the participants');
            for (const [link, file] of [['#download-md', 'report.md'],
                                        ['#download-json', 'report.json'],
                                        ['#download-txt', 'transcript.txt']]) {
                const href = await page.locator(`a${link}`).getAttribute('href');
                assert.equal(new URL(href, d.url('/')).pathname, `/api/sessions/controls/${file}`,
                             `a${link} href`);
                const res = await fetch(new URL(href, d.url('/sessions/controls')));
                assert.equal(res.status, 200, `${href} answers`);
            }

            // Font size, spacing and theme: applied to <html>, remembered across a reload.
            const text_size = () => page.locator('#captions .turn .text').first().evaluate(
                e => parseFloat(getComputedStyle(e).fontSize));
            const line_height = () => page.locator('#captions .turn .text').first().evaluate(
                e => parseFloat(getComputedStyle(e).lineHeight) /
                     parseFloat(getComputedStyle(e).fontSize));
            const background = () => page.evaluate(() => {
                const c = getComputedStyle(document.body).backgroundColor;
                const [r, g, b] = c.match(/[\d.]+/g).map(Number);
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            });
            await choose(page, '#font-size', 'medium');
            await choose(page, '#line-spacing', 'normal');
            await choose(page, '#theme', 'light');
            const medium = await text_size();
            const normal = await line_height();
            const light = await background();
            await choose(page, '#font-size', 'x-large');
            await choose(page, '#line-spacing', 'loose');
            await choose(page, '#theme', 'dark');
            const want = { theme: 'dark', fontSize: 'x-large', lineSpacing: 'loose' };
            const html_attrs = () => page.evaluate(() => ({
                theme: document.documentElement.dataset.theme,
                fontSize: document.documentElement.dataset.fontSize,
                lineSpacing: document.documentElement.dataset.lineSpacing,
            }));
            assert.deepEqual(await html_attrs(), want);
            assert.ok(await text_size() > medium, 'x-large captions are larger than medium');
            assert.ok(await line_height() > normal, 'loose lines are further apart than normal');
            assert.ok(await background() < light, 'the dark theme has a darker background');

            await page.reload();
            await wait_in_page(page, '61 captions after the reload',
                               () => document.querySelectorAll('#captions .turn').length === 61);
            assert.deepEqual(await html_attrs(), want, 'preferences survive a reload');
            assert.equal(await page.inputValue('#font-size'), 'x-large');
            assert.equal(await page.inputValue('#line-spacing'), 'loose');
            assert.equal(await page.inputValue('#theme'), 'dark');
            assert.deepEqual(page.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(page);
        }
    });
});

test('reading position: the newest caption stays in view at every text size and spacing',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            await post_turns(d, 'follow', sixty_turns);
            page = await open_page(browser, d.url('/sessions/follow'));
            const loaded = () => wait_in_page(page, '60 captions, live',
                () => document.querySelectorAll('#captions .turn').length === 60 &&
                      document.querySelector('#status')?.dataset.state === 'live');
            await loaded();
            await wait_in_page(page, 'the newest caption in view', caption_in_view,
                               [null, false]);
            const geometry = () => page.evaluate(() => {
                const c = document.querySelector('#captions');
                return `#captions scrollTop ${c.scrollTop}, scrollHeight ${
                    c.scrollHeight}, clientHeight ${c.clientHeight}`;
            });
            // Not seen within a few seconds of settling: the page is not following. (The
            // browser does not depend on the daemon's speed here: all 60 captions are on
            // the page already.)
            const seen = async () => {
                try {
                    await page.waitForFunction(caption_in_view, [null, false],
                                               { timeout: 5_000, polling: 100 });
                    return true;
                } catch {
                    return false;
                }
            };
            const found = [];
            for (const [size, spacing] of [['x-large', 'loose'], ['small', 'normal'],
                                           ['large', 'relaxed']]) {
                // Changing the text while following keeps the newest caption in view. (The
                // reader first scrolls to the bottom, in case the last step left the view
                // elsewhere.)
                await page.locator('#captions').evaluate(c => { c.scrollTop = c.scrollHeight; });
                await wait_in_page(page, 'the newest caption in view after scrolling down',
                                   caption_in_view, [null, false]);
                await choose(page, '#font-size', size);
                await choose(page, '#line-spacing', spacing);
                if (!(await seen()))
                    found.push(`after choosing ${size} and ${spacing} while following, the ` +
                               `newest caption is out of view (${await geometry()})`);
                // A page opened with these preferences starts at the newest caption.
                await page.reload();
                await loaded();
                if (!(await seen()))
                    found.push(`after a reload with ${size} and ${spacing}, the newest caption ` +
                               `is out of view (${await geometry()})`);
            }
            assert.deepEqual(found, [], found.join('\n'));
        } finally {
            await close_pages(page);
        }
    });
});

/// Posts the first `lines` lines of the DCCG transcript as raw captions, in chunks, and
/// leaves the session live (no close).
async function post_transcript_start(d, session, lines) {
    const all = readFileSync(dccg_transcript, 'utf8').split('\n').slice(0, lines);
    for (let i = 0; i < all.length; i += 60)
        await d.post_captions(session, all.slice(i, i + 60).join('\n') + '\n');
    await d.post_captions(session, '>> MARKUS KUMMER: And the next thing we need to');
}

test('archive: search finds what was said, marks it, and opens the meeting at that turn',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        let page;
        try {
            const replay = d.replay(dccg_transcript, 'done', 'max');
            assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
            const archived = await poll_archive(d);

            page = await open_page(browser, d.url('/archive'), { bypassCSP: true });
            await page.locator(`#archived a[href="/archive/${archived}"]`).waitFor();
            await page.fill('#q', '"next agenda item"');
            await page.fill('#speaker', 'kummer');
            await page.press('#q', 'Enter');
            await page.locator('#hits .hit').first().waitFor();
            const marks = await page.locator('#hits mark').allTextContents();
            assert.ok(marks.length > 0 && marks.every(m => m.toLowerCase() === 'next agenda item'),
                      `matches marked: ${marks}`);
            assert.ok(page.url().includes('q=%22next+agenda+item%22'), 'the search is in the URL');
            const violations = await serious_violations(page, 'the archive page');
            assert.deepEqual(violations, [], violations.join('\n'));

            const link = page.locator('#hits .hit a').first();
            const href = await link.getAttribute('href');
            const turn = Number(/#u(\d+)$/.exec(href)[1]);
            await link.click();
            await wait_in_page(page, 'the archived meeting, at the turn found',
                               n => document.querySelector('#status')?.dataset.state === 'ended' &&
                                    document.activeElement?.dataset.utterance === String(n),
                               turn);
            assert.equal(await page.locator('#agenda li.item').count(), 5);
            assert.ok((await page.locator(`[data-utterance="${turn}"] .text`).textContent())
                          .toLowerCase().includes('next agenda item'));

            // Every note links to the turn it came from; choosing the link, by keyboard too,
            // shows that turn in the captions, focused and highlighted.
            const notes = page.locator('#agenda .item-notes li');
            assert.ok(await notes.count() > 0, 'the archived meeting has notes');
            assert.equal(await page.locator('#agenda .item-notes li button.evidence').count(),
                         await notes.count(), 'every note has its evidence link');
            const state = await d.get_json(`/api/archive/${archived}/state.json`);
            const second = state.agenda[1].key_points[0];
            const evidence = page.locator('#agenda li.item[data-n="2"] .key-points li')
                                 .first().locator('button.evidence');
            assert.match(await evidence.getAttribute('aria-label'),
                         new RegExp(`line ${second.line}\\b`));
            await evidence.focus();
            await page.keyboard.press('Enter');
            await wait_in_page(page, 'the key point\'s turn focused and highlighted',
                               n => document.activeElement?.dataset.utterance === String(n) &&
                                    document.activeElement.classList.contains('flash'),
                               second.utterance);
            assert.ok(await page.evaluate(caption_in_view, [second.utterance, false]),
                      'the key point\'s turn is in view');
            assert.ok((await page.locator(`[data-utterance="${second.utterance}"]`).textContent())
                          .length > 0);
            assert.deepEqual(page.problems, [], 'no script errors or failed requests');
        } finally {
            await close_pages(page);
        }
    });
});

/// The archive id of the first archived session, once it is indexed.
function poll_archive(d) {
    return poll('an archived session', async () => (await d.get_json('/api/archive')).sessions
        ?.[0]?.archive);
}

test('screenshots: session page at desktop and phone widths, and the session list',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        mkdirSync(artifacts, { recursive: true });
        const pages = [];
        try {
            // A meeting in progress, in agenda item 3, with text still being typed.
            await post_transcript_start(d, 'dccg', 500);
            const state = await d.get_json('/api/sessions/dccg');
            const shots = [];
            for (const [name, viewport] of [['session-desktop', { width: 1280, height: 800 }],
                                            ['session-phone', { width: 390, height: 844 }]]) {
                const page = await open_page(browser, d.url('/sessions/dccg'), {
                    viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500,
                    hasTouch: viewport.width < 500,
                });
                pages.push(page);
                await wait_in_page(page, `the meeting so far (rev ${state.rev})`,
                                   rev => document.body.dataset.rev === String(rev) &&
                                          document.querySelector('#status')?.dataset.state ===
                                              'live',
                                   state.rev);
                await page.evaluate(() => document.fonts.ready);
                const file = path.join(artifacts, `${name}.png`);
                await page.screenshot({ path: file });
                shots.push(file);
                const full = path.join(artifacts, `${name}-full.png`);
                await page.screenshot({ path: full, fullPage: true });
                shots.push(full);
                // Nothing wider than the screen.
                const overflow = await page.evaluate(() => document.documentElement.scrollWidth -
                                                           window.innerWidth);
                assert.ok(overflow <= 1, `${name}: the page is ${overflow}px wider than the ${
                                             viewport.width}px screen`);
            }
            const list = await open_page(browser, d.url('/'));
            pages.push(list);
            await list.locator('#sessions [data-session="dccg"] .state').waitFor();
            await wait_in_page(list, 'the session listed as live',
                               () => document.querySelector(
                                   '#sessions [data-session="dccg"] .state')
                                   ?.textContent.trim() === 'live');
            const file = path.join(artifacts, 'sessions.png');
            await list.screenshot({ path: file, fullPage: true });
            shots.push(file);
            for (const f of shots)
                console.log(`screenshot: ${f}`);
            for (const p of pages)
                assert.deepEqual(p.problems, [], 'no script errors on the page');
        } finally {
            await close_pages(...pages);
        }
    });
});
