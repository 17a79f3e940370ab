import {
  DOUBLE,
  DuckDBInstance,
  LIST,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
} from '@duckdb/node-api';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import {
  BARRED,
  KEY,
  KINDS,
  PART_RE,
  SCHEMAS,
  checkSeries,
  monthOf,
  nextMonth,
  partName,
  seriesDir,
  seriesName,
  toMs,
  type ColumnDef,
  type Kind,
  type SeriesKey,
} from './layout.js';
import { union, type Interval } from './intervals.js';

/** Candles as columns, oldest first, one row per ts (duplicates across parts dropped). */
export interface Candles {
  instId: string;
  bar: string;
  length: number;
  /** Bar open time, ms since the epoch (UTC). */
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** OKX's `vol`: base currency for spot, contracts for derivatives (0 for mark-price candles). */
  vol: Float64Array;
  /** OKX's `volCcy`: base currency (0 for mark-price candles). */
  volCcy: Float64Array;
  /** OKX's `volCcyQuote`: quote currency (0 for mark-price candles). */
  volCcyQuote: Float64Array;
}

/** Stored trades of one instrument as columns (ts in ms), oldest first. */
export interface Trades {
  instId: string;
  length: number;
  ts: Float64Array;
  px: Float64Array;
  sz: Float64Array;
  /** +1 buy (taker bought), -1 sell. */
  side: Int8Array;
  tradeId: string[];
}

/** Stored funding rates of one swap as columns, oldest first. */
export interface FundingRates {
  instId: string;
  length: number;
  /** fundingTime, ms. */
  ts: Float64Array;
  fundingRate: Float64Array;
  realizedRate: Float64Array;
}

/** Stored order-book snapshots of one instrument as columns, oldest first. */
export interface BookSnapshots {
  instId: string;
  length: number;
  ts: Float64Array;
  /** Per snapshot, best first. */
  bidPx: Float64Array[];
  bidSz: Float64Array[];
  askPx: Float64Array[];
  askSz: Float64Array[];
}

/** A time range, [from, to): ms, Date or ISO date ("2025-01-01" is midnight UTC). */
export interface Range {
  from?: number | string | Date;
  to?: number | string | Date;
}

/** Which candles to read: an instrument, a bar size and a time range. */
export interface CandleQuery extends Range {
  instId: string;
  bar: string;
  /** 'candles' (default, trade prices) or 'mark-candles'. */
  kind?: 'candles' | 'mark-candles';
}

/** Which rows of one instrument to read (trades, funding, books) in a time range. */
export interface InstQuery extends Range {
  instId: string;
}

/** Input rows as columns by name; `ts` in ms. Numbers may be plain arrays or typed arrays. */
export type RowColumns = Record<string, ArrayLike<number> | readonly string[] | readonly ArrayLike<number>[]>;

export interface CandleInput {
  ts: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  vol?: ArrayLike<number>;
  volCcy?: ArrayLike<number>;
  volCcyQuote?: ArrayLike<number>;
}

/** One Parquet part as the manifest lists it. */
export interface PartInfo {
  /** Path relative to the store root. */
  file: string;
  kind: Kind;
  instId: string;
  bar?: string;
  /** Covered interval [from, to), ms. */
  from: number;
  to: number;
  rows: number;
  /** Smallest and largest ts in the part (undefined when empty). */
  minTs?: number;
  maxTs?: number;
}

/** What the store holds for one series: parts, rows and the covered time ranges. */
export interface SeriesInfo extends SeriesKey {
  parts: number;
  rows: number;
  /** Merged covered intervals, oldest first. */
  covered: Interval[];
  minTs?: number;
  maxTs?: number;
}

