// Issue 15: the basis bot in backtest mode: recorded spot and swap books and settled fundings
// replayed through the same BasisBot on a paper venue (which consumes the books it fills
// against); entry, funding at its settlement times, the exits, and the PnL split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayBasis, type BasisReplayOptions } from '../../src/arb/basis-replay.js';
import { PaperVenue } from '../../src/arb/paper.js';
import type { BookView } from '../../src/arb/types.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);
const SPOT = 'BTC-USDT';
const SWAP = 'BTC-USDT-SWAP';

/** Spot at `px`, the swap `premiumBps` above, one book each every `everyMs` from `from` to `to`. */
function tape(
  from: number,
  to: number,
  everyMs: number,
  px: (t: number) => number,
  premiumBps: (t: number) => number,
): BookView[] {
  const out: BookView[] = [];
  for (let t = from; t < to; t += everyMs) {
    const s = px(t);
    const w = s * (1 + premiumBps(t) / 1e4);
    out.push({ venue: 'okx', instId: SPOT, ts: t, asks: [[s + 0.5, 2]], bids: [[s - 0.5, 2]] });
    // Swap sizes in contracts of 0.01 BTC.
    out.push({ venue: 'okx', instId: SWAP, ts: t, asks: [[w + 0.5, 200]], bids: [[w - 0.5, 200]] });
  }
  return out;
}

function options(o: Partial<BasisReplayOptions> & Pick<BasisReplayOptions, 'events'>): BasisReplayOptions {
  return {
    funding: [],
    spotInstId: SPOT,
    swapInstId: SWAP,
    instruments: { [SPOT]: { lotSz: '0.00001' }, [SWAP]: { ctVal: '0.01', lotSz: '1', minSz: '1' } },
    bot: { size: '0.1', fees: { spot: 0.001, swap: 0.0005 }, borrowRateYearly: 0.05 },
    balances: { USDT: 100_000 },
    stepMs: 60_000,
    ...o,
  };
}

test('a recorded premium and fundings: the bot enters, receives each funding at its settlement time, holds', async () => {
  // 07:00 to 01:00 next day, a book a minute; the swap 40 bps over the spot throughout.
  const events = tape(
    T0,
    T0 + 18 * HOUR,
    60_000,
    () => 60_000,
    () => 40,
  );
  const at = (h: number) => Date.UTC(2026, 0, 5, h);
  const rep = await replayBasis(
    options({
      events,
      // 00:00 settled before the tape (the rate known at entry), then 08:00, 16:00 and 00:00
      // paying the short more than the carry cost of a period (0.46 bps at 5 % a year).
      funding: [
        { fundingTime: at(0), rate: 0.0003 },
        { fundingTime: at(8), rate: 0.0003 },
        { fundingTime: at(16), rate: 0.0002 },
        { fundingTime: at(24), rate: 0.0001 },
      ],
    }),
  );
  assert.deepEqual(
    rep.decisions.map((d) => d.decision.split(':')[0]),
    ['entered', 'hold'],
  );
  assert.equal(rep.decisions[0]!.ts, T0);
  assert.equal(rep.state, 'open');
  assert.equal(rep.fundings, 3, '08:00, 16:00 and 00:00 settled on the position');
  // Short 10 contracts x 0.01 BTC at a mark of ~60,240: 0.0003 + 0.0002 + 0.0001 of its value.
  const value = 0.1 * 60_000 * 1.004;
  assert.ok(Math.abs(rep.pnl.funding - value * 0.0006) < 0.01, `funding ${rep.pnl.funding}`);
  // The two entry legs' taker fees (no exit yet).
  assert.ok(Math.abs(rep.pnl.fees + 0.1 * 60_000 * 0.001 + value * 0.0005) < 0.05, `fees ${rep.pnl.fees}`);
  assert.ok(Math.abs(rep.pnl.total - (rep.pnl.basis + rep.pnl.funding + rep.pnl.fees)) < 1e-9);
});

test('two recorded fundings against the short: the replayed bot exits on the settled history, short first', async () => {
  const events = tape(
    T0,
    T0 + 18 * HOUR,
    60_000,
    () => 60_000,
    () => 40,
  );
  const at = (h: number) => Date.UTC(2026, 0, 5, h);
  const rep = await replayBasis(
    options({
      events,
      funding: [
        { fundingTime: at(0), rate: 0.0003 },
        { fundingTime: at(8), rate: -0.0001 },
        { fundingTime: at(16), rate: -0.0002 },
      ],
      // Carry counted as free so the predicted-rate rule waits for the second adverse one.
      bot: { size: '0.1', fees: { spot: 0.001, swap: 0.0005 }, borrowRateYearly: 0, minEdgeBps: -1000 },
    }),
  );
  const kinds = rep.decisions.map((d) => d.decision.split(':')[0]);
  assert.equal(kinds[0], 'entered');
  const exit = rep.decisions.find((d) => d.decision.startsWith('exited'))!;
  assert.ok(exit, JSON.stringify(rep.decisions));
  // The predicted rate (the last settled, -0.0001, after 08:00) is under the carry of 0: that
  // exit comes first, at the first decision after 08:00.
  assert.match(exit.decision, /predicted funding -1\.00 bps below the carry cost 0\.00 bps/);
  assert.equal(exit.ts, at(8));
  assert.equal(rep.state, 'closed');
  assert.ok(Math.abs(rep.balances.BTC ?? 0) < 0.0001, `spot sold: ${rep.balances.BTC}`);
});

