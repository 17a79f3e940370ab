// Issue 18 item 5: one journal. A bot restarted after a crash adopts its orders through the
// executor, so the executor's journal holds no stale `pending` / `unknown` rows afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BotStateStore } from '../../src/bots/state-store.js';
import { Executor } from '../../src/trading/executor.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { SafeExchange } from '../../src/trading/safe-exchange.js';
import type { ExchangePort, OrderIntent } from '../../src/trading/exchange-port.js';
import type { BotRunner } from '../../src/bots/runner.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, tempDir, GRID_11 } from './helpers.js';

/** The exchange executes every placement, but the answers never come back (the process dies waiting). */
function answersLost(inner: PaperExchange): ExchangePort {
  return new Proxy(inner, {
    get(target, prop, recv) {
      if (prop === 'placeOrder')
        return async (i: OrderIntent) => {
          await target.placeOrder(i);
          return new Promise(() => undefined);
        };
      const v = Reflect.get(target, prop, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function crash(r: BotRunner, store: BotStateStore): void {
  (r as unknown as { unsubscribe(): void }).unsubscribe();
  store.close();
}

test('a bot restarted after a crash adopts its orders through the executor: no stale pending or unknown rows', async (t) => {
  const dir = tempDir(t);
  const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
  const journalPath = join(dir, 'journal.db');

  // Run 1: the first placement executes on the exchange, its answer is lost, the process dies.
  const j1 = new OrderJournal(journalPath);
  const e1 = new Executor({ venue: answersLost(ex), journal: j1 });
  const s1 = new BotStateStore(join(dir, 'bots.sqlite'));
  const r1 = makeRunner('grid', GRID_11, new SafeExchange({ inner: answersLost(ex), executor: e1 }), s1);
  void r1.start();
  for (let i = 0; i < 200 && ex.placeCount === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(ex.placeCount, 1);
  assert.equal(j1.byStatus('pending', 'unknown').length, 1, 'the crash leaves one row in doubt');
  crash(r1, s1);
  j1.close();

  // Run 2: the same journal, the same bot state; the bot looks its orders up on resume.
  const j2 = new OrderJournal(journalPath);
  t.after(() => j2.close());
  const e2 = new Executor({ venue: ex, journal: j2 });
  const s2 = new BotStateStore(join(dir, 'bots.sqlite'));
  t.after(() => s2.close());
  const r2 = makeRunner('grid', GRID_11, new SafeExchange({ inner: ex, executor: e2 }), s2);
  await r2.start();
  await r2.idle();

  assert.equal(ex.placeCount, 10, 'the first order was adopted, the nine never sent were placed once each');
  const doubtful = j2.byStatus('pending', 'unknown');
  assert.deepEqual(
    doubtful.map((r) => `${r.clOrdId}: ${r.status}`),
    [],
    'every row the exchange has is acked in the journal',
  );
  const open = await ex.openOrders();
  for (const o of open) assert.equal(j2.get(o.clOrdId)?.status, 'acked', o.clOrdId);
  // And a start-up reconcile finds nothing left to settle.
  const report = await e2.reconcile();
  assert.equal(report.adopted.length + report.expired.length + report.unresolved.length, 0);
  await r2.stop();
});
