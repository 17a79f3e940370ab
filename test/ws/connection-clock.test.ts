import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClock } from '../../src/util/clock.js';
import { WsConnection } from '../../src/ws/connection.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { FakeOkx, until } from './helpers/fake-okx.js';

// WsConnection's timers run on its clock: with a TestClock, the heartbeat and the reconnect
// backoff happen when the test advances the clock, not after real time passes.

test('heartbeat on a TestClock: the text ping goes out when the clock reaches pingIntervalMs, not before', async (t) => {
  const f = await new FakeOkx().start();
  t.after(() => f.close());
  const clock = new TestClock(Date.now());
  const conn = new WsConnection({
    url: f.urls.wsPublic,
    endpoint: 'public',
    clock,
    pingIntervalMs: 20_000,
    connectLimiter: new ConnectLimiter(1000),
  });
  t.after(() => conn.close());
  await conn.connect();
  clock.advance(19_999);
  // a round trip the fake answers proves anything sent before it has arrived
  conn.subscribe([{ channel: 'tickers', instId: 'BTC-USDT' }]).catch(() => undefined);
  await until(() => f.ops('public', 'subscribe').length === 1, 'the subscribe');
  assert.equal(f.ops('public', 'ping').length, 0, 'no ping before the interval');
  clock.advance(20_000); // the subscribe's ack re-armed the timer: a full interval of silence
  await until(() => f.ops('public', 'ping').length === 1, 'the ping');
});

test('reconnect backoff on a TestClock: after a drop the new socket opens once the clock passes the delay', async (t) => {
  const f = await new FakeOkx().start();
  t.after(() => f.close());
  const clock = new TestClock(Date.now());
  let reconnecting: number | undefined;
  const conn = new WsConnection({
    url: f.urls.wsPublic,
    endpoint: 'public',
    clock,
    random: () => 0.999,
    backoff: { baseMs: 5_000, maxMs: 5_000 },
    connectLimiter: new ConnectLimiter(1000),
  });
  conn.on('reconnecting', (i) => (reconnecting = i.delayMs));
  t.after(() => conn.close());
  await conn.connect();
  f.dropAll();
  await until(() => reconnecting !== undefined, 'the reconnect announced');
  assert.ok(reconnecting! > 4_000, `delay ${reconnecting}`);
  assert.equal(f.connections('public'), 1, 'no new socket while the clock stands still');
  await clock.advanceAsync(reconnecting!);
  await conn.whenReady();
  assert.equal(f.connections('public'), 2);
});
