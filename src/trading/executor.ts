import { newClOrdId, isValidClOrdId } from '../protocol/cl-ord-id.js';
import type { Sleep } from '../util/clock.js';
import { realSleep } from '../util/clock.js';
import { ValidationError, errorText } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { OPEN_STATES, type ExchangePort, type Order, type OrderIntent } from './exchange-port.js';
import { ExecutionUnresolvedError, errorCode, isAmbiguous } from './errors.js';
import { payloadHash, type JournalRow, type OrderJournal } from './journal.js';
import type { AlertInput } from './alerts.js';

/** The part of an exchange the executor drives. */
export type ExecutionVenue = Pick<ExchangePort, 'placeOrder' | 'getOrder' | 'openOrders' | 'now'> & {
  /**
   * +- bound on `now()`, ms (half the round trip of the clock sample in force). Without it the
   * venue's clock counts as exact (an in-process exchange).
   */
  clockErrorMs?(): number;
  /** Re-measures the clock (after an anomaly); may be a no-op when one ran moments ago. */
  resyncClock?(): Promise<unknown>;
};

/** Options of `Executor`: the venue, the order journal, sleep, the `expTime` window (ms) and retry settings. */
export interface ExecutorOptions {
  venue: ExecutionVenue;
  journal: OrderJournal;
  sleep?: Sleep;
  /** expTime = exchange now + this (ms), sent with every placement. Default 5 s. */
  expWindowMs?: number;
  /**
   * Extra wait past expTime + the venue's clock error bound before a "does not exist" counts
   * (the exchange's own processing slack). Default 250 ms.
   */
  expMarginMs?: number;
  /**
   * Widest clock error bound (ms) under which a resend is allowed. Wider, the executor re-syncs
   * the clock once and, if still too wide, refuses to resend and leaves the row unknown. Default 2000.
   */
  maxClockErrorMs?: number;
  /** Sends of one intent at most (the first plus resends after confirmed non-existence). Default 3. */
  maxSends?: number;
  /** Lookups per send before giving up as unresolved. Default 30. */
  maxLookups?: number;
  /** Backoff between failed lookups (ms), doubled up to 8x. Default 200. */
  lookupDelayMs?: number;
  /** Resends after a refusal that proves the exchange did not act (rate limit, expired), with backoff. Default 8. */
  maxThrottleRetries?: number;
  /** Alert hub (payload mismatches, unresolved orders). */
  alerts?: { emit(a: AlertInput): unknown };
  /** Prefix for generated clOrdIds (the caller's choice; none by default). */
  clOrdIdPrefix?: string;
  /** Cancel an order whose exchange view differs from the intent (default false: alert only). */
  cancelOnMismatch?: boolean;
  cancel?: (ref: { instId: string; clOrdId: string }) => Promise<void>;
  /** Where failed lookups and clock re-syncs are logged (warn / debug). */
  logger?: Logger;
}

/** What `Executor.reconcile` did with journal rows: adopted, expired, refreshed, foreign orders found, still unresolved, and errors. */
export interface ReconcileReport {
  /** pending/unknown rows the exchange has: adopted. */
  adopted: JournalRow[];
  /** pending/unknown rows the exchange confirmed it does not have after their expTime. */
  expired: JournalRow[];
  /** acked rows whose exchange state was refreshed (filled, canceled, partly filled). */
  refreshed: JournalRow[];
  /** Open orders on the exchange that this journal never wrote (placed elsewhere). */
  foreign: Order[];
  /** rows still unresolved (lookups failed). */
  unresolved: JournalRow[];
  /** Why each unresolved row is unresolved: the code (when it has one) and message of its last lookup's error. */
  errors: Array<{ clOrdId: string; code?: string; error: string }>;
}

/**
 * Refusals that prove the exchange did not act, so the same clOrdId may go again: rate limits
 * (docs/OKX-PROTOCOL.md §5: 50011, 50061, 50040), a request that arrived after its expTime (docs/OKX-PROTOCOL.md §9: 50037) and a
 * timestamp outside the server's window, refused at the gateway (50102).
 */
const THROTTLE_CODES = new Set(['50011', '50061', '50040', '50037', '50102']);
/** Of those, the ones that say our clock estimate is off. */
const CLOCK_CODES = new Set(['50037', '50102']);

/** `{ code }` of an error that carries one (for a report row), else nothing. */
function codeField(err: unknown): { code?: string } {
  const code = errorCode(err);
  return code === undefined ? {} : { code };
}

function isThrottled(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && THROTTLE_CODES.has(code);
}

