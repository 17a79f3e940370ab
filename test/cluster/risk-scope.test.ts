import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openRedisKillStore } from '../../src/cluster/kill-store.js';
import { connectRedis, whenReady } from '../../src/cluster/redis.js';
import { openRedisRiskScope, RedisRiskScope } from '../../src/cluster/risk-scope.js';
import { GuardRejection } from '../../src/trading/errors.js';
import type { Fill } from '../../src/trading/exchange-port.js';
import { KillSwitch, killScopeFor, MemoryKillStore } from '../../src/trading/kill-switch.js';
import { RiskManager, type RiskLimits } from '../../src/trading/risk.js';
import { D, type Decimal } from '../../src/util/decimal.js';
import { ManualClock } from '../../src/util/clock.js';
import { withRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { runCli } from '../helpers/cli.js';

const CHILD = fileURLToPath(new URL('./risk-child.ts', import.meta.url));
const ACCOUNT = 'okx-1a2b3c4d';
const INST = 'BTC-USDT';

/** What the order guard asks of the risk manager: this process's limits, then the account's. */
async function check(
  risk: RiskManager,
  o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal; notional: Decimal; reduceOnly?: boolean },
): Promise<void> {
  risk.preTrade(o);
  await risk.preTradeAccount(o);
}

let seq = 0;
function fill(side: 'buy' | 'sell', sz: string, px: string): Fill {
  seq++;
  return {
    tradeId: `t${seq}`,
    ordId: `o${seq}`,
    clOrdId: '',
    instId: INST,
    side,
    fillPx: px,
    fillSz: sz,
    fee: '0',
    feeCcy: 'USDT',
    execType: 'T',
    ts: 1,
  };
}

/** One bot process's risk stack, in this process: the Redis kill switch and risk scope of the account. */
async function inProcess(t: TestContext, url: string, member: string, limits: RiskLimits, leaseMs = 30_000) {
  const clock = new ManualClock(Date.now());
  const store = await openRedisKillStore(url, { clock });
  const killSwitch = new KillSwitch({ scope: ACCOUNT, store, clock });
  const scope = await openRedisRiskScope(url, { account: ACCOUNT, member, leaseMs });
  t.after(async () => {
    await store.close();
    await scope.close();
  });
  const risk = new RiskManager({ limits, clock, killSwitch, scope });
  return { risk, scope, killSwitch, store };
}

