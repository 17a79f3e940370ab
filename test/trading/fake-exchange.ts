// An in-memory Exchange port for the trading tests: OKX's clOrdId rules (51016 among pending
// orders, latest-wins lookup, expTime drop) and scripted faults, on a ManualClock.
import type {
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  Ticker,
} from '../../src/trading/exchange-port.js';
import type { ManualClock } from '../../src/util/clock.js';

export class FakeApiError extends Error {
  constructor(
    readonly code: string,
    msg: string,
    readonly ambiguous = false,
  ) {
    super(msg);
  }
}

/** What happens to the next placeOrder call. */
export type PlaceFault =
  | 'ok'
  | 'accept-then-timeout' // executed, then the response is lost
  | 'timeout-before' // lost before reaching the exchange
  | 'delayed' // in flight: arrives when deliverDelayed() is called
  | 'http500-before'
  | { reject: string };

export const INSTRUMENTS: Record<string, Instrument> = {
  'BTC-USDT': {
    instId: 'BTC-USDT',
    instType: 'SPOT',
    baseCcy: 'BTC',
    quoteCcy: 'USDT',
    tickSz: '0.1',
    lotSz: '0.00000001',
    minSz: '0.00001',
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    state: 'live',
  },
  'ETH-USDT': {
    instId: 'ETH-USDT',
    instType: 'SPOT',
    baseCcy: 'ETH',
    quoteCcy: 'USDT',
    tickSz: '0.01',
    lotSz: '0.0001',
    minSz: '0.001',
    maxLmtSz: '100',
    maxMktSz: '50',
    state: 'live',
  },
  'OLD-USDT': {
    instId: 'OLD-USDT',
    instType: 'SPOT',
    baseCcy: 'OLD',
    quoteCcy: 'USDT',
    tickSz: '0.001',
    lotSz: '1',
    minSz: '1',
    maxLmtSz: '',
    maxMktSz: '',
    state: 'suspend',
  },
};

export class FakeExchange implements ExchangePort {
  orders: Order[] = [];
  placeCalls: Array<OrderIntent> = [];
  faults: PlaceFault[] = [];
  lookupFaults: number = 0;
  delayed: OrderIntent[] = [];
  tickers: Record<string, Ticker> = {
    'BTC-USDT': { instId: 'BTC-USDT', last: '50000', bidPx: '49999.9', askPx: '50000.1', ts: 0 },
    'ETH-USDT': { instId: 'ETH-USDT', last: '3000', bidPx: '2999.99', askPx: '3000.01', ts: 0 },
    'OLD-USDT': { instId: 'OLD-USDT', last: '1', bidPx: '0.999', askPx: '1.001', ts: 0 },
  };
  cancelled: OrderRef[] = [];
  /** Tamper: what the exchange "records" for a placed order (to test the payload hash check). */
  tamper: ((o: Order) => Order) | undefined;
  onPlace: ((intent: OrderIntent) => void) | undefined;
  private seq = 1;

  constructor(readonly clock: ManualClock) {}

  now(): number {
    return this.clock.now();
  }

  async instrument(instId: string): Promise<Instrument> {
    const i = INSTRUMENTS[instId];
    if (!i) throw new FakeApiError('51001', 'Instrument ID does not exist');
    return i;
  }
  async balances() {
    return [];
  }
  async ticker(instId: string): Promise<Ticker> {
    return this.tickers[instId]!;
  }

  /** The exchange side: what happens when a placement request arrives. */
  private execute(intent: OrderIntent): Order {
    if (intent.expTime !== undefined && this.clock.now() > intent.expTime)
      throw new FakeApiError('50037', 'Order expired.');
    if (
      intent.clOrdId &&
      this.orders.some(
        (o) => o.clOrdId === intent.clOrdId && (o.state === 'live' || o.state === 'partially_filled'),
      )
    ) {
      throw new FakeApiError('51016', 'Client order ID already exists.');
    }
    // Immediate-or-cancel kinds fill in full at once (the book is deep), and so stop being pending.
    const takes = intent.ordType === 'ioc' || intent.ordType === 'fok' || intent.ordType === 'market';
    let o: Order = {
      ordId: String(this.seq++),
      clOrdId: intent.clOrdId ?? '',
      instId: intent.instId,
      side: intent.side,
      ordType: intent.ordType,
      px: intent.px ?? '',
      sz: intent.sz,
      accFillSz: takes ? intent.sz : '0',
      avgPx: takes ? (intent.px ?? '') : '',
      state: takes ? 'filled' : 'live',
      fee: '0',
      feeCcy: '',
      tag: intent.tag ?? '',
      cTime: this.clock.now(),
      uTime: this.clock.now(),
    };
    if (this.tamper) o = this.tamper(o);
    this.orders.push(o);
    return { ...o };
  }

  async placeOrder(intent: OrderIntent): Promise<Order> {
    this.placeCalls.push(intent);
    this.onPlace?.(intent);
    const f = this.faults.shift() ?? 'ok';
    if (f === 'ok') return this.execute(intent);
    if (f === 'accept-then-timeout') {
      this.execute(intent);
      throw new FakeApiError('TIMEOUT', 'timed out', true);
    }
    if (f === 'timeout-before') throw new FakeApiError('TIMEOUT', 'timed out', true);
    if (f === 'http500-before') throw new FakeApiError('50026', 'System error', true);
    if (f === 'delayed') {
      this.delayed.push(intent);
      throw new FakeApiError('TIMEOUT', 'timed out', true);
    }
    throw new FakeApiError(f.reject, 'rejected');
  }

  /** Delayed requests finally arrive (and are dropped if past their expTime). */
  deliverDelayed(): Array<Order | Error> {
    const out = this.delayed.map((i) => {
      try {
        return this.execute(i);
      } catch (e) {
        return e as Error;
      }
    });
    this.delayed = [];
    return out;
  }

  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    if (this.lookupFaults > 0) {
      this.lookupFaults--;
      throw new FakeApiError('50001', 'Service temporarily unavailable');
    }
    const hits = this.orders.filter(
      (o) => o.instId === ref.instId && (ref.ordId ? o.ordId === ref.ordId : o.clOrdId === ref.clOrdId),
    );
    const last = hits[hits.length - 1];
    return last ? { ...last } : undefined;
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    this.cancelled.push(ref);
    const o = this.orders.find(
      (x) => x.instId === ref.instId && (ref.ordId ? x.ordId === ref.ordId : x.clOrdId === ref.clOrdId),
    );
    if (!o || (o.state !== 'live' && o.state !== 'partially_filled'))
      throw new FakeApiError('51400', 'cancel failed');
    o.state = 'canceled';
    o.uTime = this.clock.now();
  }
  async amendOrder(): Promise<void> {}
  async openOrders(instId?: string): Promise<Order[]> {
    return this.orders
      .filter(
        (o) => (o.state === 'live' || o.state === 'partially_filled') && (!instId || o.instId === instId),
      )
      .map((o) => ({ ...o }));
  }
  async fills(): Promise<Fill[]> {
    return [];
  }
  onTicker() {
    return () => undefined;
  }
  onOrder() {
    return () => undefined;
  }
}

/** A Sleep that moves the ManualClock instead of waiting. */
export function clockSleep(clock: ManualClock) {
  return async (ms: number) => {
    clock.advance(Math.max(0, ms));
  };
}
