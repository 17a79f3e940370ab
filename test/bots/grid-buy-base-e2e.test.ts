import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { BotRunner } from '../../src/bots/runner.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { BotStateStore } from '../../src/bots/state-store.js';
import type { GridState } from '../../src/bots/strategies/grid.js';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { tempDir } from './helpers.js';

/** One turn of the event loop: socket data already received is handled before it ends. */
const turn = () => new Promise((r) => setImmediate(r));

describe('grid buys its missing base on the local exchange (end to end)', () => {
  test(
    'one IOC purchase through the guard and journal, the ladder, fees per currency as the exchange charged them, and a restart that buys nothing',
    { timeout: 30_000 },
    async (t) => {
      const undo: (() => unknown)[] = [];
      t.after(async () => {
        for (const fn of undo.reverse()) await fn();
      });
      const clock = new ManualClock(Date.UTC(2026, 5, 1));
      // An account with quote only: every sell of the ladder needs base bought first.
      const sim = await withSim(
        { after: (fn) => void undo.push(fn) },
        {
          seed: 11,
          clock,
          tickMs: 5,
          config: { accounts: { main: { balances: { USDT: '100000', BTC: '0' } } } },
        },
      );
      const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
      undo.push(() => client.close());
      const dir = tempDir(t);
      const stackFor = async (): Promise<TradingStack> => {
        const s = await openTradingStack({
          client,
          journalPath: join(dir, 'journal.sqlite'),
          clock,
          pollMs: 10,
          deadMan: false,
        });
        undo.push(() => s.close());
        return s;
      };
      const stack1 = await stackFor();
      const last = Number((await stack1.exchange.ticker('BTC-USDT')).last);
      const config = parseBotConfig('grid', {
        id: 'e2ebuy',
        instId: 'BTC-USDT',
        lower: (last * 0.99).toFixed(1),
        upper: (last * 1.01).toFixed(1),
        levels: 8,
        sizePerLevel: '0.01',
        buyMissingBase: true,
        deadManSec: 0,
      });
      const orders = async () => {
        const pending = await client.trade.ordersPending({ instType: 'SPOT', instId: 'BTC-USDT' });
        const history = await client.trade.ordersHistory({ instType: 'SPOT', instId: 'BTC-USDT' });
        return [...pending, ...history].filter((o) => o.clOrdId.startsWith('e2ebuy'));
      };

      const s1 = new BotStateStore(join(dir, 'bots.sqlite'));
      const r1 = new BotRunner({ port: stack1.port, store: s1, config, hooks: stack1.hooks });
      undo.push(() => r1.stop());
      await r1.start();
      const state = s1.load('e2ebuy')!.state as GridState;
      const sellLevels = state.prices.length - 1 - (state.startLevel ?? 0);
      const buys = (await orders()).filter((o) => o.ordType === 'ioc');
      assert.equal(buys.length, 1, 'one purchase');
      assert.equal(buys[0]!.side, 'buy');
      assert.equal(
        buys[0]!.clOrdId,
        'e2ebuy00000000',
        'the first intent of the bot, journaled before it was sent',
      );
      assert.ok(new Decimal(buys[0]!.accFillSz).gt(0));
      assert.equal(buys[0]!.feeCcy, 'BTC', 'a spot buy pays its fee in base');
      const live = (await orders()).filter((o) => o.state === 'live');
      assert.equal(live.filter((o) => o.side === 'sell').length, sellLevels, 'every sell level is funded');
      assert.equal(live.length, state.prices.length - 1);
      // What the purchase delivered covers the sells: 0.01 BTC each.
      const btc = (await stack1.exchange.balances()).find((b) => b.ccy === 'BTC')!;
      assert.ok(new Decimal(btc.eq).gte(new Decimal('0.01').mul(sellLevels)), `BTC ${btc.eq}`);

      // Trade a while: the fee totals match the exchange's own fills, per currency.
      for (let i = 0; i < 300 && r1.status().fills < 3; i++) {
        clock.advance(5_000);
        await turn();
        if (i % 5 === 4) await r1.reconcile();
      }
      await r1.reconcile();
      await r1.idle();
      const st = r1.status();
      assert.ok(st.fills >= 2, `fills ${st.fills}`);
      await r1.stop();
      // The runner counts an order's fee when the order is finished: compare those orders' fills.
      const finished = new Set(
        s1
          .intents('e2ebuy')
          .filter((i) => i.status === 'filled' || i.status === 'canceled')
          .map((i) => i.clOrdId),
      );
      const want: Record<string, Decimal> = {};
      for (const f of await stack1.exchange.fills('BTC-USDT')) {
        if (!finished.has(f.clOrdId) || !f.fee) continue;
        want[f.feeCcy] = (want[f.feeCcy] ?? new Decimal(0)).minus(f.fee);
      }
      const summary = r1.status();
      assert.deepEqual(
        Object.fromEntries(Object.entries(summary.feesByCcy).map(([k, v]) => [k, new Decimal(v).toFixed()])),
        Object.fromEntries(Object.entries(want).map(([k, v]) => [k, v.toFixed()])),
      );
      assert.ok(new Decimal(summary.feesByCcy.BTC ?? '0').gt(0), 'buy fees in BTC');
      s1.close();
      const before = await orders();

      // Restart on the same state: nothing is bought or placed again.
      const stack2 = await stackFor();
      const s2 = new BotStateStore(join(dir, 'bots.sqlite'));
      undo.push(() => s2.close());
      const r2 = new BotRunner({ port: stack2.port, store: s2, config, hooks: stack2.hooks });
      undo.push(() => r2.stop());
      await r2.start();
      const after = await orders();
      assert.equal(after.length, before.length, 'no order placed on restart');
      assert.equal(after.filter((o) => o.ordType === 'ioc').length, 1, 'still one purchase');
      assert.equal(r2.status().openOrders, after.filter((o) => o.state === 'live').length);
      assert.equal(r2.status().feesPaid, summary.feesPaid);
      await r2.stop();
    },
  );
});
