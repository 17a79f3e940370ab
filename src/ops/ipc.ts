import { RateLimiter } from '../client/rate-limiter.js';
import type { RateRule } from '../protocol/endpoints.js';
import type { BotEvent, BotStatus } from '../bots/runner.js';
import type { RiskSnapshot } from '../trading/risk.js';
import { realSleep, systemClock } from '../util/clock.js';
import type { MetricsJson } from './metrics.js';
import type { OpsBotSpec } from './config.js';

/** What the supervisor tells a bot process (over the Node IPC channel, never argv or env). */
export type ToChild =
  | {
      t: 'init';
      spec: OpsBotSpec;
      baseUrl: string;
      demo: boolean;
      key: { apiKey: string; secretKey: string; passphrase: string };
      statePath: string;
      journalPath: string;
      killScope: string;
      /** The folder of the kill switch files (the supervisor's OKXKIT_HOME). */
      killDir: string;
      auditPath: string;
      /** Status and metrics snapshot period, ms. */
      reportEveryMs: number;
    }
  | { t: 'grant'; id: number }
  | { t: 'stop' };

/** What a bot process tells the supervisor. */
export type FromChild =
  | { t: 'started' }
  | {
      t: 'report';
      status: BotStatus;
      risk?: RiskSnapshot;
      metrics: MetricsJson;
      health: { ws: Record<string, boolean>; clockOffsetMs: number; clockErrorMs: number };
    }
  | { t: 'event'; event: BotEvent }
  | { t: 'acquire'; id: number; key: string; rule: RateRule; n: number; endpoint: string }
  | { t: 'release'; key: string; n: number }
  | { t: 'stopped'; status: BotStatus }
  | { t: 'fatal'; error: string };

/**
 * The rate limiter of a bot process: every grant comes from the supervisor's one limiter for the
 * key (over IPC), so the bots of one key share OKX's budget instead of each assuming all of it.
 * A grant costs one IPC round trip (well under a millisecond on one machine).
 */
export class IpcRateLimiter extends RateLimiter {
  #next = 1;
  readonly #pending = new Map<number, () => void>();
  constructor(private readonly send: (m: FromChild) => void) {
    super({ clock: systemClock, sleep: realSleep, holdUntilRelease: true });
  }

  override acquire(key: string, rule: RateRule, n = 1, endpoint = key): Promise<void> {
    const id = this.#next++;
    return new Promise<void>((resolve) => {
      this.#pending.set(id, resolve);
      this.send({ t: 'acquire', id, key, rule, n, endpoint });
    });
  }

  override release(key: string, n = 1): void {
    this.send({ t: 'release', key, n });
  }

  /** The supervisor's answer to an acquire. */
  granted(id: number): void {
    const r = this.#pending.get(id);
    this.#pending.delete(id);
    r?.();
  }
}

/**
 * The supervisor's side: one RateLimiter for all bot processes, holding the grants of each process
 * so that a process that dies mid-request gives its units back (counted in the window from then,
 * as a response would be) instead of holding them forever.
 */
export class SharedLimiter {
  readonly #rules = new Map<string, { rule: RateRule; endpoint: string }>();
  readonly #held = new Map<string, Map<string, number>>();
  constructor(readonly limiter: RateLimiter) {}

  async acquire(owner: string, m: Extract<FromChild, { t: 'acquire' }>): Promise<void> {
    this.#rules.set(m.key, { rule: m.rule, endpoint: m.endpoint });
    await this.limiter.acquire(m.key, m.rule, m.n, m.endpoint);
    const held = this.#held.get(owner) ?? new Map<string, number>();
    held.set(m.key, (held.get(m.key) ?? 0) + Math.min(Math.max(1, m.n), m.rule.limit));
    this.#held.set(owner, held);
  }

  release(owner: string, key: string, n: number): void {
    const held = this.#held.get(owner);
    const have = held?.get(key) ?? 0;
    const units = Math.min(n, have);
    if (held && units > 0) held.set(key, have - units);
    this.limiter.release(key, units || n);
  }

  /** A process ended: whatever it still held is released. */
  releaseAll(owner: string): void {
    const held = this.#held.get(owner);
    this.#held.delete(owner);
    for (const [key, n] of held ?? []) if (n > 0) this.limiter.release(key, n);
  }

  /** Free share of each rule seen so far, by endpoint (the rule's name). */
  headroom(): { rule: string; ratio: number }[] {
    const byRule = new Map<string, number>();
    for (const [key, { rule, endpoint }] of this.#rules) {
      const ratio = Math.max(0, 1 - this.limiter.used(key) / rule.limit);
      byRule.set(endpoint, Math.min(byRule.get(endpoint) ?? 1, ratio));
    }
    return [...byRule].map(([rule, ratio]) => ({ rule, ratio }));
  }
}
