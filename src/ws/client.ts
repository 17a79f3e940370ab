import type { ClientOptions } from 'ws';
import type { Credentials } from '../client/credentials.js';
import { HOSTS, hostsFor, wsUrlsForBase, type Site } from '../protocol/hosts.js';
import { sleepOn, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ValidationError } from '../util/errors.js';
import {
  argKey,
  channelNeedsLogin,
  endpointForChannel,
  type CandleBar,
  type ChannelArg,
  type WsEndpoint,
} from './channels.js';
import { WsConnection, type WsPush, type WsTimers } from './connection.js';
import { TypedEmitter } from './emitter.js';
import { OkxWsError, OkxWsMessageError } from './errors.js';
import { sharedConnectLimiter, type ConnectLimiter } from './limits.js';
import {
  checkAccount,
  checkAccountGreeks,
  checkAlgoOrder,
  checkEstimatedPrice,
  checkFundingRate,
  checkIndexTicker,
  checkLiquidationWarning,
  checkMarkPrice,
  checkOpenInterest,
  checkPriceCandle,
  checkPriceLimit,
  checkBalanceAndPosition,
  checkBookTop,
  checkCandle,
  checkInstrument,
  checkOrder,
  checkPosition,
  checkTicker,
  checkTrade,
  type Check,
  type WsAccount,
  type WsAccountGreeks,
  type WsAlgoAdvance,
  type WsAlgoOrder,
  type WsEstimatedPrice,
  type WsFundingRate,
  type WsIndexTicker,
  type WsLiquidationWarning,
  type WsMarkPrice,
  type WsOpenInterest,
  type WsPriceCandle,
  type WsPriceLimit,
  type WsBalanceAndPosition,
  type WsBookTop,
  type WsCandle,
  type WsInstrument,
  type WsOrder,
  type WsPosition,
  type WsTicker,
  type WsTrade,
} from './messages.js';
import { LiveOrderBook, type LiveOrderBookOptions } from './live-book.js';
import { WsTrading, type InstrumentCodes } from './order-ops.js';
import { WsStream } from './stream.js';

/** The three OKX WebSocket URLs: public, private and business. */
export interface WsUrls {
  wsPublic: string;
  wsPrivate: string;
  wsBusiness: string;
}

/** Where the server time comes from: an OkxClient fits (clockOffsetMs + syncClock()). */
export interface ClockSource {
  readonly clockOffsetMs: number;
  syncClock(): Promise<{ offsetMs: number }>;
}

/** Options of `OkxWsClient`: URLs (or a base URL or site), credentials for private channels, clock and reconnect settings. */
export interface OkxWsClientOptions {
  /** Explicit endpoint URLs (e.g. `sim.wsUrls`); wins over baseUrl and site. */
  urls?: WsUrls;
  /** Any REST base URL (e.g. the local exchange): WS URLs on the same origin. */
  baseUrl?: string;
  site?: Site;
  demo?: boolean;
  credentials?: Credentials;
  /** Refuses every order op locally; adds to the credentials' own policy, never loosens it. */
  readOnly?: boolean;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  timers?: WsTimers;
  /** Server time minus local time, ms, or a ClockSource (an OkxClient) read at every login. */
  clockOffsetMs?: number;
  clockSource?: ClockSource;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  ackTimeoutMs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  connectLimiter?: ConnectLimiter;
  logger?: Logger;
  wsOptions?: ClientOptions;
  /** Per-request timeout of order ops, ms. Default 10 000. */
  requestTimeoutMs?: number;
  /** instId -> instIdCode (docs/OKX-PROTOCOL.md §2.6), for order ops. */
  instruments?: InstrumentCodes;
  /** Log in on /public and /business too (needed by books-l2-tbt, books50-l2-tbt, orders-algo...). */
  loginPublic?: boolean;
  /** Items a stream buffers for a slow consumer before dropping the oldest. Default 10 000. */
  maxBuffer?: number;
}

/** Events of `OkxWsClient`: open, reconnecting, subscribed, error and the rest, with their payloads. */
export interface OkxWsClientEvents {
  error: (err: OkxWsError) => void;
  open: (info: { endpoint: WsEndpoint; reconnect: boolean }) => void;
  reconnecting: (info: { endpoint: WsEndpoint; attempt: number; delayMs: number; reason: string }) => void;
  /** A subscription was acknowledged: the first time, and again after every reconnect. */
  subscribed: (info: { endpoint: WsEndpoint; arg: ChannelArg }) => void;
  /** An endpoint stopped for good (closed, or login refused: err is then an OkxWsLoginError). */
  stopped: (info: { endpoint: WsEndpoint; err: OkxWsError | undefined }) => void;
  /**
   * One of the order books made by `orderBook()` on this client started a resync (a seqId gap, a
   * checksum mismatch, or no snapshot), with the book's own `resync` reason (docs/OKX-PROTOCOL.md §3).
   */
  bookResync: (info: { instId: string; channel: string; reason: string; detail: string }) => void;
}

