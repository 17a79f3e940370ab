import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { BookLevel } from '../../protocol/book-checksum.js';
import { ValidationError } from '../../util/errors.js';
import type { Clock } from '../../util/clock.js';
import type {
  CandleRow,
  Depth,
  MarketFill,
  MarketUpdate,
  PublicTrade,
  SimInstrument,
  SimMarketApi,
  TickerPayload,
} from '../contracts.js';
import { barStart, isBar, nextBarStart } from './bars.js';

/**
 * A market that mirrors a real exchange's public data (`okxkit sim --market okx`): instruments,
 * books, trades, tickers and 1-minute candles arrive from a feed (OKX's public WebSocket, or a
 * recording replayed in a test) through the `MirrorSink` methods; users' orders are matched
 * locally against the mirrored book and the mirrored trades, as on the seeded market. Nothing a
 * user does reaches the real exchange: paper trading on real prices with no key.
 *
 * A user's taker order consumes the mirrored levels locally until the feed next sets them; the
 * real market does not see it (so a large paper order is filled more kindly than a real one
 * would be after the real book reacts; the docs say so).
 */
export interface MirrorSink {
  setInstruments(list: readonly MirrorInstrument[]): void;
  /** The whole book after a change (best first), as the feed's order book holds it. */
  setBook(instId: string, bids: readonly BookLevel[], asks: readonly BookLevel[], ts: number): void;
  addTrades(instId: string, trades: readonly PublicTrade[]): void;
  setTicker(instId: string, ticker: TickerPayload): void;
  /** A 1-minute candle row [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]. */
  setCandle(instId: string, row: readonly string[]): void;
}

/** An instrument object as OKX's instruments channel pushes it (strings; instIdCode a number). */
export type MirrorInstrument = Record<string, unknown> & { instId: string; instType: string };

const str = (v: unknown, def = '') => (typeof v === 'string' && v !== '' ? v : def);

interface Book {
  bids: Map<string, BookLevel>;
  asks: Map<string, BookLevel>;
  seqId: number;
  ts: number;
}

const TAPE = 500;
const CANDLES = 1440 * 3;

function sorted(side: Map<string, BookLevel>, desc: boolean, n: number): BookLevel[] {
  const out = [...side.values()].sort((a, b) =>
    desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]),
  );
  return out.slice(0, n);
}

export class MirrorMarket implements SimMarketApi, MirrorSink {
  private insts = new Map<string, SimInstrument>();
  private readonly books = new Map<string, Book>();
  private readonly tapes = new Map<string, PublicTrade[]>();
  private readonly tickers = new Map<string, TickerPayload>();
  /** 1m candles by instId, ts -> row. */
  private readonly minutes = new Map<string, Map<number, CandleRow>>();
  private readonly tradeListeners = new Set<(instId: string, trades: PublicTrade[]) => void>();
  private readonly updateListeners = new Set<(u: MarketUpdate) => void>();
  private nextLocalTrade = 1;
  private readonly feedListeners = new Set<() => void>();

  /** @param only instruments to mirror (others in the feed's instrument list are ignored). */
  constructor(
    private readonly clock: Clock,
    private readonly only: readonly string[],
  ) {}

  // --- MirrorSink -----------------------------------------------------------------------------

  setInstruments(list: readonly MirrorInstrument[]): void {
    for (const i of list) {
      if (!this.only.includes(i.instId) || i.instType !== 'SPOT') continue;
      this.insts.set(i.instId, {
        instType: 'SPOT',
        instId: i.instId,
        instIdCode: typeof i.instIdCode === 'number' ? i.instIdCode : this.insts.size + 1,
        baseCcy: str(i.baseCcy),
        quoteCcy: str(i.quoteCcy),
        tickSz: str(i.tickSz, '0.01'),
        lotSz: str(i.lotSz, '0.00000001'),
        minSz: str(i.minSz, '0.00001'),
        maxLmtSz: str(i.maxLmtSz, '1000000'),
        maxMktSz: str(i.maxMktSz, '1000000'),
        state: i.state === 'live' ? 'live' : 'suspend',
        listTime: str(i.listTime, '0'),
      });
    }
    this.fed();
  }

