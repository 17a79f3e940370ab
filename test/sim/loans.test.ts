import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { withSim, type AfterHook } from '../helpers/sim.js';
import { step } from './derivs/derivs-kit.js';
import { fakeKey, get, post, T0 } from './sim-test-kit.js';

const HOUR = 3_600_000;
const FULL = { USDT: '100000', BTC: '2', ETH: '20' };

/**
 * One account per mode: single-currency margin, multi-currency margin, spot, spot with borrowing
 * enabled, and a small multi-currency account whose loan limit its equity sets. The clock starts
 * ten minutes past a whole hour (T0 is on the hour).
 */
async function loanSim(t: AfterHook, seed = 5): Promise<{ sim: Simulator; clock: ManualClock }> {
  const clock = new ManualClock(T0 + 10 * 60_000);
  const accounts = {
    single: { balances: FULL, acctLv: '2' as const },
    multi: { balances: FULL, acctLv: '3' as const },
    spot: { balances: FULL, acctLv: '1' as const },
    spotb: { balances: FULL, acctLv: '1' as const, enableSpotBorrow: true },
    small: { balances: { USDT: '1000' }, acctLv: '3' as const },
  };
  const keys = Object.keys(accounts).map((n) => fakeKey(n));
  const sim = await withSim(t, { seed, clock, config: { keys, accounts } });
  sim.server.keepAliveTimeout = 120_000;
  return { sim, clock };
}

async function data(sim: Simulator, label: string, path: string): Promise<any[]> {
  const r = await get(sim, label, path);
  assert.equal(r.json.code, '0', `${path}: ${JSON.stringify(r.json)}`);
  return r.json.data;
}

async function account(sim: Simulator, label: string): Promise<any> {
  return (await data(sim, label, '/api/v5/account/balance'))[0];
}

function detail(acct: any, ccy: string): any {
  return acct.details.find((d: any) => d.ccy === ccy);
}

async function borrowRepay(sim: Simulator, label: string, body: Record<string, string>) {
  return (await post(sim, label, '/api/v5/account/borrow-repay', body)).json;
}

test('borrow, hourly interest on the exchange clock, repay: the liability counts in equity and clears', async (t) => {
  const { sim, clock } = await loanSim(t);
  const before = await account(sim, 'multi');
  const b = await borrowRepay(sim, 'multi', { ccy: 'USDT', side: 'borrow', amt: '10000' });
  assert.equal(b.code, '0', JSON.stringify(b));
  const ordId = b.data[0].ordId;
  assert.deepEqual(b.data[0], { ccy: 'USDT', side: 'borrow', amt: '10000', ordId, state: '2' });

  // The borrowed cash is there, the liability takes it back out of equity.
  const borrowed = await account(sim, 'multi');
  const usdt = detail(borrowed, 'USDT');
  assert.deepEqual([usdt.cashBal, usdt.liab, usdt.eq], ['110000', '10000', '100000']);
  assert.equal(borrowed.totalEq, before.totalEq);
  assert.equal(borrowed.notionalUsdForBorrow, '10000');
  // Multi-currency margin: one ratio, equity over the liability's maintenance margin (10 %).
  assert.equal(borrowed.mmr, '1000');
  assert.equal(borrowed.mgnRatio, new Decimal(before.totalEq).div(1000).toDecimalPlaces(8).toFixed());

  // 13:00, 14:00 and 15:00 pass: three charges of 10000 x 0.0000057.
  for (let i = 0; i < 3; i++) await step(sim, clock, HOUR);
  const accrued = await data(sim, 'multi', '/api/v5/account/interest-accrued?ccy=USDT&mgnMode=cross');
  assert.deepEqual(
    accrued.map((r) => [r.ts, r.interest, r.interestRate, r.liab, r.type, r.mgnMode]),
    [3, 2, 1].map((h) => [String(T0 + h * HOUR), '0.057', '0.0000057', '10000', '2', 'cross']),
  );
  const bills = await data(sim, 'multi', '/api/v5/account/bills?type=7');
  assert.deepEqual(
    bills.map((x) => [x.ccy, x.subType, x.balChg, x.interest]),
    [1, 2, 3].map(() => ['USDT', '9', '-0.057', '0.057']),
  );
  assert.equal(detail(await account(sim, 'multi'), 'USDT').cashBal, '109999.829');

  // Repaying more than the loan owes is refused; an unknown loan order too.
  const over = await borrowRepay(sim, 'multi', { ccy: 'USDT', side: 'repay', amt: '10000.5', ordId });
  assert.equal(over.code, '59309');
  const unknown = await borrowRepay(sim, 'multi', { ccy: 'USDT', side: 'repay', amt: '1', ordId: '1' });
  assert.equal(unknown.code, '59314');

  const r = await borrowRepay(sim, 'multi', { ccy: 'USDT', side: 'repay', amt: '10000', ordId });
  assert.deepEqual(r.data[0], { ccy: 'USDT', side: 'repay', amt: '10000', ordId, state: '4' });
  const repaid = detail(await account(sim, 'multi'), 'USDT');
  assert.deepEqual([repaid.cashBal, repaid.liab, repaid.eq], ['99999.829', '', '99999.829']);

  // Nothing owed, nothing charged: two more hours add no interest.
  await step(sim, clock, 2 * HOUR);
  assert.equal((await data(sim, 'multi', '/api/v5/account/interest-accrued')).length, 3);
});

