// The API's contract against the real daemon, without a browser: protocol/openapi.json describes
// every HTTP route the daemon answers and nothing else; every documented route's real answers,
// successes and errors, match the schemas the document gives for their status; the live and
// ingest messages of a short replay match protocol/schemas/*.json; the daemon serves those
// files as they are in the repository; /api errors are all {"error"}; CORS answers configured
// origins alone; a bad origin in the config is a config error (78).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';

import { binary, dccg_transcript, poll, with_daemon } from './harness.mjs';
import { open_websocket } from './websocket.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const protocol_dir = path.resolve(here, '../../protocol');
const contract_files = ['openapi.json', 'report.schema.json', 'schemas/live.schema.json',
                        'schemas/ingest.schema.json'];
const read_contract = name => JSON.parse(readFileSync(path.join(protocol_dir, name), 'utf8'));
const openapi = read_contract('openapi.json');
// Where the files are served: relative references resolve against it as on disk.
const base = 'http://minuted.invalid/api/';
const viewer_token = 'viewer-token-0123456789abcdef0123';
const allowed_origin = 'https://intranet.example';
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const test_timeout = 180_000;

// The document is OpenAPI 3.1: its keywords are no JSON Schema keywords, so they are a
// vocabulary ajv knows to skip, and every schema in it compiles in strict mode.
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'security', 'paths',
                   'components', 'tags', 'externalDocs', 'webhooks']);
for (const name of contract_files)
    ajv.addSchema({ ...read_contract(name), $id: base + name });

