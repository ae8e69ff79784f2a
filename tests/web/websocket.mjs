// A WebSocket client small enough to read (RFC 6455: text frames, close, ping), for tests that
// talk to the daemon's sockets without a browser. Node 20 has no WebSocket client of its own.

import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/// Opens ws://127.0.0.1:PORT/PATH. `messages` holds every text message received, in order;
/// `next()` waits for the one after those already taken; `closed` resolves to the close
/// frame's {code, reason}.
export function open_websocket(port, target, headers = {}) {
    return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let buffer = Buffer.alloc(0);
        let upgraded = false;
        const ws = {
            messages: [],
            taken: 0,
            waiting: [],
            send(text) { socket.write(frame(0x1, Buffer.from(text, 'utf8'))); },
            close() { socket.write(frame(0x8, Buffer.from([0x03, 0xe8]))); },
            next(timeout = 30_000) {
                if (ws.taken < ws.messages.length)
                    return Promise.resolve(ws.messages[ws.taken++]);
                return new Promise((ok, fail) => {
                    const timer = setTimeout(() => fail(new Error(`no message on ${target}`)),
                                             timeout);
                    ws.waiting.push(m => { clearTimeout(timer); ok(m); });
                });
            },
        };
        let on_close;
        ws.closed = new Promise(r => { on_close = r; });
        const receive = text => {
            ws.messages.push(text);
            if (ws.waiting.length) {
                ws.taken++;
                ws.waiting.shift()(text);
            }
        };
        socket.on('error', reject);
        socket.on('close', () => on_close({ code: 1006, reason: '' }));
        socket.on('data', chunk => {
            buffer = Buffer.concat([buffer, chunk]);
            if (!upgraded) {
                const end = buffer.indexOf('\r\n\r\n');
                if (end < 0)
                    return;
                const head = buffer.subarray(0, end).toString('latin1');
                buffer = buffer.subarray(end + 4);
                if (!/^HTTP\/1\.1 101 /.test(head)) {
                    socket.destroy();
                    return reject(new Error(`${target}: no upgrade: ${head.split('\r\n')[0]}`));
                }
                upgraded = true;
                resolve(ws);
            }
            for (;;) {
                const f = parse_frame(buffer);
                if (!f)
                    return;
                buffer = buffer.subarray(f.size);
                if (f.opcode === 0x1)
                    receive(f.payload.toString('utf8'));
                else if (f.opcode === 0x9)
                    socket.write(frame(0xa, f.payload));
                else if (f.opcode === 0x8) {
                    on_close({ code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005,
                               reason: f.payload.subarray(2).toString('utf8') });
                    socket.end();
                }
            }
        });
        const lines = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket',
                       'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
                       'Sec-WebSocket-Version: 13',
                       ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
        socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
}

// A client's frame: final, masked (RFC 6455 5.3).
function frame(opcode, payload) {
    const mask = randomBytes(4);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n])
        : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff])
            : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]),
                             (b => { b.writeBigUInt64BE(BigInt(n)); return b; })(Buffer.alloc(8))]);
    const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    return Buffer.concat([head, mask, body]);
}

// A server's frame at the start of `b` (unmasked, unfragmented), or null if it has not all come.
function parse_frame(b) {
    if (b.length < 2)
        return null;
    let n = b[1] & 0x7f;
    let at = 2;
    if (n === 126) {
        if (b.length < 4)
            return null;
        n = b.readUInt16BE(2);
        at = 4;
    } else if (n === 127) {
        if (b.length < 10)
            return null;
        n = Number(b.readBigUInt64BE(2));
        at = 10;
    }
    if (b.length < at + n)
        return null;
    return { opcode: b[0] & 0x0f, payload: b.subarray(at, at + n), size: at + n };
}
