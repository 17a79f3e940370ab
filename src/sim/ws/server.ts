import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errorMessage } from '../../protocol/error-codes.js';
import { signWsLogin } from '../../protocol/sign.js';
import type { SimKey, WsServerHandle, WsUpgradeNotice } from '../contracts.js';
import { hash32 } from '../market/prng.js';
import { PATHS, TRADE_OPS, channelOn, isContractKind, isPrivateKind, type WsPath } from './channels.js';
import { ContractChannels } from './contract-channels.js';
import {
  hasChannel,
  invalidRequest,
  WsHub,
  type Conn,
  type Json,
  type SimWsOptions,
  type Sub,
} from './hub.js';
import { MarketChannels } from './market-channels.js';
import { PrivateChannels } from './private-channels.js';
import { channelArgs, loginArgs, parseRequest } from './request.js';
import { checkWsLogin, normaliseIp, wsConnectionIsDemo } from '../auth.js';
import { TradeOps } from './trade-ops.js';

export type { WsServerExtraOptions } from './hub.js';

const LOGIN_PATH_WINDOW_S = 30;
const PRIVATE_CHANNEL_CONNS = 30;
const INST_TYPES = new Set(['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION']);
/** Close code of a connection closed for an announced upgrade: WebSocket "Service Restart". */
const UPGRADE_CLOSE = 1012;

/**
 * The local exchange's WebSocket endpoints /ws/v5/public, /private and /business on an existing
 * node:http server. This class owns the connections (admission, idle close, upgrade notices)
 * and the session ops: login (docs/OKX-PROTOCOL.md §2.2), subscribe / unsubscribe (§2.3), text
 * ping/pong (§2.4). Each channel family has its own handler: {@link MarketChannels} (public
 * channels and book sync, §3), {@link PrivateChannels} (orders, account, positions,
 * balance_and_position) and {@link TradeOps} (WS order ops, §2.6).
 */
export class SimWsServer implements WsServerHandle {
  private readonly hub: WsHub;
  private readonly market: MarketChannels;
  private readonly private: PrivateChannels;
  private readonly trade: TradeOps;
  private readonly contracts: ContractChannels;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly idleMs: number;
  private readonly perSecond: number;
  private readonly opsPerHour: number;
  private readonly recentByIp = new Map<string, number[]>();
  private connSeq = 0;
  private readonly onUpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.onUpgrade(req, socket, head);

  constructor(private readonly opts: SimWsOptions) {
    this.hub = new WsHub(opts);
    this.market = new MarketChannels(this.hub);
    this.private = new PrivateChannels(this.hub);
    this.trade = new TradeOps(this.hub);
    this.contracts = new ContractChannels(this.hub, opts.contracts);
    this.idleMs = opts.idleTimeoutMs ?? 30_000;
    this.perSecond = opts.connectionsPerSecond ?? 3;
    this.opsPerHour = opts.opsPerHour ?? 480;
    opts.server.on('upgrade', this.onUpgradeListener);
  }

  // --- the handle --------------------------------------------------------------------------

  dropConnections(): void {
    for (const c of this.hub.conns) c.ws.terminate();
  }

  connectionCount(): number {
    return this.hub.conns.size;
  }

  announceUpgrade(notice: WsUpgradeNotice = {}): number {
    const paths = notice.paths ?? ['public', 'private'];
    const at = this.opts.clock.now() + (notice.closeAfterMs ?? 60_000);
    let told = 0;
    for (const c of this.hub.conns) {
      if (!paths.includes(c.path) || c.upgradeAt !== undefined) continue;
      // docs/OKX-PROTOCOL.md §2.3: the notice comes ~60 s before the upgrade; the client should
      // move to a new connection.
      this.hub.send(c, { event: 'notice', code: '64008', msg: errorMessage('64008'), connId: c.connId });
      c.upgradeAt = at;
      told++;
    }
    return told;
  }

  /** Time-driven duties (sim clock): announced upgrade closes and the book heartbeats. */
  tick(): void {
    const now = this.opts.clock.now();
    for (const c of this.hub.conns) {
      if (c.upgradeAt !== undefined && now >= c.upgradeAt) {
        c.upgradeAt = undefined;
        c.ws.close(UPGRADE_CLOSE, 'Service upgrade');
        continue;
      }
      this.market.tick(c, now);
      this.contracts.tick(c, now);
    }
  }

