import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { signWsLogin, wsLoginTimestamp } from '../../../src/protocol/sign.js';
import { ManualClock } from '../../../src/util/clock.js';
import type {
  BalanceChange,
  CashBalance,
  EngineEvents,
  KeyLookup,
  SimKey,
  WsServerHandle,
  WsTradeHandler,
} from '../../../src/sim/contracts.js';
import { SimMarket } from '../../../src/sim/market/index.js';
import { attachWsServer, type WsServerExtraOptions } from '../../../src/sim/ws/index.js';

export const START = Date.UTC(2026, 10, 21, 8, 0, 0);

export const KEYS: SimKey[] = [
  {
    apiKey: 'fake-key-trade-0001',
    secretKey: 'fake-secret-trade-0001-CANARY',
    passphrase: 'Fake Pass!',
    perm: 'read_only,trade',
    ip: '127.0.0.1',
    label: 'trade',
    demo: false,
    account: 'main',
  },
  {
    apiKey: 'fake-key-other-0002',
    secretKey: 'fake-secret-other-0002',
    passphrase: 'Other Pass 2',
    perm: 'read_only,trade',
    ip: '',
    label: 'other',
    demo: false,
    account: 'second',
  },
];

export class FakeEngine implements EngineEvents {
  orderListeners = new Set<(account: string, order: Record<string, string>) => void>();
  accountListeners = new Set<(account: string, a0: Record<string, unknown>) => void>();
  onOrder(l: (account: string, order: Record<string, string>) => void) {
    this.orderListeners.add(l);
    return () => this.orderListeners.delete(l);
  }
  onAccount(l: (account: string, a0: Record<string, unknown>) => void) {
    this.accountListeners.add(l);
    return () => this.accountListeners.delete(l);
  }
  order(account: string, order: Record<string, string>) {
    for (const l of this.orderListeners) l(account, order);
  }
  account(account: string, a0: Record<string, unknown>) {
    for (const l of this.accountListeners) l(account, a0);
  }
  balanceListeners = new Set<(account: string, change: BalanceChange) => void>();
  /** Cash balances per account, as the balance_and_position snapshot reads them. */
  cash: Record<string, CashBalance[]> = {};
  onBalance(l: (account: string, change: BalanceChange) => void) {
    this.balanceListeners.add(l);
    return () => this.balanceListeners.delete(l);
  }
  cashBalances(account: string): CashBalance[] {
    return this.cash[account] ?? [];
  }
  balance(account: string, change: BalanceChange) {
    for (const l of this.balanceListeners) l(account, change);
  }
}

export const keyLookup: KeyLookup = {
  find: (apiKey) => KEYS.find((k) => k.apiKey === apiKey),
  uid: (account) => (account === 'main' ? '44705892343619584' : '55705892343619585'),
};

export class RecordingTrade implements WsTradeHandler {
  calls: { account: string; op: string; args: Record<string, unknown>[] }[] = [];
  async handle(account: string, op: string, args: Record<string, unknown>[]) {
    this.calls.push({ account, op, args });
    return {
      code: '0',
      msg: '',
      data: args.map((a, i) => ({
        clOrdId: String(a.clOrdId ?? ''),
        ordId: String(1000 + i),
        tag: '',
        ts: '1',
        sCode: '0',
        sMsg: '',
      })),
      inTime: '1795000000000000',
      outTime: '1795000000000100',
    };
  }
}

export interface Harness {
  server: Server;
  url: (path: string) => string;
  clock: ManualClock;
  market: SimMarket;
  engine: FakeEngine;
  trade: RecordingTrade;
  ws: WsServerHandle;
  clients: Client[];
  connect(path: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { zeroChecksum?: boolean; idleTimeoutMs?: number } & WsServerExtraOptions = {},
): Promise<Harness> {
  const clock = new ManualClock(START);
  const market = new SimMarket({ seed: 21, clock });
  const engine = new FakeEngine();
  const trade = new RecordingTrade();
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const ws = attachWsServer({
    server,
    market,
    engine,
    keys: keyLookup,
    trade,
    clock,
    connectionsPerSecond: 1000,
    ...opts,
  });
  const clients: Client[] = [];
  const h: Harness = {
    server,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    clock,
    market,
    engine,
    trade,
    ws,
    clients,
    async connect(path) {
      const c = await Client.open(h.url(path));
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.ws.terminate();
      await ws.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return h;
}

/** A test client that queues every frame and lets a test wait for the next matching one. */
export class Client {
  frames: (Record<string, any> | string)[] = [];
  private waiters: {
    pred: (m: any) => boolean;
    resolve: (m: any) => void;
    reject: (e: Error) => void;
    t: NodeJS.Timeout;
  }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const s = data.toString();
      let m: any = s;
      try {
        m = JSON.parse(s);
      } catch {
        /* text frame such as pong */
      }
      this.frames.push(m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          clearTimeout(w.t);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    this.closed = new Promise((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = new Client(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /**
   * A barrier: sends `ping` and waits for its `pong`. The server answers a connection's frames in
   * order and sends a push in the same turn as what caused it, so once the pong is here every
   * frame due before it has arrived too: "nothing arrived" can be asserted without a sleep.
   */
  async settled(): Promise<void> {
    this.send('ping');
    await this.next((m) => m === 'pong');
  }

  /** Next frame (already received or future, after `from`) matching pred. */
  next(pred: (m: any) => boolean = () => true, timeoutMs = 3000, from = 0): Promise<any> {
    const seen = this.frames.slice(from).find(pred);
    if (seen !== undefined) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (m: any) => {
          this.frames.splice(this.frames.indexOf(m), 1);
          resolve(m);
        },
        reject,
        t: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(
            new Error(`timed out waiting for a frame; have ${JSON.stringify(this.frames).slice(0, 500)}`),
          );
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  async login(key: SimKey, nowMs: number, id?: string): Promise<any> {
    const timestamp = wsLoginTimestamp(nowMs);
    this.send({
      ...(id ? { id } : {}),
      op: 'login',
      args: [
        {
          apiKey: key.apiKey,
          passphrase: key.passphrase,
          timestamp,
          sign: signWsLogin({ timestamp, secretKey: key.secretKey }),
        },
      ],
    });
    return this.next((m) => typeof m === 'object' && (m.event === 'login' || m.event === 'error'));
  }
}

export const isEvent = (event: string) => (m: any) => typeof m === 'object' && m.event === event;
export const isPush = (channel: string) => (m: any) =>
  typeof m === 'object' && m.arg?.channel === channel && !m.event;
