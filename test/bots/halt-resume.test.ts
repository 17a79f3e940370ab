import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OkxClient } from '../../src/client/okx-client.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { runBot } from '../../src/bots/run-bot.js';
import type { BotEvent, BotRunner } from '../../src/bots/runner.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { systemClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { tempDir } from './helpers.js';

// Issue 10 item 2: after `okxkit kill` then `okxkit resume`, a grid bot rebuilds its ladder,
// exactly once, in the running process and after a restart.

/** A 5-level grid over +-2 % of the current price (absolute prices). */
async function gridAround(client: OkxClient) {
  const last = Number((await client.market.ticker('BTC-USDT')).last);
  return parseBotConfig('grid', {
    id: 'hr1',
    instId: 'BTC-USDT',
    lower: (last * 0.98).toFixed(1),
    upper: (last * 1.02).toFixed(1),
    levels: 5,
    sizePerLevel: '0.001',
    deadManSec: 0,
  });
}

/** Events of a run, and a way to await the n-th event matching a test. */
function eventLog() {
  const events: BotEvent[] = [];
  const waiters: Array<{ pred: (e: BotEvent[]) => boolean; resolve: () => void }> = [];
  return {
    events,
    push(e: BotEvent) {
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.pred(events)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    /** Resolves once pred holds; fails (not hangs) if it never does within 30 s. */
    until(pred: (e: BotEvent[]) => boolean, what = 'event'): Promise<void> {
      if (pred(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const guard = setTimeout(
          () =>
            reject(
              new Error(
                `never happened: ${what}; events: ${events.map((e) => `${e.type}: ${e.text}`).join(' / ')}`,
              ),
            ),
          30_000,
        );
        waiters.push({ pred, resolve: () => (clearTimeout(guard), resolve()) });
      });
    },
  };
}

const count = (evs: BotEvent[], type: string, from = 0) =>
  evs.slice(from).filter((e) => e.type === type).length;

async function rig(t: TestContext) {
  // The system clock (a client's retry or rate-limit wait on a clock nobody advances would hang on
  // a loaded machine), and a market that steps once an hour: prices stand still, nothing fills.
  const clock = systemClock;
  const sim = await withSim(t, { seed: 5, tickMs: 3_600_000 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  t.after(() => client.close());
  const dir = tempDir(t);
  // like `okxkit kill --state FILE` in another process: a fresh switch on the same file each time
  const ks = () => new KillSwitch({ path: join(dir, 'kill-switch.json'), clock });
  return { clock, sim, client, dir, ks, config: await gridAround(client) };
}

function start(
  r: Awaited<ReturnType<typeof rig>>,
  log: ReturnType<typeof eventLog>,
): { runner: Promise<BotRunner>; stop: () => Promise<unknown> } {
  const ac = new AbortController();
  let started!: (b: BotRunner) => void;
  const runner = new Promise<BotRunner>((res) => (started = res));
  const done = runBot({
    config: r.config,
    client: r.client,
    statePath: join(r.dir, 'hr1.sqlite'),
    journalPath: join(r.dir, 'hr1.journal.sqlite'),
    signal: ac.signal,
    streams: { credentials: r.sim.credentials('trade') },
    pollMs: 20,
    reconcileMs: 200,
    killSwitch: r.ks(),
    clock: r.clock,
    onEvent: (e) => log.push(e),
    onStarted: started,
  });
  return { runner, stop: () => (ac.abort(), done) };
}

test('kill cancels the ladder, resume places it again exactly once (running bot)', async (t) => {
  const r = await rig(t);
  const log = eventLog();
  const bot = start(r, log);
  const runner = await bot.runner;
  await log.until((e) => count(e, 'placed') === 4); // 5 levels, the one nearest the price empty
  assert.equal(runner.status().openOrders, 4);

  r.ks().engage({ why: 'operator kill', by: 'test' });
  await log.until((e) => count(e, 'canceled') === 4);
  await runner.idle();
  assert.equal(runner.status().openOrders, 0, 'the halt cancelled every order');
  assert.match(runner.status().halted ?? '', /operator kill/);
  assert.equal((await r.client.trade.ordersPending({ instId: 'BTC-USDT' })).length, 0);

  const before = log.events.length;
  r.ks().release({ why: 'all clear', by: 'test' });
  await log.until((e) => count(e, 'placed', before) === 4);
  await runner.idle();
  // one more reconcile pass places nothing more: exactly once
  await runner.reconcile();
  assert.equal(count(log.events, 'placed', before), 4);
  assert.equal((await r.client.trade.ordersPending({ instId: 'BTC-USDT' })).length, 4);
  assert.equal(runner.status().openOrders, 4);
  assert.equal(runner.status().halted, '');
  await bot.stop();
});

test('a bot restarted after kill + resume rebuilds its ladder exactly once', async (t) => {
  const r = await rig(t);
  const log1 = eventLog();
  const first = start(r, log1);
  const runner1 = await first.runner;
  await log1.until((e) => count(e, 'placed') === 4);
  r.ks().engage({ why: 'operator kill', by: 'test' });
  await log1.until((e) => count(e, 'canceled') === 4);
  await runner1.idle();
  await first.stop();
  r.ks().release({ why: 'all clear', by: 'test' });

  const log2 = eventLog();
  const second = start(r, log2);
  const runner2 = await second.runner;
  await log2.until((e) => count(e, 'placed') === 4);
  await runner2.reconcile();
  assert.equal(count(log2.events, 'placed'), 4);
  assert.equal((await r.client.trade.ordersPending({ instId: 'BTC-USDT' })).length, 4);
  await second.stop();
});
