import { renameSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../util/errors.js';
import { missing, type Interval } from './intervals.js';
import { BARRED, KEY, SCHEMAS, checkSeries, seriesName, toMs, type SeriesKey } from './layout.js';
import type { MarketStore, Range } from './store.js';
import { minBarMs } from './download.js';

/** A stretch of missing bars in a stored candle series. */
export interface Gap extends Interval {
  /** Bars missing in [from, to). */
  bars: number;
}

/** What `data check` found in one series: coverage, gaps and duplicate rows. */
export interface CheckReport {
  series: string;
  rows: number;
  parts: number;
  /** Merged covered intervals. */
  covered: Interval[];
  /** Holes between the first and the last covered ms: not downloaded (run download again). */
  uncovered: Interval[];
  /** Rows stored more than once (same key in several parts); readers keep one. */
  duplicates: number;
  /** Candles only: runs of missing bars inside covered intervals (the exchange had no bar there). */
  gaps: Gap[];
  missingBars: number;
  /** Candles only: bars whose ts is not on the bar grid, or whose high/low do not contain open/close. */
  invalid: number;
  ok: boolean;
}

const FIXED = /^\d+[smH]$/;

/** Gaps, duplicates, holes in coverage and malformed candles of one series. */
export async function checkStoredSeries(
  store: MarketStore,
  key: SeriesKey,
  range: Range = {},
): Promise<CheckReport> {
  const k = checkSeries(key);
  const parts = store.parts(k);
  const covered = store.covered(k);
  const first = covered[0]?.from;
  const last = covered[covered.length - 1]?.to;
  const uncovered = first === undefined ? [] : missing(first, last!, covered);
  const files = store.partFiles(k, range);
  let duplicates = 0;
  let rows = 0;
  if (files.length > 0) {
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const [r] = await store.query(
      `SELECT count(*)::DOUBLE AS n, count(DISTINCT "${KEY[k.kind]}")::DOUBLE AS d FROM read_parquet([${list}])`,
    );
    rows = Number(r!.d);
    duplicates = Number(r!.n) - rows;
  }
  const gaps: Gap[] = [];
  let missingBars = 0;
  let invalid = 0;
  if (BARRED.has(k.kind)) {
    const c = await store.candles({ instId: k.instId, bar: k.bar!, kind: k.kind as 'candles', ...range });
    const step = minBarMs(k.bar!);
    const fixed = FIXED.test(k.bar!);
    for (let i = 0; i < c.length; i++) {
      const o = c.open[i]!;
      const h = c.high[i]!;
      const l = c.low[i]!;
      const cl = c.close[i]!;
      if ((fixed && c.ts[i]! % step !== 0) || !(h >= Math.max(o, cl, l) && l <= Math.min(o, cl) && l > 0))
        invalid++;
    }
    if (fixed) {
      // Inside each covered interval, every bar slot should hold a bar.
      const lo = range.from === undefined ? -Infinity : toMs(range.from, 'from');
      const hi = range.to === undefined ? Infinity : toMs(range.to, 'to');
      let j = 0;
      for (const iv of covered) {
        const from = Math.ceil(Math.max(iv.from, lo) / step) * step;
        const to = Math.min(iv.to, hi);
        while (j < c.length && c.ts[j]! < from) j++;
        let expect = from;
        const gapTo = (t: number) => {
          if (t > expect) {
            const bars = Math.round((t - expect) / step);
            missingBars += bars;
            gaps.push({ from: expect, to: t, bars });
          }
        };
        while (j < c.length && c.ts[j]! < to) {
          gapTo(c.ts[j]!);
          expect = c.ts[j]! + step;
          j++;
        }
        gapTo(Math.ceil(to / step) * step);
      }
    }
  }
  return {
    series: seriesName(k),
    rows,
    parts: parts.length,
    covered,
    uncovered,
    duplicates,
    gaps,
    missingBars,
    invalid,
    ok: uncovered.length === 0 && missingBars === 0 && invalid === 0,
  };
}

/** The file formats exportSeries writes. */
export type ExportFormat = 'csv' | 'parquet';

/**
 * Writes one series, one row per key, oldest first, to a single CSV (with a header and an ISO
 * `time` column) or Parquet file; atomically (a temp file renamed over `out`). Returns the rows.
 */
export async function exportSeries(
  store: MarketStore,
  key: SeriesKey,
  out: string,
  format: ExportFormat,
  range: Range = {},
): Promise<number> {
  const k = checkSeries(key);
  if (format !== 'csv' && format !== 'parquet') {
    throw new ValidationError('format', `'${String(format)}' is not an export format`, 'use csv or parquet');
  }
  const files = store.partFiles(k, range);
  if (files.length === 0) {
    throw new ValidationError(
      'series',
      `${seriesName(k)} has no data in the store`,
      'run okxkit data download first',
    );
  }
  const lo = range.from === undefined ? undefined : toMs(range.from, 'from');
  const hi = range.to === undefined ? undefined : toMs(range.to, 'to');
  const where = [lo === undefined ? '' : `ts >= ${lo}`, hi === undefined ? '' : `ts < ${hi}`].filter(Boolean);
  const cols = SCHEMAS[k.kind].map((c) => `"${c.name}"`).join(', ');
  const time =
    format === 'csv' ? `strftime(make_timestamp(ts * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS time, ` : '';
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.tmp`);
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const sql =
    `COPY (SELECT ${time}${cols} FROM (SELECT DISTINCT ON ("${KEY[k.kind]}") * FROM read_parquet([${list}])` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''}) ORDER BY ts, "${KEY[k.kind]}") TO ${q(tmp)} ` +
    (format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)');
  try {
    const [r] = await store.query(sql);
    renameSync(tmp, out);
    return Number(Object.values(r ?? { n: 0 })[0]);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
