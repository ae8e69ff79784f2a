// The exported files of a finished meeting, read by parsers that are not minuted's own: the
// report JSON against protocol/report.schema.json (ajv, draft 2020-12, strict), the WebVTT
// captions by Chromium's WebVTT parser through a <track> element, and both as the same bytes
// over HTTP (/api/archive/{archive}/...) and from `minuted archive export`.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';

import {
    artifacts, binary, dccg_labels, dccg_transcript, launch_browser, long_wait, open_page, poll,
    test_data, with_daemon,
} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const schema_path = path.resolve(here, '../../protocol/report.schema.json');
const test_timeout = 300_000;

// strict: unknown keywords, union types without allowUnionTypes and the like are errors in the
// schema itself, not silently ignored.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate_report = ajv.compile(JSON.parse(readFileSync(schema_path, 'utf8')));

let browser;
before(async () => {
    browser = await launch_browser();
});
after(async () => {
    await browser?.close();
});

/// `minuted ARGS...`: its stdout as bytes; throws with its stderr when it exits non-zero.
async function minuted(...args) {
    try {
        const { stdout } = await promisify(execFile)(binary, args, {
            encoding: 'buffer', maxBuffer: 64 << 20, timeout: long_wait });
        return stdout;
    } catch (e) {
        throw new Error(`minuted ${args.join(' ')} failed (${e.code}): ${e.stderr}`);
    }
}

/// Asserts that `report` (parsed report JSON) matches the schema, and the relations between
/// its fields that REPORT.md states but a schema cannot.
function check_report(report, what) {
    assert.ok(validate_report(report),
              `${what} does not match protocol/report.schema.json:\n${
                  ajv.errorsText(validate_report.errors, { separator: '\n' })}`);

    const people = report.participants;
    assert.deepEqual(people.map(p => p.id), people.map((_, i) => i),
                     `${what}: participant ids are 0, 1, 2, ... in order`);
    const names = new Set(people.map(p => p.name));
    const chairs = people.filter(p => p.role === 'chair');
    if (report.chair === null) {
        assert.deepEqual(chairs, [], `${what}: no participant is "chair" when chair is null`);
        assert.deepEqual(report.chairs, [], `${what}: chairs is [] when chair is null`);
        assert.ok(people.every(p => p.turns < 2), `${what}: chair null, yet someone had 2 turns`);
    } else {
        assert.ok(names.has(report.chair), `${what}: chair ${report.chair} is a participant`);
        assert.equal(report.chairs[0], report.chair, `${what}: chairs lists the chair first`);
        assert.equal(new Set(report.chairs).size, report.chairs.length,
                     `${what}: nobody is listed twice in chairs`);
        for (const c of report.chairs)
            assert.ok(names.has(c), `${what}: chair ${c} is a participant`);
        for (const p of chairs)
            assert.ok(report.chairs.includes(p.name),
                      `${what}: the "chair" participant ${p.name} is one of chairs`);
        for (const p of people.filter(p => report.chairs.includes(p.name)))
            assert.ok(p.role === 'chair' || p.role === 'role',
                      `${what}: ${p.name} chairs, so is "chair" (or a "role")`);
    }
    for (const item of report.agenda)
        assert.equal(item.presenter === null, item.context === '',
                     `${what}: item ${item.n} has a presenter exactly when it has a context line`);
    const total = report.stats.words;
    assert.ok(people.reduce((sum, p) => sum + p.words, 0) <= total,
              `${what}: participants' words add up to at most stats.words`);
    for (const p of people)
        assert.ok(Math.abs(p.share - (total ? p.words / total : 0)) < 1e-9,
                  `${what}: share of ${p.name} is words / stats.words`);

    assert.deepEqual(report.agenda.map(a => a.n), report.agenda.map((_, i) => i + 1),
                     `${what}: agenda items are numbered 1, 2, 3, ...`);
    let previous = null;
    for (const item of report.agenda) {
        if (previous) {
            assert.ok(item.start_line >= previous.start_line &&
                          item.first_utterance >= previous.first_utterance,
                      `${what}: item ${item.n} starts after item ${previous.n}`);
        }
        previous = item;
        assert.ok(item.first_utterance < Math.max(report.stats.utterances, 1),
                  `${what}: item ${item.n} starts in a turn of the transcript`);
        const refs = [...item.key_points, ...item.next_steps, ...item.decisions];
        for (const r of refs) {
            assert.ok(r.utterance < report.stats.utterances,
                      `${what}: item ${item.n}: utterance ${r.utterance} is in the transcript`);
            assert.ok(r.speaker === null || names.has(r.speaker),
                      `${what}: item ${item.n}: speaker ${r.speaker} is a participant`);
        }
        const lines = item.key_points.map(k => k.line);
        assert.deepEqual(lines, [...lines].sort((a, b) => a - b),
                         `${what}: item ${item.n}: key points in transcript order`);
    }
}

