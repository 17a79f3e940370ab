import type { MarketStore } from '../data/store.js';
import type { Opportunity } from './types.js';

/**
 * Opportunities above a threshold into the market-data store (kind `arb`, one series per
 * route), each with its books' exchange timestamps, so how long an edge lasts can be studied
 * afterwards (docs/ARBITRAGE.md). A route is recorded again only when one of its books changed.
 */
export class OpportunityLog {
  private readonly store: MarketStore;
  private readonly thresholdBps: number;
  private readonly last = new Map<string, string>();
  private buf = new Map<
    string,
    {
      ts: number[];
      route: string[];
      edgeBps: number[];
      size: number[];
      profit: number[];
      maxAgeMs: number[];
      bookTs: number[][];
    }
  >();
  recorded = 0;

  constructor(store: MarketStore, opts: { thresholdBps: number }) {
    this.store = store;
    this.thresholdBps = opts.thresholdBps;
  }

  /** Buffers `o` when it pays at least the threshold; true when it was taken. */
  add(o: Opportunity): boolean {
    if (!(o.profit > 0 && o.edgeBps >= this.thresholdBps)) return false;
    const sig = o.books.map((b) => b.ts).join(',');
    if (this.last.get(o.id) === sig) return false;
    this.last.set(o.id, sig);
    let b = this.buf.get(o.key);
    if (!b) {
      b = { ts: [], route: [], edgeBps: [], size: [], profit: [], maxAgeMs: [], bookTs: [] };
      this.buf.set(o.key, b);
    }
    // One row per ms per route (the store's key): a later scan in the same ms replaces it.
    if (b.ts.at(-1) === o.detectedAt) for (const col of Object.values(b)) col.pop();
    b.ts.push(o.detectedAt);
    b.route.push(o.id);
    b.edgeBps.push(o.edgeBps);
    b.size.push(o.size);
    b.profit.push(o.profit);
    b.maxAgeMs.push(o.maxAgeMs);
    b.bookTs.push(o.books.map((x) => x.ts));
    this.recorded++;
    return true;
  }

  /** Writes what is buffered (one part per route). */
  async flush(): Promise<void> {
    const buf = this.buf;
    this.buf = new Map();
    for (const [key, rows] of buf) {
      if (rows.ts.length === 0) continue;
      await this.store.write({ kind: 'arb', instId: key }, rows);
    }
  }
}
