import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** What became of a signal. */
export type SignalStatus = 'processing' | 'accepted' | 'refused' | 'partial' | 'failed' | 'duplicate';

/** One order a signal placed (or tried to), by leg. */
export interface SignalOrder {
  leg: string;
  clOrdId: string;
  instId: string;
  side: string;
  sz: string;
  ordType: string;
  reduceOnly: boolean;
  ordId: string;
  state: string;
  accFillSz: string;
  avgPx: string;
  /** Why the exchange or the guard refused this leg ("" when it did not). */
  error: string;
  placedMs: number;
}

/** One received signal and its outcome, as `okxkit signals log` shows it. */
export interface SignalRecord {
  seq: number;
  receivedMs: number;
  source: string;
  /** "" when the body had none that could be read. */
  signalId: string;
  instId: string;
  action: string;
  status: SignalStatus;
  httpStatus: number;
  /** A stable code: ACCEPTED, INVALID_SIGNAL, UNAUTHENTICATED, RATE_LIMITED, ... */
  code: string;
  /** The field at fault ("" when none). */
  field: string;
  reason: string;
  /** The signal as parsed (without any token), or {} when it could not be parsed. */
  signal: Record<string, unknown>;
  orders: SignalOrder[];
  remote: string;
}

/**
 * The signals record (SQLite, WAL): every request received and its outcome, the ids claimed per
 * source (the replay and exactly-once memory, kept across restarts) and each order placed.
 */
