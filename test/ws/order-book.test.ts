import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum, bookChecksumFromSegments, type BookLevel } from '../../src/protocol/book-checksum.js';
import { OrderBook, type BookData } from '../../src/ws/order-book.js';
import { generateBookMessages, mulberry32 } from './helpers/book-messages.js';
import { generateBookMessages as generateSimBookMessages } from '../../src/sim/market/index.js';

const L = (px: string, sz: string): BookLevel => [px, sz, '0', '1'];
const snap = (seqId: number, bids: BookLevel[], asks: BookLevel[], checksum = 0): BookData => ({
  bids,
  asks,
  seqId,
  prevSeqId: -1,
  checksum,
  ts: '1',
});
const upd = (
  prevSeqId: number,
  seqId: number,
  bids: BookLevel[] = [],
  asks: BookLevel[] = [],
  checksum = 0,
): BookData => ({
  bids,
  asks,
  seqId,
  prevSeqId,
  checksum,
  ts: '2',
});

describe('merge (docs/OKX-PROTOCOL.md §3)', () => {
  test('size "0" deletes, bids descending, asks ascending, raw strings kept', () => {
    const b = new OrderBook('BTC-USDT');
    assert.equal(
      b.apply(snap(1, [L('100', '1'), L('99', '2')], [L('101', '1'), L('102', '3')]), 'snapshot'),
      'applied',
    );
    assert.equal(
      b.apply(
        upd(
          1,
          2,
          [L('99.5', '4'), L('99', '0'), L('100', '1.50')],
          [L('100.5', '2'), L('102', '0'), L('103', '7')],
        ),
        'update',
      ),
      'applied',
    );
    assert.deepEqual(
      b.depth(10).bids.map((l) => [l[0], l[1]]),
      [
        ['100', '1.50'],
        ['99.5', '4'],
      ],
    );
    assert.deepEqual(
      b.depth(10).asks.map((l) => [l[0], l[1]]),
      [
        ['100.5', '2'],
        ['101', '1'],
        ['103', '7'],
      ],
    );
    assert.deepEqual(b.bestBid(), ['100', '1.50']);
    assert.deepEqual(b.bestAsk(), ['100.5', '2']);
    assert.equal(b.spread(), '0.5');
    assert.equal(b.mid(), '100.25');
    assert.equal(b.seqId, 2);
  });

  test('deleting an unknown level changes nothing', () => {
    const b = new OrderBook('X');
    b.apply(snap(1, [L('1', '1')], [L('2', '1')]), 'snapshot');
    assert.equal(b.apply(upd(1, 2, [L('0.5', '0')]), 'update'), 'applied');
    assert.equal(b.changed, false);
    assert.equal(b.size().bids, 1);
  });

  test('change event fires on snapshot and real changes only', () => {
    const b = new OrderBook('X');
    let n = 0;
    b.on('change', () => n++);
    b.apply(snap(1, [L('1', '1')], [L('2', '1')]), 'snapshot');
    b.apply(upd(1, 1), 'update'); // heartbeat
    b.apply(upd(1, 2, [L('1', '3')]), 'update');
    assert.equal(n, 2);
  });
});

