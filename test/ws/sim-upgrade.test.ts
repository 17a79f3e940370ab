// The WS client and the local exchange's service upgrade notice (64008, facts §2.3): the client
// moves every channel to a new connection before the old one is closed, with no gap reported.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials } from '../../src/client/credentials.js';
import { ManualClock } from '../../src/util/clock.js';
import { OkxWsClient } from '../../src/ws/client.js';
import type { OkxWsError } from '../../src/ws/errors.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import type { WsBalanceAndPosition } from '../../src/ws/messages.js';
import { attachWsServer } from '../../src/sim/ws/index.js';
import { simFetch, withSim } from '../helpers/sim.js';
import { FAKE_KEY, FAKE_PASSPHRASE, FAKE_SECRET, FakeOkx, until } from './helpers/fake-okx.js';

const fast = { backoff: { baseMs: 1, maxMs: 20 }, connectLimiter: new ConnectLimiter(1000) };
const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);

describe('64008 service upgrade notice', () => {
  test('against the local exchange: every channel moves to a new connection, no error, no resync, nothing closed under the client', async (t) => {
    const clock = new ManualClock(T0);
    // Four connections open within a second here (two, then their successors): lift the
    // exchange's 3-per-second admission, which is not under test.
    const sim = await withSim(t, {
      seed: 12,
      clock,
      attachWs: (o) => attachWsServer({ ...o, connectionsPerSecond: 1000 }),
    });
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade'), clock, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    const reconnecting: string[] = [];
    const opens: string[] = [];
    const notices: string[] = [];
    ws.on('error', (e) => errors.push(e));
    ws.on('reconnecting', (r) => reconnecting.push(`${r.endpoint}: ${r.reason}`));
    ws.on('open', (o) => opens.push(`${o.endpoint}:${o.reconnect}`));
    const step = (ms = 100) => {
      clock.advance(ms);
      sim.tick();
    };

    const live = ws.orderBook('BTC-USDT');
    const resyncs: string[] = [];
    live.on('resync', (r) => resyncs.push(r.reason));
    const tickers = ws.tickers('ETH-USDT');
    const balances = ws.balanceAndPosition();
    assert.equal((await balances.next()).value!.eventType, 'snapshot');
    await live.ready;
    await tickers.next();
    for (const e of ['public', 'private'] as const)
      ws.connection(e).on('event', (m) => {
        if (m.event === 'notice') notices.push(`${e}:${String(m.code)}`);
      });
    assert.equal(sim.wsConnectionCount(), 2);

    assert.equal(sim.announceWsUpgrade(), 2);
    await until(() => opens.length === 4, 3000, 'both endpoints moved');
    assert.deepEqual(opens.sort(), ['private:false', 'private:true', 'public:false', 'public:true']);
    assert.deepEqual(notices.sort(), ['private:64008', 'public:64008']);
    // the client dropped the old connections itself, well before the exchange would
    await until(() => sim.wsConnectionCount() === 2, 3000, 'old sockets dropped');

    // the book keeps following the exchange on the new connection
    for (let i = 0; i < 5; i++) step();
    await until(() => live.book.seqId === sim.market.depth('BTC-USDT', 1).seqId, 3000, 'book in step');
    assert.ok(live.isSynced);
    // the announced close time passes: only the old connections were due, and they are gone
    step(60_000);
    // a book push after that tick reaches the client: its connection was not closed at the tick
    step();
    await until(() => live.book.seqId === sim.market.depth('BTC-USDT', 1).seqId, 3000, 'book in step');
    assert.equal(sim.wsConnectionCount(), 2);
    // private pushes flow on the new connection: a fill reaches balance_and_position
    const buy = await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order', {
      body: {
        instId: 'BTC-USDT',
        tdMode: 'cash',
        side: 'buy',
        ordType: 'market',
        sz: '0.01',
        tgtCcy: 'base_ccy',
      },
    });
    assert.equal(buy.json.data[0].sCode, '0');
    // the new connection's subscription starts with a fresh snapshot, as any OKX subscription does
    const again: WsBalanceAndPosition = (await balances.next()).value;
    assert.equal(again.eventType, 'snapshot');
    const fill: WsBalanceAndPosition = (await balances.next()).value;
    assert.equal(fill.eventType, 'filled');
    assert.deepEqual(
      fill.balData.map((b) => b.ccy),
      ['BTC', 'USDT'],
    );
    await until(() => live.book.seqId === sim.market.depth('BTC-USDT', 1).seqId, 3000, 'book after take');

    assert.deepEqual(errors, []);
    assert.deepEqual(reconnecting, []);
    assert.deepEqual(resyncs, []);
    assert.equal(live.resyncs, 0);
    live.close();
    tickers.close();
    balances.close();
  });

  test('if the new connection cannot log in, the client falls back on an ordinary reconnect and restores everything', async (t) => {
    // login 1: the first connection; login 2: the new connection after the notice, refused
    // (63999, internal error); login 3: the ordinary reconnect.
    const f = await new FakeOkx({ loginCode: (n) => (n === 2 ? '63999' : '0') }).start();
    t.after(() => f.close());
    const ws = new OkxWsClient({
      urls: f.urls,
      credentials: new Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASSPHRASE),
      random: () => 0.5,
      ...fast,
    });
    t.after(() => ws.close());
    const reconnecting: string[] = [];
    ws.on('reconnecting', (r) => reconnecting.push(r.reason));
    const orders = ws.orders();
    await ws.connect('private');
    await until(() => f.ops('private', 'subscribe').length === 1);
    f.push('private', { event: 'notice', code: '64008', msg: 'upgrade', connId: 'c1' });
    await until(() => f.ops('private', 'login').length === 3, 3000, 'third login');
    await until(() => f.ops('private', 'subscribe').length === 2, 3000, 'resubscribed');
    assert.deepEqual(reconnecting, ['service upgrade notice (64008)']);
    f.push('private', {
      arg: { channel: 'orders', instType: 'ANY' },
      data: [{ instId: 'BTC-USDT', ordId: '1', state: 'live' }],
    });
    assert.equal((await orders.next()).value!.ordId, '1');
    orders.close();
  });

  test('a channel subscribed while the move is under way is subscribed on the new connection too', async (t) => {
    const f = await new FakeOkx().start();
    t.after(() => f.close());
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(() => ws.close());
    const a = ws.tickers('BTC-USDT');
    await ws.connect('public');
    await until(() => f.ops('public', 'subscribe').length === 1);
    f.push('public', { event: 'notice', code: '64008', msg: 'upgrade', connId: 'c1' });
    const b = ws.tickers('ETH-USDT');
    await until(() => f.connections('public') >= 2, 3000, 'new connection');
    await until(
      () =>
        f.received.some(
          (r) =>
            r.conn === 2 &&
            r.msg?.op === 'subscribe' &&
            (r.msg.args as Array<{ instId: string }>).some((x) => x.instId === 'ETH-USDT'),
        ),
      3000,
      'ETH-USDT on the new connection',
    );
    f.push('public', {
      arg: { channel: 'tickers', instId: 'ETH-USDT' },
      data: [{ instId: 'ETH-USDT', last: '2', ts: '1' }],
    });
    assert.equal((await b.next()).value!.last, '2');
    a.close();
    b.close();
  });

  test('two notices in a row: two moves, each to a fresh connection, with no reconnect and every push delivered once', async (t) => {
    const f = await new FakeOkx().start();
    t.after(() => f.close());
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(() => ws.close());
    const reconnecting: string[] = [];
    ws.on('reconnecting', (r) => reconnecting.push(r.reason));
    const opens: boolean[] = [];
    ws.on('open', (o) => opens.push(o.reconnect));
    const s = ws.tickers('BTC-USDT');
    await ws.connect('public');
    await until(() => f.ops('public', 'subscribe').length === 1);
    for (let move = 1; move <= 2; move++) {
      f.push('public', { event: 'notice', code: '64008', msg: 'upgrade', connId: 'c' });
      await until(() => opens.length === move + 1, 3000, `move ${move}`);
      await until(() => f.sockets.filter((x) => x.ws.readyState === 1).length === 1, 3000, 'old dropped');
    }
    assert.equal(f.connections('public'), 3);
    assert.deepEqual(opens, [false, true, true]);
    assert.deepEqual(reconnecting, []);
    // f.push sends to every open socket: only the newest is open, so one push arrives once
    f.push('public', {
      arg: { channel: 'tickers', instId: 'BTC-USDT' },
      data: [{ instId: 'BTC-USDT', last: '3', ts: '1' }],
    });
    assert.equal((await s.next()).value!.last, '3');
    f.push('public', {
      arg: { channel: 'tickers', instId: 'BTC-USDT' },
      data: [{ instId: 'BTC-USDT', last: '4', ts: '2' }],
    });
    assert.equal((await s.next()).value!.last, '4', 'the push before it came once');
    s.close();
  });

  test('an order op in flight on the old connection gets its reply there before the old connection goes', async (t) => {
    let held: (() => void) | undefined;
    const f = await new FakeOkx({
      // the first reply is held back until the move is done
      onOp: (msg, sock) => {
        held = () =>
          sock.send(
            JSON.stringify({
              id: msg.id,
              op: msg.op,
              code: '0',
              msg: '',
              data: [{ clOrdId: 'mv1', ordId: '77', tag: '', ts: '1', sCode: '0', sMsg: '' }],
            }),
          );
      },
    }).start();
    t.after(() => f.close());
    const ws = new OkxWsClient({
      urls: f.urls,
      credentials: new Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASSPHRASE),
      ...fast,
    });
    t.after(() => ws.close());
    const conn = ws.connection('private');
    const orders = ws.orders();
    await ws.connect('private');
    await until(() => f.ops('private', 'subscribe').length === 1);
    const reply = conn.request('order', [{ instIdCode: 1, clOrdId: 'mv1' }]);
    await until(() => held !== undefined, 3000, 'order received');
    f.push('private', { event: 'notice', code: '64008', msg: 'upgrade', connId: 'c1' });
    await until(() => f.ops('private', 'subscribe').length === 2, 3000, 'subscribed on the new connection');
    // A push sent on the new socket alone reaches the caller only once the client has read that
    // socket's ack, and promoted it, in the same turn: after it, an early drop would show.
    const marked = new Promise<void>((r) =>
      conn.on('push', (p) => {
        if ((p.data[0] as { marker?: string } | undefined)?.marker === 'm1') r();
      }),
    );
    const newest = f.sockets.filter((x) => x.path === 'private').at(-1)!;
    newest.ws.send(JSON.stringify({ arg: conn.subscriptions()[0], data: [{ marker: 'm1' }] }));
    await marked;
    await new Promise((r) => setImmediate(r));
    // the old connection waits for the reply
    assert.equal(f.sockets.filter((x) => x.path === 'private' && x.ws.readyState === 1).length, 2);
    held!();
    const r = await reply;
    assert.equal(r.code, '0');
    assert.equal((r.data[0] as { ordId: string }).ordId, '77');
    await until(
      () => f.sockets.filter((x) => x.path === 'private' && x.ws.readyState === 1).length === 1,
      3000,
      'old connection dropped after the reply',
    );
    orders.close();
  });
});
