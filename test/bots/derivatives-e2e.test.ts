import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import { formatStatus, formatStatusLine, formatSummary } from '../../src/bots/status-view.js';
import type { GridState } from '../../src/bots/strategies/grid.js';
import type { TrailingState } from '../../src/bots/strategies/trailing.js';
import type { BotKind } from '../../src/bots/types.js';
import { needDerivatives } from '../../src/trading/exchange-port.js';
import { GuardRejection } from '../../src/trading/errors.js';
import { TestClock } from '../../src/util/clock.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { derivSim } from '../sim/derivs/derivs-kit.js';

/**
 * Contracts end to end on the local exchange, over the live path (OkxClient -> OkxExchange ->
 * guard -> journal -> runner). The exchange, the client and the bots share a test clock whose timers
 * fire only as the test moves it in steps; 15:56 UTC start, so funding (16:00 UTC) happens in the run.
 */
const START = Date.parse('2026-03-01T15:56:00.000Z');
const SWAP = 'BTC-USDT-SWAP';

interface Rig {
  sim: Simulator;
  clock: TestClock;
  defer(fn: () => unknown): void;
  client(label: string): OkxClient;
  stack(label: string): Promise<TradingStack>;
}

async function rig(t: TestContext, names: string[], seed = 7): Promise<Rig> {
  const undo: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  // A clock whose timers fire only when the test moves it: the sessions' polls, the clients' rate
  // limiters and the exchange all run on it, so nothing happens between steps.
  const clock = new TestClock(START);
  const { sim } = await derivSim({ after: (fn) => void undo.push(fn) }, names, { seed, clock });
  const r: Rig = {
    sim,
    clock,
    defer: (fn) => void undo.push(fn),
    client(label) {
      const c = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials(label), clock });
      undo.push(() => c.close());
      return c;
    },
    async stack(label) {
      const s = await openTradingStack({
        client: r.client(label),
        journalPath: ':memory:',
        clock,
        pollMs: 500,
        deadMan: false,
        ws: false,
      });
      undo.push(() => s.close());
      return s;
    },
  };
  return r;
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
  r.defer(() => runner.stop());
  return runner;
}

/** Steps the market; the runners reconcile and settle after each step. */
async function drive(
  r: Rig,
  runners: BotRunner[],
  done: () => boolean | Promise<boolean>,
  stepMs = 5_000,
  maxSteps = 400,
) {
  for (let i = 0; i < maxSteps && !(await done()); i++) {
    await r.clock.advanceAsync(stepMs);
    r.sim.tick();
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const x of runners) {
      await x.reconcile();
      await x.idle();
    }
  }
}

async function bills(client: OkxClient, type: string) {
  return client.api.account.bills({ type, instType: 'SWAP' });
}