/**
 * Exactly-once order placement (docs/REQUIREMENTS.md R11, R24): one clOrdId per intent, journaled before the request;
 * an ambiguous outcome is settled by looking the clOrdId up, never by a blind resend.
 */
export class Executor {
  private readonly venue: ExecutionVenue;
  readonly journal: OrderJournal;
  private readonly sleep: Sleep;
  private readonly expWindowMs: number;
  private readonly expMarginMs: number;
  private readonly maxClockErrorMs: number;
  private readonly maxSends: number;
  private readonly maxLookups: number;
  private readonly lookupDelayMs: number;
  private readonly maxThrottleRetries: number;
  private readonly opts: ExecutorOptions;
  private readonly inFlight = new Map<string, Promise<Order>>();

  constructor(opts: ExecutorOptions) {
    this.opts = opts;
    this.venue = opts.venue;
    this.journal = opts.journal;
    this.sleep = opts.sleep ?? realSleep;
    this.expWindowMs = opts.expWindowMs ?? 5_000;
    this.expMarginMs = opts.expMarginMs ?? 250;
    this.maxClockErrorMs = opts.maxClockErrorMs ?? 2_000;
    this.maxSends = opts.maxSends ?? 3;
    this.maxLookups = opts.maxLookups ?? 30;
    this.lookupDelayMs = opts.lookupDelayMs ?? 200;
    this.maxThrottleRetries = opts.maxThrottleRetries ?? 8;
    if (this.expWindowMs < 1) throw new ValidationError('expWindowMs', 'must be positive', 'e.g. 5000');
  }

  /** Places an intent exactly once; resolves with the exchange's view of the order. */
  place(intent: OrderIntent): Promise<Order> {
    const clOrdId = intent.clOrdId ?? newClOrdId(this.opts.clOrdIdPrefix ?? '');
    if (!isValidClOrdId(clOrdId))
      throw new ValidationError(
        'clOrdId',
        `"${clOrdId}" is not 1-32 alphanumerics`,
        'omit it to get a fresh one',
      );
    const running = this.inFlight.get(clOrdId);
    if (running) return running;
    const existing = this.journal.get(clOrdId);
    const p = (async () => {
      if (existing) {
        // The same clOrdId again: the intent was journaled before; settle it instead of placing twice.
        if (existing.status === 'acked') return this.refresh(existing);
        if (existing.status === 'rejected' || existing.status === 'expired') {
          throw new ValidationError(
            'clOrdId',
            `"${clOrdId}" was already used for an order that is ${existing.status}`,
            'omit clOrdId to get a fresh one',
          );
        }
        return this.resolve(existing, true);
      }
      const { expTime: _ignored, ...rest } = intent;
      const row = this.journal.insert({ ...rest, clOrdId });
      return this.send(row, 1);
    })().finally(() => this.inFlight.delete(clOrdId));
    this.inFlight.set(clOrdId, p);
    return p;
  }

