import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxApiError } from '../../src/client/errors.js';
import { openRedisLimiter, type LimiterMode } from '../../src/cluster/redis-limiter.js';
import { withRedis } from '../helpers/redis.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

// Two "processes" (each its own client, limiter and Redis connections) on one key place orders on
// one instrument as fast as the shared limiter lets them (trade.order: 60 per 2 s per user and
// instrument). Redis is killed mid-run and started again empty. The local exchange counts by the
// same rule and answers 50011 to anything over it.
test('Redis killed mid-run: no order lost, nothing over the rule (fail closed, then the local share, then Redis again)', async (t) => {
  const redis = await withRedis(t);
  const sim = await withSim(t);
  const creds = sim.credentials('trade');
  const seen = new Set<string>();
  const off = sim.engine.onOrder((_acct, o) => {
    if (o.instId === 'BTC-USDT' && o.ordId) seen.add(o.ordId);
  });
  t.after(off);
  const procs = [0, 1].map(() => {
    const modes: LimiterMode[] = [];
    const limiter = openRedisLimiter(redis.url, {
      processes: 2,
      failoverMs: 500,
      onMode: (m) => modes.push(m),
    });
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: creds,
      limiter,
      retry: { maxRetries: 0 },
    });
    return {
      limiter,
      client,
      modes,
      placed: [] as string[],
      byMode: { redis: 0, waiting: 0, local: 0, stopped: 0 },
    };
  });
  t.after(async () => {
    for (const p of procs) {
      await p.client.close();
      await p.limiter.close();
    }
  });
  const errors: string[] = [];
  let stop = false;
  const loops = procs.flatMap((p) =>
    [0, 1, 2].map(async () => {
      while (!stop) {
        try {
          const r = await p.client.trade.placeOrder({
            instId: 'BTC-USDT',
            tdMode: 'cash',
            side: 'buy',
            ordType: 'post_only',
            px: '30000',
            sz: '0.00001',
          });
          p.placed.push(r.ordId);
          p.byMode[p.limiter.mode]++;
        } catch (err) {
          errors.push(err instanceof OkxApiError ? `${err.code} ${err.message}` : String(err));
          if (errors.length > 5) return;
        }
      }
    }),
  );
  const total = () => procs.reduce((a, p) => a + p.placed.length, 0);
  await until(() => total() >= 40 || errors.length > 0, 15_000, 'orders through Redis');
  await redis.kill();
  await until(
    () => procs.every((p) => p.byMode.local >= 5) || errors.length > 0,
    15_000,
    'orders on the local share',
  );
  await redis.restart();
  await until(
    () => procs.every((p) => p.limiter.mode === 'redis' && p.byMode.redis >= 50) || errors.length > 0,
    20_000,
    'orders through Redis again',
  );
  stop = true;
  await Promise.all(loops);
  assert.deepEqual(errors, [], 'no 50011, no failed order');
  for (const p of procs) assert.deepEqual(p.modes.slice(0, 3), ['waiting', 'local', 'redis']);
  const placed = procs.flatMap((p) => p.placed);
  assert.equal(new Set(placed).size, placed.length, 'each order placed once');
  for (const id of placed) assert.ok(seen.has(id), `order ${id} is on the exchange`);
  assert.equal(seen.size, placed.length, 'the exchange has no order the processes do not know of');
});
