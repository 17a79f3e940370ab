import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { accountsConfig, get, order, place, T0 } from './sim-test-kit.js';

describe('spot fidelity (issue 12 item 3)', () => {
  test('a market buy sized in base fills its whole size even when the book steps between estimate and fill', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { seed: 5, clock, config: accountsConfig(['alice']) });
    for (let i = 0; i < 24; i++) {
      // The clock moves without a tick: the order's own advance steps the market first.
      clock.advance(700);
      const r = await place(sim, 'alice', {
        instId: 'BTC-USDT',
        side: 'buy',
        ordType: 'market',
        sz: '0.001',
        tgtCcy: 'base_ccy',
      });
      assert.equal(r.data[0].sCode, '0');
      const o = await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId);
      assert.deepEqual([i, o.state, o.accFillSz], [i, 'filled', '0.001']);
    }
  });

  test('a market sell sized in quote fills its whole amount even when the book steps between estimate and fill', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { seed: 5, clock, config: accountsConfig(['alice']) });
    for (let i = 0; i < 24; i++) {
      clock.advance(700);
      const r = await place(sim, 'alice', {
        instId: 'BTC-USDT',
        side: 'sell',
        ordType: 'market',
        sz: '50',
        tgtCcy: 'quote_ccy',
      });
      assert.equal(r.data[0].sCode, '0');
      const o = await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId);
      assert.deepEqual([i, o.state], [i, 'filled']);
    }
  });

  test('a spot order read by GET /trade/order carries posSide "net"', async (t) => {
    const sim = await withSim(t, { seed: 5, clock: new ManualClock(T0), config: accountsConfig(['alice']) });
    const r = await place(sim, 'alice', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '1000',
      sz: '0.001',
    });
    const o = await order(sim, 'alice', 'BTC-USDT', r.data[0].ordId);
    assert.equal(o.posSide, 'net');
  });

  test('bills rows carry fillFwdPx, fillMarkVol, fillPxUsd and fillPxVol', async (t) => {
    const sim = await withSim(t, { seed: 5, clock: new ManualClock(T0), config: accountsConfig(['alice']) });
    await place(sim, 'alice', { instId: 'BTC-USDT', side: 'buy', ordType: 'market', sz: '100' });
    const bills = (await get(sim, 'alice', '/api/v5/account/bills?instType=SPOT')).json.data;
    assert.ok(bills.length >= 2);
    for (const b of bills)
      for (const f of ['fillFwdPx', 'fillMarkVol', 'fillPxUsd', 'fillPxVol']) assert.equal(b[f], '', f);
  });

  test('public trade history is populated on a fresh exchange', async (t) => {
    const sim = await withSim(t, { seed: 5, clock: new ManualClock(T0), config: accountsConfig(['alice']) });
    const r = await get(sim, 'alice', '/api/v5/market/trades?instId=BTC-USDT&limit=50');
    assert.equal(r.json.data.length, 50);
  });
});
