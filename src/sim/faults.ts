import { seededRandom } from '../util/random.js';

/**
 * Fault injection for the local exchange: the failures a bot must survive on the real OKX
 * (slow responses, 5xx, load shedding, rate limits, orders executed whose response is lost,
 * a skewed server clock, dropped WebSockets). Every random choice comes from the seed, so a
 * failing run can be replayed.
 */
export const FAULT_KINDS = ['http500', '50001', '50013'] as const;
export type FaultErrorKind = (typeof FAULT_KINDS)[number];

export interface FaultSettings {
  /** Added before every REST response, ms. */
  latencyMs: number;
  /** Share of REST requests (0..1) answered with `errorKind` instead of being executed. */
  errorRate: number;
  /** http500: HTTP 500 50026; 50001: HTTP 503; 50013: HTTP 429 "Systems are busy" (docs/OKX-PROTOCOL.md §4). */
  errorKind: FaultErrorKind;
  /** Share of REST requests answered HTTP 429 50011 without being executed. */
  rateLimitRate: number;
  /** Share of order-endpoint requests executed and then left unanswered (socket destroyed). */
  acceptThenTimeoutRate: number;
  /** Server clock offset, ms (positive: the server runs ahead of the caller). */
  clockSkewMs: number;
  /** Drop every WS connection this often, ms of the sim clock; 0 = never. */
  dropWsEveryMs: number;
  /**
   * Announce a service upgrade this often, ms of the sim clock; 0 = never. Each time, every open
   * /public and /private connection gets the 64008 notice and is closed 60 s later (docs/OKX-PROTOCOL.md §2.3).
   */
  wsUpgradeEveryMs: number;
  /**
   * Taker orders on these instruments find no liquidity: an IOC, FOK or market order ends with
   * nothing filled, as when the book moved away before the order arrived (an arbitrage leg that
   * fails). Empty = none.
   */
  noFillInstIds: string[];
}

export const NO_FAULTS: Readonly<FaultSettings> = {
  latencyMs: 0,
  errorRate: 0,
  errorKind: 'http500',
  rateLimitRate: 0,
  acceptThenTimeoutRate: 0,
  clockSkewMs: 0,
  dropWsEveryMs: 0,
  wsUpgradeEveryMs: 0,
  noFillInstIds: [],
};

export { seededRandom };

export class FaultInjector {
  #settings: FaultSettings;
  readonly #initial: FaultSettings;
  readonly #random: () => number;

  /**
   * How many times each fault was injected since the exchange started, by kind: `latency`,
   * `429 rate limit`, `http500`, `50001`, `50013`, `accepted then timed out`. For chaos runs and
   * reports; the exchange itself never reads it.
   */
  readonly injected: Record<string, number> = {};

  constructor(seed: number, initial: Partial<FaultSettings> = {}) {
    this.#initial = { ...NO_FAULTS, ...initial };
    this.#settings = { ...this.#initial };
    // A stream of its own, so turning faults on does not shift the market's random sequence.
    this.#random = seededRandom((seed ^ 0x5eed_fa17) >>> 0);
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  set(patch: Partial<FaultSettings>): void {
    this.#settings = { ...this.#settings, ...patch };
  }

  /** Back to the settings the run started with. */
  reset(): void {
    this.#settings = { ...this.#initial };
  }

  /** Back to no faults at all. */
  clear(): void {
    this.#settings = { ...NO_FAULTS };
  }

  /** Counts one injected fault of `kind` (see {@link FaultInjector.injected}). */
  count(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  /** True with probability `rate`; draws from the seed only when the rate is strictly between 0 and 1. */
  roll(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.#random() < rate;
  }
}
