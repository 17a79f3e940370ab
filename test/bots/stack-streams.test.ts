// The bots' trading stack on the local exchange with a fixed book: order updates and fills come
// by WebSocket, each trade reaches the risk manager once, and REST only reconciles.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import type { Fill } from '../../src/trading/exchange-port.js';
import { FakeMarket } from '../sim/fake-market.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

const LONG = 60_000;

async function rig(t: TestContext) {
  const undo: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const market = new FakeMarket();
  const sim = await withSim({ after: (fn) => void undo.push(fn) }, { market });
  const credentials = sim.credentials('trade');
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials });
  undo.push(() => client.close());
  const stack: TradingStack = await openTradingStack({
    client,
    journalPath: ':memory:',
    ws: { credentials },
    // REST would neither poll nor reconcile within a test's lifetime: only the stream can deliver.
    pollMs: LONG,
    reconcileMs: LONG,
    deadMan: false,
  });
  undo.push(() => stack.close());
  // Every trade the risk manager is told of.
  const told: Fill[] = [];
  const onFill = stack.risk.onFill.bind(stack.risk);
  stack.risk.onFill = (f) => {
    told.push(f);
    return onFill(f);
  };
  return { sim, market, client, stack, told, defer: (fn: () => unknown) => void undo.push(fn) };
}

describe('trading stack over the WebSocket streams', () => {
  test('a grid fill reaches the bot and the risk manager by WebSocket, long before REST would look', async (t) => {
    const r = await rig(t);
    assert.deepEqual(r.stack.streams, { tickers: true, orders: true });
    assert.equal(r.stack.reconcileMs, LONG);
    const store = new BotStateStore(':memory:');
    r.defer(() => store.close());
    const runner = new BotRunner({
      port: r.stack.port,
      store,
      config: parseBotConfig('grid', {
        id: 'wsgrid',
        instId: 'BTC-USDT',
        lower: '49000',
        upper: '51000',
        levels: 10,
        investment: '1000',
        deadManSec: 0,
      }),
      hooks: r.stack.hooks,
      reconcileIntervalMs: 0,
    });
    r.defer(() => runner.stop());
    await runner.start();
    const buys = (await r.client.trade.ordersPending({ instType: 'SPOT', instId: 'BTC-USDT' }))
      .filter((o) => o.side === 'buy')
      .sort((a, b) => Number(b.px) - Number(a.px));
    const top = buys[0]!;
    const placedBefore = runner.status().ordersPlaced;
    r.market.emitTrades('BTC-USDT', [{ px: top.px, sz: top.sz, side: 'sell' }]);
    // (The answer may trade at once too, so the count can pass 1 between two looks.)
    await until(() => runner.status().fills >= 1, 'the bot sees the fill');
    // The strategy answered at once: a sell one level up.
    await until(() => runner.status().ordersPlaced > placedBefore, 'the answering order');
    await until(() => r.told.some((f) => f.ordId === top.ordId), 'risk told of the trade');
    const trade = r.told.find((f) => f.ordId === top.ordId)!;
    assert.equal(trade.fillSz, top.sz);
    assert.equal(trade.fillPx, top.px);
    // (The answering sell sits below the fixed bid, so it trades at once: a second trade.)
    const st = r.stack.exchange.orderStream().stats;
    assert.equal(st.wsFills, r.told.length);
    assert.equal(st.restFills, 0);
    assert.equal(new Set(r.told.map((f) => f.tradeId)).size, r.told.length);
  });

  test('each partial fill reaches the risk manager once, across a reconnect and REST passes', async (t) => {
    const r = await rig(t);
    const placed = await r.stack.port.placeOrder({
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'post_only',
      px: '49999.5',
      sz: '1.5',
    });
    for (let i = 1; i <= 3; i++) {
      r.market.emitTrades('BTC-USDT', [{ px: '49999.5', sz: '0.5', side: 'sell' }]);
      await until(() => r.told.length === i, `partial fill ${i} told to risk`);
      // The position grows with each trade, not only once the order is done.
      const pos = r.stack.risk.snapshot().positions['BTC-USDT'];
      assert.equal(pos, new Decimal('0.4996').mul(i).toFixed());
    }
    assert.ok(r.told.every((f) => f.ordId === placed.ordId && f.fillSz === '0.5' && f.fee === '-0.0004'));
    // A dropped connection: the re-subscription reconciles over REST, which repeats nothing.
    const passes = r.stack.exchange.orderStream().stats.restPasses;
    r.sim.dropWsConnections();
    await until(() => r.stack.exchange.orderStream().stats.restPasses > passes, 'the reconnect pass', 10_000);
    await r.stack.exchange.reconcileOrders();
    assert.equal(r.told.length, 3);
    assert.equal(new Set(r.told.map((f) => f.tradeId)).size, 3);
    assert.equal(r.stack.risk.snapshot().positions['BTC-USDT'], '1.4988');
    assert.equal(r.stack.risk.snapshot().openOrders, 0);
  });
});
