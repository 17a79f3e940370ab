/**
 * The Exchange port: the small interface strategies talk to. OkxExchange (REST + WS against
 * OKX or the local exchange) and BacktestExchange implement it, so a bot runs unchanged in a
 * backtest, on the local exchange, on demo and live. Wire values stay decimal strings.
 */
export type Side = 'buy' | 'sell';
export type OrdType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc';
export type OrderState = 'live' | 'partially_filled' | 'filled' | 'canceled' | 'mmp_canceled';

/** The states in which an order still rests on the book; every other state is final. */
export const OPEN_STATES: ReadonlySet<string> = new Set<OrderState>(['live', 'partially_filled']);

export interface Instrument {
  instId: string;
  instType: string;
  baseCcy: string;
  quoteCcy: string;
  tickSz: string;
  lotSz: string;
  minSz: string;
  /** Max size of a limit order ("" when none). */
  maxLmtSz: string;
  /** Max size of a market order ("" when none). */
  maxMktSz: string;
  state: 'live' | 'suspend' | 'preopen' | 'test' | string;
}

export interface Balance {
  ccy: string;
  /** Available to trade. */
  availBal: string;
  /** Frozen by open orders. */
  frozenBal: string;
  /** Total equity in this currency. */
  eq: string;
}

export interface Ticker {
  instId: string;
  last: string;
  bidPx: string;
  askPx: string;
  /** ms since epoch */
  ts: number;
}

/** What a strategy wants; the executor gives it a clOrdId if it has none. */
export interface OrderIntent {
  instId: string;
  side: Side;
  ordType: OrdType;
  /** Base currency for spot limit orders; for market buys, see tgtCcy. */
  sz: string;
  px?: string;
  tdMode?: 'cash' | 'cross' | 'isolated';
  tgtCcy?: 'base_ccy' | 'quote_ccy';
  reduceOnly?: boolean;
  clOrdId?: string;
  tag?: string;
  /**
   * Request deadline (ms since epoch, exchange time): a venue that supports it drops the request
   * if it arrives later (OKX `expTime` header, docs/OKX-PROTOCOL.md §9). Set by the executor, so that after an
   * ambiguous outcome it knows when a delayed original can no longer execute.
   */
  expTime?: number;
}

export interface Order {
  ordId: string;
  clOrdId: string;
  instId: string;
  side: Side;
  ordType: OrdType;
  /** "" for market orders. */
  px: string;
  sz: string;
  accFillSz: string;
  /** "" until filled. */
  avgPx: string;
  state: OrderState;
  /** Negative = charged (OKX sign convention). */
  fee: string;
  feeCcy: string;
  tag: string;
  cTime: number;
  uTime: number;
}

export interface Fill {
  tradeId: string;
  ordId: string;
  clOrdId: string;
  instId: string;
  side: Side;
  fillPx: string;
  fillSz: string;
  fee: string;
  feeCcy: string;
  execType: 'T' | 'M';
  ts: number;
}

export interface OrderRef {
  instId: string;
  ordId?: string;
  clOrdId?: string;
}

export interface AmendRequest extends OrderRef {
  newSz?: string;
  newPx?: string;
}

export type Unsubscribe = () => void;

export interface ExchangePort {
  /** Instrument rules (tick, lot, min size, state). */
  instrument(instId: string): Promise<Instrument>;
  balances(): Promise<Balance[]>;
  ticker(instId: string): Promise<Ticker>;
  /** Places an order; resolves with the order as the exchange knows it (at least state "live"). */
  placeOrder(intent: OrderIntent): Promise<Order>;
  cancelOrder(ref: OrderRef): Promise<void>;
  amendOrder(req: AmendRequest): Promise<void>;
  /** undefined when the exchange does not know the order. */
  getOrder(ref: OrderRef): Promise<Order | undefined>;
  openOrders(instId?: string): Promise<Order[]>;
  /** Recent fills, oldest first; `sinceMs` filters by fill time. */
  fills(instId?: string, sinceMs?: number): Promise<Fill[]>;
  /** Live price updates. */
  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe;
  /** Order state changes of this account. */
  onOrder(handler: (o: Order) => void): Unsubscribe;
  /** The exchange's time (ms); backtests return simulated time. */
  now(): number;
}
