import {
  booksSchema,
  candleRowSchema,
  tickerSchema,
  tradeSchema,
  type BookSnapshot,
  type Ticker,
  type Trade,
} from '../../protocol/schemas/market.js';
import { ValidationError } from '../../util/errors.js';
import type { RestCaller } from '../caller.js';
import { checkInstId, checkInt } from '../validate.js';
import type { InstType } from './public.js';
import { HISTORY_CANDLE_BARS } from '../../protocol/bars.js';

const oneTicker = tickerSchema.array().min(1);
const tickerArray = tickerSchema.array();
const oneBook = booksSchema.array().min(1);
const candleRows = candleRowSchema.array();
const tradeArray = tradeSchema.array();

/** Bar sizes OKX serves (docs/OKX-PROTOCOL.md §7.2); 1s only from history-candles. */
export const BARS = HISTORY_CANDLE_BARS;
/** A candle length OKX accepts for REST candles, e.g. "1m", "1H", "1D". */
export type Bar = (typeof BARS)[number];

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
/** Bar length in ms; months as 30/90 days (only used to pick the endpoint and to page). */
export function barMs(bar: Bar): number {
  const base = bar.replace(/utc$/, '');
  const n = Number.parseInt(base, 10);
  const unit = base.slice(String(n).length);
  const per: Record<string, number> = { s: 1000, m: MIN, H, D, W: 7 * D, M: 30 * D };
  return n * (per[unit] ?? MIN);
}

/** One candle, strings as OKX sends them. confirm "0" = still forming, "1" = closed. */
export interface Candle {
  ts: string;
  o: string;
  h: string;
  l: string;
  c: string;
  vol: string;
  volCcy: string;
  volCcyQuote: string;
  confirm: string;
}

/** Query of one page of candles: instrument, bar, and `after`/`before` timestamps (ms, exclusive) to page. */
export interface CandlesParams {
  instId: string;
  bar?: Bar;
  /** Records EARLIER than this ts (ms), exclusive. */
  after?: number | string;
  /** Records NEWER than this ts (ms), exclusive. */
  before?: number | string;
  /** Max 300 (OKX), default 100. */
  limit?: number;
}

/** A candle range to fetch page by page: instrument, bar and inclusive `from`/`to` in ms since epoch. */
export interface CandlesBetweenParams {
  instId: string;
  bar: Bar;
  /** Inclusive start, ms. */
  from: number;
  /** Inclusive end, ms. */
  to: number;
  /** Page size, default 100 (max 300). */
  limit?: number;
  /** 'auto' (default): candles for the last 1,440 bars, history-candles before that (docs/OKX-PROTOCOL.md §7.2). */
  source?: 'auto' | 'candles' | 'history';
}

function toCandle(r: string[]): Candle {
  return {
    ts: r[0]!,
    o: r[1]!,
    h: r[2]!,
    l: r[3]!,
    c: r[4]!,
    vol: r[5] ?? '',
    volCcy: r[6] ?? '',
    volCcyQuote: r[7] ?? '',
    confirm: r[8] ?? '',
  };
}

/** Market data (public). */
export class MarketApi {
  constructor(private readonly c: RestCaller) {}

  async ticker(instId: string): Promise<Ticker> {
    const data = await this.c.call('market.ticker', { query: { instId: checkInstId(instId) } }, oneTicker);
    return data[0]!;
  }

  tickers(instType: Exclude<InstType, 'MARGIN'>, instFamily?: string): Promise<Ticker[]> {
    return this.c.call('market.tickers', { query: { instType, instFamily } }, tickerArray);
  }

  /** Order book snapshot; sz = depth per side (1..400, OKX default 1). */
  async books(instId: string, sz?: number): Promise<BookSnapshot> {
    const data = await this.c.call(
      'market.books',
      {
        query: { instId: checkInstId(instId), sz: sz === undefined ? undefined : checkInt(sz, 'sz', 1, 400) },
      },
      oneBook,
    );
    return data[0]!;
  }

  /** Recent candles, newest first (the latest 1,440 bars). */
  candles(params: CandlesParams): Promise<Candle[]> {
    return this.#candles('market.candles', params);
  }

  /** Older candles (history), newest first. */
  historyCandles(params: CandlesParams): Promise<Candle[]> {
    return this.#candles('market.historyCandles', params);
  }

  /**
   * Every candle with from <= ts <= to, one page at a time, newest page first (each page newest
   * first). Walks `after` backwards from `to`: after=T returns bars strictly earlier than T.
   */
  async *candlesBetween(p: CandlesBetweenParams): AsyncGenerator<Candle[], void, undefined> {
    checkInstId(p.instId);
    if (!(p.from <= p.to)) throw new ValidationError('from', 'must not be after to');
    const limit = p.limit ?? 100;
    const recentEdge = this.c.serverNow() - 1439 * barMs(p.bar);
    let after = p.to + 1;
    for (;;) {
      const useHistory = p.source === 'history' || (p.source !== 'candles' && after - 1 < recentEdge);
      const page = await this.#candles(useHistory ? 'market.historyCandles' : 'market.candles', {
        instId: p.instId,
        bar: p.bar,
        after,
        limit,
      });
      if (page.length === 0) return;
      const inRange = page.filter((k) => {
        const t = Number(k.ts);
        return t >= p.from && t <= p.to;
      });
      if (inRange.length > 0) yield inRange;
      let oldest = Infinity;
      for (const k of page) oldest = Math.min(oldest, Number(k.ts));
      // Stop at the range start, and if a server ignores `after` (no progress) rather than loop.
      if (oldest <= p.from || oldest >= after) return;
      after = oldest;
    }
  }

  /** Most recent trades (max 500). */
  trades(instId: string, limit?: number): Promise<Trade[]> {
    return this.c.call(
      'market.trades',
      {
        query: {
          instId: checkInstId(instId),
          limit: limit === undefined ? undefined : checkInt(limit, 'limit', 1, 500),
        },
      },
      tradeArray,
    );
  }

  async #candles(id: 'market.candles' | 'market.historyCandles', p: CandlesParams): Promise<Candle[]> {
    if (p.bar !== undefined && !(BARS as readonly string[]).includes(p.bar)) {
      throw new ValidationError('bar', `'${p.bar}' is not an OKX bar size`, `use one of ${BARS.join(', ')}`);
    }
    const rows = await this.c.call(
      id,
      {
        query: {
          instId: checkInstId(p.instId),
          bar: p.bar,
          after: p.after,
          before: p.before,
          limit: p.limit === undefined ? undefined : checkInt(p.limit, 'limit', 1, 300),
        },
      },
      candleRows,
    );
    return rows.map(toCandle);
  }
}
