import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { okxkitCli as okxkit, tempDir } from './helpers.js';

// Issue 10 items 1, 5, 6 and 9 through the CLI as a user runs it (a child process, its own
// OKXKIT_HOME, no credentials): a `bot run --sim` whose risk limit trips.

test(
  'a tripped `bot run --sim --json`: JSON-only stdout, HALTED in the summary, exit 3, no global halt, audited',
  { timeout: 120_000 },
  async (t) => {
    const home = tempDir(t);
    const cfg = join(home, 'dca.json');
    // Any fee is a loss above this limit: the first buy trips it.
    writeFileSync(
      cfg,
      JSON.stringify({
        id: 'trip1',
        instId: 'BTC-USDT',
        quoteAmount: '50',
        intervalSec: 3600,
        takeProfitPct: '3',
        risk: { maxDailyLoss: '0.0000001' },
      }),
    );
    const r = await okxkit(
      ['bot', 'run', 'dca', '--config', cfg, '--sim', '--seconds', '6', '--json', '--status-every', '1'],
      home,
    );
    // item 5: stdout is the summary as JSON and nothing else
    const summary = JSON.parse(r.out) as { halted?: string; ordersPlaced: number };
    assert.equal(summary.ordersPlaced, 1, r.err);
    // item 6: the halt shows in the summary, on stderr, and in the exit code
    assert.match(summary.halted ?? '', /maxDailyLoss/, r.err);
    assert.match(r.err, /HALTED|halted/);
    assert.equal(r.code, 3, r.err);
    // item 1: a --sim trip writes no kill switch state under OKXKIT_HOME (no global, no live scope)
    assert.equal(existsSync(join(home, 'kill-switch.json')), false, 'no global kill-switch.json');
    assert.equal(existsSync(join(home, 'kill-switch')), false, 'no scoped state either');
    // item 9: bot started / stopped (with the config hash) and the risk trip are in the audit trail
    const actions = readFileSync(join(home, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> });
    const started = actions.find((a) => a.action === 'bot.started');
    assert.match(String(started?.details.configHash), /^[0-9a-f]{16}$/);
    assert.ok(
      actions.some((a) => a.action === 'risk.tripped'),
      JSON.stringify(actions.map((a) => a.action)),
    );
    const stopped = actions.find((a) => a.action === 'bot.stopped');
    assert.equal(stopped?.details.configHash, started?.details.configHash);
  },
);
