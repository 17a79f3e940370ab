import { ValidationError } from '../util/errors.js';

/** OHLCV candles in columns, oldest first; ts is the candle's start (ms since epoch). */
export interface Candles {
  instId: string;
  bar: string;
  /** Length of one bar in ms. */
  barMs: number;
  ts: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  /** Volume in base currency (contracts for swaps). */
  v: Float64Array;
}

/** Which candles a CandleSource reads: an instrument, a bar size and a time range (ms). */
export interface CandleQuery {
  instId: string;
  bar: string;
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
}

/** Where a backtest reads its candles: the market-data store, or the local exchange's seeded history. */
export interface CandleSource {
  /** A description for reports, e.g. "store ~/.okxkit/data" or "local exchange seed 1". */
  readonly name: string;
  candles(q: CandleQuery): Promise<Candles>;
}

const BAR_MS: Record<string, number> = {
  '1s': 1000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1H': 3_600_000,
  '2H': 7_200_000,
  '4H': 14_400_000,
  '6H': 21_600_000,
  '12H': 43_200_000,
  '1D': 86_400_000,
};

/** The length of a bar in ms; throws ValidationError naming `field` for a bar a backtest cannot use. */
export function barToMs(bar: string, field = 'bar'): number {
  const ms = BAR_MS[bar] ?? BAR_MS[bar.replace(/utc$/, '')];
  if (!ms)
    throw new ValidationError(
      field,
      `"${bar}" is not a bar the backtester reads`,
      `use one of ${Object.keys(BAR_MS).join(' ')}`,
    );
  return ms;
}

/** Candles from rows (tests, CSV); rows must be oldest first. */
export function candlesFromRows(
  instId: string,
  bar: string,
  rows: ReadonlyArray<readonly [ts: number, o: number, h: number, l: number, c: number, v: number]>,
): Candles {
  const n = rows.length;
  const out: Candles = {
    instId,
    bar,
    barMs: barToMs(bar),
    ts: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
  };
  rows.forEach((r, i) => {
    out.ts[i] = r[0];
    out.o[i] = r[1];
    out.h[i] = r[2];
    out.l[i] = r[3];
    out.c[i] = r[4];
    out.v[i] = r[5];
  });
  checkCandles(out);
  return out;
}

/** Checks the columns agree in length, time only moves forward and each candle is consistent. */
export function checkCandles(c: Candles): void {
  const n = c.ts.length;
  for (const k of ['o', 'h', 'l', 'c', 'v'] as const)
    if (c[k].length !== n)
      throw new ValidationError('candles', `column ${k} has ${c[k].length} rows, ts has ${n}`);
  for (let i = 0; i < n; i++) {
    if (i > 0 && !(c.ts[i]! > c.ts[i - 1]!))
      throw new ValidationError(
        'candles',
        `row ${i}: time ${c.ts[i]} does not follow ${c.ts[i - 1]}`,
        'sort candles oldest first without duplicates',
      );
    const lo = c.l[i]!;
    const hi = c.h[i]!;
    if (!(lo > 0) || hi < lo || c.o[i]! < lo || c.o[i]! > hi || c.c[i]! < lo || c.c[i]! > hi)
      throw new ValidationError(
        'candles',
        `row ${i} (ts ${c.ts[i]}): open/close outside low..high or a price <= 0`,
      );
  }
}

/** A slice [i, j) of the candles (shares the underlying buffers). */
export function sliceCandles(c: Candles, i: number, j: number): Candles {
  return {
    instId: c.instId,
    bar: c.bar,
    barMs: c.barMs,
    ts: c.ts.subarray(i, j),
    o: c.o.subarray(i, j),
    h: c.h.subarray(i, j),
    l: c.l.subarray(i, j),
    c: c.c.subarray(i, j),
    v: c.v.subarray(i, j),
  };
}
