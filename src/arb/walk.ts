import type { BookView, Level } from './types.js';

/** What converting an amount through one book gives (taker, walking levels best first). */
export interface Conversion {
  /** Received after the taker fee. */
  out: number;
  /** Base units traded. */
  sz: number;
  /** Worst price reached. */
  worstPx: number;
  /** False when the book is too thin for the whole amount. */
  complete: boolean;
  /** Share of the size the best level covers. */
  topCover: number;
}

/**
 * Spends `amount` of `from` on a spot book of base/quote. From the quote: buys base on the asks;
 * from the base: sells on the bids. OKX charges a spot taker's fee in the currency received
 * (docs/OKX-PROTOCOL.md §11), so `out` is the gross times (1 - fee).
 */
export function convert(
  book: BookView,
  base: string,
  quote: string,
  from: string,
  amount: number,
  fee: number,
): Conversion {
  if (from === quote) {
    const r = buyWithQuote(book.asks, amount);
    return { ...r, out: r.sz * (1 - fee) };
  }
  if (from === base) {
    const r = sellBase(book.bids, amount);
    return { ...r, out: r.out * (1 - fee) };
  }
  throw new RangeError(`${book.instId} does not trade ${from}`);
}

function buyWithQuote(asks: readonly Level[], quote: number): Conversion {
  let left = quote;
  let sz = 0;
  let worst = 0;
  let top = 0;
  for (let i = 0; i < asks.length && left > 1e-12; i++) {
    const [px, q] = asks[i]!;
    const take = Math.min(q, left / px);
    sz += take;
    left -= take * px;
    worst = px;
    if (i === 0) top = take;
  }
  return { out: sz, sz, worstPx: worst, complete: left <= quote * 1e-9, topCover: sz > 0 ? top / sz : 0 };
}

function sellBase(bids: readonly Level[], base: number): Conversion {
  let left = base;
  let out = 0;
  let worst = 0;
  let top = 0;
  for (let i = 0; i < bids.length && left > 1e-15; i++) {
    const [px, q] = bids[i]!;
    const take = Math.min(q, left);
    out += take * px;
    left -= take;
    worst = px;
    if (i === 0) top = take;
  }
  return {
    out,
    sz: base - left,
    worstPx: worst,
    complete: left <= base * 1e-9,
    topCover: base > 0 ? top / base : 0,
  };
}

/**
 * The x in [lo, hi] maximising a concave f (ternary search). A cycle's output is a composition
 * of concave increasing piecewise-linear conversions, so its profit is concave in the size.
 */
export function argmaxConcave(f: (x: number) => number, lo: number, hi: number, iters = 60): number {
  let a = lo;
  let b = hi;
  for (let i = 0; i < iters && b - a > Math.max(1e-12, hi * 1e-9); i++) {
    const m1 = a + (b - a) / 3;
    const m2 = b - (b - a) / 3;
    if (f(m1) < f(m2)) a = m1;
    else b = m2;
  }
  return (a + b) / 2;
}

/** Mid price of a book (NaN when a side is empty). */
export function midOf(b: BookView): number {
  const bid = b.bids[0]?.[0];
  const ask = b.asks[0]?.[0];
  return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : NaN;
}

/**
 * Buy `base` on one book's asks and sell it on another's bids, level by level while the next
 * unit still pays after both taker fees: the exact profit-maximising size for a two-venue pair
 * (both walks are monotone, so the marginal profit only falls). `maxSz` caps the size.
 */
export function bestPair(
  buyAsks: readonly Level[],
  sellBids: readonly Level[],
  buyFee: number,
  sellFee: number,
  maxSz: number,
): { sz: number; cost: number; proceeds: number; buyPx: number; sellPx: number; topCover: [number, number] } {
  let i = 0;
  let j = 0;
  let ai = buyAsks[0]?.[1] ?? 0;
  let bj = sellBids[0]?.[1] ?? 0;
  let sz = 0;
  let cost = 0;
  let proceeds = 0;
  let buyPx = buyAsks[0]?.[0] ?? 0;
  let sellPx = sellBids[0]?.[0] ?? 0;
  while (i < buyAsks.length && j < sellBids.length && sz < maxSz) {
    const ask = buyAsks[i]![0];
    const bid = sellBids[j]![0];
    // Buying q base costs q*ask and yields q*(1-buyFee); selling that yields q*(1-buyFee)*bid*(1-sellFee).
    if (!((1 - buyFee) * bid * (1 - sellFee) > ask)) break;
    const q = Math.min(ai, bj / (1 - buyFee), maxSz - sz);
    if (q <= 0) break;
    sz += q;
    cost += q * ask;
    proceeds += q * (1 - buyFee) * bid * (1 - sellFee);
    buyPx = ask;
    sellPx = bid;
    ai -= q;
    bj -= q * (1 - buyFee);
    if (ai <= 1e-15) ai = buyAsks[++i]?.[1] ?? 0;
    if (bj <= 1e-15) bj = sellBids[++j]?.[1] ?? 0;
  }
  const top0 = buyAsks[0]?.[1] ?? 0;
  const top1 = sellBids[0]?.[1] ?? 0;
  return {
    sz,
    cost,
    proceeds,
    buyPx,
    sellPx,
    topCover: [sz > 0 ? Math.min(1, top0 / sz) : 0, sz > 0 ? Math.min(1, top1 / sz) : 0],
  };
}
