import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { data, derivSim, send, step } from './derivs/derivs-kit.js';
import { get, T0 } from './sim-test-kit.js';
import { OkxClient } from '../../src/client/okx-client.js';
import type { Simulator } from '../../src/sim/simulator.js';

async function mid(sim: Simulator, instId: string): Promise<Decimal> {
  const [b] = await data(sim, 'alice', `/api/v5/market/books?instId=${instId}&sz=1`);
  return new Decimal(b.bids[0][0]).plus(b.asks[0][0]).div(2);
}

async function cash(sim: Simulator, ccy: string): Promise<Decimal> {
  const [b] = await data(sim, 'alice', `/api/v5/account/balance?ccy=${ccy}`);
  return new Decimal(b.details[0].cashBal);
}

const quote = (sim: Simulator, body: Record<string, string>) =>
  send(sim, 'alice', '/api/v5/asset/convert/estimate-quote', body);
const sellBtc = { baseCcy: 'BTC', quoteCcy: 'USDT', side: 'sell', rfqSz: '0.01', rfqSzCcy: 'BTC' };

describe('convert on the local exchange (issue 12)', () => {
  test('currencies and pairs come from the spot pairs', async (t) => {
    const { sim } = await derivSim(t);
    const ccys = (await data(sim, 'alice', '/api/v5/asset/convert/currencies')).map((c) => c.ccy);
    assert.deepEqual(ccys, ['BTC', 'ETH', 'OKB', 'SOL', 'USDT']);
    const [pair] = await data(sim, 'alice', '/api/v5/asset/convert/currency-pair?fromCcy=USDT&toCcy=BTC');
    assert.deepEqual([pair.instId, pair.baseCcy, pair.quoteCcy], ['BTC-USDT', 'BTC', 'USDT']);
    const none = await get(sim, 'alice', '/api/v5/asset/convert/currency-pair?fromCcy=SOL&toCcy=OKB');
    assert.equal(none.json.code, '51000');
  });

  test('a quote is priced at the mid less the spread and traded within its TTL from the trading account', async (t) => {
    const { sim, clock } = await derivSim(t);
    const m = await mid(sim, 'BTC-USDT');
    const q = (await quote(sim, sellBtc)).data[0];
    const px = m.mul('0.999').toDecimalPlaces(8);
    assert.deepEqual(
      [q.quoteId, q.cnvtPx, q.baseSz, q.quoteSz, q.ttlMs, q.quoteTime],
      [
        `quoterBTC-USDT${T0}1`,
        px.toFixed(),
        '0.01',
        px.mul('0.01').toDecimalPlaces(8, Decimal.ROUND_DOWN).toFixed(),
        '10000',
        String(T0),
      ],
    );
    const [btc, usdt] = [await cash(sim, 'BTC'), await cash(sim, 'USDT')];
    await step(sim, clock, 9_999);
    const r = await send(sim, 'alice', '/api/v5/asset/convert/trade', {
      quoteId: q.quoteId,
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      side: 'sell',
      sz: '0.01',
      szCcy: 'BTC',
      clTReqId: 'conv1',
    });
    assert.equal(r.code, '0');
    const tr = r.data[0];
    assert.deepEqual(
      [tr.state, tr.instId, tr.fillPx, tr.fillBaseSz, tr.fillQuoteSz, tr.clTReqId],
      ['fullyFilled', 'BTC-USDT', q.cnvtPx, '0.01', q.quoteSz, 'conv1'],
    );
    assert.equal((await cash(sim, 'BTC')).toFixed(), btc.minus('0.01').toFixed());
    assert.equal((await cash(sim, 'USDT')).toFixed(), usdt.plus(q.quoteSz).toFixed());
    const bills = await data(sim, 'alice', '/api/v5/account/bills?type=27');
    assert.deepEqual(
      bills.map((b) => [b.ccy, b.subType, b.balChg]),
      [
        ['USDT', '318', q.quoteSz],
        ['BTC', '319', '-0.01'],
      ],
    );
    const hist = await data(sim, 'alice', '/api/v5/asset/convert/history?clTReqId=conv1');
    assert.deepEqual(
      hist.map((h) => [h.tradeId, h.fillQuoteSz]),
      [[tr.tradeId, q.quoteSz]],
    );
    // A quote is used once.
    const again = await send(sim, 'alice', '/api/v5/asset/convert/trade', {
      quoteId: q.quoteId,
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      side: 'sell',
      sz: '0.01',
      szCcy: 'BTC',
    });
    assert.equal(again.code, '51000');
  });

  test('an expired quote is refused and moves nothing', async (t) => {
    const { sim, clock } = await derivSim(t);
    const q = (await quote(sim, sellBtc)).data[0];
    const [btc, usdt] = [await cash(sim, 'BTC'), await cash(sim, 'USDT')];
    await step(sim, clock, 10_001);
    const r = await send(sim, 'alice', '/api/v5/asset/convert/trade', {
      quoteId: q.quoteId,
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      side: 'sell',
      sz: '0.01',
      szCcy: 'BTC',
    });
    assert.deepEqual([r.code, r.msg], ['51000', 'Parameter quoteId error']);
    assert.equal((await cash(sim, 'BTC')).toFixed(), btc.toFixed());
    assert.equal((await cash(sim, 'USDT')).toFixed(), usdt.toFixed());
    assert.deepEqual(await data(sim, 'alice', '/api/v5/asset/convert/history'), []);
  });

  test('a buy sized in the quote pays above the mid; a size beyond the balance is 58350', async (t) => {
    const { sim } = await derivSim(t);
    const m = await mid(sim, 'ETH-USDT');
    const q = (
      await quote(sim, { baseCcy: 'ETH', quoteCcy: 'USDT', side: 'buy', rfqSz: '300', rfqSzCcy: 'USDT' })
    ).data[0];
    const px = m.mul('1.001').toDecimalPlaces(8);
    assert.equal(q.cnvtPx, px.toFixed());
    assert.equal(q.baseSz, new Decimal(300).div(px).toDecimalPlaces(8, Decimal.ROUND_DOWN).toFixed());
    const eth = await cash(sim, 'ETH');
    const r = await send(sim, 'alice', '/api/v5/asset/convert/trade', {
      quoteId: q.quoteId,
      baseCcy: 'ETH',
      quoteCcy: 'USDT',
      side: 'buy',
      sz: '150',
      szCcy: 'USDT',
    });
    assert.equal(r.data[0].fillQuoteSz, '150');
    assert.equal((await cash(sim, 'ETH')).toFixed(), eth.plus(r.data[0].fillBaseSz).toFixed());
    const big = (
      await quote(sim, { baseCcy: 'BTC', quoteCcy: 'USDT', side: 'sell', rfqSz: '5', rfqSzCcy: 'BTC' })
    ).data[0];
    const short = await send(sim, 'alice', '/api/v5/asset/convert/trade', {
      quoteId: big.quoteId,
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      side: 'sell',
      sz: '5',
      szCcy: 'BTC',
    });
    assert.equal(short.code, '58350');
    const bad = await quote(sim, { ...sellBtc, baseCcy: 'USDT', quoteCcy: 'BTC' });
    assert.deepEqual([bad.code, bad.msg], ['51000', 'Parameter baseCcy error']);
  });
});

