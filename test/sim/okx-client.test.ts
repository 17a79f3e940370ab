import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { withSim } from '../helpers/sim.js';

// The usage example of docs/SIMULATOR.md, and okxkit's own client against the sim.
test('OkxClient on the sim: ticker, balance, config, place, get, cancel, cancel-all-after', async (t) => {
  const sim = await withSim(t, { seed: 42 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  const ticker = await client.market.ticker('BTC-USDT');
  assert.equal(ticker.instId, 'BTC-USDT');
  const bal = await client.account.balance();
  assert.ok(bal.details.some((d) => d.ccy === 'USDT' && d.cashBal === '100000'));
  const cfg = await client.account.config();
  assert.equal(cfg.perm, 'read_only,trade');
  const px = (Math.floor(Number(ticker.bidPx) / 2 / 0.1) * 0.1).toFixed(1);
  const placed = await client.trade.placeOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px,
    sz: '0.001',
    clOrdId: 'docs1',
  });
  const o = await client.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'docs1' });
  assert.equal(o.ordId, placed.ordId);
  assert.equal(o.state, 'live');
  await client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
  assert.equal((await client.trade.getOrder({ instId: 'BTC-USDT', ordId: placed.ordId })).state, 'canceled');
  const caa = await client.trade.cancelAllAfter({ timeOut: '30' });
  assert.match(caa.triggerTime, /^\d+$/);
});
