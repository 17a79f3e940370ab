import type { OkxClient } from '../client/okx-client.js';
import type { RateRule } from '../protocol/endpoints.js';
import { ENDPOINTS } from '../protocol/endpoints.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { missing, type Interval } from './intervals.js';
import { seriesName, type Kind, type SeriesKey } from './layout.js';
import type { MarketStore, RowColumns } from './store.js';
import { sweepTempFiles } from './store.js';

/**
 * History download: pages OKX's history endpoints as fast as their rate rules allow and writes
 * what it gets into the store as atomic parts, so a run stopped at any point (Ctrl-C, a crash,
 * a network failure) resumes where it stopped: only what no part covers is fetched again.
 *
 * Candle-shaped kinds are cut into fixed time slices of one page each (limit x bar length), so
 * every page's request is known up front and up to the rule's limit of pages are in flight at
 * once; the client's limiter (reading the endpoint catalogue) paces them at the rule.
 */

/** Rows per request on history endpoints (OKX's default page; ccxt uses the same). */
export const PAGE_LIMIT = 100;
/** Buffered rows after which the committed prefix is written as parts. */
const FLUSH_ROWS = 50_000;
/**
 * Requests in flight at most. The limiter holds each grant until its response and counts the
 * window from then (the exchange counts on arrival), so a request queued behind many others at
 * the exchange pushes the next window back by its wait: a few in flight keep that wait to one
 * service time while still allowing far more than any history rule (8 x 1/RTT per second).
 */
const MAX_IN_FLIGHT = 8;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Shortest length of a bar: a page of `limit` bars never spans more than limit x this. */
export function minBarMs(bar: string): number {
  const m = /^(\d+)([smHDWM])(utc)?$/.exec(bar);
  if (!m) throw new ValidationError('bar', `'${bar}' is not a bar size`, 'e.g. 1m, 1H, 1D');
  const n = Number(m[1]);
  const unit = { s: 1000, m: MIN, H: HOUR, D: DAY, W: 7 * DAY, M: 28 * DAY }[m[2] as 's'];
  return n * unit;
}

/** Progress of a download, per series, for a progress line. */
export interface DownloadProgress {
  series: string;
  /** Pages fetched and pages to fetch for this series (slices of time). */
  pagesDone: number;
  pagesTotal: number;
  rows: number;
  requests: number;
  elapsedMs: number;
  rowsPerSec: number;
  /** Estimated ms left for this series, undefined until the rate is known. */
  etaMs: number | undefined;
}

/** What a download did for one series: rows written and the range now covered. */
export interface SeriesResult {
  series: string;
  kind: Kind;
  instId: string;
  bar?: string;
  /** Rows written by this run. */
  rows: number;
  requests: number;
  /** Already covered before this run (ms). */
  skippedMs: number;
  /** Rows the exchange sent twice (same key) within this run; dropped. */
  duplicates: number;
  /** Rows outside the requested page (ignored). */
  stray: number;
  parts: number;
  elapsedMs: number;
  /** True when every requested interval is now covered. */
  complete: boolean;
}

/** What a download did: one result per series, whether it was stopped, requests and time. */
export interface DownloadResult {
  series: SeriesResult[];
  /** Stopped by the signal before the end; run again to resume. */
  aborted: boolean;
  elapsedMs: number;
  requests: number;
  rows: number;
}

/** What to download (instruments, kinds, bar, range) into which store, with which client. */
export interface DownloadOptions {
  client: OkxClient;
  store: MarketStore;
  instIds: string[];
  /** Bar size of candle kinds, e.g. '1m'. */
  bar: string;
  /** Default ['candles']. */
  kinds?: Kind[];
  /** Inclusive start, ms. */
  from: number;
  /** Exclusive end, ms; clipped to the server's now. */
  to: number;
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (p: DownloadProgress) => void;
  /** The server's rules are this many times OKX's (a local exchange with --rate-scale). Default 1. */
  rateScale?: number;
}

/** How one kind is fetched: the endpoint (for its rule) and one page for a time slice. */
interface Fetcher {
  endpoint: keyof typeof ENDPOINTS;
  /** Width of a slice that one request covers. */
  sliceMs: number;
  /** Rows of [from, to) (a slice), as columns; `until` < to when the data ends early (a forming bar). */
  page(
    client: OkxClient,
    key: SeriesKey,
    slice: Interval,
  ): Promise<{ rows: Record<string, unknown>[]; until: number; requests?: number }>;
  columns: string[];
  keyOf(row: Record<string, unknown>): string | number;
}

