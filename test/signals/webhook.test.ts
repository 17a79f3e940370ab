import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyAuditLogFile } from '../../src/security/audit-log.js';
import { signSignal } from '../../src/signals/auth.js';
import { signalClOrdId } from '../../src/signals/engine.js';
import { HMAC_SECRET, SOURCES, TOKEN, rig } from './kit.js';

// Issue 19, done when: signed, unsigned, replayed, duplicated, malformed and over-limit signals,
// each with its outcome: one order for duplicates, none for the rest, each with its reason.
const BUY = { id: 'buy-1', instId: 'BTC-USDT', action: 'open', side: 'buy', size: '0.01' };

describe('signals webhook: who may place what, once', () => {
  test('a signed signal places one order, filled, recorded with its fill, in the audit log and the event hook', async (t) => {
    const r = await rig(t);
    const res = await r.signed(BUY);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.status, 'accepted');
    assert.equal(res.json.orders.length, 1);
    const o = res.json.orders[0];
    assert.equal(o.clOrdId, signalClOrdId('bot', 'buy-1', 'open:BTC-USDT'));
    assert.equal(o.state, 'filled');
    assert.equal(o.accFillSz, '0.01');
    assert.ok(Number(o.avgPx) > 0);
    const onExchange = await r.ordersOf('BTC-USDT');
    assert.deepEqual(
      onExchange.map((x) => x.clOrdId),
      [o.clOrdId],
    );
    const rec = r.store.list()[0]!;
    assert.equal(rec.status, 'accepted');
    assert.equal(rec.orders[0]!.accFillSz, '0.01');
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0]!.code, 'ACCEPTED');
    const audit = readFileSync(r.auditPath, 'utf8');
    assert.match(audit, /"action":"signal\.accepted"/);
    assert.equal(verifyAuditLogFile(r.auditPath).ok, true);
  });

  test('unsigned, wrongly signed and unknown-source signals: 401 naming the field, no order, recorded, alerted', async (t) => {
    const r = await rig(t);
    const body = JSON.stringify({ source: 'bot', ts: r.clock.now(), ...BUY });
    const unsigned = await r.post('/signal/bot', body);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json.code, 'UNAUTHENTICATED');
    assert.equal(unsigned.json.field, 'x-signal-timestamp');
    const stamp = String(r.clock.now());
    const forged = await r.post('/signal/bot', body, {
      'x-signal-timestamp': stamp,
      'x-signal-signature': signSignal('fake-wrong-secret-for-tests', stamp, body),
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.json.field, 'x-signal-signature');
    const tampered = await r.post('/signal/bot', body.replace('0.01', '0.02'), {
      'x-signal-timestamp': stamp,
      'x-signal-signature': signSignal(HMAC_SECRET, stamp, body),
    });
    assert.equal(tampered.status, 401, 'a body changed after signing');
    const stranger = await r.post('/signal/nobody', body.replace('"bot"', '"nobody"'));
    assert.equal(stranger.status, 401);
    assert.equal(stranger.json.field, 'source');
    assert.deepEqual(await r.ordersOf('BTC-USDT'), []);
    assert.deepEqual(
      r.store.list().map((x) => [x.status, x.code]),
      [
        ['refused', 'UNAUTHENTICATED'],
        ['refused', 'UNAUTHENTICATED'],
        ['refused', 'UNAUTHENTICATED'],
        ['refused', 'UNAUTHENTICATED'],
      ],
    );
    assert.equal(r.alerts.history.filter((a) => a.kind === 'auth-failure').length >= 1, true);
    // A refused unauthenticated request does not burn the id: the real sender's signal still goes.
    const real = await r.signed(BUY);
    assert.equal(real.json.status, 'accepted');
  });

  test('a replay outside the window is refused; inside it the same id is a duplicate: one order either way', async (t) => {
    const r = await rig(t);
    const body = JSON.stringify({ source: 'bot', ts: r.clock.now(), ...BUY });
    const stamp = String(r.clock.now());
    const headers = {
      'x-signal-timestamp': stamp,
      'x-signal-signature': signSignal(HMAC_SECRET, stamp, body),
    };
    const first = await r.post('/signal/bot', body, headers);
    assert.equal(first.json.status, 'accepted');
    // The very same bytes again (a captured request, or the platform's retry) within the window.
    const again = await r.post('/signal/bot', body, headers);
    assert.equal(again.status, 200);
    assert.equal(again.json.status, 'duplicate');
    assert.equal(again.json.field, 'id');
    assert.equal(again.json.original.status, 'accepted');
    // Two minutes later (window 60 s): refused before anything else.
    r.clock.advance(120_000);
    r.sim.tick();
    const replay = await r.post('/signal/bot', body, headers);
    assert.equal(replay.status, 401);
    assert.equal(replay.json.code, 'STALE_TIMESTAMP');
    assert.equal(replay.json.field, 'x-signal-timestamp');
    assert.equal((await r.ordersOf('BTC-USDT')).length, 1);
  });

  test('a duplicate with a fresh signature, and after a restart, places nothing again', async (t) => {
    const r = await rig(t);
    assert.equal((await r.signed(BUY)).json.status, 'accepted');
    r.clock.advance(5_000);
    r.sim.tick();
    const dup = await r.signed(BUY);
    assert.equal(dup.json.status, 'duplicate');
    assert.equal(dup.json.orders.length, 0);
    // A signal the stop interrupted (recorded, claimed, not finished) is failed at the next start.
    const cut = r.store.insert({
      receivedMs: r.clock.now(),
      source: 'bot',
      signalId: 'cut-1',
      instId: 'BTC-USDT',
      action: 'open',
      signal: {},
      remote: '127.0.0.1',
      status: 'processing',
      httpStatus: 0,
      code: 'PROCESSING',
      field: '',
      reason: '',
    });
    r.store.claim('bot', 'cut-1', cut);
    const r2 = await r.restart();
    assert.equal(r2.store.get(cut)!.code, 'INTERRUPTED');
    assert.ok(
      r2.alerts.history.some((a) => a.severity === 'critical' && /cut-1 was interrupted/.test(a.message)),
    );
    assert.equal((await r2.signed({ ...BUY, id: 'cut-1' })).json.status, 'duplicate');
    const afterRestart = await r2.signed(BUY);
    assert.equal(afterRestart.json.status, 'duplicate', 'the claimed ids are in SQLite, not in memory');
    // A new id is a new signal.
    assert.equal((await r2.signed({ ...BUY, id: 'buy-2' })).json.status, 'accepted');
    assert.equal((await r2.ordersOf('BTC-USDT')).length, 2);
    assert.deepEqual(
      r2.store.list().map((x) => x.status),
      ['accepted', 'duplicate', 'failed', 'duplicate', 'duplicate', 'accepted'],
    );
  });

  test('malformed signals: 400 naming the field, no order, recorded', async (t) => {
    const r = await rig(t);
    const cases: Array<[Record<string, unknown> | string, string]> = [
      ['{"source":"bot", "id": ', 'body'],
      [{ ...BUY, size: undefined }, 'size'],
      [{ ...BUY, size: '-1' }, 'size'],
      [{ ...BUY, side: 'long' }, 'side'],
      [{ ...BUY, action: 'moon' }, 'action'],
      [{ ...BUY, instId: 'not an instrument' }, 'instId'],
      [{ ...BUY, ordType: 'limit' }, 'px'],
      [{ ...BUY, leverage: 100 }, 'leverage'],
      [{ ...BUY, sizeUnit: 'pct_balance', size: '150' }, 'size'],
    ];
    for (const [i, [sig, field]] of cases.entries()) {
      let res;
      if (typeof sig === 'string') {
        const stamp = String(r.clock.now());
        res = await r.post('/signal/bot', sig, {
          'x-signal-timestamp': stamp,
          'x-signal-signature': signSignal(HMAC_SECRET, stamp, sig),
        });
      } else res = await r.signed({ ...sig, id: `bad-${i}` });
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.field, field, JSON.stringify(res.json));
      assert.equal(res.json.status, 'refused');
      assert.ok(res.json.error.length > 10);
    }
    assert.deepEqual(await r.ordersOf('BTC-USDT'), []);
    assert.equal(r.store.list().length, cases.length);
    assert.ok(r.store.list().every((x) => x.httpStatus === 400));
  });

  test('over the limits: orders per minute, notional, instruments, body size, the kill switch; none placed', async (t) => {
    const r = await rig(t, {
      sources: { ...SOURCES, bot: { ...SOURCES.bot!, maxOrdersPerMinute: 2, maxNotional: '5000' } },
      server: { maxBodyBytes: 1024 },
    });
    assert.equal((await r.signed({ ...BUY, id: 'a' })).json.status, 'accepted');
    assert.equal((await r.signed({ ...BUY, id: 'b' })).json.status, 'accepted');
    const third = await r.signed({ ...BUY, id: 'c' });
    assert.equal(third.status, 429);
    assert.equal(third.json.code, 'RATE_LIMITED');
    // The minute rolls on (the injectable clock): the limit frees up.
    r.clock.advance(61_000);
    r.sim.tick();
    const big = await r.signed({ ...BUY, id: 'd', size: '1' });
    assert.equal(big.status, 422);
    assert.equal(big.json.code, 'MAX_NOTIONAL');
    assert.equal(big.json.field, 'size');
    const eth = await r.signed({ ...BUY, id: 'e', instId: 'ETH-USDT' });
    assert.equal(eth.status, 403);
    assert.equal(eth.json.code, 'INSTRUMENT_NOT_ALLOWED');
    assert.equal(eth.json.field, 'instId');
    const huge = await r.signed({ ...BUY, id: 'f', note: 'x'.repeat(2000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.code, 'BODY_TOO_LARGE');
    r.kill.engage({ why: 'test halt', by: 'test' });
    await r.stack.risk.pollKillSwitch();
    const halted = await r.signed({ ...BUY, id: 'g' });
    assert.equal(halted.status, 423);
    assert.equal(halted.json.code, 'HALTED');
    assert.equal((await r.ordersOf('BTC-USDT')).length, 2);
    assert.ok(r.alerts.history.some((a) => a.kind === 'signal-refused' && /RATE_LIMITED/.test(a.message)));
  });

  test('a token source (TradingView): token in the URL or body, timestamp from the body, compared in constant time', async (t) => {
    const r = await rig(t);
    const sig = { ...BUY, id: 'tv-1', ts: new Date(r.clock.now()).toISOString() };
    const ok = await r.post(`/signal/tv/${TOKEN}`, sig);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.status, 'accepted');
    const inBody = await r.post('/signal/tv', { ...sig, id: 'tv-2', token: TOKEN });
    assert.equal(inBody.json.status, 'accepted');
    const wrong = await r.post('/signal/tv/fake-wrong-token-0000', { ...sig, id: 'tv-3' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.field, 'token');
    const stale = await r.post(`/signal/tv/${TOKEN}`, {
      ...sig,
      id: 'tv-4',
      ts: new Date(r.clock.now() - 10 * 60_000).toISOString(),
    });
    assert.equal(stale.status, 401);
    assert.equal(stale.json.code, 'STALE_TIMESTAMP');
    assert.equal(stale.json.field, 'ts');
    assert.equal((await r.ordersOf('BTC-USDT')).length, 2);
    // The token never reaches the store, the audit log or a response.
    const everything =
      JSON.stringify(r.store.list()) +
      readFileSync(r.auditPath, 'utf8') +
      JSON.stringify([ok, inBody, wrong, stale]) +
      JSON.stringify(r.alerts.history) +
      JSON.stringify(r.events);
    assert.ok(!everything.includes(TOKEN), 'the token leaked');
    assert.ok(!everything.includes(HMAC_SECRET));
  });

  test('forwarded headers count only from a configured proxy', async (t) => {
    const plain = await rig(t);
    await plain.signed({ ...BUY, id: 'p1' }).then(() => undefined);
    await plain.post('/signal/bot', { x: 1 }, { 'x-forwarded-for': '203.0.113.9' });
    assert.deepEqual(
      plain.store.list().map((x) => x.remote),
      ['127.0.0.1', '127.0.0.1'],
    );
    const proxied = await rig(t, { server: { trustProxy: ['127.0.0.1'], requireHttps: true } });
    const viaHttp = await proxied.post(
      '/signal/bot',
      { x: 1 },
      { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' },
    );
    assert.equal(viaHttp.status, 403);
    assert.equal(viaHttp.json.code, 'HTTPS_REQUIRED');
    await proxied.post(
      '/signal/bot',
      { x: 1 },
      { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    );
    assert.deepEqual(
      proxied.store.list().map((x) => x.remote),
      ['203.0.113.9', '203.0.113.9'],
    );
  });
});