const pointer = parts => parts.map(
    p => encodeURIComponent(String(p).replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
/// The compiled schema at `parts` (a JSON pointer's segments) of the OpenAPI document.
const schema_at = parts => {
    const v = ajv.getSchema(`${base}openapi.json#/${pointer(parts)}`);
    assert.ok(v, `openapi.json#/${pointer(parts)} is a schema`);
    return v;
};
const live_message = ajv.getSchema(base + 'schemas/live.schema.json');
const source_message = ajv.getSchema(base + 'schemas/ingest.schema.json#/$defs/source_message');
const daemon_message = ajv.getSchema(base + 'schemas/ingest.schema.json#/$defs/daemon_message');
const api_error = ajv.getSchema(base + 'openapi.json#/components/schemas/error');

function check(validate, value, what) {
    assert.ok(validate(value), `${what} does not match its schema:\n${
        ajv.errorsText(validate.errors, { separator: '\n' })}\n${
        JSON.stringify(value).slice(0, 2000)}`);
}

/// The documented operations, as "METHOD /path/{}" (parameter names dropped).
const template = p => p.replace(/\{[^}]*\}/g, '{}');
function documented_operations() {
    const ops = new Set();
    for (const [p, item] of Object.entries(openapi.paths))
        for (const m of methods.filter(m => item[m]))
            ops.add(`${m.toUpperCase()} ${template(p)}`);
    return ops;
}

/// The routes the daemon routes to, as protocol/route.hpp names each endpoint ("GET /x/{id}",
/// "WebSocket /live/{id}", "OPTIONS /api/..."): the daemon's own list.
function routed_operations() {
    const header = readFileSync(path.join(protocol_dir, 'route.hpp'), 'utf8');
    const enum_text = header.slice(header.indexOf('enum class endpoint'),
                                   header.indexOf('};', header.indexOf('enum class endpoint')));
    const ops = new Set();
    for (const [, method, rest] of enum_text.matchAll(
        /\b(GET|POST|PUT|OPTIONS|WebSocket) (\/[^:\n]*?)(?::|\)|$)/gm)) {
        for (const p of rest.split(/,\s*/).map(s => s.replace(/\[.*$/, '').trim())) {
            if (!p.startsWith('/'))
                continue;
            if (method === 'OPTIONS')
                ops.add('OPTIONS /api/...');
            else
                ops.add(`${method === 'WebSocket' ? 'GET' : method} ${template(p)}`);
        }
    }
    return ops;
}

test('the OpenAPI document is OpenAPI 3.1, and names every route the daemon routes and only those', () => {
    assert.match(openapi.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof openapi.info.title, 'string');
    assert.equal(typeof openapi.info.version, 'string');
    assert.equal(openapi.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
    const ids = new Set();
    for (const [p, item] of Object.entries(openapi.paths)) {
        assert.match(p, /^\//, `path ${p}`);
        for (const m of Object.keys(item))
            assert.ok(methods.includes(m) || m === 'parameters', `${p}: ${m} is not an operation`);
        for (const m of methods.filter(m => item[m])) {
            const op = item[m];
            assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
            ids.add(op.operationId);
            const declared = [...item.parameters ?? [], ...op.parameters ?? []].map(x => x.$ref
                ? openapi.components.parameters[x.$ref.split('/').pop()] : x)
                .filter(x => x.in === 'path').map(x => x.name).sort();
            assert.deepEqual(declared, [...p.matchAll(/\{([^}]*)\}/g)].map(x => x[1]).sort(),
                             `${m} ${p}: its path parameters are declared`);
            assert.ok(Object.keys(op.responses).length > 0, `${m} ${p} has responses`);
            for (const [status, r] of Object.entries(op.responses)) {
                const where = r.$ref ? ['components', 'responses', r.$ref.split('/').pop()]
                    : ['paths', p, m, 'responses', status];
                const res = r.$ref ? openapi.components.responses[where[2]] : r;
                assert.equal(typeof res.description, 'string', `${m} ${p} ${status}`);
                for (const media of Object.keys(res.content ?? {}))
                    schema_at([...where, 'content', media, 'schema']);
            }
        }
    }
    for (const name of Object.keys(openapi.components.schemas))
        schema_at(['components', 'schemas', name]);
    for (const name of contract_files.slice(1))
        assert.ok(ajv.getSchema(base + name), `${name} compiles`);

    const documented = documented_operations();
    const routed = routed_operations();
    assert.ok(routed.size >= 25, `route.hpp names the endpoints (${[...routed]})`);
    for (const op of routed) {
        if (op === 'OPTIONS /api/...')
            continue;
        assert.ok(documented.has(op), `${op} is routed but not in openapi.json`);
    }
    for (const op of documented) {
        if (op.startsWith('OPTIONS /api/'))
            assert.ok(routed.has('OPTIONS /api/...'), `${op}: preflights are routed`);
        else
            assert.ok(routed.has(op), `${op} is in openapi.json but routed nowhere`);
    }
    for (const [p, item] of Object.entries(openapi.paths))
        assert.equal(Boolean(item.options), p.startsWith('/api/'),
                     `${p}: a preflight is documented exactly for /api paths`);
});

/// A raw HTTP request (fetch cannot send OPTIONS with any Origin, nor a body beyond the limit
/// without waiting): {status, headers, text, json}.
function http_request(port, method, target, { headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path: target,
                              headers: { authorization: `Bearer ${viewer_token}`, ...headers } },
                            res => {
                                const chunks = [];
                                res.on('data', c => chunks.push(c));
                                res.on('end', () => {
                                    const text = Buffer.concat(chunks).toString('utf8');
                                    let json;
                                    try { json = JSON.parse(text); } catch { json = undefined; }
                                    resolve({ status: res.statusCode, headers: res.headers, text,
                                              json });
                                });
                            });
        req.on('error', reject);
        if (body !== undefined)
            req.write(body);
        req.end();
    });
}

const media_of = type => (type ?? '').split(';')[0].trim();

/// Checks `res`, the answer to `method` on documented path `p`, against the document: its
/// status is documented, and a JSON body matches the schema given for it.
function check_documented(p, method, res, what) {
    const op = openapi.paths[p]?.[method];
    assert.ok(op, `${method} ${p} is documented`);
    const documented = op.responses[String(res.status)];
    assert.ok(documented, `${what}: status ${res.status} is documented for ${method} ${p}: ${
        res.text.slice(0, 300)}`);
    const r = documented.$ref
        ? openapi.components.responses[documented.$ref.split('/').pop()] : documented;
    const type = media_of(res.headers['content-type']);
    if (!r.content) {
        assert.equal(res.text, '', `${what}: no body`);
        return;
    }
    const media = Object.keys(r.content).find(m => media_of(m) === type);
    assert.ok(media, `${what}: ${type} is documented for ${res.status} (${Object.keys(r.content)})`);
    if (type.endsWith('json') && method !== 'head') {
        const parts = documented.$ref
            ? ['components', 'responses', documented.$ref.split('/').pop()]
            : ['paths', p, method, 'responses', String(res.status)];
        check(schema_at([...parts, 'content', media, 'schema']), res.json, what);
    }
    if (p.startsWith('/api/') && res.status >= 400)
        check(api_error, res.json, `${what}: an /api error`);
}

