import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileKillStore,
  KillSwitch,
  killScopeFor,
  MemoryKillStore,
  type KillStore,
} from '../../src/trading/kill-switch.js';
import { RiskManager } from '../../src/trading/risk.js';
import { ManualClock } from '../../src/util/clock.js';
import { OkxkitError } from '../../src/util/errors.js';
import { createLogger } from '../../src/util/logger.js';
import { Writable } from 'node:stream';
import { openTradingStack } from '../../src/bots/session.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { withSim } from '../helpers/sim.js';
import { FakeExchange } from './fake-exchange.js';

// Issue 10 item 1 (a halt is scoped) and issue 11 item 7 (the kill switch fails closed).

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-scope-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a risk trip on the embedded exchange never touches the live scope or the shared files', async (t) => {
  const dir = tmp(t);
  const files = new FileKillStore({ dir });
  // what `bot run --sim` uses: its scope in memory, the "all" scope read from the files
  const simKs = new KillSwitch({ scope: 'sim-embedded', store: new MemoryKillStore(), allStore: files });
  const risk = new RiskManager({ limits: { maxOpenOrders: 0 }, killSwitch: simKs });
  const trip = await risk.setOpenOrders([
    {
      instId: 'BTC-USDT',
      ordId: '1',
      clOrdId: 'a',
      side: 'buy',
      ordType: 'limit',
      px: '1',
      sz: '1',
      state: 'live',
      accFillSz: '0',
      avgPx: '',
      fee: '0',
      feeCcy: '',
      cTime: 1,
      uTime: 1,
    } as never,
  ]);
  assert.equal(trip?.rule, 'maxOpenOrders');
  assert.equal(simKs.isEngaged(), true);
  assert.deepEqual(files.scopes(), [], 'nothing written under OKXKIT_HOME');
  assert.equal(existsSync(join(dir, 'kill-switch.json')), false);
  const live = new KillSwitch({ scope: killScopeFor({ apiKey: 'fake-live-key' }), store: files });
  assert.equal(live.isEngaged(), false, 'a live bot on the machine keeps trading');
});

test('scopes: a key halt covers that venue and key only; "all" covers every scope', (t) => {
  const dir = tmp(t);
  const store = new FileKillStore({ dir });
  const a = killScopeFor({ apiKey: 'key-a' });
  const b = killScopeFor({ apiKey: 'key-b' });
  const demoA = killScopeFor({ apiKey: 'key-a', demo: true });
  const local = killScopeFor({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'key-a' });
  assert.equal(new Set([a, b, demoA, local]).size, 4);
  assert.ok(!a.includes('key-a'), 'the API key itself never appears in a scope');
  assert.match(local, /^127\.0\.0\.1-8080-[0-9a-f]{8}$/);

  new KillSwitch({ scope: a, store }).engage({ why: 'incident on a', by: 'ops' });
  assert.equal(new KillSwitch({ scope: a, store }).isEngaged(), true);
  assert.equal(new KillSwitch({ scope: b, store }).isEngaged(), false);
  assert.equal(new KillSwitch({ scope: demoA, store }).isEngaged(), false);

  new KillSwitch({ store }).engage({ why: 'everything', by: 'ops' }); // scope "all"
  const sb = new KillSwitch({ scope: b, store }).state();
  assert.equal(sb.halted, true);
  assert.equal(sb.scope, 'all');
  assert.deepEqual(store.scopes().sort(), [a, 'all'].sort());
});

test('fail closed: only a missing state means "not halted"', (t) => {
  const dir = tmp(t);
  const store = new FileKillStore({ dir });
  const ks = new KillSwitch({ scope: 'x1', store });
  assert.equal(ks.isEngaged(), false, 'no file: never halted');
  // a directory where the file should be: reading fails with EISDIR, which is not "absent"
  mkdirSync(join(dir, 'kill-switch', 'x1.json'), { recursive: true });
  const s = ks.state();
  assert.equal(s.halted, true);
  assert.match(s.why, /cannot be read|unreadable/);
  rmSync(join(dir, 'kill-switch', 'x1.json'), { recursive: true });
  writeFileSync(join(dir, 'kill-switch', 'x1.json'), '{ not json');
  assert.equal(ks.isEngaged(), true, 'bad JSON counts as halted');
});

test('fail closed: a stat error other than ENOENT counts as halted (the old code said "not halted")', (t) => {
  // a state path under a file: stat fails with ENOTDIR (root reads through permissions, so no EACCES here)
  const dir = tmp(t);
  writeFileSync(join(dir, 'notadir'), '');
  const ks = new KillSwitch({ path: join(dir, 'notadir', 'kill-switch.json') });
  assert.equal(ks.isEngaged(), true);
  assert.match(ks.state().why, /ENOTDIR/);
});

test('a store that throws halts trading (the "store interface" for a future Redis store)', () => {
  const broken: KillStore = {
    read: () => {
      throw new Error('redis: connection refused');
    },
    write: () => undefined,
    scopes: () => [],
    where: (s) => `redis:${s}`,
  };
  const ks = new KillSwitch({ scope: 'r1', store: broken });
  assert.equal(ks.isEngaged(), true);
  assert.match(ks.state().why, /connection refused/);
});

