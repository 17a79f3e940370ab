// Issue 15 done-when: on two local exchanges seeded to diverge, `okxkit arb scan` finds the
// planted cycle and pair opportunities and records them in the store with their books' times;
// `okxkit arb run` executes them with every leg journaled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { withSim } from '../helpers/sim.js';
import { openStore } from '../../src/data/store.js';
import { OrderJournal } from '../../src/trading/journal.js';

async function twoVenues(t: import('node:test').TestContext) {
  const a = await withSim(t, {
    seed: 1,
    tickMs: 50,
    config: { market: { prices: { 'BTC-USDT': '60000' } } },
  });
  const b = await withSim(t, {
    seed: 2,
    tickMs: 50,
    config: { market: { prices: { 'BTC-USDT': '61000' }, crossOffsetBps: { 'ETH-BTC': 80 } } },
  });
  const home = mkdtempSync(join(tmpdir(), 'okxkit-arbcli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const args = [
    '--venue',
    `a=${a.restUrl}`,
    '--venue',
    `b=${b.restUrl}`,
    '--cycle',
    'b:USDT,BTC,ETH',
    '--pair',
    'BTC-USDT',
    '--sim-keys',
  ];
  return { a, b, home, args };
}

test("arb scan finds the planted pair and cycle and records them with their books' timestamps", async (t) => {
  const { home, args } = await twoVenues(t);
  const dir = join(home, 'store');
  const r = await runCli(
    ['arb', 'scan', ...args, '--seconds', '2', '--threshold-bps', '5', '--dir', dir, '--json'],
    { OKXKIT_HOME: home },
  );
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fees.a, { taker: 0.001, source: 'trade-fee endpoint', level: 'Lv1' });
  const ids = s.best.filter((o: any) => o.profit > 0).map((o: any) => o.id);
  assert.ok(ids.includes('pair:BTC-USDT:a>b'), ids.join(' '));
  assert.ok(ids.includes('cycle:b:USDT>ETH>BTC>USDT'), ids.join(' '));
  assert.ok(!ids.includes('pair:BTC-USDT:b>a') && !ids.includes('cycle:b:USDT>BTC>ETH>USDT'));
  assert.ok(s.scans > 5);
  assert.ok(s.recorded > 0);

  const store = await openStore(dir);
  t.after(() => store.close());
  const rows = await store.query(
    `SELECT route, edgeBps, bookTs FROM read_parquet('${dir}/arb/*/*/*.parquet', hive_partitioning = true) ORDER BY ts`,
  );
  const routes = new Set(rows.map((x) => String(x.route)));
  assert.ok(
    routes.has('pair:BTC-USDT:a>b') && routes.has('cycle:b:USDT>ETH>BTC>USDT'),
    [...routes].join(' '),
  );
  for (const x of rows) {
    assert.ok(Number(x.edgeBps) >= 5);
    const ts = (x.bookTs as { items?: unknown[] }).items ?? (x.bookTs as unknown[]);
    assert.ok(Array.isArray(ts) && ts.length >= 2, JSON.stringify(x.bookTs));
  }
  // Each venue's books were taped for a backtest.
  const books = await openStore(join(dir, 'venues', 'b'));
  t.after(() => books.close());
  assert.ok((await books.books({ instId: 'ETH-BTC' })).length > 0);
  await books.close();
  await store.close();

  // Backtest mode: the recorded books replayed through the same engine and bot on paper.
  const bt = await runCli(
    [
      'arb',
      'backtest',
      '--venues',
      'a,b',
      '--cycle',
      'b:USDT,BTC,ETH',
      '--pair',
      'BTC-USDT',
      '--dir',
      dir,
      '--latency-ms',
      '5000',
      '--json',
    ],
    { OKXKIT_HOME: home },
  );
  assert.equal(bt.code, 0, bt.err);
  const rep = JSON.parse(bt.out);
  assert.ok(rep.events > 0);
  assert.ok(rep.seen['pair:BTC-USDT:a>b'] > 0, JSON.stringify(rep.seen));
  assert.ok(rep.runs.done >= 1, JSON.stringify(rep.runs));
  assert.ok(rep.pnl > 0);
});

test('arb run trades the planted opportunities, every leg in the venue journals', async (t) => {
  const { home, args } = await twoVenues(t);
  const dir = join(home, 'store');
  const r = await runCli(
    [
      'arb',
      'run',
      ...args,
      '--seconds',
      '30',
      '--max-runs',
      '1',
      '--latency-ms',
      '2000',
      '--threshold-bps',
      '5',
      '--dir',
      dir,
      '--no-record',
      '--json',
    ],
    { OKXKIT_HOME: home },
  );
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  const done = s.runs.filter((x: any) => x.status === 'done');
  assert.ok(done.length >= 1, JSON.stringify(s.runs.slice(0, 3)));
  const journals = {
    a: new OrderJournal(join(home, 'arb-journal', 'a-journal.db')),
    b: new OrderJournal(join(home, 'arb-journal', 'b-journal.db')),
  };
  t.after(() => {
    journals.a.close();
    journals.b.close();
  });
  for (const run of done)
    for (const l of run.legs)
      assert.equal(journals[l.venue as 'a' | 'b'].get(l.clOrdId)?.status, 'acked', l.clOrdId);
});
