// A hostile page in a real browser (Debian's chromium) against the real daemon with its default
// config: a page of another site, open in a browser on the daemon's machine, tries to publish
// captions, end a meeting and open the ingest and live sockets; and a page that reached the
// daemon through a DNS name of the attacker's (rebinding, played here by Chromium's host
// resolver rules) tries to read and write. None of it may change or show anything.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { chromium_path, open_page, poll, with_daemon } from './harness.mjs';
import { chromium } from 'playwright-core';

const test_timeout = 120_000;
let browser;

before(async () => {
    browser = await chromium.launch({
        executablePath: chromium_path,
        // evil.test is a name the attacker points at this machine.
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--no-first-run', '--disable-quic',
               '--disable-sync', '--host-resolver-rules=MAP evil.test 127.0.0.1'],
    });
});
after(async () => {
    await browser?.close();
});

/// What the attacker's page does, evaluated in it: every write it can make a browser send to
/// the daemon at `target`, and whether each socket got a welcome or was refused.
const attack = async (target) => {
    const results = {};
    const post = async (name, path, body) => {
        try {
            // text/plain and no-cors: a "simple" request, sent without a preflight.
            await fetch(target + path, { method: 'POST', mode: 'no-cors', body,
                                         headers: { 'content-type': 'text/plain' } });
            results[name] = 'sent';
        } catch (e) {
            results[name] = `failed: ${e.message}`;
        }
    };
    await post('ingest', '/ingest/victim?seq=1', '>> EVIL: injected\r\n');
    await post('ingest_raw', '/ingest/victim', '>> EVIL: injected\r\n');
    await post('end', '/api/sessions/meeting/end', '');
    await post('publish', '/pub/channel', 'injected');
    const socket = (name, path, send) => new Promise(resolve => {
        const ws = new WebSocket(target.replace(/^http/, 'ws') + path);
        let got = '';
        ws.onopen = () => { if (send) ws.send(send); };
        ws.onmessage = m => { got += m.data; };
        ws.onclose = e => { results[name] = { code: e.code, reason: e.reason, got }; resolve(); };
        setTimeout(() => { results[name] = { code: 'open', got }; ws.close(); resolve(); }, 5000);
    });
    await socket('ingest_socket', '/ingest/victim2',
                 '{"type":"text","seq":1,"text":">> EVIL: injected\\r\\n"}');
    await socket('live_socket', '/live/meeting', null);
    return results;
};

test('a page of another site cannot write to the daemon or open its sockets', {
    timeout: test_timeout,
}, async t => {
    await with_daemon(t, async d => {
        await d.post_captions('meeting', '>> CHAIR: Welcome, everyone.\n\n');
        // The attacker's site: another origin on this machine.
        const site = createServer((req, res) => {
            res.writeHead(200, { 'content-type': 'text/html' });
            res.end('<!doctype html><title>another site</title><p>hello</p>');
        });
        await new Promise(resolve => site.listen(0, '127.0.0.1', resolve));
        try {
            const page = await open_page(browser, `http://localhost:${site.address().port}/`);
            const results = await page.evaluate(attack, d.origin);
            t.diagnostic(JSON.stringify(results));
            assert.equal(results.ingest_socket.code, 1006, JSON.stringify(results)); // 403: no upgrade
            assert.equal(results.ingest_socket.got, '');
            assert.equal(results.live_socket.code, 4403, JSON.stringify(results));
            assert.match(results.live_socket.reason, /origin http:\/\/localhost:\d+ is not allowed/);
            assert.equal(results.live_socket.got, '');
            await page.context().close();
        } finally {
            site.close();
        }
        const sessions = (await d.get_json('/api/sessions')).sessions;
        assert.deepEqual(sessions.map(s => [s.id, s.live]), [['meeting', true]]);
        const transcript = await (await fetch(d.url('/api/sessions/meeting/transcript.txt'))).text();
        assert.doesNotMatch(transcript, /EVIL/);
        assert.match(d.output(), /POST \/ingest\/victim refused: origin http:\/\/localhost:\d+ is not allowed/);
        assert.match(d.output(), /POST \/api\/sessions\/meeting\/end refused: origin/);
        assert.match(d.output(), /POST \/pub\/channel refused: origin/);
    });
});

test('a page that reached the daemon through a rebound DNS name gets nothing', {
    timeout: test_timeout,
}, async t => {
    await with_daemon(t, async d => {
        await d.post_captions('meeting', '>> CHAIR: Welcome, everyone.\n\n');
        const page = await open_page(browser, `http://evil.test:${d.port}/`);
        const shown = await page.evaluate(() => document.body.textContent);
        assert.match(shown, /host evil\.test:\d+ is not a name of this daemon/);
        // Same-origin now, in the browser's eyes: its reads and writes are refused by Host.
        const results = await page.evaluate(async (target) => {
            const read = await fetch(target + '/api/sessions/meeting');
            const write = await fetch(target + '/ingest/meeting?seq=2', {
                method: 'POST', body: '>> EVIL: injected\r\n' });
            return { read: read.status, write: write.status, body: await read.text() };
        }, `http://evil.test:${d.port}`);
        assert.deepEqual([results.read, results.write], [403, 403], JSON.stringify(results));
        assert.doesNotMatch(results.body, /Welcome/);
        await page.context().close();
        assert.equal(await d.last_seq('meeting'), 1);
        // The daemon's own page, by an address, works as ever.
        const own = await open_page(browser, d.url('/sessions/meeting'));
        await poll('the meeting on the daemon\'s own page',
                   () => own.locator('#captions .turn').count());
        await own.context().close();
    });
});
