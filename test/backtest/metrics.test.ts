import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BacktestFill } from '../../src/backtest/exchange.js';
import { computeMetrics, monthlyReturns, performance, roundTrips } from '../../src/backtest/metrics.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 0, 1);
const ts = [D0, D0 + DAY, D0 + 2 * DAY];
const near = (a: number | null, b: number, eps = 1e-9) =>
  assert.ok(a !== null && Math.abs(a - b) < eps, `${a} != ${b}`);

function fill(
  ts: number,
  side: 'buy' | 'sell',
  px: number,
  sz: number,
  fee: number,
  feeCcy: string,
): BacktestFill {
  return {
    ts,
    ordId: '1',
    clOrdId: '',
    side,
    px,
    sz,
    fee,
    feeCcy,
    feeQuote: feeCcy === 'BTC' ? fee * px : fee,
    maker: true,
  };
}

describe('backtest figures, checked by hand', () => {
  // Daily candles; equity 100 at the start, then 110, 99, 121 at the three closes.
  // Daily returns +10 %, -10 %, +22.22 %: mean 0.0740741, sample sd 0.1626681.
  const p = performance(ts, [110, 99, 121], 100, DAY);

  test('total and annualised return', () => {
    near(p.totalReturn, 0.21);
    near(p.annualReturn, 1.21 ** (365 / 3) - 1, 1);
  });

  test('max drawdown 10 % (110 -> 99), underwater for 2 days (close of day 1 to close of day 3)', () => {
    near(p.maxDrawdown, 0.1);
    assert.equal(p.maxDrawdownDurationMs, 2 * DAY);
  });

  test('Sharpe = mean / sd x sqrt(365) = 8.6998; Sortino uses the downside deviation sqrt(0.01 / 3): 24.5117', () => {
    near(p.sharpe, 8.69982094045965, 1e-9);
    near(p.sortino, 24.511692011517503, 1e-9);
    near(p.volatility, 3.107769369286418, 1e-9);
    near(p.calmar, p.annualReturn / 0.1, 1e-3);
  });

  test('a drawdown not recovered by the end lasts until the end', () => {
    const q = performance(ts, [120, 90, 100], 100, DAY);
    near(q.maxDrawdown, 0.25);
    assert.equal(q.maxDrawdownDurationMs, 2 * DAY);
  });

  test('round trips: base fee shrinks the lot, sell fee in quote; win rate and profit factor', () => {
    const rt = roundTrips(
      [
        // 1 BTC at 100, 0.001 BTC fee: 0.999 BTC held for 100 USDT; sold at 110, 0.10989 USDT fee
        fill(D0, 'buy', 100, 1, 0.001, 'BTC'),
        fill(D0 + DAY, 'sell', 110, 0.999, 0.10989, 'USDT'),
        // a losing trade without fees: -10
        fill(D0 + 2 * DAY, 'buy', 100, 1, 0, 'BTC'),
        fill(D0 + 3 * DAY, 'sell', 90, 1, 0, 'USDT'),
      ],
      true,
    );
    assert.equal(rt.trades.length, 2);
    near(rt.trades[0]!.pnl, 109.89 - 0.10989 - 100);
    near(rt.trades[1]!.pnl, -10);
    near(rt.winRate, 0.5);
    near(rt.profitFactor, 9.78011 / 10);
    near(rt.openSize, 0);
  });

  test('buy-and-hold enters at the first open paying the taker fee; exposure and turnover', () => {
    const m = computeMetrics({
      ts,
      close: [110, 99, 121],
      firstOpen: 100,
      equity: [110, 99, 121],
      // all in for the first two days, flat on the last
      position: [1, 1, 0],
      startEquity: 100,
      barMs: DAY,
      fills: [],
      tradedQuote: 330,
      feesQuote: 0.3,
      fundingPaid: 0,
      takerRate: 0.001,
      baseFees: true,
    });
    // 0.999 BTC x 121 = 120.879
    near(m.buyHold.endEquity, 120.879);
    near(m.buyHold.totalReturn, 0.20879);
    near(m.exposure, 2 / 3);
    near(m.timeInMarket, 2 / 3);
    near(m.turnover, 330 / 110);
    assert.equal(m.winRate, null);
  });

  test('monthly returns compound from month end to month end', () => {
    const jan31 = Date.UTC(2025, 0, 31);
    const feb1 = Date.UTC(2025, 1, 1);
    const r = monthlyReturns([jan31, feb1], [110, 121], 100);
    assert.deepEqual(
      r.map((x) => x.month),
      ['2025-01', '2025-02'],
    );
    near(r[0]!.ret, 0.1);
    near(r[1]!.ret, 0.1);
  });
});
