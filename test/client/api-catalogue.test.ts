import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxApiError, OkxReadOnlyError, OkxWithdrawNotAllowedError } from '../../src/client/errors.js';
import { ENDPOINTS } from '../../src/protocol/endpoints.js';
import { ManualClock } from '../../src/util/clock.js';
import { ValidationError } from '../../src/util/errors.js';
import { ok, startFakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

test('generated api: one method per catalogued endpoint, on its section', async (t) => {
  const okx = await startFakeOkx(t);
  const client = makeClient(okx.url);
  t.after(() => client.close());
  let n = 0;
  for (const id of Object.keys(ENDPOINTS)) {
    const [section, name] = id.split('.') as [string, string];
    const fn = (client.api as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
    assert.equal(typeof fn, 'function', id);
    n++;
  }
  assert.equal(n, Object.keys(ENDPOINTS).length);
});

test('generated api: a POST sends exactly the given body to its path, a GET its query; rows are typed', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((r) => {
    if (r.path === '/api/v5/account/set-leverage')
      return ok([{ instId: 'BTC-USDT-SWAP', mgnMode: 'cross', posSide: '', lever: '5' }]);
    if (r.path === '/api/v5/public/funding-rate')
      return ok([{ instId: 'BTC-USDT-SWAP', fundingRate: '0.0001', fundingTime: '1700000000000' }]);
    return undefined;
  });
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const lev = await client.api.account.setLeverage({ instId: 'BTC-USDT-SWAP', lever: '5', mgnMode: 'cross' });
  assert.equal(lev[0]!.lever, '5');
  const sent = okx.requests[0]!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.body, '{"instId":"BTC-USDT-SWAP","lever":"5","mgnMode":"cross"}');
  assert.ok(sent.signed);
  const fr = await client.api.public.fundingRate({ instId: 'BTC-USDT-SWAP' });
  assert.equal(fr[0]!.fundingRate, '0.0001');
  assert.equal(okx.requests[1]!.url, '/api/v5/public/funding-rate?instId=BTC-USDT-SWAP');
});

test('generated api: a bad request names the field and sends nothing', async (t) => {
  const okx = await startFakeOkx(t);
  const client = makeClient(okx.url);
  t.after(() => client.close());
  await assert.rejects(
    client.api.account.setLeverage({ instId: 'BTC-USDT-SWAP', lever: 'ten', mgnMode: 'cross' }),
    (e: unknown) => e instanceof ValidationError && e.field === 'lever' && /decimal/.test(e.message),
  );
  await assert.rejects(
    client.api.algo.place({
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'stop' as 'oco',
      sz: '1',
    }),
    (e: unknown) => e instanceof ValidationError && e.field === 'ordType',
  );
  await assert.rejects(
    client.api.trade.cancelBatchOrders([{ instId: 'BTC-USDT' }]),
    (e: unknown) => e instanceof ValidationError && e.field === '[0].ordId',
  );
  assert.equal(okx.requests.length, 0);
});

test('withdrawals need allowWithdraw; read-only refuses them regardless; nothing is sent when refused', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ccy: 'USDT', chain: 'USDT-TRC20', amt: '1', wdId: '42', clientId: '' }]));
  const w = { ccy: 'USDT', amt: '1', dest: '4', toAddr: 'TXfakeaddress', chain: 'USDT-TRC20' } as const;
  const plain = makeClient(okx.url);
  const ro = makeClient(okx.url, { readOnly: true, allowWithdraw: true });
  const allowed = makeClient(okx.url, { allowWithdraw: true });
  t.after(() => Promise.all([plain.close(), ro.close(), allowed.close()]));
  for (const id of ['asset.withdrawal', 'asset.withdrawalLightning', 'asset.cancelWithdrawal'] as const) {
    assert.equal(ENDPOINTS[id].permission, 'withdraw');
    await assert.rejects(plain.call(id, { body: {} }, {} as never), OkxWithdrawNotAllowedError);
    await assert.rejects(ro.call(id, { body: {} }, {} as never), OkxReadOnlyError);
  }
  await assert.rejects(plain.api.asset.withdrawal(w), OkxWithdrawNotAllowedError);
  await assert.rejects(
    plain.request('POST', '/api/v5/fiat/create-withdrawal', { amt: '1' }),
    OkxWithdrawNotAllowedError,
  );
  assert.equal(okx.requests.length, 0);
  const r = await allowed.api.asset.withdrawal(w);
  assert.equal(r[0]!.wdId, '42');
  assert.equal(okx.requests.length, 1);
});