/** The market-data store (Parquet parts read through DuckDB, docs/data-store.md); open one with openStore. */
export interface MarketStore {
  readonly dir: string;
  candles(q: CandleQuery): Promise<Candles>;
  trades(q: InstQuery): Promise<Trades>;
  funding(q: InstQuery): Promise<FundingRates>;
  books(q: InstQuery): Promise<BookSnapshots>;
  /** Writes candles as one part per UTC month; coverage defaults to [first ts, last ts + 1). */
  writeCandles(
    q: Omit<CandleQuery, 'from' | 'to'>,
    rows: CandleInput,
    coverage?: Interval,
  ): Promise<PartInfo[]>;
  /** Writes rows of any kind (columns as in docs/data-store.md) covering [from, to). */
  write(key: SeriesKey, rows: RowColumns, coverage?: Interval): Promise<PartInfo[]>;
  /** Every series in the store. */
  series(): SeriesInfo[];
  /** Parts of one series, oldest first. */
  parts(key: SeriesKey): PartInfo[];
  /** Merged covered intervals of one series. */
  covered(key: SeriesKey): Interval[];
  /** Runs SQL on the store's DuckDB (views per kind are not defined; use read_parquet on partFiles). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Absolute paths of the parts of a series overlapping [from, to). */
  partFiles(key: SeriesKey, range?: Range): string[];
  close(): Promise<void>;
}

/** The market-data store could not read or write (code STORE_ERROR, with a hint). */
export class StoreError extends OkxkitError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { code: 'STORE_ERROR', hint, cause });
  }
}

const MANIFEST = 'manifest.json';
const DOUBLE_LIST = LIST(DOUBLE);
const MANIFEST_VERSION = 1;

interface Manifest {
  version: number;
  parts: PartInfo[];
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

const orderBy = (kind: Kind) => (KEY[kind] === 'ts' ? 'ts' : `ts, ${ident(KEY[kind])}`);

function range(r: Range): { from: number; to: number } {
  const from = r.from === undefined ? -Infinity : toMs(r.from, 'from');
  const to = r.to === undefined ? Infinity : toMs(r.to, 'to');
  if (!(from <= to)) throw new ValidationError('from', 'must not be after to');
  return { from, to };
}

/** Values of a DOUBLE column of a result, without a per-value call where the vector allows it. */
function readDoubles(res: DuckDBMaterializedResult, col: number, out: Float64Array): void {
  let n = 0;
  for (let i = 0; i < res.chunkCount; i++) {
    const chunk = res.getChunk(i);
    const vec = chunk.getColumnVector(col);
    const items = (vec as unknown as { items?: unknown }).items;
    if (items instanceof Float64Array && items.length >= chunk.rowCount) {
      out.set(items.subarray(0, chunk.rowCount), n);
      n += chunk.rowCount;
    } else {
      for (let j = 0; j < chunk.rowCount; j++) out[n++] = Number(vec.getItem(j) ?? NaN);
    }
  }
}

function readAny(res: DuckDBMaterializedResult, col: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < res.chunkCount; i++) {
    const chunk = res.getChunk(i);
    const vec = chunk.getColumnVector(col);
    for (let j = 0; j < chunk.rowCount; j++) out.push(vec.getItem(j));
  }
  return out;
}

/** Indexes of the rows to keep: the first of each run of equal keys (rows are sorted by key). */
function firstOfRuns(keys: ArrayLike<number | string>): Int32Array | undefined {
  let dup = false;
  for (let i = 1; i < keys.length; i++) if (keys[i] === keys[i - 1]) dup = true;
  if (!dup) return undefined;
  const keep: number[] = [];
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) keep.push(i);
  return Int32Array.from(keep);
}

function pick(a: Float64Array, idx: Int32Array | undefined): Float64Array {
  if (!idx) return a;
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]!]!;
  return out;
}

function listValues(v: unknown): Float64Array {
  const items = (v as { items?: readonly unknown[] } | null)?.items ?? [];
  return Float64Array.from(items, (x) => Number(x));
}

class DuckStore implements MarketStore {
  private chain: Promise<unknown> = Promise.resolve();
  private manifest: Manifest;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {
    this.manifest = { version: MANIFEST_VERSION, parts: [] };
  }

