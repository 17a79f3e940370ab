import { Decimal } from 'decimal.js';
import { OkxkitError } from '../../src/util/errors.js';
import { ManualClock, type Clock } from '../../src/util/clock.js';
import type {
  AmendRequest,
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  Ticker,
  Unsubscribe,
} from '../../src/trading/exchange-port.js';

/** An error the paper exchange throws; `ambiguous` says whether the order may have been executed. */
export class PaperError extends OkxkitError {
  constructor(
    code: string,
    message: string,
    readonly ambiguous = false,
  ) {
    super(message, { code });
  }
}

export const PAPER_INSTRUMENTS: Instrument[] = [
  {
    instId: 'BTC-USDT',
    instType: 'SPOT',
    baseCcy: 'BTC',
    quoteCcy: 'USDT',
    tickSz: '0.1',
    lotSz: '0.00000001',
    minSz: '0.00001',
    maxLmtSz: '',
    maxMktSz: '',
    state: 'live',
  },
  {
    instId: 'ETH-USDT',
    instType: 'SPOT',
    baseCcy: 'ETH',
    quoteCcy: 'USDT',
    tickSz: '0.01',
    lotSz: '0.000001',
    minSz: '0.0001',
    maxLmtSz: '',
    maxMktSz: '',
    state: 'live',
  },
];

export interface PaperOptions {
  clock?: Clock;
  instruments?: Instrument[];
  balances?: Record<string, string>;
  /** Last price per instrument. */
  prices?: Record<string, string>;
  makerFeeRate?: string;
  takerFeeRate?: string;
}

type Failure = 'reject' | 'lost-response' | 'not-arrived';

/**
 * A small in-memory exchange implementing the Exchange port for strategy tests: resting limit
 * orders fill (as maker, at their own price) when a pushed price reaches them; market orders and
 * crossing limits fill at once at the pushed price (as taker). Fees follow OKX spot: buys pay in
 * base, sells in quote, negative = charged.
 */
export class PaperExchange implements ExchangePort {
  readonly clock: Clock;
  readonly instruments: Map<string, Instrument>;
  private readonly tickers = new Map<string, Ticker>();
  private readonly avail = new Map<string, Decimal>();
  private readonly frozen = new Map<string, Decimal>();
  private readonly orders: Order[] = [];
  private readonly fillLog: Fill[] = [];
  private readonly tickerHandlers = new Map<string, Set<(t: Ticker) => void>>();
  private readonly orderHandlers = new Set<(o: Order) => void>();
  private readonly failures: Failure[] = [];
  private seq = 0;
  private readonly makerFee: Decimal;
  private readonly takerFee: Decimal;
  /** Successful placeOrder calls (the exchange accepted an order). */
  placeCount = 0;
  /** Every placeOrder call, accepted or not. */
  placeCalls: OrderIntent[] = [];
  /** When true, order updates are not pushed (a dropped private stream). */
  muteOrderStream = false;

  constructor(opts: PaperOptions = {}) {
    this.clock = opts.clock ?? new ManualClock(1_700_000_000_000);
    this.instruments = new Map((opts.instruments ?? PAPER_INSTRUMENTS).map((i) => [i.instId, i]));
    for (const [ccy, v] of Object.entries(opts.balances ?? { USDT: '10000', BTC: '1', ETH: '10' }))
      this.avail.set(ccy, new Decimal(v));
    for (const [instId, px] of Object.entries(opts.prices ?? { 'BTC-USDT': '100000' }))
      this.tickers.set(instId, this.mkTicker(instId, px));
    this.makerFee = new Decimal(opts.makerFeeRate ?? '0.0008');
    this.takerFee = new Decimal(opts.takerFeeRate ?? '0.001');
  }

  private mkTicker(instId: string, last: string, bid?: string, ask?: string): Ticker {
    return { instId, last, bidPx: bid ?? last, askPx: ask ?? last, ts: this.clock.now() };
  }

  /** Makes the next placeOrder calls fail: a plain rejection, an order executed whose response is lost, or one that never arrived. */
  failNextPlace(...kinds: Failure[]): void {
    this.failures.push(...kinds);
  }

  /** All orders ever accepted, oldest first. */
  allOrders(): Order[] {
    return this.orders.map((o) => ({ ...o }));
  }

  balanceOf(ccy: string): { avail: string; frozen: string } {
    return {
      avail: (this.avail.get(ccy) ?? new Decimal(0)).toFixed(),
      frozen: (this.frozen.get(ccy) ?? new Decimal(0)).toFixed(),
    };
  }

  now(): number {
    return this.clock.now();
  }

  async instrument(instId: string): Promise<Instrument> {
    const i = this.instruments.get(instId);
    if (!i) throw new PaperError('51001', `Instrument ID ${instId} does not exist`);
    return { ...i };
  }

