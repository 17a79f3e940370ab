import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RatePressureEvent, RequestLimiter } from '../client/rate-limiter.js';
import type { RateRule } from '../protocol/endpoints.js';
import { sleepOn, systemClock, timersOf, type Clock, type Sleep, type TimerHandle } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { connectRedis } from './redis.js';
import { LuaScript } from './script.js';

/*
 * The client's rate limiter (src/client/rate-limiter.ts) with its windows in Redis, for several
 * processes and machines on one key (docs/OKX-PROTOCOL.md §5: limits count per key, account, IP
 * and instrument, wherever the requests come from). Same semantics: a grant counts from the moment
 * it is taken, is held (as a lease) until its response has arrived, then counts for a full window
 * from then. Per rule key, two sorted sets:
 *   <prefix><key>:l  leases in flight, scored by their expiry (server ms)
 *   <prefix><key>:r  released grants, scored by their release time (server ms)
 * Members are "<grant id>:<units>". Every time is Redis server time (TIME inside the scripts),
 * never a caller's clock, so machines whose clocks differ share one window. A lease that expires
 * (its process crashed) counts as released at its expiry: its units come back a window later.
 *
 * Partitions. A process cut off from Redis while the others still reach it sends on its local share
 * (1/N of the rule), unseen by the others. So every process registers in each rule key it uses:
 *   <prefix><key>:p  members "<process id>|<share>|<hold ms>", scored by when the registration lapses
 * renewed by each grant and by a heartbeat (every memberTtlMs / 4). A member that lapsed without a
 * clean release (close) is counted as using its whole share until `score + hold`, where hold covers
 * everything it may still send: it stops granting altogether offlineMs after its last renewal, its
 * last grant's lease ends within leaseMs, and that grant then counts for one window. A process
 * that comes back adds its own grants of the last window to the windows and renews in the same
 * script, which ends the reservation: its grants count once, as grants, not also as a share.
 *
 * Two bounds keep this sound whatever the clocks read (only durations are compared, never one
 * machine's time with another's):
 * - every renewal carries a deadline in Redis time, `latest Redis time this process has seen +
 *   memberTtlMs / 2`, and Redis ignores one that arrives later (a command delayed in the network
 *   cannot renew a process that already went local), so the registration has lapsed by
 *   `local time that Redis time was seen + memberTtlMs / 2 + memberTtlMs`;
 * - the local share starts only one window (plus memberTtlMs for the request to reach the exchange)
 *   after that, so the grants the others took before they saw the lapse have left the window.
 */

const ACQUIRE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local lease = tonumber(ARGV[5])
local blackout = tonumber(ARGV[6])
if now > tonumber(ARGV[7]) then return {2, 0, 0, now} end
local ttl = tonumber(ARGV[9])
redis.call('ZADD', KEYS[4], now + ttl, ARGV[8])
local reserved = 0
local longest = ttl
local procs = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
for i = 1, #procs, 2 do
  local share, hold = string.match(procs[i], '|(%d+)|(%d+)$')
  local lapse = tonumber(procs[i + 1])
  local ends = lapse + tonumber(hold)
  if ends <= now then
    redis.call('ZREM', KEYS[4], procs[i])
  else
    if lapse < now then reserved = reserved + tonumber(share) end
    if ends - now > longest then longest = ends - now end
  end
end
redis.call('PEXPIRE', KEYS[4], longest)
local since = tonumber(redis.call('GET', KEYS[3]) or '0')
if since == 0 then
  since = now
  redis.call('SET', KEYS[3], now)
