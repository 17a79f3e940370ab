import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoTimestamp } from '../../src/protocol/sign.js';
import { ManualClock } from '../../src/util/clock.js';
import { OkxAuthError, OkxSchemaError } from '../../src/client/errors.js';
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
  let now = 1_700_000_000_000;
  const clock = { now: () => (now += 100) };
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ts: '1700000010150' }]));
  const client = makeClient(okx.url, { clock, rateLimit: false });
  t.after(() => client.close());
  const r = await client.syncClock({ samples: 1 });
  assert.equal(r.rttMs, 100);
  // sent at 1_700_000_000_100, received at ..._200 -> midpoint ..._150
  assert.equal(r.offsetMs, 10_000);
  assert.equal(r.errorMs, 50, 'the error bound is half the round trip');
});

test('syncClock takes several samples and keeps the fastest: a latency spike on one does not skew the offset', async (t) => {
  // Each sample's round trip is scripted: the local clock jumps by the leg latencies while the
  // server stamps true time (local + 40 s) at the moment it answers.
  let local = 1_700_000_000_000;
  const clock = { now: () => local };
  const legs = [
    [1_900, 100], // spike on the way there: midpoint off by +900
    [30, 30], // the clean one
    [50, 1_200], // spike on the way back
    [200, 200],
  ];
  let n = 0;
  const okx = await startFakeOkx(t);
  okx.handle(() => {
    const [up, down] = legs[n++]!;
    local += up!;
    const ts = String(local + 40_000);
    local += down!;
    return ok([{ ts }]);
  });
  const client = makeClient(okx.url, { clock, rateLimit: false });
  t.after(() => client.close());
  const r = await client.syncClock();
  assert.equal(okx.count('/api/v5/public/time'), 4);
  assert.deepEqual(r, { offsetMs: 40_000, rttMs: 60, errorMs: 30 });
  assert.equal(client.clockErrorMs, 30);
  // One spiky sample alone would have been 900 ms off: that is what a single sample gave.
  n = 0;
  const single = makeClient(okx.url, { clock, rateLimit: false });
  t.after(() => single.close());
  const s = await single.syncClock({ samples: 1 });
  assert.deepEqual(s, { offsetMs: 40_900, rttMs: 2_000, errorMs: 1_000 });
});

test('a server time that cannot be right (ts "1") is refused and the offset in force is kept', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const okx = await startFakeOkx(t, { clock });
  let ts = String(1_700_000_000_000 + 5_000);
  okx.handle(() => ok([{ ts }]));
  const client = makeClient(okx.url, { clock, rateLimit: false });
  t.after(() => client.close());
  await client.syncClock();
  assert.equal(client.clockOffsetMs, 5_000);
  for (const bad of ['1', '99999999999999999']) {
    ts = bad;
    await assert.rejects(client.syncClock(), (e: any) => {
      assert.ok(e instanceof OkxSchemaError, String(e));
      assert.equal(e.path, 'data[0].ts');
      assert.match(e.message, /cannot be right/);
      return true;
    });
    assert.equal(client.clockOffsetMs, 5_000, `ts ${bad} did not move the offset`);
  }
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
    ['/api/v5/account/balance', ...Array(4).fill('/api/v5/public/time'), '/api/v5/account/balance'],
  );
  assert.equal(okx.requests[0]!.signed, false);
  assert.equal(okx.requests[5]!.signed, true);
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
