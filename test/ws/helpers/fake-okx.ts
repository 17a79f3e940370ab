// A small in-test OKX WebSocket server on 127.0.0.1 port 0: just enough protocol to test the
// client against (login, subscribe acks, ping/pong, pushes, order op replies), and a record of
// everything it received.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { signWsLogin } from '../../../src/protocol/sign.js';
import { endpointForChannel } from '../../../src/ws/channels.js';

export const FAKE_KEY = 'fake-key-trade-0001';
export const FAKE_SECRET = 'fake-secret-CANARY-7f3a9c';
export const FAKE_PASSPHRASE = 'Fake Pass!CANARY';

export type Path = 'public' | 'private' | 'business';

export interface Received {
  path: Path;
  conn: number;
  raw: string;
  msg?: Record<string, unknown>;
}

export interface FakeOkxOptions {
  /** Login reply code (default "0" after verifying the signature). */
  loginCode?: string | ((n: number) => string);
  /** Answer text ping with pong (default true). */
  pong?: boolean;
  /** Order op replies by op; default: success with an ordId. */
  onOp?: (msg: Record<string, unknown>, ws: WebSocket) => void;
  /** Called after a subscribe ack, e.g. to push a snapshot. */
  onSubscribe?: (path: Path, arg: Record<string, string>, ws: WebSocket) => void;
  /** Server time offset, ms, for login timestamp checks. */
  serverOffsetMs?: number;
}

export class FakeOkx {
  readonly received: Received[] = [];
  readonly sockets: Array<{ path: Path; ws: WebSocket; conn: number; loggedIn: boolean }> = [];
  private server!: Server;
  private wss!: WebSocketServer;
  private connCount = 0;
  private logins = 0;
  port = 0;
  constructor(public opts: FakeOkxOptions = {}) {}

  get urls(): { wsPublic: string; wsPrivate: string; wsBusiness: string } {
    const b = `ws://127.0.0.1:${this.port}/ws/v5`;
    return { wsPublic: `${b}/public`, wsPrivate: `${b}/private`, wsBusiness: `${b}/business` };
  }

  async start(): Promise<this> {
    this.server = createServer();
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, (req.url ?? '').split('/').pop() as Path));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Messages of one op (or text) received on a path. */
  ops(path: Path, op: string): Received[] {
    return this.received.filter((r) => r.path === path && (r.msg ? r.msg.op === op : r.raw === op));
  }

  connections(path: Path): number {
    return this.sockets.filter((s) => s.path === path).length;
  }

  /** Sends to every open socket on a path. */
  push(path: Path, msg: unknown): void {
    const raw = typeof msg === 'string' ? msg : JSON.stringify(msg);
    for (const s of this.sockets) if (s.path === path && s.ws.readyState === 1) s.ws.send(raw);
  }

  dropAll(): void {
    for (const s of this.sockets) s.ws.terminate();
  }

  private onConnection(ws: WebSocket, path: Path): void {
    const conn = ++this.connCount;
    const entry = { path, ws, conn, loggedIn: false };
    this.sockets.push(entry);
    ws.on('message', (data) => {
      const raw = data.toString();
      let msg: Record<string, unknown> | undefined;
      try {
        msg = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        msg = undefined;
      }
      this.received.push({ path, conn, raw, msg });
      if (raw === 'ping') {
        if (this.opts.pong !== false) ws.send('pong');
        return;
      }
      if (!msg) return;
      const id = msg.id as string | undefined;
      if (msg.op === 'login') {
        const a = (msg.args as Array<Record<string, string>>)[0]!;
        const n = ++this.logins;
        const forced =
          typeof this.opts.loginCode === 'function' ? this.opts.loginCode(n) : this.opts.loginCode;
        let code = forced ?? '0';
        if (code === '0') {
          const nowS = (Date.now() + (this.opts.serverOffsetMs ?? 0)) / 1000;
          if (!/^\d+$/.test(a.timestamp!) || Math.abs(Number(a.timestamp) - nowS) > 30) code = '60006';
          else if (a.apiKey !== FAKE_KEY) code = '60005';
          else if (a.passphrase !== FAKE_PASSPHRASE) code = '60024';
          else if (a.sign !== signWsLogin({ timestamp: a.timestamp!, secretKey: FAKE_SECRET }))
            code = '60007';
        }
        if (code === '0') {
          entry.loggedIn = true;
          ws.send(JSON.stringify({ event: 'login', code: '0', msg: '', connId: `c${conn}` }));
        } else {
          ws.send(JSON.stringify({ event: 'error', code, msg: 'Login failed.', connId: `c${conn}` }));
        }
        return;
      }
      if (msg.op === 'subscribe' || msg.op === 'unsubscribe') {
        for (const arg of msg.args as Array<Record<string, string>>) {
          const want = endpointForChannel(arg.channel!);
          if (want !== path || arg.instId === 'NOPE-USDT') {
            ws.send(
              JSON.stringify({
                ...(id ? { id } : {}),
                event: 'error',
                code: '60018',
                msg: `Wrong URL or channel:${arg.channel},instId:${arg.instId} doesn't exist.`,
                connId: `c${conn}`,
              }),
            );
            continue;
          }
          if (path === 'private' && !entry.loggedIn) {
            ws.send(
              JSON.stringify({
                ...(id ? { id } : {}),
                event: 'error',
                code: '60011',
                msg: 'Please log in',
                connId: `c${conn}`,
              }),
            );
            continue;
          }
          ws.send(JSON.stringify({ ...(id ? { id } : {}), event: msg.op, arg, connId: `c${conn}` }));
          if (msg.op === 'subscribe') this.opts.onSubscribe?.(path, arg, ws);
        }
        return;
      }
      if (typeof msg.op === 'string' && id) {
        if (this.opts.onOp) return this.opts.onOp(msg, ws);
        ws.send(
          JSON.stringify({
            id,
            op: msg.op,
            code: '0',
            msg: '',
            data: [
              { clOrdId: '', ordId: '1001', tag: '', ts: '1695190491421', sCode: '0', sMsg: 'Order placed' },
            ],
            inTime: '1',
            outTime: '2',
          }),
        );
      }
    });
  }
}

export { until } from '../../helpers/until.js';
