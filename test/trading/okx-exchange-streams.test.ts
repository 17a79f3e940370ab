// OkxExchange's order feed against the local exchange with a fixed book: resting orders are
// filled by public trades the test plays, so every fill is known in advance.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxWsClient, type OkxWsClientOptions } from '../../src/ws/client.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { OkxExchange } from '../../src/trading/okx-exchange.js';
import type { Fill, Order } from '../../src/trading/exchange-port.js';
import { FakeMarket } from '../sim/fake-market.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

const LONG = 60_000;

async function rig(
  t: TestContext,
  o: { pollMs?: number; reconcileMs?: number; ws?: Partial<OkxWsClientOptions> } = {},
) {
  const market = new FakeMarket();
  const sim = await withSim(t, { market });
  const creds = sim.credentials('trade');
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: creds });
  const calls = { ordersPending: 0, getOrder: 0, fills: 0 };
  const real = client.trade;
  // Counts the REST reads the feed makes (the exchange object reads `client.trade` on each call).
  const trade = Object.create(real) as typeof real;
  trade.ordersPending = (p) => (calls.ordersPending++, real.ordersPending(p));
  trade.getOrder = (p) => (calls.getOrder++, real.getOrder(p));
  trade.fills = (p) => (calls.fills++, real.fills(p));
  const ws = new OkxWsClient({
    urls: sim.wsUrls,
    credentials: creds,
    connectLimiter: new ConnectLimiter(1000),
    backoff: { baseMs: 1, maxMs: 20 },
    ...o.ws,
  });
  const errors: unknown[] = [];
  const okx = new OkxExchange({
    client: {
      ...client,
      clockOffsetMs: 0,
      public: client.public,
      market: client.market,
      account: client.account,
      trade,
    },
    ws,
    pollMs: o.pollMs ?? LONG,
    reconcileMs: o.reconcileMs ?? LONG,
    onPollError: (e) => errors.push(e),
  });
  const orders: Order[] = [];
  const fills: Fill[] = [];
  const offO = okx.onOrder((x) => orders.push(x));
  const offF = okx.onFill((f) => fills.push(f));
  t.after(async () => {
    offO();
    offF();
    await ws.close();
    await client.close();
  });
  assert.equal(await okx.ordersStreamReady(), true);
  return { sim, market, client, ws, okx, orders, fills, calls, errors };
}

/** A post-only buy inside the fixed spread (49999 / 50000): it rests until a trade reaches it. */
function restingBuy(okx: OkxExchange, sz = '1.5', clOrdId = 'feedbuy1'): Promise<Order> {
  return okx.placeOrder({
    instId: 'BTC-USDT',
    side: 'buy',
    ordType: 'post_only',
    px: '49999.5',
    sz,
    clOrdId,
  });
}

const sell = (market: FakeMarket, sz: string) =>
  market.emitTrades('BTC-USDT', [{ px: '49999.5', sz, side: 'sell' }]);

