import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BotMetrics } from '../../src/ops/metrics.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { OrderBook } from '../../src/ws/order-book.js';
import { FakeOkx, until } from '../ws/helpers/fake-okx.js';
import { generateBookMessages } from '../ws/helpers/book-messages.js';

/**
 * okxkit_book_resyncs_total counts the real resyncs of the order books on a bot's WebSocket
 * client (its `bookResync` event), followed the way the bot process follows its client.
 */
test("a forced seqId gap in a bot's order book increments okxkit_book_resyncs_total", async (t) => {
  const msgs = generateBookMessages({ seed: 5, count: 60 });
  const model = new OrderBook('BTC-USDT');
  model.applyRaw(msgs[0]!);
  let next = 1;
  const step = () => {
    const m = msgs[next++]!;
    model.applyRaw(m);
    return m;
  };
  const snapshotPush = () => {
    const d = model.depth(1000);
    return {
      arg: { channel: 'books', instId: 'BTC-USDT' },
      action: 'snapshot',
      data: [{ ...d, seqId: model.seqId!, prevSeqId: -1, ts: model.ts }],
    };
  };
  const f = await new FakeOkx({
    onSubscribe: (_path, arg, sock) => {
      if (arg.channel === 'books') sock.send(JSON.stringify(snapshotPush()));
    },
  }).start();
  const ws = new OkxWsClient({
    urls: f.urls,
    backoff: { baseMs: 1, maxMs: 5 },
    connectLimiter: new ConnectLimiter(1000),
  });
  t.after(async () => {
    await ws.close();
    await f.close();
  });
  const metrics = new BotMetrics('grid1');
  const state: Record<string, boolean> = {};
  metrics.followWs(ws, state);
  const resyncs = async () =>
    (await metrics.registry.getSingleMetric('okxkit_book_resyncs_total')!.get()).values
      .filter((v) => v.labels.reason !== undefined)
      .map((v) => ({ ...v.labels, value: v.value }));

  const live = ws.orderBook('BTC-USDT', { verifyChecksum: false });
  await live.ready;
  assert.equal(state.public, true, 'the connection state is followed too');
  for (let i = 0; i < 5; i++) f.push('public', step());
  await until(() => live.book.seqId === model.seqId, 3000, 'caught up');
  assert.deepEqual(await resyncs(), [], 'no resync while in sequence');
  step(); // lost on the way: the next push's prevSeqId does not match
  f.push('public', step());
  await until(() => live.resyncs === 1 && live.isSynced, 3000, 'resynced');
  assert.deepEqual(await resyncs(), [{ bot: 'grid1', instId: 'BTC-USDT', reason: 'gap', value: 1 }]);
  const text = await metrics.registry.metrics();
  assert.match(text, /okxkit_book_resyncs_total\{bot="grid1",instId="BTC-USDT",reason="gap"\} 1/);
  live.close();
});
