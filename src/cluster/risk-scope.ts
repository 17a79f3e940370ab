import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  aggregate,
  type RiskContribution,
  type RiskScope,
  type SharedRiskView,
} from '../trading/risk/shared.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { connectRedis, whenReady } from './redis.js';
import { LuaScript } from './script.js';

/*
 * The account-wide risk scope on Redis (issue 16). Per account (the kill switch scope: venue and
 * a hash of the key, never the key), two kinds of hash under "<prefix><account>:":
 *   day:<n>   field = run, value = that run's PnL of UTC day n (n = days since 1970 on Redis
 *             server time, like the limiter's windows), kept 3 days: a run's loss of the day
 *             counts for the whole day, whatever happens to the run.
 *   open      field = run, value = "<lease end, server ms> <positions as JSON>": the run's open
 *             exposure. It counts until the run releases it (a clean stop with nothing open, or
 *             an operator's release) or a new figure replaces it; a lease that runs out (the
 *             process died) only marks it stale, since the position is still on the exchange.
 * One script writes a run's contribution and reads every run's figures atomically.
 */

const DAY_MS = 86_400_000;
const DAY_KEEP_MS = 3 * DAY_MS;

const SYNC = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local today = math.floor(now / ${DAY_MS})
local mine = tonumber(ARGV[2])
local run = ARGV[1]
if ARGV[3] ~= '' then
  redis.call('HSET', ARGV[6] .. 'day:' .. mine, run, ARGV[3])
  redis.call('PEXPIRE', ARGV[6] .. 'day:' .. mine, ${DAY_KEEP_MS})
