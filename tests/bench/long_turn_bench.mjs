// One speaker talking for a long time: what a viewer is sent and what the daemon holds.
//
// Writes a monologue (a first line ">> SPEAKER NAME: ", then --lines lines of ordinary prose,
// about 97 bytes each: 3,000 lines are about 293 KB), starts `minuted serve` on a free loopback
// port with a fresh state directory, opens the session, connects one viewer to /live/mono that
// counts every byte it receives, and plays the file into the daemon with
// `minuted replay FILE --to ws://.../ingest/mono --speed max --keep-open` (a word a frame, as a
// stenographer types). Once the viewer holds the daemon's last rev it reads the daemon's
// /proc/PID/status (VmHWM: peak RSS; VmRSS), then stops the daemon (SIGTERM) and starts it
// again on the same state directory, timing how long the rebuild of the live session from its
// journal takes before the daemon listens, and ends the session to read VmRSS after the end.
// Prints Markdown; it measures and never fails on the numbers.
//
// usage: node --experimental-websocket tests/bench/long_turn_bench.mjs [--daemon PATH]
//            [--lines N] [--frames word|line] [--keep FILE]
//   --frames word (the default) plays the file with `minuted replay ... --speed max`, a word a
//   frame; --frames line sends it a line a frame from this script, as a feed of whole lines.
//   (Node 20 needs --experimental-websocket for its built-in WebSocket client; Node 22 does not)

import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const daemonPath = option('--daemon', join(root, 'build', 'daemon', 'minuted'));
const lines = Number(option('--lines', 3000));
const keep = option('--keep', '');
const frames = option('--frames', 'word'); // word: minuted replay; line: a frame a line

// Ordinary prose from a fixed vocabulary and a fixed seed: the same file every run.
function monologue(n) {
  const vocabulary = (
    'the a we our this that it is are was have has will would should could can may must of to ' +
    'in on for with from by about into over after before between under meeting committee ' +
    'report budget proposal members council policy review process working group document ' +
    'question answer support concern issue point time year week session draft text paragraph ' +
    'agreement discussion community network access rights internet governance forum people ' +
    'country region national international public private sector experience example result ' +
    'important clear possible necessary different similar further next first second last ' +
    'think believe know see say mean want need take make give look find consider suggest ' +
    'agree understand explain continue propose discuss prepare present share develop improve'
  ).split(' ');
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out = ['>> SPEAKER NAME: '];
  let sentence = 0;
  for (let i = 0; i < n; i++) {
    let line = '';
    while (line.length < 94) {
      let w = vocabulary[Math.floor(random() * vocabulary.length)];
      if (sentence === 0)
        w = w[0].toUpperCase() + w.slice(1);
      line += (line ? ' ' : '') + w;
      sentence++;
      if (sentence > 8 && random() < 0.12) {
        line += '.';
        sentence = 0;
      } else if (sentence > 4 && random() < 0.05) {
        line += ',';
      }
    }
    out.push(line);
  }
  return out.join('\n') + '\n';
}

// A viewer on a bare TCP socket: it counts the bytes of each frame and reads only the head of
// a message (its type and rev lead it), so it keeps up with a daemon sending hundreds of
// megabytes (a viewer that falls behind is skipped ahead to a snapshot, or closed with 4008,
// and is sent less than one that keeps up). It answers pings, as a browser does.
function watch(port, target) {
  const v = {bytes: 0, wire: 0, messages: 0, snapshots: 0, largest: 0, rev: 0, closed: null};
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\n\r\n'));
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', chunk => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0)
          return;
        if (!/^HTTP\/1\.1 101/.test(buffer.subarray(0, end).toString()))
          return reject(new Error(buffer.subarray(0, end).toString()));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve(v);
      }
      for (;;) {
        if (buffer.length < 2)
          return;
        const opcode = buffer[0] & 0x0f;
        let n = buffer[1] & 0x7f, at = 2;
        if (n === 126) {
          if (buffer.length < 4)
            return;
          n = buffer.readUInt16BE(2);
          at = 4;
        } else if (n === 127) {
          if (buffer.length < 10)
            return;
          n = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + n)
          return;
        const payload = buffer.subarray(at, at + n);
        buffer = buffer.subarray(at + n);
        if (opcode === 0x9) { // ping: a masked pong with the same payload (mask 0)
          socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]),
                                      payload]));
          continue;
        }
        if (opcode === 0x8) {
          v.closed = `${payload.length >= 2 ? payload.readUInt16BE(0) : ''} ${
            payload.subarray(2).toString()}`;
          socket.end();
          return;
        }
        v.bytes += n;
        v.wire += at + n;
        v.messages++;
        v.largest = Math.max(v.largest, n);
        const head = /"type":"(\w+)","(?:session":"[^"]*","rev|rev)":(\d+)/.exec(
          payload.subarray(0, 200).toString());
        if (head) {
          v.rev = Number(head[2]);
          v.snapshots += head[1] === 'snapshot' ? 1 : 0;
        }
      }
    });
    socket.on('error', reject);
    v.close = () => socket.destroy();
  });
}

