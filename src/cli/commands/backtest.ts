import type { Command } from 'commander';
import { backtest } from '../../backtest/run.js';
import { formatBacktest, formatTrades, tradesCsv } from '../../backtest/format.js';
import { writeReport } from '../../backtest/report.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import {
  addResearchFlags,
  defaultBalances,
  exchangeOptions,
  loadData,
  readJson,
  strategyFactory,
  type ResearchFlags,
} from '../research.js';

interface BacktestFlags extends ResearchFlags {
  config: string;
  strategy?: string;
  report?: string;
  trades?: string;
  json?: boolean;
  fastPath: boolean;
}

/** `okxkit backtest <kind> --config cfg.json --data BTC-USDT:1m --from --to`: a strategy on history. */
export function register(program: Command): void {
  addResearchFlags(
    program
      .command('backtest')
      .description(
        'run a strategy (the same class that trades live) over stored history on a simulated exchange',
      )
      .argument(
        '<kind>',
        'grid | dca | trailing | ema-cross | bollinger | momentum | custom (with --strategy)',
      ),
  )
    .requiredOption('--config <file>', 'the strategy config, JSON (as for okxkit bot run)')
    .option(
      '--strategy <module>',
      'custom: a JS module whose default export is a Strategy class or (config) => Strategy',
    )
    .option('--report <file>', 'write a self-contained HTML report (charts, trades, monthly returns)')
    .option('--trades <file>', 'write the round trips as CSV')
    .option('--no-fast-path', 'call the strategy on every price (slow; for checking the fast path)')
    .option('--json', 'print the figures as JSON')
    .action(async (kind: string, flags: BacktestFlags) => {
      const raw = readJson(flags.config, '--config') as Record<string, unknown>;
      const { make, config } = await strategyFactory(kind, raw, flags.strategy);
      const data = await loadData(flags);
      const ex = exchangeOptions(flags, data, defaultBalances(kind, config, data.instrument));
      const t0 = performance.now();
      const rep = backtest(make(), data.candles, ex, { fastPath: flags.fastPath });
      const secs = (performance.now() - t0) / 1000;
      const n = data.candles.ts.length;
      if (flags.trades) writeFileAtomic(flags.trades, tradesCsv(rep.trades), 0o644);
      if (flags.report)
        writeReport(flags.report, {
          title: `${kind} on ${data.candles.instId} ${data.candles.bar}`,
          backtest: rep,
          candles: data.candles,
          source: data.source,
        });
      process.stderr.write(
        `${n.toLocaleString('en-US')} candles from ${data.source} in ${secs.toFixed(2)} s (${Math.round(n / Math.max(secs, 1e-6)).toLocaleString('en-US')} candles/s)\n`,
      );
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ kind, source: data.source, settings: rep.settings, candles: n, metrics: rep.metrics, trades: rep.trades, errors: rep.result.errors }, null, 2)}\n`,
        );
        return;
      }
      const title = `backtest ${kind} ${data.candles.instId} ${data.candles.bar} ${new Date(rep.result.from).toISOString().slice(0, 16)} .. ${new Date(rep.result.to).toISOString().slice(0, 16)} (${n.toLocaleString('en-US')} candles)`;
      process.stdout.write(`${formatBacktest(rep, title)}\n\n${formatTrades(rep.trades)}\n`);
      if (flags.report) process.stdout.write(`report: ${flags.report}\n`);
      if (flags.trades) process.stdout.write(`trades: ${flags.trades}\n`);
    });
}
