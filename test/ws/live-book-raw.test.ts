// LiveOrderBook reads book pushes from the raw text (OrderBook.applyScanned) when they are laid
// out as OKX sends them; anything else takes the parsed path with the same checks and results.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxWsClient } from '../../src/ws/client.js';
import type { OkxWsError } from '../../src/ws/errors.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { OrderBook } from '../../src/ws/order-book.js';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { FakeOkx, until } from './helpers/fake-okx.js';
import { generateBookMessages } from './helpers/book-messages.js';

const fast = { backoff: { baseMs: 1, maxMs: 20 }, connectLimiter: new ConnectLimiter(1000) };

describe('LiveOrderBook through the raw fast path', () => {
  test('against the local exchange: every push read raw, the book equal to the exchange book', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12));
    const sim = await withSim(t, { seed: 31, clock, tickMs: 5 });
    const ws = new OkxWsClient({ urls: sim.wsUrls, clock, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    const live = ws.orderBook('BTC-USDT');
    const resyncs: string[] = [];
    live.on('resync', (r) => resyncs.push(r.reason));
    await live.ready;
    // Market steps happen only when the clock moves: compare between steps.
    const same = async (label: string) => {
      await until(() => live.book.seqId === sim.market.depth('BTC-USDT', 400).seqId, 3000, label);
      const d = sim.market.depth('BTC-USDT', 400);
      const pxSz = (ls: readonly (readonly string[])[]) => ls.map((l) => [l[0], l[1]]);
      assert.deepEqual(pxSz(live.depth(400).bids), pxSz(d.bids), label);
      assert.deepEqual(pxSz(live.depth(400).asks), pxSz(d.asks), label);
    };
    for (let i = 0; i < 40; i++) {
      clock.advance(250);
      sim.tick();
      if (i % 10 === 9) await same(`step ${i}`);
    }
    await same('end');
    assert.deepEqual(resyncs, []);
    assert.deepEqual(errors, []);
    assert.ok(live.book.stats.applied > 20, `applied ${live.book.stats.applied}`);
    // Every push (the snapshot included) went through the scanner, none through JSON.parse.
    assert.equal(live.rawApplied, live.book.stats.applied);

    // A second consumer of the same channel needs parsed pushes: everyone gets them parsed.
    const seen: number[] = [];
    const other = ws.subscribe(live.arg, (p) => seen.push(p.data.length));
    const rawBefore = live.rawApplied;
    const appliedBefore = live.book.stats.applied;
    for (let i = 0; i < 10; i++) {
      clock.advance(250);
      sim.tick();
    }
    await same('with a second consumer');
    assert.equal(live.rawApplied, rawBefore);
    assert.ok(live.book.stats.applied > appliedBefore);
    assert.equal(seen.length, live.book.stats.applied - appliedBefore);
    // It leaves: the raw path takes over again.
    other.close();
    for (let i = 0; i < 10; i++) {
      clock.advance(250);
      sim.tick();
    }
    await same('after the second consumer left');
    assert.ok(live.rawApplied > rawBefore);
    live.close();
  });

  test('other layouts, malformed and non-JSON pushes are judged as the parsed path judges them', async (t) => {
    const msgs = generateBookMessages({ seed: 41, count: 40 });
    const model = new OrderBook('BTC-USDT');
    const f = await new FakeOkx({
      onSubscribe: (_path, arg, sock) => {
        if (arg.channel === 'books') sock.send(msgs[0]!);
      },
    }).start();
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(async () => {
      await ws.close();
      await f.close();
    });
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    const live = ws.orderBook('BTC-USDT');
    await live.ready;
    assert.equal(model.applyRaw(msgs[0]!), 'applied');
    for (let i = 1; i < 40; i++) {
      // Every third message pretty-printed: not the scanner's layout, so JSON.parse reads it.
      const m = i % 3 === 0 ? JSON.stringify(JSON.parse(msgs[i]!), null, 1) : msgs[i]!;
      assert.equal(model.applyRaw(msgs[i]!), 'applied');
      f.push('public', m);
    }
    await until(() => live.book.seqId === model.seqId, 3000, 'caught up');
    assert.deepEqual(live.depth(1000), model.depth(1000));
    assert.equal(live.rawApplied, 1 + 39 - 13);
    assert.equal(errors.length, 0);
    // A book push with a level the book refuses: dropped and reported, the book untouched.
    f.push('public', msgs[1]!.replace(/\["([\d.]+)","([\d.]+)"/, '["$1","-1"'));
    // Not JSON at all, though it starts like a push.
    f.push('public', '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{');
    await until(() => errors.length === 2, 3000, 'two errors');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['WS_BAD_MESSAGE', 'WS_BAD_MESSAGE'],
    );
    assert.match(errors[0]!.message, /malformed book push dropped/);
    assert.match(errors[1]!.message, /not JSON/);
    assert.equal(live.book.seqId, model.seqId);
    assert.deepEqual(live.depth(1000), model.depth(1000));
    live.close();
  });
});
