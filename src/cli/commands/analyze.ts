import type { Command } from 'commander';
import { analyze, formatAnalysis, resample } from '../../backtest/analyze.js';
import { barToMs } from '../../backtest/candles.js';
import { writeReport } from '../../backtest/report.js';
import { ValidationError } from '../../util/errors.js';
import { loadData, type ResearchFlags } from '../research.js';

interface AnalyzeFlags extends Omit<ResearchFlags, 'data'> {
  bar: string;
  every: string;
  report?: string;
  json?: boolean;
}

/** `okxkit analyze BTC-USDT --from --to`: volatility, trend, support and resistance from stored candles. */
export function register(program: Command): void {
  program
    .command('analyze')
    .description(
      'volatility, trend and support / resistance of an instrument from stored candles, with a chart',
    )
    .argument('<instId>', 'e.g. BTC-USDT')
    .option('--from <date>', 'first day (YYYY-MM-DD, ISO time or ms), inclusive')
    .option('--to <date>', 'end (YYYY-MM-DD, ISO time or ms), exclusive (default now)')
    .option('--days <n>', 'the n days before --to (instead of --from)')
    .option('--bar <bar>', 'the stored bar to read', '1m')
    .option('--every <bar>', 'analyse on this bar (the stored candles are aggregated to it)', '1H')
    .option('--source <store|sim>', "the market-data store, or the local exchange's seeded history", 'store')
    .option('--dir <path>', 'market-data store (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--seed <n>', 'local exchange seed with --source sim', '1')
    .option('--report <file>', 'write an HTML chart: candles with the support and resistance levels')
    .option('--json', 'print the figures as JSON')
    .action(async (instId: string, flags: AnalyzeFlags) => {
      const data = await loadData({ ...flags, data: `${instId}:${flags.bar}` });
      const every = barToMs(flags.every, '--every');
      if (every < data.candles.barMs)
        throw new ValidationError(
          '--every',
          `${flags.every} is finer than the stored ${flags.bar}`,
          `use --every ${flags.bar} or coarser`,
        );
      const c = resample(data.candles, every, flags.every);
      if (c.ts.length < 30)
        throw new ValidationError(
          '--from',
          `${c.ts.length} ${flags.every} bars is too few to analyse`,
          'take a longer period or a finer --every',
        );
      const a = analyze(c);
      if (flags.report)
        writeReport(flags.report, {
          title: `${instId} ${flags.every}: trend ${a.trend}, volatility ${(a.volatility * 100).toFixed(1)} %`,
          source: data.source,
          candles: c,
          levels: [
            ...a.supports.map((l) => ({ price: l.price, label: `S ${l.touches}x` })),
            ...a.resistances.map((l) => ({ price: l.price, label: `R ${l.touches}x` })),
          ],
          summary: [
            ['trend', `${a.trend}: ${a.trendReasons.join(', ')}`],
            ['volatility', `${(a.volatility * 100).toFixed(1)} % annualised`],
            ['ATR(14)', `${(a.atrPct * 100).toFixed(2)} % per ${flags.every}`],
            ['RSI(14)', a.rsi14.toFixed(1)],
          ],
        });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...a, source: data.source }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatAnalysis(a, data.source)}\n`);
      if (flags.report) process.stdout.write(`report: ${flags.report}\n`);
    });
}