end
redis.call('HSET', KEYS[1], run, (now + tonumber(ARGV[5])) .. ' ' .. ARGV[4])
return {now, today, redis.call('HGETALL', ARGV[6] .. 'day:' .. today), redis.call('HGETALL', KEYS[1])}
`);

/** Options of a {@link RedisRiskScope}: the Redis connection, the account, the run and its lease. */
export interface RedisRiskScopeOptions {
  redis: Redis;
  /**
   * The account: every process trading it names the same one (the bot command uses the kill
   * switch scope, a venue and a hash of the API key). Letters, digits, '.', '_' and '-'.
   */
  account: string;
  /** Who this run is (e.g. the bot id); a random run id is added, so restarts stay apart. */
  member: string;
  /** Default "okxkit:risk:". */
  prefix?: string;
  /**
   * A run that has not refreshed its figures for this long is listed as stale (still counted).
   * Default 30 000.
   */
  leaseMs?: number;
  /** For `readAt` in the views (this process's time); Redis keeps the days on its own time. */
  clock?: Clock;
}

const NAME = /^[A-Za-z0-9._-]{1,120}$/;

function dayIndexOf(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

function dayOfIndex(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

function pairs(flat: unknown): Array<[string, string]> {
  const a = Array.isArray(flat) ? (flat as unknown[]).map(String) : [];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push([a[i]!, a[i + 1]!]);
  return out;
}

/** One run's entry of open exposure as kept on Redis. */
export interface RiskScopeRun {
  run: string;
  /** Server ms when its lease ends (or ended). */
  leaseUntil: number;
  stale: boolean;
  positions: Record<string, { pos: string; px: string }>;
}

/**
 * A {@link RiskScope} on Redis: the runs of every process and machine trading one account add
 * their day's PnL and their open positions to per-account hashes, and read the account-wide
 * totals, in one atomic Lua script on Redis server time (the UTC day is Redis's, so machines whose
 * clocks differ roll over together). Unreachable Redis: `sync` throws at once (no offline queue),
 * and the RiskManager refuses orders that add exposure until Redis answers again.
 */
export class RedisRiskScope implements RiskScope {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #clock: Clock;
  readonly run: string;
  #day: string | undefined;

  constructor(opts: RedisRiskScopeOptions) {
    if (!NAME.test(opts.account))
      throw new ValidationError(
        'account',
        `"${opts.account}" is not a scope name`,
        'use letters, digits, ".", "_" and "-" (e.g. the kill switch scope)',
      );
    if (!NAME.test(opts.member))
      throw new ValidationError(
        'member',
        `"${opts.member}" is not a run name`,
        'use letters, digits, ".", "_" and "-" (e.g. the bot id)',
      );
    this.#redis = opts.redis;
    this.#prefix = `${opts.prefix ?? 'okxkit:risk:'}${opts.account}:`;
    this.#leaseMs = opts.leaseMs ?? 30_000;
    this.#clock = opts.clock ?? systemClock;
    this.run = `${opts.member}#${randomBytes(4).toString('hex')}`;
  }

  get day(): string | undefined {
    return this.#day;
  }

  get where(): string {
    return `redis:${this.#prefix}`;
  }

  get #open(): string {
    return `${this.#prefix}open`;
  }

  /** Waits for Redis and learns its day; throws a clear error when it does not answer. */
  async start(timeoutMs = 5000): Promise<this> {
    await whenReady(this.#redis, timeoutMs, 'Redis (risk scope)');
    const [sec] = await this.#redis.time();
    this.#day = dayOfIndex(Math.floor((Number(sec) * 1000) / DAY_MS));
    return this;
  }

  async sync(c: RiskContribution): Promise<SharedRiskView> {
    const out = (await SYNC.run(
      this.#redis,
      [this.#open],
      [
        this.run,
        dayIndexOf(c.day),
        c.dailyPnl ?? '',
        JSON.stringify(c.positions),
        this.#leaseMs,
        this.#prefix,
      ],
    )) as [number, number, unknown, unknown];
    const now = Number(out[0]);
    const day = dayOfIndex(Number(out[1]));
    this.#day = day;
    const runs = this.#parseRuns(now, out[3]);
    return aggregate(
      day,
      pairs(out[2]).map(([, v]) => v),
      runs,
      this.#clock.now(),
      runs.filter((r) => r.stale).map((r) => r.run),
    );
  }

  #parseRuns(now: number, flat: unknown): RiskScopeRun[] {
    return pairs(flat).map(([run, v]) => {
      const sp = v.indexOf(' ');
      const leaseUntil = Number(v.slice(0, sp));
      let positions: RiskScopeRun['positions'];
      try {
        positions = JSON.parse(v.slice(sp + 1)) as RiskScopeRun['positions'];
      } catch {
        throw new OkxkitError(`the risk scope entry of ${run} on Redis is not readable`, {
          code: 'RISK_SCOPE_UNREADABLE',
          hint: `release it (RedisRiskScope.releaseRun('${run}')) once its positions are known to be closed`,
        });
      }
      return { run, leaseUntil, stale: leaseUntil < now, positions };
    });
  }

  /** Every run with open exposure on the account, stale ones included (for status and operators). */
  async runs(): Promise<RiskScopeRun[]> {
    const [sec, usec] = await this.#redis.time();
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    const all = await this.#redis.hgetall(this.#open);
    return this.#parseRuns(now, Object.entries(all).flat());
  }

  async release(): Promise<void> {
    await this.releaseRun(this.run);
  }

  /**
   * Removes a run's open exposure (an operator's step once the positions of a dead run are known
   * to be closed or taken over); its day's PnL keeps counting. True when there was one.
   */
  async releaseRun(run: string): Promise<boolean> {
    return (await this.#redis.hdel(this.#open, run)) === 1;
  }

  async close(quitRedis = false): Promise<void> {
    if (quitRedis) this.#redis.disconnect();
  }
}

/** A started Redis risk scope on its own connection (closed by close()). */
export async function openRedisRiskScope(
  url: string,
  opts: Omit<RedisRiskScopeOptions, 'redis'>,
): Promise<RedisRiskScope> {
  const scope = new RedisRiskScope({ ...opts, redis: connectRedis(url) });
  const close = scope.close.bind(scope);
  scope.close = () => close(true);
  try {
    return await scope.start();
  } catch (err) {
    await scope.close();
    throw err;
  }
}
