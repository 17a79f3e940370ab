import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { Executor } from '../../src/trading/executor.js';
import { OrderJournal, payloadHash } from '../../src/trading/journal.js';
import { Alerts } from '../../src/trading/alerts.js';
import { ExecutionUnresolvedError } from '../../src/trading/errors.js';
import type { OrderIntent } from '../../src/trading/exchange-port.js';
import { FakeExchange, clockSleep } from './fake-exchange.js';
import { createLogger } from '../../src/util/logger.js';
import { Writable } from 'node:stream';

function setup(
  t: { after(fn: () => void): void },
  opts: { maxSends?: number; maxLookups?: number; logger?: ReturnType<typeof createLogger> } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-exec-'));
  const clock = new ManualClock(1_700_000_000_000);
  const ex = new FakeExchange(clock);
  const journal = new OrderJournal(join(dir, 'journal.db'), { clock });
  const alerts = new Alerts({ clock });
  const exec = new Executor({
    venue: ex,
    journal,
    sleep: clockSleep(clock),
    expWindowMs: 5_000,
    expMarginMs: 500,
    alerts,
    ...opts,
  });
  t.after(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, clock, ex, journal, alerts, exec };
}

const intent = (over: Partial<OrderIntent> = {}): OrderIntent => ({
  instId: 'BTC-USDT',
  side: 'buy',
  ordType: 'post_only',
  px: '30000',
  sz: '0.001',
  ...over,
});

