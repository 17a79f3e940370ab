import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { Credentials } from '../../src/client/credentials.js';
import { KEY, ok, startFakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

const placed = {
  ordId: '312269865356374016',
  clOrdId: 'a1',
  tag: '',
  ts: '1695190491421',
  sCode: '0',
  sMsg: '',
};

test('GET with a query: signs path + query exactly as sent, in the caller order', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() =>
    ok([
      {
        billId: '12344',
        ccy: 'BTC',
        clientId: '',
        balChg: '2',
        bal: '12',
        type: '1',
        notes: '',
        ts: '1597026383085',
      },
    ]),
  );
  const client = makeClient(okx.url);
  t.after(() => client.close());

  await client.asset.bills({ ccy: 'BTC', type: '1', limit: 5, after: undefined });
  const r = okx.requests[0]!;
  assert.equal(r.signed, true);
  assert.equal(r.url, '/api/v5/asset/bills?ccy=BTC&type=1&limit=5');
  assert.equal(r.headers['ok-access-key'], KEY.apiKey);
  assert.match(String(r.headers['ok-access-timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(r.headers['x-simulated-trading'], undefined, 'live mode sends no demo header');
  assert.equal(r.body, '');
});

test('query values needing encoding are signed in their encoded form', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([]));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  await client.asset.balances('BTC,ETH');
  assert.equal(okx.requests[0]!.signed, true);
  assert.equal(okx.requests[0]!.url, '/api/v5/asset/balances?ccy=BTC%2CETH');
});

test('POST: signs the exact body bytes sent, adds nothing the caller did not give', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([placed]));
  const client = makeClient(okx.url);
  t.after(() => client.close());

  const req = {
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px: '2.15',
    sz: '2',
  } as const;
  const res = await client.trade.placeOrder(req);
  assert.equal(res.ordId, '312269865356374016');
  const r = okx.requests[0]!;
  assert.equal(r.signed, true);
  assert.equal(
    r.body,
    '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"2.15","sz":"2"}',
  );
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['exptime'], undefined);
  assert.ok(!('tag' in JSON.parse(r.body)), 'no broker tag injected');
});

test('cancel-all-after sends tag only when asked', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ triggerTime: '1587971460', tag: '', ts: '1587971400' }]));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  const r = await client.trade.cancelAllAfter({ timeOut: '60' });
  assert.equal(r.triggerTime, '1587971460');
  assert.equal(okx.requests[0]!.body, '{"timeOut":"60"}');
  await client.trade.cancelAllAfter({ timeOut: '60', tag: 'bot7' });
  assert.equal(okx.requests[1]!.body, '{"timeOut":"60","tag":"bot7"}');
  assert.ok(okx.requests.every((x) => x.signed));
});

test('demo mode sends x-simulated-trading: 1 and expTime is sent as ms when given', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([placed]));
  const client = makeClient(okx.url, { demo: true });
  t.after(() => client.close());
  await client.trade.placeOrder(
    { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '10' },
    { expTime: 1_700_000_000_123 },
  );
  const r = okx.requests[0]!;
  assert.equal(r.signed, true);
  assert.equal(r.headers['x-simulated-trading'], '1');
  assert.equal(r.headers['exptime'], '1700000000123');
});

test('public endpoints carry no auth headers', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ts: '1597026383085' }]));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  assert.equal(await client.public.time(), 1597026383085);
  const h = okx.requests[0]!.headers;
  assert.equal(h['ok-access-key'], undefined);
  assert.equal(h['ok-access-sign'], undefined);
  assert.equal(h['ok-access-passphrase'], undefined);
});

test('passphrase with spaces and symbols is sent byte for byte', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ccy: 'BTC', bal: '1', frozenBal: '0', availBal: '1' }]));
  const client = makeClient(okx.url);
  t.after(() => client.close());
  await client.asset.balances();
  assert.equal(okx.requests[0]!.headers['ok-access-passphrase'], 'Fake Pass! with spaces & $ymbols');
  assert.equal(okx.requests[0]!.signed, true);

  // A trimmed or case-changed passphrase is a different passphrase: 50105 from the server.
  const other = new OkxClient({
    baseUrl: okx.url,
    credentials: new Credentials(KEY.apiKey, KEY.secretKey, KEY.passphrase.trim().toLowerCase()),
  });
  t.after(() => other.close());
  await assert.rejects(other.asset.balances(), { code: '50105' });
});

test('the wrong secret fails verification on the server (50113) with the mix-up hint', async (t) => {
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([]));
  const client = new OkxClient({
    baseUrl: okx.url,
    credentials: new Credentials(KEY.apiKey, KEY.passphrase, KEY.passphrase),
  });
  t.after(() => client.close());
  await assert.rejects(client.asset.balances(), (e: any) => {
    assert.equal(e.name, 'OkxAuthError');
    assert.equal(e.code, '50113');
    assert.match(e.hint, /swapped/);
    return true;
  });
});
