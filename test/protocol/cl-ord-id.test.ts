import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidClOrdId, newClOrdId } from '../../src/protocol/cl-ord-id.js';
import { ENDPOINTS, findEndpoint, rateKey } from '../../src/protocol/endpoints.js';

test('clOrdId rule: 1..32 alphanumerics, no dash or underscore', () => {
  assert.ok(isValidClOrdId('abc123'));
  assert.ok(isValidClOrdId('a'.repeat(32)));
  assert.ok(!isValidClOrdId('a'.repeat(33)));
  assert.ok(!isValidClOrdId(''));
  assert.ok(!isValidClOrdId('grid-1'));
  assert.ok(!isValidClOrdId('grid_1'));
});

test('generator: valid, unique, prefix kept, deterministic with injected randomness', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newClOrdId('bot1')));
  assert.equal(ids.size, 1000);
  for (const id of ids) {
    assert.ok(isValidClOrdId(id));
    assert.ok(id.startsWith('bot1'));
    assert.equal(id.length, 32);
  }
  const fixed = (n: number) => new Uint8Array(n);
  assert.equal(newClOrdId('', 8, fixed), 'AAAAAAAA');
  assert.throws(() => newClOrdId('bad-prefix'), RangeError);
});

test('endpoint catalogue: batch endpoints count orders; trading is per user + instrument', () => {
  assert.equal(ENDPOINTS['trade.batchOrders'].rate.countBy, 'orders');
  assert.equal(ENDPOINTS['trade.order'].rate.scope, 'user+instId');
  assert.equal(findEndpoint('get', '/api/v5/market/ticker')?.id, 'market.ticker');
  assert.equal(
    rateKey(ENDPOINTS['trade.order'], { user: 'u1' }, { instId: 'BTC-USDT' }),
    'trade.order|u:u1|BTC-USDT',
  );
});