  /** Serialises work on the one connection. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('the store is closed'));
    const p = this.chain.then(fn, fn);
    // The caller gets p's rejection; the chain only orders the work, so a failed step never blocks the next.
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Reads the manifest and reconciles it with the part files actually on disk. */
  async load(): Promise<void> {
    const path = join(this.dir, MANIFEST);
    let listed: PartInfo[] = [];
    if (existsSync(path)) {
      try {
        const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
        if (m.version === MANIFEST_VERSION && Array.isArray(m.parts)) listed = m.parts;
      } catch {
        listed = []; // rebuilt from the files below
      }
    }
    const byFile = new Map(listed.map((p) => [p.file, p]));
    const found: PartInfo[] = [];
    let changed = false;
    for (const { file, key, from, to } of this.scan()) {
      const known = byFile.get(file);
      if (known) {
        found.push(known);
        continue;
      }
      changed = true;
      const res = await this.conn.runAndReadAll(
        `SELECT count(*)::DOUBLE, min(ts)::DOUBLE, max(ts)::DOUBLE FROM read_parquet(${q(join(this.dir, file))})`,
      );
      const [rows, minTs, maxTs] = res.getRows()[0]! as (number | null)[];
      found.push({
        file,
        ...key,
        from,
        to,
        rows: rows ?? 0,
        ...(minTs === null ? {} : { minTs, maxTs: maxTs! }),
      });
    }
    if (found.length !== listed.length) changed = true;
    this.manifest = { version: MANIFEST_VERSION, parts: found };
    if (changed) this.saveManifest();
  }

  private *scan(): Generator<{ file: string; key: SeriesKey; from: number; to: number }> {
    const sub = (p: string) => {
      try {
        return readdirSync(p, { withFileTypes: true });
      } catch {
        return [];
      }
    };
    const val = (name: string, k: string) =>
      name.startsWith(`${k}=`) ? name.slice(k.length + 1) : undefined;
    for (const kind of KINDS) {
      for (const i of sub(join(this.dir, kind))) {
        const instId = val(i.name, 'instId');
        if (!i.isDirectory() || !instId) continue;
        const bars = BARRED.has(kind)
          ? sub(join(this.dir, kind, i.name)).flatMap((b) => {
              const bar = val(b.name, 'bar');
              return b.isDirectory() && bar ? [bar] : [];
            })
          : [undefined];
        for (const bar of bars) {
          const key: SeriesKey = bar === undefined ? { kind, instId } : { kind, instId, bar };
          const sdir = join(this.dir, seriesDir(key));
          for (const m of sub(sdir)) {
            if (!m.isDirectory() || !val(m.name, 'month')) continue;
            for (const f of sub(join(sdir, m.name))) {
              const hit = PART_RE.exec(f.name);
              if (!f.isFile() || !hit) continue;
              yield {
                file: relative(this.dir, join(sdir, m.name, f.name)),
                key,
                from: Number(hit[1]),
                to: Number(hit[2]),
              };
            }
          }
        }
      }
    }
  }

  private saveManifest(): void {
    const parts = [...this.manifest.parts].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    writeFileAtomic(
      join(this.dir, MANIFEST),
      `${JSON.stringify({ version: MANIFEST_VERSION, parts }, null, 1)}\n`,
      0o644,
    );
  }

  parts(key: SeriesKey): PartInfo[] {
    const k = checkSeries(key);
    return this.manifest.parts
      .filter((p) => p.kind === k.kind && p.instId === k.instId && p.bar === k.bar)
      .sort((a, b) => a.from - b.from || a.to - b.to);
  }

  covered(key: SeriesKey): Interval[] {
    return union(this.parts(key).map((p) => ({ from: p.from, to: p.to })));
  }

  series(): SeriesInfo[] {
    const groups = new Map<string, PartInfo[]>();
    for (const p of this.manifest.parts) {
      const name = seriesName(p);
      groups.set(name, [...(groups.get(name) ?? []), p]);
    }
    return [...groups.keys()].sort().map((name) => {
      const ps = groups.get(name)!;
      const p0 = ps[0]!;
      const key = checkSeries({ kind: p0.kind, instId: p0.instId, bar: p0.bar });
      let minTs: number | undefined;
      let maxTs: number | undefined;
      for (const p of ps) {
        if (p.minTs !== undefined && (minTs === undefined || p.minTs < minTs)) minTs = p.minTs;
        if (p.maxTs !== undefined && (maxTs === undefined || p.maxTs > maxTs)) maxTs = p.maxTs;
      }
      return {
        ...key,
        parts: ps.length,
        rows: ps.reduce((s, p) => s + p.rows, 0),
        covered: union(ps.map((p) => ({ from: p.from, to: p.to }))),
        ...(minTs === undefined ? {} : { minTs, maxTs }),
      };
    });
  }

