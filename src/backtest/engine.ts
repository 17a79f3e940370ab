import { OkxkitError } from '../util/errors.js';
import { botClOrdId } from '../bots/cl-ord-id.js';
import type { BotAction, IntentRecord, Strategy, StrategyContext, StrategyMetrics } from '../bots/types.js';
import type { Order } from '../trading/exchange-port.js';
import type { Candles } from './candles.js';
import { BacktestExchange, type BacktestExchangeOptions, type BacktestFill } from './exchange.js';

/** A backtest run: the strategy, its candles, and the exchange settings. */
export interface BacktestOptions extends BacktestExchangeOptions {
  strategy: Strategy;
  candles: Candles;
  /** Prefix of the clOrdIds (like a bot id); default "bt". */
  botId?: string;
  /**
   * Skip candles where nothing can happen (no order can fill, no timer is due, the price stays
   * inside the strategy's wake bounds). Default true; false calls the strategy on every price.
   */
  fastPath?: boolean;
}

/** A backtest's raw outcome: equity and position per candle, fills, fees, funding and order counts. */
export interface BacktestResult {
  instId: string;
  bar: string;
  /** First candle start and last candle end (ms). */
  from: number;
  to: number;
  candles: number;
  quoteCcy: string;
  baseCcy: string;
  startEquity: number;
  endEquity: number;
  /** Candle start times (ms), the account's value in quote at each close, and the base held. */
  ts: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  position: Float64Array;
  fills: BacktestFill[];
  ordersPlaced: number;
  rejected: number;
  feesQuote: number;
  fundingPaid: number;
  tradedQuote: number;
  /** How many times the strategy was called on a price (the fast path shows here). */
  strategyCalls: number;
  errors: string[];
  metrics: StrategyMetrics;
  finalBalances: { ccy: string; eq: string }[];
}

const TERMINAL = new Set(['filled', 'canceled', 'mmp_canceled']);

/**
 * Drives one strategy against a BacktestExchange the way the bot runner drives it against OKX:
 * deterministic clOrdIds, intents tracked until final, each final order to onOrderDone once,
 * refusals to onRejected; without persistence and synchronously, so millions of candles run in
 * seconds. The strategy class is the one that trades live, unchanged.
 */
class Driver {
  readonly open = new Map<string, IntentRecord>();
  private seq = 0;
  state: object = {};
  private readonly queue: Order[] = [];
  readonly errors: string[] = [];
  placed = 0;
  rejected = 0;
  calls = 0;
  wakeBelow = Infinity;
  wakeAbove = -Infinity;
  wakeAt = -Infinity;
  wakeDirty = true;
  readonly ctx: StrategyContext;
  readonly hasWake: boolean;

  constructor(
    readonly strategy: Strategy,
    readonly ex: BacktestExchange,
    readonly botId: string,
    fast: boolean,
  ) {
    this.hasWake = fast && typeof strategy.wake === 'function';
    ex.onOrder((o) => {
      if (this.open.has(o.clOrdId)) this.queue.push(o);
    });
    this.ctx = { instrument: ex.inst, now: () => ex.now(), openIntents: () => [...this.open.values()] };
  }

  private guard(fn: () => BotAction[]): BotAction[] {
    try {
      return fn();
    } catch (e) {
      this.errors.push(e instanceof Error ? e.message : String(e));
      return [];
    }
  }

  start(): void {
    const tk = this.ex.tickerNow();
    this.strategy.validate(this.ex.inst, tk);
    const { state, actions } = this.strategy.init(this.ctx, tk, this.ex.balancesNow());
    this.state = state;
    this.apply(actions);
    this.drain();
  }

  /** Refreshes the wake bounds after anything that may have changed the state or the open orders. */
  refreshWake(): void {
    this.wakeDirty = false;
    if (!this.hasWake) {
      this.wakeBelow = Infinity;
      this.wakeAbove = -Infinity;
      this.wakeAt = -Infinity;
      return;
    }
    const w = this.strategy.wake!(this.ctx, this.state);
    this.wakeBelow = w.below ?? -Infinity;
    this.wakeAbove = w.above ?? Infinity;
    this.wakeAt = w.at ?? Infinity;
    if (Number.isNaN(this.wakeBelow) || Number.isNaN(this.wakeAbove) || Number.isNaN(this.wakeAt)) {
      this.wakeBelow = Infinity;
      this.wakeAt = -Infinity;
    }
  }

  /** One price: to the strategy unless its wake bounds say it cannot act on it. */
  tick(px: number, ts: number): void {
    if (this.hasWake) {
      if (this.wakeDirty) this.refreshWake();
      if (px > this.wakeBelow && px < this.wakeAbove && ts < this.wakeAt) return;
    }
    this.calls++;
    const tk = this.ex.tickerNow();
    // The wake bounds depend on the state and the open orders only: unchanged state, no actions,
    // same bounds (the bot runner compares the state the same way before persisting it).
    const before = this.hasWake ? JSON.stringify(this.state) : '';
    const actions = this.guard(() => this.strategy.onTicker(this.ctx, this.state, tk));
    if (actions.length) this.apply(actions);
    else if (this.hasWake && JSON.stringify(this.state) !== before) this.wakeDirty = true;
    this.drain();
  }

