import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Candles } from '../../src/backtest/candles.js';
import { runBacktest, type BacktestResult } from '../../src/backtest/engine.js';
import { BacktestExchange } from '../../src/backtest/exchange.js';
import { parseBotConfig, type BotConfig } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import { createStrategy } from '../../src/bots/strategies/index.js';
import { SimMarket } from '../../src/sim/market/market.js';
import { ManualClock } from '../../src/util/clock.js';
import { SPOT } from './helpers.js';

const END = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** Three days of the local exchange's seeded BTC-USDT history (seed 1), 1-minute candles. */
function seeded(days = 3): Candles {
  const m = new SimMarket({ seed: 1, clock: new ManualClock(END) });
  return {
    instId: 'BTC-USDT',
    bar: '1m',
    barMs: 60_000,
    ...m.historyMinutes('BTC-USDT', END - days * DAY, END),
  };
}

const candles = seeded();
const lo = Math.min(...candles.l);
const hi = Math.max(...candles.h);
const inst = { ...SPOT, lotSz: '0.00000001', minSz: '0.00001' };

const CONFIGS: { name: string; cfg: BotConfig; balances: Record<string, string> }[] = [
  {
    name: 'dca',
    cfg: parseBotConfig('dca', {
      id: 'd1',
      instId: 'BTC-USDT',
      quoteAmount: '100',
      intervalSec: 3600,
      takeProfitPct: '0.5',
      safetyOrders: { count: 3, dropPct: '0.5', sizeMultiplier: '1.5' },
    }),
    balances: { USDT: '10000' },
  },
  {
    name: 'grid',
    cfg: parseBotConfig('grid', {
      id: 'g1',
      instId: 'BTC-USDT',
      lower: String(Math.floor(lo)),
      upper: String(Math.ceil(hi)),
      levels: 12,
      investment: '5000',
      buyMissingBase: true,
    }),
    balances: { USDT: '10000' },
  },
  {
    name: 'ema-cross',
    cfg: parseBotConfig('ema-cross', {
      id: 'e1',
      instId: 'BTC-USDT',
      quoteAmount: '500',
      barSec: 900,
      fast: 4,
      slow: 12,
    }),
    balances: { USDT: '10000' },
  },
  {
    name: 'bollinger',
    cfg: parseBotConfig('bollinger', {
      id: 'b1',
      instId: 'BTC-USDT',
      quoteAmount: '500',
      barSec: 900,
      period: 20,
      k: 2,
    }),
    balances: { USDT: '10000' },
  },
  {
    name: 'momentum',
    cfg: parseBotConfig('momentum', {
      id: 'm1',
      instId: 'BTC-USDT',
      quoteAmount: '500',
      barSec: 900,
      period: 4,
      thresholdPct: 0.2,
    }),
    balances: { USDT: '10000' },
  },
  {
    name: 'trailing',
    cfg: parseBotConfig('trailing', { id: 't1', instId: 'BTC-USDT', size: '0.1', trailPct: '1' }),
    balances: { BTC: '0.1' },
  },
];

function run(c: (typeof CONFIGS)[number], fastPath: boolean): BacktestResult {
  return runBacktest({
    instrument: inst,
    balances: c.balances,
    candles,
    strategy: createStrategy(c.cfg),
    botId: c.cfg.id,
    fastPath,
  });
}

describe('the bundled strategies in the backtester', () => {
  for (const c of CONFIGS) {
    test(`${c.name}: the fast path gives the same trades as calling the strategy on every price, with fewer calls`, () => {
      const fast = run(c, true);
      const slow = run(c, false);
      assert.deepEqual(fast.errors, []);
      assert.ok(
        fast.fills.length >= (c.name === 'trailing' ? 1 : 4),
        `${c.name} traded ${fast.fills.length} times`,
      );
      assert.deepEqual(fast.fills, slow.fills);
      assert.deepEqual(fast.equity, slow.equity);
      assert.ok(
        fast.strategyCalls < slow.strategyCalls / 4,
        `${fast.strategyCalls} vs ${slow.strategyCalls}`,
      );
    });
  }

  test('same inputs, same result (deterministic)', () => {
    const a = run(CONFIGS[0]!, true);
    const b = run(CONFIGS[0]!, true);
    assert.deepEqual(a.fills, b.fills);
    assert.deepEqual(a.equity, b.equity);
    assert.deepEqual(a.metrics, b.metrics);
  });

  test('the bot runner driving a BacktestExchange through the Exchange port makes the same trades', async () => {
    const c = CONFIGS[0]!;
    const n = 1440;
    const ex = new BacktestExchange({ instrument: inst, balances: c.balances });
    const store = new BotStateStore(':memory:');
    try {
      ex.begin(candles.ts[0]!, candles.o[0]!);
      ex.startCandle(candles.v[0]!);
      const runner = new BotRunner({ port: ex, store, config: c.cfg });
      await runner.start();
      await runner.idle();
      const third = 20_000;
      for (let i = 0; i < n; i++) {
        const t0 = candles.ts[i]!;
        const up = candles.c[i]! >= candles.o[i]!;
        const path: [number, number][] = [
          [t0, candles.o[i]!],
          [t0 + third, up ? candles.l[i]! : candles.h[i]!],
          [t0 + 2 * third, up ? candles.h[i]! : candles.l[i]!],
          [t0 + 59_999, candles.c[i]!],
        ];
        ex.startCandle(candles.v[i]!);
        for (const [t, px] of path) {
          ex.step(t, px);
          await runner.idle();
          ex.publishTicker();
          await runner.idle();
        }
      }
      await runner.stop();
      const viaEngine = runBacktest({
        instrument: inst,
        balances: c.balances,
        candles: {
          ...candles,
          ts: candles.ts.subarray(0, n),
          o: candles.o.subarray(0, n),
          h: candles.h.subarray(0, n),
          l: candles.l.subarray(0, n),
          c: candles.c.subarray(0, n),
          v: candles.v.subarray(0, n),
        },
        strategy: createStrategy(c.cfg),
        botId: c.cfg.id,
      });
      assert.ok(viaEngine.fills.length >= 4);
      assert.deepEqual(ex.fillLog, viaEngine.fills);
    } finally {
      store.close();
    }
  });
});
