import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/simulator.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { record } from '../../src/data/recorder.js';
import { openStore } from '../../src/data/store.js';

test('record stores the live trades and book snapshots the WebSocket pushes', async (t) => {
  const sim = await startSimulator({ seed: 7 });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-rec-'));
  const ws = new OkxWsClient({ urls: sim.wsUrls });
  t.after(async () => {
    await ws.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A second subscriber sees the same trades; the recording must hold each of them once.
  const seen: string[] = [];
  const watch = new OkxWsClient({ urls: sim.wsUrls });
  t.after(() => watch.close());
  watch.subscribe({ channel: 'trades', instId: 'BTC-USDT' }, (p) => {
    for (const d of p.data as { tradeId: string }[]) seen.push(d.tradeId);
  });
  const store = await openStore(dir);
  t.after(() => store.close());
  const ac = new AbortController();
  const stats = await record({
    ws,
    store,
    instIds: ['BTC-USDT'],
    signal: ac.signal,
    bookEveryMs: 200,
    depth: 5,
    flushEveryRows: 4,
    onRecord: (s) => {
      if (s.trades >= 6 && s.books >= 3) ac.abort();
    },
  });
  assert.ok(stats.trades >= 6 && stats.books >= 3);
  assert.ok(stats.parts >= 2, `written as several parts while recording: ${stats.parts}`);
  const tr = await store.trades({ instId: 'BTC-USDT' });
  assert.equal(tr.length, stats.trades);
  assert.ok(tr.length > 0);
  for (const id of tr.tradeId) assert.ok(seen.includes(id), `trade ${id} was pushed`);
  for (let i = 1; i < tr.length; i++) assert.ok(tr.ts[i]! >= tr.ts[i - 1]!);
  const bk = await store.books({ instId: 'BTC-USDT' });
  assert.equal(bk.length, stats.books);
  for (let i = 0; i < bk.length; i++) {
    assert.equal(bk.bidPx[i]!.length, 5);
    assert.ok(bk.bidPx[i]![0]! > bk.bidPx[i]![1]! && bk.askPx[i]![0]! < bk.askPx[i]![1]!, 'best level first');
    assert.ok(bk.bidPx[i]![0]! < bk.askPx[i]![0]!, 'bid below ask');
    if (i > 0) assert.ok(bk.ts[i]! - bk.ts[i - 1]! >= 200, 'at most one snapshot per interval');
  }
});
