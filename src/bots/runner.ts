import type { Logger } from '../util/logger.js';
import { timersOf, type Clock, type TimerHandle, type Timers } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { OkxkitError, ValidationError, errorCode, errorText } from '../util/errors.js';
import type {
  Balance,
  ExchangePort,
  Instrument,
  Order,
  OrderIntent,
  Ticker,
  Unsubscribe,
} from '../trading/exchange-port.js';
import { isAmbiguous } from '../trading/errors.js';
import { botClOrdId } from './cl-ord-id.js';
import { strategySettings, type BotConfig } from './config.js';
import { addTo, dec, feeInQuote, fmt } from './money.js';
import type { BotRow, BotStats, BotStateStore } from './state-store.js';
import { createStrategy } from './strategies/index.js';
import type { BotAction, IntentRecord, Strategy, StrategyContext } from './types.js';

/** Where the runner asks the safety layer before it sends an order. */
export interface RunnerHooks {
  /** Pre-trade check (risk limits, order guard, kill switch): throw to refuse the order. */
  beforePlace?(intent: OrderIntent): void | Promise<void>;
  /** Every state the bot learns of one of its orders (risk counts open orders with it). */
  onOrder?(order: Order): void;
  /**
   * Every order that finished with a fill (once per order). The trading stack feeds its risk
   * manager per trade from the exchange instead, partial fills included.
   */
  onFill?(order: Order): void;
  /** Every price the bot sees (risk marks its positions with it). */
  onTicker?(t: Ticker): void;
  /** One line for the status view, e.g. "loss limit 480/500 USDT left". */
  riskHeadroom?(): string | undefined;
  /**
   * Why trading is halted (kill switch, a risk trip), else undefined. While halted the bot keeps
   * the orders it wants as parked intents (never rejected), and `resumeAfterHalt()` places them.
   */
  haltReason?(): string | undefined;
}

export type BotEventType =
  | 'start'
  | 'resume'
  | 'placed'
  | 'adopted'
  | 'filled'
  | 'canceled'
  | 'rejected'
  | 'error'
  | 'warning'
  | 'halted'
  | 'stop';

/** One line of a bot's event log (placed, filled, cancelled, error ...); `ts` is ms since epoch. */
export interface BotEvent {
  type: BotEventType;
  ts: number;
  text: string;
  clOrdId?: string;
}

/** What a `BotRunner` needs: the exchange port, the state store, the bot config and optional strategy, clock and hooks. */
export interface BotRunnerOptions {
  port: ExchangePort;
  store: BotStateStore;
  config: BotConfig;
  /** Defaults to the strategy for config.kind. */
  strategy?: Strategy;
  logger?: Logger;
  hooks?: RunnerHooks;
  /** Poll open orders and balances this often (ms) to catch updates a stream missed; 0 = only when reconcile() is called. */
  reconcileIntervalMs?: number;
  /** A sent order the exchange still does not know after this long is sent again with the same clOrdId (docs/OKX-PROTOCOL.md §8). */
  resendAfterMs?: number;
  onEvent?: (e: BotEvent) => void;
  /** The reconcile timers run on this clock's timers (real timers by default). */
  clock?: Clock;
}

/** A snapshot of a running bot: its identity, prices, orders, fills, PnL, equity and fees (decimal strings in the quote currency), for `okxkit bot status` and dashboards. */
export interface BotStatus {
  botId: string;
  kind: string;
  instId: string;
  quoteCcy: string;
  price: string;
  bidPx: string;
  askPx: string;
  openOrders: number;
  openBuys: number;
  openSells: number;
  /** The bot's open orders (the first 100 by clOrdId), for a dashboard; absent in older reports. */
  openOrderList?: OpenOrderView[];
  ordersPlaced: number;
  fills: number;
  realisedPnl: string;
  unrealisedPnl: string;
  /** Equity of the bot's base and quote currencies, in quote; "" until balances are known. */
  equity: string;
  startEquity: string;
  /** The bot's own PnL: realised + unrealised. */
  pnl: string;
  /** equity - startEquity: includes the price move of everything the account holds. */
  equityChange: string;
  riskHeadroom: string;
  /** Fees the bot's orders paid, in quote (base fees valued at their fill price). */
  feesPaid: string;
  /** The same fees per currency they were charged in, e.g. { BTC: "0.000001", USDT: "0.08" }. */
  feesByCcy: Record<string, string>;
  /**
   * A perpetual swap's funding received (+) or paid (-) by its open positions, in the settlement
   * currency, as of the last reconcile; "" on spot and until known.
   */
  funding?: string;
  detail: string;
  startedMs: number;
  now: number;
  done: boolean;
  lastError: string;
  /** Why this config may not trade as meant (e.g. a range that does not contain the price). */
  warnings?: string[];
  /** Why trading is halted (kill switch, risk trip); "" when it is not. */
  halted?: string;
  /** Orders refused in a row (reset by the next order placed). */
  consecutiveFailures?: number;
  recentEvents: BotEvent[];
}

