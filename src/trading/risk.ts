import { Decimal } from 'decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { OPEN_STATES, type ExchangePort, type Fill, type Order, type Unsubscribe } from './exchange-port.js';
import { isNewerOrder } from './order-feed.js';
import type { AuditSink } from './audit.js';
import type { AlertInput } from './alerts.js';
import { GuardRejection } from './errors.js';
import type { KillSwitch } from './kill-switch.js';
import type { RiskGate } from './order-guard.js';
import { repeatEvery } from '../util/repeat.js';

export interface RiskLimits {
  /**
   * The reporting currency (default "USDT"): every amount below is in it. Each instrument's PnL
   * is in its quote currency and is converted by the mark of `<QUOTE>-<ccy>` (or `<ccy>-<QUOTE>`).
   */
  ccy?: string;
  /** Loss since the start of the UTC day (realised + unrealised, fees included) that trips. */
  maxDailyLoss?: string;
  /** Fall of equity from its peak that trips. */
  maxDrawdown?: string;
  /** Percent fall of equity from its peak that trips: above 0, below 100; needs startingEquity above 0. */
  maxDrawdownPct?: string;
  maxOpenOrders?: number;
  /** Absolute base-currency position per instrument (one value for all, or per instId). */
  maxPosition?: string | Record<string, string>;
  /** Equity when the manager starts; PnL is added to it. Default "0". */
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
  /** The reporting currency of pnl, dailyPnl, equity, peakEquity and drawdown. */
  ccy: string;
  /** PnL since start; undefined while some PnL has no conversion mark (see `unconverted`). */
  pnl: string | undefined;
  dailyPnl: string | undefined;
  equity: string | undefined;
  peakEquity: string;
  drawdown: string | undefined;
  /** Drawdown as a percent of peak equity (4 decimals); undefined when unknown or peak <= 0. */
  drawdownPct: string | undefined;
  /** PnL per currency before conversion: quote currencies, and fee currencies outside the pair. */
  pnlByCcy: Record<string, string>;
  /** Currencies with PnL but no mark into `ccy` yet: the loss limits wait for them. */
  unconverted: string[];
  openOrders: number;
  positions: Record<string, string>;
  halted: string | undefined;
}

/** What an instrument's fills did to the account: base and quote amounts, fees in other currencies. */
interface Flow {
  pos: Decimal;
  cash: Decimal;
  fees: ReadonlyMap<string, Decimal>;
}

/**
 * One order's fills, from two sources that may overlap: distinct fills by tradeId, and order
 * views (cumulative accFillSz, avgPx, fee). The books hold exactly one of them, the more complete.
 */
interface OrderFlow {
  instId: string;
  tradeSz: Decimal;
  trades: Flow;
  viewSz: Decimal;
  view: Flow | undefined;
  applied: Flow;
}

interface Book {
  pos: Decimal;
  cash: Decimal;
}

interface Valuation {
  byCcy: Map<string, Decimal>;
  unconverted: string[];
  /** Total PnL in the reporting currency; undefined while anything is unconverted. */
  total: Decimal | undefined;
}

/** Enough precision for any OKX amount and its conversions (decimal.js defaults to 20 digits). */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
const EMPTY: Flow = { pos: new D(0), cash: new D(0), fees: new Map() };
const VIEWS_KEEP = 10_000;
const SIGNED = /^-?\d+(\.\d+)?$/;

function checkDec(field: string, v: string | undefined): void {
  if (v !== undefined && !/^\d+(\.\d+)?$/.test(v))
    throw new ValidationError(field, `"${v}" is not a non-negative decimal string`, 'e.g. "250"');
}

function num(field: string, v: string): Decimal {
  if (!SIGNED.test(v)) throw new ValidationError(field, `"${v}" is not a decimal string`, 'e.g. "0.01"');
  return new D(v);
}

/** BASE and QUOTE of a spot instId. */
function pairOf(instId: string): [string, string] {
  const parts = instId.split('-');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new ValidationError('instId', `"${instId}" is not a BASE-QUOTE spot instrument`, 'e.g. "ETH-BTC"');
  return [parts[0], parts[1]];
}

function plus(a: Flow, b: Flow): Flow {
  const fees = new Map(a.fees);
  for (const [c, v] of b.fees) fees.set(c, (fees.get(c) ?? new D(0)).plus(v));
  return { pos: a.pos.plus(b.pos), cash: a.cash.plus(b.cash), fees };
}

