// The backtester, the optimizer, analysis and reports.
// Candles and CandleQuery are renamed here: the data layer exports its own (the store's columns).
export {
  type Candles as BacktestCandles,
  type CandleQuery as BacktestCandleQuery,
  type CandleSource,
  barToMs,
  candlesFromRows,
  checkCandles,
  sliceCandles,
} from './candles.js';
export * from './exchange.js';
export * from './engine.js';
export * from './metrics.js';
export * from './run.js';
export * from './overfit.js';
export * from './optimize.js';
export * from './analyze.js';
export * from './format.js';
export * from './report.js';
export * from './sources.js';
