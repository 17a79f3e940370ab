import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { atr, bollinger, ema, macd, roc, rsi, sma, vwap } from '../../src/bots/indicators.js';

/** Compares with NaN where the window is not full yet (null in the expectation). */
function same(actual: Float64Array, expected: (number | null)[], eps = 1e-9): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    if (e === null) assert.ok(Number.isNaN(actual[i]), `index ${i}: ${actual[i]} should be NaN`);
    else assert.ok(Math.abs(actual[i]! - e) < eps, `index ${i}: ${actual[i]} != ${e}`);
  });
}

describe('indicators against hand-computed values', () => {
  test('SMA(3) of 1..6', () => same(sma([1, 2, 3, 4, 5, 6], 3), [null, null, 2, 3, 4, 5]));

  test('EMA(3): seeded with the SMA 4, then alpha 0.5: 6, 9, 11.5', () =>
    same(ema([2, 4, 6, 8, 12, 14], 3), [null, null, 4, 6, 9, 11.5]));

  test('RSI(2), Wilder: 50, then gains 1.25 / losses 0.25 -> 83.33, flat -> still 83.33', () =>
    same(rsi([10, 11, 10, 12, 12], 2), [null, null, 50, 100 - 100 / 6, 100 - 100 / 6]));

  test('MACD(2, 3, 2) of 1, 2, 4, 8, 16', () => {
    const m = macd([1, 2, 4, 8, 16], 2, 3, 2);
    same(m.macd, [null, null, 19 / 6 - 7 / 3, 115 / 18 - 31 / 6, 12.796296296296296 - 10.583333333333334]);
    same(m.signal, [null, null, null, 1.0277777777777772, 1.8179012345679002]);
    same(m.hist, [null, null, null, 1.2222222222222214 - 1.0277777777777772, 0.3950617283950617]);
  });

  test('Bollinger(3, 2) of 1, 2, 3, 4: mid 2 and 3, +/- 2 x sqrt(2/3)', () => {
    const b = bollinger([1, 2, 3, 4], 3, 2);
    const w = 2 * Math.sqrt(2 / 3);
    same(b.mid, [null, null, 2, 3]);
    same(b.upper, [null, null, 2 + w, 3 + w]);
    same(b.lower, [null, null, 2 - w, 3 - w]);
  });

  test('ATR(2): true ranges 2, 3 (gap from the previous close), 2 -> 2.5, 2.25', () =>
    same(atr([10, 12, 11], [8, 9, 9], [9, 11, 10], 2), [null, 2.5, 2.25]));

  test('VWAP of the typical price: 9 then (9 x 1 + 11 x 3) / 4 = 10.5; a daily reset starts over', () => {
    same(vwap([10, 12], [8, 10], [9, 11], [1, 3]), [9, 10.5]);
    const day = 86_400_000;
    same(vwap([10, 12], [8, 10], [9, 11], [1, 3], { ts: [0, day], resetMs: day }), [9, 11]);
  });

  test('rate of change in percent', () => same(roc([100, 110, 121], 1), [null, 10, 10]));

  test('a period below 1 is refused', () => assert.throws(() => sma([1], 0), /period/));
});
