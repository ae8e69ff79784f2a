// A broadcast server on the npm ws package, one of the peers minuted's fan-out is measured
// against. Loopback only.
//
//   GET  /sub/{channel}  WebSocket upgrade: receives every message published to the channel
//   POST /pub/{channel}  HTTP/1.1, keep-alive: the body goes to every subscriber of the channel,
//                        answered 200 with {"subscribers":N} once it is queued to all of them
//
// Each broadcast is one Buffer handed to every subscriber's send(), as a text frame: ws frames
// it per socket, but the payload is neither copied nor encoded again. perMessageDeflate is off.
// Prints `listening on 127.0.0.1:PORT` once it accepts; exits 0 on SIGTERM or SIGINT.
//
// usage: node ws-broadcast.mjs [--port N]   (default 0: a free port)

import http from 'node:http';
import process from 'node:process';

import { WebSocketServer } from 'ws';

const usage = 'usage: node ws-broadcast.mjs [--port N]';
let port = 0;
for (let i = 2; i < process.argv.length; ++i) {
    if (process.argv[i] === '--port' && i + 1 < process.argv.length) {
        port = Number(process.argv[++i]);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
            console.error(usage);
            process.exit(64);
        }
    } else {
        console.error(usage);
        process.exit(64);
    }
}

const channelPath = /^\/(pub|sub)\/(\w+)$/;
/** Subscribers by channel name; a channel is dropped with its last subscriber. */
const channels = new Map();

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

const server = http.createServer((req, res) => {
    const m = channelPath.exec(req.url);
    if (req.method !== 'POST' || !m || m[1] !== 'pub') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        req.resume();
        return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
        const message = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        const subscribers = channels.get(m[2]);
        let sent = 0;
        if (subscribers) {
            for (const ws of subscribers) {
                ws.send(message, { binary: false });
                ++sent;
            }
        }
        const body = `{"subscribers":${sent}}`;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
    });
});
// A publisher keeps its connection between messages however slowly it publishes.
server.keepAliveTimeout = 0;
server.requestTimeout = 0;

server.on('upgrade', (req, socket, head) => {
    const m = channelPath.exec(req.url);
    if (!m || m[1] !== 'sub') {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
        const name = m[2];
        let subscribers = channels.get(name);
        if (!subscribers) {
            subscribers = new Set();
            channels.set(name, subscribers);
        }
        subscribers.add(ws);
        ws.on('error', () => ws.terminate());
        ws.on('close', () => {
            subscribers.delete(ws);
            if (subscribers.size === 0 && channels.get(name) === subscribers)
                channels.delete(name);
        });
    });
});

// A large listen backlog: the load client opens thousands of subscribers at once.
server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
    console.log(`listening on 127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'])
    process.on(signal, () => process.exit(0));
