import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/util/clock.js';
import { simFetch, withSim } from '../../helpers/sim.js';
import type { Simulator } from '../../../src/sim/simulator.js';
import { T0 } from '../sim-test-kit.js';

// Options on the local exchange (docs/SIMULATOR.md "Options"): every number below is read at one
// instant of a manual clock, so the model's identities hold to the printed precision.

async function data(sim: Simulator, path: string): Promise<any[]> {
  const r = await simFetch(sim, undefined, 'GET', path);
  assert.equal(r.json.code, '0', `${path}: ${JSON.stringify(r.json)}`);
  return r.json.data;
}

test('opt-summary, mark prices, tickers and books of options: put-call parity, deltas in range, every listed option covered', async (t) => {
  const sim = await withSim(t, { seed: 3, clock: new ManualClock(T0) });
  const listed: any[] = await data(sim, '/api/v5/public/instruments?instType=OPTION&instFamily=BTC-USD');
  assert.equal(listed.length, 2 * 11 * 2);
  const ids = listed.map((i) => i.instId).sort();

  const summary = await data(sim, '/api/v5/public/opt-summary?instFamily=BTC-USD');
  assert.deepEqual(summary.map((s) => s.instId).sort(), ids);
  // uly answers as instFamily does; expTime (YYMMDD) keeps one expiry.
  const exp = listed[0]!.instId.split('-')[2]!;
  const oneExp = await data(sim, `/api/v5/public/opt-summary?uly=BTC-USD&expTime=${exp}`);
  assert.equal(oneExp.length, 22);
  assert.ok(oneExp.every((s) => s.instId.split('-')[2] === exp));

  const marks = new Map(
    (await data(sim, '/api/v5/public/mark-price?instType=OPTION&instFamily=BTC-USD')).map((m) => [
      m.instId,
      Number(m.markPx),
    ]),
  );
  assert.deepEqual([...marks.keys()].sort(), ids);
  const [idx] = await data(sim, '/api/v5/market/index-tickers?instId=BTC-USD');
  const s = Number(idx.idxPx);
  const byId = new Map(summary.map((x) => [x.instId, x]));
  for (const inst of listed.filter((i) => i.optType === 'C')) {
    const call = inst.instId;
    const put = call.replace(/-C$/, '-P');
    const k = Number(inst.stk);
    const c = byId.get(call)!;
    const p = byId.get(put)!;
    // The forward is the index (no rates); parity in the coin: C - P = (F - K) / S.
    assert.equal(Number(c.fwdPx), s);
    assert.ok(Math.abs(marks.get(call)! - marks.get(put)! - (s - k) / s) < 1e-7, call);
    assert.ok(Number(c.deltaBS) > 0 && Number(c.deltaBS) < 1, `${call} ${c.deltaBS}`);
    assert.ok(Number(p.deltaBS) > -1 && Number(p.deltaBS) < 0, `${put} ${p.deltaBS}`);
    assert.ok(Math.abs(Number(c.deltaBS) - Number(p.deltaBS) - 1) < 1e-9);
    assert.equal(c.gammaBS, p.gammaBS);
    assert.ok(Number(c.gammaBS) > 0 && Number(c.vegaBS) > 0 && Number(c.thetaBS) < 0);
    // The coin ("PA") delta nets the premium out of the Black-Scholes delta.
    assert.ok(Math.abs(Number(c.delta) - (Number(c.deltaBS) - marks.get(call)!)) < 1e-7);
    assert.ok(Number(c.bidVol) < Number(c.markVol) && Number(c.markVol) < Number(c.askVol));
  }
  // Calls are worth less, puts more, as the strike rises.
  const ofExp = listed
    .filter((i) => i.instId.split('-')[2] === exp)
    .sort((a, b) => Number(a.stk) - Number(b.stk));
  const callMarks = ofExp.filter((i) => i.optType === 'C').map((i) => marks.get(i.instId)!);
  const putMarks = ofExp.filter((i) => i.optType === 'P').map((i) => marks.get(i.instId)!);
  assert.deepEqual(
    callMarks,
    [...callMarks].sort((a, b) => b - a),
  );
  assert.deepEqual(
    putMarks,
    [...putMarks].sort((a, b) => a - b),
  );

  // Tickers and books: every listed option, quotes around the mark.
  const tickers = await data(sim, '/api/v5/market/tickers?instType=OPTION&uly=BTC-USD');
  assert.deepEqual(tickers.map((x) => x.instId).sort(), ids);
  for (const tk of tickers) {
    const m = marks.get(tk.instId)!;
    assert.ok(Number(tk.askPx) >= m, tk.instId);
    if (tk.bidPx !== '') assert.ok(Number(tk.bidPx) <= m && Number(tk.bidPx) < Number(tk.askPx), tk.instId);
  }
  const atm = ofExp.reduce((a, b) => (Math.abs(Number(b.stk) - s) < Math.abs(Number(a.stk) - s) ? b : a));
  const [one] = await data(sim, `/api/v5/market/ticker?instId=${atm.instId}`);
  const [book] = await data(sim, `/api/v5/market/books?instId=${atm.instId}&sz=5`);
  assert.equal(book.bids[0][0], one.bidPx);
  assert.equal(book.asks[0][0], one.askPx);
  assert.equal(book.asks.length, 5);
});

test('opt-summary needs uly or instFamily (50015) and a YYMMDD expTime (51000); an unknown option is 51001', async (t) => {
  const sim = await withSim(t, { seed: 4, clock: new ManualClock(T0) });
  const none = await simFetch(sim, undefined, 'GET', '/api/v5/public/opt-summary');
  assert.equal(none.json.code, '50015');
  const bad = await simFetch(
    sim,
    undefined,
    'GET',
    '/api/v5/public/opt-summary?instFamily=BTC-USD&expTime=2026-03-06',
  );
  assert.equal(bad.json.code, '51000');
  const unknown = await simFetch(sim, undefined, 'GET', '/api/v5/market/ticker?instId=BTC-USD-260306-1-C');
  assert.equal(unknown.json.code, '51001');
});

test('an expiry keeps the strikes it was listed with when the index moves; its prices follow the index', async (t) => {
  const sim = await withSim(t, { seed: 3, clock: new ManualClock(T0) });
  const path = '/api/v5/public/instruments?instType=OPTION&instFamily=BTC-USD';
  const before = (await data(sim, path)).map((i) => i.instId);
  const fwd0 = Number((await data(sim, '/api/v5/public/opt-summary?instFamily=BTC-USD'))[0].fwdPx);
  // A large buy walks the spot book more than half a strike step (500) up.
  sim.market.take('BTC-USDT', 'buy', '200');
  const fwd1 = Number((await data(sim, '/api/v5/public/opt-summary?instFamily=BTC-USD'))[0].fwdPx);
  assert.ok(fwd1 - fwd0 > 500, `${fwd0} -> ${fwd1}`);
  assert.deepEqual(
    (await data(sim, path)).map((i) => i.instId),
    before,
  );
});