test('refusals: spot mode, manual borrow outside spot mode, over the max loan, an unlendable currency', async (t) => {
  const { sim } = await loanSim(t, 6);
  assert.equal((await borrowRepay(sim, 'spot', { ccy: 'USDT', side: 'borrow', amt: '1' })).code, '51010');
  const manual = (label: string, body: Record<string, string>) =>
    post(sim, label, '/api/v5/account/spot-manual-borrow-repay', body).then((r) => r.json);
  assert.equal((await manual('multi', { ccy: 'USDT', side: 'borrow', amt: '1' })).code, '51010');
  assert.equal((await manual('spot', { ccy: 'USDT', side: 'borrow', amt: '1' })).code, '59410');

  // 1000 USDT of equity lends at most (5 - 1) x 1000 = 4000 USDT.
  const max = await data(sim, 'small', '/api/v5/account/max-loan?ccy=USDT&mgnMode=cross');
  assert.equal(max[0].maxLoan, '4000');
  assert.equal(
    (await borrowRepay(sim, 'small', { ccy: 'USDT', side: 'borrow', amt: '4000.01' })).code,
    '59306',
  );
  assert.equal((await borrowRepay(sim, 'small', { ccy: 'USDT', side: 'borrow', amt: '4000' })).code, '0');
  const after = await data(sim, 'small', '/api/v5/account/max-loan?instId=BTC-USDT&mgnMode=cross');
  assert.deepEqual(
    after.map((x) => [x.instId, x.ccy, x.side, x.maxLoan]),
    [
      ['BTC-USDT', 'BTC', 'sell', '0'],
      ['BTC-USDT', 'USDT', 'buy', '0'],
    ],
  );
  // BTC's quota (20) binds before the big account's equity does.
  assert.equal(
    (await borrowRepay(sim, 'single', { ccy: 'BTC', side: 'borrow', amt: '20.00000001' })).code,
    '59306',
  );
  assert.equal((await borrowRepay(sim, 'single', { ccy: 'OKB', side: 'borrow', amt: '1' })).code, '59312');
  assert.equal((await borrowRepay(sim, 'single', { ccy: 'USDT', side: 'borrow', amt: '-1' })).code, '51000');
  assert.equal((await borrowRepay(sim, 'single', { ccy: 'USDT', side: 'repay', amt: '1' })).code, '50014');
});

test('spot mode with borrowing enabled: manual borrow, a repay of more than owed repays what is owed', async (t) => {
  const { sim, clock } = await loanSim(t, 7);
  // OKX allows one manual borrow or repay per 3 s: each call moves the clock past that.
  const manual = async (body: Record<string, string>) => {
    clock.advance(3000);
    return (await post(sim, 'spotb', '/api/v5/account/spot-manual-borrow-repay', body)).json;
  };
  assert.deepEqual((await manual({ ccy: 'USDT', side: 'borrow', amt: '100' })).data, [
    { ccy: 'USDT', side: 'borrow', amt: '100' },
  ]);
  assert.equal(detail(await account(sim, 'spotb'), 'USDT').liab, '100');
  assert.deepEqual((await manual({ ccy: 'USDT', side: 'repay', amt: '150' })).data, [
    { ccy: 'USDT', side: 'repay', amt: '100' },
  ]);
  assert.equal((await manual({ ccy: 'USDT', side: 'repay', amt: '1' })).code, '59413');
  const hist = await data(sim, 'spotb', '/api/v5/account/spot-borrow-repay-history');
  assert.deepEqual(
    hist.map((h) => [h.type, h.amt, h.accBorrowed]),
    [
      ['manual_repay', '100', '0'],
      ['manual_borrow', '100', '100'],
    ],
  );
  assert.equal((await data(sim, 'spotb', '/api/v5/account/config'))[0].enableSpotBorrow, true);
  assert.equal((await data(sim, 'spot', '/api/v5/account/config'))[0].enableSpotBorrow, false);
});

