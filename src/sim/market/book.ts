import type { BookLevel } from '../../protocol/book-checksum.js';
import type { BookDelta } from '../contracts.js';
import type { Rng } from './prng.js';
import { formatFixed, formatTrim } from './units.js';

/** One resting level: price in ticks, size in lots, number of orders. */
export interface Level {
  p: number;
  q: number;
  n: number;
  /** p as printed, computed once: a level's price never changes */
  ps: string;
}

export type BookSide = 'bid' | 'ask';

export interface BookShape {
  /** Decimals of tickSz and lotSz, for printing. */
  pxDec: number;
  szDec: number;
  /** Mean gap between neighbouring levels, in ticks. */
  gapTicks: number;
  /** Level sizes are drawn log-uniform in [minLots, maxLots]. */
  minLots: number;
  maxLots: number;
  /** Levels per side (OKX books: 400). */
  depth: number;
}

type Before = [number, number] | null;

/**
 * The synthetic resting liquidity of one instrument. Every mutation goes through a few methods
 * that remember each touched price's state before the batch, so `commit` can publish exactly the
 * levels that changed, as an OKX books update (size "0" deletes; docs/OKX-PROTOCOL.md §3).
 */
export class SyntheticBook {
  readonly bids: Level[] = [];
  readonly asks: Level[] = [];
  seqId: number;
  ts = 0;
  private readonly beforeBid = new Map<number, Before>();
  private readonly beforeAsk = new Map<number, Before>();

  constructor(
    readonly shape: BookShape,
    firstSeqId: number,
  ) {
    this.seqId = firstSeqId;
  }

  px(p: number): string {
    return formatFixed(p, this.shape.pxDec);
  }
  sz(q: number): string {
    return formatTrim(q, this.shape.szDec);
  }
  tuple(l: Level): BookLevel {
    return [l.ps, this.sz(l.q), '0', String(l.n)];
  }

