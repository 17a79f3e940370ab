import { Decimal } from '../util/decimal.js';
import { bookChecksum, crc32Byte, crc32Continue, type BookLevel } from '../protocol/book-checksum.js';
import { TypedEmitter } from './emitter.js';

/** One element of a book push's `data` (docs/OKX-PROTOCOL.md §3): levels as [px, sz, "0", count] strings. */
export interface BookData {
  asks: BookLevel[];
  bids: BookLevel[];
  ts?: string;
  checksum?: number;
  seqId?: number;
  prevSeqId?: number;
}

/**
 * A REST snapshot (GET /api/v5/market/books; since 2026 it carries seqId, docs/OKX-PROTOCOL.md §3.3). Levels as
 * OkxClient.market.books returns them.
 */
export interface BookSnapshot {
  asks: ReadonlyArray<readonly string[]>;
  bids: ReadonlyArray<readonly string[]>;
  ts?: string;
  seqId: number;
}

/**
 * What one message did:
 * - applied: merged (or a snapshot loaded); `changed` on the book says whether levels moved
 * - ignored: nothing to do (waiting for a snapshot, or an update older than the REST snapshot)
 * - gap: prevSeqId != last seqId (docs/OKX-PROTOCOL.md §3.1): the book is stale until a resync
 * - checksum: the merged book does not match the pushed checksum (docs/OKX-PROTOCOL.md §3.2)
 * - invalid: the message does not have the shape of a book push
 */
export type BookApplyResult = 'applied' | 'ignored' | 'gap' | 'checksum' | 'invalid';

export type BookChannel = 'books' | 'books5' | 'bbo-tbt' | 'books-l2-tbt' | 'books50-l2-tbt';

/** Events of `OrderBook`: change, and resync when a gap or a checksum mismatch makes the book stale. */
export interface OrderBookEvents {
  /** The book changed (after a snapshot or an update that moved levels). */
  change: (book: OrderBook) => void;
  /** The book became stale (gap or checksum mismatch): whoever feeds it must resync. */
  resync: (reason: 'gap' | 'checksum', detail: string) => void;
}

/** Options of `OrderBook`: channel, checksum verification and how many updates to keep while a snapshot is fetched. */
export interface OrderBookOptions {
  /** books5 and bbo-tbt push full snapshots; the others push increments (docs/OKX-PROTOCOL.md §3). Default 'books'. */
  channel?: BookChannel;
  /** Verify non-zero checksums (default true). A zero checksum is never verified (docs/OKX-PROTOCOL.md §3.3). */
  verifyChecksum?: boolean;
  /** Updates kept while waiting for a REST snapshot (docs/OKX-PROTOCOL.md §3.3). Default 1000. */
  maxBuffered?: number;
}

type SideOrder = 1 | -1; // 1: ascending (asks), -1: descending (bids)

/**
 * One side of a book: levels as received (raw strings, needed for the checksum) plus their
 * prices as numbers for binary search. Prices within one instrument have a fixed tick, so the
 * number compares exactly like the decimal string.
 */
class Side {
  lv: BookLevel[] = [];
  px: number[] = [];
  constructor(private readonly order: SideOrder) {}

  /** Index of px, or -(insertion point) - 1. */
  private find(p: number): number {
    const a = this.px;
    let lo = 0;
    let hi = a.length - 1;
    const o = this.order;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const d = (a[mid]! - p) * o;
      if (d < 0) lo = mid + 1;
      else if (d > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  load(levels: readonly BookLevel[]): void {
    const lv: BookLevel[] = [];
    for (const l of levels) if (!isZero(l[1])) lv.push(l);
    const o = this.order;
    lv.sort((a, b) => (Number(a[0]) - Number(b[0])) * o);
    this.lv = lv;
    this.px = lv.map((l) => Number(l[0]));
  }

  /** Merges increments; returns the lowest index touched (Infinity when nothing changed). */
  merge(levels: readonly BookLevel[]): number {
    let low = Infinity;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i]!;
      const at = this.put(Number(l[0]), l[1], l, undefined, 0);
      if (at < low) low = at;
    }
    return low;
  }

