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
  Ticker,
  Unsubscribe,
} from '../trading/exchange-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { repeatEvery } from '../util/repeat.js';
import type { BookBoard } from './books.js';

/**
 * ccxt is an optional peer dependency: okxkit loads it only when a cross-venue arbitrage asks for
 * another exchange, so users who trade OKX alone never install it. Missing, it is this error.
 */
export class CcxtMissingError extends OkxkitError {
  constructor(cause?: unknown) {
    super('ccxt is not installed; cross-venue arbitrage through ccxt needs it', {
      code: 'CCXT_MISSING',
      hint: 'npm install ccxt (an optional peer dependency of okxkit)',
      cause,
    });
  }
}

/** The part of a ccxt exchange instance the adapter uses (ccxt's own types stay optional). */
export interface CcxtLike {
  id: string;
  markets: Record<string, CcxtMarket> | undefined;
  loadMarkets(): Promise<Record<string, CcxtMarket>>;
  fetchBalance(): Promise<Record<string, unknown>>;
  fetchTicker(symbol: string): Promise<{ last?: number; bid?: number; ask?: number; timestamp?: number }>;
  fetchOrderBook(
    symbol: string,
    limit?: number,
  ): Promise<{ bids: number[][]; asks: number[][]; timestamp?: number }>;
  fetchTradingFee?(symbol: string): Promise<{ taker?: number; maker?: number }>;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<CcxtOrder>;
  cancelOrder(id: string, symbol: string, params?: Record<string, unknown>): Promise<unknown>;
  editOrder(
    id: string,
    symbol: string,
    type: string,
    side: string,
    amount?: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
  fetchOrder(id: string, symbol: string, params?: Record<string, unknown>): Promise<CcxtOrder>;
  fetchOpenOrders(symbol?: string): Promise<CcxtOrder[]>;
  fetchMyTrades(symbol?: string, since?: number): Promise<CcxtTrade[]>;
  milliseconds(): number;
}

export interface CcxtMarket {
  id: string;
  symbol: string;
  base: string;
  quote: string;
  type?: string;
  spot?: boolean;
  active?: boolean;
  precision?: { amount?: number; price?: number };
  limits?: { amount?: { min?: number; max?: number } };
  info?: Record<string, unknown>;
}

export interface CcxtOrder {
  id: string;
  clientOrderId?: string;
  symbol: string;
  type?: string;
  side?: string;
  price?: number;
  amount?: number;
  filled?: number;
  average?: number;
  status?: string;
  timestamp?: number;
  lastUpdateTimestamp?: number;
  fee?: { cost?: number; currency?: string };
  info?: Record<string, unknown>;
}

export interface CcxtTrade {
  id: string;
  order?: string;
  symbol: string;
  side: string;
  price: number;
  amount: number;
  fee?: { cost?: number; currency?: string };
  takerOrMaker?: string;
  timestamp: number;
  info?: Record<string, unknown>;
}

/** Loads ccxt on demand; a typed CcxtMissingError when it is not installed. */
export async function loadCcxt(): Promise<Record<string, unknown>> {
  try {
    const name = 'ccxt';
    const mod = (await import(name)) as { default?: Record<string, unknown> } & Record<string, unknown>;
    return mod.default ?? mod;
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND') throw new CcxtMissingError(err);
    throw err;
  }
}

export interface CcxtVenueOptions {
  /** A ccxt exchange id, e.g. "okx", "binance". */
  exchange: string;
  apiKey?: string;
  secret?: string;
  password?: string;
  /** Overrides the REST host (e.g. a local exchange speaking that venue's API). */
  restUrl?: string;
}

/** A ccxt exchange instance from its id and keys (ccxt loaded on demand). */
export async function createCcxt(o: CcxtVenueOptions): Promise<CcxtLike> {
  const ccxt = await loadCcxt();
  const Ctor = ccxt[o.exchange] as (new (cfg: Record<string, unknown>) => CcxtLike) | undefined;
  if (typeof Ctor !== 'function')
    throw new ValidationError(
      'exchange',
      `"${o.exchange}" is not a ccxt exchange id`,
      'e.g. okx, binance, kraken',
    );
  const ex = new Ctor({
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.secret ? { secret: o.secret } : {}),
    ...(o.password ? { password: o.password } : {}),
    enableRateLimit: true,
  });
  if (o.restUrl) (ex as unknown as { urls: Record<string, unknown> }).urls['api'] = { rest: o.restUrl };
  return ex;
}

const STATE: Record<string, OrderState> = {
  open: 'live',
  closed: 'filled',
  canceled: 'canceled',
  expired: 'canceled',
  rejected: 'canceled',
};

function num(v: number | undefined): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '';
  return String(v);
}

/** Decimal places of a ccxt precision (TICK_SIZE mode gives the step itself). */
function step(p: number | undefined): string {
  if (p === undefined) return '0.00000001';
  if (p >= 1 && Number.isInteger(p)) return (10 ** -p).toFixed(p);
  return String(p);
}