describe('seqId continuity (docs/OKX-PROTOCOL.md §3.1)', () => {
  test('the documented example: snapshot -1->10, 10->15, 15->15, reset 15->3, 3->5', () => {
    const b = new OrderBook('BTC-USDT');
    const resyncs: string[] = [];
    b.on('resync', (r) => resyncs.push(r));
    assert.equal(b.apply(snap(10, [L('100', '1')], [L('101', '1')]), 'snapshot'), 'applied');
    assert.equal(b.apply(upd(10, 15, [L('100', '2')]), 'update'), 'applied');
    assert.equal(b.apply(upd(15, 15), 'update'), 'applied');
    assert.equal(b.apply(upd(15, 3, [L('99', '1')]), 'update'), 'applied');
    assert.equal(b.apply(upd(3, 5, [], [L('102', '1')]), 'update'), 'applied');
    assert.deepEqual(resyncs, []);
    assert.equal(b.seqId, 5);
    assert.equal(b.stats.heartbeats, 1);
    assert.equal(b.stats.resets, 1);
    assert.equal(b.size().bids, 2);
    assert.equal(b.size().asks, 2);
  });

  test('a gap (prevSeqId != last seqId) makes the book stale and asks for a resync', () => {
    const b = new OrderBook('BTC-USDT');
    const resyncs: string[] = [];
    b.on('resync', (r, d) => resyncs.push(`${r}: ${d}`));
    b.apply(snap(10, [L('100', '1')], [L('101', '1')]), 'snapshot');
    assert.equal(b.apply(upd(11, 12, [L('100', '5')]), 'update'), 'gap');
    assert.equal(resyncs.length, 1);
    assert.match(resyncs[0]!, /gap: prevSeqId 11 != last seqId 10/);
    assert.equal(b.isSynced, false);
    // Updates are ignored until a new snapshot arrives.
    assert.equal(b.apply(upd(12, 13, [L('100', '6')]), 'update'), 'ignored');
    assert.equal(b.apply(snap(20, [L('100', '9')], [L('101', '1')]), 'snapshot'), 'applied');
    assert.equal(b.isSynced, true);
    assert.deepEqual(b.bestBid(), ['100', '9']);
  });

  test('checksum 0 is not verified, but seq continuity still is (docs/OKX-PROTOCOL.md §3.3)', () => {
    const b = new OrderBook('BTC-USDT');
    assert.equal(b.apply(snap(1, [L('100', '1')], [L('101', '1')], 0), 'snapshot'), 'applied');
    assert.equal(b.apply(upd(1, 2, [L('100', '2')], [], 0), 'update'), 'applied');
    assert.equal(b.apply(upd(3, 4, [L('100', '3')], [], 0), 'update'), 'gap');
  });

  test('books5 / bbo-tbt pushes are full snapshots without prevSeqId', () => {
    const b = new OrderBook('BTC-USDT', { channel: 'books5' });
    assert.equal(b.apply({ bids: [L('1', '1')], asks: [L('2', '1')], seqId: 5, ts: '1' }), 'applied');
    assert.equal(b.apply({ bids: [L('1.5', '1')], asks: [L('2', '1')], seqId: 9, ts: '2' }), 'applied');
    assert.deepEqual(b.bestBid(), ['1.5', '1']);
    assert.equal(b.size().bids, 1);
  });

  test('invalid shapes are rejected, not thrown', () => {
    const b = new OrderBook('X');
    assert.equal(b.applyRaw('nope'), 'invalid');
    assert.equal(b.applyRaw('{"data":[]}'), 'invalid');
    assert.equal(b.applyRaw('{"data":[{"bids":[],"asks":[]}]}'), 'invalid');
    assert.equal(b.apply({ bids: [], asks: [], seqId: 3 }, 'update'), 'invalid');
  });
});