  setBook(instId: string, bids: readonly BookLevel[], asks: readonly BookLevel[], ts: number): void {
    const prev = this.books.get(instId);
    const next: Book = {
      bids: new Map(bids.map((l) => [l[0], l])),
      asks: new Map(asks.map((l) => [l[0], l])),
      seqId: (prev?.seqId ?? 0) + 1,
      ts,
    };
    this.books.set(instId, next);
    const diff = (a: Map<string, BookLevel> | undefined, b: Map<string, BookLevel>, desc: boolean) => {
      const out: BookLevel[] = [];
      for (const [px, l] of b) {
        const old = a?.get(px);
        if (!old || old[1] !== l[1] || old[3] !== l[3]) out.push(l);
      }
      if (a) for (const [px] of a) if (!b.has(px)) out.push([px, '0', '0', '0']);
      return out.sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
    };
    const dBids = diff(prev?.bids, next.bids, true);
    const dAsks = diff(prev?.asks, next.asks, false);
    if (dBids.length + dAsks.length === 0 && prev) {
      next.seqId = prev.seqId;
      return;
    }
    this.emit({
      instId,
      ts,
      book: { bids: dBids, asks: dAsks, seqId: next.seqId, prevSeqId: prev?.seqId ?? next.seqId, ts },
      trades: [],
    });
    this.fed();
  }

  addTrades(instId: string, trades: readonly PublicTrade[]): void {
    if (!this.insts.has(instId) || trades.length === 0) return;
    const tape = this.tapes.get(instId) ?? [];
    const fresh = trades.filter((t) => !tape.some((x) => x.tradeId === t.tradeId));
    if (fresh.length === 0) return;
    tape.push(...fresh);
    if (tape.length > TAPE) tape.splice(0, tape.length - TAPE);
    this.tapes.set(instId, tape);
    const last = fresh[fresh.length - 1]!;
    const tk = this.tickers.get(instId);
    if (tk) this.tickers.set(instId, { ...tk, last: last.px, lastSz: last.sz, ts: String(last.ts) });
    this.emit({ instId, ts: last.ts, trades: fresh.map((t) => ({ ...t })) });
    for (const l of this.tradeListeners)
      l(
        instId,
        fresh.map((t) => ({ ...t })),
      );
    this.fed();
  }

  setTicker(instId: string, ticker: TickerPayload): void {
    if (!this.insts.has(instId)) return;
    this.tickers.set(instId, { ...ticker });
    this.fed();
  }

  setCandle(instId: string, row: readonly string[]): void {
    if (!this.insts.has(instId) || row.length < 5) return;
    const m = this.minutes.get(instId) ?? new Map<number, CandleRow>();
    const r = [...row, '', '', '', ''].slice(0, 9) as CandleRow;
    m.set(Number(r[0]), r);
    if (m.size > CANDLES) m.delete(Math.min(...m.keys()));
    this.minutes.set(instId, m);
    this.fed();
  }

  /** Called after anything arrives from the feed (for status lines and tests). */
  onFeed(listener: () => void): () => void {
    this.feedListeners.add(listener);
    return () => this.feedListeners.delete(listener);
  }

  private fed(): void {
    for (const l of this.feedListeners) l();
  }

  /** Whether every mirrored instrument has its instrument rules and a book. */
  isReady(): boolean {
    return this.only.every((id) => this.insts.has(id) && this.books.has(id));
  }

  // --- SimMarketApi ---------------------------------------------------------------------------

  instruments(): SimInstrument[] {
    return [...this.insts.values()];
  }

  instrument(instId: string): SimInstrument | undefined {
    return this.insts.get(instId);
  }

  advanceTo(): void {
    // The real market moves by itself; nothing to step.
  }

  private book(instId: string): Book {
    const b = this.books.get(instId);
    if (!b)
      throw new ValidationError('instId', `${instId} has no mirrored book yet`, 'wait for the feed to sync');
    return b;
  }

  depth(instId: string, levels: number): Depth {
    const b = this.book(instId);
    const n = Math.max(1, Math.min(Math.floor(levels) || 1, 400));
    return { bids: sorted(b.bids, true, n), asks: sorted(b.asks, false, n), seqId: b.seqId, ts: b.ts };
  }

  last(instId: string): string {
    const tape = this.tapes.get(instId);
    const t = tape?.[tape.length - 1];
    if (t) return t.px;
    const tk = this.tickers.get(instId);
    if (tk?.last) return tk.last;
    const b = this.book(instId);
    return sorted(b.bids, true, 1)[0]?.[0] ?? sorted(b.asks, false, 1)[0]?.[0] ?? '0';
  }

  ticker(instId: string): TickerPayload {
    const b = this.books.get(instId);
    const bid = b ? sorted(b.bids, true, 1)[0] : undefined;
    const ask = b ? sorted(b.asks, false, 1)[0] : undefined;
    const tk = this.tickers.get(instId) ?? {};
    return {
      instType: 'SPOT',
      instId,
      last: this.last(instId),
      lastSz: tk.lastSz ?? '',
      askPx: ask?.[0] ?? '',
      askSz: ask?.[1] ?? '',
      bidPx: bid?.[0] ?? '',
      bidSz: bid?.[1] ?? '',
      open24h: tk.open24h ?? '',
      high24h: tk.high24h ?? '',
      low24h: tk.low24h ?? '',
      volCcy24h: tk.volCcy24h ?? '',
      vol24h: tk.vol24h ?? '',
      sodUtc0: tk.sodUtc0 ?? '',
      sodUtc8: tk.sodUtc8 ?? '',
      ts: String(Math.max(Number(tk.ts ?? 0), b?.ts ?? 0)),
    };
  }