const num = (s: string | undefined) => (s === undefined || s === '' ? 0 : Number(s));

const candleFetcher = (bar: string): Fetcher => ({
  endpoint: 'market.historyCandles',
  sliceMs: PAGE_LIMIT * minBarMs(bar),
  columns: ['ts', 'open', 'high', 'low', 'close', 'vol', 'volCcy', 'volCcyQuote'],
  keyOf: (r) => r.ts as number,
  async page(client, key, slice) {
    const page = await client.market.historyCandles({
      instId: key.instId,
      bar: key.bar as never,
      after: slice.to,
      limit: PAGE_LIMIT,
    });
    let until = slice.to;
    const rows: Record<string, unknown>[] = [];
    for (const k of page) {
      const ts = Number(k.ts);
      // A bar still forming is not history: the slice is covered only up to its start.
      if (k.confirm === '0') {
        until = Math.min(until, ts);
        continue;
      }
      rows.push({
        ts,
        open: num(k.o),
        high: num(k.h),
        low: num(k.l),
        close: num(k.c),
        vol: num(k.vol),
        volCcy: num(k.volCcy),
        volCcyQuote: num(k.volCcyQuote),
      });
    }
    return { rows: rows.filter((r) => (r.ts as number) < until), until };
  },
});

const HOUR_MS = 3_600_000;

/** Mark-price candles: [ts, o, h, l, c, confirm], paged like candles. */
const markCandleFetcher = (bar: string): Fetcher => ({
  endpoint: 'market.historyMarkPriceCandles',
  sliceMs: PAGE_LIMIT * minBarMs(bar),
  columns: ['ts', 'open', 'high', 'low', 'close'],
  keyOf: (r) => r.ts as number,
  async page(client, key, slice) {
    const page = await client.api.market.historyMarkPriceCandles({
      instId: key.instId,
      bar: key.bar,
      after: String(slice.to),
      limit: String(PAGE_LIMIT),
    });
    let until = slice.to;
    const rows: Record<string, unknown>[] = [];
    for (const k of page) {
      const ts = Number(k[0]);
      if (k[5] === '0') {
        until = Math.min(until, ts);
        continue;
      }
      rows.push({ ts, open: num(k[1]), high: num(k[2]), low: num(k[3]), close: num(k[4]) });
    }
    return { rows: rows.filter((r) => (r.ts as number) < until), until };
  },
});

/** Funding rates: one per funding time (every 1 to 8 h), so 100 hours hold at most one page. */
const fundingFetcher: Fetcher = {
  endpoint: 'public.fundingRateHistory',
  sliceMs: PAGE_LIMIT * HOUR_MS,
  columns: ['ts', 'fundingRate', 'realizedRate'],
  keyOf: (r) => r.ts as number,
  async page(client, key, slice) {
    const page = await client.api.public.fundingRateHistory({
      instId: key.instId,
      after: String(slice.to),
      limit: String(PAGE_LIMIT),
    });
    const rows = page.map((f) => ({
      ts: Number(f.fundingTime),
      fundingRate: num(f.fundingRate),
      realizedRate: num(f.realizedRate ?? undefined),
    }));
    return { rows, until: slice.to };
  },
};

/**
 * Trades: an unknown number per slice, so each slice pages on: first by time (type 2, trades
 * before the slice end), then by tradeId (type 1) from the oldest trade received, which never
 * skips trades sharing a millisecond at a page edge.
 */
const tradeFetcher: Fetcher = {
  endpoint: 'market.historyTrades',
  sliceMs: HOUR_MS,
  columns: ['ts', 'tradeId', 'px', 'sz', 'side'],
  keyOf: (r) => r.tradeId as string,
  async page(client, key, slice) {
    const rows: Record<string, unknown>[] = [];
    let requests = 0;
    let cursor: { type: '1' | '2'; after: string } = { type: '2', after: String(slice.to) };
    for (;;) {
      requests++;
      const page = await client.api.market.historyTrades({
        instId: key.instId,
        type: cursor.type,
        after: cursor.after,
        limit: String(PAGE_LIMIT),
      });
      let oldest: (typeof page)[number] | undefined;
      for (const t of page) {
        const ts = Number(t.ts);
        if (!oldest || ts < Number(oldest.ts)) oldest = t;
        if (ts >= slice.from && ts < slice.to) {
          rows.push({
            ts,
            tradeId: t.tradeId,
            px: num(t.px),
            sz: num(t.sz),
            side: t.side === 'sell' ? 'sell' : 'buy',
          });
        }
      }
      if (!oldest || page.length < PAGE_LIMIT || Number(oldest.ts) < slice.from) break;
      cursor = { type: '1', after: oldest.tradeId };
    }
    return { rows, until: slice.to, requests };
  },
};