describe('checksum (docs/OKX-PROTOCOL.md §3.2)', () => {
  test('the docs/OKX-PROTOCOL.md §3.2 examples through the book', () => {
    const b = new OrderBook('X');
    assert.equal(
      b.apply(
        snap(1, [L('3366.1', '7'), L('3366', '6')], [L('3366.8', '9'), L('3368', '8')], -1881014294),
        'snapshot',
      ),
      'applied',
    );
    assert.equal(b.checksum(), -1881014294);
    // Example 2 reached by an update: bid 3366 removed, ask 3372 added.
    assert.equal(b.apply(upd(1, 2, [L('3366', '0')], [L('3372', '8')], 831078360), 'update'), 'applied');
    const c = new OrderBook('Y');
    const bids = Array.from({ length: 30 }, (_, i) => L(String(1000 - i), '1'));
    const asks = Array.from({ length: 30 }, (_, i) => L(String(1001 + i), '2'));
    assert.equal(c.apply(snap(1, bids, asks, 698652529), 'snapshot'), 'applied');
  });

  test('the docs push sample value is wrong; the computed one is accepted', () => {
    // docs/OKX-PROTOCOL.md §3.2: -855196043 in the docs sample does not match its data; -2102840145 does.
    const asks = [
      L('8476.98', '415'),
      L('8477', '7'),
      L('8477.34', '85'),
      L('8477.56', '1'),
      L('8505.84', '8'),
      L('8506.37', '85'),
      L('8506.49', '2'),
      L('8506.96', '100'),
    ];
    const bids = [
      L('8476.97', '256'),
      L('8475.55', '101'),
      L('8475.54', '100'),
      L('8475.3', '1'),
      L('8447.32', '6'),
      L('8447.02', '246'),
      L('8446.83', '24'),
      L('8446', '95'),
    ];
    assert.equal(new OrderBook('X').apply(snap(1, bids, asks, -855196043), 'snapshot'), 'checksum');
    assert.equal(new OrderBook('X').apply(snap(1, bids, asks, -2102840145), 'snapshot'), 'applied');
  });

  test('a wrong checksum resets the book and asks for a resync', () => {
    const b = new OrderBook('X');
    const reasons: string[] = [];
    b.on('resync', (r) => reasons.push(r));
    b.apply(
      snap(1, [L('3366.1', '7'), L('3366', '6')], [L('3366.8', '9'), L('3368', '8')], -1881014294),
      'snapshot',
    );
    assert.equal(b.apply(upd(1, 2, [L('3366', '5')], [], 831078360), 'update'), 'checksum');
    assert.deepEqual(reasons, ['checksum']);
    assert.equal(b.isSynced, false);
  });

  test('the checksum from cached segments equals the reference on random books and edits', () => {
    const rnd = mulberry32(7);
    const segs = (side: BookLevel[]) => side.map((l) => `${l[0]}:${l[1]}`);
    for (let round = 0; round < 40; round++) {
      const bids: BookLevel[] = [];
      const asks: BookLevel[] = [];
      const n = Math.floor(rnd() * 40);
      const m = Math.floor(rnd() * 40);
      for (let i = 0; i < n; i++) bids.push(L((1000 - i - rnd()).toFixed(2), rnd().toFixed(3)));
      for (let i = 0; i < m; i++) asks.push(L((1001 + i + rnd()).toFixed(2), rnd().toFixed(3)));
      assert.equal(
        bookChecksumFromSegments(segs(bids), segs(asks)),
        bookChecksum(bids, asks),
        `round ${round}`,
      );
    }
    assert.equal(bookChecksumFromSegments([], []), bookChecksum([], []));
    assert.equal(bookChecksumFromSegments(['3366.1:7', '3366:6'], ['3366.8:9', '3368:8']), -1881014294);
  });

  test('the book keeps its checksum right through inserts, deletes and replaces at every depth', () => {
    const rnd = mulberry32(9);
    const b = new OrderBook('X', { verifyChecksum: false });
    const bids = Array.from({ length: 60 }, (_, i) => L(String(1000 - i), '1'));
    const asks = Array.from({ length: 60 }, (_, i) => L(String(1001 + i), '1'));
    b.apply(snap(1, bids, asks), 'snapshot');
    for (let seq = 2; seq < 300; seq++) {
      const ub: BookLevel[] = [];
      const ua: BookLevel[] = [];
      for (let k = 0; k < 3; k++) {
        const depth = Math.floor(rnd() * 40);
        const sz = rnd() < 0.3 ? '0' : (rnd() * 3).toFixed(2);
        if (rnd() < 0.5) ub.push(L(String(1000 - depth), sz));
        else ua.push(L(String(1001 + depth), sz));
      }
      b.apply(upd(seq - 1, seq, ub, ua), 'update');
      const d = b.depth(25);
      assert.equal(b.checksum(), bookChecksum(d.bids, d.asks), `seq ${seq}`);
    }
  });

  test('generated 400-level stream: every message accepted, checksums verified', () => {
    const msgs = generateBookMessages({ seed: 3, count: 1500 });
    const b = new OrderBook('BTC-USDT');
    for (const m of msgs) assert.equal(b.applyRaw(m), 'applied');
    assert.equal(b.stats.applied, 1500);
    assert.ok(Math.abs(b.size().bids - 400) <= 5);
    const last = JSON.parse(msgs.at(-1)!) as { data: [{ checksum: number }] };
    assert.equal(b.checksum(), last.data[0].checksum);
    assert.equal(bookChecksum(b.depth(25).bids, b.depth(25).asks), last.data[0].checksum);
  });

  test('a dropped message in the generated stream is detected as a gap', () => {
    const msgs = generateBookMessages({ seed: 4, count: 50 });
    const b = new OrderBook('BTC-USDT');
    const results = msgs.filter((_, i) => i !== 20).map((m) => b.applyRaw(m));
    assert.equal(results[20], 'gap');
    assert.ok(results.slice(21).every((r) => r === 'ignored'));
  });
});

