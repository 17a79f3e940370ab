import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { EvalExecutor } from '../backtest/optimize.js';
import { evaluate, type EvalResult, type EvalTask } from '../backtest/optimize-worker.js';
import { sleepOn, systemClock, type Clock } from '../util/clock.js';
import { OkxkitError } from '../util/errors.js';
import { connectRedis, whenReady } from './redis.js';

/*
 * Parameter sweeps as jobs on a BullMQ queue. The submitter puts the sweep's candles (binary
 * columns) and settings in Redis once, then one job per candidate; `okxkit worker` processes on any
 * machine take jobs, backtest the candidate (the same evaluate() as a worker thread runs) and put
 * the result under the sweep's results hash; the submitter shows the progress and collects them in
 * candidate order. Keys: <prefix>sweep:<id>:spec, :cols (hash of Float64 columns), :results.
 */

export const OPTIMIZE_QUEUE = 'okxkit-optimize';
const COLS = ['ts', 'o', 'h', 'l', 'c', 'v'] as const;

interface JobData {
  sweep: string;
  index: number;
  params: Record<string, number | string>;
}

export interface QueueOptions {
  /** Key prefix for the sweep data and the queue; default "okxkit:". */
  prefix?: string;
}

function toBuffer(b: SharedArrayBuffer | ArrayBuffer): Buffer {
  return Buffer.from(new Uint8Array(b));
}

/**
 * An {@link EvalExecutor} that runs a sweep on `okxkit worker` processes through Redis. `onWaiting`
 * is told every `pollMs` how many results are in and how many workers are connected.
 */
export class RedisSweepExecutor implements EvalExecutor {
  readonly label: string;
  readonly #url: string;
  readonly #prefix: string;
  readonly #pollMs: number;
  readonly #clock: Clock;
  readonly #onStatus: ((s: { done: number; total: number; workers: number }) => void) | undefined;
  /** The sweep's id (set when run starts). */
  sweepId = '';

  constructor(
    url: string,
    opts: QueueOptions & {
      pollMs?: number;
      clock?: Clock;
      onStatus?: (s: { done: number; total: number; workers: number }) => void;
    } = {},
  ) {
    this.#url = url;
    this.#prefix = opts.prefix ?? 'okxkit:';
    this.#pollMs = opts.pollMs ?? 200;
    this.#clock = opts.clock ?? systemClock;
    this.#onStatus = opts.onStatus;
    this.label = 'okxkit worker processes via Redis';
  }

  async run(
    base: Omit<EvalTask, 'params'>,
    candidates: Record<string, number | string>[],
    onResult: (r: EvalResult) => void,
  ): Promise<EvalResult[]> {
    const redis = connectRedis(this.#url, { forQueue: true });
    const queueConn = redis.duplicate();
    const queue = new Queue<JobData>(OPTIMIZE_QUEUE, {
      connection: queueConn,
      prefix: `${this.#prefix}bull`,
    });
    const id = (this.sweepId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
    const key = (k: string) => `${this.#prefix}sweep:${id}:${k}`;
    try {
      await whenReady(redis, 5000, `Redis at the --redis URL`);
      const { cols, ...spec } = base;
      const ttlSec = 7 * 86_400;
      await redis
        .multi()
        .set(key('spec'), JSON.stringify(spec), 'EX', ttlSec)
        .hset(key('cols'), Object.fromEntries(COLS.map((c) => [c, toBuffer(cols[c])])))
        .expire(key('cols'), ttlSec)
        .exec();
      await queue.addBulk(
        candidates.map((params, index) => ({
          name: 'evaluate',
          data: { sweep: id, index, params },
          opts: { jobId: `${id}-${index}`, removeOnComplete: true, removeOnFail: 100, attempts: 3 },
        })),
      );
      const results: Array<EvalResult | undefined> = new Array<EvalResult | undefined>(candidates.length);
      let done = 0;
      const sleep = sleepOn(this.#clock);
      while (done < candidates.length) {
        const all = await redis.hgetall(key('results'));
        for (const [i, text] of Object.entries(all)) {
          const idx = Number(i);
          if (results[idx] !== undefined) continue;
          results[idx] = JSON.parse(text) as EvalResult;
          done++;
          onResult(results[idx]);
        }
        if (done < candidates.length) {
          this.#onStatus?.({ done, total: candidates.length, workers: await queue.getWorkersCount() });
          await sleep(this.#pollMs);
        }
      }
      return results as EvalResult[];
    } finally {
      await redis.del(key('spec'), key('cols'), key('results')).catch(() => undefined);
      await queue.close();
      // BullMQ leaves a connection it was given open.
      queueConn.disconnect();
      redis.disconnect();
    }
  }
}

export interface WorkerHandle {
  /** Jobs evaluated so far. */
  readonly done: number;
  close(): Promise<void>;
}

/**
 * Serves sweep jobs from Redis until closed: `okxkit worker`. Evaluates one job at a time (a
 * backtest is CPU-bound: run one worker process per core). Keeps the candles of the last sweeps.
 */
export async function startSweepWorker(
  url: string,
  opts: QueueOptions & { concurrency?: number; onJob?: (sweep: string, index: number) => void } = {},
): Promise<WorkerHandle> {
  const prefix = opts.prefix ?? 'okxkit:';
  const redis = connectRedis(url, { forQueue: true });
  await whenReady(redis, 5000, 'Redis at the --redis URL');
  const cache = new Map<string, Omit<EvalTask, 'params'>>();
  const load = async (sweep: string): Promise<Omit<EvalTask, 'params'>> => {
    const hit = cache.get(sweep);
    if (hit) return hit;
    const key = (k: string) => `${prefix}sweep:${sweep}:${k}`;
    const [spec, cols] = await Promise.all([redis.get(key('spec')), redis.hgetallBuffer(key('cols'))]);
    if (spec === null || COLS.some((c) => cols[c] === undefined))
      throw new OkxkitError(`sweep ${sweep} has no candles in Redis (finished or expired)`, {
        code: 'SWEEP_GONE',
      });
    const ab = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    const base = {
      ...(JSON.parse(spec) as Omit<EvalTask, 'params' | 'cols'>),
      cols: Object.fromEntries(COLS.map((c) => [c, ab(cols[c]!)])) as EvalTask['cols'],
    };
    cache.set(sweep, base);
    while (cache.size > 2) cache.delete(cache.keys().next().value!);
    return base;
  };
  let done = 0;
  const workerConn = redis.duplicate();
  const worker = new Worker<JobData>(
    OPTIMIZE_QUEUE,
    async (job: Job<JobData>) => {
      const { sweep, index, params } = job.data;
      const base = await load(sweep);
      const r = await evaluate({ ...base, params });
      // Counted and reported before the result is published: the submitter may return (and its
      // caller read `done`) as soon as the last result is in the hash.
      done++;
      opts.onJob?.(sweep, index);
      const results = `${prefix}sweep:${sweep}:results`;
      await redis
        .multi()
        .hset(results, String(index), JSON.stringify(r))
        .expire(results, 7 * 86_400)
        .exec();
      return index;
    },
    { connection: workerConn, prefix: `${prefix}bull`, concurrency: opts.concurrency ?? 1 },
  );
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    get done() {
      return done;
    },
    async close() {
      await worker.close();
      workerConn.disconnect();
      redis.disconnect();
    },
  };
}
