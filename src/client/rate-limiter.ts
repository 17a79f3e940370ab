import type { RateRule } from '../protocol/endpoints.js';
import type { Clock, Sleep } from '../util/clock.js';

export interface RatePressureEvent {
  endpoint: string;
  key: string;
  used: number;
  limit: number;
}

export interface RateLimiterOptions {
  clock: Clock;
  sleep: Sleep;
  /** Fires when a rule's use goes above `pressureRatio` of its limit (at most once per window per key). */
  onPressure?: (e: RatePressureEvent) => void;
  /** Default 0.8. */
  pressureRatio?: number;
  /**
   * Hold each grant until `release()` is called (when the response has arrived), and count it in
   * the window from then on. The exchange counts a request when it arrives, which is after the
   * client sent it; counting from the response keeps the client's window a superset of the
   * exchange's, so queueing on the way never turns into 50011 at a window edge.
   */
  holdUntilRelease?: boolean;
}

/**
 * What the client needs of a rate limiter: take units of a rule under a key (waiting for room),
 * and give them back when the response is in. The in-process {@link RateLimiter} is the default;
 * a shared one (e.g. on Redis, for several processes on one key) implements the same contract.
 */
export interface RequestLimiter {
  /**
   * Takes n units (requests, or orders for batch rules) of `rule` under `key`. Returns undefined
   * when granted at once, else a promise that resolves when the units are granted.
   */
  acquire(key: string, rule: RateRule, n?: number, endpoint?: string): Promise<void> | undefined;
  /** The response for n units under `key` has arrived (or the request failed). */
  release(key: string, n?: number): void;
}

interface Waiter {
  n: number;
  endpoint: string;
  resolve: () => void;
}

/**
 * One rule key's sliding window: a log of (time, units) grants. OKX counts over a rolling window
 * (docs/OKX-PROTOCOL.md §5), so a fixed-bucket counter would allow twice the limit across a bucket edge.
 */
class Window {
  times: number[] = [];
  units: number[] = [];
  head = 0;
  used = 0;
  /** Units granted but not yet released (holdUntilRelease): they count until released, then for a window. */
  inFlight = 0;
  wake: (() => void) | undefined;
  queue: Waiter[] = [];
  draining = false;
  lastPressureAt = -Infinity;
  constructor(readonly rule: RateRule) {}

  expire(now: number): void {
    const edge = now - this.rule.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= edge) {
      this.used -= this.units[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.units = this.units.slice(this.head);
      this.head = 0;
    }
  }

  take(now: number, n: number, hold: boolean): void {
    this.used += n;
    if (hold) this.inFlight += n;
    else this.log(now, n);
  }

  release(now: number, n: number): void {
    const units = Math.min(n, this.inFlight);
    this.inFlight -= units;
    this.log(now, units);
    this.wake?.();
  }

  private log(now: number, n: number): void {
    this.times.push(now);
    this.units.push(n);
  }

  /** Ms until enough grants have left the window for n more units; Infinity when only a release can free them. */
  waitFor(now: number, n: number): number {
    let used = this.used;
    for (let i = this.head; i < this.times.length; i++) {
      used -= this.units[i]!;
      if (used + n <= this.rule.limit) return this.times[i]! + this.rule.windowMs - now;
    }
    return used + n <= this.rule.limit ? 0 : Infinity;
  }
}

/**
 * Client-side rate limiter by OKX's own rules: one sliding window per rule key (endpoint + user,
 * + instId, + tag...). A request over the limit waits for capacity instead of earning 50011;
 * waiters on one key are served first come, first served.
 */
export class RateLimiter implements RequestLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #onPressure: ((e: RatePressureEvent) => void) | undefined;
  readonly #ratio: number;
  readonly #hold: boolean;

  constructor(opts: RateLimiterOptions) {
    this.#clock = opts.clock;
    this.#sleep = opts.sleep;
    this.#onPressure = opts.onPressure;
    this.#ratio = opts.pressureRatio ?? 0.8;
    this.#hold = opts.holdUntilRelease ?? false;
  }

  /** With holdUntilRelease: the response for n units under `key` has arrived (or the request failed). */
  release(key: string, n = 1): void {
    const w = this.#windows.get(key);
    if (w === undefined || !this.#hold) return;
    w.release(this.#clock.now(), Math.min(Math.max(1, n), w.rule.limit));
  }

  /**
   * Takes n units (requests, or orders for batch rules) of `rule` under `key`. Returns undefined
   * when granted at once (the common case, no promise allocated), else a promise that resolves
   * when the units are granted.
   */
  acquire(key: string, rule: RateRule, n = 1, endpoint = key): Promise<void> | undefined {
    let w = this.#windows.get(key);
    if (w === undefined) {
      w = new Window(rule);
      this.#windows.set(key, w);
    }
    const units = Math.min(Math.max(1, n), rule.limit);
    if (w.queue.length === 0) {
      const now = this.#clock.now();
      w.expire(now);
      if (w.used + units <= rule.limit) {
        this.#grant(w, key, now, units, endpoint);
        return undefined;
      }
    }
    return new Promise<void>((resolve) => {
      w.queue.push({ n: units, endpoint, resolve });
      if (!w.draining) void this.#drain(w, key);
    });
  }

  /** Units in use now under a key (for tests and diagnostics). */
  used(key: string): number {
    const w = this.#windows.get(key);
    if (!w) return 0;
    w.expire(this.#clock.now());
    return w.used;
  }

  /** Requests waiting under a key. */
  waiting(key: string): number {
    return this.#windows.get(key)?.queue.length ?? 0;
  }

  #grant(w: Window, key: string, now: number, n: number, endpoint: string): void {
    w.take(now, n, this.#hold);
    if (w.used > w.rule.limit * this.#ratio && now - w.lastPressureAt >= w.rule.windowMs) {
      w.lastPressureAt = now;
      this.#onPressure?.({ endpoint, key, used: w.used, limit: w.rule.limit });
    }
  }

  async #drain(w: Window, key: string): Promise<void> {
    w.draining = true;
    try {
      while (w.queue.length > 0) {
        const next = w.queue[0]!;
        const now = this.#clock.now();
        w.expire(now);
        if (w.used + next.n <= w.rule.limit) {
          w.queue.shift();
          this.#grant(w, key, now, next.n, next.endpoint);
          next.resolve();
          continue;
        }
        const ms = w.waitFor(now, next.n);
        if (ms === Infinity) {
          // Only a release can make room: wait for one instead of polling.
          await new Promise<void>((resolve) => (w.wake = resolve));
          w.wake = undefined;
        } else {
          await this.#sleep(Math.max(1, ms));
        }
      }
    } finally {
      w.draining = false;
    }
  }
}
