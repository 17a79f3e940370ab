import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import {
  OkxNotFoundError,
  OkxBalanceError,
  OkxAuthError,
  OkxReadOnlyError,
} from '../../src/client/errors.js';
import { withSim } from '../helpers/sim.js';

test('OkxClient against the local exchange: market data, balance, place / get / cancel', async (t) => {
  const sim = await withSim(t, { seed: 7 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  t.after(() => client.close());

  const time = await client.public.time();
  assert.ok(Math.abs(time - Date.now()) < 5000);
  const sync = await client.syncClock();
  assert.ok(Math.abs(sync.offsetMs) < 1000);

  const insts = await client.public.instruments({ instType: 'SPOT' });
  const btc = insts.find((i) => i.instId === 'BTC-USDT');
  assert.ok(btc, 'BTC-USDT listed');

  const tickers = await client.market.tickers('SPOT');
  assert.ok(tickers.some((x) => x.instId === 'ETH-USDT'));
  const tk = await client.market.ticker('BTC-USDT');
  assert.ok(Number(tk.last) > 0);

  const book = await client.market.books('BTC-USDT', 5);
  assert.ok(book.asks.length > 0 && book.bids.length > 0);

  const candles = await client.market.candles({ instId: 'BTC-USDT', bar: '1m', limit: 50 });
  assert.equal(candles.length, 50);
  assert.ok(Number(candles[0]!.ts) > Number(candles[1]!.ts), 'newest first');

  const bal = await client.account.balance();
  assert.ok(bal.details.some((d) => d.ccy === 'USDT'));
  const cfg = await client.account.config();
  assert.match(cfg.perm, /trade/);

  // a resting buy far below the market
  const px = (Number(tk.last) * 0.5).toFixed(1);
  const placed = await client.trade.placeOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px,
    sz: '0.001',
    clOrdId: 'e2e1',
  });
  assert.equal(placed.sCode, '0');
  assert.equal(placed.clOrdId, 'e2e1');
  const got = await client.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'e2e1' });
  assert.equal(got.ordId, placed.ordId);
  assert.equal(got.state, 'live');
  const pending = await client.trade.ordersPending({ instId: 'BTC-USDT' });
  assert.ok(pending.some((o) => o.ordId === placed.ordId));

  const canceled = await client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
  assert.equal(canceled.sCode, '0');
  const after = await client.trade.getOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
  assert.equal(after.state, 'canceled');

  await assert.rejects(
    client.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'neverPlaced' }),
    OkxNotFoundError,
  );
  await assert.rejects(
    client.trade.placeOrder({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px,
      sz: '100000',
    }),
    OkxBalanceError,
  );
});

test('candlesBetween walks history backwards against the local exchange', async (t) => {
  const sim = await withSim(t, { seed: 3 });
  const client = new OkxClient({ baseUrl: sim.restUrl });
  t.after(() => client.close());
  const latest = await client.market.candles({ instId: 'ETH-USDT', bar: '1H', limit: 1 });
  const to = Number(latest[0]!.ts);
  const from = to - 250 * 3_600_000;
  const seen: number[] = [];
  for await (const page of client.market.candlesBetween({
    instId: 'ETH-USDT',
    bar: '1H',
    from,
    to,
    limit: 100,
  })) {
    for (const k of page) seen.push(Number(k.ts));
  }
  assert.equal(seen.length, 251);
  assert.equal(seen[0], to);
  assert.equal(seen.at(-1), from);
  assert.equal(new Set(seen).size, seen.length, 'no duplicates across pages');
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i - 1]! - seen[i]!, 3_600_000);
});

test('keys the local exchange rejects or the client refuses', async (t) => {
  const sim = await withSim(t);
  const ro = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('read-only'),
    readOnly: true,
  });
  t.after(() => ro.close());
  assert.ok((await ro.account.balance()).details.length > 0);
  await assert.rejects(
    ro.trade.placeOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '1' }),
    OkxReadOnlyError,
  );
  const demo = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), demo: true });
  t.after(() => demo.close());
  await assert.rejects(demo.account.balance(), (e: any) => e instanceof OkxAuthError && e.code === '50101');
});

test('local exchange faults: clock skew is corrected via 50102, accept-then-timeout is ambiguous and not resent', async (t) => {
  const sim = await withSim(t, { faults: { clockSkewMs: 45_000 } });
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    timeoutMs: 2000,
  });
  t.after(() => client.close());
  const bal = await client.account.balance();
  assert.ok(bal.details.length > 0, 'the 50102 was absorbed by one re-sync');
  assert.ok(Math.abs(client.clockOffsetMs - 45_000) < 1000);

  sim.faults.set({ acceptThenTimeoutRate: 1 });
  const tk = await client.market.ticker('BTC-USDT');
  await assert.rejects(
    client.trade.placeOrder({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px: (Number(tk.last) * 0.5).toFixed(1),
      sz: '0.001',
      clOrdId: 'amb1',
    }),
    (e: any) => e.ambiguous === true,
  );
  sim.faults.reset();
  sim.faults.set({ clockSkewMs: 45_000 });
  // reconcile by clOrdId: the order exists exactly once
  const o = await client.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'amb1' });
  assert.equal(o.state, 'live');
  const pending = await client.trade.ordersPending({ instId: 'BTC-USDT' });
  assert.equal(pending.filter((p) => p.clOrdId === 'amb1').length, 1);
});
