import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { Credentials } from '../../src/client/credentials.js';
import {
  OkxBalanceError,
  OkxBatchError,
  OkxNetworkError,
  OkxRequestError,
  OkxTimeoutError,
} from '../../src/client/errors.js';
import { ValidationError } from '../../src/util/errors.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import { OkxWsLoginError } from '../../src/ws/errors.js';
import { FAKE_KEY, FAKE_PASSPHRASE, FAKE_SECRET, FakeOkx } from './helpers/fake-okx.js';

const creds = () => new Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASSPHRASE);
const fast = { backoff: { baseMs: 1, maxMs: 5 }, connectLimiter: new ConnectLimiter(1000) };
const order = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy' as const,
  ordType: 'limit',
  px: '30000',
  sz: '0.01',
  clOrdId: 'abc123',
};

type Reply = (msg: Record<string, unknown>, ws: WebSocket) => void;

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  onOp?: Reply,
  extra: Record<string, unknown> = {},
) {
  const f = await new FakeOkx({ onOp }).start();
  const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), ...fast, ...extra });
  t.after(async () => {
    await ws.close();
    await f.close();
  });
  return { f, ws };
}

describe('WS order ops (facts §2.6)', () => {
  test('place: result returned; id, instIdCode and expTime on the wire', async (t) => {
    const { f, ws } = await setup(t, undefined, { instruments: { 'BTC-USDT': 10001 } });
    const r = await ws.trade.placeOrder(order, { expTime: 1_900_000_000_000 });
    assert.equal(r.ordId, '1001');
    assert.equal(r.sCode, '0');
    const sent = f.ops('private', 'order')[0]!.msg!;
    assert.match(sent.id as string, /^[A-Za-z0-9]{1,32}$/);
    assert.equal(sent.expTime, '1900000000000');
    const arg = (sent.args as Array<Record<string, unknown>>)[0]!;
    assert.equal(arg.instIdCode, 10001);
    assert.equal(arg.instId, 'BTC-USDT');
    assert.equal(arg.clOrdId, 'abc123');
    assert.equal(arg.tag, undefined, 'no tag injected');
    // Login first, on /private.
    assert.equal(f.ops('private', 'login').length, 1);
  });

  test('without an instrument map only instId is sent', async (t) => {
    const { f, ws } = await setup(t);
    await ws.trade.placeOrder(order);
    const arg = (f.ops('private', 'order')[0]!.msg!.args as Array<Record<string, unknown>>)[0]!;
    assert.equal('instIdCode' in arg, false);
  });

  test('an sCode failure maps to the REST error family', async (t) => {
    const { ws } = await setup(t, (msg, sock) =>
      sock.send(
        JSON.stringify({
          id: msg.id,
          op: msg.op,
          code: '1',
          msg: '',
          data: [
            {
              clOrdId: 'abc123',
              ordId: '',
              tag: '',
              ts: '1',
              sCode: '51008',
              sMsg: 'Order failed. Insufficient USDT balance in account.',
            },
          ],
          inTime: '1',
          outTime: '2',
        }),
      ),
    );
    const err = await ws.trade.placeOrder(order).catch((e: unknown) => e);
    assert.ok(err instanceof OkxBalanceError, String(err));
    assert.equal(err.code, '51008');
    assert.equal(err.items[0]!.clOrdId, 'abc123');
    assert.equal(err.ambiguous, false);
    assert.match(err.endpoint, /order/);
  });

  test('an op-level error (60013 Invalid args) is typed', async (t) => {
    const { ws } = await setup(t, (msg, sock) =>
      sock.send(JSON.stringify({ id: msg.id, op: msg.op, code: '60013', msg: 'Invalid args', data: [] })),
    );
    await assert.rejects(
      ws.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' }),
      (e: unknown) => e instanceof OkxRequestError && e.code === '60013',
    );
  });

  test('batch with a partial failure throws OkxBatchError carrying every item', async (t) => {
    const { ws } = await setup(t, (msg, sock) =>
      sock.send(
        JSON.stringify({
          id: msg.id,
          op: msg.op,
          code: '2',
          msg: '',
          data: [
            { clOrdId: 'a1', ordId: '1', sCode: '0', sMsg: '' },
            {
              clOrdId: 'a2',
              ordId: '',
              sCode: '51121',
              sMsg: 'Order quantity must be a multiple of the lot size.',
            },
          ],
        }),
      ),
    );
    const err = await ws.trade.batchOrders([order, { ...order, clOrdId: 'a2' }]).catch((e: unknown) => e);
    assert.ok(err instanceof OkxBatchError);
    assert.equal(err.succeeded.length, 1);
    assert.equal(err.failed[0]!.sCode, '51121');
  });

  test('no reply within the timeout: an ambiguous OkxTimeoutError, never resent', async (t) => {
    const { f, ws } = await setup(t, () => undefined, { requestTimeoutMs: 80 });
    const err = await ws.trade.placeOrder(order).catch((e: unknown) => e);
    assert.ok(err instanceof OkxTimeoutError);
    assert.equal(err.ambiguous, true);
    assert.ok(err.hint?.includes('clOrdId'));
    // a resend would have gone out before the error (no retry runs after it), and the fake
    // counts each op on arrival: one op, counted long before the 80 ms timeout ended
    assert.equal(f.ops('private', 'order').length, 1);
  });

  test('the connection dropping before the reply is ambiguous too', async (t) => {
    const { ws } = await setup(t, (_msg, sock) => sock.terminate());
    const err = await ws.trade.placeOrder(order).catch((e: unknown) => e);
    assert.ok(err instanceof OkxNetworkError);
    assert.equal(err.ambiguous, true);
  });

  test('bad input is refused before sending', async (t) => {
    const { f, ws } = await setup(t);
    await assert.rejects(ws.trade.placeOrder(order, { id: 'has-dash' }), ValidationError);
    await assert.rejects(ws.trade.cancelOrder({ instId: 'BTC-USDT' }), ValidationError);
    await assert.rejects(ws.trade.amendOrder({ instId: 'BTC-USDT', ordId: '1' }), ValidationError);
    await assert.rejects(ws.trade.batchOrders([]), ValidationError);
    assert.equal(f.ops('private', 'order').length, 0);
  });

  test('amend and cancel reach the server with their ops', async (t) => {
    const { f, ws } = await setup(t);
    await ws.trade.amendOrder({ instId: 'BTC-USDT', clOrdId: 'abc123', newPx: '30001' });
    await ws.trade.cancelOrder({ instId: 'BTC-USDT', clOrdId: 'abc123' });
    assert.equal(f.ops('private', 'amend-order').length, 1);
    assert.equal(f.ops('private', 'cancel-order').length, 1);
  });

  test('never connected: a non-ambiguous error, nothing was sent', async () => {
    const ws = new OkxWsClient({
      urls: {
        wsPublic: 'ws://127.0.0.1:1/ws/v5/public',
        wsPrivate: 'ws://127.0.0.1:1/ws/v5/private',
        wsBusiness: 'ws://127.0.0.1:1/ws/v5/business',
      },
      credentials: creds(),
      requestTimeoutMs: 100,
      ...fast,
    });
    const err = await ws.trade.placeOrder(order).catch((e: unknown) => e);
    await ws.close();
    assert.ok(err instanceof OkxNetworkError, String(err));
    assert.equal(err.ambiguous, false);
    assert.equal(err instanceof OkxTimeoutError, false);
  });

  test('refused login: the login error, not an ambiguous outcome', async (t) => {
    const f = await new FakeOkx({ loginCode: '60024' }).start();
    const ws = new OkxWsClient({ urls: f.urls, credentials: creds(), ...fast });
    ws.on('error', () => undefined);
    t.after(async () => {
      await ws.close();
      await f.close();
    });
    const err = await ws.trade.placeOrder(order).catch((e: unknown) => e);
    assert.ok(err instanceof OkxWsLoginError);
    assert.equal(f.ops('private', 'order').length, 0);
  });
});
