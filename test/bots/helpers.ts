import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parseBotConfig } from '../../src/bots/config.js';
import { BotRunner, type BotRunnerOptions } from '../../src/bots/runner.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import type { BotKind } from '../../src/bots/types.js';
import type { ExchangePort } from '../../src/trading/exchange-port.js';

/** A temp directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-bots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store at path (default in-memory) closed after the test. */
export function openStore(t: TestContext, path = ':memory:'): BotStateStore {
  const s = new BotStateStore(path);
  t.after(() => s.close());
  return s;
}

export function makeRunner(
  kind: BotKind,
  raw: Record<string, unknown>,
  port: ExchangePort,
  store: BotStateStore,
  extra: Partial<BotRunnerOptions> = {},
): BotRunner {
  return new BotRunner({ port, store, config: parseBotConfig(kind, raw), ...extra });
}

/** The grid most bot tests use: 11 levels from 99000 to 101000 every 200, 0.001 BTC each. */
export const GRID_11 = {
  id: 'g1',
  instId: 'BTC-USDT',
  lower: '99000',
  upper: '101000',
  levels: 11,
  sizePerLevel: '0.001',
} as const;

/** Runs the okxkit CLI as a user would (a child process) with its own OKXKIT_HOME, no OKX credentials. */
export function okxkitCli(
  args: string[],
  home: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(OKX_|OKXKIT_)/.test(k)) env[k] = v;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...env, OKXKIT_HOME: home, OKXKIT_AUDIT_LOG: join(home, 'audit.jsonl') },
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
