import { OkxkitError, ValidationError } from '../util/errors.js';
import type {
  AmendRequest,
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  OrderState,
  Side,
  Ticker,
  Unsubscribe,
} from '../trading/exchange-port.js';

/** An instrument for a backtest; swaps add the contract value and the settlement currency. */
export interface BacktestInstrument extends Instrument {
  /** Base per contract (SWAP), e.g. "0.01" for BTC-USDT-SWAP. */
  ctVal?: string;
  /** Settlement currency (SWAP), e.g. "USDT". */
  settleCcy?: string;
}

/** OKX regular-user fee tiers (spot and USDT swaps), as fractions. */
export const FEE_TIERS = {
  spot: { Lv1: { maker: 0.0008, taker: 0.001 } },
  swap: { Lv1: { maker: 0.0002, taker: 0.0005 } },
} as const;

/** How resting limit orders fill against a candle's price path. */
export type FillMode = 'through' | 'touch' | 'queue';

/** How the backtest exchange behaves: instrument, balances, fees, fill model, slippage and latency. */
export interface BacktestExchangeOptions {
  instrument: BacktestInstrument;
  /** Starting balances per currency, e.g. { USDT: "10000" }. */
  balances: Record<string, string | number>;
  /** Fee rates (fractions); default OKX Lv1 for the instrument type. */
  fees?: { maker: number; taker: number };
  /** Decision to arrival at the exchange, ms (orders, cancels and amends). Default 0. */
  latencyMs?: number;
  /** Full bid-ask spread in basis points around the candle price (the ticker's bid/ask). Default 2. */
  spreadBps?: number;
  /**
   * Market impact of a taker order: extra slippage as a fraction of price per unit of
   * (order size / candle volume). Default 0.1: an order of 1 % of the candle's volume pays 0.1 %.
   */
  impact?: number;
  /**
   * "through" (default): a resting limit fills only when the price trades through it; "touch": when
   * it reaches it; "queue": at a touch only once `queueAhead` base units traded at that price first.
   */
  fillMode?: FillMode;
  /** Size ahead of a new resting order at its price (fillMode "queue"), in base units. */
  queueAhead?: number;
  /** Largest share of a candle's volume resting orders may fill (partial fills beyond it). Default 1. */
  participation?: number;
  /** Funding rate per 8 h for swaps (constant or per funding time); default 0.0001. */
  fundingRate?: number | ((ts: number) => number);
}

/** One fill as the backtest records it (numbers, for metrics and reports). */
export interface BacktestFill {
  ts: number;
  ordId: string;
  clOrdId: string;
  side: Side;
  px: number;
  sz: number;
  /** Fee charged (positive = paid), in feeCcy. */
  fee: number;
  feeCcy: string;
  /** The same fee in quote currency. */
  feeQuote: number;
  maker: boolean;
}

interface SimOrder {
  ordId: string;
  clOrdId: string;
  side: Side;
  ordType: Order['ordType'];
  px: number;
  /** Base size (contracts for swaps); for a market buy in quote, NaN until it fills. */
  sz: number;
  /** Quote amount of a market buy sized in quote. */
  quoteSz: number;
  filled: number;
  notional: number;
  fee: number;
  state: OrderState;
  tag: string;
  cTime: number;
  uTime: number;
  arrived: boolean;
  queue: number;
  /** Quote (buy) or base (sell) frozen for the rest of the order (spot). */
  frozen: number;
}

type Pending =
  | { at: number; kind: 'place'; o: SimOrder }
  | { at: number; kind: 'cancel'; o: SimOrder }
  | { at: number; kind: 'amend'; o: SimOrder; sz?: number; px?: number };

const FUNDING_MS = 8 * 3_600_000;

function decimals(step: string): number {
  const i = step.indexOf('.');
  return i < 0 ? 0 : step.length - i - 1;
}

