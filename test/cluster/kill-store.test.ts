import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openRedisKillStore, RedisKillStore } from '../../src/cluster/kill-store.js';
import { connectRedis } from '../../src/cluster/redis.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { ManualClock } from '../../src/util/clock.js';
import { withRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

test('a kill in one process halts every process on the account within one second', async (t) => {
  const redis = await withRedis(t);
  const scope = 'okx-1a2b3c4d';
  const children = [0, 1, 2].map(() => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, redis.url, scope], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    t.after(() => {
      child.stdin.end();
      if (child.exitCode === null) child.kill();
    });
    return { child, lines };
  });
  await until(
    () => children.every((c) => c.lines.includes('ready trading')),
    60_000,
    'three processes trading',
  );
  const store = await openRedisKillStore(redis.url);
  t.after(() => store.close());
  const ks = new KillSwitch({ scope, store });
  const t0 = Date.now();
  ks.engage({ why: 'test: runaway strategy', by: 'operator' });
  assert.equal(ks.isEngaged(), true, 'the process that kills halts at once');
  await store.flush();
  await until(
    () => children.every((c) => c.lines.some((l) => l.startsWith('halted'))),
    5000,
    'every process halted',
  );
  for (const c of children) {
    const at = Number(c.lines.find((l) => l.startsWith('halted'))!.split(' ')[1]);
    assert.ok(at - t0 < 1000, `a process halted ${at - t0} ms after the kill`);
  }
  // And a process started after the kill reads it at once.
  const late = await openRedisKillStore(redis.url);
  t.after(() => late.close());
  assert.equal(new KillSwitch({ scope, store: late }).isEngaged(), true);
});

test('Redis silent for longer than staleMs: every scope reads halted (fail closed); a kill made meanwhile is read on reconnect', async (t) => {
  const redis = await withRedis(t);
  const clock = new ManualClock(1_000_000);
  const store = new RedisKillStore({ redis: connectRedis(redis.url), clock, staleMs: 5000 });
  await store.start();
  t.after(() => store.close(true));
  const ks = new KillSwitch({ scope: 'okx-1a2b3c4d', store, clock });
  assert.equal(ks.isEngaged(), false);
  await redis.kill();
  clock.advance(4999);
  assert.equal(ks.isEngaged(), false, 'within staleMs the last known state holds');
  clock.advance(2);
  assert.equal(ks.isEngaged(), true, 'unknown for longer: halted');
  assert.match(ks.state().why, /unknown for 5001 ms/);
  await redis.restart();
  // Another process halts the scope while this one is still reconnecting.
  const other = await openRedisKillStore(redis.url);
  t.after(() => other.close());
  new KillSwitch({ scope: 'okx-1a2b3c4d', store: other }).engage({ why: 'halt from elsewhere', by: 'ops' });
  await other.flush();
  await until(() => ks.state().why === 'halt from elsewhere', 'the halt read after the reconnect');
  assert.equal(ks.isEngaged(), true);
  assert.equal(store.read('okx-1a2b3c4d')?.by, 'ops');
});