test('the spot rallies on the tape: the short’s margin ratio falls under the floor and the replayed bot closes both legs', async () => {
  // 0.3 % a minute up from 07:10; 600 USDT beside the spot leg at 20x.
  const events = tape(
    T0,
    T0 + HOUR,
    60_000,
    (t) => 60_000 * (1 + Math.max(0, (t - T0 - 10 * 60_000) / 60_000) * 0.003),
    () => 40,
  );
  const rep = await replayBasis(
    options({
      events,
      balances: { USDT: 6_600 },
      funding: [{ fundingTime: Date.UTC(2026, 0, 5, 0), rate: 0.0003 }],
      instruments: {
        [SPOT]: { lotSz: '0.00001' },
        [SWAP]: { ctVal: '0.01', lotSz: '1', minSz: '1', lever: 20 },
      },
      bot: { size: '0.1', fees: { spot: 0.001, swap: 0.0005 }, borrowRateYearly: 0.05, minMarginRatio: 5 },
    }),
  );
  const exit = rep.decisions.find((d) => d.decision.startsWith('exited'));
  assert.ok(exit, JSON.stringify(rep.decisions));
  assert.match(exit.decision, /margin ratio \d+\.\d+ below the floor 5/);
  assert.ok(exit.ts > T0 + 10 * 60_000);
  assert.equal(rep.state, 'closed');
  // The basis PnL is the premium the short gave back, not the rally (both legs moved).
  assert.ok(Math.abs(rep.pnl.basis) < 0.1 * 60_000 * 0.01, `basis ${rep.pnl.basis}`);
});

test('a paper swap fill consumes the swap book and keeps a cross-margin position', async () => {
  const book: BookView = { venue: 'p', instId: SWAP, ts: 1, asks: [[60_010, 100]], bids: [[60_000, 10]] };
  const v = new PaperVenue({
    venue: 'p',
    books: () => book,
    balances: { USDT: 1_000 },
    takerFee: 0.001,
    swapTakerFee: 0.0005,
    instruments: { [SWAP]: { ctVal: '0.01' } },
  });
  const a = await v.placeOrder({ instId: SWAP, side: 'sell', ordType: 'market', sz: '8' });
  assert.equal(a.accFillSz, '8');
  assert.ok(Math.abs(Number(a.fee) + 8 * 0.01 * 60_000 * 0.0005) < 1e-9);
  const b = await v.placeOrder({ instId: SWAP, side: 'sell', ordType: 'market', sz: '8' });
  assert.equal(b.accFillSz, '2', 'only 2 of the 10 contracts at 60,000 are left');
  const [pos] = await v.positions(SWAP);
  assert.equal(pos!.pos, '-10');
  // equity / (10 x 0.01 x mark 60,005 x 0.004)
  const eq = 1_000 - 10 * 0.01 * 60_000 * 0.0005 + -10 * 0.01 * (60_005 - 60_000);
  assert.ok(Math.abs(Number(pos!.mgnRatio) - eq / (0.1 * 60_005 * 0.004)) < 1e-6, pos!.mgnRatio);
  // reduceOnly never flips the position.
  const c = await v.placeOrder({ instId: SWAP, side: 'buy', ordType: 'market', sz: '50', reduceOnly: true });
  assert.equal(c.accFillSz, '10');
  assert.equal((await v.positions(SWAP)).length, 0);
});

test('the entry edge walks the books for the size: a premium on a thin best level does not pay', async () => {
  // The best spot ask holds 0.01 BTC; the other 0.09 of the 0.1 BTC cost 0.5 % more.
  const events = tape(
    T0,
    T0 + 10 * 60_000,
    60_000,
    () => 60_000,
    () => 40,
  ).map((b) =>
    b.instId === SPOT
      ? {
          ...b,
          asks: [
            [60_000.5, 0.01],
            [60_300, 2],
          ] as [number, number][],
        }
      : b,
  );
  const rep = await replayBasis(
    options({ events, funding: [{ fundingTime: Date.UTC(2026, 0, 5, 0), rate: 0.0003 }] }),
  );
  assert.deepEqual(
    rep.decisions.map((d) => d.decision.split(':')[0]),
    ['wait'],
  );
  // At the best prices it would have looked like 40 bps of basis.
  assert.match(rep.decisions[0]!.decision, /basis -?\d\.\d /);
  assert.equal(rep.state, 'flat');
});
