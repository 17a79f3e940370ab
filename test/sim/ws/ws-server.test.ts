import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bookChecksum } from '../../../src/protocol/book-checksum.js';
import { signWsLogin, wsLoginTimestamp } from '../../../src/protocol/sign.js';
import { MergedBook } from '../market/book-merge.js';
import { until } from '../../helpers/until.js';
import { Client, KEYS, isEvent, isPush, startHarness, type Harness } from './helpers.js';

const [KEY, OTHER] = KEYS as [(typeof KEYS)[0], (typeof KEYS)[0]];

function loginArgs(
  over: Partial<Record<'apiKey' | 'passphrase' | 'timestamp' | 'sign', string>>,
  nowMs: number,
) {
  const timestamp = over.timestamp ?? wsLoginTimestamp(nowMs);
  return {
    op: 'login',
    args: [
      {
        apiKey: over.apiKey ?? KEY.apiKey,
        passphrase: over.passphrase ?? KEY.passphrase,
        timestamp,
        sign: over.sign ?? signWsLogin({ timestamp, secretKey: KEY.secretKey }),
      },
    ],
  };
}

describe('WS server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('login succeeds with a Unix-seconds signature; a second login is 60031', async () => {
    const c = await h.connect('/ws/v5/private');
    const ok = await c.login(KEY, h.clock.now());
    assert.equal(ok.event, 'login');
    assert.equal(ok.code, '0');
    assert.equal(ok.msg, '');
    assert.match(ok.connId, /^[0-9a-f]{8}$/);
    const again = await c.login(KEY, h.clock.now());
    assert.equal(again.event, 'error');
    assert.equal(again.code, '60031');
  });

  test('login is also accepted on /public and /business', async () => {
    for (const path of ['/ws/v5/public', '/ws/v5/business']) {
      const c = await h.connect(path);
      assert.equal((await c.login(KEY, h.clock.now())).code, '0');
    }
  });

  const failures: [string, (now: number) => unknown][] = [
    ['60004', (now) => loginArgs({ timestamp: new Date(now).toISOString() }, now)],
    ['60006', (now) => loginArgs({ timestamp: String(now) }, now)], // milliseconds
    ['60006', (now) => loginArgs({ timestamp: wsLoginTimestamp(now - 31_000) }, now)],
    ['60005', (now) => loginArgs({ apiKey: 'fake-key-unknown-9999' }, now)],
    ['60024', (now) => loginArgs({ passphrase: 'fake pass!' }, now)],
    [
      '60007',
      (now) =>
        loginArgs(
          { sign: signWsLogin({ timestamp: wsLoginTimestamp(now), secretKey: 'fake-secret-wrong' }) },
          now,
        ),
    ],
    [
      '60009',
      (now) => ({
        op: 'login',
        args: [{ apiKey: KEY.apiKey, passphrase: KEY.passphrase, timestamp: wsLoginTimestamp(now) }],
      }),
    ],
  ];
  for (const [code, build] of failures) {
    test(`login failure ${code}, then close 4001; no secret in any frame`, async () => {
      const c = await h.connect('/ws/v5/private');
      c.send(build(h.clock.now()));
      const err = await c.next(isEvent('error'));
      assert.equal(err.code, code);
      assert.equal(typeof err.msg, 'string');
      assert.ok(err.connId);
      const closed = await c.closed;
      assert.equal(closed.code, 4001);
      const all = JSON.stringify(err);
      assert.ok(!all.includes(KEY.secretKey) && !all.includes(KEY.passphrase));
    });
  }

  test('a malformed login is 60012 and its echo never carries the passphrase or signature', async () => {
    const c = await h.connect('/ws/v5/private');
    const sign = signWsLogin({ timestamp: wsLoginTimestamp(h.clock.now()), secretKey: KEY.secretKey });
    c.send(
      `{"op":"login","args":[{"apiKey":"${KEY.apiKey}","passphrase":"${KEY.passphrase}","sign":"${sign}"`,
    );
    const e1 = await c.next(isEvent('error'));
    assert.equal(e1.code, '60012');
    c.send({ op: 'login', args: { apiKey: KEY.apiKey, passphrase: KEY.passphrase, sign } });
    const e2 = await c.next(isEvent('error'));
    assert.equal(e2.code, '60012');
    for (const e of [e1, e2]) {
      const text = JSON.stringify(e);
      assert.ok(
        !text.includes(KEY.passphrase) && !text.includes(sign) && !text.includes(KEY.secretKey),
        text,
      );
    }
  });

  test('candle channel: when a bar closes its final row is pushed confirmed, then the new bar', async () => {
    const c = await h.connect('/ws/v5/business');
    c.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'SOL-USDT' }] });
    const first = await c.next(isPush('candle1m'));
    const bar = Number(first.data[0][0]);
    while (h.clock.now() < bar + 60_000 + 1000) {
      h.clock.advance(100);
      h.market.advanceTo(h.clock.now());
    }
    const closed = await c.next((m) => isPush('candle1m')(m) && m.data[0][8] === '1');
    assert.equal(Number(closed.data[0][0]), bar);
    assert.deepEqual(closed.data[0], h.market.candles('SOL-USDT', '1m', { after: bar + 1, limit: 1 })[0]);
    const next = await c.next((m) => isPush('candle1m')(m) && Number(m.data[0][0]) === bar + 60_000);
    assert.equal(next.data[0][8], '0');
  });

  test('subscribe acks one per arg with the id echoed; unsubscribe acks', async () => {
    const c = await h.connect('/ws/v5/public');
    c.send({
      id: 'sub1',
      op: 'subscribe',
      args: [
        { channel: 'tickers', instId: 'BTC-USDT' },
        { channel: 'trades', instId: 'ETH-USDT' },
      ],
    });
    const a1 = await c.next(isEvent('subscribe'));
    const a2 = await c.next(isEvent('subscribe'));
    assert.deepEqual(a1.arg, { channel: 'tickers', instId: 'BTC-USDT' });
    assert.deepEqual(a2.arg, { channel: 'trades', instId: 'ETH-USDT' });
    assert.equal(a1.id, 'sub1');
    assert.ok(a1.connId);
    const tick = await c.next(isPush('tickers'));
    assert.equal(tick.data[0].instId, 'BTC-USDT');
    assert.equal(typeof tick.data[0].last, 'string');
    c.send({ op: 'unsubscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
    const u = await c.next(isEvent('unsubscribe'));
    assert.deepEqual(u.arg, { channel: 'tickers', instId: 'BTC-USDT' });
    assert.equal(u.id, undefined);
  });

  test('subscribe errors: 60012, 60018 (unknown channel, instId, wrong path), 60011, 64000, 60029/60030', async () => {
    const pub = await h.connect('/ws/v5/public');
    pub.send('{not json');
    assert.equal((await pub.next(isEvent('error'))).code, '60012');
    pub.send({ args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '60012');
    pub.send({ id: '7', op: 'subscribe', args: { channel: 'tickers' } });
    const bad = await pub.next(isEvent('error'));
    assert.equal(bad.code, '60012');
    assert.equal(bad.id, '7');
    pub.send({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'ETH-XYZ' }] });
    const e1 = await pub.next(isEvent('error'));
    assert.equal(e1.code, '60018');
    assert.equal(
      e1.msg,
      "Wrong URL or channel:tickers,instId:ETH-XYZ doesn't exist. Please use the correct URL, channel and parameters referring to API document.",
    );
    pub.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT' }] });
    const e2 = await pub.next(isEvent('error'));
    assert.equal(e2.code, '60018');
    assert.match(e2.msg, /channel:candle1m,instId:BTC-USDT/);
    pub.send({ op: 'subscribe', args: [{ channel: 'nope', instId: 'BTC-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '60018');
    pub.send({ op: 'subscribe', args: [{ channel: 'tickers', uly: 'BTC-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '64000');
    pub.send({ op: 'subscribe', args: [{ channel: 'books-l2-tbt', instId: 'BTC-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '60029');
    pub.send({ op: 'subscribe', args: [{ channel: 'books50-l2-tbt', instId: 'BTC-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '60030');

    const biz = await h.connect('/ws/v5/business');
    biz.send({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
    assert.equal((await biz.next(isEvent('error'))).code, '60018');

    const priv = await h.connect('/ws/v5/private');
    priv.send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'SPOT' }] });
    assert.equal((await priv.next(isEvent('error'))).code, '60011');
  });

  test('text ping gets text pong', async () => {
    const c = await h.connect('/ws/v5/public');
    c.send('ping');
    assert.equal(await c.next((m) => m === 'pong'), 'pong');
  });

  test('books: snapshot then updates a merged client book verifies by seqId and checksum', async () => {
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'ETH-USDT' }] });
    await c.next(isEvent('subscribe'));
    const snap = await c.next(isPush('books'));
    assert.equal(snap.action, 'snapshot');
    const d0 = snap.data[0];
    assert.equal(d0.prevSeqId, -1);
    assert.equal(d0.asks.length, 400);
    assert.equal(d0.bids.length, 400);
    assert.equal(typeof d0.ts, 'string');
    assert.equal(d0.checksum, bookChecksum(d0.bids, d0.asks));
    const book = new MergedBook(d0);
    for (let i = 0; i < 30; i++) {
      h.clock.advance(100);
      h.market.advanceTo(h.clock.now());
      const u = await c.next(isPush('books'));
      assert.equal(u.action, 'update');
      const d = u.data[0];
      book.apply(d); // throws on a seqId gap
      assert.notEqual(d.checksum, 0);
      assert.equal(bookChecksum(book.sortedBids(), book.sortedAsks()), d.checksum);
    }
    // a user's taker order moves the book too, in sequence
    h.market.take('ETH-USDT', 'sell', '5');
    const u = await c.next(isPush('books'));
    book.apply(u.data[0]);
    assert.equal(bookChecksum(book.sortedBids(), book.sortedAsks()), u.data[0].checksum);
    const depth = h.market.depth('ETH-USDT', 400);
    assert.deepEqual(book.sortedBids(), depth.bids);
    assert.deepEqual(book.sortedAsks(), depth.asks);
  });

  test('books5 and bbo-tbt push full snapshots without action; trades and candles push', async () => {
    const pub = await h.connect('/ws/v5/public');
    pub.send({
      op: 'subscribe',
      args: [
        { channel: 'books5', instId: 'BTC-USDT' },
        { channel: 'bbo-tbt', instId: 'BTC-USDT' },
        { channel: 'trades', instId: 'BTC-USDT' },
      ],
    });
    const biz = await h.connect('/ws/v5/business');
    biz.send({
      op: 'subscribe',
      args: [
        { channel: 'candle1m', instId: 'BTC-USDT' },
        { channel: 'candle1Dutc', instId: 'BTC-USDT' },
        { channel: 'trades-all', instId: 'BTC-USDT' },
      ],
    });
    const b5 = await pub.next(isPush('books5'));
    assert.equal(b5.action, undefined);
    assert.equal(b5.data[0].asks.length, 5);
    assert.equal(b5.data[0].bids.length, 5);
    assert.equal(typeof b5.data[0].seqId, 'number');
    const bbo = await pub.next(isPush('bbo-tbt'));
    assert.equal(bbo.data[0].asks.length, 1);
    const c1 = await biz.next(isPush('candle1m'));
    assert.equal(c1.data[0].length, 9);
    for (const f of c1.data[0]) assert.equal(typeof f, 'string');
    assert.equal(c1.data[0][8], '0');
    await biz.next(isPush('candle1Dutc'));
    for (let i = 0; i < 40; i++) {
      h.clock.advance(100);
      h.market.advanceTo(h.clock.now());
    }
    const tr = await pub.next(isPush('trades'));
    const t = tr.data[0];
    assert.deepEqual(Object.keys(t).sort(), ['count', 'instId', 'px', 'side', 'sz', 'tradeId', 'ts']);
    const ta = await biz.next(isPush('trades-all'));
    assert.equal(ta.data[0].tradeId, t.tradeId);
    const again = await biz.next(isPush('candle1m'));
    assert.equal(again.data[0][0], c1.data[0][0]);
  });

  test('pushes of one step come in OKX order: bbo-tbt, books, books5', async () => {
    const c = await h.connect('/ws/v5/public');
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'books5', instId: 'OKB-USDT' },
        { channel: 'books', instId: 'OKB-USDT' },
        { channel: 'bbo-tbt', instId: 'OKB-USDT' },
      ],
    });
    for (let i = 0; i < 3; i++) await c.next(isEvent('subscribe'));
    await c.next(isPush('books'));
    await c.next(isPush('books5'));
    await c.next(isPush('bbo-tbt'));
    // step until a step moves the best bid or ask, so all three channels push
    for (let i = 0; i < 50; i++) {
      const before = JSON.stringify(h.market.depth('OKB-USDT', 1));
      c.frames.length = 0;
      h.clock.advance(100);
      h.market.advanceTo(h.clock.now());
      if (JSON.stringify(h.market.depth('OKB-USDT', 1)) === before) continue;
      await c.settled();
      const order = c.frames.filter((m: any) => m.arg?.channel).map((m: any) => m.arg.channel);
      assert.deepEqual(order, ['bbo-tbt', 'books', 'books5']);
      return;
    }
    assert.fail('the best level never moved');
  });

  test('private: orders reach only the owning account, with uid in arg; positions push on subscribe; account pushes', async () => {
    const a = await h.connect('/ws/v5/private');
    const b = await h.connect('/ws/v5/private');
    assert.equal((await a.login(KEY, h.clock.now())).code, '0');
    assert.equal((await b.login(OTHER, h.clock.now())).code, '0');
    for (const c of [a, b]) {
      c.send({
        op: 'subscribe',
        args: [
          { channel: 'orders', instType: 'SPOT' },
          { channel: 'positions', instType: 'ANY' },
          { channel: 'account' },
          { channel: 'account', ccy: 'BTC' },
        ],
      });
      for (let i = 0; i < 4; i++) await c.next(isEvent('subscribe'));
    }
    const pos = await a.next(isPush('positions'));
    assert.deepEqual(pos.data, []);
    assert.equal(pos.arg.uid, '44705892343619584');
    h.engine.order('main', {
      instType: 'SPOT',
      instId: 'BTC-USDT',
      ordId: '42',
      clOrdId: 'abc1',
      state: 'live',
    });
    const o = await a.next(isPush('orders'));
    assert.deepEqual(o.arg, { channel: 'orders', instType: 'SPOT', uid: '44705892343619584' });
    assert.equal(o.data[0].ordId, '42');
    h.engine.account('second', {
      totalEq: '100',
      details: [
        { ccy: 'USDT', eq: '90' },
        { ccy: 'BTC', eq: '0.001' },
      ],
    });
    const acc = await b.next((m) => isPush('account')(m) && !m.arg.ccy);
    assert.equal(acc.data[0].totalEq, '100');
    assert.equal(acc.data[0].details.length, 2);
    assert.equal(acc.arg.uid, '55705892343619585');
    const btc = await b.next((m) => isPush('account')(m) && m.arg.ccy === 'BTC');
    assert.deepEqual(btc.data[0].details, [{ ccy: 'BTC', eq: '0.001' }]);
    // b never sees a's order, a never sees b's account
    await a.settled();
    await b.settled();
    assert.equal(b.frames.filter(isPush('orders')).length, 0);
    assert.equal(a.frames.filter(isPush('account')).length, 0);
  });

  test('WS order ops go to the trade handler with the account; id and args are checked', async () => {
    const c = await h.connect('/ws/v5/private');
    c.send({
      id: 'o1',
      op: 'order',
      args: [{ instIdCode: 10001, side: 'buy', ordType: 'limit', px: '1', sz: '1', tdMode: 'cash' }],
    });
    const notLogged = await c.next((m) => m.id === 'o1');
    assert.equal(notLogged.code, '60011');
    await c.login(KEY, h.clock.now());
    c.send({
      id: 'o2',
      op: 'order',
      args: [
        { instIdCode: 10001, side: 'buy', ordType: 'limit', px: '1', sz: '1', tdMode: 'cash', clOrdId: 'c1' },
      ],
    });
    const r = await c.next((m) => m.id === 'o2');
    assert.deepEqual(Object.keys(r).sort(), ['code', 'data', 'id', 'inTime', 'msg', 'op', 'outTime']);
    assert.equal(r.op, 'order');
    assert.equal(r.code, '0');
    assert.equal(r.data[0].clOrdId, 'c1');
    const call = h.trade.calls.at(-1)!;
    assert.equal(call.account, 'main');
    assert.equal(call.op, 'order');
    assert.equal(call.args[0]!.instIdCode, 10001);
    c.send({ op: 'cancel-order', args: [{ instIdCode: 10001, ordId: '1' }] });
    assert.equal((await c.next(isEvent('error'))).code, '60012');
    c.send({ id: 'o3', op: 'batch-orders', args: [] });
    const r3 = await c.next((m) => m.id === 'o3');
    assert.equal(r3.code, '60013');
    assert.deepEqual(r3.data, []);
    c.send({ id: 'o4', op: 'amend-order', args: [{ instIdCode: 10001, ordId: '1', newPx: '2' }] });
    assert.equal((await c.next((m) => m.id === 'o4')).code, '0');
    assert.equal(h.trade.calls.at(-1)!.op, 'amend-order');
    const pub = await h.connect('/ws/v5/public');
    pub.send({ id: 'o5', op: 'order', args: [{}] });
    assert.equal((await pub.next((m) => m.id === 'o5')).code, '60028');
  });

  test('dropConnections terminates every socket', async () => {
    const c1 = await h.connect('/ws/v5/public');
    const c2 = await h.connect('/ws/v5/business');
    assert.ok(h.ws.connectionCount() >= 2);
    h.ws.dropConnections();
    await c1.closed;
    await c2.closed;
    await until(() => h.ws.connectionCount() === 0, 'the server side of the closes');
  });

  test('other paths are refused', async () => {
    await assert.rejects(Client.open(h.url('/ws/v5/nope')), /404/);
  });
});

describe('WS server options', () => {
  test('zero-checksum mode sends checksum 0', async (t) => {
    const h = await startHarness({ zeroChecksum: true });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'SOL-USDT' }] });
    const snap = await c.next(isPush('books'));
    assert.equal(snap.data[0].checksum, 0);
    h.clock.advance(100);
    h.market.advanceTo(h.clock.now());
    const u = await c.next(isPush('books'));
    assert.equal(u.data[0].checksum, 0);
    assert.equal(u.data[0].prevSeqId, snap.data[0].seqId);
  });

  test('no-snapshot mode: updates only; a REST-style snapshot with seqId plus buffered updates rebuilds the book', async (t) => {
    const h = await startHarness({ noBookSnapshot: true });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await c.next(isEvent('subscribe'));
    const step = () => {
      h.clock.advance(100);
      h.market.advanceTo(h.clock.now());
    };
    step();
    step();
    const snap = h.market.depth('BTC-USDT', 400); // what GET /market/books?source=0 would return
    step();
    step();
    const buffered = [];
    for (let i = 0; i < 4; i++) buffered.push(await c.next(isPush('books')));
    assert.ok(buffered.every((m) => m.action === 'update'));
    const book = new MergedBook(snap);
    // facts §3.3: drop events with seqId <= snapshot seqId; the first applied straddles it
    const usable = buffered.map((m) => m.data[0]).filter((d) => d.seqId > snap.seqId);
    assert.ok(usable[0].prevSeqId <= snap.seqId && snap.seqId < usable[0].seqId);
    for (const d of usable) {
      book.apply(d); // throws on a gap
      assert.equal(bookChecksum(book.sortedBids(), book.sortedAsks()), d.checksum);
    }
  });

  test('an idle connection is closed with 4004', async (t) => {
    const h = await startHarness({ idleTimeoutMs: 150 });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    const closed = await c.closed;
    assert.equal(closed.code, 4004);
  });

  test('traffic keeps a connection open past the idle timeout', async (t) => {
    const h = await startHarness({ idleTimeoutMs: 200 });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    for (let i = 0; i < 4; i++) {
      // pacing, not synchronisation: the idle timer is real time (it guards the socket layer)
      await new Promise((r) => setTimeout(r, 100));
      c.send('ping');
      await c.next((m) => m === 'pong');
    }
    assert.equal(h.ws.connectionCount(), 1);
  });

  test('more than 3 new connections a second from one IP are refused', async (t) => {
    const h = await startHarness({ connectionsPerSecond: 3 });
    t.after(() => h.close());
    await h.connect('/ws/v5/public');
    await h.connect('/ws/v5/public');
    await h.connect('/ws/v5/public');
    await assert.rejects(h.connect('/ws/v5/public'), /429/);
  });

  test('a 31st connection of one account on the orders channel gets channel-conn-count-error', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const subscribeOrders = async (c: Client) => {
      c.send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'ANY' }] });
      return c.next((m) => m.event === 'subscribe' || m.event === 'channel-conn-count-error');
    };
    for (let i = 0; i < 30; i++) {
      const c = await h.connect('/ws/v5/private');
      await c.login(KEY, h.clock.now());
      assert.equal((await subscribeOrders(c)).event, 'subscribe');
    }
    const extra = await h.connect('/ws/v5/private');
    await extra.login(KEY, h.clock.now());
    const err = await subscribeOrders(extra);
    assert.deepEqual([err.event, err.channel, err.connCount], ['channel-conn-count-error', 'orders', '30']);
    // another account is counted on its own
    const other = await h.connect('/ws/v5/private');
    await other.login(OTHER, h.clock.now());
    assert.equal((await subscribeOrders(other)).event, 'subscribe');
  });

  test('480 subscribe/unsubscribe/login requests per connection per hour, then 60014', async (t) => {
    const h = await startHarness({ opsPerHour: 5 });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    for (let i = 0; i < 5; i++) {
      c.send({ op: 'unsubscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
      await c.next(isEvent('unsubscribe'));
    }
    c.send({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
    assert.equal((await c.next(isEvent('error'))).code, '60014');
    h.clock.advance(3_600_000);
    c.send({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'BTC-USDT' }] });
    await c.next(isEvent('subscribe'));
  });
});
