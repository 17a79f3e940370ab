import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { Decimal } from '../util/decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Order, OrderIntent } from './exchange-port.js';
import { createPrivateFile } from '../util/atomic-write.js';
import { silentLogger, type Logger } from '../util/logger.js';

/**
 * Journal row states:
 * - `pending`: written before the request is sent; the exchange may or may not have it;
 * - `unknown`: a request had an ambiguous outcome and lookups have not settled it yet;
 * - `acked`: the exchange has the order (its own state is in `exchState`);
 * - `rejected`: the exchange refused it definitively (never executed);
 * - `expired`: the exchange confirmed it does not exist after the request's expTime passed and
 *   the intent was not resent (found so by reconciliation after a restart).
 */
export type JournalStatus = 'pending' | 'unknown' | 'acked' | 'rejected' | 'expired';

export interface JournalRow {
  clOrdId: string;
  instId: string;
  side: string;
  ordType: string;
  px: string;
  sz: string;
  /** The whole intent as JSON, so a restart can resend it if asked to. */
  intent: OrderIntent;
  payloadHash: string;
  status: JournalStatus;
  ordId: string;
  exchState: string;
  accFillSz: string;
  /** expTime (ms, exchange time) of the latest request sent for this intent; 0 before the first. */
  expTime: number;
  attempts: number;
  errorCode: string;
  errorMsg: string;
  mismatch: boolean;
  createdMs: number;
  updatedMs: number;
}

/** Decimal strings compared by value: "0.10" and "0.1" are the same price. */
function canon(v: string | undefined): string {
  if (v === undefined || v === '') return '';
  try {
    return new Decimal(v).toFixed();
  } catch {
    return v;
  }
}

