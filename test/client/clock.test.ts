import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoTimestamp } from '../../src/protocol/sign.js';
import { ManualClock } from '../../src/util/clock.js';
import { OkxAuthError } from '../../src/client/errors.js';
import { ok, startFakeOkx, type FakeOkx } from './fake-okx.js';
import { makeClient } from './helpers.js';

const balance = { totalEq: '1', uTime: '1', details: [] };

function serveTime(okx: FakeOkx, clock: { now(): number }) {
  okx.handle((r) => {
    if (r.path === '/api/v5/public/time') return ok([{ ts: String(clock.now() + okx.skewMs) }]);
    return ok([balance]);
  });
}

test('server clock 40 s ahead: syncClock measures it and signed timestamps are corrected', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const okx = await startFakeOkx(t, { clock });
  okx.skewMs = 40_000;
  serveTime(okx, clock);
  const client = makeClient(okx.url, { clock });
  t.after(() => client.close());

  const r = await client.syncClock();
  assert.equal(r.offsetMs, 40_000);
  assert.equal(client.clockOffsetMs, 40_000);
  await client.account.balance();
  const signed = okx.requests.find((x) => x.path === '/api/v5/account/balance')!;
  assert.equal(signed.signed, true);
  assert.equal(parseIsoTimestamp(String(signed.headers['ok-access-timestamp'])), 1_700_000_040_000);
});

test('offset uses the midpoint of the round trip', async (t) => {
  // A clock that moves 100 ms per read: sent at T, received at T+100 -> midpoint T+50.
  let now = 1_000_000;
  const clock = { now: () => (now += 100) };
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ts: '1010150' }]));
  const client = makeClient(okx.url, { clock, rateLimit: false });
  t.after(() => client.close());
  const r = await client.syncClock();
  assert.equal(r.rttMs, 100);
  // sent at 1_000_100, received at 1_000_200 -> midpoint 1_000_150
  assert.equal(r.offsetMs, 10_000);
});

test('50102: the client re-measures the offset and retries once, transparently', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const okx = await startFakeOkx(t, { clock });
  okx.skewMs = 40_000;
  serveTime(okx, clock);
  const client = makeClient(okx.url, { clock });
  t.after(() => client.close());

  const b = await client.account.balance();
  assert.equal(b.totalEq, '1');
  assert.deepEqual(
    okx.requests.map((r) => r.path),
    ['/api/v5/account/balance', '/api/v5/public/time', '/api/v5/account/balance'],
  );
  assert.equal(okx.requests[0]!.signed, false);
  assert.equal(okx.requests[2]!.signed, true);
});

test('a persistent 50102 is thrown once, with the measured drift in the hint', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const okx = await startFakeOkx(t, { clock });
  okx.handle((r) => {
    if (r.path === '/api/v5/public/time') return ok([{ ts: String(clock.now() + 41_200) }]);
    return { status: 401, body: { msg: 'Timestamp request expired', code: '50102' } };
  });
  const client = makeClient(okx.url, { clock });
  t.after(() => client.close());
  await assert.rejects(client.account.balance(), (e: any) => {
    assert.ok(e instanceof OkxAuthError);
    assert.equal(e.code, '50102');
    assert.match(e.hint!, /41\.2 s behind/);
    assert.match(e.hint!, /NTP/);
    return true;
  });
  assert.equal(okx.count('/api/v5/account/balance'), 2);
});
