// Rate limiter: (1) utilisation under sustained over-demand, in virtual time: how close the
// client gets to OKX's limit without ever exceeding it in any sliding window; (2) the cost of
// acquire() on the fast path (capacity available), against a bare Map counter.
import { RateLimiter } from '../src/client/rate-limiter.js';
import type { RateRule } from '../src/protocol/endpoints.js';
import { ManualClock, type Sleep } from '../src/util/clock.js';
import { compare, rows, type BenchResult } from './harness.js';

/** A discrete-event scheduler: sleep() registers a timer; run() advances the clock timer by timer. */
function virtualTime(start: number) {
  const clock = new ManualClock(start);
  const timers: Array<{ due: number; resolve: () => void }> = [];
  const sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      timers.push({ due: clock.now() + Math.max(0, ms), resolve });
      timers.sort((a, b) => a.due - b.due);
    });
  async function run(until: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const t = timers.shift();
      if (!t || t.due > until) return;
      clock.set(t.due);
      t.resolve();
    }
  }
  return { clock, sleep, run };
}

async function utilisation(rule: RateRule, workers: number, latencyMs: number, seconds: number) {
  const start = 1_700_000_000_000;
  const vt = virtualTime(start);
  const limiter = new RateLimiter({ clock: vt.clock, sleep: vt.sleep });
  const grants: number[] = [];
  const end = start + seconds * 1000;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const w = limiter.acquire('k', rule);
      if (w) await w;
      if (vt.clock.now() >= end) break;
      grants.push(vt.clock.now());
      await vt.sleep(latencyMs);
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  await vt.run(end);
  stop = true;
  void all;
  let maxInWindow = 0;
  for (let i = 0, j = 0; i < grants.length; i++) {
    while (grants[j]! <= grants[i]! - rule.windowMs) j++;
    maxInWindow = Math.max(maxInWindow, i - j + 1);
  }
  const capacity = (rule.limit * (seconds * 1000)) / rule.windowMs;
  return { granted: grants.length, capacity, maxInWindow };
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const cases: Array<[string, RateRule, number, number]> = [
    [
      'market/ticker 20 / 2 s, 8 workers, 5 ms latency',
      { limit: 20, windowMs: 2000, scope: 'ip', countBy: 'request' },
      8,
      5,
    ],
    [
      'trade/order 60 / 2 s, 32 workers, 20 ms latency',
      { limit: 60, windowMs: 2000, scope: 'user+instId', countBy: 'request' },
      32,
      20,
    ],
    [
      'account/bills 5 / 1 s, 3 workers, 1 ms latency',
      { limit: 5, windowMs: 1000, scope: 'user', countBy: 'request' },
      3,
      1,
    ],
  ];
  for (const [name, rule, workers, latency] of cases) {
    const seconds = 60;
    const u = await utilisation(rule, workers, latency, seconds);
    if (u.maxInWindow > rule.limit)
      throw new Error(`${name}: ${u.maxInWindow} requests in one window (limit ${rule.limit})`);
    out.push({
      name: `limiter utilisation: ${name}`,
      opsPerSec: Math.round(u.granted / seconds),
      ratio: Number((u.granted / u.capacity).toFixed(3)),
      note: `${u.granted} of ${u.capacity} possible in ${seconds} virtual s; max ${u.maxInWindow} in any sliding window (limit ${rule.limit}); ratio = utilisation`,
    });
  }

  // fast path: a key with ample capacity, real clock
  const limiter = new RateLimiter({ clock: { now: () => Date.now() }, sleep: async () => {} });
  const big: RateRule = { limit: 1e9, windowMs: 1000, scope: 'ip', countBy: 'request' };
  const counts = new Map<string, number>();
  let sink = 0;
  const variants = [
    {
      name: 'Map counter floor (get + set)',
      fn: () => {
        counts.set('k', (counts.get('k') ?? 0) + 1);
      },
    },
    {
      name: 'RateLimiter.acquire (capacity available)',
      fn: () => {
        if (limiter.acquire('k', big) !== undefined) sink++;
      },
    },
  ];
  const ns = await compare(variants, { warmupOps: 10_000, rounds: 5, opsPerRound: 100_000 });
  if (sink !== 0) throw new Error('fast path waited');
  out.push(...rows('limiter acquire', variants, ns));
  return out;
}
