import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { data, derivSim, send, step } from './derivs-kit.js';
import { get } from '../sim-test-kit.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The live linear and inverse futures of the local exchange, by family. */
async function futures(sim: Parameters<typeof data>[0], family: string) {
  return data(sim, 'alice', `/api/v5/public/instruments?instType=FUTURES&instFamily=${family}`);
}

describe('futures deliver at expiry on the exchange clock (issue 12 item 3)', () => {
  test('a position held through expiry gets its delivery bill at the delivery price; the contract leaves the live list and a next one is listed', async (t) => {
    // Three hours before the March quarterly expiry.
    const { sim, clock } = await derivSim(t, ['alice'], { start: Date.parse('2026-03-27T05:00:00Z') });
    const [fut] = await futures(sim, 'BTC-USDT');
    const instId: string = fut.instId;
    const exp = Number(fut.expTime);
    assert.equal(fut.alias, 'quarter');
    assert.equal(exp, Date.parse('2026-03-27T08:00:00Z'));
    const [inv] = await futures(sim, 'BTC-USD');

    const buy = await send(sim, 'alice', '/api/v5/trade/order', {
      instId,
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '2',
    });
    assert.equal(buy.data[0].sCode, '0');
    const short = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: inv.instId,
      tdMode: 'isolated',
      side: 'sell',
      ordType: 'market',
      sz: '3',
    });
    assert.equal(short.data[0].sCode, '0');
    const [pos] = await data(sim, 'alice', `/api/v5/account/positions?instId=${instId}`);
    const [book] = await data(sim, 'alice', `/api/v5/market/books?instId=${instId}&sz=1`);
    const resting = await send(sim, 'alice', '/api/v5/trade/order', {
      instId,
      tdMode: 'cross',
      side: 'buy',
      ordType: 'limit',
      px: new Decimal(book.bids[0][0]).mul(0.5).toDecimalPlaces(1).toFixed(),
      sz: '1',
    });
    assert.equal(resting.data[0].sCode, '0');

    // One minute before expiry: still live, nothing delivered.
    await step(sim, clock, exp - MINUTE - clock.now());
    assert.ok((await futures(sim, 'BTC-USDT')).some((i) => i.instId === instId));
    assert.deepEqual(
      await data(sim, 'alice', '/api/v5/public/delivery-exercise-history?instType=FUTURES&uly=BTC-USDT'),
      [],
    );

    await step(sim, clock, 2 * MINUTE);
    // The delivery price: the mean of the index's one-minute closes over the last hour.
    const minutes = await data(
      sim,
      'alice',
      `/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&after=${exp}&before=${exp - HOUR - 1}&limit=100`,
    );
    assert.equal(minutes.length, 60);
    const px = minutes
      .reduce((s: Decimal, r: string[]) => s.plus(r[4]!), new Decimal(0))
      .div(60)
      .toDecimalPlaces(8);

    const hist = await data(
      sim,
      'alice',
      '/api/v5/public/delivery-exercise-history?instType=FUTURES&uly=BTC-USDT',
    );
    assert.deepEqual(hist, [
      { ts: String(exp), details: [{ insId: instId, px: px.toFixed(), type: 'delivery' }] },
    ]);

    const bills = await data(sim, 'alice', `/api/v5/account/bills?instId=${instId}&type=3`);
    assert.equal(bills.length, 1);
    const pnl = new Decimal(2).mul('0.01').mul(px.minus(pos.avgPx));
    assert.deepEqual(
      [bills[0].subType, bills[0].px, bills[0].sz, bills[0].ccy, bills[0].ts],
      ['112', px.toFixed(), '2', 'USDT', String(exp)],
    );
    assert.equal(new Decimal(bills[0].pnl).toFixed(8), pnl.toFixed(8));
    assert.equal(new Decimal(bills[0].balChg).toFixed(8), pnl.toFixed(8));
    // The isolated short of the inverse future: margin and PnL back to cash, subType 113.
    const [invBill] = await data(sim, 'alice', `/api/v5/account/bills?instId=${inv.instId}&type=3`);
    assert.equal(invBill.subType, '113');
    assert.equal(invBill.ccy, 'BTC');

    assert.deepEqual(await data(sim, 'alice', '/api/v5/account/positions?instType=FUTURES'), []);
    const [order] = await data(
      sim,
      'alice',
      `/api/v5/trade/order?instId=${instId}&ordId=${resting.data[0].ordId}`,
    );
    assert.deepEqual([order.state, order.cancelSource], ['canceled', '0']);

    // The contract is gone from the live list; its family's next quarter is listed instead.
    const live = await futures(sim, 'BTC-USDT');
    assert.equal(live.length, 1);
    assert.notEqual(live[0].instId, instId);
    assert.ok(Number(live[0].expTime) > exp + 60 * 24 * HOUR);
    assert.equal(live[0].alias, 'quarter');
    const refused = await send(sim, 'alice', '/api/v5/trade/order', {
      instId,
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(refused.data[0].sCode, '51001');
    const again = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: live[0].instId,
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '1',
    });
    assert.equal(again.data[0].sCode, '0');
  });

  test('delivery-exercise-history asks for instType and a family', async (t) => {
    const { sim } = await derivSim(t);
    const r1 = await get(sim, 'alice', '/api/v5/public/delivery-exercise-history?uly=BTC-USDT');
    assert.equal(r1.json.code, '50014');
    const r2 = await get(sim, 'alice', '/api/v5/public/delivery-exercise-history?instType=FUTURES');
    assert.equal(r2.json.code, '50014');
    const r3 = await get(sim, 'alice', '/api/v5/public/delivery-exercise-history?instType=SWAP&uly=BTC-USDT');
    assert.equal(r3.json.code, '51000');
  });
});
