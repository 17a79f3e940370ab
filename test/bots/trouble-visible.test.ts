import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BotStatus } from '../../src/bots/runner.js';
import { formatStatusLine, formatSummary, StatusView } from '../../src/bots/status-view.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { createStrategy } from '../../src/bots/strategies/index.js';
import type { GridStrategy } from '../../src/bots/strategies/grid.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { checkKeyBeforeTrading } from '../../src/security/doctor.js';
import { openTradingStack } from '../../src/bots/session.js';
import type { Instrument } from '../../src/trading/exchange-port.js';
import { withSim } from '../helpers/sim.js';
import { runBot } from '../../src/bots/run-bot.js';
import { ManualClock } from '../../src/util/clock.js';

// Issue 10 items 6 (trouble is visible), 7 (configs that cannot work say so) and 10 (a read-only
// key is refused before anything is sent).

function status(over: Partial<BotStatus> = {}): BotStatus {
  return {
    botId: 'd1',
    kind: 'dca',
    instId: 'BTC-USDT',
    quoteCcy: 'USDT',
    price: '58700',
    bidPx: '58699.9',
    askPx: '58700',
    openOrders: 0,
    openBuys: 0,
    openSells: 0,
    ordersPlaced: 0,
    fills: 0,
    realisedPnl: '0',
    unrealisedPnl: '0',
    equity: '100000',
    startEquity: '100000',
    pnl: '0',
    equityChange: '0',
    riskHeadroom: 'no limits set',
    feesPaid: '0',
    feesByCcy: {},
    detail: 'cycle 1',
    startedMs: 0,
    now: 30_000,
    done: false,
    lastError: 'order d1x0 rejected: 51008 insufficient balance',
    recentEvents: [],
    consecutiveFailures: 3,
    halted: '',
    ...over,
  };
}

test('refusals show in the 10 s line and in the summary', () => {
  const line = formatStatusLine(status());
  assert.match(line, /3 refused in a row/);
  assert.match(line, /51008 insufficient balance/);
  const sum = formatSummary({ ...status(), runtimeMs: 30_000, canceledOnExit: 0 });
  assert.match(sum, /last error\s+order d1x0 rejected: 51008 insufficient balance \(3 refused in a row\)/);
});

test('a halt shows in the line and the summary', () => {
  const s = status({
    halted: 'maxDailyLoss: daily loss limit reached',
    lastError: '',
    consecutiveFailures: 0,
  });
  assert.match(formatStatusLine(s), /HALTED: maxDailyLoss/);
  assert.match(formatSummary({ ...s, runtimeMs: 1, canceledOnExit: 0 }), /HALTED\s+maxDailyLoss/);
});

test('the in-place redraw cuts lines wider than the terminal, so it climbs the right number of lines', () => {
  let out = '';
  const view = new StatusView({ write: (x: string) => (out += x), isTTY: true, columns: 40 });
  view.update(status({ lastError: 'x'.repeat(200) }));
  const lines = out.split('\n').filter(Boolean);
  for (const l of lines) {
    // eslint-disable-next-line no-control-regex
    const visible = l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    assert.ok(visible.length <= 39, `"${visible}" is ${visible.length} wide`);
  }
});

const INST: Instrument = {
  instId: 'BTC-USDT',
  baseCcy: 'BTC',
  quoteCcy: 'USDT',
  tickSz: '0.1',
  lotSz: '0.00000001',
  minSz: '0.00001',
  state: 'live',
} as Instrument;
const TICKER = { instId: 'BTC-USDT', last: '58700', bidPx: '58699.9', askPx: '58700', ts: 0 };

test('a grid range may be relative to the price ("-5%") and resolves on the tick', () => {
  const cfg = parseBotConfig('grid', {
    id: 'g5',
    instId: 'BTC-USDT',
    lower: '-5%',
    upper: '+5%',
    levels: 11,
    sizePerLevel: '0.001',
  });
  const grid = createStrategy(cfg) as GridStrategy;
  assert.deepEqual(grid.range(INST, '58700'), { lower: '55765.0', upper: '61635.0' });
  assert.deepEqual(grid.validate(INST, TICKER), []);
  assert.throws(
    () => parseBotConfig('grid', { ...cfg, lower: '+5%', upper: '-5%' }),
    /lower: must be below upper/,
  );
});

