import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrderJournal } from '../../src/trading/journal.js';
import { Executor } from '../../src/trading/executor.js';
import { HttpVenue, startLoopbackExchange } from './http-venue.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

test('a process SIGKILLed between journal write and response recovers on restart without duplicating', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-crash-'));
  const journalPath = join(dir, 'journal.db');
  let hold = true;
  const proc: { child?: ReturnType<typeof spawn> } = {};
  const ex = await startLoopbackExchange(() => {
    if (!hold) return 'respond';
    // The exchange has executed the order; the child dies before it can read the answer.
    proc.child?.kill('SIGKILL');
    return 'hold';
  });
  t.after(() => {
    for (const r of ex.held) r.destroy();
    ex.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const child = (proc.child = spawn(process.execPath, ['--import', 'tsx', CHILD, journalPath, ex.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exit = await new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  assert.equal(exit.signal, 'SIGKILL', out);
  assert.equal(ex.orders.length, 1);

  // The journal row survived the kill, still pending: nobody knows the outcome yet.
  const journal = new OrderJournal(journalPath);
  t.after(() => journal.close());
  const rows = journal.all();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'pending');
  assert.equal(rows[0]!.clOrdId, ex.orders[0]!.clOrdId);

  // Restart: a fresh executor reconciles by clOrdId and adopts the order; nothing is resent.
  hold = false;
  const exec = new Executor({ venue: new HttpVenue(ex.url), journal, expWindowMs: 2_000 });
  const report = await exec.reconcile();
  assert.deepEqual(
    report.adopted.map((r) => r.clOrdId),
    [rows[0]!.clOrdId],
  );
  assert.equal(report.foreign.length, 0);
  assert.equal(ex.orders.length, 1, 'exactly one order on the exchange');
  const row = journal.get(rows[0]!.clOrdId)!;
  assert.equal(row.status, 'acked');
  assert.equal(row.ordId, ex.orders[0]!.ordId);
});
