import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { withSim } from '../helpers/sim.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { ManualClock } from '../../src/util/clock.js';
import { OkxExchange, mapOrder, OkxPayloadError } from '../../src/trading/okx-exchange.js';
import { DeadMansSwitch } from '../../src/trading/dead-mans-switch.js';
import { RiskManager } from '../../src/trading/risk.js';
import { Alerts } from '../../src/trading/alerts.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';
import type { Order } from '../../src/trading/exchange-port.js';
import { clockSleep } from './fake-exchange.js';
import { until } from '../helpers/until.js';

async function farBuy(
  okx: OkxExchange,
  instId: string,
  extra: { clOrdId?: string; tag?: string } = {},
): Promise<Order> {
  const [inst, t] = await Promise.all([okx.instrument(instId), okx.ticker(instId)]);
  const px = new Decimal(t.bidPx).mul('0.5').toNearest(inst.tickSz, Decimal.ROUND_DOWN).toFixed();
  return okx.placeOrder({
    instId,
    side: 'buy',
    ordType: 'post_only',
    px,
    sz: new Decimal(inst.minSz).mul(2).toFixed(),
    ...extra,
  });
}

describe('OkxExchange against the local exchange', () => {
  test('maps instruments, tickers, balances, orders and fills from OKX payloads', async (t) => {
    const sim = await withSim(t, { seed: 3 });
    const okx = new OkxExchange({
      client: new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') }),
    });
    const inst = await okx.instrument('BTC-USDT');
    assert.equal(inst.instId, 'BTC-USDT');
    assert.equal(inst.state, 'live');
    assert.match(inst.tickSz, /^\d+(\.\d+)?$/);
    const tk = await okx.ticker('BTC-USDT');
    assert.ok(new Decimal(tk.askPx).gte(tk.bidPx));
    assert.ok(tk.ts > 0);
    const bals = await okx.balances();
    assert.ok(bals.some((b) => b.ccy === 'USDT' && new Decimal(b.availBal).gt(0)));

    const o = await farBuy(okx, 'BTC-USDT', { clOrdId: 'okxexA1', tag: 'botA' });
    assert.equal(o.clOrdId, 'okxexA1');
    assert.equal(o.state, 'live');
    assert.equal(o.ordType, 'post_only');
    assert.equal(o.tag, 'botA');
    assert.equal(o.accFillSz, '0');
    assert.deepEqual(await okx.getOrder({ instId: 'BTC-USDT', clOrdId: 'okxexA1' }), o);
    assert.equal(await okx.getOrder({ instId: 'BTC-USDT', clOrdId: 'nosuchorder' }), undefined);
    assert.deepEqual(
      (await okx.openOrders('BTC-USDT')).map((x) => x.clOrdId),
      ['okxexA1'],
    );
    await okx.cancelOrder({ instId: 'BTC-USDT', clOrdId: 'okxexA1' });
    assert.equal((await okx.getOrder({ instId: 'BTC-USDT', clOrdId: 'okxexA1' }))?.state, 'canceled');

    // A marketable order fills: fills come back oldest first with OKX's fee sign.
    sim.tick(); // step the market to now so the synthetic book is there to take
    const buy = await okx.placeOrder({
      instId: 'SOL-USDT',
      side: 'buy',
      ordType: 'market',
      sz: '1',
      tgtCcy: 'base_ccy',
    });
    const done = await okx.getOrder({ instId: 'SOL-USDT', ordId: buy.ordId });
    assert.ok(done && new Decimal(done.accFillSz).gt(0) && done.avgPx !== '', JSON.stringify(done));
    const fills = await okx.fills('SOL-USDT');
    assert.ok(fills.length >= 1);
    assert.ok(fills.every((f) => f.ordId === buy.ordId && f.side === 'buy' && new Decimal(f.fee).lte(0)));
  });

  test('openOrders pages past 100 orders', async (t) => {
    const sim = await withSim(t, { seed: 4 });
    const okx = new OkxExchange({
      client: new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') }),
    });
    const first = await farBuy(okx, 'SOL-USDT');
    const ids: string[] = [first.ordId];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (ids.length < 105) {
          ids.push('');
          const o = await okx.placeOrder({
            instId: 'SOL-USDT',
            side: 'buy',
            ordType: 'post_only',
            px: first.px,
            sz: first.sz,
          });
          ids[ids.indexOf('')] = o.ordId;
        }
      }),
    );
    const open = await okx.openOrders();
    assert.equal(open.length, 105);
    assert.deepEqual(new Set(open.map((o) => o.ordId)), new Set(ids));
  });

  test('onOrder (REST polling) reports a cancel', async (t) => {
    const sim = await withSim(t, { seed: 5 });
    const okx = new OkxExchange({
      client: new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') }),
      pollMs: 50,
    });
    const o = await farBuy(okx, 'ETH-USDT');
    const seen: Order[] = [];
    const off = okx.onOrder((x) => seen.push(x));
    t.after(off);
    // the poll loop is running once it has made a pass
    await until(() => okx.orderStream().stats.restPasses > 0, 'a first REST pass');
    await okx.cancelOrder({ instId: 'ETH-USDT', ordId: o.ordId });
    await until(() => seen.some((x) => x.ordId === o.ordId && x.state === 'canceled'), 'the canceled state');
  });

  test('onOrder and onTicker over the WebSocket client, through a dropped connection', async (t) => {
    const sim = await withSim(t, { seed: 7 });
    const creds = sim.credentials('trade');
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: creds });
    t.after(() => ws.close());
    const okx = new OkxExchange({ client: new OkxClient({ baseUrl: sim.restUrl, credentials: creds }), ws });
    const orders: Order[] = [];
    const ticks: string[] = [];
    const offO = okx.onOrder((o) => orders.push(o));
    const offT = okx.onTicker('BTC-USDT', (tk) => ticks.push(tk.instId));
    t.after(() => (offO(), offT()));
    await until(() => ticks.length > 0, 'a ticker');
    assert.equal(await okx.ordersStreamReady(), true, 'the orders subscription is acknowledged');
    const a = await farBuy(okx, 'ETH-USDT', { clOrdId: 'wsOrderA' });
    await until(() => orders.some((o) => o.ordId === a.ordId && o.state === 'live'));
    // Cancelled while the connection is down: OKX does not replay the push; the reconnect sweep reads it.
    sim.dropWsConnections();
    await okx.cancelOrder({ instId: 'ETH-USDT', ordId: a.ordId });
    await until(() => orders.some((o) => o.ordId === a.ordId && o.state === 'canceled'));
  });

  test('a payload missing a field is a typed error naming it', () => {
    assert.throws(
      () => mapOrder({ ordId: '1', instId: 'BTC-USDT', side: 'buy', ordType: 'limit', state: 'live' }),
      (e: unknown) => e instanceof OkxPayloadError && /"sz"/.test(e.message),
    );
    assert.throws(
      () =>
        mapOrder({ ordId: '1', instId: 'BTC-USDT', side: 'up', ordType: 'limit', sz: '1', state: 'live' }),
      OkxPayloadError,
    );
  });
});

