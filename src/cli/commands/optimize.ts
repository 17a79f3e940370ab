import type { Command } from 'commander';
import { formatOptimize } from '../../backtest/format.js';
import {
  gridCandidates,
  optimize,
  parseParamFlag,
  parseSpace,
  randomCandidates,
  type Objective,
  type ParamSpace,
} from '../../backtest/optimize.js';
import { writeReport } from '../../backtest/report.js';
import { backtest } from '../../backtest/run.js';
import { ValidationError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { RedisSweepExecutor } from '../../cluster/optimize-queue.js';
import { redactRedisUrl, redisUrlFrom } from '../../cluster/redis.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from './data.js';
import {
  addResearchFlags,
  defaultBalances,
  exchangeOptions,
  loadData,
  readJson,
  strategyFactory,
  type ResearchFlags,
} from '../research.js';

interface OptimizeFlags extends ResearchFlags {
  config: string;
  strategy?: string;
  space?: string;
  param: string[];
  method: string;
  samples: string;
  searchSeed: string;
  objective: string;
  folds: string;
  blocks: string;
  threads?: string;
  redis?: string;
  report?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function int(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new ValidationError(flag, `'${v}' is not a whole number in [${min}, ${max}]`);
  return n;
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit optimize <kind> --config --param name=values ...`: search, walk forward, over-fit guard. */
export function register(program: Command): void {
  addResearchFlags(
    program
      .command('optimize')
      .description(
        'search strategy parameters on worker threads, walk forward, and report how likely the winner is luck',
      )
      .argument(
        '<kind>',
        'grid | dca | trailing | ema-cross | bollinger | momentum | custom (with --strategy)',
      ),
  )
    .requiredOption('--config <file>', 'the strategy config, JSON: the settings not searched')
    .option(
      '--strategy <module>',
      'custom: a JS module whose default export is a Strategy class or (config) => Strategy',
    )
    .option(
      '--space <file>',
      'parameters to search, JSON: {"fast": [5, 10], "slow": {"from": 20, "to": 60, "step": 10}}',
    )
    .option(
      '--param <name=values>',
      'a parameter to search: name=1,2,3 or name=from:to:step (repeatable)',
      collect,
      [],
    )
    .option(
      '--method <grid|random>',
      'grid: every combination; random: --samples drawn with --search-seed',
      'grid',
    )
    .option('--samples <n>', 'random search: how many combinations', '50')
    .option('--search-seed <n>', 'random search seed', '1')
    .option('--objective <name>', 'sharpe | sortino | calmar | return', 'sharpe')
    .option(
      '--folds <n>',
      'walk-forward: cut the period into n parts; each part after the first trades the winner of the part before it',
      '4',
    )
    .option('--blocks <n>', 'CSCV blocks for the probability of over-fitting (even)', '8')
    .option('--threads <n>', 'worker threads (default: cores - 1)')
    .option(
      '--redis <url>',
      'run the sweep as jobs on Redis, served by `okxkit worker` processes on any machine (results kept under the data store, sweeps/)',
    )
    .option(
      '--report <file>',
      "HTML report: the winner's backtest and the heatmap of the first two parameters",
    )
    .option('--json', 'print the results as JSON')
    .action(async (kind: string, flags: OptimizeFlags) => {
      const raw = readJson(flags.config, '--config') as Record<string, unknown>;
      const space: ParamSpace = flags.space ? parseSpace(readJson(flags.space, '--space')) : {};
      for (const p of flags.param) {
        const [k, v] = parseParamFlag(p);
        space[k] = v;
      }
      if (!Object.keys(space).length)
        throw new ValidationError(
          '--param',
          'nothing to search',
          'add --param name=values or --space file.json',
        );
      const method = flags.method;
      if (method !== 'grid' && method !== 'random')
        throw new ValidationError('--method', `'${method}' is not a search method`, 'use grid or random');
      const objective = flags.objective as Objective;
      if (!['sharpe', 'sortino', 'calmar', 'return'].includes(objective))
        throw new ValidationError(
          '--objective',
          `'${objective}' is not an objective`,
          'use sharpe, sortino, calmar or return',
        );
      const candidates =
        method === 'grid'
          ? gridCandidates(space)
          : randomCandidates(
              space,
              int('--samples', flags.samples, 2, 100_000),
              int('--search-seed', flags.searchSeed, 0, 2 ** 31),
            );
      if (candidates.length > 100_000)
        throw new ValidationError(
          '--param',
          `${candidates.length} combinations is too many for a grid`,
          'use --method random --samples N',
        );
      const { make, config } = await strategyFactory(kind, raw, flags.strategy);
      // Every candidate must parse before any thread starts: a bad value is named now.
      for (const c of candidates) make(c);
      const data = await loadData(flags);
      const ex = exchangeOptions(flags, data, defaultBalances(kind, config, data.instrument));
      if (typeof ex.fundingRate === 'function') ex.fundingRate = Number(flags.fundingRate ?? '0.0001');
      const tty = process.stderr.isTTY;
      const redisUrl = flags.redis === undefined ? undefined : redisUrlFrom(flags.redis);
      let lastLine = '';
      const executor =
        redisUrl === undefined
          ? undefined
          : new RedisSweepExecutor(redisUrl, {
              onStatus: ({ done, total, workers }) => {
                const line = `${done}/${total} configurations, ${workers} worker(s) connected${workers === 0 ? ` (start one: okxkit worker --redis ${redactRedisUrl(redisUrl)})` : ''}`;
                if (line === lastLine) return;
                lastLine = line;
                process.stderr.write(tty ? `\r${line}` : `${line}\n`);
              },
            });
      if (redisUrl !== undefined)
        process.stderr.write(`sweep: ${candidates.length} jobs on ${redactRedisUrl(redisUrl)}\n`);
      const r = await optimize({
        kind,
        raw,
        ...(flags.strategy ? { modulePath: flags.strategy } : {}),
        candles: data.candles,
        exchange: ex,
        candidates,
        method,
        objective,
        folds: int('--folds', flags.folds, 2, 100),
        blocks: int('--blocks', flags.blocks, 2, 16),
        ...(flags.threads !== undefined ? { threads: int('--threads', flags.threads, 0, 256) } : {}),
        ...(executor ? { executor } : {}),
        onProgress: (d, n) => {
          if (tty) process.stderr.write(`\r${d}/${n} configurations`);
        },
      });
      if (tty) process.stderr.write('\n');
      if (executor) {
        // The sweep's results, kept with the market data (Redis drops them once collected).
        const dir = join(defaultDataDir(), 'sweeps');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${executor.sweepId}.json`);
        writeFileAtomic(
          file,
          `${JSON.stringify({ kind, objective, method, instId: data.candles.instId, bar: data.candles.bar, from: data.from, to: data.to, results: r.results }, null, 2)}\n`,
        );
        process.stderr.write(`sweep ${executor.sweepId}: ${r.results.length} results in ${file}\n`);
      }
      if (flags.report) {
        const names = Object.keys(space);
        const best = r.results[r.best]!;
        const rep = backtest(make(best.params), data.candles, ex);
        const cells = new Map<string, { x: number | string; y: number | string; value: number }>();
        for (const res of r.results) {
          const x = res.params[names[0]!]!;
          const y = names[1] ? res.params[names[1]]! : '-';
          const key = `${x}|${y}`;
          const v = Number.isFinite(res.score) ? res.score : 0;
          const prev = cells.get(key);
          if (!prev || v > prev.value) cells.set(key, { x, y, value: v });
        }
        writeReport(flags.report, {
          title: `optimize ${kind} on ${data.candles.instId} ${data.candles.bar}: best ${Object.entries(
            best.params,
          )
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
          source: data.source,
          backtest: rep,
          candles: data.candles,
          heatmap: {
            xName: names[0]!,
            yName: names[1] ?? '-',
            metric: `${objective} (best over the other parameters)`,
            cells: [...cells.values()],
          },
          summary: [
            ['configurations', String(r.results.length)],
            [
              'probability of over-fitting',
              Number.isNaN(r.pbo.pbo) ? '-' : `${(r.pbo.pbo * 100).toFixed(0)} %`,
            ],
            ['deflated Sharpe', `${(r.deflated.dsr * 100).toFixed(0)} %`],
            ['walk-forward OOS return', `${(r.walkForwardReturn * 100).toFixed(2)} %`],
          ],
        });
      }
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              kind,
              source: data.source,
              objective,
              method,
              best: {
                params: r.results[r.best]!.params,
                score: r.results[r.best]!.score,
                totalReturn: r.results[r.best]!.totalReturn,
              },
              pbo: { pbo: r.pbo.pbo, splits: r.pbo.splits, blocks: r.pbo.blocks },
              deflatedSharpe: r.deflated,
              walkForward: {
                folds: r.folds.map((f) => ({
                  ...f,
                  chosen: r.results[f.chosen]!.params,
                  isFrom: r.days[f.isFrom],
                  osFrom: r.days[f.osFrom],
                  osTo: r.days[Math.min(f.osTo, r.days.length - 1)],
                })),
                outOfSampleReturn: r.walkForwardReturn,
                efficiency: r.walkForwardEfficiency,
              },
              results: r.results.map(({ daily: _d, ...x }) => x),
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      const title = `optimize ${kind} ${data.candles.instId} ${data.candles.bar} ${new Date(data.from).toISOString().slice(0, 16)} .. ${new Date(data.to).toISOString().slice(0, 16)} (${data.candles.ts.length.toLocaleString('en-US')} candles from ${data.source})`;
      process.stdout.write(`${formatOptimize(r, title)}\n`);
      if (flags.report) process.stdout.write(`report: ${flags.report}\n`);
    });
}