function fetcherFor(kind: Kind, bar: string): Fetcher {
  switch (kind) {
    case 'candles':
      return candleFetcher(bar);
    case 'mark-candles':
      return markCandleFetcher(bar);
    case 'funding':
      return fundingFetcher;
    case 'trades':
      return tradeFetcher;
    default:
      throw new ValidationError(
        'kinds',
        `'${kind}' is recorded live (okxkit data record), not downloaded`,
        'use candles, mark-candles, funding or trades',
      );
  }
}

/** A download that stopped on an error (code DOWNLOAD_FAILED); what was fetched is kept, so rerunning resumes. */
export class DownloadError extends OkxkitError {
  constructor(message: string, cause: unknown) {
    super(message, {
      code: 'DOWNLOAD_FAILED',
      hint: 'what was fetched is stored; run the same command again to resume',
      cause,
    });
  }
}

interface Slice extends Interval {
  /** Index within its run (an uncovered interval), oldest first. */
  run: number;
}

/** Downloads every series (kind x instrument) in turn; each at its endpoint's rule. */
export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  const clock = opts.clock ?? systemClock;
  const t0 = clock.now();
  const kinds = opts.kinds ?? ['candles'];
  if (!(opts.from < opts.to)) throw new ValidationError('from', 'must be before to');
  sweepTempFiles(opts.store.dir);
  const out: SeriesResult[] = [];
  let aborted = false;
  for (const instId of opts.instIds) {
    for (const kind of kinds) {
      // Funding rates exist for perpetual swaps only.
      if (kind === 'funding' && !instId.endsWith('-SWAP')) continue;
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const r = await downloadSeries(
        opts,
        { kind, instId, ...(kind.endsWith('candles') ? { bar: opts.bar } : {}) },
        clock,
      );
      out.push(r);
      if (!r.complete && opts.signal?.aborted) aborted = true;
    }
  }
  return {
    series: out,
    aborted: aborted || (opts.signal?.aborted ?? false),
    elapsedMs: clock.now() - t0,
    requests: out.reduce((s, r) => s + r.requests, 0),
    rows: out.reduce((s, r) => s + r.rows, 0),
  };
}