  /** Merges the levels the scanner left in `s` (same rules as `merge`). */
  mergeScan(s: ScanSide): number {
    let low = Infinity;
    for (let i = 0; i < s.n; i++) {
      const at = this.put(s.num[i]!, s.sz[i]!, undefined, s, i);
      if (at < low) low = at;
    }
    return low;
  }

  /**
   * One level of an increment (docs/OKX-PROTOCOL.md §3): size "0" deletes, an existing price is replaced, a new
   * one inserted in order. The level is `l`, or item `i` of `s` (built only when it is kept).
   * Returns the index touched, or Infinity.
   */
  private put(p: number, sz: string, l: BookLevel | undefined, s: ScanSide | undefined, i: number): number {
    const at = this.find(p);
    const zero = isZero(sz);
    if (at >= 0) {
      if (zero) {
        this.lv.splice(at, 1);
        this.px.splice(at, 1);
      } else {
        this.lv[at] = l ?? [s!.px[i]!, sz, s!.f3[i]!, s!.f4[i]!];
      }
      return at;
    }
    if (zero) return Infinity;
    const ins = -at - 1;
    const level = l ?? [s!.px[i]!, sz, s!.f3[i]!, s!.f4[i]!];
    if (ins === this.lv.length) {
      this.lv.push(level);
      this.px.push(p);
    } else {
      this.lv.splice(ins, 0, level);
      this.px.splice(ins, 0, p);
    }
    return ins;
  }
}

/**
 * Levels as OKX sends them: arrays whose price and size are decimal strings (size >= 0). Also
 * the REST snapshot's levels (OkxClient.market.books).
 */
function validLevels(levels: unknown): levels is BookLevel[] {
  if (!Array.isArray(levels)) return false;
  for (const l of levels as unknown[]) {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string') return false;
    if (Number.isNaN(levelPrice(l[0], l[1]))) return false;
  }
  return true;
}

/**
 * The price of a level as a number (for ordering), or NaN for a level OKX would not send: price
 * and size must be finite numbers, size >= 0. Refusing those keeps the book's order intact.
 * Prices within one instrument have a fixed tick, so the number compares like the decimal.
 */
function levelPrice(px: string, sz: string): number {
  if (px.length === 0 || sz.length === 0) return NaN;
  const size = Number(sz);
  if (!(size >= 0) || size === Infinity) return NaN;
  const p = Number(px);
  return p - p === 0 ? p : NaN;
}

/** "0", "0.0", "0.000": only zeros and a dot. Avoids a number parse for every level. */
function isZero(sz: string): boolean {
  if (sz === '0') return true;
  for (let i = 0; i < sz.length; i++) {
    const c = sz.charCodeAt(i);
    if (c !== 48 && c !== 46) return false;
  }
  return sz.length > 0;
}

/** Levels of one side of a scanned message; the arrays are reused from message to message. */
class ScanSide {
  n = 0;
  readonly px: string[] = [];
  readonly sz: string[] = [];
  readonly f3: string[] = [];
  readonly f4: string[] = [];
  readonly num: number[] = [];
  levels(): BookLevel[] {
    const out: BookLevel[] = [];
    for (let i = 0; i < this.n; i++) out.push([this.px[i]!, this.sz[i]!, this.f3[i]!, this.f4[i]!]);
    return out;
  }
}

