import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum } from '../../../src/protocol/book-checksum.js';
import { generateBookMessages } from '../../../src/sim/market/index.js';
import { MergedBook } from './book-merge.js';

test('generateBookMessages: a 400-level snapshot, then small updates a merged book verifies', () => {
  const msgs = generateBookMessages({ seed: 3, count: 150, instId: 'ETH-USDT' });
  assert.equal(msgs.length, 150);
  assert.deepEqual(generateBookMessages({ seed: 3, count: 150, instId: 'ETH-USDT' }), msgs, 'deterministic');
  const snap = JSON.parse(msgs[0]!);
  assert.deepEqual(snap.arg, { channel: 'books', instId: 'ETH-USDT' });
  assert.equal(snap.action, 'snapshot');
  const d0 = snap.data[0];
  assert.equal(d0.bids.length, 400);
  assert.equal(d0.asks.length, 400);
  assert.equal(d0.prevSeqId, -1);
  assert.equal(d0.checksum, bookChecksum(d0.bids, d0.asks));
  const book = new MergedBook(d0);
  let changed = 0;
  for (const s of msgs.slice(1)) {
    const m = JSON.parse(s);
    assert.equal(m.action, 'update');
    const d = m.data[0];
    book.apply(d);
    changed += d.bids.length + d.asks.length;
    const bids = book.sortedBids();
    const asks = book.sortedAsks();
    assert.equal(bookChecksum(bids, asks), d.checksum);
    assert.ok(Number(bids[0]![0]) < Number(asks[0]![0]));
  }
  const mean = changed / (msgs.length - 1);
  assert.ok(mean >= 3 && mean <= 12, `about five levels per update, got ${mean}`);
  assert.equal(book.bids.size, 400);
  assert.equal(book.asks.size, 400);
  const zero = generateBookMessages({ seed: 3, count: 5, zeroChecksum: true }).map(
    (s) => JSON.parse(s).data[0].checksum,
  );
  assert.deepEqual(zero, [0, 0, 0, 0, 0]);
  assert.throws(() => generateBookMessages({ seed: 1, count: 2, instId: 'XRP-USDT' }), /instId/);
});
