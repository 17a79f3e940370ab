import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest } from '../../src/protocol/sign.js';
import { ManualClock } from '../../src/util/clock.js';
import { simFetch, withSim } from '../helpers/sim.js';
import type { Simulator } from '../../src/sim/simulator.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** Builds OKX auth headers from parts, so each test can break exactly one of them. */
function headersFor(
  sim: Simulator,
  label: string,
  method: string,
  signedPath: string,
  body: string,
  over: Partial<Record<'key' | 'sign' | 'ts' | 'pass', string | null>> = {},
): Record<string, string> {
  const k = sim.key(label);
  const ts = over.ts === undefined ? new Date(sim.clock.now()).toISOString() : over.ts;
  const h: Record<string, string> = {};
  const set = (name: string, v: string | null | undefined, def: string) => {
    const val = v === undefined ? def : v;
    if (val !== null) h[name] = val;
  };
  set('OK-ACCESS-KEY', over.key, k.apiKey);
  set('OK-ACCESS-PASSPHRASE', over.pass, k.passphrase);
  set('OK-ACCESS-TIMESTAMP', ts, '');
  set(
    'OK-ACCESS-SIGN',
    over.sign,
    signRequest({ timestamp: ts ?? '', method, requestPath: signedPath, body, secretKey: k.secretKey }),
  );
  if (method === 'POST') h['content-type'] = 'application/json';
  return h;
}

