import type { Redis } from 'ioredis';
import type { KillState, KillStore } from '../trading/kill-switch.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError } from '../util/errors.js';
import { connectRedis, whenReady } from './redis.js';
import { LuaScript } from './script.js';

/*
 * Kill switch states on Redis, for every process on an account wherever it runs: one hash
 * (<prefix>states, field = scope, value = the state as JSON with a revision), written and
 * announced atomically (HSET + PUBLISH in one script), so a halt reaches every subscribed process
 * as soon as Redis delivers the message, and a process that missed it (reconnecting) reads it on
 * its next refresh (the trading stack refreshes every second).
 */

const WRITE = new LuaScript(`
local rev = redis.call('INCR', KEYS[2])
local doc = cjson.decode(ARGV[2])
doc['rev'] = rev
local text = cjson.encode(doc)
redis.call('HSET', KEYS[1], ARGV[1], text)
redis.call('PUBLISH', ARGV[3], cjson.encode({scope = ARGV[1], state = text}))
return rev
`);

interface Cached {
  state: KillState;
  rev: number;
}

export interface RedisKillStoreOptions {
  redis: Redis;
  /** Pub/sub connection; default a duplicate of `redis`. */
  subscriber?: Redis;
  /** Default "okxkit:kill:". */
  prefix?: string;
  clock?: Clock;
  /**
   * Without news from Redis for this long (disconnected, refresh failing), the state cannot be
   * known: every scope reads as halted (fail closed) until Redis answers again. Default 5000.
   */
  staleMs?: number;
}

function parse(text: string, scope: string): Cached {
  const raw = JSON.parse(text) as Partial<KillState> & { rev?: number };
  if (typeof raw.halted !== 'boolean')
    throw new OkxkitError(`kill switch state of ${scope} on Redis has no halted flag`, {
      code: 'KILL_STATE_UNREADABLE',
      hint: 'engage or resume the scope again (okxkit kill / resume --redis) to rewrite it',
    });
  return {
    rev: Number(raw.rev ?? 0),
    state: {
      halted: raw.halted,
      why: String(raw.why ?? ''),
      by: String(raw.by ?? ''),
      since: Number(raw.since ?? 0),
      ...(raw.rule ? { rule: String(raw.rule) } : {}),
      scope,
    },
  };
}

/**
 * A {@link KillStore} on Redis: reads come from a local copy (every order is checked without a
 * round trip) that pub/sub keeps current within milliseconds and `refresh()` re-reads; writes
 * update the copy at once and go through to Redis (`flush()` waits for them). Until the first load,
 * and when Redis has not answered for `staleMs`, `read` throws: the kill switch then counts the
 * scope as halted.
 */
export class RedisKillStore implements KillStore {
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #ownsSub: boolean;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #staleMs: number;
  readonly #cache = new Map<string, Cached>();
  readonly #pending = new Set<Promise<unknown>>();
  #loadedAt: number | undefined;
  #lastError: string | undefined;
  /** Tells each change that arrives from Redis (for tests and status lines). */
  onChange: ((scope: string, state: KillState) => void) | undefined;

