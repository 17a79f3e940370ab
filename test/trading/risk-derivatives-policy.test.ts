import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Position } from '../../src/trading/exchange-port.js';
import {
  checkLimits,
  positionBreachOf,
  positionOrders,
  positionRisk,
} from '../../src/trading/risk/policy.js';
import { ValidationError } from '../../src/util/errors.js';

/** A position as GET /account/positions reports it (docs/OKX-PROTOCOL.md §10). */
function pos(over: Partial<Position>): Position {
  return {
    instId: 'BTC-USDT-SWAP',
    instType: 'SWAP',
    mgnMode: 'cross',
    posSide: 'net',
    pos: '10',
    avgPx: '60000',
    markPx: '60000',
    liqPx: '',
    lever: '5',
    upl: '0',
    mgnRatio: '',
    margin: '',
    notionalUsd: '6000',
    uTime: 0,
    ...over,
  };
}
const ctVal = (id: string) => (id.startsWith('BTC-USD-') ? '100' : '0.01');

describe('risk policy on positions (pure)', () => {
  test('leverage: the setting of a cross position', () => {
    assert.equal(positionRisk(pos({ lever: '7' }), '0.01').leverage?.toFixed(), '7');
  });

  test('leverage: an isolated linear position is value at the mark over margin plus upl at the mark', () => {
    // 10 contracts x 0.01 BTC x 59000 = 5900 USDT; upl = 10 x 0.01 x (59000 - 60000) = -100;
    // margin 1200 -> equity 1100 -> 5900 / 1100 = 5.3636..x, above the 5x setting.
    const r = positionRisk(pos({ mgnMode: 'isolated', margin: '1200', markPx: '59000' }), '0.01');
    assert.equal(r.leverage?.toDecimalPlaces(4).toFixed(), '5.3636');
  });

  test('leverage: an isolated short gains when the mark falls (the setting stays the floor)', () => {
    // short 10 at 60000, mark 59000: upl +100, equity 1300, 5900 / 1300 = 4.54x < setting 5
    const r = positionRisk(pos({ mgnMode: 'isolated', pos: '-10', margin: '1200', markPx: '59000' }), '0.01');
    assert.equal(r.leverage?.toFixed(), '5');
  });

  test('leverage: an inverse isolated position is valued in the coin', () => {
    // 100 contracts x 100 USD / 50000 = 0.2 BTC; upl = 100 x 100 x (1/50000 - 1/50000) = 0
    const r = positionRisk(
      pos({
        instId: 'BTC-USD-SWAP',
        mgnMode: 'isolated',
        pos: '100',
        avgPx: '50000',
        markPx: '50000',
        margin: '0.02',
        lever: '3',
      }),
      '100',
    );
    assert.equal(r.leverage?.toFixed(), '10');
  });

  test('liquidation distance: |mark - liqPx| / mark in percent, none without liqPx', () => {
    assert.equal(
      positionRisk(pos({ markPx: '60000', liqPx: '57000' }), '0.01').liqDistancePct?.toFixed(),
      '5',
    );
    assert.equal(
      positionRisk(pos({ pos: '-10', markPx: '60000', liqPx: '61200' }), '0.01').liqDistancePct?.toFixed(),
      '2',
    );
    assert.equal(positionRisk(pos({ liqPx: '' }), '0.01').liqDistancePct, undefined);
  });

  test('maxLeverage trips on the position above it, naming it and the numbers', () => {
    const b = positionBreachOf(
      { maxLeverage: '10' },
      [pos({ lever: '5' }), pos({ instId: 'ETH-USDT-SWAP', lever: '20' })],
      ctVal,
    );
    assert.equal(b?.rule, 'maxLeverage');
    assert.equal(b?.numbers.instId, 'ETH-USDT-SWAP');
    assert.equal(b?.numbers.leverage, '20');
    assert.equal(positionBreachOf({ maxLeverage: '20' }, [pos({ lever: '20' })], ctVal), undefined);
  });

  test('minMarginRatio trips below the ratio (OKX unit: 1 = liquidation), not at it', () => {
    const b = positionBreachOf({ minMarginRatio: '3' }, [pos({ mgnRatio: '2.5' })], ctVal);
    assert.equal(b?.rule, 'minMarginRatio');
    assert.equal(b?.numbers.mgnRatio, '2.5');
    assert.equal(positionBreachOf({ minMarginRatio: '3' }, [pos({ mgnRatio: '3' })], ctVal), undefined);
    assert.equal(positionBreachOf({ minMarginRatio: '3' }, [pos({ mgnRatio: '' })], ctVal), undefined);
  });

  test('minLiqDistancePct trips when the mark comes closer to liqPx than the limit', () => {
    const near = pos({ pos: '-10', markPx: '60000', liqPx: '60600' }); // 1 %
    const b = positionBreachOf({ minLiqDistancePct: '2' }, [near], ctVal);
    assert.equal(b?.rule, 'minLiqDistancePct');
    assert.equal(b?.numbers.liqDistancePct, '1');
    assert.match(b.message, /BTC-USDT-SWAP mark 60000 is 1% from its liquidation price 60600/);
    assert.equal(positionBreachOf({ minLiqDistancePct: '0.5' }, [near], ctVal), undefined);
  });

  test('a flat position is never judged', () => {
    assert.equal(positionBreachOf({ maxLeverage: '1' }, [pos({ pos: '0', lever: '50' })], ctVal), undefined);
  });

  test('position orders: reduce a fraction down to the lot (at least one lot), close all, cancel-only none', () => {
    const lot = () => ({ lotSz: '0.1', minSz: '0.1' });
    const ps = [
      pos({ pos: '-2.5' }),
      pos({ instId: 'ETH-USDT-SWAP', posSide: 'long', pos: '0.1', mgnMode: 'isolated' }),
    ];
    const half = positionOrders('reduce', '0.5', ps, lot).map((x) => x.order);
    assert.deepEqual(half, [
      { instId: 'BTC-USDT-SWAP', side: 'buy', sz: '1.2', tdMode: 'cross', reduceOnly: true },
      { instId: 'ETH-USDT-SWAP', side: 'sell', sz: '0.1', tdMode: 'isolated', posSide: 'long' },
    ]);
    const all = positionOrders('close-all', '0.5', ps, lot).map((x) => x.order.sz);
    assert.deepEqual(all, ['2.5', '0.1']);
    assert.deepEqual(positionOrders('cancel-only', '0.5', ps, lot), []);
  });

  test('limits are validated, each naming the field', () => {
    const bad = (l: object, field: string) =>
      assert.throws(
        () => checkLimits(l),
        (e: unknown) => e instanceof ValidationError && e.message.includes(field),
      );
    bad({ maxLeverage: 'x' }, 'maxLeverage');
    bad({ minMarginRatio: '-1' }, 'minMarginRatio');
    bad({ onTrip: 'flatten' }, 'onTrip');
    bad({ reduceFraction: '0' }, 'reduceFraction');
    bad({ reduceFraction: '1.5' }, 'reduceFraction');
    checkLimits({
      maxLeverage: '10',
      minMarginRatio: '3',
      minLiqDistancePct: '2',
      onTrip: 'reduce',
      reduceFraction: '1',
    });
  });
});
