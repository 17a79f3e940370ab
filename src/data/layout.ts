import { ValidationError } from '../util/errors.js';

/**
 * The on-disk layout of the market-data store (docs/data-store.md), plain Parquet files in
 * Hive-style folders so pandas, polars and DuckDB read them without okxkit:
 *
 *   <root>/candles/instId=BTC-USDT/bar=1m/month=2025-01/part-<from>-<to>.parquet
 *   <root>/mark-candles/instId=BTC-USDT-SWAP/bar=1m/month=2025-01/part-<from>-<to>.parquet
 *   <root>/trades/instId=BTC-USDT/month=2025-01/part-<from>-<to>.parquet
 *   <root>/funding/instId=BTC-USDT-SWAP/month=2025-01/part-<from>-<to>.parquet
 *   <root>/books/instId=BTC-USDT/month=2025-01/part-<from>-<to>.parquet
 *   <root>/arb/instId=OKX-USDT-ETH-BTC/month=2025-01/part-<from>-<to>.parquet
 *   <root>/manifest.json
 *
 * <from> and <to> (ms, UTC) are the interval the part COVERS, [from, to): every row the exchange
 * had in that interval is in the part, so an empty part says "nothing there" and the complement
 * of the parts' intervals is what is still missing. A part appears under its final name only
 * once it is complete (written beside it under a `.tmp` name, fsynced, renamed).
 */

export const KINDS = ['candles', 'mark-candles', 'trades', 'funding', 'books', 'arb'] as const;
/** The kinds of series the store keeps: candles, mark-candles, trades, funding, books, arb (opportunities). */
export type Kind = (typeof KINDS)[number];

/** Kinds whose series are split by bar size. */
export const BARRED: ReadonlySet<Kind> = new Set<Kind>(['candles', 'mark-candles']);

export type ColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'DOUBLE[]';
export interface ColumnDef {
  name: string;
  type: ColumnType;
}

const D = (name: string): ColumnDef => ({ name, type: 'DOUBLE' });

/** Column order and types of each kind's Parquet files; `ts` is always INT64 ms since the epoch (UTC). */
export const SCHEMAS: Record<Kind, readonly ColumnDef[]> = {
  candles: [
    { name: 'ts', type: 'BIGINT' },
    D('open'),
    D('high'),
    D('low'),
    D('close'),
    D('vol'),
    D('volCcy'),
    D('volCcyQuote'),
  ],
  'mark-candles': [{ name: 'ts', type: 'BIGINT' }, D('open'), D('high'), D('low'), D('close')],
  trades: [
    { name: 'ts', type: 'BIGINT' },
    { name: 'tradeId', type: 'VARCHAR' },
    D('px'),
    D('sz'),
    { name: 'side', type: 'VARCHAR' },
  ],
  funding: [{ name: 'ts', type: 'BIGINT' }, D('fundingRate'), D('realizedRate')],
  books: [
    { name: 'ts', type: 'BIGINT' },
    { name: 'bidPx', type: 'DOUBLE[]' },
    { name: 'bidSz', type: 'DOUBLE[]' },
    { name: 'askPx', type: 'DOUBLE[]' },
    { name: 'askSz', type: 'DOUBLE[]' },
  ],
  // Arbitrage opportunities above a threshold (src/arb): one series per route, e.g.
  // instId=OKX-USDT-ETH-BTC (a cycle) or instId=BTC-USDT-OKX-ALT (buy on okx, sell on alt).
  arb: [
    { name: 'ts', type: 'BIGINT' },
    { name: 'route', type: 'VARCHAR' },
    D('edgeBps'),
    D('size'),
    D('profit'),
    D('maxAgeMs'),
    { name: 'bookTs', type: 'DOUBLE[]' },
  ],
};

/** Column that identifies a row: two rows with the same key are duplicates. */
export const KEY: Record<Kind, string> = {
  candles: 'ts',
  'mark-candles': 'ts',
  trades: 'tradeId',
  funding: 'ts',
  books: 'ts',
  arb: 'ts',
};

/** One series: a kind for one instrument (and one bar size for candles). */
export interface SeriesKey {
  kind: Kind;
  instId: string;
  /** Required for candles and mark-candles, absent otherwise. */
  bar?: string;
}

const INST_RE = /^[A-Z0-9]+(-[A-Z0-9]+){1,4}$/;
const BAR_RE = /^[0-9]+[smHDWM](utc)?$/;

export function checkSeries(k: SeriesKey): SeriesKey {
  if (!(KINDS as readonly string[]).includes(k.kind)) {
    throw new ValidationError('kind', `'${k.kind}' is not a stored kind`, `use one of ${KINDS.join(', ')}`);
  }
  if (!INST_RE.test(k.instId)) {
    throw new ValidationError(
      'instId',
      `'${k.instId}' is not an OKX instrument id`,
      'e.g. BTC-USDT or BTC-USDT-SWAP',
    );
  }
  if (BARRED.has(k.kind)) {
    if (k.bar === undefined || !BAR_RE.test(k.bar)) {
      throw new ValidationError('bar', `'${String(k.bar)}' is not a bar size`, 'e.g. 1m, 1H, 1D');
    }
    return { kind: k.kind, instId: k.instId, bar: k.bar };
  }
  return { kind: k.kind, instId: k.instId };
}

/** Folder of a series, relative to the root. */
export function seriesDir(k: SeriesKey): string {
  const base = `${k.kind}/instId=${k.instId}`;
  return BARRED.has(k.kind) ? `${base}/bar=${k.bar}` : base;
}

export function seriesName(k: SeriesKey): string {
  return BARRED.has(k.kind) ? `${k.kind}:${k.instId}:${k.bar}` : `${k.kind}:${k.instId}`;
}

/** "2025-01" for a ms timestamp (UTC). */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** First ms of the UTC month containing ms. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** First ms of the next UTC month. */
export function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export const PART_RE = /^part-(\d+)-(\d+)\.parquet$/;

export function partName(from: number, to: number): string {
  return `part-${from}-${to}.parquet`;
}

/**
 * A time bound as the CLI and the API take it: ms since the epoch, a Date, or an ISO date
 * ("2025-01-01", "2025-01-01T12:00:00Z"; a date without a zone is UTC).
 */
export function toMs(v: number | string | Date, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValidationError(field, 'must be a finite ms timestamp');
    return v;
  }
  if (v instanceof Date) return toMs(v.getTime(), field);
  if (/^\d+$/.test(v)) return Number(v);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  if (!Number.isFinite(t)) {
    throw new ValidationError(
      field,
      `'${v}' is not a date`,
      'use YYYY-MM-DD, an ISO time or ms since the epoch',
    );
  }
  return t;
}
