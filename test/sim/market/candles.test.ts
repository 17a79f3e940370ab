import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ManualClock } from '../../../src/util/clock.js';
import { SimMarket, nextBarStart } from '../../../src/sim/market/index.js';
import type { CandleRow } from '../../../src/sim/contracts.js';

const START = Date.UTC(2026, 10, 20, 9, 30, 15, 40);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function make(seed = 5, steps = 600) {
  const clock = new ManualClock(START);
  const market = new SimMarket({ seed, clock });
  for (let i = 0; i < steps; i++) {
    clock.advance(100);
    market.advanceTo(clock.now());
  }
  return { clock, market };
}

/** Every row of a bar in [from, to), oldest first, paging history-candles backwards with `after`. */
function rowsBetween(m: SimMarket, instId: string, bar: string, from: number, to: number): CandleRow[] {
  const out: CandleRow[] = [];
  let after = to;
  for (;;) {
    const page = m.candles(instId, bar, { after, before: from - 1, limit: 300, history: true });
    if (page.length === 0) break;
    out.push(...page);
    after = Number(page[page.length - 1]![0]);
  }
  return out.reverse();
}

function assertAggregates(high: CandleRow, lows: CandleRow[], label: string): void {
  assert.ok(lows.length > 0, `${label}: no lower bars`);
  assert.equal(lows[0]![1], high[1], `${label}: open of the first`);
  assert.equal(lows[lows.length - 1]![4], high[4], `${label}: close of the last`);
  const max = lows.reduce((a, r) => Decimal.max(a, r[2]), new Decimal(lows[0]![2]));
  const min = lows.reduce((a, r) => Decimal.min(a, r[3]), new Decimal(lows[0]![3]));
  assert.ok(max.eq(high[2]), `${label}: high ${max} vs ${high[2]}`);
  assert.ok(min.eq(high[3]), `${label}: low ${min} vs ${high[3]}`);
  const vol = lows.reduce((a, r) => a.plus(r[5]), new Decimal(0));
  const quote = lows.reduce((a, r) => a.plus(r[7]), new Decimal(0));
  assert.ok(vol.eq(high[5]), `${label}: volume ${vol} vs ${high[5]}`);
  assert.ok(quote.eq(high[7]), `${label}: quote volume ${quote} vs ${high[7]}`);
}

