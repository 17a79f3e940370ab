// Issue 18 items 2 and 4 on the local exchange: values OKX refuses are refused with OKX's code
// (not coerced: `px: [1]` is not "1", `clOrdId: true` is not "true"), and a body over the
// exchange's limit gets its error reply instead of a reset connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { FakeMarket } from './fake-market.js';
import { accountsConfig, get, place, T0 } from './sim-test-kit.js';

async function start(t: Parameters<typeof withSim>[0]) {
  return withSim(t, {
    market: new FakeMarket(),
    clock: new ManualClock(T0),
    config: accountsConfig(['alice']),
  });
}

// The local exchange reads bodies up to 1,000,000 bytes (MAX_BODY_BYTES in src/sim/rest/server.ts).
const limit = { instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' };

test('fields of the wrong type or an unknown value are refused with 51000 naming the field, and nothing is placed', async (t) => {
  const sim = await start(t);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['px', { px: [1] }],
    ['px', { px: { v: '1' } }],
    ['clOrdId', { clOrdId: true }],
    ['sz', { sz: ['0.01'] }],
    ['side', { side: false }],
    ['stpMode', { stpMode: 'cancel_everything' }],
    ['stpMode', { stpMode: 1 }],
    ['reduceOnly', { reduceOnly: 'yes' }],
    ['reduceOnly', { reduceOnly: 1 }],
  ];
  for (const [field, patch] of cases) {
    const r = await place(sim, 'alice', { ...limit, ...patch });
    assert.equal(r.code, '1', JSON.stringify(patch));
    assert.equal(r.data[0].sCode, '51000', JSON.stringify(patch));
    assert.equal(r.data[0].sMsg, `Parameter ${field} error`, JSON.stringify(patch));
    assert.equal(r.data[0].clOrdId, '', 'a non-string clOrdId is not echoed as text');
  }
  const open = await get(sim, 'alice', '/api/v5/trade/orders-pending?instType=SPOT');
  assert.deepEqual(open.json.data, [], 'nothing was placed');

  // The valid spellings still work.
  for (const patch of [
    { stpMode: 'cancel_both' },
    { reduceOnly: false },
    { reduceOnly: 'false' },
    { clOrdId: 'ok1' },
  ]) {
    const r = await place(sim, 'alice', { ...limit, ...patch });
    assert.equal(r.data[0].sCode, '0', `${JSON.stringify(patch)}: ${r.data[0].sMsg}`);
  }
});

test('a body over the limit gets the error reply, not a connection reset', async (t) => {
  const sim = await start(t);
  const url = new URL(sim.restUrl);
  const body = JSON.stringify({ ...limit, pad: 'x'.repeat(1_000_000 + 10) });
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/api/v5/trade/order',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  // The local exchange's reply for it (OKX documents none): HTTP 500, code 50026, saying why.
  assert.equal(answer.status, 500);
  const json = JSON.parse(answer.text) as { code: string; msg: string };
  assert.equal(json.code, '50026');
  assert.equal(json.msg, 'Request body too large');
});
