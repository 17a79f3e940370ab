import type {
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  Position,
  OrderIntent,
  OrderRef,
  Ticker,
  Unsubscribe,
} from '../trading/exchange-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { ConsumedDepth, type BookSource } from './depth.js';
import type { Level } from './types.js';
import { midOf } from './walk.js';

function isSwap(instId: string): boolean {
  return instId.endsWith('-SWAP');
}

/** Options of a paper venue: the books it fills against, what it has taken of them, balances, fees and instrument rules. */
export interface PaperVenueOptions {
  venue: string;
  /** The book a taker order meets now (live for paper trading, replayed for a backtest). */
  books: BookSource;
  /**
   * What paper fills took of the books, shared with the engine that scans them; default one of
   * this venue's own over `books` (docs/ARBITRAGE.md, "Paper and backtest").
   */
  consumed?: ConsumedDepth;
  balances: Record<string, number>;
  /** Spot taker fee (fraction). */
  takerFee: number;
  /** Perpetual swap taker fee (fraction); default `takerFee`. */
  swapTakerFee?: number;
  /**
   * Rules per instrument; default tick 1e-8, lot 1e-8, min 0. An instrument id ending in
   * `-SWAP` is a linear perpetual (sizes in contracts, settled in its quote currency) and needs
   * its `ctVal`.
   */
  instruments?: Record<string, PaperInstrument>;
  clock?: Clock;
}

/** An instrument's rules on a paper venue; `ctVal`, `mmr` and `lever` for a perpetual swap. */
export interface PaperInstrument {
  tickSz?: string;
  lotSz?: string;
  minSz?: string;
  /** Value of one contract in the base currency (swaps). */
  ctVal?: string;
  /** Maintenance margin rate of a swap position. Default 0.004 (OKX's first BTC tier). */
  mmr?: number;
  /** Leverage a swap position opens at (initial margin = notional / lever). Default 10. */
  lever?: number;
}

interface PaperPosition {
  /** Contracts, signed (net mode). */
  pos: number;
  avgPx: number;
  fundingFee: number;
  uTime: number;
}

/**
 * A venue that fills taker orders (IOC, FOK, market) against the books, level by level, with the
 * taker fee (spot: in the currency received; swap: in the settlement currency), and rests
 * nothing: the paper and backtest modes of the arbitrage bots. Each fill consumes the depth it
 * took (`ConsumedDepth`), so the same level is not filled twice. Linear perpetual swaps keep a
 * net position in cross margin on the settlement currency's cash, with a margin ratio at the
 * swap's mid and funding settled by `settleFunding`.
 */
export class PaperVenue implements ExchangePort {
  private readonly o: PaperVenueOptions;
  private readonly clock: Clock;
  private readonly consumed: ConsumedDepth;
  private readonly bal = new Map<string, number>();
  private readonly orders = new Map<string, Order>();
  private readonly pos = new Map<string, PaperPosition>();
  private seq = 0;
  readonly fillsLog: Fill[] = [];
  /** Funding settled on this venue's swap positions (+ received, - paid), oldest first. */
  readonly fundingLog: { instId: string; ts: number; rate: number; amount: number }[] = [];

  constructor(o: PaperVenueOptions) {
    this.o = o;
    this.clock = o.clock ?? systemClock;
    this.consumed = o.consumed ?? new ConsumedDepth(o.books);
    for (const [c, v] of Object.entries(o.balances)) this.bal.set(c, v);
  }

  private rules(instId: string): PaperInstrument {
    const r = this.o.instruments?.[instId] ?? {};
    if (isSwap(instId) && !(Number(r.ctVal) > 0))
      throw new ValidationError(
        `instruments.${instId}.ctVal`,
        'a paper swap needs its contract value',
        'e.g. { ctVal: "0.01" } for BTC-USDT-SWAP',
      );
    return r;
  }

  instrument(instId: string): Promise<Instrument> {
    const [baseCcy = '', quoteCcy = ''] = instId.split('-');
    const r = this.rules(instId);
    const swap = isSwap(instId);
    return Promise.resolve({
      instId,
      instType: swap ? 'SWAP' : 'SPOT',
      baseCcy,
      quoteCcy,
      tickSz: r.tickSz ?? '0.00000001',
      lotSz: r.lotSz ?? (swap ? '1' : '0.00000001'),
      minSz: r.minSz ?? (swap ? '1' : '0'),
      maxLmtSz: '',
      maxMktSz: '',
      state: 'live',
      ...(swap
        ? {
            ctVal: r.ctVal!,
            ctValCcy: baseCcy,
            ctType: 'linear',
            settleCcy: quoteCcy,
            lever: String(r.lever ?? 10),
          }
        : {}),
    });
  }

