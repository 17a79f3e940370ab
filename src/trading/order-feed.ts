import { Decimal } from '../util/decimal.js';
import { OPEN_STATES, type Fill, type Order, type OrderRef } from './exchange-port.js';
import { isFinalState, isStale, judgeOrderView } from './order-state.js';

export { isNewerOrder } from './order-state.js';

type Obj = Record<string, unknown>;

function amount(v: string): Decimal {
  try {
    return new Decimal(v || '0');
  } catch {
    // a malformed size is no trade: fillOfPush then reports none
    return new Decimal(0);
  }
}

/**
 * The trade an `orders` channel push reports (its fill fields: tradeId, fillPx, fillSz, fillFee,
 * fillFeeCcy, fillTime, execType), or undefined when the push is no fill. `fee` is undefined
 * when the push carries no fillFee: the caller then takes the fee from GET /trade/fills.
 */
export function fillOfPush(
  o: Obj,
  order: Order,
): (Omit<Fill, 'fee'> & { fee: string | undefined }) | undefined {
  const s = (f: string) => (typeof o[f] === 'string' ? o[f] : '');
  const tradeId = s('tradeId');
  const fillSz = s('fillSz');
  const fillPx = s('fillPx');
  if (!tradeId || !fillPx || !amount(fillSz).gt(0)) return undefined;
  const fee = typeof o.fillFee === 'string' && o.fillFee !== '' ? o.fillFee : undefined;
  return {
    tradeId,
    ordId: order.ordId,
    clOrdId: order.clOrdId,
    instId: order.instId,
    side: order.side,
    fillPx,
    fillSz,
    fee,
    feeCcy: s('fillFeeCcy') || order.feeCcy,
    execType: s('execType') === 'M' ? 'M' : 'T',
    ts: Number(s('fillTime')) || order.uTime,
  };
}

/** What the feed reads over REST: OkxExchange provides it. */
export interface OrderFeedSource {
  openOrders(): Promise<Order[]>;
  getOrder(ref: OrderRef): Promise<Order | undefined>;
  /** Every fill with ts >= sinceMs, any order. */
  fillsSince(sinceMs: number): Promise<Fill[]>;
}

/** What went through a feed, by source: for monitoring, the demo's summary and tests. */
export interface OrderFeedStats {
  /** REST reconciliation passes run. */
  restPasses: number;
  /** Order states passed on, from the orders channel and from REST. */
  wsOrders: number;
  restOrders: number;
  /** REST (or late WS) states older than one already passed on, dropped. */
  staleDropped: number;
  /** Trades passed on, from the orders channel and from GET /trade/fills. */
  wsFills: number;
  restFills: number;
  /** Exchange fill time to the moment a trade was passed on (ms): sum and maximum. */
  fillDelayMsSum: number;
  fillDelayMsMax: number;
}

export function newOrderFeedStats(): OrderFeedStats {
  return {
    restPasses: 0,
    wsOrders: 0,
    restOrders: 0,
    staleDropped: 0,
    wsFills: 0,
    restFills: 0,
    fillDelayMsSum: 0,
    fillDelayMsMax: 0,
  };
}

export interface OrderFeedOptions {
  source: OrderFeedSource;
  /** Fills before this time (exchange ms) are not reported. */
  startMs: number;
  onError: (err: unknown) => void;
  /** Fills re-read over REST overlap the previous read by this much (ms). Default 60 000. */
  fillOverlapMs?: number;
  /** Final orders and trade ids remembered to drop late duplicates. Default 20 000. */
  memory?: number;
  /** Exchange time (ms), to measure how late fills arrive. */
  now?: () => number;
  /** Counters to add to (shared across feeds); default a fresh set. */
  stats?: OrderFeedStats;
}

/**
 * The account's order states and fills, merged from any number of sources (the private `orders`
 * channel, REST sweeps, the answers of place and get) into one stream per kind: each state change
 * once and in order, each trade once. It never asks the exchange by itself; `reconcile()` is the
 * REST pass its owner runs on a timer and after a reconnect.
 */
export class OrderFeed {
  private readonly source: OrderFeedSource;
  private readonly onError: (err: unknown) => void;
  private readonly overlapMs: number;
  private readonly memory: number;
  private readonly orders = new Map<string, Order>();
  private readonly finished = new Map<string, true>();
  private readonly trades = new Map<string, true>();
  private readonly orderHandlers = new Set<(o: Order) => void>();
  private readonly fillHandlers = new Set<(f: Fill) => void>();
  private readonly startMs: number;
  private fillsFrom: number;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly now: (() => number) | undefined;
  readonly stats: OrderFeedStats;