describe("dead-man's switch on the local exchange", () => {
  async function setup(t: { after(fn: () => unknown): void }) {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12));
    const sim = await withSim(t, { seed: 6, clock });
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: sim.credentials('trade'),
      clock,
      sleep: clockSleep(clock),
    });
    const okx = new OkxExchange({ client, clock });
    await farBuy(okx, 'BTC-USDT');
    await farBuy(okx, 'ETH-USDT');
    return { clock, sim, client, okx };
  }

  test('heartbeats stop: the exchange cancels every open order after timeOut', async (t) => {
    const { clock, sim, client, okx } = await setup(t);
    const dms = new DeadMansSwitch({
      api: client.trade,
      clock,
      sleep: clockSleep(clock),
      timeOutSec: 10,
      heartbeatMs: 2_000,
    });
    await dms.start();
    await dms.halt(); // the process hangs: no more heartbeats
    clock.advance(9_000);
    sim.tick();
    assert.equal((await okx.openOrders()).length, 2);
    clock.advance(1_500);
    sim.tick();
    assert.equal((await okx.openOrders()).length, 0);
  });

  test('a clean stop disarms: orders outlive the timeout', async (t) => {
    const { clock, sim, client, okx } = await setup(t);
    const dms = new DeadMansSwitch({
      api: client.trade,
      clock,
      sleep: clockSleep(clock),
      timeOutSec: 10,
      heartbeatMs: 2_000,
    });
    await dms.start();
    await dms.stop();
    clock.advance(30_000);
    sim.tick();
    assert.equal((await okx.openOrders()).length, 2);
  });
});

describe('RiskManager attached to the local exchange', () => {
  test('a fill that breaches the position limit halts, cancels the open orders, and alerts', async (t) => {
    const sim = await withSim(t, { seed: 3 });
    const okx = new OkxExchange({
      client: new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') }),
      pollMs: 50,
    });
    const alerts = new Alerts();
    const audit: TradingAuditEntry[] = [];
    const risk = new RiskManager({
      limits: { maxPosition: { 'SOL-USDT': '0.5' } },
      exchange: okx,
      alerts,
      audit: { append: (e) => void audit.push(e) },
    });
    const resting = await farBuy(okx, 'ETH-USDT');
    const errors: unknown[] = [];
    const detach = risk.attach(okx, {
      instIds: ['SOL-USDT'],
      pollMs: 50,
      sinceMs: 0,
      onError: (e) => errors.push(e),
    });
    t.after(detach);
    sim.tick(); // the market is stepped to now, so the book the order meets matches the ticker
    const ask = (await okx.ticker('SOL-USDT')).askPx;
    const taken = await okx.placeOrder({
      instId: 'SOL-USDT',
      side: 'buy',
      ordType: 'ioc',
      px: new Decimal(ask).mul('1.03').toFixed(2),
      sz: '2',
    });
    const filled = (await okx.getOrder({ instId: 'SOL-USDT', ordId: taken.ordId }))?.accFillSz ?? '0';
    assert.ok(new Decimal(filled).gt('0.5'), `filled ${filled}`);
    await until(() => risk.trips.length > 0, 'a risk trip');
    assert.equal(risk.trips[0]?.rule, 'maxPosition');
    assert.match(risk.haltReason() ?? '', /SOL-USDT/);
    assert.equal((await okx.getOrder({ instId: 'ETH-USDT', ordId: resting.ordId }))?.state, 'canceled');
    assert.ok(alerts.history.some((a) => a.kind === 'risk-trip'));
    assert.equal(audit[0]?.action, 'risk.tripped');
    assert.deepEqual(errors, []);
  });
});
