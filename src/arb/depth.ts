import type { BookView, Level } from './types.js';

/** Where paper fills read books: the latest view of an instrument on a venue, if any. */
export type BookSource = (venue: string, instId: string) => BookView | undefined;

/** A board paper fills can follow: its views and a notice on every change (BookBoard). */
export interface WatchableBooks {
  get: BookSource;
  onChange(fn: (venue: string, instId: string) => void): () => void;
}

/**
 * What paper fills took of each book (docs/ARBITRAGE.md, "Paper and backtest"). A paper order
 * never reaches the exchange, so the next book the exchange (or the tape) shows still holds the
 * liquidity a paper fill took. The depth taken at a price level stays taken while that level is in
 * the book (capped at what the level holds now); once a book no longer shows the level (the market
 * traded or cancelled through it) it is forgotten, and a later level at that price is fresh. Reads
 * go through `get`, which returns the book minus what is taken: the paper venue fills against it
 * and the opportunity engine scans it, so a paper run cannot fill one level twice.
 */
export class ConsumedDepth {
  private readonly taken = new Map<string, Map<number, number>>();
  private readonly off: (() => void) | undefined;
  private readonly source: BookSource;

  /** Over a plain lookup (forgets a level when a read no longer shows it) or a board it follows. */
  constructor(books: BookSource | WatchableBooks) {
    if (typeof books === 'function') this.source = books;
    else {
      this.source = (v, i) => books.get(v, i);
      // Every update is seen, so a level that left the book between two reads is forgotten.
      this.off = books.onChange((v, i) => {
        if (this.taken.has(key(v, i, 'asks')) || this.taken.has(key(v, i, 'bids'))) this.get(v, i);
      });
    }
  }

  /** The book minus what paper fills took of it (undefined when the source has none). */
  get(venue: string, instId: string): BookView | undefined {
    const b = this.source(venue, instId);
    if (!b) return b;
    const asks = this.apply(key(venue, instId, 'asks'), b.asks);
    const bids = this.apply(key(venue, instId, 'bids'), b.bids);
    return asks === b.asks && bids === b.bids ? b : { ...b, asks, bids };
  }

  /** Records that a fill took `sz` at `px` from the asks (a buy) or the bids (a sell). */
  take(venue: string, instId: string, side: 'asks' | 'bids', px: number, sz: number): void {
    const k = key(venue, instId, side);
    let m = this.taken.get(k);
    if (!m) this.taken.set(k, (m = new Map()));
    m.set(px, (m.get(px) ?? 0) + sz);
  }

  /** Stops following the board. */
  close(): void {
    this.off?.();
  }

  private apply(k: string, levels: readonly Level[]): readonly Level[] {
    const m = this.taken.get(k);
    if (!m) return levels;
    const seen = new Set<number>();
    const out: Level[] = [];
    for (const [px, sz] of levels) {
      const t = m.get(px);
      if (t === undefined) {
        out.push([px, sz]);
        continue;
      }
      seen.add(px);
      const used = Math.min(t, sz);
      m.set(px, used);
      if (sz - used > sz * 1e-12) out.push([px, sz - used]);
    }
    for (const px of [...m.keys()]) if (!seen.has(px)) m.delete(px);
    if (m.size === 0) this.taken.delete(k);
    return out;
  }
}

function key(venue: string, instId: string, side: 'asks' | 'bids'): string {
  return `${venue}\u0000${instId}\u0000${side}`;
}
