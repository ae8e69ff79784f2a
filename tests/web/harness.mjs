// Runs the real minuted binary on loopback for the browser tests, feeds it captions (replay of
// a real transcript, or HTTP POSTs of raw CART text), and launches Debian's chromium through
// playwright-core. Everything waits by polling with a deadline, never by fixed sleeps, so the
// same tests pass against the ASan build, which is several times slower.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

export const binary = process.env.MINUTED_BINARY || path.join(root, 'build/daemon/minuted');
export const test_data = process.env.MINUTED_TEST_DATA || path.join(root, 'tests/data');
export const artifacts = process.env.MINUTED_ARTIFACTS || path.join(root, 'tests/artifacts/web');
export const chromium_path = process.env.MINUTED_CHROMIUM || '/usr/bin/chromium';
export const axe_path = path.join(here, 'node_modules/axe-core/axe.min.js');

export const dccg_transcript = path.join(test_data, 'dccg-90-2024-11-08.raw.txt');
export const dccg_labels = JSON.parse(
    readFileSync(path.join(test_data, 'dccg-90-2024-11-08.labels.json'), 'utf8'));

/// Waits for a slow thing: ASan daemons are 3-5x slower, and CTest runs other tests beside us.
export const long_wait = 60_000;

/// Polls `probe` (sync or async) until it returns a truthy value, which it returns; throws
/// `what` with the last value seen after `timeout` ms.
export async function poll(what, probe, { timeout = long_wait, interval = 100 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            last = await probe();
            if (last)
                return last;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline)
            throw new Error(`timed out after ${timeout} ms waiting for ${what}; last seen: ${
                last instanceof Error ? last.stack : JSON.stringify(last)}`);
        await new Promise(r => setTimeout(r, interval));
    }
}

/// A `minuted serve` child process on 127.0.0.1 with its own state directory. Its output is
/// kept (`output()`) and printed when a test fails. `start()` binds port 0 unless a port is
/// given; `stop()` sends SIGTERM and waits for the exit; `restart()` starts again on the same
/// port and state directory.
export class daemon {
    /// `config`: the text of a config file to start it with (TOML), if any.
    constructor(config = '') {
        this.state_dir = mkdtempSync(path.join(tmpdir(), 'minuted-web-'));
        this.config = config;
        this.port = 0;
        this.child = null;
        this.log = '';
        this.exit_codes = [];
    }

    static async start(config = '') {
        const d = new daemon(config);
        await d.start();
        return d;
    }

    get origin() { return `http://127.0.0.1:${this.port}`; }
    url(p) { return this.origin + p; }
    output() { return this.log; }