  partFiles(key: SeriesKey, r: Range = {}): string[] {
    const { from, to } = range(r);
    return this.parts(key)
      .filter((p) => p.to > from && p.from < to && p.rows > 0)
      .map((p) => join(this.dir, p.file));
  }

  private async select(
    key: SeriesKey,
    r: Range,
    cols: string,
  ): Promise<DuckDBMaterializedResult | undefined> {
    const { from, to } = range(r);
    const files = this.partFiles(key, r).filter((f) => existsSync(f));
    if (files.length === 0) return undefined;
    const where = [
      Number.isFinite(from) ? `ts >= ${from}` : undefined,
      Number.isFinite(to) ? `ts < ${to}` : undefined,
    ].filter(Boolean);
    const sql =
      `SELECT ${cols} FROM read_parquet([${files.map(q).join(', ')}])` +
      `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy(key.kind)}`;
    try {
      return await this.conn.run(sql);
    } catch (err) {
      throw new StoreError(
        `reading ${seriesName(key)} failed: ${(err as Error).message}`,
        'run `okxkit data check`',
        err,
      );
    }
  }

  async candles(cq: CandleQuery): Promise<Candles> {
    const kind = cq.kind ?? 'candles';
    const key = checkSeries({ kind, instId: cq.instId, bar: cq.bar });
    return this.run(async () => {
      const vols = kind === 'candles';
      const res = await this.select(
        key,
        cq,
        `ts::DOUBLE, open, high, low, close${vols ? ', vol, volCcy, volCcyQuote' : ''}`,
      );
      const n = res?.rowCount ?? 0;
      const cols = Array.from({ length: 8 }, () => new Float64Array(n));
      if (res) for (let c = 0; c < (vols ? 8 : 5); c++) readDoubles(res, c, cols[c]!);
      const keep = firstOfRuns(cols[0]!);
      const [ts, open, high, low, close, vol, volCcy, volCcyQuote] = cols.map((c) => pick(c, keep));
      return {
        instId: cq.instId,
        bar: cq.bar,
        length: ts!.length,
        ts: ts!,
        open: open!,
        high: high!,
        low: low!,
        close: close!,
        vol: vol!,
        volCcy: volCcy!,
        volCcyQuote: volCcyQuote!,
      };
    });
  }

  async trades(tq: InstQuery): Promise<Trades> {
    const key = checkSeries({ kind: 'trades', instId: tq.instId });
    return this.run(async () => {
      const res = await this.select(key, tq, `ts::DOUBLE, px, sz, side, tradeId`);
      const n = res?.rowCount ?? 0;
      const ts = new Float64Array(n);
      const px = new Float64Array(n);
      const sz = new Float64Array(n);
      let sides: unknown[] = [];
      let ids: string[] = [];
      if (res) {
        readDoubles(res, 0, ts);
        readDoubles(res, 1, px);
        readDoubles(res, 2, sz);
        sides = readAny(res, 3);
        ids = readAny(res, 4).map(String);
      }
      // The same trade may sit in a downloaded and a recorded part: keep one per tradeId.
      const seen = new Set<string>();
      const keep: number[] = [];
      for (let i = 0; i < n; i++) {
        if (seen.has(ids[i]!)) continue;
        seen.add(ids[i]!);
        keep.push(i);
      }
      const idx = keep.length === n ? undefined : Int32Array.from(keep);
      const side = new Int8Array(keep.length);
      keep.forEach((i, j) => (side[j] = sides[i] === 'buy' ? 1 : -1));
      return {
        instId: tq.instId,
        length: keep.length,
        ts: pick(ts, idx),
        px: pick(px, idx),
        sz: pick(sz, idx),
        side,
        tradeId: keep.map((i) => ids[i]!),
      };
    });
  }

