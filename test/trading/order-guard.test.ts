import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ManualClock } from '../../src/util/clock.js';
import { OrderGuard, type GuardLimits, type RiskGate } from '../../src/trading/order-guard.js';
import { GuardRejection } from '../../src/trading/errors.js';
import { OkxkitError } from '../../src/util/errors.js';
import type { OrderIntent } from '../../src/trading/exchange-port.js';
import { FakeExchange } from './fake-exchange.js';

function setup(limits: GuardLimits = {}, risk?: RiskGate) {
  const clock = new ManualClock(1_700_000_000_000);
  const ex = new FakeExchange(clock);
  return { ex, clock, guard: new OrderGuard({ market: ex, clock, limits, ...(risk ? { risk } : {}) }) };
}

async function rejected(p: Promise<unknown>, rule: string): Promise<GuardRejection> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GuardRejection, `expected GuardRejection, got ${String(err)}`);
    assert.ok(err instanceof OkxkitError);
    assert.equal(err.rule, rule, err.message);
    return err;
  }
  assert.fail(`expected a ${rule} rejection`);
}

const buy = (px: string, sz: string, instId = 'BTC-USDT'): OrderIntent => ({
  instId,
  side: 'buy',
  ordType: 'limit',
  px,
  sz,
});
const sell = (px: string, sz: string, instId = 'BTC-USDT'): OrderIntent => ({
  instId,
  side: 'sell',
  ordType: 'limit',
  px,
  sz,
});

