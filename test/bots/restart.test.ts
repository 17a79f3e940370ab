import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BotRunner } from '../../src/bots/runner.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import { ValidationError } from '../../src/util/errors.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, tempDir, GRID_11 } from './helpers.js';

const grid = GRID_11;

/** Simulates a crash: the runner stops listening and its store is closed, with no clean stop. */
function crash(r: BotRunner, store: BotStateStore): void {
  (r as unknown as { unsubscribe(): void }).unsubscribe();
  store.close();
}

function ladder(orders: { side: string; px: string; state: string }[]): string[] {
  return orders
    .filter((o) => o.state === 'live')
    .map((o) => `${o.side} ${o.px}`)
    .sort();
}

describe('restart resumes without duplicating orders (SQLite state in a temp dir)', () => {
  test('a clean stop mid-run, then a new runner with the same state: same orders, none placed again', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    ex.setPrice('BTC-USDT', '99800');
    await r1.idle();
    const placedBefore = ex.placeCount;
    const openBefore = (await ex.openOrders()).map((o) => o.clOrdId).sort();
    assert.equal(placedBefore, 11);
    await r1.stop();
    s1.close();

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.equal(ex.placeCount, placedBefore, 'nothing is placed again');
    assert.deepEqual((await ex.openOrders()).map((o) => o.clOrdId).sort(), openBefore);
    assert.equal(r2.status().openOrders, 10);
    assert.equal(r2.status().fills, 1, 'counters survive the restart');
    // The resumed bot keeps trading: the sell placed before the stop fills and is replaced.
    ex.setPrice('BTC-USDT', '100000');
    await r2.idle();
    assert.equal(ex.placeCount, placedBefore + 1);
    assert.equal(r2.status().realisedPnl, '0.040064'); // see grid.test.ts
    await r2.stop();
  });

  test('fills while the bot was down are adopted on restart and answered once', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    crash(r1, s1);
    ex.setPrice('BTC-USDT', '99500'); // buys at 99800 and 99600 fill with nobody listening
    assert.equal(ex.placeCount, 10);

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.equal(ex.placeCount, 12, 'one counter order per missed fill');
    const live = ladder(ex.allOrders());
    assert.deepEqual(live, [...new Set(live)], 'no price level holds two orders');
    assert.ok(live.includes('sell 100000.0') && live.includes('sell 99800.0'));
    // A second restart changes nothing.
    await r2.stop();
    const r3 = makeRunner('grid', grid, ex, s2);
    await r3.start();
    assert.equal(ex.placeCount, 12);
    await r3.stop();
  });

  test('an order whose response was lost (it did execute) is adopted by clOrdId, not placed again', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    ex.failNextPlace('lost-response');
    ex.muteOrderStream = true; // the crash comes before the private stream reports the order
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    const firstId = ex.placeCalls[0]!.clOrdId!;
    assert.equal(s1.openIntents('g1').find((r) => r.clOrdId === firstId)?.status, 'pending');
    crash(r1, s1);
    ex.muteOrderStream = false;

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.equal(ex.allOrders().filter((o) => o.clOrdId === firstId).length, 1);
    assert.equal(ex.placeCalls.filter((o) => o.clOrdId === firstId).length, 1);
    assert.equal(s2.openIntents('g1').find((r) => r.clOrdId === firstId)?.status, 'live');
    assert.equal((await ex.openOrders()).length, 10);
    await r2.stop();
  });

  test('an order that never arrived is sent again on restart under the same clOrdId', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    ex.failNextPlace('not-arrived');
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    const firstId = ex.placeCalls[0]!.clOrdId!;
    assert.equal((await ex.openOrders()).length, 9);
    crash(r1, s1);

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.deepEqual(
      ex.placeCalls.filter((o) => o.clOrdId === firstId).map((o) => o.px),
      ['99000.0', '99000.0'],
      'the same intent, the same clOrdId',
    );
    assert.equal((await ex.openOrders()).length, 10);
    assert.equal(ex.allOrders().filter((o) => o.clOrdId === firstId).length, 1);
    await r2.stop();
  });

  test('without a restart, reconcile() settles an ambiguous order and catches fills a silent stream missed', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const store = new BotStateStore(join(tempDir(t), 'b.sqlite'));
    t.after(() => store.close());
    ex.failNextPlace('lost-response');
    const r = makeRunner('grid', grid, ex, store, { resendAfterMs: 0 });
    await r.start();
    ex.muteOrderStream = true;
    ex.setPrice('BTC-USDT', '99800');
    await r.idle();
    assert.equal(ex.placeCount, 10, 'the fill was not seen yet');
    await r.reconcile();
    assert.equal(ex.placeCount, 11, 'the fill found by polling got its counter order');
    assert.equal(ex.placeCalls.length, 11, 'the ambiguous order was adopted, not resent');
    assert.equal(r.status().openOrders, 10);
    await r.stop();
  });

  test('--cancel-on-exit cancels the orders, and the next start places the same ladder again', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    const before = ladder(ex.allOrders());
    const summary = await r1.stop({ cancelOpenOrders: true });
    assert.equal(summary.canceledOnExit, 10);
    assert.equal((await ex.openOrders()).length, 0);
    s1.close();

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.deepEqual(ladder(ex.allOrders()), before);
    assert.equal(ex.placeCount, 20);
    const ids = ex.allOrders().map((o) => o.clOrdId);
    assert.equal(new Set(ids).size, ids.length, 'new orders get new clOrdIds');
    await r2.stop();
  });

  test('orders the exchange canceled while the bot was down (cancel-all-after) go back on the book', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    const before = ladder(ex.allOrders());
    crash(r1, s1);
    for (const o of await ex.openOrders()) await ex.cancelExternally(o.clOrdId);

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.deepEqual(ladder(ex.allOrders()), before);
    assert.equal(ex.placeCount, 20);
    await r2.stop();
  });

  test('while running, an order canceled by someone else is left canceled', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const store = new BotStateStore(':memory:');
    t.after(() => store.close());
    const r = makeRunner('grid', grid, ex, store);
    await r.start();
    const victim = (await ex.openOrders())[0]!;
    await ex.cancelExternally(victim.clOrdId);
    await r.idle();
    assert.equal(ex.placeCount, 10);
    assert.equal(r.status().openOrders, 9);
    await r.stop();
  });

  test('refuses to resume a state saved under a different config', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const s1 = new BotStateStore(path);
    t.after(() => s1.close());
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    await r1.stop();
    const r2 = makeRunner('grid', { ...grid, levels: 21 }, ex, s1);
    await assert.rejects(
      r2.start(),
      (e: unknown) =>
        e instanceof ValidationError && e.field === 'config' && /new "id"/.test(e.message + e.hint),
    );
    assert.equal(ex.placeCount, 10);
  });
});
