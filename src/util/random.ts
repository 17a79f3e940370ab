/**
 * Seeded randomness and jittered backoff, shared by the client's retries, the WebSocket
 * reconnects and the local exchange's fault injection: the same seed gives the same run.
 */

/** mulberry32: a small, fast uniform [0, 1) generator, reproducible from a 32-bit seed. */
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

/** Exponential backoff with full jitter: a random delay in [0, min(maxMs, baseMs * 2^attempt)). */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
