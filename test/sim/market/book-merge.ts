import type { BookLevel } from '../../../src/protocol/book-checksum.js';

/** A client-side book rebuilt from a snapshot and OKX merge rules (docs/OKX-PROTOCOL.md §3), for tests. */
export class MergedBook {
  bids = new Map<string, BookLevel>();
  asks = new Map<string, BookLevel>();
  seqId = -1;

  constructor(snap: { bids: readonly BookLevel[]; asks: readonly BookLevel[]; seqId: number }) {
    for (const l of snap.bids) this.bids.set(l[0], l);
    for (const l of snap.asks) this.asks.set(l[0], l);
    this.seqId = snap.seqId;
  }

  apply(u: {
    bids: readonly BookLevel[];
    asks: readonly BookLevel[];
    seqId: number;
    prevSeqId: number;
  }): void {
    if (u.prevSeqId !== this.seqId) throw new Error(`gap: prevSeqId ${u.prevSeqId} after ${this.seqId}`);
    for (const [side, levels] of [
      [this.bids, u.bids],
      [this.asks, u.asks],
    ] as const) {
      for (const l of levels) {
        if (l[1] === '0') side.delete(l[0]);
        else side.set(l[0], l);
      }
    }
    this.seqId = u.seqId;
  }

  sortedBids(): BookLevel[] {
    return [...this.bids.values()].sort((a, b) => Number(b[0]) - Number(a[0]));
  }
  sortedAsks(): BookLevel[] {
    return [...this.asks.values()].sort((a, b) => Number(a[0]) - Number(b[0]));
  }
}
