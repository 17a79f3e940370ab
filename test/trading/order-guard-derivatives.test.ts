import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import type { Instrument, LeverageSetting, Position } from '../../src/trading/exchange-port.js';
import { GuardRejection } from '../../src/trading/errors.js';
import { OrderGuard, orderNotional, type GuardLimits } from '../../src/trading/order-guard.js';
import { Decimal } from 'decimal.js';

const SWAP: Instrument = {
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  baseCcy: '',
  quoteCcy: '',
  tickSz: '0.1',
  lotSz: '1',
  minSz: '1',
  maxLmtSz: '',
  maxMktSz: '',
  state: 'live',
  ctVal: '0.01',
  ctValCcy: 'BTC',
  ctType: 'linear',
  settleCcy: 'USDT',
  lever: '100',
};

function guard(limits: GuardLimits, state: { positions?: Position[]; lever?: string } = {}) {
  const calls = { positions: 0, leverage: 0 };
  const market = {
    instrument: async () => SWAP,
    ticker: async () => ({ instId: SWAP.instId, last: '50000', bidPx: '49999.9', askPx: '50000', ts: 0 }),
    openOrders: async () => [],
    positions: async () => {
      calls.positions++;
      return state.positions ?? [];
    },
    leverage: async (): Promise<LeverageSetting[]> => {
      calls.leverage++;
      return [{ instId: SWAP.instId, mgnMode: 'cross', posSide: '', lever: state.lever ?? '3' }];
    },
  };
  return { g: new OrderGuard({ market, clock: new ManualClock(0), limits }), calls };
}

const pos = (p: string, posSide: Position['posSide'] = 'net'): Position => ({
  instId: SWAP.instId,
  instType: 'SWAP',
  mgnMode: 'cross',
  posSide,
  pos: p,
  avgPx: '50000',
  markPx: '50000',
  liqPx: '',
  lever: '3',
  upl: '0',
  mgnRatio: '',
  margin: '0',
  notionalUsd: '',
  uTime: 0,
});
const order = {
  instId: SWAP.instId,
  side: 'sell' as const,
  ordType: 'limit' as const,
  px: '50000',
  tdMode: 'cross' as const,
};
const rejects = (rule: string) => (e: unknown) => e instanceof GuardRejection && e.rule === rule;

test('contract notional: linear contracts x ctVal x price, inverse contracts x ctVal', async () => {
  assert.equal(orderNotional(SWAP, new Decimal(10), new Decimal(50000)).toFixed(), '5000');
  assert.equal(
    orderNotional(
      { ...SWAP, ctType: 'inverse', ctVal: '100' },
      new Decimal(10),
      new Decimal(50000),
    ).toFixed(),
    '1000',
  );
  // the per-order cap reads contracts at their value, not as coins: 10 contracts of 0.01 BTC = 5000 USDT
  const { g } = guard({ maxNotionalPerOrder: '6000' });
  assert.equal((await g.check({ ...order, sz: '10' })).sz, '10');
  await assert.rejects(
    guard({ maxNotionalPerOrder: '4000' }).g.check({ ...order, sz: '10' }),
    rejects('maxNotionalPerOrder'),
  );
});

test('reduce-only: refused without a position on the other side, or larger than it; allowed within it', async () => {
  await assert.rejects(
    guard({}, { positions: [] }).g.check({ ...order, sz: '1', reduceOnly: true }),
    rejects('reduceOnly'),
  );
  // a sell cannot reduce a short
  await assert.rejects(
    guard({}, { positions: [pos('-5')] }).g.check({ ...order, sz: '1', reduceOnly: true }),
    rejects('reduceOnly'),
  );
  await assert.rejects(
    guard({}, { positions: [pos('5')] }).g.check({ ...order, sz: '6', reduceOnly: true }),
    rejects('reduceOnly'),
  );
  const ok = await guard({}, { positions: [pos('5')] }).g.check({ ...order, sz: '5', reduceOnly: true });
  assert.equal(ok.sz, '5');
  // long/short mode: a buy on posSide short reduces the short
  const ls = await guard({}, { positions: [pos('4', 'short')] }).g.check({
    ...order,
    side: 'buy',
    px: '50000',
    posSide: 'short',
    sz: '4',
    reduceOnly: true,
  });
  assert.equal(ls.sz, '4');
});

test('max leverage: the setting of the order margin mode above the limit (or the instrument max) is refused', async () => {
  await assert.rejects(
    guard({ maxLeverage: '5' }, { lever: '10' }).g.check({ ...order, sz: '1' }),
    (e: unknown) => rejects('maxLeverage')(e) && (e as GuardRejection).numbers.lever === '10',
  );
  await assert.rejects(guard({}, { lever: '125' }).g.check({ ...order, sz: '1' }), rejects('maxLeverage'));
  assert.equal((await guard({ maxLeverage: '5' }, { lever: '5' }).g.check({ ...order, sz: '1' })).sz, '1');
  // reduce-only orders are exempt: closing must stay possible at any leverage
  assert.equal(
    (
      await guard({ maxLeverage: '5' }, { lever: '50', positions: [pos('2')] }).g.check({
        ...order,
        sz: '2',
        reduceOnly: true,
      })
    ).sz,
    '2',
  );
});

test('max position notional: only orders that grow the position count, valued at contract value', async () => {
  // short 8 contracts (4000 USDT at 50000) + sell 3 -> 11 contracts = 5500 > 5000
  await assert.rejects(
    guard({ maxPositionNotional: '5000' }, { positions: [pos('-8')] }).g.check({ ...order, sz: '3' }),
    (e: unknown) =>
      rejects('maxPositionNotional')(e) && (e as GuardRejection).numbers.notionalAfter === '5500',
  );
  assert.equal(
    (await guard({ maxPositionNotional: '5000' }, { positions: [pos('-8')] }).g.check({ ...order, sz: '2' }))
      .sz,
    '2',
  );
  // a buy against the short shrinks it: allowed even though |position| is above the cap
  assert.equal(
    (
      await guard({ maxPositionNotional: '1000' }, { positions: [pos('-8')] }).g.check({
        ...order,
        side: 'buy',
        sz: '3',
      })
    ).sz,
    '3',
  );
});