/** A fill (or an order's cumulative fills) as currency amounts. OKX fee sign: negative = charged. */
function flowOf(
  instId: string,
  side: 'buy' | 'sell',
  px: Decimal,
  sz: Decimal,
  fee: Decimal,
  feeCcy: string,
): Flow {
  const [base, quote] = pairOf(instId);
  const notional = px.mul(sz);
  let pos = side === 'buy' ? sz : sz.neg();
  let cash = side === 'buy' ? notional.neg() : notional;
  const fees = new Map<string, Decimal>();
  if (!fee.isZero()) {
    // Without a feeCcy, OKX's spot rule: the fee is taken from what the fill received.
    const ccy = feeCcy || (side === 'buy' ? base : quote);
    if (ccy === base) pos = pos.plus(fee);
    else if (ccy === quote) cash = cash.plus(fee);
    else fees.set(ccy, fee);
  }
  return { pos, cash, fees };
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Circuit breakers outside any strategy (R23, R31): daily loss, drawdown from peak equity (amount
 * and percent), open orders, position per instrument. Money is accounted per instrument in its
 * quote currency and converted to the reporting currency (`limits.ccy`) by marks; the loss limits
 * are never evaluated on a partial total. A trip halts new orders (the guard sees haltReason),
 * engages the persisted kill switch, cancels open orders, writes the audit trail and alerts.
 */
export class RiskManager implements RiskGate {
  /** The reporting currency. */
  readonly ccy: string;
  private readonly limits: RiskLimits;
  private readonly clock: Clock;
  private readonly killSwitch: KillSwitch | undefined;
  private readonly audit: AuditSink | undefined;
  private readonly alerts: { emit(a: AlertInput): unknown } | undefined;
  private readonly exchange: Pick<ExchangePort, 'openOrders' | 'cancelOrder'> | undefined;
  private readonly books = new Map<string, Book>();
  private readonly marks = new Map<string, Decimal>();
  /** Fees charged in a currency that is neither the base nor the quote of the fill. */
  private readonly otherFees = new Map<string, Decimal>();
  private readonly orderFlows = new Map<string, OrderFlow>();
  private readonly seenTrades = new Set<string>();
  private readonly open = new Map<string, Order>();
  /** The newest view of each order (oldest dropped past VIEWS_KEEP), to drop stale updates. */
  private readonly views = new Map<string, Order>();
  /** Currencies that need a mark into ccy, and who fetches it (followMarks). */
  private readonly wanted = new Set<string>();
  private readonly followers = new Set<(ccy: string) => void>();
  private readonly blindAlerted = new Set<string>();
  private openCount = 0;
  private tripped: RiskTrip | undefined;
  private tripping: Promise<RiskTrip> | undefined;
  private peak: Decimal;
  private day: string;
  private dayStartPnl = new D(0);
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
    if (l.ccy !== undefined && !/^[A-Z0-9]{1,15}$/.test(l.ccy))
      throw new ValidationError('ccy', `"${l.ccy}" is not a currency code`, 'e.g. "USDT"');
    checkDec('maxDailyLoss', l.maxDailyLoss);
    checkDec('maxDrawdown', l.maxDrawdown);
    checkDec('maxDrawdownPct', l.maxDrawdownPct);
    checkDec('startingEquity', l.startingEquity);
    if (l.maxDrawdownPct !== undefined) {
      const pct = new D(l.maxDrawdownPct);
      if (pct.lte(0) || pct.gte(100))
        throw new ValidationError(
          'maxDrawdownPct',
          `${l.maxDrawdownPct} is not a percentage above 0 and below 100`,
          'e.g. "10" to trip when equity falls 10% below its peak',
        );
      if (!new D(l.startingEquity ?? '0').gt(0))
        throw new ValidationError(
          'maxDrawdownPct',
          'needs startingEquity above 0: a percent of PnL alone is meaningless',
          `set startingEquity to the equity (in ${l.ccy ?? 'USDT'}) at the start, or use maxDrawdown (an amount)`,
        );
    }
    if (typeof l.maxPosition === 'string') checkDec('maxPosition', l.maxPosition);
    else for (const [k, v] of Object.entries(l.maxPosition ?? {})) checkDec(`maxPosition.${k}`, v);
    if (l.maxOpenOrders !== undefined && (!Number.isInteger(l.maxOpenOrders) || l.maxOpenOrders < 0)) {
      throw new ValidationError('maxOpenOrders', 'must be a non-negative integer', 'e.g. 50');
    }
    this.limits = l;
    this.ccy = l.ccy ?? 'USDT';
    this.clock = opts.clock ?? systemClock;
    this.killSwitch = opts.killSwitch;
    this.audit = opts.audit;
    this.alerts = opts.alerts;
    this.exchange = opts.exchange;
    this.peak = new D(l.startingEquity ?? '0');
    // The first day counts from the start (a loss of the very first fill is today's loss).
    this.day = dayOf(this.clock.now());
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
    // Start fetching the conversion mark before the first fill, so the loss limits see it early.
    this.want(o.instId);
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
    const pos = this.books.get(o.instId)?.pos ?? new D(0);
    // Worst case: the whole order fills.
    const after = o.side === 'buy' ? pos.plus(o.baseSz) : pos.minus(o.baseSz);
    const grows = after.abs().gt(pos.abs());
    const maxPos = this.maxPositionFor(o.instId);
    if (maxPos !== undefined && after.abs().gt(maxPos) && grows) {
      throw new GuardRejection('maxPosition', o.instId, 'the order could take the position above its limit', {
        position: pos.toFixed(),
        positionIfFilled: after.toFixed(),
        maxPosition: maxPos,
      });
    }
    if (grows && this.hasLossLimit()) {
      // The loss limits cannot be checked on a partial total: no new exposure until every
      // currency converts; orders that reduce a position still pass.
      const { unconverted } = this.valuation();
      if (unconverted.length > 0) {
        throw new GuardRejection(
          'unconvertedPnl',
          o.instId,
          `the loss limits cannot be checked: no mark yet to convert ${unconverted.join(', ')} into ${this.ccy}`,
          { position: pos.toFixed(), positionIfFilled: after.toFixed() },
          `feed a ${unconverted.map((c) => `${c}-${this.ccy}`).join(' / ')} price (onMark, followMarks or attach), or set the reporting currency`,
        );
      }
    }
  }

  // ---- inputs ----
  /**
   * Feeds one fill. A fill counts once (by instId, tradeId and side), partial fills each count,
   * and its fee counts in its own currency. Resolves after any trip it caused.
   */
  async onFill(f: Fill): Promise<RiskTrip | undefined> {
    const key = `${f.instId}:${f.tradeId}:${f.side}`;
    if (this.seenTrades.has(key)) return undefined;
    const px = num('fillPx', f.fillPx);
    const sz = num('fillSz', f.fillSz);
    const flow = flowOf(f.instId, f.side, px, sz, num('fee', f.fee || '0'), f.feeCcy);
    this.seenTrades.add(key);
    const of = this.orderFlow(f.instId, f.ordId || f.clOrdId ? this.orderKey(f) : `trade:${key}`);
    of.tradeSz = of.tradeSz.plus(sz);
    of.trades = plus(of.trades, flow);
    this.settle(of);
    if (!this.marks.has(f.instId)) this.marks.set(f.instId, px);
    this.want(f.instId, f.feeCcy);
    return this.evaluate();
  }

  /** The price of an instrument: marks its position, and converts its base into its quote. */
  async onMark(instId: string, px: string): Promise<RiskTrip | undefined> {
    this.marks.set(instId, num('px', px));
    return this.evaluate();
  }

  /**
   * Feeds an order update (from the private stream or a poll). Its cumulative fills (accFillSz,
   * avgPx, fee) count too, so partial fills show before the order ends; fills of the same order
   * fed to onFill are not counted again.
   */
  async onOrder(o: Order): Promise<RiskTrip | undefined> {
    const key = o.ordId || o.clOrdId;
    // A late view (a slow poll, a replayed push) never reopens a finished order or rolls a newer
    // one back: the feed's own ordering rule decides.
    const prev = this.views.get(key);
    if (!prev || isNewerOrder(o, prev)) {
      this.views.set(key, o);
      if (this.views.size > VIEWS_KEEP) this.views.delete(this.views.keys().next().value!);
      if (OPEN_STATES.has(o.state)) this.open.set(key, o);
      else this.open.delete(key);
      this.openCount = this.open.size;
    }
    this.accountOrder(o);
    return this.evaluate();
  }

  /** Replaces the open-order view with a full list (e.g. GET orders-pending). */
  async setOpenOrders(orders: Order[]): Promise<RiskTrip | undefined> {
    this.open.clear();
    for (const o of orders) {
      if (OPEN_STATES.has(o.state)) this.open.set(o.ordId || o.clOrdId, o);
      this.accountOrder(o);
    }
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
   * Keeps the conversion marks fed: for every currency the manager meets (a quote currency, or a
   * fee currency outside the pair), subscribes to the ticker of `<CCY>-<ccy>` or, when that is not
   * listed, `<ccy>-<CCY>`. A currency with neither pair goes to `onError` and stays unconverted.
   * Returns a function that stops it.
   */
  followMarks(
    exchange: Pick<ExchangePort, 'instrument' | 'onTicker'>,
    opts: { onError?: (err: unknown) => void } = {},
  ): () => void {
    const onError = opts.onError ?? (() => undefined);
    const subs = new Map<string, Unsubscribe | undefined>();
    let stopped = false;
    const follow = (c: string) => {
      if (stopped || subs.has(c)) return;
      subs.set(c, undefined);
      void (async () => {
        const candidates = [`${c}-${this.ccy}`, `${this.ccy}-${c}`];
        let lastErr: unknown;
        for (const instId of candidates) {
          try {
            await exchange.instrument(instId);
          } catch (err) {
            lastErr = err;
            continue;
          }
          if (stopped) return;
          const off = exchange.onTicker(instId, (t) => {
            const px = t.last || t.bidPx;
            if (px) this.onMark(instId, px).catch(onError);
          });
          subs.set(c, off);
          return;
        }
        // Met again (the next fill), it is looked up again: the failure may have been transient.
        subs.delete(c);
        onError(
          new ValidationError(
            'ccy',
            `cannot convert ${c} into ${this.ccy}: neither ${candidates.join(' nor ')} could be found (${lastErr instanceof Error ? lastErr.message : String(lastErr)})`,
            `choose a reporting currency with a pair to ${c}, or feed a price with onMark`,
          ),
        );
      })().catch(onError);
    };
    this.followers.add(follow);
    for (const c of this.wanted) follow(c);
    return () => {
      stopped = true;
      this.followers.delete(follow);
      for (const off of subs.values()) off?.();
    };
  }

  /**
   * Feeds the manager from an exchange while trading runs: order updates and marks from its
   * streams, conversion marks (followMarks), fills and open orders by REST every `pollMs`, and the
   * kill switch file. Returns a function that stops it. Errors of a poll go to `onError`; the next
   * poll tries again.
   */
  attach(
    exchange: Pick<ExchangePort, 'onOrder' | 'onTicker' | 'fills' | 'openOrders' | 'instrument'>,
    opts: { instIds: string[]; pollMs?: number; sinceMs?: number; onError?: (err: unknown) => void },
  ): () => void {
    const onError = opts.onError ?? (() => undefined);
    const offs: Array<() => void> = [];
    const guard = (p: Promise<unknown>) => p.catch(onError);
    offs.push(exchange.onOrder((o) => void guard(this.onOrder(o))));
    for (const instId of opts.instIds) {
      this.want(instId);
      offs.push(
        exchange.onTicker(instId, (t) => {
          const px = t.last || t.bidPx;
          if (px) void guard(this.onMark(instId, px));
        }),
      );
    }
    offs.push(this.followMarks(exchange, { onError }));
    let since = opts.sinceMs ?? this.clock.now();
    const poll = async () => {
      await this.pollKillSwitch();
      for (const f of await exchange.fills(undefined, since)) {
        await this.onFill(f);
        since = Math.max(since, f.ts);
      }
      await this.setOpenOrders(await exchange.openOrders());
    };
    offs.push(repeatEvery(poll, opts.pollMs ?? 2_000, onError, this.clock));
    return () => {
      for (const off of offs) off();
    };
  }

  snapshot(): RiskSnapshot {
    const v = this.valuation();
    const positions: Record<string, string> = {};
    for (const [k, b] of this.books) positions[k] = b.pos.toFixed();
    const pnlByCcy: Record<string, string> = {};
    for (const [c, x] of v.byCcy) pnlByCcy[c] = x.toFixed();
    const equity = v.total && this.startingEquity().plus(v.total);
    const drawdown = equity && this.peak.minus(equity);
    return {
      ccy: this.ccy,
      pnl: v.total?.toFixed(),
      dailyPnl: v.total?.minus(this.dayStartPnl).toFixed(),
      equity: equity?.toFixed(),
      peakEquity: this.peak.toFixed(),
      drawdown: drawdown?.toFixed(),
      drawdownPct:
        drawdown && this.peak.gt(0)
          ? drawdown.div(this.peak).mul(100).toDecimalPlaces(4).toFixed()
          : undefined,
      pnlByCcy,
      unconverted: v.unconverted,
      openOrders: this.openCount,
      positions,
      halted: this.haltReason(),
    };
  }

  // ---- accounting ----
  private orderKey(o: { instId: string; ordId: string; clOrdId: string }): string {
    return o.ordId ? `${o.instId}:${o.ordId}` : `${o.instId}:cl:${o.clOrdId}`;
  }

  private orderFlow(instId: string, key: string): OrderFlow {
    let of = this.orderFlows.get(key);
    if (!of) {
      of = { instId, tradeSz: new D(0), trades: EMPTY, viewSz: new D(0), view: undefined, applied: EMPTY };
      this.orderFlows.set(key, of);
    }
    return of;
  }

  /** An order view's cumulative fills; a view older than one already seen is ignored. */
  private accountOrder(o: Order): void {
    if (!o.accFillSz || !(o.ordId || o.clOrdId)) return;
    const sz = num('accFillSz', o.accFillSz);
    const pxStr = o.avgPx || o.px;
    if (sz.lte(0) || !pxStr) return;
    const of = this.orderFlow(o.instId, this.orderKey(o));
    if (sz.lt(of.viewSz)) return;
    const px = num('avgPx', pxStr);
    of.viewSz = sz;
    of.view = flowOf(o.instId, o.side, px, sz, num('fee', o.fee || '0'), o.feeCcy);
    this.settle(of);
    if (!this.marks.has(o.instId)) this.marks.set(o.instId, px);
    this.want(o.instId, o.feeCcy);
  }

  /** Puts the more complete source of an order's fills into the books, replacing what was there. */
  private settle(of: OrderFlow): void {
    const next = of.view && of.viewSz.gt(of.tradeSz) ? of.view : of.trades;
    if (next === of.applied) return;
    const b = this.book(of.instId);
    b.pos = b.pos.plus(next.pos).minus(of.applied.pos);
    b.cash = b.cash.plus(next.cash).minus(of.applied.cash);
    for (const [c, v] of of.applied.fees) this.otherFees.set(c, (this.otherFees.get(c) ?? new D(0)).minus(v));
    for (const [c, v] of next.fees) this.otherFees.set(c, (this.otherFees.get(c) ?? new D(0)).plus(v));
    of.applied = next;
  }

  /** Notes the currencies an instrument (and a fee) bring, so followMarks fetches their marks. */
  private want(instId: string, feeCcy = ''): void {
    const [base, quote] = pairOf(instId);
    for (const c of [quote, feeCcy]) {
      if (!c || c === this.ccy || c === base) continue;
      this.wanted.add(c);
      for (const follow of this.followers) follow(c);
    }
  }

  private book(instId: string): Book {
    let b = this.books.get(instId);
    if (!b) {
      b = { pos: new D(0), cash: new D(0) };
      this.books.set(instId, b);
    }
    return b;
  }

  private maxPositionFor(instId: string): string | undefined {
    const m = this.limits.maxPosition;
    return typeof m === 'string' ? m : m?.[instId];
  }

  private startingEquity(): Decimal {
    return new D(this.limits.startingEquity ?? '0');
  }

  private hasLossLimit(): boolean {
    const l = this.limits;
    return l.maxDailyLoss !== undefined || l.maxDrawdown !== undefined || l.maxDrawdownPct !== undefined;
  }

  /** 1 unit of `c` in the reporting currency, when a mark says it. */
  private rate(c: string): Decimal | undefined {
    if (c === this.ccy) return new D(1);
    const direct = this.marks.get(`${c}-${this.ccy}`);
    if (direct) return direct;
    const inverse = this.marks.get(`${this.ccy}-${c}`);
    return inverse && inverse.gt(0) ? new D(1).div(inverse) : undefined;
  }

  /**
   * Realised + unrealised PnL since start: per instrument, quote cash flow plus the position at
   * the instrument's mark, in the quote currency; per currency, converted by its mark. A currency
   * whose PnL is not zero and has no mark makes the total unknown, never a guess.
   */
  private valuation(): Valuation {
    const byCcy = new Map<string, Decimal>();
    const add = (c: string, x: Decimal) => byCcy.set(c, (byCcy.get(c) ?? new D(0)).plus(x));
    const unconverted = new Set<string>();
    for (const [instId, b] of this.books) {
      const [base, quote] = pairOf(instId);
      const mark = this.marks.get(instId);
      if (!b.pos.isZero() && !mark) {
        add(base, b.pos);
        add(quote, b.cash);
      } else add(quote, b.cash.plus(mark ? b.pos.mul(mark) : 0));
    }
    for (const [c, x] of this.otherFees) add(c, x);
    let total: Decimal = new D(0);
    for (const [c, x] of byCcy) {
      if (x.isZero()) continue;
      const r = this.rate(c);
      if (r) total = total.plus(x.mul(r));
      else unconverted.add(c);
    }
    const list = [...unconverted].sort();
    return { byCcy, unconverted: list, total: list.length ? undefined : total };
  }

  private async evaluate(): Promise<RiskTrip | undefined> {
    const v = this.valuation();
    const pnl = v.total;
    if (pnl) {
      const today = dayOf(this.clock.now());
      if (today !== this.day) {
        // A new UTC day: the daily loss counts from here (from the first complete total of the day).
        this.day = today;
        this.dayStartPnl = pnl;
      }
      const equity = this.startingEquity().plus(pnl);
      if (equity.gt(this.peak)) this.peak = equity;
    }
    this.alertUnconverted(v.unconverted);
    if (this.haltReason() !== undefined) return undefined;
    const l = this.limits;
    const c = this.ccy;
    if (pnl) {
      const daily = pnl.minus(this.dayStartPnl);
      if (l.maxDailyLoss !== undefined && daily.neg().gt(l.maxDailyLoss)) {
        return this.trip(
          'maxDailyLoss',
          `daily loss limit reached: ${daily.neg().toFixed()} ${c} lost today, limit ${l.maxDailyLoss} ${c}`,
          { dailyPnl: daily.toFixed(), maxDailyLoss: l.maxDailyLoss },
        );
      }
      const equity = this.startingEquity().plus(pnl);
      const dd = this.peak.minus(equity);
      if (l.maxDrawdown !== undefined && dd.gt(l.maxDrawdown)) {
        return this.trip(
          'maxDrawdown',
          `drawdown from peak equity reached its limit: equity ${equity.toFixed()} ${c} is ${dd.toFixed()} ${c} below its peak ${this.peak.toFixed()} ${c}, limit ${l.maxDrawdown} ${c}`,
          {
            peakEquity: this.peak.toFixed(),
            equity: equity.toFixed(),
            drawdown: dd.toFixed(),
            maxDrawdown: l.maxDrawdown,
          },
        );
      }
      if (l.maxDrawdownPct !== undefined && this.peak.gt(0)) {
        const pct = dd.div(this.peak).mul(100);
        if (pct.gt(l.maxDrawdownPct)) {
          const shown = pct.toDecimalPlaces(4).toFixed();
          return this.trip(
            'maxDrawdownPct',
            `drawdown from peak equity reached its limit: equity ${equity.toFixed()} ${c} is ${shown}% below its peak ${this.peak.toFixed()} ${c}, limit ${l.maxDrawdownPct}%`,
            {
              peakEquity: this.peak.toFixed(),
              equity: equity.toFixed(),
              drawdown: dd.toFixed(),
              drawdownPct: shown,
              maxDrawdownPct: l.maxDrawdownPct,
            },
          );
        }
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

  /** Warns once per currency that the loss limits wait for its conversion mark. */
  private alertUnconverted(unconverted: string[]): void {
    for (const c of [...this.blindAlerted]) if (!unconverted.includes(c)) this.blindAlerted.delete(c);
    if (!this.hasLossLimit()) return;
    for (const c of unconverted) {
      if (this.blindAlerted.has(c)) continue;
      this.blindAlerted.add(c);
      void Promise.resolve(
        this.alerts?.emit({
          kind: 'risk-unconverted',
          severity: 'warning',
          message: `loss limits paused: no ${c}-${this.ccy} price to convert ${c} PnL into ${this.ccy}; orders that add exposure are refused until it arrives`,
          details: { ccy: c, reportingCcy: this.ccy },
          dedupKey: `risk-unconverted:${c}`,
        }),
      ).catch(() => undefined);
    }
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