describe('OkxExchange order feed over the orders channel', () => {
  test('a fill on the exchange arrives by WebSocket, long before the REST reconciliation is due', async (t) => {
    const r = await rig(t);
    const placed = await restingBuy(r.okx);
    const readsBefore = { ...r.calls };
    sell(r.market, '1.5');
    await until(
      () => r.orders.some((o) => o.ordId === placed.ordId && o.state === 'filled'),
      'the filled state',
    );
    await until(() => r.fills.length === 1, 'the fill');
    const f = r.fills[0]!;
    assert.equal(f.ordId, placed.ordId);
    assert.equal(f.fillPx, '49999.5');
    assert.equal(f.fillSz, '1.5');
    assert.equal(f.execType, 'M');
    assert.equal(f.feeCcy, 'BTC');
    // Maker fee 0.08 % of the base received, OKX sign: negative = charged.
    assert.equal(f.fee, new Decimal('1.5').mul('0.0008').neg().toFixed());
    // Nothing was read over REST for it: the reconciliation period (60 s) is far away.
    assert.deepEqual(r.calls, readsBefore);
    const st = r.okx.orderStream();
    assert.equal(st.streaming, true);
    assert.equal(st.stats.wsFills, 1);
    assert.equal(st.stats.restFills, 0);
    assert.deepEqual(r.errors, []);
  });

  test('partial fills each arrive once, with their own size and fee, and a REST pass repeats none', async (t) => {
    const r = await rig(t);
    const placed = await restingBuy(r.okx);
    for (let i = 0; i < 3; i++) {
      sell(r.market, '0.5');
      await until(() => r.fills.length === i + 1, `fill ${i + 1}`);
    }
    await until(() => r.orders.some((o) => o.ordId === placed.ordId && o.state === 'filled'), 'filled');
    await r.okx.reconcileOrders();
    assert.equal(r.fills.length, 3);
    assert.equal(new Set(r.fills.map((f) => f.tradeId)).size, 3);
    assert.ok(r.fills.every((f) => f.fillSz === '0.5' && f.fee === '-0.0004'));
    // The same trades as GET /trade/fills, by tradeId.
    const rest = await r.okx.fills('BTC-USDT');
    assert.deepEqual(r.fills.map((f) => f.tradeId).sort(), rest.map((f) => f.tradeId).sort());
    const states = r.orders.filter((o) => o.ordId === placed.ordId).map((o) => `${o.state}:${o.accFillSz}`);
    assert.deepEqual(states, ['live:0', 'partially_filled:0.5', 'partially_filled:1', 'filled:1.5']);
  });

  test('fills while the WebSocket is down are read over REST once it is back', async (t) => {
    // The reconnect waits ~1.5 s (no jitter): the fills happen in that gap, and REST would not
    // poll for a minute on its own.
    const r = await rig(t, { ws: { backoff: { baseMs: 1500, maxMs: 1500 }, random: () => 0.999 } });
    const placed = await restingBuy(r.okx);
    await until(() => r.orders.some((o) => o.ordId === placed.ordId), 'the live state');
    let down = false;
    r.ws.on('reconnecting', (i) => (down ||= i.endpoint === 'private'));
    r.sim.dropWsConnections();
    await until(() => down, 'the drop');
    sell(r.market, '0.5');
    sell(r.market, '1');
    // a REST round trip after the sells: the local exchange has matched them by its answer
    await r.okx.balances();
    assert.equal(r.fills.length, 0, 'nothing can arrive while the socket is down');
    await until(
      () => r.orders.some((o) => o.ordId === placed.ordId && o.state === 'filled'),
      'filled',
      10_000,
    );
    await until(() => r.fills.length === 2, 'both fills', 10_000);
    assert.deepEqual(r.fills.map((f) => f.fillSz).sort(), ['0.5', '1']);
    const st = r.okx.orderStream().stats;
    assert.equal(st.restFills, 2);
    assert.ok(st.restOrders >= 1);
    assert.equal(r.okx.orderStream().streaming, true);
  });

  test('a REST read answered after a newer push does not take the order back', async (t) => {
    const r = await rig(t);
    const placed = await restingBuy(r.okx);
    await until(() => r.orders.some((o) => o.ordId === placed.ordId), 'the live state');
    // The next orders-pending answer is held back until the order has filled meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const trade = (r.okx.client as { trade: { ordersPending: (p: unknown) => Promise<unknown> } }).trade;
    const plain = trade.ordersPending;
    let answered: unknown;
    trade.ordersPending = async (p) => {
      answered = await plain(p);
      await gate;
      return answered;
    };
    const pass = r.okx.reconcileOrders();
    await until(() => answered !== undefined, 'the REST answer (still live)');
    sell(r.market, '0.5');
    await until(() => r.orders.some((o) => o.state === 'partially_filled'), 'the partial fill by WS');
    release();
    await pass;
    const mine = r.orders.filter((o) => o.ordId === placed.ordId).map((o) => o.state);
    assert.deepEqual(mine, ['live', 'partially_filled']);
    assert.equal(r.okx.orderStream().stats.staleDropped, 1);
    // A getOrder that reads an older state is dropped the same way.
    trade.ordersPending = plain;
    sell(r.market, '1');
    await until(() => r.orders.some((o) => o.state === 'filled'), 'filled');
    const before = r.orders.length;
    await r.okx.getOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
    assert.equal(r.orders.length, before, 'the final state again is no news');
  });
});

describe('OkxExchange prices over the tickers channel', () => {
  test('while the public connection is down, prices come over REST; the resubscription ends that', async (t) => {
    const sim = await withSim(t, { seed: 9, tickMs: 20 });
    const client = new OkxClient({ baseUrl: sim.restUrl });
    const ws = new OkxWsClient({
      urls: sim.wsUrls,
      connectLimiter: new ConnectLimiter(1000),
      backoff: { baseMs: 1200, maxMs: 1200 },
      random: () => 0.999,
    });
    t.after(async () => {
      await ws.close();
      await client.close();
    });
    let restReads = 0;
    const plainTicker = client.market.ticker.bind(client.market);
    client.market.ticker = (instId) => (restReads++, plainTicker(instId));
    const okx = new OkxExchange({ client, ws, pollMs: 50 });
    let down = false;
    let upAgain = false;
    const during: number[] = [];
    const after: number[] = [];
    ws.on('reconnecting', (i) => (down ||= i.endpoint === 'public'));
    ws.on('subscribed', (i) => (upAgain ||= down && i.endpoint === 'public'));
    let upTicks = 0;
    const off = okx.onTicker('BTC-USDT', (tk) => {
      if (!down) upTicks++;
      if (down && !upAgain) during.push(tk.ts);
      else if (upAgain) after.push(tk.ts);
    });
    t.after(off);
    await until(() => !down && ws.connection('public').isReady, 'the first subscription');
    // ten pushes (~200 ms of a market stepping every 20 ms): a 50 ms REST poll would have read
    const base = upTicks;
    await until(() => upTicks >= base + 10, 'ten pushes');
    assert.equal(restReads, 0, 'no REST while the stream is up');
    sim.dropWsConnections();
    await until(() => upAgain, 'the resubscription');
    const readsWhileDown = restReads;
    const back = after.length;
    await until(() => after.length >= back + 15, 'fifteen pushes after the resubscription');
    assert.ok(restReads <= readsWhileDown + 1, 'REST polling stops once the stream is back');
    // About 1.2 s down with a 50 ms REST poll and a market stepping every 20 ms.
    assert.ok(during.length >= 3, `prices while down: ${during.length}`);
    // Never back in time, across the switch.
    const all = [...during, ...after];
    assert.ok(all.every((ts, i) => i === 0 || ts >= all[i - 1]!));
  });
});
