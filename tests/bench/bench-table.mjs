// Renders the JSON lines tests/bench/run-bench collects into Markdown tables: one table per
// scenario group, one row per cell and peer, each metric the median of that peer's runs of the
// cell (delivered / expected are summed over the runs instead, so any loss shows). "client
// CPU %" is the load client's share of its core over the measured window: near 100%, its own
// queueing is part of the latencies and the cell measures the client as much as the server.
// "publish lag p99 ms" is how late the client sent the messages against their schedule: when it
// comes close to the p99 latency, the client, not the server, is behind (and messages it never
// sent before the run ended count as not delivered).
// "other load %" is what every other process on the machine used meanwhile, in % of one core:
// run-bench checks the machine is idle before a run, this says whether it stayed so.
//
// A line is the load client's JSON line with run-bench's fields in front: group, cell (its
// number), run, and peer; or a cell run-bench skipped ({"group", "cell", "skipped": why, and the
// cell's channels, subscribers, rate_per_channel, payload_bytes}); or a run that failed
// ({"group", "cell", "peer", "failed": why, ...}).
//
// usage: node bench-table.mjs [FILE...]   (default: standard input)

import fs from 'node:fs';
import process from 'node:process';

const groups = {
    targets: "The issue's targets (512 B): 20,000, 50,000, 90,000 and 100,000 deliveries/s",
    matrix: 'Matrix: sessions x subscribers x rate per session x payload',
    stalled: '5% of the subscribers stalled (SIGSTOP) for the whole measured window',
    reconnecting: '2% of the subscribers reconnecting every second',
    'two-threads': 'minuted on 2 io threads, not pinned (the load client shares CPU 1 with it)',
};
const peerOrder = ['minuted', 'minuted-2t', 'nchan', 'node'];

// Several files (a --full run in sittings) make one table. /dev/stdin, not descriptor 0, which
// a pipe may hand over non-blocking (EAGAIN).
const files = process.argv.length > 2 ? process.argv.slice(2) : ['/dev/stdin'];
const text = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
const lines = text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));

const median = (values) => {
    const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0);
    if (v.length === 0) return null;
    v.sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const sum = (values) => values.reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
const fixed = (x, digits) => (x === null ? '?' : x.toFixed(digits));
const count = (x) => (x === null ? '?' : Math.round(x).toLocaleString('en-US'));

// Cells by group, in the order they ran; rows by peer within a cell.
const byGroup = new Map();
for (const line of lines) {
    if (!byGroup.has(line.group)) byGroup.set(line.group, new Map());
    const cells = byGroup.get(line.group);
    if (!cells.has(line.cell)) cells.set(line.cell, { skipped: null, peers: new Map(), params: line });
    const cell = cells.get(line.cell);
    if (line.skipped) {
        cell.skipped = line.skipped;
        continue;
    }
    const peer = line.label ?? line.peer;
    if (!cell.peers.has(peer)) cell.peers.set(peer, { runs: [], failed: [] });
    if (line.failed) cell.peers.get(peer).failed.push(line.failed);
    else cell.peers.get(peer).runs.push(line);
}

const out = [];
for (const [group, cells] of byGroup) {
    const stalled = group === 'stalled';
    const reconnecting = group === 'reconnecting';
    out.push(`### ${groups[group] ?? group}`, '');
    const head = [
        'peer', 'sessions', 'subscribers', 'msg/s per session', 'payload B', 'runs',
        'deliveries/s', 'delivered / expected', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms',
        'publish lag p99 ms',
        'server CPU µs per delivery', 'server RSS peak MiB', 'KiB per idle subscriber',
        'client CPU %', 'other load %',
    ];
    if (stalled)
        head.push('stalled: closed by the server at 5 s / at the end',
            'stalled, once continued: closed / ended / open', 'stalled: backlog msgs',
            'stalled: backlog MiB', 'server RSS at stall end MiB');
    if (reconnecting) head.push('reconnects done / failed');
    out.push(`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '--:').join('|')}|`);
    for (const [, cell] of cells) {
        const p = cell.params;
        const where = [p.channels, count(p.subscribers), p.rate_per_channel, p.payload_bytes];
        if (cell.skipped) {
            out.push(`| (all) | ${where.join(' | ')} | 0 | skipped: ${cell.skipped} |` +
                `${' |'.repeat(head.length - 7)}`);
            continue;
        }
        const peers = [...cell.peers.keys()].sort(
            (a, b) => (peerOrder.indexOf(a) + 1 || 99) - (peerOrder.indexOf(b) + 1 || 99));
        for (const peer of peers) {
            const { runs, failed } = cell.peers.get(peer);
            if (runs.length === 0) {
                out.push(`| ${peer} | ${where.join(' | ')} | 0 | failed: ${failed[0]} |` +
                    `${' |'.repeat(head.length - 7)}`);
                continue;
            }
            const m = (key) => median(runs.map((r) => r[key]));
            // Latencies of the runs that delivered something: a run with none has none.
            const timed = runs.filter((r) => r.delivered > 0);
            const t = (key) => median(timed.map((r) => r[key]));
            // Messages a subscriber got after a later one of its channel: not counted as delivered.
            const reordered = sum(runs.map((r) => r.reordered));
            const row = [
                peer, ...where,
                failed.length ? `${runs.length} (${failed.length} failed)` : `${runs.length}`,
                count(m('deliveries_per_s')),
                `${count(sum(runs.map((r) => r.delivered)))} / ${count(sum(runs.map((r) => r.expected)))}` +
                    (reordered ? ` (${count(reordered)} after a newer one)` : ''),
                fixed(t('p50_ms'), 2), fixed(t('p99_ms'), 2), fixed(t('p999_ms'), 2),
                fixed(t('max_ms'), 2), fixed(m('send_lag_p99_ms'), 2),
                fixed(m('server_cpu_s_per_1k') === null ? null : m('server_cpu_s_per_1k') * 1000, 1),
                fixed(m('server_vmhwm_kib') === null ? null : m('server_vmhwm_kib') / 1024, 1),
                fixed(m('idle_kib_per_subscriber'), 2),
                fixed(median(runs.map((r) => (100 * r.client_cpu_s) / r.window_s / r.client_threads)), 0),
                fixed(median(runs.map((r) => Math.max(0, (100 * r.others_cpu_s) / r.window_s))), 0),
            ];
            if (stalled) {
                const answered = runs.filter((r) => typeof r.stalled_open === 'number');
                const sm = (key) => median(answered.map((r) => r[key]));
                const closedBy = (key) => {
                    const open = median(runs.map((r) => r[key]));
                    return open === null ? '?' : count(median(runs.map((r) => r.stalled)) - open);
                };
                row.push(
                    `${closedBy('stalled_server_open_5s')} / ${closedBy('stalled_server_open_end')}`,
                    answered.length
                        ? `${count(sm('stalled_closed'))} / ${count(sm('stalled_ended'))} / ${count(sm('stalled_open'))}`
                        : '?',
                    count(sm('stalled_backlog_messages')),
                    fixed(sm('stalled_backlog_bytes') === null ? null : sm('stalled_backlog_bytes') / 1048576, 1),
                    fixed(m('server_vmrss_stall_end_kib') === null ? null : m('server_vmrss_stall_end_kib') / 1024, 1),
                );
            }
            if (reconnecting)
                row.push(`${count(m('reconnects'))} / ${count(m('reconnects_failed'))}`);
            out.push(`| ${row.join(' | ')} |`);
        }
    }
    out.push('');
}
process.stdout.write(out.join('\n'));