end
if now < since + blackout then
  return {0, since + blackout - now, 0, now}
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #dead, 2 do
  redis.call('ZADD', KEYS[1], dead[i + 1], dead[i])
  redis.call('ZREM', KEYS[2], dead[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local function units(m) return tonumber(string.match(m, ':(%d+)$')) end
local used = reserved
local rel = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #rel, 2 do used = used + units(rel[i]) end
local held = redis.call('ZRANGE', KEYS[2], 0, -1)
for i = 1, #held do used = used + units(held[i]) end
if used + n <= limit then
  redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
  local ttl = win + lease + 60000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, 0, used + n, now}
end
local u = used
for i = 1, #rel, 2 do
  u = u - units(rel[i])
  if u + n <= limit then return {0, tonumber(rel[i + 1]) + win - now, used, now} end
end
return {0, -1, used, now}
`);

const RELEASE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

/**
 * Back after an outage: adds the process's own recent grants (released ones at now, in-flight ones
 * as leases) and renews its registration, in one step, so its share stops being held for it only
 * once its grants count instead. Ignored past the deadline, like every renewal.
 */
const JOIN = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[3]) then return {2, now} end
local win = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local ttl = tonumber(ARGV[5])
local hold = tonumber(ARGV[6])
for i = 7, #ARGV, 2 do
  if ARGV[i] == 'r' then
    redis.call('ZADD', KEYS[1], now, ARGV[i + 1])
  else
    redis.call('ZADD', KEYS[2], now + lease, ARGV[i + 1])
  end
end
local keep = win + lease + 60000
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZADD', KEYS[3], now + ttl, ARGV[4])
if redis.call('PTTL', KEYS[3]) < ttl + hold then redis.call('PEXPIRE', KEYS[3], ttl + hold) end
return {1, now}
`);

/** Renews this process's registration in every rule key it uses (KEYS: the :p sets; ARGV: deadline, ttl, then member and hold per key). */
const HEARTBEAT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[1]) then return {2, now} end
local ttl = tonumber(ARGV[2])
for i = 1, #KEYS do
  local hold = tonumber(ARGV[2 + 2 * i])
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[1 + 2 * i])
  if redis.call('PTTL', KEYS[i]) < ttl + hold then redis.call('PEXPIRE', KEYS[i], ttl + hold) end
