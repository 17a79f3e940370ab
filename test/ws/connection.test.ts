import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials } from '../../src/client/credentials.js';
import { ManualClock } from '../../src/util/clock.js';
import { channelNeedsLogin, endpointForChannel } from '../../src/ws/channels.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { WsConnection, type WsTimers } from '../../src/ws/connection.js';
import {
  OkxWsLoginError,
  OkxWsMessageError,
  OkxWsSubscribeError,
  OkxWsSubscribeTimeoutError,
  type OkxWsError,
} from '../../src/ws/errors.js';
import { reconnectDelay, ConnectLimiter, OpBudget } from '../../src/ws/limits.js';
import { signWsLogin } from '../../src/protocol/sign.js';
import { OkxkitError } from '../../src/util/errors.js';
import { FAKE_KEY, FAKE_PASSPHRASE, FAKE_SECRET, FakeOkx, until } from './helpers/fake-okx.js';

const creds = () => new Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASSPHRASE);
const fast = { backoff: { baseMs: 1, maxMs: 5 }, connectLimiter: new ConnectLimiter(1000) };

async function fake(t: { after: (fn: () => Promise<void>) => void }, opts = {}): Promise<FakeOkx> {
  const f = await new FakeOkx(opts).start();
  t.after(() => f.close());
  return f;
}

describe('channel routing (facts §2.1)', () => {
  test('each channel family goes to its endpoint', () => {
    for (const c of [
      'candle1m',
      'candle1s',
      'candle3M',
      'candle6Hutc',
      'candle1Dutc',
      'trades-all',
      'mark-price-candle1m',
      'index-candle4H',
      'orders-algo',
      'algo-advance',
    ]) {
      assert.equal(endpointForChannel(c), 'business', c);
    }
    for (const c of ['orders', 'account', 'positions', 'balance_and_position', 'fills'])
      assert.equal(endpointForChannel(c), 'private', c);
    for (const c of [
      'tickers',
      'trades',
      'books',
      'books5',
      'bbo-tbt',
      'books-l2-tbt',
      'books50-l2-tbt',
      'mark-price',
      'funding-rate',
      'instruments',
    ]) {
      assert.equal(endpointForChannel(c), 'public', c);
    }
    assert.equal(channelNeedsLogin('books-l2-tbt'), true);
    assert.equal(channelNeedsLogin('orders-algo'), true);
    assert.equal(channelNeedsLogin('tickers'), false);
    assert.equal(channelNeedsLogin('candle1m'), false);
  });

  test('the client subscribes each channel on its own connection', async (t) => {
    const f = await fake(t);
    const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), ...fast });
    t.after(() => ws.close());
    const tick = ws.tickers('BTC-USDT');
    const candles = ws.candles('BTC-USDT', '4H');
    const all = ws.stream({ channel: 'trades-all', instId: 'BTC-USDT' }, (x) => x);
    const orders = ws.orders();
    await Promise.all([ws.connect('public'), ws.connect('business'), ws.connect('private')]);
    const chans = (p: 'public' | 'private' | 'business') =>
      f.ops(p, 'subscribe').flatMap((r) => (r.msg!.args as Array<{ channel: string }>).map((a) => a.channel));
    await until(
      () => chans('public').length === 1 && chans('business').length === 2 && chans('private').length === 1,
    );
    assert.deepEqual(chans('public'), ['tickers']);
    assert.deepEqual(chans('business').sort(), ['candle4H', 'trades-all']);
    assert.deepEqual(chans('private'), ['orders']);
    // Login only where needed.
    assert.equal(f.ops('public', 'login').length, 0);
    assert.equal(f.ops('business', 'login').length, 0);
    assert.equal(f.ops('private', 'login').length, 1);
    tick.close();
    candles.close();
    all.close();
    orders.close();
    await until(() => f.ops('public', 'unsubscribe').length === 1, 3000, 'unsubscribe');
  });
});

