import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum } from '../../src/protocol/book-checksum.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { OrderBook, type BookSnapshot } from '../../src/ws/order-book.js';
import { FakeOkx, until } from './helpers/fake-okx.js';
import { generateBookMessages } from './helpers/book-messages.js';

const fast = { backoff: { baseMs: 1, maxMs: 5 }, connectLimiter: new ConnectLimiter(1000) };

/** The exchange side: a reference book fed with every generated message, sent or not. */
function exchange(seed: number, count: number) {
  const msgs = generateBookMessages({ seed, count });
  const model = new OrderBook('BTC-USDT');
  model.applyRaw(msgs[0]!);
  let next = 1;
  const snapshot = (): BookSnapshot & { checksum: number } => {
    const d = model.depth(1000);
    return { ...d, seqId: model.seqId!, ts: model.ts, checksum: bookChecksum(d.bids, d.asks) };
  };
  return {
    model,
    snapshot,
    snapshotPush: () => {
      const s = snapshot();
      return {
        arg: { channel: 'books', instId: 'BTC-USDT' },
        action: 'snapshot',
        data: [{ ...s, prevSeqId: -1 }],
      };
    },
    /** Advances the model by one message and returns it. */
    step: (): string => {
      const m = msgs[next++]!;
      assert.equal(model.applyRaw(m), 'applied');
      return m;
    },
  };
}

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  ex: ReturnType<typeof exchange>,
  pushSnapshot = true,
) {
  const f = await new FakeOkx({
    onSubscribe: (_path, arg, sock) => {
      if (arg.channel === 'books' && pushSnapshot) sock.send(JSON.stringify(ex.snapshotPush()));
    },
  }).start();
  const ws = new OkxWsClient({ urls: f.urls, ...fast });
  t.after(async () => {
    await ws.close();
    await f.close();
  });
  return { f, ws };
}

function sameBook(a: OrderBook, b: OrderBook): void {
  assert.equal(a.seqId, b.seqId);
  assert.deepEqual(a.depth(1000), b.depth(1000));
}

describe('LiveOrderBook over WS', () => {
  test('a seqId gap triggers a resubscription that ends in a correct book', async (t) => {
    const ex = exchange(11, 200);
    const { f, ws } = await setup(t, ex);
    const live = ws.orderBook('BTC-USDT');
    const resyncs: string[] = [];
    live.on('resync', (r) => resyncs.push(r.reason));
    await live.ready;
    for (let i = 0; i < 30; i++) f.push('public', ex.step());
    await until(() => live.book.seqId === ex.model.seqId, 3000, 'caught up');
    sameBook(live.book, ex.model);
    ex.step(); // lost on the way
    for (let i = 0; i < 5; i++) f.push('public', ex.step());
    await until(() => resyncs.length === 1 && live.isSynced, 3000, 'resynced');
    assert.deepEqual(resyncs, ['gap']);
    assert.equal(f.ops('public', 'unsubscribe').length, 1);
    assert.equal(f.ops('public', 'subscribe').length, 2);
    for (let i = 0; i < 30; i++) f.push('public', ex.step());
    await until(() => live.book.seqId === ex.model.seqId, 3000, 'caught up again');
    sameBook(live.book, ex.model);
    live.close();
  });

  test('a wrong checksum triggers a resync that ends in a correct book', async (t) => {
    const ex = exchange(12, 200);
    const { f, ws } = await setup(t, ex);
    const live = ws.orderBook('BTC-USDT');
    const resyncs: string[] = [];
    live.on('resync', (r) => resyncs.push(r.reason));
    await live.ready;
    for (let i = 0; i < 10; i++) f.push('public', ex.step());
    const m = JSON.parse(ex.step()) as { data: [{ checksum: number }] };
    m.data[0].checksum = m.data[0].checksum ^ 1;
    f.push('public', m);
    await until(() => resyncs.length === 1 && live.isSynced, 3000, 'resynced');
    assert.deepEqual(resyncs, ['checksum']);
    for (let i = 0; i < 20; i++) f.push('public', ex.step());
    await until(() => live.book.seqId === ex.model.seqId, 3000, 'caught up');
    sameBook(live.book, ex.model);
    live.close();
  });

  test('no snapshot push: REST snapshot plus buffered updates (facts §3.3)', async (t) => {
    const ex = exchange(13, 200);
    const { f, ws } = await setup(t, ex, false);
    let fetches = 0;
    let hold: (() => void) | undefined;
    const live = ws.orderBook('BTC-USDT', {
      fetchSnapshot: async () => {
        fetches++;
        // Let a few updates arrive (and be buffered) while the snapshot is "in flight".
        await new Promise<void>((r) => (hold = r));
        return ex.snapshot();
      },
    });
    await ws.connect('public');
    await until(() => f.ops('public', 'subscribe').length === 1);
    f.push('public', ex.step());
    await until(() => hold !== undefined, 3000, 'snapshot requested');
    // The snapshot is taken here, between these updates.
    const before = [ex.step(), ex.step()];
    const snapHold = hold!;
    for (const m of before) f.push('public', m);
    const after = [ex.step(), ex.step(), ex.step()];
    for (const m of after) f.push('public', m);
    // every update pushed so far is held: the one that asked for the snapshot and these five
    await until(() => live.book.buffered === 1 + before.length + after.length, 3000, 'updates buffered');
    // Snapshot at the model's current seq; everything before it is dropped from the buffer.
    snapHold();
    await until(() => live.isSynced && live.book.seqId === ex.model.seqId, 3000, 'synced from REST');
    sameBook(live.book, ex.model);
    assert.equal(fetches, 1);
    f.push('public', ex.step());
    await until(() => live.book.seqId === ex.model.seqId, 3000, 'next update');
    sameBook(live.book, ex.model);
    live.close();
  });

  test('after a dropped connection the book is stale, then rebuilt from the new snapshot', async (t) => {
    const ex = exchange(14, 200);
    const { f, ws } = await setup(t, ex);
    const live = ws.orderBook('BTC-USDT');
    await live.ready;
    for (let i = 0; i < 5; i++) f.push('public', ex.step());
    await until(() => live.book.seqId === ex.model.seqId);
    f.dropAll();
    for (let i = 0; i < 5; i++) ex.step(); // missed while down
    await until(() => live.isSynced && live.book.seqId === ex.model.seqId, 3000, 'rebuilt');
    sameBook(live.book, ex.model);
    live.close();
  });
});
