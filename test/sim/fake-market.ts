import { Decimal } from 'decimal.js';
import type { BookLevel } from '../../src/protocol/book-checksum.js';
import type {
  CandleRow,
  Depth,
  MarketFill,
  PublicTrade,
  SimInstrument,
  SimMarketApi,
  TickerPayload,
} from '../../src/sim/contracts.js';

/**
 * A market with a fixed, hand-written synthetic book: matching tests know exactly what liquidity
 * a taker meets. `take` consumes it; `emitTrades` plays public trades to the engine.
 */
export interface FakeBookSpec {
  asks: [string, string][];
  bids: [string, string][];
}

const INSTRUMENTS: SimInstrument[] = [
  inst('BTC-USDT', 1, '0.1', '0.0001', '0.001'),
  inst('ETH-USDT', 2, '0.01', '0.001', '0.01'),
  inst('SOL-USDT', 3, '0.01', '0.01', '0.1'),
  inst('OKB-USDT', 4, '0.001', '0.01', '0.1'),
  inst('ETH-BTC', 5, '0.00001', '0.001', '0.01'),
];

function inst(instId: string, code: number, tickSz: string, lotSz: string, minSz: string): SimInstrument {
  const [baseCcy, quoteCcy] = instId.split('-') as [string, string];
  return {
    instType: 'SPOT',
    instId,
    instIdCode: code,
    baseCcy,
    quoteCcy,
    tickSz,
    lotSz,
    minSz,
    maxLmtSz: '10000',
    maxMktSz: '1000',
    state: 'live',
    listTime: '1600000000000',
  };
}

export const DEFAULT_BOOKS: Record<string, FakeBookSpec> = {
  'BTC-USDT': {
    asks: [
      ['50000', '1'],
      ['50001', '2'],
      ['50010', '5'],
    ],
    bids: [
      ['49999', '1'],
      ['49998', '2'],
      ['49990', '5'],
    ],
  },
  'ETH-USDT': {
    asks: [
      ['3000', '10'],
      ['3001', '10'],
    ],
    bids: [
      ['2999', '10'],
      ['2998', '10'],
    ],
  },
  'SOL-USDT': { asks: [['150', '100']], bids: [['149.99', '100']] },
  'OKB-USDT': { asks: [['50', '100']], bids: [['49.99', '100']] },
  'ETH-BTC': { asks: [['0.06', '10']], bids: [['0.05999', '10']] },
};

export class FakeMarket implements SimMarketApi {
  readonly books = new Map<string, { asks: [Decimal, Decimal][]; bids: [Decimal, Decimal][] }>();
  readonly tape: PublicTrade[] = [];
  readonly recorded: { instId: string; px: string; sz: string; side: string }[] = [];
  readonly #listeners = new Set<(instId: string, trades: PublicTrade[]) => void>();
  #seq = 0;
  #tradeSeq = 0;
  advancedTo = 0;

  constructor(books: Record<string, FakeBookSpec> = DEFAULT_BOOKS) {
    for (const [id, b] of Object.entries(books)) this.setBook(id, b);
  }

  setBook(instId: string, b: FakeBookSpec): void {
    const conv = (l: [string, string][]) =>
      l.map(([p, s]) => [new Decimal(p), new Decimal(s)] as [Decimal, Decimal]);
    this.books.set(instId, { asks: conv(b.asks), bids: conv(b.bids) });
    this.#seq++;
  }

  instruments(): SimInstrument[] {
    return INSTRUMENTS;
  }
  instrument(instId: string): SimInstrument | undefined {
    return INSTRUMENTS.find((i) => i.instId === instId);
  }
  advanceTo(nowMs: number): void {
    this.advancedTo = nowMs;
  }
  depth(instId: string, levels: number): Depth {
    const b = this.books.get(instId) ?? { asks: [], bids: [] };
    const lv = (l: [Decimal, Decimal][]): BookLevel[] =>
      l.slice(0, levels).map(([p, s]) => [p.toFixed(), s.toFixed(), '0', '1'] as BookLevel);
    return { asks: lv(b.asks), bids: lv(b.bids), seqId: this.#seq, ts: 1 };
  }
  last(instId: string): string {
    const b = this.books.get(instId);
    return b?.asks[0]?.[0].toFixed() ?? '1';
  }
  ticker(instId: string): TickerPayload {
    const d = this.depth(instId, 1);
    return {
      instType: 'SPOT',
      instId,
      last: this.last(instId),
      lastSz: '0.1',
      askPx: d.asks[0]?.[0] ?? '',
      askSz: d.asks[0]?.[1] ?? '',
      bidPx: d.bids[0]?.[0] ?? '',
      bidSz: d.bids[0]?.[1] ?? '',
      open24h: '1',
      high24h: '1',
      low24h: '1',
      volCcy24h: '1',
      vol24h: '1',
      sodUtc0: '1',
      sodUtc8: '1',
      ts: '1',
    };
  }
  candles(_instId: string, _bar: string, opts: { limit?: number }): CandleRow[] {
    const rows: CandleRow[] = [];
    for (let i = 0; i < (opts.limit ?? 100) && i < 3; i++) {
      rows.push([String(180000 - i * 60000), '1', '2', '0.5', '1.5', '10', '15', '15', i === 0 ? '0' : '1']);
    }
    return rows;
  }
  trades(instId: string, limit: number): PublicTrade[] {
    return this.tape
      .filter((t) => t.instId === instId)
      .slice(-limit)
      .reverse();
  }
  take(instId: string, side: 'buy' | 'sell', sz: string, limitPx?: string): MarketFill[] {
    const b = this.books.get(instId);
    if (!b) return [];
    const levels = side === 'buy' ? b.asks : b.bids;
    let left = new Decimal(sz);
    const fills: MarketFill[] = [];
    while (left.gt(0) && levels.length > 0) {
      const top = levels[0]!;
      if (limitPx !== undefined && (side === 'buy' ? top[0].gt(limitPx) : top[0].lt(limitPx))) break;
      const q = Decimal.min(left, top[1]);
      fills.push({ px: top[0].toFixed(), sz: q.toFixed() });
      top[1] = top[1].minus(q);
      left = left.minus(q);
      if (top[1].lte(0)) levels.shift();
    }
    this.#seq++;
    return fills;
  }
  recordTrade(instId: string, px: string, sz: string, takerSide: 'buy' | 'sell'): void {
    this.recorded.push({ instId, px, sz, side: takerSide });
  }
  onTrades(listener: (instId: string, trades: PublicTrade[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Plays public trades to the engine, as the price process would. */
  emitTrades(instId: string, trades: { px: string; sz: string; side: 'buy' | 'sell' }[]): void {
    const full = trades.map((t) => ({ instId, tradeId: String(++this.#tradeSeq), ts: 1, ...t }));
    this.tape.push(...full);
    for (const l of this.#listeners) l(instId, full);
  }
}
