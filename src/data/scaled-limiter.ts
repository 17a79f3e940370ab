import { RateLimiter, type RateLimiterOptions } from '../client/rate-limiter.js';
import type { RateRule } from '../protocol/endpoints.js';
import { ValidationError } from '../util/errors.js';

/**
 * The client's limiter with every rule's limit multiplied by `scale`: for a local exchange started
 * with the same `--rate-scale`, so a long history downloads in seconds. Never for OKX itself: the
 * CLI refuses a scale other than 1 unless the target is the local exchange on loopback.
 */
export class ScaledRateLimiter extends RateLimiter {
  constructor(
    opts: RateLimiterOptions,
    readonly scale: number,
  ) {
    super(opts);
    if (!(Number.isInteger(scale) && scale >= 1)) {
      throw new ValidationError(
        'rateScale',
        `${scale} is not a whole number >= 1`,
        "use 1 for OKX's own limits",
      );
    }
  }

  override acquire(key: string, rule: RateRule, n = 1, endpoint = key): Promise<void> | undefined {
    return super.acquire(
      key,
      this.scale === 1 ? rule : { ...rule, limit: rule.limit * this.scale },
      n,
      endpoint,
    );
  }
}

/** Whether a base URL points at this machine (where a local exchange may run with a rate scale). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}
