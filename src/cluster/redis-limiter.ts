import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RatePressureEvent, RequestLimiter } from '../client/rate-limiter.js';
import type { RateRule } from '../protocol/endpoints.js';
import { sleepOn, systemClock, type Clock, type Sleep } from '../util/clock.js';
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
 */

const ACQUIRE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local lease = tonumber(ARGV[5])
local blackout = tonumber(ARGV[6])
local since = tonumber(redis.call('GET', KEYS[3]) or '0')
if since == 0 then
  since = now
  redis.call('SET', KEYS[3], now)
end
if now < since + blackout then
  return {0, since + blackout - now, 0}
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #dead, 2 do
  redis.call('ZADD', KEYS[1], dead[i + 1], dead[i])
  redis.call('ZREM', KEYS[2], dead[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local function units(m) return tonumber(string.match(m, ':(%d+)$')) end
local used = 0
local rel = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #rel, 2 do used = used + units(rel[i]) end
local held = redis.call('ZRANGE', KEYS[2], 0, -1)
for i = 1, #held do used = used + units(held[i]) end
if used + n <= limit then
  redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
  local ttl = win + lease + 60000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, 0, used + n}
end
local u = used
for i = 1, #rel, 2 do
  u = u - units(rel[i])
  if u + n <= limit then return {0, tonumber(rel[i + 1]) + win - now, used} end
end
return {0, -1, used}
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

/** Adds a process's own recent grants back after an outage: released ones at now, in-flight ones as leases. */
const IMPORT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
for i = 3, #ARGV, 2 do
  if ARGV[i] == 'r' then
    redis.call('ZADD', KEYS[1], now, ARGV[i + 1])
  else
    redis.call('ZADD', KEYS[2], now + lease, ARGV[i + 1])
  end
end
local ttl = win + lease + 60000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`);

/** Where the limiter takes its grants from. */
export type LimiterMode = 'redis' | 'waiting' | 'local';

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
  /** With Redis unreachable: wait this long (fail closed) before trading on the local share. Default 3000. */
  failoverMs?: number;
  /**
   * N, the most processes that share a key: without Redis each takes 1/N of every rule (at least
   * one unit), so N processes together stay within the rule. Default 8.
   */
  processes?: number;
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
      s = new KeyState(rule, `${this.#prefix}${key}`);
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
    this.#closed = true;
    for (const s of this.#states.values()) s.wake?.();
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
      } else {
        const waited = now - this.#downSince;
        if (waited < this.#failoverMs)
          return { granted: false, waitMs: Math.min(this.#pollMs * 4, this.#failoverMs - waited) };
        this.#setMode(
          'local',
          `Redis unreachable for ${waited} ms: granting from the local share (1/${this.#processes} of each rule)`,
        );
        if (s.localUsed(now) + n <= share) {
          s.inFlight.push({ n, member: undefined });
          return { granted: true };
        }
        return { granted: false, waitMs: s.localWait(now, n, share) };
      }
    }
    // Just back from an outage: the others may still be on their local share; keep to ours too.
    if (now < this.#recoverUntil && s.localUsed(now) + n > share)
      return { granted: false, waitMs: s.localWait(now, n, share) };
    const member = `${this.#id}-${++this.#seq}:${n}`;
    let reply: unknown;
    try {
      reply = await ACQUIRE.run(
        this.#redis,
        [`${s.redisKey}:r`, `${s.redisKey}:l`, `${this.#prefix}since`],
        [
          s.rule.limit,
          s.rule.windowMs,
          n,
          member,
          this.#leaseMs,
          Math.min(s.rule.windowMs, this.#blackoutCap),
        ],
      );
    } catch {
      // A timed-out acquire may still have taken a lease: it expires, counted longer, never shorter.
      this.#markDown('Redis did not answer a grant');
      return { granted: false, waitMs: 0 };
    }
    const [ok, waitMs, used] = (reply as number[]).map(Number) as [number, number, number];
    if (ok !== 1) return { granted: false, waitMs };
    s.inFlight.push({ n, member });
    if (used > s.rule.limit * this.#ratio && now - s.lastPressureAt >= s.rule.windowMs) {
      s.lastPressureAt = now;
      this.#onPressure?.({ endpoint, key, used, limit: s.rule.limit });
    }
    return { granted: true };
  }

  /** Redis is back: add this process's grants of the last window to it, then trade on it again. */
  #reconnect(): Promise<void> {
    this.#reconnecting ??= this.#importOwn().finally(() => (this.#reconnecting = undefined));
    return this.#reconnecting;
  }

  async #importOwn(): Promise<void> {
    const now = this.#clock.now();
    let longest = 0;
    for (const s of this.#states.values()) {
      s.localUsed(now);
      const args: string[] = [];
      for (const e of s.history) args.push('r', `${this.#id}-i${++this.#seq}:${e.n}`);
      for (const g of s.inFlight) {
        g.member = `${this.#id}-i${++this.#seq}:${g.n}`;
        args.push('l', g.member);
      }
      if (args.length === 0) continue;
      longest = Math.max(longest, s.rule.windowMs);
      await IMPORT.run(
        this.#redis,
        [`${s.redisKey}:r`, `${s.redisKey}:l`],
        [s.rule.windowMs, this.#leaseMs, ...args],
      );
    }
    const was = this.#downSince!;
    this.#downSince = undefined;
    // A blip shorter than half the failover: nobody took a local share, nothing to keep to.
    if (this.#clock.now() - was >= this.#failoverMs / 2)
      this.#recoverUntil = this.#clock.now() + Math.min(Math.max(longest, 2000), this.#blackoutCap);
    this.#setMode('redis', `Redis is back after ${this.#clock.now() - was} ms`);
  }
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
