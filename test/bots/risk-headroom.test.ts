import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { RiskManager, type RiskLimits } from '../../src/trading/risk.js';
import { riskHeadroom } from '../../src/bots/session.js';

test('the risk headroom names the reporting currency, the drawdown percent, and an unknown total', async () => {
  const limits: RiskLimits = { maxDailyLoss: '100', maxDrawdownPct: '5', startingEquity: '10000' };
  const risk = new RiskManager({ limits, clock: new ManualClock(Date.UTC(2026, 10, 21, 10)) });
  assert.equal(riskHeadroom(risk, limits), 'daily pnl 0 USDT (limit -100 USDT), drawdown 0% (limit 5%)');
  await risk.onFill({
    tradeId: '1',
    ordId: '1',
    clOrdId: '',
    instId: 'ETH-BTC',
    side: 'buy',
    fillPx: '0.05',
    fillSz: '2',
    fee: '-0.002',
    feeCcy: 'ETH',
    execType: 'T',
    ts: 0,
  });
  assert.equal(
    riskHeadroom(risk, limits),
    'daily pnl unknown (limit -100 USDT), drawdown unknown (limit 5%), waiting for BTC-USDT price',
  );
  await risk.onMark('BTC-USDT', '50000');
  // -0.002 ETH at 0.05 = -0.0001 BTC = -5 USDT: 5 / 10000 = 0.05 %
  assert.equal(riskHeadroom(risk, limits), 'daily pnl -5 USDT (limit -100 USDT), drawdown 0.05% (limit 5%)');
});
