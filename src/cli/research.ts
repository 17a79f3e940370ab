// Shared by `okxkit backtest`, `optimize` and `analyze`: where candles come from, the instrument
// rules, and the flags that shape the simulated exchange.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { barToMs, type CandleSource, type Candles } from '../backtest/candles.js';
import type { BacktestExchangeOptions, BacktestInstrument } from '../backtest/exchange.js';
import { storeFunding, storeSource } from '../backtest/sources.js';
import { BOT_KINDS, isBotKind, parseBotConfig, type BotConfig } from '../bots/config.js';
import { createStrategy } from '../bots/strategies/index.js';
import type { Strategy } from '../bots/types.js';
import { openStore } from '../data/store.js';
import { toMs } from '../data/layout.js';
import { defaultDataDir } from './commands/data.js';
import { DEFAULT_MARKET_INSTRUMENTS } from '../sim/market/instruments.js';
import { SimMarket } from '../sim/market/market.js';
import { ManualClock } from '../util/clock.js';
import { ValidationError, errorCode } from '../util/errors.js';

export interface ResearchFlags {
  data: string;
  from?: string;
  to?: string;
  days?: string;
  source?: string;
  dir?: string;
  seed?: string;
  balance?: string;
  feeMaker?: string;
  feeTaker?: string;
  latencyMs?: string;
  spreadBps?: string;
  impact?: string;
  fill?: string;
  queueAhead?: string;
  participation?: string;
  fundingRate?: string;
}

export function addResearchFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--data <instId:bar>', 'instrument and bar, e.g. BTC-USDT:1m')
    .option('--from <date>', 'first day (YYYY-MM-DD, ISO time or ms), inclusive')
    .option('--to <date>', 'end (YYYY-MM-DD, ISO time or ms), exclusive (default now)')
    .option('--days <n>', 'the n days before --to (instead of --from)')
    .option(
      '--source <store|sim>',
      "candles from the market-data store (okxkit data download), or straight from the local exchange's seeded history as a local exchange started at --to serves it",
      'store',
    )
    .option(
      '--dir <path>',
      'market-data store (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data, as okxkit data)',
    )
    .option('--seed <n>', 'local exchange seed with --source sim', '1')
    .option(
      '--balance <list>',
      'starting balances, e.g. USDT=10000,BTC=0.1 (default: 10000 of the quote currency)',
    )
    .option('--fee-maker <rate>', 'maker fee as a fraction (default OKX Lv1: spot 0.0008, swap 0.0002)')
    .option('--fee-taker <rate>', 'taker fee as a fraction (default OKX Lv1: spot 0.001, swap 0.0005)')
    .option('--latency-ms <ms>', 'decision to arrival at the exchange', '0')
    .option('--spread-bps <bp>', 'bid-ask spread around the candle price', '2')
    .option('--impact <k>', 'taker slippage per unit of (order size / candle volume)', '0.1')
    .option('--fill <mode>', 'through | touch | queue: when a resting limit fills', 'through')
    .option('--queue-ahead <size>', 'base size ahead of a new order at its price (--fill queue)', '0')
    .option('--participation <share>', "largest share of a candle's volume resting orders may fill", '1')
    .option('--funding-rate <rate>', 'swaps: funding per 8 h when the store has no series', '0.0001');
}

function num(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ValidationError(
      flag,
      `'${v}' is not a number in [${min}, ${max}]`,
      `e.g. ${flag} ${min === 0 ? '1' : min}`,
    );
  return n;
}

export function parseData(v: string): { instId: string; bar: string; barMs: number } {
  const m = /^([A-Z0-9]+-[A-Z0-9]+(?:-SWAP)?):([0-9]+[smHDWM](?:utc)?)$/.exec(v);
  if (!m) throw new ValidationError('--data', `'${v}' is not instId:bar`, 'e.g. --data BTC-USDT:1m');
  return { instId: m[1]!, bar: m[2]!, barMs: barToMs(m[2]!, '--data') };
}

