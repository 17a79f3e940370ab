import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

// Issue 10 item 5: `okxkit watch ... | head` must not crash with EPIPE when the reader goes away.
test('watch piped into a reader that closes early ends quietly, exit 0', { timeout: 120_000 }, async () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(OKX_|OKXKIT_)/.test(k)) env[k] = v;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'watch', 'trades', 'BTC-USDT', '--seconds', '60'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  // like `head -1`: read the first output, then close the pipe
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.doesNotMatch(err, /EPIPE|Unhandled|at .*\(node:/);
  assert.equal(code, 0, err);
});
