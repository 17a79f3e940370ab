import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRandom } from '../../src/sim/faults.js';
import { withSim } from '../helpers/sim.js';
import { T0 } from './sim-test-kit.js';

// Many seeded random orders against the seeded market, with time passing so public trades fill
// resting orders: balances must stay consistent with pending orders and with the bills.
test('random trading on the seeded market keeps balances, reservations and bills consistent', async (t) => {
  const clock = new ManualClock(T0);
  const sim = await withSim(t, { seed: 9, clock });
  const rnd = seededRandom(1234);
  const engine = sim.engine;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const placedIds: string[] = [];
  for (let i = 0; i < 300; i++) {
    clock.advance(50 + Math.floor(rnd() * 400));
    sim.tick();
    const instId = pick(['BTC-USDT', 'ETH-USDT', 'ETH-BTC']);
    const inst = sim.market.instrument(instId)!;
    const last = new Decimal(sim.market.last(instId));
    const action = rnd();
    if (action < 0.7 || placedIds.length === 0) {
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      const ordType = pick(['limit', 'limit', 'limit', 'post_only', 'ioc', 'fok', 'market']);
      const offset = new Decimal(1).plus((rnd() - 0.5) * 0.004);
      const px = last.mul(offset).div(inst.tickSz).floor().mul(inst.tickSz);
      const sz = new Decimal(inst.minSz).mul(1 + Math.floor(rnd() * 20));
      const item: Record<string, unknown> = { instId, tdMode: 'cash', side, ordType, sz: sz.toFixed() };
      if (ordType !== 'market') item.px = px.toFixed();
      else item.tgtCcy = 'base_ccy';
      const [r] = engine.placeOrders('main', [item]);
      if (r!.sCode === '0') placedIds.push(r!.ordId!);
    } else if (action < 0.85) {
      const ordId = pick(placedIds);
      // The order's instrument is not tracked here: only the right one finds it.
      for (const id of ['BTC-USDT', 'ETH-USDT', 'ETH-BTC'])
        engine.cancelOrders('main', [{ instId: id, ordId }]);
    } else {
      const pending = engine.ordersPending('main', {});
      if (pending.length) {
        const o = pick(pending);
        const inst2 = sim.market.instrument(String(o.instId))!;
        const newPx = new Decimal(String(o.px))
          .mul(1 + (rnd() - 0.5) * 0.002)
          .div(inst2.tickSz)
          .floor()
          .mul(inst2.tickSz);
        engine.amendOrders('main', [{ instId: o.instId, ordId: o.ordId, newPx: newPx.toFixed() }]);
      }
    }
  }

  const bal = engine.balance('main') as { details: Record<string, string>[] };
  const pending = engine.ordersPending('main', {});
  const expectedFrozen = new Map<string, Decimal>();
  for (const o of pending) {
    const inst = sim.market.instrument(String(o.instId))!;
    const left = new Decimal(String(o.sz)).minus(String(o.accFillSz));
    const [ccy, amt] = o.side === 'buy' ? [inst.quoteCcy, left.mul(String(o.px))] : [inst.baseCcy, left];
    expectedFrozen.set(ccy, (expectedFrozen.get(ccy) ?? new Decimal(0)).plus(amt));
  }
  const bills = engine.bills('main', { limit: '100' });
  assert.ok(bills.length > 0);
  const allBills = [...sim.engine.ledger.account('main').bills];
  for (const d of bal.details) {
    const cash = new Decimal(d.cashBal!);
    assert.ok(cash.eq(new Decimal(d.availBal!).plus(d.frozenBal!)), `${d.ccy} cash = avail + frozen`);
    assert.ok(new Decimal(d.availBal!).gte(0), `${d.ccy} avail >= 0`);
    assert.equal(
      new Decimal(d.frozenBal!).toFixed(),
      (expectedFrozen.get(d.ccy!) ?? new Decimal(0)).toFixed(),
      `${d.ccy} frozen = pending reservations`,
    );
    const fromBills = allBills
      .filter((b) => b.ccy === d.ccy)
      .reduce((s, b) => s.plus(b.balChg!), new Decimal(0));
    assert.equal(fromBills.toFixed(), cash.toFixed(), `${d.ccy} cash = sum of bills`);
  }
  const fills = engine.fills('main', { limit: '100' });
  assert.ok(fills.length > 10, `expected fills, got ${fills.length}`);
  assert.ok(
    fills.some((f) => f.execType === 'M'),
    'some resting orders filled as maker',
  );
  assert.ok(placedIds.length > 100);
});