  async balances(): Promise<Balance[]> {
    const ccys = new Set([...this.avail.keys(), ...this.frozen.keys()]);
    return [...ccys].map((ccy) => {
      const a = this.avail.get(ccy) ?? new Decimal(0);
      const f = this.frozen.get(ccy) ?? new Decimal(0);
      return { ccy, availBal: a.toFixed(), frozenBal: f.toFixed(), eq: a.plus(f).toFixed() };
    });
  }

  async ticker(instId: string): Promise<Ticker> {
    const t = this.tickers.get(instId);
    if (!t) throw new PaperError('51001', `no price for ${instId}`);
    return { ...t };
  }

  private add(map: Map<string, Decimal>, ccy: string, v: Decimal): void {
    map.set(ccy, (map.get(ccy) ?? new Decimal(0)).plus(v));
  }

  private emit(o: Order): void {
    if (this.muteOrderStream) return;
    for (const h of [...this.orderHandlers]) h({ ...o });
  }

  async placeOrder(intent: OrderIntent): Promise<Order> {
    this.placeCalls.push({ ...intent });
    const failure = this.failures.shift();
    if (failure === 'reject') throw new PaperError('51008', 'Order failed. Insufficient balance');
    if (failure === 'not-arrived') throw new PaperError('50004', 'request timeout', true);
    const inst = this.instruments.get(intent.instId);
    if (!inst) throw new PaperError('51001', `Instrument ID ${intent.instId} does not exist`);
    if (
      intent.clOrdId &&
      this.orders.some(
        (o) => o.clOrdId === intent.clOrdId && (o.state === 'live' || o.state === 'partially_filled'),
      )
    ) {
      throw new PaperError('51016', 'Client order ID already exists.');
    }
    const t = this.tickers.get(intent.instId)!;
    const sz = new Decimal(intent.sz);
    const isMarketQuote =
      intent.ordType === 'market' && intent.side === 'buy' && intent.tgtCcy !== 'base_ccy';
    const baseSz = isMarketQuote
      ? sz.div(t.askPx).toDecimalPlaces(new Decimal(inst.lotSz).decimalPlaces(), Decimal.ROUND_DOWN)
      : sz;
    if (baseSz.lt(inst.minSz))
      throw new PaperError(
        '51020',
        `Order amount should be greater than the min available amount ${inst.minSz}`,
      );
    if (intent.ordType !== 'market') {
      if (!intent.px) throw new PaperError('51000', 'Parameter px error');
      if (!new Decimal(intent.px).mod(inst.tickSz).isZero())
        throw new PaperError('51000', 'Parameter px error');
    }
    if (!baseSz.mod(inst.lotSz).isZero()) throw new PaperError('51000', 'Parameter sz error');
    // Funds are reserved at the order price (market buys: the quote amount).
    const needQuote =
      intent.side === 'buy' ? (isMarketQuote ? sz : baseSz.mul(intent.px ?? t.askPx)) : new Decimal(0);
    const needBase = intent.side === 'sell' ? baseSz : new Decimal(0);
    const availQ = this.avail.get(inst.quoteCcy) ?? new Decimal(0);
    const availB = this.avail.get(inst.baseCcy) ?? new Decimal(0);
    if (availQ.lt(needQuote) || availB.lt(needBase))
      throw new PaperError('51008', 'Order failed. Insufficient balance');
    this.add(this.avail, inst.quoteCcy, needQuote.neg());
    this.add(this.frozen, inst.quoteCcy, needQuote);
    this.add(this.avail, inst.baseCcy, needBase.neg());
    this.add(this.frozen, inst.baseCcy, needBase);
    const now = this.clock.now();
    const order: Order & { reserved: string } = {
      ordId: String(++this.seq + 1000),
      clOrdId: intent.clOrdId ?? '',
      instId: intent.instId,
      side: intent.side,
      ordType: intent.ordType,
      px: intent.ordType === 'market' ? '' : intent.px!,
      sz: intent.sz,
      accFillSz: '0',
      avgPx: '',
      state: 'live',
      fee: '0',
      feeCcy: intent.side === 'buy' ? inst.baseCcy : inst.quoteCcy,
      tag: intent.tag ?? '',
      cTime: now,
      uTime: now,
      reserved: needQuote.gt(0) ? needQuote.toFixed() : needBase.toFixed(),
    };
    this.orders.push(order);
    this.placeCount++;
    this.emit(order);
    const crossBuy =
      intent.side === 'buy' && (intent.ordType === 'market' || new Decimal(intent.px!).gte(t.askPx));
    const crossSell =
      intent.side === 'sell' && (intent.ordType === 'market' || new Decimal(intent.px!).lte(t.bidPx));
    if (crossBuy) this.fill(order, baseSz, t.askPx, false);
    else if (crossSell) this.fill(order, baseSz, t.bidPx, false);
    else if (intent.ordType === 'ioc' || intent.ordType === 'fok') {
      // Nothing to take at the limit: an IOC/FOK never rests (OKX: the remainder is canceled).
      const ccy = intent.side === 'buy' ? inst.quoteCcy : inst.baseCcy;
      this.add(this.frozen, ccy, new Decimal(order.reserved).neg());
      this.add(this.avail, ccy, new Decimal(order.reserved));
      order.reserved = '0';
      order.state = 'canceled';
      this.emit(this.strip(order));
    }
    if (failure === 'lost-response') throw new PaperError('50004', 'request timeout (executed)', true);
    return this.strip(order);
  }

