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