    async start(port = this.port) {
        if (this.child)
            throw new Error('daemon already running');
        const args = ['serve', '--listen', `127.0.0.1:${port}`, '--state-dir', this.state_dir];
        if (this.config) {
            const file = path.join(this.state_dir, 'minuted.toml');
            writeFileSync(file, this.config);
            args.push('--config', file);
        }
        const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.child = child;
        const begin = this.log.length;
        const collect = chunk => { this.log += chunk.toString(); };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.exited = new Promise(resolve => child.on('exit', (code, signal) => {
            resolve(code ?? 128 + constants.signals[signal]);
        }));
        const bound = await Promise.race([
            poll('the daemon to say it listens', () => {
                const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.log.slice(begin));
                return m && Number(m[1]);
            }, { interval: 20 }),
            child.exited.then(code => {
                throw new Error(`minuted serve exited with ${code} before listening:\n${this.log}`);
            }),
        ]);
        this.port = bound;
        return this;
    }

    /// SIGTERM, then waits for the exit; the exit code (0 on a clean stop).
    async stop() {
        const child = this.child;
        if (!child)
            return null;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), long_wait);
        const code = await child.exited;
        clearTimeout(killer);
        this.child = null;
        this.exit_codes.push(code);
        return code;
    }

    async restart() {
        await this.stop();
        // The old socket may linger for a moment after the exit; retry the bind briefly.
        return poll(`a restart on port ${this.port}`, async () => {
            try {
                return await this.start(this.port);
            } catch (e) {
                if (/exited/.test(e.message) && /address already in use/i.test(this.log))
                    return null;
                throw e;
            }
        }, { timeout: 20_000, interval: 200 });
    }

    /// Stops the daemon and removes its state directory; the exit codes of every stop.
    async close() {
        await this.stop();
        rmSync(this.state_dir, { recursive: true, force: true });
        return this.exit_codes;
    }

    async get_json(p) {
        const res = await fetch(this.url(p));
        if (!res.ok)
            throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
        return res.json();
    }

    /// The session's last acknowledged ingest seq (0 for a session not started).
    async last_seq(session) {
        return (await this.get_json(`/ingest/${session}/seq`)).seq;
    }

    /// POSTs raw CART text to the session as the next seq; the daemon's answer.
    async post_captions(session, text, lang = '') {
        const seq = (await this.last_seq(session)) + 1;
        const language = lang ? `&lang=${lang}` : '';
        const res = await fetch(this.url(`/ingest/${session}?seq=${seq}${language}`), {
            method: 'POST',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: text,
        });
        const body = await res.json();
        if (res.status !== 200)
            throw new Error(`POST /ingest/${session}?seq=${seq}: ${res.status} ${
                JSON.stringify(body)}`);
        return body;
    }

    /// `minuted replay FILE --to ws://…/ingest/SESSION --speed SPEED [EXTRA…]`, running;
    /// `.done` is a promise of its exit code (0 when every frame was acknowledged).
    replay(file, session, speed, extra = []) {
        const child = spawn(binary, ['replay', file, '--to', `ws://127.0.0.1:${this.port}/ingest/${
            session}`, '--speed', String(speed), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', c => { out += c; });
        child.stderr.on('data', c => { out += c; });
        child.output = () => out;
        child.done = new Promise(resolve => child.on('exit', code => resolve(code ?? -1)));
        return child;
    }
}

/// Runs `body(d)` with a fresh daemon (started with `config`, TOML, if given); on failure prints
/// the daemon's log; at the end checks that every stop was clean (exit 0: under ASan a leak or
/// error report makes it non-zero).
export async function with_daemon(t, body, config = '') {
    const d = await daemon.start(config);
    let failed = true;
    try {
        await body(d);
        failed = false;
    } finally {
        const codes = await d.close();
        if (failed || codes.some(c => c !== 0))
            t.diagnostic(`daemon log:\n${d.output()}`);
        if (!failed)
            assert.deepEqual(codes.filter(c => c !== 0), [],
                             `minuted serve exited uncleanly (${codes}):\n${d.output()}`);
    }
}

/// Debian's chromium, headless, with no network but loopback to talk to.
export async function launch_browser() {
    return chromium.launch({
        executablePath: chromium_path,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
    });
}

/// Opens a page at `url` in its own context; records console errors and uncaught page errors
/// in `page.problems` so a test can show them when it fails.
export async function open_page(browser, url, context_options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 },
                                               ...context_options });
    const page = await context.newPage();
    page.problems = [];
    page.on('pageerror', e => page.problems.push(`pageerror: ${e.message}`));
    page.on('console', m => {
        // A failed request is reported below with its address, which this message lacks.
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
            page.problems.push(`console.error: ${m.text()}`);
    });
    page.on('response', r => {
        if (r.status() >= 400)
            page.problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    });
    page.setDefaultTimeout(long_wait);
    await page.goto(url);
    return page;
}

/// The number of caption turns on the page.
export function caption_count(page) {
    return page.locator('#captions .turn').count();
}

/// Waits until `fn(arg)`, evaluated in the page, is truthy; `what` names it in the failure,
/// which also shows what `show`, evaluated in the page, returned at that moment.
export async function wait_in_page(page, what, fn, arg, { timeout = long_wait, show } = {}) {
    try {
        return await page.waitForFunction(fn, arg, { timeout, polling: 100 });
    } catch (e) {
        let seen = '';
        try {
            seen = JSON.stringify(await page.evaluate(show || (() => ({
                status: document.querySelector('#status')?.getAttribute('data-state'),
                status_text: document.querySelector('#status')?.textContent,
                rev: document.body.dataset.rev,
                turns: document.querySelectorAll('#captions .turn').length,
            }))));
        } catch (inner) {
            seen = `(could not read the page: ${inner.message})`;
        }
        throw new Error(`timed out waiting for ${what}; page shows ${seen}; page problems: ${
            JSON.stringify(page.problems || [])}\n${e.message}`);
    }
}

/// Chooses `value` in `select` as a reader would: opening the disclosure (`<details>`) that
/// holds it first when it is folded away.
export async function choose(page, select, value) {
    const control = page.locator(select);
    if (!(await control.isVisible())) {
        const summary = page.locator(`details:has(${select}) > summary`);
        if (await summary.count())
            await summary.first().click();
    }
    await page.selectOption(select, value);
}
