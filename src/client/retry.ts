/** Backoff for what is safe to retry (R10, R11). */
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
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

/** A seeded uniform [0,1) generator (mulberry32), for deterministic jitter in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
