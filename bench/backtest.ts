// Backtester throughput: one-minute candles per second through the unchanged strategy classes on
// the BacktestExchange, one core. Candles: a year of the local exchange's seeded BTC-USDT history
// (525,600 rows, generated before timing). The goal (issue 13) is 1,000,000 candles/s for DCA;
// the ratio column here is throughput / that target. Median of 5 timed runs after a warm-up, by
// CPU time of this process (the machine is shared), wall time in the note.
import { runBacktest } from '../src/backtest/engine.js';
import type { Candles } from '../src/backtest/candles.js';
import { parseBotConfig, type BotConfig } from '../src/bots/config.js';
import { createStrategy } from '../src/bots/strategies/index.js';
import { SimMarket } from '../src/sim/market/market.js';
import { ManualClock } from '../src/util/clock.js';
import type { BenchResult } from './harness.js';

const TARGET = 1_000_000;
const END = Date.UTC(2026, 0, 1);
const INST = {
  instId: 'BTC-USDT',
  instType: 'SPOT',
  baseCcy: 'BTC',
  quoteCcy: 'USDT',
  tickSz: '0.1',
  lotSz: '0.00000001',
  minSz: '0.00001',
  maxLmtSz: '',
  maxMktSz: '',
  state: 'live',
};

function slice(c: Candles, n: number): Candles {
  return {
    ...c,
    ts: c.ts.subarray(0, n),
    o: c.o.subarray(0, n),
    h: c.h.subarray(0, n),
    l: c.l.subarray(0, n),
    c: c.c.subarray(0, n),
    v: c.v.subarray(0, n),
  };
}

function measure(
  cfg: BotConfig,
  candles: Candles,
  fastPath: boolean,
  runs = 5,
): { cpu: number; wall: number; fills: number } {
  const once = () =>
    runBacktest({
      instrument: INST,
      balances: { USDT: '100000' },
      candles,
      strategy: createStrategy(cfg),
      fastPath,
    });
  once();
  const cpu: number[] = [];
  const wall: number[] = [];
  let fills = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fills = once().fills.length;
    wall.push((performance.now() - t0) / 1000);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1e6);
  }
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
  return { cpu: med(cpu), wall: med(wall), fills };
}

export async function run(): Promise<BenchResult[]> {
  const m = new SimMarket({ seed: 1, clock: new ManualClock(END) });
  const year: Candles = {
    instId: 'BTC-USDT',
    bar: '1m',
    barMs: 60_000,
    ...m.historyMinutes('BTC-USDT', END - 365 * 86_400_000, END),
  };
  const n = year.ts.length;
  const dca = (intervalSec: number) =>
    parseBotConfig('dca', {
      instId: 'BTC-USDT',
      quoteAmount: '100',
      intervalSec,
      takeProfitPct: '3',
      safetyOrders: { count: 3, dropPct: '3', sizeMultiplier: '1.5' },
    });
  const rows: BenchResult[] = [];
  const add = (name: string, count: number, r: { cpu: number; wall: number; fills: number }) => {
    const perSec = Math.round(count / r.cpu);
    rows.push({
      name,
      opsPerSec: perSec,
      ratio: perSec / TARGET,
      note: `candles/s by CPU time; wall ${Math.round(count / r.wall).toLocaleString('en-US')}/s; ${r.fills} fills; ratio = vs the 1,000,000/s target`,
    });
  };
  add(
    'DCA daily buy, 3 safety orders, 3 % take profit: a year of 1m candles',
    n,
    measure(dca(86_400), year, true),
  );
  add('DCA hourly buy (24x the strategy calls): a year of 1m candles', n, measure(dca(3_600), year, true));
  const lo = Math.min(...year.l.subarray(0, 43_200));
  const hi = Math.max(...year.h.subarray(0, 43_200));
  const grid = parseBotConfig('grid', {
    instId: 'BTC-USDT',
    lower: String(Math.floor(lo)),
    upper: String(Math.ceil(hi)),
    levels: 20,
    investment: '20000',
    buyMissingBase: true,
  });
  add("grid 20 levels over the first month's range: a year of 1m candles", n, measure(grid, year, true));
  const short = slice(year, 20_000);
  add(
    'DCA daily without the fast path (strategy called on every price): 20,000 candles',
    20_000,
    measure(dca(86_400), short, false, 3),
  );
  return rows;
}
