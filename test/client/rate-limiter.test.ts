import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, type RatePressureEvent } from '../../src/client/rate-limiter.js';
import type { RateRule } from '../../src/protocol/endpoints.js';
import { ManualClock } from '../../src/util/clock.js';
import { parseIsoTimestamp } from '../../src/protocol/sign.js';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient, manualSleep } from './helpers.js';

const rule: RateRule = { limit: 5, windowMs: 2000, scope: 'ip', countBy: 'request' };

test('a burst over the rule waits for capacity: none rejected, order kept (FIFO)', async () => {
  const clock = new ManualClock(0);
  const sleep = manualSleep(clock);
  const limiter = new RateLimiter({ clock, sleep });
  const grantedAt: Array<[number, number]> = [];
  await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const w = limiter.acquire('k', rule);
      if (w) await w;
      grantedAt.push([i, clock.now()]);
    }),
  );
  assert.deepEqual(
    grantedAt.map(([i]) => i),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.deepEqual(
    grantedAt.map(([, at]) => at),
    [0, 0, 0, 0, 0, 2000, 2000, 2000, 2000, 2000, 4000, 4000],
  );
});

test('the window slides: capacity frees as each grant ages out', async () => {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ clock, sleep: manualSleep(clock) });
  for (let i = 0; i < 5; i++) {
    clock.set(i * 300);
    assert.equal(limiter.acquire('k', rule), undefined);
  }
  clock.set(1500);
  const w = limiter.acquire('k', rule);
  assert.ok(w, 'sixth within the window waits');
  await w;
  assert.equal(clock.now(), 2000, 'granted when the first grant (t=0) leaves the window');
  assert.equal(limiter.used('k'), 5);
});

test('units: a batch of n orders takes n units', async () => {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ clock, sleep: manualSleep(clock) });
  const batch: RateRule = { limit: 300, windowMs: 2000, scope: 'user+instId', countBy: 'orders' };
  for (let i = 0; i < 15; i++) assert.equal(limiter.acquire('b', batch, 20), undefined);
  assert.equal(limiter.used('b'), 300);
  const w = limiter.acquire('b', batch, 20);
  assert.ok(w);
  await w;
  assert.equal(clock.now(), 2000);
});

test('pressure warning above 80%, once per window', () => {
  const clock = new ManualClock(0);
  const events: RatePressureEvent[] = [];
  const limiter = new RateLimiter({ clock, sleep: manualSleep(clock), onPressure: (e) => events.push(e) });
  const r10: RateRule = { limit: 10, windowMs: 1000, scope: 'user', countBy: 'request' };
  // grants are taken synchronously; the pressure event is what this test reads, not the grants
  for (let i = 0; i < 8; i++) void limiter.acquire('p', r10, 1, 'GET /x');
  assert.equal(events.length, 0, '8/10 is not above 80%');
  void limiter.acquire('p', r10, 1, 'GET /x');
  void limiter.acquire('p', r10, 1, 'GET /x');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], { endpoint: 'GET /x', key: 'p', used: 9, limit: 10 });
});

/**
 * A server that enforces OKX's limits and answers 429 50011 when exceeded. It counts each request at
 * its signed OK-ACCESS-TIMESTAMP (the client's virtual time at sending), so virtual time jumping
 * while a request is in flight cannot skew the count.
 */
async function limitedServer(
  t: any,
  clock: ManualClock,
  limit: number,
  windowMs: number,
  countOrders: boolean,
) {
  const okx = await startFakeOkx(t, { clock });
  const log = new Map<string, number[]>();
  let rejected = 0;
  okx.handle((r) => {
    const items: Array<{ instId?: string }> =
      r.method === 'POST' ? [JSON.parse(r.body)].flat() : [{ instId: r.query.get('instId') ?? '' }];
    const groups = new Map<string, number>();
    for (const it of items)
      groups.set(it.instId ?? '', (groups.get(it.instId ?? '') ?? 0) + (countOrders ? 1 : 0));
    for (const [inst, n] of groups) {
      const key = `${r.path}|${inst}`;
      const at = parseIsoTimestamp(String(r.headers['ok-access-timestamp']))!;
      const times = log.get(key) ?? [];
      // requests may arrive out of order over parallel connections: judge each by its own window
      const inWindow = times.filter((x) => x > at - windowMs && x <= at).length;
      const units = countOrders ? n : 1;
      if (inWindow + units > limit) {
        rejected++;
        return { status: 429, body: { msg: 'Too Many Requests', code: '50011' } };
      }
      for (let i = 0; i < units; i++) times.push(at);
      log.set(key, times);
    }
    if (r.path === '/api/v5/account/balance') return ok([{ totalEq: '1', uTime: '1', details: [] }]);
    return ok(
      items.map((_, i) => ({ ordId: String(i), clOrdId: '', tag: '', ts: '1', sCode: '0', sMsg: '' })),
    );
  });
  return { okx, rejected: () => rejected };
}

test('client: a burst of 25 balance calls (rule 10 / 2 s, user) waits instead of earning 50011', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const sleep = manualSleep(clock);
  const { okx, rejected } = await limitedServer(t, clock, 10, 2000, false);
  const pressure: RatePressureEvent[] = [];
  const client = makeClient(okx.url, {
    clock,
    sleep,
    retry: { maxRetries: 0 },
    onRateLimitPressure: (e) => pressure.push(e),
  });
  t.after(() => client.close());
  const results = await Promise.all(Array.from({ length: 25 }, () => client.account.balance()));
  assert.equal(results.length, 25);
  assert.equal(rejected(), 0);
  assert.equal(okx.count('/api/v5/account/balance'), 25);
  assert.ok(clock.now() - 1_700_000_000_000 >= 4000, 'the third group of 10 had to wait two windows');
  assert.ok(pressure.length >= 1);
  assert.equal(pressure[0]!.endpoint, 'GET /api/v5/account/balance');
});

test('client: batch orders count orders per instId (300 / 2 s)', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const sleep = manualSleep(clock);
  const { okx, rejected } = await limitedServer(t, clock, 300, 2000, true);
  const client = makeClient(okx.url, { clock, sleep, retry: { maxRetries: 0 } });
  t.after(() => client.close());
  const o = (instId: string) =>
    ({ instId, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1', sz: '1' }) as const;
  const btc20 = Array.from({ length: 20 }, () => o('BTC-USDT'));
  // 15 batches x 20 = 300 BTC orders fill the window without waiting
  for (let i = 0; i < 15; i++) await client.trade.batchOrders(btc20);
  assert.equal(clock.now(), 1_700_000_000_000);
  // ETH orders count under their own instId: no wait
  await client.trade.batchOrders(Array.from({ length: 20 }, () => o('ETH-USDT')));
  assert.equal(clock.now(), 1_700_000_000_000);
  // the 16th BTC batch must wait for the window
  await client.trade.batchOrders(btc20);
  assert.ok(clock.now() >= 1_700_000_002_000);
  assert.equal(rejected(), 0);
});
