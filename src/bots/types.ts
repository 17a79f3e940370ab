import type { Balance, Instrument, Order, OrderIntent, Ticker } from '../trading/exchange-port.js';

export type BotKind = 'grid' | 'dca' | 'trailing' | 'ema-cross' | 'bollinger' | 'momentum';

/** JSON the runner persists beside an order intent and hands back with the order's outcome. */
export type IntentMeta = Record<string, string | number | boolean | null>;

/** An order the strategy wants; the runner gives it a deterministic clOrdId and records it before sending. */
export interface PlaceAction {
  kind: 'place';
  intent: Omit<OrderIntent, 'clOrdId'>;
  meta: IntentMeta;
}

/** A strategy's request to cancel one of its own orders, by client order id. */
export interface CancelAction {
  kind: 'cancel';
  clOrdId: string;
}

/** What a strategy asks the runner to do: place an order or cancel one. */
export type BotAction = PlaceAction | CancelAction;

export type IntentStatus = 'pending' | 'parked' | 'live' | 'filled' | 'canceled' | 'rejected';

/** One order intent of a bot, as the state store keeps it. */
export interface IntentRecord {
  clOrdId: string;
  seq: number;
  intent: OrderIntent;
  meta: IntentMeta;
  status: IntentStatus;
  ordId: string;
  accFillSz: string;
  avgPx: string;
  fee: string;
  feeCcy: string;
  createdMs: number;
  /** Last time the order was sent (ms); 0 = never. */
  sentMs: number;
  error: string;
}

/** What a strategy sees of the world when it decides. */
export interface StrategyContext {
  readonly instrument: Instrument;
  now(): number;
  /** The bot's orders not yet finished (pending, live), with their metadata. */
  openIntents(): readonly IntentRecord[];
}

/**
 * When a strategy can next act on a price (the backtester's fast path): until the last price
 * falls to `below` or under, rises to `above` or over, or the time reaches `at`, onTicker returns
 * no actions and leaves the state as it is. Omitted bounds never trigger. A hint must be
 * conservative (wake early rather than late) and depend only on the state, the config and the
 * open orders; strategies without one see every price.
 */
export interface Wake {
  below?: number;
  above?: number;
  at?: number;
}

export interface StrategyMetrics {
  realisedPnl: string;
  unrealisedPnl: string;
  /** Extra lines for the status view, e.g. "cycle 2, 3 entries". */
  detail: string;
}

/**
 * A strategy is a small deterministic class: it keeps its economic state in a JSON object the
 * runner persists, and answers events with actions. It never talks to the exchange itself, so the
 * same code runs against the local exchange, demo, live and a backtest.
 */
export interface Strategy<S extends object = object> {
  readonly kind: BotKind;
  readonly instId: string;
  /** Checks the config against the instrument rules; throws ValidationError naming the field. */
  /**
   * Refuses (throws) a config that can never trade here; returns warnings, with the numbers, for
   * one that cannot trade yet (e.g. a range that does not contain the price).
   */
  validate(instrument: Instrument, ticker: Ticker, balances?: Balance[]): string[] | void;
  /** First start: the initial state and orders. */
  init(ctx: StrategyContext, ticker: Ticker, balances: Balance[]): { state: S; actions: BotAction[] };
  onTicker(ctx: StrategyContext, state: S, ticker: Ticker): BotAction[];
  /** An order reached a final state (filled, canceled with or without a partial fill). */
  onOrderDone(ctx: StrategyContext, state: S, order: Order, meta: IntentMeta): BotAction[];
  /** The exchange (or a pre-trade check) refused an order outright. */
  onRejected(ctx: StrategyContext, state: S, rec: IntentRecord, reason: string): BotAction[];
  metrics(ctx: StrategyContext, state: S, last: string): StrategyMetrics;
  /**
   * Optional backtest fast path: when onTicker can next do something (see Wake). Never changes
   * what the strategy does; without it the backtester calls onTicker on every price.
   */
  wake?(ctx: StrategyContext, state: S): Wake;
  /** True when the strategy has nothing left to do (a trailing stop that sold). */
  isDone(state: S): boolean;
}

export type { Balance, Instrument, Order, OrderIntent, Ticker };