/** What `scanBook` read from one message. */
class Scan {
  readonly asks = new ScanSide();
  readonly bids = new ScanSide();
  action: 'update' | 'snapshot' = 'update';
  ts: string | undefined;
  checksum: number | undefined;
  seqId = 0;
  prevSeqId: number | undefined;
  /** Scratch for scanInt. */
  int = 0;
  toData(): BookData {
    const d: BookData = { asks: this.asks.levels(), bids: this.bids.levels(), seqId: this.seqId };
    if (this.ts !== undefined) d.ts = this.ts;
    if (this.checksum !== undefined) d.checksum = this.checksum;
    if (this.prevSeqId !== undefined) d.prevSeqId = this.prevSeqId;
    return d;
  }
}

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
const RBRACE = 125;
/** Escapes and raw control characters: JSON.parse must judge those strings. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const UNSAFE = /[\u0000-\u001f\\]/;
const ARG_OPEN = '{"arg":{';
const DATA_OPEN = '","data":[{';

/**
 * Reads a book push laid out exactly as OKX sends it (docs/OKX-PROTOCOL.md §3):
 * {"arg":{"k":"v",...},"action":"update|snapshot","data":[{"asks":[["px","sz","0","n"],...],
 * "bids":[...],"ts":"...","checksum":N,"seqId":N,"prevSeqId":N}]} with the data keys in any
 * order, no whitespace and no escapes. Returns false for anything else (including input that is
 * not JSON at all); the caller then parses the message with JSON.parse, which decides. With no
 * backslash in the message every '"' delimits a string, so indexOf finds string ends.
 */
function scanBook(raw: string, out: Scan): boolean {
  if (!raw.startsWith(ARG_OPEN) || UNSAFE.test(raw)) return false;
  let p = ARG_OPEN.length;
  for (;;) {
    // "key":"value" pairs only (channel, instId, ...)
    if (raw.charCodeAt(p) !== QUOTE) return false;
    p = raw.indexOf('"', p + 1) + 1;
    if (p === 0 || raw.charCodeAt(p) !== COLON || raw.charCodeAt(p + 1) !== QUOTE) return false;
    p = raw.indexOf('"', p + 2) + 1;
    if (p === 0) return false;
    const c = raw.charCodeAt(p++);
    if (c === COMMA) continue;
    if (c !== RBRACE) return false;
    break;
  }
  if (raw.startsWith(',"action":"update', p)) {
    out.action = 'update';
    p += 17;
  } else if (raw.startsWith(',"action":"snapshot', p)) {
    out.action = 'snapshot';
    p += 19;
  } else return false;
  if (!raw.startsWith(DATA_OPEN, p)) return false;
  p += DATA_OPEN.length;
  out.ts = undefined;
  out.checksum = undefined;
  out.prevSeqId = undefined;
  let seen = 0;
  for (;;) {
    let bit: number;
    if (raw.startsWith('"asks":[', p)) {
      bit = 1;
      p = scanLevels(raw, p + 8, out.asks);
    } else if (raw.startsWith('"bids":[', p)) {
      bit = 2;
      p = scanLevels(raw, p + 8, out.bids);
    } else if (raw.startsWith('"ts":"', p)) {
      bit = 4;
      const e = raw.indexOf('"', p + 6);
      out.ts = raw.slice(p + 6, e);
      p = e < 0 ? -1 : e + 1;
    } else if (raw.startsWith('"checksum":', p)) {
      bit = 8;
      p = scanInt(raw, p + 11, out);
      out.checksum = out.int;
    } else if (raw.startsWith('"seqId":', p)) {
      bit = 16;
      p = scanInt(raw, p + 8, out);
      out.seqId = out.int;
    } else if (raw.startsWith('"prevSeqId":', p)) {
      bit = 32;
      p = scanInt(raw, p + 12, out);
      out.prevSeqId = out.int;
    } else return false;
    // A repeated key: JSON.parse keeps the last one; leave such oddities to it.
    if (p < 0 || (seen & bit) !== 0) return false;
    seen |= bit;
    const c = raw.charCodeAt(p++);
    if (c === COMMA) continue;
    if (c !== RBRACE) return false;
    break;
  }
  // asks, bids and seqId present; exactly one data element and nothing after it.
  return (
    (seen & 19) === 19 &&
    p + 2 === raw.length &&
    raw.charCodeAt(p) === RBRACKET &&
    raw.charCodeAt(p + 1) === RBRACE
  );
}