  private async send(row: JournalRow, sendNo: number, throttled = 0): Promise<Order> {
    const expTime = this.venue.now() + this.expWindowMs;
    // Journaled before the request leaves, so a crash right after still knows the deadline.
    this.journal.markSending(row.clOrdId, expTime);
    const sendRow = { ...row, expTime };
    try {
      const order = await this.venue.placeOrder({ ...row.intent, clOrdId: row.clOrdId, expTime });
      return await this.adopt(sendRow, order);
    } catch (err) {
      const code = errorCode(err);
      if (code === '51016') {
        // docs/OKX-PROTOCOL.md §8 step 4: the clOrdId is already pending, i.e. an earlier send of this intent is live.
        return this.resolve(sendRow, false, sendNo);
      }
      if (isAmbiguous(err)) {
        // An anomaly: measure the clock again (cheap when one ran moments ago) before deciding anything.
        await this.resyncClock();
        this.journal.markUnknown(row.clOrdId, {
          code,
          msg: err instanceof Error ? err.message : String(err),
        });
        return this.resolve(sendRow, true, sendNo);
      }
      if (isThrottled(err) && throttled < this.maxThrottleRetries) {
        // Refused before the exchange acted: the same clOrdId may go again after a pause, with a fresh expTime.
        this.journal.note(row.clOrdId, 'throttled', { code });
        // 50037: it arrived after its expTime by the exchange's clock, so ours may be off.
        if (code !== undefined && CLOCK_CODES.has(code)) await this.resyncClock();
        await this.sleep(this.lookupDelayMs * 2 ** Math.min(5, throttled));
        return this.send(row, sendNo, throttled + 1);
      }
      this.journal.markRejected(row.clOrdId, { code, msg: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /**
   * Settles a row whose outcome is unknown: look it up by clOrdId and adopt what the exchange
   * says; only when a lookup made after expTime (+ margin) says it does not exist, resend it
   * with the same clOrdId (when `resend`), else mark it expired.
   */
  private async resolve(row: JournalRow, resend: boolean, sendNo = row.attempts): Promise<Order> {
    let failures = 0;
    const reasons: Array<{ code: string | undefined; message: string }> = [];
    let resynced = false;
    for (let i = 0; i < this.maxLookups; i++) {
      const lookupStart = this.venue.now();
      let found: Order | undefined;
      try {
        found = await this.venue.getOrder({ instId: row.instId, clOrdId: row.clOrdId });
      } catch (err) {
        failures++;
        reasons.push({ code: errorCode(err), message: errorText(err) });
        this.opts.logger?.warn(
          { clOrdId: row.clOrdId, code: errorCode(err), err: errorText(err), failures },
          'lookup by clOrdId failed',
        );
        await this.sleep(this.lookupDelayMs * Math.min(8, 2 ** Math.min(3, failures - 1)));
        if (failures >= this.maxLookups) {
          throw new ExecutionUnresolvedError(
            row.clOrdId,
            `lookups by clOrdId kept failing (last: ${errorText(err)})`,
            err,
            reasons,
          );
        }
        continue;
      }
      if (found) return this.adopt(row, found);
      // The first send can still execute until expTime in the exchange's time; our estimate of
      // that time is off by up to the clock error bound, so wait out the bound too. A bound that
      // is unknown or too wide is measured again first (once per settlement).
      let clockErr = this.clockErrorMs();
      if (clockErr > this.maxClockErrorMs && !resynced) {
        resynced = true;
        await this.resyncClock();
        clockErr = this.clockErrorMs();
      }
      const wide = clockErr > this.maxClockErrorMs;
      const deadline = row.expTime + Math.min(clockErr, this.maxClockErrorMs) + this.expMarginMs;
      if (row.expTime > 0 && lookupStart <= deadline) {
        // Not there yet, but the original may still be in flight: ask again once it can no longer execute.
        await this.sleep(deadline - lookupStart + 1);
        continue;
      }
      if (resend && sendNo < this.maxSends) {
        if (wide) {
          this.journal.note(row.clOrdId, 'resend-refused', {
            clockErrorMs: Number.isFinite(clockErr) ? clockErr : 'unmeasured',
            maxClockErrorMs: this.maxClockErrorMs,
          });
          const bound = Number.isFinite(clockErr) ? `only known to within +-${clockErr} ms` : 'not measured';
          const why = `not found, but the exchange's time is ${bound} (limit ${this.maxClockErrorMs} ms), so the first send might still execute: not resending`;
          this.opts.alerts?.emit({
            kind: 'order-unresolved',
            severity: 'warning',
            message: `order ${row.clOrdId}: ${why}`,
            details: { clOrdId: row.clOrdId, instId: row.instId, clockErrorMs: clockErr },
          });
          throw new ExecutionUnresolvedError(row.clOrdId, why);
        }
        const fresh = this.journal.get(row.clOrdId)!;
        return this.send(fresh, sendNo + 1);
      }
      this.journal.markExpired(row.clOrdId);
      if (resend) {
        this.opts.alerts?.emit({
          kind: 'order-unresolved',
          severity: 'warning',
          message: `order ${row.clOrdId} was not accepted after ${sendNo} sends`,
          details: { clOrdId: row.clOrdId, instId: row.instId, sends: sendNo },
        });
        throw new ExecutionUnresolvedError(
          row.clOrdId,
          `not on the exchange after ${sendNo} sends; given up`,
        );
      }
      throw new ExecutionUnresolvedError(row.clOrdId, 'not on the exchange and its expTime has passed');
    }
    throw new ExecutionUnresolvedError(row.clOrdId, `still unknown after ${this.maxLookups} lookups`);
  }

  private clockErrorMs(): number {
    const e = this.venue.clockErrorMs?.() ?? 0;
    // Never measured: unknown, i.e. unbounded.
    return Number.isFinite(e) && e >= 0 ? e : Number.POSITIVE_INFINITY;
  }

  /** Best effort: a failed re-sync leaves the old estimate (and its bound) in force. */
  private async resyncClock(): Promise<void> {
    if (!this.venue.resyncClock) return;
    try {
      await this.venue.resyncClock();
    } catch (err) {
      // the bound stays as it was; resolve() refuses to resend while it is too wide
      this.opts.logger?.debug({ code: errorCode(err), err: errorText(err) }, 'clock re-sync failed');
    }
  }

  private async adopt(row: JournalRow, order: Order): Promise<Order> {
    const seen = payloadHash(order);
    const mismatch = seen !== row.payloadHash;
    this.journal.markAcked({ ...order, clOrdId: row.clOrdId }, mismatch);
    if (mismatch) {
      this.opts.alerts?.emit({
        kind: 'payload-mismatch',
        severity: 'critical',
        message: `order ${row.clOrdId} on the exchange differs from the intent`,
        details: {
          clOrdId: row.clOrdId,
          ordId: order.ordId,
          intended: { instId: row.instId, side: row.side, ordType: row.ordType, px: row.px, sz: row.sz },
          reported: {
            instId: order.instId,
            side: order.side,
            ordType: order.ordType,
            px: order.px,
            sz: order.sz,
          },
        },
        dedupKey: `payload-mismatch:${row.clOrdId}`,
      });
      if (this.opts.cancelOnMismatch && this.opts.cancel && OPEN_STATES.has(order.state)) {
        await this.opts.cancel({ instId: order.instId, clOrdId: row.clOrdId });
      }
    }
    return order;
  }

  /**
   * Looks an order up for a caller (a restarted bot adopting its orders). When the clOrdId is one
   * of this journal's, what the exchange says is adopted here too, so the journal and the caller
   * never disagree: a `pending` or `unknown` row the exchange has becomes `acked`. A row the
   * exchange does not have is left alone; placing it again goes through place(), which resends
   * only after its expTime has passed.
   */
  async lookup(ref: { instId: string; ordId?: string; clOrdId?: string }): Promise<Order | undefined> {
    const found = await this.venue.getOrder(ref);
    const clOrdId = ref.clOrdId || found?.clOrdId;
    const row = clOrdId ? this.journal.get(clOrdId) : undefined;
    if (!found || !row || this.inFlight.has(row.clOrdId)) return found;
    const news =
      row.status !== 'acked' || row.exchState !== found.state || row.accFillSz !== (found.accFillSz || '0');
    return news ? this.adopt(row, found) : found;
  }

  private async refresh(row: JournalRow): Promise<Order> {
    const o = await this.venue.getOrder({ instId: row.instId, clOrdId: row.clOrdId });
    if (!o)
      throw new ExecutionUnresolvedError(
        row.clOrdId,
        'journaled as acked but the exchange no longer reports it',
      );
    return this.adopt(row, o);
  }

  /**
   * Start-up reconciliation: every pending/unknown row is settled by clOrdId lookup (without
   * resending: a stale intent is reported as expired, not placed), acked open rows are refreshed
   * against the exchange's open orders, and open orders this journal never wrote are reported.
   */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      adopted: [],
      expired: [],
      refreshed: [],
      foreign: [],
      unresolved: [],
      errors: [],
    };
    for (const row of this.journal.byStatus('pending', 'unknown')) {
      try {
        await this.resolve(row, false);
        report.adopted.push(this.journal.get(row.clOrdId)!);
      } catch (err) {
        const now = this.journal.get(row.clOrdId)!;
        if (now.status === 'expired') report.expired.push(now);
        else if (err instanceof ExecutionUnresolvedError) {
          report.unresolved.push(now);
          report.errors.push({ clOrdId: row.clOrdId, ...codeField(err), error: err.message });
        } else throw err;
      }
    }
    const open = await this.venue.openOrders();
    const openIds = new Set<string>();
    for (const o of open) {
      openIds.add(o.clOrdId);
      const row = o.clOrdId ? this.journal.get(o.clOrdId) : undefined;
      if (!row) {
        report.foreign.push(o);
        continue;
      }
      if (row.exchState !== o.state || row.accFillSz !== (o.accFillSz || '0')) {
        await this.adopt(row, o);
        report.refreshed.push(this.journal.get(row.clOrdId)!);
      }
    }
    for (const row of this.journal.byStatus('acked')) {
      if (!OPEN_STATES.has(row.exchState) || openIds.has(row.clOrdId)) continue;
      try {
        const o = await this.venue.getOrder({ instId: row.instId, clOrdId: row.clOrdId });
        if (o) {
          await this.adopt(row, o);
          report.refreshed.push(this.journal.get(row.clOrdId)!);
        }
      } catch (err) {
        report.unresolved.push(row);
        report.errors.push({ clOrdId: row.clOrdId, ...codeField(err), error: errorText(err) });
      }
    }
    return report;
  }
}