  balances(): Promise<Balance[]> {
    return Promise.resolve(
      [...this.bal].map(([ccy, v]) => ({ ccy, availBal: String(v), frozenBal: '0', eq: String(v) })),
    );
  }

  /** The best bid and ask of the book as this venue's fills have left it. */
  ticker(instId: string): Promise<Ticker> {
    const b = this.consumed.get(this.o.venue, instId);
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

  /** Walks the book (as consumed so far) for `sz`, within the limit; takes nothing yet. */
  private walk(intent: OrderIntent, maxSz: number): { filled: number; notional: number; takes: Level[] } {
    const b = this.consumed.get(this.o.venue, intent.instId);
    const levels = b ? (intent.side === 'buy' ? b.asks : b.bids) : [];
    const limit = intent.px !== undefined && intent.ordType !== 'market' ? Number(intent.px) : undefined;
    let left = maxSz;
    let filled = 0;
    let notional = 0;
    const takes: Level[] = [];
    for (const [px, sz] of levels) {
      if (left <= 1e-15) break;
      if (limit !== undefined && (intent.side === 'buy' ? px > limit : px < limit)) break;
      const q = Math.min(left, sz);
      filled += q;
      notional += q * px;
      left -= q;
      takes.push([px, q]);
    }
    if (intent.ordType === 'fok' && left > 1e-12) return { filled: 0, notional: 0, takes: [] };
    return { filled, notional, takes };
  }

  private commit(intent: OrderIntent, takes: readonly Level[]): void {
    const side = intent.side === 'buy' ? 'asks' : 'bids';
    for (const [px, q] of takes) this.consumed.take(this.o.venue, intent.instId, side, px, q);
  }

  private add(c: string, v: number): void {
    this.bal.set(c, (this.bal.get(c) ?? 0) + v);
  }

  placeOrder(intent: OrderIntent): Promise<Order> {
    if (isSwap(intent.instId)) return Promise.resolve(this.placeSwap(intent));
    const [base, quote] = intent.instId.split('-') as [string, string];
    let { filled, notional, takes } = this.walk(intent, Number(intent.sz));
    const spend = intent.side === 'buy' ? notional : filled;
    const spendCcy = intent.side === 'buy' ? quote : base;
    if ((this.bal.get(spendCcy) ?? 0) < spend - 1e-9) {
      filled = 0;
      notional = 0;
      takes = [];
    }
    this.commit(intent, takes);
    const fee = (intent.side === 'buy' ? filled : notional) * this.o.takerFee;
    const feeCcy = intent.side === 'buy' ? base : quote;
    if (filled > 0) {
      this.add(base, intent.side === 'buy' ? filled - fee : -filled);
      this.add(quote, intent.side === 'buy' ? -notional : notional - fee);
    }
    return Promise.resolve(this.record(intent, filled, notional, fee, feeCcy));
  }

  /** A linear swap order: contracts, fee in the settlement currency, net position in cross margin. */
  private placeSwap(intent: OrderIntent): Order {
    const r = this.rules(intent.instId);
    const ctVal = Number(r.ctVal);
    const settle = intent.instId.split('-')[1]!;
    const p = this.pos.get(intent.instId) ?? { pos: 0, avgPx: 0, fundingFee: 0, uTime: 0 };
    const dir = intent.side === 'buy' ? 1 : -1;
    let want = Number(intent.sz);
    // reduceOnly: never beyond the position it reduces.
    if (intent.reduceOnly) want = p.pos * dir < 0 ? Math.min(want, Math.abs(p.pos)) : 0;
    let { filled, notional, takes } = this.walk(intent, want);
    const avg = filled > 0 ? notional / filled : 0;
    const closing = p.pos * dir < 0 ? Math.min(filled, Math.abs(p.pos)) : 0;
    const opening = filled - closing;
    // Initial margin of what opens, against the settlement currency's free equity.
    const im = (opening * ctVal * avg) / (r.lever ?? 10);
    if (opening > 0 && this.freeEquity(settle) < im - 1e-9) {
      filled = 0;
      notional = 0;
      takes = [];
    }
    this.commit(intent, takes);
    const fee = notional * ctVal * (this.o.swapTakerFee ?? this.o.takerFee);
    if (filled > 0) {
      let realised = 0;
      let pos = p.pos;
      let avgPx = p.avgPx;
      for (const [px, q0] of takes) {
        let q = q0;
        if (pos * dir < 0) {
          const c = Math.min(q, Math.abs(pos));
          realised += c * ctVal * (px - avgPx) * Math.sign(pos);
          pos += c * dir;
          q -= c;
          if (Math.abs(pos) < 1e-12) pos = 0;
        }
        if (q > 0) {
          avgPx = (Math.abs(pos) * avgPx + q * px) / (Math.abs(pos) + q);
          pos += q * dir;
        }
      }
      this.add(settle, realised - fee);
      this.pos.set(intent.instId, { ...p, pos, avgPx: pos === 0 ? 0 : avgPx, uTime: this.clock.now() });
    }
    return this.record(intent, filled, notional, fee, settle);
  }

  private record(intent: OrderIntent, filled: number, notional: number, fee: number, feeCcy: string): Order {
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
    return { ...o };
  }

  /** The swap's mark: the mid of its book as the exchange shows it (paper fills do not move it). */
  private mark(instId: string): number {
    const b = this.o.books(this.o.venue, instId);
    return b ? midOf(b) : NaN;
  }

  private upl(instId: string, p: PaperPosition): number {
    const ctVal = Number(this.rules(instId).ctVal);
    const m = this.mark(instId);
    return Number.isFinite(m) ? p.pos * ctVal * (m - p.avgPx) : 0;
  }

  /** Cash of the settlement currency plus every open swap position's unrealised PnL. */
  private equity(ccy: string): number {
    let eq = this.bal.get(ccy) ?? 0;
    for (const [id, p] of this.pos) if (p.pos !== 0 && id.split('-')[1] === ccy) eq += this.upl(id, p);
    return eq;
  }

  private freeEquity(ccy: string): number {
    let im = 0;
    for (const [id, p] of this.pos) {
      if (p.pos === 0 || id.split('-')[1] !== ccy) continue;
      const r = this.rules(id);
      im += (Math.abs(p.pos) * Number(r.ctVal) * this.mark(id)) / (r.lever ?? 10);
    }
    return this.equity(ccy) - im;
  }

  /** Open swap positions, margin ratio = equity / maintenance margin at the mark (cross, net mode). */
  positions(instId?: string): Promise<Position[]> {
    const out: Position[] = [];
    for (const [id, p] of this.pos) {
      if (p.pos === 0 || (instId && id !== instId)) continue;
      const r = this.rules(id);
      const ctVal = Number(r.ctVal);
      const m = this.mark(id);
      const settle = id.split('-')[1]!;
      let mm = 0;
      for (const [id2, p2] of this.pos)
        if (p2.pos !== 0 && id2.split('-')[1] === settle)
          mm +=
            Math.abs(p2.pos) *
            Number(this.rules(id2).ctVal) *
            this.mark(id2) *
            (this.rules(id2).mmr ?? 0.004);
      out.push({
        instId: id,
        instType: 'SWAP',
        mgnMode: 'cross',
        posSide: 'net',
        pos: String(p.pos),
        avgPx: String(p.avgPx),
        markPx: String(m),
        liqPx: '',
        lever: String(r.lever ?? 10),
        upl: String(this.upl(id, p)),
        mgnRatio: mm > 0 ? String(this.equity(settle) / mm) : '',
        margin: String((Math.abs(p.pos) * ctVal * m) / (r.lever ?? 10)),
        notionalUsd: String(Math.abs(p.pos) * ctVal * m),
        fundingFee: String(p.fundingFee),
        uTime: p.uTime,
      });
    }
    return Promise.resolve(out);
  }

  /**
   * Settles one funding period on `instId` at `rate` (per period; positive: longs pay shorts) at
   * the swap's mark: the position receives -pos x ctVal x mark x rate in the settlement currency.
   */
  settleFunding(instId: string, rate: number, at: number): number {
    const p = this.pos.get(instId);
    if (!p || p.pos === 0) return 0;
    const amount = -p.pos * Number(this.rules(instId).ctVal) * this.mark(instId) * rate;
    this.add(instId.split('-')[1]!, amount);
    p.fundingFee += amount;
    this.fundingLog.push({ instId, ts: at, rate, amount });
    return amount;
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
