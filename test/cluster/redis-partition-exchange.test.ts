import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxApiError } from '../../src/client/errors.js';
import { openRedisLimiter, type LimiterMode } from '../../src/cluster/redis-limiter.js';
import { cuttableProxy, withRedis } from '../helpers/redis.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

// One process (A) cut off from Redis while the others (B, C) still reach it: a network partition,
// made by a TCP proxy in front of A's connections only (Redis itself stays up).
const common = { blackoutCapMs: 0, failoverMs: 300, memberTtlMs: 200 };

// The same partition against the local exchange, which counts trade.order by the same rule (60 per
// 2 s per user and instrument) and answers 50011 to anything over it.
test('a process cut off from Redis, three processes placing orders on one key: the exchange answers no 50011', async (t) => {
  const redis = await withRedis(t);
  const proxy = await cuttableProxy(t, redis.port);
  const sim = await withSim(t);
  const creds = sim.credentials('trade');
  const procs = ['a', 'b', 'c'].map((who) => {
    const limiter = openRedisLimiter(who === 'a' ? proxy.url : redis.url, {
      ...common,
      processes: 3,
      offlineMs: 20_000,
    });
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: creds,
      limiter,
      retry: { maxRetries: 0 },
    });
    return { who, limiter, client, placed: [] as Array<{ at: number; mode: LimiterMode }> };
  });
  t.after(async () => {
    for (const p of procs) {
      await p.client.close();
      await p.limiter.close();
    }
  });
  const [a] = procs as [(typeof procs)[number]];
  const errors: string[] = [];
  let stop = false;
  const loops = procs.flatMap((p) =>
    [0, 1, 2].map(async () => {
      while (!stop && errors.length === 0) {
        try {
          await p.client.trade.placeOrder({
            instId: 'BTC-USDT',
            tdMode: 'cash',
            side: 'buy',
            ordType: 'post_only',
            px: '30000',
            sz: '0.00001',
          });
          p.placed.push({ at: Date.now(), mode: p.limiter.mode });
        } catch (err) {
          errors.push(err instanceof OkxApiError ? `${p.who}: ${err.code} ${err.message}` : String(err));
        }
      }
    }),
  );
  await until(() => a.placed.length >= 5 || errors.length > 0, 15_000, 'orders through Redis');
  proxy.cut();
  await until(
    () => a.placed.filter((o) => o.mode === 'local').length >= 15 || errors.length > 0,
    20_000,
    'A placing orders on its local share',
  );
  proxy.restore();
  await until(() => a.limiter.mode === 'redis' || errors.length > 0, 'A back on Redis');
  const back = a.placed.length;
  await until(
    () => a.placed.length >= back + 5 || errors.length > 0,
    15_000,
    'A placing through Redis again',
  );
  stop = true;
  await Promise.all(loops);
  assert.deepEqual(errors, [], 'no 50011');
  const others = procs.slice(1).reduce((n, p) => n + p.placed.length, 0);
  assert.ok(others > 60, `B and C placed ${others} orders meanwhile`);
});
