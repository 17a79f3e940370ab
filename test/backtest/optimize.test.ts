import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { optimize } from '../../src/backtest/optimize.js';
import { SimMarket } from '../../src/sim/market/market.js';
import { ManualClock } from '../../src/util/clock.js';
import { SPOT } from './helpers.js';

const END = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe('optimizer', () => {
  test(
    'worker threads give the same results as one thread; walk-forward folds and the over-fit figures come out',
    { timeout: 120_000 },
    async () => {
      const m = new SimMarket({ seed: 2, clock: new ManualClock(END) });
      const candles = {
        instId: 'BTC-USDT',
        bar: '1m',
        barMs: 60_000,
        ...m.historyMinutes('BTC-USDT', END - 16 * DAY, END),
      };
      const candidates = [4, 8].flatMap((fast) => [16, 24].map((slow) => ({ fast, slow })));
      const opts = {
        kind: 'ema-cross',
        raw: { instId: 'BTC-USDT', quoteAmount: '500', barSec: 900 },
        candles,
        exchange: {
          instrument: { ...SPOT, lotSz: '0.00000001', minSz: '0.00001' },
          balances: { USDT: '10000' },
        },
        candidates,
        method: 'grid' as const,
        folds: 4,
        blocks: 4,
      };
      let progress = 0;
      const pooled = await optimize({ ...opts, threads: 2, onProgress: (d) => (progress = d) });
      const inline = await optimize({ ...opts, threads: 0 });
      assert.equal(progress, 4);
      assert.deepEqual(
        pooled.results.map((r) => [r.params, r.daily, r.score]),
        inline.results.map((r) => [r.params, r.daily, r.score]),
      );
      assert.equal(pooled.results.length, 4);
      // 16 days of returns: 4 parts of 4 days, 3 walk-forward steps, each choosing on the part before.
      assert.equal(pooled.folds.length, 3);
      assert.deepEqual(
        pooled.folds.map((f) => [f.isFrom, f.isTo, f.osTo]),
        [
          [0, 4, 8],
          [4, 8, 12],
          [8, 12, 16],
        ],
      );
      assert.equal(pooled.pbo.splits, 6);
      assert.ok(pooled.pbo.pbo >= 0 && pooled.pbo.pbo <= 1);
      assert.equal(pooled.deflated.trials, 4);
      assert.ok(pooled.deflated.dsr >= 0 && pooled.deflated.dsr <= 1);
      const best = pooled.results[pooled.best]!;
      assert.ok(pooled.results.every((r) => r.score <= best.score));
    },
  );

  test('a configuration the strategy refuses is named', async () => {
    const m = new SimMarket({ seed: 2, clock: new ManualClock(END) });
    const candles = {
      instId: 'BTC-USDT',
      bar: '1m',
      barMs: 60_000,
      ...m.historyMinutes('BTC-USDT', END - 2 * DAY, END),
    };
    await assert.rejects(
      optimize({
        kind: 'ema-cross',
        raw: { instId: 'BTC-USDT', quoteAmount: '500' },
        candles,
        exchange: { instrument: SPOT, balances: { USDT: '10000' } },
        candidates: [
          { fast: 30, slow: 20 },
          { fast: 5, slow: 20 },
        ],
        method: 'grid',
        threads: 0,
      }),
      /fast=30|"fast":30/,
    );
  });
});
