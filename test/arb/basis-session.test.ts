// Issue 15: the basis bot in paper mode on the live books of a local exchange (BasisSession): it
// enters on paper, the exchange's 08:00 funding is settled on the paper short, nothing reaches the
// exchange, and the summary splits the PnL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, simFetch } from '../helpers/sim.js';
import { until } from '../helpers/until.js';
import { BasisSession } from '../../src/arb/basis-session.js';
import { TestClock } from '../../src/util/clock.js';

test('paper basis on live books: entered on paper, the 08:00 funding settled on the paper short', async (t) => {
  const clock = new TestClock(Date.UTC(2026, 0, 5, 7, 59, 50));
  const sim = await withSim(t, {
    seed: 5,
    clock,
    config: { market: { crossOffsetBps: { 'BTC-USDT-SWAP': 40 } } },
  });
  const session = await BasisSession.start({
    name: 'okx',
    url: sim.restUrl,
    credentials: sim.credentials('trade'),
    spotInstId: 'BTC-USDT',
    swapInstId: 'BTC-USDT-SWAP',
    bot: { size: '0.1', borrowRateYearly: 0.05 },
    mode: 'paper',
    stepMs: 1_000,
    clock,
  });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await session.stop();
  });
  await clock.advanceAsync(1_000);
  await until(() => session.lastDecision.startsWith('entered'), 'a paper entry');
  // Past 08:00: the exchange settles funding; the session applies it to the paper short.
  for (let i = 0; i < 15; i++) {
    await clock.advanceAsync(1_000);
    sim.tick();
  }
  await until(() => session.lastDecision.startsWith('hold'), 'a decision after 08:00');
  stopped = true;
  const s = await session.stop();
  assert.equal(s.state, 'open');
  assert.deepEqual(s.fees, { spot: 0.001, swap: 0.0005, source: 'trade-fee endpoint', level: 'Lv1' });
  // 0.1 BTC short at ~60,000 x 1.004 receiving a positive rate of tens of bps.
  assert.ok(s.pnl.funding > 1 && s.pnl.funding < 0.1 * 61_000 * 0.0075, `funding ${s.pnl.funding}`);
  assert.ok(Math.abs(s.pnl.total - (s.pnl.basis + s.pnl.funding + s.pnl.fees)) < 1e-9);
  for (const instType of ['SPOT', 'SWAP']) {
    const h = await simFetch(sim, 'trade', 'GET', `/api/v5/trade/orders-history?instType=${instType}`);
    assert.equal(h.json.data.length, 0, `no ${instType} order reached the exchange`);
  }
});