/** A number as a clean decimal string with at most dp decimals (no exponent, no trailing zeros). */
function num(x: number, dp: number): string {
  if (x === 0 || !Number.isFinite(x)) return '0';
  let s = x.toFixed(dp);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** An order the backtest exchange refuses, with the OKX code the exchange would answer. */
export class BacktestOrderError extends OkxkitError {
  constructor(code: string, message: string) {
    super(message, { code });
  }
}

/**
 * A simulated OKX account on a virtual clock, fed one candle at a time by the backtest engine.
 * It implements the Exchange port, so strategies and the bot runner drive it as they drive OKX.
 * Matching: each candle is walked as open, the extreme nearer the open, the other extreme, close
 * (at 0, 1/3, 2/3 and the end of the bar). Orders and cancels arrive `latencyMs` after the
 * decision; a marketable order takes the bid/ask (half the spread around the price) plus an impact
 * proportional to its share of the candle's volume; a resting limit fills at its own price when
 * the path trades through it (or touches it, see fillMode), at most `participation` of the
 * candle's volume per candle (the rest fills later: partial fills). Fees as OKX charges them: spot
 * buys in base, spot sells in quote, swaps in the settlement currency; funding every 8 h on swaps.
 * Everything is deterministic: the same candles and the same calls give the same result.
 */
export class BacktestExchange implements ExchangePort {
  readonly inst: BacktestInstrument;
  readonly isSwap: boolean;
  private readonly ctVal: number;
  private readonly tick: number;
  private readonly lot: number;
  private readonly minSz: number;
  private readonly pxDec: number;
  private readonly szDec: number;
  readonly makerRate: number;
  readonly takerRate: number;
  private readonly latency: number;
  private readonly halfSpread: number;
  private readonly impact: number;
  private readonly fillMode: FillMode;
  private readonly queueAhead: number;
  private readonly participation: number;
  private readonly fundingRate: (ts: number) => number;
  readonly baseCcy: string;
  readonly quoteCcy: string;

  // account
  private readonly avail = new Map<string, number>();
  /** Available + frozen of the base and quote currencies, kept in step with the maps. */
  private baseTot = 0;
  private quoteTot = 0;
  private readonly frozen = new Map<string, number>();
  /** Swap: signed contracts, average entry, cash in the settlement currency. */
  private pos = 0;
  private posPx = 0;

  // market state
  private t = 0;
  px = NaN;
  private candleVol = 0;
  private budget = Infinity;
  private nextFunding = Infinity;

  // orders
  private seq = 0;
  private tradeSeq = 0;
  private readonly orders = new Map<string, SimOrder>();
  private readonly byClOrdId = new Map<string, SimOrder>();
  private resting: SimOrder[] = [];
  private readonly pending: Pending[] = [];
  /** Highest resting buy and lowest resting sell price (the fast path skips candles between them). */
  maxBuy = -Infinity;
  minSell = Infinity;

  readonly fillLog: BacktestFill[] = [];
  private readonly fillRecs: Fill[] = [];
  feesQuote = 0;
  fundingPaid = 0;
  tradedQuote = 0;
  private readonly orderHandlers = new Set<(o: Order) => void>();
  private readonly tickerHandlers = new Set<(t: Ticker) => void>();

  constructor(opts: BacktestExchangeOptions) {
    const inst = opts.instrument;
    this.inst = inst;
    this.isSwap = inst.instType === 'SWAP';
    this.ctVal = this.isSwap ? Number(inst.ctVal ?? '1') : 1;
    this.baseCcy = inst.baseCcy;
    this.quoteCcy = this.isSwap ? (inst.settleCcy ?? inst.quoteCcy) : inst.quoteCcy;
    this.tick = Number(inst.tickSz);
    this.lot = Number(inst.lotSz);
    this.minSz = Number(inst.minSz);
    if (!(this.tick > 0) || !(this.lot > 0))
      throw new ValidationError('instrument', 'tickSz and lotSz must be positive decimals');
    this.pxDec = decimals(inst.tickSz);
    this.szDec = decimals(inst.lotSz);
    const tier = this.isSwap ? FEE_TIERS.swap.Lv1 : FEE_TIERS.spot.Lv1;
    const fees = opts.fees ?? tier;
    for (const k of ['maker', 'taker'] as const)
      if (!(fees[k] >= -0.01 && fees[k] < 0.1))
        throw new ValidationError(
          `fees.${k}`,
          `${fees[k]} is not a fee rate`,
          'use a fraction such as 0.001 for 0.1 %',
        );
    this.makerRate = fees.maker;
    this.takerRate = fees.taker;
    this.latency = Math.max(0, opts.latencyMs ?? 0);
    this.halfSpread = Math.max(0, opts.spreadBps ?? 2) / 2e4;
    this.impact = Math.max(0, opts.impact ?? 0.1);
    this.fillMode = opts.fillMode ?? 'through';
    this.queueAhead = Math.max(0, opts.queueAhead ?? 0);
    this.participation = opts.participation ?? 1;
    if (!(this.participation > 0 && this.participation <= 1))
      throw new ValidationError(
        'participation',
        `${this.participation} is not a share of volume`,
        'use a number in (0, 1]',
      );
    const fr = opts.fundingRate ?? 0.0001;
    this.fundingRate = typeof fr === 'number' ? () => fr : fr;
    for (const [ccy, v] of Object.entries(opts.balances)) {
      const n = Number(v);
      if (!(n >= 0))
        throw new ValidationError(
          `balances.${ccy}`,
          `"${v}" is not an amount`,
          'use a decimal such as "10000"',
        );
      this.addAvail(ccy, n);
    }
  }

  // --- the engine's side --------------------------------------------------------------------

  /** Starts the clock at ts with the price px (before the first candle). */
  begin(ts: number, px: number): void {
    this.t = ts;
    this.px = px;
    this.nextFunding = this.isSwap ? Math.floor(ts / FUNDING_MS) * FUNDING_MS + FUNDING_MS : Infinity;
  }

  /** A new candle starts: its volume sets the fill budget and the impact scale. */
  startCandle(volume: number): void {
    this.candleVol = volume;
    this.budget = volume * this.participation;
  }

  /** Time of the next order, cancel or amend arrival (Infinity when none is in flight). */
  nextArrival(): number {
    return this.pending.length ? this.pending[0]!.at : Infinity;
  }

  /** Time of the next funding settlement (swaps; Infinity for spot). */
  fundingDue(): number {
    return this.nextFunding;
  }

  /** Moves the clock to ts (arrivals before it are processed at the current price), then the price to px. */
  step(ts: number, px: number): void {
    while (this.pending.length && this.pending[0]!.at <= ts) {
      const p = this.pending.shift()!;
      if (p.at > this.t) this.t = p.at;
      this.arrive(p);
    }
    while (this.nextFunding <= ts) this.settleFunding();
    this.t = ts;
    this.px = px;
    if (
      this.resting.length &&
      (px < this.maxBuy ||
        px > this.minSell ||
        (this.fillMode !== 'through' && (px === this.maxBuy || px === this.minSell)))
    )
      this.matchResting(px);
  }

  /** Skips to ts with the price px when nothing can happen in between (the caller checked). */
  skip(ts: number, px: number): void {
    while (this.nextFunding <= ts) this.settleFunding();
    this.t = ts;
    this.px = px;
  }

  private settleFunding(): void {
    const at = this.nextFunding;
    this.nextFunding += FUNDING_MS;
    if (this.pos === 0) return;
    const rate = this.fundingRate(at);
    // Longs pay shorts when the rate is positive: payment = position value x rate.
    const pay = this.pos * this.ctVal * this.px * rate;
    this.addAvail(this.quoteCcy, -pay);
    this.fundingPaid += pay;
  }

  // --- balances --------------------------------------------------------------------------------

  private addAvail(ccy: string, x: number): void {
    this.avail.set(ccy, (this.avail.get(ccy) ?? 0) + x);
    if (ccy === this.baseCcy) this.baseTot += x;
    else if (ccy === this.quoteCcy) this.quoteTot += x;
  }
  private addFrozen(ccy: string, x: number): void {
    this.frozen.set(ccy, (this.frozen.get(ccy) ?? 0) + x);
    if (ccy === this.baseCcy) this.baseTot += x;
    else if (ccy === this.quoteCcy) this.quoteTot += x;
  }
  availOf(ccy: string): number {
    return this.avail.get(ccy) ?? 0;
  }
  frozenOf(ccy: string): number {
    return this.frozen.get(ccy) ?? 0;
  }

  /** Base held (spot: available + frozen; swap: the position in base units). */
  position(): number {
    return this.isSwap ? this.pos * this.ctVal : this.baseTot;
  }

  /** Account value in quote at price px. */
  equityAt(px: number): number {
    if (this.isSwap) return this.quoteTot + this.pos * this.ctVal * (px - this.posPx);
    return this.quoteTot + this.baseTot * px;
  }

  // --- prices ----------------------------------------------------------------------------------

  bid(): number {
    const b = Math.floor((this.px * (1 - this.halfSpread)) / this.tick + 1e-9) * this.tick;
    return b > 0 ? b : this.tick;
  }
  ask(): number {
    return Math.ceil((this.px * (1 + this.halfSpread)) / this.tick - 1e-9) * this.tick;
  }
  private fmtPx(x: number): string {
    return x.toFixed(this.pxDec);
  }
  private fmtSz(x: number): string {
    return num(x, this.szDec);
  }

  tickerNow(): Ticker {
    return {
      instId: this.inst.instId,
      last: this.fmtPx(Math.round(this.px / this.tick) * this.tick),
      bidPx: this.fmtPx(this.bid()),
      askPx: this.fmtPx(this.ask()),
      ts: this.t,
    };
  }

  /** Pushes the current ticker to onTicker subscribers (the bot runner's path). */
  publishTicker(): void {
    if (this.tickerHandlers.size === 0) return;
    const tk = this.tickerNow();
    for (const h of this.tickerHandlers) h(tk);
  }

  // --- orders ----------------------------------------------------------------------------------

  private reject(code: string, msg: string): never {
    throw new BacktestOrderError(code, msg);
  }

  /** Places an order now (synchronously); it reaches the book after the latency. */
  place(intent: OrderIntent): Order {
    if (intent.instId !== this.inst.instId)
      this.reject('51001', `instrument ${intent.instId} is not in this backtest`);
    if (
      intent.clOrdId &&
      this.byClOrdId.has(intent.clOrdId) &&
      OPEN.has(this.byClOrdId.get(intent.clOrdId)!.state)
    )
      this.reject('51016', `duplicate clOrdId ${intent.clOrdId}`);
    const sz = Number(intent.sz);
    if (!(sz > 0)) this.reject('51000', `sz "${intent.sz}" must be a positive number`);
    const market = intent.ordType === 'market';
    const px = market ? NaN : Number(intent.px);
    if (!market && !(px > 0))
      this.reject('51000', `px "${intent.px}" must be a positive number for ${intent.ordType}`);
    const inQuote = market && intent.side === 'buy' && !this.isSwap && intent.tgtCcy !== 'base_ccy';
    if (!inQuote && sz < this.minSz - 1e-12)
      this.reject('51020', `sz ${intent.sz} is below the minimum ${this.inst.minSz}`);
    const o: SimOrder = {
      ordId: String(++this.seq),
      clOrdId: intent.clOrdId ?? '',
      side: intent.side,
      ordType: intent.ordType,
      px,
      sz: inQuote ? NaN : sz,
      quoteSz: inQuote ? sz : 0,
      filled: 0,
      notional: 0,
      fee: 0,
      state: 'live',
      tag: intent.tag ?? '',
      cTime: this.t,
      uTime: this.t,
      arrived: false,
      queue: this.queueAhead,
      frozen: 0,
    };
    // Spot: what the order may spend is frozen now, as OKX does on acceptance.
    if (!this.isSwap) {
      if (o.side === 'buy') {
        const need = inQuote
          ? sz
          : sz * (market ? this.ask() * (1 + this.halfSpread + this.impactFor(sz)) : px);
        if (need > this.availOf(this.quoteCcy) + 1e-9)
          this.reject(
            '51008',
            `insufficient ${this.quoteCcy}: need ${num(need, 8)}, available ${num(this.availOf(this.quoteCcy), 8)}`,
          );
        o.frozen = Math.min(need, this.availOf(this.quoteCcy));
        this.addAvail(this.quoteCcy, -o.frozen);
        this.addFrozen(this.quoteCcy, o.frozen);
      } else {
        if (sz > this.availOf(this.baseCcy) + 1e-12)
          this.reject(
            '51008',
            `insufficient ${this.baseCcy}: need ${this.fmtSz(sz)}, available ${num(this.availOf(this.baseCcy), 12)}`,
          );
        o.frozen = Math.min(sz, this.availOf(this.baseCcy));
        this.addAvail(this.baseCcy, -o.frozen);
        this.addFrozen(this.baseCcy, o.frozen);
      }
    } else if (this.availOf(this.quoteCcy) <= 0) {
      this.reject('51008', `insufficient ${this.quoteCcy} margin`);
    }
    this.orders.set(o.ordId, o);
    if (o.clOrdId) this.byClOrdId.set(o.clOrdId, o);
    if (this.latency === 0) this.arrive({ at: this.t, kind: 'place', o });
    else this.pending.push({ at: this.t + this.latency, kind: 'place', o });
    return this.view(o);
  }

  private find(ref: OrderRef): SimOrder | undefined {
    if (ref.ordId) return this.orders.get(ref.ordId);
    if (ref.clOrdId) return this.byClOrdId.get(ref.clOrdId);
    return undefined;
  }

  /** Requests a cancel now; it takes effect after the latency (the order may fill meanwhile). */
  cancel(ref: OrderRef): void {
    const o = this.find(ref);
    if (!o || !OPEN.has(o.state)) this.reject('51400', 'order does not exist or is already finished');
    if (this.latency === 0) this.arrive({ at: this.t, kind: 'cancel', o });
    else this.pending.push({ at: this.t + this.latency, kind: 'cancel', o });
  }

  amend(req: AmendRequest): void {
    const o = this.find(req);
    if (!o || !OPEN.has(o.state)) this.reject('51503', 'order does not exist or is already finished');
    if (o.ordType === 'market') this.reject('51000', 'a market order cannot be amended');
    const p: Pending = {
      at: this.t + this.latency,
      kind: 'amend',
      o,
      ...(req.newSz ? { sz: Number(req.newSz) } : {}),
      ...(req.newPx ? { px: Number(req.newPx) } : {}),
    };
    if (this.latency === 0) this.arrive(p);
    else this.pending.push(p);
  }

  private impactFor(sz: number): number {
    return this.candleVol > 0 ? (this.impact * sz) / this.candleVol : 0;
  }

  private arrive(p: Pending): void {
    const o = p.o;
    if (!OPEN.has(o.state)) return;
    if (p.kind === 'cancel') return this.finish(o, 'canceled');
    if (p.kind === 'amend') {
      if (p.sz !== undefined && p.sz <= o.filled) return this.finish(o, o.filled > 0 ? 'filled' : 'canceled');
      if (!this.isSwap && o.side === 'buy') {
        const newPx = p.px ?? o.px;
        const newSz = p.sz ?? o.sz;
        const need = (newSz - o.filled) * newPx;
        const delta = need - o.frozen;
        if (delta > this.availOf(this.quoteCcy) + 1e-9) return; // OKX refuses the amend; the order stays
        this.addAvail(this.quoteCcy, -delta);
        this.addFrozen(this.quoteCcy, delta);
        o.frozen = need;
      } else if (!this.isSwap && p.sz !== undefined) {
        const delta = p.sz - o.filled - o.frozen;
        if (delta > this.availOf(this.baseCcy) + 1e-12) return;
        this.addAvail(this.baseCcy, -delta);
        this.addFrozen(this.baseCcy, delta);
        o.frozen += delta;
      }
      if (p.sz !== undefined) o.sz = p.sz;
      if (p.px !== undefined && p.px !== o.px) {
        o.px = p.px;
        o.queue = this.queueAhead; // a new price goes to the back of the queue
      }
      o.uTime = this.t;
      this.refreshBounds();
      this.emit(o);
      return this.takeIfMarketable(o, true);
    }
    o.arrived = true;
    if (o.ordType === 'market') {
      const isBuy = o.side === 'buy';
      const ref = isBuy ? this.ask() : this.bid();
      let size = o.sz;
      if (Number.isNaN(size)) {
        // Market buy sized in quote: spend quoteSz at the price impact the amount implies.
        const approx = o.quoteSz / ref;
        const fpx = ref * (1 + this.impactFor(approx));
        size = Math.floor(o.quoteSz / fpx / this.lot + 1e-9) * this.lot;
        o.sz = size;
        if (size <= 0) return this.finish(o, 'canceled');
        return this.trade(o, size, fpx, false);
      }
      const fpx = isBuy ? ref * (1 + this.impactFor(size)) : ref * (1 - this.impactFor(size));
      return this.trade(o, size, fpx, false);
    }
    this.takeIfMarketable(o, false);
  }

  /** Limit-style orders at arrival (or after an amend): take what crosses, then rest or finish. */
  private takeIfMarketable(o: SimOrder, amended: boolean): void {
    const isBuy = o.side === 'buy';
    const ref = isBuy ? this.ask() : this.bid();
    const crosses = isBuy ? o.px >= ref : o.px <= ref;
    const rest = o.sz - o.filled;
    if (crosses) {
      if (o.ordType === 'post_only') return this.finish(o, 'canceled');
      // A taker fill at the bid/ask plus impact, never worse than the limit.
      const imp = this.impactFor(rest);
      const fpx = isBuy ? Math.min(o.px, ref * (1 + imp)) : Math.max(o.px, ref * (1 - imp));
      return this.trade(o, rest, fpx, false);
    }
    if (o.ordType === 'ioc' || o.ordType === 'fok') return this.finish(o, 'canceled');
    if (!amended) {
      this.resting.push(o);
      this.refreshBounds();
    }
  }

  private refreshBounds(): void {
    let mb = -Infinity;
    let ms = Infinity;
    for (const o of this.resting) {
      if (o.side === 'buy') {
        if (o.px > mb) mb = o.px;
      } else if (o.px < ms) ms = o.px;
    }
    this.maxBuy = mb;
    this.minSell = ms;
  }

  private matchResting(px: number): void {
    // Best price first (highest buy, lowest sell), then time: what a real book would fill first.
    const cands = this.resting
      .filter((o) => (o.side === 'buy' ? px <= o.px : px >= o.px))
      .sort((a, b) =>
        a.side === b.side
          ? (a.side === 'buy' ? b.px - a.px : a.px - b.px) || Number(a.ordId) - Number(b.ordId)
          : 0,
      );
    for (const o of cands) {
      if (!OPEN.has(o.state)) continue;
      const through = o.side === 'buy' ? px < o.px : px > o.px;
      let can = o.sz - o.filled;
      if (!through) {
        if (this.fillMode === 'through') continue;
        if (this.fillMode === 'queue') {
          // About a quarter of the candle's volume trades at each of its four path points.
          const traded = this.candleVol / 4;
          const left = traded - o.queue;
          o.queue = Math.max(0, o.queue - traded);
          if (left <= 0) continue;
          can = Math.min(can, left);
        }
      }
      can = Math.min(can, this.budget);
      can = Math.floor(can / this.lot + 1e-9) * this.lot;
      if (can <= 0) continue;
      this.budget -= can;
      this.trade(o, can, o.px, true);
    }
  }

  // long: one fill books spot buy/sell and contract legs with fees, the order totals and state together
  /** Books one fill: balances, fee in OKX's currency, the order's totals and state. */
  private trade(o: SimOrder, sz: number, px: number, maker: boolean): void {
    const rate = maker ? this.makerRate : this.takerRate;
    const isBuy = o.side === 'buy';
    const value = sz * px;
    let fee: number;
    let feeCcy: string;
    let feeQuote: number;
    if (this.isSwap) {
      const notional = sz * this.ctVal * px;
      fee = notional * rate;
      feeCcy = this.quoteCcy;
      feeQuote = fee;
      const signed = isBuy ? sz : -sz;
      if (this.pos === 0 || Math.sign(this.pos) === Math.sign(signed)) {
        this.posPx = (this.posPx * Math.abs(this.pos) + px * sz) / (Math.abs(this.pos) + sz);
        this.pos += signed;
      } else {
        const closing = Math.min(Math.abs(this.pos), sz);
        const pnl = closing * this.ctVal * (px - this.posPx) * Math.sign(this.pos);
        this.addAvail(this.quoteCcy, pnl);
        this.pos += signed;
        if (Math.abs(this.pos) < 1e-12) this.pos = 0;
        if (sz > closing) this.posPx = px; // flipped: the rest opens at this price
      }
      this.addAvail(this.quoteCcy, -fee);
      this.tradedQuote += notional;
    } else if (isBuy) {
      // Spot buy: quote out of the frozen amount, base in minus the fee charged in base.
      fee = sz * rate;
      feeCcy = this.baseCcy;
      feeQuote = fee * px;
      const used = Math.min(value, o.frozen);
      o.frozen -= used;
      this.addFrozen(this.quoteCcy, -used);
      if (value > used) this.addAvail(this.quoteCcy, -(value - used));
      this.addAvail(this.baseCcy, sz - fee);
      this.tradedQuote += value;
    } else {
      // Spot sell: base out of the frozen amount, quote in minus the fee charged in quote.
      fee = value * rate;
      feeCcy = this.quoteCcy;
      feeQuote = fee;
      const used = Math.min(sz, o.frozen);
      o.frozen -= used;
      this.addFrozen(this.baseCcy, -used);
      if (sz > used) this.addAvail(this.baseCcy, -(sz - used));
      this.addAvail(this.quoteCcy, value - fee);
      this.tradedQuote += value;
    }
    this.feesQuote += feeQuote;
    o.filled += sz;
    o.notional += value;
    o.fee += fee;
    o.uTime = this.t;
    const f: BacktestFill = {
      ts: this.t,
      ordId: o.ordId,
      clOrdId: o.clOrdId,
      side: o.side,
      px,
      sz,
      fee,
      feeCcy,
      feeQuote,
      maker,
    };
    this.fillLog.push(f);
    this.fillRecs.push({
      tradeId: String(++this.tradeSeq),
      ordId: o.ordId,
      clOrdId: o.clOrdId,
      instId: this.inst.instId,
      side: o.side,
      fillPx: num(px, this.pxDec + 4),
      fillSz: this.fmtSz(sz),
      fee: num(-fee, 12),
      feeCcy,
      execType: maker ? 'M' : 'T',
      ts: this.t,
    });
    const done = o.filled >= o.sz - this.lot / 2 || (o.ordType !== 'limit' && o.ordType !== 'post_only');
    if (done) this.finish(o, o.filled >= o.sz - this.lot / 2 ? 'filled' : 'canceled');
    else {
      o.state = 'partially_filled';
      this.emit(o);
    }
  }

  private finish(o: SimOrder, state: OrderState): void {
    o.state = state;
    o.uTime = this.t;
    if (o.frozen > 0) {
      const ccy = o.side === 'buy' ? this.quoteCcy : this.baseCcy;
      this.addFrozen(ccy, -o.frozen);
      this.addAvail(ccy, o.frozen);
      o.frozen = 0;
    }
    const i = this.resting.indexOf(o);
    if (i >= 0) {
      this.resting.splice(i, 1);
      this.refreshBounds();
    }
    this.emit(o);
  }

  private view(o: SimOrder): Order {
    const avg = o.filled > 0 ? o.notional / o.filled : 0;
    return {
      ordId: o.ordId,
      clOrdId: o.clOrdId,
      instId: this.inst.instId,
      side: o.side,
      ordType: o.ordType,
      px: Number.isNaN(o.px) ? '' : this.fmtPx(o.px),
      sz: Number.isNaN(o.sz) ? num(o.quoteSz, 8) : this.fmtSz(o.sz),
      accFillSz: this.fmtSz(o.filled),
      avgPx: o.filled > 0 ? num(avg, this.pxDec + 6) : '',
      state: o.state,
      fee: num(-o.fee, 12),
      feeCcy:
        o.fee === 0 && o.filled === 0
          ? ''
          : this.isSwap
            ? this.quoteCcy
            : o.side === 'buy'
              ? this.baseCcy
              : this.quoteCcy,
      tag: o.tag,
      cTime: o.cTime,
      uTime: o.uTime,
    };
  }

  private emit(o: SimOrder): void {
    if (this.orderHandlers.size === 0) return;
    const v = this.view(o);
    for (const h of this.orderHandlers) h(v);
  }

  // --- the Exchange port -----------------------------------------------------------------------

  instrument(instId: string): Promise<Instrument> {
    if (instId !== this.inst.instId)
      return Promise.reject(new BacktestOrderError('51001', `instrument ${instId} is not in this backtest`));
    return Promise.resolve({ ...this.inst });
  }

  balancesNow(): Balance[] {
    const ccys = new Set([...this.avail.keys(), ...this.frozen.keys()]);
    return [...ccys].sort().map((ccy) => {
      const a = this.availOf(ccy);
      const f = this.frozenOf(ccy);
      const eq = this.isSwap && ccy === this.quoteCcy ? this.equityAt(this.px) : a + f;
      return { ccy, availBal: num(a, 12), frozenBal: num(f, 12), eq: num(eq, 12) };
    });
  }

  balances(): Promise<Balance[]> {
    return Promise.resolve(this.balancesNow());
  }

  ticker(instId: string): Promise<Ticker> {
    if (instId !== this.inst.instId)
      return Promise.reject(new BacktestOrderError('51001', `instrument ${instId} is not in this backtest`));
    return Promise.resolve(this.tickerNow());
  }

  // async: a synchronous throw becomes the rejection, as on a real venue
  async placeOrder(intent: OrderIntent): Promise<Order> {
    return this.place(intent);
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    this.cancel(ref);
  }

  async amendOrder(req: AmendRequest): Promise<void> {
    this.amend(req);
  }

  getOrder(ref: OrderRef): Promise<Order | undefined> {
    const o = this.find(ref);
    return Promise.resolve(o ? this.view(o) : undefined);
  }

  openOrders(instId?: string): Promise<Order[]> {
    if (instId && instId !== this.inst.instId) return Promise.resolve([]);
    return Promise.resolve(
      [...this.orders.values()].filter((o) => OPEN.has(o.state)).map((o) => this.view(o)),
    );
  }

  fills(instId?: string, sinceMs?: number): Promise<Fill[]> {
    if (instId && instId !== this.inst.instId) return Promise.resolve([]);
    return Promise.resolve(this.fillRecs.filter((f) => sinceMs === undefined || f.ts >= sinceMs));
  }

  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    if (instId !== this.inst.instId) return () => {};
    this.tickerHandlers.add(handler);
    return () => this.tickerHandlers.delete(handler);
  }

  onOrder(handler: (o: Order) => void): Unsubscribe {
    this.orderHandlers.add(handler);
    return () => this.orderHandlers.delete(handler);
  }

  now(): number {
    return this.t;
  }
}

const OPEN: ReadonlySet<OrderState> = new Set<OrderState>(['live', 'partially_filled']);