type PushHandler = (push: WsPush) => void;

/** A consumer that reads a channel's pushes from the raw text; returns false to get them parsed. */
export type RawPushHandler = (raw: string) => boolean;

interface RawRoute {
  key: string;
  onPush: PushHandler;
  raw: RawPushHandler;
}

const PUSH_OPEN = '{"arg":';

/** A live subscription: `ready` resolves on the ack, `close()` unsubscribes. */
export interface WsSubscription {
  readonly arg: ChannelArg;
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * OKX WebSocket client: one lazily opened connection per endpoint (public, private, business),
 * each channel routed to its endpoint by the channel table, typed streams, order books and order
 * ops. Reconnects, re-login and resubscription are handled by each WsConnection.
 */
export class OkxWsClient extends TypedEmitter<OkxWsClientEvents> {
  readonly urls: WsUrls;
  private readonly opts: OkxWsClientOptions;
  private readonly conns = new Map<WsEndpoint, WsConnection>();
  private readonly handlers = new Map<string, Set<PushHandler>>();
  /** Raw consumers by the exact text of their subscription's arg object. */
  private readonly rawRoutes = new Map<string, RawRoute>();
  private readonly logger: Logger;
  private tradingApi: WsTrading | undefined;
  private closed = false;

  constructor(opts: OkxWsClientOptions = {}) {
    super();
    // The policy travels with the credentials: a read-only profile's key can never trade over WS.
    this.opts = opts.credentials
      ? { ...opts, credentials: opts.credentials.restrict({ readOnly: opts.readOnly === true }) }
      : opts;
    this.logger = opts.logger ?? silentLogger;
    this.urls =
      opts.urls ??
      (opts.baseUrl
        ? wsUrlsForBase(opts.baseUrl)
        : pick(hostsFor(opts.site ?? 'global', opts.demo ?? false)));
  }

  /** The connection of an endpoint (created on first use; opened on first subscribe/connect). */
  connection(endpoint: WsEndpoint, opts: { login?: boolean } = {}): WsConnection {
    const existing = this.conns.get(endpoint);
    if (existing) return existing;
    if (this.closed)
      throw new OkxWsError('the WS client is closed', {
        code: 'WS_CLOSED',
        endpoint,
        hint: 'Create a new OkxWsClient.',
      });
    const login =
      opts.login ?? (endpoint === 'private' || (!!this.opts.loginPublic && !!this.opts.credentials));
    if (login && !this.opts.credentials) {
      throw new ValidationError(
        'credentials',
        `the ${endpoint} WebSocket needs a login`,
        'pass credentials to OkxWsClient (OKX_API_KEY, OKX_SECRET_KEY, OKX_PASSPHRASE)',
      );
    }
    const url =
      endpoint === 'public'
        ? this.urls.wsPublic
        : endpoint === 'private'
          ? this.urls.wsPrivate
          : this.urls.wsBusiness;
    const src = this.opts.clockSource;
    const conn = new WsConnection({
      url,
      endpoint,
      credentials: login ? this.opts.credentials : undefined,
      clock: this.opts.clock ?? systemClock,
      sleep: this.opts.sleep ?? sleepOn(this.opts.clock),
      random: this.opts.random,
      timers: this.opts.timers,
      clockOffsetMs: src ? () => src.clockOffsetMs : this.opts.clockOffsetMs,
      resyncClock: src ? async () => (await src.syncClock()).offsetMs : undefined,
      pingIntervalMs: this.opts.pingIntervalMs,
      pongTimeoutMs: this.opts.pongTimeoutMs,
      ackTimeoutMs: this.opts.ackTimeoutMs,
      backoff: this.opts.backoff,
      connectLimiter: this.opts.connectLimiter ?? sharedConnectLimiter,
      logger: this.logger,
      wsOptions: this.opts.demo
        ? {
            ...this.opts.wsOptions,
            // OKX tells demo by its WS host; a same-origin server (the local exchange) by this header.
            headers: { ...this.opts.wsOptions?.headers, 'x-simulated-trading': '1' },
          }
        : this.opts.wsOptions,
    });
    conn.on('push', (push) => this.route(push));
    conn.setRawFilter((raw) => this.routeRaw(raw));
    conn.on('error', (err) => this.emitError(err));
    conn.on('open', ({ reconnect }) => this.emit('open', { endpoint, reconnect }));
    conn.on('reconnecting', (info) => this.emit('reconnecting', { endpoint, ...info }));
    conn.on('event', (msg) => {
      if (msg.event === 'subscribe' && msg.arg) this.emit('subscribed', { endpoint, arg: msg.arg });
    });
    conn.on('stopped', (err) => this.emit('stopped', { endpoint, err }));
    this.conns.set(endpoint, conn);
    return conn;
  }

