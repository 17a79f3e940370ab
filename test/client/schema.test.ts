import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxSchemaError } from '../../src/client/errors.js';
import { startFakeOkx, type Reply } from './fake-okx.js';
import { makeClient } from './helpers.js';

async function schemaFail(
  t: any,
  reply: Reply,
  call: (c: ReturnType<typeof makeClient>) => Promise<unknown>,
) {
  const okx = await startFakeOkx(t);
  okx.handle(() => reply);
  const client = makeClient(okx.url, { retry: { maxRetries: 0 } });
  t.after(() => client.close());
  try {
    await call(client);
  } catch (e) {
    assert.ok(e instanceof OkxSchemaError, `got ${(e as Error).name}: ${(e as Error).message}`);
    return e;
  }
  assert.fail('expected OkxSchemaError');
}

const tk = {
  instType: 'SPOT',
  instId: 'BTC-USDT',
  last: '60000',
  askPx: '60001',
  bidPx: '59999',
  ts: '1597026383085',
};

test('malformed JSON -> OkxSchemaError naming the endpoint', async (t) => {
  const e = await schemaFail(t, { body: '{"code":"0","data":[{"instId":' }, (c) =>
    c.market.ticker('BTC-USDT'),
  );
  assert.equal(e.endpoint, 'GET /api/v5/market/ticker');
  assert.match(e.message, /not JSON/);
});

test('null where a string belongs -> names data[0].last', async (t) => {
  const e = await schemaFail(t, { body: { code: '0', msg: '', data: [{ ...tk, last: null }] } }, (c) =>
    c.market.ticker('BTC-USDT'),
  );
  assert.equal(e.path, 'data[0].last');
  assert.match(e.message, /data\[0\]\.last/);
});

test('number instead of string -> names the field', async (t) => {
  const e = await schemaFail(
    t,
    {
      body: {
        code: '0',
        msg: '',
        data: [{ ordId: 312269865356374016, clOrdId: '', tag: '', ts: '1', sCode: '0', sMsg: '' }],
      },
    },
    (c) =>
      c.trade.placeOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '1' }),
  );
  assert.equal(e.path, 'data[0].ordId');
  assert.equal(e.endpoint, 'POST /api/v5/trade/order');
});

test('nested field: balance details[1].availBal wrong type', async (t) => {
  const d = { ccy: 'BTC', eq: '1', cashBal: '1', availBal: '1', frozenBal: '0' };
  const e = await schemaFail(
    t,
    {
      body: { code: '0', msg: '', data: [{ totalEq: '1', uTime: '1', details: [d, { ...d, availBal: 5 }] }] },
    },
    (c) => c.account.balance(),
  );
  assert.equal(e.path, 'data[0].details[1].availBal');
});

test('envelope problems: null body, code as a number, data null, empty data for a single object', async (t) => {
  assert.match(
    (await schemaFail(t, { body: 'null' }, (c) => c.market.ticker('BTC-USDT'))).message,
    /envelope/,
  );
  assert.equal(
    (await schemaFail(t, { body: { code: 0, data: [tk] } }, (c) => c.market.ticker('BTC-USDT'))).path,
    'code',
  );
  assert.equal(
    (await schemaFail(t, { body: { code: '0', data: null } }, (c) => c.market.ticker('BTC-USDT'))).path,
    'data',
  );
  assert.equal(
    (await schemaFail(t, { body: { code: '0', data: [] } }, (c) => c.market.ticker('BTC-USDT'))).path,
    'data',
  );
});

test('candle rows: a number inside a row is named by index', async (t) => {
  const e = await schemaFail(
    t,
    { body: { code: '0', msg: '', data: [['1597026383085', '1', '2', '0.5', 1.5, '10', '10', '10', '1']] } },
    (c) => c.market.candles({ instId: 'BTC-USDT' }),
  );
  assert.equal(e.path, 'data[0][4]');
});

test('unknown extra fields are kept, not rejected', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ({ body: { code: '0', msg: '', data: [{ ...tk, newField2027: 'x' }] } }));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const r = await client.market.ticker('BTC-USDT');
  assert.equal((r as Record<string, unknown>).newField2027, 'x');
});

test('a 404 HTML page (wrong base URL) -> OkxSchemaError, not a crash', async (t) => {
  const e = await schemaFail(t, { status: 404, body: '<html>Not Found</html>' }, (c) => c.public.time());
  assert.equal(e.httpStatus, 404);
});