/** `[` already read: ["px","sz","a","b"] levels up to `]`. Returns the index after it, or -1. */
function scanLevels(raw: string, p: number, side: ScanSide): number {
  side.n = 0;
  if (raw.charCodeAt(p) === RBRACKET) return p + 1;
  let n = 0;
  for (;;) {
    if (raw.charCodeAt(p) !== LBRACKET || raw.charCodeAt(p + 1) !== QUOTE) return -1;
    let e = raw.indexOf('"', p + 2);
    if (e < 0 || raw.charCodeAt(e + 1) !== COMMA || raw.charCodeAt(e + 2) !== QUOTE) return -1;
    const px = raw.slice(p + 2, e);
    p = e + 3;
    e = raw.indexOf('"', p);
    if (e < 0 || raw.charCodeAt(e + 1) !== COMMA || raw.charCodeAt(e + 2) !== QUOTE) return -1;
    const sz = raw.slice(p, e);
    p = e + 3;
    e = raw.indexOf('"', p);
    if (e < 0 || raw.charCodeAt(e + 1) !== COMMA || raw.charCodeAt(e + 2) !== QUOTE) return -1;
    const f3 = raw.slice(p, e);
    p = e + 3;
    e = raw.indexOf('"', p);
    if (e < 0 || raw.charCodeAt(e + 1) !== RBRACKET) return -1;
    const num = levelPrice(px, sz);
    // A level the book would refuse: let the full parse report it.
    if (num !== num) return -1;
    side.px[n] = px;
    side.sz[n] = sz;
    side.f3[n] = f3;
    side.f4[n] = raw.slice(p, e);
    side.num[n] = num;
    n++;
    p = e + 2;
    const c = raw.charCodeAt(p++);
    if (c === COMMA) continue;
    if (c !== RBRACKET) return -1;
    side.n = n;
    return p;
  }
}

/** A JSON integer (-?(0|[1-9][0-9]*)) of at most 15 digits into out.int. Returns the index after it, or -1. */
function scanInt(raw: string, p: number, out: Scan): number {
  let neg = false;
  if (raw.charCodeAt(p) === 45 /* - */) {
    neg = true;
    p++;
  }
  const start = p;
  let v = 0;
  for (;;) {
    const c = raw.charCodeAt(p); // NaN past the end
    if (!(c >= 48 && c <= 57)) break;
    v = v * 10 + (c - 48);
    p++;
  }
  const len = p - start;
  if (len === 0 || len > 15 || (len > 1 && raw.charCodeAt(start) === 48)) return -1;
  out.int = neg ? -v : v;
  return p;
}

const CHECKSUM_DEPTH = 25;

/** Continues a CRC-32 register over "px:sz" of a level, after a ':' when it is not the first. NaN: not ASCII. */
function crcLevel(c: number, l: BookLevel, colon: boolean): number {
  if (c !== c) return c;
  if (colon) c = crc32Byte(c, COLON);
  c = crc32Continue(c, l[0]);
  if (c !== c) return c;
  return crc32Continue(crc32Byte(c, COLON), l[1]);
}

/**
 * A local order book kept from OKX book pushes (docs/OKX-PROTOCOL.md §3): snapshot + increments merged with
 * size "0" deleting a level, bids descending and asks ascending; seqId/prevSeqId continuity
 * (heartbeat prevSeqId == seqId, reset after maintenance seqId < prevSeqId, gap -> resync);
 * the CRC-32 checksum verified when non-zero. The checksum string is rebuilt (from cached
 * "px:sz" strings) only when a change touches the top 25 levels; otherwise the last value stands.
 */
export class OrderBook extends TypedEmitter<OrderBookEvents> {
  readonly instId: string;
  readonly channel: BookChannel;
  private readonly bids = new Side(-1);
  private readonly asks = new Side(1);
  private readonly verify: boolean;
  private readonly incremental: boolean;
  private readonly maxBuffered: number;
  private last = -2; // seqId of the last applied message; -2 = no book
  private checksumValue = 0;
  private checksumStale = true;
  /** CRC-32 register at the start of each checksum row; entries 0..crcValid are current. */
  private readonly crcAt = new Int32Array(CHECKSUM_DEPTH + 1).fill(-1);
  private crcValid = 0;
  private buffering = false;
  private readonly buffer: BookData[] = [];
  private readonly scan = new Scan();
  private snapshotFloor: number | undefined;
  private lastTs = '';
  private changedLast = false;
  /** Messages applied, gaps and checksum failures seen: for monitoring. */
  /** Updates held while waiting for a snapshot (REST sync). */
  get buffered(): number {
    return this.buffer.length;
  }