  /**
   * Subscribes to a channel on the endpoint the channel table names; `onPush` receives every
   * push for it. The subscription survives reconnects until `close()`. With `raw`, a push whose
   * text starts with this arg exactly as subscribed goes to `raw` unparsed first (only while
   * this is the channel's one consumer); whatever it declines comes parsed to `onPush`.
   */
  subscribe(arg: ChannelArg, onPush: PushHandler, opts: { raw?: RawPushHandler } = {}): WsSubscription {
    const endpoint = endpointForChannel(arg.channel);
    const needsLogin = endpoint === 'private' || channelNeedsLogin(arg.channel);
    const conn = this.connection(endpoint, { login: needsLogin || undefined });
    if (needsLogin && !conn.logsIn) {
      // books-l2-tbt, orders-algo...: login on /public or /business (docs/OKX-PROTOCOL.md §2.1).
      throw new ValidationError(
        'channel',
        `${arg.channel} needs a logged-in ${endpoint} connection, and this one was opened without login`,
        'create OkxWsClient with credentials and loginPublic: true, or subscribe this channel first',
      );
    }
    const key = argKey(arg);
    let set = this.handlers.get(key);
    if (!set) this.handlers.set(key, (set = new Set()));
    set.add(onPush);
    const argText = JSON.stringify(arg);
    const rawRoute = opts.raw && !this.rawRoutes.has(argText) ? { key, onPush, raw: opts.raw } : undefined;
    if (rawRoute) this.rawRoutes.set(argText, rawRoute);
    const ready = conn.subscribe([arg]);
    // The subscription's `ready` carries a refusal to whoever awaits it (and the client emits it);
    // this only keeps an un-awaited rejection from being unhandled.
    ready.catch(() => undefined);
    let open = true;
    return {
      arg,
      ready,
      close: () => {
        if (!open) return;
        open = false;
        if (rawRoute && this.rawRoutes.get(argText) === rawRoute) this.rawRoutes.delete(argText);
        const s = this.handlers.get(key);
        s?.delete(onPush);
        if (s && s.size === 0) {
          this.handlers.delete(key);
          conn.unsubscribe([arg]);
        }
      },
    };
  }

  /** A channel's items as a typed async iterator; items failing `check` are reported and dropped. */
  stream<T>(arg: ChannelArg, check: Check<T>): WsStream<T> {
    const stream = new WsStream<T>(this.opts.maxBuffer);
    const endpoint = endpointForChannel(arg.channel);
    const sub = this.subscribe(arg, (push) => {
      for (const item of push.data) {
        const r = check(item, push.arg);
        if (typeof r === 'string')
          this.emitError(new OkxWsMessageError(`${push.arg.channel}: ${r}`, endpoint, safeJson(item)));
        else stream.push(r);
      }
    });
    sub.ready.catch((err: unknown) => stream.fail(err));
    stream.setOnClose(() => sub.close());
    return stream;
  }

  tickers(instId: string): WsStream<WsTicker> {
    return this.stream({ channel: 'tickers', instId }, checkTicker);
  }
  trades(instId: string): WsStream<WsTrade> {
    return this.stream({ channel: 'trades', instId }, checkTrade);
  }
  /** Candles of any bar size; always on /business (docs/OKX-PROTOCOL.md §2.1). */
  candles(instId: string, bar: CandleBar = '1m'): WsStream<WsCandle> {
    return this.stream({ channel: `candle${bar}`, instId }, checkCandle);
  }
  /** books5 (5 levels every 100 ms) or bbo-tbt (best level every 10 ms): each push a full snapshot. */
  bookTop(instId: string, channel: 'books5' | 'bbo-tbt' = 'books5'): WsStream<WsBookTop> {
    return this.stream({ channel, instId }, checkBookTop);
  }
  orders(filter: { instType?: string; instId?: string; instFamily?: string } = {}): WsStream<WsOrder> {
    return this.stream(
      {
        channel: 'orders',
        instType: filter.instType ?? 'ANY',
        instId: filter.instId,
        instFamily: filter.instFamily,
      },
      checkOrder,
    );
  }
  account(filter: { ccy?: string } = {}): WsStream<WsAccount> {
    return this.stream({ channel: 'account', ccy: filter.ccy }, checkAccount);
  }
  /**
   * balance_and_position (private): a snapshot of the non-zero cash balances and positions on
   * subscribe (eventType `snapshot`), then each change with its cause and trades.
   */
  balanceAndPosition(): WsStream<WsBalanceAndPosition> {
    return this.stream({ channel: 'balance_and_position' }, checkBalanceAndPosition);
  }
  /** instruments (public): the instType's instruments, then any instrument whose state changes. */
  instruments(instType: 'SPOT' | 'MARGIN' | 'SWAP' | 'FUTURES' | 'OPTION' = 'SPOT'): WsStream<WsInstrument> {
    return this.stream({ channel: 'instruments', instType }, checkInstrument);
  }
  positions(filter: { instType?: string; instId?: string; instFamily?: string } = {}): WsStream<WsPosition> {
    return this.stream(
      {
        channel: 'positions',
        instType: filter.instType ?? 'ANY',
        instId: filter.instId,
        instFamily: filter.instFamily,
      },
      checkPosition,
    );
  }

