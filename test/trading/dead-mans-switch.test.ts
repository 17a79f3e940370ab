import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { DeadMansSwitch } from '../../src/trading/dead-mans-switch.js';
import { Alerts } from '../../src/trading/alerts.js';
import { ValidationError } from '../../src/util/errors.js';

/** A sleep driven by the test: each pending sleep resolves when the clock is stepped past it. */
function steppedSleep(clock: ManualClock) {
  const waiting: Array<{ until: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const w = { until: clock.now() + ms, resolve, reject };
      waiting.push(w);
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  const step = async (ms: number) => {
    const end = clock.now() + ms;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      waiting.sort((a, b) => a.until - b.until);
      const next = waiting[0];
      if (!next || next.until > end) break;
      waiting.shift();
      clock.set(next.until);
      next.resolve();
    }
    clock.set(end);
    await new Promise((r) => setImmediate(r));
  };
  return { sleep, step };
}

/** A fake cancel-all-after endpoint with OKX's semantics: armed until triggerTime, then cancels. */
function fakeCaa(clock: ManualClock) {
  const calls: Array<{ timeOut: string; tag?: string; at: number }> = [];
  let triggerAt = 0;
  let failNext = 0;
  let lastCall = -Infinity;
  return {
    calls,
    fail(n: number) {
      failNext = n;
    },
    firedAt: () => (triggerAt && clock.now() >= triggerAt ? triggerAt : 0),
    api: {
      async cancelAllAfter(p: { timeOut: string; tag?: string }) {
        // 1 request/s per user+tag (docs/OKX-PROTOCOL.md §5).
        assert.ok(clock.now() - lastCall >= 1000, 'rate limit respected');
        lastCall = clock.now();
        if (failNext > 0) {
          failNext--;
          throw Object.assign(new Error('Service temporarily unavailable'), { code: '50001' });
        }
        calls.push({ ...p, at: clock.now() });
        triggerAt = p.timeOut === '0' ? 0 : clock.now() + Number(p.timeOut) * 1000;
        return {
          triggerTime: String(Math.floor(triggerAt / 1000)),
          tag: p.tag ?? '',
          ts: String(Math.floor(clock.now() / 1000)),
        };
      },
    },
  };
}

