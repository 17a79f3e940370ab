import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { OkxkitError } from '../util/errors.js';
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
  Side,
  Ticker,
  Unsubscribe,
} from './exchange-port.js';
import { errorCode } from './errors.js';

type Obj = Record<string, unknown>;

/**
 * The slice of OkxClient this adapter uses, typed loosely on purpose (results as `unknown`, read
 * field by field below), so the adapter depends on OKX's wire shapes, not on the client's types.
 */
export interface OkxTradingClient {
  readonly clockOffsetMs: number;
  public: { instruments(p: { instType: 'SPOT'; instId?: string }): Promise<unknown> };
  market: { ticker(instId: string): Promise<unknown> };
  account: { balance(ccy?: string): Promise<unknown> };
  trade: {
    placeOrder(req: any, opts?: { expTime?: number }): Promise<unknown>;
    cancelOrder(req: { instId: string; ordId?: string; clOrdId?: string }): Promise<unknown>;
    amendOrder(req: {
      instId: string;
      ordId?: string;
      clOrdId?: string;
      newSz?: string;
      newPx?: string;
    }): Promise<unknown>;
    getOrder(req: { instId: string; ordId?: string; clOrdId?: string }): Promise<unknown>;
    ordersPending(params?: any): Promise<unknown>;
    fills(params?: any): Promise<unknown>;
  };
}

