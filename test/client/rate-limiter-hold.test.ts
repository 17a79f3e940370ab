import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/client/rate-limiter.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { ManualClock } from '../../src/util/clock.js';
import type { RateRule } from '../../src/protocol/endpoints.js';
import { withSim } from '../helpers/sim.js';

const rule: RateRule = { limit: 2, windowMs: 1000, scope: 'user', countBy: 'request' };

test('holdUntilRelease: a grant counts until its response arrives, then for a whole window', async () => {
  const clock = new ManualClock(10_000);
  const slept: number[] = [];
  const limiter = new RateLimiter({
    clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    holdUntilRelease: true,
  });
  assert.equal(limiter.acquire('k', rule), undefined);
  assert.equal(limiter.acquire('k', rule), undefined);
  // Both requests are slow: a window passes with no response, so the exchange may not have counted them yet.
  clock.advance(1500);
  let granted = false;
  const third = limiter.acquire('k', rule)!.then(() => (granted = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(granted, false, 'no grant while both earlier requests are in flight');
  assert.deepEqual(slept, [], 'waits for a release, not on a timer');
  // The first response arrives at t = 11500: it counts until 12500; the second is still in flight.
  limiter.release('k');
  await third;
  assert.deepEqual(slept, [1000], 'then it sleeps until the released unit leaves the window');
  assert.equal(clock.now(), 12_500);
  assert.equal(limiter.used('k'), 2, 'the third grant plus the request still in flight');
});

test('a burst over a rule against the local exchange waits and earns no 50011', async (t) => {
  const sim = await withSim(t);
  let rejected = 0;
  sim.server.on('request', (_req, res) => res.on('finish', () => (res.statusCode === 429 ? rejected++ : 0)));
  // GET /account/bills: 5 per 1 s per user. No retries, so any 50011 would throw.
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    retry: { maxRetries: 0 },
  });
  t.after(() => client.close());
  const results = await Promise.allSettled(Array.from({ length: 16 }, () => client.account.bills()));
  assert.deepEqual(
    results.filter((r) => r.status === 'rejected'),
    [],
  );
  assert.equal(rejected, 0);
});
