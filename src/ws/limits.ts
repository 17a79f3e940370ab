import { sleepOn, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { fullJitterDelay } from '../util/random.js';

/**
 * Spaces new connections so that at most `perSecond` start in any 1 s window (docs/OKX-PROTOCOL.md §2.5:
 * 3 new connections per second per IP). One limiter is shared by every client in the process.
 * The exchange counts a connection when it arrives, which is later than it starts here by a
 * varying connect time: the window is widened by `marginMs` so arrivals stay within the rule.
 */
export class ConnectLimiter {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  constructor(
    private readonly perSecond = 3,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = sleepOn(clock),
    marginMs = 250,
  ) {
    this.windowMs = 1000 + marginMs;
  }

  /** Resolves when a new connection may start; callers are served in order. */
  acquire(): Promise<void> {
    const next = this.chain.then(() => this.take());
    // The caller gets next's rejection; the chain only orders the callers.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length && this.starts[0]! <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.perSecond) {
        this.starts.push(now);
        return;
      }
      await this.sleep(this.starts[0]! + this.windowMs - now);
    }
  }
}

export const sharedConnectLimiter = new ConnectLimiter();

/**
 * Counts subscribe/unsubscribe/login requests of one connection over a sliding hour
 * (docs/OKX-PROTOCOL.md §2.5: 480 per connection per hour).
 */
export class OpBudget {
  private readonly times: number[] = [];
  constructor(
    private readonly clock: Clock,
    readonly limit = 480,
    private readonly windowMs = 3_600_000,
  ) {}
  private prune(): void {
    const cutoff = this.clock.now() - this.windowMs;
    while (this.times.length && this.times[0]! <= cutoff) this.times.shift();
  }
  get used(): number {
    this.prune();
    return this.times.length;
  }
  /** Records one request; false when the budget is spent (the request must not be sent). */
  take(): boolean {
    this.prune();
    if (this.times.length >= this.limit) return false;
    this.times.push(this.clock.now());
    return true;
  }
}

/** Exponential backoff with full jitter: a random delay in [0, min(max, base * 2^attempt)). */
export function reconnectDelay(attempt: number, random: () => number, baseMs: number, maxMs: number): number {
  return fullJitterDelay(attempt, baseMs, maxMs, random);
}
