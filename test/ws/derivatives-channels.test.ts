import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials } from '../../src/client/credentials.js';
import { OkxBatchError } from '../../src/client/errors.js';
import { ValidationError } from '../../src/util/errors.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import type { WsStream } from '../../src/ws/stream.js';
import { FAKE_KEY, FAKE_PASSPHRASE, FAKE_SECRET, FakeOkx, type Path } from './helpers/fake-okx.js';

const creds = () => new Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASSPHRASE);
const fast = { backoff: { baseMs: 1, maxMs: 5 }, connectLimiter: new ConnectLimiter(1000) };

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  onOp?: NonNullable<ConstructorParameters<typeof FakeOkx>[0]>['onOp'],
) {
  const subscribed: Array<{ path: Path; arg: Record<string, string> }> = [];
  const waiters: Array<() => void> = [];
  const f = await new FakeOkx({
    onOp,
    onSubscribe: (path, arg) => {
      subscribed.push({ path, arg });
      waiters.splice(0).forEach((w) => w());
    },
  }).start();
  const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), ...fast });
  t.after(async () => {
    await ws.close();
    await f.close();
  });
  /** Resolves once `n` subscriptions have been acknowledged. */
  const acked = async (n: number) => {
    while (subscribed.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { f, ws, subscribed, acked };
}

async function first<T>(s: WsStream<T>): Promise<T> {
  const r = await s.next();
  s.close();
  return r.value as T;
}

test('derivatives channels: each subscribes on its endpoint with its arg, and yields typed items', async (t) => {
  const { f, ws, subscribed, acked } = await setup(t);
  const cases: Array<{
    open: () => WsStream<any>;
    path: Path;
    arg: Record<string, string>;
    data: unknown;
    check: (item: any) => void;
  }> = [
    {
      open: () => ws.positions({ instType: 'SWAP' }),
      path: 'private',
      arg: { channel: 'positions', instType: 'SWAP' },
      data: { instType: 'SWAP', instId: 'BTC-USDT-SWAP', posId: '1', pos: '2', mgnRatio: '10' },
      check: (p) => assert.equal(p.pos, '2'),
    },
    {
      open: () => ws.algoOrders({ instType: 'SWAP' }),
      path: 'business',
      arg: { channel: 'orders-algo', instType: 'SWAP' },
      data: {
        instType: 'SWAP',
        instId: 'BTC-USDT-SWAP',
        algoId: '7',
        ordType: 'conditional',
        state: 'live',
        slTriggerPx: '31000',
      },
      check: (a) => assert.equal(a.slTriggerPx, '31000'),
    },
    {
      open: () => ws.algoAdvance({ instType: 'SWAP' }),
      path: 'business',
      arg: { channel: 'algo-advance', instType: 'SWAP' },
      data: {
        instType: 'SWAP',
        instId: 'BTC-USDT-SWAP',
        algoId: '8',
        ordType: 'move_order_stop',
        state: 'live',
      },
      check: (a) => assert.equal(a.ordType, 'move_order_stop'),
    },
    {
      open: () => ws.liquidationWarning({ instType: 'SWAP' }),
      path: 'private',
      arg: { channel: 'liquidation-warning', instType: 'SWAP' },
      data: { instType: 'SWAP', instId: 'BTC-USDT-SWAP', posId: '1', mgnRatio: '1.05', liqPx: '29000' },
      check: (w) => assert.equal(w.liqPx, '29000'),
    },
    {
      open: () => ws.accountGreeks(),
      path: 'private',
      arg: { channel: 'account-greeks' },
      data: { ccy: 'BTC', deltaBS: '1', ts: '1' },
      check: (g) => assert.equal(g.deltaBS, '1'),
    },
    {
      open: () => ws.markPrice('BTC-USDT-SWAP'),
      path: 'public',
      arg: { channel: 'mark-price', instId: 'BTC-USDT-SWAP' },
      data: { instType: 'SWAP', instId: 'BTC-USDT-SWAP', markPx: '42310.6', ts: '1' },
      check: (m) => assert.equal(m.markPx, '42310.6'),
    },
    {
      open: () => ws.indexTickers('BTC-USDT'),
      path: 'public',
      arg: { channel: 'index-tickers', instId: 'BTC-USDT' },
      data: { instId: 'BTC-USDT', idxPx: '42000', ts: '1' },
      check: (i) => assert.equal(i.idxPx, '42000'),
    },
    {
      open: () => ws.fundingRate('BTC-USDT-SWAP'),
      path: 'public',
      arg: { channel: 'funding-rate', instId: 'BTC-USDT-SWAP' },
      data: {
        instType: 'SWAP',
        instId: 'BTC-USDT-SWAP',
        fundingRate: '0.0001',
        fundingTime: '2',
        nextFundingTime: '3',
      },
      check: (r) => assert.equal(r.nextFundingTime, '3'),
    },
    {
      open: () => ws.openInterest('BTC-USDT-SWAP'),
      path: 'public',
      arg: { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
      data: { instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '100', oiCcy: '1', ts: '1' },
      check: (o) => assert.equal(o.oi, '100'),
    },
    {
      open: () => ws.priceLimit('BTC-USDT-SWAP'),
      path: 'public',
      arg: { channel: 'price-limit', instId: 'BTC-USDT-SWAP' },
      data: { instId: 'BTC-USDT-SWAP', buyLmt: '44000', sellLmt: '40000', ts: '1', enabled: true },
      check: (p) => assert.equal(p.sellLmt, '40000'),
    },
    {
      open: () => ws.estimatedPrice({ instType: 'FUTURES', instFamily: 'BTC-USD' }),
      path: 'public',
      arg: { channel: 'estimated-price', instType: 'FUTURES', instFamily: 'BTC-USD' },
      data: { instType: 'FUTURES', instId: 'BTC-USD-260327', settlePx: '42000', ts: '1' },
      check: (e) => assert.equal(e.settlePx, '42000'),
    },
    {
      open: () => ws.markPriceCandles('BTC-USDT-SWAP', '1m'),
      path: 'business',
      arg: { channel: 'mark-price-candle1m', instId: 'BTC-USDT-SWAP' },
      data: ['1700000000000', '1', '3', '0.5', '2', '0'],
      check: (c) => assert.deepEqual([c.bar, c.h, c.confirm], ['1m', '3', '0']),
    },
  ];
  for (const [i, c] of cases.entries()) {
    const s = c.open();
    await acked(i + 1);
    const sub = subscribed[i]!;
    assert.equal(sub.path, c.path, c.arg.channel);
    assert.deepEqual(sub.arg, c.arg);
    f.push(c.path, { arg: c.arg, data: [c.data] });
    c.check(await first(s));
  }
});

test('estimated-price needs a family or an instrument', async (t) => {
  const { ws } = await setup(t);
  assert.throws(
    () => ws.estimatedPrice({ instType: 'FUTURES' }),
    (e: unknown) => e instanceof ValidationError && e.field === 'instFamily',
  );
});

test('WS batch cancel, batch amend and mass cancel: ops on the wire, per-item failures typed', async (t) => {
  const { f, ws } = await setup(t, (msg, sock) => {
    const args = msg.args as Array<Record<string, unknown>>;
    if (msg.op === 'mass-cancel') {
      sock.send(JSON.stringify({ id: msg.id, op: msg.op, code: '0', msg: '', data: [{ result: true }] }));
      return;
    }
    const bad = args.some((a) => a.ordId === 'gone');
    sock.send(
      JSON.stringify({
        id: msg.id,
        op: msg.op,
        code: bad ? '2' : '0',
        msg: '',
        data: args.map((a) => ({
          ordId: String(a.ordId),
          clOrdId: '',
          ts: '1',
          sCode: a.ordId === 'gone' ? '51400' : '0',
          sMsg: '',
        })),
      }),
    );
  });
  const c = await ws.trade.cancelBatchOrders([
    { instId: 'BTC-USDT-SWAP', ordId: '1' },
    { instId: 'BTC-USDT-SWAP', ordId: '2' },
  ]);
  assert.deepEqual(
    c.map((r) => r.ordId),
    ['1', '2'],
  );
  assert.equal(f.ops('private', 'batch-cancel-orders').length, 1);
  const a = await ws.trade.amendBatchOrders([{ instId: 'BTC-USDT-SWAP', ordId: '1', newPx: '100' }]);
  assert.equal(a[0]!.sCode, '0');
  await assert.rejects(
    ws.trade.cancelBatchOrders([
      { instId: 'BTC-USDT-SWAP', ordId: '1' },
      { instId: 'BTC-USDT-SWAP', ordId: 'gone' },
    ]),
    (e: unknown) => e instanceof OkxBatchError && e.items?.[1]?.sCode === '51400',
  );
  assert.deepEqual(await ws.trade.massCancel({ instType: 'OPTION', instFamily: 'BTC-USD' }), {
    result: true,
  });
  const mc = f.ops('private', 'mass-cancel')[0]!.msg!;
  assert.deepEqual(mc.args, [{ instType: 'OPTION', instFamily: 'BTC-USD' }]);
  await assert.rejects(
    ws.trade.amendBatchOrders([{ instId: 'BTC-USDT-SWAP', ordId: '1' }]),
    (e: unknown) => e instanceof ValidationError && e.field === 'orders[0].newSz',
  );
});
