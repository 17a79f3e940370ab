import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HISTORY_CANDLE_BARS, REST_CANDLE_BARS, WS_CANDLE_BARS } from '../../src/protocol/bars.js';
import { ALL_BARS } from '../../src/sim/market/index.js';

test('bar lists nest: REST candles ⊂ history-candles (1s) ⊂ WS channels (5D)', () => {
  assert.equal(REST_CANDLE_BARS.length, 24);
  assert.deepEqual(
    HISTORY_CANDLE_BARS.filter((b) => !(REST_CANDLE_BARS as readonly string[]).includes(b)),
    ['1s'],
  );
  assert.deepEqual(
    WS_CANDLE_BARS.filter((b) => !(HISTORY_CANDLE_BARS as readonly string[]).includes(b)),
    ['5D', '5Dutc'],
  );
});

test('the local exchange serves every REST and history bar', () => {
  for (const b of HISTORY_CANDLE_BARS) assert.ok(ALL_BARS.includes(b), b);
});

test('the local exchange has every WS candle bar (5D, 5Dutc and 1s included) and REST leaves out 5D', () => {
  for (const b of WS_CANDLE_BARS) assert.ok(ALL_BARS.includes(b), b);
  assert.ok(!(REST_CANDLE_BARS as readonly string[]).includes('5D'));
});
