import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run atomically on Redis: by hash, loaded on first use (or after a restart). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly src: string) {
    this.sha = createHash('sha1').update(src).digest('hex');
  }

  async run(r: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await r.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return r.eval(this.src, keys.length, ...keys, ...args);
    }
  }
}