  async funding(fq: InstQuery): Promise<FundingRates> {
    const key = checkSeries({ kind: 'funding', instId: fq.instId });
    return this.run(async () => {
      const res = await this.select(key, fq, `ts::DOUBLE, fundingRate, realizedRate`);
      const n = res?.rowCount ?? 0;
      const cols = Array.from({ length: 3 }, () => new Float64Array(n));
      if (res) for (let c = 0; c < 3; c++) readDoubles(res, c, cols[c]!);
      const keep = firstOfRuns(cols[0]!);
      const [ts, fundingRate, realizedRate] = cols.map((c) => pick(c, keep));
      return {
        instId: fq.instId,
        length: ts!.length,
        ts: ts!,
        fundingRate: fundingRate!,
        realizedRate: realizedRate!,
      };
    });
  }

  async books(bq: InstQuery): Promise<BookSnapshots> {
    const key = checkSeries({ kind: 'books', instId: bq.instId });
    return this.run(async () => {
      const res = await this.select(key, bq, `ts::DOUBLE, bidPx, bidSz, askPx, askSz`);
      const n = res?.rowCount ?? 0;
      const ts = new Float64Array(n);
      if (res) readDoubles(res, 0, ts);
      const lists = [1, 2, 3, 4].map((c) => (res ? readAny(res, c).map(listValues) : []));
      const keep = firstOfRuns(ts);
      const sel = <T>(xs: T[]) => (keep ? Array.from(keep, (i) => xs[i]!) : xs);
      return {
        instId: bq.instId,
        length: keep ? keep.length : n,
        ts: pick(ts, keep),
        bidPx: sel(lists[0]!),
        bidSz: sel(lists[1]!),
        askPx: sel(lists[2]!),
        askSz: sel(lists[3]!),
      };
    });
  }

  async writeCandles(
    cq: Omit<CandleQuery, 'from' | 'to'>,
    rows: CandleInput,
    coverage?: Interval,
  ): Promise<PartInfo[]> {
    const kind = cq.kind ?? 'candles';
    const cols: RowColumns = {
      ts: rows.ts,
      open: rows.open,
      high: rows.high,
      low: rows.low,
      close: rows.close,
    };
    if (kind === 'candles') {
      const zeros = new Float64Array(rows.ts.length);
      cols.vol = rows.vol ?? zeros;
      cols.volCcy = rows.volCcy ?? zeros;
      cols.volCcyQuote = rows.volCcyQuote ?? zeros;
    }
    return this.write({ kind, instId: cq.instId, bar: cq.bar }, cols, coverage);
  }

  async write(key: SeriesKey, rows: RowColumns, coverage?: Interval): Promise<PartInfo[]> {
    const k = checkSeries(key);
    const schema = SCHEMAS[k.kind];
    const n = (rows.ts ?? []).length;
    for (const c of schema) {
      const col = rows[c.name];
      if (!col)
        throw new ValidationError(
          `rows.${c.name}`,
          'is missing',
          `a ${k.kind} part has ${schema.map((s) => s.name).join(', ')}`,
        );
      if (col.length !== n)
        throw new ValidationError(`rows.${c.name}`, `has ${col.length} values, ts has ${n}`);
    }
    const ts = rows.ts as ArrayLike<number>;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      if (!Number.isSafeInteger(t))
        throw new ValidationError('rows.ts', `value ${t} at row ${i} is not an integer ms timestamp`);
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const cov = coverage ?? (n > 0 ? { from: min, to: max + 1 } : undefined);
    if (!cov) return [];
    if (!(Number.isSafeInteger(cov.from) && Number.isSafeInteger(cov.to) && cov.from < cov.to)) {
      throw new ValidationError('coverage', `[${cov.from}, ${cov.to}) is not a non-empty ms interval`);
    }
    if (n > 0 && (min < cov.from || max >= cov.to)) {
      throw new ValidationError(
        'coverage',
        `rows span [${min}, ${max}] outside the covered [${cov.from}, ${cov.to})`,
      );
    }
    return this.run(() => this.writeParts(k, schema, rows, n, cov));
  }

