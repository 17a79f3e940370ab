import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, realTimers, sleepOn, systemClock, TestClock, timersOf } from '../../src/util/clock.js';

test('TestClock: a timeout fires when the clock reaches it, with now() at its due time', () => {
  const clock = new TestClock(1000);
  const seen: number[] = [];
  clock.timers.setTimeout(() => seen.push(clock.now()), 50);
  clock.advance(49);
  assert.deepEqual(seen, []);
  clock.advance(1);
  assert.deepEqual(seen, [1050]);
});

test('TestClock: timers fire in due-time order within one advance; same time in arming order', () => {
  const clock = new TestClock(0);
  const seen: string[] = [];
  clock.timers.setTimeout(() => seen.push('b@20'), 20);
  clock.timers.setTimeout(() => seen.push('a@10'), 10);
  clock.timers.setTimeout(() => seen.push('c@20'), 20);
  clock.advance(100);
  assert.deepEqual(seen, ['a@10', 'b@20', 'c@20']);
  assert.equal(clock.now(), 100);
});

test('TestClock: an interval fires once per period until cleared', () => {
  const clock = new TestClock(0);
  const at: number[] = [];
  const h = clock.timers.setInterval(() => at.push(clock.now()), 30);
  clock.advance(100);
  assert.deepEqual(at, [30, 60, 90]);
  clock.timers.clear(h);
  clock.advance(100);
  assert.deepEqual(at, [30, 60, 90]);
  assert.equal(clock.pending, 0);
});

test('TestClock: a cleared timeout never fires', () => {
  const clock = new TestClock(0);
  let fired = false;
  const h = clock.timers.setTimeout(() => (fired = true), 10);
  clock.timers.clear(h);
  clock.advance(20);
  assert.equal(fired, false);
});

test('TestClock: a timer armed by a firing timer fires within the same advance when due', () => {
  const clock = new TestClock(0);
  const at: number[] = [];
  clock.timers.setTimeout(() => {
    at.push(clock.now());
    clock.timers.setTimeout(() => at.push(clock.now()), 5);
  }, 5);
  clock.advance(10);
  assert.deepEqual(at, [5, 10]);
});

test('sleepOn(TestClock) resolves on advance; an abort rejects it and clears its timer', async () => {
  const clock = new TestClock(0);
  const sleep = sleepOn(clock);
  let done = false;
  const p = sleep(100).then(() => (done = true));
  await clock.advanceAsync(99);
  assert.equal(done, false);
  await clock.advanceAsync(1);
  await p;
  assert.equal(done, true);
  const ac = new AbortController();
  const q = sleep(100, ac.signal);
  ac.abort();
  await assert.rejects(q);
  assert.equal(clock.pending, 0);
});

test('timersOf: the system clock and a clock without timers use real timers; a TestClock its own', () => {
  assert.equal(timersOf(systemClock), realTimers);
  assert.equal(timersOf(new ManualClock(0)), realTimers);
  const tc = new TestClock(0);
  assert.equal(timersOf(tc), tc.timers);
});
