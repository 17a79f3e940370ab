// One trading process of the cluster bench (bench/cluster.ts): `bots` loops on one key, each placing
// a post-only order far from the market and cancelling it, as fast as the shared Redis limiter
// lets them. Waits for "go" on stdin, runs `seconds`, prints one JSON line of counts.
import { createInterface } from 'node:readline';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxApiError } from '../../src/client/errors.js';
import { Credentials } from '../../src/client/credentials.js';
import { openRedisLimiter } from '../../src/cluster/redis-limiter.js';

const [restUrl, redisUrl, botsArg, secondsArg, processesArg] = process.argv.slice(2);
// The local exchange's fake key, from the parent's environment.
const env = process.env;
const limiter = openRedisLimiter(redisUrl!, { processes: Number(processesArg) });
const client = new OkxClient({
  baseUrl: restUrl!,
  credentials: new Credentials(env.OKX_API_KEY!, env.OKX_SECRET_KEY!, env.OKX_PASSPHRASE!),
  limiter,
  retry: { maxRetries: 0 },
});
const counts = { placed: 0, cancelled: 0, errors: {} as Record<string, number> };
const fail = (err: unknown) => {
  const code = err instanceof OkxApiError ? err.code : err instanceof Error ? err.name : 'unknown';
  counts.errors[code] = (counts.errors[code] ?? 0) + 1;
};
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const end = Date.now() + Number(secondsArg) * 1000;
await Promise.all(
  Array.from({ length: Number(botsArg) }, async () => {
    while (Date.now() < end) {
      try {
        const r = await client.trade.placeOrder({
          instId: 'BTC-USDT',
          tdMode: 'cash',
          side: 'buy',
          ordType: 'post_only',
          px: '30000',
          sz: '0.00001',
        });
        if (Date.now() <= end) counts.placed++;
        await client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: r.ordId });
        counts.cancelled++;
      } catch (err) {
        fail(err);
      }
    }
  }),
);
process.stdout.write(`${JSON.stringify(counts)}\n`);
await client.close();
await limiter.close();
process.exit(0);
