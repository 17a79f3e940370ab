import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/data/store.js';
import { ValidationError } from '../../src/util/errors.js';

const MIN = 60_000;
const JAN31 = Date.UTC(2025, 0, 31, 23, 58);

function tmp(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** n one-minute candles from t0, close = 100 + i. */
function candles(t0: number, n: number) {
  const ts = Float64Array.from({ length: n }, (_, i) => t0 + i * MIN);
  const close = Float64Array.from({ length: n }, (_, i) => 100 + i);
  return {
    ts,
    open: close,
    high: close.map((c) => c + 1),
    low: close.map((c) => c - 1),
    close,
    vol: close.map(() => 2),
  };
}

test('candles written across a month boundary read back as sorted typed columns, one part per month', async (t) => {
  const dir = tmp(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  const parts = await store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, candles(JAN31, 5), {
    from: JAN31,
    to: JAN31 + 5 * MIN,
  });
  assert.deepEqual(
    parts.map((p) => [p.file, p.rows]),
    [
      [`candles/instId=BTC-USDT/bar=1m/month=2025-01/part-${JAN31}-${Date.UTC(2025, 1, 1)}.parquet`, 2],
      [
        `candles/instId=BTC-USDT/bar=1m/month=2025-02/part-${Date.UTC(2025, 1, 1)}-${JAN31 + 5 * MIN}.parquet`,
        3,
      ],
    ],
  );
  const k = await store.candles({
    instId: 'BTC-USDT',
    bar: '1m',
    from: JAN31 + MIN,
    to: '2025-02-01T00:02:00Z',
  });
  assert.ok(k.ts instanceof Float64Array && k.close instanceof Float64Array);
  assert.deepEqual([...k.ts], [JAN31 + MIN, JAN31 + 2 * MIN, JAN31 + 3 * MIN]);
  assert.deepEqual([...k.close], [101, 102, 103]);
  assert.deepEqual([...k.high], [102, 103, 104]);
  assert.deepEqual([...k.vol], [2, 2, 2]);
  assert.equal(k.length, 3);
});

test('the files are plain Parquet that DuckDB reads with Hive partitions and no okxkit code', async (t) => {
  const dir = tmp(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  await store.writeCandles({ instId: 'ETH-USDT', bar: '1m' }, candles(JAN31, 5));
  const rows = await store.query(
    `SELECT instId, bar, month, count(*)::INT AS n, max(close) AS hi FROM read_parquet('${dir}/candles/*/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY month`,
  );
  assert.deepEqual(rows, [
    { instId: 'ETH-USDT', bar: '1m', month: '2025-01', n: 2, hi: 101 },
    { instId: 'ETH-USDT', bar: '1m', month: '2025-02', n: 3, hi: 104 },
  ]);
});

test('overlapping parts give each candle once', async (t) => {
  const dir = tmp(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  const t0 = Date.UTC(2025, 2, 1);
  await store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, candles(t0, 10));
  await store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, candles(t0 + 5 * MIN, 10));
  const k = await store.candles({ instId: 'BTC-USDT', bar: '1m' });
  assert.equal(k.length, 15);
  assert.deepEqual(
    [...k.ts],
    Array.from({ length: 15 }, (_, i) => t0 + i * MIN),
  );
  assert.deepEqual(store.covered({ kind: 'candles', instId: 'BTC-USDT', bar: '1m' }), [
    { from: t0, to: t0 + 14 * MIN + 1 },
  ]);
});

test('a reopened store rebuilds a lost manifest from the parts and never reads a half-written file', async (t) => {
  const dir = tmp(t);
  const t0 = Date.UTC(2025, 3, 1);
  let store = await openStore(dir);
  await store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, candles(t0, 7));
  await store.close();
  rmSync(join(dir, 'manifest.json'));
  const mdir = join(dir, 'candles/instId=BTC-USDT/bar=1m/month=2025-04');
  // what a crash mid-write leaves: garbage under a temp name
  writeFileSync(join(mdir, `.part-${t0}-${t0 + 999 * MIN}.parquet.dead.tmp`), 'PAR1 torn');
  store = await openStore(dir);
  t.after(() => store.close());
  assert.deepEqual(
    store.series().map((s) => [s.kind, s.instId, s.bar, s.rows, s.parts]),
    [['candles', 'BTC-USDT', '1m', 7, 1]],
  );
  assert.ok(existsSync(join(dir, 'manifest.json')));
  const k = await store.candles({ instId: 'BTC-USDT', bar: '1m' });
  assert.equal(k.length, 7);
  assert.equal(readdirSync(mdir).length, 2);
});

test('trades, funding rates and book snapshots round-trip; a trade stored twice is read once', async (t) => {
  const dir = tmp(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  const t0 = Date.UTC(2025, 0, 10);
  const trades = {
    ts: [t0, t0 + 5, t0 + 5],
    tradeId: ['1', '2', '3'],
    px: [10, 11, 12],
    sz: [1, 2, 3],
    side: ['buy', 'sell', 'buy'],
  };
  await store.write({ kind: 'trades', instId: 'BTC-USDT' }, trades, { from: t0, to: t0 + 10 });
  await store.write(
    { kind: 'trades', instId: 'BTC-USDT' },
    { ...trades, ts: [t0 + 5], tradeId: ['2'], px: [11], sz: [2], side: ['sell'] },
  );
  const tr = await store.trades({ instId: 'BTC-USDT' });
  assert.deepEqual(tr.tradeId, ['1', '2', '3']);
  assert.deepEqual([...tr.side], [1, -1, 1]);
  assert.deepEqual([...tr.px], [10, 11, 12]);
  await store.write(
    { kind: 'funding', instId: 'BTC-USDT-SWAP' },
    { ts: [t0, t0 + 8 * 3600_000], fundingRate: [0.0001, -0.0002], realizedRate: [0.0001, -0.00019] },
  );
  const f = await store.funding({ instId: 'BTC-USDT-SWAP', from: t0 + 1 });
  assert.deepEqual([...f.fundingRate], [-0.0002]);
  // book levels: a list starting with a whole number still holds fractions
  await store.write(
    { kind: 'books', instId: 'BTC-USDT' },
    { ts: [t0], bidPx: [[97000, 96999.5]], bidSz: [[2, 0.25]], askPx: [[97000.5, 97001]], askSz: [[0.1, 3]] },
  );
  const b = await store.books({ instId: 'BTC-USDT' });
  assert.deepEqual([...b.bidPx[0]!], [97000, 96999.5]);
  assert.deepEqual([...b.bidSz[0]!], [2, 0.25]);
});

test('bad input names the field', async (t) => {
  const dir = tmp(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  await assert.rejects(
    store.candles({ instId: 'btc usdt', bar: '1m' }),
    (e: unknown) => e instanceof ValidationError && e.field === 'instId',
  );
  await assert.rejects(
    store.write({ kind: 'funding', instId: 'BTC-USDT-SWAP' }, { ts: [1], fundingRate: [0.1] }),
    (e: unknown) => e instanceof ValidationError && e.field === 'rows.realizedRate',
  );
  await assert.rejects(
    store.writeCandles({ instId: 'BTC-USDT', bar: '1m' }, candles(JAN31, 3), {
      from: JAN31 + MIN,
      to: JAN31 + 9 * MIN,
    }),
    (e: unknown) => e instanceof ValidationError && e.field === 'coverage',
  );
  await assert.rejects(
    store.candles({ instId: 'BTC-USDT', bar: '1m', from: 'yesterday' }),
    (e: unknown) => e instanceof ValidationError && e.field === 'from',
  );
});