  private async writeParts(
    key: SeriesKey,
    schema: readonly ColumnDef[],
    rows: RowColumns,
    n: number,
    cov: Interval,
  ): Promise<PartInfo[]> {
    const table = `w_${key.kind.replace('-', '_')}`;
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE ${table} (${schema.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
    );
    const app = await this.conn.createAppender(table);
    for (let i = 0; i < n; i++) {
      for (const c of schema) {
        const v = rows[c.name]![i];
        if (c.type === 'BIGINT') app.appendBigInt(BigInt(v as number));
        else if (c.type === 'DOUBLE') app.appendDouble(Number(v));
        else if (c.type === 'VARCHAR') app.appendVarchar(String(v));
        else app.appendList(Array.from(v as ArrayLike<number>, Number), DOUBLE_LIST);
      }
      app.endRow();
    }
    app.closeSync();
    const written: PartInfo[] = [];
    for (let from = cov.from; from < cov.to;) {
      const to = Math.min(cov.to, nextMonth(from));
      const dir = join(this.dir, seriesDir(key), `month=${monthOf(from)}`);
      mkdirSync(dir, { recursive: true });
      const name = partName(from, to);
      const final = join(dir, name);
      const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await this.conn.run(
          `COPY (SELECT * FROM ${table} WHERE ts >= ${from} AND ts < ${to} ORDER BY ${orderBy(key.kind)}) TO ${q(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const fd = openSync(tmp, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, final);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw new StoreError(
          `writing ${relative(this.dir, final)} failed: ${(err as Error).message}`,
          'check the disk space and permissions of the store folder',
          err,
        );
      }
      const st = await this.conn.runAndReadAll(
        `SELECT count(*)::DOUBLE, min(ts)::DOUBLE, max(ts)::DOUBLE FROM ${table} WHERE ts >= ${from} AND ts < ${to}`,
      );
      const [cnt, minTs, maxTs] = st.getRows()[0]! as (number | null)[];
      const file = relative(this.dir, final);
      const info: PartInfo = {
        file,
        ...key,
        from,
        to,
        rows: cnt ?? 0,
        ...(minTs === null ? {} : { minTs, maxTs: maxTs! }),
      };
      this.manifest.parts = [...this.manifest.parts.filter((p) => p.file !== file), info];
      written.push(info);
      from = to;
    }
    await this.conn.run(`DROP TABLE ${table}`);
    this.saveManifest();
    return written;
  }

  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.run(async () => {
      const r = await this.conn.runAndReadAll(sql);
      return r.getRowObjectsJS();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.chain;
    this.closed = true;
    this.conn.closeSync();
    this.db.closeSync();
  }
}

/**
 * Opens (creating if needed) the market-data store in `dir`: Parquet parts under Hive-style
 * folders plus a manifest (docs/data-store.md). Queries run on an in-memory DuckDB.
 *
 *   const store = await openStore('./market-data');
 *   const k = await store.candles({ instId: 'BTC-USDT', bar: '1m', from: '2025-01-01', to: '2025-02-01' });
 *   k.close[k.length - 1];
 */
export async function openStore(dir: string): Promise<MarketStore> {
  if (!dir) throw new ValidationError('dir', 'is empty', 'pass the folder of the market-data store');
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const store = new DuckStore(dir, db, conn);
  await store.load();
  return store;
}

/** Removes leftover `.tmp` files of writes that a crash interrupted (never read: they have no part name). */
export function sweepTempFiles(dir: string): number {
  let n = 0;
  const walk = (p: string) => {
    let entries;
    try {
      entries = readdirSync(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const f = join(p, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.startsWith('.') && e.name.endsWith('.tmp')) {
        rmSync(f, { force: true });
        n++;
      }
    }
  };
  for (const kind of KINDS) walk(join(dir, kind));
  return n;
}
