import { OkxkitError } from './errors.js';

/**
 * Anything that reads time takes a Clock, so tests control time. A clock may carry its own
 * timers (`timers`): code that waits or repeats schedules on {@link timersOf}(clock), so a
 * {@link TestClock} fires those timers when a test advances it, and the system clock uses real
 * timers. A clock without `timers` (a plain `{ now }` or a {@link ManualClock}) waits on real
 * timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** The clock's scheduler; real timers when absent. */
  readonly timers?: Timers;
}

/** An armed timer; pass it to `Timers.clear`. */
export interface TimerHandle {
  readonly timerId: number;
}

/** Options of a timer set on a clock. */
export interface TimerOptions {
  /** Do not keep the process alive for this timer (real timers only). */
  unref?: boolean;
}

/** setTimeout / setInterval / clear on a clock. */
export interface Timers {
  /** Runs `fn` once, `ms` from now. `unref`: a real timer that does not keep the process alive. */
  setTimeout(fn: () => void, ms: number, opts?: TimerOptions): TimerHandle;
  /** Runs `fn` every `ms` until cleared. */
  setInterval(fn: () => void, ms: number, opts?: TimerOptions): TimerHandle;
  /** Cancels a timer (an undefined, fired or cleared one is ignored). */
  clear(handle: TimerHandle | undefined): void;
}

let nextTimerId = 1;

/** Node's own timers behind the Timers interface. */
class RealTimers implements Timers {
  private readonly live = new Map<number, NodeJS.Timeout>();

  setTimeout(fn: () => void, ms: number, opts?: TimerOptions): TimerHandle {
    const timerId = nextTimerId++;
    const t = setTimeout(
      () => {
        this.live.delete(timerId);
        fn();
      },
      Math.max(0, ms),
    );
    if (opts?.unref) t.unref();
    this.live.set(timerId, t);
    return { timerId };
  }

  setInterval(fn: () => void, ms: number, opts?: TimerOptions): TimerHandle {
    const timerId = nextTimerId++;
    const t = setInterval(fn, Math.max(1, ms));
    if (opts?.unref) t.unref();
    this.live.set(timerId, t);
    return { timerId };
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.live.get(handle.timerId);
    if (t === undefined) return;
    this.live.delete(handle.timerId);
    clearTimeout(t);
  }
}

/** Real timers (Node's setTimeout / setInterval). */
export const realTimers: Timers = new RealTimers();

/** The real clock: `Date.now()` and real timers. The default wherever a clock is optional; tests pass a TestClock instead. */
export const systemClock: Clock = { now: () => Date.now(), timers: realTimers };

/** The timers a clock schedules on: its own, else real timers. */
export function timersOf(clock: Clock | undefined): Timers {
  return clock?.timers ?? realTimers;
}

/** A clock a test moves by hand. It has no timers of its own: waits use real timers. */
export class ManualClock implements Clock {
  constructor(protected t = 0) {}
  now(): number {
    return this.t;
  }
  set(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

interface Scheduled {
  id: number;
  at: number;
  every: number | undefined;
  fn: () => void;
}

/**
 * A clock whose timers fire only when a test advances it (as NautilusTrader's TestClock does).
 * `advance(ms)` fires every timer due within the step, in time order, with `now()` set to each
 * timer's due time; `advanceAsync(ms)` does the same and lets promise callbacks run after each
 * timer, so async loops that re-arm a timer after an await keep running within the step.
 */
export class TestClock extends ManualClock {
  private readonly queue: Scheduled[] = [];

  readonly timers: Timers = {
    setTimeout: (fn, ms) => this.schedule(fn, ms, undefined),
    setInterval: (fn, ms) => this.schedule(fn, ms, Math.max(1, ms)),
    clear: (h) => {
      if (!h) return;
      const i = this.queue.findIndex((s) => s.id === h.timerId);
      if (i >= 0) this.queue.splice(i, 1);
    },
  };

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.queue.length;
  }

  override set(ms: number): void {
    this.advance(ms - this.t);
  }

  override advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (let s = this.due(end); s; s = this.due(end)) this.fire(s);
    this.t = end;
  }

  /** Advances like `advance`, letting pending promise callbacks run after each timer fires. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.t + Math.max(0, ms);
    await settle();
    for (let s = this.due(end); s; s = this.due(end)) {
      this.fire(s);
      await settle();
    }
    this.t = end;
  }

  private schedule(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const s: Scheduled = { id: nextTimerId++, at: this.t + Math.max(0, ms), every, fn };
    this.queue.push(s);
    return { timerId: s.id };
  }

  /** The earliest timer due at or before `end` (first armed first among equals). */
  private due(end: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const s of this.queue) if (s.at <= end && (!best || s.at < best.at)) best = s;
    return best;
  }

  private fire(s: Scheduled): void {
    if (s.at > this.t) this.t = s.at;
    if (s.every === undefined) this.queue.splice(this.queue.indexOf(s), 1);
    else {
      // re-armed at the end of the queue, so same-time timers keep their turn
      this.queue.splice(this.queue.indexOf(s), 1);
      s.at += s.every;
      this.queue.push(s);
    }
    s.fn();
  }
}

/** Lets every pending promise callback (and those they queue) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Sleeps on a Clock: real timers for the system clock, an injectable sleeper for tests. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A Sleep on a clock's timers: a TestClock's sleeps end when the test advances it. */
export function sleepOn(clock: Clock | undefined): Sleep {
  const timers = timersOf(clock);
  return (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        timers.clear(t);
        reject(abortReason(signal));
      };
      const t = timers.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r : new OkxkitError('aborted', { code: 'ABORTED' });
}

/** Sleeps on real timers. */
export const realSleep: Sleep = sleepOn(systemClock);
