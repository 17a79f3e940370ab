import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BotRunner } from '../../src/bots/runner.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, tempDir, GRID_11 } from './helpers.js';

// At 100050 the five sells need 0.005 BTC; the account holds none, so the grid buys 0.00501 first.
const grid = { ...GRID_11, buyMissingBase: true };

function paper(): PaperExchange {
  return new PaperExchange({ prices: { 'BTC-USDT': '100050' }, balances: { USDT: '10000', BTC: '0' } });
}

/** A crash: the runner stops listening and its store is closed, with no clean stop. */
function crash(r: BotRunner, store: BotStateStore): void {
  (r as unknown as { unsubscribe(): void }).unsubscribe();
  store.close();
}

function purchases(ex: PaperExchange) {
  return ex.placeCalls.filter((c) => c.ordType === 'ioc');
}

describe('restart after the grid bought its missing base (SQLite state in a temp dir)', () => {
  test('a clean stop and a restart: the purchase is not repeated, the ladder is adopted', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = paper();
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    assert.equal(purchases(ex).length, 1);
    assert.equal(ex.placeCount, 11);
    await r1.stop();
    s1.close();

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    // The purchase settings act only at the first start: the state resumes with or without them.
    const { buyMissingBase: _b, ...withoutOption } = grid;
    const r2 = makeRunner('grid', withoutOption, ex, s2);
    await r2.start();
    assert.equal(purchases(ex).length, 1, 'no second purchase');
    assert.equal(ex.placeCount, 11, 'nothing placed again');
    assert.equal(r2.status().openOrders, 10);
    assert.equal(r2.status().feesPaid, r1.status().feesPaid, 'the fee totals survive the restart');
    await r2.stop();
  });

  test('the purchase executed but its response was lost, then a crash: the restart adopts it by clOrdId', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = paper();
    ex.failNextPlace('lost-response');
    ex.muteOrderStream = true; // the crash comes before the private stream reports the fill
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    const buyId = purchases(ex)[0]!.clOrdId!;
    assert.equal(ex.placeCount, 1, 'only the purchase: the ladder waits for its outcome');
    assert.equal(s1.openIntents('g1').find((r) => r.clOrdId === buyId)?.status, 'pending');
    crash(r1, s1);
    ex.muteOrderStream = false;

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.equal(purchases(ex).length, 1, 'the purchase is looked up, not sent again');
    assert.equal(ex.allOrders().filter((o) => o.side === 'buy' && o.ordType === 'ioc').length, 1);
    assert.equal((await ex.openOrders()).length, 10, 'the ladder went up after the adopted fill');
    assert.equal(ex.balanceOf('BTC').frozen, '0.005');
    // ...and a second restart changes nothing either.
    await r2.stop();
    const r3 = makeRunner('grid', grid, ex, s2);
    await r3.start();
    assert.equal(purchases(ex).length, 1);
    assert.equal(ex.placeCount, 11);
    await r3.stop();
  });

  test('a crash after the purchase filled, with ladder orders not yet on the book: the restart sends them, buys nothing', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = paper();
    // The purchase goes through; the first two ladder orders never reach the exchange.
    const place = ex.placeOrder.bind(ex);
    let lost = 0;
    ex.placeOrder = async (intent) => {
      if (intent.ordType === 'limit' && lost < 2) {
        lost++;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return place(intent);
    };
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', grid, ex, s1);
    await r1.start();
    assert.equal(ex.placeCount, 9, 'the purchase and 8 of the 10 ladder orders');
    crash(r1, s1);

    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', grid, ex, s2);
    await r2.start();
    assert.equal(purchases(ex).length, 1, 'the purchase is not repeated');
    assert.equal((await ex.openOrders()).length, 10);
    assert.equal(r2.status().openOrders, 10);
    await r2.stop();
  });
});
