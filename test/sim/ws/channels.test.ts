import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WS_CANDLE_BARS } from '../../../src/protocol/bars.js';
import { bookChecksum } from '../../../src/protocol/book-checksum.js';
import { barStart } from '../../../src/sim/market/bars.js';
import { instrumentToOkx } from '../../../src/sim/market/instrument-payload.js';
import { until } from '../../helpers/until.js';
import { KEYS, isEvent, isPush, startHarness, type Harness } from './helpers.js';

const [KEY, OTHER] = KEYS as [(typeof KEYS)[0], (typeof KEYS)[0]];
const DAY = 86_400_000;

describe('WS channels: balance_and_position, fills, instruments, every candle bar', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('balance_and_position needs a login, then pushes a snapshot of non-zero cash balances and each fill', async () => {
    const anon = await h.connect('/ws/v5/private');
    anon.send({ op: 'subscribe', args: [{ channel: 'balance_and_position' }] });
    assert.equal((await anon.next(isEvent('error'))).code, '60011');

    h.engine.cash.main = [
      { ccy: 'BTC', cashBal: '2', uTime: '1700000000000' },
      { ccy: 'USDT', cashBal: '100000', uTime: '1700000000000' },
    ];
    const a = await h.connect('/ws/v5/private');
    const b = await h.connect('/ws/v5/private');
    await a.login(KEY, h.clock.now());
    await b.login(OTHER, h.clock.now());
    for (const c of [a, b])
      c.send({ id: 'bp1', op: 'subscribe', args: [{ channel: 'balance_and_position' }] });
    const ack = await a.next(isEvent('subscribe'));
    assert.deepEqual(ack.arg, { channel: 'balance_and_position' });
    assert.equal(ack.id, 'bp1');
    const snap = await a.next(isPush('balance_and_position'));
    assert.deepEqual(snap.arg, { channel: 'balance_and_position', uid: '44705892343619584' });
    assert.equal(snap.data.length, 1);
    const d0 = snap.data[0];
    assert.equal(d0.eventType, 'snapshot');
    assert.equal(d0.pTime, String(h.clock.now()));
    assert.deepEqual(d0.balData, h.engine.cash.main);
    assert.deepEqual(d0.posData, []);
    assert.deepEqual(d0.trades, []);
    // the other account has no balances: an empty snapshot, never main's
    const otherSnap = await b.next(isPush('balance_and_position'));
    assert.deepEqual(otherSnap.data[0].balData, []);

    h.engine.balance('main', {
      eventType: 'filled',
      balData: [
        { ccy: 'BTC', cashBal: '2.1', uTime: '1700000001000' },
        { ccy: 'USDT', cashBal: '99000', uTime: '1700000001000' },
      ],
      trades: [{ instId: 'BTC-USDT', tradeId: '900000001' }],
      ts: 1700000001000,
    });
    const push = await a.next(isPush('balance_and_position'));
    assert.deepEqual(push.data, [
      {
        pTime: '1700000001000',
        eventType: 'filled',
        balData: [
          { ccy: 'BTC', cashBal: '2.1', uTime: '1700000001000' },
          { ccy: 'USDT', cashBal: '99000', uTime: '1700000001000' },
        ],
        posData: [],
        trades: [{ instId: 'BTC-USDT', tradeId: '900000001' }],
      },
    ]);
    await b.settled();
    assert.equal(b.frames.filter(isPush('balance_and_position')).length, 0);
  });

  test('fills: login first (60011), then refused for the fee tier (64003, OKX opens it to VIP5+)', async () => {
    const c = await h.connect('/ws/v5/private');
    c.send({ op: 'subscribe', args: [{ channel: 'fills' }] });
    assert.equal((await c.next(isEvent('error'))).code, '60011');
    await c.login(KEY, h.clock.now());
    c.send({ id: 'f1', op: 'subscribe', args: [{ channel: 'fills', instId: 'BTC-USDT' }] });
    const err = await c.next(isEvent('error'));
    assert.equal(err.code, '64003');
    assert.equal(err.id, 'f1');
    assert.match(err.msg, /fee tier/);
  });

  test('instruments (SPOT): the full instrument objects on subscribe; instType is required', async () => {
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'instruments', instType: 'SPOT' }] });
    const ack = await c.next(isEvent('subscribe'));
    assert.deepEqual(ack.arg, { channel: 'instruments', instType: 'SPOT' });
    const push = await c.next(isPush('instruments'));
    assert.deepEqual(push.arg, { channel: 'instruments', instType: 'SPOT' });
    assert.deepEqual(push.data, h.market.instruments().map(instrumentToOkx));
    const btc = push.data.find((i: any) => i.instId === 'BTC-USDT');
    assert.equal(typeof btc.instIdCode, 'number');
    assert.equal(btc.futureSettlement, false);
    assert.equal(typeof btc.tickSz, 'string');

    c.send({ op: 'subscribe', args: [{ channel: 'instruments' }] });
    assert.equal((await c.next(isEvent('error'))).code, '60012');
    c.send({ op: 'subscribe', args: [{ channel: 'instruments', instType: 'SPOTS' }] });
    assert.equal((await c.next(isEvent('error'))).code, '60012');
    // a valid type the local exchange does not list: acknowledged, nothing to push
    c.send({ op: 'subscribe', args: [{ channel: 'instruments', instType: 'SWAP' }] });
    assert.deepEqual((await c.next(isEvent('subscribe'))).arg, { channel: 'instruments', instType: 'SWAP' });
    await c.settled();
    assert.equal(
      c.frames.filter((m: any) => isPush('instruments')(m) && m.arg.instType === 'SWAP').length,
      0,
    );
    // instruments lives on /public only (facts §2.1)
    const biz = await h.connect('/ws/v5/business');
    biz.send({ op: 'subscribe', args: [{ channel: 'instruments', instType: 'SPOT' }] });
    assert.equal((await biz.next(isEvent('error'))).code, '60018');
  });

  test('every candle channel OKX documents is served on /business, 5D and 5Dutc included, none on /public', async () => {
    assert.ok(WS_CANDLE_BARS.includes('5D') && WS_CANDLE_BARS.includes('5Dutc'));
    const biz = await h.connect('/ws/v5/business');
    biz.send({
      op: 'subscribe',
      args: WS_CANDLE_BARS.map((b) => ({ channel: `candle${b}`, instId: 'ETH-USDT' })),
    });
    const now = h.clock.now();
    for (const bar of WS_CANDLE_BARS) {
      const push = await biz.next(isPush(`candle${bar}`));
      assert.equal(push.data[0].length, 9, bar);
      const latest = h.market.candles('ETH-USDT', bar, { limit: 1, history: bar === '1s' })[0];
      assert.deepEqual(push.data[0], latest, bar);
    }
    for (const bar of ['5D', '5Dutc']) {
      const row = h.market.candles('ETH-USDT', bar, { limit: 1 })[0]!;
      assert.equal(Number(row[0]), barStart(bar, now), bar);
    }
    // 5-day bars: UTC+8 days for 5D, UTC days for 5Dutc, counted from the epoch like 2D and 3D
    const d5 = barStart('5D', now);
    const d5utc = barStart('5Dutc', now);
    assert.equal((d5 + 8 * 3_600_000) % (5 * DAY), 0);
    assert.equal(d5utc % (5 * DAY), 0);
    assert.ok(now - d5 < 5 * DAY && now >= d5);
    const pub = await h.connect('/ws/v5/public');
    pub.send({ op: 'subscribe', args: [{ channel: 'candle5D', instId: 'ETH-USDT' }] });
    assert.equal((await pub.next(isEvent('error'))).code, '60018');
  });
});