describe('login (facts §2.2)', () => {
  test('signs Unix seconds with the caller clock offset', async (t) => {
    const f = await fake(t, { serverOffsetMs: 120_000 });
    const conn = new WsConnection({
      url: f.urls.wsPrivate,
      endpoint: 'private',
      credentials: creds(),
      clockOffsetMs: 120_000,
      ...fast,
    });
    t.after(() => conn.close());
    await conn.connect();
    const login = f.ops('private', 'login')[0]!.msg!.args as Array<Record<string, string>>;
    const a = login[0]!;
    assert.match(a.timestamp!, /^\d{10}$/);
    assert.ok(Math.abs(Number(a.timestamp) - (Date.now() + 120_000) / 1000) < 5);
    assert.equal(a.sign, signWsLogin({ timestamp: a.timestamp!, secretKey: FAKE_SECRET }));
    assert.equal(conn.opsUsedThisHour, 1);
  });

  for (const code of ['60005', '60007', '60009', '60024', '60032']) {
    test(`login refused with ${code}: typed error, one login, no reconnect loop`, async (t) => {
      const f = await fake(t, { loginCode: code });
      const conn = new WsConnection({
        url: f.urls.wsPrivate,
        endpoint: 'private',
        credentials: creds(),
        ...fast,
      });
      t.after(() => conn.close());
      const errors: OkxWsError[] = [];
      conn.on('error', (e) => errors.push(e));
      let reconnecting = 0;
      conn.on('reconnecting', () => reconnecting++);
      const closed = new Promise((r) => conn.once('close', r));
      const err = await conn.connect().then(
        () => assert.fail('login should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OkxWsLoginError);
      assert.ok(err instanceof OkxkitError);
      assert.equal(err.code, code);
      assert.ok(err.hint && err.hint.length > 5);
      // A reconnect loop announces itself as soon as the refused socket has closed.
      await closed;
      await new Promise((r) => setImmediate(r));
      assert.equal(reconnecting, 0);
      assert.equal(f.ops('private', 'login').length, 1);
      assert.equal(f.connections('private'), 1);
      assert.equal(conn.stopError, err);
      // Nothing secret in what the caller sees.
      const seen = JSON.stringify([err, err.message, err.stack, errors.map((e) => e.message)]);
      assert.ok(!seen.includes('CANARY'), 'no secret or passphrase in errors');
      assert.ok(
        !seen.includes(String((f.ops('private', 'login')[0]!.msg!.args as Array<{ sign: string }>)[0]!.sign)),
      );
      // Subscribing on a stopped connection fails at once with the same error.
      await assert.rejects(conn.subscribe([{ channel: 'orders', instType: 'ANY' }]), OkxWsLoginError);
    });
  }

  test('60006: one clock re-sync and one more login, then a typed error', async (t) => {
    const f = await fake(t, { loginCode: '60006' });
    let resyncs = 0;
    const conn = new WsConnection({
      url: f.urls.wsPrivate,
      endpoint: 'private',
      credentials: creds(),
      resyncClock: async () => {
        resyncs++;
        return 0;
      },
      ...fast,
    });
    t.after(() => conn.close());
    let reconnecting = 0;
    conn.on('reconnecting', () => reconnecting++);
    let closes = 0;
    conn.on('close', () => closes++);
    await assert.rejects(conn.connect(), (e: unknown) => e instanceof OkxWsLoginError && e.code === '60006');
    // the second refused socket closes; no third attempt follows it
    await until(() => closes === 2, 'both sockets closed');
    await new Promise((r) => setImmediate(r));
    assert.equal(reconnecting, 1, 'one reconnect, for the re-synced clock');
    assert.equal(resyncs, 1);
    assert.equal(f.ops('private', 'login').length, 2);
  });

  test('60006 is fixed by the re-synced offset', async (t) => {
    // The server runs 10 minutes ahead; the caller's first offset is wrong.
    const f = await fake(t, { serverOffsetMs: 600_000 });
    const conn = new WsConnection({
      url: f.urls.wsPrivate,
      endpoint: 'private',
      credentials: creds(),
      clockOffsetMs: 0,
      resyncClock: async () => 600_000,
      ...fast,
    });
    t.after(() => conn.close());
    await conn.connect();
    assert.equal(f.ops('private', 'login').length, 2);
  });

  test('63999 (internal error) is retried with backoff', async (t) => {
    const f = await fake(t, { loginCode: (n: number) => (n === 1 ? '63999' : '0') });
    const conn = new WsConnection({
      url: f.urls.wsPrivate,
      endpoint: 'private',
      credentials: creds(),
      ...fast,
    });
    t.after(() => conn.close());
    await conn.connect();
    assert.equal(f.ops('private', 'login').length, 2);
  });
});

describe('heartbeat (facts §2.4)', () => {
  test('sends text ping after silence and stays up while pong comes', async (t) => {
    const f = await fake(t);
    const conn = new WsConnection({
      url: f.urls.wsPublic,
      endpoint: 'public',
      pingIntervalMs: 40,
      pongTimeoutMs: 100,
      ...fast,
    });
    t.after(() => conn.close());
    await conn.connect();
    await until(() => f.ops('public', 'ping').length >= 3, 3000, 'pings');
    assert.equal(f.connections('public'), 1);
    assert.ok(
      f.received.filter((r) => r.raw === 'ping').every((r) => r.msg === undefined),
      'plain text, not JSON',
    );
  });

  test('no pong: the connection is declared dead and reopened, subscriptions restored', async (t) => {
    const f = await fake(t, { pong: false });
    const conn = new WsConnection({
      url: f.urls.wsPublic,
      endpoint: 'public',
      pingIntervalMs: 30,
      pongTimeoutMs: 30,
      ...fast,
    });
    t.after(() => conn.close());
    const reasons: string[] = [];
    conn.on('reconnecting', (i) => reasons.push(i.reason));
    await conn.subscribe([{ channel: 'tickers', instId: 'BTC-USDT' }]);
    await until(
      () => f.connections('public') >= 2 && f.ops('public', 'subscribe').length >= 2,
      3000,
      'reconnect',
    );
    assert.ok(reasons.length >= 1);
    const second = f.ops('public', 'subscribe')[1]!;
    assert.equal(second.conn, 2);
  });
});

describe('reconnect', () => {
  test('after a drop: login again and every subscription restored', async (t) => {
    const f = await fake(t);
    const random = () => 0.5;
    const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), random, ...fast });
    t.after(() => ws.close());
    const streams = [
      ws.tickers('BTC-USDT'),
      ws.tickers('ETH-USDT'),
      ws.trades('BTC-USDT'),
      ws.orders(),
      ws.account(),
      ws.positions(),
    ];
    await Promise.all([ws.connect('public'), ws.connect('private')]);
    const argCount = (p: 'public' | 'private') =>
      f.ops(p, 'subscribe').reduce((n, r) => n + (r.msg!.args as unknown[]).length, 0);
    await until(() => argCount('public') + argCount('private') >= 6);
    const opens: string[] = [];
    ws.on('open', (i) => opens.push(`${i.endpoint}:${i.reconnect}`));
    f.dropAll();
    await until(() => opens.length === 2, 3000, 'reopen');
    assert.deepEqual(opens.sort(), ['private:true', 'public:true']);
    await until(
      () => f.received.filter((r) => r.conn > 2 && r.msg?.op === 'subscribe').length >= 2,
      3000,
      'resubscribe',
    );
    const after = (p: 'public' | 'private') =>
      f.received
        .filter((r) => r.path === p && r.conn > 2 && r.msg?.op === 'subscribe')
        .flatMap((r) =>
          (r.msg!.args as Array<{ channel: string; instId?: string }>).map(
            (a) => `${a.channel}:${a.instId ?? ''}`,
          ),
        )
        .sort();
    await until(
      () => after('public').length + after('private').length >= 6,
      3000,
      'every channel resubscribed',
    );
    assert.deepEqual(after('public'), ['tickers:BTC-USDT', 'tickers:ETH-USDT', 'trades:BTC-USDT']);
    assert.deepEqual(after('private'), ['account:', 'orders:', 'positions:']);
    assert.equal(f.ops('private', 'login').length, 2, 'logged in again');
    // The login came before the subscriptions on the new private socket.
    const priv = f.received.filter((r) => r.path === 'private' && r.conn > 2 && r.msg);
    assert.equal(priv[0]!.msg!.op, 'login');
    // And data flows again.
    f.push('public', {
      arg: { channel: 'tickers', instId: 'BTC-USDT' },
      data: [{ instId: 'BTC-USDT', last: '1', ts: '1' }],
    });
    const first = await streams[0]!.next();
    assert.equal((first.value as { last: string }).last, '1');
    for (const s of streams) s.close();
  });

  test('backoff is exponential with full jitter', () => {
    assert.equal(
      reconnectDelay(0, () => 0.999, 100, 10_000),
      99,
    );
    assert.equal(
      reconnectDelay(3, () => 0.5, 100, 10_000),
      400,
    );
    assert.equal(
      reconnectDelay(20, () => 0.5, 100, 10_000),
      5000,
    );
    assert.equal(
      reconnectDelay(5, () => 0, 100, 10_000),
      0,
    );
  });

  test('the delays grow while the server refuses connections', async () => {
    const delays: number[] = [];
    const conn = new WsConnection({
      url: 'ws://127.0.0.1:1/ws/v5/public',
      endpoint: 'public',
      random: () => 0.999,
      backoff: { baseMs: 10, maxMs: 80 },
      connectLimiter: new ConnectLimiter(1000),
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    conn.on('reconnecting', () => undefined);
    void conn.connect().catch(() => undefined);
    await until(() => delays.length >= 6, 3000, 'delays');
    await conn.close();
    assert.deepEqual(delays.slice(0, 6), [9, 19, 39, 79, 79, 79]);
  });
});

describe('limits (facts §2.5)', () => {
  test('at most 3 new connections per second', async () => {
    const clock = new ManualClock(0);
    const slept: number[] = [];
    const lim = new ConnectLimiter(3, clock, async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await lim.acquire();
      times.push(clock.now());
    }
    // 1 s plus a 250 ms margin for the varying time a connection takes to reach the exchange
    assert.deepEqual(times, [0, 0, 0, 1250, 1250, 1250, 2500]);
    const exact = new ConnectLimiter(3, clock, async (ms) => void clock.advance(ms), 0);
    const t0 = clock.now();
    const exactTimes: number[] = [];
    for (let i = 0; i < 4; i++) {
      await exact.acquire();
      exactTimes.push(clock.now() - t0);
    }
    assert.deepEqual(exactTimes, [0, 0, 0, 1000]);
  });

  test('480 subscribe/unsubscribe/login per connection per hour', () => {
    const clock = new ManualClock(0);
    const b = new OpBudget(clock);
    for (let i = 0; i < 480; i++) assert.equal(b.take(), true);
    assert.equal(b.take(), false);
    clock.advance(3_600_001);
    assert.equal(b.take(), true);
  });
});

describe('errors and validation', () => {
  test('60018 from the server fails the stream with a typed error', async (t) => {
    const f = await fake(t);
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    const s = ws.tickers('NOPE-USDT');
    await assert.rejects(
      (async () => {
        for await (const _ of s) assert.fail('no data expected');
      })(),
      (e: unknown) => e instanceof OkxWsSubscribeError && e.code === '60018' && e.arg?.instId === 'NOPE-USDT',
    );
    assert.ok(errors.some((e) => e.code === '60018'));
  });

  test('malformed messages become error events, never a crash', async (t) => {
    const f = await fake(t);
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    let acked = false;
    ws.on('subscribed', () => (acked = true));
    const s = ws.tickers('BTC-USDT');
    await ws.connect('public');
    await until(() => acked, 'the subscribe ack');
    f.push('public', 'not json {');
    f.push('public', '[1,2]');
    f.push('public', { what: 'ever' });
    f.push('public', {
      arg: { channel: 'tickers', instId: 'BTC-USDT' },
      data: [{ instId: 'BTC-USDT', last: 5 }],
    });
    f.push('public', {
      arg: { channel: 'tickers', instId: 'BTC-USDT' },
      data: [{ instId: 'BTC-USDT', last: '42000.1', ts: '1' }],
    });
    const r = await s.next();
    assert.equal((r.value as { last: string }).last, '42000.1');
    await until(() => errors.length >= 4, 2000, 'errors');
    assert.ok(errors.every((e) => e instanceof OkxWsMessageError));
    s.close();
  });

  test('a client with no error listener survives bad messages', async (t) => {
    const f = await fake(t);
    const conn = new WsConnection({ url: f.urls.wsPublic, endpoint: 'public', ...fast });
    t.after(() => conn.close());
    await conn.connect();
    const pushed = new Promise((r) => conn.once('push', r));
    f.push('public', 'garbage');
    // a good push after the garbage: once it is here, the garbage was read (and survived)
    f.push('public', { arg: { channel: 'tickers', instId: 'BTC-USDT' }, data: [{ last: '1' }] });
    await pushed;
    assert.equal(conn.isReady, true);
  });
});

describe('endpoints (facts §1.3)', () => {
  test('live, demo, EEA, US hosts and any base URL', async () => {
    const { urlsFor } = await import('../../src/ws/client.js');
    assert.equal(urlsFor({}).wsPublic, 'wss://ws.okx.com:8443/ws/v5/public');
    assert.equal(urlsFor({ demo: true }).wsPrivate, 'wss://wspap.okx.com:8443/ws/v5/private');
    assert.equal(urlsFor({ site: 'eea' }).wsBusiness, 'wss://wseea.okx.com:8443/ws/v5/business');
    assert.equal(urlsFor({ site: 'us', demo: true }).wsPublic, 'wss://wsuspap.okx.com:8443/ws/v5/public');
    // An OKX REST host maps to its WS hosts, not to the same origin.
    assert.equal(
      urlsFor({ baseUrl: 'https://www.okx.com', demo: true }).wsPublic,
      'wss://wspap.okx.com:8443/ws/v5/public',
    );
    assert.equal(
      urlsFor({ baseUrl: 'https://eea.okx.com' }).wsPublic,
      'wss://wseea.okx.com:8443/ws/v5/public',
    );
    assert.equal(
      urlsFor({ baseUrl: 'http://127.0.0.1:8080' }).wsBusiness,
      'ws://127.0.0.1:8080/ws/v5/business',
    );
    assert.throws(() => urlsFor({ baseUrl: 'nope' }), /baseUrl/);
  });
});

describe('secrets stay out of logs', () => {
  test('debug logs of a login and its refusal carry no secret, passphrase or signature', async (t) => {
    const { createLogger } = await import('../../src/util/logger.js');
    const { PassThrough } = await import('node:stream');
    const dest = new PassThrough();
    let logged = '';
    dest.on('data', (d: Buffer) => (logged += d.toString()));
    const logger = createLogger({ level: 'debug' }, dest);
    const f = await fake(t, { loginCode: '60007' });
    const conn = new WsConnection({
      url: f.urls.wsPrivate,
      endpoint: 'private',
      credentials: creds(),
      logger,
      ...fast,
    });
    t.after(() => conn.close());
    // the refusal is the failure this test provokes: what matters is what was logged on the way
    await conn.connect().catch(() => undefined);
    await until(() => logged.includes('ws login refused'), 'the refusal logged');
    assert.ok(logged.includes('ws login sent'), 'something was logged');
    const sign = (f.ops('private', 'login')[0]!.msg!.args as Array<{ sign: string }>)[0]!.sign;
    assert.ok(!logged.includes('CANARY'));
    assert.ok(!logged.includes(sign));
    assert.ok(!logged.includes(FAKE_KEY), 'the key is masked');
  });
});

describe('login on /public for books-l2-tbt (facts §2.1)', () => {
  test('with loginPublic the public connection logs in before subscribing', async (t) => {
    const f = await fake(t);
    const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), loginPublic: true, ...fast });
    t.after(() => ws.close());
    const s = ws.stream({ channel: 'books-l2-tbt', instId: 'BTC-USDT' }, (x) => x);
    await ws.connect('public');
    await until(() => f.ops('public', 'subscribe').length === 1);
    const pub = f.received.filter((r) => r.path === 'public' && r.msg);
    assert.equal(pub[0]!.msg!.op, 'login');
    s.close();
  });

  test('a login channel on a connection opened without login is a clear error', async (t) => {
    const f = await fake(t);
    const ws = new OkxWsClient({ urls: f.urls, ...fast });
    t.after(() => ws.close());
    const tick = ws.tickers('BTC-USDT');
    assert.throws(
      () => ws.stream({ channel: 'books-l2-tbt', instId: 'BTC-USDT' }, (x) => x),
      /books-l2-tbt needs a logged-in public connection/,
    );
    tick.close();
  });
});

