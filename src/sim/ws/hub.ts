import { WebSocket } from 'ws';
import type { WsServerOptions } from '../contracts.js';
import type { ChannelKind, WsPath } from './channels.js';

/** Extra knobs of the local WS server (the OKX values are the defaults). */
export interface WsServerExtraOptions {
  /** New connections per IP per second (docs/OKX-PROTOCOL.md §2.5: 3). */
  connectionsPerSecond?: number;
  /** login + subscribe + unsubscribe per connection per hour (docs/OKX-PROTOCOL.md §2.5: 480). */
  opsPerHour?: number;
  /**
   * Book channels start with updates only, no snapshot push, as OKX announced for 2026
   * (docs/OKX-PROTOCOL.md §3.3): clients take the snapshot from GET /market/books (with seqId) and
   * apply buffered updates.
   */
  noBookSnapshot?: boolean;
  /**
   * A book channel with no change for this long gets a heartbeat push (docs/OKX-PROTOCOL.md §3.1:
   * ~60 s): an empty update with prevSeqId == seqId on books, the latest snapshot again on books5 /
   * bbo-tbt.
   */
  bookHeartbeatMs?: number;
}

export type SimWsOptions = WsServerOptions & WsServerExtraOptions;

export type Json = Record<string, unknown>;

/** One subscription of one connection. */
export interface Sub {
  key: string;
  arg: Record<string, string>;
  ch: ChannelKind;
  instId: string;
  /** candle: start of the bar last pushed */
  barTs?: number;
  lastPushTs?: number;
  /** book channels: sim time of the last push, and the last seqId pushed (books) */
  bookPushAt?: number;
  lastSeqId?: number;
}

/** One client connection. */
export interface Conn {
  ws: WebSocket;
  path: WsPath;
  connId: string;
  account: string | undefined;
  uid: string;
  subs: Map<string, Sub>;
  opsWindow: number;
  ops: number;
  idle: NodeJS.Timeout | undefined;
  /** sim time at which an announced upgrade closes this connection */
  upgradeAt?: number;
}

/** What every channel family shares: the options, the open connections and the senders. */
export class WsHub {
  readonly conns = new Set<Conn>();

  constructor(readonly opts: SimWsOptions) {}

  send(c: Conn, msg: Json | string): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  sendError(c: Conn, code: string, msg: string, id?: string): void {
    this.send(c, { ...(id !== undefined ? { id } : {}), event: 'error', code, msg, connId: c.connId });
  }

  /** A private push's arg: the subscribed arg plus the account's uid. */
  privArg(c: Conn, sub: Sub): Json {
    return { ...sub.arg, uid: c.uid };
  }

  /** The connections logged in to an account. */
  *of(account: string): Iterable<Conn> {
    for (const c of this.conns) if (c.account === account) yield c;
  }
}

export function hasChannel(c: Conn, kind: ChannelKind['kind']): boolean {
  for (const s of c.subs.values()) if (s.ch.kind === kind) return true;
  return false;
}

/** 60012 echoes the request, as OKX does, but never a login's passphrase or signature. */
export function invalidRequest(text: string): string {
  const echo = /passphrase|sign|secret/i.test(text) ? '{"op":"login"}' : text.slice(0, 200);
  return `Invalid request: ${echo}`;
}
