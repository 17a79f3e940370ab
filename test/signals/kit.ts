import type { TestContext } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkxClient } from '../../src/client/okx-client.js';
import { openTradingStack, type TradingStack } from '../../src/bots/session.js';
import { KillSwitch, MemoryKillStore } from '../../src/trading/kill-switch.js';
import { Alerts } from '../../src/trading/alerts.js';
import { AuditLog } from '../../src/security/audit-log.js';
import type { GuardLimits } from '../../src/trading/order-guard.js';
import type { ManualClock } from '../../src/util/clock.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { SignalEngine, type ResolvedSource, type SignalPort } from '../../src/signals/engine.js';
import { SignalStore, type SignalRecord } from '../../src/signals/store.js';
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../../src/signals/server.js';
import { signSignal } from '../../src/signals/auth.js';
import { derivSim } from '../sim/derivs/derivs-kit.js';

/** Obviously fake secrets: a scanner must never mistake them for real ones. */
export const HMAC_SECRET = 'fake-signal-secret-for-tests-only';
export const TOKEN = 'fake-token-for-tests-only-0000';

export const SOURCES: Record<string, ResolvedSource> = {
  bot: {
    auth: 'hmac',
    secret: 'env:FAKE',
    secretValue: HMAC_SECRET,
    instruments: ['BTC-USDT', 'BTC-USDT-SWAP'],
    maxOrdersPerMinute: 10,
    maxNotional: '100000',
    windowMs: 60_000,
    tdMode: 'cross',
  },
  tv: {
    auth: 'token',
    secret: 'env:FAKE2',
    secretValue: TOKEN,
    instruments: ['BTC-USDT', 'BTC-USDT-SWAP'],
    maxOrdersPerMinute: 10,
    maxNotional: '100000',
    windowMs: 60_000,
    tdMode: 'cross',
  },
};

export interface Rig {
  sim: Simulator;
  clock: ManualClock;
  stack: TradingStack;
  engine: SignalEngine;
  store: SignalStore;
  server: SignalServer;
  alerts: Alerts;
  kill: KillSwitch;
  dir: string;
  auditPath: string;
  storePath: string;
  events: SignalRecord[];
  /** POSTs a body (object or raw string) to a path with optional headers. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** A signed POST to /signal/bot of `signal` (source bot), timestamp now unless given. */
  signed(signal: Record<string, unknown>, ts?: number): Promise<{ status: number; json: any }>;
  /** Opens a second engine and server on the same store file (a restart). */
  restart(): Promise<Rig>;
  /** Net contracts of the account on an instrument (signed). */
  position(instId: string): Promise<number>;
  /** Orders on the exchange with this clOrdId prefix (history and open), by clOrdId. */
  ordersOf(instId: string): Promise<Array<{ clOrdId: string; state: string; sz: string; side: string }>>;
}

export interface RigOptions {
  sources?: Record<string, ResolvedSource>;
  guard?: GuardLimits;
  server?: Partial<SignalServerOptions>;
  /** Wraps the port the engine sees (to make a leg fail on the exchange). */
  wrapPort?: (p: SignalPort) => SignalPort;
}

export async function rig(t: TestContext, opts: RigOptions = {}): Promise<Rig> {
  const undo: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const { sim, clock } = await derivSim({ after: (fn) => void undo.push(fn) }, ['alice'], { seed: 7 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('alice'), clock });
  undo.push(() => client.close());
  const kill = new KillSwitch({ scope: 'sim-test', store: new MemoryKillStore(), clock });
  const stack = await openTradingStack({
    client,
    journalPath: ':memory:',
    clock,
    pollMs: 10,
    deadMan: false,
    ws: false,
    killSwitch: kill,
    ...(opts.guard ? { guard: opts.guard } : {}),
  });
  undo.push(() => stack.close());
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-signals-'));
  const storePath = join(dir, 'signals.sqlite');
  const auditPath = join(dir, 'audit.log');
  const alerts = new Alerts({ clock, sinks: [] });
  const sources = opts.sources ?? SOURCES;
  const events: SignalRecord[] = [];
  const step = () => {
    clock.advance(1000);
    sim.tick();
  };
  const open = async (): Promise<Rig> => {
    const store = new SignalStore(storePath);
    const engine = new SignalEngine({
      port: opts.wrapPort ? opts.wrapPort(stack.port) : stack.port,
      store,
      sources,
      clock,
      haltReason: () => stack.risk.haltReason() ?? (kill.isEngaged() ? kill.state().why : undefined),
      audit: new AuditLog(auditPath),
      alerts,
    });
    engine.on('signal', (r: SignalRecord) => events.push(r));
    const server = await startSignalServer({ engine, port: 0, ...opts.server });
    undo.push(() => store.close());
    undo.push(() => engine.close());
    undo.push(() => server.close());
    const post: Rig['post'] = async (path, body, headers = {}) => {
      const res = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    const r: Rig = {
      sim,
      clock,
      stack,
      engine,
      store,
      server,
      alerts,
      kill,
      dir,
      auditPath,
      storePath,
      events,
      post,
      async signed(signal, ts) {
        // A second of exchange time per signal: the client's rate limiter runs on this clock too.
        step();
        const body = JSON.stringify({ source: 'bot', ts: ts ?? clock.now(), ...signal });
        const stamp = String(ts ?? clock.now());
        return post('/signal/bot', body, {
          'x-signal-timestamp': stamp,
          'x-signal-signature': signSignal(HMAC_SECRET, stamp, body),
        });
      },
      restart: async () => {
        await server.close();
        engine.close();
        store.close();
        return open();
      },
      async position(instId) {
        step();
        const ps = await stack.port.positions!(instId);
        return ps.reduce((a, p) => a + Number(p.pos) * (p.posSide === 'short' ? -1 : 1), 0);
      },
      async ordersOf(instId) {
        const instType = instId.endsWith('-SWAP') ? 'SWAP' : 'SPOT';
        const hist = await client.trade.ordersHistory({ instType, instId });
        const open = await client.trade.ordersPending({ instId });
        return [...hist, ...open]
          .filter((o) => o.clOrdId.startsWith('sg'))
          .map((o) => ({ clOrdId: o.clOrdId, state: o.state, sz: o.sz, side: o.side }));
      },
    };
    return r;
  };
  return open();
}