test('a liability of the settlement currency lowers a cross position margin ratio', async (t) => {
  const { sim } = await loanSim(t, 8);
  const open = await post(sim, 'single', '/api/v5/trade/order', {
    instId: 'BTC-USDT-SWAP',
    tdMode: 'cross',
    side: 'buy',
    ordType: 'market',
    sz: '10',
  });
  assert.equal(open.json.data[0].sCode, '0', JSON.stringify(open.json));
  const pos0 = (await data(sim, 'single', '/api/v5/account/positions?instId=BTC-USDT-SWAP'))[0];
  const usdt0 = detail(await account(sim, 'single'), 'USDT');
  assert.equal((await borrowRepay(sim, 'single', { ccy: 'USDT', side: 'borrow', amt: '50000' })).code, '0');
  const pos1 = (await data(sim, 'single', '/api/v5/account/positions?instId=BTC-USDT-SWAP'))[0];
  const usdt1 = detail(await account(sim, 'single'), 'USDT');
  // Same equity (cash and liability grew together), maintenance margin up by 10 % of 50000.
  assert.equal(usdt1.eq, usdt0.eq);
  assert.equal(new Decimal(usdt1.mmr).minus(usdt0.mmr).toFixed(), '5000');
  assert.equal(pos1.mgnRatio, new Decimal(usdt1.eq).div(usdt1.mmr).toDecimalPlaces(8).toFixed());
  assert.ok(new Decimal(pos1.mgnRatio).lt(pos0.mgnRatio), `${pos1.mgnRatio} < ${pos0.mgnRatio}`);
});

test('interest rates, and the public lending rate history: hourly, paged, the same for the same seed', async (t) => {
  const { sim, clock } = await loanSim(t, 9);
  const { sim: twin } = await loanSim(t, 9);
  const { sim: other } = await loanSim(t, 10);
  assert.deepEqual(await data(sim, 'single', '/api/v5/account/interest-rate?ccy=BTC'), [
    { ccy: 'BTC', interestRate: '0.0000012' },
  ]);
  assert.equal((await data(sim, 'single', '/api/v5/account/interest-rate')).length, 5);
  const path = '/api/v5/finance/savings/lending-rate-history?ccy=USDT&limit=5';
  const page = await data(sim, 'single', path);
  assert.deepEqual(
    page.map((r) => r.ts),
    [0, 1, 2, 3, 4].map((h) => String(T0 - h * HOUR)),
  );
  assert.deepEqual(await data(twin, 'single', path), page);
  assert.notDeepEqual(await data(other, 'single', path), page);
  const next = await data(sim, 'single', `${path}&after=${page[4].ts}`);
  assert.equal(next[0].ts, String(T0 - 5 * HOUR));
  const newer = await data(
    sim,
    'single',
    `/api/v5/finance/savings/lending-rate-history?before=${T0 - 2 * HOUR}`,
  );
  // Two hours newer than the cursor, one row per lendable currency each.
  assert.equal(newer.length, 2 * 5);
  // The next hour of the exchange clock adds a row.
  await step(sim, clock, HOUR);
  assert.equal((await data(sim, 'single', path))[0].ts, String(T0 + HOUR));
});

test("okxkit's generated client: borrow-repay, interest-accrued, max-loan and the lending history parse", async (t) => {
  const { sim, clock } = await loanSim(t, 11);
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('multi'), clock });
  const [loan] = await client.api.account.borrowRepay({ ccy: 'BTC', side: 'borrow', amt: '0.5' });
  assert.equal(loan!.state, '2');
  await step(sim, clock, HOUR);
  const [charge] = await client.api.account.interestAccrued({ ccy: 'BTC' });
  assert.deepEqual([charge!.interest, charge!.liab], ['0.0000006', '0.5']);
  const [max] = await client.api.account.maxLoan({ mgnMode: 'cross', ccy: 'BTC' });
  // Within the 20 BTC quota less the 0.5 owed (the account's equity binds first here).
  assert.ok(Number(max!.maxLoan) > 0 && Number(max!.maxLoan) <= 19.5, max!.maxLoan);
  const [repaid] = await client.api.account.borrowRepay({
    ccy: 'BTC',
    side: 'repay',
    amt: '0.5',
    ordId: loan!.ordId!,
  });
  assert.equal(repaid!.state, '4');
  const history = await client.api.finance.lendingRateHistory({ ccy: 'BTC', limit: '3' });
  assert.deepEqual(
    history.map((r) => r.ts),
    [1, 0, -1].map((h) => String(T0 + h * HOUR)),
  );
});