  /** orders-algo (business, login): conditional (TP/SL), oco and trigger algo orders as they change. */
  algoOrders(
    filter: { instType?: string; instId?: string; instFamily?: string } = {},
  ): WsStream<WsAlgoOrder> {
    return this.stream(
      {
        channel: 'orders-algo',
        instType: filter.instType ?? 'ANY',
        instId: filter.instId,
        instFamily: filter.instFamily,
      },
      checkAlgoOrder,
    );
  }
  /** algo-advance (business, login): iceberg, twap and trailing-stop (move_order_stop) orders. */
  algoAdvance(filter: { instType?: string; instId?: string; algoId?: string } = {}): WsStream<WsAlgoAdvance> {
    return this.stream(
      {
        channel: 'algo-advance',
        instType: filter.instType ?? 'ANY',
        instId: filter.instId,
        algoId: filter.algoId,
      },
      checkAlgoOrder,
    );
  }
  /** liquidation-warning (private): positions whose margin ratio nears liquidation. */
  liquidationWarning(
    filter: { instType?: string; instId?: string; instFamily?: string } = {},
  ): WsStream<WsLiquidationWarning> {
    return this.stream(
      {
        channel: 'liquidation-warning',
        instType: filter.instType ?? 'ANY',
        instId: filter.instId,
        instFamily: filter.instFamily,
      },
      checkLiquidationWarning,
    );
  }
  /** account-greeks (private): the account's greeks per currency. */
  accountGreeks(filter: { ccy?: string } = {}): WsStream<WsAccountGreeks> {
    return this.stream({ channel: 'account-greeks', ccy: filter.ccy }, checkAccountGreeks);
  }
  /** mark-price (public): the instrument's mark price, on change and at least every 10 s or so. */
  markPrice(instId: string): WsStream<WsMarkPrice> {
    return this.stream({ channel: 'mark-price', instId }, checkMarkPrice);
  }
  /** index-tickers (public): an index such as BTC-USDT. */
  indexTickers(instId: string): WsStream<WsIndexTicker> {
    return this.stream({ channel: 'index-tickers', instId }, checkIndexTicker);
  }
  /** funding-rate (public): a perpetual swap's current and next funding. */
  fundingRate(instId: string): WsStream<WsFundingRate> {
    return this.stream({ channel: 'funding-rate', instId }, checkFundingRate);
  }
  /** open-interest (public). */
  openInterest(instId: string): WsStream<WsOpenInterest> {
    return this.stream({ channel: 'open-interest', instId }, checkOpenInterest);
  }
  /** price-limit (public): the highest buy and lowest sell price the instrument accepts. */
  priceLimit(instId: string): WsStream<WsPriceLimit> {
    return this.stream({ channel: 'price-limit', instId }, checkPriceLimit);
  }
  /** estimated-price (public): delivery / exercise estimate of futures and options, by family or instrument. */
  estimatedPrice(filter: {
    instType: 'FUTURES' | 'OPTION';
    instFamily?: string;
    instId?: string;
  }): WsStream<WsEstimatedPrice> {
    if (!filter?.instFamily && !filter?.instId)
      throw new ValidationError(
        'instFamily',
        'instFamily or instId is required',
        "e.g. { instType: 'FUTURES', instFamily: 'BTC-USD' }",
      );
    return this.stream(
      {
        channel: 'estimated-price',
        instType: filter.instType,
        instFamily: filter.instFamily,
        instId: filter.instId,
      },
      checkEstimatedPrice,
    );
  }
  /** Mark-price candles (business): rows [ts, o, h, l, c, confirm]. */
  markPriceCandles(instId: string, bar: CandleBar = '1m'): WsStream<WsPriceCandle> {
    return this.stream({ channel: `mark-price-candle${bar}`, instId }, checkPriceCandle);
  }

