import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { needDerivatives } from '../../src/trading/exchange-port.js';
import { GuardRejection } from '../../src/trading/errors.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';
import type { RiskLimits } from '../../src/trading/risk.js';
import type { SimMarket } from '../../src/sim/market/market.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { TestClock } from '../../src/util/clock.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { withSim } from '../helpers/sim.js';
import { accountsConfig, T0 } from '../sim/sim-test-kit.js';
import { until } from '../helpers/until.js';

/**
 * The risk breaker on contracts, end to end on the local exchange over the live path (OkxClient ->
 * OkxExchange -> risk manager -> journaled executor). Time is the manual clock shared by the
 * exchange, the client and the stack; the test moves it and moves the price with a market shock.
 */
const SWAP = 'BTC-USDT-SWAP';

interface Rig {
  sim: Simulator;
  clock: TestClock;
  dir: string;
  client(label: string): OkxClient;
  stack(
    label: string,
    risk: RiskLimits,
    audit?: TradingAuditEntry[],
    journal?: string,
  ): Promise<TradingStack>;
  killSwitch(label: string): KillSwitch;
}

async function rig(t: TestContext, names: string[], seed = 11): Promise<Rig> {
  const undo: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-risk-deriv-'));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  // A clock whose timers fire only when the test moves it: the session's polls, the client's rate
  // limiter and the exchange all run on it, so nothing happens between steps.
  const clock = new TestClock(T0);
  const cfg = accountsConfig(names);
  const accounts = Object.fromEntries(
    Object.entries(cfg.accounts).map(([n, a]) => [
      n,
      { ...a, acctLv: '2' as const, posMode: 'net_mode' as const },
    ]),
  );
  const sim = await withSim(
    { after: (fn) => void undo.push(fn) },
    { seed, clock, config: { keys: cfg.keys, accounts } },
  );
  const r: Rig = {
    sim,
    clock,
    dir,
    client(label) {
      const c = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials(label), clock });
      undo.push(() => c.close());
      return c;
    },
    killSwitch: (label) => new KillSwitch({ path: join(dir, `${label}-kill.json`), clock }),
    async stack(label, risk, audit = [], journal = ':memory:') {
      const s = await openTradingStack({
        client: r.client(label),
        journalPath: journal,
        clock,
        // 2 position polls per second of exchange time: within GET positions' 10 per 2 s
        pollMs: 500,
        deadMan: false,
        ws: false,
        risk,
        killSwitch: r.killSwitch(label),
        audit: { append: (e) => void audit.push(e) },
      });
      undo.push(() => s.close());
      return s;
    },
  };
  return r;
}

