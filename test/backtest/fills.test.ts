import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { candlesFromRows } from '../../src/backtest/candles.js';
import { runBacktest } from '../../src/backtest/engine.js';
import type { BacktestExchangeOptions, BacktestInstrument } from '../../src/backtest/exchange.js';
import type { OrderIntent } from '../../src/trading/exchange-port.js';
import { MIN, SPOT, SWAP, T0, scripted } from './helpers.js';

type Row = [number, number, number, number, number, number];
interface Case {
  name: string;
  inst?: BacktestInstrument;
  bar?: string;
  opts?: Partial<BacktestExchangeOptions>;
  balances: Record<string, string>;
  candles: Row[];
  intents: Omit<OrderIntent, 'clOrdId' | 'instId'>[];
  /** ts, side, px, sz, fee (charged, positive), feeCcy, maker */
  fills: [number, 'buy' | 'sell', number, number, number, string, boolean][];
  /** Equity per currency at the end. */
  end: Record<string, number>;
  fundingPaid?: number;
}

const fees = { maker: 0.001, taker: 0.002 };
const buy1at100: Case['intents'] = [{ side: 'buy', ordType: 'limit', px: '100', sz: '1' }];

// Every figure below is worked out by hand from the candle path (open, the extreme nearer the
// open, the other extreme, close at 0, 20, 40 and 59.999 s of a 1-minute bar), the fee rates
// (maker 0.1 %, taker 0.2 % unless stated), the 0.1 tick and the 0.0001 lot.
const CASES: Case[] = [
  {
    name: 'a resting limit buy fills at its own price, as maker, when the low trades through it; the fee is charged in base',
    balances: { USDT: '1000' },
    candles: [[T0, 101, 102, 99.9, 101.5, 50]],
    intents: buy1at100,
    fills: [[T0 + 20_000, 'buy', 100, 1, 0.001, 'BTC', true]],
    end: { USDT: 900, BTC: 0.999 },
  },
  {
    name: 'a low that only touches the limit does not fill it (fill mode "through")',
    balances: { USDT: '1000' },
    candles: [[T0, 101, 102, 100, 101.5, 50]],
    intents: buy1at100,
    fills: [],
    end: { USDT: 1000 },
  },
  {
    name: 'fill mode "touch" fills at the touch',
    opts: { fillMode: 'touch' },
    balances: { USDT: '1000' },
    candles: [[T0, 101, 102, 100, 101.5, 50]],
    intents: buy1at100,
    fills: [[T0 + 20_000, 'buy', 100, 1, 0.001, 'BTC', true]],
    end: { USDT: 900, BTC: 0.999 },
  },
  {
    name: 'fill mode "queue": 15 ahead, 10 traded per touch: the second touch fills it',
    opts: { fillMode: 'queue', queueAhead: 15 },
    balances: { USDT: '1000' },
    candles: [
      [T0, 101, 102, 100, 101.5, 40],
      [T0 + MIN, 101, 102, 100, 101.5, 40],
    ],
    intents: buy1at100,
    fills: [[T0 + MIN + 20_000, 'buy', 100, 1, 0.001, 'BTC', true]],
    end: { USDT: 900, BTC: 0.999 },
  },
  {
    name: 'participation 25 % of a 2 BTC candle: two partial fills of 0.5',
    opts: { participation: 0.25 },
    balances: { USDT: '1000' },
    candles: [
      [T0, 101, 102, 99, 101.5, 2],
      [T0 + MIN, 101, 102, 99, 101.5, 2],
    ],
    intents: buy1at100,
    fills: [
      [T0 + 20_000, 'buy', 100, 0.5, 0.0005, 'BTC', true],
      [T0 + MIN + 20_000, 'buy', 100, 0.5, 0.0005, 'BTC', true],
    ],
    end: { USDT: 900, BTC: 0.999 },
  },
  {
    name: 'a market buy of 100 USDT pays the ask (20 bp spread: 100.1) and rounds down to the lot',
    opts: { spreadBps: 20 },
    balances: { USDT: '1000' },
    candles: [[T0, 100, 101, 99.5, 100.5, 1e9]],
    intents: [{ side: 'buy', ordType: 'market', sz: '100', tgtCcy: 'quote_ccy' }],
    // 100 / 100.1 = 0.99900.. -> 0.999 BTC for 99.9999 USDT; fee 0.2 % of 0.999 BTC
    fills: [[T0, 'buy', 100.1, 0.999, 0.001998, 'BTC', false]],
    end: { USDT: 900.0001, BTC: 0.997002 },
  },
  {
    name: 'a market sell of 1 BTC in a 10 BTC candle: bid 99.9 less 1 % impact; the fee is charged in quote',
    opts: { spreadBps: 20, impact: 0.1 },
    balances: { BTC: '1' },
    candles: [[T0, 100, 101, 99.5, 100.5, 10]],
    intents: [{ side: 'sell', ordType: 'market', sz: '1', tgtCcy: 'base_ccy' }],
    // 99.9 x 0.99 = 98.901; fee 0.2 % x 98.901 = 0.197802
    fills: [[T0, 'sell', 98.901, 1, 0.197802, 'USDT', false]],
    end: { USDT: 98.703198, BTC: 0 },
  },
  {
    name: 'latency 30 s: a market buy decided at the open arrives after the high (110) of a falling candle',
    opts: { latencyMs: 30_000, spreadBps: 0 },
    balances: { USDT: '1000' },
    candles: [[T0, 100, 110, 90, 95, 1e9]],
    intents: [{ side: 'buy', ordType: 'market', sz: '100', tgtCcy: 'quote_ccy' }],
    // 100 / 110 -> 0.909 BTC for 99.99 USDT
    fills: [[T0 + 30_000, 'buy', 110, 0.909, 0.001818, 'BTC', false]],
    end: { USDT: 900.01, BTC: 0.907182 },
  },
  {
    name: 'a resting limit sell fills when the high trades through it',
    balances: { BTC: '1' },
    candles: [[T0, 100, 111, 99, 105, 50]],
    intents: [{ side: 'sell', ordType: 'limit', px: '110', sz: '1' }],
    fills: [[T0 + 40_000, 'sell', 110, 1, 0.11, 'USDT', true]],
    end: { USDT: 109.89, BTC: 0 },
  },
  {
    name: 'a limit buy above the market takes the ask as taker, not its own limit',
    opts: { spreadBps: 0 },
    balances: { USDT: '1000' },
    candles: [[T0, 100, 101, 99.5, 100.5, 1e9]],
    intents: [{ side: 'buy', ordType: 'limit', px: '105', sz: '1' }],
    fills: [[T0, 'buy', 100, 1, 0.002, 'BTC', false]],
    end: { USDT: 900, BTC: 0.998 },
  },
  {
    name: 'a post-only buy that would take is canceled, an IOC below the market too; nothing moves',
    opts: { spreadBps: 0 },
    balances: { USDT: '1000' },
    candles: [[T0, 100, 101, 99.5, 100.5, 50]],
    intents: [
      { side: 'buy', ordType: 'post_only', px: '105', sz: '1' },
      { side: 'buy', ordType: 'ioc', px: '90', sz: '1' },
    ],
    fills: [],
    end: { USDT: 1000 },
  },
  {
    name: 'a swap long of 10 contracts (0.01 BTC each) pays the taker fee and 1 % funding at 08:00 UTC',
    inst: SWAP,
    bar: '4H',
    opts: { spreadBps: 0, fees: { maker: 0.0002, taker: 0.0005 }, fundingRate: 0.01 },
    balances: { USDT: '1000' },
    candles: [
      [T0, 100, 101, 99, 100, 1e9],
      [T0 + 4 * 3_600_000, 100, 101, 99, 100, 1e9],
      [T0 + 8 * 3_600_000, 100, 101, 99, 100, 1e9],
    ],
    intents: [{ side: 'buy', ordType: 'market', sz: '10', tgtCcy: 'base_ccy' }],
    // notional 10 x 0.01 x 100 = 10 USDT: fee 0.005; funding 10 x 1 % = 0.1
    fills: [[T0, 'buy', 100, 10, 0.005, 'USDT', false]],
    end: { USDT: 999.895 },
    fundingPaid: 0.1,
  },
];

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

