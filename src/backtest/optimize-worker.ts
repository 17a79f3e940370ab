// One optimizer evaluation on a worker thread: a backtest of one parameter set over candles shared
// with the main thread (SharedArrayBuffer, not copied per task).
import { pathToFileURL } from 'node:url';
import { parseBotConfig } from '../bots/config.js';
import { createStrategy } from '../bots/strategies/index.js';
import type { BotKind, Strategy } from '../bots/types.js';
import type { Candles } from './candles.js';
import type { BacktestExchangeOptions } from './exchange.js';
import { backtest } from './run.js';
import { dailyEquity } from './metrics.js';

export interface EvalTask {
  kind: string;
  raw: Record<string, unknown>;
  params: Record<string, number | string>;
  modulePath?: string;
  exchange: BacktestExchangeOptions;
  instId: string;
  bar: string;
  barMs: number;
  cols: {
    ts: SharedArrayBuffer | ArrayBuffer;
    o: SharedArrayBuffer | ArrayBuffer;
    h: SharedArrayBuffer | ArrayBuffer;
    l: SharedArrayBuffer | ArrayBuffer;
    c: SharedArrayBuffer | ArrayBuffer;
    v: SharedArrayBuffer | ArrayBuffer;
  };
}

export interface EvalResult {
  params: Record<string, number | string>;
  /** Equity at the start and at the last candle of each UTC day. */
  daily: number[];
  totalReturn: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  maxDrawdown: number;
  roundTrips: number;
  winRate: number | null;
  feesPaid: number;
  error?: string;
}

async function strategyFor(t: EvalTask): Promise<Strategy> {
  const cfg = { ...t.raw, ...t.params };
  if (t.kind === 'custom') {
    const mod = (await import(pathToFileURL(t.modulePath!).href)) as { default: unknown };
    const exp = mod.default as (new (c: unknown) => Strategy) & ((c: unknown) => Strategy);
    try {
      return new exp(cfg);
    } catch (e) {
      if (e instanceof TypeError) return exp(cfg);
      throw e;
    }
  }
  return createStrategy(parseBotConfig(t.kind as BotKind, cfg));
}

export async function evaluate(t: EvalTask): Promise<EvalResult> {
  const f = (b: SharedArrayBuffer | ArrayBuffer) => new Float64Array(b);
  const candles: Candles = {
    instId: t.instId,
    bar: t.bar,
    barMs: t.barMs,
    ts: f(t.cols.ts),
    o: f(t.cols.o),
    h: f(t.cols.h),
    l: f(t.cols.l),
    c: f(t.cols.c),
    v: f(t.cols.v),
  };
  try {
    const rep = backtest(await strategyFor(t), candles, t.exchange);
    const m = rep.metrics;
    return {
      params: t.params,
      daily: dailyEquity(candles.ts, rep.result.equity, rep.result.startEquity),
      totalReturn: m.strategy.totalReturn,
      sharpe: m.strategy.sharpe,
      sortino: m.strategy.sortino,
      calmar: m.strategy.calmar,
      maxDrawdown: m.strategy.maxDrawdown,
      roundTrips: m.roundTrips,
      winRate: m.winRate,
      feesPaid: m.feesPaid,
    };
  } catch (e) {
    return {
      params: t.params,
      daily: [],
      totalReturn: NaN,
      sharpe: null,
      sortino: null,
      calmar: null,
      maxDrawdown: NaN,
      roundTrips: 0,
      winRate: null,
      feesPaid: 0,
      error: e instanceof Error ? e.message : String(e),
    };
  }
}

export default evaluate;
