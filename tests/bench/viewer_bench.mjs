// The viewer through a 3-hour meeting: replays 27,000 words of captions (3 hours at
// 150 words per minute, the corpus transcripts repeated) at full speed into a real daemon
// while the session page is open in headless Chromium, then measures
//   - how long a new caption takes from being sent to being painted, 30 times: the page
//     itself POSTs the caption to /ingest and notes when its render (an animation-frame
//     callback, painted right after) puts the text in #captions, so both ends are read off
//     the same clock;
//   - the page's JS heap (Chromium's Performance.getMetrics, after a forced GC, and before);
//   - DOM nodes, and the time the page needed to catch up with the flood.
// Prints Markdown; it measures and never fails on the numbers.
//
// usage: node tests/bench/viewer_bench.mjs [--daemon PATH] [--words N]
//   (playwright-core from tests/web/node_modules: run tests/web/run once to install it)

import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createRequire} from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'tests', 'web', 'package.json'));
const {chromium} = require('playwright-core');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const daemonPath = option('--daemon', join(root, 'build-rel', 'daemon', 'minuted'));
const words = Number(option('--words', 27000));
const probes = 30;

// The corpus transcripts, concatenated and repeated up to `words` words, whole lines.
function longMeeting() {
  const dir = join(root, 'tests', 'data');
  const texts = readdirSync(dir).filter(f => f.endsWith('.raw.txt')).sort()
    .map(f => readFileSync(join(dir, f), 'utf8'));
  const out = [];
  let count = 0;
  while (count < words)
    for (const text of texts)
      for (const line of text.split('\n')) {
        if (count >= words)
          break;
        count += line.split(/\s+/).filter(Boolean).length;
        out.push(line);
      }
  return out.join('\n') + '\n';
}

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, {stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    p.stdout.on('data', d => output += d);
    p.stderr.on('data', d => output += d);
    p.on('error', reject);
    p.on('exit', code => code === 0 ? resolve(output) : reject(new Error(`${cmd} exited ${code}:\n${output}`)));
  });
}

function startDaemon(stateDir) {
  return new Promise((resolve, reject) => {
    const p = spawn(daemonPath, ['serve', '--listen', '127.0.0.1:0', '--state-dir', stateDir],
      {stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    const look = d => {
      output += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m)
        resolve({process: p, port: Number(m[1])});
    };
    p.stdout.on('data', look);
    p.stderr.on('data', look);
    p.on('exit', code => reject(new Error(`daemon exited ${code}:\n${output}`)));
  });
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const dir = mkdtempSync(join(tmpdir(), 'minuted-viewer-bench-'));
const daemon = await startDaemon(join(dir, 'state'));
const base = `http://127.0.0.1:${daemon.port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
try {
  const transcript = join(dir, 'three-hours.txt');
  writeFileSync(transcript, longMeeting());
  const page = await browser.newPage({viewport: {width: 1280, height: 800}});
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${base}/sessions/long`);

  const t0 = Date.now();
  await run(daemonPath, ['replay', transcript, '--to', `ws://127.0.0.1:${daemon.port}/ingest/long`,
    '--speed', 'max', '--keep-open', '--title', 'Three hours']);
  const replaySeconds = (Date.now() - t0) / 1000;
  const finalRev = (await (await fetch(`${base}/api/sessions/long`)).json()).rev;
  await page.waitForFunction(rev => Number(document.body.dataset.rev) >= rev, finalRev,
    {timeout: 600000, polling: 50});
  const caughtUpSeconds = (Date.now() - t0) / 1000;

  const latencies = [];
  for (let i = 0; i < probes; i++) {
    const seq = (await (await fetch(`${base}/ingest/long/seq`)).json()).seq;
    const marker = `probe${i}x${Date.now()}`;
    latencies.push(await page.evaluate(async ({seq, marker}) => {
      const captions = document.getElementById('captions');
      const painted = new Promise(resolve => {
        const observer = new MutationObserver(() => {
          if (!captions.textContent.includes(marker))
            return;
          observer.disconnect();
          // The page changes the DOM in an animation-frame callback, and this observer runs
          // at the end of it: the frame is painted right after.
          resolve(performance.now());
        });
        observer.observe(captions, {childList: true, subtree: true, characterData: true});
      });
      const start = performance.now();
      await fetch(`/ingest/long?seq=${seq + 1}`, {method: 'POST', body: `\n>> ${marker} `});
      return (await painted) - start;
    }, {seq, marker}));
  }

  const metric = async () => Object.fromEntries(
    (await cdp.send('Performance.getMetrics')).metrics.map(m => [m.name, m.value]));
  const before = await metric();
  await cdp.send('HeapProfiler.collectGarbage');
  const after = await metric();
  const state = await (await fetch(`${base}/api/sessions/long`)).json();
  const mb = b => (b / 1048576).toFixed(1);

  console.log(`### Viewer through a 3-hour meeting (${words.toLocaleString('en')} words)\n`);
  console.log(`${state.utterances.length} turns, ${state.agenda.length} agenda items, ` +
    `${state.participants.length} participants, rev ${state.rev}; replayed at full speed in ` +
    `${replaySeconds.toFixed(1)} s, page caught up after ${caughtUpSeconds.toFixed(1)} s.\n`);
  console.log('| measure | value | target |');
  console.log('|---|--:|---|');
  console.log(`| new caption sent → painted, p50 / p90 / max of ${probes} | ` +
    `${quantile(latencies, 0.5).toFixed(1)} / ${quantile(latencies, 0.9).toFixed(1)} / ` +
    `${Math.max(...latencies).toFixed(1)} ms | < 100 ms |`);
  console.log(`| JS heap used after GC (before GC) | ${mb(after.JSHeapUsedSize)} ` +
    `(${mb(before.JSHeapUsedSize)}) MB | < 100 MB |`);
  console.log(`| JS heap total | ${mb(after.JSHeapTotalSize)} MB | |`);
  console.log(`| DOM nodes | ${after.Nodes} | |`);
  console.log(`| script time over the run | ${after.ScriptDuration.toFixed(1)} s | |`);
  console.log(`| layout time over the run | ${after.LayoutDuration.toFixed(1)} s | |`);
} finally {
  await browser.close();
  daemon.process.kill('SIGTERM');
  rmSync(dir, {recursive: true, force: true});
}
