import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivSim, data, send, step } from '../derivs/derivs-kit.js';
import { Client, isEvent, isPush } from './helpers.js';
import type { Simulator } from '../../../src/sim/simulator.js';
import type { ManualClock } from '../../../src/util/clock.js';

// balance_and_position carries one event's cash and position changes in one push
// (docs/OKX-PROTOCOL.md §2.7): a contract fill moves the settlement currency and the position.

async function subscribed(t: { after(fn: () => unknown): void }, sim: Simulator, clock: ManualClock) {
  const c = await Client.open(sim.wsUrls.wsPrivate);
  t.after(() => c.ws.terminate());
  assert.equal((await c.login(sim.key('alice'), clock.now())).code, '0');
  c.send({ op: 'subscribe', args: [{ channel: 'balance_and_position' }] });
  await c.next(isEvent('subscribe'));
  const snap = (await c.next(isPush('balance_and_position'))).data[0];
  assert.equal(snap.eventType, 'snapshot');
  return { c, snap };
}

test('a swap fill pushes one balance_and_position message with its cash balance, its position and its trade', async (t) => {
  const { sim, clock } = await derivSim(t, ['alice'], { seed: 11 });
  const { c, snap } = await subscribed(t, sim, clock);
  assert.deepEqual(snap.posData, []);
  const r = await send(sim, 'alice', '/api/v5/trade/order', {
    instId: 'BTC-USDT-SWAP',
    tdMode: 'cross',
    side: 'buy',
    ordType: 'market',
    sz: '3',
  });
  assert.equal(r.data[0].sCode, '0');
  const fills = await data(sim, 'alice', `/api/v5/trade/fills?ordId=${r.data[0].ordId}`);
  assert.ok(fills.length >= 1);
  await c.settled();
  const pushes = c.frames.filter(isPush('balance_and_position')).map((m: any) => m.data[0]);
  // One message per fill, never a cash-only and a position-only message for the same fill.
  assert.equal(pushes.length, fills.length, JSON.stringify(pushes));
  const [pos] = await data(sim, 'alice', '/api/v5/account/positions?instId=BTC-USDT-SWAP');
  const [bal] = await data(sim, 'alice', '/api/v5/account/balance?ccy=USDT');
  for (const p of pushes) {
    assert.equal(p.eventType, 'filled');
    assert.deepEqual(
      p.balData.map((b: any) => b.ccy),
      ['USDT'],
    );
    assert.equal(p.posData.length, 1);
    assert.equal(p.posData[0].instId, 'BTC-USDT-SWAP');
    assert.equal(p.trades.length, 1);
  }
  assert.deepEqual(
    pushes.map((p: any) => p.trades[0].tradeId).sort(),
    fills.map((f: any) => f.tradeId).sort(),
  );
  // The last push is the state after the order: the position and the cash balance GET reports.
  const last = pushes[pushes.length - 1];
  assert.equal(last.posData[0].pos, '3');
  assert.equal(last.posData[0].pos, pos.pos);
  assert.equal(last.posData[0].posId, pos.posId);
  assert.equal(last.balData[0].cashBal, bal.details[0].cashBal);
});

test('the snapshot lists open positions; funding settles as one balance_and_position message (eventType funding_fee) with the cash and the position', async (t) => {
  const { sim, clock } = await derivSim(t, ['alice'], {
    seed: 12,
    start: Date.parse('2026-03-01T15:59:00Z'),
  });
  const r = await send(sim, 'alice', '/api/v5/trade/order', {
    instId: 'BTC-USDT-SWAP',
    tdMode: 'cross',
    side: 'sell',
    ordType: 'market',
    sz: '5',
  });
  assert.equal(r.data[0].sCode, '0');
  const { c, snap } = await subscribed(t, sim, clock);
  // The snapshot carries the open position too.
  assert.deepEqual(
    snap.posData.map((p: any) => [p.instId, p.pos]),
    [['BTC-USDT-SWAP', '-5']],
  );
  await step(sim, clock, 60_000); // 16:00: funding
  assert.equal((await data(sim, 'alice', '/api/v5/account/bills?type=8')).length, 1);
  await c.settled();
  const pushes = c.frames.filter(isPush('balance_and_position')).map((m: any) => m.data[0]);
  assert.equal(pushes.length, 1, JSON.stringify(pushes));
  const p = pushes[0];
  assert.equal(p.eventType, 'funding_fee');
  assert.deepEqual(
    p.balData.map((b: any) => b.ccy),
    ['USDT'],
  );
  assert.equal(p.posData.length, 1);
  assert.equal(p.posData[0].pos, '-5');
  assert.deepEqual(p.trades, []);
});
