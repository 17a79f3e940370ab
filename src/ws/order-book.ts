import { Decimal } from 'decimal.js';
import { bookChecksumFromSegments, type BookLevel } from '../protocol/book-checksum.js';
import { TypedEmitter } from './emitter.js';

/** One element of a book push's `data` (facts §3): levels as [px, sz, "0", count] strings. */
export interface BookData {
  asks: BookLevel[];
  bids: BookLevel[];
  ts?: string;
  checksum?: number;
  seqId?: number;
  prevSeqId?: number;
}

/**
 * A REST snapshot (GET /api/v5/market/books; since 2026 it carries seqId, facts §3.3). Levels as
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
 * - gap: prevSeqId != last seqId (facts §3.1): the book is stale until a resync
 * - checksum: the merged book does not match the pushed checksum (facts §3.2)
 * - invalid: the message does not have the shape of a book push
 */
export type BookApplyResult = 'applied' | 'ignored' | 'gap' | 'checksum' | 'invalid';

export type BookChannel = 'books' | 'books5' | 'bbo-tbt' | 'books-l2-tbt' | 'books50-l2-tbt';

export interface OrderBookEvents {
  /** The book changed (after a snapshot or an update that moved levels). */
  change: (book: OrderBook) => void;
  /** The book became stale (gap or checksum mismatch): whoever feeds it must resync. */
  resync: (reason: 'gap' | 'checksum', detail: string) => void;
}

export interface OrderBookOptions {
  /** books5 and bbo-tbt push full snapshots; the others push increments (facts §3). Default 'books'. */
  channel?: BookChannel;
  /** Verify non-zero checksums (default true). A zero checksum is never verified (facts §3.3). */
  verifyChecksum?: boolean;
  /** Updates kept while waiting for a REST snapshot (facts §3.3). Default 1000. */
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
  /** "px:sz" of the top 25 levels for the checksum (facts §3.2); entries from segValid on are stale. */
  private readonly seg: string[] = [];
  private segValid = 0;
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
    this.segValid = 0;
  }

  /** Merges increments; returns the lowest index touched (Infinity when nothing changed). */
  merge(levels: readonly BookLevel[]): number {
    let low = Infinity;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i]!;
      const p = Number(l[0]);
      const at = this.find(p);
      if (at >= 0) {
        if (isZero(l[1])) {
          this.lv.splice(at, 1);
          this.px.splice(at, 1);
        } else {
          this.lv[at] = l;
        }
        if (at < low) low = at;
      } else if (!isZero(l[1])) {
        const ins = -at - 1;
        if (ins === this.lv.length) {
          this.lv.push(l);
          this.px.push(p);
        } else {
          this.lv.splice(ins, 0, l);
          this.px.splice(ins, 0, p);
        }
        if (ins < low) low = ins;
      }
    }
    if (low < this.segValid) this.segValid = low;
    return low;
  }

  /** The top-25 "px:sz" strings, rebuilt from the shallowest level changed since the last call. */
  segments(): readonly string[] {
    const n = this.lv.length < 25 ? this.lv.length : 25;
    for (let i = this.segValid; i < n; i++) {
      const l = this.lv[i]!;
      this.seg[i] = l[0] + ':' + l[1];
    }
    this.seg.length = n;
    this.segValid = n;
    return this.seg;
  }
}