/**
 * The Exchange port over a ccxt exchange, so the opportunity engine and the arbitrage bot trade
 * OKX and any ccxt venue alike. Instrument ids stay OKX-style ("BTC-USDT"), mapped to ccxt
 * symbols ("BTC/USDT"); wire values become decimal strings. onTicker and onOrder poll. Wrap it in
 * a SafeExchange like any port: the guard and the journal work unchanged (a clOrdId is sent as
 * ccxt's clientOrderId).
 */
export class CcxtExchange implements ExchangePort {
  readonly ex: CcxtLike;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private loaded: Promise<void> | undefined;
  private readonly bySymbol = new Map<string, CcxtMarket>();
  private readonly byInst = new Map<string, CcxtMarket>();

  constructor(ex: CcxtLike, opts: { clock?: Clock; pollMs?: number } = {}) {
    this.ex = ex;
    this.clock = opts.clock ?? systemClock;
    this.pollMs = opts.pollMs ?? 1_000;
  }

  private async markets(): Promise<void> {
    this.loaded ??= (async () => {
      const ms = await this.ex.loadMarkets();
      for (const m of Object.values(ms)) {
        if (m.spot === false || (m.type && m.type !== 'spot')) continue;
        this.bySymbol.set(m.symbol, m);
        this.byInst.set(`${m.base}-${m.quote}`, m);
      }
    })();
    return this.loaded;
  }

  /** The ccxt symbol of an OKX-style spot instrument id. */
  async symbol(instId: string): Promise<string> {
    await this.markets();
    const m = this.byInst.get(instId);
    if (!m)
      throw new ValidationError(
        'instId',
        `${this.ex.id} lists no spot market ${instId}`,
        'check the instrument id',
      );
    return m.symbol;
  }

  private instOf(symbol: string): string {
    const m = this.bySymbol.get(symbol);
    return m ? `${m.base}-${m.quote}` : symbol.replace('/', '-');
  }

  async instrument(instId: string): Promise<Instrument> {
    const sym = await this.symbol(instId);
    const m = this.bySymbol.get(sym)!;
    return {
      instId,
      instType: 'SPOT',
      baseCcy: m.base,
      quoteCcy: m.quote,
      tickSz: step(m.precision?.price),
      lotSz: step(m.precision?.amount),
      minSz: num(m.limits?.amount?.min) || step(m.precision?.amount),
      maxLmtSz: num(m.limits?.amount?.max),
      maxMktSz: '',
      state: m.active === false ? 'suspend' : 'live',
    };
  }

  async balances(): Promise<Balance[]> {
    const b = (await this.ex.fetchBalance()) as {
      free?: Record<string, number>;
      used?: Record<string, number>;
      total?: Record<string, number>;
    };
    const ccys = new Set([...Object.keys(b.total ?? {}), ...Object.keys(b.free ?? {})]);
    return [...ccys].map((ccy) => ({
      ccy,
      availBal: num(b.free?.[ccy]) || '0',
      frozenBal: num(b.used?.[ccy]) || '0',
      eq: num(b.total?.[ccy]) || '0',
    }));
  }

  async ticker(instId: string): Promise<Ticker> {
    const t = await this.ex.fetchTicker(await this.symbol(instId));
    return { instId, last: num(t.last), bidPx: num(t.bid), askPx: num(t.ask), ts: t.timestamp ?? this.now() };
  }

  async placeOrder(intent: OrderIntent): Promise<Order> {
    const sym = await this.symbol(intent.instId);
    const params: Record<string, unknown> = {};
    if (intent.clOrdId) params.clientOrderId = intent.clOrdId;
    if (intent.tgtCcy) params.tgtCcy = intent.tgtCcy;
    let type = 'limit';
    if (intent.ordType === 'market') type = 'market';
    else if (intent.ordType === 'ioc') params.timeInForce = 'IOC';
    else if (intent.ordType === 'fok') params.timeInForce = 'FOK';
    else if (intent.ordType === 'post_only') params.postOnly = true;
    const o = await this.ex.createOrder(
      sym,
      type,
      intent.side,
      Number(intent.sz),
      intent.px !== undefined && type !== 'market' ? Number(intent.px) : undefined,
      params,
    );
    return (await this.getOrder({ instId: intent.instId, ordId: o.id })) ?? this.toOrder(o, intent);
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    const sym = await this.symbol(ref.instId);
    await this.ex.cancelOrder(ref.ordId ?? '', sym, ref.clOrdId ? { clientOrderId: ref.clOrdId } : {});
  }