describe('REST snapshot + buffered updates (docs/OKX-PROTOCOL.md §3.3)', () => {
  test('drops updates up to the snapshot, applies the one straddling it, then the rest', () => {
    const b = new OrderBook('X');
    b.startBuffering();
    assert.equal(b.apply(upd(5, 7, [L('10', '1')]), 'update'), 'ignored');
    assert.equal(b.apply(upd(7, 9, [L('11', '1')]), 'update'), 'ignored');
    assert.equal(b.apply(upd(9, 12, [L('12', '1')]), 'update'), 'ignored');
    // Snapshot at seqId 8: event 7->9 straddles it (prevSeqId 7 <= 8 < 9).
    assert.equal(b.loadSnapshot({ bids: [L('10', '1')], asks: [L('20', '1')], seqId: 8 }), 'applied');
    assert.deepEqual(
      b.depth().bids.map((l) => l[0]),
      ['12', '11', '10'],
    );
    assert.equal(b.seqId, 12);
    assert.equal(b.apply(upd(12, 13, [L('13', '1')]), 'update'), 'applied');
  });

  test('a snapshot older than the buffered stream asks for another one', () => {
    const b = new OrderBook('X');
    b.startBuffering();
    b.apply(upd(20, 21, [L('10', '1')]), 'update');
    assert.equal(b.loadSnapshot({ bids: [], asks: [], seqId: 15 }), 'retry');
    assert.equal(b.loadSnapshot({ bids: [L('9', '1')], asks: [], seqId: 20 }), 'applied');
    assert.equal(b.seqId, 21);
  });
});

/** Everything observable about a book, to compare two of them. */
function stateOf(b: OrderBook): unknown {
  return {
    seqId: b.seqId,
    synced: b.isSynced,
    ts: b.ts,
    changed: b.changed,
    depth: b.depth(1000),
    checksum: b.checksum(),
    stats: { ...b.stats },
  };
}

/** The reference: the whole message through JSON.parse, then `apply`. */
function applyParsed(b: OrderBook, raw: string): string {
  let msg: { action?: string; data?: BookData[] };
  try {
    msg = JSON.parse(raw) as typeof msg;
  } catch {
    return 'invalid';
  }
  if (!Array.isArray(msg.data) || msg.data.length === 0) return 'invalid';
  return b.apply(msg.data[0]!, msg.action);
}

/** Feeds the same stream to applyRaw and to the reference; they must agree message by message. */
function assertSameAsParsed(raws: string[], refRaws: string[] = raws, label = ''): void {
  const fast = new OrderBook('BTC-USDT');
  const ref = new OrderBook('BTC-USDT');
  for (let i = 0; i < raws.length; i++) {
    const got = fast.applyRaw(raws[i]!);
    const want = applyParsed(ref, refRaws[i]!);
    assert.equal(got, want, `${label} message ${i}`);
    if (i % 97 === 0 || got !== 'applied')
      assert.deepEqual(stateOf(fast), stateOf(ref), `${label} message ${i}`);
  }
  assert.deepEqual(stateOf(fast), stateOf(ref), `${label} end`);
}