describe('SimMarket candles', () => {
  const { market, clock } = make();

  test('rows: nine strings, newest first, current candle unconfirmed, default 100, max 300', () => {
    const rows = market.candles('BTC-USDT', '1m', {});
    assert.equal(rows.length, 100);
    for (const r of rows) {
      assert.equal(r.length, 9);
      for (const f of r) assert.equal(typeof f, 'string');
      assert.ok(
        Number(r[2]) >= Math.max(Number(r[1]), Number(r[4])) &&
          Number(r[3]) <= Math.min(Number(r[1]), Number(r[4])),
      );
      assert.equal(r[6], r[7], 'spot: volCcy and volCcyQuote are both quote volume');
    }
    for (let i = 1; i < rows.length; i++) assert.equal(Number(rows[i - 1]![0]) - Number(rows[i]![0]), MIN);
    assert.equal(rows[0]![0], String(Math.floor(clock.now() / MIN) * MIN));
    assert.equal(rows[0]![8], '0');
    assert.ok(rows.slice(1).every((r) => r[8] === '1'));
    assert.equal(market.candles('BTC-USDT', '1m', { limit: 1000 }).length, 300);
    assert.equal(market.candles('BTC-USDT', '1m', { limit: 3 }).length, 3);
  });

  test('after and before are exclusive, both together bound a window', () => {
    const rows = market.candles('ETH-USDT', '5m', { limit: 20 });
    const ts = rows.map((r) => Number(r[0]));
    const older = market.candles('ETH-USDT', '5m', { after: ts[10]!, limit: 3 });
    assert.deepEqual(older, rows.slice(11, 14));
    const newer = market.candles('ETH-USDT', '5m', { before: ts[5]! });
    assert.deepEqual(newer, rows.slice(0, 5));
    const window = market.candles('ETH-USDT', '5m', { after: ts[2]!, before: ts[6]! });
    assert.deepEqual(window, rows.slice(3, 6));
    // an `after` inside a bar still excludes that bar only if the bar starts at or after it
    const mid = market.candles('ETH-USDT', '5m', { after: ts[4]! + 1, limit: 1 });
    assert.deepEqual(mid, [rows[4]]);
  });

  test('candles keeps only the latest 1440; history-candles pages back months', () => {
    const cutoff = Math.floor(clock.now() / MIN) * MIN - 1440 * MIN;
    assert.deepEqual(market.candles('BTC-USDT', '1m', { after: cutoff + MIN }), []);
    assert.equal(market.candles('BTC-USDT', '1m', { after: cutoff + 2 * MIN, limit: 5 }).length, 1);
    const old = market.candles('BTC-USDT', '1m', { after: START - 120 * DAY, limit: 300, history: true });
    assert.equal(old.length, 300);
    assert.equal(old[0]![0], String(START - 120 * DAY - (START % MIN)));
    const days = market.candles('SOL-USDT', '1D', { after: START - 200 * DAY, limit: 50, history: true });
    assert.equal(days.length, 50);
    for (const r of days) {
      assert.ok(Number(r[4]) > 50 && Number(r[4]) < 500, `SOL stays realistic: ${r[4]}`);
      assert.equal(r[8], '1');
    }
  });

  test('bars align: UTC+8 days, UTC days, Monday weeks, months', () => {
    const d8 = Number(market.candles('BTC-USDT', '1D', { limit: 1 })[0]![0]);
    assert.equal(d8 % DAY, 16 * HOUR);
    const d0 = Number(market.candles('BTC-USDT', '1Dutc', { limit: 1 })[0]![0]);
    assert.equal(d0 % DAY, 0);
    const w = Number(market.candles('BTC-USDT', '1Wutc', { limit: 1 })[0]![0]);
    assert.equal(new Date(w).getUTCDay(), 1);
    const w8 = Number(market.candles('BTC-USDT', '1W', { limit: 1 })[0]![0]);
    assert.equal(new Date(w8 + 8 * HOUR).getUTCDay(), 1);
    const m8 = Number(market.candles('BTC-USDT', '1M', { limit: 1 })[0]![0]);
    assert.equal(new Date(m8 + 8 * HOUR).getUTCDate(), 1);
    const q = market
      .candles('BTC-USDT', '3Mutc', { limit: 2, history: true })
      .map((r) => new Date(Number(r[0])));
    assert.deepEqual(
      q.map((d) => [d.getUTCMonth() % 3, d.getUTCDate(), d.getUTCHours()]),
      [
        [0, 1, 0],
        [0, 1, 0],
      ],
    );
  });

  const pairs: [string, string, number][] = [
    ['3m', '1m', 2],
    ['15m', '5m', 3],
    ['1H', '1m', 5],
    ['4H', '1H', 3],
    ['6H', '1H', 2],
    ['12Hutc', '6Hutc', 2],
    ['1D', '1H', 3],
    ['1Dutc', '4H', 2],
    ['2D', '1D', 2],
    ['1W', '1D', 1],
    ['1M', '1D', 1],
    ['3M', '1M', 1],
  ];
  for (const [high, low, back] of pairs) {
    test(`${high} aggregates its ${low} bars (history)`, () => {
      const rows = market.candles('ETH-USDT', high, { limit: back + 1, history: true });
      const h = rows[back]!;
      const from = Number(h[0]);
      const lows = rowsBetween(market, 'ETH-USDT', low, from, nextBarStart(high, from));
      assertAggregates(h, lows, `${high}<-${low}`);
    });
  }

  test('the current bar joins history and live trades: 1H from its 1m bars, 1D from its 1H bars', () => {
    for (const id of ['BTC-USDT', 'ETH-BTC']) {
      const h = market.candles(id, '1H', { limit: 1 })[0]!;
      assert.equal(h[8], '0');
      const from = Number(h[0]);
      assertAggregates(h, rowsBetween(market, id, '1m', from, from + HOUR), `${id} 1H`);
      const d = market.candles(id, '1D', { limit: 1 })[0]!;
      assertAggregates(
        d,
        rowsBetween(market, id, '1H', Number(d[0]), nextBarStart('1D', Number(d[0]))),
        `${id} 1D`,
      );
    }
  });

  test('1s history candles aggregate to their minute; 1s only on history', () => {
    const m = market.candles('OKB-USDT', '1m', { after: START - 3 * DAY, limit: 1, history: true })[0]!;
    const secs = rowsBetween(market, 'OKB-USDT', '1s', Number(m[0]), Number(m[0]) + MIN);
    assert.equal(secs.length, 60);
    assertAggregates(m, secs, '1m<-1s');
    assert.throws(() => market.candles('OKB-USDT', '1s', {}), /bar/);
    assert.throws(() => market.candles('OKB-USDT', '7m', {}), /bar/);
  });

  test('live candles continue from history and include users\u2019 trades', () => {
    const { market: m2, clock: c2 } = make(8, 150);
    const startMinute = Math.floor(START / MIN) * MIN;
    const lastHist = m2.candles('BTC-USDT', '1m', { after: startMinute, limit: 1 })[0]!;
    const firstLive = m2.candles('BTC-USDT', '1m', { after: startMinute + MIN, limit: 1 })[0]!;
    assert.equal(Number(firstLive[0]), startMinute);
    assert.ok(
      Math.abs(Number(firstLive[1]) / Number(lastHist[4]) - 1) < 0.002,
      'live opens near the last history close',
    );
    c2.advance(5);
    const cur = m2.candles('BTC-USDT', '1m', { limit: 1 })[0]!;
    const spike = new Decimal(cur[2]).plus(500).toFixed(1);
    m2.recordTrade('BTC-USDT', spike, '0.25', 'buy');
    const after = m2.candles('BTC-USDT', '1m', { limit: 1 })[0]!;
    assert.equal(after[2], spike);
    assert.equal(after[4], spike);
    assert.ok(new Decimal(after[5]).minus(cur[5]).eq('0.25'));
  });

  test('history is deterministic and independent of the order it is read in', () => {
    const a = make(33, 5).market;
    const b = make(33, 5).market;
    const far = START - 40 * DAY;
    const x1 = a.candles('SOL-USDT', '1m', { after: far, limit: 50, history: true });
    a.candles('SOL-USDT', '1W', { limit: 8, history: true });
    b.candles('SOL-USDT', '1W', { limit: 8, history: true });
    const x2 = b.candles('SOL-USDT', '1m', { after: far, limit: 50, history: true });
    assert.deepEqual(x1, x2);
    assert.deepEqual(
      a.candles('ETH-BTC', '1H', { after: far, history: true }),
      b.candles('ETH-BTC', '1H', { after: far, history: true }),
    );
  });
});
