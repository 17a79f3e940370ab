import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { openRedisLimiter, type LimiterMode } from '../../src/cluster/redis-limiter.js';
import type { RateRule } from '../../src/protocol/endpoints.js';
import { withRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const rule = (limit: number, windowMs: number): RateRule => ({
  limit,
  windowMs,
  scope: 'user',
  countBy: 'request',
});

async function serverClock(t: { after(fn: () => unknown): void }, url: string) {
  const probe = new Redis(url);
  t.after(() => probe.disconnect());
  return {
    probe,
    now: async () => {
      const [s, us] = await probe.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    },
  };
}

test('a grant is held until its response: past the window it still blocks the next one, then counts from the release', async (t) => {
  const redis = await withRedis(t);
  const { probe, now } = await serverClock(t, redis.url);
  const a = openRedisLimiter(redis.url, { blackoutCapMs: 0 });
  t.after(() => a.close());
  const r = rule(3, 150);
  for (let i = 0; i < 3; i++) await a.acquire('k', r);
  let fourth = false;
  const p = a.acquire('k', r).then(() => (fourth = true));
  const t0 = await now();
  // Three windows of Redis time pass with nothing released: the fourth stays queued.
  await until(async () => (await now()) > t0 + 3 * r.windowMs, 'three windows of server time');
  assert.equal(fourth, false);
  assert.equal(await probe.zcard('okxkit:rl:k:l'), 3, 'three leases in flight');
  a.release('k');
  // Released: it leaves the leases and counts in the window from its release, so the fourth
  // waits one more window.
  await until(async () => (await probe.zcard('okxkit:rl:k:r')) === 1, 'the release applied');
  const [, releasedAt] = await probe.zrange('okxkit:rl:k:r', 0, -1, 'WITHSCORES');
  assert.equal(fourth, false);
  await p;
  const grantedAt = await now();
  assert.ok(
    grantedAt >= Number(releasedAt) + r.windowMs,
    `granted ${grantedAt - Number(releasedAt)} ms after the release`,
  );
  assert.equal(await probe.zcard('okxkit:rl:k:l'), 3, 'two old leases and the new one');
});

test("a crashed process's leases expire and their units come back one window after the expiry", async (t) => {
  const redis = await withRedis(t);
  const { now } = await serverClock(t, redis.url);
  const r = rule(2, 200);
  const crashed = openRedisLimiter(redis.url, { blackoutCapMs: 0, leaseMs: 300 });
  const t0 = await now();
  await crashed.acquire('k', r);
  await crashed.acquire('k', r);
  await crashed.close(); // never released: the process is gone
  const other = openRedisLimiter(redis.url, { blackoutCapMs: 0 });
  t.after(() => other.close());
  await other.acquire('k', r);
  const t1 = await now();
  assert.ok(t1 - t0 >= 300 + 200, `granted ${t1 - t0} ms after the crash: before lease + window`);
});

test('processes whose clocks differ by an hour share one window: never more than the limit counted at any time', async (t) => {
  const redis = await withRedis(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 5 }),
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 1 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 0, max: 15 }),
        ),
        {
          minLength: 6,
          maxLength: 14,
        },
      ),
      async (limit, reqs) => {
        const r = rule(limit, 120);
        const prefix = `p${run++}:`;
        const skews = [0, 3_600_000];
        const lims = skews.map((skew) =>
          openRedisLimiter(redis.url, { prefix, blackoutCapMs: 0, clock: { now: () => Date.now() + skew } }),
        );
        const spans: Array<{ g: number; r: number; n: number }> = [];
        try {
          await Promise.all(
            reqs.map(async ([who, n, latency]) => {
              const lim = lims[who]!;
              await lim.acquire('k', r, n);
              const g = Date.now();
              await new Promise((res) => setTimeout(res, latency)); // the request's own latency
              spans.push({ g, r: Date.now(), n });
              lim.release('k', n);
            }),
          );
        } finally {
          for (const l of lims) await l.close(true);
        }
        // A request is counted by the exchange when it arrives (between grant and response); the
        // limiter must have had it in its window from grant to release + window.
        for (const s of spans) {
          const counted = spans
            .filter((o) => o.g <= s.g && s.g < o.r + r.windowMs)
            .reduce((a, o) => a + o.n, 0);
          assert.ok(counted <= limit, `${counted} units counted at one instant, limit ${limit}`);
        }
      },
    ),
    { numRuns: 6 },
  );
});

test('the local share: with Redis gone a process waits, then sends at most 1/N per window, and goes back to Redis', async (t) => {
  const redis = await withRedis(t);
  const modes: LimiterMode[] = [];
  const lim = openRedisLimiter(redis.url, {
    blackoutCapMs: 0,
    failoverMs: 300,
    processes: 4,
    onMode: (m) => modes.push(m),
  });
  t.after(() => lim.close());
  const r = rule(8, 400);
  assert.equal(lim.shareOf(r), 2);
  await lim.acquire('k', r);
  lim.release('k');
  await redis.kill();
  await until(() => lim.mode === 'waiting', 'the outage noticed');
  const down = Date.now();
  const grants: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 4; i++) {
      await lim.acquire('k', r);
      grants.push(Date.now());
      lim.release('k');
    }
  })();
  await until(() => grants.length >= 2, 'grants from the local share');
  // Fail closed first: nothing before the failover wait.
  assert.ok(grants[0]! - down >= 300 - 5, `first local grant ${grants[0]! - down} ms into the outage`);
  assert.equal(lim.mode, 'local');
  // Within any window the local share holds: the 1 released before the outage + 1 more, then a window.
  assert.ok(grants[1]! - grants[0]! >= 0);
  const inWindow = grants.filter((g) => g - grants[0]! < r.windowMs).length;
  assert.ok(inWindow <= 2, `${inWindow} local grants in one window, share 2`);
  await redis.restart();
  await loop;
  await until(() => lim.mode === 'redis', 'back on Redis');
  assert.deepEqual(modes.slice(0, 3), ['waiting', 'local', 'redis']);
});
