/**
 * The seam between the local exchange's two halves, so each can be built and tested alone:
 * - the market and WebSocket side (`src/sim/market/`, `src/sim/ws/`): instruments, a seeded
 *   price process, synthetic resting liquidity, public trades, candles, tickers, the WS server;
 * - the engine and REST side (`src/sim/engine/`, `src/sim/rest/`, `src/sim/simulator.ts`): keys,
 *   accounts, auth, rate limits, the matching engine for users' orders, bills,
 *   cancel-all-after, fault injection, `startSimulator`.
 * Everything takes the same Clock; everything random takes the same seed.
 */
import type { Server } from 'node:http';
import type { BookLevel } from '../protocol/book-checksum.js';
import type { Clock } from '../util/clock.js';

export type SimInstType = 'SPOT' | 'SWAP' | 'FUTURES' | 'OPTION';

/** What a SWAP or FUTURES instrument adds to the spot rules (facts in docs/SIMULATOR.md). */
export interface SimContractSpec {
  /** linear: margined and settled in the quote (USDT); inverse: in the base coin, contract valued in USD. */
  ctType: 'linear' | 'inverse';
  /** Contract value, in ctValCcy: 0.01 (BTC) for BTC-USDT-SWAP, 100 (USD) for BTC-USD-SWAP. */
  ctVal: string;
  ctValCcy: string;
  settleCcy: string;
  /** Underlying, e.g. BTC-USDT; also the instrument family. */
  uly: string;
  /** The spot instrument whose price is the index. */
  indexInstId: string;
  /** Maximum leverage. */
  lever: string;
  /** ms string; "" for a swap. */
  expTime: string;
  /** this_week, next_week, quarter, next_quarter; "" for a swap. */
  alias: string;
}

export interface SimInstrument {
  instType: SimInstType;
  instId: string;
  /** Integer code, as GET /public/instruments returns it (WS order ops use it since 2026). */
  instIdCode: number;
  baseCcy: string;
  quoteCcy: string;
  tickSz: string;
  lotSz: string;
  minSz: string;
  maxLmtSz: string;
  maxMktSz: string;
  state: 'live' | 'suspend';
  /** ms string */
  listTime: string;
  /** Present on SWAP and FUTURES instruments. */
  contract?: SimContractSpec;
}

export interface Depth {
  /** Best first: bids descending, asks ascending; OKX level shape [px, sz, "0", count]. */
  bids: BookLevel[];
  asks: BookLevel[];
  seqId: number;
  /** ms */
  ts: number;
}

/** One execution of a user's taker order against the synthetic book. */
export interface MarketFill {
  px: string;
  sz: string;
}

export interface PublicTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  /** taker side */
  side: 'buy' | 'sell';
  ts: number;
}

/** One change of a synthetic book: only the levels that changed (size "0" deletes), OKX merge rules (docs/OKX-PROTOCOL.md §3). */
export interface BookDelta {
  /** Best first: bids descending, asks ascending. */
  bids: BookLevel[];
  asks: BookLevel[];
  seqId: number;
  /** seqId of the previous change of this book. */
  prevSeqId: number;
  /** ms */
  ts: number;
}

/** Everything that changed on one instrument at once: a step, a take, a recorded trade. */
export interface MarketUpdate {
  instId: string;
  /** ms */
  ts: number;
  book?: BookDelta;
  /** Public trades printed, oldest first. */
  trades: PublicTrade[];
}

/** OKX ticker object, all strings (docs/OKX-PROTOCOL.md §7.2). */
export type TickerPayload = Record<string, string>;
/** OKX candle row: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm], all strings. */
export type CandleRow = [string, string, string, string, string, string, string, string, string];

export interface SimMarketApi {
  instruments(): SimInstrument[];
  instrument(instId: string): SimInstrument | undefined;
  /** Steps the seeded price process up to `nowMs` (deterministic for a seed and a sequence of calls). */
  advanceTo(nowMs: number): void;
  /** Current synthetic book, `levels` per side (max 400). */
  depth(instId: string, levels: number): Depth;
  /** Last traded price. */
  last(instId: string): string;
  ticker(instId: string): TickerPayload;
  /** Every bar size OKX documents (1s? no: 1m 3m 5m 15m 30m 1H 2H 4H 6H 12H 1D 2D 3D 1W 1M 3M and the *utc forms); newest first; after/before exclusive, OKX paging. */
  candles(
    instId: string,
    bar: string,
    opts: { after?: number; before?: number; limit?: number; history?: boolean },
  ): CandleRow[];
  /** Most recent public trades, newest first. */
  trades(instId: string, limit: number): PublicTrade[];
  /**
   * A user's taker order consumes synthetic liquidity, best price first, up to `sz` base units
   * and never beyond `limitPx` when given. The market removes what it fills from its book and
   * prints the trades on the public tape and candles.
   */
  take(instId: string, side: 'buy' | 'sell', sz: string, limitPx?: string): MarketFill[];
  /** Records a trade between two users' orders on the public tape and candles. */
  recordTrade(instId: string, px: string, sz: string, takerSide: 'buy' | 'sell'): void;
  /**
   * Called after each step of the price process with the public trades it printed. The engine
   * fills users' resting limit orders that these trades reach (a buy at px >= trade px, a sell at
   * px <= trade px) as maker, at the order's own price.
   */
  onTrades(listener: (instId: string, trades: PublicTrade[]) => void): () => void;
  /**
   * Every change of a book or the tape (steps, take, recordTrade), for the WS push channels
   * (books deltas with seqId, trades, tickers, candles). Optional so small fakes may omit it.
   */
  onUpdate?(listener: (update: MarketUpdate) => void): () => void;
  /**
   * A FUTURES contract has delivered: it leaves the live list (`instruments()`, `instrument()`)
   * and the market lists its family's next quarterly contract, which it returns. Optional so
   * small fakes and the mirror may omit it.
   */
  deliver?(instId: string): SimInstrument | undefined;
}

