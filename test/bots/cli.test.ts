import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

/** Runs the okxkit CLI as a user would (a child process), with its own OKXKIT_HOME. */
function okxkit(
  args: string[],
  home: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: {
        ...process.env,
        OKXKIT_HOME: home,
        OKX_API_KEY: '',
        OKX_SECRET_KEY: '',
        OKX_PASSPHRASE: '',
        OKX_BASE_URL: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('okxkit demo and okxkit bot run (CLI, end to end)', () => {
  test(
    '`okxkit demo --seconds 5` runs a grid on the local exchange, prints a summary and exits 0',
    { timeout: 60_000 },
    async (t) => {
      const r = await okxkit(['demo', '--seconds', '5'], tempDir(t));
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /local exchange at http:\/\/127\.0\.0\.1:\d+/);
      assert.match(r.out, /Summary: grid bot demogrid on BTC-USDT/);
      const placed = Number(/orders placed\s+(\d+)/.exec(r.out)?.[1]);
      assert.ok(placed >= 9, `orders placed: ${placed}`);
      assert.match(r.out, /fills\s+\d+/);
      assert.match(r.out, /realised profit\s+[+-]\d+\.\d{4} USDT/);
      assert.match(r.out, /equity\s+\d+\.\d{4} USDT/);
      // Not a terminal: status lines, no cursor codes.
      assert.ok(!r.out.includes(String.fromCharCode(27)), 'no escape codes');
      assert.match(r.out, /\[00:00:0\d\] BTC-USDT/);
    },
  );

  test(
    'OKXKIT_DEMO_SECONDS sets the demo length; a bad value names the variable',
    { timeout: 60_000 },
    async (t) => {
      const r = await okxkit(['demo', '--json'], tempDir(t), { OKXKIT_DEMO_SECONDS: 'soon' });
      assert.equal(r.code, 1);
      assert.match(r.err, /OKXKIT_DEMO_SECONDS/);
    },
  );

  test(
    '`okxkit bot run grid --sim` trades, then cancels its orders on exit with --cancel-on-exit',
    { timeout: 60_000 },
    async (t) => {
      const dir = tempDir(t);
      const cfg = join(dir, 'grid.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          id: 'cligrid',
          instId: 'BTC-USDT',
          lower: '50000',
          upper: '70000',
          levels: 5,
          sizePerLevel: '0.001',
        }),
      );
      const r = await okxkit(
        ['bot', 'run', 'grid', '--config', cfg, '--sim', '--seconds', '2', '--cancel-on-exit', '--json'],
        dir,
      );
      assert.equal(r.code, 0, r.err);
      const summary = JSON.parse(r.out.slice(r.out.indexOf('{\n')));
      assert.equal(summary.botId, 'cligrid');
      assert.equal(summary.ordersPlaced, 4);
      assert.equal(summary.openOrders, 0);
      assert.equal(summary.canceledOnExit, 4);
    },
  );

  test(
    'a bad config is refused before anything runs, naming the field and the fix',
    { timeout: 60_000 },
    async (t) => {
      const dir = tempDir(t);
      const cfg = join(dir, 'bad.json');
      writeFileSync(
        cfg,
        JSON.stringify({ instId: 'BTC-USDT', lower: '50000', upper: '70000', levels: 1, sizePerLevel: '-1' }),
      );
      const r = await okxkit(['bot', 'run', 'grid', '--config', cfg, '--sim', '--seconds', '1'], dir);
      assert.equal(r.code, 1);
      assert.match(r.err, /error \[INVALID_INPUT\]: levels: must be at least 2/);
      assert.match(r.err, /sizePerLevel: must not be negative/);
      assert.doesNotMatch(r.err, /note: trading on the embedded local exchange/);
    },
  );
});
