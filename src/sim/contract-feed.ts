import type { ContractFeed, SimMarketApi } from './contracts.js';
import type { MatchingEngine } from './engine/engine.js';
import type { Clock } from '../util/clock.js';
import { publicRoutes } from './rest/public-routes.js';

const ROUTE: Record<string, string> = {
  'mark-price': 'public.markPrice',
  'index-tickers': 'market.indexTickers',
  'funding-rate': 'public.fundingRate',
  'open-interest': 'public.openInterest',
  'price-limit': 'public.priceLimit',
  'estimated-price': 'public.estimatedPrice',
};

/**
 * The contract channels' feed over the engine: public rows come from the same route functions
 * GET answers with, so a push and a REST row carry the same fields by construction.
 */
export function contractFeed(market: SimMarketApi, engine: MatchingEngine, clock: Clock): ContractFeed {
  const routes = publicRoutes(market, clock, engine.derivs);
  const row = (id: string, params: Record<string, string>) => {
    const r = routes[id]?.(new URLSearchParams(params));
    const data = r && r.body.code === '0' ? (r.body.data as Record<string, unknown>[]) : undefined;
    return data?.[0];
  };
  return {
    publicRow(channel, instId) {
      const id = ROUTE[channel];
      if (!id) return undefined;
      const inst = market.instrument(instId);
      const params: Record<string, string> = { instId };
      if (channel === 'mark-price' || channel === 'open-interest') params.instType = inst?.instType ?? '';
      return row(id, params);
    },
    candles(kind, instId, bar) {
      const id = kind === 'mark' ? 'market.markPriceCandles' : 'market.indexCandles';
      const r = routes[id]?.(new URLSearchParams({ instId, bar, limit: '1' }));
      return r && r.body.code === '0' ? (r.body.data as string[][]) : undefined;
    },
    positions(account) {
      return engine.derivs.list(account).map((p) => engine.derivs.positionRow(p));
    },
    onPosition(listener) {
      return engine.onPosition((a, p) => listener(a, engine.derivs.positionRow(p)));
    },
    onLiquidationWarning(listener) {
      return engine.onLiquidationWarning((a, p) => listener(a, engine.derivs.positionRow(p)));
    },
    onAlgo(listener) {
      return engine.algos.onAlgo((a, x) => listener(a, engine.algos.row(x)));
    },
  };
}