/** Instrument rules: the local exchange's spot list (OKX's rules), and the USDT swaps' contract values. */
export function instrumentFor(instId: string): BacktestInstrument {
  const spot = DEFAULT_MARKET_INSTRUMENTS.find((c) => c.instId === instId);
  if (spot) {
    const [baseCcy = '', quoteCcy = ''] = instId.split('-');
    return {
      instId,
      instType: 'SPOT',
      baseCcy,
      quoteCcy,
      tickSz: spot.tickSz,
      lotSz: spot.lotSz,
      minSz: spot.minSz,
      maxLmtSz: '',
      maxMktSz: '',
      state: 'live',
    };
  }
  const swaps: Record<string, { tickSz: string; ctVal: string }> = {
    'BTC-USDT-SWAP': { tickSz: '0.1', ctVal: '0.01' },
    'ETH-USDT-SWAP': { tickSz: '0.01', ctVal: '0.1' },
    'SOL-USDT-SWAP': { tickSz: '0.01', ctVal: '1' },
  };
  const sw = swaps[instId];
  if (sw) {
    const [baseCcy = ''] = instId.split('-');
    return {
      instId,
      instType: 'SWAP',
      baseCcy,
      quoteCcy: 'USDT',
      settleCcy: 'USDT',
      ctVal: sw.ctVal,
      tickSz: sw.tickSz,
      lotSz: '0.01',
      minSz: '0.01',
      maxLmtSz: '',
      maxMktSz: '',
      state: 'live',
    };
  }
  throw new ValidationError(
    '--data',
    `no instrument rules for ${instId}`,
    `use one of ${[...DEFAULT_MARKET_INSTRUMENTS.map((c) => c.instId), ...Object.keys(swaps)].join(', ')}`,
  );
}

/** The local exchange's seeded history, as a local exchange started at `end` serves it. */
export function simSource(seed: number, end: number): CandleSource {
  return {
    name: `local exchange seed ${seed} (history up to ${new Date(end).toISOString()})`,
    candles(q) {
      const m = new SimMarket({ seed, clock: new ManualClock(end) });
      if (!m.instrument(q.instId))
        return Promise.reject(
          new ValidationError(
            '--data',
            `the local exchange does not list ${q.instId}`,
            'use BTC-USDT, ETH-USDT, SOL-USDT, OKB-USDT or ETH-BTC',
          ),
        );
      if (q.bar !== '1m')
        return Promise.reject(
          new ValidationError(
            '--data',
            `--source sim serves 1m candles (got ${q.bar})`,
            'use --data BTC-USDT:1m, or download other bars into the store',
          ),
        );
      const c = m.historyMinutes(q.instId, q.from, q.to);
      return Promise.resolve({ instId: q.instId, bar: q.bar, barMs: 60_000, ...c });
    },
  };
}

export interface LoadedData {
  candles: Candles;
  source: string;
  instrument: BacktestInstrument;
  from: number;
  to: number;
  fundingRate?: (ts: number) => number;
}

/** Reads the candles the flags name (and a swap's funding series), closing the store afterwards. */
export async function loadData(flags: ResearchFlags): Promise<LoadedData> {
  const { instId, bar } = parseData(flags.data);
  const to = flags.to !== undefined ? toMs(flags.to, '--to') : Math.floor(Date.now() / 60_000) * 60_000;
  if ((flags.from === undefined) === (flags.days === undefined))
    throw new ValidationError(
      '--from',
      'give the start as --from DATE or --days N',
      'e.g. --from 2025-01-01 --to 2026-01-01, or --days 30',
    );
  const days = flags.days !== undefined ? num('--days', flags.days, 1, 36_500)! : 0;
  const from = flags.from !== undefined ? toMs(flags.from, '--from') : to - days * 86_400_000;
  if (!(to > from))
    throw new ValidationError('--to', `must be after --from (${flags.from} .. ${flags.to})`, 'swap them');
  const instrument = instrumentFor(instId);
  const source = flags.source ?? 'store';
  if (source === 'sim') {
    const seed = num('--seed', flags.seed ?? '1', 0, 2 ** 32 - 1)!;
    const src = simSource(seed, to);
    const candles = await src.candles({ instId, bar, from, to });
    if (candles.ts.length === 0)
      throw new ValidationError(
        '--from',
        'the local exchange keeps 400 days of history before --to',
        'pick a shorter period',
      );
    return { candles, source: src.name, instrument, from, to };
  }
  if (source !== 'store')
    throw new ValidationError('--source', `'${source}' is not a source`, 'use store or sim');
  const dir = resolve(flags.dir ?? defaultDataDir());
  const range =
    flags.from !== undefined
      ? `--from ${flags.from}${flags.to ? ` --to ${flags.to}` : ''}`
      : `--days ${flags.days}`;
  if (!existsSync(dir))
    throw new ValidationError(
      '--dir',
      `no market-data store at ${dir}`,
      `download candles first (okxkit data download --inst ${instId} --bar ${bar} ${range}), or use --source sim`,
    );
  const store = await openStore(dir);
  try {
    const src = storeSource(store);
    const candles = await src.candles({ instId, bar, from, to });
    const fundingRate =
      instrument.instType === 'SWAP' ? await storeFunding(store, instId, from, to) : undefined;
    return { candles, source: src.name, instrument, from, to, ...(fundingRate ? { fundingRate } : {}) };
  } finally {
    await store.close();
  }
}