/** One step of exchange time: the clock moves, the market steps, pending I/O gets a turn. */
async function step(r: Rig, ms: number): Promise<void> {
  await r.clock.advanceAsync(ms);
  r.sim.tick();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the clock until the session's own positions poll has tripped the breaker `n` times. */
async function tripped(r: Rig, s: TradingStack, n: number, what: string): Promise<void> {
  await until(async () => {
    await step(r, 100);
    return s.risk.trips.length >= n;
  }, what);
}

async function openLong(s: TradingStack, lever: string, mgnMode: 'cross' | 'isolated', sz: string) {
  const port = needDerivatives(s.port, 'the test');
  await port.setLeverage({ instId: SWAP, lever, mgnMode });
  const o = await s.port.placeOrder({ instId: SWAP, side: 'buy', ordType: 'market', sz, tdMode: mgnMode });
  assert.equal(o.state, 'filled');
  return port;
}

describe('the risk breaker on positions (local exchange)', () => {
  test(
    'a leverage limit trips on the polled positions and halves the position reduce-only through the journal, audited',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, ['alice']);
      const audit: TradingAuditEntry[] = [];
      const s = await r.stack('alice', { maxLeverage: '10', onTrip: 'reduce', reduceFraction: '0.5' }, audit);
      const port = await openLong(s, '20', 'cross', '10');
      // the session polls positions every pollMs
      await tripped(r, s, 1, 'the leverage trip');
      const trip = s.risk.trips[0]!;
      assert.equal(trip.rule, 'maxLeverage');
      assert.equal(trip.action, 'reduce');
      assert.equal(trip.positionOrders.length, 1);
      const po = trip.positionOrders[0]!;
      assert.deepEqual([po.side, po.sz, po.pos, po.error], ['sell', '5', '10', undefined]);
      const [pos] = await port.positions(SWAP);
      assert.equal(pos?.pos, '5', 'half the long is left');
      // the order went through the journal (exactly once by its clOrdId) and was reduce-only
      const row = s.port.executor.journal.get(po.clOrdId!);
      assert.equal(row?.status, 'acked');
      const sent = await r.client('alice').trade.getOrder({ instId: SWAP, clOrdId: po.clOrdId! });
      assert.equal(sent.reduceOnly, 'true');
      const a = audit.find((e) => e.action === 'risk.tripped');
      assert.equal(a?.details.action, 'reduce');
      assert.equal((a?.details.positionOrders as unknown[]).length, 1);
      assert.match(a.why, /maxLeverage: BTC-USDT-SWAP runs at 20x leverage, limit 10x/);
      await assert.rejects(
        s.port.placeOrder({ instId: SWAP, side: 'buy', ordType: 'market', sz: '1', tdMode: 'cross' }),
        (e: unknown) => e instanceof GuardRejection && e.rule === 'halted',
      );
    },
  );

  test(
    'cancel-only (the default) trips the same limit and leaves the position whole',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, ['bob']);
      const s = await r.stack('bob', { maxLeverage: '10' });
      const port = await openLong(s, '20', 'cross', '4');
      await tripped(r, s, 1, 'the leverage trip');
      assert.equal(s.risk.trips[0]!.action, 'cancel-only');
      assert.deepEqual(s.risk.trips[0]!.positionOrders, []);
      assert.equal((await port.positions(SWAP))[0]?.pos, '4');
    },
  );

  test(
    'across a restart the halt holds and the position is not reduced twice; after resume the limit acts again',
    { timeout: 60_000 },
    async (t) => {
      const r = await rig(t, ['carol']);
      const journal = join(r.dir, 'carol-journal.sqlite');
      const limits: RiskLimits = { maxLeverage: '10', onTrip: 'reduce', reduceFraction: '0.5' };
      const first = await r.stack('carol', limits, [], journal);
      const port = await openLong(first, '20', 'cross', '8');
      await tripped(r, first, 1, 'the first trip');
      await first.close();
      assert.equal((await port.positions(SWAP))[0]?.pos, '4');
      // a new process: same kill switch file, same journal, same limits
      const second = await r.stack('carol', limits, [], journal);
      const port2 = needDerivatives(second.port, 'the test');
      assert.match(second.risk.haltReason() ?? '', /maxLeverage/);
      for (let i = 0; i < 5; i++) await step(r, 60);
      const polled = await port2.positions(SWAP);
      await second.risk.onPositions(polled);
      assert.equal(second.risk.trips.length, 0, 'halted: no second trip');
      assert.equal(polled[0]?.pos, '4', 'not reduced again');
      await second.risk.resume('leverage reviewed, still too high on purpose', 'tester');
      await tripped(r, second, 1, 'the trip after resume');
      assert.equal((await port2.positions(SWAP))[0]?.pos, '2');
    },
  );

  test(
    'a price fall: the breaker closes one 20x long before liquidation; the same long without it is warned over WebSocket and liquidated with its bill',
    { timeout: 90_000 },
    async (t) => {
      const r = await rig(t, ['dave', 'erin'], 13);
      const dave = await r.stack('dave', { minLiqDistancePct: '3', onTrip: 'close-all' });
      const erin = await r.stack('erin', {});
      const davePort = await openLong(dave, '20', 'isolated', '10');
      const erinPort = await openLong(erin, '20', 'isolated', '10');
      const [start] = await davePort.positions(SWAP);
      const liqPx = new Decimal(start!.liqPx);
      const mark0 = new Decimal(start!.markPx);
      assert.ok(
        mark0.minus(liqPx).div(mark0).gt(0.03),
        `starts more than 3 % from liquidation: ${start!.liqPx}`,
      );
      const ws = new OkxWsClient({
        urls: r.sim.wsUrls,
        credentials: r.sim.credentials('erin'),
        clock: r.clock,
      });
      t.after(() => ws.close());
      const warnings: Array<{ instId: string; mgnRatio: string }> = [];
      const stream = ws.liquidationWarning({ instType: 'SWAP' });
      await new Promise<void>((resolve) => ws.once('subscribed', () => resolve()));
      void (async () => {
        for await (const w of stream) warnings.push({ instId: w.instId, mgnRatio: w.mgnRatio ?? '' });
      })().catch(() => undefined);
      const market = r.sim.market as SimMarket;
      let erinGone: number | undefined;
      let daveFlat: number | undefined;
      for (let i = 0; i < 40 && erinGone === undefined; i++) {
        market.shock('BTC-USDT', -0.004);
        for (let k = 0; k < 5; k++) await step(r, 1_000);
        // what the session's timer does every pollMs, here once per step so the order is certain
        await dave.risk.onPositions(await davePort.positions());
        if (daveFlat === undefined && (await davePort.positions(SWAP)).length === 0) daveFlat = i;
        if ((await erinPort.positions(SWAP)).length === 0) erinGone = i;
      }
      assert.ok(erinGone !== undefined, 'the long without a breaker was liquidated');
      assert.ok(
        daveFlat !== undefined && daveFlat < erinGone,
        `closed at step ${daveFlat}, before ${erinGone}`,
      );
      // dave's breaker acted first: closed at market, never liquidated
      const trip = dave.risk.trips[0];
      assert.equal(trip?.rule, 'minLiqDistancePct');
      assert.deepEqual(
        [trip.action, trip.positionOrders[0]?.sz, trip.positionOrders[0]?.side],
        ['close-all', '10', 'sell'],
      );
      assert.deepEqual(await davePort.positions(SWAP), []);
      const daveLiq = await r.client('dave').api.account.bills({ type: '5', instType: 'SWAP' });
      assert.equal(daveLiq.length, 0, 'no liquidation bill for the account with the breaker');
      // erin: the liquidation bill and the warning push before it
      const liq = await r.client('erin').api.account.bills({ type: '5', instType: 'SWAP' });
      assert.equal(liq.length, 1);
      assert.equal(liq[0]!.instId, SWAP);
      assert.equal(liq[0]!.subType, '107', 'a net long liquidated');
      await until(() => warnings.length > 0, 'the liquidation-warning push');
      assert.equal(warnings[0]!.instId, SWAP);
      assert.ok(
        new Decimal(warnings[0]!.mgnRatio).gt(1),
        `warned above liquidation: ${warnings[0]!.mgnRatio}`,
      );
    },
  );
});
