/**
 * The Exchange port: the small interface strategies talk to. OkxExchange (REST + WS against
 * OKX or the local exchange) and BacktestExchange implement it, so a bot runs unchanged in a
 * backtest, on the local exchange, on demo and live. Wire values stay decimal strings.
 */
export type Side = 'buy' | 'sell';
/** An order type okxkit places: market, limit, post_only, fok or ioc. */
export type OrdType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc';
/** The state of an order: live, partially_filled, filled, canceled or mmp_canceled. */
export type OrderState = 'live' | 'partially_filled' | 'filled' | 'canceled' | 'mmp_canceled';

/** The states in which an order still rests on the book; every other state is final. */
export const OPEN_STATES: ReadonlySet<string> = new Set<OrderState>(['live', 'partially_filled']);

/** The trading rules of an instrument through the Exchange port: tick size, lot size, minimum size (decimal strings) and state. */
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
  /** Derivatives: the value of one contract, in ctValCcy (e.g. "0.01" BTC). Absent on spot. */
  ctVal?: string;
  ctValCcy?: string;
  /** Derivatives: `linear` (settled in the quote currency) or `inverse` (settled in the coin). */
  ctType?: 'linear' | 'inverse' | string;
  settleCcy?: string;
  /** Derivatives: the instrument's maximum leverage. */
  lever?: string;
}

/** Position side: `net` in net mode (pos signed), `long` / `short` in long/short mode. */
export type PosSide = 'long' | 'short' | 'net';
export type MarginMode = 'cross' | 'isolated';

/** A derivatives (or margin) position, as the exchange reports it. */
export interface Position {
  instId: string;
  instType: string;
  mgnMode: MarginMode;
  posSide: PosSide;
  /** Contracts; signed in net mode (negative = short), positive in long/short mode. */
  pos: string;
  avgPx: string;
  markPx: string;
  /** "" when the exchange estimates none. */
  liqPx: string;
  lever: string;
  upl: string;
  /** Maintenance margin ratio (equity / maintenance margin); "" when not applicable. */
  mgnRatio: string;
  /** Margin held by the position (isolated) or its initial margin (cross). */
  margin: string;
  notionalUsd: string;
  /**
   * Realised PnL of the position so far: closed PnL, fees, funding and liquidation penalty
   * ("" when the venue does not say; docs/OKX-PROTOCOL.md §10).
   */
  realizedPnl?: string;
  /** Funding received (+) or paid (-) by the position so far ("" when not reported). */
  fundingFee?: string;
  uTime: number;
}

/** A contract's direction: +1 long, -1 short, from a position's side and sign. */
export function positionDirection(p: Pick<Position, 'posSide' | 'pos'>): 1 | -1 | 0 {
  const n = Number(p.pos);
  if (p.posSide === 'long') return n === 0 ? 0 : 1;
  if (p.posSide === 'short') return n === 0 ? 0 : -1;
  return n > 0 ? 1 : n < 0 ? -1 : 0;
}

export interface LeverageSetting {
  instId: string;
  mgnMode: MarginMode;
  posSide: PosSide | '';
  lever: string;
}

export interface AccountMode {
  /** 1 spot, 2 spot and futures (single-currency margin), 3 multi-currency margin, 4 portfolio margin. */
  acctLv: string;
  posMode: 'net_mode' | 'long_short_mode' | string;
}

/** An exchange-side conditional order: TP/SL, OCO, trigger or trailing stop. */
export interface AlgoIntent {
  instId: string;
  side: Side;
  ordType: 'conditional' | 'oco' | 'trigger' | 'move_order_stop';
  tdMode: 'cash' | 'cross' | 'isolated';
  /** Contracts (or base for spot); omit with closeFraction "1" to close the whole position. */
  sz?: string;
  closeFraction?: string;
  posSide?: PosSide;
  reduceOnly?: boolean;
  algoClOrdId?: string;
  tpTriggerPx?: string;
  tpOrdPx?: string;
  slTriggerPx?: string;
  /** "-1" = market. */
  slOrdPx?: string;
  triggerPx?: string;
  orderPx?: string;
  callbackRatio?: string;
  callbackSpread?: string;
  activePx?: string;
}