/** Levels of a REST snapshot: arrays whose first two items (px, sz) are strings. */
function isLevels(levels: ReadonlyArray<readonly string[]>): levels is readonly BookLevel[] {
  return (
    Array.isArray(levels) &&
    levels.every((l) => Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'string')
  );
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

const DATA_KEY = '"data":';
const ACTION_UPDATE = '"action":"update"';
const ACTION_SNAPSHOT = '"action":"snapshot"';

const CHECKSUM_DEPTH = 25;

/**
 * A local order book kept from OKX book pushes (facts §3): snapshot + increments merged with
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
  private buffering = false;
  private readonly buffer: BookData[] = [];
  private snapshotFloor: number | undefined;
  private lastTs = '';
  private changedLast = false;
  /** Messages applied, gaps and checksum failures seen: for monitoring. */
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
    // Fast path for OKX's layout {"arg":{...},"action":"...","data":[...]}: parse only the data
    // array (the arg and action need no parsing). Anything else takes the full parse below.
    const at = raw.lastIndexOf(DATA_KEY);
    if (at > 0 && raw.charCodeAt(raw.length - 1) === 125 /* } */) {
      const head = raw.slice(0, at);
      const action = head.includes(ACTION_UPDATE)
        ? 'update'
        : head.includes(ACTION_SNAPSHOT)
          ? 'snapshot'
          : undefined;
      if (action !== undefined) {
        let data: unknown;
        try {
          data = JSON.parse(raw.slice(at + DATA_KEY.length, raw.length - 1));
        } catch {
          data = undefined;
        }
        if (Array.isArray(data) && data.length > 0) return this.apply(data[0] as BookData, action);
      }
    }
    let msg: { action?: unknown; data?: unknown };
    try {
      msg = JSON.parse(raw) as { action?: unknown; data?: unknown };
    } catch {
      return 'invalid';
    }
    const data = msg.data;
    if (!Array.isArray(data) || data.length === 0) return 'invalid';
    return this.apply(data[0] as BookData, msg.action as string | undefined);
  }

  /**
   * Applies one push element. `action` is "snapshot" or "update" for incremental channels;
   * books5/bbo-tbt pushes have none and are full snapshots.
   */
  apply(d: BookData, action?: string): BookApplyResult {
    if (!d || !Array.isArray(d.bids) || !Array.isArray(d.asks) || typeof d.seqId !== 'number')
      return 'invalid';
    if (!this.incremental || action === 'snapshot') {
      this.loadLevels(d.bids, d.asks, d.seqId, d.ts);
      this.buffering = false;
      this.buffer.length = 0;
      this.snapshotFloor = undefined;
      return this.finish(d);
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
      // First events after a REST snapshot (facts §3.3): drop seqId <= snapshot.seqId; the first
      // applied one must straddle it: prevSeqId <= snapshot.seqId < seqId.
      if (d.seqId <= this.snapshotFloor) return 'ignored';
      if (prev > this.snapshotFloor)
        return this.fail('gap', `update ${prev}->${d.seqId} does not follow snapshot ${this.snapshotFloor}`);
      this.snapshotFloor = undefined;
    } else if (prev !== this.last) {
      return this.fail('gap', `prevSeqId ${prev} != last seqId ${this.last}`);
    }
    if (d.seqId === prev) this.stats.heartbeats++;
    else if (d.seqId < prev) this.stats.resets++; // maintenance reset: continue from it (facts §3.1)
    const lb = d.bids.length ? this.bids.merge(d.bids) : Infinity;
    const la = d.asks.length ? this.asks.merge(d.asks) : Infinity;
    if (lb < CHECKSUM_DEPTH || la < CHECKSUM_DEPTH) this.checksumStale = true;
    this.changedLast = lb !== Infinity || la !== Infinity;
    this.last = d.seqId;
    if (d.ts !== undefined) this.lastTs = d.ts;
    return this.finish(d);
  }

  /**
   * Starts buffering increments until `loadSnapshot` (the REST path of facts §3.3, and the
   * recovery after a gap when the WS no longer pushes snapshots).
   */
  startBuffering(): void {
    this.buffering = true;
    this.buffer.length = 0;
  }

  /**
   * Loads a REST snapshot and replays buffered increments. Returns 'retry' when the snapshot is
   * older than the first buffered event (facts §3.3: fetch it again).
   */
  loadSnapshot(s: BookSnapshot): BookApplyResult | 'retry' {
    if (!isLevels(s.bids) || !isLevels(s.asks) || !Number.isInteger(s.seqId)) return 'invalid';
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
  /** The checksum of the current book (facts §3.2), computed only when the top 25 changed. */
  checksum(): number {
    if (this.checksumStale) {
      this.checksumValue = bookChecksumFromSegments(this.bids.segments(), this.asks.segments());
      this.checksumStale = false;
    }
    return this.checksumValue;
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
    this.changedLast = true;
  }

  private finish(d: BookData): BookApplyResult {
    const cs = d.checksum;
    // Checksum 0 means "not provided" since June 2026 (facts §3.3): seq continuity still applies.
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
