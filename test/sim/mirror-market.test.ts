import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMirrorFeed } from '../../src/data/okx-mirror-feed.js';
import { MirrorMarket } from '../../src/sim/market/mirror.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { runSim } from '../../src/cli/commands/sim.js';
import { systemClock } from '../../src/util/clock.js';
import { loadRecording, startReplayServer } from '../helpers/okx-public-replay.js';

const RECORDING = loadRecording(join('test', 'fixtures', 'okx-ws', 'public-feed.jsonl'));
const T = 1764990000000;

/** Resolves once `pred` holds, re-checked after every feed arrival (no sleeps). */
function until(market: MirrorMarket, pred: () => boolean): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = market.onFeed(() => {
      if (pred()) {
        off();
        resolve();
      }
    });
  });
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const replay = await startReplayServer(RECORDING);
  const market = new MirrorMarket(systemClock, ['BTC-USDT']);
  const feed = startMirrorFeed({ wsBase: replay.base, instIds: ['BTC-USDT'], target: market });
  await feed.ready;
  await until(market, () => market.candles('BTC-USDT', '1m', {}).length === 2);
  const sim = await startSimulator({ market });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  t.after(async () => {
    await client.close();
    await sim.close();
    await feed.close();
    await replay.close();
  });
  return { replay, market, sim, client };
}

test('the mirror serves the replayed OKX feed over the local exchange REST API', async (t) => {
  const { replay, client } = await setup(t);
  assert.deepEqual(replay.subscriptions.sort(), [
    '/ws/v5/business candle1m BTC-USDT',
    '/ws/v5/public books BTC-USDT',
    '/ws/v5/public instruments SPOT',
    '/ws/v5/public tickers BTC-USDT',
    '/ws/v5/public trades BTC-USDT',
  ]);
  const [inst] = await client.public.instruments({ instType: 'SPOT', instId: 'BTC-USDT' });
  assert.equal(inst!.tickSz, '0.1');
  assert.equal(inst!.minSz, '0.00001');
  const book = await client.market.books('BTC-USDT', 3);
  // the snapshot with the recorded update merged: 97001.4 down to 0.3, 97000.8 gone, 97001 added
  assert.deepEqual(
    book.asks.map((l) => [l[0], l[1]]),
    [
      ['97001.4', '0.3'],
      ['97001.9', '0.25'],
      ['97002.5', '1.5'],
    ],
  );
  assert.deepEqual(
    book.bids.map((l) => [l[0], l[1]]),
    [
      ['97001.3', '1.2'],
      ['97001', '0.05'],
      ['97000', '3'],
    ],
  );
  const tk = await client.market.ticker('BTC-USDT');
  assert.equal(tk.last, '97001.3');
  assert.equal(tk.askPx, '97001.4');
  assert.equal(tk.high24h, '97450');
  const k = await client.market.candles({ instId: 'BTC-USDT', bar: '1m' });
  assert.deepEqual(
    k.map((c) => [Number(c.ts), c.c, c.confirm]),
    [
      [T, '97001.4', '0'],
      [T - 60_000, '97001.3', '1'],
    ],
  );
});

test('paper orders match locally against the mirrored book and the mirrored trades', async (t) => {
  const { replay, market, client } = await setup(t);
  // A market buy of 0.4 BTC walks the mirrored asks: 0.3 at 97001.4, then 0.1 at 97001.9.
  const buy = await client.trade.placeOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'market',
    sz: '0.4',
    tgtCcy: 'base_ccy',
  });
  const filled = await client.trade.getOrder({ instId: 'BTC-USDT', ordId: buy.ordId });
  assert.equal(filled.state, 'filled');
  assert.equal(filled.accFillSz, '0.4');
  assert.equal(Number(filled.avgPx).toFixed(3), ((0.3 * 97001.4 + 0.1 * 97001.9) / 0.4).toFixed(3));
  // What it took is gone from the local copy of the book until OKX sets those levels again.
  const after = await client.market.books('BTC-USDT', 1);
  assert.deepEqual([after.asks[0]![0], after.asks[0]![1]], ['97001.9', '0.15']);

  // A resting bid below the market fills when a real trade prints through its price.
  const bid = await client.trade.placeOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px: '96999',
    sz: '0.01',
  });
  assert.equal((await client.trade.getOrder({ instId: 'BTC-USDT', ordId: bid.ordId })).state, 'live');
  const tradeArg = { channel: 'trades', instId: 'BTC-USDT' };
  replay.push({
    arg: tradeArg,
    data: [
      {
        instId: 'BTC-USDT',
        tradeId: '730000099',
        px: '96998.7',
        sz: '0.5',
        side: 'sell',
        ts: String(T + 5000),
        count: '3',
      },
    ],
  });
  await until(market, () => market.trades('BTC-USDT', 1)[0]?.tradeId === '730000099');
  const done = await client.trade.getOrder({ instId: 'BTC-USDT', ordId: bid.ordId });
  assert.equal(done.state, 'filled');
  assert.equal(done.avgPx, '96999');
});

test("the local exchange's public WebSocket forwards the mirrored trades", async (t) => {
  const { replay, sim } = await setup(t);
  const ws = new OkxWsClient({ urls: sim.wsUrls });
  t.after(() => ws.close());
  const trades = ws.trades('BTC-USDT');
  await new Promise<void>((resolve) => ws.once('subscribed', () => resolve()));
  replay.push({
    arg: { channel: 'trades', instId: 'BTC-USDT' },
    data: [
      {
        instId: 'BTC-USDT',
        tradeId: '730000123',
        px: '97003.1',
        sz: '0.002',
        side: 'buy',
        ts: String(T + 9000),
        count: '1',
      },
    ],
  });
  for await (const tr of trades) {
    if (tr.tradeId !== '730000123') continue;
    assert.equal(tr.px, '97003.1');
    break;
  }
});

test('okxkit sim --market okx --mirror-url points the mirror at the given WebSocket', async (t) => {
  const replay = await startReplayServer(RECORDING);
  t.after(() => replay.close());
  const ac = new AbortController();
  let out = '';
  let resolveUp!: () => void;
  const up = new Promise<void>((r) => (resolveUp = r));
  const run = runSim(
    { port: '0', market: 'okx', mirrorUrl: replay.base, inst: 'BTC-USDT' },
    {
      write: (s) => {
        out += s;
        if (out.includes('market       mirror of')) resolveUp();
      },
      signal: ac.signal,
    },
  );
  await up;
  const rest = /REST\s+(\S+)/.exec(out)![1]!;
  const client = new OkxClient({ baseUrl: rest });
  const tk = await client.market.ticker('BTC-USDT');
  await client.close();
  ac.abort();
  await run;
  assert.equal(tk.last, '97001.3');
  assert.match(out, new RegExp(`mirror of ${replay.base.replace(/[/.]/g, '\\$&')}/public \\(BTC-USDT\\)`));
});
