// Issue 18 items 2 and 4: a 2xx answer to an order that cannot be read (missing ts, empty body,
// HTML from a proxy) is ambiguous, never a rejection: the executor looks the clOrdId up and
// adopts the live order instead of dropping it. Values that cannot be right are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkxSchemaError } from '../../src/client/errors.js';
import { OkxExchange, mapInstrument, mapOrder, OkxPayloadError } from '../../src/trading/okx-exchange.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { Executor } from '../../src/trading/executor.js';
import { ok, startFakeOkx, type Reply } from './fake-okx.js';
import { makeClient } from './helpers.js';

const ORDER = {
  instType: 'SPOT',
  instId: 'BTC-USDT',
  ordId: '777',
  px: '30000',
  sz: '0.001',
  ordType: 'limit',
  side: 'buy',
  tdMode: 'cash',
  accFillSz: '0',
  avgPx: '',
  state: 'live',
  fee: '0',
  feeCcy: 'BTC',
  tag: '',
  cTime: '1700000000000',
  uTime: '1700000000000',
};

const GARBAGE: Record<string, (clOrdId: string) => Reply> = {
  'an answer missing ts': (clOrdId) =>
    ok([{ ordId: '777', clOrdId, tag: '', sCode: '0', sMsg: '' }], { inTime: '1', outTime: '2' }),
  'an empty 200 body': () => ({ status: 200, body: '' }),
  'an HTML 200 from a proxy': () => ({
    status: 200,
    body: '<html><body><h1>Welcome</h1>Please log in to the captive portal</body></html>',
  }),
  'a JSON 200 without code': () => ({ status: 200, body: { data: [] } }),
  'HTTP 418 with code "0"': (clOrdId) => ({
    status: 418,
    body: { code: '0', msg: '', data: [{ ordId: '777', clOrdId, tag: '', ts: '1', sCode: '0', sMsg: '' }] },
  }),
  'a 403 HTML page from a firewall': () => ({ status: 403, body: '<html>Forbidden</html>' }),
};

for (const [name, answer] of Object.entries(GARBAGE)) {
  test(`${name} to a placed order: ambiguous, looked up by clOrdId and adopted, not rejected`, async (t) => {
    const okx = await startFakeOkx(t);
    const live = new Map<string, Record<string, string>>();
    okx.handle((r) => {
      if (r.path === '/api/v5/trade/order' && r.method === 'POST') {
        const body = JSON.parse(r.body) as { clOrdId: string };
        live.set(body.clOrdId, { ...ORDER, clOrdId: body.clOrdId }); // the exchange acted
        return answer(body.clOrdId);
      }
      if (r.path === '/api/v5/trade/order' && r.method === 'GET') {
        const o = [...live.values()].find(
          (x) => x.clOrdId === r.query.get('clOrdId') || x.ordId === r.query.get('ordId'),
        );
        return o ? ok([o]) : { body: { code: '51603', msg: 'Order does not exist', data: [] } };
      }
      return undefined;
    });
    const client = makeClient(okx.url, { rateLimit: false });
    t.after(() => client.close());
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-garbage-'));
    const journal = new OrderJournal(join(dir, 'j.db'));
    t.after(() => {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const exchange = new OkxExchange({ client });
    const exec = new Executor({ venue: exchange, journal, expWindowMs: 5_000, lookupDelayMs: 1 });
    const o = await exec.place({
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '30000',
      sz: '0.001',
    });
    assert.equal(o.ordId, '777');
    assert.equal(o.state, 'live');
    const row = journal.get(o.clOrdId)!;
    assert.equal(row.status, 'acked', `journal says ${row.status}`);
    assert.ok(journal.events(o.clOrdId).some((e) => e.event === 'ambiguous'));
    assert.equal(
      okx.requests.filter((r) => r.method === 'POST').length,
      1,
      'placed once: adopted, never resent',
    );
  });
}

test('the client marks an unreadable answer to a write ambiguous, and to a read not', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((r) => (r.method === 'POST' ? { status: 200, body: '' } : { status: 200, body: '<html/>' }));
  const client = makeClient(okx.url, { rateLimit: false, retry: { maxRetries: 0 } });
  t.after(() => client.close());
  await assert.rejects(
    client.trade.placeOrder({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px: '1',
      sz: '1',
      clOrdId: 'a1',
    }),
    (e: any) => e instanceof OkxSchemaError && e.ambiguous === true && /the body is empty/.test(e.message),
  );
  await assert.rejects(
    client.market.ticker('BTC-USDT'),
    (e: any) => e instanceof OkxSchemaError && e.ambiguous === false,
  );
});

test('HTTP 418 with code "0" on a read is an error, not a success', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ({ status: 418, body: { code: '0', msg: '', data: [{ ts: '1700000000000' }] } }));
  const client = makeClient(okx.url, { rateLimit: false, retry: { maxRetries: 0 } });
  t.after(() => client.close());
  await assert.rejects(client.public.time(), (e: any) => {
    assert.ok(e instanceof OkxSchemaError, String(e));
    assert.match(e.message, /code "0" \(success\) on HTTP 418 cannot be right/);
    return true;
  });
});

test('instrument rules and orders whose values cannot be right are refused at the boundary', () => {
  const inst = {
    instId: 'BTC-USDT',
    instType: 'SPOT',
    baseCcy: 'BTC',
    quoteCcy: 'USDT',
    tickSz: '0.1',
    lotSz: '0.00000001',
    minSz: '0.00001',
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    state: 'live',
  };
  assert.equal(mapInstrument(inst).tickSz, '0.1');
  for (const [field, bad] of [
    ['tickSz', '0'],
    ['lotSz', '-1'],
    ['minSz', 'NaN'],
    ['tickSz', '0.000'],
    ['maxLmtSz', 'Infinity'],
  ] as const) {
    assert.throws(
      () => mapInstrument({ ...inst, [field]: bad }),
      (e: any) =>
        e instanceof OkxPayloadError &&
        e.message.includes(`"${field}"`) &&
        e.message.includes('cannot be right'),
      `${field}: ${bad}`,
    );
  }
  const order = { ...ORDER, clOrdId: 'x' };
  assert.equal(mapOrder(order).px, '30000');
  assert.equal(mapOrder({ ...order, ordType: 'market', px: '' }).px, '');
  for (const [field, bad] of [
    ['px', 'abc'],
    ['sz', '0'],
    ['accFillSz', '-0.1'],
    ['fee', '1e3'],
  ] as const) {
    assert.throws(
      () => mapOrder({ ...order, [field]: bad }),
      (e: any) => e instanceof OkxPayloadError && e.message.includes(`"${field}"`),
      `${field}: ${bad}`,
    );
  }
});