/** The same stack in a child process (test/cluster/risk-child.ts), driven over stdin. */
async function child(t: TestContext, url: string, member: string, limits: RiskLimits, leaseMs = 30_000) {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, url, ACCOUNT, member, JSON.stringify(limits), String(leaseMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  createInterface({ input: p.stdout }).on('line', (l) => lines.push(l));
  t.after(() => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
  await until(() => lines.some((l) => l.startsWith('ready ')), 60_000, `${member} ready`);
  const run = lines.find((l) => l.startsWith('ready '))!.slice(6);
  return {
    p,
    lines,
    run,
    async buy(sz: string, px: string, mark: string) {
      const before = lines.filter((l) => l.startsWith('done ')).length;
      p.stdin.write(`buy ${sz} ${px} ${mark}\n`);
      await until(() => lines.filter((l) => l.startsWith('done ')).length > before, 20_000, `${member} done`);
      return lines
        .filter((l) => l.startsWith('done '))
        .at(-1)!
        .slice(5);
    },
  };
}

test('three bots on one account each lose under the daily limit; together they trip it, and every process halts', async (t) => {
  const redis = await withRedis(t);
  const limits: RiskLimits = { maxDailyLoss: '100' };
  const a = await inProcess(t, redis.url, 'grid-a', limits);
  const b = await inProcess(t, redis.url, 'grid-b', limits);
  const c = await child(t, redis.url, 'dca-c', limits);
  // Each loses 40 USDT today: 1 BTC bought at 100, marked at 60.
  for (const x of [a, b]) {
    await x.risk.onFill(fill('buy', '1', '100'));
    await x.risk.onMark(INST, '60');
    assert.equal(x.risk.snapshot().dailyPnl, '-40', 'its own loss is under the limit');
  }
  assert.equal(a.risk.haltReason(), undefined, 'two bots: 80 lost on the account, under 100');
  assert.equal(b.risk.haltReason(), undefined);
  // The third bot's loss takes the account to 120: it trips in the child process.
  const childHalt = await c.buy('1', '100', '60');
  assert.match(childHalt, /maxDailyLoss: account-wide daily loss/);
  // The trip went through the shared kill switch: every process halts.
  await until(() => a.killSwitch.isEngaged() && b.killSwitch.isEngaged(), 5000, 'the others halted');
  for (const x of [a, b]) assert.match(x.risk.haltReason() ?? '', /account-wide daily loss/);
  assert.equal(a.risk.trips.length, 0, 'the others halt through the kill switch, not their own figures');
  assert.equal(a.risk.snapshot().shared?.view?.dailyPnl, '-40', 'as read before the other losses');
  await a.risk.syncShared();
  assert.equal(a.risk.snapshot().shared?.view?.dailyPnl, '-120', 'the account-wide day PnL over three runs');
  assert.equal(a.risk.snapshot().shared?.view?.runs, 3);
});

test('the exposure and position limits hold for the account: the order that would cross them is refused', async (t) => {
  const redis = await withRedis(t);
  const limits: RiskLimits = { maxExposure: '1000', maxPosition: '10.5' };
  const a = await inProcess(t, redis.url, 'grid-a', limits);
  const b = await inProcess(t, redis.url, 'grid-b', limits);
  const buy = (sz: string) => ({
    instId: INST,
    side: 'buy' as const,
    baseSz: new D(sz),
    notional: new D(sz).mul(100),
  });
  // a holds 5 BTC (500 USDT), b 4 BTC (400 USDT): 900 on the account.
  await check(a.risk, buy('5'));
  await a.risk.onFill(fill('buy', '5', '100'));
  await check(b.risk, buy('4'));
  await b.risk.onFill(fill('buy', '4', '100'));
  // 1.5 more BTC would be 1050 USDT on the account: refused, though a alone would hold 650.
  await assert.rejects(
    async () => check(a.risk, buy('1.5')),
    (e: unknown) =>
      e instanceof GuardRejection &&
      e.rule === 'maxExposure' &&
      e.numbers.exposure === '900' &&
      e.numbers.exposureIfFilled === '1050' &&
      /account-wide exposure above its limit/.test(e.message),
  );
  // 1 more is exactly the limit: it passes.
  await check(a.risk, buy('1'));
  await a.risk.onFill(fill('buy', '1', '100'));
  // 2 more would take the account's position to 12, above 10.5.
  await assert.rejects(
    async () => check(b.risk, buy('2')),
    (e: unknown) => e instanceof GuardRejection && e.rule === 'maxPosition' && e.numbers.position === '10',
  );
  // An order b placed earlier fills: the account holds 11 BTC, above 10.5: every process trips.
  await b.risk.onFill(fill('buy', '1', '100'));
  assert.match(b.risk.haltReason() ?? '', /maxPosition: account-wide position in BTC-USDT above its limit/);
  await until(() => a.risk.haltReason() !== undefined, 5000, 'a halted through the kill switch');
  // Alone, each stays within both limits (6 and 5 BTC).
  assert.equal(a.risk.snapshot().positions[INST], '6');
  assert.equal(b.risk.snapshot().positions[INST], '5');
});

test("a dead process's open exposure keeps counting (stale after its lease) until it is released; its day loss counts for the day", async (t) => {
  const redis = await withRedis(t);
  const limits: RiskLimits = { maxExposure: '1000', maxDailyLoss: '1000' };
  const a = await inProcess(t, redis.url, 'grid-a', limits);
  const c = await child(t, redis.url, 'dca-c', limits, 300);
  assert.equal(await c.buy('8', '100', '95'), '-', 'c holds 8 BTC, 760 USDT at the mark, and lost 40');
  c.p.kill('SIGKILL');
  await new Promise((r) => c.p.once('exit', r));
  const buy = (sz: string) => ({
    instId: INST,
    side: 'buy' as const,
    baseSz: new D(sz),
    notional: new D(sz).mul(95),
  });
  // The dead run's 8 BTC still count: a may not add 3 (1045 USDT on the account).
  await assert.rejects(
    async () => check(a.risk, buy('3')),
    (e: unknown) => e instanceof GuardRejection && e.rule === 'maxExposure',
  );
  // Its lease (300 ms) runs out: it shows as stale, still counted.
  await until(
    async () => {
      await a.risk.syncShared();
      return (a.risk.snapshot().shared?.view?.stale ?? []).includes(c.run);
    },
    10_000,
    'the dead run listed stale',
  );
  assert.equal(a.risk.snapshot().shared?.view?.positions[INST], '8');
  await assert.rejects(
    async () => check(a.risk, buy('3')),
    (e: unknown) => e instanceof GuardRejection && e.rule === 'maxExposure',
  );
  // An operator, once the position is known to be closed, releases the dead run.
  assert.equal(await a.scope.releaseRun(c.run), true);
  await check(a.risk, buy('3'));
  const v = a.risk.snapshot().shared!.view!;
  assert.equal(v.positions[INST], undefined, 'no position of the dead run any more');
  assert.equal(v.dailyPnl, '-40', "the dead run's loss of the day still counts");
});

test('Redis down: orders that add exposure are refused with a typed error and a visible status, reductions pass; Redis back: it recovers', async (t) => {
  const redis = await withRedis(t);
  const clock = new ManualClock(Date.now());
  const scope = new RedisRiskScope({ redis: connectRedis(redis.url), account: ACCOUNT, member: 'grid-a' });
  await scope.start();
  t.after(() => scope.close(true));
  const risk = new RiskManager({
    limits: { maxExposure: '10000' },
    clock,
    killSwitch: new KillSwitch({ scope: ACCOUNT, store: new MemoryKillStore(), clock }),
    scope,
  });
  await risk.onFill(fill('buy', '2', '100'));
  assert.equal(risk.snapshot().shared?.state, 'ok');
  const order = (side: 'buy' | 'sell', sz: string, reduceOnly?: boolean) => ({
    instId: INST,
    side,
    baseSz: new D(sz),
    notional: new D(sz).mul(100),
    ...(reduceOnly ? { reduceOnly } : {}),
  });
  await redis.kill();
  clock.advance(1500);
  await assert.rejects(
    async () => check(risk, order('buy', '1')),
    (e: unknown) =>
      e instanceof GuardRejection &&
      e.rule === 'riskScopeUnavailable' &&
      e.code === 'GUARD_RISK_SCOPE_UNAVAILABLE' &&
      /shared risk scope \(redis:okxkit:risk:okx-1a2b3c4d:\) has not answered/.test(e.message),
  );
  const s = risk.snapshot().shared!;
  assert.equal(s.state, 'unreachable');
  assert.ok(s.error, 'the status says why');
  assert.ok(
    risk.errors.some((e) => /shared risk scope .* does not answer/.test(e)),
    'recorded once as trouble',
  );
  // Selling 1 of the 2 BTC held, or a reduce-only order, needs no account-wide check: it passes.
  await check(risk, order('sell', '1'));
  await check(risk, order('buy', '1', true));
  await redis.restart();
  // Redis restarted empty: the next check republishes this run's figures and lets the order pass.
  await until(
    async () => {
      try {
        await check(risk, order('buy', '1'));
        return true;
      } catch (e) {
        if (!(e instanceof GuardRejection) || e.rule !== 'riskScopeUnavailable') throw e;
        return false;
      }
    },
    10_000,
    'the order allowed once Redis answers',
  );
  assert.equal(risk.snapshot().shared?.state, 'ok');
  assert.equal(risk.snapshot().shared?.view?.positions[INST], '2', "this run's position is back on Redis");
});

test('the scope keys name the account by a hash of the key, never the key; a loss of another day does not count today', async (t) => {
  const redis = await withRedis(t);
  const apiKey = 'fake-key-canary-0001';
  const account = killScopeFor({ apiKey });
  const scope = await openRedisRiskScope(redis.url, { account, member: 'grid-a' });
  t.after(() => scope.close());
  const today = scope.day!;
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  await scope.sync({ day: yesterday, dailyPnl: '-500', positions: {} });
  const v = await scope.sync({ day: today, dailyPnl: '-20', positions: { [INST]: { pos: '1', px: '100' } } });
  assert.equal(v.day, today);
  assert.equal(v.dailyPnl, '-20', "yesterday's loss is not today's");
  assert.equal(v.exposure, '100');
  const r = connectRedis(redis.url);
  t.after(() => r.disconnect());
  await whenReady(r);
  const keys = await r.keys('*');
  assert.ok(keys.length >= 2);
  for (const k of keys) assert.ok(!k.includes(apiKey), `key ${k} holds no secret`);
  assert.ok(keys.every((k) => k.startsWith(`okxkit:risk:${account}:`)));
});

test('okxkit risk runs lists the runs with positions (stale ones marked); okxkit risk release takes one out, audited', async (t) => {
  const redis = await withRedis(t);
  const scope = await openRedisRiskScope(redis.url, { account: ACCOUNT, member: 'grid-a', leaseMs: 1 });
  t.after(() => scope.close());
  await scope.sync({ day: scope.day!, dailyPnl: '-5', positions: { [INST]: { pos: '2', px: '100' } } });
  const env = { OKXKIT_REDIS_URL: redis.url };
  await until(async () => {
    const r = await runCli(['risk', 'runs', '--scope', ACCOUNT, '--json'], env);
    return (JSON.parse(r.out) as Array<{ stale: boolean }>)[0]?.stale === true;
  }, 'the run stale after its 1 ms lease');
  const list = await runCli(['risk', 'runs', '--scope', ACCOUNT], env);
  assert.equal(list.code, 0);
  assert.match(list.out, new RegExp(`${scope.run.replace('#', '#')}: BTC-USDT 2 \\(STALE since `));
  const noWhy = await runCli(['risk', 'release', scope.run, '--scope', ACCOUNT], env);
  assert.notEqual(noWhy.code, 0, 'a release needs --why');
  const rel = await runCli(
    ['risk', 'release', scope.run, '--scope', ACCOUNT, '--why', 'position closed by hand'],
    env,
  );
  assert.equal(rel.code, 0, rel.err);
  assert.match(rel.out, /released .*: its positions no longer count/);
  assert.deepEqual(await scope.runs(), []);
  const again = await runCli(['risk', 'release', scope.run, '--scope', ACCOUNT, '--why', 'again'], env);
  assert.notEqual(again.code, 0);
  assert.match(again.err, /holds nothing/);
});
