import { D, type Decimal } from '../../util/decimal.js';
import { ValidationError } from '../../util/errors.js';
import { OPEN_STATES, type Fill, type Order } from '../exchange-port.js';
import { isNewerOrder } from '../order-feed.js';

/**
 * The risk ledger: pure PnL accounting, no effects and no clock. Fills and order views in, marks
 * in, figures out. Money is accounted per instrument in its quote currency and converted to the
 * reporting currency by marks; a total is never a guess (unknown while a currency has no mark).
 */

/** The one decimal configuration (util/decimal.ts), re-exported for the policy. */
export { D };
const SIGNED = /^-?\d+(\.\d+)?$/;
const VIEWS_KEEP = 10_000;

export function num(field: string, v: string): Decimal {
  if (!SIGNED.test(v)) throw new ValidationError(field, `"${v}" is not a decimal string`, 'e.g. "0.01"');
  return new D(v);
}

/** A perpetual swap or a future: BTC-USDT-SWAP, BTC-USDT-260327. */
export function isContractId(instId: string): boolean {
  return /^[A-Z0-9]+-[A-Z0-9]+-(?:SWAP|\d{6})$/.test(instId);
}

/** BASE and QUOTE of a spot instId (of a linear contract: its coin and settlement currency). */
export function pairOf(instId: string): [string, string] {
  const parts = instId.split('-');
  if (isContractId(instId)) return [parts[0]!, parts[1]!];
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new ValidationError('instId', `"${instId}" is not a BASE-QUOTE spot instrument`, 'e.g. "ETH-BTC"');
  return [parts[0], parts[1]];
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * What the ledger remembers across restarts (issue 10): the UTC day, the PnL booked on it and
 * overall before this run, and the peak equity. Without it a crash/restart loop would start every
 * run at a daily PnL of 0 and a fresh peak, and could lose more than the limits.
 */
export interface RiskMemoryState {
  day: string;
  /** PnL of `day` in runs before this one (realised and unrealised when saved, fees included). */
  dailyPnl: string;
  /** PnL since the first run, before this one. */
  totalPnl: string;
  peakEquity: string;
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

export interface Valuation {
  byCcy: Map<string, Decimal>;
  unconverted: string[];
  /** Total PnL of this run in the reporting currency; undefined while anything is unconverted. */
  total: Decimal | undefined;
}

/** The ledger's figures once the total is known, in the reporting currency. */
export interface RiskFigures {
  /** PnL since the first run (carried + this run). */
  pnl: Decimal;
  /** PnL since 00:00 UTC (carried from earlier runs today + this run's since the day began). */
  daily: Decimal;
  /** This run's share of `daily` (without what earlier runs carried): what it adds to a shared scope. */
  runDaily: Decimal;
  equity: Decimal;
  peak: Decimal;
  drawdown: Decimal;
}

const EMPTY: Flow = { pos: new D(0), cash: new D(0), fees: new Map() };

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
  /** Coin per unit of sz: a contract's ctVal, 1 on spot. */
  mult: Decimal = new D(1),
): Flow {
  const [base, quote] = pairOf(instId);
  sz = sz.mul(mult);
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

export class RiskLedger {
  private readonly books = new Map<string, Book>();
  private readonly marks = new Map<string, Decimal>();
  /** Fees charged in a currency that is neither the base nor the quote of the fill. */
  private readonly otherFees = new Map<string, Decimal>();
  private readonly orderFlows = new Map<string, OrderFlow>();
  private readonly seenTrades = new Set<string>();
  private readonly open = new Map<string, Order>();
  /** The newest view of each order (oldest dropped past VIEWS_KEEP), to drop stale updates. */
  private readonly views = new Map<string, Order>();
  private peak: Decimal;
  private day: string;
  private dayStartPnl = new D(0);
  /** PnL of today and overall from earlier runs (the memory), added to this run's. */
  private carriedDaily = new D(0);
  private carriedTotal = new D(0);

  constructor(
    readonly ccy: string,
    private readonly startingEquity: Decimal,
    /** The UTC day the run starts in (a loss of its very first fill is that day's loss). */
    today: string,
    /** A contract's value in its coin (ctVal), so contract fills count in coin; spot needs none. */
    private readonly contractValue: (instId: string) => string | undefined = () => undefined,
  ) {
    this.peak = startingEquity;
    this.day = today;
  }

  private multOf(instId: string): Decimal {
    if (!isContractId(instId)) return new D(1);
    const v = this.contractValue(instId);
    return v && /^\d+(\.\d+)?$/.test(v) ? new D(v) : new D(1);
  }

  /** Takes up what earlier runs left: today's PnL (if the same day), the total and the peak. */
  restore(m: RiskMemoryState): void {
    this.carriedTotal = num('totalPnl', m.totalPnl);
    if (m.day === this.day) this.carriedDaily = num('dailyPnl', m.dailyPnl);
    const peak = num('peakEquity', m.peakEquity);
    if (peak.gt(this.peak)) this.peak = peak;
  }

  /** What to keep for the next run; undefined while the total is unknown. */
  memory(): RiskMemoryState | undefined {
    const v = this.valuation();
    if (!v.total) return undefined;
    return {
      day: this.day,
      dailyPnl: this.carriedDaily.plus(v.total.minus(this.dayStartPnl)).toFixed(),
      totalPnl: this.carriedTotal.plus(v.total).toFixed(),
      peakEquity: this.peak.toFixed(),
    };
  }

  /** Counts a fill once (by instId, tradeId and side); false when it was seen before. */
  addFill(f: Fill): boolean {
    const key = `${f.instId}:${f.tradeId}:${f.side}`;
    if (this.seenTrades.has(key)) return false;
    const px = num('fillPx', f.fillPx);
    const sz = num('fillSz', f.fillSz);
    const flow = flowOf(f.instId, f.side, px, sz, num('fee', f.fee || '0'), f.feeCcy, this.multOf(f.instId));
    this.seenTrades.add(key);
    const of = this.orderFlow(f.instId, f.ordId || f.clOrdId ? this.orderKey(f) : `trade:${key}`);
    of.tradeSz = of.tradeSz.plus(sz);
    of.trades = plus(of.trades, flow);
    this.settle(of);
    if (!this.marks.has(f.instId)) this.marks.set(f.instId, px);
    return true;
  }

  mark(instId: string, px: string): void {
    this.marks.set(instId, num('px', px));
  }

  /**
   * An order view: the open set, and its cumulative fills (a late view never rolls one back);
   * `counts` false keeps its fills out of the books (another run's order).
   */
  addOrder(o: Order, counts = true): void {
    const key = o.ordId || o.clOrdId;
    const prev = this.views.get(key);
    if (!prev || isNewerOrder(o, prev)) {
      this.views.set(key, o);
      if (this.views.size > VIEWS_KEEP) this.views.delete(this.views.keys().next().value!);
      if (OPEN_STATES.has(o.state)) this.open.set(key, o);
      else this.open.delete(key);
    }
    if (counts) this.accountOrder(o);
  }

  /** Replaces the open-order view with a full list; the fills of those `counts` refuses stay out of the books. */
  setOpenOrders(orders: Order[], counts: (o: Order) => boolean = () => true): void {
    this.open.clear();
    for (const o of orders) {
      if (OPEN_STATES.has(o.state)) this.open.set(o.ordId || o.clOrdId, o);
      if (counts(o)) this.accountOrder(o);
    }
  }

  get openCount(): number {
    return this.open.size;
  }

  openOrders(): Order[] {
    return [...this.open.values()];
  }

  position(instId: string): Decimal {
    return this.books.get(instId)?.pos ?? new D(0);
  }

  positions(): Map<string, Decimal> {
    return new Map([...this.books].map(([k, b]) => [k, b.pos]));
  }

  /**
   * The figures with a complete total, after rolling the UTC day (`today`) and the peak; undefined
   * while a currency has no mark.
   */
  figures(today: string): RiskFigures | undefined {
    const total = this.valuation().total;
    if (!total) return undefined;
    if (today !== this.day) {
      // A new UTC day: the daily loss counts from here (from the first complete total of the day).
      this.day = today;
      this.dayStartPnl = total;
      this.carriedDaily = new D(0);
    }
    const pnl = this.carriedTotal.plus(total);
    const equity = this.startingEquity.plus(pnl);
    if (equity.gt(this.peak)) this.peak = equity;
    return {
      pnl,
      daily: this.carriedDaily.plus(total.minus(this.dayStartPnl)),
      runDaily: total.minus(this.dayStartPnl),
      equity,
      peak: this.peak,
      drawdown: this.peak.minus(equity),
    };
  }

  get peakEquity(): Decimal {
    return this.peak;
  }

  /**
   * Realised + unrealised PnL of this run: per instrument, quote cash flow plus the position at
   * the instrument's mark, in the quote currency; per currency, converted by its mark. A currency
   * whose PnL is not zero and has no mark makes the total unknown, never a guess.
   */
  valuation(): Valuation {
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

  /** One base unit of an instrument in the reporting currency (its mark, converted); undefined while unknown. */
  unitValue(instId: string): Decimal | undefined {
    const mark = this.marks.get(instId);
    const r = this.rate(pairOf(instId)[1]);
    return mark && r ? mark.mul(r) : undefined;
  }

  /**
   * Gross exposure in the reporting currency: the sum over instruments of |position| x its unit
   * value; undefined while a position has no value.
   */
  exposure(): Decimal | undefined {
    let sum = new D(0);
    for (const [instId, b] of this.books) {
      if (b.pos.isZero()) continue;
      const v = this.unitValue(instId);
      if (!v) return undefined;
      sum = sum.plus(b.pos.abs().mul(v));
    }
    return sum;
  }

  /** 1 unit of `c` in the reporting currency, when a mark says it. */
  rate(c: string): Decimal | undefined {
    if (c === this.ccy) return new D(1);
    const direct = this.marks.get(`${c}-${this.ccy}`);
    if (direct) return direct;
    const inverse = this.marks.get(`${this.ccy}-${c}`);
    return inverse && inverse.gt(0) ? new D(1).div(inverse) : undefined;
  }

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
    of.view = flowOf(o.instId, o.side, px, sz, num('fee', o.fee || '0'), o.feeCcy, this.multOf(o.instId));
    this.settle(of);
    if (!this.marks.has(o.instId)) this.marks.set(o.instId, px);
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

  private book(instId: string): Book {
    let b = this.books.get(instId);
    if (!b) {
      b = { pos: new D(0), cash: new D(0) };
      this.books.set(instId, b);
    }
    return b;
  }
}