export class SignalStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS signals (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        received_ms INTEGER NOT NULL,
        source TEXT NOT NULL,
        signal_id TEXT NOT NULL,
        inst_id TEXT NOT NULL,
        action TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        code TEXT NOT NULL,
        field TEXT NOT NULL,
        reason TEXT NOT NULL,
        signal TEXT NOT NULL,
        remote TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS claims (
        source TEXT NOT NULL,
        signal_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (source, signal_id)
      );
      CREATE TABLE IF NOT EXISTS orders (
        seq INTEGER NOT NULL,
        source TEXT NOT NULL,
        leg TEXT NOT NULL,
        cl_ord_id TEXT NOT NULL PRIMARY KEY,
        inst_id TEXT NOT NULL,
        side TEXT NOT NULL,
        sz TEXT NOT NULL,
        ord_type TEXT NOT NULL,
        reduce_only INTEGER NOT NULL,
        ord_id TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT '',
        acc_fill_sz TEXT NOT NULL DEFAULT '',
        avg_px TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        placed_ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS orders_by_source ON orders (source, placed_ms);
    `);
  }

  /** Records a received request; returns its seq. */
  insert(r: Omit<SignalRecord, 'seq' | 'orders'>): number {
    const info = this.db
      .prepare(
        `INSERT INTO signals (received_ms, source, signal_id, inst_id, action, status, http_status, code, field, reason, signal, remote)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.receivedMs,
        r.source,
        r.signalId,
        r.instId,
        r.action,
        r.status,
        r.httpStatus,
        r.code,
        r.field,
        r.reason,
        JSON.stringify(r.signal),
        r.remote,
      );
    return Number(info.lastInsertRowid);
  }

  /**
   * Claims (source, id) for the signal recorded as `seq`, atomically with that record. Returns
   * the seq of the earlier claim when the id was already used (a duplicate or a replay).
   */
  claim(source: string, signalId: string, seq: number): number | undefined {
    const row = this.db
      .prepare('SELECT seq FROM claims WHERE source = ? AND signal_id = ?')
      .get(source, signalId) as { seq: number } | undefined;
    if (row) return row.seq;
    this.db
      .prepare('INSERT INTO claims (source, signal_id, seq) VALUES (?, ?, ?)')
      .run(source, signalId, seq);
    return undefined;
  }

  /** The seq that claimed an id, if any. */
  claimed(source: string, signalId: string): number | undefined {
    const row = this.db
      .prepare('SELECT seq FROM claims WHERE source = ? AND signal_id = ?')
      .get(source, signalId) as { seq: number } | undefined;
    return row?.seq;
  }

  /** Sets the outcome of a signal. */
  finish(seq: number, o: Pick<SignalRecord, 'status' | 'httpStatus' | 'code' | 'field' | 'reason'>): void {
    this.db
      .prepare(
        'UPDATE signals SET status = ?, http_status = ?, code = ?, field = ?, reason = ? WHERE seq = ?',
      )
      .run(o.status, o.httpStatus, o.code, o.field, o.reason, seq);
  }

  /**
   * Marks signals left `processing` by a stop mid-way as `failed` (their orders, if any were sent,
   * are in the order journal under their clOrdIds); returns them.
   */
  markInterrupted(reason: string): SignalRecord[] {
    const rows = this.db.prepare("SELECT seq FROM signals WHERE status = 'processing'").all() as Array<{
      seq: number;
    }>;
    for (const r of rows)
      this.finish(r.seq, { status: 'failed', httpStatus: 500, code: 'INTERRUPTED', field: '', reason });
    return rows.map((r) => this.get(r.seq)!);
  }

  /** Journals an order of a signal before it is sent (its clOrdId is the key). */
  addOrder(seq: number, source: string, o: SignalOrder): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO orders (seq, source, leg, cl_ord_id, inst_id, side, sz, ord_type, reduce_only, placed_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        seq,
        source,
        o.leg,
        o.clOrdId,
        o.instId,
        o.side,
        o.sz,
        o.ordType,
        o.reduceOnly ? 1 : 0,
        o.placedMs,
      );
  }

  /** Updates an order with the exchange's view, or its refusal. */
  updateOrder(
    clOrdId: string,
    u: Partial<Pick<SignalOrder, 'ordId' | 'state' | 'accFillSz' | 'avgPx' | 'error'>>,
  ): void {
    const cur = this.db.prepare('SELECT * FROM orders WHERE cl_ord_id = ?').get(clOrdId) as
      Record<string, string> | undefined;
    if (!cur) return;
    this.db
      .prepare(
        'UPDATE orders SET ord_id = ?, state = ?, acc_fill_sz = ?, avg_px = ?, error = ? WHERE cl_ord_id = ?',
      )
      .run(
        u.ordId ?? cur.ord_id,
        u.state ?? cur.state,
        u.accFillSz ?? cur.acc_fill_sz,
        u.avgPx ?? cur.avg_px,
        u.error ?? cur.error,
        clOrdId,
      );
  }

  /** Orders a source sent at or after `sinceMs` (its per-minute limit). */
  ordersSince(source: string, sinceMs: number): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM orders WHERE source = ? AND placed_ms >= ?')
      .get(source, sinceMs) as { n: number };
    return row.n;
  }

  get(seq: number): SignalRecord | undefined {
    const row = this.db.prepare('SELECT * FROM signals WHERE seq = ?').get(seq) as DbSignal | undefined;
    return row ? this.toRecord(row) : undefined;
  }

  /** The newest `limit` records, oldest first; of one source when given. */
  list(opts: { limit?: number; source?: string } = {}): SignalRecord[] {
    const limit = opts.limit ?? 50;
    const rows = (
      opts.source
        ? this.db
            .prepare('SELECT * FROM signals WHERE source = ? ORDER BY seq DESC LIMIT ?')
            .all(opts.source, limit)
        : this.db.prepare('SELECT * FROM signals ORDER BY seq DESC LIMIT ?').all(limit)
    ) as DbSignal[];
    return rows.reverse().map((r) => this.toRecord(r));
  }

  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private toRecord(r: DbSignal): SignalRecord {
    const orders = (
      this.db.prepare('SELECT * FROM orders WHERE seq = ? ORDER BY rowid').all(r.seq) as DbOrder[]
    ).map((o): SignalOrder => ({
      leg: o.leg,
      clOrdId: o.cl_ord_id,
      instId: o.inst_id,
      side: o.side,
      sz: o.sz,
      ordType: o.ord_type,
      reduceOnly: o.reduce_only === 1,
      ordId: o.ord_id,
      state: o.state,
      accFillSz: o.acc_fill_sz,
      avgPx: o.avg_px,
      error: o.error,
      placedMs: o.placed_ms,
    }));
    return {
      seq: r.seq,
      receivedMs: r.received_ms,
      source: r.source,
      signalId: r.signal_id,
      instId: r.inst_id,
      action: r.action,
      status: r.status as SignalStatus,
      httpStatus: r.http_status,
      code: r.code,
      field: r.field,
      reason: r.reason,
      signal: JSON.parse(r.signal) as Record<string, unknown>,
      orders,
      remote: r.remote,
    };
  }
}

interface DbSignal {
  seq: number;
  received_ms: number;
  source: string;
  signal_id: string;
  inst_id: string;
  action: string;
  status: string;
  http_status: number;
  code: string;
  field: string;
  reason: string;
  signal: string;
  remote: string;
}

interface DbOrder {
  seq: number;
  source: string;
  leg: string;
  cl_ord_id: string;
  inst_id: string;
  side: string;
  sz: string;
  ord_type: string;
  reduce_only: number;
  ord_id: string;
  state: string;
  acc_fill_sz: string;
  avg_px: string;
  error: string;
  placed_ms: number;
}
