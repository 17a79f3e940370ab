// Issue 15: a paper fill consumes the book it walked. The liquidity it took stays taken until the
// book updates past that level, so a paper run cannot fill the same level twice and over-state
// the edge (triangular and basis paper modes share PaperVenue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BookBoard } from '../../src/arb/books.js';
import { ConsumedDepth } from '../../src/arb/depth.js';
import { PaperVenue } from '../../src/arb/paper.js';
import { replayArbitrage } from '../../src/arb/replay.js';
import type { BookView } from '../../src/arb/types.js';
import { ManualClock } from '../../src/util/clock.js';

function board(views: BookView[]) {
  const m = new Map(views.map((v) => [`${v.venue}:${v.instId}`, v]));
  return {
    set: (v: BookView) => m.set(`${v.venue}:${v.instId}`, v),
    get: (venue: string, instId: string) => m.get(`${venue}:${instId}`),
  };
}

const book = (ts: number, asks: [number, number][], bids: [number, number][] = [[99, 5]]): BookView => ({
  venue: 'a',
  instId: 'BTC-USDT',
  ts,
  asks,
  bids,
});

test('a paper IOC cannot take the same level twice while the book has not moved', async () => {
  const b = board([
    book(1, [
      [100, 1],
      [101, 1],
    ]),
  ]);
  const v = new PaperVenue({
    venue: 'a',
    books: b.get,
    balances: { USDT: 10_000 },
    takerFee: 0,
    clock: new ManualClock(1),
  });
  const first = await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', sz: '1', px: '100' });
  assert.equal(first.accFillSz, '1');
  assert.equal(first.avgPx, '100');
  // The same book again: the 1 BTC at 100 is gone.
  const again = await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', sz: '1', px: '100' });
  assert.equal(again.accFillSz, '0', 'the level at 100 was already taken');
  const market = await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'market', sz: '2' });
  assert.equal(market.accFillSz, '1', 'only the 1 BTC at 101 is left');
  assert.equal(market.avgPx, '101');
  // What the venue shows (ticker) is the book after its own fills.
  assert.equal((await v.ticker('BTC-USDT')).askPx, '0', 'no ask left in this book');
});

test('consumed depth is remembered across book updates until the book moves past the level', async () => {
  // A board the paper venue follows, so it sees every update, also those no order reads.
  const b = new BookBoard();
  b.set(
    book(1, [
      [100, 2],
      [101, 1],
    ]),
  );
  const consumed = new ConsumedDepth(b);
  const v = new PaperVenue({
    venue: 'a',
    books: (x, i) => b.get(x, i),
    consumed,
    balances: { USDT: 10_000 },
    takerFee: 0,
  });
  assert.equal(
    (await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', sz: '1.5', px: '100' })).accFillSz,
    '1.5',
  );
  // A newer book still showing the level at 100 (same resting orders): 0.5 left of it.
  b.set(
    book(2, [
      [100, 2],
      [101, 1],
    ]),
  );
  const o2 = await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', sz: '1', px: '100' });
  assert.equal(o2.accFillSz, '0.5');
  // The book moves past 100 (the level traded away), then comes back: fresh liquidity.
  b.set(book(3, [[101, 1]]));
  b.set(
    book(4, [
      [100, 2],
      [101, 1],
    ]),
  );
  assert.equal((await v.ticker('BTC-USDT')).askPx, '100');
  const o3 = await v.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'ioc', sz: '2', px: '100' });
  assert.equal(o3.accFillSz, '2');
});

test('a replayed edge that lasts over several books is traded once for the depth it has, not once per book', async () => {
  // BTC-USDT 1 % dearer on b than on a, 0.05 BTC deep, for three book snapshots a second apart
  // that repeat the same resting liquidity.
  const events: BookView[] = [];
  for (const ts of [1_000, 2_000, 3_000, 4_000]) {
    events.push({ venue: 'a', instId: 'BTC-USDT', ts, asks: [[60_000, 0.05]], bids: [[59_990, 0.05]] });
    events.push({ venue: 'b', instId: 'BTC-USDT', ts, asks: [[60_700, 0.05]], bids: [[60_600, 0.05]] });
  }
  const rep = await replayArbitrage({
    events,
    engine: {
      instruments: { a: ['BTC-USDT'], b: ['BTC-USDT'] },
      pairs: [{ instId: 'BTC-USDT', venues: ['a', 'b'] }],
      takerFee: { a: 0.001, b: 0.001 },
      maxPairSize: 1,
    },
    bot: { lossBudget: 100, latencyBudgetMs: 5_000 },
    balances: { a: { USDT: 100_000 }, b: { BTC: 1 } },
    cooldownMs: 1_000,
  });
  const done = rep.runs.filter((r) => r.status === 'done');
  assert.equal(done.length, 1, JSON.stringify(rep.runs.map((r) => [r.status, r.reason])));
  // The whole edge: 0.05 BTC bought at 60,000 and sold at 60,600, after two 0.1 % fees.
  const edge = 0.05 * (0.999 * 60_600 * 0.999 - 60_000);
  assert.ok(Math.abs(rep.pnl - edge) < 1, `pnl ${rep.pnl} vs the book's ${edge}`);
});