end
return {1, now}
`);

/** A clean exit: nothing of this process's share needs holding (KEYS: the :p sets; ARGV: its member per key). */
const LEAVE = new LuaScript(`
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[i]) end
return 1
`);

/** Where the limiter takes its grants from. */
export type LimiterMode = 'redis' | 'waiting' | 'local' | 'stopped';

export interface RedisRateLimiterOptions {
  /** Commands (fail fast while Redis is away: see connectRedis). */
  redis: Redis;
  /** Pub/sub connection for release notices; default a duplicate of `redis`. */
  subscriber?: Redis;
  /** Key prefix; default "okxkit:rl:". */
  prefix?: string;
  /** For this process's own waits and its local share; Redis keeps the shared windows on its own time. */
  clock?: Clock;
  sleep?: Sleep;
  /**
   * How long a grant may stay in flight before Redis gives its units back (a crashed process).
   * Longer than the client's request timeout. Default 30 000.
   */
  leaseMs?: number;
  /** While only in-flight grants block a key: how often to look again (a release notice wakes sooner). Default 50. */
  pollMs?: number;
  /**
   * With Redis unreachable: wait at least this long (fail closed) before trading on the local share.
   * Default 3000. The share also waits until the others must have seen this process lapse, plus one
   * window (see `memberTtlMs`): with the defaults and the catalogue's 2 s windows, about 4.5 s.
   */
  failoverMs?: number;
  /**
   * N, the most processes that share a key: without Redis each takes 1/N of every rule (at least
   * one unit), so N processes together stay within the rule. Default 8.
   */
  processes?: number;
  /**
   * A process's registration in each rule key lapses this long after its last renewal (a grant or
   * a heartbeat, every memberTtlMs / 4); the processes still on Redis then hold its share for it
   * until it comes back or must have stopped. Default 1000.
   */
  memberTtlMs?: number;
  /**
   * With Redis unreachable this long (since the last renewal it sent that Redis answered), stop
   * granting altogether until Redis answers again, so the others can stop holding this process's
   * share: they hold it for offlineMs + leaseMs + one window after it lapsed. Default 60 000.
   */
  offlineMs?: number;
  /**
   * After Redis lost its state (a restart without persistence), nothing is granted for one
   * window (at most this long), so grants sent just before the loss are never sent again. Default 10 000.
   */
  blackoutCapMs?: number;
  onPressure?: (e: RatePressureEvent) => void;
  /** Default 0.8. */
  pressureRatio?: number;
  /** Tells when the limiter changes where it takes grants from. */
  onMode?: (mode: LimiterMode, why: string) => void;
}

interface Waiter {
  n: number;
  endpoint: string;
  resolve: () => void;
}

interface Grant {
  n: number;
  /** The lease's member in Redis; undefined for a grant of the local share. */
  member: string | undefined;
}

class KeyState {
  /** Renewed in Redis at least once (a key first used while Redis is away gets no local share). */
  registered = false;
  queue: Waiter[] = [];
  draining = false;
  /** This process's own released grants (local clock), for the local share and re-imports. */
  history: Array<{ t: number; n: number }> = [];
  inFlight: Grant[] = [];
  wake: (() => void) | undefined;
  lastPressureAt = -Infinity;
  constructor(
    readonly rule: RateRule,
    readonly redisKey: string,
    /** This process's member in `<key>:p`: "<id>|<share>|<hold ms>". */
    readonly member: string,
    readonly hold: number,
  ) {}

  localUsed(now: number): number {
    const edge = now - this.rule.windowMs;
    let i = 0;
    while (i < this.history.length && this.history[i]!.t <= edge) i++;
    if (i > 0) this.history.splice(0, i);
    return this.history.reduce((a, e) => a + e.n, 0) + this.inFlight.reduce((a, g) => a + g.n, 0);
  }

  /** Ms until n more units fit in `limit` locally; -1 when only a release can make room. */
  localWait(now: number, n: number, limit: number): number {
    let used = this.localUsed(now);
    for (const e of this.history) {
      used -= e.n;
      if (used + n <= limit) return Math.max(1, e.t + this.rule.windowMs - now);
    }
    return -1;
  }
}

type Try = { granted: true } | { granted: false; waitMs: number };

/**
 * A {@link RequestLimiter} shared by every process that uses the same Redis: one window per rule
 * key, kept by atomic Lua scripts on Redis server time. Redis unreachable: it fails closed (waits
 * `failoverMs`), then grants from a local share of 1/N of each rule; when Redis is back it adds
 * this process's recent grants to the shared windows and keeps to its local share for one more
 * window, so the switch back never sends more than the rule.
 */
export class RedisRateLimiter implements RequestLimiter {
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #ownsSub: boolean;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #failoverMs: number;
  readonly #processes: number;
  readonly #ttl: number;
  readonly #offlineMs: number;
  readonly #blackoutCap: number;
  readonly #ratio: number;
  readonly #onPressure: ((e: RatePressureEvent) => void) | undefined;
  readonly #onMode: ((mode: LimiterMode, why: string) => void) | undefined;
  readonly #id = randomBytes(6).toString('hex');
  readonly #states = new Map<string, KeyState>();
  #seq = 0;
  #mode: LimiterMode = 'redis';
  #downSince: number | undefined;
  #recoverUntil = -Infinity;
  #reconnecting: Promise<void> | undefined;
  #closed = false;
  #everReady = false;
  /** The latest Redis time this process has seen, and its own time when it saw it. */
  #known = { server: -Infinity, at: -Infinity };
  /** A renewal came back too late for its deadline: read Redis time before the next one. */
  #needTime = true;
  /** Own time at which the latest renewal that Redis confirmed was sent. */
  #renewedSentAt = -Infinity;
  #heartbeat: TimerHandle | undefined;
  #beating = false;

  constructor(opts: RedisRateLimiterOptions) {
    const n = opts.processes ?? 8;
    if (!(Number.isInteger(n) && n >= 1))
      throw new ValidationError(
        'processes',
        `${n} is not a whole number >= 1`,
        'the most processes sharing one key, e.g. 8',
      );
    this.#redis = opts.redis;
    this.#ownsSub = opts.subscriber === undefined;
    this.#sub = opts.subscriber ?? opts.redis.duplicate();
    this.#sub.on('error', () => undefined);
    this.#prefix = opts.prefix ?? 'okxkit:rl:';
    this.#clock = opts.clock ?? systemClock;
    this.#sleep = opts.sleep ?? sleepOn(this.#clock);
    this.#leaseMs = opts.leaseMs ?? 30_000;
    this.#pollMs = opts.pollMs ?? 50;
    this.#failoverMs = opts.failoverMs ?? 3000;
    this.#processes = n;
    this.#ttl = positive('memberTtlMs', opts.memberTtlMs ?? 1000);
    this.#offlineMs = positive('offlineMs', opts.offlineMs ?? 60_000);
    this.#blackoutCap = opts.blackoutCapMs ?? 10_000;
    this.#ratio = opts.pressureRatio ?? 0.8;
    this.#onPressure = opts.onPressure;
    this.#onMode = opts.onMode;
    void this.#sub.subscribe(this.#channel).catch(() => undefined);
    this.#sub.on('ready', () => void this.#sub.subscribe(this.#channel).catch(() => undefined));
    this.#sub.on('message', (_ch: string, key: string) => this.#states.get(key)?.wake?.());
    this.#redis.on('close', () => this.#markDown('the connection to Redis closed'));
    // Back (or first) connected: whoever waits tries again now.
    this.#everReady = this.#redis.status === 'ready';
    this.#redis.on('ready', () => {
      this.#everReady = true;
      if (this.#downSince !== undefined)
        this.#reconnect().catch(() => this.#markDown('Redis answered, then failed again'));
      for (const s of this.#states.values()) s.wake?.();
    });
    this.#heartbeat = timersOf(this.#clock).setInterval(() => void this.#beat(), this.#ttl / 4, {
      unref: true,
    });
  }

  get #channel(): string {
    return `${this.#prefix}released`;
  }

  /** Where grants come from now. */
  get mode(): LimiterMode {
    return this.#mode;
  }

  /** The local share of a rule: what this process may send per window without Redis. */
  shareOf(rule: RateRule): number {
    return Math.max(1, Math.floor(rule.limit / this.#processes));
  }

  acquire(key: string, rule: RateRule, n = 1, endpoint = key): Promise<void> {
    let s = this.#states.get(key);
    if (s === undefined) {
      const hold = this.#offlineMs + this.#leaseMs + rule.windowMs;
      s = new KeyState(rule, `${this.#prefix}${key}`, `${this.#id}|${this.shareOf(rule)}|${hold}`, hold);
      this.#states.set(key, s);
    }
    const units = Math.min(Math.max(1, n), rule.limit);
    const st = s;
    return new Promise<void>((resolve) => {
      st.queue.push({ n: units, endpoint, resolve });
      if (!st.draining) void this.#drain(st, key);
    });
  }

  release(key: string, n = 1): void {
    const s = this.#states.get(key);
    if (s === undefined || s.inFlight.length === 0) return;
    const i = s.inFlight.findIndex((g) => g.n === n);
    const [g] = s.inFlight.splice(i < 0 ? 0 : i, 1);
    s.history.push({ t: this.#clock.now(), n: g!.n });
    s.wake?.();
    if (g!.member === undefined || this.#downSince !== undefined) return;
    RELEASE.run(this.#redis, [`${s.redisKey}:r`, `${s.redisKey}:l`], [g!.member, this.#channel, key]).catch(
      // The lease stays in Redis until it expires: counted longer than needed, never shorter.
      () => this.#markDown('a release could not reach Redis'),
    );
  }

  /** Stops the subscriber (and the command connection when `quitRedis`). */
  async close(quitRedis = false): Promise<void> {
    const first = !this.#closed;
    this.#closed = true;
    timersOf(this.#clock).clear(this.#heartbeat);
    for (const s of this.#states.values()) s.wake?.();
    // A clean exit while on Redis: the others need not hold this process's share. Cut off, it
    // cannot tell them: its registration lapses and they hold the share for the bounded time.
    const states = [...this.#states.values()];
    if (first && this.#downSince === undefined && this.#redis.status === 'ready' && states.length > 0)
      await LEAVE.run(
        this.#redis,
        states.map((st) => `${st.redisKey}:p`),
        states.map((st) => st.member),
      ).catch(() => undefined);
    if (this.#ownsSub) this.#sub.disconnect();
    if (quitRedis) this.#redis.disconnect();
    await Promise.resolve();
  }

  #setMode(mode: LimiterMode, why: string): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    this.#onMode?.(mode, why);
  }

  #markDown(why: string): void {
    if (this.#closed || this.#downSince !== undefined) return;
    // Still connecting for the first time: no grant was ever taken, wait quietly for 'ready'.
    if (!this.#everReady) return;
    this.#downSince = this.#clock.now();
    this.#setMode('waiting', why);
  }

  async #drain(s: KeyState, key: string): Promise<void> {
    s.draining = true;
    try {
      while (s.queue.length > 0) {
        const head = s.queue[0]!;
        const r = await this.#try(s, key, head.n, head.endpoint);
        if (r.granted) {
          s.queue.shift();
          head.resolve();
          continue;
        }
        await this.#wait(s, r.waitMs);
      }
    } finally {
      s.draining = false;
    }
  }

  async #wait(s: KeyState, waitMs: number): Promise<void> {
    if (waitMs === 0) return;
    const ac = new AbortController();
    // Only in-flight grants block: a release (here, or a notice from another process) wakes us.
    s.wake = () => ac.abort();
    try {
      await this.#sleep(waitMs < 0 ? this.#pollMs : waitMs, ac.signal);
    } catch {
      // woken by a release
    } finally {
      s.wake = undefined;
    }
  }

  async #try(s: KeyState, key: string, n: number, endpoint: string): Promise<Try> {
    const now = this.#clock.now();
    const share = this.shareOf(s.rule);
    if (!this.#everReady) return { granted: false, waitMs: this.#pollMs };
    if (this.#downSince !== undefined) {
      if (this.#redis.status === 'ready') {
        try {
          await this.#reconnect();
        } catch {
          this.#markDown('Redis answered, then failed again');
          return { granted: false, waitMs: this.#pollMs };
        }
      } else return this.#tryLocal(s, now, n, share);
    }
    // Just back from an outage: the others may still be on their local share; keep to ours too.
    if (now < this.#recoverUntil && s.localUsed(now) + n > share)
      return { granted: false, waitMs: s.localWait(now, n, share) };
    const member = `${this.#id}-${++this.#seq}:${n}`;
    let reply: unknown;
    const sentAt = this.#clock.now();
    try {
      const deadline = await this.#deadline();
      reply = await ACQUIRE.run(
        this.#redis,
        [`${s.redisKey}:r`, `${s.redisKey}:l`, `${this.#prefix}since`, `${s.redisKey}:p`],
        [
          s.rule.limit,
          s.rule.windowMs,
          n,
          member,
          this.#leaseMs,
          Math.min(s.rule.windowMs, this.#blackoutCap),
          deadline,
          s.member,
          this.#ttl,
        ],
      );
    } catch {
      // A timed-out acquire may still have taken a lease: it expires, counted longer, never shorter.
      this.#markDown('Redis did not answer a grant');
      return { granted: false, waitMs: 0 };
    }
    const [ok, waitMs, used, server] = (reply as number[]).map(Number) as [number, number, number, number];
    this.#saw(server);
    if (ok === 2) {
      // Past its deadline (this process was slow to send it): read Redis time, then again.
      this.#needTime = true;
      return { granted: false, waitMs: 0 };
    }
    this.#renewed(sentAt);
    s.registered = true;
    if (ok !== 1) return { granted: false, waitMs };
    s.inFlight.push({ n, member });
    if (used > s.rule.limit * this.#ratio && now - s.lastPressureAt >= s.rule.windowMs) {
      s.lastPressureAt = now;
      this.#onPressure?.({ endpoint, key, used, limit: s.rule.limit });
    }
    return { granted: true };
  }

  /** Redis unreachable: fail closed, then the local share, then nothing once offlineMs has passed. */
  #tryLocal(s: KeyState, now: number, n: number, share: number): Try {
    const offline = now - this.#renewedSentAt;
    if (offline >= this.#offlineMs) {
      this.#setMode(
        'stopped',
        `Redis unreachable for ${Math.round(offline)} ms (offlineMs ${this.#offlineMs}): nothing granted until it answers`,
      );
      return { granted: false, waitMs: this.#pollMs * 4 };
    }
    // The others hold this process's share only once its registration has lapsed in Redis
    // (by lapsedBy), and grants they took before that count one window: wait for both.
    const lapsedBy = this.#known.at + this.#ttl / 2 + this.#ttl;
    const from = Math.max(this.#downSince! + this.#failoverMs, lapsedBy + s.rule.windowMs + this.#ttl);
    if (!s.registered || now < from)
      return { granted: false, waitMs: Math.max(1, Math.min(this.#pollMs * 4, from - now)) };
    this.#setMode(
      'local',
      `Redis unreachable for ${Math.round(now - this.#downSince!)} ms: granting from the local share (1/${this.#processes} of each rule)`,
    );
    if (s.localUsed(now) + n <= share) {
      s.inFlight.push({ n, member: undefined });
      return { granted: true };
    }
    const wait = s.localWait(now, n, share);
    const stopIn = this.#renewedSentAt + this.#offlineMs - now;
    return { granted: false, waitMs: wait < 0 ? wait : Math.min(wait, Math.max(1, stopIn)) };
  }

  /** A Redis time a reply carried: the latest one seen bounds every deadline sent. */
  #saw(server: number): void {
    if (!(server > this.#known.server)) return;
    this.#known = { server, at: this.#clock.now() };
  }

  #renewed(sentAt: number): void {
    if (sentAt > this.#renewedSentAt) this.#renewedSentAt = sentAt;
  }

  /** The deadline (Redis time) for a renewal sent now: the latest Redis time seen + memberTtlMs / 2. */
  async #deadline(): Promise<number> {
    if (this.#needTime || this.#clock.now() - this.#known.at > this.#ttl / 3) {
      const [sec, us] = await this.#redis.time();
      this.#saw(Number(sec) * 1000 + Math.floor(Number(us) / 1000));
      this.#needTime = false;
    }
    return this.#known.server + this.#ttl / 2;
  }

  /** Renews this process's registration in every rule key it uses (skipped while Redis is away). */
  async #beat(): Promise<void> {
    if (this.#closed || this.#beating || this.#downSince !== undefined || this.#redis.status !== 'ready')
      return;
    const states = [...this.#states.values()];
    if (states.length === 0) return;
    this.#beating = true;
    const sentAt = this.#clock.now();
    try {
      const deadline = await this.#deadline();
      const args: Array<string | number> = [deadline, this.#ttl];
      for (const st of states) args.push(st.member, st.hold);
      const reply = (await HEARTBEAT.run(
        this.#redis,
        states.map((st) => `${st.redisKey}:p`),
        args,
      )) as number[];
      this.#saw(Number(reply[1]));
      if (Number(reply[0]) === 2) this.#needTime = true;
      else {
        this.#renewed(sentAt);
        for (const st of states) st.registered = true;
      }
    } catch {
      this.#markDown('a heartbeat could not reach Redis');
    } finally {
      this.#beating = false;
    }
  }

  /** Redis is back: add this process's grants of the last window to it, then trade on it again. */
  #reconnect(): Promise<void> {
    this.#reconnecting ??= this.#importOwn().finally(() => (this.#reconnecting = undefined));
    return this.#reconnecting;
  }

  async #importOwn(): Promise<void> {
    const now = this.#clock.now();
    let longest = 0;
    // A fresh Redis time first: the renewals below carry a deadline from it.
    this.#needTime = true;
    for (const s of this.#states.values()) {
      s.localUsed(now);
      const args: string[] = [];
      for (const e of s.history) args.push('r', `${this.#id}-i${++this.#seq}:${e.n}`);
      for (const g of s.inFlight) {
        g.member = `${this.#id}-i${++this.#seq}:${g.n}`;
        args.push('l', g.member);
      }
      if (args.length > 0) longest = Math.max(longest, s.rule.windowMs);
      const sentAt = this.#clock.now();
      const deadline = await this.#deadline();
      const reply = (await JOIN.run(
        this.#redis,
        [`${s.redisKey}:r`, `${s.redisKey}:l`, `${s.redisKey}:p`],
        [s.rule.windowMs, this.#leaseMs, deadline, s.member, this.#ttl, s.hold, ...args],
      )) as number[];
      this.#saw(Number(reply[1]));
      if (Number(reply[0]) === 2) {
        this.#needTime = true;
        throw new Error('a renewal reached Redis after its deadline');
      }
      this.#renewed(sentAt);
      s.registered = true;
    }
    const was = this.#downSince!;
    this.#downSince = undefined;
    // A blip shorter than half the failover: nobody took a local share, nothing to keep to.
    if (this.#clock.now() - was >= this.#failoverMs / 2)
      this.#recoverUntil = this.#clock.now() + Math.min(Math.max(longest, 2000), this.#blackoutCap);
    this.#setMode('redis', `Redis is back after ${this.#clock.now() - was} ms`);
  }
}

/** A positive number of milliseconds, or a clear error naming the option. */
function positive(field: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0))
    throw new ValidationError(field, `${v} is not a positive number of milliseconds`, `e.g. ${field}: 1000`);
  return v;
}

/** A Redis limiter on its own connections (closed by close()). */
export function openRedisLimiter(
  url: string,
  opts: Omit<RedisRateLimiterOptions, 'redis' | 'subscriber'> = {},
): RedisRateLimiter & { close(): Promise<void> } {
  const lim = new RedisRateLimiter({ ...opts, redis: connectRedis(url) });
  const close = lim.close.bind(lim);
  return Object.assign(lim, { close: () => close(true) });
}
