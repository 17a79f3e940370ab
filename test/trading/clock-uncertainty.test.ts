// Issue 18 item 1: clock uncertainty must not produce a second order. A clock sync taken during a
// latency spike leaves the offset wrong by up to half the round trip; an order delayed inside the
// exchange then still executes after the executor's old "expTime + 500 ms" deadline, by the
// exchange's true time, and a resend under the same clOrdId fills a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { ClockSync } from '../../src/client/clock-sync.js';
import { Executor, type ExecutionVenue } from '../../src/trading/executor.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { Alerts } from '../../src/trading/alerts.js';
import { ExecutionUnresolvedError } from '../../src/trading/errors.js';
import type { OrderIntent } from '../../src/trading/exchange-port.js';
import { FakeExchange, clockSleep } from './fake-exchange.js';

const T0 = 1_700_000_000_000;
const ioc: OrderIntent = { instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', px: '50000', sz: '0.001' };

/**
 * The exchange's true time is `clock`; the bot reads the same clock and corrects it by what
 * ClockSync measured. The first placement is held inside the exchange for `delayMs` and only
 * then executes (if its expTime has not passed by the exchange's clock).
 */
function rig(t: { after(fn: () => void): void }, sample: { rttMs: number; serverStampAt: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-clockunc-'));
  const clock = new ManualClock(T0);
  const ex = new FakeExchange(clock);
  const sync = new ClockSync(clock);
  // One /public/time round trip sent at T0 - rtt: the server stamps its time `serverStampAt` ms
  // after the send (a spike on the way there), the answer is back at T0.
  const sentAt = T0 - sample.rttMs;
  sync.record(sentAt, T0, sentAt + sample.serverStampAt);
  const journal = new OrderJournal(join(dir, 'journal.db'), { clock });
  const alerts = new Alerts({ clock });
  let arriveAt = Number.POSITIVE_INFINITY;
  /** The held request reaches the matching engine at arriveAt, by the exchange's clock. */
  const arrive = () => {
    if (ex.delayed.length === 0) return;
    const now = clock.now();
    clock.set(arriveAt);
    ex.deliverDelayed();
    clock.set(now);
  };
  const venue: ExecutionVenue & { resyncs: number } = {
    resyncs: 0,
    now: () => clock.now() + sync.offsetMs,
    clockErrorMs: () => (sync as { errorMs?: number }).errorMs ?? 0,
    placeOrder: (i) => ex.placeOrder(i),
    getOrder: async (ref) => {
      if (clock.now() >= arriveAt) arrive();
      return ex.getOrder(ref);
    },
    openOrders: () => ex.openOrders(),
  };
  const exec = new Executor({ venue, journal, sleep: clockSleep(clock), expWindowMs: 5_000, alerts });
  t.after(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    clock,
    ex,
    sync,
    journal,
    alerts,
    exec,
    venue,
    /** The next placement is held `ms` inside the exchange (the client times out at once). */
    delayNext(ms: number) {
      ex.faults.push('delayed');
      arriveAt = clock.now() + ms;
    },
    /** Time passes until the held request has certainly arrived. */
    drain() {
      if (clock.now() < arriveAt) clock.set(arriveAt);
      arrive();
    },
  };
}

test('a sync during a 2 s latency spike, then an IOC held 5.7 s inside the exchange: it fills once, not twice', async (t) => {
  // The server stamped its time 2 s into a 2 s round trip: the midpoint puts the offset 1 s off.
  const r = rig(t, { rttMs: 2_000, serverStampAt: 2_000 });
  assert.equal(r.sync.offsetMs, 1_000, 'the spike skews the offset by half the round trip');
  r.delayNext(5_700);
  const o = await r.exec.place(ioc);
  r.drain();
  const withId = r.ex.orders.filter((x) => x.clOrdId === o.clOrdId);
  assert.equal(
    withId.length,
    1,
    `one clOrdId, ${withId.length} executions: ${withId.map((x) => `${x.ordId}@${x.cTime - T0}ms`).join(', ')}`,
  );
  assert.equal(withId[0]!.state, 'filled');
  assert.equal(r.ex.placeCalls.length, 1, 'no resend: the held send was found by clOrdId');
  assert.equal(r.journal.get(o.clOrdId)!.status, 'acked');
});

test('with a clean sync the same held IOC is adopted, and a genuinely lost one is resent once', async (t) => {
  const r = rig(t, { rttMs: 20, serverStampAt: 10 });
  r.delayNext(5_700);
  const held = await r.exec.place(ioc);
  r.drain();
  assert.equal(r.ex.orders.filter((x) => x.clOrdId === held.clOrdId).length, 1);

  // Lost before reaching the exchange: after expTime + bound + margin it is resent, same clOrdId.
  r.ex.faults.push('timeout-before');
  const lost = await r.exec.place(ioc);
  assert.equal(r.ex.orders.filter((x) => x.clOrdId === lost.clOrdId).length, 1);
  const sends = r.ex.placeCalls.filter((p) => p.clOrdId === lost.clOrdId);
  assert.equal(sends.length, 2);
  // The resend waited out expTime plus the error bound (10 ms) plus the margin, by the exchange's clock.
  assert.ok(
    sends[1]!.expTime! - sends[0]!.expTime! >= 5_000 + 10,
    'resent only after the first expTime had passed',
  );
});

test('while the clock error bound is too wide the executor refuses to resend, says so, and the row stays unknown', async (t) => {
  // A 6 s round trip: the offset is only known to within +-3 s, wider than the 2 s limit.
  const r = rig(t, { rttMs: 6_000, serverStampAt: 3_000 });
  let resyncs = 0;
  r.venue.resyncClock = async () => {
    resyncs++; // the re-sync runs into the same congestion: still no better sample
    r.sync.record(r.clock.now() - 6_000, r.clock.now(), r.clock.now() - 3_000);
  };
  r.ex.faults.push('timeout-before');
  const err = await r.exec.place(ioc).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ExecutionUnresolvedError, String(err));
  assert.match(err.message, /only known to within \+-3000 ms \(limit 2000 ms\).*not resending/);
  assert.ok(resyncs >= 1, 'it tried to measure the clock again first');
  assert.equal(r.ex.placeCalls.length, 1, 'never resent');
  const row = r.journal.get(err.clOrdId)!;
  assert.equal(row.status, 'unknown');
  assert.ok(r.journal.events(err.clOrdId).some((e) => e.event === 'resend-refused'));
  assert.ok(r.alerts.history.some((a) => a.message.includes('not resending')));

  // Once a fast sample narrows the bound, a later reconcile settles it without a second order.
  r.sync.record(r.clock.now() - 20, r.clock.now(), r.clock.now() - 10);
  const report = await r.exec.reconcile();
  assert.equal(report.expired.length, 1);
  assert.equal(r.ex.placeCalls.length, 1);
});