async function raw(
  sim: Simulator,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) {
  const res = await fetch(sim.restUrl + path, { method, headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function assertGateway(
  r: { status: number; json: Record<string, unknown> },
  status: number,
  code: string,
  msg: string,
) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.deepEqual(r.json, { msg, code });
}

describe('auth as the OKX gateway checks it', () => {
  const path = '/api/v5/account/balance?ccy=BTC';

  test('a correctly signed request passes', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const r = await simFetch(sim, 'trade', 'GET', path);
    assert.equal(r.status, 200);
    assert.equal(r.json.code, '0');
    assert.equal(r.json.data[0].details[0].ccy, 'BTC');
    assert.equal(r.json.data[0].details[0].cashBal, '2');
  });

  test('each missing header has its own code, HTTP 401, no data', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const cases: [Parameters<typeof headersFor>[5], string, string][] = [
      [{ key: null }, '50103', 'Request header "OK-ACCESS-KEY" cannot be empty.'],
      [{ pass: null }, '50104', 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.'],
      [{ sign: null }, '50106', 'Request header "OK-ACCESS-SIGN" cannot be empty.'],
      [{ ts: null }, '50107', 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.'],
    ];
    for (const [over, code, msg] of cases) {
      assertGateway(
        await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', over)),
        401,
        code,
        msg,
      );
    }
  });

  test('unknown key 50111, wrong passphrase 50105, bad signature 50113', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    assertGateway(
      await raw(
        sim,
        'GET',
        path,
        headersFor(sim, 'trade', 'GET', path, '', { key: 'fake-key-unknown-0001' }),
      ),
      401,
      '50111',
      'Invalid OK-ACCESS-KEY.',
    );
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { pass: 'Sim Pass 1' })),
      401,
      '50105',
      'Request header "OK-ACCESS-PASSPHRASE" incorrect.',
    );
    // Signed with the passphrase as secret: the classic swap.
    const k = sim.key('trade');
    const ts = new Date(T0).toISOString();
    const badSign = signRequest({ timestamp: ts, method: 'GET', requestPath: path, secretKey: k.passphrase });
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { sign: badSign })),
      401,
      '50113',
      'Invalid signature.',
    );
  });

  test('timestamp: unix ms is malformed (50112); 31 s off is expired (50102); 29 s is fine', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock });
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { ts: String(T0) })),
      401,
      '50112',
      'Invalid OK-ACCESS-TIMESTAMP.',
    );
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { ts: '2026-03-01T12:00:00Z' })),
      401,
      '50112',
      'Invalid OK-ACCESS-TIMESTAMP.',
    );
    const old = new Date(T0 - 31_000).toISOString();
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { ts: old })),
      401,
      '50102',
      'Timestamp request expired',
    );
    const ahead = new Date(T0 + 31_000).toISOString();
    assertGateway(
      await raw(sim, 'GET', path, headersFor(sim, 'trade', 'GET', path, '', { ts: ahead })),
      401,
      '50102',
      'Timestamp request expired',
    );
    const ok = await raw(
      sim,
      'GET',
      path,
      headersFor(sim, 'trade', 'GET', path, '', { ts: new Date(T0 - 29_000).toISOString() }),
    );
    assert.equal(ok.status, 200);
  });

  test('the signature covers the raw query bytes: a re-ordered signed query fails', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const sent = '/api/v5/trade/orders-pending?instType=SPOT&instId=BTC-USDT';
    const signedOther = '/api/v5/trade/orders-pending?instId=BTC-USDT&instType=SPOT';
    assertGateway(
      await raw(sim, 'GET', sent, headersFor(sim, 'trade', 'GET', signedOther, '')),
      401,
      '50113',
      'Invalid signature.',
    );
    const good = await raw(sim, 'GET', sent, headersFor(sim, 'trade', 'GET', sent, ''));
    assert.equal(good.status, 200);
    // Percent-encoding is part of the bytes too: signing the decoded form fails.
    const enc = '/api/v5/account/balance?ccy=BTC%2CETH';
    assertGateway(
      await raw(sim, 'GET', enc, headersFor(sim, 'trade', 'GET', '/api/v5/account/balance?ccy=BTC,ETH', '')),
      401,
      '50113',
      'Invalid signature.',
    );
    const encOk = await raw(sim, 'GET', enc, headersFor(sim, 'trade', 'GET', enc, ''));
    assert.equal(encOk.status, 200);
    assert.deepEqual(encOk.json.data && (encOk.json.data as any)[0].details.map((d: any) => d.ccy), [
      'BTC',
      'ETH',
    ]);
  });

  test('whitespace in the body matters: sign compact, send spaced -> 50113; sign what you send -> ok', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const p = '/api/v5/trade/cancel-order';
    const compact = '{"instId":"BTC-USDT","ordId":"1"}';
    const spaced = '{"instId": "BTC-USDT", "ordId": "1"}';
    assertGateway(
      await raw(sim, 'POST', p, headersFor(sim, 'trade', 'POST', p, compact), spaced),
      401,
      '50113',
      'Invalid signature.',
    );
    const r = await raw(sim, 'POST', p, headersFor(sim, 'trade', 'POST', p, spaced), spaced);
    assert.equal(r.status, 200);
    assert.equal(r.json.code, '1'); // authenticated; the order does not exist
    assert.equal((r.json.data as any)[0].sCode, '51400');
  });

  test('IP whitelist: a key bound to another IP gets 50110 naming the caller IP', async (t) => {
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      config: {
        keys: [
          {
            apiKey: 'fake-key-ip-0001',
            secretKey: 'fake-secret-ip-0001',
            passphrase: 'Fake Pass!',
            perm: 'read_only',
            ip: '10.1.2.3,10.1.2.4',
            label: 'far',
            demo: false,
            account: 'main',
          },
          {
            apiKey: 'fake-key-cidr-0001',
            secretKey: 'fake-secret-cidr-0001',
            passphrase: 'Fake Pass!',
            perm: 'read_only',
            ip: '127.0.0.0/8',
            label: 'cidr',
            demo: false,
            account: 'main',
          },
        ],
        accounts: { main: { balances: { USDT: '10' } } },
      },
    });
    const r = await simFetch(sim, 'far', 'GET', path);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, {
      msg: "Your IP 127.0.0.1 is not included in your API key's IP whitelist.",
      code: '50110',
    });
    assert.equal((await simFetch(sim, 'cidr', 'GET', path)).status, 200);
  });

  test('demo/live mismatch is 50101 both ways; x-simulated-trading: 0 counts as live', async (t) => {
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      config: {
        keys: [
          {
            apiKey: 'fake-key-live-0001',
            secretKey: 'fake-secret-live',
            passphrase: 'Fake Pass!',
            perm: 'read_only',
            ip: '',
            label: 'live',
            demo: false,
            account: 'main',
          },
          {
            apiKey: 'fake-key-demo-0001',
            secretKey: 'fake-secret-demo',
            passphrase: 'Fake Pass!',
            perm: 'read_only',
            ip: '',
            label: 'demo',
            demo: true,
            account: 'main',
          },
        ],
        accounts: { main: { balances: { USDT: '10' } } },
      },
    });
    const want = { msg: 'APIKey does not match current environment.', code: '50101' };
    let r = await simFetch(sim, 'live', 'GET', path, { demo: true });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, want);
    r = await simFetch(sim, 'demo', 'GET', path);
    assert.deepEqual(r.json, want);
    assert.equal((await simFetch(sim, 'demo', 'GET', path, { demo: true })).status, 200);
    assert.equal(
      (await simFetch(sim, 'live', 'GET', path, { headers: { 'x-simulated-trading': '0' } })).status,
      200,
    );
  });

  test('a read-only key may read but not trade: 50114 Invalid Authority, HTTP 401', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    assert.equal((await simFetch(sim, 'read-only', 'GET', path)).status, 200);
    const r = await simFetch(sim, 'read-only', 'POST', '/api/v5/trade/order', {
      body: { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' },
    });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { msg: 'Invalid Authority', code: '50114' });
    assert.equal((await simFetch(sim, 'trade', 'GET', '/api/v5/trade/orders-pending')).json.data.length, 0);
  });

  test('POST body checks: Content-Type 50006, empty 50000, bad JSON 50002 (HTTP 400, no data)', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const p = '/api/v5/trade/order';
    const body = '{"instId":"BTC-USDT"}';
    const h = headersFor(sim, 'trade', 'POST', p, body);
    assertGateway(
      await raw(sim, 'POST', p, { ...h, 'content-type': 'text/plain' }, body),
      400,
      '50006',
      'Invalid Content-Type. Please use "application/JSON".',
    );
    assertGateway(
      await raw(sim, 'POST', p, headersFor(sim, 'trade', 'POST', p, ''), ''),
      400,
      '50000',
      'Body for POST request cannot be empty.',
    );
    const bad = '{"instId":';
    assertGateway(
      await raw(sim, 'POST', p, headersFor(sim, 'trade', 'POST', p, bad), bad),
      400,
      '50002',
      'JSON syntax error',
    );
  });

  test('unknown path 404; wrong method 50115 (405)', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const nf = await fetch(`${sim.restUrl}/api/v5/nope`);
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as any).code, '404');
    const wm = await fetch(`${sim.restUrl}/api/v5/public/time`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(wm.status, 405);
    assert.deepEqual(await wm.json(), { msg: 'Invalid request method.', code: '50115' });
  });

  test('account/config reports the calling key: perm, ip, label, and OKX JSON types', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0) });
    const r = await simFetch(sim, 'read-only', 'GET', '/api/v5/account/config');
    const c = r.json.data[0];
    assert.equal(c.perm, 'read_only');
    assert.equal(c.ip, '');
    assert.equal(c.label, 'read-only');
    // Spot and futures mode (single-currency margin) unless the config says otherwise (issue 12).
    assert.equal(c.acctLv, '2');
    assert.equal(c.posMode, 'net_mode');
    assert.equal(c.autoLoan, false);
    assert.equal(c.uid, c.mainUid);
    assert.equal(typeof c.uid, 'string');
    assert.ok(Array.isArray(c.traderInsts));
    const w = (await simFetch(sim, 'withdraw', 'GET', '/api/v5/account/config')).json.data[0];
    assert.equal(w.perm, 'read_only,trade,withdraw');
    assert.equal(w.ip, '127.0.0.1');
  });

  test('no secret, passphrase or signature is echoed in any error (canaries)', async (t) => {
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      config: {
        keys: [
          {
            apiKey: 'fake-key-canary-0001',
            secretKey: 'fake-secret-CANARYSECRET',
            passphrase: 'CANARYPASS',
            perm: 'read_only',
            ip: '10.9.9.9',
            label: 'c',
            demo: false,
            account: 'main',
          },
        ],
        accounts: { main: { balances: { USDT: '1' } } },
      },
    });
    const texts: string[] = [];
    for (const over of [{ pass: 'CANARYWRONGPASS' }, { sign: 'CANARYSIGN=' }, {}]) {
      const res = await fetch(sim.restUrl + path, { headers: headersFor(sim, 'c', 'GET', path, '', over) });
      texts.push(await res.text());
    }
    const all = texts.join('\n');
    assert.match(all, /50105/);
    assert.match(all, /50113/);
    assert.match(all, /50110/);
    for (const canary of ['CANARY', 'fake-secret']) assert.ok(!all.includes(canary), all);
    assert.ok(!String(sim.credentials('c')).includes('CANARY'));
    assert.ok(!JSON.stringify(sim.credentials('c')).includes('CANARY'));
  });
});

test('IP helpers: IPv4-mapped IPv6 is normalised; CIDR and lists match', async () => {
  const { normaliseIp, ipAllowed, constantTimeEqual } = await import('../../src/sim/auth.js');
  assert.equal(normaliseIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normaliseIp('::1'), '::1');
  assert.equal(ipAllowed('', '1.2.3.4'), true);
  assert.equal(ipAllowed('10.0.0.1, 127.0.0.1', '127.0.0.1'), true);
  assert.equal(ipAllowed('::ffff:127.0.0.1', '127.0.0.1'), true);
  assert.equal(ipAllowed('192.168.0.0/16', '192.168.7.9'), true);
  assert.equal(ipAllowed('192.168.0.0/16', '192.169.0.1'), false);
  assert.equal(constantTimeEqual('abc=', 'abc='), true);
  assert.equal(constantTimeEqual('abc=', 'abd='), false);
  assert.equal(constantTimeEqual('abc', 'abc='), false);
});