  readonly stats = { applied: 0, gaps: 0, checksumFailures: 0, resets: 0, heartbeats: 0 };

  constructor(instId: string, opts: OrderBookOptions = {}) {
    super();
    this.instId = instId;
    this.channel = opts.channel ?? 'books';
    this.verify = opts.verifyChecksum ?? true;
    this.incremental =
      this.channel === 'books' || this.channel === 'books-l2-tbt' || this.channel === 'books50-l2-tbt';
    this.maxBuffered = opts.maxBuffered ?? 1000;
  }

  /** seqId of the last applied message, or undefined before the first snapshot. */
  get seqId(): number | undefined {
    return this.last === -2 ? undefined : this.last;
  }
  /** True once a snapshot is loaded and no gap or mismatch has made the book stale since. */
  get isSynced(): boolean {
    return this.last !== -2 && !this.buffering;
  }
  /** ts (ms string) of the last applied message. */
  get ts(): string {
    return this.lastTs;
  }
  /** Whether the last applied message moved any level. */
  get changed(): boolean {
    return this.changedLast;
  }

  /** Parses one raw WS message and applies it: the hot path. */
  applyRaw(raw: string): BookApplyResult {
    const r = this.applyScanned(raw);
    if (r !== undefined) return r;
    let msg: { action?: unknown; data?: unknown };
    try {
      msg = JSON.parse(raw) as { action?: unknown; data?: unknown };
    } catch {
      return 'invalid';
    }
    const data = msg?.data;
    if (!Array.isArray(data) || data.length === 0) return 'invalid';
    return this.apply(data[0] as BookData, msg.action as string | undefined);
  }

  /**
   * applyRaw without its fallback: applies a message laid out exactly as OKX sends book pushes,
   * read straight from the text; undefined (nothing done) for any other text, which the caller
   * then parses and gives to `apply`, with the same outcome applyRaw would have had.
   */
  applyScanned(raw: string): BookApplyResult | undefined {
    const sc = this.scan;
    if (!scanBook(raw, sc)) return undefined;
    // The common case, an in-sequence update to a synced book, merges straight from the
    // scanned strings; every other case goes through `apply` with the same data.
    if (
      sc.action === 'update' &&
      this.incremental &&
      !this.buffering &&
      this.last !== -2 &&
      this.snapshotFloor === undefined &&
      sc.prevSeqId === this.last
    ) {
      const prev = sc.prevSeqId;
      if (sc.seqId === prev) this.stats.heartbeats++;
      else if (sc.seqId < prev) this.stats.resets++; // maintenance reset (docs/OKX-PROTOCOL.md §3.1)
      const lb = sc.bids.n ? this.bids.mergeScan(sc.bids) : Infinity;
      const la = sc.asks.n ? this.asks.mergeScan(sc.asks) : Infinity;
      this.merged(lb, la, sc.seqId, sc.ts);
      return this.finish(sc.checksum);
    }
    return this.apply(sc.toData(), sc.action);
  }

  /** The `action` of the last message applyScanned took. */
  get scannedAction(): 'update' | 'snapshot' {
    return this.scan.action;
  }

