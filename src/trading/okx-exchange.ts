import { Decimal } from '../util/decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock, timersOf, type TimerHandle } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { TAG_PATTERN } from '../protocol/cl-ord-id.js';
import {
  instTypeOf,
  type AccountMode,
  type AlgoIntent,
  type AlgoOrder,
  type LeverageSetting,
  type MarginMode,
  type Position,
  type PosSide,
} from './exchange-port.js';
import type {
  AmendRequest,
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  OrdType,
  Ticker,
  Unsubscribe,
} from './exchange-port.js';
import type { FillsParams, OrdersPendingParams, PlaceOrderRequest } from '../client/groups/trade.js';
import { errorCode } from './errors.js';
import { fillOfPush, newOrderFeedStats, OrderFeed, type OrderFeedStats } from './order-feed.js';
import { repeatEvery } from '../util/repeat.js';

type Obj = Record<string, unknown>;

/**
 * The slice of OkxClient this adapter uses, typed loosely on purpose (results as `unknown`, read
 * field by field below), so the adapter depends on OKX's wire shapes, not on the client's types.
 */
export interface OkxTradingClient {
  readonly clockOffsetMs: number;
  /** +- bound on clockOffsetMs (OkxClient has it); absent: the offset counts as exact. */
  readonly clockErrorMs?: number;
  /** Re-measures the offset (OkxClient.syncClock). */
  syncClock?(): Promise<unknown>;
  public: {
    instruments(p: { instType: 'SPOT' | 'SWAP' | 'FUTURES' | 'OPTION'; instId?: string }): Promise<unknown>;
  };
  market: { ticker(instId: string): Promise<unknown> };
  account: { balance(ccy?: string): Promise<unknown> };
  trade: {
    placeOrder(req: PlaceOrderRequest, opts?: { expTime?: number }): Promise<unknown>;
    cancelOrder(req: { instId: string; ordId?: string; clOrdId?: string }): Promise<unknown>;
    amendOrder(req: {
      instId: string;
      ordId?: string;
      clOrdId?: string;
      newSz?: string;
      newPx?: string;
    }): Promise<unknown>;
    getOrder(req: { instId: string; ordId?: string; clOrdId?: string }): Promise<unknown>;
    ordersPending(params?: OrdersPendingParams): Promise<unknown>;
    fills(params?: FillsParams): Promise<unknown>;
  };
  /**
   * The generated endpoint methods (OkxClient.api), for positions, leverage, algo orders and modes.
   * Their parameters stay open here: each generated method validates its own request (zod), and
   * naming those request types would tie the port's adapter to the generated module.
   */
  /* eslint-disable @typescript-eslint/no-explicit-any */
  api?: {
    account: {
      positions(p?: any): Promise<unknown>;
      leverageInfo(p: any): Promise<unknown>;
      setLeverage(p: any): Promise<unknown>;
      config(p?: any): Promise<unknown>;
    };
    trade: { closePosition(p: any): Promise<unknown> };
    algo: {
      place(p: any): Promise<unknown>;
      cancel(p: any): Promise<unknown>;
      ordersPending(p: any): Promise<unknown>;
    };
  };
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** A payload field OKX should always send is missing or of the wrong type. */
export class OkxPayloadError extends OkxkitError {
  constructor(what: string, field: string, problem = 'is missing or not a string') {
    super(`${what}: field "${field}" ${problem}`, {
      code: 'PAYLOAD_INVALID',
      hint: 'The exchange sent an unexpected payload; nothing was assumed. Report it with the endpoint name.',
    });
  }
}

function first(v: unknown): Obj | undefined {
  if (Array.isArray(v)) return v[0] as Obj | undefined;
  return v && typeof v === 'object' ? (v as Obj) : undefined;
}

function list(v: unknown): Obj[] {
  if (Array.isArray(v)) return v as Obj[];
  return v && typeof v === 'object' ? [v as Obj] : [];
}

function str(o: Obj, f: string, what: string, optional = false): string {
  const v = o[f];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (optional && (v === undefined || v === null)) return '';
  throw new OkxPayloadError(what, f);
}

function ms(o: Obj, f: string, what: string): number {
  const s = str(o, f, what, true);
  const n = s === '' ? 0 : Number(s);
  if (!Number.isFinite(n)) throw new OkxPayloadError(what, f);
  return n;
}

const UNSIGNED = /^\d+(?:\.\d+)?$/;
const SIGNED = /^-?\d+(?:\.\d+)?$/;

/**
 * A decimal field whose value must make sense, not only be a string: `positive` (tick and lot
 * sizes, order sizes), `unsigned` (fills, prices), `signed` (fees); `optional` allows "".
 * "0" as a tick size or "NaN" as a minimum size would turn every later check into nonsense.
 */
function dec(
  o: Obj,
  f: string,
  what: string,
  kind: 'positive' | 'unsigned' | 'signed',
  optional = false,
): string {
  const v = str(o, f, what, optional);
  if (v === '' && optional) return v;
  const okShape = (kind === 'signed' ? SIGNED : UNSIGNED).test(v);
  if (!okShape || (kind === 'positive' && !/[1-9]/.test(v)))
    throw new OkxPayloadError(
      what,
      f,
      `is "${v}", which cannot be right (expected ${kind === 'positive' ? 'a decimal above 0' : kind === 'signed' ? 'a decimal' : 'a decimal of 0 or more'})`,
    );
  return v;
}

const ORD_TYPES = new Set(['market', 'limit', 'post_only', 'fok', 'ioc']);

export function mapInstrument(o: Obj): Instrument {
  const w = 'instrument';
  return {
    instId: str(o, 'instId', w),
    instType: str(o, 'instType', w),
    baseCcy: str(o, 'baseCcy', w, true),
    quoteCcy: str(o, 'quoteCcy', w, true),
    tickSz: dec(o, 'tickSz', w, 'positive'),
    lotSz: dec(o, 'lotSz', w, 'positive'),
    minSz: dec(o, 'minSz', w, 'positive'),
    maxLmtSz: dec(o, 'maxLmtSz', w, 'positive', true),
    maxMktSz: dec(o, 'maxMktSz', w, 'positive', true),
    state: str(o, 'state', w),
    ...derivFields(o),
  };
}

/**
 * OKX sends baseCcy and quoteCcy empty on contracts; the port names the coin and the money the
 * way spot does: linear (BTC-USDT-SWAP) coin BTC, quote USDT; inverse (BTC-USD-SWAP) coin BTC,
 * quote USD.
 */
function contractCcys(i: Instrument): Instrument {
  if (i.baseCcy !== '' || i.ctValCcy === undefined) return i;
  if (i.ctType === 'inverse') return { ...i, baseCcy: i.settleCcy ?? '', quoteCcy: i.ctValCcy };
  return { ...i, baseCcy: i.ctValCcy, quoteCcy: i.settleCcy ?? '' };
}

function derivFields(o: Obj): Partial<Instrument> {
  const out: Partial<Instrument> = {};
  for (const f of ['ctVal', 'ctValCcy', 'ctType', 'settleCcy', 'lever'] as const) {
    const v = o[f];
    if (typeof v === 'string' && v !== '') out[f] = v;
  }
  return out;
}

export function mapPosition(o: Obj): Position {
  const w = 'position';
  const opt = (f: string) => str(o, f, w, true);
  const mgn = str(o, 'mgnMode', w);
  return {
    instId: str(o, 'instId', w),
    instType: str(o, 'instType', w),
    mgnMode: mgn === 'isolated' ? 'isolated' : 'cross',
    posSide: (opt('posSide') || 'net') as PosSide,
    pos: str(o, 'pos', w),
    avgPx: opt('avgPx'),
    markPx: opt('markPx'),
    liqPx: opt('liqPx'),
    lever: opt('lever'),
    upl: opt('upl') || '0',
    mgnRatio: opt('mgnRatio'),
    margin: opt('margin') || opt('imr'),
    notionalUsd: opt('notionalUsd'),
    realizedPnl: opt('realizedPnl'),
    fundingFee: opt('fundingFee'),
    uTime: ms(o, 'uTime', w),
  };
}

export function mapAlgoOrder(o: Obj): AlgoOrder {
  const w = 'algo order';
  const opt = (f: string) => str(o, f, w, true);
  return {
    algoId: str(o, 'algoId', w),
    algoClOrdId: opt('algoClOrdId'),
    instId: str(o, 'instId', w),
    ordType: str(o, 'ordType', w),
    state: str(o, 'state', w),
    side: opt('side'),
    posSide: opt('posSide'),
    sz: opt('sz'),
    tpTriggerPx: opt('tpTriggerPx'),
    slTriggerPx: opt('slTriggerPx'),
    triggerPx: opt('triggerPx'),
    callbackRatio: opt('callbackRatio'),
    cTime: ms(o, 'cTime', w),
  };
}

export function mapTicker(o: Obj): Ticker {
  const w = 'ticker';
  return {
    instId: str(o, 'instId', w),
    last: str(o, 'last', w),
    bidPx: str(o, 'bidPx', w, true),
    askPx: str(o, 'askPx', w, true),
    ts: ms(o, 'ts', w),
  };
}

export function mapOrder(o: Obj): Order {
  const w = 'order';
  const ordType = str(o, 'ordType', w);
  const side = str(o, 'side', w);
  if (side !== 'buy' && side !== 'sell') throw new OkxPayloadError(w, 'side');
  return {
    ordId: str(o, 'ordId', w),
    clOrdId: str(o, 'clOrdId', w, true),
    instId: str(o, 'instId', w),
    side: side,
    // Other OKX types (optimal_limit_ioc, mmp...) pass through as strings; the port's union is what okxkit places.
    ordType: (ORD_TYPES.has(ordType) ? ordType : ordType) as OrdType,
    px: dec(o, 'px', w, 'unsigned', true),
    sz: dec(o, 'sz', w, 'positive'),
    accFillSz: dec(o, 'accFillSz', w, 'unsigned', true) || '0',
    avgPx: dec(o, 'avgPx', w, 'unsigned', true),
    state: str(o, 'state', w) as Order['state'],
    fee: dec(o, 'fee', w, 'signed', true) || '0',
    feeCcy: str(o, 'feeCcy', w, true),
    tag: str(o, 'tag', w, true),
    cTime: ms(o, 'cTime', w),
    uTime: ms(o, 'uTime', w),
  };
}

export function mapFill(o: Obj): Fill {
  const w = 'fill';
  const side = str(o, 'side', w);
  if (side !== 'buy' && side !== 'sell') throw new OkxPayloadError(w, 'side');
  return {
    tradeId: str(o, 'tradeId', w),
    ordId: str(o, 'ordId', w),
    clOrdId: str(o, 'clOrdId', w, true),
    instId: str(o, 'instId', w),
    side,
    fillPx: str(o, 'fillPx', w),
    fillSz: str(o, 'fillSz', w),
    fee: str(o, 'fee', w, true) || '0',
    feeCcy: str(o, 'feeCcy', w, true),
    execType: str(o, 'execType', w, true) === 'M' ? 'M' : 'T',
    ts: ms(o, 'fillTime', w) || ms(o, 'ts', w),
  };
}

/** What a stream client reports about one endpoint (OkxWsClient's events). */
export interface StreamEndpointInfo {
  endpoint: string;
}

/** The slice of OkxWsClient used for live streams: OkxWsClient satisfies it. */
export interface OkxStreamClient {
  subscribe(
    arg: { channel: string; instId?: string; instType?: string },
    onPush: (push: { arg: unknown; data: unknown[] }) => void,
  ): { readonly ready?: Promise<void>; close(): void };
  /** A subscription acknowledged, the first time and after every reconnect. */
  on?(
    event: 'subscribed',
    listener: (info: StreamEndpointInfo & { arg: { channel: string } }) => void,
  ): unknown;
  /** An endpoint's socket closed; a reconnect follows. */
  on?(event: 'reconnecting', listener: (info: StreamEndpointInfo) => void): unknown;
  /** An endpoint stopped for good. */
  on?(event: 'stopped', listener: (info: StreamEndpointInfo) => void): unknown;
  off?(
    event: 'subscribed',
    listener: (info: StreamEndpointInfo & { arg: { channel: string } }) => void,
  ): unknown;
  off?(event: 'reconnecting', listener: (info: StreamEndpointInfo) => void): unknown;
  off?(event: 'stopped', listener: (info: StreamEndpointInfo) => void): unknown;
}

/** Options of `OkxExchange`: the REST client, an optional WebSocket client for streams, and the REST poll period (ms). */
export interface OkxExchangeOptions {
  client: OkxTradingClient;
  /**
   * WebSocket client: onTicker streams `tickers`, onOrder and onFill stream the private `orders`
   * channel (needs credentials). Without it, or while its connection is down, they poll over REST
   * every `pollMs`.
   */
  ws?: OkxStreamClient;
  /** Whether onOrder/onFill use `ws` (the private `orders` channel needs credentials). Default true. */
  streamOrders?: boolean;
  clock?: Clock;
  /** Trade mode sent with each order when the intent has none. Default "cash" (spot). */
  tdMode?: 'cash' | 'cross' | 'isolated';
  /** REST poll period without a WebSocket stream, or while it is down (ms). Default 1000. */
  pollMs?: number;
  /**
   * With the `orders` stream up: how often open orders and fills are also read over REST, so a
   * push that never arrived cannot leave a state wrong for longer (ms). Default 30 000. A
   * reconnect triggers this pass at once.
   */
  reconcileMs?: number;
  /** Called when a poll fails (the poll keeps going) or a pushed item is malformed. */
  onPollError?: (err: unknown) => void;
  /** Least time between two anomaly re-syncs of the clock, ms. Default 5000. */
  minResyncMs?: number;
  /**
   * The tag every order placed through this exchange carries (1-16 letters or digits): a bot's
   * own tag, which its tag-level dead-man's switch covers (docs/OKX-PROTOCOL.md §7.4). An intent
   * with another tag is refused, since its order would escape that switch.
   */
  orderTag?: string;
}

/** Where the account's order feed is: streaming over WS, or polling REST. */
export interface OrderStreamState {
  /** The private `orders` subscription is acknowledged and its connection is up. */
  streaming: boolean;
  /** Counters since the exchange object was made: states and fills by source, stale states dropped, fill delays. */
  stats: OrderFeedStats;
}

/**
 * The Exchange port over OKX's REST API (against OKX or the local exchange). It is a plain
 * adapter: placement safety (guard, journal, reconciliation) is SafeExchange's job.
 */
export class OkxExchange implements ExchangePort {
  readonly client: OkxTradingClient;
  private readonly ws: OkxStreamClient | undefined;
  private readonly ordersWs: OkxStreamClient | undefined;
  private readonly clock: Clock;
  private readonly tdMode: 'cash' | 'cross' | 'isolated';
  private readonly pollMs: number;
  private readonly reconcileMs: number;
  private readonly onPollError: (err: unknown) => void;
  private feed: OrderFeed | undefined;
  private stopFeed: (() => void) | undefined;
  private ordersLive = false;
  private ordersAck: Promise<boolean> | undefined;
  private readonly feedStats = newOrderFeedStats();
  private resyncing: Promise<void> | undefined;
  private lastResync: number | undefined;
  private readonly minResyncMs: number;
  /** The tag on every order placed here (OkxExchangeOptions.orderTag), if any. */
  readonly orderTag: string | undefined;

