import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/simulator.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { download } from '../../src/data/download.js';
import { ScaledRateLimiter } from '../../src/data/scaled-limiter.js';
import { openStore } from '../../src/data/store.js';
import { checkStoredSeries } from '../../src/data/check.js';
import { realSleep, systemClock } from '../../src/util/clock.js';

const MIN = 60_000;
/** Minutes in the five-day range. */
const N = 7_200;
const SCALE = 20;

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const sim = await startSimulator({ rateLimitScale: SCALE });
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    limiter: new ScaledRateLimiter({ clock: systemClock, sleep: realSleep, holdUntilRelease: true }, SCALE),
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-dl-'));
  t.after(async () => {
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A fixed, whole-minute range well inside the local exchange's seeded history.
  const to = Math.floor(Date.now() / MIN) * MIN - 30 * 86_400_000;
  return { sim, client, dir, to, from: to - 5 * 86_400_000 };
}

test('a download stopped part-way resumes with only the missing pages and ends equal to an uninterrupted one', async (t) => {
  const { client, dir, from, to } = await setup(t);
  const a = await openStore(join(dir, 'a'));
  t.after(() => a.close());
  const ac = new AbortController();
  const first = await download({
    client,
    store: a,
    instIds: ['BTC-USDT'],
    bar: '1m',
    from,
    to,
    rateScale: SCALE,
    signal: ac.signal,
    onProgress: (p) => {
      if (p.pagesDone >= 8) ac.abort();
    },
  });
  assert.equal(first.aborted, true);
  const partial = first.series[0]!;
  assert.equal(partial.complete, false);
  assert.ok(partial.rows >= 800 && partial.rows < N, `rows after the stop: ${partial.rows}`);
  const coveredMs = a
    .covered({ kind: 'candles', instId: 'BTC-USDT', bar: '1m' })
    .reduce((s, i) => s + i.to - i.from, 0);
  assert.equal(coveredMs, partial.rows * MIN, 'what is stored is exactly what is marked covered');

  const second = await download({
    client,
    store: a,
    instIds: ['BTC-USDT'],
    bar: '1m',
    from,
    to,
    rateScale: SCALE,
  });
  const rest = second.series[0]!;
  assert.equal(rest.complete, true);
  assert.equal(rest.skippedMs, coveredMs);
  assert.equal(rest.requests, (N - partial.rows) / 100, 'only the pages not yet stored are fetched');

  const b = await openStore(join(dir, 'b'));
  t.after(() => b.close());
  const whole = await download({
    client,
    store: b,
    instIds: ['BTC-USDT'],
    bar: '1m',
    from,
    to,
    rateScale: SCALE,
  });
  assert.equal(whole.series[0]!.requests, N / 100);

  const ka = await a.candles({ instId: 'BTC-USDT', bar: '1m' });
  const kb = await b.candles({ instId: 'BTC-USDT', bar: '1m' });
  assert.equal(ka.length, N);
  assert.deepEqual(
    [...ka.ts],
    Array.from({ length: N }, (_, i) => from + i * MIN),
  );
  assert.deepEqual([...ka.close], [...kb.close]);
  assert.deepEqual([...ka.vol], [...kb.vol]);
  const report = await checkStoredSeries(a, { kind: 'candles', instId: 'BTC-USDT', bar: '1m' });
  assert.equal(report.ok, true, JSON.stringify(report));
});

test('stored candles are the exchange history-candles rows, parsed', async (t) => {
  const { client, dir, to } = await setup(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  await download({
    client,
    store,
    instIds: ['ETH-USDT'],
    bar: '1m',
    from: to - 150 * MIN,
    to,
    rateScale: SCALE,
  });
  const k = await store.candles({ instId: 'ETH-USDT', bar: '1m' });
  const page = await client.market.historyCandles({ instId: 'ETH-USDT', bar: '1m', after: to, limit: 100 });
  const byTs = new Map(page.map((c) => [Number(c.ts), c]));
  let compared = 0;
  for (let i = 0; i < k.length; i++) {
    const c = byTs.get(k.ts[i]!);
    if (!c) continue;
    compared++;
    assert.deepEqual(
      [k.open[i], k.high[i], k.low[i], k.close[i], k.vol[i], k.volCcyQuote[i]],
      [c.o, c.h, c.l, c.c, c.vol, c.volCcyQuote].map(Number),
    );
  }
  assert.equal(compared, 100);
  assert.equal(k.length, 150);
});

test('check reports holes in coverage, missing bars and duplicate rows', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openStore(dir);
  t.after(() => store.close());
  const t0 = Date.UTC(2025, 5, 1);
  const bars = (mins: number[]) => {
    const ts = mins.map((m) => t0 + m * MIN);
    const px = mins.map(() => 10);
    return { ts, open: px, high: px, low: px, close: px };
  };
  // 0..9 with minutes 4 and 5 missing (the exchange had no bars), then 20..29, then 25..34 again
  await store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, bars([0, 1, 2, 3, 6, 7, 8, 9]), {
    from: t0,
    to: t0 + 10 * MIN,
  });
  await store.writeCandles(
    { instId: 'BTC-USDT', bar: '1m' },
    bars([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]),
    {
      from: t0 + 20 * MIN,
      to: t0 + 30 * MIN,
    },
  );
  await store.writeCandles(
    { instId: 'BTC-USDT', bar: '1m' },
    bars([25, 26, 27, 28, 29, 30, 31, 32, 33, 34]),
    {
      from: t0 + 25 * MIN,
      to: t0 + 35 * MIN,
    },
  );
  const r = await checkStoredSeries(store, { kind: 'candles', instId: 'BTC-USDT', bar: '1m' });
  assert.deepEqual(r.gaps, [{ from: t0 + 4 * MIN, to: t0 + 6 * MIN, bars: 2 }]);
  assert.deepEqual(r.uncovered, [{ from: t0 + 10 * MIN, to: t0 + 20 * MIN }]);
  assert.equal(r.duplicates, 5);
  assert.equal(r.rows, 8 + 15);
  assert.equal(r.ok, false);
});
