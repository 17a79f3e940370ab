// The WS client against the local exchange over loopback: real books, candles on /business,
// login with sim keys, WS order ops and the orders channel, and recovery from dropped sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials } from '../../src/client/credentials.js';
import { OkxBalanceError } from '../../src/client/errors.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { WsConnection } from '../../src/ws/connection.js';
import { OkxWsLoginError, OkxWsSubscribeError, type OkxWsError } from '../../src/ws/errors.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import type { WsOrder } from '../../src/ws/messages.js';
import { withSim } from '../helpers/sim.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { attachWsServer } from '../../src/sim/ws/index.js';
import { until } from './helpers/fake-okx.js';

const fast = { backoff: { baseMs: 1, maxMs: 20 }, connectLimiter: new ConnectLimiter(1000) };

describe('WS client against the local exchange', () => {
  test('a books subscription stays right for seconds: every checksum verified, no gap, equal to the exchange book', async (t) => {
    const sim = await withSim(t, { seed: 7, tickMs: 50 });
    const ws = new OkxWsClient({ urls: sim.wsUrls, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    const live = ws.orderBook('BTC-USDT');
    const resyncs: string[] = [];
    live.on('resync', (r) => resyncs.push(r.reason));
    await live.ready;
    // forty updates: about two seconds of a market stepping every 50 ms
    await until(() => live.book.stats.applied >= 40, 15_000, 'forty book updates');
    assert.deepEqual(resyncs, []);
    assert.deepEqual(errors, []);
    // Between two market steps the local book must equal the exchange's.
    let d = sim.market.depth('BTC-USDT', 400);
    await until(
      () => {
        d = sim.market.depth('BTC-USDT', 400);
        return d.seqId === live.book.seqId;
      },
      3000,
      'same seqId',
    );
    const mine = live.depth(400);
    assert.deepEqual(
      mine.bids.map((l) => [l[0], l[1]]),
      d.bids.map((l) => [l[0], l[1]]),
    );
    assert.deepEqual(
      mine.asks.map((l) => [l[0], l[1]]),
      d.asks.map((l) => [l[0], l[1]]),
    );
    assert.ok(Number(live.bestBid()![0]) < Number(live.bestAsk()![0]));
    live.close();
  });

  test('checksum-0 mode: the book is kept by seqId alone', async (t) => {
    const sim = await withSim(t, { seed: 8, tickMs: 50, zeroChecksum: true });
    const ws = new OkxWsClient({ urls: sim.wsUrls, ...fast });
    t.after(() => ws.close());
    const live = ws.orderBook('ETH-USDT');
    let resyncs = 0;
    live.on('resync', () => resyncs++);
    await live.ready;
    await until(() => live.book.stats.applied >= 15, 15_000, 'fifteen book updates');
    assert.equal(resyncs, 0);
    live.close();
  });

  test('candles come from /business; the same subscription on /public is refused with 60018', async (t) => {
    const sim = await withSim(t, { seed: 9, tickMs: 50 });
    const ws = new OkxWsClient({ urls: sim.wsUrls, ...fast });
    t.after(() => ws.close());
    const candles = ws.candles('BTC-USDT', '1m');
    const first = await candles.next();
    assert.equal(first.value!.bar, '1m');
    assert.match(first.value!.ts, /^\d{13}$/);
    candles.close();
    // Forcing the wrong endpoint by hand shows why routing matters.
    const raw = new WsConnection({ url: sim.wsUrls.wsPublic, endpoint: 'public', ...fast });
    t.after(() => raw.close());
    raw.on('error', () => undefined);
    await assert.rejects(
      raw.subscribe([{ channel: 'candle1m', instId: 'BTC-USDT' }]),
      (e: unknown) => e instanceof OkxWsSubscribeError && (e.code === '60018' || e.code === '64001'),
    );
  });

  test('private: login with a sim key, WS order by instIdCode, the order arrives on the orders channel', async (t) => {
    const sim = await withSim(t, { seed: 10 });
    const codes = new Map(sim.market.instruments().map((i) => [i.instId, i.instIdCode]));
    const ws = new OkxWsClient({
      urls: sim.wsUrls,
      credentials: sim.credentials('trade'),
      instruments: codes,
      ...fast,
    });
    t.after(() => ws.close());
    let acked = false;
    ws.on('subscribed', (i) => (acked ||= i.arg.channel === 'orders'));
    const orders = ws.orders({ instType: 'SPOT' });
    await ws.connect('private');
    await until(() => acked, 'the orders subscription ack');
    const bid = Number(sim.market.depth('BTC-USDT', 1).bids[0]![0]);
    const px = (Math.floor(bid * 0.5 * 10) / 10).toFixed(1);
    const r = await ws.trade.placeOrder({
      instId: 'BTC-USDT',
      tdMode: 'cash',
      side: 'buy',
      ordType: 'limit',
      px,
      sz: '0.001',
      clOrdId: 'e2ews1',
    });
    assert.equal(r.sCode, '0');
    assert.ok(r.ordId);
    let seen: WsOrder | undefined;
    for await (const o of orders) {
      if (o.clOrdId === 'e2ews1') {
        seen = o;
        break;
      }
    }
    assert.equal(seen!.ordId, r.ordId);
    assert.equal(seen!.state, 'live');
    const c = await ws.trade.cancelOrder({ instId: 'BTC-USDT', clOrdId: 'e2ews1' });
    assert.equal(c.sCode, '0');
    // An order the account cannot pay for: the REST error family.
    await assert.rejects(
      ws.trade.placeOrder({
        instId: 'BTC-USDT',
        tdMode: 'cash',
        side: 'buy',
        ordType: 'limit',
        px,
        sz: '100000',
      }),
      (e: unknown) => e instanceof OkxBalanceError,
    );
  });

  test('a wrong secret against the sim: typed login error, exactly one attempt', async (t) => {
    const sim = await withSim(t, { seed: 11 });
    const k = sim.key('trade');
    const bad = new Credentials(k.apiKey, 'fake-secret-wrong-CANARY', k.passphrase);
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: bad, ...fast });
    t.after(() => ws.close());
    let reconnects = 0;
    ws.on('reconnecting', () => reconnects++);
    ws.on('error', () => undefined);
    const closed = new Promise((r) => ws.connection('private').once('close', r));
    const err = await ws.connect('private').catch((e: unknown) => e);
    assert.ok(err instanceof OkxWsLoginError);
    assert.ok(['60007', '60009'].includes(err.code), err.code);
    // A reconnect would be announced right after the refused socket closes.
    await closed;
    await new Promise((r) => setImmediate(r));
    assert.equal(reconnects, 0);
    assert.ok(!JSON.stringify(err).includes('CANARY'));
  });

  test('dropped sockets: reconnect, login again, resubscribe; the book is rebuilt and data flows', async (t) => {
    const sim = await withSim(t, { seed: 12, tickMs: 50 });
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade'), ...fast });
    t.after(() => ws.close());
    ws.on('error', () => undefined);
    const live = ws.orderBook('BTC-USDT');
    const tickers = ws.tickers('BTC-USDT');
    const account = ws.account();
    await live.ready;
    await ws.connect('private');
    const opens: string[] = [];
    ws.on('open', (i) => opens.push(`${i.endpoint}:${i.reconnect}`));
    sim.dropWsConnections();
    await until(() => opens.includes('public:true') && opens.includes('private:true'), 5000, 'reconnected');
    await until(() => live.isSynced, 5000, 'book rebuilt');
    const applied = live.book.stats.applied;
    await until(() => live.book.stats.applied > applied + 2, 5000, 'book updates flow');
    assert.equal(live.book.stats.checksumFailures, 0);
    // Drain what was buffered, then a fresh ticker must arrive.
    const t0 = await tickers.next();
    assert.equal(t0.value!.instId, 'BTC-USDT');
    assert.deepEqual(
      ws
        .connection('private')
        .subscriptions()
        .map((a) => a.channel),
      ['account'],
    );
    live.close();
    tickers.close();
    account.close();
  });

  test('no snapshot push (OKX 2026): the book is built from the REST snapshot with seqId plus buffered updates', async (t) => {
    const sim = await withSim(t, {
      seed: 13,
      tickMs: 50,
      attachWs: (o) => attachWsServer({ ...o, noBookSnapshot: true }),
    });
    const rest = new OkxClient({ baseUrl: sim.restUrl });
    t.after(() => rest.close());
    const ws = new OkxWsClient({ urls: sim.wsUrls, ...fast });
    t.after(() => ws.close());
    let fetches = 0;
    const live = ws.orderBook('BTC-USDT', {
      fetchSnapshot: async (instId) => {
        fetches++;
        const b = await rest.market.books(instId, 400);
        return { bids: b.bids, asks: b.asks, ts: String(b.ts), seqId: Number(b.seqId) };
      },
    });
    await live.ready;
    const applied = live.book.stats.applied;
    await until(() => live.book.stats.applied > applied + 5, 5000, 'updates on top of the REST snapshot');
    assert.ok(fetches >= 1);
    assert.equal(
      live.book.stats.checksumFailures,
      0,
      'the REST snapshot plus updates gives the exchange checksums',
    );
    let d = sim.market.depth('BTC-USDT', 400);
    await until(
      () => {
        d = sim.market.depth('BTC-USDT', 400);
        return d.seqId === live.book.seqId;
      },
      3000,
      'same seqId',
    );
    assert.deepEqual(
      live.depth(400).bids.map((l) => [l[0], l[1]]),
      d.bids.map((l) => [l[0], l[1]]),
    );
    live.close();
  });
});