  constructor(opts: OkxExchangeOptions) {
    this.client = opts.client;
    this.ws = opts.ws;
    this.ordersWs = opts.streamOrders === false ? undefined : opts.ws;
    this.clock = opts.clock ?? systemClock;
    this.tdMode = opts.tdMode ?? 'cash';
    this.pollMs = opts.pollMs ?? 1_000;
    this.reconcileMs = opts.reconcileMs ?? 30_000;
    this.onPollError = opts.onPollError ?? (() => undefined);
    this.minResyncMs = opts.minResyncMs ?? 5_000;
    if (opts.orderTag !== undefined && !TAG_PATTERN.test(opts.orderTag))
      throw new ValidationError(
        'orderTag',
        `"${opts.orderTag}" is not a valid tag`,
        'use 1 to 16 letters and digits',
      );
    this.orderTag = opts.orderTag;
  }

  now(): number {
    return this.clock.now() + this.client.clockOffsetMs;
  }

  /** +- bound on now(), ms: the client's clock error bound (0 when the client has none). */
  clockErrorMs(): number {
    return this.client.clockErrorMs ?? 0;
  }

  /**
   * Re-measures the clock after an anomaly. One sync at a time, and none within `minResyncMs`
   * of the last: many orders timing out together cost one measurement.
   */
  resyncClock(): Promise<void> {
    if (!this.client.syncClock) return Promise.resolve();
    if (this.resyncing) return this.resyncing;
    if (this.lastResync !== undefined && this.clock.now() - this.lastResync < this.minResyncMs)
      return Promise.resolve();
    const run = (async () => {
      try {
        await this.client.syncClock!();
      } finally {
        this.lastResync = this.clock.now();
        this.resyncing = undefined;
      }
    })();
    this.resyncing = run;
    return run;
  }

