import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Simulator } from '../../../src/sim/simulator.js';
import type { ManualClock } from '../../../src/util/clock.js';
import { data, derivSim, send, step } from './derivs-kit.js';

const D = (v: string | number) => new Decimal(v);

async function last(sim: Simulator, instId: string): Promise<Decimal> {
  return D((await data(sim, 'alice', `/api/v5/market/ticker?instId=${instId}`))[0].last);
}

/** Advances the sim clock 1 s at a time (a tick each) until the algo leaves the live state. */
async function untilDone(sim: Simulator, clock: ManualClock, algoId: string, maxSteps = 3000) {
  for (let i = 0; i < maxSteps; i++) {
    const a = sim.engine.algos.find('alice', algoId, '');
    if (a && a.state !== 'live') break;
    await step(sim, clock, 1000);
  }
  return (await data(sim, 'alice', `/api/v5/trade/order-algo?algoId=${algoId}`))[0];
}

describe('algo orders on the local exchange (issue 12 item 3)', () => {
  test('a stop-loss guarding a short closes the whole position when the last price rises to it', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice'], { seed: 4 });
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'market',
      sz: '10',
    });
    const px = await last(sim, 'BTC-USDT-SWAP');
    const slPx = px.mul(1.001).toDecimalPlaces(1).toFixed();
    const bad = await send(sim, 'alice', '/api/v5/trade/order-algo', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'conditional',
      closeFraction: '1',
      slTriggerPx: px.mul(0.99).toDecimalPlaces(1).toFixed(),
      slOrdPx: '-1',
    });
    assert.equal(bad.data[0].sCode, '51278');
    const r = await send(sim, 'alice', '/api/v5/trade/order-algo', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'conditional',
      closeFraction: '1',
      slTriggerPx: slPx,
      slOrdPx: '-1',
      algoClOrdId: 'stop1',
    });
    assert.equal(r.data[0].sCode, '0');
    const pending = await data(sim, 'alice', '/api/v5/trade/orders-algo-pending?ordType=conditional');
    assert.deepEqual(
      pending.map((a) => [a.algoId, a.state, a.slTriggerPx, a.algoClOrdId]),
      [[r.data[0].algoId, 'live', slPx, 'stop1']],
    );
    const done = await untilDone(sim, clock, r.data[0].algoId);
    assert.equal(done.state, 'effective');
    assert.equal(done.actualSide, 'sl');
    assert.equal(done.actualSz, '10');
    assert.ok(D((await data(sim, 'alice', '/api/v5/market/ticker?instId=BTC-USDT-SWAP'))[0].last).gt(0));
    const o = (await data(sim, 'alice', `/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId=${done.ordId}`))[0];
    assert.deepEqual([o.side, o.state, o.accFillSz, o.reduceOnly], ['buy', 'filled', '10', 'true']);
    assert.deepEqual(await data(sim, 'alice', '/api/v5/account/positions'), []);
    const hist = await data(
      sim,
      'alice',
      '/api/v5/trade/orders-algo-history?ordType=conditional&state=effective',
    );
    assert.equal(hist[0].algoId, r.data[0].algoId);
  });

  test('OCO: the first leg to trigger places its order and ends the algo', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice'], { seed: 5 });
    await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'ETH-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'market',
      sz: '5',
    });
    const px = await last(sim, 'ETH-USDT-SWAP');
    const r = await send(sim, 'alice', '/api/v5/trade/order-algo', {
      instId: 'ETH-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'oco',
      sz: '5',
      reduceOnly: true,
      tpTriggerPx: px.mul(1.0015).toDecimalPlaces(2).toFixed(),
      tpOrdPx: '-1',
      slTriggerPx: px.mul(0.9985).toDecimalPlaces(2).toFixed(),
      slOrdPx: '-1',
    });
    assert.equal(r.data[0].sCode, '0');
    const done = await untilDone(sim, clock, r.data[0].algoId);
    assert.equal(done.state, 'effective');
    assert.ok(['tp', 'sl'].includes(done.actualSide));
    const [t0] = await data(sim, 'alice', `/api/v5/trade/order?instId=ETH-USDT-SWAP&ordId=${done.ordId}`);
    assert.equal(t0.state, 'filled');
    // Filled above the TP trigger's neighbourhood for tp, below the SL's for sl (market order after the touch).
    const fill = D(t0.avgPx);
    if (done.actualSide === 'tp') assert.ok(fill.gte(D(done.tpTriggerPx).mul(0.999)));
    else assert.ok(fill.lte(D(done.slTriggerPx).mul(1.001)));
  });

  test('a trigger order places its limit order when the price crosses triggerPx', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice'], { seed: 6 });
    const px = await last(sim, 'BTC-USDT');
    const trig = px.mul(1.001).toDecimalPlaces(1);
    const r = await send(sim, 'alice', '/api/v5/trade/order-algo', {
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'trigger',
      sz: '0.01',
      triggerPx: trig.toFixed(),
      orderPx: trig.mul(1.01).toDecimalPlaces(1).toFixed(),
    });
    assert.equal(r.data[0].sCode, '0');
    const done = await untilDone(sim, clock, r.data[0].algoId);
    assert.equal(done.state, 'effective');
    const o = (await data(sim, 'alice', `/api/v5/trade/order?instId=BTC-USDT&ordId=${done.ordId}`))[0];
    assert.equal(o.ordType, 'limit');
    assert.equal(o.px, trig.mul(1.01).toDecimalPlaces(1).toFixed());
  });

  test('a trailing stop sells after the price falls callbackRatio from its high since placement', async (t) => {
    const { sim, clock } = await derivSim(t, ['alice'], { seed: 8 });
    const r = await send(sim, 'alice', '/api/v5/trade/order-algo', {
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'sell',
      ordType: 'move_order_stop',
      sz: '0.01',
      callbackRatio: '0.002',
    });
    assert.equal(r.data[0].sCode, '0');
    const seen: Decimal[] = [];
    for (let i = 0; i < 3000; i++) {
      seen.push(D(sim.market.last('BTC-USDT')));
      const a = sim.engine.algos.find('alice', r.data[0].algoId, '')!;
      if (a.state !== 'live') break;
      await step(sim, clock, 1000);
    }
    const done = (await data(sim, 'alice', `/api/v5/trade/order-algo?algoId=${r.data[0].algoId}`))[0];
    assert.equal(done.state, 'effective');
    const high = D(done.moveTriggerPx);
    const at = seen[seen.length - 1]!;
    assert.ok(at.lte(high.mul(0.998)), `${at} <= ${high} x 0.998`);
    assert.ok(seen.every((p) => p.lte(high)));
  });

  test('TP/SL attached to an order go live when it fills; amend and cancel them; history keeps them', async (t) => {
    const { sim } = await derivSim(t, ['alice'], { seed: 9 });
    const px = await last(sim, 'BTC-USDT-SWAP');
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'isolated',
      side: 'buy',
      ordType: 'market',
      sz: '3',
      attachAlgoOrds: [
        {
          attachAlgoClOrdId: 'tpsl1',
          tpTriggerPx: px.mul(1.05).toDecimalPlaces(1).toFixed(),
          tpOrdPx: '-1',
          slTriggerPx: px.mul(0.95).toDecimalPlaces(1).toFixed(),
          slOrdPx: '-1',
        },
      ],
    });
    assert.equal(r.data[0].sCode, '0');
    const [a] = await data(sim, 'alice', '/api/v5/trade/orders-algo-pending?ordType=oco,conditional');
    assert.deepEqual(
      [a.ordType, a.side, a.algoClOrdId, a.reduceOnly, a.tdMode],
      ['oco', 'sell', 'tpsl1', 'true', 'isolated'],
    );
    const newSl = px.mul(0.96).toDecimalPlaces(1).toFixed();
    const am = await send(sim, 'alice', '/api/v5/trade/amend-algos', {
      instId: 'BTC-USDT-SWAP',
      algoId: a.algoId,
      newSlTriggerPx: newSl,
    });
    assert.equal(am.data[0].sCode, '0');
    assert.equal(
      (await data(sim, 'alice', `/api/v5/trade/order-algo?algoId=${a.algoId}`))[0].slTriggerPx,
      newSl,
    );
    const c = await send(sim, 'alice', '/api/v5/trade/cancel-algos', [
      { instId: 'BTC-USDT-SWAP', algoId: a.algoId },
    ]);
    assert.equal(c.data[0].sCode, '0');
    const again = await send(sim, 'alice', '/api/v5/trade/cancel-algos', [
      { instId: 'BTC-USDT-SWAP', algoId: a.algoId },
    ]);
    assert.equal(again.code, '1');
    assert.deepEqual(await data(sim, 'alice', '/api/v5/trade/orders-algo-pending?ordType=oco'), []);
    const hist = await data(sim, 'alice', '/api/v5/trade/orders-algo-history?ordType=oco&state=canceled');
    assert.equal(hist[0].algoId, a.algoId);
  });

  test('an attached TP/SL of a resting order waits for the fill and dies with an unfilled cancel', async (t) => {
    const { sim } = await derivSim(t, ['alice'], { seed: 9 });
    const px = await last(sim, 'BTC-USDT-SWAP');
    const r = await send(sim, 'alice', '/api/v5/trade/order', {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'limit',
      px: px.mul(0.97).toDecimalPlaces(1).toFixed(),
      sz: '1',
      attachAlgoOrds: [{ slTriggerPx: px.mul(0.9).toDecimalPlaces(1).toFixed(), slOrdPx: '-1' }],
    });
    assert.equal(r.data[0].sCode, '0');
    assert.deepEqual(await data(sim, 'alice', '/api/v5/trade/orders-algo-pending?ordType=conditional'), []);
    await send(sim, 'alice', '/api/v5/trade/cancel-order', {
      instId: 'BTC-USDT-SWAP',
      ordId: r.data[0].ordId,
    });
    const hist = await data(
      sim,
      'alice',
      '/api/v5/trade/orders-algo-history?ordType=conditional&state=canceled',
    );
    assert.equal(hist.length, 1);
  });
});
