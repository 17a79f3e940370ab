import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTradingStack } from '../../src/bots/session.js';
import { isBotClOrdId } from '../../src/bots/cl-ord-id.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { openRedisKillStore } from '../../src/cluster/kill-store.js';
import { openRedisRiskScope } from '../../src/cluster/risk-scope.js';
import { KillSwitch, killScopeFor } from '../../src/trading/kill-switch.js';
import { D } from '../../src/util/decimal.js';
import { withRedis } from '../helpers/redis.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

// Two bots in two trading stacks on one account of the local exchange, sharing Redis. The exchange
// tells every stack of every order of the account: each must add only its own bot's to the scope,
// or the account's totals would count each fill twice.
test('two trading stacks on one account: each adds its own bot orders to the scope, the account totals count each fill once', async (t) => {
  const redis = await withRedis(t);
  const sim = await withSim(t);
  const credentials = sim.credentials('trade');
  const account = killScopeFor({ baseUrl: sim.restUrl, apiKey: credentials.apiKey });
  const stacks = [];
  for (const bot of ['botA', 'botB']) {
    const client = new OkxClient({ baseUrl: sim.restUrl, credentials });
    const store = await openRedisKillStore(redis.url);
    const scope = await openRedisRiskScope(redis.url, { account, member: bot });
    const stack = await openTradingStack({
      client,
      journalPath: ':memory:',
      ws: false,
      pollMs: 100,
      reconcileMs: 100,
      deadMan: false,
      killSwitch: new KillSwitch({ scope: account, store }),
      risk: { maxExposure: '1000000' },
      riskScope: scope,
      ownsOrder: (o) => isBotClOrdId(bot, o.clOrdId),
    });
    t.after(async () => {
      await stack.close();
      await client.close();
      await store.close();
      await scope.close();
    });
    stacks.push({ bot, stack, scope });
  }
  const [a, b] = stacks as [(typeof stacks)[0], (typeof stacks)[0]];
  const buy = (bot: string, sz: string) =>
    ({
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'market',
      tgtCcy: 'base_ccy',
      tdMode: 'cash',
      sz,
      clOrdId: `${bot}00000001`,
    }) as const;
  await a.stack.port.placeOrder(buy('botA', '0.01'));
  await b.stack.port.placeOrder(buy('botB', '0.02'));
  await until(
    () =>
      a.stack.risk.snapshot().positions['BTC-USDT'] !== undefined &&
      b.stack.risk.snapshot().positions['BTC-USDT'] !== undefined,
    20_000,
    'both fills booked',
  );
  // Each books its own bot's fill only (the fee in BTC comes off the position).
  const posA = Number(a.stack.risk.snapshot().positions['BTC-USDT']);
  const posB = Number(b.stack.risk.snapshot().positions['BTC-USDT']);
  assert.ok(posA > 0.0099 && posA <= 0.01, `botA holds ${posA}`);
  assert.ok(posB > 0.0199 && posB <= 0.02, `botB holds ${posB}`);
  // The account: the sum, each fill once.
  await a.stack.risk.syncShared();
  const v = a.stack.risk.snapshot().shared!.view!;
  assert.equal(
    v.positions['BTC-USDT'],
    new D(a.stack.risk.snapshot().positions['BTC-USDT']!)
      .plus(b.stack.risk.snapshot().positions['BTC-USDT']!)
      .toFixed(),
  );
  assert.equal(v.runs, 2);
  assert.match(
    a.stack.hooks.riskHeadroom!() ?? '',
    /account: daily pnl -?[\d.]+ USDT over 2 runs, exposure [\d.]+ USDT/,
  );
  // Closing a stack with a position keeps its exposure on the account (it is still held).
  await a.stack.close();
  const runs = await b.scope.runs();
  assert.deepEqual(runs.map((r) => r.run).sort(), [a.scope.run, b.scope.run].sort());
});