  async instrument(instId: string): Promise<Instrument> {
    const instType = instTypeOf(instId);
    const rows = list(await this.client.public.instruments({ instType, instId }));
    const row = rows.find((r) => r.instId === instId);
    if (!row)
      throw new OkxkitError(`instrument ${instId} does not exist`, {
        code: '51001',
        hint: 'Check the instId (e.g. BTC-USDT).',
      });
    const inst = contractCcys(mapInstrument(row));
    if (inst.ctVal !== undefined) this.contractValues.set(inst.instId, inst.ctVal);
    return inst;
  }

  /** ctVal of each contract instrument read so far (the risk layer counts contract fills in coin with it). */
  readonly contractValues = new Map<string, string>();

  async balances(): Promise<Balance[]> {
    const acct = first(await this.client.account.balance());
    const details = acct && Array.isArray(acct.details) ? (acct.details as Obj[]) : [];
    return details.map((d) => ({
      ccy: str(d, 'ccy', 'balance'),
      availBal: str(d, 'availBal', 'balance', true) || '0',
      frozenBal: str(d, 'frozenBal', 'balance', true) || '0',
      eq: str(d, 'eq', 'balance', true) || '0',
    }));
  }

  async ticker(instId: string): Promise<Ticker> {
    const t = first(await this.client.market.ticker(instId));
    if (!t) throw new OkxPayloadError('ticker', 'data');
    return mapTicker(t);
  }