describe('WS book heartbeat (facts §3.1) on the sim clock', () => {
  test('books: after 60 s without a change an empty update with prevSeqId == seqId == last seqId; not before', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    const snap = await c.next(isPush('books'));
    const seq = snap.data[0].seqId;
    h.clock.advance(59_999);
    h.ws.tick();
    await c.settled();
    assert.equal(c.frames.filter(isPush('books')).length, 0);
    h.clock.advance(1);
    h.ws.tick();
    const hb = await c.next(isPush('books'));
    assert.equal(hb.action, 'update');
    assert.deepEqual(hb.data[0], {
      asks: [],
      bids: [],
      ts: String(h.clock.now()),
      checksum: bookChecksum(snap.data[0].bids, snap.data[0].asks),
      prevSeqId: seq,
      seqId: seq,
    });
    // the next one comes 60 s after this one, not at every tick
    h.clock.advance(30_000);
    h.ws.tick();
    await c.settled();
    assert.equal(c.frames.filter(isPush('books')).length, 0);
    // a real change resets the quiet period and moves seqId on from the heartbeat's
    h.market.advanceTo(h.clock.now()); // the market catches up with the clock: many steps
    const first = await c.next(isPush('books'));
    assert.equal(first.data[0].prevSeqId, seq);
    assert.ok(first.data[0].asks.length + first.data[0].bids.length > 0);
    const lastSeq = h.market.depth('BTC-USDT', 1).seqId;
    await c.next((m) => isPush('books')(m) && m.data[0].seqId === lastSeq);
    c.frames.length = 0;
    h.clock.advance(59_000);
    h.ws.tick();
    await c.settled();
    assert.equal(c.frames.filter(isPush('books')).length, 0);
    h.clock.advance(1_100);
    h.ws.tick();
    const hb2 = await c.next(isPush('books'));
    assert.deepEqual([hb2.data[0].prevSeqId, hb2.data[0].seqId], [lastSeq, lastSeq]);
    assert.deepEqual([hb2.data[0].asks, hb2.data[0].bids], [[], []]);
  });

  test('books5 and bbo-tbt: after 60 s without a change the latest snapshot is pushed again', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'books5', instId: 'SOL-USDT' },
        { channel: 'bbo-tbt', instId: 'SOL-USDT' },
      ],
    });
    const b5 = await c.next(isPush('books5'));
    const bbo = await c.next(isPush('bbo-tbt'));
    h.clock.advance(60_000);
    h.ws.tick();
    assert.deepEqual(await c.next(isPush('books5')), b5);
    assert.deepEqual(await c.next(isPush('bbo-tbt')), bbo);
  });

  test('zero-checksum mode: the heartbeat carries checksum 0', async (t) => {
    const h = await startHarness({ zeroChecksum: true, bookHeartbeatMs: 1000 });
    t.after(() => h.close());
    const c = await h.connect('/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'OKB-USDT' }] });
    await c.next(isPush('books'));
    h.clock.advance(1000);
    h.ws.tick();
    const hb = await c.next(isPush('books'));
    assert.equal(hb.data[0].checksum, 0);
    assert.equal(hb.data[0].prevSeqId, hb.data[0].seqId);
  });
});

