import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gridLadder, nearestLevel, type GridState } from '../../src/bots/strategies/grid.js';
import { ValidationError } from '../../src/util/errors.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, openStore, GRID_11 } from './helpers.js';

describe('grid ladder prices', () => {
  const cases: { name: string; args: Parameters<typeof gridLadder>; want: string[] }[] = [
    {
      name: 'arithmetic, even steps',
      args: ['100', '110', 6, 'arithmetic', '0.1'],
      want: ['100.0', '102.0', '104.0', '106.0', '108.0', '110.0'],
    },
    {
      name: 'arithmetic, rounded to the tick',
      args: ['100', '101', 4, 'arithmetic', '0.01'],
      want: ['100.00', '100.33', '100.67', '101.00'],
    },
    {
      name: 'geometric, ratio 1.1',
      args: ['100', '121', 3, 'geometric', '0.01'],
      want: ['100.00', '110.00', '121.00'],
    },
    {
      name: 'geometric, ratio 2^(1/4)',
      args: ['100', '200', 5, 'geometric', '0.01'],
      want: ['100.00', '118.92', '141.42', '168.18', '200.00'],
    },
    {
      name: 'geometric on a whole tick',
      args: ['1000', '16000', 5, 'geometric', '1'],
      want: ['1000', '2000', '4000', '8000', '16000'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(gridLadder(...c.args), c.want));
  }
  test('nearest level (lower on a tie)', () => {
    const p = ['100', '102', '104'];
    assert.equal(nearestLevel(p, '101.2'), 1);
    assert.equal(nearestLevel(p, '101'), 0);
    assert.equal(nearestLevel(p, '99'), 0);
    assert.equal(nearestLevel(p, '150'), 2);
  });
});

const base = GRID_11;

describe('grid bot on the paper exchange', () => {
  test('places buys below and sells above the price, skipping the nearest level', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100050' } });
    const r = makeRunner('grid', base, ex, openStore(t));
    await r.start();
    const open = await ex.openOrders('BTC-USDT');
    const ladder = open.map((o) => `${o.side} ${o.px} ${o.sz}`).sort();
    const want = [
      ...['99000.0', '99200.0', '99400.0', '99600.0', '99800.0'].map((p) => `buy ${p} 0.00100000`),
      ...['100200.0', '100400.0', '100600.0', '100800.0', '101000.0'].map((p) => `sell ${p} 0.00100000`),
    ].sort();
    assert.deepEqual(ladder, want);
    assert.ok(
      open.every((o) => /^g1[0-9a-z]{8}$/.test(o.clOrdId)),
      'clOrdIds are the bot id and a counter',
    );
    assert.equal(r.status().openOrders, 10);
    await r.stop();
  });

  test('investment is split across the placed levels, rounded down to the lot', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const r = makeRunner(
      'grid',
      { ...base, sizePerLevel: undefined, investment: '1000', levels: 3, lower: '99000' },
      ex,
      openStore(t),
    );
    await r.start();
    const open = (await ex.openOrders()).map((o) => `${o.side} ${o.px} ${o.sz}`).sort();
    // 1000 / (3 - 1) = 500 per order; 500/99000 and 500/101000 in BTC, 8 decimals, rounded down.
    assert.deepEqual(open, ['buy 99000.0 0.00505050', 'sell 101000.0 0.00495049']);
    await r.stop();
  });

  const fillCases = [
    {
      name: 'a buy filled at level i places a sell at level i+1',
      moves: ['99800'],
      wantNew: 'sell 100000.0',
    },
    {
      name: 'a sell filled at level i places a buy at level i-1',
      moves: ['100200'],
      wantNew: 'buy 100000.0',
    },
  ];
  for (const c of fillCases) {
    test(c.name, async (t) => {
      const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
      const r = makeRunner('grid', base, ex, openStore(t));
      await r.start();
      const before = new Set((await ex.openOrders()).map((o) => o.clOrdId));
      for (const px of c.moves) ex.setPrice('BTC-USDT', px);
      await r.idle();
      const fresh = (await ex.openOrders()).filter((o) => !before.has(o.clOrdId));
      assert.deepEqual(
        fresh.map((o) => `${o.side} ${o.px}`),
        [c.wantNew],
      );
      assert.equal(r.status().fills, 1);
      assert.equal(r.status().openOrders, 10);
      await r.stop();
    });
  }

  test('a completed buy->sell pair adds its profit net of both fees', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' }, makerFeeRate: '0.0008' });
    const r = makeRunner('grid', base, ex, openStore(t));
    await r.start();
    ex.setPrice('BTC-USDT', '99800'); // buy 0.001 @ 99800 fills
    await r.idle();
    assert.equal(r.status().realisedPnl, '0');
    ex.setPrice('BTC-USDT', '100000'); // the sell one level up fills
    await r.idle();
    // The buy of 0.001 @ 99800 pays 0.0000008 BTC (0.08 %, charged in base) and delivers 0.0009992;
    // the sell one level up sells those 0.0009992 @ 100000 = 99.92 USDT and pays 0.079936 USDT.
    // Quote gained: 99.92 - 0.079936 - 99.8 = 0.040064; no base left over.
    assert.equal(r.status().realisedPnl, '0.040064');
    const state = (r as unknown as { row: { state: GridState } }).row.state;
    assert.equal(state.completedPairs, 1);
    // ...and the buy at 99800 is back on the book.
    const buys = (await ex.openOrders()).filter((o) => o.side === 'buy').map((o) => o.px);
    assert.ok(buys.includes('99800.0'));
    await r.stop();
  });

  test('an oscillating price keeps replacing orders and counts one profit per round trip', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' }, makerFeeRate: '0' });
    const r = makeRunner('grid', base, ex, openStore(t));
    await r.start();
    for (let i = 0; i < 3; i++) {
      ex.setPrice('BTC-USDT', '99800');
      await r.idle();
      ex.setPrice('BTC-USDT', '100000');
      await r.idle();
    }
    // Three buy->sell round trips at 200 USDT spacing on 0.001 BTC, no fees.
    assert.equal(r.status().realisedPnl, '0.6');
    assert.equal(r.status().fills, 6);
    assert.equal(r.status().openOrders, 10);
    assert.equal(ex.placeCount, 16);
    await r.stop();
  });

  test('refuses a ladder the account cannot fund, naming the field', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' }, balances: { USDT: '100', BTC: '1' } });
    const r = makeRunner('grid', base, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) => e instanceof ValidationError && e.field === 'sizePerLevel' && /USDT/.test(e.message),
    );
    assert.equal(ex.placeCount, 0);
  });

  test('refuses a size below the instrument minimum', async (t) => {
    const ex = new PaperExchange();
    const r = makeRunner('grid', { ...base, sizePerLevel: '0.000001' }, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) =>
        e instanceof ValidationError && e.field === 'sizePerLevel' && /minimum 0\.00001/.test(e.message),
    );
  });

  test('refuses more levels than ticks in the range', async (t) => {
    const ex = new PaperExchange();
    const r = makeRunner(
      'grid',
      { ...base, lower: '100000', upper: '100000.5', levels: 20 },
      ex,
      openStore(t),
    );
    await assert.rejects(r.start(), (e: unknown) => e instanceof ValidationError && e.field === 'levels');
  });

  test('refuses an instrument the exchange does not list', async (t) => {
    const ex = new PaperExchange();
    const r = makeRunner('grid', { ...base, instId: 'NOPE-USDT' }, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) => e instanceof ValidationError && e.field === 'instId' && /NOPE-USDT/.test(e.message),
    );
  });
});
