import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum } from '../../../src/protocol/book-checksum.js';
import { ManualClock } from '../../../src/util/clock.js';
import { DEFAULT_MARKET_INSTRUMENTS, SimMarket } from '../../../src/sim/market/index.js';
import type { MarketUpdate } from '../../../src/sim/contracts.js';
import { MergedBook } from './book-merge.js';

const START = Date.UTC(2026, 10, 20, 9, 30, 15, 40);
const IDS = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'OKB-USDT', 'ETH-BTC'];

function make(seed = 7) {
  const clock = new ManualClock(START);
  const market = new SimMarket({ seed, clock });
  return { clock, market };
}

function run(market: SimMarket, clock: ManualClock, ms: number, stepMs = 100): void {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    market.advanceTo(clock.now());
  }
}

describe('SimMarket', () => {
  test('instruments carry real-looking rules', () => {
    const { market } = make();
    const btc = market.instrument('BTC-USDT')!;
    assert.deepEqual(
      [btc.tickSz, btc.lotSz, btc.minSz, btc.baseCcy, btc.quoteCcy, btc.instType, btc.state],
      ['0.1', '0.00000001', '0.00001', 'BTC', 'USDT', 'SPOT', 'live'],
    );
    assert.equal(typeof btc.instIdCode, 'number');
    assert.match(btc.listTime, /^\d+$/);
    assert.deepEqual(
      market.instruments().map((i) => i.instId),
      IDS,
    );
    assert.deepEqual(
      ['ETH-BTC', 'OKB-USDT', 'SOL-USDT', 'ETH-USDT'].map((id) => market.instrument(id)!.tickSz),
      ['0.00001', '0.001', '0.01', '0.01'],
    );
    assert.equal(market.instrument('XRP-USDT'), undefined);
    const last = Number(market.last('BTC-USDT'));
    assert.ok(last > 55000 && last < 65000, `BTC near 60000, got ${last}`);
  });

  test('same seed and same advanceTo sequence give the same market; chunking does not matter', () => {
    const a = make(11);
    const b = make(11);
    const c = make(11);
    run(a.market, a.clock, 5000, 100);
    run(b.market, b.clock, 5000, 100);
    run(c.market, c.clock, 5000, 250); // fewer, larger advances: same steps
    for (const id of IDS) {
      const ref = JSON.stringify([
        a.market.depth(id, 400),
        a.market.trades(id, 500),
        a.market.candles(id, '1m', { limit: 5 }),
        a.market.ticker(id),
      ]);
      assert.equal(
        JSON.stringify([
          b.market.depth(id, 400),
          b.market.trades(id, 500),
          b.market.candles(id, '1m', { limit: 5 }),
          b.market.ticker(id),
        ]),
        ref,
      );
      assert.equal(
        JSON.stringify([
          c.market.depth(id, 400),
          c.market.trades(id, 500),
          c.market.candles(id, '1m', { limit: 5 }),
          c.market.ticker(id),
        ]),
        ref,
      );
    }
    const d = make(12);
    run(d.market, d.clock, 5000);
    assert.notEqual(
      JSON.stringify(d.market.depth('BTC-USDT', 50)),
      JSON.stringify(a.market.depth('BTC-USDT', 50)),
    );
  });

  test('book: 400 sorted levels a side, never crossed, consistent strings, merged updates match with checksum', () => {
    const { market, clock } = make(3);
    const books = new Map(IDS.map((id) => [id, new MergedBook(market.depth(id, 400))]));
    let updates = 0;
    let changed = 0;
    market.onUpdate((u: MarketUpdate) => {
      if (!u.book) return;
      updates++;
      changed += u.book.bids.length + u.book.asks.length;
      books.get(u.instId)!.apply(u.book);
      assert.equal(u.book.prevSeqId + 1, u.book.seqId);
    });
    for (let i = 0; i < 40; i++) {
      clock.advance(100);
      market.advanceTo(clock.now());
      for (const id of IDS) {
        const mb = books.get(id)!;
        const top = market.depth(id, 25);
        assert.equal(
          bookChecksum(mb.sortedBids().slice(0, 25), mb.sortedAsks().slice(0, 25)),
          bookChecksum(top.bids, top.asks),
        );
        if (i % 8 !== 7) continue;
        const d = market.depth(id, 400);
        assert.equal(d.bids.length, 400);
        assert.equal(d.asks.length, 400);
        for (let k = 1; k < 400; k++) {
          assert.ok(Number(d.bids[k - 1]![0]) > Number(d.bids[k]![0]), 'bids descending');
          assert.ok(Number(d.asks[k - 1]![0]) < Number(d.asks[k]![0]), 'asks ascending');
        }
        assert.ok(Number(d.bids[0]![0]) < Number(d.asks[0]![0]), 'not crossed');
        for (const l of [...d.bids, ...d.asks]) {
          assert.equal(l[2], '0');
          assert.match(l[3]!, /^[1-9]\d*$/);
          assert.ok(Number(l[1]) > 0);
        }
        const dec = market.instrument(id)!.tickSz.split('.')[1]!.length;
        assert.equal(d.bids[7]![0].split('.')[1]!.length, dec, 'prices at tick precision');
        assert.equal(mb.seqId, d.seqId);
        assert.deepEqual(mb.sortedBids(), d.bids);
        assert.deepEqual(mb.sortedAsks(), d.asks);
        assert.equal(bookChecksum(mb.sortedBids(), mb.sortedAsks()), bookChecksum(d.bids, d.asks));
      }
    }
    assert.equal(updates, 40 * IDS.length);
    assert.ok(changed / updates >= 3, `a few levels change per step (${changed / updates})`);
  });

  test('price process: BTC moves visibly within a minute, trades print a few per second', () => {
    const moves: number[] = [];
    const ranges: number[] = [];
    let tradeCount = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const clock = new ManualClock(START);
      const market = new SimMarket({ seed, clock, instruments: DEFAULT_MARKET_INSTRUMENTS.slice(0, 1) });
      const p0 = Number(market.last('BTC-USDT'));
      let hi = p0;
      let lo = p0;
      market.onTrades((id, trades) => {
        if (id !== 'BTC-USDT') return;
        tradeCount += trades.length;
        for (const t of trades) {
          hi = Math.max(hi, Number(t.px));
          lo = Math.min(lo, Number(t.px));
        }
      });
      run(market, clock, 60_000);
      moves.push(Math.abs(Number(market.last('BTC-USDT')) / p0 - 1));
      ranges.push((hi - lo) / p0);
    }
    moves.sort((a, b) => a - b);
    ranges.sort((a, b) => a - b);
    const median = moves[4]!;
    assert.ok(median > 0.002 && median < 0.012, `median 60 s move ${median}`);
    assert.ok(ranges[1]! > 0.003, `60 s range crosses a 0.2 % grid: ${ranges}`);
    const perSecond = tradeCount / 8 / 60;
    assert.ok(perSecond >= 1.5 && perSecond <= 8, `trades per second ${perSecond}`);
  });

  test('ETH-BTC follows ETH-USDT / BTC-USDT within a small basis', () => {
    const { market, clock } = make(5);
    for (let i = 0; i < 20; i++) {
      run(market, clock, 3000);
      const implied =
        Number(market.depth('ETH-USDT', 1).bids[0]![0]) / Number(market.depth('BTC-USDT', 1).asks[0]![0]);
      const cross = Number(market.depth('ETH-BTC', 1).asks[0]![0]);
      const gap = Math.abs(cross / implied - 1);
      assert.ok(gap < 0.003, `triangular gap ${gap}`);
    }
  });

  test('take consumes the best levels first, respects limitPx and prints trades', () => {
    const { market, clock } = make(9);
    run(market, clock, 1000);
    const before = market.depth('BTC-USDT', 400);
    const tape: string[] = [];
    market.onUpdate((u) => tape.push(...u.trades.map((t) => `${t.side}:${t.px}:${t.sz}`)));
    const a0 = before.asks[0]!;
    const a1 = before.asks[1]!;
    const a2 = before.asks[2]!;
    // all of level 0 and 1, part of level 2
    const want = (Number(a0[1]) + Number(a1[1]) + Number(a2[1]) / 2).toFixed(8);
    const fills = market.take('BTC-USDT', 'buy', want);
    assert.deepEqual(
      fills.map((f) => f.px),
      [a0[0], a1[0], a2[0]],
    );
    assert.deepEqual(
      fills.slice(0, 2).map((f) => f.sz),
      [a0[1], a1[1]],
    );
    const total = fills.reduce((s, f) => s + Math.round(Number(f.sz) * 1e8), 0);
    assert.equal(total, Math.round(Number(want) * 1e8));
    const after = market.depth('BTC-USDT', 400);
    assert.equal(after.asks[0]![0], a2[0]);
    assert.equal(
      Math.round(Number(after.asks[0]![1]) * 1e8),
      Math.round(Number(a2[1]) * 1e8) - Math.round(Number(fills[2]!.sz) * 1e8),
    );
    assert.deepEqual(
      tape,
      fills.map((f) => `buy:${f.px}:${f.sz}`),
    );
    assert.equal(market.last('BTC-USDT'), a2[0]);

    // a sell limited above the best bid fills nothing
    const bid = after.bids[0]!;
    const limit = (Number(bid[0]) + 0.1).toFixed(1);
    assert.deepEqual(market.take('BTC-USDT', 'sell', '1', limit), []);
    // a sell limited at the 2nd bid fills the top two levels only
    const bid1 = after.bids[1]!;
    const sold = market.take('BTC-USDT', 'sell', '1000', bid1[0]);
    assert.deepEqual(
      sold.map((f) => f.px),
      [bid[0], bid1[0]],
    );
    assert.throws(() => market.take('BTC-USDT', 'buy', 'abc'), /sz/);
    assert.throws(() => market.take('NOPE-USDT', 'buy', '1'), /instId/);
  });

  test('recordTrade prints users\u2019 trades on the tape and in the candle', () => {
    const { market, clock } = make(4);
    run(market, clock, 500);
    const px = market.last('SOL-USDT');
    const volBefore = Number(market.candles('SOL-USDT', '1m', { limit: 1 })[0]![5]);
    clock.advance(10);
    market.recordTrade('SOL-USDT', px, '12.5', 'sell');
    const t = market.trades('SOL-USDT', 1)[0]!;
    assert.equal(t.px, px);
    assert.equal(t.sz, '12.5');
    assert.equal(t.side, 'sell');
    assert.equal(t.ts, clock.now());
    const volAfter = Number(market.candles('SOL-USDT', '1m', { limit: 1 })[0]![5]);
    assert.ok(Math.abs(volAfter - volBefore - 12.5) < 1e-9);
    const tk = market.ticker('SOL-USDT');
    assert.equal(tk.last, px);
    assert.equal(tk.lastSz, '12.5');
  });

  test('a long clock jump is crossed quickly and leaves a candle every minute', () => {
    const { market, clock } = make(6);
    const book = new MergedBook(market.depth('BTC-USDT', 400));
    market.onUpdate((u) => {
      if (u.instId === 'BTC-USDT' && u.book) book.apply(u.book);
    });
    clock.advance(3 * 3_600_000);
    market.advanceTo(clock.now());
    const d = market.depth('BTC-USDT', 400);
    assert.deepEqual(book.sortedAsks(), d.asks);
    assert.ok(Number(d.bids[0]![0]) < Number(d.asks[0]![0]));
    const rows = market.candles('ETH-USDT', '1m', { limit: 300 });
    assert.equal(rows.length, 300); // 3 h of live minutes, then history: no hole anywhere
    for (let i = 1; i < rows.length; i++) assert.equal(Number(rows[i - 1]![0]) - Number(rows[i]![0]), 60_000);
    const hours = market.candles('ETH-BTC', '1H', { limit: 4 });
    assert.equal(hours.length, 4);
    assert.ok(hours.every((r) => Number(r[5]) > 0));
  });

  test('custom instruments: own rules and price; integer lots print without a point; bad price refused', () => {
    const clock = new ManualClock(START);
    const market = new SimMarket({
      seed: 1,
      clock,
      instruments: [{ instId: 'DOGE-USDT', tickSz: '0.00001', lotSz: '1', minSz: '10', price: '0.12' }],
    });
    assert.deepEqual(
      market.instruments().map((i) => [i.instId, i.tickSz, i.lotSz, i.minSz, i.baseCcy, i.quoteCcy]),
      [['DOGE-USDT', '0.00001', '1', '10', 'DOGE', 'USDT']],
    );
    run(market, clock, 1000);
    const d = market.depth('DOGE-USDT', 400);
    assert.equal(d.asks.length, 400);
    assert.match(d.asks[0]![0], /^0\.\d{5}$/);
    assert.ok(d.asks.every((l) => /^[1-9]\d*$/.test(l[1])));
    assert.ok(Math.abs(Number(market.last('DOGE-USDT')) / 0.12 - 1) < 0.05);
    assert.equal(market.candles('DOGE-USDT', '1H', { limit: 24, history: true }).length, 24);
    assert.throws(
      () =>
        new SimMarket({
          seed: 1,
          clock,
          instruments: [{ instId: 'X-USDT', tickSz: '0.1', lotSz: '1', minSz: '1', price: 'abc' }],
        }),
      /price/,
    );
  });

  test('ticker has every OKX field as a string', () => {
    const { market, clock } = make(2);
    run(market, clock, 2000);
    const tk = market.ticker('ETH-USDT');
    const fields = [
      'instType',
      'instId',
      'last',
      'lastSz',
      'askPx',
      'askSz',
      'bidPx',
      'bidSz',
      'open24h',
      'high24h',
      'low24h',
      'volCcy24h',
      'vol24h',
      'sodUtc0',
      'sodUtc8',
      'ts',
    ];
    assert.deepEqual(Object.keys(tk).sort(), [...fields].sort());
    for (const f of fields) assert.equal(typeof tk[f], 'string', f);
    assert.ok(Number(tk.high24h) >= Number(tk.last) && Number(tk.low24h) <= Number(tk.last));
    assert.ok(Number(tk.bidPx) < Number(tk.askPx));
    assert.equal(tk.ts, String(clock.now()));
  });
});
