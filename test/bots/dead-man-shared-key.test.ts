import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { TestClock } from '../../src/util/clock.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { DeadMansSwitch } from '../../src/trading/dead-mans-switch.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { ValidationError } from '../../src/util/errors.js';
import { botOrderTag } from '../../src/bots/cl-ord-id.js';
import { parseBotConfig } from '../../src/bots/config.js';
import { runBot } from '../../src/bots/run-bot.js';
import type { BotRunner } from '../../src/bots/runner.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';

/**
 * Several bots on one API key, each with its own cancel-all-after (docs/OKX-PROTOCOL.md §7.4): a
 * bot tags every order it places and keeps a tag-level timer for that tag, so one bot's heartbeat,
 * clean stop or death never decides the fate of another bot's orders. Everything runs on the
 * local exchange; the sim, the clients and the switches share one TestClock that the test moves a
 * second at a time, waiting for each heartbeat's request to come back.
 */
interface Rig {
  clock: TestClock;
  sim: Simulator;
  observer: OkxClient;
  px: string;
  bot(tag: string): Promise<TradingStack>;
}

async function rig(t: TestContext): Promise<Rig> {
  const undo: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const clock = new TestClock(Date.UTC(2026, 5, 1));
  const sim = await withSim({ after: (fn) => void undo.push(fn) }, { seed: 21, clock, tickMs: 5 });
  const client = () => {
    const c = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
    undo.push(() => c.close());
    return c;
  };
  const observer = client();
  const last = Number((await observer.market.ticker('BTC-USDT')).last);
  return {
    clock,
    sim,
    observer,
    // Far below the market: the orders rest until something cancels them.
    px: (last * 0.9).toFixed(1),
    async bot(tag) {
      const stack = await openTradingStack({
        client: client(),
        journalPath: ':memory:',
        clock,
        ws: false,
        pollMs: 600_000,
        tag,
        deadMan: { timeOutSec: 10, heartbeatMs: 1000 },
      });
      undo.push(() => cleanStop(clock, stack));
      return stack;
    },
  };
}

/**
 * A clean stop: heartbeats end, then a second later (the endpoint's 1 request/s per tag) the
 * switch is disarmed and the stack closed; stopping twice is harmless.
 */
async function cleanStop(clock: TestClock, stack: TradingStack): Promise<void> {
  await stack.deadMan?.halt();
  await clock.advanceAsync(1000);
  await stack.close();
}

async function placeOne(r: Rig, stack: TradingStack, clOrdId: string): Promise<void> {
  await stack.port.placeOrder({
    instId: 'BTC-USDT',
    side: 'buy',
    ordType: 'limit',
    px: r.px,
    sz: '0.001',
    clOrdId,
  });
}

/** clOrdId -> state of the key's orders, read by a third client. */
async function states(r: Rig, ...clOrdIds: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of clOrdIds) {
    const o = await r.observer.trade.getOrder({ instId: 'BTC-USDT', clOrdId: id });
    out[id] = String(o.state);
  }
  return out;
}

/** Moves the clock one second at a time; each live switch's heartbeat is seen through before the next step. */
async function beatFor(r: Rig, seconds: number, live: TradingStack[]): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    const before = live.map((s) => s.deadMan!.beats);
    await r.clock.advanceAsync(1000);
    await until(() => live.every((s, k) => s.deadMan!.beats > before[k]!), 'the live bots beat');
  }
  r.sim.tick();
}