/// WebVTT timestamp HH:MM:SS.mmm (hours may have more digits) in seconds, or null.
function vtt_seconds(text) {
    const m = /^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(text);
    return m && ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) + Number(m[4]) / 1000;
}

/// Checks the structure of WebVTT text as minuted writes it, independently of any browser: the
/// "WEBVTT" line, then cues separated by one blank line, each a timing line
/// "HH:MM:SS.mmm --> HH:MM:SS.mmm" and one line "<v Name>text" with no other markup. The cues
/// as { start, end, voice, text } (text with its character references).
function parse_vtt_structure(text) {
    assert.ok(text.startsWith('WEBVTT\n'), 'the file starts with the line "WEBVTT"');
    assert.ok(!text.includes('\r'), 'lines end with "\\n" only');
    assert.ok(text.endsWith('\n'), 'the file ends with a line break');
    assert.ok(!text.includes('\n\n\n'), 'cues are separated by exactly one blank line');
    const blocks = text.slice(0, -1).split('\n\n');
    assert.equal(blocks.shift(), 'WEBVTT', 'the header block is the line "WEBVTT" alone');
    const cues = blocks.map((block, i) => {
        const lines = block.split('\n');
        assert.equal(lines.length, 2, `cue ${i}: a timing line and one text line: ${block}`);
        const [timing, payload] = lines;
        const t = /^(\S+) --> (\S+)$/.exec(timing);
        assert.ok(t, `cue ${i}: timing line "start --> end": ${timing}`);
        const [start, end] = [vtt_seconds(t[1]), vtt_seconds(t[2])];
        assert.ok(start !== null && end !== null, `cue ${i}: timestamps HH:MM:SS.mmm: ${timing}`);
        const v = /^<v ((?:[^<>&\n]|&(?:lt|gt|amp);)+)>(.*)$/.exec(payload);
        assert.ok(v, `cue ${i}: text is "<v Name>words": ${payload}`);
        assert.ok(!payload.includes('-->'), `cue ${i}: no "-->" in cue text`);
        assert.ok(!/[<>]/.test(v[2]), `cue ${i}: no markup after the voice tag: ${payload}`);
        assert.ok(!/&(?!(?:lt|gt|amp);)/.test(v[2]), `cue ${i}: "&" only in character references`);
        assert.ok(v[2].trim() !== '', `cue ${i}: the cue says something`);
        return { start, end, voice: v[1], text: v[2] };
    });
    return cues;
}

/// The text of WebVTT cue text with character references resolved, as a browser shows it.
function unescape_vtt(text) {
    return text.replace(/&(lt|gt|amp);/g, (_, name) => ({ lt: '<', gt: '>', amp: '&' })[name]);
}

/// Loads the WebVTT file at `src` (a path on the daemon) into a <track default
/// kind="captions"> of a <video> on a page of the daemon's origin, so Chromium's own WebVTT
/// parser reads it; the cues it parsed, or throws on the track's error event.
async function cues_in_chromium(d, src) {
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        page.setDefaultTimeout(long_wait);
        // A blank page of the daemon's origin (so the track is same-origin), without the CSP
        // of the daemon's own pages; the track itself is fetched from the daemon.
        const blank = d.url('/__export_test__');
        await page.route(blank, route => route.fulfill({
            contentType: 'text/html; charset=utf-8',
            body: '<!doctype html><html lang="en"><title>WebVTT check</title></html>',
        }));
        await page.goto(blank);
        const result = await page.evaluate(([url, timeout]) => new Promise(resolve => {
            const video = document.createElement('video');
            const track = document.createElement('track');
            track.kind = 'captions';
            track.srclang = 'en';
            track.default = true;
            track.src = url;
            const timer = setTimeout(
                () => resolve({ event: 'timeout', ready_state: track.readyState }), timeout);
            track.addEventListener('load', () => {
                clearTimeout(timer);
                resolve({
                    event: 'load',
                    ready_state: track.readyState,
                    cues: [...track.track.cues].map(c => ({
                        start: c.startTime,
                        end: c.endTime,
                        text: c.text,
                        shown: c.getCueAsHTML().textContent,
                    })),
                });
            });
            track.addEventListener('error', () => {
                clearTimeout(timer);
                resolve({ event: 'error', ready_state: track.readyState });
            });
            video.append(track);
            document.body.append(video);
        }), [src, long_wait]);
        assert.equal(result.event, 'load',
                     `Chromium could not load ${src} as a text track: ${JSON.stringify(result)}`);
        assert.equal(result.ready_state, 2, 'the track is LOADED (readyState 2)');
        return result.cues;
    } finally {
        await context.close();
    }
}

