import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canTransition,
  isFinalState,
  judgeOrderView,
  ORDER_TRANSITIONS,
  type OrderVerdict,
} from '../../src/trading/order-state.js';
import type { Order, OrderState } from '../../src/trading/exchange-port.js';

function order(over: Partial<Order> = {}): Order {
  return {
    ordId: '1',
    clOrdId: 'c1',
    instId: 'BTC-USDT',
    side: 'buy',
    ordType: 'limit',
    px: '100',
    sz: '3',
    accFillSz: '0',
    avgPx: '',
    state: 'live',
    fee: '0',
    feeCcy: 'BTC',
    tag: '',
    cTime: 1000,
    uTime: 1000,
    ...over,
  };
}

const STATES: OrderState[] = ['live', 'partially_filled', 'filled', 'canceled', 'mmp_canceled'];
// Written out independently of ORDER_TRANSITIONS: what the exchange does to an order.
const EXPECTED = new Set([
  'live>live',
  'live>partially_filled',
  'live>filled',
  'live>canceled',
  'live>mmp_canceled',
  'partially_filled>partially_filled',
  'partially_filled>filled',
  'partially_filled>canceled',
  'partially_filled>mmp_canceled',
]);

describe('order transitions', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const want = EXPECTED.has(`${from}>${to}`);
      test(`${from} -> ${to} is ${want ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), want);
        assert.equal(ORDER_TRANSITIONS[from].includes(to), want);
      });
    }
  }
  test('a state this code does not know is final: reachable from an open state, never left', () => {
    assert.equal(isFinalState('expired'), true);
    assert.equal(canTransition('live', 'expired'), true);
    assert.equal(canTransition('expired', 'live'), false);
  });
});

// Each case is built so that exactly one rule decides it: every other rule, asked alone, would
// give another verdict. The comment on each names the verdict it would get without its rule.
describe('judging a view of an order against the newest kept', () => {
  const cases: Array<[string, Order, Order, OrderVerdict['why'], boolean]> = [
    // without the final rule: canceled after filled, same fill, newer uTime -> 'advanced'
    [
      'a final state never changes',
      order({ state: 'filled', accFillSz: '3', uTime: 1200 }),
      order({ state: 'canceled', accFillSz: '3', uTime: 1300 }),
      'final',
      false,
    ],
    // without the transition rule: another state, same fill, newer uTime -> 'advanced'
    [
      'partially_filled never goes back to live',
      order({ state: 'partially_filled', accFillSz: '1', uTime: 1100 }),
      order({ state: 'live', accFillSz: '1', uTime: 1200 }),
      'backwards',
      false,
    ],
    // without the size rule: same state, newer uTime -> 'newer'
    [
      'the filled size never shrinks',
      order({ state: 'partially_filled', accFillSz: '2', uTime: 1100 }),
      order({ state: 'partially_filled', accFillSz: '1', uTime: 1200 }),
      'less-filled',
      false,
    ],
    // without the uTime rule: same state and size, another price -> 'amended'
    ['uTime never goes back', order({ uTime: 1000 }), order({ uTime: 900, px: '99' }), 'older', false],
    // only the state differs
    ['live -> canceled advances the state', order(), order({ state: 'canceled' }), 'advanced', true],
    // only the size differs
    [
      'more filled in the same state and millisecond',
      order({ state: 'partially_filled', accFillSz: '1', uTime: 1100 }),
      order({ state: 'partially_filled', accFillSz: '2', uTime: 1100 }),
      'filled-more',
      true,
    ],
    // only uTime differs
    ['a newer uTime in the same state', order(), order({ uTime: 1050 }), 'newer', true],
    // only the price differs
    ['another price in the same millisecond is an amend', order(), order({ px: '101' }), 'amended', true],
    // only the order size differs
    ['another size in the same millisecond is an amend', order(), order({ sz: '2' }), 'amended', true],
    ['the same view again is a repeat', order(), order(), 'repeat', false],
  ];
  for (const [name, prev, next, why, news] of cases) {
    test(name, () => assert.deepEqual(judgeOrderView(prev, next), { news, why }));
  }
});