test('a trip whose audit write fails still halts, and the error is recorded, not unhandled', async () => {
  const clock = new ManualClock(Date.now());
  const ex = new FakeExchange(clock);
  const store = new MemoryKillStore();
  const ks = new KillSwitch({ scope: 's1', store, clock });
  const audit = {
    append: () => {
      throw new Error('disk full');
    },
  };
  const risk = new RiskManager({ limits: {}, killSwitch: ks, exchange: ex, audit, clock });
  new KillSwitch({ scope: 's1', store, clock }).engage({ why: 'ops kill', by: 'alice' });
  const trip = await risk.pollKillSwitch();
  assert.ok(trip, 'the poll resolves with the trip');
  assert.match(trip.errors.join(' '), /audit write failed: disk full/);
  assert.match(risk.haltReason() ?? '', /ops kill/);
});

test('a trip whose kill switch write fails still halts this process until resume', async () => {
  const clock = new ManualClock(Date.now());
  const failing: KillStore = {
    read: () => undefined,
    write: () => {
      throw new Error('EROFS: read-only file system');
    },
    scopes: () => [],
    where: (s) => `test:${s}`,
  };
  const risk = new RiskManager({
    limits: { maxOpenOrders: 0 },
    killSwitch: new KillSwitch({ scope: 's2', store: failing, clock }),
    clock,
  });
  const trip = await risk.tripNow('maxOpenOrders', 'test trip');
  assert.match(trip.errors.join(' '), /engaging the kill switch failed: EROFS/);
  clock.advance(5000);
  assert.match(risk.haltReason() ?? '', /test trip/, 'still halted although the store says nothing');
});

test('the trading stack reports a failing kill poll instead of leaving an unhandled rejection', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const sim = await withSim(t, { seed: 3, clock });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
  t.after(() => client.close());
  let reads = 0;
  const store: KillStore = {
    read: () =>
      ++reads > 1 ? { halted: true, why: 'remote kill', by: 'ops', since: clock.now() } : undefined,
    write: () => undefined,
    scopes: () => [],
    where: (s) => `test:${s}`,
    refresh: () => Promise.reject(new Error('store unreachable')),
  };
  const errors: string[] = [];
  let reported!: () => void;
  const seen = new Promise<void>((r) => (reported = r));
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const stack = await openTradingStack({
    client,
    journalPath: ':memory:',
    clock,
    ws: false,
    deadMan: false,
    killSwitch: new KillSwitch({ scope: 's3', store, clock }),
    killPollMs: 20,
    onPollError: (err) => {
      errors.push(err instanceof Error ? err.message : String(err));
      if (errors.some((e) => /store unreachable/.test(e))) reported();
    },
  });
  t.after(() => stack.close());
  await seen;
  assert.match(stack.risk.haltReason() ?? '', /remote kill/);
  assert.deepEqual(unhandled, []);
});

test('a trip records why each cancel failed, not only how many', async () => {
  const clock = new ManualClock(Date.now());
  const open = [{ instId: 'BTC-USDT', ordId: '77', clOrdId: 'x77' }];
  const exchange = {
    openOrders: async () => open as never[],
    cancelOrder: async () => {
      throw new Error('51400 order already filled or canceled');
    },
  };
  const risk = new RiskManager({ limits: {}, exchange, clock });
  const trip = await risk.tripNow('maxDailyLoss', 'by hand');
  assert.equal(trip.cancelFailures, 1);
  assert.deepEqual(trip.errors, ['cancel of BTC-USDT 77 failed: 51400 order already filled or canceled']);
  assert.deepEqual(risk.errors, trip.errors);
});

test('a trip keeps the code and message of each failed cancel and logs each at warn', async () => {
  const clock = new ManualClock(Date.now());
  const open = [
    { instId: 'BTC-USDT', ordId: '77', clOrdId: 'x77' },
    { instId: 'ETH-USDT', ordId: '78', clOrdId: 'x78' },
  ];
  const exchange = {
    openOrders: async () => open as never[],
    cancelOrder: async (ref: { ordId?: string }) => {
      if (ref.ordId === '77') throw new OkxkitError('order already filled or canceled', { code: '51400' });
      throw new Error('socket hang up');
    },
  };
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const risk = new RiskManager({
    limits: {},
    exchange,
    clock,
    logger: createLogger({ level: 'warn' }, dest),
  });
  const trip = await risk.tripNow('maxDailyLoss', 'by hand');
  assert.deepEqual(trip.cancelErrors, [
    {
      instId: 'BTC-USDT',
      ordId: '77',
      clOrdId: 'x77',
      code: '51400',
      message: 'order already filled or canceled',
    },
    { instId: 'ETH-USDT', ordId: '78', clOrdId: 'x78', code: undefined, message: 'socket hang up' },
  ]);
  const warned = lines.map((l) => JSON.parse(l) as { level: number; code?: string; msg: string });
  assert.deepEqual(
    warned.map((w) => [w.level, w.code, w.msg]),
    [
      [40, '51400', 'risk breaker: cancel of BTC-USDT 77 failed'],
      [40, undefined, 'risk breaker: cancel of ETH-USDT 78 failed'],
    ],
  );
});
