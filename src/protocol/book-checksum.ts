import { crc32 } from 'node:zlib';

/** A book level as OKX sends it: [price, size, deprecated "0", number of orders]. */
export type BookLevel = readonly [string, string, ...string[]];

/**
 * OKX order-book checksum (docs/OKX-PROTOCOL.md §3.2): CRC-32 (IEEE) of
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

/** CRC-32/IEEE (reflected, poly 0xEDB88320) byte table. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * Continues a CRC-32 register over the characters of `s` (Latin-1 / ASCII: one byte each).
 * The register is the raw one: start from ~0 (-1), finish with ~register, which equals
 * zlib.crc32 of the whole text. Returns the new register, or NaN when `s` has a character above
 * 0x7f (zlib would hash its UTF-8 bytes; callers then fall back to zlib). Keeping the register
 * between calls lets a book resume from an unchanged prefix of the check string.
 */
export function crc32Continue(register: number, s: string): number {
  let c = register;
  if (c !== c) return NaN; // bit operations would turn NaN into 0
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch > 0x7f) return NaN;
    c = CRC_TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
  }
  return c;
}

/** Continues a CRC-32 register over one byte (see crc32Continue). */
export function crc32Byte(register: number, byte: number): number {
  return CRC_TABLE[(register ^ byte) & 0xff]! ^ (register >>> 8);
}
