import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

/** The okxkit CLI as a user runs it (a child process), in `cwd`, with its own OKXKIT_HOME. */
function okxkit(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args],
      {
        cwd,
        env: {
          ...process.env,
          OKXKIT_HOME: join(cwd, 'home'),
          OKX_API_KEY: '',
          OKX_SECRET_KEY: '',
          OKX_PASSPHRASE: '',
          OKX_BASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, out, err }));
  });
}

const PERIOD = ['--data', 'BTC-USDT:1m', '--from', '2025-12-01', '--to', '2025-12-11', '--source', 'sim'];

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
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.out,
        /backtest dca BTC-USDT 1m 2025-12-01T00:00 \.\. 2025-12-11T00:00 \(14,400 candles\)/,
      );
      assert.match(r.out, /total return\s+[+-]\d+\.\d\d %\s+[+-]\d+\.\d\d %/);
      assert.match(r.out, /max drawdown/);
      assert.match(r.out, /fees paid\s+\d/);
      assert.match(r.err, /14,400 candles from local exchange seed 1 .* candles\/s/);
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
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { metrics: { roundTrips: number } };
    // 10 days of hourly bars: in on one bar, out on the next: about 120 round trips.
    assert.ok(
      j.metrics.roundTrips >= 100 && j.metrics.roundTrips <= 121,
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
          '--threads',
          '1',
          '--report',
          'o.html',
        ],
        dir,
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /9 configurations \(grid search\) on 1 worker thread/);
      assert.match(r.out, /best: period=\d+ thresholdPct=[\d.]+/);
      assert.match(r.out, /probability of backtest over-fitting \(CSCV, 8 blocks, 70 splits\): \d+ %/);
      assert.match(r.out, /deflated Sharpe ratio: \d+ % probability/);
      assert.match(r.out, /walk-forward \(3 folds/);
      assert.ok(existsSync(join(dir, 'o.html')));
    },
  );

  test('analyze: volatility, trend and levels', { timeout: 90_000 }, async (t) => {
    const dir = tempDir(t);
    const r = await okxkit(
      ['analyze', 'BTC-USDT', '--from', '2025-11-01', '--to', '2026-01-01', '--source', 'sim', '--json'],
      dir,
    );
    assert.equal(r.code, 0, r.err);
    const a = JSON.parse(r.out) as {
      trend: string;
      volatility: number;
      supports: { price: number }[];
      resistances: { price: number }[];
      last: number;
      bars: number;
    };
    assert.equal(a.bars, 61 * 24);
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