  /** Index of price p on a side, or -(insertion point) - 1. */
  find(side: BookSide, p: number): number {
    const arr = side === 'bid' ? this.bids : this.asks;
    let lo = 0;
    let hi = arr.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = arr[mid]!.p;
      if (v === p) return mid;
      // asks ascending, bids descending
      const before = side === 'ask' ? v < p : v > p;
      if (before) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** Sets (inserts or replaces) the level at price p. */
  set(side: BookSide, p: number, q: number, n: number): void {
    const arr = side === 'bid' ? this.bids : this.asks;
    const m = side === 'bid' ? this.beforeBid : this.beforeAsk;
    const i = this.find(side, p);
    if (i >= 0) {
      const l = arr[i]!;
      if (!m.has(p)) m.set(p, [l.q, l.n]);
      l.q = q;
      l.n = n;
      return;
    }
    if (!m.has(p)) m.set(p, null);
    const at = -i - 1;
    const l: Level = { p, q, n, ps: this.px(p) };
    // the ends are where the book mostly changes: shift/unshift/push avoid splice's overhead
    if (at === 0) arr.unshift(l);
    else if (at === arr.length) arr.push(l);
    else arr.splice(at, 0, l);
  }

  removeAt(side: BookSide, index: number): void {
    const arr = side === 'bid' ? this.bids : this.asks;
    const l = arr[index];
    if (!l) return;
    const m = side === 'bid' ? this.beforeBid : this.beforeAsk;
    if (!m.has(l.p)) m.set(l.p, [l.q, l.n]);
    if (index === 0) arr.shift();
    else if (index === arr.length - 1) arr.pop();
    else arr.splice(index, 1);
  }

  /** Reduces the level at `index` by q lots, removing it when empty. */
  reduceAt(side: BookSide, index: number, q: number, rng?: Rng): void {
    const arr = side === 'bid' ? this.bids : this.asks;
    const l = arr[index];
    if (!l) return;
    if (q >= l.q) {
      this.removeAt(side, index);
      return;
    }
    const m = side === 'bid' ? this.beforeBid : this.beforeAsk;
    if (!m.has(l.p)) m.set(l.p, [l.q, l.n]);
    l.q -= q;
    // A partial take usually fills whole orders at the front of the queue.
    if (l.n > 1 && rng && rng.next() < 0.4) l.n -= 1;
  }

  /** Publishes the changes since the last commit; undefined when nothing changed. */
  commit(ts: number): BookDelta | undefined {
    const bids = this.diff('bid', this.beforeBid);
    const asks = this.diff('ask', this.beforeAsk);
    this.beforeBid.clear();
    this.beforeAsk.clear();
    if (bids.length === 0 && asks.length === 0) return undefined;
    const prevSeqId = this.seqId;
    this.seqId += 1;
    this.ts = ts;
    return { bids, asks, seqId: this.seqId, prevSeqId, ts };
  }

  private diff(side: BookSide, before: Map<number, Before>): BookLevel[] {
    const out: [number, BookLevel][] = [];
    const arr = side === 'bid' ? this.bids : this.asks;
    for (const [p, b] of before) {
      const i = this.find(side, p);
      const now = i >= 0 ? arr[i]! : undefined;
      if (!now && !b) continue;
      if (now && b && now.q === b[0] && now.n === b[1]) continue;
      out.push([p, now ? this.tuple(now) : [this.px(p), '0', '0', '0']]);
    }
    out.sort((a, b) => (side === 'ask' ? a[0] - b[0] : b[0] - a[0]));
    return out.map((x) => x[1]);
  }

  levels(side: BookSide, count: number): BookLevel[] {
    const arr = side === 'bid' ? this.bids : this.asks;
    const n = Math.min(count, arr.length);
    const out: BookLevel[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.tuple(arr[i]!);
    return out;
  }

  // --- the synthetic process ---------------------------------------------------------------

  drawLots(rng: Rng): number {
    return Math.max(1, Math.round(rng.logUniform(this.shape.minLots, this.shape.maxLots)));
  }
  drawCount(rng: Rng, q: number): number {
    const base = 1 + Math.floor(rng.next() * 4);
    return Math.max(1, Math.min(base + Math.floor(Math.log10(1 + q / this.shape.minLots)), 40));
  }
  drawGap(rng: Rng): number {
    const g = this.shape.gapTicks;
    return g <= 1 ? 1 : 1 + Math.floor(rng.next() * (2 * g - 1));
  }

  /**
   * Moves the book to a new fair price (in ticks): levels now on the wrong side are gone (the
   * market traded through them), the top is refilled one tick from the fair price, and each side
   * is trimmed or extended to `depth` levels.
   */
  recentre(fair: number, rng: Rng): void {
    const m = Math.floor(fair);
    const bestAsk = Math.max(m + 1, 1);
    const bestBid = m;
    while (this.asks.length && this.asks[0]!.p < bestAsk) this.removeAt('ask', 0);
    while (this.bids.length && this.bids[0]!.p > bestBid) this.removeAt('bid', 0);
    // refill the top: from the best price outwards until the old top is reached
    {
      const stop = this.asks.length ? this.asks[0]!.p : Infinity;
      let p = bestAsk;
      const fresh: number[] = [];
      while (p < stop && fresh.length < this.shape.depth) {
        fresh.push(p);
        p += this.drawGap(rng);
      }
      for (const fp of fresh) {
        const q = this.drawLots(rng);
        this.set('ask', fp, q, this.drawCount(rng, q));
      }
    }
    if (bestBid > 0) {
      const stop = this.bids.length ? this.bids[0]!.p : -Infinity;
      let p = bestBid;
      const fresh: number[] = [];
      while (p > stop && p > 0 && fresh.length < this.shape.depth) {
        fresh.push(p);
        p -= this.drawGap(rng);
      }
      for (const fp of fresh) {
        const q = this.drawLots(rng);
        this.set('bid', fp, q, this.drawCount(rng, q));
      }
    }
    this.fillDepth(rng);
  }

  /** Trims or extends each side to exactly `depth` levels (bids stop at one tick). */
  fillDepth(rng: Rng): void {
    const d = this.shape.depth;
    while (this.asks.length > d) this.removeAt('ask', this.asks.length - 1);
    while (this.bids.length > d) this.removeAt('bid', this.bids.length - 1);
    while (this.asks.length < d) {
      const last = this.asks[this.asks.length - 1];
      const p = last ? last.p + this.drawGap(rng) : 1;
      const q = this.drawLots(rng);
      this.set('ask', p, q, this.drawCount(rng, q));
    }
    while (this.bids.length < d) {
      const last = this.bids[this.bids.length - 1];
      const p = last ? last.p - this.drawGap(rng) : 1;
      if (p <= 0) break;
      const q = this.drawLots(rng);
      this.set('bid', p, q, this.drawCount(rng, q));
    }
  }

  /**
   * About `k` random changes, mostly near the top: a level's size changes, or a level leaves and
   * another appears in a gap of the same side.
   */
  churn(rng: Rng, k: number): void {
    for (let j = 0; j < k; j++) {
      const side: BookSide = rng.next() < 0.5 ? 'bid' : 'ask';
      const arr = side === 'bid' ? this.bids : this.asks;
      if (arr.length < 2) continue;
      const u = rng.next();
      const idx = Math.min(arr.length - 1, Math.floor(u * u * arr.length));
      const l = arr[idx]!;
      if (rng.next() < 0.75) {
        const q = this.drawLots(rng);
        this.set(side, l.p, q, this.drawCount(rng, q));
      } else {
        this.removeAt(side, idx);
        // a new level in some gap deeper in the book
        const v = rng.next();
        const at = Math.min(arr.length - 2, Math.floor(v * v * (arr.length - 1)));
        if (at < 0) continue;
        const a = arr[at]!.p;
        const b = arr[at + 1]!.p;
        const span = Math.abs(b - a);
        if (span > 1) {
          const off = 1 + Math.floor(rng.next() * (span - 1));
          const p = side === 'ask' ? a + off : a - off;
          const q = this.drawLots(rng);
          this.set(side, p, q, this.drawCount(rng, q));
        }
      }
    }
  }
}