describe('WS service upgrade notice (64008)', () => {
  test('open /public and /private connections get the notice and are closed 60 s later by the sim clock; later ones stay', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const pub = await h.connect('/ws/v5/public');
    const priv = await h.connect('/ws/v5/private');
    const biz = await h.connect('/ws/v5/business');
    assert.equal(h.ws.announceUpgrade(), 2);
    for (const c of [pub, priv]) {
      const n = await c.next(isEvent('notice'));
      assert.deepEqual(Object.keys(n).sort(), ['code', 'connId', 'event', 'msg']);
      assert.equal(n.code, '64008');
      assert.equal(n.msg, 'The connection will soon be closed for a service upgrade. Please reconnect.');
    }
    // a second announcement does not repeat the notice to connections already told
    assert.equal(h.ws.announceUpgrade(), 0);
    const fresh = await h.connect('/ws/v5/public');
    h.clock.advance(59_999);
    h.ws.tick();
    for (const c of [pub, priv, biz, fresh]) await c.settled();
    assert.equal(h.ws.connectionCount(), 4);
    h.clock.advance(1);
    h.ws.tick();
    assert.equal((await pub.closed).code, 1012);
    assert.equal((await priv.closed).code, 1012);
    await until(() => h.ws.connectionCount() === 2, 'the server side of both closes');
    await biz.settled();
    assert.equal(h.ws.connectionCount(), 2);
    assert.equal(biz.frames.filter(isEvent('notice')).length, 0);
    fresh.send('ping');
    assert.equal(await fresh.next((m) => m === 'pong'), 'pong');
  });

  test('closeAfterMs and paths are configurable (business included on request)', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const biz = await h.connect('/ws/v5/business');
    assert.equal(h.ws.announceUpgrade({ closeAfterMs: 5000, paths: ['business'] }), 1);
    assert.equal((await biz.next(isEvent('notice'))).code, '64008');
    h.clock.advance(5000);
    h.ws.tick();
    assert.equal((await biz.closed).code, 1012);
  });
});
