import type { MarketStore } from '../data/store.js';
import { OkxkitError } from '../util/errors.js';
import { barToMs, type CandleQuery, type CandleSource, type Candles } from './candles.js';

/** Candles from the market-data store (`okxkit data download`), as the backtester reads them. */
export function storeSource(store: MarketStore): CandleSource {
  return {
    name: `store ${store.dir}`,
    async candles(q: CandleQuery): Promise<Candles> {
      const c = await store.candles({ instId: q.instId, bar: q.bar, from: q.from, to: q.to });
      if (c.length === 0)
        throw new OkxkitError(
          `the store has no ${q.bar} candles of ${q.instId} in ${new Date(q.from).toISOString()} .. ${new Date(q.to).toISOString()}`,
          {
            code: 'NO_DATA',
            hint: `download them first: okxkit data download --inst ${q.instId} --bar ${q.bar} --from ${new Date(q.from).toISOString().slice(0, 10)} --to ${new Date(q.to).toISOString().slice(0, 10)}`,
          },
        );
      return {
        instId: q.instId,
        bar: q.bar,
        barMs: barToMs(q.bar),
        ts: c.ts,
        o: c.open,
        h: c.high,
        l: c.low,
        c: c.close,
        v: c.vol,
      };
    },
  };
}

/** Fetches the funding-rate series of a swap from the store as a lookup by funding time (0 where none is stored). */
export async function storeFunding(
  store: MarketStore,
  instId: string,
  from: number,
  to: number,
): Promise<((ts: number) => number) | undefined> {
  const f = await store.funding({ instId, from, to: to + 8 * 3_600_000 });
  if (f.length === 0) return undefined;
  const byTs = new Map<number, number>();
  for (let i = 0; i < f.length; i++) byTs.set(f.ts[i]!, f.fundingRate[i]!);
  return (ts) => byTs.get(ts) ?? 0;
}
