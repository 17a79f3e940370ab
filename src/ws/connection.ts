import WebSocket, { type ClientOptions } from 'ws';
import type { Credentials } from '../client/credentials.js';
import { OkxReadOnlyError } from '../client/errors.js';
import { errorInfo } from '../protocol/error-codes.js';
import { signWsLogin, wsLoginTimestamp } from '../protocol/sign.js';
import { sleepOn, systemClock, timersOf, type Clock, type Sleep, type TimerHandle } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { argKey, type ChannelArg, type WsEndpoint } from './channels.js';
import { TypedEmitter } from './emitter.js';
import { parseInbound, type WsEventMessage, type WsOpResponse, type WsPush } from './envelope.js';
import { Handover, type HandoverHost } from './handover.js';
import {
  OkxWsClosedError,
  OkxWsError,
  OkxWsLoginError,
  OkxWsMessageError,
  OkxWsRateLimitError,
  OkxWsSubscribeError,
  OkxWsSubscribeTimeoutError,
} from './errors.js';
import { reconnectDelay, OpBudget, sharedConnectLimiter, type ConnectLimiter } from './limits.js';

export type { WsEventMessage, WsOpResponse, WsPush } from './envelope.js';

export interface WsTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The connection's timers on its clock's scheduler (real timers for the system clock). */
function clockTimers(clock: Clock): WsTimers {
  const t = timersOf(clock);
  return {
    setTimeout: (fn, ms) => t.setTimeout(fn, ms),
    clearTimeout: (h) => {
      if (isTimerHandle(h)) t.clear(h);
    },
  };
}

function isTimerHandle(h: unknown): h is TimerHandle {
  return typeof h === 'object' && h !== null && typeof (h as { timerId?: unknown }).timerId === 'number';
}

export interface WsConnectionOptions {
  url: string;
  /** Which OKX endpoint this is; used in errors and logs. */
  endpoint: WsEndpoint;
  /** Log in on every (re)connect with these credentials. */
  credentials?: Credentials;
  clock?: Clock;
  sleep?: Sleep;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  timers?: WsTimers;
  /** Server time minus local time, ms (e.g. from OkxClient.syncClock()); read at every login. */
  clockOffsetMs?: number | (() => number);
  /** Re-measures the clock offset after a 60006 login failure; returns the new offset in ms. */
  resyncClock?: () => Promise<number>;
  /** Send a text `ping` after this much silence (docs/OKX-PROTOCOL.md §2.4: N < 30 s). Default 20 000. */
  pingIntervalMs?: number;
  /** Reconnect when no message (normally `pong`) arrives this long after a ping. Default 10 000. */
  pongTimeoutMs?: number;
  /**
   * Also send a text `ping` after this long without sending anything (default 25 000, below 30 s):
   * a server that counts only what the client sends then keeps a busy connection too.
   */
  sendIdlePingMs?: number;
  /**
   * Ack timeout, ms. A login without an ack reconnects; a subscribe without an ack rejects its
   * waiters with OkxWsSubscribeTimeoutError and stays subscribed (re-sent on reconnect or on the
   * next `subscribe` of the same channel). Default 10 000.
   */
  ackTimeoutMs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  connectLimiter?: ConnectLimiter;
  logger?: Logger;
  wsOptions?: ClientOptions;
}

export interface WsConnectionEvents {
  /** A socket is open, logged in (when credentials were given) and every subscription was re-sent. */
  open: (info: { reconnect: boolean; attempt: number }) => void;
  push: (msg: WsPush) => void;
  opResponse: (msg: WsOpResponse) => void;
  /** Acks and other events: subscribe, unsubscribe, notice, channel-conn-count... */
  event: (msg: WsEventMessage) => void;
  error: (err: OkxWsError) => void;
  reconnecting: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** The socket closed; a reconnect follows unless the connection was stopped. */
  close: (info: { code: number; reason: string }) => void;
  /** The connection stopped for good (closed by the caller, or a login refused). */
  stopped: (err: OkxWsError | undefined) => void;
}

interface SubWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

interface PendingRequest {
  op: string;
  args: ChannelArg[];
}

