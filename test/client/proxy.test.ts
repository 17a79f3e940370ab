import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

/** A minimal HTTP CONNECT proxy that records the targets it tunnels to. */
async function startProxy(t: any): Promise<{ url: string; targets: string[] }> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets };
}

test('proxy: signed requests go through the configured proxy, signature intact', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ccy: 'BTC', bal: '1', frozenBal: '0', availBal: '1' }]));
  const proxy = await startProxy(t);
  const client = makeClient(okx.url, { proxy: proxy.url });
  t.after(() => client.close());
  const r = await client.asset.balances('BTC');
  assert.equal(r[0]!.ccy, 'BTC');
  assert.equal(okx.requests[0]!.signed, true);
  assert.equal(okx.requests[0]!.url, '/api/v5/asset/balances?ccy=BTC');
  assert.deepEqual(proxy.targets, [new URL(okx.url).host]);
});