describe('BacktestExchange fills, fees and balances (hand-computed cases)', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const inst = c.inst ?? SPOT;
      const r = runBacktest({
        instrument: inst,
        balances: c.balances,
        fees,
        spreadBps: 0,
        impact: 0,
        ...c.opts,
        candles: candlesFromRows(inst.instId, c.bar ?? '1m', c.candles),
        strategy: scripted(inst.instId, c.intents),
      });
      assert.equal(r.errors.length, 0, r.errors.join('; '));
      assert.equal(r.fills.length, c.fills.length, `fills: ${JSON.stringify(r.fills)}`);
      c.fills.forEach(([ts, side, px, sz, fee, feeCcy, maker], i) => {
        const f = r.fills[i]!;
        assert.equal(f.ts, ts, `fill ${i} time`);
        assert.equal(f.side, side);
        close(f.px, px, `fill ${i} px`);
        close(f.sz, sz, `fill ${i} sz`);
        close(f.fee, fee, `fill ${i} fee`);
        assert.equal(f.feeCcy, feeCcy, `fill ${i} fee currency`);
        assert.equal(f.maker, maker, `fill ${i} maker`);
      });
      const eq = Object.fromEntries(r.finalBalances.map((b) => [b.ccy, Number(b.eq)]));
      for (const [ccy, v] of Object.entries(c.end)) close(eq[ccy] ?? 0, v, `${ccy} at the end`);
      close(r.fundingPaid, c.fundingPaid ?? 0, 'funding paid');
    });
  }
});
