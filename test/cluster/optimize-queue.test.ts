import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optimize } from '../../src/backtest/optimize.js';
import { RedisSweepExecutor, startSweepWorker } from '../../src/cluster/optimize-queue.js';
import { SimMarket } from '../../src/sim/market/market.js';
import { ManualClock } from '../../src/util/clock.js';
import { SPOT } from '../backtest/helpers.js';
import { withRedis } from '../helpers/redis.js';

const END = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

test('a sweep run as BullMQ jobs by two workers gives the same result as this machine for the same grid', async (t) => {
  const redis = await withRedis(t);
  const m = new SimMarket({ seed: 3, clock: new ManualClock(END) });
  const candles = {
    instId: 'BTC-USDT',
    bar: '1m',
    barMs: 60_000,
    ...m.historyMinutes('BTC-USDT', END - 12 * DAY, END),
  };
  const opts = {
    kind: 'ema-cross',
    raw: { instId: 'BTC-USDT', quoteAmount: '500', barSec: 900 },
    candles,
    exchange: { instrument: { ...SPOT, lotSz: '0.00000001', minSz: '0.00001' }, balances: { USDT: '10000' } },
    candidates: [4, 8, 12].flatMap((fast) => [16, 24].map((slow) => ({ fast, slow }))),
    method: 'grid' as const,
    folds: 3,
    blocks: 4,
  };
  const jobs: string[][] = [[], []];
  const workers = await Promise.all(
    [0, 1].map((w) => startSweepWorker(redis.url, { onJob: (_s, i) => jobs[w]!.push(String(i)) })),
  );
  t.after(async () => {
    for (const w of workers) await w.close();
  });
  const statuses: Array<{ done: number; workers: number }> = [];
  let progress = 0;
  const executor = new RedisSweepExecutor(redis.url, { pollMs: 20, onStatus: (s) => statuses.push(s) });
  const distributed = await optimize({ ...opts, executor, onProgress: (d) => (progress = d) });
  const local = await optimize({ ...opts, threads: 0 });
  assert.equal(progress, 6);
  assert.deepEqual(
    distributed.results.map((r) => [r.params, r.daily, r.score, r.totalReturn, r.roundTrips]),
    local.results.map((r) => [r.params, r.daily, r.score, r.totalReturn, r.roundTrips]),
  );
  assert.equal(distributed.best, local.best);
  assert.deepEqual(distributed.folds, local.folds);
  assert.deepEqual(distributed.pbo, local.pbo);
  assert.equal(distributed.ranOn, 'okxkit worker processes via Redis');
  assert.equal(jobs[0]!.length + jobs[1]!.length, 6, 'every candidate evaluated once');
  assert.ok(
    statuses.some((s) => s.workers === 2),
    'the submitter sees both workers',
  );
});