test('archive: report.json matches the schema, captions.vtt parses in Chromium, and archive ' +
         'export gives the same bytes as the HTTP API',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        const replay = d.replay(dccg_transcript, 'dccg', 'max');
        assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
        const archived = await poll('the replayed meeting in the archive', async () =>
            (await d.get_json('/api/archive')).sessions?.find(s => s.session === 'dccg'));
        assert.equal(archived.end_reason, 'closed by the caption source');
        const archive = archived.archive;

        const fetched = {};
        for (const [file, type] of [['report.json', 'application/json'],
                                    ['captions.vtt', 'text/vtt; charset=utf-8']]) {
            const res = await fetch(d.url(`/api/archive/${archive}/${file}`));
            assert.equal(res.status, 200, `GET /api/archive/${archive}/${file}`);
            assert.equal(res.headers.get('content-type'), type, `${file}: Content-Type`);
            fetched[file] = Buffer.from(await res.arrayBuffer());
        }

        // The command line reads the same folder the HTTP API serves from.
        for (const [file, format] of [['report.json', 'json'], ['captions.vtt', 'vtt']]) {
            const exported = await minuted('archive', 'export', archive, '--format', format,
                                           '--state-dir', d.state_dir);
            assert.ok(exported.equals(fetched[file]),
                      `minuted archive export --format ${format} gives the bytes of ${file}`);
        }

        // report.json: one line of JSON, valid against the schema; the finished meeting.
        const report_text = fetched['report.json'].toString('utf8');
        assert.ok(report_text.endsWith('}\n') && !report_text.slice(0, -1).includes('\n'),
                  'report.json is one line and a newline');
        const report = JSON.parse(report_text);
        check_report(report, 'the archived report.json');
        assert.equal(report.ended, true);
        assert.equal(report.title, dccg_labels.meeting.title);
        // What the live API still serves for the ended session is the same report.
        assert.deepEqual(await d.get_json('/api/sessions/dccg/report.json'), report);
        // And the archive summarises the same captions as `minuted summarise` does.
        const summarised = await minuted('summarise', dccg_transcript, '--format', 'json');
        assert.deepEqual(JSON.parse(summarised), report,
                         'the archived report equals minuted summarise of the transcript');

        // captions.vtt, read independently of any browser, then by Chromium's parser.
        const vtt = fetched['captions.vtt'].toString('utf8');
        const cues = parse_vtt_structure(vtt);
        const timing_lines = vtt.split('\n').filter(line => line.includes('-->')).length;
        assert.equal(cues.length, timing_lines);
        assert.ok(cues.length > 0, 'the meeting has captions');
        for (const [i, c] of cues.entries()) {
            assert.ok(c.start <= c.end, `cue ${i} of the file: ends before it starts`);
            assert.ok(i === 0 || c.start >= cues[i - 1].start,
                      `cue ${i} of the file: starts before cue ${i - 1}`);
        }

        const parsed = await cues_in_chromium(d, `/api/archive/${archive}/captions.vtt`);
        assert.equal(parsed.length, timing_lines,
                     'Chromium parsed every cue of the file (one per "-->" line)');
        // A TextTrackCueList is in "text track cue order" (HTML): by start time, then the one
        // that ends later first, then file order; so is the file's list here, to compare them.
        const in_cue_order = cues.map((c, i) => ({ ...c, i }))
            .sort((a, b) => a.start - b.start || b.end - a.end || a.i - b.i);
        let start = 0;
        for (const [i, c] of parsed.entries()) {
            assert.ok(c.start <= c.end, `cue ${i}: start ${c.start} <= end ${c.end}`);
            assert.ok(c.start >= start, `cue ${i}: starts at ${c.start}, before ${start}`);
            start = c.start;
            assert.ok(c.text.trim() !== '' && c.shown.trim() !== '', `cue ${i}: has text`);
            // Both readings of the file agree.
            const f = in_cue_order[i];
            assert.ok(Math.abs(c.start - f.start) < 1e-6 && Math.abs(c.end - f.end) < 1e-6,
                      `cue ${i}: Chromium reads ${c.start} --> ${c.end}, the file says ${
                          f.start} --> ${f.end} (cue ${f.i} of the file)`);
            assert.equal(c.shown, unescape_vtt(f.text), `cue ${i}: the text shown`);
        }
        // Everyone who said something is voiced in the captions under their readable name.
        const voices = new Set(cues.map(c => unescape_vtt(c.voice)));
        for (const p of report.participants.filter(p => p.words > 0))
            assert.ok(voices.has(p.name), `${p.name} has a voice in the captions`);
    });
});

