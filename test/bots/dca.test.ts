import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DcaState } from '../../src/bots/strategies/dca.js';
import { ManualClock } from '../../src/util/clock.js';
import { ValidationError } from '../../src/util/errors.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, openStore } from './helpers.js';

const cfg = { id: 'd1', instId: 'BTC-USDT', quoteAmount: '100', intervalSec: 60, takeProfitPct: '3' };

function setup(t: Parameters<typeof openStore>[0], raw: Record<string, unknown> = cfg) {
  const clock = new ManualClock(1_700_000_000_000);
  const ex = new PaperExchange({ clock, prices: { 'BTC-USDT': '100000' }, takerFeeRate: '0' });
  const r = makeRunner('dca', raw, ex, openStore(t));
  const state = () => (r as unknown as { row: { state: DcaState } }).row.state;
  /** Moves time, then the price, and waits for the bot. */
  const step = async (ms: number, px: string) => {
    clock.advance(ms);
    ex.setPrice('BTC-USDT', px);
    await r.idle();
  };
  return { clock, ex, r, state, step };
}

describe('DCA bot on the paper exchange', () => {
  test('buys the quote amount once per interval (injected clock)', async (t) => {
    const { ex, r, state, step } = setup(t);
    await r.start();
    const table: { advanceMs: number; px: string; buys: number }[] = [
      { advanceMs: 0, px: '100000', buys: 1 }, // the first buy happens at the start
      { advanceMs: 30_000, px: '100000', buys: 1 },
      { advanceMs: 29_999, px: '100000', buys: 1 },
      { advanceMs: 1, px: '100000', buys: 2 },
      { advanceMs: 60_000, px: '100000', buys: 3 },
    ];
    for (const row of table) {
      await step(row.advanceMs, row.px);
      assert.equal(ex.placeCount, row.buys, `after +${row.advanceMs} ms`);
    }
    const first = ex.allOrders()[0]!;
    assert.equal(first.ordType, 'market');
    assert.equal(first.sz, '100');
    assert.equal(ex.placeCalls[0]!.tgtCcy, 'quote_ccy');
    assert.equal(state().position, '0.003');
    assert.equal(state().entries, 3);
    await r.stop();
  });

  test('a late buy pushes the next one back: never two buys closer than the interval', async (t) => {
    const { ex, r, step } = setup(t);
    await r.start(); // buy 1 at t0; next due at t0 + 60 s
    await step(119_000, '100000'); // 59 s late
    assert.equal(ex.placeCount, 2);
    await step(1_000, '100000'); // t0 + 120 s: a fixed cadence would buy again here, 1 s later
    assert.equal(ex.placeCount, 2);
    await step(59_000, '100000'); // 60 s after the late buy
    assert.equal(ex.placeCount, 3);
    await r.stop();
  });

  test('after a long pause it buys once and restarts the schedule from now', async (t) => {
    const { ex, r, step } = setup(t);
    await r.start();
    await step(10 * 60_000, '100000');
    assert.equal(ex.placeCount, 2);
    await step(59_000, '100000');
    assert.equal(ex.placeCount, 2);
    await step(1_000, '100000');
    assert.equal(ex.placeCount, 3);
    await r.stop();
  });

  test('places safety orders on drops from the last entry, up to the count, with the multiplier', async (t) => {
    const { ex, r, state, step } = setup(t, {
      ...cfg,
      intervalSec: 3600,
      safetyOrders: { count: 2, dropPct: '2', sizeMultiplier: '2' },
    });
    await r.start();
    const table: { px: string; orders: number; lastQuote?: string }[] = [
      { px: '98100', orders: 1 }, // -1.9%: not yet
      { px: '98000', orders: 2, lastQuote: '200' }, // -2% from 100000: safety 1, 100 x 2
      { px: '96100', orders: 2 }, // -1.94% from 98000
      { px: '96040', orders: 3, lastQuote: '400' }, // -2% from 98000: safety 2, 100 x 2^2
      { px: '90000', orders: 3 }, // no safety orders left
    ];
    for (const row of table) {
      await step(1_000, row.px);
      assert.equal(ex.placeCount, row.orders, `at ${row.px}`);
      if (row.lastQuote) assert.equal(ex.placeCalls.at(-1)!.sz, row.lastQuote);
    }
    assert.equal(state().safetyUsed, 2);
    assert.equal(state().entries, 3);
    await r.stop();
  });

  test('takes profit above the average entry, selling the whole position, then starts a new cycle', async (t) => {
    const { ex, r, state, step } = setup(t, {
      ...cfg,
      intervalSec: 3600,
      safetyOrders: { count: 1, dropPct: '10' },
    });
    await r.start(); // 100 USDT at 100000 -> 0.001
    await step(1_000, '90000'); // safety at -10%: 100 USDT -> 0.00111111
    const pos = state().position;
    assert.equal(pos, '0.00211111');
    // average entry = 200 / 0.00211111 = 94736.9...; take profit at +3% = 97579.0...
    await step(1_000, '97500');
    assert.equal(ex.placeCount, 2);
    await step(1_000, '97600');
    assert.equal(ex.placeCount, 3, 'the take-profit sell');
    await step(1_000, '97600');
    assert.equal(ex.placeCount, 4, 'the new cycle starts with a buy at once');
    const [tp, nextBuy] = ex.allOrders().slice(2);
    assert.equal(tp!.side, 'sell');
    assert.equal(tp!.sz, pos);
    assert.equal(tp!.state, 'filled');
    assert.equal(nextBuy!.side, 'buy');
    assert.equal(state().cycle, 2);
    assert.equal(state().cyclesDone, 1);
    // proceeds 0.00211111 * 97600 = 206.044336; cost 0.001 * 100000 + 0.00111111 * 90000 = 199.9999
    assert.equal(state().realisedPnl, '6.044436');
    assert.equal(r.status().realisedPnl, '6.044436');
    await r.stop();
  });

  test('take profit accounts for the fees paid: the completed cycle clears takeProfitPct net of both fees', async (t) => {
    const clock = new ManualClock(1_700_000_000_000);
    const ex = new PaperExchange({ clock, prices: { 'BTC-USDT': '100000' }, takerFeeRate: '0.001' });
    const r = makeRunner('dca', { ...cfg, intervalSec: 3600 }, ex, openStore(t));
    const state = () => (r as unknown as { row: { state: DcaState } }).row.state;
    const at = async (px: string) => {
      clock.advance(1_000);
      ex.setPrice('BTC-USDT', px);
      await r.idle();
    };
    await r.start();
    // 100 USDT buys 0.001 BTC and pays 0.000001 BTC (0.1 %, in base): 0.000999 held for 100 USDT.
    assert.equal(state().position, '0.000999');
    assert.equal(state().cost, '100');
    assert.equal(state().feeRate, '0.001');
    // +3 % on the average entry alone (100100.1001 x 1.03 = 103103.1) would end the cycle at
    // 0.000999 x 103103.2 x 0.999 - 100 = +2.897 USDT: short of 3 %, so the bot waits ...
    await at('103103.2');
    assert.equal(ex.placeCount, 1);
    // ... for 100100.1001 x 1.03 / 0.999 = 103206.31 -> 103206.4 (see fee-math.test.ts).
    await at('103206.3');
    assert.equal(ex.placeCount, 1);
    assert.match(r.status().detail, /take profit at 103206\.4/);
    await at('103206.4');
    assert.equal(ex.placeCount, 2);
    const tp = ex.allOrders()[1]!;
    assert.deepEqual(
      [tp.side, tp.ordType, tp.px, tp.sz, tp.state],
      ['sell', 'ioc', '103206.4', '0.00099900', 'filled'],
    );
    // Proceeds 0.000999 x 103206.4 = 103.1031936, fee 0.1031031936 USDT: +3.0000904064 on 100.
    assert.equal(state().realisedPnl, '3.0000904064');
    assert.deepEqual(state().lastCycle, {
      cycle: 1,
      entries: 1,
      cost: '100',
      pnl: '3.00009041',
      pnlPct: '3',
      fees: '0.20310319',
    });
    const st = r.status();
    assert.match(st.detail, /last cycle 1: \+3\.0001 USDT \(3\.00 % net of 0\.2031 USDT fees\)/);
    // Fees in the currency charged: the buy's in BTC, the sell's in USDT; in quote 0.1 + 0.1031031936.
    assert.deepEqual(st.feesByCcy, { BTC: '0.000001', USDT: '0.1031031936' });
    assert.equal(st.feesPaid, '0.2031031936');
    await r.stop();
  });

  test('maxCycles stops buying after the last take profit', async (t) => {
    const { ex, r, step } = setup(t, { ...cfg, maxCycles: 1 });
    await r.start();
    await step(1_000, '104000');
    assert.equal(ex.placeCount, 2);
    await step(120_000, '104000');
    assert.equal(ex.placeCount, 2);
    assert.equal(r.done, true);
    await r.finished;
    await r.stop();
  });

  test('a limit DCA buys at the ask', async (t) => {
    const { ex, r } = setup(t, { ...cfg, orderType: 'limit' });
    ex.setPrice('BTC-USDT', '100000', '99990', '100010');
    await r.start();
    const o = ex.allOrders()[0]!;
    assert.equal(o.ordType, 'limit');
    assert.equal(o.px, '100010.0');
    assert.equal(o.sz, '0.00099990');
    assert.equal(o.state, 'filled');
    await r.stop();
  });

  test('refuses a quote amount below the minimum order size', async (t) => {
    const { r } = setup(t, { ...cfg, quoteAmount: '0.5' });
    await assert.rejects(
      r.start(),
      (e: unknown) =>
        e instanceof ValidationError && e.field === 'quoteAmount' && /at least 1/.test(e.message),
    );
  });
});
