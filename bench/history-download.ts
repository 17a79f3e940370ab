// History download against the local exchange, in real time. First at OKX's own rule for
// history-candles (20 requests / 2 s, 100 rows each): the requests the exchange receives per
// second after the first window's burst, relative to the rule's rate (target >= 0.95), and zero
// 50011. Then a year of 1-minute candles from a local exchange running 50 x OKX's rules (the
// README's setting), which shows what the store and the downloader sustain when the rule is not
// the limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkxClient } from '../src/client/okx-client.js';
import { download } from '../src/data/download.js';
import { ScaledRateLimiter } from '../src/data/scaled-limiter.js';
import { openStore } from '../src/data/store.js';
import { ENDPOINTS } from '../src/protocol/endpoints.js';
import { startSimulator } from '../src/sim/simulator.js';
import { realSleep, systemClock } from '../src/util/clock.js';
import type { BenchResult } from './harness.js';

const MIN = 60_000;
const DAY = 86_400_000;
/** Pages fetched at the real rule: ten windows' worth. */
const PAGES = 200;

async function once(scale: number, pages: number): Promise<{ result: BenchResult; extra?: string }> {
  const sim = await startSimulator({ seed: 1, rateLimitScale: scale });
  const arrivals: number[] = [];
  let rejected = 0;
  sim.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v5/market/history-candles')) arrivals.push(performance.now());
    res.on('finish', () => {
      if (res.statusCode === 429) rejected++;
    });
  });
  const to = Math.floor(Date.now() / MIN) * MIN - DAY;
  const from = to - pages * 100 * MIN;
  // Warm the local exchange (its history generator and the JIT) on other days, then let its
  // window empty: the measured run shows the downloader against the rule, not a cold start.
  const warm = new OkxClient({ baseUrl: sim.restUrl, rateLimit: false });
  const rule = ENDPOINTS['market.historyCandles'].rate;
  for (let i = 0; i < rule.limit; i++) {
    await warm.market.historyCandles({
      instId: 'BTC-USDT',
      bar: '1m',
      after: from - i * 100 * MIN,
      limit: 100,
    });
  }
  await warm.close();
  await new Promise((r) => setTimeout(r, rule.windowMs + 100));
  arrivals.length = 0;
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    limiter: new ScaledRateLimiter({ clock: systemClock, sleep: realSleep, holdUntilRelease: true }, scale),
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-bench-dl-'));
  const store = await openStore(dir);
  try {
    const t0 = performance.now();
    const r = await download({ client, store, instIds: ['BTC-USDT'], bar: '1m', from, to, rateScale: scale });
    const secs = (performance.now() - t0) / 1000;
    const limit = rule.limit * scale;
    // Sustained rate: the requests after the first window's burst over the time they took.
    const span = (arrivals[arrivals.length - 1]! - arrivals[0]!) / 1000;
    const sustained = (arrivals.length - limit) / span;
    const ruleRate = limit / (rule.windowMs / 1000);
    const rows = r.rows;
    const name =
      scale === 1
        ? `history-candles download at OKX's rule (${rule.limit} / ${rule.windowMs / 1000} s, 100 rows each)`
        : `a year of 1m candles, local exchange at ${scale} x the rule`;
    return {
      result: {
        name,
        opsPerSec: Math.round(rows / secs),
        ratio: sustained / ruleRate,
        note:
          `${arrivals.length} requests, ${rows.toLocaleString('en-US')} rows in ${secs.toFixed(1)} s (ops/s = rows/s); ` +
          `sustained ${sustained.toFixed(2)} req/s vs the rule's ${ruleRate} req/s; 50011: ${rejected}` +
          (scale === 1
            ? `; a year of 1m candles at this rate: ${(525_600 / 100 / sustained / 60).toFixed(1)} min`
            : '; ratio < 1 here means the machine, not the rule, was the limit'),
      },
    };
  } finally {
    await store.close();
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const real = await once(1, PAGES);
  const year = await once(50, 5256);
  return [real.result, year.result];
}