describe('OrderGuard', () => {
  test('passes an order on the grid unchanged', async () => {
    const { guard } = setup();
    const out = await guard.check(buy('49000.5', '0.01'));
    assert.equal(out.px, '49000.5');
    assert.equal(out.sz, '0.01');
  });

  test('conservative rounding never enlarges risk: size down, buy px down, sell px up', async () => {
    const { guard } = setup();
    const b = await guard.check(buy('49000.56', '0.0100000099'));
    assert.equal(b.px, '49000.5');
    assert.equal(b.sz, '0.01');
    const s = await guard.check(sell('50100.01', '0.0100000099'));
    assert.equal(s.px, '50100.1');
    assert.equal(s.sz, '0.01');
    // Property over many random values: rounded size <= asked, buy px <= asked, sell px >= asked.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++) {
      const px = new Decimal(2900 + rnd() * 200).toDecimalPlaces(5).toFixed();
      const sz = new Decimal(0.002 + rnd()).toDecimalPlaces(7).toFixed();
      const ob = await guard.check(buy(px, sz, 'ETH-USDT'));
      const os = await guard.check(sell(px, sz, 'ETH-USDT'));
      assert.ok(new Decimal(ob.sz).lte(sz) && new Decimal(os.sz).lte(sz));
      assert.ok(new Decimal(ob.px!).lte(px), `buy ${px} -> ${ob.px}`);
      assert.ok(new Decimal(os.px!).gte(px), `sell ${px} -> ${os.px}`);
      assert.ok(new Decimal(ob.px!).mod('0.01').isZero() && new Decimal(ob.sz).mod('0.0001').isZero());
    }
  });

  test("'reject' policy refuses anything off the grid", async () => {
    const { guard } = setup({ rounding: 'reject' });
    const e1 = await rejected(guard.check(buy('49000.55', '0.01')), 'tickSz');
    assert.equal(e1.numbers.tickSz, '0.1');
    assert.equal(e1.numbers.px, '49000.55');
    await rejected(guard.check(buy('49000.5', '0.000000001')), 'lotSz');
    assert.equal((await guard.check(buy('49000.5', '0.01'))).px, '49000.5');
  });

  test('min size, after rounding', async () => {
    const { guard } = setup();
    const e = await rejected(guard.check(buy('3000', '0.00099', 'ETH-USDT')), 'minSz');
    assert.equal(e.numbers.minSz, '0.001');
    assert.match(e.message, /minimum/);
  });

  test('max size: maxLmtSz for limit orders, maxMktSz for market sells', async () => {
    const { guard } = setup();
    const e = await rejected(guard.check(buy('2990', '101', 'ETH-USDT')), 'maxSz');
    assert.equal(e.numbers.maxLmtSz, '100');
    const m = await rejected(
      guard.check({ instId: 'ETH-USDT', side: 'sell', ordType: 'market', sz: '51' }),
      'maxSz',
    );
    assert.equal(m.numbers.maxMktSz, '50');
    await guard.check({ instId: 'ETH-USDT', side: 'sell', ordType: 'market', sz: '50' });
  });

  test('instrument must be live', async () => {
    const { guard } = setup();
    const e = await rejected(guard.check(buy('1', '1', 'OLD-USDT')), 'instrumentState');
    assert.equal(e.numbers.state, 'suspend');
  });

  test('price band: a buy above ask+5% or a sell below bid-5% is a fat finger', async () => {
    const { guard } = setup();
    // ask 50000.1 -> high 52500.105
    const e = await rejected(guard.check(buy('52500.2', '0.001')), 'priceBand');
    assert.equal(e.numbers.refPx, '50000.1');
    assert.equal(e.numbers.high, '52500.105');
    await guard.check(buy('52500.1', '0.001'));
    await rejected(guard.check(sell('47499.8', '0.001')), 'priceBand');
    // Passive orders far away are harmless in the default mode.
    await guard.check(buy('100', '0.001'));
    const both = setup({ bandMode: 'both', bandPct: '1' }).guard;
    await rejected(both.check(buy('100', '0.001')), 'priceBand');
    await rejected(both.check(buy('50600', '0.001')), 'priceBand');
  });

  test('max notional per order', async () => {
    const { guard } = setup({ maxNotionalPerOrder: '1000' });
    const e = await rejected(guard.check(buy('50000', '0.021')), 'maxNotionalPerOrder');
    assert.equal(e.numbers.notional, '1050');
    await guard.check(buy('50000', '0.02'));
    // Market orders are valued at the reference price; a quote-sized market buy by its size.
    await rejected(
      guard.check({ instId: 'BTC-USDT', side: 'sell', ordType: 'market', sz: '0.03' }),
      'maxNotionalPerOrder',
    );
    await rejected(
      guard.check({ instId: 'BTC-USDT', side: 'buy', ordType: 'market', sz: '1000.01' }),
      'maxNotionalPerOrder',
    );
  });

  test('max notional per instrument counts open orders plus the new one', async () => {
    const { guard, ex, clock } = setup({ maxNotionalPerInstrument: { 'BTC-USDT': '3000' } });
    ex.orders.push({
      ordId: '9',
      clOrdId: 'a',
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '40000',
      sz: '0.05',
      accFillSz: '0.01',
      avgPx: '',
      state: 'partially_filled',
      fee: '0',
      feeCcy: '',
      tag: '',
      cTime: clock.now(),
      uTime: clock.now(),
    });
    // open remaining: 0.04 * 40000 = 1600
    const e = await rejected(guard.check(buy('40000', '0.036')), 'maxNotionalPerInstrument');
    assert.equal(e.numbers.openNotional, '1600');
    assert.equal(e.numbers.total, '3040');
    await guard.check(buy('40000', '0.035'));
    await guard.check(buy('3000', '5', 'ETH-USDT')); // no cap for ETH
  });

  test('a halted risk state refuses everything, before any lookup', async () => {
    let halted: string | undefined = 'maxDailyLoss: daily loss limit reached';
    const { guard, ex } = setup({}, { haltReason: () => halted });
    ex.instrument = async () => assert.fail('no lookup while halted');
    const e = await rejected(guard.check(buy('50000', '0.001')), 'halted');
    assert.match(e.message, /daily loss/);
    halted = undefined;
    ex.instrument = FakeExchange.prototype.instrument.bind(ex);
    await guard.check(buy('50000', '0.001'));
  });

  test('risk preTrade sees base size and notional', async () => {
    const seen: string[] = [];
    const { guard } = setup(
      {},
      {
        haltReason: () => undefined,
        preTrade: (o) =>
          void seen.push(`${o.instId} ${o.side} ${o.baseSz.toFixed()} ${o.notional.toFixed()}`),
      },
    );
    await guard.check(buy('50000.04', '0.02'));
    assert.deepEqual(seen, ['BTC-USDT buy 0.02 1000']);
  });

  test('malformed intents are refused with the field named', async () => {
    const { guard } = setup();
    await rejected(guard.check(buy('1e3', '0.01')), 'invalidIntent');
    await rejected(guard.check(buy('50000', '-1')), 'invalidIntent');
    await rejected(
      guard.check({ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', sz: '1' }),
      'invalidIntent',
    );
    const e = await rejected(guard.check(buy('50000', '0')), 'invalidIntent');
    assert.equal(e.code, 'GUARD_INVALID_INTENT');
  });
});
