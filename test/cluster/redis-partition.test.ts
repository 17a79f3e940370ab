import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import {
  openRedisLimiter,
  type LimiterMode,
  type RedisRateLimiter,
} from '../../src/cluster/redis-limiter.js';
import type { RateRule } from '../../src/protocol/endpoints.js';
import { runCli } from '../helpers/cli.js';
import { cuttableProxy, withRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

// One process (A) cut off from Redis while the others (B, C) still reach it: a network partition,
// made by a TCP proxy in front of A's connections only (Redis itself stays up). Every grant is
// recorded with its release; the limiter's own accounting says a grant counts from the moment it is
// taken until one window after its release, so at no instant may the counted grants of A, B and C
// together exceed the rule.

const W = 300;
const rule: RateRule = { limit: 12, windowMs: W, scope: 'user', countBy: 'request' };
// N = 4: A's local share is 3 of the 12.
const common = { processes: 4, blackoutCapMs: 0, failoverMs: 300, memberTtlMs: 200 };

interface Span {
  who: string;
  g: number;
  r: number;
}

/** The most grants counted at any grant's instant, and when. */
function worst(spans: Span[]): { count: number; at: number } {
  let max = { count: 0, at: 0 };
  for (const s of spans) {
    const count = spans.filter((o) => o.g <= s.g && s.g < o.r + W).length;
    if (count > max.count) max = { count, at: s.g };
  }
  return max;
}

function runLoops(procs: Array<[string, RedisRateLimiter, number]>, spans: Span[]) {
  let stop = false;
  const loops = procs.flatMap(([who, lim, n]) =>
    Array.from({ length: n }, async () => {
      while (!stop) {
        await lim.acquire('k', rule);
        const g = Date.now();
        await new Promise((res) => setTimeout(res, 2)); // the request's own latency
        spans.push({ who, g, r: Date.now() });
        lim.release('k');
      }
    }),
  );
  return async () => {
    stop = true;
    await Promise.all(loops);
  };
}

test('a process cut off from Redis: A + B + C never over the rule in any window; A rejoins without its share counted twice', async (t) => {
  const redis = await withRedis(t);
  const proxy = await cuttableProxy(t, redis.port);
  const aModes: LimiterMode[] = [];
  const opts = { ...common, offlineMs: 20_000, leaseMs: 2000 };
  const a = openRedisLimiter(proxy.url, { ...opts, onMode: (m) => aModes.push(m) });
  const b = openRedisLimiter(redis.url, opts);
  const c = openRedisLimiter(redis.url, opts);
  t.after(async () => {
    for (const l of [a, b, c]) await l.close();
  });
  const spans: Span[] = [];
  const stop = runLoops(
    [
      ['a', a, 2],
      ['b', b, 3],
      ['c', c, 3],
    ],
    spans,
  );
  await until(
    () => spans.filter((s) => s.who === 'a').length >= 5 && spans.length >= 30,
    'all three granting',
  );
  proxy.cut();
  const cutAt = Date.now();
  await until(
    () => a.mode === 'local' && spans.filter((s) => s.who === 'a' && s.g > cutAt).length >= 6,
    'A granting from its local share while B and C go on through Redis',
  );
  proxy.restore();
  await until(() => a.mode === 'redis', 'A back on Redis');
  const rejoinAt = Date.now();
  await until(
    () => spans.filter((s) => s.g > rejoinAt + 3 * W && s.who === 'a').length >= 3,
    'A granting through Redis again',
  );
  await stop();
  const w = worst(spans);
  assert.ok(
    w.count <= rule.limit,
    `${w.count} grants counted at once, ${w.at - cutAt} ms after A was cut off (limit ${rule.limit})`,
  );
  assert.deepEqual(aModes.slice(0, 3), ['waiting', 'local', 'redis']);
  assert.ok(
    spans.some((s) => s.who === 'b' && s.g > cutAt && s.g < rejoinAt),
    'B went on granting while A was cut off',
  );
  // Rejoined: A's share is no longer held for it (its own grants were added back instead), so once
  // every grant has left the window, B alone gets the whole rule again.
  let got = 0;
  const burst = (async () => {
    for (let i = 0; i < rule.limit; i++) {
      await b.acquire('k', rule);
      got++;
    }
  })();
  await until(() => got === rule.limit, 5000, `B granted the whole rule after A rejoined (got ${got})`);
  await burst;
  for (let i = 0; i < rule.limit; i++) b.release('k');
});

test('a process cut off for longer than offlineMs stops granting, and only then do the others get its share back', async (t) => {
  const redis = await withRedis(t);
  const proxy = await cuttableProxy(t, redis.port);
  const opts = { ...common, offlineMs: 1500, leaseMs: 500 };
  const aModes: LimiterMode[] = [];
  const a = openRedisLimiter(proxy.url, { ...opts, onMode: (m) => aModes.push(m) });
  const b = openRedisLimiter(redis.url, opts);
  t.after(async () => {
    for (const l of [a, b]) await l.close();
  });
  await a.acquire('k', rule);
  a.release('k');
  proxy.cut();
  const cutAt = Date.now();
  const spans: Span[] = [];
  const stop = runLoops(
    [
      ['a', a, 1],
      ['b', b, 3],
    ],
    spans,
  );
  await until(() => a.mode === 'local', 'A on its local share');
  const localAt = Date.now();
  await until(() => a.mode === 'stopped', 5000, 'A stopped after offlineMs without Redis');
  const aSent = spans.filter((s) => s.who === 'a');
  assert.ok(aSent.length > 0, 'A did trade on its local share before it stopped');
  assert.ok(
    aSent.every((s) => s.g <= cutAt + opts.offlineMs),
    `A granted ${Math.max(...aSent.map((s) => s.g)) - cutAt} ms after the cut, offlineMs ${opts.offlineMs}`,
  );
  // A's share is held for it until it must have stopped (offlineMs), its last grant's lease ended
  // (leaseMs) and that grant left the window; after that B alone gets more than 12 - 3 at once.
  const heldUntil = cutAt + opts.offlineMs + opts.leaseMs;
  const bAfter = () => spans.filter((s) => s.who === 'b' && s.g > heldUntil + W);
  await until(() => worst(bAfter()).count > rule.limit - a.shareOf(rule), 10_000, "A's share back to B");
  const bHeld = spans.filter((s) => s.who === 'b' && s.g >= localAt && s.g < heldUntil);
  const w = worst(bHeld);
  assert.ok(bHeld.length > 0, 'B granted while A was cut off');
  assert.ok(
    w.count <= rule.limit - a.shareOf(rule),
    `B had ${w.count} grants counted at once ${w.at - cutAt} ms after A was cut off, A's share held`,
  );
  assert.equal(spans.filter((s) => s.who === 'a').length, aSent.length, 'A granted nothing after it stopped');
  assert.deepEqual(aModes.slice(0, 3), ['waiting', 'local', 'stopped']);
  proxy.restore();
  await until(() => a.mode === 'redis', 'A back on Redis');
  await stop();
});

test('a process that exits cleanly leaves nothing held: the others get the whole rule at once', async (t) => {
  const redis = await withRedis(t);
  // A long hold (offlineMs): were A's share still held after its exit, B would wait 20 s.
  const opts = { ...common, offlineMs: 20_000 };
  const a = openRedisLimiter(redis.url, opts);
  const b = openRedisLimiter(redis.url, opts);
  t.after(() => b.close());
  await a.acquire('k', rule);
  a.release('k');
  await a.close();
  // Wait out the memberTtlMs a lapsed registration takes, so a share held for A would show.
  const closedAt = Date.now();
  await until(() => Date.now() > closedAt + 2 * common.memberTtlMs, 'A would have lapsed by now');
  let got = 0;
  const burst = (async () => {
    for (let i = 0; i < rule.limit; i++) {
      await b.acquire('k', rule);
      got++;
    }
  })();
  await until(() => got === rule.limit, 3000, `B granted the whole rule after A exited (got ${got})`);
  await burst;
  for (let i = 0; i < rule.limit; i++) b.release('k');
});

test('renewals that reach Redis late (held up in the network) do not make a cut-off process look alive', async (t) => {
  const redis = await withRedis(t);
  const proxy = await cuttableProxy(t, redis.port);
  const probe = new Redis(redis.url);
  t.after(() => probe.disconnect());
  const opts = { ...common, offlineMs: 20_000, leaseMs: 2000 };
  const a = openRedisLimiter(proxy.url, opts);
  const b = openRedisLimiter(redis.url, opts);
  t.after(async () => {
    for (const l of [a, b]) await l.close();
  });
  const spans: Span[] = [];
  const stop = runLoops(
    [
      ['a', a, 1],
      ['b', b, 3],
    ],
    spans,
  );
  await until(() => spans.filter((s) => s.who === 'a').length >= 5 && spans.length >= 30, 'both granting');
  // A's link goes silent: its grants and heartbeats are held up on the way, then it is cut off
  // while what it sent is still on its way to Redis.
  proxy.stall();
  await until(() => a.mode === 'waiting', "A's requests unanswered");
  proxy.cut({ keepServerSide: true });
  const cutAt = Date.now();
  await until(
    () => a.mode === 'local' && spans.filter((s) => s.who === 'a' && s.g > cutAt).length >= 3,
    'A on its local share',
  );
  await proxy.flush();
  const [sec, us] = await probe.time();
  const now = Number(sec) * 1000 + Math.floor(Number(us) / 1000);
  const members = await probe.zrange('okxkit:rl:k:p', 0, -1, 'WITHSCORES');
  const live = members.filter((_, i) => i % 2 === 1 && Number(members[i]) > now).length;
  assert.equal(live, 1, 'only B is registered: the late renewals of A were refused');
  const flushedAt = Date.now();
  await until(
    () => spans.filter((s) => s.who === 'b' && s.g > flushedAt + 2 * W).length >= 10,
    'B granting on after the late commands',
  );
  proxy.restore();
  await until(() => a.mode === 'redis', 'A back on Redis');
  await stop();
  const w = worst(spans);
  assert.ok(
    w.count <= rule.limit,
    `${w.count} grants counted at once, ${w.at - cutAt} ms after A was cut off (limit ${rule.limit})`,
  );
});

test('okxkit bot run --redis-processes takes N, the most processes on one key, and names the flag when it is not a whole number >= 1', async () => {
  for (const bad of ['0', '2.5', 'eight']) {
    const r = await runCli([
      'bot',
      'run',
      'grid',
      '--config',
      'none.json',
      '--sim',
      '--redis-processes',
      bad,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--redis-processes/);
    assert.match(r.err, new RegExp(`'${bad}' is not a whole number of processes`));
  }
});
