import type {
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  Ticker,
  Unsubscribe,
} from '../trading/exchange-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { BookView } from './types.js';

export interface PaperVenueOptions {
  venue: string;
  /** The book a taker order meets now (live for paper trading, replayed for a backtest). */
  books: (venue: string, instId: string) => BookView | undefined;
  balances: Record<string, number>;
  takerFee: number;
  /** Rules per instrument; default tick 1e-8, lot 1e-8, min 0. */
  instruments?: Record<string, Partial<Pick<Instrument, 'tickSz' | 'lotSz' | 'minSz'>>>;
  clock?: Clock;
}

/**
 * A venue that fills taker orders (IOC, FOK, market) against the books of the board, level by
 * level, with the taker fee charged in the currency received, and rests nothing: the paper and
 * backtest modes of the arbitrage bots. The book is not consumed (the next scan sees the next
 * recorded or live book), which the backtest report states.
 */
export class PaperVenue implements ExchangePort {
  private readonly o: PaperVenueOptions;
  private readonly clock: Clock;
  private readonly bal = new Map<string, number>();
  private readonly orders = new Map<string, Order>();
  private seq = 0;
  readonly fillsLog: Fill[] = [];

  constructor(o: PaperVenueOptions) {
    this.o = o;
    this.clock = o.clock ?? systemClock;
    for (const [c, v] of Object.entries(o.balances)) this.bal.set(c, v);
  }

  instrument(instId: string): Promise<Instrument> {
    const [baseCcy = '', quoteCcy = ''] = instId.split('-');
    const r = this.o.instruments?.[instId] ?? {};
    return Promise.resolve({
      instId,
      instType: 'SPOT',
      baseCcy,
      quoteCcy,
      tickSz: r.tickSz ?? '0.00000001',
      lotSz: r.lotSz ?? '0.00000001',
      minSz: r.minSz ?? '0',
      maxLmtSz: '',
      maxMktSz: '',
      state: 'live',
    });
  }

  balances(): Promise<Balance[]> {
    return Promise.resolve(
      [...this.bal].map(([ccy, v]) => ({ ccy, availBal: String(v), frozenBal: '0', eq: String(v) })),
    );
  }

  ticker(instId: string): Promise<Ticker> {
    const b = this.o.books(this.o.venue, instId);
    if (!b) throw new ValidationError('instId', `no book for ${instId} on ${this.o.venue}`);
    const bid = b.bids[0]?.[0] ?? 0;
    const ask = b.asks[0]?.[0] ?? 0;
    return Promise.resolve({
      instId,
      last: String((bid + ask) / 2),
      bidPx: String(bid),
      askPx: String(ask),
      ts: b.ts,
    });
  }

  placeOrder(intent: OrderIntent): Promise<Order> {
    const [base, quote] = intent.instId.split('-') as [string, string];
    const b = this.o.books(this.o.venue, intent.instId);
    const levels = b ? (intent.side === 'buy' ? b.asks : b.bids) : [];
    const limit = intent.px !== undefined && intent.ordType !== 'market' ? Number(intent.px) : undefined;
    let left = Number(intent.sz);
    let filled = 0;
    let notional = 0;
    for (const [px, sz] of levels) {
      if (left <= 1e-15) break;
      if (limit !== undefined && (intent.side === 'buy' ? px > limit : px < limit)) break;
      const q = Math.min(left, sz);
      filled += q;
      notional += q * px;
      left -= q;
    }
    if (intent.ordType === 'fok' && left > 1e-12) {
      filled = 0;
      notional = 0;
    }
    const spend = intent.side === 'buy' ? notional : filled;
    const spendCcy = intent.side === 'buy' ? quote : base;
    if ((this.bal.get(spendCcy) ?? 0) < spend - 1e-9) {
      filled = 0;
      notional = 0;
    }
    const fee = (intent.side === 'buy' ? filled : notional) * this.o.takerFee;
    const feeCcy = intent.side === 'buy' ? base : quote;
    const add = (c: string, v: number) => this.bal.set(c, (this.bal.get(c) ?? 0) + v);
    if (filled > 0) {
      add(base, intent.side === 'buy' ? filled - fee : -filled);
      add(quote, intent.side === 'buy' ? -notional : notional - fee);
    }
    const now = this.clock.now();
    const ordId = String(++this.seq);
    const o: Order = {
      ordId,
      clOrdId: intent.clOrdId ?? '',
      instId: intent.instId,
      side: intent.side,
      ordType: intent.ordType,
      px: intent.px ?? '',
      sz: intent.sz,
      accFillSz: String(filled),
      avgPx: filled > 0 ? String(notional / filled) : '',
      state: filled >= Number(intent.sz) - 1e-12 ? 'filled' : 'canceled',
      fee: filled > 0 ? String(-fee) : '0',
      feeCcy,
      tag: intent.tag ?? '',
      cTime: now,
      uTime: now,
    };
    if (filled > 0)
      this.fillsLog.push({
        tradeId: `p${ordId}`,
        ordId,
        clOrdId: o.clOrdId,
        instId: o.instId,
        side: o.side,
        fillPx: o.avgPx,
        fillSz: o.accFillSz,
        fee: o.fee,
        feeCcy,
        execType: 'T',
        ts: now,
      });
    this.orders.set(ordId, o);
    if (o.clOrdId) this.orders.set(`c:${o.clOrdId}`, o);
    return Promise.resolve({ ...o });
  }

  cancelOrder(): Promise<void> {
    return Promise.resolve();
  }
  amendOrder(): Promise<void> {
    return Promise.reject(new ValidationError('amend', 'a paper venue rests no orders'));
  }
  getOrder(ref: OrderRef): Promise<Order | undefined> {
    const o = ref.ordId ? this.orders.get(ref.ordId) : this.orders.get(`c:${ref.clOrdId}`);
    return Promise.resolve(o ? { ...o } : undefined);
  }
  openOrders(): Promise<Order[]> {
    return Promise.resolve([]);
  }
  fills(instId?: string, sinceMs = 0): Promise<Fill[]> {
    return Promise.resolve(this.fillsLog.filter((f) => (!instId || f.instId === instId) && f.ts >= sinceMs));
  }
  onTicker(): Unsubscribe {
    return () => undefined;
  }
  onOrder(): Unsubscribe {
    return () => undefined;
  }
  now(): number {
    return this.clock.now();
  }
}
