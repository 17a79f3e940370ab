import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-bt-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs an okxkit command in this process (a child process per command costs seconds on a loaded
 * machine) with stdout and stderr captured, in `cwd` (files are given as absolute paths) and an
 * empty market-data folder of its own.
 */
async function okxkit(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  const dataDir = process.env.OKXKIT_DATA_DIR;
  process.env.OKXKIT_DATA_DIR = join(cwd, 'market-data');
  // Only strings are ours: the test runner reports to its parent through stdout in binary.
  process.stdout.write = (s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? ((out += s), true) : ow.call(process.stdout, s, ...rest);
  process.stderr.write = (s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? ((err += s), true) : ew.call(process.stderr, s, ...rest);
  const abs = args.map((a) => (/\.(json|html|csv|mjs)$/.test(a) ? join(cwd, a) : a));
  // The test runner keeps a failure in process.exitCode; main() reads it, so it starts clear.
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'okxkit', ...abs]);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = exitCode;
    if (dataDir === undefined) delete process.env.OKXKIT_DATA_DIR;
    else process.env.OKXKIT_DATA_DIR = dataDir;
  }
}

const PERIOD = ['--data', 'BTC-USDT:1m', '--from', '2025-12-01', '--to', '2025-12-06', '--source', 'sim'];

describe('okxkit backtest / optimize / analyze (CLI)', () => {
  test(
    'backtest dca prints the figures next to buy-and-hold and writes the report and the trades',
    { timeout: 90_000 },
    async (t) => {
      const dir = tempDir(t);
      writeFileSync(
        join(dir, 'dca.json'),
        JSON.stringify({ instId: 'BTC-USDT', quoteAmount: '100', intervalSec: 3600, takeProfitPct: '1' }),
      );
      const r = await okxkit(
        ['backtest', 'dca', '--config', 'dca.json', ...PERIOD, '--report', 'r.html', '--trades', 't.csv'],
        dir,
      );
      assert.equal(r.code, 0, `${r.err} ${r.out}`);
      assert.match(
        r.out,
        /backtest dca BTC-USDT 1m 2025-12-01T00:00 \.\. 2025-12-06T00:00 \(7,200 candles\)/,
      );
      assert.match(r.out, /total return\s+[+-]\d+\.\d\d %\s+[+-]\d+\.\d\d %/);
      assert.match(r.out, /max drawdown/);
      assert.match(r.out, /fees paid\s+\d/);
      assert.match(r.err, /7,200 candles from local exchange seed 1 .* candles\/s/);
      assert.ok(readFileSync(join(dir, 'r.html'), 'utf8').includes('LightweightCharts'));
      assert.match(readFileSync(join(dir, 't.csv'), 'utf8'), /^side,entry_time,exit_time/);
    },
  );

  test(
    '--json prints JSON only; the same run twice gives the same figures',
    { timeout: 90_000 },
    async (t) => {
      const dir = tempDir(t);
      writeFileSync(
        join(dir, 'm.json'),
        JSON.stringify({ instId: 'BTC-USDT', quoteAmount: '500', barSec: 900, period: 4, thresholdPct: 0.1 }),
      );
      const a = await okxkit(
        [
          'backtest',
          'momentum',
          '--config',
          'm.json',
          ...PERIOD,
          '--json',
          '--latency-ms',
          '200',
          '--fill',
          'touch',
        ],
        dir,
      );
      assert.equal(a.code, 0, a.err);
      const j = JSON.parse(a.out) as {
        metrics: { strategy: { totalReturn: number }; buyHold: { totalReturn: number }; fills: number };
        trades: unknown[];
        settings: { latencyMs: number; fillMode: string };
      };
      assert.equal(typeof j.metrics.strategy.totalReturn, 'number');
      assert.equal(typeof j.metrics.buyHold.totalReturn, 'number');
      assert.ok(j.metrics.fills > 0);
      assert.equal(j.settings.latencyMs, 200);
      assert.equal(j.settings.fillMode, 'touch');
      const b = await okxkit(
        [
          'backtest',
          'momentum',
          '--config',
          'm.json',
          ...PERIOD,
          '--json',
          '--latency-ms',
          '200',
          '--fill',
          'touch',
        ],
        dir,
      );
      assert.deepEqual(JSON.parse(b.out).metrics, j.metrics);
    },
  );

  test('a user strategy module runs with `backtest custom --strategy`', { timeout: 90_000 }, async (t) => {
    const dir = tempDir(t);
    const base = pathToFileURL(resolve('src/bots/strategies/signal.ts')).href;
    writeFileSync(
      join(dir, 'flip.mjs'),
      `import { SignalStrategy } from '${base}';\n` +
        `// In and out on alternate bars: a strategy written against the documented base class.\n` +
        `export default class Flip extends SignalStrategy {\n  kind = 'momentum';\n  lookback = 1;\n  signal(_closes, holding) { return holding ? 'exit' : 'enter'; }\n}\n`,
    );
    writeFileSync(
      join(dir, 'flip.json'),
      JSON.stringify({ instId: 'BTC-USDT', quoteAmount: '100', barSec: 3600 }),
    );
    const r = await okxkit(
      ['backtest', 'custom', '--strategy', 'flip.mjs', '--config', 'flip.json', ...PERIOD, '--json'],
      dir,
    );
    assert.equal(r.code, 0, `${r.err} ${r.out}`);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { metrics: { roundTrips: number } };
    // 5 days of hourly bars: in on one bar, out on the next: about 60 round trips.
    assert.ok(
      j.metrics.roundTrips >= 50 && j.metrics.roundTrips <= 61,
      `${j.metrics.roundTrips} round trips`,
    );
  });

  test(
    'optimize: the winner, the walk-forward folds and the over-fit figures',
    { timeout: 120_000 },
    async (t) => {
      const dir = tempDir(t);
      writeFileSync(
        join(dir, 'm.json'),
        JSON.stringify({ instId: 'BTC-USDT', quoteAmount: '500', barSec: 900 }),
      );
      const r = await okxkit(
        [
          'optimize',
          'momentum',
          '--config',
          'm.json',
          '--param',
          'period=2,4,8',
          '--param',
          'thresholdPct=0:0.2:0.1',
          ...PERIOD,
          '--folds',
          '2',
          '--blocks',
          '4',
          '--threads',
          '0',
          '--report',
          'o.html',
        ],
        dir,
      );
      assert.equal(r.code, 0, `${r.err} ${r.out}`);
      assert.match(r.out, /9 configurations \(grid search\) in this thread/);
      assert.match(r.out, /best: period=\d+ thresholdPct=[\d.]+/);
      assert.match(r.out, /probability of backtest over-fitting \(CSCV, 4 blocks, 6 splits\): \d+ %/);
      assert.match(r.out, /deflated Sharpe ratio: \d+ % probability/);
      assert.match(r.out, /walk-forward \(1 out-of-sample part,/);
      assert.ok(existsSync(join(dir, 'o.html')));
    },
  );

  test('analyze: volatility, trend and levels', { timeout: 90_000 }, async (t) => {
    const dir = tempDir(t);
    const r = await okxkit(
      ['analyze', 'BTC-USDT', '--from', '2025-12-01', '--to', '2026-01-01', '--source', 'sim', '--json'],
      dir,
    );
    assert.equal(r.code, 0, `${r.err} ${r.out}`);
    const a = JSON.parse(r.out) as {
      trend: string;
      volatility: number;
      supports: { price: number }[];
      resistances: { price: number }[];
      last: number;
      bars: number;
    };
    assert.equal(a.bars, 31 * 24);
    assert.ok(['up', 'down', 'sideways'].includes(a.trend));
    assert.ok(a.volatility > 0);
    assert.ok(a.supports.every((s) => s.price < a.last));
    assert.ok(a.resistances.every((s) => s.price > a.last));
    assert.ok(a.supports.length + a.resistances.length > 0);
  });

  test(
    'bad input: a clear error naming the flag; an empty store points at data download',
    { timeout: 90_000 },
    async (t) => {
      const dir = tempDir(t);
      writeFileSync(
        join(dir, 'dca.json'),
        JSON.stringify({ instId: 'BTC-USDT', quoteAmount: '100', intervalSec: 3600, takeProfitPct: '1' }),
      );
      const bad = await okxkit(
        [
          'backtest',
          'dca',
          '--config',
          'dca.json',
          '--data',
          'BTCUSDT',
          '--from',
          '2025-01-01',
          '--to',
          '2025-02-01',
        ],
        dir,
      );
      assert.equal(bad.code, 1);
      assert.match(bad.err, /--data: 'BTCUSDT' is not instId:bar/);
      const none = await okxkit(
        [
          'backtest',
          'dca',
          '--config',
          'dca.json',
          '--data',
          'BTC-USDT:1m',
          '--from',
          '2025-01-01',
          '--to',
          '2025-02-01',
        ],
        dir,
      );
      assert.equal(none.code, 1);
      assert.match(none.err, /okxkit data download/);
    },
  );
});