  /**
   * A local order book kept in sync with the exchange: merges pushes, checks seqId continuity and
   * checksums, and resyncs by itself (resubscribe, or REST snapshot + buffered updates when
   * `fetchSnapshot` is given; docs/OKX-PROTOCOL.md §3.3). Call `close()` on it to unsubscribe.
   */
  orderBook(instId: string, opts: LiveOrderBookOptions = {}): LiveOrderBook {
    return new LiveOrderBook(this, instId, opts);
  }

  /** WS order ops over /private (docs/OKX-PROTOCOL.md §2.6). */
  get trade(): WsTrading {
    if (!this.tradingApi) {
      this.tradingApi = new WsTrading(() => this.connection('private'), {
        timeoutMs: this.opts.requestTimeoutMs ?? 10_000,
        instruments: this.opts.instruments,
        logger: this.logger,
      });
    }
    return this.tradingApi;
  }

  /** Opens an endpoint now (otherwise it opens on first use) and waits until it is ready. */
  connect(endpoint: WsEndpoint): Promise<void> {
    return this.connection(endpoint).connect();
  }

  /** Closes every connection for good. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.conns.values()].map((c) => c.close()));
  }

  /** @internal used by LiveOrderBook to resubscribe after a gap */
  resubscribe(arg: ChannelArg): void {
    const conn = this.conns.get(endpointForChannel(arg.channel));
    if (!conn) return;
    conn.unsubscribe([arg]);
    void conn.subscribe([arg]).catch((err: unknown) => {
      if (err instanceof OkxWsError) this.emitError(err);
    });
  }

  /** @internal used by LiveOrderBook: one client-level event for every book's resync */
  emitBookResync(info: { instId: string; channel: string; reason: string; detail: string }): void {
    this.emit('bookResync', info);
  }

  /** @internal */
  emitError(err: OkxWsError): void {
    if (!this.emit('error', err))
      this.logger.warn({ code: err.code, endpoint: err.endpoint, msg: err.message }, 'ws error');
  }

  /**
   * The raw fast path: a push that starts with a raw consumer's arg text goes to it unparsed,
   * when it is the channel's only consumer. OKX sends `{"arg":{...},` first; anything else, or
   * any arg text not subscribed this way, is parsed as usual.
   */
  private routeRaw(raw: string): boolean {
    if (this.rawRoutes.size === 0 || !raw.startsWith(PUSH_OPEN)) return false;
    const end = raw.indexOf('}', PUSH_OPEN.length);
    if (end < 0) return false;
    const route = this.rawRoutes.get(raw.slice(PUSH_OPEN.length, end + 1));
    if (!route) return false;
    const set = this.handlers.get(route.key);
    if (!set || set.size !== 1 || !set.has(route.onPush)) return false;
    return route.raw(raw);
  }

  private route(push: WsPush): void {
    const set = this.handlers.get(argKey(push.arg));
    if (!set) return;
    for (const h of set) h(push);
  }
}

/**
 * WS URLs: explicit ones; for an OKX REST host, that site's WS hosts (live or demo, docs/OKX-PROTOCOL.md §1.3:
 * the REST host is the same for demo, the WS host is not); for any other base URL, the same origin.
 */
export function urlsFor(opts: Pick<OkxWsClientOptions, 'urls' | 'baseUrl' | 'site' | 'demo'>): WsUrls {
  if (opts.urls) return opts.urls;
  const demo = opts.demo ?? false;
  if (opts.baseUrl) {
    let origin: string;
    try {
      origin = new URL(opts.baseUrl).origin;
    } catch {
      throw new ValidationError(
        'baseUrl',
        `'${opts.baseUrl}' is not a URL`,
        'e.g. https://www.okx.com or http://127.0.0.1:8080',
      );
    }
    if (origin === 'https://openapi.okx.com') return pick(hostsFor('global', demo));
    for (const site of Object.keys(HOSTS) as Site[]) {
      if (HOSTS[site].live.rest === origin) return pick(hostsFor(site, demo));
    }
    return wsUrlsForBase(opts.baseUrl);
  }
  return pick(hostsFor(opts.site ?? 'global', demo));
}

function pick(h: WsUrls): WsUrls {
  return { wsPublic: h.wsPublic, wsPrivate: h.wsPrivate, wsBusiness: h.wsBusiness };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
