import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { ValidationError } from '../../src/util/errors.js';
import { barMs } from '../../src/client/groups/market.js';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

const row = (ts: number) => [String(ts), '1', '2', '0.5', '1.5', '10', '15', '15', '1'];

test('candlesBetween pages with after = oldest ts, uses history-candles for old ranges, stops at from', async (t) => {
  const now = 1_699_999_980_000; // a whole minute
  const clock = new ManualClock(now);
  const okx = await startFakeOkx(t);
  const m = 60_000;
  // server: 1m candles at every minute up to now; honours after and limit, newest first
  okx.handle((r) => {
    const after = Number(r.query.get('after') ?? now + 1);
    const limit = Number(r.query.get('limit') ?? 100);
    const newest = Math.floor((after - 1) / m) * m;
    return ok(Array.from({ length: limit }, (_, i) => row(newest - i * m)));
  });
  const client = makeClient(okx.url, { clock });
  t.after(() => client.close());
  const to = now - 3000 * m; // older than 1,440 bars: history
  const from = to - 250 * m;
  const pages: number[][] = [];
  for await (const p of client.market.candlesBetween({
    instId: 'BTC-USDT',
    bar: '1m',
    from,
    to,
    limit: 100,
  })) {
    pages.push(p.map((k) => Number(k.ts)));
  }
  assert.deepEqual(
    pages.map((p) => p.length),
    [100, 100, 51],
  );
  assert.equal(pages[0]![0], to);
  assert.equal(pages.at(-1)!.at(-1), from);
  assert.ok(okx.requests.every((r) => r.path === '/api/v5/market/history-candles'));
  assert.deepEqual(
    okx.requests.map((r) => r.query.get('after')),
    [String(to + 1), String(to - 99 * m), String(to - 199 * m)],
  );
  assert.equal(
    okx.requests[0]!.url,
    `/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&after=${to + 1}&limit=100`,
  );
});

test('candlesBetween stops when a server ignores after (no progress) instead of looping', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([row(5_000_000), row(4_940_000)]));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  let n = 0;
  for await (const _ of client.market.candlesBetween({
    instId: 'BTC-USDT',
    bar: '1m',
    from: 0,
    to: 4_000_000,
    source: 'candles',
  }))
    n++;
  assert.equal(n, 0);
  assert.equal(okx.requests.length, 1);
});

test('bad market params are refused locally with the field named', async (t) => {
  const okx = await startFakeOkx(t);
  const client = makeClient(okx.url);
  t.after(() => client.close());
  await assert.rejects(
    client.market.ticker('BTC USDT'),
    (e: any) => e instanceof ValidationError && e.field === 'instId',
  );
  await assert.rejects(
    client.market.candles({ instId: 'BTC-USDT', bar: '7m' as any }),
    (e: any) => e.field === 'bar',
  );
  await assert.rejects(
    client.market.candles({ instId: 'BTC-USDT', limit: 301 }),
    (e: any) => e.field === 'limit',
  );
  await assert.rejects(client.market.books('BTC-USDT', 0), (e: any) => e.field === 'sz');
  await assert.rejects(
    client.trade.placeOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '1' }),
    (e: any) => e.field === 'order.px',
  );
  await assert.rejects(
    client.trade.placeOrder({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'market',
      sz: '1e-3',
    }),
    (e: any) => e.field === 'order.sz',
  );
  await assert.rejects(client.trade.cancelOrder({ instId: 'BTC-USDT' }), ValidationError);
  await assert.rejects(client.trade.cancelAllAfter({ timeOut: '5' }), (e: any) => e.field === 'timeOut');
  assert.equal(okx.requests.length, 0);
  assert.equal(barMs('1H'), 3_600_000);
  assert.equal(barMs('1Dutc'), 86_400_000);
});
