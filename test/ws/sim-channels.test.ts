// The WS client's balance_and_position and instruments streams: typed, checked, end to end
// against the local exchange.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { endpointForChannel, channelNeedsLogin } from '../../src/ws/channels.js';
import { OkxWsMessageError, type OkxWsError } from '../../src/ws/errors.js';
import { ConnectLimiter } from '../../src/ws/limits.js';
import {
  checkBalanceAndPosition,
  checkInstrument,
  type WsBalanceAndPosition,
  type WsInstrument,
} from '../../src/ws/messages.js';
import { simFetch, withSim } from '../helpers/sim.js';

const fast = { backoff: { baseMs: 1, maxMs: 20 }, connectLimiter: new ConnectLimiter(1000) };
const arg = { channel: 'balance_and_position' };

describe('balance_and_position and instruments in the WS client', () => {
  test('routing: balance_and_position on /private with login, instruments on /public without', () => {
    assert.equal(endpointForChannel('balance_and_position'), 'private');
    assert.ok(channelNeedsLogin('balance_and_position'));
    assert.equal(endpointForChannel('instruments'), 'public');
    assert.ok(!channelNeedsLogin('instruments'));
  });

  test('checkBalanceAndPosition: the documented shape passes; missing lists read as []; wrong types are named', () => {
    const doc = {
      pTime: '1597026383085',
      eventType: 'snapshot',
      balData: [{ ccy: 'BTC', cashBal: '1', uTime: '1597026383085' }],
      posData: [
        {
          posId: '1111111111',
          tradeId: '2',
          instId: 'BTC-USD-191018',
          instType: 'FUTURES',
          mgnMode: 'cross',
          posSide: 'long',
          pos: '10',
          ccy: 'BTC',
          posCcy: '',
          avgPx: '3320',
          uTime: '1597026383085',
        },
      ],
      trades: [{ instId: 'BTC-USD-191018', tradeId: '2' }],
    };
    assert.deepEqual(checkBalanceAndPosition(doc, arg), doc);
    // OKX: only balData is pushed when only the balance changes
    const onlyBal = checkBalanceAndPosition(
      { pTime: '1', eventType: 'filled', balData: doc.balData },
      arg,
    ) as WsBalanceAndPosition;
    assert.deepEqual([onlyBal.posData, onlyBal.trades], [[], []]);
    const bad: Array<[unknown, RegExp]> = [
      [null, /not an object/],
      [{ ...doc, pTime: 1597026383085 }, /pTime/],
      [{ ...doc, eventType: undefined }, /eventType/],
      [{ ...doc, balData: {} }, /balData is not an array/],
      [{ ...doc, balData: [{ ccy: 'BTC', cashBal: 1, uTime: '1' }] }, /balData\[0\]\.cashBal/],
      [{ ...doc, posData: [null] }, /posData\[0\] is not an object/],
      [{ ...doc, trades: [{ instId: 'BTC-USDT' }] }, /trades\[0\]\.tradeId/],
    ];
    for (const [item, re] of bad) {
      const r = checkBalanceAndPosition(item, arg);
      assert.equal(typeof r, 'string', JSON.stringify(item));
      assert.match(r as string, re);
    }
  });

  test('checkInstrument: strings where OKX sends strings, instIdCode an integer', () => {
    const ok = {
      instType: 'SPOT',
      instId: 'BTC-USDT',
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      tickSz: '0.1',
      lotSz: '0.00000001',
      minSz: '0.00001',
      state: 'live',
      instIdCode: 10001,
      futureSettlement: false,
    };
    const a = { channel: 'instruments', instType: 'SPOT' };
    assert.deepEqual(checkInstrument(ok, a), ok);
    assert.match(checkInstrument({ ...ok, tickSz: 0.1 }, a) as string, /tickSz/);
    assert.match(checkInstrument({ ...ok, instIdCode: '10001' }, a) as string, /instIdCode/);
    assert.match(checkInstrument({ ...ok, instIdCode: 1.5 }, a) as string, /instIdCode/);
    assert.match(checkInstrument([], a) as string, /not an object/);
  });

  test('against the local exchange: instruments lists every SPOT pair as GET /public/instruments does; balanceAndPosition gives the snapshot then fills', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 10, 0, 0));
    const sim = await withSim(t, { seed: 13, clock });
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade'), clock, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));

    const insts = ws.instruments('SPOT');
    const rest = (await simFetch(sim, undefined, 'GET', '/api/v5/public/instruments?instType=SPOT')).json
      .data as WsInstrument[];
    const got: WsInstrument[] = [];
    for (let i = 0; i < rest.length; i++) got.push((await insts.next()).value as WsInstrument);
    assert.deepEqual(got, rest);
    assert.ok(got.every((i) => Number.isInteger(i.instIdCode)));
    insts.close();

    const bp = ws.balanceAndPosition();
    const snap: WsBalanceAndPosition = (await bp.next()).value;
    assert.equal(snap.eventType, 'snapshot');
    assert.ok(snap.balData.some((b) => b.ccy === 'USDT' && b.cashBal === '100000'));
    const sell = await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order', {
      body: { instId: 'ETH-USDT', tdMode: 'cash', side: 'sell', ordType: 'market', sz: '1' },
    });
    assert.equal(sell.json.data[0].sCode, '0');
    const fill: WsBalanceAndPosition = (await bp.next()).value;
    assert.equal(fill.eventType, 'filled');
    assert.deepEqual(
      fill.balData.map((b) => b.ccy),
      ['ETH', 'USDT'],
    );
    assert.equal(fill.trades[0]!.instId, 'ETH-USDT');
    assert.deepEqual(fill.posData, []);
    bp.close();
    assert.deepEqual(errors, []);
  });

  test('a malformed balance_and_position push is dropped and reported, the stream goes on', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 10, 0, 0));
    const sim = await withSim(t, { seed: 14, clock });
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade'), clock, ...fast });
    t.after(() => ws.close());
    const errors: OkxWsError[] = [];
    ws.on('error', (e) => errors.push(e));
    const bp = ws.balanceAndPosition();
    await bp.next();
    // feed pushes as if they came off the socket
    const conn = ws.connection('private') as unknown as { emit(ev: 'push', msg: unknown): boolean };
    conn.emit('push', {
      arg: { channel: 'balance_and_position', uid: '1' },
      data: [{ pTime: '1', eventType: 'filled', balData: [{ ccy: 'BTC', cashBal: null, uTime: '1' }] }],
    });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof OkxWsMessageError);
    assert.match(errors[0].message, /balData\[0\]\.cashBal/);
    conn.emit('push', {
      arg: { channel: 'balance_and_position', uid: '1' },
      data: [{ pTime: '2', eventType: 'transferred', balData: [{ ccy: 'BTC', cashBal: '3', uTime: '2' }] }],
    });
    const next: WsBalanceAndPosition = (await bp.next()).value;
    assert.equal(next.eventType, 'transferred');
    bp.close();
  });
});
