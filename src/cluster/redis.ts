import { Redis } from 'ioredis';
import { OkxkitError, ValidationError } from '../util/errors.js';

/** The environment variable that selects the shared (Redis) state: limiter, kill switch, risk scope. */
export const REDIS_URL_ENV = 'OKXKIT_REDIS_URL';

/** The Redis URL from a flag, else OKXKIT_REDIS_URL (which a .env may set); undefined: embedded, in-process state. */
export function redisUrlFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const url = flag ?? (env[REDIS_URL_ENV] || undefined);
  if (url === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(
      flag !== undefined ? '--redis' : REDIS_URL_ENV,
      `'${url}' is not a URL`,
      'use e.g. redis://127.0.0.1:6379',
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ValidationError(
      flag !== undefined ? '--redis' : REDIS_URL_ENV,
      `'${u.protocol}' is not a Redis URL scheme`,
      'use redis://host:port (or rediss:// for TLS)',
    );
  return url;
}

/** The URL without a password, for people and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://?';
  }
}

export interface ConnectOptions {
  /** Per command; a command that takes longer fails (the caller then fails closed). Default 1000. */
  commandTimeoutMs?: number;
  /** BullMQ needs blocking commands to wait forever and commands to queue while reconnecting. */
  forQueue?: boolean;
}

/**
 * A connection that fails fast while Redis is away (no offline queue, no per-command retries),
 * so the caller sees the outage at once and applies its own policy (wait, then a local share),
 * and reconnects on its own every half second at most.
 */
export function connectRedis(url: string, opts: ConnectOptions = {}): Redis {
  const r = opts.forQueue
    ? new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 100, 1000) })
    : new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: opts.commandTimeoutMs ?? 1000,
        retryStrategy: (n) => Math.min(n * 50, 500),
        lazyConnect: false,
      });
  // Errors surface through the commands; an unhandled 'error' event would end the process.
  r.on('error', () => undefined);
  return r;
}

/** Resolves when the connection is ready; throws a clear error after `timeoutMs`. */
export async function whenReady(r: Redis, timeoutMs = 5000, what = 'Redis'): Promise<void> {
  if (r.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      r.off('ready', ok);
      reject(new OkxkitError(`${what} did not answer within ${timeoutMs} ms`, { code: 'REDIS_UNREACHABLE' }));
    }, timeoutMs);
    const ok = () => {
      clearTimeout(t);
      resolve();
    };
    r.once('ready', ok);
  });
}
