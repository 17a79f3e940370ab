import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim } from '../helpers/sim.js';
import type { Simulator } from '../../src/sim/simulator.js';

async function pub(sim: Simulator, path: string) {
  const r = await fetch(sim.restUrl + path);
  return { status: r.status, json: (await r.json()) as any };
}

describe('public and market endpoints on the seeded market', () => {
  test('time, instruments (instType required), OKX JSON types', async (t) => {
    const sim = await withSim(t, { seed: 5 });
    const time = await pub(sim, '/api/v5/public/time');
    assert.match(time.json.data[0].ts, /^\d{13}$/);
    const missing = await pub(sim, '/api/v5/public/instruments');
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, { code: '50014', msg: 'Parameter instType can not be empty.', data: [] });
    const spot = await pub(sim, '/api/v5/public/instruments?instType=SPOT');
    const ids = spot.json.data.map((i: any) => i.instId);
    for (const id of ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'OKB-USDT', 'ETH-BTC'])
      assert.ok(ids.includes(id), id);
    const btc = spot.json.data.find((i: any) => i.instId === 'BTC-USDT');
    assert.equal(typeof btc.instIdCode, 'number');
    assert.equal(typeof btc.tickSz, 'string');
    assert.equal(btc.futureSettlement, false);
    assert.ok(Array.isArray(btc.tradeQuoteCcyList));
    // Contracts list under their own instType only (issue 12: the local exchange trades swaps).
    const swaps = (await pub(sim, '/api/v5/public/instruments?instType=SWAP')).json.data;
    assert.ok(swaps.length > 0 && swaps.every((i: any) => i.instType === 'SWAP' && !ids.includes(i.instId)));
    assert.equal(
      (await pub(sim, '/api/v5/public/instruments?instType=SPOT&instId=ETH-BTC')).json.data.length,
      1,
    );
  });

  test('ticker, tickers, books with sz, trades', async (t) => {
    const sim = await withSim(t, { seed: 5 });
    const tk = await pub(sim, '/api/v5/market/ticker?instId=BTC-USDT');
    assert.equal(tk.json.data[0].instId, 'BTC-USDT');
    assert.equal((await pub(sim, '/api/v5/market/ticker?instId=NOPE-USDT')).json.code, '51001');
    assert.equal((await pub(sim, '/api/v5/market/ticker')).json.code, '50014');
    const all = await pub(sim, '/api/v5/market/tickers?instType=SPOT');
    assert.ok(all.json.data.length >= 5);
    const books = await pub(sim, '/api/v5/market/books?instId=BTC-USDT&sz=5');
    const b = books.json.data[0];
    assert.equal(b.asks.length, 5);
    assert.equal(b.bids.length, 5);
    assert.equal(b.asks[0].length, 4);
    assert.ok(Number(b.asks[0][0]) > Number(b.bids[0][0]));
    assert.match(b.ts, /^\d+$/);
    assert.equal((await pub(sim, '/api/v5/market/books?instId=BTC-USDT')).json.data[0].asks.length, 1);
    assert.equal((await pub(sim, '/api/v5/market/books?instId=BTC-USDT&sz=x')).json.code, '51000');
    const trades = await pub(sim, '/api/v5/market/trades?instId=BTC-USDT&limit=3');
    assert.ok(trades.json.data.length <= 3);
  });

  test('candles: bar, after/before and limit validation; history-candles also takes 1s', async (t) => {
    const sim = await withSim(t, { seed: 5 });
    const c = await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&bar=1H&limit=5');
    assert.equal(c.json.code, '0');
    assert.equal(c.json.data.length, 5);
    assert.equal(c.json.data[0].length, 9);
    assert.ok(Number(c.json.data[0][0]) > Number(c.json.data[1][0]), 'newest first');
    const older = await pub(
      sim,
      `/api/v5/market/candles?instId=BTC-USDT&bar=1H&limit=2&after=${c.json.data[1][0]}`,
    );
    assert.equal(older.json.data[0][0], c.json.data[2][0]);
    assert.equal((await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&bar=7m')).json.code, '51000');
    assert.equal((await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&bar=1s')).json.code, '51000');
    assert.equal(
      (await pub(sim, '/api/v5/market/history-candles?instId=BTC-USDT&bar=1s&limit=2')).json.code,
      '0',
    );
    assert.equal((await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&limit=0')).json.code, '51000');
    assert.equal(
      (await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&after=yesterday')).json.code,
      '51000',
    );
    assert.equal((await pub(sim, '/api/v5/market/candles?instId=BTC-USDT&limit=1000')).json.data.length, 300);
  });
});
