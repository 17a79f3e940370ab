// Issue 18 item 3: heartbeats that work under either rule. OKX closes a connection when no data
// has been pushed to the client for 30 s (4004); some servers count what the client sent. The
// local exchange follows OKX's rule, and the client pings when it has sent nothing for a while
// even while data keeps arriving, so it survives both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { WsConnection } from '../../src/ws/connection.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { attachWsServer } from '../../src/sim/ws/index.js';
import { withSim } from '../helpers/sim.js';
import { until } from './helpers/fake-okx.js';

const fast = { backoff: { baseMs: 1, maxMs: 5 }, connectLimiter: new ConnectLimiter(1000) };

test('the client pings after sendIdlePingMs without sending, though pushes keep arriving', async (t) => {
  // A server that pushes every 5 ms and counts the client's pings.
  const server = createServer();
  const wss = new WebSocketServer({ server });
  let pings = 0;
  wss.on('connection', (ws) => {
    const push = setInterval(() => ws.send(JSON.stringify({ arg: { channel: 'tickers' }, data: [] })), 5);
    ws.on('close', () => clearInterval(push));
    ws.on('message', (d: Buffer) => {
      if (d.toString() === 'ping') {
        pings++;
        ws.send('pong');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });
  const conn = new WsConnection({
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/v5/public`,
    endpoint: 'public',
    pingIntervalMs: 20_000, // the receive side never goes quiet here
    sendIdlePingMs: 60,
    ...fast,
  });
  t.after(() => conn.close());
  await conn.connect();
  await until(() => pings >= 3, 5_000, 'pings while receiving');
  assert.throws(
    () =>
      new WsConnection({ url: 'ws://127.0.0.1:1/ws/v5/public', endpoint: 'public', sendIdlePingMs: 30_000 }),
    RangeError,
  );
});

test('the local exchange keeps a connection that receives data and sends nothing, and closes a silent one with 4004', async (t) => {
  const sim = await withSim(t, {
    seed: 7,
    tickMs: 20,
    attachWs: (o) => attachWsServer({ ...o, idleTimeoutMs: 300 }),
  });
  const open = async () => {
    const ws = new WebSocket(sim.wsUrls.wsPublic);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    t.after(() => ws.terminate());
    return ws;
  };
  const closed = (ws: WebSocket) =>
    new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );

  // A: subscribes once, then only listens (no ping). Data keeps being pushed to it.
  const busy = await open();
  let busyClosed = false;
  void closed(busy).then(() => (busyClosed = true));
  const stamps: number[] = [];
  busy.on('message', () => stamps.push(Date.now()));
  busy.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] }));

  // B: sends nothing and is sent nothing.
  const silent = await open();
  const silentClose = await closed(silent);
  assert.deepEqual(silentClose, { code: 4004, reason: 'No data received in 30s' });

  // A outlives four idle windows of its own silence while pushes flow.
  await until(
    () => busyClosed || (stamps.length > 1 && stamps.at(-1)! - stamps[0]! > 1_200),
    10_000,
    'pushes',
  );
  assert.equal(busyClosed, false, 'a connection that is being pushed data stays open');
});
