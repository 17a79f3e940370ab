import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type Sleep } from '../../src/util/clock.js';
import { FaultInjector } from '../../src/sim/faults.js';
import type { WsServerHandle } from '../../src/sim/contracts.js';
import { simFetch, withSim } from '../helpers/sim.js';
import { FakeMarket } from './fake-market.js';
import { get, post, T0 } from './sim-test-kit.js';

const ORDER = { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '40000', sz: '0.01' };

describe('fault injection', () => {
  test('latency: every response waits on the injected sleep', async (t) => {
    const waits: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slept!: () => void;
    const asleep = new Promise<void>((r) => (slept = r));
    const sleep: Sleep = async (ms) => {
      waits.push(ms);
      slept();
      await gate;
    };
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      market: new FakeMarket(),
      sleep,
      faults: { latencyMs: 250 },
    });
    let done = false;
    const p = fetch(`${sim.restUrl}/api/v5/public/time`).then((r) => {
      done = true;
      return r.status;
    });
    await asleep;
    assert.deepEqual(waits, [250]);
    assert.equal(done, false);
    release();
    assert.equal(await p, 200);
  });

  test('error kinds: http500 (500 50026), 50001 (503), 50013 (429); the order is not executed', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0), market: new FakeMarket() });
    const cases = [
      ['http500', 500, '50026', 'System error. Try again later'],
      ['50001', 503, '50001', 'Service temporarily unavailable. Please try again later.'],
      ['50013', 429, '50013', 'Systems are busy. Please try again later.'],
    ] as const;
    for (const [kind, status, code, msg] of cases) {
      sim.faults.set({ errorRate: 1, errorKind: kind });
      const r = await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order', {
        body: { ...ORDER, clOrdId: `e${code}` },
      });
      assert.equal(r.status, status);
      assert.deepEqual(r.json, { msg, code });
    }
    sim.faults.reset();
    assert.equal((await get(sim, 'trade', '/api/v5/trade/orders-pending')).json.data.length, 0);
    // Each injection is counted by kind (the chaos run prints these as the faults it injected).
    assert.deepEqual(sim.faults.injected, { '500 (50026)': 1, '503 (50001)': 1, '429 busy (50013)': 1 });
  });

  test('rateLimitRate: HTTP 429 50011 without executing', async (t) => {
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      market: new FakeMarket(),
      faults: { rateLimitRate: 1 },
    });
    const r = await post(sim, 'trade', '/api/v5/trade/order', ORDER);
    assert.equal(r.status, 429);
    assert.deepEqual(r.json, { msg: 'Too Many Requests', code: '50011' });
    sim.faults.set({ rateLimitRate: 0 });
    assert.equal((await get(sim, 'trade', '/api/v5/trade/orders-pending')).json.data.length, 0);
  });

  test('accept-then-timeout: the order is executed, the response never arrives; found by clOrdId', async (t) => {
    const sim = await withSim(t, {
      clock: new ManualClock(T0),
      market: new FakeMarket(),
      faults: { acceptThenTimeoutRate: 1 },
    });
    await assert.rejects(post(sim, 'trade', '/api/v5/trade/order', { ...ORDER, clOrdId: 'lost1' }));
    // Reads are not affected.
    const r = await get(sim, 'trade', '/api/v5/trade/order?instId=BTC-USDT&clOrdId=lost1');
    assert.equal(r.json.code, '0');
    assert.equal(r.json.data[0].state, 'live');
  });

  test('clock skew: server time moves, and a caller on the old time gets 50102', async (t) => {
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket() });
    sim.faults.set({ clockSkewMs: 45_000 });
    const time = await (await fetch(`${sim.restUrl}/api/v5/public/time`)).json();
    assert.deepEqual(time, { code: '0', msg: '', data: [{ ts: String(T0 + 45_000) }] });
    const r = await get(sim, 'trade', '/api/v5/account/balance');
    assert.equal(r.status, 401);
    assert.equal(r.json.code, '50102');
    // A client that synced to server time passes.
    const ok = await simFetch(sim, 'trade', 'GET', '/api/v5/account/balance', { timestampMs: T0 + 45_000 });
    assert.equal(ok.status, 200);
  });

  test('WS drops: on demand, on a schedule of the sim clock, and from the admin route', async (t) => {
    let drops = 0;
    const handle: WsServerHandle = {
      dropConnections: () => void drops++,
      connectionCount: () => 0,
      announceUpgrade: () => 0,
      tick: () => {},
      close: async () => {},
    };
    const clock = new ManualClock(T0);
    const sim = await withSim(t, { clock, market: new FakeMarket(), attachWs: () => handle });
    sim.dropWsConnections();
    assert.equal(drops, 1);
    sim.faults.set({ dropWsEveryMs: 5000 });
    clock.advance(4999);
    sim.tick();
    assert.equal(drops, 1);
    clock.advance(1);
    sim.tick();
    assert.equal(drops, 2);
    const r = await fetch(`${sim.restUrl}/sim/faults`, {
      headers: { 'x-okxkit-sim-admin': '1' },
      method: 'POST',
      body: JSON.stringify({ dropWs: true, latencyMs: 0 }),
    });
    assert.equal(r.status, 200);
    assert.equal(drops, 3);
  });

  test('WS upgrade notices: on demand, on a schedule of the sim clock, and from the admin route; every tick reaches the WS server', async (t) => {
    const notices: unknown[] = [];
    let ticks = 0;
    const handle: WsServerHandle = {
      dropConnections: () => {},
      connectionCount: () => 0,
      announceUpgrade: (opts) => {
        notices.push(opts);
        return 1;
      },
      tick: () => void ticks++,
      close: async () => {},
    };
    const clock = new ManualClock(T0);
    const sim = await withSim(t, {
      clock,
      market: new FakeMarket(),
      attachWs: () => handle,
      faults: { wsUpgradeEveryMs: 10_000 },
    });
    assert.equal(sim.announceWsUpgrade({ closeAfterMs: 5000 }), 1);
    assert.deepEqual(notices, [{ closeAfterMs: 5000 }]);
    const before = ticks;
    clock.advance(9_999);
    sim.tick();
    assert.equal(notices.length, 1);
    assert.equal(ticks, before + 1);
    clock.advance(1);
    sim.tick();
    assert.equal(notices.length, 2);
    sim.faults.set({ wsUpgradeEveryMs: 0 });
    clock.advance(60_000);
    sim.tick();
    assert.equal(notices.length, 2);
    const r = await fetch(`${sim.restUrl}/sim/faults`, {
      headers: { 'x-okxkit-sim-admin': '1' },
      method: 'POST',
      body: JSON.stringify({ wsUpgrade: true }),
    });
    assert.equal(r.status, 200);
    assert.equal(notices.length, 3);
    const body = (await r.json()) as { data: Array<{ wsUpgradeEveryMs: number }> };
    assert.equal(body.data[0]!.wsUpgradeEveryMs, 0);
  });

  test('admin route sets faults at runtime, validates its body, and reports settings', async (t) => {
    const sim = await withSim(t, { clock: new ManualClock(T0), market: new FakeMarket() });
    let r = await fetch(`${sim.restUrl}/sim/faults`, {
      headers: { 'x-okxkit-sim-admin': '1' },
      method: 'POST',
      body: JSON.stringify({ errorRate: 1, errorKind: '50001' }),
    });
    assert.equal(r.status, 200);
    assert.equal(sim.faults.settings.errorRate, 1);
    assert.equal((await fetch(`${sim.restUrl}/api/v5/public/time`)).status, 503);
    r = await fetch(`${sim.restUrl}/sim/faults`, {
      headers: { 'x-okxkit-sim-admin': '1' },
      method: 'POST',
      body: JSON.stringify({ errorRate: 2 }),
    });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as any).msg, /errorRate/);
    r = await fetch(`${sim.restUrl}/sim/faults`, {
      headers: { 'x-okxkit-sim-admin': '1' },
      method: 'POST',
      body: JSON.stringify({ reset: true }),
    });
    assert.equal(((await r.json()) as any).data[0].errorRate, 0);
    assert.equal((await fetch(`${sim.restUrl}/api/v5/public/time`)).status, 200);
  });

  test('random choices come from the seed: same seed, same faults', async (t) => {
    const pattern = async (seed: number) => {
      const sim = await withSim(t, {
        seed,
        clock: new ManualClock(T0),
        market: new FakeMarket(),
        faults: { errorRate: 0.5 },
      });
      const out: number[] = [];
      for (let i = 0; i < 10; i++) {
        sim.faults.set({}); // no-op; keeps the stream
        out.push((await fetch(`${sim.restUrl}/api/v5/market/ticker?instId=BTC-USDT`)).status);
      }
      return out.join(',');
    };
    const a = await pattern(42);
    assert.equal(await pattern(42), a);
    assert.ok(a.includes('500') && a.includes('200'), a);
    const x = new FaultInjector(7);
    const y = new FaultInjector(7);
    const seq = (f: FaultInjector) => Array.from({ length: 20 }, () => f.roll(0.3));
    assert.deepEqual(seq(x), seq(y));
  });
});