const config = `
[auth]
viewer_token = "${viewer_token}"
origins = ["${allowed_origin}"]
[limits]
max_body_bytes = 65536
`;

// Captions of a real meeting, a few turns at a time, as a source sends them.
function replay_chunks() {
    const lines = readFileSync(dccg_transcript, 'utf8').split('\n');
    const start = lines.findIndex(l => l.startsWith('>>'));
    const chunks = [];
    for (let i = start; i < start + 240; i += 12)
        chunks.push(lines.slice(i, i + 12).join('\r\n') + '\r\n');
    return chunks;
}

test('real answers, WebSocket messages and errors match the contract', { timeout: test_timeout },
     async t => with_daemon(t, async d => {
    const seen = new Set(); // documented operations probed
    const probe = async (p, method, target, options = {}, expect) => {
        const res = await http_request(d.port, method.toUpperCase(), target, options);
        const what = `${method.toUpperCase()} ${target}`;
        if (expect !== undefined)
            assert.equal(res.status, expect, `${what}: ${res.text.slice(0, 300)}`);
        check_documented(p, method, res, what);
        seen.add(`${method.toUpperCase()} ${template(p)}`);
        return res;
    };

    // The files are served as the repository holds them.
    for (const name of contract_files) {
        const p = name === 'openapi.json' || name === 'report.schema.json'
            ? `/api/${name}` : '/api/schemas/{name}';
        const res = await probe(p, 'get', `/api/${name}`, { headers: { authorization: '' } }, 200);
        assert.deepEqual(res.json, read_contract(name), `/api/${name} is protocol/${name}`);
    }
    await probe('/api/schemas/{name}', 'get', '/api/schemas/nothing.json', {}, 404);

    // A source, and a viewer from the start: every message either way matches its schema.
    const source = await open_websocket(d.port, '/ingest/contract');
    seen.add('GET /ingest/{}');
    const send = m => { check(source_message, m, `source sends ${m.type}`); source.send(JSON.stringify(m)); };
    const reply = async () => {
        const m = JSON.parse(await source.next());
        check(daemon_message, m, `daemon answers ${m.type}`);
        return m;
    };
    send({ type: 'open', title: 'Contract', agenda: ['Opening', { title: 'Reports', presenter: 'Chair' }] });
    assert.equal((await reply()).type, 'welcome');
    const viewer = await open_websocket(d.port, '/live/contract', { authorization: `Bearer ${viewer_token}` });
    seen.add('GET /live/{}');
    const chunks = replay_chunks();
    let seq = 0;
    for (const text of chunks) {
        send({ type: 'text', seq: ++seq, text, lang: 'en' });
        assert.deepEqual(await reply(), { type: 'ack', seq });
    }
    // The text is final by now: the erase is acknowledged, after an error saying so.
    send({ type: 'erase', seq: ++seq, count: 3 });
    assert.equal((await reply()).type, 'error');
    assert.equal((await reply()).type, 'ack');
    send({ type: 'text', seq: seq + 5, text: 'a gap' });
    assert.deepEqual(await reply(), { type: 'nack', expected: seq + 1 });

    // A person's edits bring the fields of edited minutes into the messages.
    const edits = '/api/sessions/contract/minutes/edits';
    const state = (await probe('/api/sessions/{session}', 'get', '/api/sessions/contract', {}, 200)).json;
    const post_edit = (edit, expect) => probe('/api/sessions/{session}/minutes/edits', 'post', edits,
        { headers: { 'content-type': 'application/json' }, body: JSON.stringify(edit) }, expect);
    await post_edit({ op: 'caption.correct', utterance: 0, revision: 0, text: 'Corrected.' }, 200);
    await post_edit({ op: 'item.rename', item: 1, revision: 0, text: 'Opening, renamed' }, 200);
    await post_edit({ op: 'speaker.rename', from: state.participants[0].id, to: 'Someone Else', revision: 0 }, 200);
    await post_edit({ op: 'item.rename', item: 1, revision: 0, text: 'stale' }, 409);
    await post_edit({ op: 'no.such' }, 400);
    await probe('/api/sessions/{session}/minutes/edits', 'post', edits,
                { headers: { 'content-type': 'application/json' }, body: '{not json' }, 400);
    await probe('/api/sessions/{session}/minutes/edits', 'post', edits,
                { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(70_000) }, 413);
    await probe('/api/sessions/{session}/minutes/edits', 'post', '/api/sessions/none/minutes/edits',
                { headers: { 'content-type': 'application/json' }, body: '{"op":"report.approve"}' }, 404);

    send({ type: 'close', seq: ++seq });
    assert.equal((await reply()).type, 'ack');
    const messages = [];
    for (;;) {
        const m = JSON.parse(await viewer.next());
        check(live_message, m, `live ${m.type} rev ${m.rev}`);
        messages.push(m);
        if (m.ended)
            break;
    }
    assert.equal(messages[0].type, 'snapshot');
    assert.ok(messages.filter(m => m.type === 'update').length >= chunks.length,
              'an update for each chunk at least');
    const later = messages.filter(m => m.type === 'update');
    assert.ok(later.some(m => m.utterances?.some(u => u.corrected)), 'a correction was sent');
    assert.ok(later.some(m => m.utterances?.some(u => 'tail' in u)), 'a tail was sent');
    assert.ok(later.some(m => m.participants?.some(p => p.renamed_by)), 'a rename was sent');
    // A resume gets `resumed` and the updates after it.
    const resumer = await open_websocket(d.port, `/live/contract?since=${messages.at(-2).rev}&epoch=${
        messages[0].epoch}`, { authorization: `Bearer ${viewer_token}` });
    const resumed = JSON.parse(await resumer.next());
    check(live_message, resumed, 'resumed');
    assert.equal(resumed.type, 'resumed');
    resumer.close();
    viewer.close();

    // Every other documented route, with its errors.
    await d.post_captions('other', '>> ANN: Hello.\r\n');
    // The list says a meeting ended once its end is on disk, a moment after the last update.
    await poll('the list to show the meeting ended', async () => {
        const list = (await probe('/api/sessions', 'get', '/api/sessions', {}, 200)).json;
        return list.sessions.some(s => s.id === 'contract' && !s.live);
    });
    for (const f of ['report.md', 'report.json', 'transcript.txt', 'report.html', 'report.odt'])
        await probe(`/api/sessions/{session}/${f}`, 'get', `/api/sessions/contract/${f}`, {}, 200);
    await probe('/api/sessions/{session}', 'get', '/api/sessions/nobody', {}, 404);
    await probe('/api/sessions/{session}', 'get', '/api/sessions/bad%20id', {}, 400);
    await probe('/api/sessions/{session}', 'get', '/api/sessions/contract',
                { headers: { authorization: '' } }, 401);
    await probe('/api/sessions/{session}', 'get', '/api/sessions/contract',
                { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } }, 403);
    await probe('/api/sessions/{session}/minutes/editor', 'get', '/api/sessions/contract/minutes/editor', {}, 200);
    for (const [what, body, count] of [['agenda', 'Welcome\nReports\n', 'items'],
                                       ['roster', '[{"name":"Ann Example"}]', 'people']]) {
        const res = await probe(`/api/sessions/{session}/${what}`, 'put', `/api/sessions/other/${what}`,
                                { body }, 200);
        assert.equal(typeof res.json[count], 'number');
        await probe(`/api/sessions/{session}/${what}`, 'put', `/api/sessions/contract/${what}`,
                    { body }, 409);
        await probe(`/api/sessions/{session}/${what}`, 'put', `/api/sessions/other/${what}`,
                    { body: '\u0000' }, 400);
    }
    await probe('/api/sessions/{session}/end', 'post', '/api/sessions/other/end', {}, 200);
    await probe('/api/sessions/{session}/end', 'post', '/api/sessions/other/end', {}, 409);
    await probe('/api/sessions/{session}/end', 'post', '/api/sessions/nobody/end', {}, 404);

    const archive = await (async () => {
        for (let i = 0; i < 200; ++i) {
            const list = (await probe('/api/archive', 'get', '/api/archive', {}, 200)).json;
            const a = list.sessions.find(s => s.session === 'contract');
            if (a && list.sessions.length === 2)
                return a.archive;
            await new Promise(r => setTimeout(r, 100));
        }
        throw new Error('the meetings were not archived');
    })();
    const hits = (await probe('/api/archive', 'get', '/api/archive?q=internet&limit=5', {}, 200)).json;
    assert.ok(hits.hits.length > 0, 'the search finds the replayed meeting');
    await probe('/api/archive', 'get', '/api/archive?limit=0', {}, 400);
    await probe('/api/archive', 'get', '/api/archive?q=%22unclosed', {}, 400);
    for (const f of ['state.json', 'report.json', 'report.md', 'report.machine.md', 'transcript.txt',
                     'captions.vtt', 'edits.jsonl', 'report.html', 'report.odt'])
        await probe('/api/archive/{archive}/{file}', 'get', `/api/archive/${archive}/${f}`, {}, 200);
    // The edit history on disk keeps the journal's milliseconds; served, its times are RFC 3339.
    const history = (await http_request(d.port, 'GET', `/api/archive/${archive}/edits.jsonl`)).text
        .split('\n').filter(Boolean).map(l => JSON.parse(l));
    assert.ok(history.length >= 3, 'the edits are in the history');
    for (const e of history)
        check(ajv.getSchema(base + 'schemas/live.schema.json#/$defs/time'), e.at, `edit ${e.op}: at`);
    await probe('/api/archive/{archive}/{file}', 'get', `/api/archive/${archive}/journal`, {}, 404);
    await probe('/api/archive/{archive}/{file}', 'get', '/api/archive/nothing-20260101-000000/state.json', {}, 404);
    await probe('/api/archive/{archive}/minutes/editor', 'get', `/api/archive/${archive}/minutes/editor`, {}, 200);
    const archived_edits = `/api/archive/${archive}/minutes/edits`;
    await probe('/api/archive/{archive}/minutes/edits', 'post', archived_edits,
                { body: JSON.stringify({ op: 'report.approve', revision: 0 }) }, 200);
    await probe('/api/archive/{archive}/minutes/edits', 'post', archived_edits,
                { body: JSON.stringify({ op: 'report.approve', revision: 0 }) }, 409);
    await probe('/api/archive/{archive}/minutes/edits', 'post',
                '/api/archive/nothing-20260101-000000/minutes/edits', { body: '{"op":"report.approve"}' }, 404);

    // The routes outside /api.
    for (const [p, target] of [['/', '/'], ['/archive', '/archive'], ['/archive/{archive}', `/archive/${archive}`],
                               ['/sessions/{session}', '/sessions/contract'], ['/static/{name}', '/static/session.js'],
                               ['/healthz', '/healthz'], ['/readyz', '/readyz'], ['/metrics', '/metrics']])
        await probe(p, 'get', target, {}, 200);
    await probe('/static/{name}', 'get', '/static/nothing.js', {}, 404);
    await probe('/ingest/{session}/seq', 'get', '/ingest/fresh/seq', {}, 200);
    await probe('/ingest/{session}', 'post', '/ingest/fresh?seq=1', { body: '>> BOB: Hi.\r\n' }, 200);
    await probe('/ingest/{session}', 'post', '/ingest/fresh?seq=5', { body: 'gap' }, 409);
    await probe('/ingest/{session}', 'post', '/ingest/fresh?seq=x', { body: 'bad' }, 400);
    await probe('/pub/{channel}', 'post', '/pub/news', { body: 'hello' }, 200);
    const sub = await open_websocket(d.port, '/sub/news', { authorization: `Bearer ${viewer_token}` });
    seen.add('GET /sub/{}');
    sub.close();

    // Errors of no documented route are {"error"} too, with what the status needs.
    const unknown = await http_request(d.port, 'GET', '/api/nothing/here');
    assert.equal(unknown.status, 404);
    check(api_error, unknown.json, 'GET /api/nothing/here');
    const spelt = await http_request(d.port, 'GET', '/%61pi/sessions/nothing-here');
    assert.equal(spelt.status, 404);
    check(api_error, spelt.json, 'GET /%61pi/sessions/nothing-here (the router reads it as /api)');
    const wrong_method = await http_request(d.port, 'DELETE', '/api/sessions');
    assert.equal(wrong_method.status, 405);
    assert.equal(wrong_method.headers.allow, 'GET, HEAD');
    check(api_error, wrong_method.json, 'DELETE /api/sessions');
    const no_token = await http_request(d.port, 'GET', '/api/sessions', { headers: { authorization: '' } });
    assert.equal(no_token.headers['www-authenticate'], 'Bearer realm="minuted"');
    check(api_error, no_token.json, 'GET /api/sessions without a token');
    const foreign_host = await http_request(d.port, 'GET', '/api/sessions', { headers: { host: 'evil.example' } });
    assert.equal(foreign_host.status, 403);
    check(api_error, foreign_host.json, 'GET /api/sessions for another host');

    // CORS: the configured origin alone, on preflights and answers.
    for (const p of Object.keys(openapi.paths).filter(p => p.startsWith('/api/'))) {
        const target = p.replace('{session}', 'contract').replace('{archive}', archive)
            .replace('{file}', 'state.json').replace('{name}', 'live.schema.json');
        const res = await probe(p, 'options', target, {
            headers: { authorization: '', origin: allowed_origin, 'access-control-request-method': 'POST',
                       'access-control-request-headers': 'authorization, content-type' } }, 204);
        assert.equal(res.headers['access-control-allow-origin'], allowed_origin, target);
        assert.match(res.headers['access-control-allow-methods'], /\bPOST\b.*\bPUT\b/);
        assert.match(res.headers['access-control-allow-headers'], /Authorization, Content-Type/i);
        assert.equal(res.headers['access-control-max-age'], '600');
        assert.equal(res.headers.vary, 'Origin');
    }
    const foreign = await http_request(d.port, 'OPTIONS', '/api/sessions',
                                       { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 204);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    assert.equal(foreign.headers['access-control-allow-methods'], undefined);
    for (const [origin, allowed] of [[allowed_origin, true], ['https://evil.example', false], [undefined, false]]) {
        for (const [method, target] of [['GET', '/api/sessions'], ['GET', '/api/nothing'],
                                        ['GET', '/%61pi/nothing']]) {
            const res = await http_request(d.port, method, target, { headers: origin ? { origin } : {} });
            assert.equal(res.headers['access-control-allow-origin'], allowed ? origin : undefined,
                         `${method} ${target} from ${origin}`);
            assert.equal(res.headers.vary, 'Origin');
        }
    }
    const page = await http_request(d.port, 'GET', '/healthz', { headers: { origin: allowed_origin } });
    assert.equal(page.headers['access-control-allow-origin'], undefined, 'CORS is for /api alone');

    // Every documented operation was probed.
    const missed = [...documented_operations()].filter(op => !seen.has(op));
    assert.deepEqual(missed, [], 'documented operations this test did not probe');
}, config));

test('an origin in [auth] origins that is not an origin is a config error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'minuted-contract-'));
    try {
        for (const bad of ['https://intranet.example/', 'https://intranet.example/path', '*',
                           'intranet.example', 'https://', 'https://a b']) {
            const file = path.join(dir, 'minuted.toml');
            writeFileSync(file, `[auth]\norigins = ["${bad}"]\n`);
            const run = spawnSync(binary, ['serve', '--listen', '127.0.0.1:0', '--state-dir', dir,
                                           '--config', file], { encoding: 'utf8', timeout: 10_000 });
            assert.equal(run.status, 78, `${bad}: ${run.stderr}`);
            assert.match(run.stderr, /minuted\.toml:2:\d+: .*auth\.origins must hold origins/, bad);
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
