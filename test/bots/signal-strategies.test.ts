import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { checkKeyBeforeTrading } from '../../src/security/doctor.js';
import { ManualClock } from '../../src/util/clock.js';
import { parseBotConfig, BotConfigError } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { openTradingStack } from '../../src/bots/session.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import {
  BollingerStrategy,
  EmaCrossStrategy,
  MomentumStrategy,
  type SignalState,
} from '../../src/bots/strategies/signal.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

describe('signal strategies', () => {
  test('EMA cross: enters on the bar the fast EMA crosses above the slow one, exits on the cross below', () => {
    const s = new EmaCrossStrategy(
      parseBotConfig('ema-cross', { instId: 'BTC-USDT', quoteAmount: '100', fast: 2, slow: 3 }) as never,
    );
    // EMA(2) and EMA(3) of a fall then a rise: they cross up at the last close.
    assert.equal(s.signal([10, 9, 8, 7, 6]), null);
    assert.equal(s.signal([10, 9, 8, 7, 10]), 'enter'); // EMA2 7.5 -> 9.17, EMA3 8 -> 9
    assert.equal(s.signal([1, 2, 3, 4, 1]), 'exit'); // EMA2 3.5 -> 1.83, EMA3 3 -> 2
  });

  test('Bollinger: a close below the lower band enters, back at the middle band exits', () => {
    const s = new BollingerStrategy(
      parseBotConfig('bollinger', { instId: 'BTC-USDT', quoteAmount: '100', period: 4, k: 1 }) as never,
    );
    // 10, 10, 10, 7: mean 9.25, sd 1.299: lower band 7.95 > 7
    assert.equal(s.signal([10, 10, 10, 7], false), 'enter');
    assert.equal(s.signal([10, 10, 10, 7], true), null);
    assert.equal(s.signal([7, 8, 9, 10], true), 'exit');
  });

  test('momentum: more than thresholdPct over the period enters, a negative change exits', () => {
    const s = new MomentumStrategy(
      parseBotConfig('momentum', {
        instId: 'BTC-USDT',
        quoteAmount: '100',
        period: 2,
        thresholdPct: 1,
      }) as never,
    );
    assert.equal(s.signal([100, 100, 101.5], false), 'enter');
    assert.equal(s.signal([100, 100, 100.5], false), null);
    assert.equal(s.signal([100, 100, 99], true), 'exit');
  });

  test('a config with fast >= slow is refused, naming the field', () => {
    assert.throws(
      () => parseBotConfig('ema-cross', { instId: 'BTC-USDT', quoteAmount: '100', fast: 30, slow: 26 }),
      (e: unknown) => e instanceof BotConfigError && e.issues[0]!.field === 'fast',
    );
  });

  test(
    'momentum runs unchanged on the local exchange through the bot runner and the trading stack',
    { timeout: 60_000 },
    async (t) => {
      const undo: (() => unknown)[] = [];
      t.after(async () => {
        for (const fn of undo.reverse()) await fn();
      });
      const clock = new ManualClock(Date.UTC(2026, 5, 1));
      const sim = await withSim({ after: (fn) => void undo.push(fn) }, { seed: 5, clock, tickMs: 5 });
      const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
      undo.push(() => client.close());
      const stack = await openTradingStack({
        client,
        journalPath: ':memory:',
        clock,
        pollMs: 10,
        deadMan: false,
        keyCheck: () => checkKeyBeforeTrading(client, { clock, warn: () => undefined }),
      });
      undo.push(() => stack.close());
      const store = new BotStateStore(':memory:');
      undo.push(() => store.close());
      const runner = new BotRunner({
        port: stack.port,
        store,
        config: parseBotConfig('momentum', {
          id: 'mom1',
          instId: 'BTC-USDT',
          quoteAmount: '50',
          barSec: 5,
          period: 1,
          thresholdPct: 0,
          deadManSec: 0,
        }),
        hooks: stack.hooks,
      });
      undo.push(() => runner.stop());
      await runner.start();
      const state = () => (runner as unknown as { row: { state: SignalState } }).row.state;
      for (let i = 0; i < 400 && state().exits < 1; i++) {
        clock.advance(5_000);
        sim.tick();
        // The price poll the advance fired is a REST round trip: wait until the runner holds the
        // price the exchange now shows, instead of sleeping.
        await until(
          () => runner.status().price === sim.market.last('BTC-USDT'),
          'the runner to see the price after the tick',
        );
        await runner.reconcile();
        await runner.idle();
      }
      const s = state();
      assert.ok(s.entries >= 1 && s.exits >= 1, `entries ${s.entries}, exits ${s.exits}`);
      const fills = await stack.exchange.fills('BTC-USDT');
      assert.ok(fills.some((f) => f.clOrdId.startsWith('mom1') && f.side === 'buy'));
      assert.ok(fills.some((f) => f.clOrdId.startsWith('mom1') && f.side === 'sell'));
    },
  );
});
