import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Clock } from '../../src/util/clock.js';
import { STEP_MS } from '../../src/sim/market/market.js';
import { withSim } from '../helpers/sim.js';
import { T0 } from './sim-test-kit.js';

/** A clock that moves half a market step on every read: time passes inside each call. */
class RunningClock implements Clock {
  t = T0;
  now(): number {
    const t = this.t;
    this.t += STEP_MS / 2;
    return t;
  }
}

// On a slow machine the wall clock can cross a market step while an order executes. A taker
// order priced well through the book must still fill: the engine reads and takes the synthetic
// book at one market time, and takes up to the order's own limit.
test('a marketable ioc fills in full while the market steps under it', async (t) => {
  const clock = new RunningClock();
  const sim = await withSim(t, { seed: 3, clock });
  for (const instId of ['BTC-USDT', 'ETH-USDT', 'SOL-USDT']) {
    const inst = sim.market.instrument(instId)!;
    for (let i = 0; i < 8; i++) {
      sim.tick();
      const ask = new Decimal(sim.market.ticker(instId).askPx!);
      const px = ask.mul('1.03').div(inst.tickSz).floor().mul(inst.tickSz);
      const sz = new Decimal(inst.minSz).mul(2).toFixed();
      const [r] = sim.engine.placeOrders('main', [
        { instId, tdMode: 'cash', side: 'buy', ordType: 'ioc', px: px.toFixed(), sz },
      ]);
      assert.equal(r!.sCode, '0', `${instId} #${i}: ${r!.sMsg}`);
      const o = sim.engine.getOrder('main', instId, r!.ordId!, '') as { accFillSz: string; state: string };
      assert.equal(o.accFillSz, sz, `${instId} #${i}: filled ${o.accFillSz} of ${sz}`);
      assert.equal(o.state, 'filled');
    }
  }
});