  private tagFor(intent: OrderIntent): string | undefined {
    if (this.orderTag === undefined || intent.tag === undefined || intent.tag === this.orderTag)
      return this.orderTag ?? intent.tag;
    throw new ValidationError(
      'tag',
      `"${intent.tag}" differs from this bot's order tag "${this.orderTag}"`,
      "leave the intent's tag out: every order of a bot carries its own tag, so its dead-man's switch covers it",
    );
  }

  /**
   * Sends one order and resolves with the exchange's view of it. A failure after the POST was
   * acknowledged (the follow-up read) is reported as ambiguous, so a caller settles it by clOrdId.
   */
  async placeOrder(intent: OrderIntent): Promise<Order> {
    const req: PlaceOrderRequest = {
      instId: intent.instId,
      tdMode: intent.tdMode ?? this.tdMode,
      side: intent.side,
      ordType: intent.ordType,
      sz: intent.sz,
    };
    if (intent.px !== undefined && intent.ordType !== 'market') req.px = intent.px;
    if (intent.clOrdId !== undefined) req.clOrdId = intent.clOrdId;
    const tag = this.tagFor(intent);
    if (tag !== undefined) req.tag = tag;
    if (intent.tgtCcy !== undefined) req.tgtCcy = intent.tgtCcy;
    if (intent.reduceOnly !== undefined) req.reduceOnly = intent.reduceOnly;
    if (intent.posSide !== undefined) req.posSide = intent.posSide;
    const ack = first(
      await this.client.trade.placeOrder(
        req,
        intent.expTime !== undefined ? { expTime: intent.expTime } : {},
      ),
    );
    const ordId = ack ? str(ack, 'ordId', 'order ack') : '';
    try {
      const o = await this.getOrder({ instId: intent.instId, ordId });
      if (o) return o;
    } catch (err) {
      throw new AckedButUnreadError(intent.instId, ordId, err);
    }
    throw new AckedButUnreadError(intent.instId, ordId);
  }