describe('derivatives on the local exchange (end to end)', () => {
  test(
    'a short perpetual grid opens its position, trades the ladder, and pays or earns funding at 16:00 UTC',
    { timeout: 90_000 },
    async (t) => {
      const r = await rig(t, ['alice', 'bob']);
      const stack = await r.stack('alice');
      const port = needDerivatives(stack.port, 'the test');
      const last = Number((await stack.exchange.ticker(SWAP)).last);
      const store = new BotStateStore(':memory:');
      r.defer(() => store.close());
      const grid = runnerFor(
        r,
        'grid',
        {
          id: 'perp1',
          instId: SWAP,
          direction: 'short',
          lower: (last * 0.995).toFixed(1),
          upper: (last * 1.005).toFixed(1),
          levels: 8,
          sizePerLevel: '2',
        },
        stack,
        store,
      );
      await grid.start();
      await drive(r, [grid], () => (store.load('perp1')!.state as GridState).buying === undefined, 1_000, 50);
      const state = () => store.load('perp1')!.state as GridState;
      assert.equal(state().buying, undefined, 'the start-up short was opened');
      const [pos] = await port.positions(SWAP);
      assert.ok(pos && new Decimal(pos.pos).lt(0), `a short position: ${JSON.stringify(pos)}`);
      assert.equal(pos.mgnMode, 'cross');
      // the ladder: sells above the start level, the buys below close the short
      const live = await stack.exchange.openOrders(SWAP);
      assert.ok(
        live.some((o) => o.side === 'buy') && live.some((o) => o.side === 'sell'),
        'both sides of the ladder rest',
      );
      const client = r.client('alice');
      await drive(r, [grid], () => r.clock.now() >= Date.parse('2026-03-01T15:59:55Z'));
      const held = await port.positions(SWAP);
      await drive(r, [grid], () => r.clock.now() > Date.parse('2026-03-01T16:00:05Z'));
      assert.ok(
        held.length === 1 && new Decimal(held[0]!.pos).lt(0),
        `the short is held at 16:00: ${JSON.stringify(held)}`,
      );
      assert.ok(state().fills >= 1, `grid fills: ${state().fills}`);
      const funding = await bills(client, '8');
      assert.equal(funding.length, 1, 'one funding bill at 16:00 UTC');
      assert.equal(funding[0]!.instId, SWAP);
      assert.equal(Number(funding[0]!.ts), Date.parse('2026-03-01T16:00:00Z'));
      // the funding shows in the position's PnL: its funding fee and its realised PnL
      const [after] = await port.positions(SWAP);
      assert.equal(after?.fundingFee, funding[0]!.balChg, 'the bill is the position funding fee');
      assert.notEqual(after.fundingFee, '0');
      assert.ok(after.realizedPnl !== undefined && after.realizedPnl !== '', 'realised PnL reported');
      const st = grid.status();
      assert.ok(Number.isFinite(Number(st.realisedPnl)), `realised PnL ${st.realisedPnl}`);
      // the bot shows the funding: status, status line and summary
      assert.equal(st.funding, after.fundingFee, 'the status carries the funding of the position');
      const f = new Decimal(after.fundingFee).toFixed(4);
      const signed = f.startsWith('-') ? f : `+${f}`;
      assert.ok(
        formatStatus(st).some((l) => l.includes(`funding  ${signed} USDT`)),
        formatStatus(st).join('\n'),
      );
      assert.ok(formatStatusLine(st).includes(`| funding ${signed}`), formatStatusLine(st));
      const summary = await grid.stop();
      assert.match(formatSummary(summary), new RegExp(`funding +\\${signed} USDT`));
    },
  );

  for (const direction of ['long', 'neutral'] as const) {
    test(
      `a ${direction} perpetual grid places and fills on both sides as its mode says`,
      { timeout: 90_000 },
      async (t) => {
        const r = await rig(t, ['alice', 'bob'], direction === 'long' ? 13 : 17);
        const stack = await r.stack('alice');
        const port = needDerivatives(stack.port, 'the test');
        const last = Number((await stack.exchange.ticker(SWAP)).last);
        const store = new BotStateStore(':memory:');
        r.defer(() => store.close());
        const id = `perp${direction}`;
        const grid = runnerFor(
          r,
          'grid',
          {
            id,
            instId: SWAP,
            direction,
            lower: (last * 0.995).toFixed(1),
            upper: (last * 1.005).toFixed(1),
            levels: 8,
            sizePerLevel: '2',
          },
          stack,
          store,
        );
        await grid.start();
        await drive(r, [grid], () => (store.load(id)!.state as GridState).buying === undefined, 1_000, 50);
        const [pos] = await port.positions(SWAP);
        if (direction === 'long')
          assert.ok(pos && new Decimal(pos.pos).gt(0), `a long position: ${JSON.stringify(pos)}`);
        else assert.equal(pos, undefined, 'a neutral grid opens no position at start');
        const live = await stack.exchange.openOrders(SWAP);
        assert.ok(
          live.some((o) => o.side === 'buy') && live.some((o) => o.side === 'sell'),
          'both sides of the ladder rest',
        );
        // a long grid's start-up buy is one buy fill already: it needs one more from the ladder
        const need = { buy: direction === 'long' ? 2 : 1, sell: 1 };
        const count = async () => {
          const fills = await stack.exchange.fills(SWAP);
          // orders filled in full (a level is 2 contracts; the grid counts a level once it is whole)
          const n = (side: string) => {
            const by = new Map<string, Decimal>();
            for (const x of fills.filter((y) => y.side === side))
              by.set(x.ordId, (by.get(x.ordId) ?? new Decimal(0)).plus(x.fillSz));
            return [...by.values()].filter((sz) => sz.gte(2)).length;
          };
          return { buy: n('buy'), sell: n('sell') };
        };
        await drive(
          r,
          [grid],
          async () => {
            const c = await count();
            return c.buy >= need.buy && c.sell >= need.sell;
          },
          5_000,
          600,
        );
        const c = await count();
        assert.ok(
          c.buy >= need.buy && c.sell >= need.sell,
          `orders filled in full: ${c.buy} buy, ${c.sell} sell`,
        );
        const counted = (store.load(id)!.state as GridState).fills;
        assert.ok(counted >= 2, `the grid counted its fills: ${counted}`);
        await grid.stop();
      },
    );
  }

  test(
    'a short guarded by an exchange-side stop-loss is closed when the price rises to the trigger',
    { timeout: 90_000 },
    async (t) => {
      const r = await rig(t, ['bob', 'carol'], 5);
      const stack = await r.stack('bob');
      const port = needDerivatives(stack.port, 'the test');
      await port.setLeverage({ instId: SWAP, lever: '5', mgnMode: 'cross' });
      const short = await stack.port.placeOrder({
        instId: SWAP,
        side: 'sell',
        ordType: 'market',
        sz: '3',
        tdMode: 'cross',
      });
      assert.equal(short.state, 'filled');
      const [pos] = await port.positions(SWAP);
      assert.equal(pos!.pos, '-3');
      const last = new Decimal((await stack.exchange.ticker(SWAP)).last);
      const trigger = last.mul(1.0005).toDecimalPlaces(1, Decimal.ROUND_UP).toFixed();
      const { algoId } = await port.placeAlgo({
        instId: SWAP,
        side: 'buy',
        ordType: 'conditional',
        tdMode: 'cross',
        sz: '3',
        reduceOnly: true,
        slTriggerPx: trigger,
        slOrdPx: '-1',
      });
      assert.ok((await port.algoOrders(SWAP)).some((a) => a.algoId === algoId && a.slTriggerPx === trigger));
      // a reduce-only order larger than the short is refused before it is sent
      await assert.rejects(
        stack.port.placeOrder({
          instId: SWAP,
          side: 'buy',
          ordType: 'market',
          sz: '4',
          tdMode: 'cross',
          reduceOnly: true,
        }),
        (e: unknown) => e instanceof GuardRejection && e.rule === 'reduceOnly',
      );
      await drive(r, [], async () => (await port.positions(SWAP)).length === 0, 5_000, 600);
      assert.deepEqual(await port.positions(SWAP), [], 'the stop closed the short');
      assert.equal((await port.algoOrders(SWAP)).length, 0, 'no algo order left pending');
      const hist = await r.client('bob').api.algo.ordersHistory({ ordType: 'conditional', algoId });
      assert.equal(hist[0]?.state, 'effective');
    },
  );

  test(
    'the trailing stop guards a short: it buys back reduce-only once the price rises trailPct above its low',
    { timeout: 90_000 },
    async (t) => {
      const r = await rig(t, ['carol'], 9);
      const stack = await r.stack('carol');
      const port = needDerivatives(stack.port, 'the test');
      await stack.port.placeOrder({
        instId: SWAP,
        side: 'sell',
        ordType: 'market',
        sz: '2',
        tdMode: 'cross',
      });
      const store = new BotStateStore(':memory:');
      r.defer(() => store.close());
      const trail = runnerFor(
        r,
        'trailing',
        { id: 'trail1', instId: SWAP, position: 'short', size: '2', trailPct: '0.05' },
        stack,
        store,
      );
      await trail.start();
      const state = () => store.load('trail1')!.state as TrailingState;
      await drive(r, [trail], () => state().done, 5_000, 600);
      assert.ok(state().done, `stop ${state().stopPx}, low ${state().peak}`);
      assert.ok(new Decimal(state().exitPx).gte(state().stopPx), 'bought back at or above the stop');
      assert.deepEqual(await port.positions(SWAP), [], 'the short is closed');
      const buy = store.intents('trail1').find((i) => i.meta.role === 'stop')!;
      assert.equal(buy.intent.side, 'buy');
      assert.equal(buy.intent.reduceOnly, true);
    },
  );

  test(
    'liquidation: an isolated 100x position is liquidated with its bill, and the port sees it gone',
    { timeout: 90_000 },
    async (t) => {
      const r = await rig(t, ['dave', 'erin'], 3);
      const warned: string[] = [];
      r.sim.engine.onLiquidationWarning((account) => warned.push(account));
      const stacks = { dave: await r.stack('dave'), erin: await r.stack('erin') };
      for (const [who, side] of [
        ['dave', 'buy'],
        ['erin', 'sell'],
      ] as const) {
        const port = needDerivatives(stacks[who].port, 'the test');
        await port.setLeverage({ instId: SWAP, lever: '100', mgnMode: 'isolated' });
        // the guard allows up to the instrument's own maximum when no tighter limit is set
        await stacks[who].port.placeOrder({
          instId: SWAP,
          side,
          ordType: 'market',
          sz: '10',
          tdMode: 'isolated',
        });
      }
      let gone: 'dave' | 'erin' | undefined;
      await drive(
        r,
        [],
        async () => {
          for (const who of ['dave', 'erin'] as const)
            if ((await needDerivatives(stacks[who].port).positions(SWAP)).length === 0) gone = who;
          return gone !== undefined;
        },
        2_000,
        2000,
      );
      assert.ok(gone, 'one side was liquidated');
      assert.ok(warned.includes(gone), 'warned before');
      const liq = await bills(r.client(gone), '5');
      assert.equal(liq.length, 1);
      assert.equal(liq[0]!.instId, SWAP);
    },
  );
});
