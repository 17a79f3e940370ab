import type { Command } from 'commander';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { OkxClient } from '../../client/okx-client.js';
import { envWithDotEnv, hasCredentialsInEnv } from '../../client/env.js';
import { checkStoredSeries, exportSeries, type ExportFormat } from '../../data/check.js';
import { download, type DownloadResult } from '../../data/download.js';
import { record } from '../../data/recorder.js';
import { OkxWsClient, urlsFor } from '../../ws/client.js';
import { KINDS, BARRED, toMs, type Kind, type SeriesKey } from '../../data/layout.js';
import { ScaledRateLimiter, isLoopbackUrl } from '../../data/scaled-limiter.js';
import { openStore, type MarketStore } from '../../data/store.js';
import { realSleep, systemClock } from '../../util/clock.js';
import { ValidationError } from '../../util/errors.js';
import {
  addClientFlags,
  formatTable,
  io,
  openClient,
  parseInstFlag,
  parseIntFlag,
  type ClientFlags,
  type ClientHandle,
} from '../common.js';
import { formatDuration, progressRenderer } from '../progress.js';

type Env = Record<string, string | undefined>;

/** The store folder: --dir, then OKXKIT_DATA_DIR, then $OKXKIT_HOME/market-data (~/.okxkit/market-data). */
export function defaultDataDir(env: Env = process.env): string {
  return (
    env.OKXKIT_DATA_DIR || join(env.OKXKIT_HOME || join(env.HOME || homedir(), '.okxkit'), 'market-data')
  );
}

interface DirFlags {
  dir?: string;
  json?: boolean;
}

interface DownloadFlags extends ClientFlags, DirFlags {
  inst?: string;
  bar: string;
  from?: string;
  to?: string;
  days?: string;
  kinds: string;
  rateScale: string;
}

function parseInsts(v: string | undefined): string[] {
  if (!v) throw new ValidationError('--inst', 'is required', 'e.g. --inst BTC-USDT,ETH-USDT-SWAP');
  return v.split(',').map((s) => parseInstFlag('--inst', s.trim()));
}

function parseKinds(v: string): Kind[] {
  return v.split(',').map((s) => {
    const k = s.trim();
    if (!(KINDS as readonly string[]).includes(k)) {
      throw new ValidationError('--kinds', `'${k}' is not a kind`, `use a comma list of ${KINDS.join(', ')}`);
    }
    return k as Kind;
  });
}

/** --from / --to / --days into [from, to) ms; --days N means the N days before --to (default now). */
export function parseRange(
  flags: { from?: string; to?: string; days?: string },
  now: number,
): { from: number; to: number } {
  const to = flags.to === undefined ? now : toMs(flags.to, '--to');
  const days = parseIntFlag('--days', flags.days, 1, 100_000);
  if (flags.from !== undefined && days !== undefined) {
    throw new ValidationError('--days', 'cannot be given with --from', 'use one of them');
  }
  const from =
    days !== undefined
      ? to - days * 86_400_000
      : flags.from === undefined
        ? undefined
        : toMs(flags.from, '--from');
  if (from === undefined)
    throw new ValidationError('--from', 'is required', 'e.g. --from 2025-01-01, or --days 365');
  if (!(from < to)) throw new ValidationError('--from', 'must be before --to');
  return { from, to };
}

/**
 * The client of a download. Rate scale 1: the usual target (openClient). A larger scale is only
 * for a local exchange: the embedded one (started here with that scale) or a loopback --base-url
 * (an `okxkit sim --rate-scale N`); against OKX it would earn 50011 and is refused.
 */