  candles(
    instId: string,
    bar: string,
    opts: { after?: number; before?: number; limit?: number } = {},
  ): CandleRow[] {
    if (!isBar(bar) || bar === '1s') {
      throw new ValidationError('bar', `"${bar}" is not served by the mirror`, 'use 1m or a longer bar');
    }
    const limit = Math.max(1, Math.min(Math.floor(opts.limit ?? 100) || 100, 300));
    const mins = [...(this.minutes.get(instId)?.values() ?? [])].sort((a, b) => Number(a[0]) - Number(b[0]));
    // Longer bars are built from the mirrored minutes.
    const byBar = new Map<number, CandleRow>();
    for (const m of mins) {
      const t = barStart(bar, Number(m[0]));
      const cur = byBar.get(t);
      if (!cur) {
        byBar.set(t, [String(t), m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]]);
        continue;
      }
      const add = (a: string, b: string) => new Decimal(a || '0').plus(b || '0').toString();
      byBar.set(t, [
        cur[0],
        cur[1],
        new Decimal(cur[2]).gte(m[2]) ? cur[2] : m[2],
        new Decimal(cur[3]).lte(m[3]) ? cur[3] : m[3],
        m[4],
        add(cur[5], m[5]),
        add(cur[6], m[6]),
        add(cur[7], m[7]),
        m[8] === '1' && nextBarStart(bar, t) <= Number(m[0]) + 60_000 ? '1' : '0',
      ]);
    }
    return [...byBar.values()]
      .filter((r) => {
        const t = Number(r[0]);
        return (opts.after === undefined || t < opts.after) && (opts.before === undefined || t > opts.before);
      })
      .sort((a, b) => Number(b[0]) - Number(a[0]))
      .slice(0, limit);
  }

  trades(instId: string, limit: number): PublicTrade[] {
    const n = Math.max(1, Math.min(Math.floor(limit) || 100, 500));
    return (this.tapes.get(instId) ?? [])
      .slice(-n)
      .reverse()
      .map((t) => ({ ...t }));
  }

  take(instId: string, side: 'buy' | 'sell', sz: string, limitPx?: string): MarketFill[] {
    const b = this.book(instId);
    const levels = side === 'buy' ? b.asks : b.bids;
    let left = new Decimal(sz);
    const fills: MarketFill[] = [];
    const changed: BookLevel[] = [];
    for (const l of sorted(levels, side === 'sell', 400)) {
      if (left.lte(0)) break;
      if (
        limitPx !== undefined &&
        (side === 'buy' ? new Decimal(l[0]).gt(limitPx) : new Decimal(l[0]).lt(limitPx))
      )
        break;
      const q = Decimal.min(left, l[1]);
      fills.push({ px: l[0], sz: q.toString() });
      left = left.minus(q);
      const rest = new Decimal(l[1]).minus(q);
      if (rest.lte(0)) {
        levels.delete(l[0]);
        changed.push([l[0], '0', '0', '0']);
      } else {
        const nl: BookLevel = [l[0], rest.toString(), '0', l[3] ?? '1'];
        levels.set(l[0], nl);
        changed.push(nl);
      }
    }
    if (fills.length > 0) {
      const ts = this.clock.now();
      const prev = b.seqId;
      b.seqId++;
      b.ts = ts;
      this.emit({
        instId,
        ts,
        book: {
          bids: side === 'sell' ? changed : [],
          asks: side === 'buy' ? changed : [],
          seqId: b.seqId,
          prevSeqId: prev,
          ts,
        },
        trades: [],
      });
    }
    return fills;
  }

  recordTrade(instId: string, px: string, sz: string, takerSide: 'buy' | 'sell'): void {
    // Two paper orders crossing each other: on the local tape only, marked as local by its id.
    const t: PublicTrade = {
      instId,
      tradeId: `local-${this.nextLocalTrade++}`,
      px,
      sz,
      side: takerSide,
      ts: this.clock.now(),
    };
    const tape = this.tapes.get(instId) ?? [];
    tape.push(t);
    this.tapes.set(instId, tape);
    this.emit({ instId, ts: t.ts, trades: [t] });
  }

  onTrades(listener: (instId: string, trades: PublicTrade[]) => void): () => void {
    this.tradeListeners.add(listener);
    return () => this.tradeListeners.delete(listener);
  }

  onUpdate(listener: (u: MarketUpdate) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  private emit(u: MarketUpdate): void {
    for (const l of this.updateListeners) l(u);
  }
}