  /**
   * Applies one push element. `action` is "snapshot" or "update" for incremental channels;
   * books5/bbo-tbt pushes have none and are full snapshots.
   */
  apply(d: BookData, action?: string): BookApplyResult {
    if (!d || !validLevels(d.bids) || !validLevels(d.asks) || typeof d.seqId !== 'number') return 'invalid';
    if (!this.incremental || action === 'snapshot') {
      this.loadLevels(d.bids, d.asks, d.seqId, d.ts);
      this.buffering = false;
      this.buffer.length = 0;
      this.snapshotFloor = undefined;
      return this.finish(d.checksum);
    }
    const prev = d.prevSeqId;
    if (typeof prev !== 'number') return 'invalid';
    if (this.buffering) {
      if (this.buffer.length >= this.maxBuffered) this.buffer.shift();
      this.buffer.push(d);
      return 'ignored';
    }
    if (this.last === -2) return 'ignored';
    if (this.snapshotFloor !== undefined) {
      // First events after a REST snapshot (docs/OKX-PROTOCOL.md §3.3): drop seqId <= snapshot.seqId; the first
      // applied one must straddle it: prevSeqId <= snapshot.seqId < seqId.
      if (d.seqId <= this.snapshotFloor) return 'ignored';
      if (prev > this.snapshotFloor)
        return this.fail('gap', `update ${prev}->${d.seqId} does not follow snapshot ${this.snapshotFloor}`);
      this.snapshotFloor = undefined;
    } else if (prev !== this.last) {
      return this.fail('gap', `prevSeqId ${prev} != last seqId ${this.last}`);
    }
    if (d.seqId === prev) this.stats.heartbeats++;
    else if (d.seqId < prev) this.stats.resets++; // maintenance reset: continue from it (docs/OKX-PROTOCOL.md §3.1)
    const lb = d.bids.length ? this.bids.merge(d.bids) : Infinity;
    const la = d.asks.length ? this.asks.merge(d.asks) : Infinity;
    this.merged(lb, la, d.seqId, d.ts);
    return this.finish(d.checksum);
  }

  /** Bookkeeping after an update merged with lowest touched indexes lb (bids) and la (asks). */
  private merged(lb: number, la: number, seqId: number, ts: string | undefined): void {
    const low = lb < la ? lb : la;
    if (low < CHECKSUM_DEPTH) this.checksumStale = true;
    if (low < this.crcValid) this.crcValid = low;
    this.changedLast = lb !== Infinity || la !== Infinity;
    this.last = seqId;
    if (ts !== undefined) this.lastTs = ts;
  }

  /**
   * Starts buffering increments until `loadSnapshot` (the REST path of docs/OKX-PROTOCOL.md §3.3, and the
   * recovery after a gap when the WS no longer pushes snapshots).
   */
  startBuffering(): void {
    this.buffering = true;
    this.buffer.length = 0;
  }

  /**
   * Loads a REST snapshot and replays buffered increments. Returns 'retry' when the snapshot is
   * older than the first buffered event (docs/OKX-PROTOCOL.md §3.3: fetch it again).
   */
  loadSnapshot(s: BookSnapshot): BookApplyResult | 'retry' {
    if (!validLevels(s.bids) || !validLevels(s.asks) || !Number.isInteger(s.seqId)) return 'invalid';
    const first = this.buffer.find((b) => (b.seqId ?? -1) > s.seqId);
    if (first && typeof first.prevSeqId === 'number' && first.prevSeqId > s.seqId) return 'retry';
    const pending = this.buffer.splice(0);
    this.buffering = false;
    this.loadLevels(s.bids, s.asks, s.seqId, s.ts);
    this.snapshotFloor = s.seqId;
    this.changedLast = true;
    this.stats.applied++;
    let result: BookApplyResult = 'applied';
    for (const d of pending) {
      const r = this.apply(d, 'update');
      if (r === 'gap' || r === 'checksum' || r === 'invalid') return r;
      if (r === 'applied') result = r;
    }
    if (this.listenerCount('change')) this.emit('change', this);
    return result;
  }

  /** Forgets the book (e.g. before resubscribing); updates are ignored until the next snapshot. */
  reset(): void {
    this.bids.load([]);
    this.asks.load([]);
    this.last = -2;
    this.checksumStale = true;
    this.crcValid = 0;
    this.snapshotFloor = undefined;
  }

