// minuted behind Debian's nginx, configured by the sample site the README points to
// (systemd/minuted.nginx.conf): a live viewer in real Chromium, a caption source's WebSocket
// (`minuted replay`), POST ingest and the API all work through it; publishing is refused to
// clients that are not on this machine, however they reach it; ?token= stays out of the access
// log.
//
// The sample is used as it is shipped, with only what a test machine needs changed: plain HTTP
// on a free loopback port instead of TLS on 443, the daemon's port, files in a scratch folder,
// and nginx's realip module told to believe an X-Client-Address header from loopback, so that a
// request can come from a client elsewhere (203.0.113.9) without a second machine.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { binary, dccg_transcript, launch_browser, open_page, poll, with_daemon } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sample = path.resolve(here, '../../systemd/minuted.nginx.conf');
const test_timeout = 240_000;
const elsewhere = { 'x-client-address': '203.0.113.9' };
let browser;

before(async () => {
    browser = await launch_browser();
});
after(async () => {
    await browser?.close();
});

async function free_port() {
    const server = createServer();
    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise(resolve => server.close(resolve));
    return port;
}

/// The sample site with a test machine's changes, each checked to have applied.
function site_for_test(daemon_port, port, dir) {
    let site = readFileSync(sample, 'utf8');
    const change = (from, to) => {
        assert.ok(from.test ? from.test(site) : site.includes(from), `the sample has ${from}`);
        site = site.replace(from, to);
    };
    change(/server \{\n    listen 80;[^}]*\}\n\n/, ''); // the redirect to https
    change('listen 443 ssl http2;', `listen 127.0.0.1:${port};`);
    change('    listen [::]:443 ssl http2;\n', '');
    change(/    ssl_certificate .*\n    ssl_certificate_key .*\n/,
           '    set_real_ip_from 127.0.0.1;\n    real_ip_header X-Client-Address;\n');
    change('server 127.0.0.1:8080;', `server 127.0.0.1:${daemon_port};`);
    change('/var/log/nginx/minuted.access.log', path.join(dir, 'access.log'));
    return site;
}

/// Runs `body(proxy_url, d)` with a daemon started with `config` and nginx in front of it.
async function with_proxy(t, config, body) {
    await with_daemon(t, async d => {
        const dir = mkdtempSync(path.join(tmpdir(), 'minuted-nginx-'));
        const port = await free_port();
        writeFileSync(path.join(dir, 'site.conf'), site_for_test(d.port, port, dir));
        writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
worker_processes 1;
${userInfo().uid === 0 ? 'user root root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/site.conf;
}
`);
        execFileSync('nginx', ['-t', '-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`],
                     { stdio: 'pipe' });
        const nginx = spawn('nginx', ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`],
                            { stdio: 'ignore' });
        const url = `http://127.0.0.1:${port}`;
        try {
            await poll('nginx to listen', async () => (await fetch(`${url}/healthz`)).ok,
                       { timeout: 20_000 });
            await body(url, d, dir);
        } catch (e) {
            t.diagnostic(`nginx error log:\n${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
            throw e;
        } finally {
            nginx.kill('SIGTERM');
            await new Promise(resolve => nginx.on('exit', resolve));
            rmSync(dir, { recursive: true, force: true });
        }
    }, config);
}

const proxied = `[server]
trusted_proxies = ["127.0.0.1"]
`;

test('without tokens, only this machine publishes and ends meetings through the proxy', {
    timeout: test_timeout,
}, async t => {
    await with_proxy(t, proxied, async (url, d) => {
        const post = (target, headers = {}) => fetch(url + target, {
            method: 'POST', headers: { 'content-type': 'text/plain', ...headers },
            body: '>> CHAIR: Good morning.\n\n' });
        const remote = await post('/ingest/m?seq=1', elsewhere);
        assert.equal(remote.status, 403);
        assert.equal(await remote.text(), 'publishing from other hosts needs a publish token\n');
        assert.equal((await post('/api/sessions/m/end', elsewhere)).status, 403);
        // The daemon logs who it was, and by which proxy.
        await poll('the refusal in the log', () =>
            /http 203\.0\.113\.9 via 127\.0\.0\.1:\d+: POST \/ingest\/m refused/.test(d.output()));
        // A client on this machine (nginx names 127.0.0.1) may, as it may without the proxy.
        assert.equal((await post('/ingest/m?seq=1')).status, 200);
        // Viewing stays public, from anywhere.
        const listed = await fetch(`${url}/api/sessions`, { headers: elsewhere });
        assert.deepEqual((await listed.json()).sessions.map(s => s.id), ['m']);
    });
});

test('a live viewer, a caption source, POST ingest and the API work through nginx', {
    timeout: test_timeout,
}, async t => {
    const token = 'publish-0123456789';
    const viewer = 'viewer-token-0123456789';
    await with_proxy(t, `${proxied}[auth]
publish_token = "${token}"
viewer_token = "${viewer}"
`, async (url, d, dir) => {
        const page = await open_page(browser, `${url}/sessions/dccg?token=${viewer}`);
        // A caption source's WebSocket through the proxy, as a remote CART writer's would be.
        const replay = spawn(binary, ['replay', dccg_transcript, '--to', `ws${url.slice(4)}/ingest/dccg`,
                                      '--speed', 'max', '--token', token], { stdio: 'pipe' });
        let replay_output = '';
        replay.stdout.on('data', c => { replay_output += c; });
        replay.stderr.on('data', c => { replay_output += c; });
        const replayed = await new Promise(resolve => replay.on('exit', resolve));
        assert.equal(replayed, 0, replay_output);
        // The viewer's own WebSocket through the proxy shows the meeting.
        await poll('the viewer to show the meeting\'s turns',
                   async () => (await page.locator('#captions .turn').count()) > 50);
        const cookie = (await page.context().cookies()).find(c => c.name === 'minuted_token');
        assert.ok(cookie && cookie.httpOnly && !cookie.secure, JSON.stringify(cookie)); // http here
        await page.context().close();

        const ingest = await fetch(`${url}/ingest/notes?seq=1`, {
            method: 'POST', body: '>> CHAIR: Noted.\n\n',
            headers: { authorization: `Bearer ${token}`, ...elsewhere } });
        assert.equal(ingest.status, 200, await ingest.text());
        const refused = await fetch(`${url}/ingest/notes?seq=2`, {
            method: 'POST', body: '>> EVIL: x\n', headers: elsewhere });
        assert.equal(refused.status, 401);
        const state = await fetch(`${url}/api/sessions/dccg`,
                                  { headers: { authorization: `Bearer ${viewer}` } });
        assert.equal(state.status, 200);
        assert.equal((await state.json()).agenda.length, 5);
        assert.equal((await fetch(`${url}/api/sessions`)).status, 401);
        // The access log has the requests, never their query strings.
        const log = readFileSync(path.join(dir, 'access.log'), 'utf8');
        assert.match(log, /GET \/sessions\/dccg HTTP/);
        assert.doesNotMatch(log, /token=/);
    });
});
