import { fullJitterDelay } from '../util/random.js';

/** Backoff for what is safe to retry (docs/REQUIREMENTS.md R10, R11). */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3. */
  maxRetries: number;
  /** Default 250 ms. */
  baseDelayMs: number;
  /** Default 8000 ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 8000 };

export function retryPolicy(p: Partial<RetryPolicy> | undefined): RetryPolicy {
  return {
    maxRetries: p?.maxRetries ?? DEFAULT_RETRY.maxRetries,
    baseDelayMs: p?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: p?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
}

/**
 * "Full jitter": a uniform delay in [0, min(max, base * 2^attempt)). Spreads clients that were
 * throttled together so they do not come back in lock step. `random` is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  return fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
}

export { seededRandom } from '../util/random.js';
