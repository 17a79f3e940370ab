import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { RestClient } from 'okx-api';
import { withSim } from '../helpers/sim.js';

// A standard OKX client, configured with nothing but the sim's base URL and a key's credentials.
test('the okx-api RestClient works unchanged against the sim: ticker, balance, place, query, cancel', async (t) => {
  const sim = await withSim(t, { seed: 11 });
  const k = sim.key('trade');
  const client = new RestClient({
    baseUrl: sim.restUrl,
    apiKey: k.apiKey,
    apiSecret: k.secretKey,
    apiPass: k.passphrase,
  });

  const [ticker] = await client.getTicker({ instId: 'BTC-USDT' });
  assert.equal(ticker!.instId, 'BTC-USDT');
  assert.ok(new Decimal(ticker!.bidPx).gt(0));

  const [bal] = await client.getBalance();
  const usdt = bal!.details.find((d) => d.ccy === 'USDT');
  assert.equal(usdt!.cashBal, '100000');

  // Far below the market so it rests; on the 0.1 tick.
  const px = new Decimal(ticker!.bidPx).mul(0.5).toDecimalPlaces(1, Decimal.ROUND_DOWN).toFixed();
  const [placed] = await client.submitOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px,
    sz: '0.001',
    clOrdId: 'peer1',
  });
  assert.equal(placed!.sCode, '0');

  const [details] = await client.getOrderDetails({ instId: 'BTC-USDT', ordId: placed!.ordId });
  assert.equal(details!.state, 'live');
  assert.equal(details!.clOrdId, 'peer1');
  assert.equal(details!.px, px);

  const [canceled] = await client.cancelOrder({ instId: 'BTC-USDT', ordId: placed!.ordId });
  assert.equal(canceled!.sCode, '0');
  const [after] = await client.getOrderDetails({ instId: 'BTC-USDT', clOrdId: 'peer1' });
  assert.equal(after!.state, 'canceled');
});
