import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { checkKeyBeforeTrading } from '../../src/security/doctor.js';
import { ManualClock } from '../../src/util/clock.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { runBot } from '../../src/bots/run-bot.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import type { DcaState } from '../../src/bots/strategies/dca.js';
import type { TrailingState } from '../../src/bots/strategies/trailing.js';
import type { BotKind } from '../../src/bots/types.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';
import { tempDir } from './helpers.js';

/**
 * Bots against the local exchange over the live path (OkxClient -> OkxExchange -> guard ->
 * journal -> runner). The sim, the client and the bot share a ManualClock that the test moves
 * forward in big steps, so minutes of market happen in a second or two of real time.
 */
interface Rig {
  clock: ManualClock;
  sim: Simulator;
  client: OkxClient;
  /** Cleanup, run last-in first-out: runners stop before their stack, client and exchange close. */
  defer(fn: () => unknown): void;
}

async function rig(t: TestContext, seed: number): Promise<Rig> {
  const undo: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  // The exchange closes last, after the runners that still talk to it on the way out.
  const sim = await withSim({ after: (fn) => void undo.push(fn) }, { seed, clock, tickMs: 5 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
  undo.push(() => client.close());
  return { clock, sim, client, defer: (fn) => void undo.push(fn) };
}

async function stackFor(r: Rig, journalPath = ':memory:'): Promise<TradingStack> {
  const stack = await openTradingStack({
    client: r.client,
    journalPath,
    clock: r.clock,
    pollMs: 10,
    // The cancel-all-after timer runs on the sim's clock, which these tests move by minutes at a time.
    deadMan: false,
    keyCheck: () => checkKeyBeforeTrading(r.client, { clock: r.clock, warn: () => undefined }),
  });
  r.defer(() => stack.close());
  return stack;
}

function runnerFor(
  r: Rig,
  kind: BotKind,
  raw: Record<string, unknown>,
  stack: TradingStack,
  store: BotStateStore,
): BotRunner {
  const runner = new BotRunner({
    port: stack.port,
    store,
    config: parseBotConfig(kind, { ...raw, deadManSec: 0 }),
    hooks: stack.hooks,
  });
  // Stops the polling even when an assertion fails first (a second stop is harmless).
  r.defer(() => runner.stop());
  return runner;
}

/** One turn of the event loop: socket data already received is handled before it ends. */
const turn = () => new Promise((r) => setImmediate(r));

/**
 * Moves the market clock in steps until `done` (or the step budget runs out). After each step the
 * bot reconciles and settles before the market moves again, so what it sees does not depend on
 * how fast this machine is.
 */
async function drive(
  r: Rig,
  runner: BotRunner,
  done: () => boolean,
  stepMs = 5_000,
  maxSteps = 400,
): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    r.clock.advance(stepMs);
    r.sim.tick();
    await turn();
    await runner.reconcile();
    await runner.idle();
  }
  await runner.reconcile();
  await runner.idle();
}

async function exchangeOrders(
  client: OkxClient,
  prefix: string,
): Promise<{ clOrdId: string; side: string; px: string; state: string }[]> {
  const pending = await client.trade.ordersPending({ instType: 'SPOT', instId: 'BTC-USDT' });
  const history = await client.trade.ordersHistory({ instType: 'SPOT', instId: 'BTC-USDT' });
  return [...pending, ...history]
    .filter((o) => o.clOrdId.startsWith(prefix))
    .map((o) => ({ clOrdId: o.clOrdId, side: o.side, px: o.px, state: o.state }));
}

function assertNoDuplicates(orders: { clOrdId: string }[]): void {
  const ids = orders.map((o) => o.clOrdId);
  assert.equal(new Set(ids).size, ids.length, `each clOrdId once on the exchange: ${ids.join(',')}`);
}

