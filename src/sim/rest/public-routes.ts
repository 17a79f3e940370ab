import type { Clock } from '../../util/clock.js';
import type { SimMarketApi } from '../contracts.js';
import { ok, okxError, type Reply } from './reply.js';
import { REST_CANDLE_BARS } from '../../protocol/bars.js';
import { instrumentToOkx } from '../market/instrument-payload.js';
import { tradePayload } from '../market/trade-payload.js';
import { optionBoard, optionInstruments } from '../market/options.js';
import type { Derivatives } from '../engine/derivatives.js';
import { derivativePublicRoutes } from './deriv-public-routes.js';
import { rubikRoutes } from './rubik-routes.js';

const INST_TYPES = ['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'];
const TICKER_INST_TYPES = ['SPOT', 'SWAP', 'FUTURES', 'OPTION'];

/** Bars of GET /market/candles (docs/OKX-PROTOCOL.md §7.2); history-candles adds 1s. */
export const CANDLE_BARS: readonly string[] = REST_CANDLE_BARS;

type Query = URLSearchParams;

function intParam(q: Query, name: string, def: number, max: number): number | Reply {
  const v = q.get(name);
  if (v === null || v === '') return def;
  if (!/^\d+$/.test(v) || Number(v) < 1) return okxError('51000', name);
  return Math.min(Number(v), max);
}

// long: a route table: one short handler per OKX endpoint, read top to bottom
export function publicRoutes(
  market: SimMarketApi,
  clock: Clock,
  derivs?: Derivatives,
): Record<string, (q: Query) => Reply> {
  const board = optionBoard(market);
  const option = (q: Query) => board.find(q.get('instId') ?? '', clock.now());
  const requireInst = (q: Query): string | Reply => {
    const instId = q.get('instId') ?? '';
    if (!instId) return okxError('50014', 'instId');
    if (!market.instrument(instId)) return okxError('51001');
    return instId;
  };

  const candles =
    (history: boolean) =>
    (q: Query): Reply => {
      const instId = requireInst(q);
      if (typeof instId !== 'string') return instId;
      const bar = q.get('bar') || '1m';
      if (!CANDLE_BARS.includes(bar) && !(history && bar === '1s')) return okxError('51000', 'bar');
      const limit = intParam(q, 'limit', 100, 300);
      if (typeof limit !== 'number') return limit;
      const opts: { after?: number; before?: number; limit: number; history: boolean } = { limit, history };
      for (const k of ['after', 'before'] as const) {
        const v = q.get(k);
        if (v === null || v === '') continue;
        if (!/^\d+$/.test(v)) return okxError('51000', k);
        opts[k] = Number(v);
      }
      return ok(market.candles(instId, bar, opts));
    };

  return {
    'public.time': () => ok([{ ts: String(clock.now()) }]),
    'public.instruments': (q) => {
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (!INST_TYPES.includes(instType)) return okxError('51000', 'instType');
      const family = q.get('instFamily') || q.get('uly') || '';
      // OPTION needs an underlying or a family (either name answers).
      if (instType === 'OPTION') {
        if (!family) return okxError('50014', 'instFamily');
        const first = market.instruments()[0];
        const listTime = first ? first.listTime : String(clock.now());
        const opts = optionInstruments(market, clock.now(), listTime).filter(
          (o) => o.instFamily === family && (!q.get('instId') || o.instId === q.get('instId')),
        );
        return ok(opts);
      }
      if (instType === 'MARGIN') return ok([]);
      const instId = q.get('instId');
      let list = instId ? [market.instrument(instId)].filter((i) => i !== undefined) : market.instruments();
      list = list.filter((i) => i.instType === instType && (!family || i.contract?.uly === family));
      return ok(list.map(instrumentToOkx));
    },
    'market.ticker': (q) => {
      const opt = option(q);
      if (opt) return ok([board.ticker(opt, clock.now())]);
      const instId = requireInst(q);
      if (typeof instId !== 'string') return instId;
      return ok([market.ticker(instId)]);
    },
    'market.tickers': (q) => {
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (!TICKER_INST_TYPES.includes(instType)) return okxError('51000', 'instType');
      const family = q.get('instFamily') || q.get('uly') || '';
      if (instType === 'OPTION') {
        const now = clock.now();
        return ok(
          board
            .list(now)
            .filter((o) => !family || o.family === family)
            .map((o) => board.ticker(o, now)),
        );
      }
      return ok(
        market
          .instruments()
          .filter((i) => i.instType === instType && (!family || i.contract?.uly === family))
          .map((i) => market.ticker(i.instId)),
      );
    },
    'market.books': (q) => {
      const opt = option(q);
      const instId = opt ? opt.instId : requireInst(q);
      if (typeof instId !== 'string') return instId;
      const sz = intParam(q, 'sz', 1, 400);
      if (typeof sz !== 'number') return sz;
      if (opt) {
        // A small book around the model's quotes; its seqId is the time (it changes as the index moves).
        const now = clock.now();
        return ok([{ ...board.depth(opt, now, sz), ts: String(now), seqId: now }]);
      }
      const d = market.depth(instId, sz);
      return ok([{ asks: d.asks, bids: d.bids, ts: String(d.ts), seqId: d.seqId }]);
    },
    'market.candles': candles(false),
    'market.historyCandles': candles(true),
    'market.trades': (q) => {
      const instId = requireInst(q);
      if (typeof instId !== 'string') return instId;
      const limit = intParam(q, 'limit', 100, 500);
      if (typeof limit !== 'number') return limit;
      return ok(market.trades(instId, limit).map(tradePayload));
    },
    'public.optSummary': (q) => {
      // Black-Scholes on the index with the board's volatility smile (docs/SIMULATOR.md "Options").
      const family = q.get('instFamily') || q.get('uly') || '';
      if (!family) return okxError('50015', 'uly', 'instFamily');
      const exp = q.get('expTime') ?? '';
      if (exp && !/^\d{6}$/.test(exp)) return okxError('51000', 'expTime');
      const now = clock.now();
      return ok(
        board
          .list(now)
          .filter((o) => o.family === family && (!exp || o.expCode === exp))
          .map((o) => board.summary(o, now)),
      );
    },
    'public.systemStatus': (q) => {
      // No maintenance is ever scheduled on the local exchange: OKX answers an empty list then.
      const state = q.get('state');
      if (state && !['scheduled', 'ongoing', 'pre_open', 'completed', 'canceled'].includes(state))
        return okxError('51000', 'state');
      return ok([]);
    },
    ...(derivs ? derivativePublicRoutes(market, clock, derivs) : {}),
    ...(derivs ? rubikRoutes(market, clock, derivs) : {}),
  };
}