  apply(actions: BotAction[]): void {
    for (const a of actions) {
      if (a.kind === 'cancel') {
        const rec = this.open.get(a.clOrdId);
        if (!rec) continue;
        try {
          this.ex.cancel({ instId: rec.intent.instId, clOrdId: rec.clOrdId });
        } catch {
          // already final: its event settles it
        }
        continue;
      }
      const seq = this.seq++;
      const clOrdId = botClOrdId(this.botId, seq);
      const rec: IntentRecord = {
        clOrdId,
        seq,
        intent: { ...a.intent, clOrdId },
        meta: a.meta,
        status: 'pending',
        ordId: '',
        accFillSz: '0',
        avgPx: '',
        fee: '',
        feeCcy: '',
        createdMs: this.ex.now(),
        sentMs: this.ex.now(),
        error: '',
      };
      this.open.set(clOrdId, rec);
      this.wakeDirty = true;
      let o: Order;
      try {
        o = this.ex.place(rec.intent);
      } catch (e) {
        this.rejected++;
        rec.status = 'rejected';
        rec.error = e instanceof Error ? e.message : String(e);
        this.open.delete(clOrdId);
        const more = this.guard(() => this.strategy.onRejected(this.ctx, this.state, rec, rec.error));
        this.apply(more);
        continue;
      }
      this.placed++;
      this.adopt(rec, o);
    }
  }

  private adopt(rec: IntentRecord, o: Order): void {
    if (this.open.get(rec.clOrdId) !== rec) return;
    rec.ordId = o.ordId;
    rec.accFillSz = o.accFillSz;
    rec.avgPx = o.avgPx;
    rec.fee = o.fee;
    rec.feeCcy = o.feeCcy;
    if (!TERMINAL.has(o.state)) {
      rec.status = 'live';
      return;
    }
    rec.status = o.state === 'filled' ? 'filled' : 'canceled';
    this.open.delete(rec.clOrdId);
    this.wakeDirty = true;
    const actions = this.guard(() => this.strategy.onOrderDone(this.ctx, this.state, o, rec.meta));
    this.apply(actions);
  }

  /** Order news the exchange pushed while the strategy was busy, one at a time. */
  drain(): void {
    for (let o = this.queue.shift(); o; o = this.queue.shift()) {
      const rec = this.open.get(o.clOrdId);
      if (rec && (!rec.ordId || rec.ordId === o.ordId)) this.adopt(rec, o);
    }
  }
}

// long: the simulation loop: candles, wake bounds, fills and equity share the loop state
/**
 * Runs a strategy over candles. Each candle is walked as four prices (open, the extreme nearer
 * the open, the other extreme, close); the strategy sees each of them as a ticker, unless its
 * wake hint says it cannot act on it. With the fast path a whole candle is skipped when no resting
 * order's price is inside it, nothing is in flight, no timer is due and the price stays inside the
 * wake bounds: a DCA bot that buys hourly looks at one candle in sixty.
 */
export function runBacktest(opts: BacktestOptions): BacktestResult {
  const { candles: k, strategy } = opts;
  const n = k.ts.length;
  if (n === 0)
    throw new OkxkitError('no candles to backtest', {
      code: 'NO_DATA',
      hint: 'download candles for the period first (okxkit data download)',
    });
  const ex = new BacktestExchange(opts);
  const fast = opts.fastPath ?? true;
  const drv = new Driver(strategy, ex, opts.botId ?? 'bt', fast);
  const bar = k.barMs;
  const T = k.ts;
  const O = k.o;
  const H = k.h;
  const L = k.l;
  const C = k.c;
  const V = k.v;
  const equity = new Float64Array(n);
  const position = new Float64Array(n);
  ex.begin(T[0]!, O[0]!);
  ex.startCandle(V[0]!);
  const startEquity = ex.equityAt(O[0]!);
  drv.start();
  const touch = opts.fillMode === 'touch' || opts.fillMode === 'queue';
  const third = Math.floor(bar / 3);
  for (let i = 0; i < n; i++) {
    const t0 = T[i]!;
    const tEnd = t0 + bar - 1;
    const lo = L[i]!;
    const hi = H[i]!;
    if (fast && drv.hasWake) {
      if (drv.wakeDirty) drv.refreshWake();
      if (
        lo > drv.wakeBelow &&
        hi < drv.wakeAbove &&
        tEnd < drv.wakeAt &&
        ex.nextArrival() > tEnd &&
        (touch ? lo > ex.maxBuy && hi < ex.minSell : lo >= ex.maxBuy && hi <= ex.minSell)
      ) {
        ex.skip(tEnd, C[i]!);
        equity[i] = ex.equityAt(C[i]!);
        position[i] = ex.position();
        continue;
      }
    }
    ex.startCandle(V[i]!);
    const op = O[i]!;
    const cl = C[i]!;
    const up = cl >= op;
    ex.step(t0, op);
    drv.drain();
    drv.tick(op, t0);
    const p1 = up ? lo : hi;
    ex.step(t0 + third, p1);
    drv.drain();
    drv.tick(p1, t0 + third);
    const p2 = up ? hi : lo;
    ex.step(t0 + 2 * third, p2);
    drv.drain();
    drv.tick(p2, t0 + 2 * third);
    ex.step(tEnd, cl);
    drv.drain();
    drv.tick(cl, tEnd);
    equity[i] = ex.equityAt(cl);
    position[i] = ex.position();
  }
  return {
    instId: k.instId,
    bar: k.bar,
    from: T[0]!,
    to: T[n - 1]! + bar,
    candles: n,
    quoteCcy: ex.quoteCcy,
    baseCcy: ex.baseCcy,
    startEquity,
    endEquity: equity[n - 1]!,
    ts: T,
    close: C,
    equity,
    position,
    fills: ex.fillLog,
    ordersPlaced: drv.placed,
    rejected: drv.rejected,
    feesQuote: ex.feesQuote,
    fundingPaid: ex.fundingPaid,
    tradedQuote: ex.tradedQuote,
    strategyCalls: drv.calls,
    errors: drv.errors,
    metrics: strategy.metrics(drv.ctx, drv.state, ex.tickerNow().last),
    finalBalances: ex.balancesNow().map((b) => ({ ccy: b.ccy, eq: b.eq })),
  };
}