describe('applyRaw: scanned fast path equals JSON.parse + apply', () => {
  test('thousands of generated messages (two generators, checksum and checksum 0)', () => {
    assertSameAsParsed(generateBookMessages({ seed: 11, count: 2000 }), undefined, 'helper');
    assertSameAsParsed(generateBookMessages({ seed: 12, count: 500, zeroChecksum: true }), undefined, 'zero');
    assertSameAsParsed(
      generateSimBookMessages({ seed: 13, count: 2000, instId: 'BTC-USDT' }),
      undefined,
      'sim',
    );
    // The checksum the book computes incrementally equals the reference at every step.
    const b = new OrderBook('BTC-USDT');
    for (const m of generateSimBookMessages({ seed: 14, count: 600, instId: 'BTC-USDT' })) {
      assert.equal(b.applyRaw(m), 'applied');
      const d = b.depth(25);
      assert.equal(b.checksum(), bookChecksum(d.bids, d.asks));
    }
  });

  test('layouts the scanner does not take give the same books through the full parse', () => {
    const msgs = generateBookMessages({ seed: 21, count: 300 });
    const variants: Array<[string, (m: string) => string]> = [
      ['pretty-printed', (m) => JSON.stringify(JSON.parse(m), null, 1)],
      ['spaces after separators', (m) => m.replaceAll('":', '": ').replaceAll(',"', ', "')],
      ['escaped digits', (m) => m.replace(/"(\d)/g, '"\\u003$1')],
      ['escaped slash in instId', (m) => m.replace('"BTC-USDT"', '"BTC\\/USDT"')],
      ['data keys reordered', (m) => reorder(m)],
      ['extra data key', (m) => m.replace('"ts":', '"instType":"SPOT","ts":')],
      ['extra top-level key', (m) => m.replace('"action":', '"id":"1","action":')],
      ['action first', (m) => m.replace(/^\{("arg":\{[^}]*\}),("action":"\w+"),/, '{$2,$1,')],
      ['arg with a number', (m) => m.replace('"channel":"books"', '"channel":"books","n":1')],
      ['two-field levels', (m) => m.replace(/\["([^"]*)","([^"]*)","0","\d+"\]/g, '["$1","$2"]')],
      ['seqId as a float', (m) => m.replace(/"seqId":(\d+)/, '"seqId":$1.0')],
      ['seqId with exponent', (m) => m.replace(/"seqId":(\d+)/, '"seqId":$1e0')],
    ];
    for (const [name, f] of variants) {
      const changed = msgs.map(f);
      assert.notDeepEqual(changed, msgs, name);
      // Same messages in meaning: books equal to the plain stream's, message by message.
      const plain = new OrderBook('BTC-USDT');
      const varied = new OrderBook('BTC-USDT');
      for (let i = 0; i < msgs.length; i++) {
        assert.equal(varied.applyRaw(changed[i]!), plain.applyRaw(msgs[i]!), `${name} ${i}`);
      }
      // Levels compared on price and size: the two-field variant keeps two fields, as received.
      const pxSz = (b: OrderBook) => {
        const d = b.depth(1000);
        return [d.bids.map((l) => [l[0], l[1]]), d.asks.map((l) => [l[0], l[1]])];
      };
      assert.deepEqual(pxSz(varied), pxSz(plain), name);
      assert.deepEqual(
        { ...(stateOf(varied) as object), depth: 0 },
        { ...(stateOf(plain) as object), depth: 0 },
        name,
      );
      assertSameAsParsed(changed, changed, name);
    }
  });

  test('malformed messages: a typed result, never a throw or a changed book', () => {
    const msgs = generateBookMessages({ seed: 31, count: 40 });
    const b = new OrderBook('BTC-USDT');
    for (const m of msgs.slice(0, 30)) assert.equal(b.applyRaw(m), 'applied');
    const before = stateOf(b);
    const next = msgs[30]!;
    // Every truncation of a valid update.
    for (let cut = 0; cut < next.length; cut++) {
      assert.equal(b.applyRaw(next.slice(0, cut)), 'invalid', `cut ${cut}`);
    }
    const bad: Array<[string, string]> = [
      ['price not a number', next.replace(/\[\["[^"]*"/, '[["abc"')],
      ['empty price', next.replace(/\[\["[^"]*"/, '[[""')],
      ['negative size', next.replace(/\[\["([^"]*)","[^"]*"/, '[["$1","-1"')],
      ['size not a number', next.replace(/\[\["([^"]*)","[^"]*"/, '[["$1","x"')],
      ['empty level', next.replace(/\[\[/, '[[],[')],
      ['level not an array', next.replace(/\[\[/, '["x",[')],
      ['raw control character', next.replace(/\[\["([^"]*)"/, '[["$1\n"')],
      ['leading zero in seqId', next.replace(/"seqId":(\d+)/, '"seqId":0$1')],
      ['trailing garbage', `${next}x`],
      ['trailing comma in levels', next.replace(/\]\],"bids"/, '],],"bids"')],
      ['bids missing', next.replace('"bids":', '"bidz":')],
      ['seqId missing', next.replace(/,"seqId":\d+/, '')],
      ['prevSeqId missing', next.replace(/,?"prevSeqId":\d+/, '')],
      ['not an object', '[1,2,3]'],
      ['null', 'null'],
      ['data null', next.replace(/"data":\[.*\]\}$/, '"data":null}')],
    ];
    for (const [name, raw] of bad) {
      assert.notEqual(raw, next, name);
      assert.equal(b.applyRaw(raw), 'invalid', name);
      assert.deepEqual(stateOf(b), before, name);
    }
    // The stream goes on where it stopped.
    for (const m of msgs.slice(30)) assert.equal(b.applyRaw(m), 'applied');
  });

  test('gaps, heartbeats and resets read by the scanner behave as through apply', () => {
    const msgs = generateBookMessages({ seed: 41, count: 60 });
    const seq = (m: string) => Number(/"seqId":(\d+)/.exec(m)![1]);
    const last = seq(msgs[9]!);
    const heartbeat = msgs[9]!
      .replace(/"asks":\[.*?\]\],/, '"asks":[],')
      .replace(/"bids":\[.*?\]\],/, '"bids":[],')
      .replace(/"prevSeqId":\d+/, `"prevSeqId":${last}`)
      .replace(/"checksum":-?\d+/, '"checksum":0');
    const stream = [...msgs.slice(0, 10), heartbeat, ...msgs.slice(10, 30), ...msgs.slice(31)];
    assertSameAsParsed(stream, stream, 'gap');
    const b = new OrderBook('BTC-USDT');
    const results = stream.map((m) => b.applyRaw(m));
    assert.equal(results[10], 'applied');
    assert.equal(b.stats.heartbeats, 1);
    assert.equal(results[31], 'gap');
    // A wrong checksum read by the scanner is still caught.
    const c = new OrderBook('BTC-USDT');
    for (const m of msgs.slice(0, 5)) c.applyRaw(m);
    const wrong = msgs[5]!.replace(/"checksum":(-?\d+)/, (_, v: string) => `"checksum":${Number(v) ^ 1}`);
    assert.equal(c.applyRaw(wrong), 'checksum');
    assert.equal(c.isSynced, false);
  });

  test('a price with a non-ASCII character is hashed as zlib hashes its UTF-8', () => {
    const b = new OrderBook('X', { verifyChecksum: false });
    const bids = [L('100\u00a0', '1'), L('99', '2')];
    const asks = [L('101', '1')];
    assert.equal(b.apply(snap(1, bids, asks), 'snapshot'), 'applied');
    assert.equal(b.checksum(), bookChecksum(bids, asks));
    assert.equal(b.apply(upd(1, 2, [L('98', '1')]), 'update'), 'applied');
    assert.equal(b.checksum(), bookChecksum(b.depth().bids, b.depth().asks));
  });
});

/** Moves seqId and prevSeqId before asks in each message's data object. */
function reorder(m: string): string {
  const seq = /,"prevSeqId":-?\d+|,"seqId":-?\d+/g;
  const found = m.match(seq) ?? [];
  const rest = m.replace(seq, '');
  return rest.replace('"data":[{', `"data":[{${found.map((f) => f.slice(1)).join(',')},`);
}
