import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatEvery } from '../../src/util/repeat.js';

test('repeatEvery: runs at once, then after each run ends; a failure is reported and the next run goes on; stop ends it', async () => {
  let running = 0;
  let overlap = false;
  let runs = 0;
  const errors: unknown[] = [];
  const stop = repeatEvery(
    async () => {
      running++;
      if (running > 1) overlap = true;
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (runs === 2) throw new Error('second run fails');
    },
    1,
    (e) => errors.push(e),
  );
  while (runs < 5) await new Promise((r) => setTimeout(r, 2));
  stop();
  const at = runs;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(overlap, false);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /second run fails/);
  assert.ok(runs <= at + 1, `at most the run in flight finishes after stop (${at} -> ${runs})`);
});
