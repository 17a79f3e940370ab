import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fillOfPush, OrderFeed } from '../../src/trading/order-feed.js';
import type { Fill, Order } from '../../src/trading/exchange-port.js';

function order(over: Partial<Order> = {}): Order {
  return {
    ordId: '1',
    clOrdId: 'c1',
    instId: 'BTC-USDT',
    side: 'buy',
    ordType: 'limit',
    px: '100',
    sz: '3',
    accFillSz: '0',
    avgPx: '',
    state: 'live',
    fee: '0',
    feeCcy: 'BTC',
    tag: '',
    cTime: 1000,
    uTime: 1000,
    ...over,
  };
}

function fill(tradeId: string, ts: number, over: Partial<Fill> = {}): Fill {
  return {
    tradeId,
    ordId: '1',
    clOrdId: 'c1',
    instId: 'BTC-USDT',
    side: 'buy',
    fillPx: '100',
    fillSz: '1',
    fee: '-0.001',
    feeCcy: 'BTC',
    execType: 'M',
    ts,
    ...over,
  };
}

describe('fill fields of an orders push', () => {
  test('a push with a trade gives the fill with its own fee; a push without one gives none', () => {
    const o = order({ state: 'partially_filled', accFillSz: '1', uTime: 1100 });
    const push = {
      tradeId: '77',
      fillPx: '99.5',
      fillSz: '1',
      fillFee: '-0.0008',
      fillFeeCcy: 'BTC',
      fillTime: '1099',
      execType: 'M',
    };
    assert.deepEqual(fillOfPush(push, o), {
      tradeId: '77',
      ordId: '1',
      clOrdId: 'c1',
      instId: 'BTC-USDT',
      side: 'buy',
      fillPx: '99.5',
      fillSz: '1',
      fee: '-0.0008',
      feeCcy: 'BTC',
      execType: 'M',
      ts: 1099,
    });
    assert.equal(fillOfPush({ ...push, fillFee: undefined }, o)?.fee, undefined);
    assert.equal(fillOfPush({ tradeId: '', fillPx: '', fillSz: '0' }, order()), undefined);
    assert.equal(fillOfPush({ ...push, fillSz: '0' }, o), undefined);
  });
});

describe('OrderFeed', () => {
  test('a REST answer that arrives after a newer push is dropped; each trade passes once', async () => {
    let release!: (orders: Order[]) => void;
    const held = new Promise<Order[]>((r) => (release = r));
    const restFills: Fill[] = [fill('t1', 1100), fill('t2', 1150, { fillSz: '2' })];
    const feed = new OrderFeed({
      source: {
        openOrders: () => held,
        getOrder: async () => undefined,
        fillsSince: async (ms) => restFills.filter((f) => f.ts >= ms),
      },
      startMs: 1000,
      onError: (e) => assert.fail(String(e)),
    });
    const seen: string[] = [];
    const trades: string[] = [];
    feed.onOrder((o) => seen.push(`${o.state}:${o.accFillSz}`));
    feed.onFill((f) => trades.push(f.tradeId));
    assert.ok(feed.offerOrder(order(), 'ws'));
    const pass = feed.reconcile(); // its orders-pending read is answered late
    assert.ok(feed.offerFill(fill('t1', 1100), 'ws'));
    feed.offerOrder(order({ state: 'partially_filled', accFillSz: '1', uTime: 1100 }), 'ws');
    assert.ok(feed.offerFill(fill('t2', 1150, { fillSz: '2' }), 'ws'));
    feed.offerOrder(order({ state: 'filled', accFillSz: '3', uTime: 1150 }), 'ws');
    release([order()]); // what the exchange said before the fills
    await pass;
    assert.deepEqual(seen, ['live:0', 'partially_filled:1', 'filled:3']);
    assert.deepEqual(trades, ['t1', 't2']);
    assert.equal(feed.stats.staleDropped, 1);
    assert.equal(feed.stats.restFills, 0);
    // A fill before the start is history, not news.
    assert.equal(feed.offerFill(fill('t0', 999), 'rest'), false);
  });

  test('a pass reads the final state of a watched order that left the open list, and fills missed', async () => {
    const filled = order({ state: 'filled', accFillSz: '3', uTime: 1300 });
    const feed = new OrderFeed({
      source: {
        openOrders: async () => [],
        getOrder: async (ref) => (ref.ordId === '1' ? filled : undefined),
        fillsSince: async () => [fill('t9', 1300, { fillSz: '3' })],
      },
      startMs: 1000,
      onError: (e) => assert.fail(String(e)),
    });
    const seen: string[] = [];
    const trades: Fill[] = [];
    feed.onOrder((o) => seen.push(o.state));
    feed.onFill((f) => trades.push(f));
    feed.offerOrder(order(), 'rest');
    await feed.reconcile();
    await feed.reconcile(); // a second pass repeats nothing
    assert.deepEqual(seen, ['live', 'filled']);
    assert.deepEqual(
      trades.map((f) => [f.tradeId, f.fillSz]),
      [['t9', '3']],
    );
    assert.equal(feed.stats.restFills, 1);
  });
});