  private derivatives(what: string): NonNullable<OkxTradingClient['api']> {
    if (!this.client.api)
      throw new OkxkitError(`${what} needs the client's endpoint methods (OkxClient.api)`, {
        code: 'DERIVATIVES_UNSUPPORTED',
        hint: 'Build OkxExchange with an OkxClient.',
      });
    return this.client.api;
  }

  async positions(instId?: string): Promise<Position[]> {
    const rows = list(await this.derivatives('positions').account.positions(instId ? { instId } : {}));
    return rows.map(mapPosition).filter((p) => p.pos !== '' && Number(p.pos) !== 0);
  }

  async leverage(instId: string, mgnMode: MarginMode): Promise<LeverageSetting[]> {
    const rows = list(await this.derivatives('leverage').account.leverageInfo({ instId, mgnMode }));
    return rows.map((r) => ({
      instId: str(r, 'instId', 'leverage', true) || instId,
      mgnMode: (str(r, 'mgnMode', 'leverage', true) || mgnMode) as MarginMode,
      posSide: str(r, 'posSide', 'leverage', true) as PosSide | '',
      lever: str(r, 'lever', 'leverage'),
    }));
  }

  async setLeverage(req: {
    instId: string;
    lever: string;
    mgnMode: MarginMode;
    posSide?: PosSide;
  }): Promise<void> {
    const body: Record<string, string> = { instId: req.instId, lever: req.lever, mgnMode: req.mgnMode };
    if (req.posSide !== undefined) body.posSide = req.posSide;
    await this.derivatives('setLeverage').account.setLeverage(body);
  }

