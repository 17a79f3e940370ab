import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { RiskManager, type RiskLimits } from '../../src/trading/risk.js';
import type { Position } from '../../src/trading/exchange-port.js';
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

test('the risk headroom shows the derivatives limits at the worst position of each', async () => {
  const limits: RiskLimits = { maxLeverage: '10', minMarginRatio: '2', minLiqDistancePct: '3' };
  const risk = new RiskManager({ limits, clock: new ManualClock(Date.UTC(2026, 10, 21, 10)) });
  assert.equal(
    riskHeadroom(risk, limits),
    'leverage no position (limit 10x), margin ratio no position (limit 2), liq distance no position (limit 3%)',
  );
  const pos = (instId: string, lever: string, mgnRatio: string, markPx: string, liqPx: string): Position => ({
    instId,
    instType: 'SWAP',
    mgnMode: 'cross',
    posSide: 'net',
    pos: '1',
    avgPx: markPx,
    markPx,
    liqPx,
    lever,
    upl: '0',
    mgnRatio,
    margin: '10',
    notionalUsd: '100',
    uTime: 0,
  });
  // A: 5x, ratio 4, 10 % from liquidation; B: 8x, ratio 2.5, 5 % from it: B is the worst of each
  const trip = await risk.onPositions([
    pos('ETH-USDT-SWAP', '5', '4', '100', '90'),
    pos('BTC-USDT-SWAP', '8', '2.5', '100', '95'),
  ]);
  assert.equal(trip, undefined);
  assert.equal(
    riskHeadroom(risk, limits),
    'leverage 8x BTC-USDT-SWAP (limit 10x), margin ratio 2.5 BTC-USDT-SWAP (limit 2), liq distance 5% BTC-USDT-SWAP (limit 3%)',
  );
  // the worst per limit can be different positions
  await risk.onPositions([
    pos('ETH-USDT-SWAP', '9', '4', '100', '96'),
    pos('BTC-USDT-SWAP', '3', '2.5', '100', '80'),
  ]);
  assert.equal(
    riskHeadroom(risk, limits),
    'leverage 9x ETH-USDT-SWAP (limit 10x), margin ratio 2.5 BTC-USDT-SWAP (limit 2), liq distance 4% ETH-USDT-SWAP (limit 3%)',
  );
});