  constructor(opts: OrderFeedOptions) {
    this.source = opts.source;
    this.onError = opts.onError;
    this.overlapMs = opts.fillOverlapMs ?? 60_000;
    this.memory = opts.memory ?? 20_000;
    this.now = opts.now;
    this.stats = opts.stats ?? newOrderFeedStats();
    this.startMs = opts.startMs;
    this.fillsFrom = opts.startMs;
  }

  onOrder(handler: (o: Order) => void): () => void {
    this.orderHandlers.add(handler);
    return () => this.orderHandlers.delete(handler);
  }

  onFill(handler: (f: Fill) => void): () => void {
    this.fillHandlers.add(handler);
    return () => this.fillHandlers.delete(handler);
  }

  get handlers(): number {
    return this.orderHandlers.size + this.fillHandlers.size;
  }

  /** The newest state known of an order. */
  latest(ordId: string): Order | undefined {
    return this.orders.get(ordId);
  }

  /** Offers an order state; returns true when it was news (and was passed on). */
  offerOrder(o: Order, via: 'ws' | 'rest'): boolean {
    if (!o.ordId) return false;
    if (this.finished.has(o.ordId)) {
      // The final state again is a repeat; an open state after it is stale.
      if (!isFinalState(o.state)) this.stats.staleDropped++;
      return false;
    }
    const prev = this.orders.get(o.ordId);
    if (prev) {
      const verdict = judgeOrderView(prev, o);
      if (!verdict.news) {
        if (isStale(verdict)) this.stats.staleDropped++;
        return false;
      }
    }
    if (via === 'ws') this.stats.wsOrders++;
    else this.stats.restOrders++;
    if (OPEN_STATES.has(o.state)) this.orders.set(o.ordId, o);
    else {
      this.orders.delete(o.ordId);
      remember(this.finished, o.ordId, this.memory);
    }
    for (const h of [...this.orderHandlers]) h(o);
    return true;
  }

  /** Offers a fill; returns true when the trade was news (and was passed on). */
  offerFill(f: Fill, via: 'ws' | 'rest'): boolean {
    if (f.ts < this.startMs) return false;
    const key = `${f.instId}:${f.tradeId}:${f.ordId}`;
    if (this.trades.has(key)) return false;
    remember(this.trades, key, this.memory);
    if (via === 'ws') this.stats.wsFills++;
    else this.stats.restFills++;
    if (this.now) {
      const delay = Math.max(0, this.now() - f.ts);
      this.stats.fillDelayMsSum += delay;
      if (delay > this.stats.fillDelayMsMax) this.stats.fillDelayMsMax = delay;
    }
    for (const h of [...this.fillHandlers]) h(f);
    return true;
  }

  /**
   * One REST pass: open orders, the final state of watched orders that left the open list, and
   * fills since the last pass. Passes never overlap; one asked for during a pass runs after it.
   */
  reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    this.stats.restPasses++;
    // Taken before the reads: anything newer than the reads is already on its way by WS.
    const watched = [...this.orders.values()];
    let open: Order[] | undefined;
    try {
      open = await this.source.openOrders();
    } catch (err) {
      this.onError(err);
    }
    if (open) {
      const listed = new Set<string>();
      for (const o of open) {
        listed.add(o.ordId);
        this.offerOrder(o, 'rest');
      }
      for (const w of watched) {
        if (listed.has(w.ordId) || !this.orders.has(w.ordId)) continue;
        try {
          const o = await this.source.getOrder({ instId: w.instId, ordId: w.ordId });
          if (o) this.offerOrder(o, 'rest');
        } catch (err) {
          this.onError(err);
        }
      }
    }
    if (this.fillHandlers.size === 0) return;
    try {
      const fills = await this.source.fillsSince(Math.max(this.startMs, this.fillsFrom - this.overlapMs));
      let newest = this.fillsFrom;
      for (const f of fills.sort((a, b) => a.ts - b.ts)) {
        this.offerFill(f, 'rest');
        if (f.ts > newest) newest = f.ts;
      }
      this.fillsFrom = newest;
    } catch (err) {
      this.onError(err);
    }
  }
}

function remember(m: Map<string, true>, key: string, max: number): void {
  m.set(key, true);
  if (m.size > max) {
    const oldest = m.keys().next().value;
    if (oldest !== undefined) m.delete(oldest);
  }
}
