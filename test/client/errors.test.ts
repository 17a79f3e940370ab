import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OkxApiError,
  OkxAuthError,
  OkxBalanceError,
  OkxBatchError,
  OkxBusyError,
  OkxNotFoundError,
  OkxOrderError,
  OkxPermissionError,
  OkxRateLimitError,
  OkxRequestError,
} from '../../src/client/errors.js';
import { OkxkitError } from '../../src/util/errors.js';
import { ok, startFakeOkx, type Reply } from './fake-okx.js';
import { makeClient } from './helpers.js';

const order = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '60000',
  sz: '0.001',
} as const;

async function failWith(
  t: any,
  reply: Reply,
  call: (c: ReturnType<typeof makeClient>) => Promise<unknown>,
  o = {},
) {
  const okx = await startFakeOkx(t);
  okx.handle(() => reply);
  const client = makeClient(okx.url, { retry: { maxRetries: 0 }, ...o });
  t.after(() => client.close());
  try {
    await call(client);
  } catch (e) {
    return { e: e as OkxApiError, okx };
  }
  assert.fail('expected a rejection');
}

const cases: Array<[string, Reply, new (...a: any[]) => OkxApiError, string]> = [
  [
    'gateway 50102 without data',
    { status: 401, body: { msg: 'Timestamp request expired', code: '50102' } },
    OkxAuthError,
    '50102',
  ],
  [
    'gateway 50111 without data',
    { status: 401, body: { msg: 'Invalid OK-ACCESS-KEY', code: '50111' } },
    OkxAuthError,
    '50111',
  ],
  [
    '50114 invalid authority',
    { status: 401, body: { msg: 'Invalid Authority', code: '50114' } },
    OkxPermissionError,
    '50114',
  ],
  [
    'HTTP 429 50011 without data',
    { status: 429, body: { msg: 'Too Many Requests', code: '50011' } },
    OkxRateLimitError,
    '50011',
  ],
  [
    'HTTP 429 50013 busy',
    { status: 429, body: { msg: 'Systems are busy. Please try again later.', code: '50013' } },
    OkxBusyError,
    '50013',
  ],
  [
    '51001 unknown instrument',
    { body: { code: '51001', data: [], msg: "Instrument ID doesn't exist." } },
    OkxRequestError,
    '51001',
  ],
  [
    '51603 unknown order',
    { body: { code: '51603', data: [], msg: 'Order does not exist.' } },
    OkxNotFoundError,
    '51603',
  ],
];

for (const [name, reply, cls, code] of cases) {
  test(`error class: ${name}`, async (t) => {
    const { e } = await failWith(t, reply, (c) => c.account.balance());
    assert.ok(e instanceof cls, `${e.name} is ${cls.name}`);
    assert.ok(e instanceof OkxApiError && e instanceof OkxkitError);
    assert.equal(e.code, code);
    assert.equal(e.endpoint, 'GET /api/v5/account/balance');
    assert.equal(e.httpStatus, reply.status ?? 200);
    assert.ok(e.hint && e.hint.length > 10);
    assert.equal(e.ambiguous, false, 'a read is never ambiguous');
    assert.match(e.message, new RegExp(code));
  });
}

test('place order refused (code "1", sCode 51008) -> OkxBalanceError with the item', async (t) => {
  const reply: Reply = {
    body: {
      code: '1',
      msg: 'All operations failed',
      data: [
        {
          clOrdId: '',
          ordId: '',
          sCode: '51008',
          sMsg: 'Order failed. Insufficient USDT balance in account.',
          tag: '',
          ts: '1718339551210',
        },
      ],
      inTime: '1718339551209444',
      outTime: '1718339551210787',
    },
  };
  const { e } = await failWith(t, reply, (c) => c.trade.placeOrder(order));
  assert.ok(e instanceof OkxBalanceError);
  assert.equal(e.code, '51008');
  assert.equal(e.msg, 'Order failed. Insufficient USDT balance in account.');
  assert.equal(e.items.length, 1);
  assert.equal(e.items[0]!.sCode, '51008');
  assert.equal(e.endpoint, 'POST /api/v5/trade/order');
});

test('real capture: code "1" sCode 51094 -> OkxApiError of the item code', async (t) => {
  const reply: Reply = {
    body: {
      code: '1',
      msg: 'All operations failed',
      data: [
        {
          clOrdId: '',
          ordId: '',
          sCode: '51094',
          sMsg: "You can't place TP limit orders in spot, margin, or options trading.",
          tag: '',
          ts: '1718339551210',
        },
      ],
      inTime: '1718339551209444',
      outTime: '1718339551210787',
    },
  };
  const { e } = await failWith(t, reply, (c) => c.trade.placeOrder(order));
  assert.equal(e.code, '51094');
  assert.match(e.message, /TP limit/);
});

