import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { FakeMarket } from './fake-market.js';
import { get, place, T0 } from './sim-test-kit.js';
import { privateWs } from './derivs/derivs-kit.js';

test('private WS: orders pushes come from the engine; WS order ops reach the same engine as REST', async (t) => {
  const sim = await withSim(t, { clock: new ManualClock(T0), market: new FakeMarket() });
  const c = await privateWs(sim, 'trade');
  t.after(() => c.ws.close());
  c.send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'SPOT' }] });
  await c.next((m) => m.event === 'subscribe');

  const r = await place(sim, 'trade', {
    instId: 'BTC-USDT',
    side: 'buy',
    ordType: 'limit',
    px: '40000',
    sz: '0.01',
    clOrdId: 'rest1',
  });
  const push = await c.next((m) => m.arg?.channel === 'orders' && m.data?.[0]?.clOrdId === 'rest1');
  assert.equal(push.data[0].ordId, r.data[0].ordId);
  assert.equal(push.data[0].state, 'live');
  assert.equal(push.data[0].reduceOnly, 'false');

  c.send({
    id: 'op1',
    op: 'order',
    args: [
      {
        instId: 'BTC-USDT',
        tdMode: 'cash',
        side: 'buy',
        ordType: 'limit',
        px: '41000',
        sz: '0.01',
        clOrdId: 'ws1',
      },
    ],
  });
  const ack = await c.next((m) => m.id === 'op1');
  assert.equal(ack.code, '0', JSON.stringify(ack));
  assert.equal(ack.data[0].sCode, '0');
  const got = await get(sim, 'trade', '/api/v5/trade/order?instId=BTC-USDT&clOrdId=ws1');
  assert.equal(got.json.data[0].ordId, ack.data[0].ordId);

  // instIdCode (2026 WS rule) resolves to the instrument; a pending clOrdId is refused as on REST.
  c.send({
    id: 'op2',
    op: 'order',
    args: [
      {
        instIdCode: 1,
        tdMode: 'cash',
        side: 'buy',
        ordType: 'limit',
        px: '41000',
        sz: '0.01',
        clOrdId: 'ws1',
      },
    ],
  });
  const dup = await c.next((m) => m.id === 'op2');
  assert.equal(dup.code, '1');
  assert.equal(dup.data[0].sCode, '51016');

  c.send({ id: 'op3', op: 'cancel-order', args: [{ instId: 'BTC-USDT', clOrdId: 'ws1' }] });
  const cx = await c.next((m) => m.id === 'op3');
  assert.equal(cx.data[0].sCode, '0');
  const canceled = await c.next(
    (m) => m.arg?.channel === 'orders' && m.data?.[0]?.clOrdId === 'ws1' && m.data[0].state === 'canceled',
  );
  assert.equal(canceled.data[0].cancelSource, '1');
});

test('WS order ops share the REST per-instrument limit (docs/OKX-PROTOCOL.md §5)', async (t) => {
  const sim = await withSim(t, { clock: new ManualClock(T0), market: new FakeMarket() });
  const c = await privateWs(sim, 'trade');
  t.after(() => c.ws.close());
  for (let i = 0; i < 59; i++) {
    const r = await place(sim, 'trade', {
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '1000',
      sz: '0.001',
    });
    assert.equal(r.code, '0');
  }
  const args = [
    { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1000', sz: '0.001' },
  ];
  c.send({ id: 'w60', op: 'order', args });
  assert.equal((await c.next((m) => m.id === 'w60')).code, '0');
  c.send({ id: 'w61', op: 'order', args });
  const over = await c.next((m) => m.id === 'w61');
  assert.equal(over.code, '50011');
  assert.equal(
    (await get(sim, 'trade', '/api/v5/trade/orders-pending?instId=BTC-USDT')).json.data.length,
    60,
  );
});