describe('DeadMansSwitch', () => {
  test('arms at start, heartbeats on the injected clock, and disarms with "0" on a clean stop', async () => {
    const clock = new ManualClock(1_000_000);
    const { sleep, step } = steppedSleep(clock);
    const caa = fakeCaa(clock);
    const dms = new DeadMansSwitch({ api: caa.api, clock, sleep, timeOutSec: 60, heartbeatMs: 5_000 });
    await dms.start();
    assert.deepEqual(caa.calls[0], { timeOut: '60', at: 1_000_000 });
    await step(60_000);
    assert.equal(caa.calls.length, 13);
    assert.equal(caa.firedAt(), 0, 'never fires while beating');
    assert.ok(
      caa.calls.every((c) => !('tag' in c) || c.tag === undefined),
      'account level: no tag sent',
    );
    const stopping = dms.stop();
    await step(1_000); // the disarm waits out the 1 req/s limit after the last beat
    await stopping;
    assert.equal(caa.calls.at(-1)!.timeOut, '0');
    await step(120_000);
    assert.equal(caa.firedAt(), 0);
  });

  test('a clean stop whose disarm is refused with a retryable error (429 of bots sharing the key) retries it', async () => {
    // Found by `npm run chaos` (restarts): four bots on one account share the 1 request/s limit
    // of cancel-all-after; a 429 on the disarm made the bot process exit 1 on a clean stop.
    const clock = new ManualClock(0);
    const { sleep, step } = steppedSleep(clock);
    const caa = fakeCaa(clock);
    const rateLimited = Object.assign(new Error('Too Many Requests'), { code: '50011', retryable: true });
    let refuse = 0;
    const api = {
      cancelAllAfter: (p: { timeOut: string; tag?: string }) => {
        if (p.timeOut === '0' && refuse-- > 0) return Promise.reject(rateLimited);
        return caa.api.cancelAllAfter(p);
      },
    };
    const dms = new DeadMansSwitch({ api, clock, sleep, timeOutSec: 10, heartbeatMs: 2_000 });
    await dms.start();
    await step(2_000);
    refuse = 2;
    let outcome: unknown = 'pending';
    const stopping = dms.stop().then(
      () => (outcome = 'stopped'),
      (e: unknown) => (outcome = e),
    );
    await step(5_000);
    await stopping;
    assert.equal(outcome, 'stopped');
    assert.equal(caa.calls.at(-1)!.timeOut, '0', 'disarmed on the third try');
    await step(30_000);
    assert.equal(caa.firedAt(), 0, 'the switch does not fire after the stop');
  });

  test('a start whose first arm is refused with a retryable error (429 of bots sharing the key) retries it', async () => {
    // Found by `npm run chaos` (restarts): a bot whose first arm met the shared 1 request/s limit
    // of cancel-all-after exited before it was ready.
    const clock = new ManualClock(0);
    const { sleep, step } = steppedSleep(clock);
    const caa = fakeCaa(clock);
    const rateLimited = Object.assign(new Error('Too Many Requests'), { code: '50011', retryable: true });
    let refuse = 2;
    const api = {
      cancelAllAfter: (p: { timeOut: string; tag?: string }) =>
        refuse-- > 0 ? Promise.reject(rateLimited) : caa.api.cancelAllAfter(p),
    };
    const dms = new DeadMansSwitch({ api, clock, sleep, timeOutSec: 10, heartbeatMs: 2_000 });
    let outcome: unknown = 'pending';
    const starting = dms.start().then(
      () => (outcome = 'armed'),
      (e: unknown) => (outcome = e),
    );
    await step(3_000);
    await starting;
    assert.equal(outcome, 'armed');
    assert.equal(dms.armed, true);
    assert.equal(caa.calls.at(-1)!.timeOut, '10', 'armed on the third try');
    await dms.halt();
  });

  test('a start refused for good (not retryable) throws: a bot never trades unarmed', async () => {
    const clock = new ManualClock(0);
    const { sleep } = steppedSleep(clock);
    const denied = Object.assign(new Error('no permission'), { code: '50120', retryable: false });
    let calls = 0;
    const api = { cancelAllAfter: () => (calls++, Promise.reject(denied)) };
    const dms = new DeadMansSwitch({ api, clock, sleep, timeOutSec: 10, heartbeatMs: 2_000 });
    await assert.rejects(dms.start(), /no permission/);
    assert.equal(calls, 1);
    assert.equal(dms.armed, false);
  });

  test('when heartbeats stop (the process hangs or dies), the exchange fires after timeOut', async () => {
    const clock = new ManualClock(0);
    const { sleep, step } = steppedSleep(clock);
    const caa = fakeCaa(clock);
    const dms = new DeadMansSwitch({
      api: caa.api,
      clock,
      sleep,
      timeOutSec: 10,
      heartbeatMs: 2_000,
      tag: 'bot1',
    });
    await dms.start();
    await step(7_000);
    await dms.halt();
    const lastBeat = caa.calls.at(-1)!.at;
    assert.equal(caa.calls.at(-1)!.tag, 'bot1');
    await step(8_999);
    assert.equal(caa.firedAt(), 0);
    await step(1);
    assert.equal(caa.firedAt(), lastBeat + 10_000);
  });

  test('a failed heartbeat alerts and the next one re-arms', async () => {
    const clock = new ManualClock(0);
    const { sleep, step } = steppedSleep(clock);
    const caa = fakeCaa(clock);
    const alerts = new Alerts({ clock });
    const dms = new DeadMansSwitch({
      api: caa.api,
      clock,
      sleep,
      timeOutSec: 30,
      heartbeatMs: 5_000,
      alerts,
    });
    await dms.start();
    caa.fail(1);
    await step(10_000);
    assert.equal(dms.failures, 1);
    assert.equal(alerts.history[0]?.kind, 'dead-mans-switch');
    assert.equal(caa.firedAt(), 0);
    const stopping = dms.stop();
    await step(1_000);
    await stopping;
  });

  test('settings outside what OKX allows are refused', () => {
    const api = { cancelAllAfter: async () => ({}) };
    assert.throws(() => new DeadMansSwitch({ api, timeOutSec: 5 }), ValidationError);
    assert.throws(() => new DeadMansSwitch({ api, timeOutSec: 121 }), ValidationError);
    assert.throws(() => new DeadMansSwitch({ api, heartbeatMs: 500 }), ValidationError);
    assert.throws(() => new DeadMansSwitch({ api, timeOutSec: 10, heartbeatMs: 6_000 }), ValidationError);
    assert.throws(() => new DeadMansSwitch({ api, tag: 'bad-tag' }), ValidationError);
  });
});