/** One open order of a bot, as the dashboard shows it: side, price, size, filled part and since when. */
export interface OpenOrderView {
  clOrdId: string;
  side: 'buy' | 'sell';
  /** "" for a market order. */
  px: string;
  sz: string;
  /** Filled so far ("0" when nothing). */
  filled: string;
  /** The intent's status in the bot (pending, live, ...). */
  status: string;
  /** When it was last sent (ms), else when the bot decided it. */
  sinceMs: number;
}

/** The final status of a bot run, plus how long it ran (`runtimeMs`, ms) and how many orders it cancelled on exit. */
export type BotSummary = BotStatus & { runtimeMs: number; canceledOnExit: number };

const TERMINAL = new Set(['filled', 'canceled', 'mmp_canceled']);

function ambiguous(err: unknown): boolean {
  // The client marks writes whose outcome is unknown (timeouts, network errors, 5xx, 50001/50004/
  // 50013/50026); the executor gives up with EXECUTION_UNRESOLVED; anything unexpected counts too:
  // in doubt, look the order up by clOrdId before doing anything else.
  return isAmbiguous(err) || errorCode(err) === 'EXECUTION_UNRESOLVED' || !(err instanceof OkxkitError);
}

const errText = errorText;

/**
 * Runs one bot: feeds the strategy ticker and order events one at a time, gives every order a
 * deterministic clOrdId, records each intent in SQLite before it is sent, and on a restart looks
 * every unfinished intent up by clOrdId and adopts what the exchange says, so nothing is placed twice.
 */
export class BotRunner {
  readonly botId: string;
  readonly strategy: Strategy;
  private readonly port: ExchangePort;
  private readonly store: BotStateStore;
  private readonly config: BotConfig;
  private readonly log: Logger;
  private readonly hooks: RunnerHooks;
  private readonly reconcileIntervalMs: number;
  private readonly resendAfterMs: number;
  private readonly onEvent: ((e: BotEvent) => void) | undefined;

  private row: BotRow | undefined;
  private inst: Instrument | undefined;
  private readonly open = new Map<string, IntentRecord>();
  private readonly dirty = new Set<IntentRecord>();
  private ticker: Ticker | undefined;
  private balances: Balance[] = [];
  /** Funding received (+) or paid (-) by the bot's open swap positions (their fundingFee); "" on spot. */
  private funding = '';
  private queue: Promise<void> = Promise.resolve();
  private tickerQueued = false;
  private readonly tickers: Ticker[] = [];
  private subs: Unsubscribe[] = [];
  private readonly timers: Timers;
  private timer: TimerHandle | undefined;
  private nudge: TimerHandle | undefined;
  private balancesInFlight = false;
  private stopping = false;
  private stopped: Promise<BotSummary> | undefined;
  private started = false;
  private startedMs = 0;
  private lastError = '';
  private readonly warnings: string[] = [];
  private halt = '';
  private readonly cancelRequested = new Set<string>();
  private consecutiveFailures = 0;
  private readonly events: BotEvent[] = [];
  private doneResolve: (() => void) | undefined;
  /** Resolves when the strategy has nothing left to do. */
  readonly finished: Promise<void>;

  constructor(opts: BotRunnerOptions) {
    this.port = opts.port;
    this.store = opts.store;
    this.config = opts.config;
    this.botId = opts.config.id;
    this.strategy = opts.strategy ?? createStrategy(opts.config);
    this.log = opts.logger ?? silentLogger;
    this.hooks = opts.hooks ?? {};
    this.reconcileIntervalMs = opts.reconcileIntervalMs ?? 0;
    this.resendAfterMs = opts.resendAfterMs ?? 5000;
    this.onEvent = opts.onEvent;
    this.timers = timersOf(opts.clock);
    this.finished = new Promise((r) => (this.doneResolve = r));
  }