// Login refusals that no retry can fix (docs/OKX-PROTOCOL.md §2.2, §4.5); 60006 gets one clock re-sync first.
const RETRYABLE_LOGIN = new Set(['63999', '60014', '60023', '64007']);

/**
 * One OKX WebSocket: text ping/pong heartbeat, login with Unix-seconds signatures, reconnect with
 * exponential backoff and full jitter, login again and resubscribe after every reconnect, and a
 * hard stop (no loop) when the credentials are refused.
 */
export class WsConnection extends TypedEmitter<WsConnectionEvents> {
  readonly url: string;
  readonly endpoint: WsEndpoint;
  private readonly opts: WsConnectionOptions;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly timers: WsTimers;
  private readonly logger: Logger;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly sendIdlePingMs: number;
  private sendIdle: unknown;
  private readonly ackTimeoutMs: number;

  private readonly subs = new Map<string, ChannelArg>();
  private readonly subWaiters = new Map<string, SubWaiter[]>();
  private readonly acked = new Set<string>();
  /** Requests with an id that wait for their ack or error, by id. */
  private readonly pendingById = new Map<string, PendingRequest>();
  /** Ack timers of subscribe requests on the current socket, by request id. */
  private readonly ackTimers = new Map<string, unknown>();
  /** Subscriptions whose ack timed out on the current socket: a new `subscribe` re-sends them. */
  private readonly unanswered = new Set<string>();
  private readonly opWaiters = new Map<string, (msg: WsOpResponse | Error) => void>();
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  private socket: WebSocket | undefined;
  private budget: OpBudget;
  private ready = false;
  private stoppedErr: OkxWsError | undefined;
  private stopRequested = false;
  private running: Promise<void> | undefined;
  private heartbeat: unknown;
  private pongTimer: unknown;
  private nextId = 1;
  private attempt = 0;
  private opened = 0;
  private clockResynced = false;
  private wake: (() => void) | undefined;
  /** A move to a new socket in progress (64008 notice). */
  private handover: Handover | undefined;
  /** A new socket, logged in and subscribed, that the run loop takes over instead of reconnecting. */
  private adopt: Handover | undefined;
  private rawFilter: ((raw: string) => boolean) | undefined;

  constructor(opts: WsConnectionOptions) {
    super();
    this.opts = opts;
    this.url = opts.url;
    this.endpoint = opts.endpoint;
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? sleepOn(this.clock);
    this.random = opts.random ?? Math.random;
    this.timers = opts.timers ?? clockTimers(this.clock);
    this.logger = opts.logger ?? silentLogger;
    this.pingIntervalMs = opts.pingIntervalMs ?? 20_000;
    if (this.pingIntervalMs >= 30_000)
      throw new RangeError('pingIntervalMs must be below 30 000 (OKX closes idle connections after 30 s)');
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    this.sendIdlePingMs = opts.sendIdlePingMs ?? 25_000;
    if (this.sendIdlePingMs >= 30_000)
      throw new RangeError('sendIdlePingMs must be below 30 000 (OKX closes idle connections after 30 s)');
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.budget = new OpBudget(this.clock);
  }

  /** Whether this connection logs in on every (re)connect. */
  get logsIn(): boolean {
    return this.opts.credentials !== undefined;
  }

  /** True while a socket is open and logged in. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Subscribe/unsubscribe/login requests sent on the current socket in the last hour (limit 480). */
  get opsUsedThisHour(): number {
    return this.budget.used;
  }

  /** The error that stopped the connection for good, if any. */
  get stopError(): OkxWsError | undefined {
    return this.stoppedErr;
  }

  /** Starts the connection (once) and resolves when it is open and logged in. */
  connect(): Promise<void> {
    if (this.stoppedErr) return Promise.reject(this.stoppedErr);
    if (!this.running) {
      this.stopRequested = false;
      this.running = this.run().catch((err: unknown) => {
        this.logger.error({ err, endpoint: this.endpoint }, 'ws loop failed');
      });
    }
    return this.whenReady();
  }

