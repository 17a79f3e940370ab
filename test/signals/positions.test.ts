import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxkitError } from '../../src/util/errors.js';
import type { SignalPort } from '../../src/signals/engine.js';
import { rig } from './kit.js';

// Position-aware actions (issue 19, deliverable 3): close and reduce never open the other side,
// reverse is close-then-open with a defined outcome when the open is refused, flat-all.
const SWAP = 'BTC-USDT-SWAP';
const sig = (id: string, action: string, extra: Record<string, unknown> = {}) => ({
  id,
  instId: SWAP,
  action,
  sizeUnit: 'contracts',
  ...extra,
});

describe('signals: position-aware actions', () => {
  test('swap: open, add, reduce (reduce-only), close; close and reduce never flip the side', async (t) => {
    const r = await rig(t);
    assert.equal((await r.signed(sig('o1', 'open', { side: 'buy', size: '3' }))).json.status, 'accepted');
    assert.equal(await r.position(SWAP), 3);
    assert.equal((await r.signed(sig('a1', 'add', { side: 'buy', size: '1' }))).json.status, 'accepted');
    assert.equal(await r.position(SWAP), 4);
    // A reduce larger than the position is cut to the position, reduce-only: never a short.
    const red = await r.signed(sig('r1', 'reduce', { size: '10' }));
    assert.equal(red.json.status, 'accepted', JSON.stringify(red.json));
    assert.equal(red.json.orders[0].sz, '4');
    assert.equal(red.json.orders[0].side, 'sell');
    assert.equal(r.store.get(red.json.seq)!.orders[0]!.reduceOnly, true);
    assert.equal(await r.position(SWAP), 0);
    // Flat: close has nothing to do (200, no order); reduce is refused (409).
    const close = await r.signed(sig('c1', 'close'));
    assert.equal(close.status, 200);
    assert.equal(close.json.code, 'NOTHING_TO_DO');
    assert.equal(close.json.orders.length, 0);
    const red2 = await r.signed(sig('r2', 'reduce', { size: '1' }));
    assert.equal(red2.status, 409);
    assert.equal(red2.json.code, 'NO_POSITION');
    assert.equal(await r.position(SWAP), 0);
    // Short, then an open long is refused (use reverse); close with the wrong side is refused.
    assert.equal((await r.signed(sig('s1', 'open', { side: 'sell', size: '2' }))).json.status, 'accepted');
    const conflict = await r.signed(sig('o2', 'open', { side: 'buy', size: '1' }));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.field, 'side');
    const wrongSide = await r.signed(sig('c2', 'close', { side: 'sell' }));
    assert.equal(wrongSide.status, 409);
    assert.equal(await r.position(SWAP), -2);
    const close2 = await r.signed(sig('c3', 'close', { side: 'buy' }));
    assert.equal(close2.json.status, 'accepted');
    assert.equal(await r.position(SWAP), 0);
  });

  test('reverse: close then open; flat-all closes every allowed instrument', async (t) => {
    const r = await rig(t);
    await r.signed(sig('o1', 'open', { side: 'buy', size: '2' }));
    const rev = await r.signed(sig('v1', 'reverse', { side: 'sell', size: '3' }));
    assert.equal(rev.json.status, 'accepted', JSON.stringify(rev.json));
    assert.deepEqual(
      rev.json.orders.map((o: { leg: string; side: string; sz: string }) => [o.leg, o.side, o.sz]),
      [
        ['close', 'sell', '2'],
        ['open', 'sell', '3'],
      ],
    );
    assert.equal(await r.position(SWAP), -3);
    const flat = await r.signed({ id: 'f1', action: 'flat-all' });
    assert.equal(flat.json.status, 'accepted', JSON.stringify(flat.json));
    assert.equal(await r.position(SWAP), 0);
    // Spot holdings of an allowed instrument are sold too (the account holds BTC).
    assert.ok(flat.json.orders.some((o: { instId?: string; leg: string }) => o.leg === 'close'));
  });

  test('reverse whose open leg the guard refuses: refused whole before any order, position unchanged', async (t) => {
    const r = await rig(t, { guard: { maxPositionNotional: '20000' } });
    await r.signed(sig('o1', 'open', { side: 'buy', size: '2' }));
    const rev = await r.signed(sig('v1', 'reverse', { side: 'sell', size: '50' }));
    assert.equal(rev.status, 422, JSON.stringify(rev.json));
    assert.equal(rev.json.status, 'refused');
    assert.match(rev.json.error, /^open: /);
    assert.equal(rev.json.orders.length, 0);
    assert.equal(await r.position(SWAP), 2);
  });

  test('reverse whose open leg the exchange refuses after the close: "partial", flat, alerted, nothing more sent', async (t) => {
    let refuseOpen = false;
    const wrap = (p: SignalPort): SignalPort =>
      Object.assign(Object.create(p) as SignalPort, {
        placeOrder: async (intent: Parameters<SignalPort['placeOrder']>[0]) => {
          if (refuseOpen && !intent.reduceOnly)
            throw new OkxkitError('insufficient margin', { code: '51008' });
          return p.placeOrder(intent);
        },
      });
    const r = await rig(t, { wrapPort: wrap });
    await r.signed(sig('o1', 'open', { side: 'buy', size: '2' }));
    refuseOpen = true;
    const rev = await r.signed(sig('v1', 'reverse', { side: 'sell', size: '3' }));
    assert.equal(rev.status, 422);
    assert.equal(rev.json.status, 'partial');
    assert.equal(rev.json.code, 'LEG_REFUSED');
    assert.match(rev.json.error, /the position is closed, not reversed/);
    assert.deepEqual(
      rev.json.orders.map((o: { leg: string; state: string }) => [o.leg, o.state]),
      [
        ['close', 'filled'],
        ['open', 'refused'],
      ],
    );
    assert.equal(await r.position(SWAP), 0);
    assert.ok(r.alerts.history.some((a) => a.severity === 'critical' && /partial/.test(a.message)));
    // The webhook's retry is a duplicate: it cannot open now, nor close twice.
    refuseOpen = false;
    const retry = await r.signed(sig('v1', 'reverse', { side: 'sell', size: '3' }));
    assert.equal(retry.json.status, 'duplicate');
    assert.equal(await r.position(SWAP), 0);
  });

  test('spot: close sells at most the held balance; sell-to-open and reverse are refused', async (t) => {
    const r = await rig(t);
    const short = await r.signed({ id: 's1', instId: 'BTC-USDT', action: 'open', side: 'sell', size: '0.1' });
    assert.equal(short.status, 422);
    assert.equal(short.json.code, 'SPOT_NO_SHORT');
    const rev = await r.signed({
      id: 'v1',
      instId: 'BTC-USDT',
      action: 'reverse',
      side: 'sell',
      size: '0.1',
    });
    assert.equal(rev.status, 422);
    assert.equal(rev.json.field, 'action');
    // The account holds 2 BTC: a reduce of 5 sells 2, no more.
    const red = await r.signed({ id: 'r1', instId: 'BTC-USDT', action: 'reduce', size: '5', side: 'sell' });
    assert.equal(red.json.status, 'accepted', JSON.stringify(red.json));
    assert.equal(red.json.orders[0].sz, '2');
    const bal = (await r.stack.port.balances()).find((b) => b.ccy === 'BTC');
    assert.equal(Number(bal?.availBal ?? 0), 0);
    const close = await r.signed({ id: 'c1', instId: 'BTC-USDT', action: 'close' });
    assert.equal(close.json.code, 'NOTHING_TO_DO');
  });

  test('sizes: quote and % of balance; take-profit and stop-loss attach as one OCO', async (t) => {
    const r = await rig(t);
    const last = Number((await r.stack.port.ticker(SWAP)).last);
    const quote = await r.signed(
      sig('q1', 'open', { side: 'buy', size: String(Math.round(last * 0.05)), sizeUnit: 'quote' }),
    );
    assert.equal(quote.json.status, 'accepted', JSON.stringify(quote.json));
    // 0.05 BTC of 0.01 BTC contracts, at the price of the moment (it moves a little per step).
    assert.ok(Math.abs(Number(quote.json.orders[0].sz) - 5) <= 0.1, quote.json.orders[0].sz);
    const tp = String(Math.round(last * 1.1));
    const sl = String(Math.round(last * 0.9));
    const withStops = await r.signed(sig('t1', 'add', { side: 'buy', size: '1', tp, sl }));
    assert.equal(withStops.json.status, 'accepted', JSON.stringify(withStops.json));
    const algos = await r.stack.port.algoOrders!(SWAP);
    assert.equal(algos.length, 1);
    assert.equal(algos[0]!.ordType, 'oco');
    assert.equal(algos[0]!.tpTriggerPx, tp);
    assert.equal(algos[0]!.slTriggerPx, sl);
    const badTp = await r.signed(
      sig('t2', 'add', { side: 'buy', size: '1', ordType: 'limit', px: String(last), tp: sl }),
    );
    assert.equal(badTp.status, 400);
    assert.equal(badTp.json.field, 'tp');
    const pct = await r.signed({
      id: 'p1',
      instId: 'BTC-USDT',
      action: 'open',
      side: 'buy',
      size: '1',
      sizeUnit: 'pct_balance',
    });
    assert.equal(pct.json.status, 'accepted', JSON.stringify(pct.json));
    const usdt = (await r.stack.port.balances()).find((b) => b.ccy === 'USDT');
    assert.ok(Number(pct.json.orders[0].sz) > 0 && Number(usdt?.availBal) > 0);
  });
});