/** sha256 over the canonical (instId, side, ordType, px, sz) of an order (docs/REQUIREMENTS.md R22). */
export function payloadHash(o: {
  instId: string;
  side: string;
  ordType: string;
  px?: string;
  sz: string;
}): string {
  const canonical = JSON.stringify([
    o.instId,
    o.side,
    o.ordType,
    o.ordType === 'market' ? '' : canon(o.px),
    canon(o.sz),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

interface RawRow {
  cl_ord_id: string;
  inst_id: string;
  side: string;
  ord_type: string;
  px: string;
  sz: string;
  intent: string;
  payload_hash: string;
  status: JournalStatus;
  ord_id: string;
  exch_state: string;
  acc_fill_sz: string;
  exp_time: number;
  attempts: number;
  error_code: string;
  error_msg: string;
  mismatch: number;
  created_ms: number;
  updated_ms: number;
}

function fromRaw(r: RawRow): JournalRow {
  return {
    clOrdId: r.cl_ord_id,
    instId: r.inst_id,
    side: r.side,
    ordType: r.ord_type,
    px: r.px,
    sz: r.sz,
    intent: JSON.parse(r.intent) as OrderIntent,
    payloadHash: r.payload_hash,
    status: r.status,
    ordId: r.ord_id,
    exchState: r.exch_state,
    accFillSz: r.acc_fill_sz,
    expTime: r.exp_time,
    attempts: r.attempts,
    errorCode: r.error_code,
    errorMsg: r.error_msg,
    mismatch: r.mismatch !== 0,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
  };
}

/**
 * The order journal (docs/REQUIREMENTS.md R24): one row per intent, keyed by its clOrdId, in SQLite (WAL). Every
 * state change is one transaction that updates the row and appends an event with a ms
 * timestamp, so a crash leaves either the old or the new state, never half of one.
 */
export class OrderJournal {
  readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly log: Logger;

  /**
   * `synchronous`: FULL (default) fsyncs every transaction, so a row written before a request
   * survives a power cut; NORMAL (WAL) survives a killed process but may lose the last rows on
   * power loss, for slow disks or high order rates. Either way reconcile() reports orders on
   * the exchange that the journal lacks.
   */
  constructor(
    path: string,
    opts: {
      clock?: Clock;
      synchronous?: 'FULL' | 'NORMAL';
      /**
       * Each journal event is also logged, with the intent's clOrdId as `corr`: every line about one
       * order, from intent to fill, carries the same correlation id. Default: nothing logged.
       */
      logger?: Logger;
    } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    createPrivateFile(path); // 0600: the journal holds order history
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS orders (
        cl_ord_id TEXT PRIMARY KEY,
        inst_id TEXT NOT NULL,
        side TEXT NOT NULL,
        ord_type TEXT NOT NULL,
        px TEXT NOT NULL,
        sz TEXT NOT NULL,
        intent TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        ord_id TEXT NOT NULL DEFAULT '',
        exch_state TEXT NOT NULL DEFAULT '',
        acc_fill_sz TEXT NOT NULL DEFAULT '0',
        exp_time INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_code TEXT NOT NULL DEFAULT '',
        error_msg TEXT NOT NULL DEFAULT '',
        mismatch INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cl_ord_id TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX IF NOT EXISTS events_cl ON events(cl_ord_id);
    `);
  }

  private event(clOrdId: string, event: string, detail: unknown): void {
    this.db
      .prepare('INSERT INTO events (cl_ord_id, ts_ms, event, detail) VALUES (?, ?, ?, ?)')
      .run(clOrdId, this.clock.now(), event, detail === undefined ? '' : JSON.stringify(detail));
    const level = event === 'rejected' || event === 'ambiguous' || event === 'expired' ? 'warn' : 'info';
    if (this.log.isLevelEnabled(level))
      this.log[level]({ corr: clOrdId, event, ...logFields(detail) }, `order ${event}`);
  }

  /** Records a new intent as `pending`; throws if the clOrdId was journaled before. */
  insert(intent: OrderIntent & { clOrdId: string }): JournalRow {
    const now = this.clock.now();
    const hash = payloadHash(intent);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO orders (cl_ord_id, inst_id, side, ord_type, px, sz, intent, payload_hash, status, created_ms, updated_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(
          intent.clOrdId,
          intent.instId,
          intent.side,
          intent.ordType,
          intent.px ?? '',
          intent.sz,
          JSON.stringify(intent),
          hash,
          now,
          now,
        );
      this.event(intent.clOrdId, 'intent', {
        instId: intent.instId,
        side: intent.side,
        ordType: intent.ordType,
        px: intent.px ?? '',
        sz: intent.sz,
      });
    })();
    return this.get(intent.clOrdId)!;
  }

  /** Records that a request is about to be sent with this expTime (before it is sent). */
  markSending(clOrdId: string, expTime: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'UPDATE orders SET exp_time = ?, attempts = attempts + 1, updated_ms = ? WHERE cl_ord_id = ?',
        )
        .run(expTime, this.clock.now(), clOrdId);
      this.event(clOrdId, 'send', { expTime });
    })();
  }

  /** Appends an event without changing the row's state. */
  note(clOrdId: string, event: string, detail: unknown): void {
    this.event(clOrdId, event, detail);
  }

  markUnknown(clOrdId: string, reason: { code?: string; msg: string }): void {
    this.setStatus(
      clOrdId,
      'unknown',
      { error_code: reason.code ?? '', error_msg: reason.msg },
      'ambiguous',
      reason,
    );
  }

  markRejected(clOrdId: string, reason: { code?: string; msg: string }): void {
    this.setStatus(
      clOrdId,
      'rejected',
      { error_code: reason.code ?? '', error_msg: reason.msg },
      'rejected',
      reason,
    );
  }

  markExpired(clOrdId: string): void {
    this.setStatus(clOrdId, 'expired', {}, 'expired', undefined);
  }

  /** Adopts the exchange's view of the order. */
  markAcked(order: Order, mismatch = false): void {
    this.setStatus(
      order.clOrdId,
      'acked',
      {
        ord_id: order.ordId,
        exch_state: order.state,
        acc_fill_sz: order.accFillSz || '0',
        mismatch: mismatch ? 1 : 0,
      },
      'exchange',
      { ordId: order.ordId, state: order.state, accFillSz: order.accFillSz, px: order.px, sz: order.sz },
    );
  }

  private setStatus(
    clOrdId: string,
    status: JournalStatus,
    cols: Record<string, string | number>,
    event: string,
    detail: unknown,
  ): void {
    const keys = Object.keys(cols);
    const sets = ['status = ?', 'updated_ms = ?', ...keys.map((k) => `${k} = ?`)].join(', ');
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE orders SET ${sets} WHERE cl_ord_id = ?`)
        .run(status, this.clock.now(), ...keys.map((k) => cols[k]!), clOrdId);
      this.event(clOrdId, event, detail);
    })();
  }

  get(clOrdId: string): JournalRow | undefined {
    const r = this.db.prepare('SELECT * FROM orders WHERE cl_ord_id = ?').get(clOrdId) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  byStatus(...statuses: JournalStatus[]): JournalRow[] {
    const q = `SELECT * FROM orders WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY created_ms, cl_ord_id`;
    return (this.db.prepare(q).all(...statuses) as RawRow[]).map(fromRaw);
  }

  all(): JournalRow[] {
    return (this.db.prepare('SELECT * FROM orders ORDER BY created_ms, cl_ord_id').all() as RawRow[]).map(
      fromRaw,
    );
  }

  events(clOrdId: string): Array<{ tsMs: number; event: string; detail: unknown }> {
    const rows = this.db
      .prepare('SELECT ts_ms, event, detail FROM events WHERE cl_ord_id = ? ORDER BY id')
      .all(clOrdId) as Array<{
      ts_ms: number;
      event: string;
      detail: string;
    }>;
    return rows.map((r) => ({
      tsMs: r.ts_ms,
      event: r.event,
      detail: r.detail ? (JSON.parse(r.detail) as unknown) : undefined,
    }));
  }

  close(): void {
    this.db.close();
  }
}

/** A journal event's detail as log fields (`msg` is renamed: it is pino's message key). */
function logFields(detail: unknown): Record<string, unknown> {
  if (!detail || typeof detail !== 'object') return {};
  const { msg, ...rest } = detail as Record<string, unknown>;
  return msg === undefined ? rest : { ...rest, reason: msg };
}