describe("okxkit's generated client methods on convert, rubik and delivery history", () => {
  test('convert quote, trade and history; a rubik series and the delivery history parse with their schemas', async (t) => {
    const { sim } = await derivSim(t);
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: sim.credentials('alice'),
      clock: sim.clock,
    });
    t.after(() => client.close());
    const [q] = await client.api.asset.convertEstimateQuote({ ...sellBtc, side: 'sell' });
    const [tr] = await client.api.asset.convertTrade({
      quoteId: q!.quoteId,
      baseCcy: 'BTC',
      quoteCcy: 'USDT',
      side: 'sell',
      sz: '0.01',
      szCcy: 'BTC',
      clTReqId: 'kit1',
    });
    assert.equal(tr!.fillPx, q!.cnvtPx);
    const hist = await client.api.asset.convertHistory({ clTReqId: 'kit1' });
    assert.deepEqual(
      hist.map((h) => h.tradeId),
      [tr!.tradeId],
    );
    const rows = await client.api.rubik.longShortAccountRatioContract({
      instId: 'BTC-USDT-SWAP',
      period: '1H',
      limit: '3',
    });
    assert.equal(rows.length, 3);
    assert.deepEqual(
      await client.api.public.deliveryExerciseHistory({ instType: 'FUTURES', uly: 'BTC-USDT' }),
      [],
    );
  });
});
