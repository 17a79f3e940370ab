import { Decimal } from 'decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { ExchangePort, Fill, Order } from './exchange-port.js';
import type { AuditSink } from './audit.js';
import type { AlertInput } from './alerts.js';
import { GuardRejection } from './errors.js';
import type { KillSwitch } from './kill-switch.js';
import type { RiskGate } from './order-guard.js';

export interface RiskLimits {
  /** Quote-currency loss since the start of the UTC day (realised + unrealised) that trips. */
  maxDailyLoss?: string;
  /** Quote-currency fall of equity from its peak that trips. */
  maxDrawdown?: string;
  /** Percent fall of equity from its peak that trips (needs startingEquity). */
  maxDrawdownPct?: string;
  maxOpenOrders?: number;
  /** Absolute base-currency position per instrument (one value for all, or per instId). */
  maxPosition?: string | Record<string, string>;
  /** Equity when the manager starts (quote currency); PnL is added to it. Default "0". */
  startingEquity?: string;
}

export type RiskRule =
  'maxDailyLoss' | 'maxDrawdown' | 'maxDrawdownPct' | 'maxOpenOrders' | 'maxPosition' | 'killSwitch';

export interface RiskTrip {
  rule: RiskRule;
  message: string;
  numbers: Record<string, string>;
  ts: number;
  cancelled: number;
  cancelFailures: number;
}

export interface RiskSnapshot {
  pnl: string;
  dailyPnl: string;
  equity: string;
  peakEquity: string;
  drawdown: string;
  openOrders: number;
  positions: Record<string, string>;
  halted: string | undefined;
}

interface Book {
  pos: Decimal;
  cash: Decimal;
  mark: Decimal | undefined;
}

const OPEN: ReadonlySet<string> = new Set(['live', 'partially_filled']);

function checkDec(field: string, v: string | undefined): void {
  if (v !== undefined && !/^\d+(\.\d+)?$/.test(v))
    throw new ValidationError(field, `"${v}" is not a non-negative decimal string`, 'e.g. "250"');
}

/**
 * Circuit breakers outside any strategy (R23, R31): daily loss, drawdown from peak equity, open
 * orders, position per instrument. A trip halts new orders (the guard sees haltReason), engages
 * the persisted kill switch, cancels open orders, writes the audit trail and alerts.
 */
export class RiskManager implements RiskGate {
  private readonly limits: RiskLimits;
  private readonly clock: Clock;
  private readonly killSwitch: KillSwitch | undefined;
  private readonly audit: AuditSink | undefined;
  private readonly alerts: { emit(a: AlertInput): unknown } | undefined;
  private readonly exchange: Pick<ExchangePort, 'openOrders' | 'cancelOrder'> | undefined;
  private readonly books = new Map<string, Book>();
  private readonly seenTrades = new Set<string>();
  private readonly open = new Map<string, Order>();
  private openCount = 0;
  private tripped: RiskTrip | undefined;
  private tripping: Promise<RiskTrip> | undefined;
  private peak: Decimal;
  private day = '';
  private dayStartPnl = new Decimal(0);
  private killSeen = false;
  readonly trips: RiskTrip[] = [];

  constructor(opts: {
    limits: RiskLimits;
    clock?: Clock;
    killSwitch?: KillSwitch;
    audit?: AuditSink;
    alerts?: { emit(a: AlertInput): unknown };
    /** Where open orders are cancelled on a trip. */
    exchange?: Pick<ExchangePort, 'openOrders' | 'cancelOrder'>;
  }) {
    const l = opts.limits;
    checkDec('maxDailyLoss', l.maxDailyLoss);
    checkDec('maxDrawdown', l.maxDrawdown);
    checkDec('maxDrawdownPct', l.maxDrawdownPct);
    checkDec('startingEquity', l.startingEquity);
    if (typeof l.maxPosition === 'string') checkDec('maxPosition', l.maxPosition);
    else for (const [k, v] of Object.entries(l.maxPosition ?? {})) checkDec(`maxPosition.${k}`, v);
    if (l.maxOpenOrders !== undefined && (!Number.isInteger(l.maxOpenOrders) || l.maxOpenOrders < 0)) {
      throw new ValidationError('maxOpenOrders', 'must be a non-negative integer', 'e.g. 50');
    }
    this.limits = l;
    this.clock = opts.clock ?? systemClock;
    this.killSwitch = opts.killSwitch;
    this.audit = opts.audit;
    this.alerts = opts.alerts;
    this.exchange = opts.exchange;
    this.peak = new Decimal(l.startingEquity ?? '0');
    this.killSeen = this.killSwitch?.isEngaged() ?? false;
  }