// A source that sends each line as one text frame, as a CART feed that sends whole lines does,
// up to 1024 frames ahead of the acks.
async function sendLines(port, session, text) {
  const lines = text.split('\n').map(l => l + '\n');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ingest/${session}`);
  await new Promise((resolve, reject) => {
    let seq = 0, acked = 0;
    const fill = () => {
      while (seq < lines.length && seq - acked < 1024) {
        seq++;
        ws.send(JSON.stringify({type: 'text', seq, text: lines[seq - 1]}));
      }
    };
    ws.onopen = () => ws.send(JSON.stringify({type: 'open', title: 'Monologue'}));
    ws.onmessage = e => {
      const m = JSON.parse(e.data);
      if (m.type === 'ack')
        acked = m.seq;
      else if (m.type !== 'welcome')
        return reject(new Error(e.data));
      if (acked === lines.length)
        return resolve();
      fill();
    };
    ws.onerror = reject;
  });
  ws.close();
}

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = key => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)[1]);
  return {hwm: kib('VmHWM'), rss: kib('VmRSS')};
}

async function poll(what, probe, timeout = 600_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await probe();
    if (v)
      return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

function serve(stateDir, port) {
  const child = spawn(daemonPath, ['serve', '--listen', `127.0.0.1:${port}`, '--state-dir', stateDir],
                      {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  child.stdout.on('data', c => { log += c; });
  child.stderr.on('data', c => { log += c; });
  child.log = () => log;
  child.exited = new Promise(resolve => child.on('exit', code => resolve(code)));
  const started = performance.now();
  child.listening = poll('the daemon to listen', () => {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
    return m && {port: Number(m[1]), seconds: (performance.now() - started) / 1000};
  });
  return child;
}

function run(command, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', c => { out += c; });
    child.stderr.on('data', c => { out += c; });
    child.on('exit', code => code === 0 ? resolve(out) : reject(new Error(`${argv[0]}: ${code}\n${out}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'minuted-long-turn-'));
const stateDir = join(dir, 'state');
const file = keep || join(dir, 'monologue.txt');
const text = monologue(lines);
writeFileSync(file, text);

let daemon = serve(stateDir, 0);
try {
  const {port} = await daemon.listening;
  const base = `http://127.0.0.1:${port}`;

  // Open the session first, so the viewer is there from its first caption.
  const source = new WebSocket(`ws://127.0.0.1:${port}/ingest/mono`);
  await new Promise((resolve, reject) => {
    source.onopen = () => source.send(JSON.stringify({type: 'open', title: 'Monologue'}));
    source.onmessage = resolve;
    source.onerror = reject;
  });
  source.close();

  const viewer = await watch(port, '/live/mono');
  const began = performance.now();
  if (frames === 'word')
    await run(daemonPath, ['replay', file, '--to', `ws://127.0.0.1:${port}/ingest/mono`, '--speed',
                           'max', '--keep-open', '--title', 'Monologue']);
  else
    await sendLines(port, 'mono', text);
  const replaySeconds = (performance.now() - began) / 1000;
  const finalRev = (await (await fetch(`${base}/api/sessions/mono`)).json()).rev;
  await poll(`the viewer to reach rev ${finalRev}`, () => viewer.rev >= finalRev || viewer.closed);
  const live = status(daemon.pid);
  viewer.close();

  // A restart rebuilds the live session from its journal before the daemon listens.
  daemon.kill('SIGTERM');
  await daemon.exited;
  daemon = serve(stateDir, port);
  const {seconds: rebuildSeconds} = await daemon.listening;
  const rebuilt = status(daemon.pid);
  const end = await fetch(`${base}/api/sessions/mono/end`, {method: 'POST'});
  if (!end.ok)
    throw new Error(`end: ${end.status}`);
  await poll('the session to be archived', async () => {
    const list = await (await fetch(`${base}/api/sessions`)).json();
    return list.sessions.some(s => s.id === 'mono' && !s.live);
  });
  const ended = status(daemon.pid);

  const mib = kib => (kib / 1024).toFixed(1);
  console.log(`### One ${lines.toLocaleString('en')}-line turn (${
    Buffer.byteLength(text).toLocaleString('en')} bytes), ${
    frames === 'word' ? 'replayed a word a frame' : 'sent a line a frame'}\n`);
  console.log('| measure | value |');
  console.log('|---|--:|');
  console.log(`| replay at --speed max | ${replaySeconds.toFixed(1)} s |`);
  console.log(`| messages to the viewer; of them snapshots | ${
    viewer.messages.toLocaleString('en')}; ${viewer.snapshots} |`);
  console.log(`| the viewer reached the last rev (${finalRev}) | ${
    viewer.rev >= finalRev ? 'yes' : `no: rev ${viewer.rev}, closed ${viewer.closed}`} |`);
  console.log(`| bytes to the viewer: JSON / on the wire | ${viewer.bytes.toLocaleString('en')} / ${
    viewer.wire.toLocaleString('en')} |`);
  console.log(`| largest message | ${viewer.largest.toLocaleString('en')} bytes |`);
  console.log(`| daemon peak RSS (VmHWM) after the replay; RSS then | ${mib(live.hwm)} MiB; ${
    mib(live.rss)} MiB |`);
  console.log(`| restart: start to listening (the journal rebuilt) | ${rebuildSeconds.toFixed(2)} s |`);
  console.log(`| restarted daemon: peak RSS; RSS after the session ended | ${mib(rebuilt.hwm)} MiB; ${
    mib(ended.rss)} MiB |`);
} catch (e) {
  console.error(e.stack || e);
  console.error(daemon.log());
  process.exitCode = 1;
} finally {
  daemon.kill('SIGTERM');
  await daemon.exited;
  rmSync(dir, {recursive: true, force: true});
}