/** A payload field OKX should always send is missing or of the wrong type. */
export class OkxPayloadError extends OkxkitError {
  constructor(what: string, field: string) {
    super(`${what}: field "${field}" is missing or not a string`, {
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

const ORD_TYPES = new Set(['market', 'limit', 'post_only', 'fok', 'ioc']);
const OPEN_STATES: ReadonlySet<string> = new Set(['live', 'partially_filled']);

export function mapInstrument(o: Obj): Instrument {
  const w = 'instrument';
  return {
    instId: str(o, 'instId', w),
    instType: str(o, 'instType', w),
    baseCcy: str(o, 'baseCcy', w, true),
    quoteCcy: str(o, 'quoteCcy', w, true),
    tickSz: str(o, 'tickSz', w),
    lotSz: str(o, 'lotSz', w),
    minSz: str(o, 'minSz', w),
    maxLmtSz: str(o, 'maxLmtSz', w, true),
    maxMktSz: str(o, 'maxMktSz', w, true),
    state: str(o, 'state', w),
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
    side: side as Side,
    // Other OKX types (optimal_limit_ioc, mmp...) pass through as strings; the port's union is what okxkit places.
    ordType: (ORD_TYPES.has(ordType) ? ordType : ordType) as OrdType,
    px: str(o, 'px', w, true),
    sz: str(o, 'sz', w),
    accFillSz: str(o, 'accFillSz', w, true) || '0',
    avgPx: str(o, 'avgPx', w, true),
    state: str(o, 'state', w) as Order['state'],
    fee: str(o, 'fee', w, true) || '0',
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

/** The slice of OkxWsClient used for live streams: OkxWsClient satisfies it. */
export interface OkxStreamClient {
  subscribe(
    arg: { channel: string; instId?: string; instType?: string },
    onPush: (push: { arg: unknown; data: unknown[] }) => void,
  ): { close(): void };
  /** OkxWsClient's 'open' event: after a reconnect, missed order updates are read over REST. */
  on?(event: 'open', listener: (info: { endpoint: string; reconnect: boolean }) => void): unknown;
  off?(event: 'open', listener: (info: { endpoint: string; reconnect: boolean }) => void): unknown;
}

export interface OkxExchangeOptions {
  client: OkxTradingClient;
  /**
   * WebSocket client for onTicker (`tickers`) and onOrder (`orders`, needs credentials). Without
   * it both poll over REST every `pollMs`.
   */
  ws?: OkxStreamClient;
  clock?: Clock;
  /** Trade mode sent with each order when the intent has none. Default "cash" (spot). */
  tdMode?: 'cash' | 'cross' | 'isolated';
  /** Poll period for onTicker/onOrder (REST polling until the WS stream is wired). Default 1000 ms. */
  pollMs?: number;
  /** Called when a poll fails (the poll keeps going) or a pushed item is malformed. */
  onPollError?: (err: unknown) => void;
}

/**
 * The Exchange port over OKX's REST API (against OKX or the local exchange). It is a plain
 * adapter: placement safety (guard, journal, reconciliation) is SafeExchange's job.
 */
export class OkxExchange implements ExchangePort {
  readonly client: OkxTradingClient;
  private readonly ws: OkxStreamClient | undefined;
  private readonly clock: Clock;
  private readonly tdMode: 'cash' | 'cross' | 'isolated';
  private readonly pollMs: number;
  private readonly onPollError: (err: unknown) => void;

  constructor(opts: OkxExchangeOptions) {
    this.client = opts.client;
    this.ws = opts.ws;
    this.clock = opts.clock ?? systemClock;
    this.tdMode = opts.tdMode ?? 'cash';
    this.pollMs = opts.pollMs ?? 1_000;
    this.onPollError = opts.onPollError ?? (() => undefined);
  }

  now(): number {
    return this.clock.now() + this.client.clockOffsetMs;
  }

  async instrument(instId: string): Promise<Instrument> {
    const rows = list(await this.client.public.instruments({ instType: 'SPOT', instId }));
    const row = rows.find((r) => r.instId === instId);
    if (!row)
      throw new OkxkitError(`instrument ${instId} does not exist`, {
        code: '51001',
        hint: 'Check the instId (e.g. BTC-USDT).',
      });
    return mapInstrument(row);
  }

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

  /**
   * Sends one order and resolves with the exchange's view of it. A failure after the POST was
   * acknowledged (the follow-up read) is reported as ambiguous, so a caller settles it by clOrdId.
   */
  async placeOrder(intent: OrderIntent): Promise<Order> {
    const req: Record<string, unknown> = {
      instId: intent.instId,
      tdMode: intent.tdMode ?? this.tdMode,
      side: intent.side,
      ordType: intent.ordType,
      sz: intent.sz,
    };
    if (intent.px !== undefined && intent.ordType !== 'market') req.px = intent.px;
    if (intent.clOrdId !== undefined) req.clOrdId = intent.clOrdId;
    if (intent.tag !== undefined) req.tag = intent.tag;
    if (intent.tgtCcy !== undefined) req.tgtCcy = intent.tgtCcy;
    if (intent.reduceOnly !== undefined) req.reduceOnly = intent.reduceOnly;
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

  async cancelOrder(ref: OrderRef): Promise<void> {
    await this.client.trade.cancelOrder(ref);
  }

  async amendOrder(req: AmendRequest): Promise<void> {
    await this.client.trade.amendOrder(req);
  }

  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    try {
      const o = first(await this.client.trade.getOrder(ref));
      return o ? mapOrder(o) : undefined;
    } catch (err) {
      // facts §7.4: an unknown order is code 51603.
      if (errorCode(err) === '51603') return undefined;
      throw err;
    }
  }

  async openOrders(instId?: string): Promise<Order[]> {
    const out: Order[] = [];
    let after: string | undefined;
    // orders-pending pages by ordId, 100 at most per page (facts §7.4).
    for (;;) {
      const params: Record<string, string> = { instType: 'SPOT', limit: '100' };
      if (instId) params.instId = instId;
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
    const params: Record<string, string> = { instType: 'SPOT', limit: '100' };
    if (instId) params.instId = instId;
    if (sinceMs !== undefined) params.begin = String(sinceMs);
    const rows = list(await this.client.trade.fills(params)).map(mapFill);
    return rows.filter((f) => sinceMs === undefined || f.ts >= sinceMs).sort((a, b) => a.ts - b.ts);
  }

  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    if (this.ws) {
      const sub = this.ws.subscribe({ channel: 'tickers', instId }, (push) =>
        this.each(push.data, mapTicker, handler),
      );
      return () => sub.close();
    }
    let lastKey = '';
    return this.poll(async () => {
      const t = await this.ticker(instId);
      const key = `${t.ts}:${t.last}:${t.bidPx}:${t.askPx}`;
      if (key !== lastKey) {
        lastKey = key;
        handler(t);
      }
    });
  }

  onOrder(handler: (o: Order) => void): Unsubscribe {
    const known = new Map<string, { key: string; instId: string }>();
    const keyOf = (o: Order) => `${o.state}:${o.accFillSz}:${o.uTime}`;
    const emit = (o: Order) => {
      if (OPEN_STATES.has(o.state)) known.set(o.ordId, { key: keyOf(o), instId: o.instId });
      else known.delete(o.ordId);
      handler(o);
    };
    // One REST pass: report open orders that changed and the final state of those that left.
    const sweep = async (report: boolean) => {
      const open = await this.openOrders();
      const seen = new Set<string>();
      for (const o of open) {
        seen.add(o.ordId);
        if (known.get(o.ordId)?.key !== keyOf(o)) {
          if (report) emit(o);
          else known.set(o.ordId, { key: keyOf(o), instId: o.instId });
        }
      }
      for (const [ordId, k] of [...known]) {
        if (seen.has(ordId)) continue;
        known.delete(ordId);
        const o = await this.getOrder({ instId: k.instId, ordId });
        if (o && report) handler(o);
      }
    };
    if (this.ws) {
      const ws = this.ws;
      const sub = ws.subscribe({ channel: 'orders', instType: 'SPOT' }, (push) =>
        this.each(push.data, mapOrder, emit),
      );
      // OKX does not replay order pushes missed while disconnected (facts §2): read them over REST.
      const onOpen = (info: { endpoint: string; reconnect: boolean }) => {
        if (info.endpoint === 'private' && info.reconnect)
          sweep(true).catch((err: unknown) => this.onPollError(err));
      };
      ws.on?.('open', onOpen);
      return () => {
        sub.close();
        ws.off?.('open', onOpen);
      };
    }
    let primed = false;
    return this.poll(async () => {
      await sweep(primed);
      primed = true;
    });
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

  private poll(tick: () => Promise<void>): Unsubscribe {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const run = async () => {
      if (stopped) return;
      try {
        await tick();
      } catch (err) {
        this.onPollError(err);
      }
      if (!stopped) timer = setTimeout(() => void run(), this.pollMs);
    };
    timer = setTimeout(() => void run(), 0);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
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
