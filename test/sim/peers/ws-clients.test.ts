import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ccxt from 'ccxt';
import { WebsocketAPIClient, WebsocketClient } from 'okx-api';
import { withSim } from '../../helpers/sim.js';
import type { Simulator } from '../../../src/sim/simulator.js';

const SWAP = 'BTC/USDT:USDT';

function pro(sim: Simulator) {
  const k = sim.key('trade');
  const ex = new ccxt.pro.okx({ apiKey: k.apiKey, secret: k.secretKey, password: k.passphrase });
  // Loopback only: REST and WS of the local exchange (ccxt appends /public, /private, /business).
  ex.urls['api'] = { rest: sim.restUrl, ws: sim.wsUrls.wsPublic.replace(/\/public$/, '') };
  return ex;
}

/** Resolves with the first message okx-api's client emits that `pick` accepts. */
function next(ws: WebsocketClient, pick: (m: any) => boolean): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (!pick(m)) return;
      ws.off('update', on);
      resolve(m);
    };
    ws.on('update', on);
  });
}

describe('WebSocket clients of peers against the local exchange (issue 12 item 5)', () => {
  test('ccxt.pro okx watches public contract channels and its own orders and positions while trading', async (t) => {
    const sim = await withSim(t, { seed: 31 });
    const ex = pro(sim);
    t.after(() => ex.close());
    // ccxt opens ws:// (not wss://) only through its own http agent.
    await ex.loadHttpProxyAgent();
    await ex.loadMarkets();
    const ticker = await ex.watchTicker(SWAP);
    assert.equal(ticker.symbol, SWAP);
    const book = await ex.watchOrderBook('BTC/USDT');
    assert.ok(book.bids.length > 0);
    const mark = await ex.watchMarkPrice(SWAP);
    assert.ok(mark.markPrice! > 0);
    const funding = await ex.watchFundingRate(SWAP);
    assert.equal(typeof funding.fundingRate, 'number');

    const orders = ex.watchOrders(SWAP);
    await ex.watchPositions([SWAP]); // the snapshot (no position yet)
    // ccxt resolves a watch with the updates that arrive after the call: watch, then trade.
    const positions = ex.watchPositions([SWAP]);
    const placed = await ex.createOrderWs(SWAP, 'market', 'buy', 1, undefined, { tdMode: 'cross' });
    assert.ok(placed.id);
    const os = await orders;
    assert.ok(os.some((o: any) => o.id === placed.id));
    const ps = await positions;
    assert.ok(ps.some((p: any) => p.symbol === SWAP && p.contracts === 1 && p.side === 'long'));
    const balance = ex.watchBalance();
    await ex.createOrderWs('BTC/USDT', 'market', 'buy', 0.001, undefined, { tgtCcy: 'base_ccy' });
    assert.ok(((await balance).total as any).BTC > 0);
  });

  test('okx-api WebsocketClient subscribes to mark-price, positions and orders-algo; WebsocketAPIClient trades', async (t) => {
    const sim = await withSim(t, { seed: 32 });
    const k = sim.key('trade');
    const accounts = [{ apiKey: k.apiKey, apiSecret: k.secretKey, apiPass: k.passphrase }];
    const pub = new WebsocketClient({ wsUrl: sim.wsUrls.wsPublic });
    const biz = new WebsocketClient({ wsUrl: sim.wsUrls.wsBusiness, accounts });
    // One private connection: the order API client's, which also carries the subscriptions.
    const api = new WebsocketAPIClient({ wsUrl: sim.wsUrls.wsPrivate, accounts });
    const priv = api.getWSClient();
    t.after(() => {
      pub.closeAll(true);
      biz.closeAll(true);
      priv.closeAll(true);
    });
    const markP = next(pub, (m) => m.arg?.channel === 'mark-price');
    void pub.subscribe({ channel: 'mark-price', instId: 'BTC-USDT-SWAP' });
    const m = await markP;
    assert.equal(m.data[0].instId, 'BTC-USDT-SWAP');
    assert.ok(Number(m.data[0].markPx) > 0);

    const snap = next(priv, (x) => x.arg?.channel === 'positions');
    void priv.subscribe({ channel: 'positions', instType: 'SWAP' });
    assert.deepEqual((await snap).data, []);
    // One push per fill: the last one carries the whole position.
    const posPush = next(priv, (x) => x.arg?.channel === 'positions' && x.data[0]?.pos === '-2');
    const r = await api.submitNewOrder({
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'sell',
      ordType: 'market',
      sz: '2',
    });
    assert.equal(r.data[0].sCode, '0');
    const pos = await posPush;
    assert.equal(pos.data[0].pos, '-2');
    assert.equal(pos.data[0].instId, 'BTC-USDT-SWAP');

    const algoPush = next(biz, (x) => x.arg?.channel === 'orders-algo' && x.data.length > 0);
    void biz.subscribe({ channel: 'orders-algo', instType: 'SWAP' });
    // Wait for the subscription's ack before placing, so the push cannot be missed.
    await new Promise<void>((resolve) => {
      const on = (e: any) => {
        if (e.event === 'subscribe' && e.arg?.channel === 'orders-algo') {
          biz.off('response', on);
          resolve();
        }
      };
      biz.on('response', on);
    });
    const last = Number(sim.market.last('BTC-USDT-SWAP'));
    const res = await fetchAlgo(sim, {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'conditional',
      closeFraction: '1',
      slTriggerPx: (last * 1.05).toFixed(1),
      slOrdPx: '-1',
    });
    assert.equal(res.data[0].sCode, '0');
    const a = await algoPush;
    assert.equal(a.data[0].algoId, res.data[0].algoId);
    assert.equal(a.data[0].state, 'live');
  });
});

async function fetchAlgo(sim: Simulator, body: Record<string, string>) {
  const { simFetch } = await import('../../helpers/sim.js');
  return (await simFetch(sim, 'trade', 'POST', '/api/v5/trade/order-algo', { body })).json;
}
