import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotStateStore } from '../../src/bots/state-store.js';
import type { Fill } from '../../src/trading/exchange-port.js';
import { RiskManager, type RiskMemoryState } from '../../src/trading/risk.js';
import { ManualClock } from '../../src/util/clock.js';

// Issue 10 item 3: the day's PnL and the peak survive a restart, so a crash/restart loop cannot
// lose more than maxDailyLoss or maxDrawdown.

let n = 0;
function fill(side: 'buy' | 'sell', px: string, sz: string): Fill {
  n++;
  return {
    instId: 'BTC-USDT',
    tradeId: `t${n}`,
    ordId: `o${n}`,
    clOrdId: '',
    side,
    fillPx: px,
    fillSz: sz,
    fee: '0',
    feeCcy: 'USDT',
    execType: 'T',
    ts: 0,
  };
}

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-riskmem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a bot restarted mid-loss still trips maxDailyLoss at the configured amount', async (t) => {
  const path = join(tmp(t), 'bot.sqlite');
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 10));
  const limits = { maxDailyLoss: '100' };

  // Run 1: buy 1 BTC at 1000, the price falls to 940: 60 USDT lost today, under the limit.
  let store = new BotStateStore(path);
  const run1 = new RiskManager({ limits, clock, memory: store.riskMemory('b1') });
  assert.equal(await run1.onFill(fill('buy', '1000', '1')), undefined);
  assert.equal(await run1.onMark('BTC-USDT', '940'), undefined);
  assert.equal(run1.snapshot().dailyPnl, '-60');
  store.close(); // the process dies

  // Run 2, same day: a fresh manager reloads the day's loss; 50 more lost is 110 > 100: it trips.
  clock.advance(60_000);
  store = new BotStateStore(path);
  t.after(() => store.close());
  const run2 = new RiskManager({ limits, clock, memory: store.riskMemory('b1') });
  assert.equal(run2.snapshot().halted, undefined);
  await run2.onFill(fill('buy', '1000', '1'));
  const trip = await run2.onMark('BTC-USDT', '950');
  assert.equal(trip?.rule, 'maxDailyLoss');
  assert.equal(trip?.numbers.dailyPnl, '-110');
});

test('the peak equity carries over: maxDrawdown trips across a restart', async () => {
  const mem: { s?: RiskMemoryState } = {};
  const memory = { load: () => mem.s, save: (s: RiskMemoryState) => void (mem.s = s) };
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 10));
  const limits = { maxDrawdown: '50', startingEquity: '1000' };
  const a = new RiskManager({ limits, clock, memory });
  await a.onFill(fill('buy', '100', '1'));
  await a.onMark('BTC-USDT', '140'); // equity 1040: the peak
  await a.onMark('BTC-USDT', '110'); // 30 below the peak
  assert.equal(a.snapshot().peakEquity, '1040');
  const b = new RiskManager({ limits, clock, memory });
  assert.equal(b.snapshot().peakEquity, '1040', 'the peak is reloaded, not reset to the start equity');
  await b.onFill(fill('buy', '100', '1'));
  const trip = await b.onMark('BTC-USDT', '75'); // this run -25, carried +10: equity 985, 55 below
  assert.equal(trip?.rule, 'maxDrawdown');
});

test('a new UTC day starts the daily loss afresh, the peak stays', async () => {
  const mem: { s?: RiskMemoryState } = {
    s: { day: '2026-05-31', dailyPnl: '-90', totalPnl: '-90', peakEquity: '1000' },
  };
  const memory = { load: () => mem.s, save: (s: RiskMemoryState) => void (mem.s = s) };
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 0, 5));
  const r = new RiskManager({ limits: { maxDailyLoss: '100', startingEquity: '1000' }, clock, memory });
  await r.onFill(fill('buy', '100', '1'));
  assert.equal(await r.onMark('BTC-USDT', '80'), undefined, 'yesterday’s 90 does not count today');
  assert.equal(r.snapshot().dailyPnl, '-20');
  assert.equal(r.snapshot().peakEquity, '1000');
});
