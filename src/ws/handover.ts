import WebSocket, { type ClientOptions } from 'ws';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { argKey, type ChannelArg, type WsEndpoint } from './channels.js';
import { parseInbound, type WsPush } from './envelope.js';
import { OpBudget, type ConnectLimiter } from './limits.js';

/** Timers the handover arms (the connection's own). */
export interface HandoverTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a handover needs from the connection it serves. */
export interface HandoverHost {
  readonly url: string;
  readonly endpoint: WsEndpoint;
  readonly wsOptions: ClientOptions | undefined;
  readonly logsIn: boolean;
  readonly clock: Clock;
  readonly timers: HandoverTimers;
  readonly ackTimeoutMs: number;
  readonly logger: Logger;
  readonly connectLimiter: ConnectLimiter;
  /** The connection's subscriptions now, by key. */
  subscriptions(): ReadonlyMap<string, ChannelArg>;
  newId(): string;
  sendLogin(socket: WebSocket, budget: OpBudget): Promise<void>;
  /** A push the new socket serves: deliver it as the connection's own. */
  deliver(push: WsPush): void;
  /** Order ops still waiting for a reply (on the old socket). */
  pendingOps(): number;
  /** Every channel is served by the new socket: the run loop should adopt it. */
  promoted(h: Handover): void;
  /** The move failed: the connection forgets it and reconnects the ordinary way. */
  failed(h: Handover, why: string): void;
}

/**
 * A move to a new socket after a 64008 notice (docs/OKX-PROTOCOL.md §2.3): the new socket logs
 * in and subscribes while the old one keeps delivering; each channel switches to the new socket
 * when the new socket acknowledges it, and the old socket is dropped once every channel has
 * switched (and the order ops sent on it had their replies, up to the ack timeout). Any failure
 * (login, error, close, no acks within the ack timeout) falls back on an ordinary reconnect.
 */
export class Handover {
  /** The socket being replaced. */
  readonly old: WebSocket;
  /** The new socket, once the connect limiter let it open. */
  socket: WebSocket | undefined;
  readonly budget: OpBudget;
  /** Subscriptions acknowledged on the new socket: their pushes now come from it alone. */
  readonly keys = new Set<string>();
  /** Subscriptions sent on the new socket, by key. */
  readonly sent = new Map<string, ChannelArg>();
  private timer: unknown;
  private isPromoted = false;
  private dropped = false;
  private ended = false;
  private onMessage: ((data: WebSocket.RawData, isBinary: boolean) => void) | undefined;
  private onClose: (() => void) | undefined;

  /** `finishOld` ends the old socket (its run loop then adopts the new one or reconnects). */
  constructor(
    private readonly host: HandoverHost,
    old: WebSocket,
    private readonly finishOld: (reason: string) => void,
  ) {
    this.old = old;
    this.budget = new OpBudget(host.clock);
  }

  /** Opens the new socket (paced by the connect limiter) and arms the overall ack timeout. */
  start(): void {
    const host = this.host;
    this.timer = host.timers.setTimeout(() => this.fallback('no acks in time'), host.ackTimeoutMs);
    void host.connectLimiter.acquire().then(() => {
      if (this.ended) return;
      const s2 = new WebSocket(host.url, { ...host.wsOptions });
      this.socket = s2;
      this.onMessage = (data, isBinary) => this.message(isBinary ? '' : data.toString());
      this.onClose = () => this.fallback('the new socket closed');
      s2.on('message', this.onMessage);
      s2.on('close', this.onClose);
      s2.on('error', (err: Error) =>
        host.logger.warn({ endpoint: host.endpoint, err: err.message }, 'ws socket error'),
      );
      s2.on('open', () => {
        if (this.ended) return;
        if (!host.logsIn) return this.subscribeAll();
        host.sendLogin(s2, this.budget).catch(() => this.fallback('login not sent'));
      });
    });
  }

  /** Whether the new socket already serves this channel (its pushes on the old one are dropped). */
  serves(key: string): boolean {
    return this.keys.has(key);
  }

  get promoted(): boolean {
    return this.isPromoted;
  }

  /**
   * The run loop takes the new socket over: our listeners leave in the same tick as the
   * connection's arrive, so no message falls between them. Returns the socket when it is still
   * open (a new socket that closed before it was taken over is no use).
   */
  takeOver(): WebSocket | undefined {
    const s = this.socket;
    // the old socket is gone by now: nothing left to drop
    this.dropped = true;
    this.host.timers.clearTimeout(this.timer);
    if (!s || s.readyState !== WebSocket.OPEN) return undefined;
    if (this.onMessage) s.off('message', this.onMessage);
    if (this.onClose) s.off('close', this.onClose);
    return s;
  }

  /** A reply arrived on the old socket: once none is pending, the old socket can go. */
  replyOnOld(): void {
    if (this.isPromoted && this.host.pendingOps() === 0) this.dropOld();
  }

  /** Ends the old socket now (the move failed: its run loop reconnects). */
  finishOldSocket(reason: string): void {
    this.finishOld(reason);
  }

  /** Gives up: stops the timer and closes the new socket. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.host.timers.clearTimeout(this.timer);
    try {
      this.socket?.terminate();
    } catch {
      // already gone: nothing to close
    }
  }

  private fallback(why: string): void {
    if (this.ended || this.isPromoted) return;
    this.host.failed(this, why);
  }

  private message(raw: string): void {
    if (this.ended || raw === 'pong') return;
    const m = parseInbound(raw);
    if (m.kind === 'event') {
      const ev = m.event;
      if (ev.event === 'login') {
        if (ev.code === '0' || ev.code === undefined) this.subscribeAll();
        else this.fallback(`login refused (${ev.code})`);
      } else if (ev.event === 'error') {
        this.fallback(`error ${ev.code ?? ''}`);
      } else if (ev.event === 'subscribe') {
        if (ev.arg) this.keys.add(argKey(ev.arg));
        if ([...this.sent.keys()].every((k) => this.keys.has(k))) this.promote();
      }
      return;
    }
    if (m.kind === 'push' && this.keys.has(argKey(m.push.arg))) this.host.deliver(m.push);
  }

  private subscribeAll(): void {
    const s2 = this.socket;
    if (!s2 || s2.readyState !== WebSocket.OPEN) return this.fallback('the new socket is not open');
    const all = [...this.host.subscriptions().entries()];
    if (all.length === 0) return this.promote();
    for (let i = 0; i < all.length; i += 100) {
      const chunk = all.slice(i, i + 100);
      if (!this.budget.take()) return this.fallback('subscribe budget spent');
      for (const [k, a] of chunk) this.sent.set(k, a);
      s2.send(JSON.stringify({ id: this.host.newId(), op: 'subscribe', args: chunk.map(([, a]) => a) }));
    }
  }

  /** Every channel is served by the new socket: the run loop adopts it and the old one goes. */
  private promote(): void {
    if (this.isPromoted) return;
    this.isPromoted = true;
    this.host.timers.clearTimeout(this.timer);
    this.host.promoted(this);
    // Order ops sent on the old socket are answered there: let the replies in (up to the ack
    // timeout) rather than leave their outcome unknown.
    if (this.host.pendingOps() === 0) return this.dropOld();
    this.timer = this.host.timers.setTimeout(() => this.dropOld(), this.host.ackTimeoutMs);
  }

  private dropOld(): void {
    if (this.dropped || this.ended) return;
    this.dropped = true;
    this.host.timers.clearTimeout(this.timer);
    this.finishOld('service upgrade (64008): moved to a new connection');
  }
}