async function openDataClient(flags: ClientFlags, scale: number): Promise<ClientHandle> {
  if (scale === 1) return openClient(flags);
  const env = envWithDotEnv(process.env);
  const base = flags.baseUrl ?? env.OKX_BASE_URL;
  const fix = 'use --rate-scale only with the local exchange (no --base-url, or a loopback one)';
  if (flags.profile || flags.demo || flags.site || (!base && hasCredentialsInEnv(env) && !flags.sim)) {
    throw new ValidationError('--rate-scale', 'is only for the local exchange, and this target is OKX', fix);
  }
  const limiter = new ScaledRateLimiter(
    { clock: systemClock, sleep: realSleep, holdUntilRelease: true },
    scale,
  );
  if (base && !flags.sim) {
    if (!isLoopbackUrl(base))
      throw new ValidationError('--rate-scale', `${base} is not on this machine`, fix);
    const client = new OkxClient({ baseUrl: base, limiter });
    return { client, local: true, close: () => client.close() };
  }
  const { startSimulator } = await import('../../sim/simulator.js');
  const sim = await startSimulator({ rateLimitScale: scale });
  process.stderr.write(
    `note: using the embedded local exchange at ${sim.restUrl} with ${scale} x OKX's rate rules; nothing reaches OKX\n`,
  );
  const client = new OkxClient({ baseUrl: sim.restUrl, limiter });
  return {
    client,
    local: true,
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

async function withStore<T>(flags: DirFlags, fn: (s: MarketStore) => Promise<T>): Promise<T> {
  const store = await openStore(flags.dir ?? defaultDataDir());
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const iso = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z');

function summary(r: DownloadResult): Array<Record<string, unknown>> {
  return r.series.map((s) => ({
    series: s.series,
    rows: s.rows,
    requests: s.requests,
    parts: s.parts,
    duplicates: s.duplicates,
    skipped: s.skippedMs > 0 ? formatDuration(s.skippedMs) : '',
    time: formatDuration(s.elapsedMs),
    status: s.complete ? 'complete' : 'partial',
  }));
}

function seriesFlag(flags: { inst?: string; bar?: string; kind?: string }): SeriesKey {
  const instId = parseInstFlag('--inst', flags.inst);
  const kind = (flags.kind ?? 'candles') as Kind;
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new ValidationError('--kind', `'${kind}' is not a kind`, `use one of ${KINDS.join(', ')}`);
  }
  return BARRED.has(kind) ? { kind, instId, bar: flags.bar ?? '1m' } : { kind, instId };
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
export function register(program: Command): void {
  const data = program
    .command('data')
    .description(
      'market-data store: download history, record live data, list, check, export (docs/data-store.md)',
    );

  addClientFlags(
    data
      .command('download')
      .description("page OKX's history endpoints into the store at the rate rule; run again to resume")
      .option('--inst <ids>', 'instruments, comma-separated, e.g. BTC-USDT,ETH-USDT-SWAP')
      .option('--bar <bar>', 'candle bar size', '1m')
      .option('--from <date>', 'start (YYYY-MM-DD, ISO time or ms), inclusive')
      .option('--to <date>', 'end, exclusive (default now)')
      .option('--days <n>', 'the n days before --to (instead of --from)')
      .option(
        '--kinds <list>',
        'what to fetch: candles, mark-candles, funding, trades (comma-separated)',
        'candles',
      )
      .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
      .option(
        '--rate-scale <n>',
        "the local exchange's rate rules are n x OKX's (it runs with the same --rate-scale); 1 for OKX",
        '1',
      ),
  ).action(async (flags: DownloadFlags) => {
    const instIds = parseInsts(flags.inst);
    const kinds = parseKinds(flags.kinds);
    const scale = parseIntFlag('--rate-scale', flags.rateScale, 1, 1000)!;
    const { from, to } = parseRange(flags, Date.now());
    const handle = await openDataClient(flags, scale);
    const progress = progressRenderer(process.stderr);
    const ac = new AbortController();
    const stop = () => {
      process.stderr.write('\nstopping: writing what was fetched (run the same command again to resume)\n');
      ac.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const result = await withStore(flags, (store) =>
        download({
          client: handle.client,
          store,
          instIds,
          bar: flags.bar,
          kinds,
          from,
          to,
          signal: ac.signal,
          rateScale: scale,
          onProgress: (p) => progress.update(p),
        }),
      );
      progress.end();
      if (flags.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
      else {
        io.out(
          formatTable(summary(result), [
            'series',
            'rows',
            'requests',
            'parts',
            'duplicates',
            'skipped',
            'time',
            'status',
          ]),
        );
        io.out(
          `${result.rows.toLocaleString('en-US')} rows in ${formatDuration(result.elapsedMs)}` +
            `${result.aborted ? ' (stopped: run the same command again to resume)' : ''}\n`,
        );
      }
      if (result.aborted) process.exitCode = 130;
    } finally {
      progress.end();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await handle.close();
    }
  });

  addClientFlags(
    data
      .command('record')
      .description('store live public trades and order-book snapshots from the WebSocket until stopped')
      .option('--inst <ids>', 'instruments, comma-separated, e.g. BTC-USDT,ETH-USDT')
      .option('--seconds <n>', 'stop after n seconds (default: until Ctrl-C)')
      .option('--book-interval <ms>', 'one book snapshot per instrument at most this often', '1000')
      .option('--depth <n>', 'levels per side in a book snapshot (1-400)', '20')
      .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)'),
  ).action(
    async (
      flags: ClientFlags &
        DirFlags & { inst?: string; seconds?: string; bookInterval: string; depth: string },
    ) => {
      const instIds = parseInsts(flags.inst);
      const seconds = parseIntFlag('--seconds', flags.seconds, 1, 10_000_000);
      const bookEveryMs = parseIntFlag('--book-interval', flags.bookInterval, 1, 86_400_000)!;
      const depth = parseIntFlag('--depth', flags.depth, 1, 400)!;
      const handle = await openClient(flags);
      const ws = new OkxWsClient({ urls: urlsFor({ baseUrl: handle.client.baseUrl, demo: flags.demo }) });
      ws.on('error', () => undefined);
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
      const started = Date.now();
      try {
        const stats = await withStore(flags, (store) =>
          record({ ws, store, instIds, signal: ac.signal, bookEveryMs, depth }),
        );
        const elapsedMs = Date.now() - started;
        if (flags.json) io.out(`${JSON.stringify({ ...stats, elapsedMs }, null, 2)}\n`);
        else
          io.out(
            `recorded ${stats.trades} trades and ${stats.books} book snapshots of ${instIds.join(', ')} in ${formatDuration(elapsedMs)} (${stats.parts} parts, ${stats.reconnects} reconnects)\n`,
          );
      } finally {
        clearTimeout(timer);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await ws.close();
        await handle.close();
      }
    },
  );

  data
    .command('list')
    .description('series in the store: rows, parts, time range')
    .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--json', 'print JSON')
    .action(async (flags: DirFlags) => {
      const series = await withStore(flags, async (s) => s.series());
      if (flags.json) {
        io.out(`${JSON.stringify(series, null, 2)}\n`);
        return;
      }
      io.out(
        formatTable(
          series.map((s) => ({
            kind: s.kind,
            instId: s.instId,
            bar: s.bar ?? '',
            rows: s.rows,
            parts: s.parts,
            first: iso(s.minTs),
            last: iso(s.maxTs),
            holes: Math.max(0, s.covered.length - 1),
          })),
          ['kind', 'instId', 'bar', 'rows', 'parts', 'first', 'last', 'holes'],
        ),
      );
    });

  data
    .command('check')
    .description(
      'find gaps, duplicates, holes in coverage and malformed candles; exit 1 on holes or bad rows',
    )
    .option('--inst <id>', 'one instrument (default: every series)')
    .option('--bar <bar>', 'bar size with --inst', '1m')
    .option('--kind <kind>', `with --inst: ${KINDS.join(', ')}`, 'candles')
    .option('--from <date>', 'start of the checked range')
    .option('--to <date>', 'end of the checked range')
    .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: DirFlags & { inst?: string; bar?: string; kind?: string; from?: string; to?: string },
      ) => {
        const range = { from: flags.from, to: flags.to };
        const reports = await withStore(flags, async (s) => {
          const keys: SeriesKey[] = flags.inst ? [seriesFlag(flags)] : s.series();
          const out = [];
          for (const k of keys)
            out.push(await checkStoredSeries(s, { kind: k.kind, instId: k.instId, bar: k.bar }, range));
          return out;
        });
        if (flags.json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
        else {
          io.out(
            formatTable(
              reports.map((r) => ({
                series: r.series,
                rows: r.rows,
                holes: r.uncovered.length,
                gaps: r.gaps.length,
                missingBars: r.missingBars,
                duplicates: r.duplicates,
                invalid: r.invalid,
                status: r.ok ? 'ok' : 'PROBLEMS',
              })),
              ['series', 'rows', 'holes', 'gaps', 'missingBars', 'duplicates', 'invalid', 'status'],
            ),
          );
          for (const r of reports) {
            for (const h of r.uncovered.slice(0, 5))
              io.out(`${r.series}: not downloaded ${iso(h.from)} .. ${iso(h.to)}\n`);
            for (const g of r.gaps.slice(0, 5))
              io.out(`${r.series}: ${g.bars} bars missing ${iso(g.from)} .. ${iso(g.to)}\n`);
          }
        }
        if (reports.some((r) => r.uncovered.length > 0 || r.invalid > 0)) process.exitCode = 1;
      },
    );

  data
    .command('export')
    .description('one series to a CSV or Parquet file, one row per bar / trade, oldest first')
    .option('--inst <id>', 'instrument, e.g. BTC-USDT')
    .option('--bar <bar>', 'bar size (candles)', '1m')
    .option('--kind <kind>', KINDS.join(', '), 'candles')
    .option('--format <fmt>', 'csv | parquet', 'csv')
    .requiredOption('--out <file>', 'file to write')
    .option('--from <date>', 'start, inclusive')
    .option('--to <date>', 'end, exclusive')
    .option('--days <n>', 'the n days before --to (default now), instead of --from')
    .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: DirFlags & {
          days?: string;
          inst?: string;
          bar?: string;
          kind?: string;
          format: string;
          out: string;
          from?: string;
          to?: string;
        },
      ) => {
        const key = seriesFlag(flags);
        const format = flags.format as ExportFormat;
        const range =
          flags.days !== undefined ? parseRange(flags, Date.now()) : { from: flags.from, to: flags.to };
        const rows = await withStore(flags, (s) => exportSeries(s, key, flags.out, format, range));
        if (flags.json) io.out(`${JSON.stringify({ file: flags.out, format, rows })}\n`);
        else io.out(`${rows.toLocaleString('en-US')} rows written to ${flags.out}\n`);
      },
    );
}
