import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { BacktestExchange } from '../../src/backtest/exchange.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { openTradingStack } from '../../src/bots/session.js';
import { checkKeyBeforeTrading } from '../../src/security/doctor.js';
import type { ExchangePort, Order } from '../../src/trading/exchange-port.js';
import { ManualClock } from '../../src/util/clock.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { withSim } from '../helpers/sim.js';

/**
 * One behavioural contract of the Exchange port, run against every implementation a strategy
 * may meet: the backtester's exchange, the test paper exchange, and OkxExchange on the local
 * exchange (which cannot be steered to a price, so the fill cases run on the first two only).
 */
interface Rig {
  port: ExchangePort;
  /** Last price now (for placing away from the market). */
  last(): Promise<number>;
  /** Moves the market to px (steerable venues only). */
  moveTo?(px: number): void;
}

const T0 = Date.UTC(2025, 0, 1);

async function backtestRig(): Promise<Rig> {
  const ex = new BacktestExchange({
    instrument: {
      instId: 'BTC-USDT',
      instType: 'SPOT',
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      tickSz: '0.1',
      lotSz: '0.00000001',
      minSz: '0.00001',
      maxLmtSz: '',
      maxMktSz: '',
      state: 'live',
    },
    balances: { USDT: '10000', BTC: '1' },
    spreadBps: 0,
  });
  ex.begin(T0, 100_000);
  ex.startCandle(1e9);
  let t = T0;
  return { port: ex, last: async () => 100_000, moveTo: (px) => ex.step((t += 1000), px) };
}

async function paperRig(): Promise<Rig> {
  const ex = new PaperExchange({ balances: { USDT: '10000', BTC: '1' }, prices: { 'BTC-USDT': '100000' } });
  return { port: ex, last: async () => 100_000, moveTo: (px) => ex.setPrice('BTC-USDT', String(px)) };
}

async function localExchangeRig(t: TestContext): Promise<Rig> {
  const undo: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const sim = await withSim({ after: (fn) => void undo.push(fn) }, { seed: 4, clock, tickMs: 5 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
  undo.push(() => client.close());
  const stack = await openTradingStack({
    client,
    journalPath: ':memory:',
    clock,
    pollMs: 10,
    deadMan: false,
    keyCheck: () => checkKeyBeforeTrading(client, { clock, warn: () => undefined }),
  });
  undo.push(() => stack.close());
  return { port: stack.exchange, last: async () => Number((await stack.exchange.ticker('BTC-USDT')).last) };
}

const RIGS: { name: string; steerable: boolean; make: (t: TestContext) => Promise<Rig> }[] = [
  { name: 'BacktestExchange', steerable: true, make: backtestRig },
  { name: 'PaperExchange (test helper)', steerable: true, make: paperRig },
  { name: 'OkxExchange on the local exchange', steerable: false, make: localExchangeRig },
];

const bal = async (p: ExchangePort, ccy: string) => {
  const b = (await p.balances()).find((x) => x.ccy === ccy);
  return { avail: Number(b?.availBal ?? 0), frozen: Number(b?.frozenBal ?? 0) };
};

/** Resolves with the first order update matching `pred` (an event, not a sleep). */
function nextOrder(p: ExchangePort, pred: (o: Order) => boolean): Promise<Order> {
  return new Promise((resolve) => {
    const off = p.onOrder((o) => {
      if (pred(o)) {
        off();
        resolve(o);
      }
    });
  });
}

for (const rig of RIGS) {
  describe(`Exchange port contract: ${rig.name}`, () => {
    test('instrument rules of BTC-USDT; an unknown order is undefined', async (t) => {
      const { port } = await rig.make(t);
      const i = await port.instrument('BTC-USDT');
      assert.equal(i.baseCcy, 'BTC');
      assert.equal(i.quoteCcy, 'USDT');
      assert.equal(i.tickSz, '0.1');
      assert.equal(await port.getOrder({ instId: 'BTC-USDT', clOrdId: 'nosuchorder1' }), undefined);
    });

    test('a limit buy below the market rests, freezes its quote, and a cancel releases it', async (t) => {
      const { port, last } = await rig.make(t);
      const px = Math.floor((await last()) * 0.5).toFixed(1);
      const before = await bal(port, 'USDT');
      const placed = await port.placeOrder({
        instId: 'BTC-USDT',
        side: 'buy',
        ordType: 'limit',
        px,
        sz: '0.01',
        tdMode: 'cash',
        clOrdId: 'contract1',
      });
      assert.equal(placed.state, 'live');
      assert.equal(placed.clOrdId, 'contract1');
      const open = await port.openOrders('BTC-USDT');
      assert.ok(open.some((o) => o.clOrdId === 'contract1'));
      assert.equal((await port.getOrder({ instId: 'BTC-USDT', clOrdId: 'contract1' }))?.state, 'live');
      const frozen = await bal(port, 'USDT');
      assert.ok(
        Math.abs(frozen.frozen - before.frozen - Number(px) * 0.01) < 1e-6,
        `frozen ${frozen.frozen}`,
      );
      const canceled = nextOrder(port, (o) => o.clOrdId === 'contract1' && o.state === 'canceled');
      await port.cancelOrder({ instId: 'BTC-USDT', clOrdId: 'contract1' });
      assert.equal((await canceled).accFillSz === '' || Number((await canceled).accFillSz) === 0, true);
      assert.equal((await port.getOrder({ instId: 'BTC-USDT', clOrdId: 'contract1' }))?.state, 'canceled');
      assert.ok(!(await port.openOrders('BTC-USDT')).some((o) => o.clOrdId === 'contract1'));
      const after = await bal(port, 'USDT');
      assert.ok(Math.abs(after.frozen - before.frozen) < 1e-6 && Math.abs(after.avail - before.avail) < 1e-6);
    });

    if (rig.steerable)
      test('the price trading through a resting buy fills it at its price as maker, the fee charged in base', async (t) => {
        const r = await rig.make(t);
        const filled = nextOrder(r.port, (o) => o.clOrdId === 'contract2' && o.state === 'filled');
        await r.port.placeOrder({
          instId: 'BTC-USDT',
          side: 'buy',
          ordType: 'limit',
          px: '99000.0',
          sz: '0.01',
          tdMode: 'cash',
          clOrdId: 'contract2',
        });
        r.moveTo!(98_900);
        const o = await filled;
        assert.equal(Number(o.avgPx), 99_000);
        assert.equal(o.feeCcy, 'BTC');
        assert.ok(Number(o.fee) < 0);
        const f = (await r.port.fills('BTC-USDT')).find((x) => x.clOrdId === 'contract2')!;
        assert.equal(f.execType, 'M');
        assert.equal(Number(f.fillSz), 0.01);
      });

    test('a market sell fills at once as taker, the fee charged in quote', async (t) => {
      const r = await rig.make(t);
      const done = nextOrder(r.port, (o) => o.clOrdId === 'contract3' && o.state === 'filled');
      await r.port.placeOrder({
        instId: 'BTC-USDT',
        side: 'sell',
        ordType: 'market',
        sz: '0.01',
        tdMode: 'cash',
        tgtCcy: 'base_ccy',
        clOrdId: 'contract3',
      });
      const o = await done;
      assert.equal(Number(o.accFillSz), 0.01);
      assert.equal(o.feeCcy, 'USDT');
      assert.ok(Number(o.fee) < 0);
      const f = (await r.port.fills('BTC-USDT')).filter((x) => x.clOrdId === 'contract3');
      assert.ok(f.length >= 1 && f.every((x) => x.execType === 'T'));
    });
  });
}
