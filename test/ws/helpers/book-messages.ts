// A seeded generator of OKX `books` push strings (snapshot then updates) for tests and the
// order-book benchmark. Replace with generateBookMessages from src/sim/market once it exists.
import { bookChecksum, type BookLevel } from '../../../src/protocol/book-checksum.js';
import { seededRandom } from '../../../src/util/random.js';

export { seededRandom as mulberry32 };

export interface GenOptions {
  seed: number;
  count: number;
  instId?: string;
  depth?: number;
  changesPerUpdate?: number;
  /** Emit checksum 0 (production since June 2026). */
  zeroChecksum?: boolean;
}

/** Returns `count` raw messages: one snapshot and count-1 updates, each with a correct checksum. */
export function generateBookMessages(opts: GenOptions): string[] {
  const rnd = seededRandom(opts.seed);
  const instId = opts.instId ?? 'BTC-USDT';
  const depth = opts.depth ?? 400;
  const changes = opts.changesPerUpdate ?? 5;
  // Prices on a 0.1 grid around 30000, in integer ticks to stay exact.
  const bids: number[] = [];
  const asks: number[] = [];
  const size = new Map<number, string>();
  const sz = () => (rnd() * 5 + 0.001).toFixed(4);
  const pxs = (t: number) => (t / 10).toFixed(1);
  for (let t = 299_999; bids.length < depth; t--) {
    if (rnd() < 0.8) {
      bids.push(t);
      size.set(t, sz());
    }
  }
  for (let t = 300_001; asks.length < depth; t++) {
    if (rnd() < 0.8) {
      asks.push(t);
      size.set(t, sz());
    }
  }
  const lv = (t: number): BookLevel => [pxs(t), size.get(t)!, '0', String(1 + Math.floor(rnd() * 9))];
  const cs = () =>
    opts.zeroChecksum
      ? 0
      : bookChecksum(
          bids.slice(0, 25).map((t) => [pxs(t), size.get(t)!]),
          asks.slice(0, 25).map((t) => [pxs(t), size.get(t)!]),
        );
  let seq = 1000;
  let ts = 1_700_000_000_000;
  const out: string[] = [];
  const snap = {
    asks: asks.map(lv),
    bids: bids.map(lv),
    ts: String(ts),
    checksum: cs(),
    prevSeqId: -1,
    seqId: seq,
  };
  out.push(JSON.stringify({ arg: { channel: 'books', instId }, action: 'snapshot', data: [snap] }));
  for (let n = 1; n < opts.count; n++) {
    const ub: BookLevel[] = [];
    const ua: BookLevel[] = [];
    for (let c = 0; c < changes; c++) {
      const isBid = rnd() < 0.5;
      const side = isBid ? bids : asks;
      const upd = isBid ? ub : ua;
      // Skew towards the top of the book, where most real changes happen.
      const i = Math.min(side.length - 1, Math.floor(side.length * rnd() * rnd()));
      const r = rnd();
      const t = side[i]!;
      if (r < 0.6 && side.length === depth) {
        size.set(t, sz());
        upd.push(lv(t));
      } else if ((r < 0.8 && side.length === depth) || side.length > depth) {
        side.splice(i, 1);
        size.delete(t);
        upd.push([pxs(t), '0', '0', '0']);
      } else {
        // Insert at a free tick near level i (the book refills to its depth).
        let nt = t;
        while (size.has(nt)) nt += isBid ? -1 : 1;
        size.set(nt, sz());
        let j = i;
        while (j < side.length && (isBid ? side[j]! > nt : side[j]! < nt)) j++;
        side.splice(j, 0, nt);
        upd.push(lv(nt));
      }
    }
    ts += 100;
    const prev = seq;
    seq += 1 + Math.floor(rnd() * 3);
    const data = { asks: ua, bids: ub, ts: String(ts), checksum: cs(), prevSeqId: prev, seqId: seq };
    out.push(JSON.stringify({ arg: { channel: 'books', instId }, action: 'update', data: [data] }));
  }
  return out;
}
