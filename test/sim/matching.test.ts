import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { FakeMarket } from './fake-market.js';
import { accountsConfig, assertConsistent, balances, get, order, place, post, T0 } from './sim-test-kit.js';

async function start(t: Parameters<typeof withSim>[0], names = ['alice']) {
  const market = new FakeMarket();
  const clock = new ManualClock(T0);
  const sim = await withSim(t, { market, clock, config: accountsConfig(names) });
  return { sim, market, clock };
}

describe('matching engine over REST', () => {
  test('a crossing limit buy takes the synthetic book best price first, then rests nothing', async (t) => {
    const { sim } = await start(t);
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '50001',
      sz: '1.5',
      clOrdId: 'x1',
    });
    assert.equal(r.code, '0');
    assert.equal(r.data[0].sCode, '0');
    assert.match(r.data[0].ordId, /^\d+$/);
    assert.match(r.inTime, /^\d{16}$/);
    const o = await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId);
    assert.equal(o.state, 'filled');
    assert.equal(o.accFillSz, '1.5');
    assert.equal(o.avgPx, new Decimal(50000).plus(new Decimal(50001).mul(0.5)).div(1.5).toFixed());
    assert.equal(o.fillPx, '50001');
    assert.equal(o.fillSz, '0.5');
    // Taker 0.10 % in the received currency, negative = charged.
    assert.equal(o.feeCcy, 'BTC');
    assert.equal(o.fee, '-0.0015');
    assert.equal(o.reduceOnly, 'false');
    assert.equal(o.px, '50001');
    assert.equal(o.tdMode, 'cash');
    const b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.cashBal.toFixed(), new Decimal(100000).minus(50000).minus(25000.5).toFixed());
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
    assert.equal(b.BTC!.cashBal.toFixed(), '3.4985');
  });

  test('a partial fill leaves the rest resting with its funds frozen; cancel releases them', async (t) => {
    const { sim } = await start(t);
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '50000',
      sz: '1.5',
    });
    const ordId = r.data[0].ordId;
    let o = await order(sim, 'alice', 'BTC-USDT', ordId);
    assert.equal(o.state, 'partially_filled');
    assert.equal(o.accFillSz, '1');
    let b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '25000');
    assert.equal(b.USDT!.availBal.toFixed(), '25000');
    const pending = (await get(sim, 'alice', '/api/v5/trade/orders-pending?instId=BTC-USDT')).json.data;
    assert.deepEqual(
      pending.map((p: any) => p.ordId),
      [ordId],
    );
    const c = await post(sim, 'alice', '/api/v5/trade/cancel-order', { instId: 'BTC-USDT', ordId });
    assert.equal(c.json.code, '0');
    assert.equal(c.json.data[0].sCode, '0');
    o = await order(sim, 'alice', 'BTC-USDT', ordId);
    assert.equal(o.state, 'canceled');
    b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
    assert.equal(b.USDT!.cashBal.toFixed(), '50000');
    const again = await post(sim, 'alice', '/api/v5/trade/cancel-order', { instId: 'BTC-USDT', ordId });
    assert.equal(again.json.code, '1');
    assert.equal(again.json.data[0].sCode, '51400');
    const hist = (await get(sim, 'alice', '/api/v5/trade/orders-history?instType=SPOT')).json.data;
    assert.equal(hist[0].ordId, ordId);
  });

  test('market orders: buy defaults to quote_ccy; base_ccy buys size in base; sell pays fee in quote', async (t) => {
    const { sim } = await start(t);
    const q = await place(sim, 'alice', { instId: 'BTC-USDT', side: 'buy', ordType: 'market', sz: '1000' });
    let o = await order(sim, 'alice', 'BTC-USDT', q.data[0].ordId);
    assert.equal(o.tgtCcy, 'quote_ccy');
    assert.equal(o.state, 'filled');
    assert.equal(o.accFillSz, '0.02');
    assert.equal(o.px, '');
    const bq = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'market',
      sz: '0.5',
      tgtCcy: 'base_ccy',
    });
    o = await order(sim, 'alice', 'BTC-USDT', bq.data[0].ordId);
    assert.equal(o.tgtCcy, 'base_ccy');
    assert.equal(o.accFillSz, '0.5');
    assert.equal(o.avgPx, '50000');
    const s = await place(sim, 'alice', { instId: 'BTC-USDT', side: 'sell', ordType: 'market', sz: '0.5' });
    o = await order(sim, 'alice', 'BTC-USDT', s.data[0].ordId);
    assert.equal(o.state, 'filled');
    assert.equal(o.avgPx, '49999');
    assert.equal(o.feeCcy, 'USDT');
    assert.equal(o.fee, new Decimal(49999).mul(0.5).mul(0.001).neg().toFixed());
    const sq = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'sell',
      ordType: 'market',
      sz: '100',
      tgtCcy: 'quote_ccy',
    });
    o = await order(sim, 'alice', 'BTC-USDT', sq.data[0].ordId);
    assert.equal(o.state, 'filled');
    assert.equal(o.accFillSz, '0.002');
    assertConsistent(await balances(sim, 'alice'));
  });

  test('post_only that would take is accepted, then canceled (cancelSource 31); one that would rest is live', async (t) => {
    const { sim } = await start(t);
    const before = await balances(sim, 'alice');
    const bad = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'post_only',
      px: '50000',
      sz: '0.1',
    });
    assert.equal(bad.code, '0');
    assert.equal(bad.data[0].sCode, '0');
    const canceled = await order(sim, 'alice', 'BTC-USDT', bad.data[0].ordId);
    assert.equal(canceled.state, 'canceled');
    assert.equal(canceled.accFillSz, '0');
    assert.equal(canceled.cancelSource, '31');
    assert.equal(canceled.cancelSourceReason, 'The post-only order will take liquidity in taker orders');
    // nothing taken, nothing left frozen
    const after = await balances(sim, 'alice');
    assert.equal(after.USDT!.cashBal.toFixed(), before.USDT!.cashBal.toFixed());
    assert.equal(after.USDT!.frozenBal.toFixed(), '0');
    const good = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'post_only',
      px: '49999.9',
      sz: '0.1',
    });
    assert.equal(good.code, '0');
    assert.equal((await order(sim, 'alice', 'BTC-USDT', good.data[0].ordId)).state, 'live');
    assertConsistent(await balances(sim, 'alice'));
  });

  test('ioc fills what it can and cancels the rest; fok is all or nothing', async (t) => {
    const { sim, market } = await start(t);
    market.setBook('BTC-USDT', {
      asks: [
        ['50000', '0.1'],
        ['50001', '0.2'],
        ['50010', '0.5'],
      ],
      bids: [['49000', '1']],
    });
    const ioc = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'ioc',
      px: '50000',
      sz: '0.15',
    });
    let o = await order(sim, 'alice', 'BTC-USDT', ioc.data[0].ordId);
    assert.equal(o.state, 'canceled');
    assert.equal(o.accFillSz, '0.1');
    assert.equal(o.cancelSource, '14'); // OKX: IOC order partially canceled
    let b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
    // Left: 0.2 @ 50001, 0.5 @ 50010.
    const fokYes = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'fok',
      px: '50010',
      sz: '0.08',
    });
    o = await order(sim, 'alice', 'BTC-USDT', fokYes.data[0].ordId);
    assert.equal(o.state, 'filled');
    assert.equal(o.avgPx, '50001');
    const fokNo = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'fok',
      px: '50001',
      sz: '0.15',
    });
    assert.equal(fokNo.data[0].sCode, '0');
    o = await order(sim, 'alice', 'BTC-USDT', fokNo.data[0].ordId);
    assert.equal(o.state, 'canceled');
    assert.equal(o.accFillSz, '0');
    assert.equal(o.cancelSource, '13'); // OKX: FOK order canceled due to incompletely filled
    assert.match(o.cancelSourceReason, /FOK/);
    // The book is untouched by the refused FOK: 0.12 left at 50001.
    assert.deepEqual(market.depth('BTC-USDT', 1).asks[0]!.slice(0, 2), ['50001', '0.12']);
    b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
  });

  test('price-time priority among users; makers pay 0.08 %, the taker 0.10 %; totals conserved minus fees', async (t) => {
    const { sim, market } = await start(t, ['m1', 'm2', 'tk']);
    market.setBook('BTC-USDT', { asks: [['51000', '10']], bids: [['49000', '10']] });
    const a = await place(sim, 'm1', {
      instId: 'BTC-USDT',
      side: 'sell',
      ordType: 'limit',
      px: '50000',
      sz: '0.5',
    });
    const b = await place(sim, 'm2', {
      instId: 'BTC-USDT',
      side: 'sell',
      ordType: 'limit',
      px: '50000',
      sz: '0.5',
    });
    const c = await place(sim, 'm2', {
      instId: 'BTC-USDT',
      side: 'sell',
      ordType: 'limit',
      px: '49990',
      sz: '0.2',
    });
    const before = {
      m1: await balances(sim, 'm1'),
      m2: await balances(sim, 'm2'),
      tk: await balances(sim, 'tk'),
    };
    const take = await place(sim, 'tk', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '50000',
      sz: '0.9',
    });
    const to = await order(sim, 'tk', 'BTC-USDT', take.data[0].ordId);
    assert.equal(to.state, 'filled');
    // Best price first (c), then the earlier of the two at 50000 (a) in full, then b for the rest.
    assert.equal((await order(sim, 'm2', 'BTC-USDT', c.data[0].ordId)).state, 'filled');
    assert.equal((await order(sim, 'm1', 'BTC-USDT', a.data[0].ordId)).state, 'filled');
    const bo = await order(sim, 'm2', 'BTC-USDT', b.data[0].ordId);
    assert.equal(bo.state, 'partially_filled');
    assert.equal(bo.accFillSz, '0.2');
    const m1Fills = (await get(sim, 'm1', '/api/v5/trade/fills?instId=BTC-USDT')).json.data;
    assert.equal(m1Fills.length, 1);
    assert.equal(m1Fills[0].execType, 'M');
    assert.equal(m1Fills[0].fee, '-20'); // 0.5 * 50000 * 0.0008 in USDT
    assert.equal(m1Fills[0].feeRate, '-0.0008');
    const tkFills = (await get(sim, 'tk', '/api/v5/trade/fills')).json.data;
    assert.equal(tkFills.length, 3);
    assert.ok(tkFills.every((f: any) => f.execType === 'T' && f.feeCcy === 'BTC'));
    assert.equal(to.fee, '-0.0009');
    // The synthetic book was not touched; the public tape got the three user trades.
    assert.equal(market.recorded.length, 3);

    const after = {
      m1: await balances(sim, 'm1'),
      m2: await balances(sim, 'm2'),
      tk: await balances(sim, 'tk'),
    };
    for (const x of Object.values(after)) assertConsistent(x);
    const sum = (s: typeof before, ccy: string) =>
      Object.values(s).reduce((acc, x) => acc.plus(x[ccy]!.cashBal), new Decimal(0));
    // Maker fees in USDT: a 0.5 @ 50000, c 0.2 @ 49990, b 0.2 @ 50000, all at 0.08 %.
    const feesUsdt = new Decimal(25000).plus(9998).plus(10000).mul('0.0008');
    assert.equal(sum(before, 'USDT').minus(sum(after, 'USDT')).toFixed(), feesUsdt.toFixed());
    assert.equal(sum(before, 'BTC').minus(sum(after, 'BTC')).toFixed(), '0.0009');
  });

  test('self-trade prevention cancels the own resting order (cancel_maker)', async (t) => {
    const { sim, market } = await start(t);
    market.setBook('BTC-USDT', { asks: [['51000', '10']], bids: [['49000', '10']] });
    const mine = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'sell',
      ordType: 'limit',
      px: '50000',
      sz: '0.1',
    });
    const buy = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '50000',
      sz: '0.1',
    });
    assert.equal((await order(sim, 'alice', 'BTC-USDT', mine.data[0].ordId)).state, 'canceled');
    assert.equal((await order(sim, 'alice', 'BTC-USDT', buy.data[0].ordId)).state, 'live');
    assertConsistent(await balances(sim, 'alice'));
  });

  test('resting orders fill as maker when public trades reach them', async (t) => {
    const { sim, market } = await start(t);
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '49999.5',
      sz: '0.3',
    });
    market.emitTrades('BTC-USDT', [{ px: '49999.6', sz: '1', side: 'sell' }]);
    assert.equal((await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId)).state, 'live');
    market.emitTrades('BTC-USDT', [
      { px: '49999.5', sz: '0.1', side: 'sell' },
      { px: '49999', sz: '1', side: 'sell' },
    ]);
    const o = await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId);
    assert.equal(o.state, 'filled');
    assert.equal(o.avgPx, '49999.5');
    assert.equal(o.fee, '-0.00024'); // maker 0.08 % of 0.3 BTC
    const b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(
      b.USDT!.cashBal.toFixed(),
      new Decimal(100000).minus(new Decimal(49999.5).mul(0.3)).toFixed(),
    );
  });

  test('order rules: lot 51121, min 51020, tick 51000, balance 51008, instId 51001, clOrdId 51000', async (t) => {
    const { sim } = await start(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.00015' }, '51121'],
      [{ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.0005' }, '51020'],
      [{ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000.05', sz: '0.01' }, '51000'],
      [{ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '3' }, '51008'],
      [{ instId: 'BTC-USDT', side: 'sell', ordType: 'limit', px: '60000', sz: '2.5' }, '51008'],
      [{ instId: 'XYZ-USDT', side: 'buy', ordType: 'limit', px: '1', sz: '1' }, '51001'],
      [
        { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01', clOrdId: 'bad-id' },
        '51000',
      ],
      [{ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', sz: '0.01' }, '50014'],
      [
        { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01', tdMode: 'cross' },
        '51010',
      ],
    ];
    for (const [o, code] of cases) {
      const r = await place(sim, 'alice', o);
      assert.equal(r.code, '1', JSON.stringify(o));
      assert.equal(r.data[0].sCode, code, JSON.stringify(r.data[0]));
      assert.ok(r.data[0].sMsg.length > 0);
    }
    const b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
  });

  test('clOrdId: 51016 while pending, reusable after cancel, latest wins on lookup', async (t) => {
    const { sim } = await start(t);
    const o = { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01', clOrdId: 'dup1' };
    const first = await place(sim, 'alice', o);
    assert.equal(first.data[0].sCode, '0');
    const dup = await place(sim, 'alice', o);
    assert.equal(dup.data[0].sCode, '51016');
    assert.equal(dup.data[0].clOrdId, 'dup1');
    await post(sim, 'alice', '/api/v5/trade/cancel-order', { instId: 'BTC-USDT', clOrdId: 'dup1' });
    const second = await place(sim, 'alice', { ...o, px: '41000' });
    assert.equal(second.data[0].sCode, '0');
    const got = await get(sim, 'alice', '/api/v5/trade/order?instId=BTC-USDT&clOrdId=dup1');
    assert.equal(got.json.data[0].ordId, second.data[0].ordId);
    assert.equal(got.json.data[0].px, '41000');
    const unknown = await get(sim, 'alice', '/api/v5/trade/order?instId=BTC-USDT&clOrdId=nope');
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.json, { code: '51603', msg: 'Order does not exist.', data: [] });
  });

  test('batch: one bad item -> code "2"; all bad -> "1"; duplicate clOrdId within the batch; more than 20 -> 51111', async (t) => {
    const { sim } = await start(t);
    const good = (id: string) => ({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px: '40000',
      sz: '0.01',
      clOrdId: id,
    });
    let r = await post(sim, 'alice', '/api/v5/trade/batch-orders', [
      good('b1'),
      { ...good('b2'), sz: '0.00015' },
      good('b3'),
    ]);
    assert.equal(r.json.code, '2');
    assert.deepEqual(
      r.json.data.map((d: any) => d.sCode),
      ['0', '51121', '0'],
    );
    assert.deepEqual(
      r.json.data.map((d: any) => d.clOrdId),
      ['b1', 'b2', 'b3'],
    );
    r = await post(sim, 'alice', '/api/v5/trade/batch-orders', [good('b4'), good('b4')]);
    assert.deepEqual(
      r.json.data.map((d: any) => d.sCode),
      ['0', '51016'],
    );
    r = await post(sim, 'alice', '/api/v5/trade/batch-orders', [{ ...good('b5'), px: '1.01' }, good('b1')]);
    assert.equal(r.json.code, '1');
    r = await post(
      sim,
      'alice',
      '/api/v5/trade/batch-orders',
      Array.from({ length: 21 }, (_, i) => good(`c${i}`)),
    );
    assert.equal(r.json.code, '51111');
    assert.equal(r.json.msg, 'Maximum 20 orders can be placed in bulk.');
    const cx = await post(sim, 'alice', '/api/v5/trade/cancel-batch-orders', [
      { instId: 'BTC-USDT', clOrdId: 'b1' },
      { instId: 'BTC-USDT', clOrdId: 'zz' },
    ]);
    assert.equal(cx.json.code, '2');
    assertConsistent(await balances(sim, 'alice'));
  });

  test('amend: newPx and newSz re-freeze funds; amending a done order is 51503', async (t) => {
    const { sim } = await start(t);
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '40000',
      sz: '0.1',
      clOrdId: 'am1',
    });
    const ordId = r.data[0].ordId;
    let a = await post(sim, 'alice', '/api/v5/trade/amend-order', {
      instId: 'BTC-USDT',
      clOrdId: 'am1',
      newPx: '45000',
      newSz: '0.2',
      reqId: 'r1',
    });
    assert.equal(a.json.code, '0');
    assert.equal(a.json.data[0].reqId, 'r1');
    assert.equal(a.json.data[0].ordId, ordId);
    let b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '9000');
    // An amend to a crossing price executes: 0.2 at the 50000 ask.
    a = await post(sim, 'alice', '/api/v5/trade/amend-order', { instId: 'BTC-USDT', ordId, newPx: '50000' });
    const o = await order(sim, 'alice', 'BTC-USDT', ordId);
    assert.equal(o.state, 'filled');
    a = await post(sim, 'alice', '/api/v5/trade/amend-order', { instId: 'BTC-USDT', ordId, newSz: '0.3' });
    assert.equal(a.json.code, '1');
    assert.equal(a.json.data[0].sCode, '51503');
    b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
  });

  test('expTime in the past: 50037, nothing placed', async (t) => {
    const { sim } = await start(t);
    const r = await post(
      sim,
      'alice',
      '/api/v5/trade/order',
      { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' },
      { expTime: String(T0 - 1) },
    );
    assert.equal(r.json.code, '1');
    assert.equal(r.json.data[0].sCode, '50037');
    assert.equal((await get(sim, 'alice', '/api/v5/trade/orders-pending')).json.data.length, 0);
    const ok = await post(
      sim,
      'alice',
      '/api/v5/trade/order',
      { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' },
      { expTime: String(T0 + 5000) },
    );
    assert.equal(ok.json.code, '0');
  });

  test('bills record the opening transfer and each trade; funding bills and balances', async (t) => {
    const { sim } = await start(t);
    await place(sim, 'alice', { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '50000', sz: '0.1' });
    const bills = (await get(sim, 'alice', '/api/v5/account/bills')).json.data;
    const trade = bills.filter((b: any) => b.type === '2');
    assert.equal(trade.length, 2);
    const btc = trade.find((b: any) => b.ccy === 'BTC');
    assert.equal(btc.balChg, '0.0999');
    assert.equal(btc.fee, '-0.0001');
    assert.equal(btc.bal, '2.0999');
    const usdt = trade.find((b: any) => b.ccy === 'USDT');
    assert.equal(usdt.balChg, '-5000');
    assert.ok(bills.some((b: any) => b.type === '1' && b.ccy === 'USDT' && b.balChg === '100000'));
    const fb = (await get(sim, 'alice', '/api/v5/asset/bills?ccy=USDT')).json.data;
    assert.deepEqual(
      fb.map((b: any) => [b.type, b.balChg, b.bal]),
      [
        ['131', '-100000', '500'],
        ['1', '100500', '100500'],
      ],
    );
    const ab = (await get(sim, 'alice', '/api/v5/asset/balances')).json.data;
    assert.deepEqual(ab, [{ ccy: 'USDT', bal: '500', frozenBal: '0', availBal: '500' }]);
  });

  test('cancel-all-after: account level cancels everything on time; tag level only its tag', async (t) => {
    const { sim, clock } = await start(t);
    const base = { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' };
    const plain = await place(sim, 'alice', base);
    const tagged = await place(sim, 'alice', { ...base, tag: 'botA' });
    const other = await place(sim, 'alice', { ...base, tag: 'botB' });

    let r = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '10', tag: 'botA' });
    assert.deepEqual(r.json.data, [
      { triggerTime: String(T0 / 1000 + 10), tag: 'botA', ts: String(T0 / 1000) },
    ]);
    clock.advance(9_999);
    sim.tick();
    assert.equal((await order(sim, 'alice', 'BTC-USDT', tagged.data[0].ordId)).state, 'live');
    clock.advance(1);
    sim.tick();
    const to = await order(sim, 'alice', 'BTC-USDT', tagged.data[0].ordId);
    assert.equal(to.state, 'canceled');
    assert.equal((await order(sim, 'alice', 'BTC-USDT', plain.data[0].ordId)).state, 'live');
    assert.equal((await order(sim, 'alice', 'BTC-USDT', other.data[0].ordId)).state, 'live');

    r = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '60' });
    assert.equal(r.json.data[0].tag, '');
    clock.advance(30_000);
    // A heartbeat pushes the deadline out again.
    await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '60' });
    clock.advance(59_000);
    sim.tick();
    assert.equal((await order(sim, 'alice', 'BTC-USDT', plain.data[0].ordId)).state, 'live');
    clock.advance(1_000);
    sim.tick();
    assert.equal((await get(sim, 'alice', '/api/v5/trade/orders-pending')).json.data.length, 0);
    const b = await balances(sim, 'alice');
    assertConsistent(b);
    assert.equal(b.USDT!.frozenBal.toFixed(), '0');
  });

  test('cancel-all-after: timeOut 0 disables; out of 10..120 is 51000; 21st tag timer 51071', async (t) => {
    const { sim, clock } = await start(t);
    const o = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '40000',
      sz: '0.01',
    });
    await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '10' });
    clock.advance(1_000); // the rule is 1 request per second per user and tag
    const off = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '0' });
    assert.equal(off.json.data[0].triggerTime, '0');
    clock.advance(20_000);
    sim.tick();
    assert.equal((await order(sim, 'alice', 'BTC-USDT', o.data[0].ordId)).state, 'live');
    for (const bad of ['5', '121', 'abc']) {
      clock.advance(1_000);
      const r = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: bad });
      assert.equal(r.json.code, '51000');
      assert.equal(r.json.msg, 'Parameter timeOut error');
    }
    for (let i = 0; i < 20; i++) {
      // One request per tag per second (user+tag rule): distinct tags are independent.
      const r = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '60', tag: `t${i}` });
      assert.equal(r.json.code, '0');
    }
    const over = await post(sim, 'alice', '/api/v5/trade/cancel-all-after', { timeOut: '60', tag: 't20' });
    assert.equal(over.json.code, '51071');
  });

  test('amend with cxlOnFail cancels on failure; canceled unfilled orders leave orders-history after 2 h', async (t) => {
    const { sim, clock } = await start(t);
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '40000',
      sz: '0.1',
    });
    const ordId = r.data[0].ordId;
    const a = await post(sim, 'alice', '/api/v5/trade/amend-order', {
      instId: 'BTC-USDT',
      ordId,
      newSz: '0.00015',
      cxlOnFail: true,
    });
    assert.equal(a.json.data[0].sCode, '51121');
    assert.equal((await order(sim, 'alice', 'BTC-USDT', ordId)).state, 'canceled');
    let hist = (await get(sim, 'alice', '/api/v5/trade/orders-history?instType=SPOT')).json.data;
    assert.deepEqual(
      hist.map((o: any) => o.ordId),
      [ordId],
    );
    clock.advance(2 * 3_600_000 + 1);
    hist = (await get(sim, 'alice', '/api/v5/trade/orders-history?instType=SPOT')).json.data;
    assert.equal(hist.length, 0);
    assertConsistent(await balances(sim, 'alice'));
  });
});
