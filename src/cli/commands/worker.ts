import { createServer, type Server } from 'node:http';
import type { Command } from 'commander';
import { startSweepWorker } from '../../cluster/optimize-queue.js';
import { redactRedisUrl, redisUrlFrom } from '../../cluster/redis.js';
import { ValidationError } from '../../util/errors.js';

interface WorkerFlags {
  redis?: string;
  port?: string;
  seconds?: string;
}

function whole(flag: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new ValidationError(flag, `'${v}' is not a whole number in [${min}, ${max}]`);
  return Number(v);
}

/** `okxkit worker --redis URL`: serves optimizer sweeps submitted with `okxkit optimize --redis URL`. */
export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'serve distributed optimizer jobs from Redis (okxkit optimize --redis): run one per core, on any machine that reaches Redis',
    )
    .option('--redis <url>', 'the Redis URL (default: OKXKIT_REDIS_URL)')
    .option('--port <n>', 'serve GET /health (jobs done, JSON) on 127.0.0.1:<n>')
    .option('--seconds <n>', 'stop after N seconds (default: until Ctrl-C or SIGTERM)')
    .action(async (flags: WorkerFlags) => {
      const url = redisUrlFrom(flags.redis);
      if (url === undefined)
        throw new ValidationError(
          '--redis',
          'no Redis to take jobs from',
          'give --redis redis://host:port or set OKXKIT_REDIS_URL',
        );
      const port = flags.port === undefined ? undefined : whole('--port', flags.port, 1, 65535);
      const seconds =
        flags.seconds === undefined ? undefined : whole('--seconds', flags.seconds, 1, 10_000_000);
      const started = Date.now();
      const worker = await startSweepWorker(url, {
        onJob: (sweep, index) =>
          process.stderr.write(`worker: sweep ${sweep} configuration #${index} done (${worker.done} jobs)\n`),
      });
      let server: Server | undefined;
      if (port !== undefined) {
        server = createServer((_req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ ok: true, jobs: worker.done, upMs: Date.now() - started }));
        });
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(port, '127.0.0.1', () => resolve());
        });
      }
      process.stderr.write(
        `worker: taking optimizer jobs from ${redactRedisUrl(url)}${port !== undefined ? `; health on http://127.0.0.1:${port}/health` : ''}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (seconds !== undefined) setTimeout(stop, seconds * 1000).unref();
      });
      await worker.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      process.stderr.write(`worker stopped: ${worker.done} jobs evaluated\n`);
    });
}