test('client.request: uncatalogued paths are signed, envelope-checked with typed errors, and read-only refuses their POSTs', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle((r) => {
    if (r.path === '/api/v5/finance/savings/balance') return ok([{ ccy: 'USDT', amt: '3' }]);
    if (r.path === '/api/v5/finance/savings/purchase-redempt')
      return { body: { code: '51000', msg: 'Parameter amt error', data: [] } };
    return undefined;
  });
  const client = makeClient(okx.url);
  const ro = makeClient(okx.url, { readOnly: true });
  t.after(() => Promise.all([client.close(), ro.close()]));
  const rows = await client.request('GET', '/api/v5/finance/savings/balance', { ccy: 'USDT' });
  assert.deepEqual(rows, [{ ccy: 'USDT', amt: '3' }]);
  assert.ok(okx.requests[0]!.signed);
  assert.equal(okx.requests[0]!.url, '/api/v5/finance/savings/balance?ccy=USDT');
  await assert.rejects(
    client.request('POST', '/api/v5/finance/savings/purchase-redempt', { ccy: 'USDT', amt: 'x' }),
    (e: unknown) =>
      e instanceof OkxApiError &&
      e.code === '51000' &&
      e.endpoint === 'POST /api/v5/finance/savings/purchase-redempt',
  );
  await assert.rejects(ro.request('POST', '/api/v5/finance/savings/purchase-redempt', {}), OkxReadOnlyError);
  await assert.rejects(
    client.request('GET', 'https://www.okx.com/api/v5/x'),
    (e: unknown) => e instanceof ValidationError && e.field === 'path',
  );
  // a catalogued path goes through its own entry: read-only refuses a trade endpoint
  await assert.rejects(ro.request('POST', '/api/v5/account/set-leverage', {}), OkxReadOnlyError);
  assert.equal(okx.requests.length, 2);
});

test('client.request: an uncatalogued path is limited at 5 per 2 s', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const waits: Array<() => void> = [];
  const slept: number[] = [];
  const sleep = (ms: number) => {
    slept.push(ms);
    return new Promise<void>((r) => waits.push(r));
  };
  const okx = await startFakeOkx(t, { clock });
  let fifth!: () => void;
  const fiveArrived = new Promise<void>((r) => (fifth = r));
  okx.handle((_r, n) => {
    if (n === 5) fifth();
    return ok([]);
  });
  const client = makeClient(okx.url, { clock, sleep });
  t.after(() => client.close());
  const calls = Array.from({ length: 7 }, () =>
    client.request('GET', '/api/v5/finance/savings/lending-history'),
  );
  await fiveArrived;
  // the sixth and seventh wait for the window: nothing more reaches the server meanwhile
  await new Promise((r) => setImmediate(r));
  assert.equal(okx.requests.length, 5);
  assert.ok(slept.length >= 1 && slept[0]! > 0, `slept ${slept}`);
  clock.advance(2500);
  while (okx.requests.length < 7) {
    waits.splice(0).forEach((w) => w());
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(calls);
  assert.equal(okx.requests.length, 7);
});

test('paginate walks back with after = the oldest cursor, stops on a short page, maxPages or maxItems', async (t) => {
  const okx = await startFakeOkx(t);
  // 250 bills, ids 1000..1249, newest first; a page is what is older than `after`
  const all = Array.from({ length: 250 }, (_, i) => 1249 - i).map((id) => ({
    billId: String(id),
    ccy: 'USDT',
    bal: '1',
    balChg: '0',
    type: '2',
    ts: String(1_700_000_000_000 + id),
  }));
  okx.handle((r) => {
    const after = r.query.get('after');
    const limit = Number(r.query.get('limit'));
    const rows = all.filter((b) => after === null || Number(b.billId) < Number(after)).slice(0, limit);
    return ok(rows);
  });
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const got = await client.fetchAll('account.bills', { ccy: 'USDT' });
  assert.equal(got.length, 250);
  assert.deepEqual(
    got.map((b) => b.billId),
    all.map((b) => b.billId),
  );
  assert.deepEqual(
    okx.requests.map((r) => r.query.get('after')),
    [null, '1150', '1050'],
  );
  assert.equal(okx.requests[0]!.query.get('limit'), '100');
  okx.requests.length = 0;
  assert.equal((await client.fetchAll('account.bills', { limit: 10 }, { maxPages: 3 })).length, 30);
  assert.equal(okx.requests.length, 3);
  assert.equal((await client.fetchAll('account.bills', {}, { maxItems: 120 })).length, 120);
  await assert.rejects(
    client.fetchAll('account.balance' as 'account.bills', {}),
    (e: unknown) => e instanceof ValidationError && e.field === 'id',
  );
});