  async closePosition(req: { instId: string; mgnMode: MarginMode; posSide?: PosSide }): Promise<void> {
    const body: Record<string, unknown> = { instId: req.instId, mgnMode: req.mgnMode, autoCxl: true };
    if (req.posSide !== undefined) body.posSide = req.posSide;
    await this.derivatives('closePosition').trade.closePosition(body);
  }

  async placeAlgo(intent: AlgoIntent): Promise<{ algoId: string; algoClOrdId: string }> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(intent)) if (v !== undefined) body[k] = v;
    const ack = first(await this.derivatives('placeAlgo').algo.place(body));
    if (!ack) throw new OkxPayloadError('algo ack', 'data');
    return { algoId: str(ack, 'algoId', 'algo ack'), algoClOrdId: str(ack, 'algoClOrdId', 'algo ack', true) };
  }

  async cancelAlgo(ref: { instId: string; algoId?: string; algoClOrdId?: string }): Promise<void> {
    await this.derivatives('cancelAlgo').algo.cancel([ref]);
  }

  async algoOrders(instId?: string): Promise<AlgoOrder[]> {
    const api = this.derivatives('algoOrders');
    const out: AlgoOrder[] = [];
    // OKX lists pending algo orders one ordType at a time (or a comma list of the TP/SL family).
    for (const ordType of ['conditional,oco', 'trigger', 'move_order_stop']) {
      const rows = list(await api.algo.ordersPending({ ordType, ...(instId ? { instId } : {}) }));
      out.push(...rows.map(mapAlgoOrder));
    }
    return out;
  }

  async accountMode(): Promise<AccountMode> {
    const c = first(await this.derivatives('accountMode').account.config());
    if (!c) throw new OkxPayloadError('account config', 'data');
    return { acctLv: str(c, 'acctLv', 'account config'), posMode: str(c, 'posMode', 'account config') };
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    await this.client.trade.cancelOrder(ref);
  }

  async amendOrder(req: AmendRequest): Promise<void> {
    await this.client.trade.amendOrder(req);
  }

  /** Reads one order; the answer also goes to the order feed, which passes it on if it is news. */
  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    const o = await this.readOrder(ref);
    if (o) this.feed?.offerOrder(o, 'rest');
    return o;
  }

  private async readOrder(ref: OrderRef): Promise<Order | undefined> {
    try {
      const o = first(await this.client.trade.getOrder(ref));
      return o ? mapOrder(o) : undefined;
    } catch (err) {
      // docs/OKX-PROTOCOL.md §7.4: an unknown order is code 51603.
      if (errorCode(err) === '51603') return undefined;
      throw err;
    }
  }

  async openOrders(instId?: string): Promise<Order[]> {
    const out: Order[] = [];
    let after: string | undefined;
    // orders-pending pages by ordId, 100 at most per page (docs/OKX-PROTOCOL.md §7.4).
    for (;;) {
      // Without an instrument: every type (spot and contracts); with one: its type.
      const params: Record<string, string> = instId
        ? { instType: instTypeOf(instId), instId, limit: '100' }
        : { limit: '100' };
      if (after) params.after = after;
      const page = list(await this.client.trade.ordersPending(params)).map(mapOrder);
      out.push(...page);
      if (page.length < 100) break;
      const next = page[page.length - 1]!.ordId;
      if (next === after) break;
      after = next;
    }
    return out;
  }

  async fills(instId?: string, sinceMs?: number): Promise<Fill[]> {
    const params: Record<string, string> = instId
      ? { instType: instTypeOf(instId), instId, limit: '100' }
      : { limit: '100' };
    if (sinceMs !== undefined) params.begin = String(sinceMs);
    const rows = list(await this.client.trade.fills(params)).map(mapFill);
    return rows.filter((f) => sinceMs === undefined || f.ts >= sinceMs).sort((a, b) => a.ts - b.ts);
  }

  /** Every fill of the account since `sinceMs`, all pages (GET /trade/fills pages by billId, newest first). */
  private async fillsSince(sinceMs: number): Promise<Fill[]> {
    const out: Fill[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const params: Record<string, string> = { limit: '100', begin: String(sinceMs) };
      if (after) params.after = after;
      const rows = list(await this.client.trade.fills(params));
      for (const r of rows) {
        const f = mapFill(r);
        if (f.ts >= sinceMs) out.push(f);
      }
      const last = rows[rows.length - 1];
      const billId = last ? str(last, 'billId', 'fill', true) : '';
      if (rows.length < 100 || !billId || billId === after) break;
      after = billId;
    }
    return out;
  }

  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    let lastKey = '';
    let lastTs = 0;
    // A REST answer older than a pushed ticker is not passed on: prices never go back in time.
    const offer = (t: Ticker) => {
      const key = `${t.ts}:${t.last}:${t.bidPx}:${t.askPx}`;
      if (key === lastKey || t.ts < lastTs) return;
      lastKey = key;
      lastTs = t.ts;
      handler(t);
    };
    const restPoll = () =>
      this.poll(async () => {
        offer(await this.ticker(instId));
      }, this.pollMs);
    if (!this.ws) return restPoll();
    const ws = this.ws;
    let stopPoll: Unsubscribe | undefined;
    let closed = false;
    const down = () => {
      if (!closed && !stopPoll) stopPoll = restPoll();
    };
    const up = () => {
      stopPoll?.();
      stopPoll = undefined;
    };
    const sub = ws.subscribe({ channel: 'tickers', instId }, (push) =>
      this.each(push.data, mapTicker, offer),
    );
    // While the public connection is down, prices come over REST; the resubscription ends that.
    const onDown = (info: StreamEndpointInfo) => {
      if (info.endpoint === 'public') down();
    };
    const onSubscribed = (info: StreamEndpointInfo & { arg: { channel: string; instId?: string } }) => {
      if (info.endpoint === 'public' && info.arg.channel === 'tickers' && info.arg.instId === instId) up();
    };
    ws.on?.('reconnecting', onDown);
    ws.on?.('stopped', onDown);
    ws.on?.('subscribed', onSubscribed);
    sub.ready?.catch((err: unknown) => {
      this.onPollError(err);
      down();
    });
    return () => {
      closed = true;
      up();
      sub.close();
      ws.off?.('reconnecting', onDown);
      ws.off?.('stopped', onDown);
      ws.off?.('subscribed', onSubscribed);
    };
  }

  /**
   * Order state changes of the account, each once and never backwards, from the `orders`
   * channel when a WS client is given (with REST reconciliation every `reconcileMs` and after a
   * reconnect), else from REST polls every `pollMs`.
   */
  onOrder(handler: (o: Order) => void): Unsubscribe {
    const feed = this.ensureFeed();
    const off = feed.onOrder(handler);
    return () => {
      off();
      this.releaseFeed();
    };
  }

  /**
   * Every trade of the account from now on, once per tradeId: partial fills included, with the
   * fill's own price, size and fee (the `orders` channel's fill fields, or GET /trade/fills).
   */
  onFill(handler: (f: Fill) => void): Unsubscribe {
    const feed = this.ensureFeed();
    const off = feed.onFill(handler);
    return () => {
      off();
      this.releaseFeed();
    };
  }

  /**
   * Resolves true once the `orders` subscription is acknowledged, false when it was refused or
   * there is no WS client (the feed then polls REST). Starts the feed if nothing else has.
   */
  ordersStreamReady(): Promise<boolean> {
    if (!this.ordersWs || !this.ordersAck) return Promise.resolve(false);
    return this.ordersAck;
  }

  /** Whether orders stream over WS right now, and the feed's counters (kept after it stops). */
  orderStream(): OrderStreamState {
    return { streaming: this.ordersLive, stats: { ...this.feedStats } };
  }

  /** Runs one REST pass of the order feed now (open orders, finished orders, fills). */
  async reconcileOrders(): Promise<void> {
    await this.feed?.reconcile();
  }

  // long: the feed and its WS subscription handlers share the poll/stream switch state
  private ensureFeed(): OrderFeed {
    if (this.feed) return this.feed;
    const feed = new OrderFeed({
      source: {
        openOrders: () => this.openOrders(),
        getOrder: (ref) => this.readOrder(ref),
        fillsSince: (ms) => this.fillsSince(ms),
      },
      startMs: this.now(),
      onError: (err) => this.onPollError(err),
      now: () => this.now(),
      stats: this.feedStats,
    });
    this.feed = feed;
    this.ordersLive = false;
    let stopped = false;
    const timers = timersOf(this.clock);
    let timer: TimerHandle | undefined;
    const schedule = (ms = this.ordersLive ? this.reconcileMs : this.pollMs) => {
      if (stopped) return;
      timers.clear(timer);
      timer = timers.setTimeout(() => {
        timer = undefined;
        void feed.reconcile().finally(() => {
          if (!timer) schedule();
        });
      }, ms);
    };
    const cleanups: Array<() => void> = [() => (stopped = true), () => timers.clear(timer)];
    if (this.ordersWs) {
      const ws = this.ordersWs;
      const sub = ws.subscribe({ channel: 'orders', instType: 'ANY' }, (push) =>
        this.onOrdersPush(push.data),
      );
      let ackResolve!: (ok: boolean) => void;
      this.ordersAck = new Promise<boolean>((r) => (ackResolve = r));
      // Every (re)subscription: pushes flow again; what happened while they did not is read over
      // REST (OKX does not replay order pushes missed while disconnected).
      const onSubscribed = (info: StreamEndpointInfo & { arg: { channel: string } }) => {
        if (info.endpoint !== 'private' || info.arg.channel !== 'orders' || stopped) return;
        this.ordersLive = true;
        ackResolve(true);
        void feed.reconcile();
        schedule();
      };
      const onDown = (info: StreamEndpointInfo) => {
        if (info.endpoint !== 'private' || stopped) return;
        this.ordersLive = false;
        schedule();
      };
      ws.on?.('subscribed', onSubscribed);
      ws.on?.('reconnecting', onDown);
      ws.on?.('stopped', onDown);
      const ready = sub.ready ?? Promise.resolve();
      ready.then(
        () => {
          // Stream clients without a 'subscribed' event: the first ack is all they tell.
          if (!this.ordersLive && !stopped) onSubscribed({ endpoint: 'private', arg: { channel: 'orders' } });
        },
        (err: unknown) => {
          this.onPollError(err);
          ackResolve(false);
        },
      );
      cleanups.push(() => {
        sub.close();
        ws.off?.('subscribed', onSubscribed);
        ws.off?.('reconnecting', onDown);
        ws.off?.('stopped', onDown);
        ackResolve(false);
      });
      // Until the subscription is acknowledged, REST polls.
      schedule(this.pollMs);
    } else {
      schedule(0);
    }
    this.stopFeed = () => {
      for (const c of cleanups) c();
    };
    return feed;
  }

  private releaseFeed(): void {
    if (!this.feed || this.feed.handlers > 0) return;
    this.stopFeed?.();
    this.stopFeed = undefined;
    this.feed = undefined;
    this.ordersLive = false;
    this.ordersAck = undefined;
  }

  private onOrdersPush(items: unknown[]): void {
    const feed = this.feed;
    if (!feed) return;
    for (const item of items) {
      let o: Order;
      try {
        o = mapOrder(item as Obj);
      } catch (err) {
        this.onPollError(err);
        continue;
      }
      const prev = feed.latest(o.ordId);
      const fill = fillOfPush(item as Obj, o);
      if (fill) {
        let fee = fill.fee;
        if (fee === undefined && prev && prev.feeCcy === o.feeCcy) {
          // No fillFee in the push: the step of the order's cumulative fee, when this fill is the
          // only change since the state we hold.
          const before = new Decimal(prev.accFillSz || '0');
          if (before.plus(fill.fillSz).eq(o.accFillSz || '0'))
            fee = new Decimal(o.fee || '0').minus(prev.fee || '0').toFixed();
        }
        if (fee !== undefined) feed.offerFill({ ...fill, fee }, 'ws');
        // Fee unknown: GET /trade/fills has it.
        else void feed.reconcile();
      }
      feed.offerOrder(o, 'ws');
    }
  }

  /** Maps each pushed item; a malformed one is reported, never passed on half-read. */
  private each<T>(items: unknown[], map: (o: Obj) => T, handler: (x: T) => void): void {
    for (const item of items) {
      let mapped: T;
      try {
        mapped = map(item as Obj);
      } catch (err) {
        this.onPollError(err);
        continue;
      }
      handler(mapped);
    }
  }

  private poll(tick: () => Promise<void>, everyMs: number): Unsubscribe {
    return repeatEvery(tick, everyMs, this.onPollError, this.clock);
  }
}

/** The exchange acknowledged an order but reading it back failed: it exists; settle it by clOrdId. */
export class AckedButUnreadError extends OkxkitError {
  readonly ambiguous = true;
  readonly ordId: string;
  constructor(instId: string, ordId: string, cause?: unknown) {
    super(`order ${ordId} on ${instId} was acknowledged but could not be read back`, {
      code: 'ORDER_UNREAD',
      hint: 'The order exists: look it up by clOrdId; do not place it again.',
      cause,
    });
    this.ordId = ordId;
  }
}