// long: the fetch/commit loop shares the slice buffer and the committed mark; split, the covered-interval bookkeeping would cross functions
async function downloadSeries(opts: DownloadOptions, key: SeriesKey, clock: Clock): Promise<SeriesResult> {
  const f = fetcherFor(key.kind, opts.bar);
  const t0 = clock.now();
  const to = Math.min(opts.to, opts.client.serverNow());
  const todo = opts.from < to ? missing(opts.from, to, opts.store.covered(key)) : [];
  const skippedMs = Math.max(0, to - opts.from) - todo.reduce((s, i) => s + (i.to - i.from), 0);
  // Newest first, as OKX pages: each uncovered interval cut into slices of one page.
  const slices: Slice[] = [];
  const runs: { iv: Interval; slices: Slice[] }[] = [];
  for (const iv of [...todo].reverse()) {
    const run = { iv, slices: [] as Slice[] };
    for (let end = iv.to; end > iv.from; end -= f.sliceMs) {
      const s: Slice = { from: Math.max(iv.from, end - f.sliceMs), to: end, run: runs.length };
      run.slices.push(s);
      slices.push(s);
    }
    runs.push(run);
  }
  const name = seriesName(key);
  const res: SeriesResult = {
    series: name,
    kind: key.kind,
    instId: key.instId,
    ...(key.bar ? { bar: key.bar } : {}),
    rows: 0,
    requests: 0,
    skippedMs,
    duplicates: 0,
    stray: 0,
    parts: 0,
    elapsedMs: 0,
    complete: false,
  };
  // Per run: fetched slices waiting to be written, and how far (from the newest end) it is written.
  const done = runs.map(() => new Map<number, { rows: Record<string, unknown>[]; until: number }>());
  const committed = runs.map(() => 0);
  let buffered = 0;
  let flushAt = FLUSH_ROWS;
  let pagesDone = 0;
  let failure: unknown;

  const write = async (run: number, upto: number) => {
    // slices[committed .. upto) of the run, newest first; written as one covered interval.
    const ss = runs[run]!.slices.slice(committed[run], upto);
    if (ss.length === 0) return;
    const parts = ss.map((s) => done[run]!.get(s.to)!);
    const cols: Record<string, unknown[]> = Object.fromEntries(f.columns.map((c) => [c, []]));
    const seen = new Set<string | number>();
    for (let i = parts.length - 1; i >= 0; i--) {
      const rows = parts[i]!.rows;
      for (let j = rows.length - 1; j >= 0; j--) {
        const r = rows[j]!;
        const k = f.keyOf(r);
        if (seen.has(k)) {
          res.duplicates++;
          continue;
        }
        seen.add(k);
        for (const c of f.columns) cols[c]!.push(r[c]);
      }
    }
    const oldest = ss[ss.length - 1]!;
    const newest = ss[0]!;
    const until = parts[0]!.until;
    const cover = { from: oldest.from, to: Math.min(newest.to, until) };
    // (a slice that held only a forming bar covers nothing yet)
    if (cover.to > cover.from) {
      const written = await opts.store.write(key, cols as unknown as RowColumns, cover);
      res.parts += written.length;
    }
    res.rows += seen.size;
    for (const s of ss) {
      buffered -= done[run]!.get(s.to)!.rows.length;
      done[run]!.delete(s.to);
    }
    committed[run] = upto;
  };

  /** Writes each run's fetched prefix (newest end first); `all` also writes what sits after a hole. */
  const flush = async (all: boolean) => {
    for (let r = 0; r < runs.length; r++) {
      const ss = runs[r]!.slices;
      let i = committed[r]!;
      while (i < ss.length && done[r]!.has(ss[i]!.to)) i++;
      await write(r, i);
      if (all) {
        // Past a hole: each further block of fetched slices is its own covered interval.
        while (i < ss.length) {
          while (i < ss.length && !done[r]!.has(ss[i]!.to)) i++;
          committed[r] = i;
          while (i < ss.length && done[r]!.has(ss[i]!.to)) i++;
          await write(r, i);
        }
      }
    }
  };

  let next = 0;
  const rule: RateRule = ENDPOINTS[f.endpoint].rate;
  const inFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, rule.limit * (opts.rateScale ?? 1)));
  let flushing: Promise<void> = Promise.resolve();
  const report = () => {
    const elapsedMs = clock.now() - t0;
    const rate = elapsedMs > 0 ? pagesDone / elapsedMs : 0;
    opts.onProgress?.({
      series: name,
      pagesDone,
      pagesTotal: slices.length,
      rows: res.rows + buffered,
      requests: res.requests,
      elapsedMs,
      rowsPerSec: elapsedMs > 0 ? ((res.rows + buffered) * 1000) / elapsedMs : 0,
      etaMs: rate > 0 ? (slices.length - pagesDone) / rate : undefined,
    });
  };
  const worker = async () => {
    while (next < slices.length && failure === undefined && !opts.signal?.aborted) {
      const s = slices[next++]!;
      let got: Awaited<ReturnType<Fetcher['page']>>;
      try {
        got = await f.page(opts.client, key, s);
        res.requests += got.requests ?? 1;
      } catch (err) {
        failure ??= err;
        return;
      }
      const inSlice = got.rows.filter((r) => {
        const t = r.ts as number;
        return t >= s.from && t < s.to;
      });
      res.stray += got.rows.length - inSlice.length;
      done[s.run]!.set(s.to, { rows: inSlice, until: got.until });
      buffered += inSlice.length;
      pagesDone++;
      report();
      if (buffered >= flushAt) {
        // Stragglers may hold part of the buffer back; wait for another full part before retrying.
        flushAt = Infinity;
        flushing = flushing.then(async () => {
          await flush(false);
          flushAt = buffered + FLUSH_ROWS;
        });
        await flushing;
      }
    }
  };
  report();
  await Promise.all(Array.from({ length: Math.min(inFlight, slices.length) }, worker));
  await flushing;
  await flush(true);
  res.elapsedMs = clock.now() - t0;
  res.complete = failure === undefined && pagesDone === slices.length;
  report();
  if (failure !== undefined) {
    throw new DownloadError(
      `${name}: ${failure instanceof Error ? failure.message : String(failure)} (${res.rows} rows stored before it)`,
      failure,
    );
  }
  return res;
}