/** The simulated exchange's settings from the flags. */
export function exchangeOptions(
  flags: ResearchFlags,
  data: LoadedData,
  defaultBalances: Record<string, string>,
): Omit<BacktestExchangeOptions, 'instrument'> & { instrument: BacktestInstrument } {
  const balances: Record<string, string> = {};
  if (flags.balance) {
    for (const part of flags.balance.split(',')) {
      const m = /^([A-Z0-9]+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
      if (!m)
        throw new ValidationError(
          '--balance',
          `'${part}' is not CCY=amount`,
          'e.g. --balance USDT=10000,BTC=0.1',
        );
      balances[m[1]!] = m[2]!;
    }
  } else Object.assign(balances, defaultBalances);
  const fill = flags.fill ?? 'through';
  if (fill !== 'through' && fill !== 'touch' && fill !== 'queue')
    throw new ValidationError('--fill', `'${fill}' is not a fill mode`, 'use through, touch or queue');
  const maker = num('--fee-maker', flags.feeMaker, -0.01, 0.1);
  const taker = num('--fee-taker', flags.feeTaker, -0.01, 0.1);
  if ((maker === undefined) !== (taker === undefined))
    throw new ValidationError(
      maker === undefined ? '--fee-maker' : '--fee-taker',
      'set both fee rates or neither',
      'e.g. --fee-maker 0.0008 --fee-taker 0.001',
    );
  return {
    instrument: data.instrument,
    balances,
    ...(maker !== undefined && taker !== undefined ? { fees: { maker, taker } } : {}),
    latencyMs: num('--latency-ms', flags.latencyMs ?? '0', 0, 3_600_000)!,
    spreadBps: num('--spread-bps', flags.spreadBps ?? '2', 0, 10_000)!,
    impact: num('--impact', flags.impact ?? '0.1', 0, 100)!,
    fillMode: fill,
    queueAhead: num('--queue-ahead', flags.queueAhead ?? '0', 0, 1e12)!,
    participation: num('--participation', flags.participation ?? '1', 1e-9, 1)!,
    fundingRate: data.fundingRate ?? num('--funding-rate', flags.fundingRate ?? '0.0001', -1, 1)!,
  };
}

export function readJson(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      flag,
      `cannot read ${path} (${errorCode(err) ?? 'error'})`,
      'give the path of a JSON file',
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(
      flag,
      `${path} is not valid JSON (${(err as Error).message})`,
      'fix the JSON syntax',
    );
  }
}

/** A factory making a fresh strategy per run (the optimizer runs many). */
export type StrategyFactory = (overrides?: Record<string, unknown>) => Strategy;

/**
 * The strategy of `kind` with the config file's settings: a bundled kind, or "custom" with
 * --strategy naming a module whose default export is `(config) => Strategy` or a Strategy class.
 */
export async function strategyFactory(
  kind: string,
  raw: Record<string, unknown>,
  modulePath?: string,
): Promise<{ make: StrategyFactory; config: Record<string, unknown> }> {
  if (kind === 'custom') {
    if (!modulePath)
      throw new ValidationError(
        '--strategy',
        'a custom strategy needs its module',
        'e.g. --strategy ./my-strategy.mjs',
      );
    const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as { default?: unknown };
    const exp = mod.default;
    if (typeof exp !== 'function')
      throw new ValidationError(
        '--strategy',
        `${modulePath} has no default export`,
        'export default a Strategy class or a function (config) => Strategy',
      );
    const make: StrategyFactory = (o = {}) => {
      const cfg = { ...raw, ...o };
      try {
        return new (exp as new (c: unknown) => Strategy)(cfg);
      } catch (e) {
        if (e instanceof TypeError && /constructor|class/.test(e.message))
          return (exp as (c: unknown) => Strategy)(cfg);
        throw e;
      }
    };
    return { make, config: raw };
  }
  if (!isBotKind(kind))
    throw new ValidationError(
      'kind',
      `'${kind}' is not a strategy`,
      `use one of ${BOT_KINDS.join(', ')}, or custom with --strategy`,
    );
  const base = parseBotConfig(kind, raw);
  const make: StrategyFactory = (o = {}) =>
    createStrategy(Object.keys(o).length ? parseBotConfig(kind, { ...raw, ...o }) : base);
  return { make, config: base as unknown as Record<string, unknown> };
}

/** Starting balances a strategy needs by default: 10,000 of the quote currency (and the size for a trailing stop). */
export function defaultBalances(
  kind: string,
  config: Record<string, unknown>,
  inst: BacktestInstrument,
): Record<string, string> {
  const out: Record<string, string> = {
    [inst.instType === 'SWAP' ? (inst.settleCcy ?? 'USDT') : inst.quoteCcy]: '10000',
  };
  if (kind === 'trailing') out[inst.baseCcy] = String((config as BotConfig & { size: string }).size);
  return out;
}