/** Timers fired by hand: the ack timeout runs when the test says so. */
class HandTimers implements WsTimers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const h = this.next++;
    this.pending.set(h, { fn, ms });
    return h;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  count(ms: number): number {
    return [...this.pending.values()].filter((t) => t.ms === ms).length;
  }
  fire(ms: number): void {
    for (const [h, t] of [...this.pending]) {
      if (t.ms !== ms) continue;
      this.pending.delete(h);
      t.fn();
    }
  }
}

describe('subscribe ack timeout', () => {
  test('no ack: the subscriber gets a typed error; a new subscribe re-sends; a reconnect re-sends and the ack resolves it', async (t) => {
    // A server that never acks on its first connection and acks normally afterwards.
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const subscribes: Array<{ conn: number; args: unknown }> = [];
    let conns = 0;
    wss.on('connection', (ws) => {
      const conn = ++conns;
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text === 'ping') return ws.send('pong');
        const msg = JSON.parse(text) as { id: string; op: string; args: Array<Record<string, string>> };
        if (msg.op !== 'subscribe') return;
        subscribes.push({ conn, args: msg.args });
        if (conn === 1) return;
        for (const arg of msg.args)
          ws.send(JSON.stringify({ id: msg.id, event: 'subscribe', arg, connId: 'c2' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    });
    const ACK_MS = 7777;
    const timers = new HandTimers();
    const conn = new WsConnection({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/v5/public`,
      endpoint: 'public',
      timers,
      ackTimeoutMs: ACK_MS,
      ...fast,
    });
    t.after(() => conn.close());
    const errors: OkxWsError[] = [];
    conn.on('error', (e) => errors.push(e));
    const arg = { channel: 'tickers', instId: 'BTC-USDT' };

    const first = conn.subscribe([arg]);
    await until(() => subscribes.length === 1, 3000, 'the first subscribe');
    assert.equal(timers.count(ACK_MS), 1);
    let settled = false;
    void first.then(
      () => (settled = true),
      () => (settled = true),
    );
    // nothing but the (fake) ack timer can settle it: no ack comes
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'still waiting before the timeout');
    timers.fire(ACK_MS);
    await assert.rejects(first, (e: unknown) => {
      assert.ok(e instanceof OkxWsSubscribeTimeoutError);
      assert.ok(e instanceof OkxkitError);
      assert.equal(e.code, 'WS_SUBSCRIBE_TIMEOUT');
      assert.deepEqual(e.arg, arg);
      assert.match(e.message, /tickers BTC-USDT within 7777 ms/);
      return true;
    });
    assert.equal(errors.length, 1);
    assert.deepEqual(conn.subscriptions(), [arg], 'kept for the reconnect');

    // Subscribing again re-sends on the same socket; still no ack -> the same typed error.
    const second = conn.subscribe([arg]);
    await until(() => subscribes.length === 2, 3000, 'the re-sent subscribe');
    assert.equal(subscribes[1]!.conn, 1);
    timers.fire(ACK_MS);
    await assert.rejects(second, OkxWsSubscribeTimeoutError);

    // Again (sent a third time), but the socket drops before any timeout: the reconnect sends
    // the subscription again, this time it is acked and the waiter resolves.
    const third = conn.subscribe([arg]);
    await until(() => subscribes.length === 3, 3000, 'the third subscribe');
    conn.dropSocket('test');
    await third;
    assert.equal(subscribes.length, 4);
    assert.equal(subscribes[3]!.conn, 2);
    assert.equal(timers.count(ACK_MS), 0, 'the ack stopped its timer');
    // Acked: a later subscribe resolves at once, without sending anything.
    await conn.subscribe([arg]);
    assert.equal(subscribes.length, 4);
    assert.equal(errors.length, 2);
  });
});
