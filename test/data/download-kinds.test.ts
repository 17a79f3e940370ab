import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkxClient } from '../../src/client/okx-client.js';
import { download } from '../../src/data/download.js';
import { openStore } from '../../src/data/store.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
/** Trades in pairs sharing a millisecond, one pair every 40 s: page edges fall inside a pair. */
const TRADES = Array.from({ length: 4320 }, (_, i) => ({
  instId: 'BTC-USDT-SWAP',
  tradeId: String(100_000 + i),
  px: String(90_000 + (i % 50)),
  sz: '1',
  side: i % 3 === 0 ? 'sell' : 'buy',
  ts: String(T0 + Math.floor(i / 2) * 40_000),
}));

/** A stand-in for OKX's history endpoints of a swap: mark-price candles, funding rates, trades. */
async function standIn(t: { after: (fn: () => Promise<void>) => void }) {
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const q = (k: string) => u.searchParams.get(k);
    const limit = Number(q('limit') ?? 100);
    let data: unknown[] = [];
    if (u.pathname === '/api/v5/market/history-mark-price-candles') {
      const after = Number(q('after'));
      for (let ts = Math.ceil(after / MIN) * MIN - MIN; ts >= T0 && data.length < limit; ts -= MIN) {
        const px = String(90_000 + (ts - T0) / MIN);
        data.push([String(ts), px, px, px, px, '1']);
      }
    } else if (u.pathname === '/api/v5/public/funding-rate-history') {
      const after = Number(q('after'));
      for (let ts = T0 + 2 * DAY; ts >= T0; ts -= 8 * 3_600_000) {
        if (ts < after && data.length < limit)
          data.push({
            instId: 'BTC-USDT-SWAP',
            instType: 'SWAP',
            fundingRate: String(ts / 1e17),
            realizedRate: '0.0001',
            fundingTime: String(ts),
            method: 'next_period',
          });
      }
    } else if (u.pathname === '/api/v5/market/history-trades') {
      const after = q('after')!;
      const older = TRADES.filter((tr) =>
        q('type') === '1' ? Number(tr.tradeId) < Number(after) : Number(tr.ts) < Number(after),
      );
      data = older.reverse().slice(0, limit);
    } else {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: '0', msg: '', data }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = new OkxClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-kinds-'));
  t.after(async () => {
    await client.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { client, dir };
}

test('mark-price candles, funding rates and trades page through their history endpoints into the store', async (t) => {
  const { client, dir } = await standIn(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  const r = await download({
    client,
    store,
    instIds: ['BTC-USDT-SWAP'],
    bar: '1m',
    kinds: ['mark-candles', 'funding', 'trades'],
    from: T0,
    to: T0 + DAY,
  });
  assert.deepEqual(
    r.series.map((s) => [s.series, s.rows, s.complete]),
    [
      ['mark-candles:BTC-USDT-SWAP:1m', 1440, true],
      ['funding:BTC-USDT-SWAP', 3, true],
      ['trades:BTC-USDT-SWAP', 4320, true],
    ],
  );
  const mk = await store.candles({ instId: 'BTC-USDT-SWAP', bar: '1m', kind: 'mark-candles' });
  assert.deepEqual(
    [mk.ts[0], mk.close[0], mk.ts[1439], mk.close[1439]],
    [T0, 90_000, T0 + 1439 * MIN, 91_439],
  );
  const f = await store.funding({ instId: 'BTC-USDT-SWAP' });
  assert.deepEqual([...f.ts], [T0, T0 + 8 * 3_600_000, T0 + 16 * 3_600_000]);
  const tr = await store.trades({ instId: 'BTC-USDT-SWAP' });
  // every trade once, the pairs split by a page edge included
  assert.deepEqual(
    tr.tradeId,
    TRADES.map((x) => x.tradeId),
  );
  assert.deepEqual([...tr.side.slice(0, 3)], [-1, 1, 1]);
  // 24 one-hour slices of 180 trades: two pages each
  assert.equal(r.series[2]!.requests, 48);
});
