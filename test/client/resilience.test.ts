import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxNetworkError, OkxTimeoutError, OkxRateLimitError } from '../../src/client/errors.js';
import { ManualClock } from '../../src/util/clock.js';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient, manualSleep } from './helpers.js';

const order = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '60000',
  sz: '0.001',
  clOrdId: 'c1',
} as const;
const ticker = {
  instType: 'SPOT',
  instId: 'BTC-USDT',
  last: '60000',
  askPx: '60001',
  bidPx: '59999',
  ts: '1597026383085',
};

test('a timed-out order POST is not resent: one request, ambiguous timeout error', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ({ hang: true }));
  const client = makeClient(okx.url, {
    timeoutMs: 150,
    retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 2 },
  });
  t.after(() => client.close());
  const started = Date.now();
  await assert.rejects(client.trade.placeOrder(order), (e: any) => {
    assert.ok(e instanceof OkxTimeoutError);
    assert.equal(e.ambiguous, true);
    assert.equal(e.retryable, false);
    assert.equal(e.endpoint, 'POST /api/v5/trade/order');
    assert.match(e.hint!, /clOrdId/);
    return true;
  });
  // The configured 150 ms applies, not undici's 300 s default (a wide margin: this is not a speed test).
  assert.ok(Date.now() - started < 5_000, `timed out after ${Date.now() - started} ms`);
  // A (wrong) resend would have been sent and waited for within the call: the server counted it
  // on arrival, before the call could give up on it.
  assert.equal(okx.count('/api/v5/trade/order'), 1);
});

test('an order POST whose connection breaks before the answer is not resent', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ({ destroy: true }));
  const client = makeClient(okx.url, { retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 2 } });
  t.after(() => client.close());
  await assert.rejects(client.trade.placeOrder(order), (e: any) => {
    assert.ok(e instanceof OkxNetworkError);
    assert.equal(e.ambiguous, true);
    return true;
  });
  // the server broke each connection it received: a resend was counted before the call failed
  assert.equal(okx.count('/api/v5/trade/order'), 1);
});

test('a GET is retried on 5xx and on a broken connection, then succeeds', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((_r, n) => {
    if (n === 1)
      return {
        status: 503,
        body: { code: '50001', msg: 'Service temporarily unavailable. Please try again later.' },
      };
    if (n === 2) return { status: 500, body: 'oops' };
    if (n === 3) return { destroy: true };
    return ok([ticker]);
  });
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const tk = await client.market.ticker('BTC-USDT');
  assert.equal(tk.last, '60000');
  assert.equal(okx.count('/api/v5/market/ticker'), 4);
});

test('a GET that times out is retried', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((_r, n) => (n === 1 ? { hang: true } : ok([ticker])));
  const client = makeClient(okx.url, { timeoutMs: 150 });
  t.after(() => client.close());
  const started = Date.now();
  assert.equal((await client.market.ticker('BTC-USDT')).instId, 'BTC-USDT');
  assert.ok(Date.now() - started < 5_000, `retried after ${Date.now() - started} ms`);
  assert.equal(okx.count('/api/v5/market/ticker'), 2);
});

test('HTTP 429 backs off with full jitter, then succeeds', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((_r, n) =>
    n <= 2 ? { status: 429, body: { msg: 'Too Many Requests', code: '50011' } } : ok([ticker]),
  );
  const clock = new ManualClock(Date.now());
  const sleep = manualSleep(clock);
  const client = makeClient(okx.url, {
    clock,
    sleep,
    random: () => 0.5,
    retry: { baseDelayMs: 200, maxDelayMs: 10_000 },
  });
  t.after(() => client.close());
  await client.market.ticker('BTC-USDT');
  assert.equal(okx.count('/api/v5/market/ticker'), 3);
  // attempt 0: U[0,200) -> 100; attempt 1: U[0,400) -> 200
  assert.deepEqual(sleep.slept, [100, 200]);
});

test('throttling that never ends gives up after maxRetries with OkxRateLimitError', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ({ status: 429, body: { msg: 'Too Many Requests', code: '50011' } }));
  const client = makeClient(okx.url, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  t.after(() => client.close());
  await assert.rejects(client.market.ticker('BTC-USDT'), OkxRateLimitError);
  assert.equal(okx.count('/api/v5/market/ticker'), 3);
});

test('connection refused on a POST: not sent, so not ambiguous, and not resent', async (t) => {
  const okx = await startFakeOkx(t);
  const url = okx.url;
  const client = makeClient(url.replace(/:\d+$/, ':1'));
  t.after(() => client.close());
  await assert.rejects(client.trade.placeOrder(order), (e: any) => {
    assert.ok(e instanceof OkxNetworkError);
    assert.equal(e.ambiguous, false);
    return true;
  });
});