test('batch partial failure (code "2") -> OkxBatchError with every item', async (t) => {
  const reply: Reply = {
    body: {
      code: '2',
      msg: 'Bulk operation partially succeeded.',
      data: [
        { clOrdId: 'a1', ordId: '111', tag: '', ts: '1695190491421', sCode: '0', sMsg: '' },
        {
          clOrdId: 'a2',
          ordId: '',
          tag: '',
          ts: '1695190491421',
          sCode: '51121',
          sMsg: 'Order quantity must be a multiple of the lot size.',
        },
      ],
    },
  };
  const { e } = await failWith(t, reply, (c) =>
    c.trade.batchOrders([
      { ...order, clOrdId: 'a1' },
      { ...order, clOrdId: 'a2' },
    ]),
  );
  assert.ok(e instanceof OkxBatchError);
  const b = e;
  assert.equal(b.code, '2');
  assert.equal(b.items.length, 2);
  assert.deepEqual(
    b.succeeded.map((i) => i.ordId),
    ['111'],
  );
  assert.deepEqual(
    b.failed.map((i) => i.sCode),
    ['51121'],
  );
  assert.equal(b.retryable, false);
});

test('batch all failed (code "1") -> OkxBatchError', async (t) => {
  const reply: Reply = {
    body: {
      code: '1',
      msg: 'All operations failed',
      data: [{ clOrdId: '', ordId: '1', ts: '1', sCode: '51400', sMsg: 'Order cancellation failed' }],
    },
  };
  const { e } = await failWith(t, reply, (c) =>
    c.trade.cancelBatchOrders([{ instId: 'BTC-USDT', ordId: '1' }]),
  );
  assert.ok(e instanceof OkxBatchError);
  assert.equal(e.code, '1');
});

test('single cancel refused -> OkxOrderError 51400', async (t) => {
  const reply: Reply = {
    body: {
      code: '1',
      msg: '',
      data: [
        {
          clOrdId: '',
          ordId: '1',
          ts: '1',
          sCode: '51400',
          sMsg: 'Order cancellation failed as the order has been filled, canceled or does not exist.',
        },
      ],
    },
  };
  const { e } = await failWith(t, reply, (c) => c.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' }));
  assert.ok(e instanceof OkxOrderError);
  assert.equal(e.code, '51400');
});

test('getOrder of an unknown order -> OkxNotFoundError 51603', async (t) => {
  const reply: Reply = { body: { code: '51603', msg: 'Order does not exist.', data: [] } };
  const { e, okx } = await failWith(t, reply, (c) => c.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'x1' }));
  assert.ok(e instanceof OkxNotFoundError);
  assert.equal(okx.requests[0]!.url, '/api/v5/trade/order?instId=BTC-USDT&clOrdId=x1');
});

test('hints: 50110 names the rejected IP, 50101 names the flag, 50111 the regional host', async (t) => {
  const ip = (
    await failWith(
      t,
      {
        status: 401,
        body: { msg: "Your IP 203.0.113.7 is not included in your API key's IP whitelist.", code: '50110' },
      },
      (c) => c.account.config(),
    )
  ).e;
  assert.match(ip.hint!, /203\.0\.113\.7/);
  const live = (
    await failWith(
      t,
      { status: 401, body: { msg: 'APIKey does not match current environment.', code: '50101' } },
      (c) => c.account.config(),
    )
  ).e;
  assert.match(live.hint!, /demo: true|OKX_DEMO=1|--demo/);
  const demo = (
    await failWith(
      t,
      { status: 401, body: { msg: 'APIKey does not match current environment.', code: '50101' } },
      (c) => c.account.config(),
      { demo: true },
    )
  ).e;
  assert.match(demo.hint!, /live key/);
  const region = (
    await failWith(t, { status: 401, body: { msg: 'Invalid OK-ACCESS-KEY', code: '50111' } }, (c) =>
      c.account.config(),
    )
  ).e;
  assert.match(region.hint!, /eea/);
  assert.match(region.hint!, /us/);
});

test('50013 on an order POST is ambiguous and not retried; 50011 on an order POST is retried', async (t) => {
  const busy = await failWith(
    t,
    { status: 429, body: { msg: 'Systems are busy. Please try again later.', code: '50013' } },
    (c) => c.trade.placeOrder(order),
    {
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 },
    },
  );
  assert.ok(busy.e instanceof OkxBusyError);
  assert.equal(busy.e.ambiguous, true);
  assert.equal(busy.okx.count('/api/v5/trade/order'), 1);

  const okx = await startFakeOkx(t);
  okx.handle((_r, n) =>
    n === 1
      ? { status: 429, body: { msg: 'Too Many Requests', code: '50011' } }
      : ok([{ ordId: '9', clOrdId: '', tag: '', ts: '1', sCode: '0', sMsg: '' }]),
  );
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const r = await client.trade.placeOrder(order);
  assert.equal(r.ordId, '9');
  assert.equal(okx.count('/api/v5/trade/order'), 2);
});

test('a 5xx on an order POST is ambiguous and never resent', async (t) => {
  const r = await failWith(
    t,
    { status: 502, body: '<html>bad gateway</html>' },
    (c) => c.trade.placeOrder(order),
    {
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 },
    },
  );
  assert.ok(r.e instanceof OkxBusyError);
  assert.equal(r.e.ambiguous, true);
  assert.equal(r.okx.count('/api/v5/trade/order'), 1);
});