  // ---- RiskGate ----
  haltReason(): string | undefined {
    if (this.killSwitch) {
      // The persisted switch is the source of truth: `okxkit resume` in another process lifts a trip.
      const ks = this.killSwitch.state();
      if (ks.halted) return ks.why || 'kill switch engaged';
      if (this.tripped && !this.tripping) this.tripped = undefined;
      return undefined;
    }
    return this.tripped ? `${this.tripped.rule}: ${this.tripped.message}` : undefined;
  }

  /** Lifts a halt from this process (the CLI's `okxkit resume` does the same from outside). */
  async resume(why: string, operator = 'risk-manager'): Promise<void> {
    if (!why.trim())
      throw new ValidationError('why', 'a justification is required', 'say why trading may resume');
    this.killSwitch?.release({ why, by: operator });
    this.killSeen = false;
    this.tripped = undefined;
    await this.audit?.append({
      action: 'killswitch.released',
      details: { by: 'risk-manager' },
      why,
      operator,
    });
  }

  preTrade(o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal; notional: Decimal }): void {
    const maxOpen = this.limits.maxOpenOrders;
    if (maxOpen !== undefined && this.openCount + 1 > maxOpen) {
      throw new GuardRejection(
        'maxOpenOrders',
        o.instId,
        'one more order would exceed the open-order limit',
        {
          openOrders: String(this.openCount),
          maxOpenOrders: String(maxOpen),
        },
      );
    }
    const maxPos = this.maxPositionFor(o.instId);
    if (maxPos !== undefined) {
      const pos = this.book(o.instId).pos;
      // Worst case: the whole order fills.
      const after = o.side === 'buy' ? pos.plus(o.baseSz) : pos.minus(o.baseSz);
      if (after.abs().gt(maxPos) && after.abs().gt(pos.abs())) {
        throw new GuardRejection(
          'maxPosition',
          o.instId,
          'the order could take the position above its limit',
          {
            position: pos.toFixed(),
            positionIfFilled: after.toFixed(),
            maxPosition: maxPos,
          },
        );
      }
    }
  }

  // ---- inputs ----
  /** Feeds one fill (duplicates by tradeId are ignored). Resolves after any trip it caused. */
  async onFill(f: Fill): Promise<RiskTrip | undefined> {
    const key = `${f.instId}:${f.tradeId}`;
    if (this.seenTrades.has(key)) return undefined;
    this.seenTrades.add(key);
    const b = this.book(f.instId);
    const px = new Decimal(f.fillPx);
    const sz = new Decimal(f.fillSz);
    if (f.side === 'buy') {
      b.pos = b.pos.plus(sz);
      b.cash = b.cash.minus(px.mul(sz));
    } else {
      b.pos = b.pos.minus(sz);
      b.cash = b.cash.plus(px.mul(sz));
    }
    // OKX fee sign: negative = charged. A spot fee is in the received currency.
    const fee = new Decimal(f.fee || '0');
    const [base] = f.instId.split('-');
    if (f.feeCcy && f.feeCcy === base) b.pos = b.pos.plus(fee);
    else b.cash = b.cash.plus(fee);
    if (!b.mark) b.mark = px;
    return this.evaluate();
  }

  async onMark(instId: string, px: string): Promise<RiskTrip | undefined> {
    this.book(instId).mark = new Decimal(px);
    return this.evaluate();
  }

  /** Feeds an order update (from the private stream or a poll). */
  async onOrder(o: Order): Promise<RiskTrip | undefined> {
    const key = o.ordId || o.clOrdId;
    if (OPEN.has(o.state)) this.open.set(key, o);
    else this.open.delete(key);
    this.openCount = this.open.size;
    return this.evaluate();
  }

  /** Replaces the open-order view with a full list (e.g. GET orders-pending). */
  async setOpenOrders(orders: Order[]): Promise<RiskTrip | undefined> {
    this.open.clear();
    for (const o of orders) if (OPEN.has(o.state)) this.open.set(o.ordId || o.clOrdId, o);
    this.openCount = this.open.size;
    return this.evaluate();
  }

  /**
   * Checks the kill switch file: when another process (`okxkit kill`) engaged it, do what a trip
   * does in this process: cancel open orders and alert. Call it on a timer.
   */
  async pollKillSwitch(): Promise<RiskTrip | undefined> {
    const ks = this.killSwitch?.state();
    const engaged = ks?.halted ?? false;
    const wasSeen = this.killSeen;
    this.killSeen = engaged;
    if (!engaged) {
      if (wasSeen && this.tripped?.rule === 'killSwitch') this.tripped = undefined;
      return undefined;
    }
    if (wasSeen) return undefined;
    return this.trip('killSwitch', `kill switch engaged by ${ks!.by}: ${ks!.why}`, {}, false);
  }

  /**
   * Feeds the manager from an exchange while trading runs: order updates and marks from its
   * streams, fills and open orders by REST every `pollMs`, and the kill switch file. Returns a
   * function that stops it. Errors of a poll go to `onError`; the next poll tries again.
   */
  attach(
    exchange: Pick<ExchangePort, 'onOrder' | 'onTicker' | 'fills' | 'openOrders'>,
    opts: { instIds: string[]; pollMs?: number; sinceMs?: number; onError?: (err: unknown) => void },
  ): () => void {
    const onError = opts.onError ?? (() => undefined);
    const offs: Array<() => void> = [];
    const guard = (p: Promise<unknown>) => p.catch(onError);
    offs.push(exchange.onOrder((o) => void guard(this.onOrder(o))));
    for (const instId of opts.instIds) {
      offs.push(
        exchange.onTicker(instId, (t) => {
          const px = t.last || t.bidPx;
          if (px) void guard(this.onMark(instId, px));
        }),
      );
    }
    let since = opts.sinceMs ?? this.clock.now();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
      await this.pollKillSwitch();
      for (const f of await exchange.fills(undefined, since)) {
        await this.onFill(f);
        since = Math.max(since, f.ts);
      }
      await this.setOpenOrders(await exchange.openOrders());
    };
    const loop = async () => {
      if (stopped) return;
      await guard(poll());
      if (!stopped) timer = setTimeout(() => void loop(), opts.pollMs ?? 2_000);
    };
    timer = setTimeout(() => void loop(), 0);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const off of offs) off();
    };
  }

  snapshot(): RiskSnapshot {
    const pnl = this.pnl();
    const equity = new Decimal(this.limits.startingEquity ?? '0').plus(pnl);
    const positions: Record<string, string> = {};
    for (const [k, b] of this.books) positions[k] = b.pos.toFixed();
    return {
      pnl: pnl.toFixed(),
      dailyPnl: pnl.minus(this.dayStartPnl).toFixed(),
      equity: equity.toFixed(),
      peakEquity: this.peak.toFixed(),
      drawdown: this.peak.minus(equity).toFixed(),
      openOrders: this.openCount,
      positions,
      halted: this.haltReason(),
    };
  }

  // ---- evaluation ----
  private book(instId: string): Book {
    let b = this.books.get(instId);
    if (!b) {
      b = { pos: new Decimal(0), cash: new Decimal(0), mark: undefined };
      this.books.set(instId, b);
    }
    return b;
  }

  private maxPositionFor(instId: string): string | undefined {
    const m = this.limits.maxPosition;
    return typeof m === 'string' ? m : m?.[instId];
  }

  /** Realised + unrealised PnL since start: cash flows plus positions at their marks. */
  private pnl(): Decimal {
    let total = new Decimal(0);
    for (const b of this.books.values()) total = total.plus(b.cash).plus(b.mark ? b.pos.mul(b.mark) : 0);
    return total;
  }

  private async evaluate(): Promise<RiskTrip | undefined> {
    const pnl = this.pnl();
    const today = new Date(this.clock.now()).toISOString().slice(0, 10);
    if (today !== this.day) {
      // A new UTC day: the daily loss counts from here.
      this.day = today;
      this.dayStartPnl = pnl;
    }
    const equity = new Decimal(this.limits.startingEquity ?? '0').plus(pnl);
    if (equity.gt(this.peak)) this.peak = equity;
    if (this.haltReason() !== undefined) return undefined;
    const l = this.limits;
    const daily = pnl.minus(this.dayStartPnl);
    if (l.maxDailyLoss !== undefined && daily.neg().gt(l.maxDailyLoss)) {
      return this.trip('maxDailyLoss', 'daily loss limit reached', {
        dailyPnl: daily.toFixed(),
        maxDailyLoss: l.maxDailyLoss,
      });
    }
    const dd = this.peak.minus(equity);
    if (l.maxDrawdown !== undefined && dd.gt(l.maxDrawdown)) {
      return this.trip('maxDrawdown', 'drawdown from peak equity reached its limit', {
        peakEquity: this.peak.toFixed(),
        equity: equity.toFixed(),
        drawdown: dd.toFixed(),
        maxDrawdown: l.maxDrawdown,
      });
    }
    if (l.maxDrawdownPct !== undefined && this.peak.gt(0)) {
      const pct = dd.div(this.peak).mul(100);
      if (pct.gt(l.maxDrawdownPct)) {
        return this.trip('maxDrawdownPct', 'drawdown from peak equity reached its limit', {
          peakEquity: this.peak.toFixed(),
          equity: equity.toFixed(),
          drawdownPct: pct.toDecimalPlaces(4).toFixed(),
          maxDrawdownPct: l.maxDrawdownPct,
        });
      }
    }
    if (l.maxOpenOrders !== undefined && this.openCount > l.maxOpenOrders) {
      return this.trip('maxOpenOrders', 'more open orders than allowed', {
        openOrders: String(this.openCount),
        maxOpenOrders: String(l.maxOpenOrders),
      });
    }
    for (const [instId, b] of this.books) {
      const max = this.maxPositionFor(instId);
      if (max !== undefined && b.pos.abs().gt(max)) {
        return this.trip('maxPosition', `position in ${instId} above its limit`, {
          instId,
          position: b.pos.toFixed(),
          maxPosition: max,
        });
      }
    }
    return undefined;
  }

  /** Trips a breaker by hand (e.g. from a monitor): same effects as a limit breach. */
  tripNow(rule: RiskRule, message: string, numbers: Record<string, string> = {}): Promise<RiskTrip> {
    return this.trip(rule, message, numbers);
  }

  private trip(
    rule: RiskRule,
    message: string,
    numbers: Record<string, string>,
    engage = true,
  ): Promise<RiskTrip> {
    if (this.tripping) return this.tripping;
    const ts = this.clock.now();
    const trip: RiskTrip = { rule, message, numbers, ts, cancelled: 0, cancelFailures: 0 };
    // Halt first (synchronously), so no order slips through while open ones are being cancelled.
    this.tripped = trip;
    const why = `${rule}: ${message}`;
    if (engage && this.killSwitch) {
      this.killSwitch.engage({ why, by: 'risk-manager', rule });
      this.killSeen = true;
    }
    this.tripping = (async () => {
      try {
        await this.cancelAll(trip);
        await this.audit?.append({
          action: rule === 'killSwitch' ? 'killswitch.observed' : 'risk.tripped',
          details: { rule, numbers, cancelled: trip.cancelled, cancelFailures: trip.cancelFailures },
          why,
          operator: 'risk-manager',
        });
        await this.alerts?.emit({
          kind: rule === 'killSwitch' ? 'kill-switch' : 'risk-trip',
          severity: 'critical',
          message: `trading halted: ${why}`,
          details: { rule, ...numbers, cancelled: trip.cancelled, cancelFailures: trip.cancelFailures },
          dedupKey: `risk-trip:${rule}`,
        });
        this.trips.push(trip);
        return trip;
      } finally {
        this.tripping = undefined;
      }
    })();
    return this.tripping;
  }

  private async cancelAll(trip: RiskTrip): Promise<void> {
    if (!this.exchange) return;
    let open: Order[];
    try {
      open = await this.exchange.openOrders();
    } catch {
      open = [...this.open.values()];
    }
    for (const o of open) {
      try {
        await this.exchange.cancelOrder({
          instId: o.instId,
          ordId: o.ordId || undefined,
          clOrdId: o.ordId ? undefined : o.clOrdId,
        });
        trip.cancelled++;
      } catch {
        trip.cancelFailures++;
      }
    }
  }
}
