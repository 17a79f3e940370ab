import type { BookLevel } from '../protocol/book-checksum.js';
import type { LiveOrderBook } from '../ws/live-book.js';
import type { BookView, Level } from './types.js';

/**
 * The books an arbitrage reads, by venue and instrument: live WS books (checked by seqId and
 * checksum; a book that is resyncing is absent, never stale-but-present), books polled from
 * another venue (ccxt), or recorded ones replayed. Listeners hear every change.
 */
export class BookBoard {
  private readonly views = new Map<string, BookView>();
  private readonly live = new Map<string, () => BookView | undefined>();
  private readonly listeners = new Set<(venue: string, instId: string) => void>();
  private readonly closers: (() => void)[] = [];

  static key(venue: string, instId: string): string {
    return `${venue}:${instId}`;
  }

  /** The latest verified view, or undefined while the book is missing or resyncing. */
  get(venue: string, instId: string): BookView | undefined {
    const k = BookBoard.key(venue, instId);
    const f = this.live.get(k);
    return f ? f() : this.views.get(k);
  }

  /** Sets a view (polled or replayed books). */
  set(view: BookView): void {
    this.views.set(BookBoard.key(view.venue, view.instId), view);
    this.notify(view.venue, view.instId);
  }

  /** Removes a view (its source went stale). */
  drop(venue: string, instId: string): void {
    this.views.delete(BookBoard.key(venue, instId));
  }

  /**
   * Follows a LiveOrderBook: `depth` levels a side, converted once per change, absent while the
   * book is not in sync.
   */
  attach(venue: string, live: LiveOrderBook, depth = 50): void {
    const k = BookBoard.key(venue, live.instId);
    let cached: BookView | undefined;
    const onChange = () => {
      cached = undefined;
      this.notify(venue, live.instId);
    };
    live.on('change', onChange);
    this.live.set(k, () => {
      if (!live.isSynced) return undefined;
      if (!cached) {
        const d = live.depth(depth);
        cached = {
          venue,
          instId: live.instId,
          bids: toLevels(d.bids),
          asks: toLevels(d.asks),
          ts: Number(live.book.ts),
        };
      }
      return cached;
    });
    this.closers.push(() => live.off('change', onChange));
  }

  onChange(fn: (venue: string, instId: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    for (const c of this.closers.splice(0)) c();
    this.listeners.clear();
  }

  private notify(venue: string, instId: string): void {
    for (const l of this.listeners) l(venue, instId);
  }
}

export function toLevels(levels: readonly BookLevel[]): Level[] {
  const out: Level[] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = [Number(levels[i]![0]), Number(levels[i]![1])];
  return out;
}