export interface AlgoOrder {
  algoId: string;
  algoClOrdId: string;
  instId: string;
  ordType: string;
  state: string;
  side: string;
  posSide: string;
  sz: string;
  tpTriggerPx: string;
  slTriggerPx: string;
  triggerPx: string;
  callbackRatio: string;
  cTime: number;
}

/** One currency's balance through the Exchange port: available and frozen amounts (decimal strings). */
export interface Balance {
  ccy: string;
  /** Available to trade. */
  availBal: string;
  /** Frozen by open orders. */
  frozenBal: string;
  /** Total equity in this currency. */
  eq: string;
}

/** The latest price of an instrument through the Exchange port: last and best bid/ask (decimal strings) and when (ms). */
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
  /** Derivatives in long/short mode: which position the order opens or closes. */
  posSide?: PosSide;
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

/** An order through the Exchange port: ids, side, type, price and sizes (decimal strings), state and times (ms). */
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

/** One fill of an order through the Exchange port: price, size and fee (decimal strings) and time (ms). */
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

/** Names one order through the Exchange port: its instrument and its `ordId` or `clOrdId`. */
export interface OrderRef {
  instId: string;
  ordId?: string;
  clOrdId?: string;
}

/** A change to an open order through the Exchange port: new size and/or price (decimal strings). */
export interface AmendRequest extends OrderRef {
  newSz?: string;
  newPx?: string;
}

/** Stops a subscription (onTicker, onOrder, onFill); calling it twice does nothing more. */
export type Unsubscribe = () => void;

/** What bots and the safe-execution layer trade through: instruments, balances, tickers, orders and their streams. OkxExchange implements it for OKX, SafeExchange wraps one with guard, executor and risk. */
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

  // Derivatives. Optional: a spot-only port (a backtest, a paper exchange) leaves them out, and
  // callers that need them say so with a clear error (`needDerivatives`).
  /** Open positions (non-zero), optionally of one instrument. */
  positions?(instId?: string): Promise<Position[]>;
  /** The leverage set for an instrument and margin mode (one per side in long/short isolated). */
  leverage?(instId: string, mgnMode: MarginMode): Promise<LeverageSetting[]>;
  setLeverage?(req: { instId: string; lever: string; mgnMode: MarginMode; posSide?: PosSide }): Promise<void>;
  /** Closes a position at market (the exchange's close-position). */
  closePosition?(req: { instId: string; mgnMode: MarginMode; posSide?: PosSide }): Promise<void>;
  placeAlgo?(intent: AlgoIntent): Promise<{ algoId: string; algoClOrdId: string }>;
  cancelAlgo?(ref: { instId: string; algoId?: string; algoClOrdId?: string }): Promise<void>;
  /** Pending algo orders. */
  algoOrders?(instId?: string): Promise<AlgoOrder[]>;
  accountMode?(): Promise<AccountMode>;
}

/** What a derivatives-capable port provides. */
export type DerivativesPort = ExchangePort &
  Required<
    Pick<
      ExchangePort,
      | 'positions'
      | 'leverage'
      | 'setLeverage'
      | 'closePosition'
      | 'placeAlgo'
      | 'cancelAlgo'
      | 'algoOrders'
      | 'accountMode'
    >
  >;

/** The port, checked to trade derivatives; throws a clear error naming what is missing. */
export function needDerivatives(port: ExchangePort, what = 'this'): DerivativesPort {
  const missing = (
    [
      'positions',
      'leverage',
      'setLeverage',
      'closePosition',
      'placeAlgo',
      'cancelAlgo',
      'algoOrders',
      'accountMode',
    ] as const
  ).filter((k) => typeof port[k] !== 'function');
  if (missing.length)
    throw new TypeError(
      `${what} needs an exchange that trades derivatives; this one lacks ${missing.join(', ')}`,
    );
  return port as DerivativesPort;
}

/** SWAP, FUTURES or OPTION from an OKX instrument id (BTC-USDT-SWAP, BTC-USD-260327, BTC-USD-260327-50000-C). */
export function instTypeOf(instId: string): 'SPOT' | 'SWAP' | 'FUTURES' | 'OPTION' {
  const parts = instId.split('-');
  if (parts[parts.length - 1] === 'SWAP') return 'SWAP';
  if (parts.length === 5 && /^[CP]$/.test(parts[4]!)) return 'OPTION';
  if (parts.length === 3 && /^\d{6}$/.test(parts[2]!)) return 'FUTURES';
  return 'SPOT';
}
