import { timersOf, type Clock, type TimerHandle } from './clock.js';

/**
 * Runs `tick` now and then again `everyMs` after each run ends (never two at once), until the
 * returned function is called. A failed run goes to `onError`; the next run tries again. The
 * waits are timers of `clock` (real timers by default; a TestClock's when a test advances it).
 */
export function repeatEvery(
  tick: () => Promise<unknown>,
  everyMs: number,
  onError: (err: unknown) => void,
  clock?: Clock,
): () => void {
  const timers = timersOf(clock);
  let stopped = false;
  let timer: TimerHandle | undefined;
  const run = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch (err) {
      onError(err);
    }
    if (!stopped) timer = timers.setTimeout(() => void run(), everyMs);
  };
  timer = timers.setTimeout(() => void run(), 0);
  return () => {
    stopped = true;
    timers.clear(timer);
  };
}
