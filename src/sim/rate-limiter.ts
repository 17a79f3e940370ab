import type { RateRule } from '../protocol/endpoints.js';
import type { Clock } from '../util/clock.js';

/**
 * Sliding-window counters on the sim clock: a key may spend `limit` units in any `windowMs`.
 * Units are requests, or orders for batch endpoints (docs/OKX-PROTOCOL.md §5).
 */
export class SlidingWindowLimiter {
  readonly #log = new Map<string, { t: number; n: number }[]>();

  /**
   * @param scale multiplies every rule's limit (default 1, OKX's own rules). A larger value is a
   * documented local-exchange setting for fetching long histories quickly in demos and tests; the
   * client must then be told the same scale (`okxkit data download --rate-scale`).
   */
  constructor(
    private readonly clock: Clock,
    private readonly scale = 1,
  ) {}

  #used(key: string, windowMs: number, now: number): { entries: { t: number; n: number }[]; used: number } {
    const entries = (this.#log.get(key) ?? []).filter((e) => e.t > now - windowMs);
    this.#log.set(key, entries);
    return { entries, used: entries.reduce((s, e) => s + e.n, 0) };
  }

  /** Whether `n` more units fit now, without spending them. */
  fits(key: string, rule: Pick<RateRule, 'limit' | 'windowMs'>, n = 1): boolean {
    return this.#used(key, rule.windowMs, this.clock.now()).used + n <= rule.limit * this.scale;
  }

  /** Spends `n` units if they fit; false (nothing spent) otherwise. */
  take(key: string, rule: Pick<RateRule, 'limit' | 'windowMs'>, n = 1): boolean {
    const now = this.clock.now();
    const { entries, used } = this.#used(key, rule.windowMs, now);
    if (used + n > rule.limit * this.scale) return false;
    entries.push({ t: now, n });
    return true;
  }

  /** Spends units on several keys only if all of them fit (a batch over several instruments). */
  takeAll(items: { key: string; rule: Pick<RateRule, 'limit' | 'windowMs'>; n: number }[]): boolean {
    if (!items.every((i) => this.fits(i.key, i.rule, i.n))) return false;
    for (const i of items) this.take(i.key, i.rule, i.n);
    return true;
  }
}