  private get ctx(): StrategyContext {
    const inst = this.inst!;
    return { instrument: inst, now: () => this.port.now(), openIntents: () => [...this.open.values()] };
  }

  private emit(type: BotEventType, text: string, clOrdId?: string): void {
    const e: BotEvent = { type, ts: this.port.now(), text, ...(clOrdId ? { clOrdId } : {}) };
    this.events.push(e);
    if (this.events.length > 20) this.events.shift();
    this.log.info({ bot: this.botId, event: type, ...(clOrdId ? { corr: clOrdId } : {}) }, text);
    this.onEvent?.(e);
  }

  /** Runs fn after every event already queued: the strategy sees one event at a time. */
  private enqueue(fn: () => Promise<void> | void): Promise<void> {
    const next = this.queue.then(fn).catch((err: unknown) => {
      this.lastError = errText(err);
      this.emit('error', this.lastError);
    });
    this.queue = next;
    return next;
  }

  /** Waits until every queued event has been handled. */
  async idle(): Promise<void> {
    let q;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  // long: start-up in order: config checks, reconcile, feeds, strategy start; the subscriptions share the start guard
  async start(): Promise<void> {
    if (this.started)
      throw new OkxkitError(`bot ${this.botId}: the runner is already started`, {
        code: 'RUNNER_STARTED',
        hint: 'start a runner once; after stop(), build a new BotRunner',
      });
    this.started = true;
    this.startedMs = this.port.now();
    const instId = this.strategy.instId;
    try {
      this.inst = await this.port.instrument(instId);
    } catch (err) {
      throw new ValidationError(
        'instId',
        `the exchange does not list "${instId}" (${errText(err)})`,
        'use a listed spot instrument such as BTC-USDT',
      );
    }
    if (this.inst.state !== 'live') {
      throw new ValidationError(
        'instId',
        `${instId} is not trading (state ${this.inst.state})`,
        'wait until it is live or pick another instrument',
      );
    }
    const ticker = await this.port.ticker(instId);
    this.ticker = ticker;
    // Refuses a config that can never trade; warns, with the numbers, about one that cannot yet.
    let startBalances: Balance[] | undefined;
    try {
      startBalances = await this.port.balances();
    } catch (err) {
      this.log.warn({ bot: this.botId, err: errText(err) }, 'balances unavailable for the start checks');
    }
    for (const w of this.strategy.validate(this.inst, ticker, startBalances) ?? []) {
      this.warnings.push(w);
      this.emit('warning', w);
    }

    const saved = this.store.load(this.botId);
    if (
      saved &&
      (saved.kind !== this.config.kind ||
        JSON.stringify(strategySettings(saved.config as BotConfig)) !==
          JSON.stringify(strategySettings(this.config)))
    ) {
      throw new ValidationError(
        'config',
        `differs from the config saved with the state of bot "${this.botId}"`,
        'restore the previous config to resume, or give the bot a new "id" (or a new --state file) to start a fresh one',
      );
    }

    this.subs.push(this.port.onOrder((o) => this.onOrderUpdate(o)));
    this.subs.push(
      this.port.onTicker(instId, (t) => {
        if (this.stopping) return;
        // Every price goes to the strategy in order (a trailing stop must see each peak); one
        // queued job drains them all, so a burst does not pile up jobs.
        this.tickers.push(t);
        if (this.tickers.length > 1000) this.tickers.splice(0, this.tickers.length - 1000);
        if (this.tickerQueued) return;
        this.tickerQueued = true;
        void this.enqueue(async () => {
          this.tickerQueued = false;
          for (let next = this.tickers.shift(); next; next = this.tickers.shift()) {
            this.ticker = next;
            this.hooks.onTicker?.(next);
            await this.handleTicker();
          }
        });
      }),
    );

    let startErr: unknown;
    await this.enqueue(async () => {
      try {
        if (saved) await this.resume(saved);
        else await this.fresh(ticker);
      } catch (err) {
        startErr = err;
      }
    });
    if (startErr) {
      // Events queued behind the start (a price pushed meanwhile) must not act for a bot that did not start.
      this.stopping = true;
      this.tickers.length = 0;
      this.unsubscribe();
      throw startErr;
    }
    if (this.reconcileIntervalMs > 0) {
      this.timer = this.timers.setInterval(() => void this.reconcile(), this.reconcileIntervalMs, {
        unref: true,
      });
    }
    this.checkDone();
  }

  private async fresh(ticker: Ticker): Promise<void> {
    this.balances = await this.port.balances();
    const { state, actions } = this.strategy.init(this.ctx, ticker, this.balances);
    const stats: BotStats = {
      firstStartMs: this.port.now(),
      startEquity: this.equityOf(this.balances, ticker.last),
      ordersPlaced: 0,
      fills: 0,
      runs: 1,
    };
    this.row = { botId: this.botId, kind: this.config.kind, config: this.config, state, stats, seq: 0 };
    this.emit('start', `${this.config.kind} bot ${this.botId} on ${this.strategy.instId} at ${ticker.last}`);
    await this.apply(actions);
  }

  private async resume(saved: BotRow): Promise<void> {
    this.row = saved;
    saved.stats.runs++;
    const recs = this.store.openIntents(this.botId);
    for (const r of recs) this.open.set(r.clOrdId, r);
    this.emit('resume', `resuming ${this.botId}: ${recs.length} unfinished order(s) to look up by clOrdId`);
    this.balances = await this.port.balances();
    for (const rec of recs) {
      if (!this.open.has(rec.clOrdId)) continue;
      if (rec.status === 'parked') {
        // Parked intents were never sent: orders canceled on exit, to be placed again on start.
        rec.status = 'pending';
        rec.sentMs = 0;
        this.dirty.add(rec);
        await this.send(rec);
        continue;
      }
      const found = await this.port.getOrder({ instId: rec.intent.instId, clOrdId: rec.clOrdId });
      if (found) {
        this.emit(
          'adopted',
          `adopted ${rec.intent.side} ${rec.intent.sz}${rec.intent.px ? ` @ ${rec.intent.px}` : ''}: ${found.state}`,
          rec.clOrdId,
        );
        if (found.state === 'canceled' || found.state === 'mmp_canceled') {
          // Canceled while the bot was down, most likely by the cancel-all-after (dead-man's
          // switch) it arms: the strategy still wants the order, so it goes back on the book.
          await this.replaceCanceled(rec, found);
        } else {
          await this.adopt(rec, found);
        }
      } else if (rec.status === 'pending') {
        // Recorded but unknown to the exchange: it never arrived, so it is sent now under the same clOrdId.
        await this.send(rec);
      } else {
        this.lastError = `order ${rec.clOrdId} was live but the exchange no longer knows it`;
        rec.status = 'canceled';
        this.open.delete(rec.clOrdId);
        this.dirty.add(rec);
        this.emit('error', this.lastError, rec.clOrdId);
      }
    }
    this.commit();
    if (this.ticker) await this.handleTicker();
  }

  private commit(): void {
    if (!this.row) return;
    this.store.commit(this.row, this.dirty, this.port.now());
    this.dirty.clear();
  }

  /** Records new intents and the state in one transaction, then sends them. */
  private async apply(actions: BotAction[]): Promise<void> {
    const row = this.row!;
    const toSend: IntentRecord[] = [];
    const toCancel: IntentRecord[] = [];
    for (const a of actions) {
      if (a.kind === 'place') {
        const seq = row.seq++;
        const rec: IntentRecord = {
          clOrdId: botClOrdId(this.botId, seq),
          seq,
          intent: { ...a.intent, clOrdId: botClOrdId(this.botId, seq) },
          meta: a.meta,
          status: this.stopping ? 'parked' : 'pending',
          ordId: '',
          accFillSz: '0',
          avgPx: '',
          fee: '',
          feeCcy: '',
          createdMs: this.port.now(),
          sentMs: 0,
          error: '',
        };
        this.open.set(rec.clOrdId, rec);
        this.dirty.add(rec);
        if (!this.stopping) toSend.push(rec);
      } else {
        const rec = this.open.get(a.clOrdId);
        if (rec) toCancel.push(rec);
      }
    }
    this.commit();
    for (const rec of toCancel) await this.cancel(rec);
    for (const rec of toSend) {
      if (this.open.get(rec.clOrdId) === rec && rec.status === 'pending') await this.send(rec);
    }
  }

  private async cancel(rec: IntentRecord): Promise<void> {
    // The bot's own cancel: its result is not a halt's doing, and is never restored.
    this.cancelRequested.add(rec.clOrdId);
    try {
      await this.port.cancelOrder({ instId: rec.intent.instId, clOrdId: rec.clOrdId });
    } catch (err) {
      // 51400: already filled or canceled; the order update or the next reconcile settles it.
      this.log.warn({ bot: this.botId, corr: rec.clOrdId, code: errorCode(err) }, 'cancel failed');
    }
  }

  /** Notes a halt once (status, log, events); the bot places nothing until it is lifted. */
  private noteHalt(reason: string): void {
    if (this.halt === reason) return;
    this.halt = reason;
    this.lastError = `trading halted: ${reason}`;
    this.emit(
      'halted',
      `${this.lastError}; the bot's orders wait and are placed when it is lifted (okxkit resume)`,
    );
  }

  /** Keeps an intent for after the halt (placed by resumeAfterHalt or the next start). */
  private park(rec: IntentRecord): void {
    rec.status = 'parked';
    rec.sentMs = 0;
    this.dirty.add(rec);
    this.commit();
  }

  /** The halt was lifted: every intent parked by it is placed now, once. */
  resumeAfterHalt(): Promise<void> {
    return this.enqueue(async () => {
      if (this.stopping || !this.row) return;
      const reason = this.hooks.haltReason?.();
      if (reason !== undefined) return this.noteHalt(reason);
      const parked = [...this.open.values()].filter((r) => r.status === 'parked');
      if (this.halt) this.emit('resume', `halt lifted: placing ${parked.length} order(s) again`);
      this.halt = '';
      for (const rec of parked) {
        if (this.open.get(rec.clOrdId) !== rec || rec.status !== 'parked') continue;
        rec.status = 'pending';
        this.dirty.add(rec);
        await this.send(rec);
      }
      this.commit();
    });
  }

  private async send(rec: IntentRecord): Promise<void> {
    const halted = this.hooks.haltReason?.();
    if (halted !== undefined) {
      this.noteHalt(halted);
      return this.park(rec);
    }
    try {
      await this.hooks.beforePlace?.(rec.intent);
    } catch (err) {
      const again = this.hooks.haltReason?.();
      if (again !== undefined) {
        this.noteHalt(again);
        return this.park(rec);
      }
      return this.reject(rec, `refused before sending: ${errText(err)}`);
    }
    rec.sentMs = this.port.now();
    this.dirty.add(rec);
    let order: Order;
    try {
      order = await this.port.placeOrder(rec.intent);
    } catch (err) {
      if (errorCode(err) === '51016') {
        // Duplicate clOrdId among pending orders: the first attempt is live, so adopt it (docs/OKX-PROTOCOL.md §8).
        const found = await this.port.getOrder({ instId: rec.intent.instId, clOrdId: rec.clOrdId });
        if (found) return this.adopt(rec, found);
      }
      if (ambiguous(err)) {
        // The exchange may have acted: never resend blindly; reconcile() looks it up by clOrdId.
        this.lastError = `order ${rec.clOrdId} outcome unknown (${errText(err)}); will look it up`;
        this.emit('error', this.lastError, rec.clOrdId);
        this.commit();
        this.reconcileSoon(this.resendAfterMs);
        return;
      }
      const again = this.hooks.haltReason?.();
      if (again !== undefined) {
        this.noteHalt(again);
        return this.park(rec);
      }
      return this.reject(rec, errText(err));
    }
    this.consecutiveFailures = 0;
    this.row!.stats.ordersPlaced++;
    const i = rec.intent;
    this.emit(
      'placed',
      `${i.side} ${i.sz}${i.tgtCcy === 'quote_ccy' ? ' (quote)' : ''} ${i.ordType}${i.px ? ` @ ${i.px}` : ''}`,
      rec.clOrdId,
    );
    await this.adopt(rec, order);
  }

  private async reject(rec: IntentRecord, reason: string): Promise<void> {
    this.consecutiveFailures++;
    rec.status = 'rejected';
    rec.error = reason;
    this.open.delete(rec.clOrdId);
    this.dirty.add(rec);
    this.lastError = `order ${rec.clOrdId} rejected: ${reason}`;
    this.emit('rejected', this.lastError, rec.clOrdId);
    const actions = this.strategy.onRejected(this.ctx, this.row!.state, rec, reason);
    await this.apply(actions);
  }

  /** Takes the exchange's view of one of our orders; a final state goes to the strategy once. */
  private async adopt(rec: IntentRecord, o: Order, opts: { replacing?: boolean } = {}): Promise<void> {
    if (this.open.get(rec.clOrdId) !== rec) return;
    this.hooks.onOrder?.(o);
    const terminal = TERMINAL.has(o.state);
    if (!terminal && o.accFillSz && rec.accFillSz && dec(o.accFillSz).lt(rec.accFillSz)) return; // stale update
    rec.ordId = o.ordId || rec.ordId;
    rec.accFillSz = o.accFillSz || rec.accFillSz;
    rec.avgPx = o.avgPx;
    rec.fee = o.fee;
    rec.feeCcy = o.feeCcy;
    if (!terminal) {
      if (rec.status !== 'live') {
        rec.status = 'live';
        this.dirty.add(rec);
        this.commit();
      }
      return;
    }
    rec.status = o.state === 'filled' ? 'filled' : 'canceled';
    this.open.delete(rec.clOrdId);
    this.cancelRequested.delete(rec.clOrdId);
    this.dirty.add(rec);
    const filled = dec(o.accFillSz || '0').gt(0);
    if (filled) {
      this.row!.stats.fills++;
      this.countFee(o);
      this.hooks.onFill?.(o);
      this.refreshBalances();
      this.emit(
        'filled',
        `${o.side} ${o.accFillSz} @ ${o.avgPx || o.px}${o.state === 'filled' ? '' : ' (partial, then canceled)'}`,
        rec.clOrdId,
      );
    } else {
      this.emit(
        'canceled',
        `${o.side} ${rec.intent.sz}${rec.intent.px ? ` @ ${rec.intent.px}` : ''} canceled`,
        rec.clOrdId,
      );
    }
    if ((this.stopping || opts.replacing) && !filled) {
      this.commit();
      return;
    }
    const actions = this.strategy.onOrderDone(
      this.ctx,
      this.row!.state,
      { ...o, clOrdId: rec.clOrdId },
      rec.meta,
    );
    await this.apply(actions);
    this.checkDone();
  }

  /** Adds a finished order's fee to the bot's totals: per currency, and in quote at the fill price. */
  private countFee(o: Order): void {
    if (!o.fee || !o.feeCcy || !this.inst) return;
    const paid = dec(o.fee).neg(); // OKX: negative = charged
    if (paid.isZero()) return;
    const stats = this.row!.stats;
    const fees = (stats.fees ??= {});
    fees[o.feeCcy] = fmt(dec(fees[o.feeCcy] ?? '0').plus(paid));
    const inQuote = feeInQuote(o.fee, o.feeCcy, this.inst.quoteCcy, o.avgPx || o.px).neg();
    stats.feesQuote = addTo(stats.feesQuote, inQuote);
  }

  /**
   * An order the bot did not mean to lose was canceled (on exit, or by cancel-all-after while it
   * was down): a partial fill goes to the strategy, and the rest is placed again under a new
   * clOrdId (at once when running, on the next start when stopping).
   */
  private async replaceCanceled(rec: IntentRecord, o: Order): Promise<void> {
    const remaining = dec(rec.intent.sz).minus(o.accFillSz || '0');
    const { clOrdId: _old, expTime: _exp, ...intent } = rec.intent;
    await this.adopt(rec, o, { replacing: true });
    // Only resting orders go back: a market, IOC or FOK order that ended is done (placing it again
    // would buy or sell a second time, e.g. a grid's start-up purchase).
    if (remaining.gt(0) && (intent.ordType === 'limit' || intent.ordType === 'post_only')) {
      await this.apply([{ kind: 'place', intent: { ...intent, sz: fmt(remaining) }, meta: rec.meta }]);
    }
  }

  private onOrderUpdate(o: Order): void {
    if (!this.open.has(o.clOrdId)) return;
    void this.enqueue(() => {
      const rec = this.open.get(o.clOrdId);
      if (!rec || (rec.ordId && o.ordId && rec.ordId !== o.ordId)) return;
      return this.adoptOrRestore(rec, o);
    });
  }

  /**
   * Takes an order's state; an order canceled by a halt (the kill switch or a risk trip cancels
   * every open order) is still wanted: it goes back as a parked intent, placed when the halt lifts.
   */
  private async adoptOrRestore(rec: IntentRecord, o: Order): Promise<void> {
    const canceled = o.state === 'canceled' || o.state === 'mmp_canceled';
    const halted =
      canceled && !this.stopping && !this.cancelRequested.has(rec.clOrdId)
        ? this.hooks.haltReason?.()
        : undefined;
    if (halted !== undefined) {
      this.noteHalt(halted);
      return this.replaceCanceled(rec, o);
    }
    return this.adopt(rec, o);
  }

  private async handleTicker(): Promise<void> {
    const t = this.ticker;
    if (!t || !this.row || this.stopping) return;
    const before = JSON.stringify(this.row.state);
    const actions = this.strategy.onTicker(this.ctx, this.row.state, t);
    if (actions.length || JSON.stringify(this.row.state) !== before) await this.apply(actions);
    this.checkDone();
  }

  /**
   * Catches up with what a stream may have missed: unknown sent orders are looked up by clOrdId
   * (and sent again under the same id once resendAfterMs has passed without a trace, docs/OKX-PROTOCOL.md §8),
   * live orders missing from the open-orders list are looked up for their final state, and
   * balances are refreshed for the equity line.
   */
  reconcile(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.row || !this.inst) return;
      const now = this.port.now();
      const instId = this.strategy.instId;
      const recs = [...this.open.values()];
      let listed: Map<string, Order> | undefined;
      for (const rec of recs) {
        if (this.open.get(rec.clOrdId) !== rec) continue;
        if (rec.status === 'pending') {
          const found = await this.port.getOrder({ instId, clOrdId: rec.clOrdId });
          if (found) await this.adopt(rec, found);
          else if (rec.sentMs === 0 || now - rec.sentMs >= this.resendAfterMs) await this.send(rec);
        } else if (rec.status === 'live') {
          listed ??= new Map((await this.port.openOrders(instId)).map((o) => [o.clOrdId, o]));
          const o = listed.get(rec.clOrdId) ?? (await this.port.getOrder({ instId, clOrdId: rec.clOrdId }));
          if (o) await this.adoptOrRestore(rec, o);
        }
      }
      this.balances = await this.port.balances();
      await this.refreshFunding();
      this.commit();
      this.checkDone();
      // A halt lifted while no notice reached the bot: what it keeps parked goes out now.
      if (!this.stopping && this.hooks.haltReason?.() === undefined) {
        if ([...this.open.values()].some((r) => r.status === 'parked' && r.sentMs === 0 && this.halt))
          void this.resumeAfterHalt();
      }
    });
  }

  /**
   * One reconcile ahead of the period (an order whose outcome is unknown must be looked up, and
   * sent again if it never arrived, without waiting for a slow period).
   */
  private reconcileSoon(ms: number): void {
    if (this.reconcileIntervalMs <= 0 || this.nudge || this.stopping) return;
    this.nudge = this.timers.setTimeout(
      () => {
        this.nudge = undefined;
        void this.reconcile();
      },
      ms,
      { unref: true },
    );
  }

  /** Balances after a fill, for the equity line; off the event queue, one read at a time. */
  private refreshBalances(): void {
    if (this.balancesInFlight || this.stopping) return;
    this.balancesInFlight = true;
    this.port.balances().then(
      (b) => {
        this.balancesInFlight = false;
        if (!this.stopping) this.balances = b;
      },
      () => {
        this.balancesInFlight = false;
      },
    );
  }

  private checkDone(): void {
    if (this.row && this.strategy.isDone(this.row.state) && this.open.size === 0) this.doneResolve?.();
  }

  get done(): boolean {
    return !!this.row && this.strategy.isDone(this.row.state) && this.open.size === 0;
  }

  private unsubscribe(): void {
    for (const u of this.subs.splice(0)) u();
    this.timers.clear(this.timer);
    this.timer = undefined;
    this.timers.clear(this.nudge);
    this.nudge = undefined;
  }

  /**
   * Stops the bot. With cancelOpenOrders its live orders are canceled and remembered as parked
   * intents, which the next start places again; without, they stay on the book and the next start
   * adopts them.
   */
  async stop(opts: { cancelOpenOrders?: boolean } = {}): Promise<BotSummary> {
    // A second stop (a signal during shutdown, a cleanup hook) returns the first one's result.
    this.stopped ??= this.doStop(opts);
    return this.stopped;
  }

  private async doStop(opts: { cancelOpenOrders?: boolean }): Promise<BotSummary> {
    let canceled = 0;
    // No new events from here on: the price and order streams stop before the last lookups.
    this.stopping = true;
    this.unsubscribe();
    await this.enqueue(async () => {
      this.timers.clear(this.timer);
      if (!this.row) return;
      if (opts.cancelOpenOrders) {
        for (const rec of [...this.open.values()]) {
          if (rec.status !== 'live' && rec.status !== 'pending') continue;
          if (rec.status === 'pending' && rec.sentMs === 0) {
            rec.status = 'parked';
            this.dirty.add(rec);
            continue;
          }
          await this.cancel(rec);
          const o = await this.port.getOrder({ instId: rec.intent.instId, clOrdId: rec.clOrdId });
          if (!o || o.state === 'live' || o.state === 'partially_filled') continue;
          if (o.state === 'filled') await this.adopt(rec, o);
          else {
            canceled++;
            await this.replaceCanceled(rec, o);
          }
        }
      }
      try {
        this.balances = await this.port.balances();
      } catch (err) {
        this.lastError = errText(err);
      }
      this.commit();
    });
    this.unsubscribe();
    await this.idle();
    if (this.row)
      this.emit(
        'stop',
        `stopped ${this.botId}${opts.cancelOpenOrders ? `, ${canceled} order(s) canceled` : ''}`,
      );
    const st = this.status();
    return { ...st, runtimeMs: st.now - this.startedMs, canceledOnExit: canceled };
  }

  /** A perpetual swap's funding so far: the fundingFee of its open positions (docs/OKX-PROTOCOL.md §10). */
  private async refreshFunding(): Promise<void> {
    if (this.inst?.instType !== 'SWAP' || !this.port.positions) return;
    const ps = await this.port.positions(this.strategy.instId);
    this.funding = fmt(ps.reduce((a, p) => a.plus(dec(p.fundingFee || '0')), dec(0)));
  }

  private equityOf(balances: Balance[], last: string): string {
    const inst = this.inst;
    if (!inst || !last) return '';
    const eq = (ccy: string) => dec(balances.find((b) => b.ccy === ccy)?.eq || '0');
    return fmt(eq(inst.quoteCcy).plus(eq(inst.baseCcy).mul(last)).toDecimalPlaces(8));
  }

  status(): BotStatus {
    const row = this.row;
    const t = this.ticker;
    const last = t?.last ?? '';
    const m =
      row && this.inst
        ? this.strategy.metrics(this.ctx, row.state, last)
        : { realisedPnl: '0', unrealisedPnl: '0', detail: '' };
    // Parked intents wait for the next start: they are not on the book.
    const open = [...this.open.values()].filter((r) => r.status !== 'parked');
    const equity = this.balances.length ? this.equityOf(this.balances, last) : '';
    const startEquity = row?.stats.startEquity ?? '';
    return {
      botId: this.botId,
      kind: this.config.kind,
      instId: this.strategy.instId,
      quoteCcy: this.inst?.quoteCcy ?? '',
      price: last,
      bidPx: t?.bidPx ?? '',
      askPx: t?.askPx ?? '',
      openOrders: open.length,
      openBuys: open.filter((r) => r.intent.side === 'buy').length,
      openSells: open.filter((r) => r.intent.side === 'sell').length,
      openOrderList: open
        .map((r) => ({
          clOrdId: r.clOrdId,
          side: r.intent.side,
          px: r.intent.px ?? '',
          sz: r.intent.sz,
          filled: r.accFillSz || '0',
          status: r.status,
          sinceMs: r.sentMs || r.createdMs,
        }))
        .sort((a, b) => (a.clOrdId < b.clOrdId ? -1 : 1))
        .slice(0, 100),
      ordersPlaced: row?.stats.ordersPlaced ?? 0,
      fills: row?.stats.fills ?? 0,
      realisedPnl: m.realisedPnl,
      unrealisedPnl: m.unrealisedPnl,
      equity,
      startEquity,
      pnl: fmt(dec(m.realisedPnl || '0').plus(m.unrealisedPnl || '0')),
      equityChange: equity && startEquity ? fmt(dec(equity).minus(startEquity).toDecimalPlaces(8)) : '',
      riskHeadroom: this.hooks.riskHeadroom?.() ?? '',
      feesPaid: row?.stats.feesQuote ?? '0',
      feesByCcy: { ...(row?.stats.fees ?? {}) },
      funding: this.funding,
      detail: m.detail,
      startedMs: this.startedMs,
      now: this.port.now(),
      done: this.done,
      lastError: this.lastError,
      warnings: [...this.warnings],
      halted: this.hooks.haltReason?.() ?? '',
      consecutiveFailures: this.consecutiveFailures,
      recentEvents: [...this.events],
    };
  }
}