  constructor(opts: RedisKillStoreOptions) {
    this.#redis = opts.redis;
    this.#ownsSub = opts.subscriber === undefined;
    this.#sub = opts.subscriber ?? opts.redis.duplicate();
    this.#sub.on('error', () => undefined);
    this.#prefix = opts.prefix ?? 'okxkit:kill:';
    this.#clock = opts.clock ?? systemClock;
    this.#staleMs = opts.staleMs ?? 5000;
    this.#sub.on('message', (_ch: string, msg: string) => {
      try {
        const { scope, state } = JSON.parse(msg) as { scope: string; state: string };
        this.#apply(scope, parse(state, scope));
        this.#loadedAt = this.#clock.now();
      } catch {
        // a malformed notice: the next refresh reads the hash
      }
    });
    // Resubscribe and re-read after a reconnect: notices sent meanwhile were lost. The two
    // connections come back in either order and a read needs the command connection, so each
    // one's return triggers a re-read (a re-read that fails is in #lastError; the other retries).
    this.#sub.on('ready', () => {
      // Re-read once subscribed, so a change is either in the hash read or in a notice received.
      void this.#sub
        .subscribe(this.#channel)
        .then(() => this.refresh())
        .catch((err: unknown) => this.#note(err));
    });
    this.#redis.on('ready', () => {
      if (this.#loadedAt !== undefined) void this.refresh().catch((err: unknown) => this.#note(err));
    });
  }

  #note(err: unknown): void {
    this.#lastError = err instanceof Error ? err.message : String(err);
  }

  get #channel(): string {
    return `${this.#prefix}changed`;
  }

  get #hash(): string {
    return `${this.#prefix}states`;
  }

  /** Subscribes and loads every state; until then every read throws (halted). */
  async start(timeoutMs = 5000): Promise<this> {
    await whenReady(this.#redis, timeoutMs);
    await whenReady(this.#sub, timeoutMs);
    await this.#sub.subscribe(this.#channel);
    await this.refresh();
    return this;
  }

  #apply(scope: string, c: Cached): void {
    const prev = this.#cache.get(scope);
    if (prev && prev.rev > c.rev) return;
    this.#cache.set(scope, c);
    if (!prev || prev.rev !== c.rev) this.onChange?.(scope, c.state);
  }

  read(scope: string): KillState | undefined {
    const now = this.#clock.now();
    if (this.#loadedAt === undefined || now - this.#loadedAt > this.#staleMs)
      throw new OkxkitError(
        `kill switch state on Redis unknown ${this.#loadedAt === undefined ? '(not loaded yet)' : `for ${now - this.#loadedAt} ms`}${this.#lastError ? ` (${this.#lastError})` : ''}`,
        {
          code: 'KILL_STATE_UNKNOWN',
          hint: 'every scope reads halted until Redis answers again (fail closed)',
        },
      );
    return this.#cache.get(scope)?.state;
  }

  write(scope: string, state: KillState): void {
    // This process obeys at once; the others when the notice arrives.
    const prev = this.#cache.get(scope);
    this.#cache.set(scope, { state: { ...state, scope }, rev: (prev?.rev ?? 0) + 0.5 });
    const p = WRITE.run(
      this.#redis,
      [this.#hash, `${this.#prefix}rev`],
      [scope, JSON.stringify(state), this.#channel],
    );
    this.#pending.add(p);
    void p.then(
      () => this.#pending.delete(p),
      (err: unknown) => {
        this.#pending.delete(p);
        this.#lastError = `a write could not reach Redis: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  }

  /** Waits for the writes so far to reach Redis; throws when one failed. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  scopes(): string[] {
    return [...this.#cache.keys()];
  }

  where(scope: string): string {
    return `redis:${this.#hash}#${scope}`;
  }

  async refresh(): Promise<void> {
    let all: Record<string, string>;
    try {
      all = await this.#redis.hgetall(this.#hash);
    } catch (err) {
      this.#lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
    for (const [scope, text] of Object.entries(all)) this.#apply(scope, parse(text, scope));
    this.#loadedAt = this.#clock.now();
    this.#lastError = undefined;
  }

  async close(quitRedis = false): Promise<void> {
    await this.flush().catch(() => undefined);
    if (this.#ownsSub) this.#sub.disconnect();
    if (quitRedis) this.#redis.disconnect();
  }
}

/** A started Redis kill store on its own connections (closed by close()). */
export async function openRedisKillStore(
  url: string,
  opts: Omit<RedisKillStoreOptions, 'redis' | 'subscriber'> = {},
): Promise<RedisKillStore> {
  const store = new RedisKillStore({ ...opts, redis: connectRedis(url) });
  const close = store.close.bind(store);
  store.close = () => close(true);
  return store.start();
}
