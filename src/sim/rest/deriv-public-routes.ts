import type { Clock } from '../../util/clock.js';
import type { SimInstrument, SimMarketApi } from '../contracts.js';
import type { Derivatives } from '../engine/derivatives.js';
import { FUNDING_CAP, nextFundingTime } from '../engine/pricing.js';
import { tradePayload } from '../market/trade-payload.js';
import { optionBoard } from '../market/options.js';
import { ok, okxError, type Reply } from './reply.js';

type Query = URLSearchParams;

/** Index names the local exchange prices: each spot USDT pair, and its -USD twin (USDT stands for USD). */
function indexSource(market: SimMarketApi, index: string): string | undefined {
  const [base, quote] = index.split('-');
  if (!base || !quote) return undefined;
  const id = quote === 'USD' ? `${base}-USDT` : index;
  const i = market.instrument(id);
  return i && i.instType === 'SPOT' ? id : undefined;
}

// long: a route table: one short handler per OKX endpoint, read top to bottom
/**
 * Public data of contracts: mark and index prices, funding, open interest, price limits, position
 * tiers, mark-price and index candles, underlyings, trade history (formulas: docs/SIMULATOR.md).
 */
export function derivativePublicRoutes(
  market: SimMarketApi,
  clock: Clock,
  derivs: Derivatives,
): Record<string, (q: Query) => Reply> {
  const now = () => String(clock.now());
  const contracts = (q: Query, types: string[]): SimInstrument[] | Reply => {
    const instType = q.get('instType') ?? '';
    const instId = q.get('instId') ?? '';
    const family = q.get('instFamily') || q.get('uly') || '';
    if (instType && !types.includes(instType)) return okxError('51000', 'instType');
    if (instId) {
      const i = market.instrument(instId);
      if (!i || !i.contract || !types.includes(i.instType)) return okxError('51001');
      return [i];
    }
    return market
      .instruments()
      .filter(
        (i) =>
          i.contract &&
          types.includes(i.instType) &&
          (!instType || i.instType === instType) &&
          (!family || i.contract.uly === family),
      );
  };
  const needSwap = (q: Query): SimInstrument | Reply => {
    const instId = q.get('instId') ?? '';
    if (!instId) return okxError('50014', 'instId');
    const i = market.instrument(instId);
    if (!i || i.instType !== 'SWAP') return okxError('51001');
    return i;
  };
  const candles6 = (id: string, q: Query, history: boolean): Reply => {
    const bar = q.get('bar') || '1m';
    const limit = Math.min(Number(q.get('limit')) || 100, 100);
    const opts: { after?: number; before?: number; limit: number; history: boolean } = { limit, history };
    for (const k of ['after', 'before'] as const) {
      const v = q.get(k);
      if (v) {
        if (!/^\d+$/.test(v)) return okxError('51000', k);
        opts[k] = Number(v);
      }
    }
    try {
      // Mark and index candles carry no volume: [ts, o, h, l, c, confirm].
      return ok(market.candles(id, bar, opts).map((r) => [r[0], r[1], r[2], r[3], r[4], r[8]]));
    } catch {
      return okxError('51000', 'bar');
    }
  };
  const markCandles = (history: boolean) => (q: Query) => {
    const instId = q.get('instId') ?? '';
    if (!instId) return okxError('50014', 'instId');
    const i = market.instrument(instId);
    if (!i) return okxError('51001');
    return candles6(instId, q, history);
  };
  const indexCandles = (history: boolean) => (q: Query) => {
    const instId = q.get('instId') ?? '';
    if (!instId) return okxError('50014', 'instId');
    const src = indexSource(market, instId);
    if (!src) return okxError('51001');
    return candles6(src, q, history);
  };

  const fundingRow = (i: SimInstrument): Record<string, string> => {
    const t = nextFundingTime(clock.now());
    const rate = derivs.pricing.fundingRate(i).toFixed();
    return {
      instType: 'SWAP',
      instId: i.instId,
      method: 'current_period',
      formulaType: 'withRate',
      fundingRate: rate,
      nextFundingRate: '',
      fundingTime: String(t),
      nextFundingTime: String(t + 8 * 3_600_000),
      minFundingRate: FUNDING_CAP.neg().toFixed(),
      maxFundingRate: FUNDING_CAP.toFixed(),
      interestRate: '0.0001',
      impactValue: '',
      premium: derivs.pricing.premium(i).toDecimalPlaces(8).toFixed(),
      settState: 'settled',
      settFundingRate: derivs.fundingHistory(i.instId)[0]?.fundingRate ?? '',
      sodUtc0: '',
      ts: now(),
    };
  };

  return {
    'public.markPrice': (q) => {
      // OKX documents instType as required; peers (ccxt) send instId alone and OKX answers.
      if (!q.get('instType') && !q.get('instId')) return okxError('50014', 'instType');
      const board = optionBoard(market);
      const opt = board.find(q.get('instId') ?? '', clock.now());
      if (q.get('instType') === 'OPTION' || opt) {
        // Options: the model's premium in the coin (docs/SIMULATOR.md "Options").
        const t = clock.now();
        const family = q.get('instFamily') || q.get('uly') || '';
        if (q.get('instId') && !opt) return okxError('51001');
        const rows = opt ? [opt] : board.list(t).filter((o) => !family || o.family === family);
        return ok(rows.map((o) => board.markRow(o, t)));
      }
      const list = contracts(q, ['SWAP', 'FUTURES']);
      if (!Array.isArray(list)) return list;
      return ok(
        list.map((i) => ({
          instType: i.instType,
          instId: i.instId,
          markPx: derivs.pricing.mark(i).toFixed(),
          ts: now(),
        })),
      );
    },
    'public.fundingRate': (q) => {
      // instId=ANY lists every swap (OKX answers it; ccxt's fetchFundingRates sends it).
      const list =
        q.get('instId') === 'ANY' ? market.instruments().filter((x) => x.instType === 'SWAP') : [needSwap(q)];
      const rows = [];
      for (const i of list) {
        if ('status' in i) return i;
        rows.push(fundingRow(i));
      }
      return ok(rows);
    },
    'public.fundingRateHistory': (q) => {
      const i = needSwap(q);
      if ('status' in i) return i;
      let rows = derivs.fundingHistory(i.instId);
      const after = q.get('after');
      const before = q.get('before');
      if (after) rows = rows.filter((r) => r.fundingTime < Number(after));
      if (before) rows = rows.filter((r) => r.fundingTime > Number(before));
      const limit = Math.min(Number(q.get('limit')) || 100, 400);
      return ok(
        rows.slice(0, limit).map((r) => ({
          instType: 'SWAP',
          instId: r.instId,
          formulaType: 'withRate',
          fundingRate: r.fundingRate,
          realizedRate: r.realizedRate,
          fundingTime: String(r.fundingTime),
          method: 'current_period',
        })),
      );
    },
    'public.openInterest': (q) => {
      if (!q.get('instType')) return okxError('50014', 'instType');
      const list = contracts(q, ['SWAP', 'FUTURES', 'OPTION']);
      if (!Array.isArray(list)) return list;
      return ok(
        list.map((i) => {
          const x = derivs.openInterest(i);
          return {
            instType: i.instType,
            instId: i.instId,
            oi: x.oi.toFixed(),
            oiCcy: x.oiCcy.toFixed(),
            oiUsd: x.oiUsd.toFixed(),
            ts: now(),
          };
        }),
      );
    },
    'public.priceLimit': (q) => {
      const instId = q.get('instId') ?? '';
      if (!instId) return okxError('50014', 'instId');
      const i = market.instrument(instId);
      if (!i) return okxError('51001');
      if (!i.contract)
        return ok([{ instType: i.instType, instId, buyLmt: '', sellLmt: '', ts: now(), enabled: false }]);
      const l = derivs.pricing.priceLimits(i);
      return ok([
        {
          instType: i.instType,
          instId,
          buyLmt: l.buyLmt.toFixed(),
          sellLmt: l.sellLmt.toFixed(),
          ts: now(),
          enabled: true,
        },
      ]);
    },
    'public.estimatedPrice': (q) => {
      const instId = q.get('instId') ?? '';
      if (!instId) return okxError('50014', 'instId');
      const i = market.instrument(instId);
      if (!i || i.instType !== 'FUTURES') return okxError('51001');
      // The delivery price estimate is the index now.
      return ok([{ instType: 'FUTURES', instId, settlePx: derivs.pricing.index(i).toFixed(), ts: now() }]);
    },
    'public.deliveryExerciseHistory': (q) => {
      // docs/OKX-PROTOCOL.md §7.7: one row per delivery time; OKX spells the id field `insId`.
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (instType !== 'FUTURES' && instType !== 'OPTION') return okxError('51000', 'instType');
      const family = q.get('instFamily') || q.get('uly') || '';
      if (!family) return okxError('50014', 'instFamily');
      for (const k of ['after', 'before', 'limit'] as const) {
        const v = q.get(k);
        if (v && !/^\d+$/.test(v)) return okxError('51000', k);
      }
      const after = Number(q.get('after') || Infinity);
      const before = Number(q.get('before') || -Infinity);
      const limit = Math.min(Number(q.get('limit')) || 100, 100);
      // Options never expire here: their history is empty.
      const recs = instType === 'OPTION' ? [] : derivs.deliveries().filter((d) => d.uly === family);
      const byTs = new Map<number, { insId: string; px: string; type: string }[]>();
      for (const d of recs) {
        if (d.ts >= after || d.ts <= before) continue;
        const list = byTs.get(d.ts) ?? [];
        list.push({ insId: d.instId, px: d.px, type: 'delivery' });
        byTs.set(d.ts, list);
      }
      return ok(
        [...byTs.entries()]
          .sort((a, b) => b[0] - a[0])
          .slice(0, limit)
          .map(([ts, details]) => ({ ts: String(ts), details })),
      );
    },
    'public.positionTiers': (q) => {
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (!q.get('tdMode')) return okxError('50014', 'tdMode');
      if (instType !== 'SWAP' && instType !== 'FUTURES') return ok([]);
      if (!q.get('instFamily') && !q.get('uly') && !q.get('instId')) return okxError('50014', 'instFamily');
      const list = contracts(q, ['SWAP', 'FUTURES']);
      if (!Array.isArray(list)) return list;
      // One family shares its tiers: list them once per family.
      const seen = new Set<string>();
      const rows: Record<string, string>[] = [];
      for (const i of list) {
        if (seen.has(i.contract!.uly)) continue;
        seen.add(i.contract!.uly);
        rows.push(...derivs.tiers(i).map((t) => ({ ...t, instId: '' })));
      }
      return ok(rows);
    },
    'public.underlying': (q) => {
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      const ulys = [
        ...new Set(
          market
            .instruments()
            .filter((i) => i.contract && i.instType === instType)
            .map((i) => i.contract!.uly),
        ),
      ];
      if (instType === 'OPTION') ulys.push('BTC-USD', 'ETH-USD');
      return ok([ulys]);
    },
    'market.indexTickers': (q) => {
      const instId = q.get('instId') ?? '';
      const quoteCcy = q.get('quoteCcy') ?? '';
      if (!instId && !quoteCcy) return okxError('50014', 'quoteCcy');
      const names = instId
        ? [instId]
        : market
            .instruments()
            .filter(
              (i) =>
                i.instType === 'SPOT' &&
                (i.quoteCcy === quoteCcy || (quoteCcy === 'USD' && i.quoteCcy === 'USDT')),
            )
            .map((i) => (quoteCcy === 'USD' ? `${i.baseCcy}-USD` : i.instId));
      const rows = [];
      for (const name of names) {
        const src = indexSource(market, name);
        if (!src) continue;
        const t = market.ticker(src);
        rows.push({
          instId: name,
          idxPx: t.last,
          high24h: t.high24h,
          low24h: t.low24h,
          open24h: t.open24h,
          sodUtc0: t.sodUtc0,
          sodUtc8: t.sodUtc8,
          ts: now(),
        });
      }
      if (instId && rows.length === 0) return okxError('51001');
      return ok(rows);
    },
    'market.markPriceCandles': markCandles(false),
    'market.historyMarkPriceCandles': markCandles(true),
    'market.indexCandles': indexCandles(false),
    'market.historyIndexCandles': indexCandles(true),
    'market.historyTrades': (q) => {
      const instId = q.get('instId') ?? '';
      if (!instId) return okxError('50014', 'instId');
      if (!market.instrument(instId)) return okxError('51001');
      const limit = Math.min(Number(q.get('limit')) || 100, 100);
      let rows = market.trades(instId, 500);
      const after = q.get('after');
      const before = q.get('before');
      const type = q.get('type') || '1';
      const key = (t: { tradeId: string; ts: number }) => (type === '2' ? t.ts : Number(t.tradeId));
      if (after) rows = rows.filter((t) => key(t) < Number(after));
      if (before) rows = rows.filter((t) => key(t) > Number(before));
      return ok(rows.slice(0, limit).map(tradePayload));
    },
  };
}