test('report.html prints in Chromium as paged minutes; the viewer links it and report.odt',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        const replay = d.replay(dccg_transcript, 'dccg', 'max');
        assert.equal(await replay.done, 0, `replay failed:\n${replay.output()}`);
        const archived = await poll('the replayed meeting in the archive', async () =>
            (await d.get_json('/api/archive')).sessions?.find(s => s.session === 'dccg'));
        const page = await open_page(browser, d.url(`/archive/${archived.archive}`));
        try {
            for (const [link, type] of [['html', 'text/html; charset=utf-8'],
                                        ['odt', 'application/vnd.oasis.opendocument.text']]) {
                const href = await page.locator(`a#download-${link}`).getAttribute('href');
                assert.equal(href, `/api/archive/${archived.archive}/report.${link}`);
                const res = await fetch(d.url(href));
                assert.equal(res.status, 200, `${href} answers`);
                assert.equal(res.headers.get('content-type'), type, `${href}: Content-Type`);
                assert.match(res.headers.get('content-disposition'),
                             new RegExp(`^attachment; filename="[A-Za-z0-9-]+\\.${link}"$`));
            }
            const html = await (await fetch(d.url(`/api/archive/${archived.archive}/report.html`)))
                .text();
            // Printed as a reader would: the document alone, scripts off.
            const context = await browser.newContext({ javaScriptEnabled: false });
            const doc = await context.newPage();
            await doc.setContent(html);
            assert.equal(await doc.locator('h1').textContent(), dccg_labels.meeting.title);
            assert.ok(await doc.locator('h2').count() >= 3, 'numbered agenda items and people');
            mkdirSync(artifacts, { recursive: true });
            await doc.emulateMedia({ media: 'print' });
            await doc.screenshot({ path: path.join(artifacts, 'report-print.png'), fullPage: true });
            const pdf = await doc.pdf({ preferCSSPageSize: true });
            writeFileSync(path.join(artifacts, 'report.pdf'), pdf);
            assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
            const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
            assert.ok(pages >= 2, `the minutes print on ${pages} A4 pages`);
            await context.close();
        } finally {
            await page.context().close();
        }
    });
});

test('live: report.json of a meeting still going on matches the schema',
     { timeout: test_timeout }, async t => {
    await with_daemon(t, async d => {
        await d.post_captions('live', '>> CHAIR PERSON: Good morning, the agenda is adopted.\n' +
                                      '>> Roman Chukov: I will send the minutes by Friday.\n' +
                                      '>> CHAIR PERSON: Thank you, Roman.\n\n');
        const report = await d.get_json('/api/sessions/live/report.json');
        check_report(report, 'a live report.json');
        assert.equal(report.ended, false);
        assert.ok(report.participants.length >= 2, JSON.stringify(report.participants));
    });
});

test('summarise --format json: every transcript in tests/data matches the schema',
     { timeout: test_timeout }, async () => {
    const transcripts = readdirSync(test_data).filter(f => f.endsWith('.raw.txt')).sort();
    assert.ok(transcripts.length >= 2, `transcripts in ${test_data}: ${transcripts}`);
    for (const file of transcripts) {
        const out = await minuted('summarise', path.join(test_data, file), '--format', 'json');
        const report = JSON.parse(out.toString('utf8'));
        check_report(report, `minuted summarise ${file}`);
        assert.equal(report.ended, true, `${file}: a summarised file is a finished meeting`);
        assert.ok(report.agenda.every(item => !('known_index' in item)),
                  `${file}: known_index only with a known agenda`);
    }

    // With a known agenda, items carry known_index.
    const dir = mkdtempSync(path.join(tmpdir(), 'minuted-export-'));
    try {
        const agenda = path.join(dir, 'agenda.txt');
        writeFileSync(agenda, dccg_labels.agenda.map(a => `${a.n}. ${a.title}\n`).join(''));
        const out = await minuted('summarise', dccg_transcript, '--format', 'json', '--agenda',
                                  agenda);
        const report = JSON.parse(out.toString('utf8'));
        check_report(report, 'minuted summarise --agenda');
        assert.ok(report.agenda.some(item => 'known_index' in item),
                  `known_index with --agenda: ${JSON.stringify(report.agenda.map(a => a.title))}`);
        for (const item of report.agenda.filter(item => 'known_index' in item))
            assert.equal(item.title, dccg_labels.agenda[item.known_index].title,
                         `item ${item.n} takes the title of known item ${item.known_index}`);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