  /** Resolves when the connection is ready; rejects if it stops first. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.stoppedErr) return Promise.reject(this.stoppedErr);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Adds subscriptions (kept across reconnects); resolves when every arg is acknowledged. */
  subscribe(args: ChannelArg[]): Promise<void> {
    if (this.stoppedErr) return Promise.reject(this.stoppedErr);
    const fresh: ChannelArg[] = [];
    const waits: Promise<void>[] = [];
    for (const arg of args) {
      const key = argKey(arg);
      if (!this.subs.has(key)) {
        this.subs.set(key, { ...arg });
        fresh.push(arg);
      } else if (this.acked.has(key)) {
        continue;
      } else if (this.unanswered.delete(key)) {
        fresh.push(this.subs.get(key)!);
      }
      waits.push(
        new Promise<void>((resolve, reject) => {
          const list = this.subWaiters.get(key) ?? [];
          list.push({ resolve, reject });
          this.subWaiters.set(key, list);
        }),
      );
    }
    if (fresh.length && this.ready) this.sendSubscribe('subscribe', fresh);
    // A failed start reaches the caller through `waits` (the subscription never acks) and the
    // connection's own error reporting; this only starts the connection.
    if (!this.running) void this.connect().catch(() => undefined);
    return Promise.all(waits).then(() => undefined);
  }

  /** Removes subscriptions; they are not restored after a reconnect. */
  unsubscribe(args: ChannelArg[]): void {
    const gone: ChannelArg[] = [];
    for (const arg of args) {
      const key = argKey(arg);
      const had = this.subs.get(key);
      if (!had) continue;
      this.subs.delete(key);
      this.acked.delete(key);
      this.unanswered.delete(key);
      gone.push(had);
    }
    if (gone.length && this.ready) this.sendSubscribe('unsubscribe', gone);
  }

  /** Current subscriptions. */
  subscriptions(): ChannelArg[] {
    return [...this.subs.values()];
  }