  private strip(o: Order): Order {
    const { reserved: _r, ...rest } = o as Order & { reserved?: string };
    return { ...rest };
  }

  private fill(order: Order & { reserved?: string }, sz: Decimal, px: string, maker: boolean): void {
    const inst = this.instruments.get(order.instId)!;
    const rate = maker ? this.makerFee : this.takerFee;
    const quote = sz.mul(px);
    const reserved = new Decimal(order.reserved ?? '0');
    if (order.side === 'buy') {
      const fee = sz.mul(rate).toDecimalPlaces(12).neg();
      this.add(this.frozen, inst.quoteCcy, reserved.neg());
      this.add(this.avail, inst.quoteCcy, reserved.minus(quote));
      this.add(this.avail, inst.baseCcy, sz.plus(fee));
      order.fee = fee.toFixed();
    } else {
      const fee = quote.mul(rate).toDecimalPlaces(12).neg();
      this.add(this.frozen, inst.baseCcy, reserved.neg());
      this.add(this.avail, inst.quoteCcy, quote.plus(fee));
      order.fee = fee.toFixed();
    }
    order.reserved = '0';
    order.accFillSz = sz.toFixed();
    order.avgPx = px;
    order.state = 'filled';
    order.uTime = this.clock.now();
    this.fillLog.push({
      tradeId: String(this.fillLog.length + 1),
      ordId: order.ordId,
      clOrdId: order.clOrdId,
      instId: order.instId,
      side: order.side,
      fillPx: px,
      fillSz: sz.toFixed(),
      fee: order.fee,
      feeCcy: order.feeCcy,
      execType: maker ? 'M' : 'T',
      ts: order.uTime,
    });
    this.emit(this.strip(order));
  }

  /**
   * Moves the market: resting buys at or above the price and sells at or below it fill at their
   * own price, then the ticker is pushed.
   */
  setPrice(instId: string, last: string, bid?: string, ask?: string): void {
    const t = this.mkTicker(instId, last, bid, ask);
    this.tickers.set(instId, t);
    const p = new Decimal(last);
    for (const o of this.orders) {
      if (o.instId !== instId || o.state !== 'live' || o.ordType === 'market') continue;
      if ((o.side === 'buy' && p.lte(o.px)) || (o.side === 'sell' && p.gte(o.px)))
        this.fill(o, new Decimal(o.sz), o.px, true);
    }
    for (const h of [...(this.tickerHandlers.get(instId) ?? [])]) h({ ...t });
  }

  private find(ref: OrderRef): (Order & { reserved?: string }) | undefined {
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const o = this.orders[i]!;
      if (o.instId !== ref.instId) continue;
      if (ref.ordId ? o.ordId === ref.ordId : o.clOrdId === ref.clOrdId) return o;
    }
    return undefined;
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    const o = this.find(ref);
    if (!o) throw new PaperError('51603', 'Order does not exist');
    if (o.state !== 'live' && o.state !== 'partially_filled')
      throw new PaperError(
        '51400',
        'Order cancellation failed as the order has been filled, canceled or does not exist.',
      );
    const inst = this.instruments.get(o.instId)!;
    const ccy = o.side === 'buy' ? inst.quoteCcy : inst.baseCcy;
    const reserved = new Decimal(o.reserved ?? '0');
    this.add(this.frozen, ccy, reserved.neg());
    this.add(this.avail, ccy, reserved);
    o.reserved = '0';
    o.state = 'canceled';
    o.uTime = this.clock.now();
    this.emit(this.strip(o));
  }

  /** Cancels an order as if someone else did (the web UI, a kill switch). */
  async cancelExternally(clOrdId: string, instId = 'BTC-USDT'): Promise<void> {
    await this.cancelOrder({ instId, clOrdId });
  }

  async amendOrder(_req: AmendRequest): Promise<void> {
    throw new PaperError('51000', 'amend is not supported by the paper exchange');
  }

  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    const o = this.find(ref);
    return o ? this.strip(o) : undefined;
  }

  async openOrders(instId?: string): Promise<Order[]> {
    return this.orders
      .filter(
        (o) => (!instId || o.instId === instId) && (o.state === 'live' || o.state === 'partially_filled'),
      )
      .map((o) => this.strip(o));
  }

  async fills(instId?: string, sinceMs?: number): Promise<Fill[]> {
    return this.fillLog.filter(
      (f) => (!instId || f.instId === instId) && (sinceMs === undefined || f.ts >= sinceMs),
    );
  }

  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    let set = this.tickerHandlers.get(instId);
    if (!set) this.tickerHandlers.set(instId, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  onOrder(handler: (o: Order) => void): Unsubscribe {
    this.orderHandlers.add(handler);
    return () => this.orderHandlers.delete(handler);
  }
}
