/**
 * Small seeded random sources for the market. Math.random is never used: the same seed must give
 * the same market on every run.
 */

/** A 32-bit integer hash of several integers (murmur3 finaliser style mixing). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Split large integers (timestamps, hour indices) into two 32-bit words so nothing is lost.
    const lo = p | 0;
    const hi = Math.floor(p / 4294967296) | 0;
    for (const w of [lo, hi]) {
      let k = Math.imul(w, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) from a hash of integers. */
export function hashUnit(...parts: number[]): number {
  return hash32(...parts) / 4294967296;
}

/** mulberry32: tiny, fast, good enough for a synthetic market. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  private spare: number | undefined;
  /** Standard normal (Box-Muller, both values used in turn). */
  gauss(): number {
    const sp = this.spare;
    if (sp !== undefined) {
      this.spare = undefined;
      return sp;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  /** Log-uniform in [lo, hi]. */
  logUniform(lo: number, hi: number): number {
    return lo * Math.exp(this.next() * Math.log(hi / lo));
  }
}
