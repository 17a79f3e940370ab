// The fast share of `npm run chaos`'s parser fuzzing (fast-check): a few hundred random answers
// to the client and requests to the local exchange. The full runs live in chaos/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzClient, fuzzExchange } from '../../chaos/fuzz.js';

test('client parser: any answer ends in data or a typed error; an unreadable answer to a write is ambiguous', async () => {
  const r = await fuzzClient(300, 1806);
  assert.deepEqual(r.violations, []);
  assert.equal(r.counts.answers, 300);
  assert.ok((r.counts['writes left ambiguous'] ?? 0) > 0);
});

test('local exchange parsers: any request or frame gets an answer, never a reset or a crash', async () => {
  const r = await fuzzExchange(120, 1806);
  assert.deepEqual(r.violations, []);
  assert.equal(r.counts['REST requests'], 120);
  assert.equal(r.counts.crashes, 0);
});
