import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { SlidingWindowLimiter } from '../../src/sim/rate-limiter.js';
import { withSim } from '../helpers/sim.js';
import { FakeMarket } from './fake-market.js';
import { accountsConfig, get, post, T0 } from './sim-test-kit.js';

const TOO_MANY = { msg: 'Too Many Requests', code: '50011' };

describe('rate limits as OKX counts them', () => {
  test('sliding window: limit+1 inside the window refused, accepted once the oldest leaves it', () => {
    const clock = new ManualClock(0);
    const l = new SlidingWindowLimiter(clock);
    const rule = { limit: 3, windowMs: 1000 };
    assert.ok(l.take('k', rule));
    clock.advance(400);
    assert.ok(l.take('k', rule, 2));
    assert.equal(l.take('k', rule), false);
    clock.advance(599);
    assert.equal(l.take('k', rule), false);
    clock.advance(1);
    assert.ok(l.take('k', rule));
  });

  test('public endpoint per IP: 10 per 2 s on public/time, then HTTP 429 50011, OK after the window', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket() });
    const hit = async () => {
      const r = await fetch(`${sim.restUrl}/api/v5/public/time`);
      return { status: r.status, json: await r.json() };
    };
    for (let i = 0; i < 10; i++) assert.equal((await hit()).status, 200);
    const over = await hit();
    assert.equal(over.status, 429);
    assert.deepEqual(over.json, TOO_MANY);
    clock.advance(1999);
    assert.equal((await hit()).status, 429);
    clock.advance(1);
    const back = await hit();
    assert.equal(back.status, 200);
    assert.deepEqual(back.json, { code: '0', msg: '', data: [{ ts: String(T0 + 2000) }] });
  });

  test('public/instruments counts per IP and instType', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket() });
    for (let i = 0; i < 20; i++)
      assert.equal((await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SPOT`)).status, 200);
    assert.equal((await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SPOT`)).status, 429);
    assert.equal((await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SWAP`)).status, 200);
  });

  test('place order: 60 per 2 s per user and instId; another instrument and another user are separate', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket(), config: accountsConfig(['u1', 'u2']) });
    const o = (instId: string, px: string) => ({
      instId,
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px,
      sz: instId === 'BTC-USDT' ? '0.001' : '0.01',
    });
    for (let i = 0; i < 60; i++)
      assert.equal((await post(sim, 'u1', '/api/v5/trade/order', o('BTC-USDT', '1000'))).status, 200);
    const over = await post(sim, 'u1', '/api/v5/trade/order', o('BTC-USDT', '1000'));
    assert.equal(over.status, 429);
    assert.deepEqual(over.json, TOO_MANY);
    assert.equal((await post(sim, 'u1', '/api/v5/trade/order', o('ETH-USDT', '100'))).json.code, '0');
    assert.equal((await post(sim, 'u2', '/api/v5/trade/order', o('BTC-USDT', '1000'))).json.code, '0');
    // The refused request placed nothing: 60 pending on BTC-USDT for u1.
    assert.equal((await get(sim, 'u1', '/api/v5/trade/orders-pending?instId=BTC-USDT')).json.data.length, 60);
    clock.advance(2000);
    assert.equal((await post(sim, 'u1', '/api/v5/trade/order', o('BTC-USDT', '1000'))).json.code, '0');
  });

  test('batch orders count orders per instId (300 per 2 s), not requests', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket(), config: accountsConfig(['u1']) });
    const batch = (instId: string, n: number) =>
      Array.from({ length: n }, () => ({
        instId,
        tdMode: 'cash',
        side: 'buy',
        ordType: 'limit',
        px: instId === 'BTC-USDT' ? '1000' : '100',
        sz: instId === 'BTC-USDT' ? '0.001' : '0.01',
      }));
    for (let i = 0; i < 15; i++)
      assert.equal((await post(sim, 'u1', '/api/v5/trade/batch-orders', batch('BTC-USDT', 20))).status, 200);
    const over = await post(sim, 'u1', '/api/v5/trade/batch-orders', [
      ...batch('BTC-USDT', 1),
      ...batch('ETH-USDT', 1),
    ]);
    assert.equal(over.status, 429);
    assert.deepEqual(over.json, TOO_MANY);
    assert.equal((await post(sim, 'u1', '/api/v5/trade/batch-orders', batch('ETH-USDT', 20))).json.code, '0');
  });

  test('sub-account order limit: 1000 new orders per 2 s across instruments -> 50061', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, {
      clock,
      market: new FakeMarket(),
      config: accountsConfig(['u1'], { USDT: '100000', BTC: '1' }),
    });
    const specs: [string, string, string][] = [
      ['BTC-USDT', '1000', '0.001'],
      ['ETH-USDT', '100', '0.01'],
      ['SOL-USDT', '10', '0.1'],
      ['OKB-USDT', '10', '0.1'],
    ];
    for (const [instId, px, sz] of specs) {
      for (let i = 0; i < 12; i++) {
        const items = Array.from({ length: 20 }, () => ({
          instId,
          tdMode: 'cash',
          side: 'buy',
          ordType: 'limit',
          px,
          sz,
        }));
        const r = await post(sim, 'u1', '/api/v5/trade/batch-orders', items);
        assert.equal(r.json.code, '0');
      }
    }
    // 960 so far; 40 more reach the limit exactly, the next one is over it.
    const forty = Array.from({ length: 20 }, () => ({
      instId: 'ETH-BTC',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px: '0.01',
      sz: '0.01',
    }));
    assert.equal((await post(sim, 'u1', '/api/v5/trade/batch-orders', forty)).json.code, '0');
    assert.equal((await post(sim, 'u1', '/api/v5/trade/batch-orders', forty)).json.code, '0');
    const over = await post(sim, 'u1', '/api/v5/trade/order', {
      instId: 'ETH-BTC',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px: '0.01',
      sz: '0.01',
    });
    assert.equal(over.status, 200);
    assert.deepEqual(over.json, {
      code: '50061',
      msg: "You've reached the maximum order rate limit for this account.",
      data: [],
    });
    clock.advance(2000);
    assert.equal(
      (
        await post(sim, 'u1', '/api/v5/trade/order', {
          instId: 'ETH-BTC',
          tdMode: 'cash',
          side: 'buy',
          ordType: 'limit',
          px: '0.01',
          sz: '0.01',
        })
      ).json.code,
      '0',
    );
  });
});