  /** Best bid [px, sz], or undefined for an empty side. */
  bestBid(): readonly [string, string] | undefined {
    const l = this.bids.lv[0];
    return l ? [l[0], l[1]] : undefined;
  }
  bestAsk(): readonly [string, string] | undefined {
    const l = this.asks.lv[0];
    return l ? [l[0], l[1]] : undefined;
  }
  /** Top n levels per side, best first, as received. */
  depth(n = 25): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.bids.lv.slice(0, n), asks: this.asks.lv.slice(0, n) };
  }
  /** Levels per side. */
  size(): { bids: number; asks: number } {
    return { bids: this.bids.lv.length, asks: this.asks.lv.length };
  }
  /** Best ask minus best bid, exact decimal string. */
  spread(): string | undefined {
    const b = this.bids.lv[0];
    const a = this.asks.lv[0];
    return b && a ? new Decimal(a[0]).minus(b[0]).toString() : undefined;
  }
  /** (best bid + best ask) / 2, exact decimal string. */
  mid(): string | undefined {
    const b = this.bids.lv[0];
    const a = this.asks.lv[0];
    return b && a ? new Decimal(a[0]).plus(b[0]).div(2).toString() : undefined;
  }
  /** The checksum of the current book (docs/OKX-PROTOCOL.md §3.2), computed only when the top 25 changed. */
  checksum(): number {
    if (this.checksumStale) {
      this.checksumValue = this.computeChecksum();
      this.checksumStale = false;
    }
    return this.checksumValue;
  }

  /**
   * The check string of docs/OKX-PROTOCOL.md §3.2 (bid1px:bid1sz:ask1px:ask1sz:...; top 25 per side, the longer
   * side alone once the other runs out) fed to CRC-32 without building it. The register at the
   * start of each row is kept: rows above the shallowest change since the last call are
   * unchanged, so hashing resumes there (an update often touches only deeper levels).
   */
  private computeChecksum(): number {
    const bl = this.bids.lv;
    const al = this.asks.lv;
    const nb = bl.length < CHECKSUM_DEPTH ? bl.length : CHECKSUM_DEPTH;
    const na = al.length < CHECKSUM_DEPTH ? al.length : CHECKSUM_DEPTH;
    const rows = nb > na ? nb : na;
    const at = this.crcAt;
    let r = this.crcValid < rows ? this.crcValid : rows;
    let c = at[r]!;
    for (; r < rows; r++) {
      if (r < nb) c = crcLevel(c, bl[r]!, r > 0);
      if (r < na) c = crcLevel(c, al[r]!, r > 0 || r < nb);
      if (c !== c) {
        // A character beyond ASCII: zlib hashes its UTF-8 bytes; let it do the whole string.
        this.crcValid = 0;
        return bookChecksum(bl, al);
      }
      at[r + 1] = c;
    }
    this.crcValid = rows;
    return ~c | 0;
  }

  private loadLevels(
    bids: readonly BookLevel[],
    asks: readonly BookLevel[],
    seqId: number,
    ts?: string,
  ): void {
    this.bids.load(bids);
    this.asks.load(asks);
    this.last = seqId;
    if (ts !== undefined) this.lastTs = ts;
    this.checksumStale = true;
    this.crcValid = 0;
    this.changedLast = true;
  }

  private finish(cs: unknown): BookApplyResult {
    // Checksum 0 means "not provided" since June 2026 (docs/OKX-PROTOCOL.md §3.3): seq continuity still applies.
    if (this.verify && typeof cs === 'number' && cs !== 0) {
      const local = this.checksum();
      if (local !== cs)
        return this.fail('checksum', `checksum ${cs} != local ${local} at seqId ${this.last}`);
    }
    this.stats.applied++;
    if (this.changedLast && this.listenerCount('change')) this.emit('change', this);
    return 'applied';
  }

  private fail(reason: 'gap' | 'checksum', detail: string): BookApplyResult {
    if (reason === 'gap') this.stats.gaps++;
    else this.stats.checksumFailures++;
    this.reset();
    this.emit('resync', reason, detail);
    return reason;
  }
}
