import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { data, derivSim, position, privateWs, send, step } from './derivs-kit.js';
import { get } from '../sim-test-kit.js';

const D = (v: string | number) => new Decimal(v);
const HOUR = 3_600_000;

describe('contracts on the local exchange (issue 12 item 3)', () => {
  test('SWAP and FUTURES list linear and inverse contracts; OPTION answers by uly or instFamily', async (t) => {
    const { sim } = await derivSim(t);
    const swaps = await data(sim, 'alice', '/api/v5/public/instruments?instType=SWAP');
    const lin = swaps.find((i) => i.instId === 'BTC-USDT-SWAP');
    const inv = swaps.find((i) => i.instId === 'BTC-USD-SWAP');
    assert.deepEqual(
      [lin.ctType, lin.ctVal, lin.ctValCcy, lin.settleCcy, lin.instFamily, lin.baseCcy],
      ['linear', '0.01', 'BTC', 'USDT', 'BTC-USDT', ''],
    );
    assert.deepEqual([inv.ctType, inv.ctVal, inv.ctValCcy, inv.settleCcy], ['inverse', '100', 'USD', 'BTC']);
    const fut = await data(sim, 'alice', '/api/v5/public/instruments?instType=FUTURES&instFamily=BTC-USD');
    assert.equal(fut.length, 1);
    assert.match(fut[0].instId, /^BTC-USD-\d{6}$/);
    assert.equal(fut[0].alias, 'quarter');
    assert.ok(Number(fut[0].expTime) > sim.clock.now());
    const byUly = await data(sim, 'alice', '/api/v5/public/instruments?instType=OPTION&uly=BTC-USD');
    const byFamily = await data(
      sim,
      'alice',
      '/api/v5/public/instruments?instType=OPTION&instFamily=BTC-USD',
    );
    assert.ok(byUly.length > 0);
    assert.deepEqual(byUly, byFamily);
    assert.ok(byUly.every((o) => /^BTC-USD-\d{6}-\d+-[CP]$/.test(o.instId) && o.uly === 'BTC-USD'));
    const none = await get(sim, 'alice', '/api/v5/public/instruments?instType=OPTION');
    assert.equal(none.json.code, '50014');
    const spot = await data(sim, 'alice', '/api/v5/public/instruments?instType=SPOT');
    assert.ok(spot.every((i) => i.instType === 'SPOT'));
  });

  test('a position row carries closeOrderAlgo as an array (as OKX sends it), over REST and the WS push', async (t) => {
    const { sim } = await derivSim(t);
    const c = await privateWs(sim, 'alice');
    t.after(() => c.ws.close());
    c.send({ op: 'subscribe', args: [{ channel: 'positions', instType: 'SWAP' }] });
    await c.next((m) => m.event === 'subscribe');
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(r.data[0].sCode, '0');
    const pos = await position(sim, 'alice', 'BTC-USDT-SWAP');
    assert.deepEqual(pos.closeOrderAlgo, []);
    const push = await c.next((m) => m.arg?.channel === 'positions' && m.data?.[0]?.pos === '1');
    assert.deepEqual(push.data[0].closeOrderAlgo, []);
  });

  test('mark, index, funding rate, price limit, open interest and tiers are consistent', async (t) => {
    const { sim } = await derivSim(t);
    const [mark] = await data(sim, 'alice', '/api/v5/public/mark-price?instType=SWAP&instId=BTC-USDT-SWAP');
    const [idx] = await data(sim, 'alice', '/api/v5/market/index-tickers?instId=BTC-USDT');
    const m = D(mark.markPx);
    const i = D(idx.idxPx);
    // The mark stays within 0.5 % of the index.
    assert.ok(m.minus(i).abs().lte(i.mul(0.005)), `${m} vs ${i}`);
    const [fr] = await data(sim, 'alice', '/api/v5/public/funding-rate?instId=BTC-USDT-SWAP');
    const p = D(fr.premium);
    const expected = Decimal.min(
      0.0075,
      Decimal.max(-0.0075, p.plus(Decimal.min(0.0005, Decimal.max(-0.0005, D('0.0001').minus(p))))),
    );
    assert.equal(D(fr.fundingRate).toFixed(8), expected.toFixed(8));
    assert.equal(Number(fr.fundingTime) % (8 * HOUR), 0);
    const hist = await data(sim, 'alice', '/api/v5/public/funding-rate-history?instId=BTC-USDT-SWAP');
    assert.equal(hist.length, 10);
    const [lim] = await data(sim, 'alice', '/api/v5/public/price-limit?instId=BTC-USDT-SWAP');
    assert.ok(D(lim.buyLmt).gt(m) && D(lim.sellLmt).lt(m));
    const [oi] = await data(sim, 'alice', '/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP');
    assert.equal(D(oi.oiCcy).toFixed(), D(oi.oi).mul('0.01').toFixed());
    const tiers = await data(
      sim,
      'alice',
      '/api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=BTC-USDT',
    );
    assert.ok(tiers.length >= 2);
    assert.ok(D(tiers[0].maxLever).gt(tiers[1].maxLever) && D(tiers[0].mmr).lt(tiers[1].mmr));
    const mpc = await data(
      sim,
      'alice',
      '/api/v5/market/mark-price-candles?instId=BTC-USDT-SWAP&bar=1m&limit=3',
    );
    assert.equal(mpc.length, 3);
    assert.equal(mpc[0].length, 6);
  });

  test('a cross long in net mode: margin held, position marked, closed by close-position with PnL and fees billed', async (t) => {
    const { sim } = await derivSim(t);
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '10',
      clOrdId: 'open1',
    });
    assert.equal(r.data[0].sCode, '0');
    const o = (
      await data(sim, 'alice', `/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId=${r.data[0].ordId}`)
    )[0];
    assert.deepEqual(
      [o.instType, o.tdMode, o.posSide, o.state, o.accFillSz, o.lever, o.feeCcy],
      ['SWAP', 'cross', 'net', 'filled', '10', '10', 'USDT'],
    );
    const pos = await position(sim, 'alice', 'BTC-USDT-SWAP');
    assert.equal(pos.pos, '10');
    assert.equal(pos.avgPx, o.avgPx);
    assert.equal(pos.mgnMode, 'cross');
    // 10 contracts x 0.01 BTC x avgPx / 10x
    const held = D(10).mul('0.01').mul(o.avgPx).div(10);
    const [bal] = await data(sim, 'alice', '/api/v5/account/balance?ccy=USDT');
    const usdt = bal.details[0];
    assert.equal(D(usdt.frozenBal).toFixed(), held.toFixed());
    assert.equal(usdt.ordFrozen, '0');
    // taker 0.05 % of the value
    assert.equal(D(o.fee).toFixed(), held.mul(10).mul('0.0005').neg().toFixed());
    assert.equal(D(usdt.cashBal).toFixed(), D(100000).plus(o.fee).toFixed());

    const c = await send(sim, 'alice', '/api/v5/trade/close-position', {
      instId: 'BTC-USDT-SWAP',
      mgnMode: 'cross',
    });
    assert.equal(c.code, '0');
    assert.deepEqual(await data(sim, 'alice', '/api/v5/account/positions'), []);
    const fills = await data(sim, 'alice', '/api/v5/trade/fills?instType=SWAP');
    const closes = fills.filter((f) => f.side === 'sell');
    const pnl = closes.reduce(
      (a, f) => a.plus(D(f.fillSz).mul('0.01').mul(D(f.fillPx).minus(o.avgPx))),
      D(0),
    );
    assert.equal(closes.reduce((a, f) => a.plus(f.fillPnl), D(0)).toFixed(), pnl.toFixed());
    const [after] = await data(sim, 'alice', '/api/v5/account/balance?ccy=USDT');
    assert.equal(after.details[0].frozenBal, '0');
    const fees = fills.reduce((a, f) => a.plus(f.fee), D(0));
    assert.equal(D(after.details[0].cashBal).toFixed(), D(100000).plus(fees).plus(pnl).toFixed());
    const bills = await data(sim, 'alice', '/api/v5/account/bills?instType=SWAP');
    assert.ok(bills.every((b) => b.type === '2' && b.ccy === 'USDT' && b.mgnMode === 'cross'));
    const hist = await data(sim, 'alice', '/api/v5/account/positions-history?instType=SWAP');
    assert.equal(hist.length, 1);
  });

  test('an inverse contract settles PnL in the coin: 1/avgPx - 1/closePx per USD of contract value', async (t) => {
    const { sim } = await derivSim(t);
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USD-SWAP',
      tdMode: 'isolated',
      side: 'sell',
      ordType: 'market',
      sz: '5',
    });
    const pos = await position(sim, 'alice', 'BTC-USD-SWAP');
    assert.equal(pos.pos, '-5');
    assert.equal(pos.ccy, 'BTC');
    // 5 x 100 USD / avgPx / 10x in BTC
    assert.equal(D(pos.margin).toFixed(), D(500).div(pos.avgPx).div(10).toFixed());
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USD-SWAP',
      tdMode: 'isolated',
      side: 'buy',
      ordType: 'market',
      sz: '5',
      reduceOnly: true,
    });
    const fills = await data(sim, 'alice', '/api/v5/trade/fills?instId=BTC-USD-SWAP');
    const pnl = fills
      .filter((f) => f.side === 'buy')
      .reduce(
        (a, f) =>
          a.plus(
            D(f.fillSz)
              .mul(100)
              .mul(D(1).div(pos.avgPx).minus(D(1).div(f.fillPx)))
              .neg(),
          ),
        D(0),
      );
    const got = fills.reduce((a, f) => a.plus(f.fillPnl), D(0));
    assert.ok(got.minus(pnl).abs().lt('1e-12'), `${got} vs ${pnl}`);
    assert.ok(fills.every((f) => f.feeCcy === 'BTC'));
  });

  test('reduce-only without a position is refused 51169; a reduce-only larger than the position does not flip it', async (t) => {
    const { sim } = await derivSim(t);
    const bad = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'market',
      sz: '1',
      reduceOnly: true,
    });
    assert.equal(bad.data[0].sCode, '51169');
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '2',
    });
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'market',
      sz: '5',
      reduceOnly: true,
    });
    assert.equal(r.data[0].sCode, '0');
    const o = (
      await data(sim, 'alice', `/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId=${r.data[0].ordId}`)
    )[0];
    assert.equal(o.accFillSz, '2');
    assert.equal(o.reduceOnly, 'true');
    assert.deepEqual(await data(sim, 'alice', '/api/v5/account/positions'), []);
  });

  test('long/short mode, isolated margin, set-leverage, leverage-info and max-size', async (t) => {
    const { sim } = await derivSim(t, ['alice'], { posMode: 'long_short_mode' });
    const lev = await send(sim, 'alice', '/api/v5/account/set-leverage', {
      instId: 'ETH-USDT-SWAP',
      lever: '20',
      mgnMode: 'isolated',
      posSide: 'short',
    });
    assert.deepEqual(lev.data, [
      { lever: '20', mgnMode: 'isolated', instId: 'ETH-USDT-SWAP', posSide: 'short' },
    ]);
    const info = await data(
      sim,
      'alice',
      '/api/v5/account/leverage-info?instId=ETH-USDT-SWAP&mgnMode=isolated',
    );
    assert.deepEqual(
      info.map((x) => [x.posSide, x.lever]),
      [
        ['long', '10'],
        ['short', '20'],
      ],
    );
    const tooHigh = await send(sim, 'alice', '/api/v5/account/set-leverage', {
      instId: 'ETH-USDT-SWAP',
      lever: '101',
      mgnMode: 'cross',
    });
    assert.equal(tooHigh.code, '59102');
    const noSide = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'ETH-USDT-SWAP',
      tdMode: 'isolated',
      side: 'sell',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(noSide.data[0].sCode, '51000');
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'ETH-USDT-SWAP',
      tdMode: 'isolated',
      side: 'sell',
      posSide: 'short',
      ordType: 'market',
      sz: '3',
    });
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'ETH-USDT-SWAP',
      tdMode: 'isolated',
      side: 'buy',
      posSide: 'long',
      ordType: 'market',
      sz: '1',
    });
    const ps = await data(sim, 'alice', '/api/v5/account/positions?instId=ETH-USDT-SWAP');
    const short = ps.find((p) => p.posSide === 'short');
    const long = ps.find((p) => p.posSide === 'long');
    assert.deepEqual([short.pos, short.lever, long.pos, long.lever], ['3', '20', '1', '10']);
    assert.equal(D(short.margin).toFixed(), D(3).mul('0.1').mul(short.avgPx).div(20).toFixed());
    const [bal] = await data(sim, 'alice', '/api/v5/account/balance?ccy=USDT');
    assert.equal(D(bal.details[0].isoEq).gt(0), true);
    const change = await send(sim, 'alice', '/api/v5/account/set-position-mode', { posMode: 'net_mode' });
    assert.equal(change.code, '59000');
    const [max] = await data(
      sim,
      'alice',
      '/api/v5/account/max-size?instId=ETH-USDT-SWAP&tdMode=isolated&px=3000',
    );
    const avail = D(bal.details[0].availBal);
    // long side at 10x: avail / (0.1 ETH x 3000 / 10)
    assert.equal(max.maxBuy, avail.div(30).div('0.01').floor().mul('0.01').toFixed());
    const [avl] = await data(
      sim,
      'alice',
      '/api/v5/account/max-avail-size?instId=ETH-USDT-SWAP&tdMode=isolated',
    );
    assert.equal(avl.availBuy, avail.toFixed());
  });

  test('the spot account mode refuses contract orders with 51010 until set-account-level', async (t) => {
    const { sim } = await derivSim(t, ['alice'], { acctLv: '1' });
    const cfg = (await data(sim, 'alice', '/api/v5/account/config'))[0];
    assert.equal(cfg.acctLv, '1');
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(r.data[0].sCode, '51010');
    const set = await send(sim, 'alice', '/api/v5/account/set-account-level', { acctLv: '2' });
    assert.deepEqual(set.data, [{ acctLv: '2' }]);
    const again = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(again.data[0].sCode, '0');
  });

  test('funding settles at 16:00 UTC on the sim clock: longs pay when the rate is positive, one bill each', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice', 'bob']);
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '100',
    });
    await send(sim, 'bob', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'market',
      sz: '100',
    });
    await step(sim, clock, 4 * HOUR - 1); // 15:59:59.999
    assert.equal((await data(sim, 'alice', '/api/v5/account/bills?type=8')).length, 0);
    await step(sim, clock, 1);
    const [rate] = await data(
      sim,
      'alice',
      '/api/v5/public/funding-rate-history?instId=BTC-USDT-SWAP&limit=1',
    );
    assert.equal(Number(rate.fundingTime), Date.parse('2026-03-01T16:00:00Z'));
    const r = D(rate.fundingRate);
    const [a] = await data(sim, 'alice', '/api/v5/account/bills?type=8');
    const [b] = await data(sim, 'bob', '/api/v5/account/bills?type=8');
    assert.equal(D(a.balChg).toFixed(), D(b.balChg).neg().toFixed());
    assert.equal(a.subType, r.gt(0) ? '173' : '174');
    assert.equal(D(a.balChg).isNegative(), r.gt(0));
    const pos = await position(sim, 'alice', 'BTC-USDT-SWAP');
    // |fee| = 100 x 0.01 x mark x |rate|; the mark is within 1 % of the last price now.
    const implied = D(a.balChg).abs().div(r.abs()).div(1);
    assert.ok(implied.minus(pos.markPx).abs().lt(D(pos.markPx).mul(0.01)));
    assert.equal(pos.fundingFee, a.balChg);
    await step(sim, clock, 8 * HOUR);
    assert.equal((await data(sim, 'alice', '/api/v5/account/bills?type=8')).length, 2);
  });

  test('an isolated 100x position is warned, then liquidated at margin ratio 100 % with a type-5 bill', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice', 'bob'], { seed: 3 });
    const warned: string[] = [];
    sim.engine.onLiquidationWarning((account) => warned.push(account));
    for (const [who, side] of [
      ['alice', 'buy'],
      ['bob', 'sell'],
    ] as const) {
      await send(sim, who, '/api/v5/account/set-leverage', {
        instId: 'BTC-USDT-SWAP',
        lever: '100',
        mgnMode: 'isolated',
      });
      const r = await send(sim, who, '/api/v5/trade/order', {
        instId: 'BTC-USDT-SWAP',
        tdMode: 'isolated',
        side,
        ordType: 'market',
        sz: '10',
      });
      assert.equal(r.data[0].sCode, '0');
    }
    let gone: string | undefined;
    for (let i = 0; i < 2000 && !gone; i++) {
      await step(sim, clock, 2000);
      for (const who of ['alice', 'bob']) if (sim.engine.derivs.list(who).length === 0) gone = who;
    }
    assert.ok(gone, 'one side was liquidated');
    assert.ok(warned.includes(gone), 'the warning came first');
    const bills = await data(sim, gone, '/api/v5/account/bills?type=5');
    assert.equal(bills.length, 1);
    assert.equal(bills[0].subType, gone === 'alice' ? '107' : '106');
    assert.equal(bills[0].instId, 'BTC-USDT-SWAP');
    assert.deepEqual(await data(sim, gone, '/api/v5/account/positions'), []);
    // The isolated margin is gone with the position; cash never goes below the rest.
    const [bal] = await data(sim, gone, '/api/v5/account/balance?ccy=USDT');
    assert.ok(D(bal.details[0].cashBal).lt(100000));
    assert.equal(bal.details[0].frozenBal, '0');
  });
});