  /**
   * Sends an op with an id and resolves with the reply carrying that id (order ops, docs/OKX-PROTOCOL.md §2.6).
   * Errors say whether the request left: `WS_NOT_SENT` (never sent: safe to retry),
   * `WS_REPLY_TIMEOUT` and `WS_CLOSED` (sent, no reply: the outcome is unknown).
   */
  async request(
    op: string,
    args: unknown[],
    extra: Record<string, string> = {},
    id = this.newId(),
    timeoutMs = this.ackTimeoutMs,
  ): Promise<WsOpResponse> {
    // The credentials' access policy binds every op sent on this connection, raw ones included.
    const refused = this.opts.credentials?.policy.refusesWsOp(op);
    if (refused !== undefined) throw new OkxReadOnlyError(`WS ${op}`, refused);
    let timer: unknown;
    const notSent = (why: string) =>
      new OkxWsError(`${op} not sent on ${this.endpoint}: ${why}`, {
        code: 'WS_NOT_SENT',
        endpoint: this.endpoint,
        hint: 'Nothing reached the exchange: it is safe to try again once the connection is up.',
      });
    try {
      await Promise.race([
        this.connect().catch((err: unknown) => {
          if (err instanceof OkxWsLoginError) throw err;
          throw notSent(err instanceof Error ? err.message : String(err));
        }),
        new Promise<never>((_, reject) => {
          timer = this.timers.setTimeout(
            () => reject(notSent(`not connected within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      this.timers.clearTimeout(timer);
    }
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.ready) throw notSent('socket not open');
    return new Promise<WsOpResponse>((resolve, reject) => {
      const t = this.timers.setTimeout(() => {
        this.opWaiters.delete(id);
        reject(
          new OkxWsError(`no reply to ${op} ${id} within ${timeoutMs} ms`, {
            code: 'WS_REPLY_TIMEOUT',
            endpoint: this.endpoint,
            hint: 'The request was sent: the exchange may have acted. Look the order up by clOrdId.',
          }),
        );
      }, timeoutMs);
      this.opWaiters.set(id, (msg) => {
        this.opWaiters.delete(id);
        this.timers.clearTimeout(t);
        if (msg instanceof Error) reject(msg);
        else resolve(msg);
      });
      socket.send(JSON.stringify({ id, op, ...extra, args }));
      this.noteSent(socket);
    });
  }

  /**
   * Sees every text message before it is parsed; returning true means it was consumed (a hot
   * path such as a book that reads its pushes from the raw text). Anything it declines is parsed
   * and dispatched as usual.
   */
  setRawFilter(filter: ((raw: string) => boolean) | undefined): void {
    this.rawFilter = filter;
  }

  /** Forgets a pending request (after the caller's own timeout). */
  abandon(id: string): void {
    this.opWaiters.delete(id);
  }

  /** A fresh request id: alphanumeric, at most 32 characters (docs/OKX-PROTOCOL.md §8). */
  newId(): string {
    return `${this.endpoint[0]}${(this.nextId++).toString(36)}`;
  }

  /** Drops the socket (as if the network failed) and lets the reconnect logic run. */
  dropSocket(reason = 'dropped'): void {
    this.socket?.terminate();
    this.logger.debug({ endpoint: this.endpoint, reason }, 'ws socket dropped');
  }

  /** Stops for good: closes the socket, rejects every waiter. */
  async close(): Promise<void> {
    this.stopRequested = true;
    this.abandonHandover();
    this.wake?.();
    this.socket?.close(1000, 'client close');
    this.socket?.terminate();
    await this.running;
    if (!this.stoppedErr) this.stop(undefined);
  }

  // ---- internals -----------------------------------------------------------------------------

  private async run(): Promise<void> {
    const limiter = this.opts.connectLimiter ?? sharedConnectLimiter;
    const base = this.opts.backoff?.baseMs ?? 500;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    while (!this.stopRequested && !this.stoppedErr) {
      // A socket taken over after a 64008 notice is already open: no new connection to pace.
      if (!this.adopt) await limiter.acquire();
      if (this.stopRequested) break;
      const reason = await this.runSocket();
      if (this.stopRequested || this.stoppedErr) break;
      if (this.adopt) {
        this.logger.info({ endpoint: this.endpoint, reason }, 'ws moved to a new connection');
        continue;
      }
      const delayMs = reason === 'resync-clock' ? 0 : reconnectDelay(this.attempt, this.random, base, max);
      this.attempt++;
      this.emit('reconnecting', { attempt: this.attempt, delayMs, reason });
      this.logger.info(
        { endpoint: this.endpoint, attempt: this.attempt, delayMs, reason },
        'ws reconnecting',
      );
      if (delayMs > 0) {
        const ac = new AbortController();
        this.wake = () => ac.abort();
        // rejects only when woken early (an abort on purpose): reconnect now
        await this.sleep(delayMs, ac.signal).catch(() => undefined);
        this.wake = undefined;
      }
    }
    if (!this.stoppedErr) this.stop(undefined);
  }

  /** Runs one socket until it closes; returns why it closed. */
  private runSocket(): Promise<string> {
    return new Promise<string>((resolve) => {
      let why = 'closed';
      let finished = false;
      const taken = this.adopt;
      this.adopt = undefined;
      if (taken) this.handover = undefined;
      // The handover's listeners go in the same tick as ours arrive: no message falls between
      // them. A new socket that closed before it could be taken over is no use: open another.
      const adoptedSocket = taken?.takeOver();
      const adopted = adoptedSocket ? taken : undefined;
      const socket = adoptedSocket ?? new WebSocket(this.url, { ...this.opts.wsOptions });
      this.socket = socket;
      this.budget = adopted?.budget ?? new OpBudget(this.clock);
      let loginTimer: unknown;
      const finish = (reason: string) => {
        if (finished) return;
        finished = true;
        why = reason;
        try {
          socket.terminate();
        } catch {
          // already gone
        }
      };

      socket.on('open', () => {
        this.armHeartbeat(socket);
        this.noteSent(socket);
        if (this.opts.credentials) {
          loginTimer = this.timers.setTimeout(() => finish('login timeout'), this.ackTimeoutMs);
          void this.sendLogin(socket).catch((err: unknown) => {
            this.reportError(
              err instanceof OkxWsError
                ? err
                : new OkxWsError(String(err), { code: 'WS_LOGIN', endpoint: this.endpoint }),
            );
            finish('login not sent');
          });
        } else {
          this.onReady();
        }
      });
      if (adopted) {
        this.armHeartbeat(socket);
        this.noteSent(socket);
        this.onAdopted(adopted);
      }

      socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        this.armHeartbeat(socket);
        const raw = isBinary ? '' : data.toString();
        if (raw === 'pong') return;
        if (this.rawFilter !== undefined && this.rawFilter(raw)) return;
        this.onSocketMessage(socket, raw, finish, () => this.timers.clearTimeout(loginTimer));
      });

      socket.on('error', (err: Error) => {
        this.logger.warn({ endpoint: this.endpoint, err: err.message }, 'ws socket error');
        if (!finished) why = `socket error: ${err.message}`;
      });

      socket.on('close', (code: number, reasonBuf: Buffer) => {
        this.timers.clearTimeout(loginTimer);
        const reason = reasonBuf.toString();
        this.onSocketClosed(socket, code, reason);
        resolve(
          finished || why !== 'closed' ? why : `closed by server (${code}${reason ? ` ${reason}` : ''})`,
        );
      });
    });
  }

  /** The state a closed socket leaves behind: nothing acked, every waiter answered. */
  private onSocketClosed(socket: WebSocket, code: number, reason: string): void {
    if (this.socket === socket || !this.socket) {
      this.disarmHeartbeat();
      this.clearSendIdle();
    }
    // Replaced by a socket that already serves every channel: no gap to tell anyone about.
    const handedOver = this.adopt?.old === socket;
    if (!handedOver && this.handover?.old === socket) this.abandonHandover();
    const wasReady = this.ready;
    this.ready = false;
    if (this.socket === socket) this.socket = undefined;
    for (const key of this.acked) this.acked.delete(key);
    this.pendingById.clear();
    // Every subscription is sent again on the next socket, with fresh timers.
    this.clearAckTimers();
    // Order ops in flight may or may not have executed: their callers decide (ambiguous).
    for (const [, w] of this.opWaiters)
      w(new OkxWsClosedError(this.endpoint, `socket closed (${code}) before the reply`));
    this.opWaiters.clear();
    if (wasReady) this.attempt = 0;
    if (!handedOver) this.emit('close', { code, reason });
  }

  /** One parsed text frame of the current socket (not `pong`, not taken by the raw filter). */
  private onSocketMessage(
    socket: WebSocket,
    raw: string,
    finish: (reason: string) => void,
    clearLoginTimer: () => void,
  ): void {
    const m = parseInbound(raw);
    if (m.kind === 'invalid') {
      this.reportError(new OkxWsMessageError(m.why, this.endpoint, raw));
      return;
    }
    if (m.kind === 'event') {
      const ev = m.event;
      const isLoginAnswer =
        ev.event === 'login' ||
        // Before the login ack, an error event is the login's answer (docs/OKX-PROTOCOL.md §2.2).
        (ev.event === 'error' && !this.ready && this.opts.credentials !== undefined);
      if (!isLoginAnswer) return this.onEvent(ev, finish);
      clearLoginTimer();
      if (ev.event === 'login' && (ev.code === '0' || ev.code === undefined)) {
        this.clockResynced = false;
        this.onReady();
      } else {
        this.onLoginRefused(ev.code ?? '', ev.msg, ev.connId, finish);
      }
      return;
    }
    if (m.kind === 'reply') {
      const w = this.opWaiters.get(m.reply.id);
      if (w) w(m.reply);
      this.emit('opResponse', m.reply);
      if (this.adopt?.old === socket) this.adopt.replyOnOld();
      return;
    }
    if (m.kind === 'push') {
      // During a move, a channel the new socket already serves is not taken from the old one.
      if (this.handover?.old === socket && this.handover.serves(argKey(m.push.arg))) return;
      this.emit('push', m.push);
      return;
    }
    this.reportError(new OkxWsMessageError('neither an event, an op reply nor a push', this.endpoint, raw));
  }

  private async sendLogin(socket: WebSocket, budget: OpBudget = this.budget): Promise<void> {
    const creds = this.opts.credentials!;
    const off = this.opts.clockOffsetMs;
    const offset = typeof off === 'function' ? off() : (off ?? 0);
    // Unix SECONDS, not ms (docs/OKX-PROTOCOL.md §2.2: ms is rejected as expired, 60006).
    const timestamp = wsLoginTimestamp(this.clock.now() + offset);
    if (!budget.take()) throw new OkxWsRateLimitError(this.endpoint);
    const sign = signWsLogin({ timestamp, secretKey: creds.revealSecret() });
    socket.send(
      JSON.stringify({
        op: 'login',
        args: [{ apiKey: creds.apiKey, passphrase: creds.revealPassphrase(), timestamp, sign }],
      }),
    );
    this.noteSent(socket);
    this.logger.debug({ endpoint: this.endpoint, apiKey: creds.maskedKey }, 'ws login sent');
  }

  private onLoginRefused(
    code: string,
    msg: string | undefined,
    connId: string | undefined,
    finish: (r: string) => void,
  ): void {
    const err = new OkxWsLoginError(code, msg, this.endpoint, connId);
    if (code === '60006' && this.opts.resyncClock && !this.clockResynced) {
      // Expired timestamp: re-measure the clock once, then try again; a second 60006 is fatal.
      this.clockResynced = true;
      this.reportError(err);
      const resync = this.opts.resyncClock;
      void resync()
        .then((offset) => {
          this.opts.clockOffsetMs = offset;
        })
        .catch((e: unknown) => this.logger.warn({ err: String(e) }, 'clock re-sync failed'))
        .finally(() => finish('resync-clock'));
      return;
    }
    if (RETRYABLE_LOGIN.has(code) || errorInfo(code).cls === 'busy') {
      this.reportError(err);
      finish(`login refused (${code}), retrying`);
      return;
    }
    this.logger.error({ endpoint: this.endpoint, code }, 'ws login refused: stopping');
    this.stop(err);
    finish(`login refused (${code})`);
  }

  private onReady(): void {
    this.ready = true;
    const reconnect = this.opened > 0;
    this.opened++;
    const all = [...this.subs.values()];
    if (all.length) this.sendSubscribe('subscribe', all);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.resolve();
    this.emit('open', { reconnect, attempt: this.attempt });
  }

  private sendSubscribe(op: 'subscribe' | 'unsubscribe', args: ChannelArg[]): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    // Keep each request well under the 64 KB args limit (docs/OKX-PROTOCOL.md §2.3).
    for (let i = 0; i < args.length; i += 100) {
      const chunk = args.slice(i, i + 100);
      if (!this.budget.take()) {
        const err = new OkxWsRateLimitError(this.endpoint);
        for (const a of chunk) this.failSub(argKey(a), err);
        this.reportError(err);
        continue;
      }
      const id = this.newId();
      this.pendingById.set(id, { op, args: chunk });
      socket.send(JSON.stringify({ id, op, args: chunk }));
      this.noteSent(socket);
      if (op === 'subscribe')
        this.ackTimers.set(
          id,
          this.timers.setTimeout(() => this.subscribeTimedOut(id), this.ackTimeoutMs),
        );
    }
  }

  private onEvent(msg: WsEventMessage, finish: (r: string) => void): void {
    const ev = msg.event;
    if (ev === 'subscribe' || ev === 'unsubscribe') {
      if (ev === 'subscribe' && msg.arg) {
        const key = argKey(msg.arg);
        this.acked.add(key);
        this.unanswered.delete(key);
        this.settleAckTimers();
        const list = this.subWaiters.get(key);
        this.subWaiters.delete(key);
        for (const w of list ?? []) w.resolve();
      }
      this.emit('event', msg);
      return;
    }
    if (ev === 'error') {
      const id = msg.id;
      const pending = id ? this.pendingById.get(id) : undefined;
      if (id) this.pendingById.delete(id);
      const code = msg.code ?? '';
      const args = pending?.args ?? this.argsNamedIn(msg.msg ?? '');
      if (args.length === 0) {
        this.reportError(new OkxWsSubscribeError(code, msg.msg, this.endpoint, undefined, msg.connId));
      }
      for (const arg of args) {
        const err = new OkxWsSubscribeError(code, msg.msg, this.endpoint, arg, msg.connId);
        const key = argKey(arg);
        // A refused subscription is not restored after reconnects (it would fail again).
        this.subs.delete(key);
        this.failSub(key, err);
        this.reportError(err);
      }
      return;
    }
    if (ev === 'notice' && msg.code === '64008') {
      // Service upgrade in about 60 s (docs/OKX-PROTOCOL.md §2.3): move to a new connection
      // before this one closes.
      this.emit('event', msg);
      this.logger.info(
        { endpoint: this.endpoint },
        'ws service upgrade notice (64008): moving to a new connection',
      );
      this.startHandover(finish);
      return;
    }
    if (ev === 'channel-conn-count-error') {
      this.reportError(
        new OkxWsError(
          `Too many connections for private channel ${msg.channel ?? ''} (OKX allows at most 30 per channel per sub-account)`,
          {
            code: 'WS_CHANNEL_CONN_COUNT',
            endpoint: this.endpoint,
            hint: 'Share one connection per sub-account for private channels.',
          },
        ),
      );
    }
    this.emit('event', msg);
  }

  /** Starts a move to a new socket (see {@link Handover}) unless one is under way. */
  private startHandover(finishOld: (reason: string) => void): void {
    const old = this.socket;
    if (this.handover || this.adopt || !old || this.stopRequested) return;
    const h = new Handover(this.handoverHost(), old, finishOld);
    this.handover = h;
    h.start();
  }

  private handoverHost(): HandoverHost {
    return {
      url: this.url,
      endpoint: this.endpoint,
      wsOptions: this.opts.wsOptions,
      logsIn: this.opts.credentials !== undefined,
      clock: this.clock,
      timers: this.timers,
      ackTimeoutMs: this.ackTimeoutMs,
      logger: this.logger,
      connectLimiter: this.opts.connectLimiter ?? sharedConnectLimiter,
      subscriptions: () => this.subs,
      newId: () => this.newId(),
      sendLogin: (socket, budget) => this.sendLogin(socket, budget),
      deliver: (push) => this.emit('push', push),
      pendingOps: () => this.opWaiters.size,
      promoted: (h) => {
        this.adopt = h;
      },
      failed: (h, why) => {
        if (this.handover !== h) return;
        this.abandonHandover();
        this.logger.info(
          { endpoint: this.endpoint, why },
          'ws move to a new connection failed: reconnecting',
        );
        if (this.socket === h.old) h.finishOldSocket('service upgrade notice (64008)');
      },
    };
  }

  /** The connection runs on the handed-over socket: logged in, its channels acknowledged. */
  private onAdopted(h: Handover): void {
    this.ready = true;
    this.opened++;
    for (const k of h.keys) if (this.subs.has(k)) this.acked.add(k);
    // Channels added or removed on the old socket during the move.
    const missing = [...this.subs.entries()].filter(([k]) => !h.keys.has(k)).map(([, a]) => a);
    const stale = [...h.sent.entries()].filter(([k]) => !this.subs.has(k)).map(([, a]) => a);
    if (missing.length) this.sendSubscribe('subscribe', missing);
    if (stale.length) this.sendSubscribe('unsubscribe', stale);
    for (const k of this.acked) {
      const list = this.subWaiters.get(k);
      this.subWaiters.delete(k);
      for (const w of list ?? []) w.resolve();
    }
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.resolve();
    this.emit('open', { reconnect: true, attempt: this.attempt });
  }

  private abandonHandover(): void {
    const h = this.handover;
    if (!h) return;
    this.handover = undefined;
    if (this.adopt === h) this.adopt = undefined;
    h.end();
  }

  /**
   * A subscribe request got no ack in time: its waiters get a typed error instead of waiting
   * forever. The subscription stays in `subs`, so the next reconnect sends it again.
   */
  private subscribeTimedOut(id: string): void {
    this.ackTimers.delete(id);
    const pending = this.pendingById.get(id);
    if (!pending) return;
    this.pendingById.delete(id);
    for (const arg of pending.args) {
      const key = argKey(arg);
      if (this.acked.has(key) || !this.subs.has(key)) continue;
      this.unanswered.add(key);
      const err = new OkxWsSubscribeTimeoutError(this.endpoint, arg, this.ackTimeoutMs);
      this.failSub(key, err);
      this.reportError(err);
    }
  }

  /** Stops the ack timers of subscribe requests whose every arg is acked or gone. */
  private settleAckTimers(): void {
    for (const [id, timer] of this.ackTimers) {
      const pending = this.pendingById.get(id);
      if (
        pending &&
        pending.args.some((a) => {
          const key = argKey(a);
          return this.subs.has(key) && !this.acked.has(key);
        })
      )
        continue;
      this.timers.clearTimeout(timer);
      this.ackTimers.delete(id);
      this.pendingById.delete(id);
    }
  }

  private clearAckTimers(): void {
    for (const [, timer] of this.ackTimers) this.timers.clearTimeout(timer);
    this.ackTimers.clear();
    this.unanswered.clear();
  }

  /** Errors without an id: find the pending subscription the message names, if any. */
  private argsNamedIn(text: string): ChannelArg[] {
    const out: ChannelArg[] = [];
    for (const [key, arg] of this.subs) {
      if (this.acked.has(key) || !this.subWaiters.has(key)) continue;
      if (text.includes(arg.channel) && (!arg.instId || text.includes(arg.instId))) out.push(arg);
    }
    return out;
  }

  private failSub(key: string, err: Error): void {
    const list = this.subWaiters.get(key);
    this.subWaiters.delete(key);
    for (const w of list ?? []) w.reject(err);
  }

  private armHeartbeat(socket: WebSocket): void {
    this.disarmHeartbeat();
    // Facts §2.4: after N s without any message send the text "ping"; no reply within the timeout -> reconnect.
    this.heartbeat = this.timers.setTimeout(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send('ping');
      this.pongTimer = this.timers.setTimeout(() => {
        this.logger.warn({ endpoint: this.endpoint }, 'ws pong timeout: reconnecting');
        socket.terminate();
      }, this.pongTimeoutMs);
    }, this.pingIntervalMs);
  }

  /**
   * Something was sent on `socket`: the send-side heartbeat starts over. After sendIdlePingMs
   * without a send, a text `ping` goes out (its `pong` is awaited by the receive-side heartbeat).
   */
  private noteSent(socket: WebSocket): void {
    this.clearSendIdle();
    this.sendIdle = this.timers.setTimeout(() => {
      this.sendIdle = undefined;
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send('ping');
      this.noteSent(socket);
    }, this.sendIdlePingMs);
  }

  private clearSendIdle(): void {
    if (this.sendIdle !== undefined) this.timers.clearTimeout(this.sendIdle);
    this.sendIdle = undefined;
  }

  private disarmHeartbeat(): void {
    if (this.heartbeat !== undefined) this.timers.clearTimeout(this.heartbeat);
    if (this.pongTimer !== undefined) this.timers.clearTimeout(this.pongTimer);
    this.heartbeat = undefined;
    this.pongTimer = undefined;
  }

  private reportError(err: OkxWsError): void {
    if (!this.emit('error', err))
      this.logger.warn({ endpoint: this.endpoint, code: err.code, msg: err.message }, 'ws error');
  }

  private stop(err: OkxWsError | undefined): void {
    if (this.stoppedErr) return;
    this.stoppedErr = err ?? new OkxWsClosedError(this.endpoint, 'closed by the caller');
    this.stopRequested = true;
    this.ready = false;
    this.abandonHandover();
    const failure = this.stoppedErr;
    this.clearAckTimers();
    for (const w of this.readyWaiters) w.reject(failure);
    this.readyWaiters = [];
    for (const [key] of this.subWaiters) this.failSub(key, failure);
    for (const [, w] of this.opWaiters) w(failure);
    this.opWaiters.clear();
    if (err) this.reportError(err);
    this.emit('stopped', err);
  }
}
