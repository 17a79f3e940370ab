import type {
  AmendRequest,
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  Ticker,
  Unsubscribe,
} from './exchange-port.js';
import { GuardRejection } from './errors.js';
import type { Executor } from './executor.js';
import type { OrderGuard, RiskGate } from './order-guard.js';

/** What the decorator tells the risk layer about orders it placed. */
export interface RiskFeed {
  onOrder?(o: Order): unknown;
}

/**
 * The Exchange port with safety in front: every placeOrder goes through the OrderGuard (rules,
 * band, notional, risk state) and then the Executor (journal, exactly-once by clOrdId). It wraps
 * any ExchangePort (OkxExchange, a backtest, a fake), so bots get the same guarantees unchanged;
 * every other call passes straight through.
 */
type DerivativeMethods = Pick<
  ExchangePort,
  | 'positions'
  | 'leverage'
  | 'setLeverage'
  | 'closePosition'
  | 'placeAlgo'
  | 'cancelAlgo'
  | 'algoOrders'
  | 'accountMode'
>;

/** An ExchangePort that puts the order guard, the exactly-once executor and the risk gate in front of another port: use it for every real order. */
export class SafeExchange implements ExchangePort {
  readonly inner: ExchangePort;
  readonly guard: OrderGuard | undefined;
  readonly executor: Executor;
  private readonly risk: (RiskGate & RiskFeed) | undefined;

  constructor(opts: {
    inner: ExchangePort;
    executor: Executor;
    guard?: OrderGuard;
    risk?: RiskGate & RiskFeed;
  }) {
    this.inner = opts.inner;
    this.executor = opts.executor;
    this.guard = opts.guard;
    this.risk = opts.risk;
    for (const name of [
      'positions',
      'leverage',
      'setLeverage',
      'closePosition',
      'placeAlgo',
      'cancelAlgo',
      'algoOrders',
      'accountMode',
    ] as const) {
      const fn = this.passThrough(name);
      if (fn) (this as DerivativeMethods)[name] = fn as never;
    }
  }

  async placeOrder(intent: OrderIntent): Promise<Order> {
    let checked = intent;
    if (this.guard) checked = await this.guard.check(intent);
    else {
      const halted = this.risk?.haltReason();
      if (halted !== undefined)
        throw new GuardRejection('halted', intent.instId, `trading is halted: ${halted}`);
    }
    const order = await this.executor.place(checked);
    await this.risk?.onOrder?.(order);
    return order;
  }

  instrument(instId: string): Promise<Instrument> {
    return this.inner.instrument(instId);
  }
  balances(): Promise<Balance[]> {
    return this.inner.balances();
  }
  ticker(instId: string): Promise<Ticker> {
    return this.inner.ticker(instId);
  }
  cancelOrder(ref: OrderRef): Promise<void> {
    return this.inner.cancelOrder(ref);
  }
  amendOrder(req: AmendRequest): Promise<void> {
    return this.inner.amendOrder(req);
  }
  /** Through the executor: an order of its journal is adopted there as well (one journal). */
  getOrder(ref: OrderRef): Promise<Order | undefined> {
    return this.executor.lookup(ref);
  }
  openOrders(instId?: string): Promise<Order[]> {
    return this.inner.openOrders(instId);
  }
  fills(instId?: string, sinceMs?: number): Promise<Fill[]> {
    return this.inner.fills(instId, sinceMs);
  }
  onTicker(instId: string, handler: (t: Ticker) => void): Unsubscribe {
    return this.inner.onTicker(instId, handler);
  }
  onOrder(handler: (o: Order) => void): Unsubscribe {
    return this.inner.onOrder(handler);
  }
  now(): number {
    return this.inner.now();
  }

  // Derivatives pass through to the inner port when it has them (positions and modes are reads;
  // closing and exchange-side stops reduce risk, so they stay allowed while trading is halted).
  positions?: DerivativeMethods['positions'];
  leverage?: DerivativeMethods['leverage'];
  setLeverage?: DerivativeMethods['setLeverage'];
  closePosition?: DerivativeMethods['closePosition'];
  placeAlgo?: DerivativeMethods['placeAlgo'];
  cancelAlgo?: DerivativeMethods['cancelAlgo'];
  algoOrders?: DerivativeMethods['algoOrders'];
  accountMode?: DerivativeMethods['accountMode'];

  private passThrough<K extends keyof DerivativeMethods>(name: K): DerivativeMethods[K] | undefined {
    const fn = (this.inner as DerivativeMethods)[name];
    return typeof fn === 'function' ? (fn.bind(this.inner) as DerivativeMethods[K]) : undefined;
  }
}
