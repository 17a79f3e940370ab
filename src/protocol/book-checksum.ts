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

// CRC-32/IEEE tables for slicing-by-4: four bytes per step instead of one.
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T0[n] = c;
}
for (let n = 0; n < 256; n++) {
  T1[n] = (T0[n]! >>> 8) ^ T0[T0[n]! & 0xff]!;
  T2[n] = (T1[n]! >>> 8) ^ T0[T1[n]! & 0xff]!;
  T3[n] = (T2[n]! >>> 8) ^ T0[T2[n]! & 0xff]!;
}

const COLON = 58;

/**
 * The same checksum kept incrementally for a book that changes a few levels at a time: the
 * CRC state after each row (bid i, ask i) is remembered, so after a change whose shallowest
 * level is row m only rows m..24 are hashed again, straight from the level strings (no check
 * string is built). Equal to `bookChecksum` for every book.
 */
export class IncrementalBookChecksum {
  /** CRC state (before the final inversion) after rows 0..i-1; rowState[0] is the initial state. */
  private readonly rowState = new Int32Array(26);
  private valid = 0; // rows whose state is known (rowState[0..valid] usable)
  private value = 0;
  private nonAscii = false;

  /** Marks rows from `row` (the shallowest changed level index of either side) as changed. */
  invalidateFrom(row: number): void {
    if (row < this.valid) this.valid = row;
  }

  /** The checksum of the book; recomputes only rows that changed since the last call. */
  compute(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
    if (this.valid >= 25) return this.value;
    const nb = Math.min(25, bids.length);
    const na = Math.min(25, asks.length);
    const rows = Math.max(nb, na);
    let m = this.valid;
    if (m > rows) m = rows;
    let crc = m === 0 ? -1 : this.rowState[m]!;
    // Every field but the very first is preceded by ':' (facts §3.2).
    let first = m === 0;
    for (let i = m; i < rows; i++) {
      if (i < nb) {
        const l = bids[i]!;
        crc = first ? this.str(l[0], crc) : this.str(l[0], this.byte(COLON, crc));
        first = false;
        crc = this.str(l[1], this.byte(COLON, crc));
      }
      if (i < na) {
        const l = asks[i]!;
        crc = first ? this.str(l[0], crc) : this.str(l[0], this.byte(COLON, crc));
        first = false;
        crc = this.str(l[1], this.byte(COLON, crc));
      }
      if (this.nonAscii) return this.fallback(bids, asks);
      this.rowState[i + 1] = crc;
    }
    for (let i = rows + 1; i <= 25; i++) this.rowState[i] = crc;
    this.valid = 25;
    this.value = ~crc | 0;
    return this.value;
  }

  private byte(b: number, crc: number): number {
    return T0[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  }

  private str(s: string, crc: number): number {
    const n = s.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const c0 = s.charCodeAt(i);
      const c1 = s.charCodeAt(i + 1);
      const c2 = s.charCodeAt(i + 2);
      const c3 = s.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) > 127) this.nonAscii = true;
      crc ^= c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
      crc = T3[crc & 0xff]! ^ T2[(crc >>> 8) & 0xff]! ^ T1[(crc >>> 16) & 0xff]! ^ T0[crc >>> 24]!;
    }
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) this.nonAscii = true;
      crc = T0[(crc ^ c) & 0xff]! ^ (crc >>> 8);
    }
    return crc;
  }

  // Level strings are ASCII numbers; anything else goes through the reference implementation.
  private fallback(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
    this.valid = 0;
    this.nonAscii = false;
    return bookChecksum(bids, asks);
  }
}
