import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BotConfigError, parseBotConfig } from '../../src/bots/config.js';
import { botClOrdId } from '../../src/bots/cl-ord-id.js';
import { isValidClOrdId } from '../../src/protocol/cl-ord-id.js';
import type { BotKind } from '../../src/bots/types.js';

const grid = { instId: 'BTC-USDT', lower: '95000', upper: '105000', levels: 11, sizePerLevel: '0.001' };
const dca = { instId: 'BTC-USDT', quoteAmount: '50', intervalSec: 3600, takeProfitPct: '3' };
const trailing = { instId: 'BTC-USDT', size: '0.01', trailPct: '3' };

describe('bot config validation', () => {
  const bad: { name: string; kind: BotKind; raw: unknown; field: string; says: RegExp }[] = [
    {
      name: 'lower >= upper',
      kind: 'grid',
      raw: { ...grid, lower: '105000' },
      field: 'lower',
      says: /below upper/,
    },
    { name: 'levels < 2', kind: 'grid', raw: { ...grid, levels: 1 }, field: 'levels', says: /at least 2/ },
    {
      name: 'fractional levels',
      kind: 'grid',
      raw: { ...grid, levels: 2.5 },
      field: 'levels',
      says: /whole number/,
    },
    {
      name: 'negative size',
      kind: 'grid',
      raw: { ...grid, sizePerLevel: '-0.001' },
      field: 'sizePerLevel',
      says: /negative/,
    },
    {
      name: 'zero size',
      kind: 'grid',
      raw: { ...grid, sizePerLevel: '0' },
      field: 'sizePerLevel',
      says: /greater than 0/,
    },
    {
      name: 'both size and investment',
      kind: 'grid',
      raw: { ...grid, investment: '100' },
      field: 'sizePerLevel',
      says: /exactly one/,
    },
    { name: 'unknown mode', kind: 'grid', raw: { ...grid, mode: 'log' }, field: 'mode', says: /geometric/ },
    {
      name: 'missing lower',
      kind: 'grid',
      raw: { ...grid, lower: undefined },
      field: 'lower',
      says: /required/,
    },
    {
      name: 'a typo in a key',
      kind: 'grid',
      raw: { ...grid, levles: 3 },
      field: 'levles',
      says: /not a known setting/,
    },
    {
      name: 'malformed instId',
      kind: 'grid',
      raw: { ...grid, instId: 'btcusdt' },
      field: 'instId',
      says: /BTC-USDT/,
    },
    {
      name: 'bad bot id',
      kind: 'grid',
      raw: { ...grid, id: 'my-bot' },
      field: 'id',
      says: /letters and digits/,
    },
    {
      name: 'DCA interval 0',
      kind: 'dca',
      raw: { ...dca, intervalSec: 0 },
      field: 'intervalSec',
      says: /at least 1/,
    },
    {
      name: 'DCA amount not a number',
      kind: 'dca',
      raw: { ...dca, quoteAmount: 'fifty' },
      field: 'quoteAmount',
      says: /decimal number/,
    },
    {
      name: 'DCA negative drop',
      kind: 'dca',
      raw: { ...dca, safetyOrders: { count: 2, dropPct: '-1' } },
      field: 'safetyOrders.dropPct',
      says: /negative/,
    },
    {
      name: 'trailing 100%',
      kind: 'trailing',
      raw: { ...trailing, trailPct: '100' },
      field: 'trailPct',
      says: /below 100/,
    },
    {
      name: 'trailing negative size',
      kind: 'trailing',
      raw: { ...trailing, size: -1 },
      field: 'size',
      says: /negative/,
    },
    {
      name: 'a config for another kind',
      kind: 'dca',
      raw: { ...dca, kind: 'grid' },
      field: 'kind',
      says: /bot run grid/,
    },
    { name: 'not an object', kind: 'grid', raw: [1, 2], field: 'config', says: /JSON object/ },
    {
      name: 'a drawdown percent of 100 or more',
      kind: 'grid',
      raw: { ...grid, risk: { maxDrawdownPct: '150', startingEquity: '10000' } },
      field: 'risk.maxDrawdownPct',
      says: /percentage below 100/,
    },
    {
      name: 'a drawdown percent that is not a number',
      kind: 'dca',
      raw: { ...dca, risk: { maxDrawdownPct: '10%', startingEquity: '10000' } },
      field: 'risk.maxDrawdownPct',
      says: /decimal number like "10"/,
    },
    {
      name: 'a drawdown percent of 0',
      kind: 'trailing',
      raw: { ...trailing, risk: { maxDrawdownPct: '0', startingEquity: '10000' } },
      field: 'risk.maxDrawdownPct',
      says: /greater than 0/,
    },
    {
      name: 'a drawdown percent without startingEquity',
      kind: 'grid',
      raw: { ...grid, risk: { ccy: 'BTC', maxDrawdownPct: '10' } },
      field: 'risk.maxDrawdownPct',
      says: /needs risk\.startingEquity \(the equity in BTC when the bot starts\)/,
    },
    {
      name: 'an unknown breaker action',
      kind: 'grid',
      raw: { ...grid, risk: { maxLeverage: '10', onTrip: 'flatten' } },
      field: 'risk.onTrip',
      says: /"cancel-only", "reduce" or "close-all"/,
    },
    {
      name: 'a reduce fraction above 1',
      kind: 'grid',
      raw: { ...grid, risk: { onTrip: 'reduce', reduceFraction: '1.5' } },
      field: 'risk.reduceFraction',
      says: /above 0 and at most 1/,
    },
    {
      name: 'a lower-case reporting currency',
      kind: 'grid',
      raw: { ...grid, risk: { ccy: 'usdt' } },
      field: 'risk.ccy',
      says: /currency code in capitals/,
    },
    {
      name: 'buyMissingBase not a boolean',
      kind: 'grid',
      raw: { ...grid, buyMissingBase: 'yes' },
      field: 'buyMissingBase',
      says: /true or false/,
    },
    {
      name: 'a purchase slippage outside the guard band',
      kind: 'grid',
      raw: { ...grid, buyMissingBase: true, buySlippagePct: '5' },
      field: 'buySlippagePct',
      says: /below 5, the order guard's price band/,
    },
    {
      name: 'buySlippagePct without buyMissingBase',
      kind: 'grid',
      raw: { ...grid, buySlippagePct: '1' },
      field: 'buySlippagePct',
      says: /only applies with "buyMissingBase": true/,
    },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}, naming ${c.field}`, () => {
      assert.throws(
        () => parseBotConfig(c.kind, c.raw),
        (e: unknown) => {
          assert.ok(e instanceof BotConfigError, String(e));
          assert.equal(e.field, c.field);
          assert.match(e.message, c.says);
          assert.ok(e.message.startsWith(`${c.field}: `));
          return true;
        },
      );
    });
  }

  test('lists every problem at once', () => {
    try {
      parseBotConfig('grid', { ...grid, levels: 1, sizePerLevel: '-1' });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof BotConfigError);
      assert.deepEqual(e.issues.map((i) => i.field).sort(), ['levels', 'sizePerLevel']);
    }
  });

  test('accepts numbers or strings and fills defaults', () => {
    const g = parseBotConfig('grid', { ...grid, lower: 95000, sizePerLevel: 0.001 });
    assert.equal(g.lower, '95000');
    assert.equal(g.sizePerLevel, '0.001');
    assert.equal(g.mode, 'arithmetic');
    assert.equal(g.id, 'gridBTCUSDT');
    assert.equal(g.buyMissingBase, undefined, 'no purchase unless asked for');
    const gb = parseBotConfig('grid', { ...grid, buyMissingBase: true, buySlippagePct: 1 });
    assert.equal(gb.buySlippagePct, '1');
    const d = parseBotConfig('dca', { ...dca, safetyOrders: { count: 2, dropPct: '2' } });
    assert.equal(d.orderType, 'market');
    assert.equal(d.safetyOrders?.sizeMultiplier, '1');
    const tr = parseBotConfig('trailing', { ...trailing, id: 'guard1' });
    assert.equal(tr.limitSlippagePct, '0.5');
    assert.equal(tr.id, 'guard1');
  });

  test('a risk section with a reporting currency and a drawdown percent is accepted as given', () => {
    const g = parseBotConfig('grid', {
      ...grid,
      instId: 'ETH-BTC',
      risk: { ccy: 'USDT', maxDrawdownPct: 12.5, startingEquity: '5000', maxDailyLoss: '100' },
    });
    assert.deepEqual(g.risk, {
      ccy: 'USDT',
      maxDrawdownPct: '12.5',
      startingEquity: '5000',
      maxDailyLoss: '100',
    });
  });
});

describe('deterministic clOrdIds', () => {
  test('bot id + zero-padded base-36 counter, valid for OKX', () => {
    assert.equal(botClOrdId('grid1', 0), 'grid100000000');
    assert.equal(botClOrdId('grid1', 35), 'grid10000000z');
    assert.equal(botClOrdId('grid1', 36), 'grid100000010');
    const longest = botClOrdId('a'.repeat(24), 36 ** 8 - 1);
    assert.equal(longest.length, 32);
    assert.ok(isValidClOrdId(longest));
    assert.throws(() => botClOrdId('grid-1', 0), /id/);
  });
});

describe('the README bot configs', () => {
  const readme = readFileSync('README.md', 'utf8');
  /** The first JSON block after a heading like **grid** (`grid.json`). */
  const block = (marker: string): unknown => {
    const at = readme.indexOf(marker);
    assert.ok(at >= 0, `README has no ${marker}`);
    const start = readme.indexOf('```json\n', at) + '```json\n'.length;
    return JSON.parse(readme.slice(start, readme.indexOf('```', start)));
  };
  const cases: [BotKind, string][] = [
    ['grid', '**grid** (`grid.json`)'],
    ['dca', '**DCA** (`dca.json`)'],
    ['trailing', '**trailing stop** (`trail.json`)'],
  ];
  for (const [kind, marker] of cases) {
    test(`the ${kind} example is a valid config`, () => {
      const c = parseBotConfig(kind, block(marker));
      assert.equal(c.kind, kind);
    });
  }
  test('the grid example shows the start-up purchase', () => {
    assert.equal(parseBotConfig('grid', block('**grid** (`grid.json`)')).buyMissingBase, true);
  });
});