  async amendOrder(req: AmendRequest): Promise<void> {
    const sym = await this.symbol(req.instId);
    const o = await this.getOrder(req);
    if (!o) throw new ValidationError('order', 'is not known to the exchange', 'check ordId / clOrdId');
    await this.ex.editOrder(
      o.ordId,
      sym,
      o.ordType === 'market' ? 'market' : 'limit',
      o.side,
      req.newSz !== undefined ? Number(req.newSz) : undefined,
      req.newPx !== undefined ? Number(req.newPx) : undefined,
    );
  }

  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    const sym = await this.symbol(ref.instId);
    try {
      const o = await this.ex.fetchOrder(
        ref.ordId ?? '',
        sym,
        ref.ordId ? {} : { clientOrderId: ref.clOrdId },
      );
      return this.toOrder(o);
    } catch (err) {
      if ((err as Error)?.constructor?.name === 'OrderNotFound') return undefined;
      throw err;
    }
  }

  async openOrders(instId?: string): Promise<Order[]> {
    const os = await this.ex.fetchOpenOrders(instId ? await this.symbol(instId) : undefined);
    return os.map((o) => this.toOrder(o));
  }

  async fills(instId?: string, sinceMs?: number): Promise<Fill[]> {
    const ts = await this.ex.fetchMyTrades(instId ? await this.symbol(instId) : undefined, sinceMs);
    return ts.map((t) => ({
      tradeId: t.id,
      ordId: t.order ?? '',
      clOrdId: String(t.info?.clOrdId ?? ''),
      instId: this.instOf(t.symbol),
      side: t.side === 'sell' ? 'sell' : 'buy',
      fillPx: num(t.price),
      fillSz: num(t.amount),
      fee: t.fee?.cost !== undefined ? num(-t.fee.cost) : '0',
      feeCcy: t.fee?.currency ?? '',
      execType: t.takerOrMaker === 'maker' ? 'M' : 'T',
      ts: t.timestamp,
    }));
  }

  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    return repeatEvery(
      async () => handler(await this.ticker(instId)),
      this.pollMs,
      () => undefined,
      this.clock,
    );
  }

  onOrder(handler: (o: Order) => void): Unsubscribe {
    const seen = new Map<string, string>();
    return repeatEvery(
      async () => {
        for (const o of await this.openOrders()) {
          const k = `${o.state}:${o.accFillSz}`;
          if (seen.get(o.ordId) !== k) {
            seen.set(o.ordId, k);
            handler(o);
          }
        }
      },
      this.pollMs,
      () => undefined,
      this.clock,
    );
  }

  now(): number {
    return this.clock.now();
  }

  /** The account's taker rate for a market (ccxt's fetchTradingFee; positive = charged). */
  async takerFee(instId: string): Promise<number> {
    if (!this.ex.fetchTradingFee)
      throw new ValidationError(
        'takerFee',
        `${this.ex.id} does not report trading fees through ccxt`,
        'give the taker fee',
      );
    const f = await this.ex.fetchTradingFee(await this.symbol(instId));
    if (f.taker === undefined)
      throw new ValidationError('takerFee', `${this.ex.id} gave no taker rate`, 'give the taker fee');
    return Math.max(0, f.taker);
  }

  /** Polls the venue's order books onto the board every `everyMs` (ccxt has no WS here). */
  pollBooks(
    board: BookBoard,
    venue: string,
    instIds: readonly string[],
    everyMs: number,
    depth = 50,
  ): Unsubscribe {
    const stops = instIds.map((instId) =>
      repeatEvery(
        async () => {
          const ob = await this.ex.fetchOrderBook(await this.symbol(instId), depth);
          board.set({
            venue,
            instId,
            bids: ob.bids.map((l) => [Number(l[0]), Number(l[1])] as const),
            asks: ob.asks.map((l) => [Number(l[0]), Number(l[1])] as const),
            ts: ob.timestamp ?? this.now(),
          });
        },
        everyMs,
        () => board.drop(venue, instId),
        this.clock,
      ),
    );
    return () => {
      for (const s of stops) s();
    };
  }

  private toOrder(o: CcxtOrder, intent?: OrderIntent): Order {
    const filled = o.filled ?? 0;
    let state = STATE[o.status ?? 'open'] ?? 'live';
    if (state === 'live' && filled > 0) state = 'partially_filled';
    const info = o.info ?? {};
    const ordType = String(info.ordType ?? intent?.ordType ?? (o.type === 'market' ? 'market' : 'limit'));
    return {
      ordId: o.id,
      clOrdId: o.clientOrderId ?? intent?.clOrdId ?? '',
      instId: this.instOf(o.symbol),
      side: o.side === 'sell' ? 'sell' : 'buy',
      ordType: (['market', 'limit', 'post_only', 'fok', 'ioc'].includes(ordType)
        ? ordType
        : 'limit') as Order['ordType'],
      px: num(o.price),
      sz: num(o.amount),
      accFillSz: num(filled) || '0',
      avgPx: filled > 0 ? num(o.average) : '',
      state,
      fee: o.fee?.cost !== undefined ? num(-o.fee.cost) : '0',
      feeCcy: o.fee?.currency ?? '',
      tag: String(info.tag ?? ''),
      cTime: o.timestamp ?? 0,
      uTime: o.lastUpdateTimestamp ?? o.timestamp ?? 0,
    };
  }
}