describe("dead-man's switch: several bots on one key", { timeout: 60_000 }, () => {
  test('every order a bot places carries its tag; an intent with another tag is refused', async (t) => {
    const r = await rig(t);
    const a = await r.bot('botA');
    await placeOne(r, a, 'botA1');
    const o = await r.observer.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'botA1' });
    assert.equal(o.tag, 'botA');
    await assert.rejects(
      a.port.placeOrder({
        instId: 'BTC-USDT',
        side: 'buy',
        ordType: 'limit',
        px: r.px,
        sz: '0.001',
        clOrdId: 'botA2',
        tag: 'other',
      }),
      (e: unknown) => e instanceof ValidationError && e.field === 'tag',
    );
  });

  test("one bot stops cleanly: the other's orders are still canceled when it stops beating", async (t) => {
    const r = await rig(t);
    const a = await r.bot('botA');
    const b = await r.bot('botB');
    await placeOne(r, a, 'botA1');
    await placeOne(r, b, 'botB1');
    await beatFor(r, 2, [a, b]);
    // B hangs (no more heartbeats, no clean stop), then A stops cleanly (its switch disarmed).
    await b.deadMan!.halt();
    await cleanStop(r.clock, a);
    await beatFor(r, 11, []);
    assert.deepEqual(await states(r, 'botA1', 'botB1'), { botA1: 'live', botB1: 'canceled' });
  });

  test("one bot dies while the other lives: the dead bot's orders are canceled, the live bot's are not", async (t) => {
    const r = await rig(t);
    const a = await r.bot('botA');
    const b = await r.bot('botB');
    await placeOne(r, a, 'botA1');
    await placeOne(r, b, 'botB1');
    await placeOne(r, b, 'botB2');
    await beatFor(r, 2, [a, b]);
    await a.deadMan!.halt(); // A's process is gone
    await beatFor(r, 12, [b]);
    assert.deepEqual(await states(r, 'botA1', 'botB1', 'botB2'), {
      botA1: 'canceled',
      botB1: 'live',
      botB2: 'live',
    });
    // And B's timer is its own: when B dies too, its orders go.
    await b.deadMan!.halt();
    await beatFor(r, 11, []);
    assert.deepEqual(await states(r, 'botB1', 'botB2'), { botB1: 'canceled', botB2: 'canceled' });
  });

  test('a 21st tag-level switch on one account is refused (51071): that bot does not trade unarmed', async (t) => {
    const r = await rig(t);
    const c = new OkxClient({
      baseUrl: r.sim.restUrl,
      credentials: r.sim.credentials('trade'),
      clock: r.clock,
    });
    t.after(() => c.close());
    const switches = Array.from(
      { length: 20 },
      (_, i) => new DeadMansSwitch({ api: c.trade, clock: r.clock, timeOutSec: 60, tag: `bot${i}` }),
    );
    for (const s of switches) await s.start();
    await assert.rejects(r.bot('bot20'), (e: unknown) => (e as { code?: string }).code === '51071');
    // One bot stopping frees its timer for another.
    await switches[0]!.halt();
    await r.clock.advanceAsync(1000);
    await switches[0]!.stop();
    const late = await r.bot('bot20');
    assert.equal(late.deadMan!.armed, true);
    for (const s of switches.slice(1)) await s.halt();
  });

  test("runBot: a bot's orders carry the tag from its id; its clean stop disarms that tag only", async (t) => {
    const r = await rig(t);
    const client = new OkxClient({
      baseUrl: r.sim.restUrl,
      credentials: r.sim.credentials('trade'),
      clock: r.clock,
    });
    t.after(() => client.close());
    const caa: { timeOut: string; tag?: string }[] = [];
    const send = client.trade.cancelAllAfter.bind(client.trade);
    client.trade.cancelAllAfter = (req) => (caa.push(req), send(req));
    const id = 'gridEthereumLadder01';
    const tag = botOrderTag(id);
    assert.match(tag, /^gridEthere[a-z0-9]{6}$/);
    const mid = Number(r.px) / 0.9;
    const ac = new AbortController();
    t.after(() => ac.abort());
    let onStarted!: () => void;
    let runner: BotRunner | undefined;
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const run = runBot({
      onStarted: (r) => {
        runner = r;
        onStarted();
      },
      config: parseBotConfig('grid', {
        id,
        instId: 'BTC-USDT',
        levels: 4,
        sizePerLevel: '0.001',
        lower: (mid * 0.9).toFixed(1),
        upper: (mid * 0.95).toFixed(1),
        deadManSec: 10,
      }),
      client,
      statePath: ':memory:',
      journalPath: ':memory:',
      streams: false,
      clock: r.clock,
      signal: ac.signal,
    });
    const pending = async () =>
      (await r.observer.trade.ordersPending({ instType: 'SPOT' })).filter((o) =>
        String(o.clOrdId).startsWith(id),
      );
    await started;
    const ladder = await pending();
    assert.ok(ladder.length >= 3, `the ladder is on the book (${ladder.length} orders)`);
    assert.deepEqual(new Set(ladder.map((o) => o.tag)), new Set([tag]));
    // The status the dashboard shows lists the same orders (side, px, sz).
    const listed = runner!.status().openOrderList!.map((o) => `${o.side} ${Number(o.px)} ${Number(o.sz)}`);
    assert.deepEqual(listed.sort(), ladder.map((o) => `${o.side} ${Number(o.px)} ${Number(o.sz)}`).sort());
    await r.clock.advanceAsync(1000);
    ac.abort();
    await run;
    assert.deepEqual(caa, [
      { timeOut: '10', tag },
      { timeOut: '0', tag },
    ]);
  });
});
