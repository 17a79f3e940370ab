import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { signWsLogin } from '../../../src/protocol/sign.js';
import { ManualClock } from '../../../src/util/clock.js';
import type { AfterHook } from '../../helpers/sim.js';
import { withSim } from '../../helpers/sim.js';
import { accountsConfig, get, post, T0 } from '../sim-test-kit.js';
import type { Simulator } from '../../../src/sim/simulator.js';

/** A seeded exchange on a manual clock with trade-key accounts in single-currency margin mode. */
export async function derivSim(
  t: AfterHook,
  names = ['alice'],
  opts: {
    seed?: number;
    start?: number;
    posMode?: 'net_mode' | 'long_short_mode';
    acctLv?: '1' | '2';
    /** A clock of the caller's (e.g. a TestClock whose timers fire as the test advances it). */
    clock?: ManualClock;
  } = {},
) {
  const clock = opts.clock ?? new ManualClock(opts.start ?? T0);
  const cfg = accountsConfig(names, { USDT: '100000', BTC: '2', ETH: '20' });
  const accounts = Object.fromEntries(
    Object.entries(cfg.accounts).map(([n, a]) => [
      n,
      { ...a, acctLv: opts.acctLv ?? '2', posMode: opts.posMode ?? 'net_mode' },
    ]),
  );
  const sim = await withSim(t, { seed: opts.seed ?? 7, clock, config: { keys: cfg.keys, accounts } });
  // A step of hours of sim time can hold the event loop for seconds; a longer keep-alive keeps
  // the server from closing the client's idle socket under it (a harness artifact, not OKX's).
  sim.server.keepAliveTimeout = 120_000;
  return { sim, clock };
}

export async function data(sim: Simulator, label: string, path: string): Promise<any[]> {
  const r = await get(sim, label, path);
  if (r.json.code !== '0') throw new Error(`${path}: ${JSON.stringify(r.json)}`);
  return r.json.data;
}

export async function send(sim: Simulator, label: string, path: string, body: unknown) {
  return (await post(sim, label, path, body)).json;
}

export async function position(sim: Simulator, label: string, instId: string) {
  return (await data(sim, label, `/api/v5/account/positions?instId=${instId}`))[0];
}

/**
 * One step of sim time: advance the clock, run the exchange's tick, then yield to the event loop
 * so socket timers (keep-alive) run as they would between real requests.
 */
export async function step(sim: Simulator, clock: { advance(ms: number): void }, ms: number): Promise<void> {
  clock.advance(ms);
  sim.tick();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A logged-in private connection that queues every JSON message it receives. */
export async function privateWs(sim: Simulator, label: string) {
  const ws = new WebSocket(sim.wsUrls.wsPrivate);
  const queue: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    const text = d.toString();
    if (text === 'pong') return;
    queue.push(JSON.parse(text));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (pred: (m: any) => boolean): Promise<any> => {
    for (;;) {
      const i = queue.findIndex(pred);
      if (i >= 0) return queue.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const k = sim.key(label);
  const timestamp = String(Math.floor(sim.clock.now() / 1000));
  ws.send(
    JSON.stringify({
      op: 'login',
      args: [
        {
          apiKey: k.apiKey,
          passphrase: k.passphrase,
          timestamp,
          sign: signWsLogin({ timestamp, secretKey: k.secretKey }),
        },
      ],
    }),
  );
  const login = await next((m) => m.event === 'login' || m.event === 'error');
  assert.equal(login.code, '0', JSON.stringify(login));
  return { ws, next, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}
