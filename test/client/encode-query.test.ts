import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeQuery } from '../../src/client/okx-client.js';
import { seededRandom } from '../../src/sim/faults.js';

const reference = (q: Record<string, string | number | boolean | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.append(k, String(v));
  return p.toString();
};

test('plain values keep the caller order and drop undefined', () => {
  assert.equal(
    encodeQuery({ instId: 'BTC-USDT', bar: '1m', after: undefined, limit: 100, ok: true }),
    'instId=BTC-USDT&bar=1m&limit=100&ok=true',
  );
  assert.equal(encodeQuery({}), '');
  assert.equal(encodeQuery({ a: undefined }), '');
});

test('any value is encoded exactly as URLSearchParams encodes it (the string signed is the one sent)', () => {
  const rnd = seededRandom(77);
  const alphabet = 'aZ09-_.*~ !"#$%&\'()+,/:;<=>?@[]^`{|}é€😀\u0000\n';
  const word = () => {
    let s = '';
    const n = Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) s += [...alphabet][Math.floor(rnd() * [...alphabet].length)];
    return s;
  };
  for (let i = 0; i < 2000; i++) {
    const q: Record<string, string | undefined> = {};
    const n = 1 + Math.floor(rnd() * 4);
    for (let j = 0; j < n; j++) q[`k${j}${rnd() < 0.2 ? word() : ''}`] = rnd() < 0.1 ? undefined : word();
    assert.equal(encodeQuery(q), reference(q), JSON.stringify(q));
  }
});
