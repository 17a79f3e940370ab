import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BotRunner } from '../../src/bots/runner.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import { GridFundingError, type GridState } from '../../src/bots/strategies/grid.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, openStore, tempDir, GRID_11 } from './helpers.js';

// 11 levels 99000..101000 every 200; at 100050 the level 100000 stays empty, so the five sells
// (100200..101000) need 5 x 0.001 = 0.005 BTC and the five buys 0.001 x (99000+...+99800) = 497 USDT.
const grid = GRID_11;
const PRICES = { 'BTC-USDT': '100050' };

function stateOf(r: BotRunner): GridState {
  return (r as unknown as { row: { state: GridState } }).row.state;
}

function iocBuys(ex: PaperExchange) {
  return ex.placeCalls.filter((c) => c.ordType === 'ioc' && c.side === 'buy');
}

describe('grid funding at the start', () => {
  test('without buyMissingBase, a base shortfall is a typed error naming the amount and the option', async (t) => {
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '10000', BTC: '0.002' } });
    const r = makeRunner('grid', grid, ex, openStore(t));
    await assert.rejects(r.start(), (e: unknown) => {
      assert.ok(e instanceof GridFundingError, String(e));
      assert.equal(e.field, 'buyMissingBase');
      assert.equal(e.ccy, 'BTC');
      assert.equal(e.needed, '0.005');
      assert.equal(e.available, '0.002');
      assert.equal(e.shortfall, '0.003');
      assert.match(e.message, /need 0\.005 BTC but 0\.002 is available \(0\.003 BTC short\)/);
      assert.match(e.message, /"buyMissingBase": true/);
      assert.equal(e.code, 'INVALID_INPUT');
      assert.deepEqual(
        { ...(e.toJSON() as object), message: undefined, hint: undefined },
        {
          name: 'GridFundingError',
          code: 'INVALID_INPUT',
          message: undefined,
          hint: undefined,
          field: 'buyMissingBase',
          ccy: 'BTC',
          needed: '0.005',
          available: '0.002',
          shortfall: '0.003',
        },
      );
      return true;
    });
    assert.equal(ex.placeCalls.length, 0, 'nothing is sent');
  });

  test('with buyMissingBase, the shortfall is bought once (IOC near the ask), then the whole ladder goes up', async (t) => {
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '10000', BTC: '0.002' } });
    const r = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, openStore(t));
    await r.start();
    const [first, ...rest] = ex.placeCalls;
    assert.deepEqual(
      { side: first!.side, ordType: first!.ordType, sz: first!.sz, px: first!.px, clOrdId: first!.clOrdId },
      { side: 'buy', ordType: 'ioc', sz: '0.00300600', px: '100550.2', clOrdId: 'g100000000' },
    );
    assert.equal(rest.length, 10, 'then the ten ladder orders');
    assert.ok(rest.every((c) => c.ordType === 'limit'));
    assert.equal(iocBuys(ex).length, 1);
    // Filled at the ask 100050 as taker (0.1 %): 0.000003006 BTC fee, 0.003002994 BTC received;
    // 0.002 + 0.003002994 covers the 0.005 the sells lock, 0.000002994 is left free.
    assert.equal(ex.balanceOf('BTC').avail, '0.000002994');
    assert.equal(ex.balanceOf('BTC').frozen, '0.005');
    const s = stateOf(r);
    assert.equal(s.buying, undefined);
    assert.deepEqual(s.startBuy, { base: '0.003002994', quote: '300.7503', feeQuote: '0.3007503' });
    assert.equal(s.unfundedSells, undefined);
    // The purchase's fee (0.000003006 BTC x 100050) is a cost the grid has paid.
    const st = r.status();
    assert.equal(st.realisedPnl, '-0.3007503');
    assert.equal(st.feesPaid, '0.3007503');
    assert.deepEqual(st.feesByCcy, { BTC: '0.000003006' });
    assert.match(st.detail, /bought 0\.003002994 BTC at start for 300\.7503 USDT/);
    await r.stop();
  });

  test('refuses a grid whose quote cannot fund the buys and the purchase, with the numbers', async (t) => {
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '600', BTC: '0' } });
    const r = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, openStore(t));
    // Buys 497 USDT; purchase of 0.005 BTC x 1.002 = 0.00501 at up to 100550.2 = 503.756502: 1000.756502.
    await assert.rejects(r.start(), (e: unknown) => {
      assert.ok(e instanceof GridFundingError, String(e));
      assert.equal(e.field, 'sizePerLevel');
      assert.equal(e.ccy, 'USDT');
      assert.equal(e.needed, '1000.756502');
      assert.equal(e.available, '600');
      assert.match(e.message, /the buy orders need 497 USDT and buying the missing 0\.00501000 BTC/);
      assert.match(e.message, /but 600 is available \(400\.756502 USDT short\)/);
      return true;
    });
    assert.equal(ex.placeCalls.length, 0);
  });

  test('refuses a grid whose quote cannot fund its buy levels (no purchase needed)', async (t) => {
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '400', BTC: '1' } });
    const r = makeRunner('grid', grid, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) =>
        e instanceof GridFundingError &&
        e.field === 'sizePerLevel' &&
        e.needed === '497' &&
        /need 497 USDT, but 400 is available \(97 USDT short\)/.test(e.message),
    );
  });

  test('a refused purchase stops the start with the reason; no ladder is placed', async (t) => {
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '10000', BTC: '0' } });
    ex.failNextPlace('reject');
    const r = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) =>
        e instanceof GridFundingError &&
        e.field === 'buyMissingBase' &&
        /refused: .*Insufficient/.test(e.message),
    );
    assert.equal(ex.placeCount, 0);
    assert.equal(ex.placeCalls.length, 1);
  });

  test('a partial purchase places the sells it covers, nearest first, and reports the rest', async (t) => {
    // The exchange fills only 0.002 of the purchase (a thin book), then cancels the rest (IOC).
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '10000', BTC: '0' } });
    const place = ex.placeOrder.bind(ex);
    ex.placeOrder = async (intent) => {
      if (intent.ordType !== 'ioc') return place(intent);
      const o = await place({ ...intent, sz: '0.002' });
      return { ...o, sz: intent.sz, state: 'canceled' };
    };
    const r = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, openStore(t));
    await r.start();
    // 0.002 - 0.000002 fee = 0.001998 BTC: one full sell of 0.001 (100200), not two.
    const sells = (await ex.openOrders()).filter((o) => o.side === 'sell').map((o) => o.px);
    assert.deepEqual(sells, ['100200.0']);
    assert.equal(stateOf(r).unfundedSells, 4);
    assert.match(r.status().detail, /4 sell level\(s\) left empty/);
    assert.equal(iocBuys(ex).length, 1, 'the rest is not chased');
    await r.stop();
  });

  test('a purchase that got nothing (the price ran away) fails the start; the next start retries once at the new price', async (t) => {
    const path = join(tempDir(t), 'bots.sqlite');
    const ex = new PaperExchange({ prices: PRICES, balances: { USDT: '10000', BTC: '0' } });
    const place = ex.placeOrder.bind(ex);
    let jump = true;
    ex.placeOrder = async (intent) => {
      // The market jumps 2 % between the bot's ticker and its order: the IOC finds nothing at its limit.
      if (intent.ordType === 'ioc' && jump) ex.setPrice('BTC-USDT', '102050');
      return place(intent);
    };
    const s1 = new BotStateStore(path);
    const r1 = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, s1);
    await assert.rejects(
      r1.start(),
      (e: unknown) =>
        e instanceof GridFundingError && e.field === 'buySlippagePct' && /got nothing/.test(e.message),
    );
    s1.close();
    assert.equal(ex.placeCount, 1);
    assert.equal(ex.allOrders()[0]!.state, 'canceled');

    jump = false;
    ex.setPrice('BTC-USDT', '100050');
    const s2 = new BotStateStore(path);
    t.after(() => s2.close());
    const r2 = makeRunner('grid', { ...grid, buyMissingBase: true }, ex, s2);
    await r2.start();
    const buys = iocBuys(ex);
    assert.equal(buys.length, 2, 'one retry');
    assert.notEqual(buys[1]!.clOrdId, buys[0]!.clOrdId, 'under a new clOrdId');
    assert.equal(buys[1]!.sz, '0.00501000');
    assert.equal((await ex.openOrders()).length, 10);
    await r2.stop();
  });
});
