import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClock } from '../../src/util/clock.js';
import { repeatEvery } from '../../src/util/repeat.js';

test('repeatEvery: runs at once, then everyMs after each run ends; a failure is reported and the next run goes on', async () => {
  const clock = new TestClock(0);
  const starts: number[] = [];
  const errors: unknown[] = [];
  const stop = repeatEvery(
    async () => {
      starts.push(clock.now());
      // each run takes 5 ms of clock time
      await new Promise<void>((r) => clock.timers.setTimeout(r, 5));
      if (starts.length === 2) throw new Error('second run fails');
    },
    10,
    (e) => errors.push(e),
    clock,
  );
  await clock.advanceAsync(50);
  stop();
  // a run starts at 0, ends at 5, the next starts 10 later: 0, 15, 30, 45
  assert.deepEqual(starts, [0, 15, 30, 45]);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /second run fails/);
});

test('repeatEvery: runs never overlap, and stop ends the loop (the run in flight finishes, no new one starts)', async () => {
  const clock = new TestClock(0);
  let running = 0;
  let overlap = false;
  let runs = 0;
  const stop = repeatEvery(
    async () => {
      running++;
      if (running > 1) overlap = true;
      runs++;
      await new Promise<void>((r) => clock.timers.setTimeout(r, 7));
      running--;
    },
    1,
    () => undefined,
    clock,
  );
  await clock.advanceAsync(20);
  stop();
  const at = runs;
  await clock.advanceAsync(100);
  assert.equal(overlap, false);
  assert.equal(runs, at);
  assert.equal(clock.pending, 0, 'no timer left armed');
});
