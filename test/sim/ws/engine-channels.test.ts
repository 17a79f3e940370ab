import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/util/clock.js';
import { simFetch, withSim } from '../../helpers/sim.js';
import { Client, START, isEvent, isPush } from './helpers.js';

test('balance_and_position on the local exchange: snapshot = account balances; each fill pushes both cash balances and its trade; placing and canceling push nothing', async (t) => {
  const clock = new ManualClock(START);
  const sim = await withSim(t, { clock });
  const c = await Client.open(sim.wsUrls.wsPrivate);
  t.after(() => c.ws.terminate());
  assert.equal((await c.login(sim.key('trade'), clock.now())).code, '0');
  c.send({ op: 'subscribe', args: [{ channel: 'balance_and_position' }] });
  await c.next(isEvent('subscribe'));
  const snap = await c.next(isPush('balance_and_position'));
  assert.equal(snap.data[0].eventType, 'snapshot');
  assert.deepEqual(snap.data[0].posData, []);
  const bal = await simFetch(sim, 'trade', 'GET', '/api/v5/account/balance');
  const details = bal.json.data[0].details as Array<Record<string, string>>;
  assert.deepEqual(
    snap.data[0].balData,
    details.map((d) => ({ ccy: d.ccy, cashBal: d.cashBal, uTime: d.uTime })),
  );
  assert.deepEqual(
    snap.data[0].balData.map((b: any) => b.ccy),
    ['BTC', 'ETH', 'OKB', 'SOL', 'USDT'],
  );

  // a resting order freezes funds but moves no cash balance: no push
  const far = await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order', {
    body: { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1000', sz: '0.01' },
  });
  assert.equal(far.json.data[0].sCode, '0');
  await simFetch(sim, 'trade', 'POST', '/api/v5/trade/cancel-order', {
    body: { instId: 'BTC-USDT', ordId: far.json.data[0].ordId },
  });
  await c.settled();
  assert.equal(c.frames.filter(isPush('balance_and_position')).length, 0);

  const buy = await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order', {
    body: {
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'market',
      sz: '0.5',
      tgtCcy: 'base_ccy',
    },
  });
  assert.equal(buy.json.data[0].sCode, '0');
  const fills = (await simFetch(sim, 'trade', 'GET', `/api/v5/trade/fills?ordId=${buy.json.data[0].ordId}`))
    .json.data as Array<Record<string, string>>;
  assert.ok(fills.length >= 1);
  const pushes = [];
  for (let i = 0; i < fills.length; i++) pushes.push(await c.next(isPush('balance_and_position')));
  for (const p of pushes) {
    assert.equal(p.arg.uid, snap.arg.uid);
    const d = p.data[0];
    assert.equal(d.eventType, 'filled');
    assert.deepEqual(d.posData, []);
    assert.deepEqual(
      d.balData.map((b: any) => b.ccy),
      ['BTC', 'USDT'],
    );
    assert.equal(d.trades.length, 1);
    assert.equal(d.trades[0].instId, 'BTC-USDT');
  }
  assert.deepEqual(pushes.map((p) => p.data[0].trades[0].tradeId).sort(), fills.map((f) => f.tradeId).sort());
  // after the last fill, the pushed cash balances are the account's
  const after = (await simFetch(sim, 'trade', 'GET', '/api/v5/account/balance?ccy=BTC,USDT')).json.data[0]
    .details as Array<Record<string, string>>;
  const last = pushes.at(-1)!.data[0].balData as Array<Record<string, string>>;
  for (const b of last) assert.equal(b.cashBal, after.find((d) => d.ccy === b.ccy)!.cashBal, b.ccy);
});

test('the 5D / 5Dutc bars are WS-only: GET /market/candles refuses them (51000), candle5D serves them', async (t) => {
  const sim = await withSim(t, { clock: new ManualClock(START) });
  for (const bar of ['5D', '5Dutc']) {
    const r = await simFetch(sim, undefined, 'GET', `/api/v5/market/candles?instId=BTC-USDT&bar=${bar}`);
    assert.equal(r.json.code, '51000', bar);
  }
  const c = await Client.open(sim.wsUrls.wsBusiness);
  t.after(() => c.ws.terminate());
  c.send({ op: 'subscribe', args: [{ channel: 'candle5Dutc', instId: 'BTC-USDT' }] });
  const push = await c.next(isPush('candle5Dutc'));
  assert.equal(push.data[0].length, 9);
});
