import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum, bookChecksumString, type BookLevel } from '../../src/protocol/book-checksum.js';

const L = (px: string, sz: string): BookLevel => [px, sz, '0', '1'];

test('docs example 1: equal depth, signed int32', () => {
  const bids = [L('3366.1', '7'), L('3366', '6')];
  const asks = [L('3366.8', '9'), L('3368', '8')];
  assert.equal(bookChecksumString(bids, asks), '3366.1:7:3366.8:9:3366:6:3368:8');
  assert.equal(bookChecksum(bids, asks), -1881014294);
});

test('docs example 2: the longer side continues alone', () => {
  const bids = [L('3366.1', '7')];
  const asks = [L('3366.8', '9'), L('3368', '8'), L('3372', '8')];
  assert.equal(bookChecksumString(bids, asks), '3366.1:7:3366.8:9:3368:8:3372:8');
  assert.equal(bookChecksum(bids, asks), 831078360);
});

test('only the top 25 levels of each side count', () => {
  const bids = Array.from({ length: 30 }, (_, i) => L(String(1000 - i), '1'));
  const asks = Array.from({ length: 30 }, (_, i) => L(String(1001 + i), '2'));
  const s = bookChecksumString(bids, asks);
  assert.equal(s.split(':').length, 100);
  assert.ok(s.startsWith('1000:1:1001:2:999:1:1002:2'));
  assert.ok(s.endsWith('976:1:1025:2'));
  assert.equal(bookChecksum(bids, asks), 698652529);
});

test('raw strings are used as received (0.5000 is not 0.5)', () => {
  assert.notEqual(
    bookChecksum([L('0.5000', '1')], [L('1', '1')]),
    bookChecksum([L('0.5', '1')], [L('1', '1')]),
  );
});