describe('bots on the local exchange (end to end)', () => {
  test(
    'grid: places the ladder, fills, and answers each fill one level away',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, 11);
      const stack = await stackFor(r);
      const last = Number((await stack.exchange.ticker('BTC-USDT')).last);
      const store = new BotStateStore(':memory:');
      r.defer(() => store.close());
      const runner = runnerFor(
        r,
        'grid',
        {
          id: 'e2egrid',
          instId: 'BTC-USDT',
          lower: (last * 0.99).toFixed(1),
          upper: (last * 1.01).toFixed(1),
          levels: 10,
          investment: '1000',
        },
        stack,
        store,
      );
      await runner.start();
      assert.equal((await exchangeOrders(r.client, 'e2egrid')).filter((o) => o.state === 'live').length, 9);
      await drive(r, runner, () => runner.status().fills >= 3);
      const st = runner.status();
      assert.ok(st.fills >= 3, `fills: ${st.fills}`);
      assert.ok(st.ordersPlaced >= 9 + 3, 'every fill placed a counter order');
      // Each filled order's counter order sits one level away, on the other side.
      const intents = store.intents('e2egrid');
      const prices = (store.load('e2egrid')!.state as { prices: string[] }).prices;
      for (const f of intents.filter((i) => i.status === 'filled')) {
        const level = Number(f.meta.level);
        const next = intents.find(
          (i) => i.seq > f.seq && i.meta.openPx === f.avgPx && i.intent.side !== f.intent.side,
        );
        const want = f.intent.side === 'buy' ? level + 1 : level - 1;
        if (want < 0 || want >= prices.length) continue;
        if (typeof f.meta.openPx === 'string') continue; // a closing fill's counter order opens a new round trip
        assert.ok(next, `a counter order for ${f.clOrdId}`);
        assert.equal(next.intent.px, prices[want]);
      }
      await runner.stop();
      const onExchange = await exchangeOrders(r.client, 'e2egrid');
      assertNoDuplicates(onExchange);
      assert.equal(onExchange.length, runner.status().ordersPlaced);
    },
  );

  test(
    'DCA: buys each interval, buys a drop with a safety order, takes profit and starts over',
    { timeout: 40_000 },
    async (t) => {
      const r = await rig(t, 5);
      const stack = await stackFor(r);
      const store = new BotStateStore(':memory:');
      r.defer(() => store.close());
      const runner = runnerFor(
        r,
        'dca',
        {
          id: 'e2edca',
          instId: 'BTC-USDT',
          quoteAmount: '100',
          intervalSec: 60,
          // Net of both 0.1 % taker fees: the market of seed 5 soon moves that far above the average entry.
          takeProfitPct: '0.1',
          safetyOrders: { count: 2, dropPct: '0.1' },
        },
        stack,
        store,
      );
      await runner.start();
      const state = () => store.load('e2edca')!.state as DcaState;
      const filled = (role: string) =>
        store
          .intents('e2edca')
          .filter((i) => i.meta.role === role && i.status !== 'rejected' && Number(i.accFillSz) > 0);
      await drive(
        r,
        runner,
        () => state().cyclesDone >= 1 && filled('safety').length >= 1 && filled('buy').length >= 3,
        5_000,
        800,
      );
      const s = state();
      assert.ok(filled('buy').length >= 3, `interval buys: ${filled('buy').length}`);
      assert.ok(filled('safety').length >= 1, 'a safety order bought the drop');
      assert.ok(filled('tp').length >= 1 && s.cyclesDone >= 1, 'a take profit completed a cycle');
      // The take profit waits for the bid to clear +0.1 % after the buy fees and the sell fee, and
      // sells with an IOC limit at that price: the completed cycle made at least 0.1 %, net of fees.
      const lc = s.lastCycle!;
      assert.ok(Number(lc.pnlPct) >= 0.1, `cycle ${lc.cycle}: ${lc.pnlPct} % (${JSON.stringify(lc)})`);
      assert.ok(Number(lc.fees) > 0, 'the cycle paid fees');
      assert.ok(Number(s.realisedPnl) > 0, `realised ${s.realisedPnl}`);
      const tps = filled('tp');
      assert.ok(tps.every((i) => i.intent.ordType === 'ioc' && Number(i.avgPx) >= Number(i.intent.px)));
      // Within a cycle, interval buys are at least intervalSec apart (exchange time); a new cycle buys at once.
      const buys = filled('buy');
      for (let i = 1; i < buys.length; i++) {
        if (buys[i]!.meta.cycle !== buys[i - 1]!.meta.cycle) continue;
        assert.ok(buys[i]!.createdMs - buys[i - 1]!.createdMs >= 60_000, 'one buy per interval');
      }
      // Stop first: an intent is journaled before its request, so a running bot can be mid-placement.
      await runner.stop();
      const orders = await exchangeOrders(r.client, 'e2edca');
      assertNoDuplicates(orders);
      assert.equal(orders.length, store.intents('e2edca').filter((i) => i.status !== 'rejected').length);
      assert.ok(orders.some((o) => o.side === 'sell'));
    },
  );

  test(
    'trailing stop: follows the peak and sells once the price falls trailPct below it',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, 2);
      const stack = await stackFor(r);
      const store = new BotStateStore(':memory:');
      r.defer(() => store.close());
      const runner = runnerFor(
        r,
        'trailing',
        { id: 'e2etrail', instId: 'BTC-USDT', size: '0.01', trailPct: '0.4' },
        stack,
        store,
      );
      await runner.start();
      await drive(r, runner, () => runner.done, 3_000);
      const s = store.load('e2etrail')!.state as TrailingState;
      assert.equal(s.done, true);
      assert.equal(s.sold, '0.01');
      assert.ok(Number(s.peak) > Number(s.startPx), `the peak ${s.peak} rose above the start ${s.startPx}`);
      // The trigger: a price at or below peak x (1 - 0.4 %); the market sell then fills near it.
      assert.equal(s.stopPx, new Decimal(s.peak).mul('0.996').toFixed());
      assert.ok(Number(s.exitPx) < Number(s.peak) * 0.998, `exit ${s.exitPx} vs peak ${s.peak}`);
      const orders = await exchangeOrders(r.client, 'e2etrail');
      assert.ok(orders.every((o) => o.side === 'sell'));
      assert.equal(orders.filter((o) => o.state === 'filled').length, 1, 'one sell completed the exit');
      const sold = store.intents('e2etrail').reduce((a, i) => a + Number(i.accFillSz), 0);
      assert.equal(sold.toFixed(8), '0.01000000');
      await runner.finished;
      await runner.stop();
    },
  );

  test(
    'restart: a new runner on the same state adopts the orders and places none twice',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, 11);
      const dir = tempDir(t);
      const cfg = { id: 'e2erest', instId: 'BTC-USDT', levels: 8, sizePerLevel: '0.001' };
      const stack1 = await stackFor(r, join(dir, 'journal.sqlite'));
      const last = Number((await stack1.exchange.ticker('BTC-USDT')).last);
      const raw = { ...cfg, lower: (last * 0.99).toFixed(1), upper: (last * 1.01).toFixed(1) };
      const s1 = new BotStateStore(join(dir, 'bots.sqlite'));
      const r1 = runnerFor(r, 'grid', raw, stack1, s1);
      await r1.start();
      await drive(r, r1, () => r1.status().fills >= 1);
      await r1.stop();
      s1.close();
      await stack1.close();
      const before = await exchangeOrders(r.client, 'e2erest');
      const live = before
        .filter((o) => o.state === 'live')
        .map((o) => o.clOrdId)
        .sort();

      const stack2 = await stackFor(r, join(dir, 'journal.sqlite'));
      const s2 = new BotStateStore(join(dir, 'bots.sqlite'));
      r.defer(() => s2.close());
      const r2 = runnerFor(r, 'grid', raw, stack2, s2);
      await r2.start();
      const after = await exchangeOrders(r.client, 'e2erest');
      assert.equal(after.length, before.length, 'no order placed on restart');
      assert.deepEqual(
        after
          .filter((o) => o.state === 'live')
          .map((o) => o.clOrdId)
          .sort(),
        live,
      );
      assert.equal(r2.status().openOrders, live.length);
      // ...and it keeps trading afterwards, still without duplicates, the book matching its state.
      await drive(r, r2, () => false, 5_000, 40);
      const final = await exchangeOrders(r.client, 'e2erest');
      assertNoDuplicates(final);
      assert.equal(final.length, r2.status().ordersPlaced);
      assert.equal(final.filter((o) => o.state === 'live').length, r2.status().openOrders);
      await r2.stop();
    },
  );

  test(
    'refuses to start with a key that can withdraw: no order is placed',
    { timeout: 60_000 },
    async (t) => {
      const sim = await withSim(t, { seed: 2 });
      const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('withdraw') });
      t.after(() => client.close());
      const config = parseBotConfig('grid', {
        id: 'unsafe',
        instId: 'BTC-USDT',
        lower: '50000',
        upper: '70000',
        levels: 5,
        sizePerLevel: '0.001',
      });
      await assert.rejects(
        runBot({
          config,
          client,
          keyCheck: () => checkKeyBeforeTrading(client, { warn: () => undefined }),
          statePath: ':memory:',
          journalPath: ':memory:',
          seconds: 1,
        }),
        (e: unknown) =>
          (e as { code?: string }).code === 'KEY_UNSAFE' && /withdraw/i.test(String((e as Error).message)),
      );
      assert.equal((await client.trade.ordersPending({ instType: 'SPOT' })).length, 0);
    },
  );

  test(
    "dead-man's switch: after a crash the exchange cancels the orders; the restart places them again",
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, 11);
      const dir = tempDir(t);
      const stack1 = await openTradingStack({
        client: r.client,
        journalPath: join(dir, 'j.sqlite'),
        clock: r.clock,
        pollMs: 10,
        deadMan: { timeOutSec: 10, heartbeatMs: 1000 },
      });
      r.defer(() => stack1.close());
      const last = Number((await stack1.exchange.ticker('BTC-USDT')).last);
      const raw = {
        id: 'e2edms',
        instId: 'BTC-USDT',
        levels: 6,
        sizePerLevel: '0.001',
        lower: (last * 0.98).toFixed(1),
        upper: (last * 1.02).toFixed(1),
      };
      const s1 = new BotStateStore(join(dir, 'bots.sqlite'));
      const r1 = runnerFor(r, 'grid', raw, stack1, s1);
      await r1.start();
      const ladder = async () =>
        (await exchangeOrders(r.client, 'e2edms'))
          .filter((o) => o.state === 'live')
          .map((o) => `${o.side} ${o.px}`)
          .sort();
      const before = await ladder();
      assert.equal(before.length, 5);
      // The crash: no more heartbeats, no clean stop.
      (r1 as unknown as { unsubscribe(): void }).unsubscribe();
      await stack1.deadMan!.halt();
      s1.close();
      r.clock.advance(11_000);
      // a timeout is reported by the assertion below, with the orders left
      await until(async () => (await ladder()).length === 0, 'the ladder canceled').catch(() => undefined);
      assert.deepEqual(await ladder(), [], 'cancel-all-after fired on the exchange');

      const stack2 = await stackFor(r, join(dir, 'j.sqlite'));
      const s2 = new BotStateStore(join(dir, 'bots.sqlite'));
      r.defer(() => s2.close());
      const r2 = runnerFor(r, 'grid', raw, stack2, s2);
      await r2.start();
      assert.deepEqual(await ladder(), before, 'the same ladder is back');
      assertNoDuplicates(await exchangeOrders(r.client, 'e2edms'));
      await r2.stop();
    },
  );
});