test('a grid range that does not contain the price warns with the numbers', () => {
  const cfg = parseBotConfig('grid', {
    id: 'g6',
    instId: 'BTC-USDT',
    lower: '95000',
    upper: '105000',
    levels: 11,
    sizePerLevel: '0.001',
  });
  const w = createStrategy(cfg).validate(INST, TICKER) ?? [];
  assert.match(w[0] ?? '', /95000\.\.105000 does not contain the price 58700/);
});

test('a trailing activationPx far from the market warns; a relative one is fine', () => {
  const far = parseBotConfig('trailing', {
    id: 't1',
    instId: 'BTC-USDT',
    size: '0.01',
    trailPct: '3',
    activationPx: '100000',
  });
  assert.match(
    (createStrategy(far).validate(INST, TICKER) ?? [])[0] ?? '',
    /activationPx 100000 is 70\.36% from/,
  );
  const rel = parseBotConfig('trailing', { ...far, activationPx: '+2%' });
  assert.deepEqual(createStrategy(rel).validate(INST, TICKER), []);
});

test('a DCA amount larger than the balance warns with the numbers', () => {
  const cfg = parseBotConfig('dca', {
    id: 'd2',
    instId: 'BTC-USDT',
    quoteAmount: '5000',
    intervalSec: 60,
    takeProfitPct: '3',
  });
  const w =
    createStrategy(cfg).validate(INST, TICKER, [
      { ccy: 'USDT', availBal: '120.5', eq: '120.5', frozenBal: '0' },
    ]) ?? [];
  assert.match(w[0] ?? '', /quoteAmount 5000 USDT is more than the 120\.5 USDT available/);
});

test('a read-only key: "this key cannot trade (read-only)" before anything is sent', async (t) => {
  const sim = await withSim(t, { seed: 2 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('read-only') });
  t.after(() => client.close());
  const paths: string[] = [];
  const origFetch = client.trade.cancelAllAfter.bind(client.trade);
  client.trade.cancelAllAfter = (req) => (paths.push('cancel-all-after'), origFetch(req));
  await assert.rejects(
    openTradingStack({
      client,
      journalPath: ':memory:',
      ws: false,
      keyCheck: () => checkKeyBeforeTrading(client, { warn: () => undefined }),
    }),
    (err: Error & { code?: string }) =>
      err.code === 'KEY_READ_ONLY' && /this key cannot trade \(read-only\)/.test(err.message),
  );
  assert.deepEqual(paths, [], 'no cancel-all-after (or anything else that trades) was sent');
});

test('a DCA bot whose every buy is refused (51008) stops and says why', { timeout: 60_000 }, async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const sim = await withSim(t, { seed: 4, clock, tickMs: 5 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
  t.after(() => client.close());
  const warnings: string[] = [];
  let reason = '';
  const run = runBot({
    // more than the account's 100000 USDT: every buy is refused by the exchange
    config: parseBotConfig('dca', {
      id: 'broke1',
      instId: 'BTC-USDT',
      quoteAmount: '150000',
      intervalSec: 1,
      takeProfitPct: '3',
      deadManSec: 0,
    }),
    client,
    statePath: ':memory:',
    journalPath: ':memory:',
    streams: false,
    pollMs: 20,
    clock,
    maxConsecutiveFailures: 3,
    onEvent: (e) => void (e.type === 'warning' && warnings.push(e.text)),
    onStopReason: (r) => (reason = r),
  });
  let done = false;
  void run.finally(() => (done = true));
  // one DCA interval after another on the exchange's clock until the bot gives up
  while (!done) {
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
  }
  const summary = await run;
  assert.match(warnings[0] ?? '', /quoteAmount 150000 USDT is more than the/);
  assert.match(reason, /stopped after [3-9] orders refused in a row/);
  assert.match(summary.lastError, /rejected.*51008/);
  assert.ok((summary.consecutiveFailures ?? 0) >= 3);
  assert.equal(summary.ordersPlaced, 0);
});
