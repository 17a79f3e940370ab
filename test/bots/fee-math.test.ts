import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { feeInQuote, orderFlows, paidFeeRate } from '../../src/bots/money.js';
import { dcaTakeProfitPrice } from '../../src/bots/strategies/dca.js';
import { planBaseBuy } from '../../src/bots/strategies/grid.js';

const BTC_USDT = { baseCcy: 'BTC', quoteCcy: 'USDT', tickSz: '0.1', lotSz: '0.00000001', minSz: '0.00001' };

describe('fee arithmetic (hand-computed)', () => {
  test('a spot buy pays its fee in base, a sell in quote: the flows of each leg', () => {
    // Buy 0.001 @ 99800 at 0.08 %: the fee is 0.0000008 BTC, so 0.0009992 BTC arrive for 99.8 USDT.
    const buy = orderFlows(
      { side: 'buy', accFillSz: '0.001', avgPx: '99800', px: '99800', fee: '-0.0000008', feeCcy: 'BTC' },
      BTC_USDT,
    );
    assert.equal(buy.base.toFixed(), '0.0009992');
    assert.equal(buy.quote.toFixed(), '-99.8');
    // Sell those 0.0009992 @ 100000 = 99.92 USDT at 0.08 %: fee 0.079936 USDT.
    const sell = orderFlows(
      {
        side: 'sell',
        accFillSz: '0.0009992',
        avgPx: '100000',
        px: '100000',
        fee: '-0.079936',
        feeCcy: 'USDT',
      },
      BTC_USDT,
    );
    assert.equal(sell.base.toFixed(), '-0.0009992');
    assert.equal(sell.quote.toFixed(), '99.840064');
    // The round trip: no base left, 0.040064 USDT gained.
    assert.equal(buy.base.plus(sell.base).toFixed(), '0');
    assert.equal(buy.quote.plus(sell.quote).toFixed(), '0.040064');
  });

  test('the fee rate actually paid, whichever currency it was charged in', () => {
    const buy = { accFillSz: '0.001', avgPx: '99800', px: '', fee: '-0.0000008', feeCcy: 'BTC' };
    const sell = { accFillSz: '0.0009992', avgPx: '100000', px: '', fee: '-0.079936', feeCcy: 'USDT' };
    assert.equal(paidFeeRate(buy, BTC_USDT).toFixed(), '0.0008');
    assert.equal(paidFeeRate(sell, BTC_USDT).toFixed(), '0.0008');
    assert.equal(paidFeeRate({ ...sell, fee: '' }, BTC_USDT).toFixed(), '0');
    // A rebate (positive fee) is not a rate paid.
    assert.equal(paidFeeRate({ ...sell, fee: '0.01' }, BTC_USDT).toFixed(), '0');
    // In quote: a base fee is valued at the fill price.
    assert.equal(feeInQuote('-0.0000008', 'BTC', 'USDT', '99800').toFixed(), '-0.07984');
    assert.equal(feeInQuote('-0.079936', 'USDT', 'USDT', '100000').toFixed(), '-0.079936');
  });

  test('the grid start-up purchase: shortfall plus the fee allowance, an IOC limit 0.5 % over the ask', () => {
    // 0.003 BTC short: 0.003 x 1.002 = 0.003006; 100050 x 1.005 = 100550.25 -> 100550.2 on the tick.
    assert.deepEqual(planBaseBuy('0.003', '100050', '0.5', BTC_USDT), {
      shortfall: '0.003',
      sz: '0.00300600',
      px: '100550.2',
      maxQuote: '302.2539012',
    });
    // A shortfall below the minimum order size buys the minimum.
    assert.equal(planBaseBuy('0.000001', '100000', '0.5', BTC_USDT).sz, '0.00001000');
    // A slippage smaller than one tick prices at the ask itself, never under it.
    assert.equal(planBaseBuy('0.003', '100000.1', '0.00001', BTC_USDT).px, '100000.1');
  });

  test('the DCA take-profit price covers the buy fees, the sell fee and the target', () => {
    // 100 USDT bought 0.001 BTC and paid 0.000001 BTC: 0.000999 held, average entry 100100.1001.
    // 100100.1001 x 1.03 / (1 - 0.001) = 103206.3094... -> 103206.4 (rounded up to the tick).
    assert.equal(dcaTakeProfitPrice('100100.1001', '3', '0.001', '0.1'), '103206.4');
    // Selling 0.000999 there: 103.1031936 - 0.1031031936 fee = 103.0000904064 >= 103 (3 % on 100).
    // Without fees the target is the plain +3 %.
    assert.equal(dcaTakeProfitPrice('100000', '3', '0', '0.1'), '103000.0');
  });
});
