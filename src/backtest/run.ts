import type { Strategy } from '../bots/types.js';
import type { Candles } from './candles.js';
import { runBacktest, type BacktestResult } from './engine.js';
import type { BacktestExchangeOptions } from './exchange.js';
import { computeMetrics, roundTrips, type BacktestMetrics, type RoundTrip } from './metrics.js';

/** A backtest with its metrics and round trips, as `okxkit backtest` prints and reports it. */
export interface BacktestReport {
  result: BacktestResult;
  metrics: BacktestMetrics;
  trades: RoundTrip[];
  /** The settings the run used (for the report and for reproducing it). */
  settings: Record<string, unknown>;
}

/** Runs a strategy over candles and computes every figure next to buy-and-hold. */
export function backtest(
  strategy: Strategy,
  candles: Candles,
  exchange: BacktestExchangeOptions,
  opts: { botId?: string; fastPath?: boolean } = {},
): BacktestReport {
  const result = runBacktest({ ...exchange, strategy, candles, ...opts });
  const isSwap = exchange.instrument.instType === 'SWAP';
  const taker = exchange.fees?.taker ?? (isSwap ? 0.0005 : 0.001);
  const metrics = computeMetrics({
    ts: result.ts,
    close: result.close,
    firstOpen: candles.o[0]!,
    equity: result.equity,
    position: result.position,
    startEquity: result.startEquity,
    barMs: candles.barMs,
    fills: result.fills,
    tradedQuote: result.tradedQuote,
    feesQuote: result.feesQuote,
    fundingPaid: result.fundingPaid,
    takerRate: taker,
    baseFees: !isSwap,
  });
  const { instrument, fundingRate, balances, ...rest } = exchange;
  return {
    result,
    metrics,
    trades: roundTrips(result.fills, !isSwap).trades,
    settings: {
      ...rest,
      instId: instrument.instId,
      balances,
      fundingRate: typeof fundingRate === 'function' ? 'series' : fundingRate,
      fastPath: opts.fastPath ?? true,
    },
  };
}
