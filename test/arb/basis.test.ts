// Issue 15: basis and funding arbitrage on the local exchange: spot long + perpetual short while
// the swap trades at a planted premium, funding settled by the sim's clock every 8 h, PnL split;
// the exits (margin ratio under its floor, funding against the short for N periods, predicted
// funding under the carry cost) close the short first, then the spot, every order journaled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSim } from '../helpers/sim.js';
import { BasisBot, okxFunding } from '../../src/arb/basis.js';
import { fetchTakerFees } from '../../src/arb/fees.js';
import { OkxClient } from '../../src/client/okx-client.js';
import type { SimMarket } from '../../src/sim/market/market.js';
import type { SimConfig } from '../../src/sim/config.js';
import { Executor } from '../../src/trading/executor.js';
import { needDerivatives } from '../../src/trading/exchange-port.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { OkxExchange } from '../../src/trading/okx-exchange.js';
import { SafeExchange } from '../../src/trading/safe-exchange.js';
import { TestClock } from '../../src/util/clock.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';

const HOUR = 3_600_000;
const SWAP = 'BTC-USDT-SWAP';

async function setup(
  t: import('node:test').TestContext,
  premiumBps: number,
  opts: { config?: SimConfig; bot?: Partial<ConstructorParameters<typeof BasisBot>[0]> } = {},
) {
  const start = Date.UTC(2026, 0, 5, 7, 0, 0);
  const clock = new TestClock(start);
  const sim = await withSim(t, {
    seed: 5,
    clock,
    config: {
      ...opts.config,
      market: { prices: { 'BTC-USDT': '60000' }, crossOffsetBps: { [SWAP]: premiumBps } },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-basis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade'), clock });
  t.after(() => client.close());
  const ex = new OkxExchange({ client, clock, streamOrders: false });
  const journal = new OrderJournal(join(dir, 'j.db'), { clock });
  t.after(() => journal.close());
  const port = needDerivatives(
    new SafeExchange({ inner: ex, executor: new Executor({ venue: ex, journal }) }),
  );
  const audit: TradingAuditEntry[] = [];
  const fees = await fetchTakerFees(client);
  const bot = new BasisBot({
    port,
    funding: okxFunding(client),
    spotInstId: 'BTC-USDT',
    swapInstId: SWAP,
    size: '0.1',
    fees,
    borrowRateYearly: 0.05,
    audit: { append: (e) => void audit.push(e) },
    clock,
    ...opts.bot,
  });
  const market = sim.market as SimMarket;
  /** Moves the clock and lets the exchange run its market and its 8-hourly funding up to it. */
  const advance = (ms: number) => {
    clock.advance(ms);
    sim.tick();
  };
  return { sim, clock, bot, journal, audit, market, advance, fees, port };
}

/** The bot's orders as "instId side" in the order they were placed; each acked in the journal. */
function legs(bot: BasisBot, journal: OrderJournal): string[] {
  for (const o of bot.placed) assert.equal(journal.get(o.clOrdId)?.status, 'acked', o.clOrdId);
  return bot.placed.map((o) => `${o.instId} ${o.side}`);
}

const EXIT_ORDER = ['BTC-USDT buy', `${SWAP} sell`, `${SWAP} buy`, 'BTC-USDT sell'];

test('a swap premium that pays more than fees and borrowing: enter, collect funding at the 8 h settlement, exit; PnL split', async (t) => {
  const { bot, journal, audit, advance } = await setup(t, 40);
  const e = await bot.edge();
  assert.ok(e.basisBps > 20, `basis ${e.basisBps}`);
  assert.ok(e.fundingBps > 0, `funding ${e.fundingBps}`);
  assert.match(await bot.step(), /^entered/);
  assert.equal(bot.state, 'open');
  assert.equal(journal.byStatus('acked').length, 2, 'both legs through the journal');

  // Past 08:00 UTC: the sim settles funding; the short receives it.
  advance(1.5 * HOUR);
  assert.match(await bot.step(), /^hold/);
  const mid = await bot.pnl();
  assert.ok(mid.funding > 0, `funding received ${mid.funding}`);
  assert.ok(mid.fees < 0);

  await bot.exit('test: close');
  assert.equal(bot.state, 'closed');
  const p = await bot.pnl();
  assert.ok(Math.abs(p.total - (p.basis + p.funding + p.fees)) < 1e-9);
  assert.ok(p.funding > 0 && p.fees < 0);
  assert.deepEqual(legs(bot, journal), EXIT_ORDER);
  assert.deepEqual(
    audit.map((a) => a.action),
    ['basis.enter', 'basis.exit'],
  );
});

test("the entry threshold holds four taker fees at the account's tier and the borrowing over the horizon", async (t) => {
  const { bot, fees, journal } = await setup(t, 40);
  assert.equal(fees.source, 'trade-fee endpoint');
  assert.deepEqual([fees.spot, fees.swap, fees.level], [0.001, 0.0005, 'Lv1']);
  const e = await bot.edge();
  assert.ok(Math.abs(e.feeBps - 30) < 1e-9, `2 x (10 + 5) bps, got ${e.feeBps}`);
  assert.ok(Math.abs(e.borrowBps - 0.05 * (24 / (365 * 24)) * 1e4) < 1e-9, `${e.borrowBps}`);
  assert.ok(Math.abs(e.netBps - (e.basisBps + e.fundingBps - e.feeBps - e.borrowBps)) < 1e-9);
  // An edge that clears the fees but not the borrowing as well: the bot waits.
  const { bot: strict } = await setup(t, 40, {
    bot: { minEdgeBps: e.basisBps + e.fundingBps - e.feeBps - e.borrowBps / 2 },
  });
  assert.match(await strict.step(), /^wait: net .* - fees 30\.0 - borrowing 1\.4\)/);
  assert.equal(strict.state, 'flat');
  assert.equal(journal.byStatus('pending', 'acked', 'rejected', 'unknown').length, 0);
});

test('no premium: the carry does not cover four taker fees and borrowing, the bot waits', async (t) => {
  const { bot, journal } = await setup(t, 0);
  assert.match(await bot.step(), /^wait: net -/);
  assert.equal(bot.state, 'flat');
  assert.equal(journal.byStatus('pending', 'acked', 'rejected', 'unknown').length, 0);
});

test('the price rises until the short’s margin ratio falls under the floor: short closed first, then the spot; PnL split', async (t) => {
  // Little cash beside the spot leg (single-currency margin: the BTC bought does not back the
  // USDT-margined short), so the short's margin ratio is a few times its floor.
  const { bot, journal, audit, market, advance, port } = await setup(t, 40, {
    config: { accounts: { main: { balances: { USDT: '6400' } } } },
    bot: { minMarginRatio: 5, lever: '20' },
  });
  assert.match(await bot.step(), /^entered/);
  const [p0] = await port.positions(SWAP);
  assert.ok(Number(p0!.mgnRatio) > 5, `starts above the floor: ${p0!.mgnRatio}`);
  assert.match(await bot.step(), /^hold/);
  let decision = '';
  for (let i = 0; i < 20 && bot.state === 'open'; i++) {
    market.shock('BTC-USDT', 0.003);
    advance(1_000);
    decision = await bot.step();
  }
  assert.match(decision, /^exited: margin ratio \d+\.\d+ below the floor 5/);
  assert.equal(bot.state, 'closed');
  assert.equal((await port.positions(SWAP)).length, 0, 'the short is closed');
  assert.deepEqual(legs(bot, journal), EXIT_ORDER);
  const exit = audit.find((a) => a.action === 'basis.exit')!;
  assert.equal((exit.details as { reason: string }).reason, 'margin');
  const pnl = (exit.details as { pnl: { basis: number; funding: number; fees: number; total: number } }).pnl;
  assert.ok(pnl.fees < 0, `fees ${pnl.fees}`);
  assert.equal(pnl.funding, 0, 'no funding settled in those seconds');
  assert.ok(Math.abs(pnl.total - (pnl.basis + pnl.funding + pnl.fees)) < 1e-9);
  // Both legs moved together: the basis PnL is a small part of the 0.1 BTC's move.
  assert.ok(Math.abs(pnl.basis) < 0.1 * 60_000 * 0.01, `basis ${pnl.basis}`);
});

test('the swap turns to a discount: predicted funding under the carry cost, the bot exits', async (t) => {
  const { bot, journal, audit, market, advance } = await setup(t, 40);
  assert.match(await bot.step(), /^entered/);
  market.setCrossOffset(SWAP, -40);
  advance(1_000);
  assert.match(await bot.step(), /^exited: predicted funding -\d+\.\d+ bps below the carry cost 0\.46 bps/);
  assert.deepEqual(legs(bot, journal), EXIT_ORDER);
  assert.equal(
    (audit.find((a) => a.action === 'basis.exit')!.details as { reason: string }).reason,
    'funding-below-cost',
  );
});

test('funding settled against the short two periods in a row: the bot exits though the next rate pays again', async (t) => {
  const { bot, journal, audit, market, advance } = await setup(t, 40);
  assert.match(await bot.step(), /^entered/);
  // A discount through the 08:00 and 16:00 settlements (the bot not stepping meanwhile) ...
  market.setCrossOffset(SWAP, -40);
  advance(1_000);
  advance(9.5 * HOUR);
  const paid = await bot.pnl();
  assert.ok(paid.funding < 0, `the short paid funding twice: ${paid.funding}`);
  // ... then a premium again: the predicted rate pays, the settled history does not.
  market.setCrossOffset(SWAP, 40);
  advance(1_000);
  assert.match(await bot.step(), /^exited: funding against the short 2 periods in a row/);
  assert.deepEqual(legs(bot, journal), EXIT_ORDER);
  const exit = audit.find((a) => a.action === 'basis.exit')!;
  const d = exit.details as { reason: string; pnl: { funding: number } };
  assert.equal(d.reason, 'funding-flip');
  assert.ok(d.pnl.funding < 0);
});

test('one settled funding against the short is below N = 2: the bot holds', async (t) => {
  const { bot, market, advance } = await setup(t, 40);
  assert.match(await bot.step(), /^entered/);
  market.setCrossOffset(SWAP, -40);
  advance(1_000);
  advance(1.5 * HOUR);
  market.setCrossOffset(SWAP, 40);
  advance(1_000);
  assert.match(await bot.step(), /^hold/);
});

test('the short closed outside the bot (or liquidated): the bot sells the unhedged spot', async (t) => {
  const { bot, journal, audit, port } = await setup(t, 40);
  assert.match(await bot.step(), /^entered/);
  await port.closePosition({ instId: SWAP, mgnMode: 'cross' });
  assert.match(await bot.step(), /^exited: the short is gone/);
  assert.deepEqual(legs(bot, journal), ['BTC-USDT buy', `${SWAP} sell`, 'BTC-USDT sell']);
  assert.equal(
    (audit.find((a) => a.action === 'basis.exit')!.details as { reason: string }).reason,
    'short-gone',
  );
});
