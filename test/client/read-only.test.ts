import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxReadOnlyError } from '../../src/client/errors.js';
import { ENDPOINTS } from '../../src/protocol/endpoints.js';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

test('read-only mode refuses every trading call locally: nothing reaches the server', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ totalEq: '1', uTime: '1', details: [] }]));
  const client = makeClient(okx.url, { readOnly: true });
  t.after(() => client.close());
  const o = { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1', sz: '1' } as const;
  const calls: Array<() => Promise<unknown>> = [
    () => client.trade.placeOrder(o),
    () => client.trade.batchOrders([o]),
    () => client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' }),
    () => client.trade.cancelBatchOrders([{ instId: 'BTC-USDT', ordId: '1' }]),
    () => client.trade.amendOrder({ instId: 'BTC-USDT', ordId: '1', newSz: '2' }),
    () => client.trade.amendBatchOrders([{ instId: 'BTC-USDT', ordId: '1', newSz: '2' }]),
    () => client.trade.cancelAllAfter({ timeOut: '0' }),
  ];
  for (const c of calls) await assert.rejects(c(), OkxReadOnlyError);
  // every trade-permission endpoint of the catalogue is covered by the refusal
  for (const def of Object.values(ENDPOINTS)) {
    if (def.permission === 'trade' || def.permission === 'withdraw') {
      await assert.rejects(client.call(def.id, { body: {} }, {} as any), OkxReadOnlyError);
    }
  }
  assert.equal(okx.requests.length, 0);
  // reads still work
  assert.equal((await client.account.balance()).totalEq, '1');
  assert.equal(okx.requests.length, 1);
});