  async close(): Promise<void> {
    this.opts.server.off('upgrade', this.onUpgradeListener);
    this.market.close();
    this.private.close();
    this.contracts.close();
    for (const c of this.hub.conns) {
      clearTimeout(c.idle);
      c.ws.terminate();
    }
    this.hub.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // --- connections -------------------------------------------------------------------------

  private admit(ip: string): boolean {
    // Real time, not the injected clock: this guards the socket layer, and a frozen test clock
    // must not lock every later connection out.
    const now = performance.now();
    const list = (this.recentByIp.get(ip) ?? []).filter((t) => now - t < 1000);
    if (list.length >= this.perSecond) {
      this.recentByIp.set(ip, list);
      return false;
    }
    list.push(now);
    this.recentByIp.set(ip, list);
    if (this.recentByIp.size > 1000) this.recentByIp.clear();
    return true;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    const path = PATHS[pathname];
    if (!path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.admit(req.socket.remoteAddress ?? '')) {
      // docs/OKX-PROTOCOL.md §2.5: new connections are limited to 3 per second per IP
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const peer = {
      ip: normaliseIp(req.socket.remoteAddress),
      demo: wsConnectionIsDemo(req.headers, req.url ?? ''),
    };
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, path, peer));
  }

  private onConnection(ws: WebSocket, path: WsPath, peer: Conn['peer']): void {
    this.connSeq += 1;
    const c: Conn = {
      ws,
      path,
      connId: hash32(this.connSeq, this.opts.clock.now()).toString(16).padStart(8, '0'),
      account: undefined,
      uid: '',
      subs: new Map(),
      opsWindow: 0,
      ops: 0,
      idle: undefined,
      peer,
    };
    this.hub.conns.add(c);
    // docs/OKX-PROTOCOL.md §2.4: a connection with no data pushed to it for 30 s is closed
    // (4004). WsHub.send re-arms the timer on every push; what the client sends does not count,
    // though a client `ping` is answered with `pong`, which does.
    c.idle = setTimeout(() => ws.close(4004, 'No data received in 30s'), this.idleMs);
    c.idle.unref?.();
    ws.on('message', (data, isBinary) => void this.onMessage(c, data, isBinary));
    ws.on('close', () => {
      clearTimeout(c.idle);
      this.hub.conns.delete(c);
    });
    ws.on('error', () => ws.terminate());
  }

  // --- session ops -------------------------------------------------------------------------

  private async onMessage(c: Conn, data: RawData, isBinary: boolean): Promise<void> {
    const text = isBinary ? '' : data.toString();
    const req = parseRequest(text);
    if (req.kind === 'ping') return this.hub.send(c, 'pong');
    if (req.kind === 'invalid') return this.hub.sendError(c, '60012', invalidRequest(text), req.id);
    const { op, id } = req;
    if (op === 'login' || op === 'subscribe' || op === 'unsubscribe') {
      if (!this.countOp(c)) return this.hub.sendError(c, '60014', errorMessage('60014'), id);
      if (op === 'login') return this.login(c, req.args, id);
      return this.subscribe(c, op, req.args, id, text);
    }
    if (TRADE_OPS.has(op)) return this.trade.handle(c, req);
    return this.hub.sendError(c, '60019', `Invalid op: ${op}`, id);
  }

  private countOp(c: Conn): boolean {
    const w = Math.floor(this.opts.clock.now() / 3_600_000);
    if (w !== c.opsWindow) {
      c.opsWindow = w;
      c.ops = 0;
    }
    c.ops += 1;
    return c.ops <= this.opsPerHour;
  }

  private login(c: Conn, rawArgs: unknown, id: string | undefined): void {
    const { keys, clock } = this.opts;
    const fail = (code: string, params: string[] = []) => {
      this.hub.sendError(c, code, errorMessage(code, ...params), id);
      if (code !== '60031') c.ws.close(4001, 'Login Failed');
    };
    if (c.account !== undefined) return fail('60031');
    const a = loginArgs(rawArgs);
    if (!a) return this.hub.sendError(c, '60012', `Invalid request: ${JSON.stringify({ op: 'login' })}`, id);
    const { apiKey, passphrase, timestamp, sign } = a;
    if (!apiKey || !passphrase || !timestamp || !sign) return fail('60009');
    // docs/OKX-PROTOCOL.md §2.2: Unix seconds (fractional accepted), valid for 30 s either way;
    // milliseconds are numerically decades away and so "expired", as OKX answers them.
    if (!/^\d+(\.\d+)?$/.test(timestamp)) return fail('60004');
    if (Math.abs(Number(timestamp) - clock.now() / 1000) > LOGIN_PATH_WINDOW_S) return fail('60006');
    const key: SimKey | undefined = keys.find(apiKey);
    if (!key) return fail('60005');
    if (!sameString(passphrase, key.passphrase)) return fail('60024');
    if (!sameString(sign, signWsLogin({ timestamp, secretKey: key.secretKey }))) return fail('60007');
    const checked = checkWsLogin(key, c.peer);
    if (!checked.ok) return fail(checked.code, checked.params);
    c.key = key;
    c.account = key.account;
    c.uid = keys.uid(key.account);
    this.hub.send(c, {
      ...(id !== undefined ? { id } : {}),
      event: 'login',
      code: '0',
      msg: '',
      connId: c.connId,
    });
  }