describe('Executor', () => {
  test('journals the intent as pending with its clOrdId, expTime and hash before the request leaves', async (t) => {
    const { ex, journal, exec, clock } = setup(t);
    let seenAtSend: ReturnType<OrderJournal['get']>;
    ex.onPlace = (i) => {
      seenAtSend = journal.get(i.clOrdId!);
    };
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 1);
    const sent = ex.placeCalls[0]!;
    assert.match(sent.clOrdId!, /^[A-Za-z0-9]{32}$/);
    assert.equal(sent.expTime, clock.now() + 5_000);
    assert.equal(seenAtSend!.status, 'pending');
    assert.equal(seenAtSend!.expTime, sent.expTime);
    assert.equal(
      seenAtSend!.payloadHash,
      payloadHash({ instId: 'BTC-USDT', side: 'buy', ordType: 'post_only', px: '30000', sz: '0.001' }),
    );
    const row = journal.get(o.clOrdId)!;
    assert.equal(row.status, 'acked');
    assert.equal(row.ordId, o.ordId);
    assert.equal(row.exchState, 'live');
    assert.deepEqual(
      journal.events(o.clOrdId).map((e) => e.event),
      ['intent', 'send', 'exchange'],
    );
  });

  test('payload hash is canonical: "0.10" and "0.1" are the same order, another size is not', () => {
    const a = payloadHash({ instId: 'X-Y', side: 'buy', ordType: 'limit', px: '0.10', sz: '1.0' });
    assert.equal(a, payloadHash({ instId: 'X-Y', side: 'buy', ordType: 'limit', px: '0.1', sz: '1' }));
    assert.notEqual(a, payloadHash({ instId: 'X-Y', side: 'buy', ordType: 'limit', px: '0.1', sz: '1.1' }));
    assert.notEqual(a, payloadHash({ instId: 'X-Y', side: 'sell', ordType: 'limit', px: '0.1', sz: '1' }));
  });

  test('accepted then timed out: looked up by clOrdId and adopted, never resent', async (t) => {
    const { ex, exec, journal } = setup(t);
    ex.faults = ['accept-then-timeout'];
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 1);
    assert.equal(ex.orders.length, 1);
    assert.equal(journal.get(o.clOrdId)!.status, 'acked');
    assert.ok(journal.events(o.clOrdId).some((e) => e.event === 'ambiguous'));
  });

  test('lost before arrival: resent with the SAME clOrdId only after expTime has passed', async (t) => {
    const { ex, exec, clock } = setup(t);
    ex.faults = ['timeout-before'];
    const t0 = clock.now();
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 2);
    assert.equal(ex.placeCalls[1]!.clOrdId, ex.placeCalls[0]!.clOrdId);
    // The resend left only once the first request's expTime (+ margin) was behind us.
    assert.ok(ex.placeCalls[1]!.expTime! > ex.placeCalls[0]!.expTime!);
    assert.ok(clock.now() > t0 + 5_000 + 500);
    assert.equal(ex.orders.length, 1);
    assert.equal(o.clOrdId, ex.placeCalls[0]!.clOrdId);
  });

  test('a delayed original that arrives before its expTime is adopted, not duplicated', async (t) => {
    const { ex, exec, clock } = setup(t);
    ex.faults = ['delayed'];
    // The original lands 2 s later (within expTime): the first lookup misses, the later one finds it.
    const realGet = ex.getOrder.bind(ex);
    let lookups = 0;
    ex.getOrder = async (ref) => {
      lookups++;
      const seen = await realGet(ref);
      // Right after the first (missed) lookup, still before expTime, the original arrives.
      if (lookups === 1) {
        assert.ok(clock.now() < ex.placeCalls[0]!.expTime!);
        assert.ok(ex.deliverDelayed()[0] && !(ex.orders.length === 0));
      }
      return seen;
    };
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 1, 'never resent');
    assert.equal(ex.orders.length, 1);
    assert.equal(o.state, 'live');
  });

  test('a delayed original arriving after its expTime is dropped by the exchange: exactly one order after the resend', async (t) => {
    const { ex, exec } = setup(t);
    ex.faults = ['delayed'];
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 2);
    const late = ex.deliverDelayed();
    assert.equal(late.length, 1);
    assert.ok(late[0] instanceof Error && /expired/.test(late[0].message));
    assert.equal(ex.orders.filter((x) => x.clOrdId === o.clOrdId).length, 1);
  });

  test('a resend that hits 51016 means the original is live: fetched and adopted', async (t) => {
    const { ex, exec, clock } = setup(t);
    ex.faults = ['timeout-before'];
    // The lookup after expTime misses (e.g. a lagging read replica), the resend then hits 51016.
    const realGet = ex.getOrder.bind(ex);
    let calls = 0;
    ex.getOrder = async (ref) => {
      calls++;
      if (calls === 2) {
        // the original shows up on the exchange now, just as the resend is about to go out
        ex.orders.push({
          ordId: '77',
          clOrdId: ref.clOrdId!,
          instId: ref.instId,
          side: 'buy',
          ordType: 'post_only',
          px: '30000',
          sz: '0.001',
          accFillSz: '0',
          avgPx: '',
          state: 'live',
          fee: '0',
          feeCcy: '',
          tag: '',
          cTime: clock.now(),
          uTime: clock.now(),
        });
        return undefined;
      }
      return realGet(ref);
    };
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 2);
    assert.equal(o.ordId, '77');
    assert.equal(ex.orders.length, 1);
  });

  test('5xx before arrival and failing lookups: lookups retried with backoff, then one resend', async (t) => {
    const { ex, exec } = setup(t);
    ex.faults = ['http500-before'];
    ex.lookupFaults = 3;
    const o = await exec.place(intent());
    assert.equal(ex.orders.length, 1);
    assert.equal(ex.placeCalls.length, 2);
    assert.equal(o.clOrdId, ex.placeCalls[0]!.clOrdId);
  });

  test('lookups that keep failing: the unresolved error keeps each code and message, each logged at warn', async (t) => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const { ex, exec } = setup(t, { maxLookups: 3, logger: createLogger({ level: 'warn' }, dest) });
    ex.faults = ['http500-before'];
    ex.lookupFaults = 3;
    const err = await exec.place(intent()).then(
      () => assert.fail('expected ExecutionUnresolvedError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ExecutionUnresolvedError);
    assert.deepEqual(
      err.failures.map((f) => [f.code, f.message]),
      [1, 2, 3].map(() => ['50001', 'Service temporarily unavailable']),
    );
    const warned = lines.map((l) => JSON.parse(l) as { level: number; code: string; msg: string });
    assert.deepEqual(
      warned.map((w) => [w.level, w.code, w.msg]),
      [1, 2, 3].map(() => [40, '50001', 'lookup by clOrdId failed']),
    );
  });

  test('refused before acting (429 50011, expired 50037): sent again with the same clOrdId after a pause', async (t) => {
    const { ex, exec, journal, clock } = setup(t);
    ex.faults = [{ reject: '50011' }, { reject: '50037' }];
    const t0 = clock.now();
    const o = await exec.place(intent());
    assert.equal(ex.placeCalls.length, 3);
    assert.ok(ex.placeCalls.every((c) => c.clOrdId === o.clOrdId));
    assert.ok(clock.now() > t0, 'backed off');
    assert.equal(ex.orders.length, 1);
    assert.equal(journal.events(o.clOrdId).filter((e) => e.event === 'throttled').length, 2);
  });

  test('a definite rejection is journaled as rejected and thrown', async (t) => {
    const { ex, exec, journal } = setup(t);
    ex.faults = [{ reject: '51008' }];
    await assert.rejects(exec.place(intent()), (e: Error & { code?: string }) => e.code === '51008');
    const rows = journal.all();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'rejected');
    assert.equal(rows[0]!.errorCode, '51008');
    assert.equal(ex.placeCalls.length, 1);
  });

  test('gives up after maxSends and leaves the row for reconciliation, with an alert', async (t) => {
    const { ex, exec, journal, alerts } = setup(t, { maxSends: 2 });
    ex.faults = ['timeout-before', 'timeout-before'];
    await assert.rejects(exec.place(intent()), ExecutionUnresolvedError);
    assert.equal(ex.placeCalls.length, 2);
    assert.equal(journal.all()[0]!.status, 'expired');
    assert.ok(alerts.history.some((a) => a.kind === 'order-unresolved'));
  });

  test('the same clOrdId placed twice concurrently or again later goes out once', async (t) => {
    const { ex, exec } = setup(t);
    const i = intent({ clOrdId: 'mine0001' });
    const [a, b] = await Promise.all([exec.place(i), exec.place(i)]);
    assert.equal(a.ordId, b.ordId);
    const c = await exec.place(i);
    assert.equal(c.ordId, a.ordId);
    assert.equal(ex.placeCalls.length, 1);
  });

  test('what the exchange reports is checked against the payload hash: a mismatch alerts', async (t) => {
    const { ex, exec, journal, alerts } = setup(t);
    ex.tamper = (o) => ({ ...o, sz: '0.01' });
    const o = await exec.place(intent());
    const row = journal.get(o.clOrdId)!;
    assert.equal(row.mismatch, true);
    const alert = alerts.history.find((a) => a.kind === 'payload-mismatch');
    assert.ok(alert);
    assert.equal(alert.severity, 'critical');
    assert.deepEqual((alert.details.reported as { sz: string }).sz, '0.01');
    ex.tamper = undefined;
    const ok = await exec.place(intent());
    assert.equal(journal.get(ok.clOrdId)!.mismatch, false);
  });

  test('reconcile on start: pending/unknown rows resolved by clOrdId, stale ones expired, acked ones refreshed, foreign reported', async (t) => {
    const { ex, journal, clock, exec } = setup(t);
    // 1: journaled + sent + executed, crash before the response.
    journal.insert({ ...intent(), clOrdId: 'crashA' });
    journal.markSending('crashA', clock.now() + 5_000);
    await ex.placeOrder({ ...intent(), clOrdId: 'crashA' });
    // 2: journaled + sent, never arrived.
    journal.insert({ ...intent({ px: '29000' }), clOrdId: 'crashB' });
    journal.markSending('crashB', clock.now() + 5_000);
    // 3: journaled, crash before sending.
    journal.insert({ ...intent({ px: '28000' }), clOrdId: 'crashC' });
    // 4: acked live, since filled on the exchange.
    const d = await exec.place(intent({ px: '27000', clOrdId: 'doneD' }));
    ex.orders.find((x) => x.ordId === d.ordId)!.state = 'filled';
    // 5: an order placed elsewhere.
    await ex.placeOrder({ ...intent({ px: '26000' }), clOrdId: 'elsewhere' });
    const calls = ex.placeCalls.length;

    const fresh = new Executor({ venue: ex, journal, sleep: clockSleep(clock), expWindowMs: 5_000 });
    const r = await fresh.reconcile();
    assert.deepEqual(
      r.adopted.map((x) => x.clOrdId),
      ['crashA'],
    );
    assert.deepEqual(r.expired.map((x) => x.clOrdId).sort(), ['crashB', 'crashC']);
    assert.deepEqual(
      r.refreshed.map((x) => [x.clOrdId, x.exchState]),
      [['doneD', 'filled']],
    );
    assert.deepEqual(
      r.foreign.map((x) => x.clOrdId),
      ['elsewhere'],
    );
    assert.equal(ex.placeCalls.length, calls, 'reconcile never places');
    assert.equal(journal.get('crashA')!.status, 'acked');
    assert.equal(ex.orders.filter((x) => x.clOrdId === 'crashA').length, 1);
  });
});
