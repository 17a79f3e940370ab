import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { data, derivSim } from './derivs/derivs-kit.js';
import { get, T0 } from './sim-test-kit.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('trading statistics (rubik) on the local exchange (issue 12)', () => {
  test('per-contract long/short ratio and open interest: OKX row shapes, periods and limits', async (t) => {
    const { sim } = await derivSim(t);
    const ls = await data(
      sim,
      'alice',
      '/api/v5/rubik/stat/contracts/long-short-account-ratio-contract?instId=BTC-USDT-SWAP&period=1H&limit=24',
    );
    assert.equal(ls.length, 24);
    for (const [k, r] of ls.entries()) {
      assert.equal(r.length, 2);
      assert.ok(r.every((x: unknown) => typeof x === 'string'));
      assert.equal(Number(r[0]) % HOUR, 0);
      if (k > 0) assert.equal(Number(ls[k - 1][0]) - Number(r[0]), HOUR);
      assert.ok(Number(r[1]) >= Math.exp(-0.8) - 1e-4 && Number(r[1]) <= Math.exp(0.8) + 1e-4);
    }
    // Limit defaults to 100 (its maximum).
    const five = await data(
      sim,
      'alice',
      '/api/v5/rubik/stat/contracts/long-short-account-ratio-contract?instId=BTC-USDT-SWAP&limit=500',
    );
    assert.equal(five.length, 100);
    assert.equal(Number(five[0][0]) - Number(five[1][0]), 5 * 60_000);

    const oi = await data(
      sim,
      'alice',
      '/api/v5/rubik/stat/contracts/open-interest-history?instId=BTC-USDT-SWAP&period=1D&limit=5',
    );
    const candles = await data(
      sim,
      'alice',
      '/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=1D&limit=5',
    );
    assert.deepEqual(
      oi.map((r) => r[0]),
      candles.map((c) => c[0]),
    );
    for (const [k, r] of oi.entries()) {
      // [ts, contracts, coin, USD]: 0.01 BTC a contract, valued at the period's close.
      assert.equal(new Decimal(r[2]).toFixed(8), new Decimal(r[1]).mul('0.01').toFixed(8));
      assert.equal(
        new Decimal(r[3]).toFixed(2),
        new Decimal(r[1]).mul('0.01').mul(candles[k][4]).toDecimalPlaces(2).toFixed(2),
      );
      assert.ok(Number(r[1]) > 90_000 && Number(r[1]) < 110_000);
    }

    for (const [path, code] of [
      ['contracts/long-short-account-ratio-contract?instId=BTC-USDT-SWAP&period=7m', '51000'],
      ['contracts/long-short-account-ratio-contract?instId=BTC-USDT', '51001'],
      ['contracts/open-interest-history?instId=XRP-USDT-SWAP', '51001'],
      ['contracts/open-interest-history', '50014'],
    ] as const) {
      const r = await get(sim, 'alice', `/api/v5/rubik/stat/${path}`);
      assert.equal(r.json.code, code, path);
    }
  });

  test('currency-wide statistics: taker volume splits the candle volume; open interest and volume in USD', async (t) => {
    const { sim } = await derivSim(t);
    const begin = T0 - 6 * HOUR;
    const taker = await data(
      sim,
      'alice',
      `/api/v5/rubik/stat/taker-volume?ccy=BTC&instType=SPOT&period=1H&begin=${begin}`,
    );
    const spot = await data(
      sim,
      'alice',
      `/api/v5/market/history-candles?instId=BTC-USDT&bar=1H&before=${begin - 1}`,
    );
    // Six whole hours since `begin` (the clock is on the hour: the current one has no trades yet).
    assert.equal(taker.length, 6);
    assert.deepEqual(
      taker.map((r) => r[0]),
      spot.map((c) => c[0]),
    );
    for (const [k, r] of taker.entries()) {
      const total = new Decimal(r[1]).plus(r[2]);
      assert.ok(total.minus(spot[k][6]).abs().lte('0.001'), `${total} vs ${spot[k][6]}`);
    }
    // 1D reaches 180 days back; 5m two days.
    const daily = await data(
      sim,
      'alice',
      '/api/v5/rubik/stat/contracts/open-interest-volume?ccy=BTC&period=1D',
    );
    assert.ok(daily.length >= 180 && daily.length <= 181, String(daily.length));
    assert.ok(Number(daily[0][0]) - Number(daily.at(-1)![0]) <= 180 * DAY);
    assert.ok(daily.every((r) => r.length === 3 && Number(r[1]) > 0 && Number(r[2]) >= 0));
    const ratio = await data(sim, 'alice', '/api/v5/rubik/stat/contracts/long-short-account-ratio?ccy=BTC');
    assert.ok(ratio.length >= 576 && ratio.length <= 577, String(ratio.length));

    for (const [path, code] of [
      ['contracts/open-interest-volume?ccy=BTC&period=15m', '51000'],
      ['contracts/open-interest-volume?ccy=XRP', '51000'],
      ['taker-volume?ccy=BTC&instType=SWAP', '51000'],
      ['taker-volume?ccy=BTC', '50014'],
    ] as const) {
      const r = await get(sim, 'alice', `/api/v5/rubik/stat/${path}`);
      assert.equal(r.json.code, code, path);
    }
  });

  test('the same seed gives the same statistics', async (t) => {
    const path = '/api/v5/rubik/stat/taker-volume-contract?instId=BTC-USD-SWAP&period=1H&unit=2&limit=10';
    const a = await data((await derivSim(t, ['alice'], { seed: 5 })).sim, 'alice', path);
    const b = await data((await derivSim(t, ['alice'], { seed: 5 })).sim, 'alice', path);
    const c = await data((await derivSim(t, ['alice'], { seed: 6 })).sim, 'alice', path);
    assert.equal(a.length, 10);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