  private subscribe(
    c: Conn,
    op: 'subscribe' | 'unsubscribe',
    rawArgs: unknown,
    id: string | undefined,
    text: string,
  ): void {
    const args = channelArgs(rawArgs);
    if (!args) return this.hub.sendError(c, '60012', invalidRequest(text), id);
    for (const raw of args) this.subscribeOne(c, op, raw, id, text);
  }

  /** One arg of a subscribe / unsubscribe: checked in OKX's order, acked, then its first push. */
  private subscribeOne(
    c: Conn,
    op: 'subscribe' | 'unsubscribe',
    raw: Json,
    id: string | undefined,
    text: string,
  ): void {
    const hub = this.hub;
    const arg: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') arg[k] = v;
    if ('uly' in raw) return hub.sendError(c, '64000', errorMessage('64000'), id);
    const ch = channelOn(c.path, arg.channel ?? '');
    if (!ch) return hub.sendError(c, '60018', wrongUrl(raw), id);
    const isPrivate = isPrivateKind(ch.kind);
    // Everything on /private needs the login first (docs/OKX-PROTOCOL.md §2.1), fills included.
    if ((isPrivate || c.path === 'private') && c.account === undefined)
      return hub.sendError(c, '60011', errorMessage('60011'), id);
    if (ch.kind === 'vip') return hub.sendError(c, ch.code, errorMessage(ch.code), id);
    const instId = arg.instId ?? '';
    if (ch.kind === 'instruments') {
      // instType is required and is the channel's only parameter (OKX: SPOT/MARGIN/SWAP/FUTURES/OPTION).
      if (!INST_TYPES.has(arg.instType ?? '')) return hub.sendError(c, '60012', invalidRequest(text), id);
    } else if (!isPrivate && isContractKind(ch.kind)) {
      if (!this.contracts.knows({ ch, instId })) return hub.sendError(c, '60018', wrongUrl(raw), id);
    } else if (!isPrivate && !this.opts.market.instrument(instId)) {
      return hub.sendError(c, '60018', wrongUrl(raw), id);
    }
    if (
      (ch.kind === 'orders' ||
        ch.kind === 'positions' ||
        ch.kind === 'liquidation-warning' ||
        ch.kind === 'orders-algo' ||
        ch.kind === 'algo-advance') &&
      !arg.instType
    )
      return hub.sendError(c, '60012', invalidRequest(text), id);
    const key = JSON.stringify([
      arg.channel,
      arg.instId ?? '',
      arg.instType ?? '',
      arg.ccy ?? '',
      arg.instFamily ?? '',
    ]);
    if (op === 'subscribe' && isPrivate && !c.subs.has(key) && !hasChannel(c, ch.kind)) {
      // docs/OKX-PROTOCOL.md §2.5: at most 30 connections per private channel per account
      const used = [...hub.conns].filter(
        (o) => o !== c && o.account === c.account && hasChannel(o, ch.kind),
      ).length;
      if (used >= PRIVATE_CHANNEL_CONNS) {
        return hub.send(c, {
          event: 'channel-conn-count-error',
          channel: arg.channel,
          connCount: String(PRIVATE_CHANNEL_CONNS),
          connId: c.connId,
        });
      }
    }
    const ackArg = { ...arg };
    hub.send(c, { ...(id !== undefined ? { id } : {}), event: op, arg: ackArg, connId: c.connId });
    if (op === 'unsubscribe') {
      c.subs.delete(key);
      return;
    }
    const existed = c.subs.has(key);
    const sub: Sub = { key, arg: ackArg, ch, instId };
    c.subs.set(key, sub);
    if (existed) return;
    if (ch.kind === 'positions' && this.opts.contracts) this.contracts.initialPush(c, sub);
    else if (isContractKind(ch.kind)) this.contracts.initialPush(c, sub);
    else if (isPrivate) this.private.initialPush(c, sub);
    else this.market.initialPush(c, sub);
  }
}

/**
 * Attaches the local exchange's WS endpoints to a node:http server (see {@link SimWsServer});
 * the returned handle drops connections, announces upgrades, ticks and closes.
 */
export function attachWsServer(opts: SimWsOptions): WsServerHandle {
  return new SimWsServer(opts);
}

function wrongUrl(arg: Json): string {
  const s = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
  return `Wrong URL or channel:${s(arg.channel)},instId:${s(arg.instId)} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
