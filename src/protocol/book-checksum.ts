import { crc32 } from 'node:zlib';

/** A book level as OKX sends it: [price, size, deprecated "0", number of orders]. */
export type BookLevel = readonly [string, string, ...string[]];

/**
 * OKX order-book checksum (facts §3.2): CRC-32 (IEEE) of
 * "bid1px:bid1sz:ask1px:ask1sz:..." over the top 25 levels of each side, interleaved, continuing
 * with the longer side alone when one runs out; raw price/size strings; result as a signed int32.
 * `bids` must be best (highest) first and `asks` best (lowest) first.
 */
export function bookChecksum(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
  return crc32(bookChecksumString(bids, asks)) | 0;
}

export function bookChecksumString(bids: readonly BookLevel[], asks: readonly BookLevel[]): string {
  const nb = Math.min(25, bids.length);
  const na = Math.min(25, asks.length);
  const parts: string[] = [];
  for (let i = 0; i < 25 && (i < nb || i < na); i++) {
    if (i < nb) parts.push(bids[i]![0], bids[i]![1]);
    if (i < na) parts.push(asks[i]![0], asks[i]![1]);
  }
  return parts.join(':');
}

/**
 * The same checksum from cached "px:sz" strings per level (best first), as a book that keeps
 * them alongside its levels can pass: no per-call string building beyond joining the top 25
 * of each side. Equal to `bookChecksum` for the same levels.
 */
export function bookChecksumFromSegments(bidSegs: readonly string[], askSegs: readonly string[]): number {
  const nb = bidSegs.length < 25 ? bidSegs.length : 25;
  const na = askSegs.length < 25 ? askSegs.length : 25;
  const rows = nb > na ? nb : na;
  let s = '';
  for (let i = 0; i < rows; i++) {
    if (i < nb) s = s.length === 0 ? bidSegs[i]! : s + ':' + bidSegs[i]!;
    if (i < na) s = s.length === 0 ? askSegs[i]! : s + ':' + askSegs[i]!;
  }
  return crc32(s) | 0;
}