/** A key as the sim config defines it (issue: keys and accounts). */
export interface SimKey {
  apiKey: string;
  secretKey: string;
  passphrase: string;
  /** Comma-separated: read_only, trade, withdraw. */
  perm: string;
  /** Comma-separated bound IPs; "" = none. */
  ip: string;
  label: string;
  demo: boolean;
  /** Account name in the config; also the user id rate limits count under. */
  account: string;
}

export interface KeyLookup {
  find(apiKey: string): SimKey | undefined;
  /** uid of an account, as account/config and private WS pushes report it. */
  uid(account: string): string;
}

/** One cash balance as the balance_and_position channel carries it: all strings. */
export interface CashBalance {
  ccy: string;
  cashBal: string;
  /** ms string */
  uTime: string;
}

/** One event's changes of cash balances and positions, for the balance_and_position channel. */
export interface BalanceChange {
  /** OKX eventType: `filled` (a trade of the account's order), `funding_fee`, `liquidation`, `adjust_margin`, `set_leverage`. */
  eventType: string;
  /** The currencies whose cash balance changed, after the change. */
  balData: CashBalance[];
  /** The positions the event changed, after it, as GET /account/positions rows (none on spot). */
  posData?: PositionRow[];
  /** The trades that caused it (instId, tradeId). */
  trades: Array<{ instId: string; tradeId: string }>;
  /** ms */
  ts: number;
}

/** What the engine tells the private WS channels. */
export interface EngineEvents {
  /** An order changed (placed, filled, canceled, amended): the OKX order object, all strings, as on the `orders` channel. */
  onOrder(listener: (account: string, order: Record<string, string>) => void): () => void;
  /** Balances changed: the OKX `account` channel data[0] object (totalEq, details[] ...). */
  onAccount(listener: (account: string, account0: Record<string, unknown>) => void): () => void;
  /** Cash balances changed (a fill): the balance_and_position channel's push. */
  onBalance(listener: (account: string, change: BalanceChange) => void): () => void;
  /** Non-zero cash balances of an account now: the balance_and_position snapshot. */
  cashBalances(account: string): CashBalance[];
}

/** Optional hook so WS order ops (order, batch-orders, cancel-order, amend-order) reach the same engine as REST. */
export interface WsTradeHandler {
  /** Runs a trade op for an authenticated account; returns the REST-shaped envelope {code,msg,data,inTime,outTime}. */
  handle(account: string, op: string, args: Record<string, unknown>[]): Promise<Record<string, unknown>>;
}

/**
 * What the WS channels of contracts read (issue 12): public rows exactly as the REST endpoints
 * return them, mark and index candles, and the account's positions, liquidation warnings and
 * algo orders as they change.
 */
/**
 * A GET /account/positions row (and positions / liquidation-warning push item): OKX's fields as
 * strings, except `closeOrderAlgo`, an array as OKX sends it.
 */
export type PositionRow = { [field: string]: string | unknown[]; closeOrderAlgo: unknown[] } & {
  instId: string;
  instType: string;
};

export interface ContractFeed {
  /** The row GET of the channel's endpoint returns for instId (mark-price, index-tickers, ...); undefined when unknown. */
  publicRow(channel: string, instId: string): Record<string, unknown> | undefined;
  /** Newest mark-price or index candles, [ts, o, h, l, c, confirm]; undefined when unknown. */
  candles(kind: 'mark' | 'index', instId: string, bar: string): string[][] | undefined;
  /** The account's open positions as GET /account/positions rows. */
  positions(account: string): PositionRow[];
  onPosition(listener: (account: string, row: PositionRow) => void): () => void;
  onLiquidationWarning(listener: (account: string, row: PositionRow) => void): () => void;
  onAlgo(listener: (account: string, row: Record<string, unknown>) => void): () => void;
}

export interface WsServerOptions {
  server: Server;
  market: SimMarketApi;
  engine: EngineEvents;
  /** Contract channels (positions, liquidation-warning, orders-algo, mark-price ...); optional for small setups. */
  contracts?: ContractFeed;
  keys: KeyLookup;
  trade?: WsTradeHandler;
  clock: Clock;
  /** Send checksum 0 in book pushes, as production OKX does since June 2026. */
  zeroChecksum?: boolean;
  /** Close a connection after this long without traffic (OKX: 30 s). */
  idleTimeoutMs?: number;
}

/** Options of a simulated service-upgrade notice (event 64008): when the connections close and which paths get it. */
export interface WsUpgradeNotice {
  /** Close the announced connections this long after the notice, ms of the sim clock. Default 60 000 (docs/OKX-PROTOCOL.md §2.3). */
  closeAfterMs?: number;
  /** Paths whose connections get the notice; OKX sends it on /public and /private. Default both. */
  paths?: Array<'public' | 'private' | 'business'>;
}

export interface WsServerHandle {
  /** Drops every open WS connection (fault injection); clients must reconnect. */
  dropConnections(): void;
  /**
   * Announces a service upgrade: every open connection on the given paths gets the 64008 notice
   * and is closed `closeAfterMs` later by the sim clock (at a `tick()`); newer connections stay.
   * Returns how many connections were told.
   */
  announceUpgrade(opts?: WsUpgradeNotice): number;
  /**
   * Time-driven duties at the sim clock's now: the ~60 s no-change book heartbeat (docs/OKX-PROTOCOL.md §3.1) and
   * the closes announced by `announceUpgrade`. The simulator calls it on every tick.
   */
  tick(): void;
  /** Connections open now, by path. */
  connectionCount(): number;
  close(): Promise<void>;
}
