// Issue 15: basis and funding arbitrage on the local exchange: spot long + perpetual short while
// the swap trades at a planted premium, funding settled by the sim's clock every 8 h, PnL split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSim } from '../helpers/sim.js';
import { BasisBot, okxFunding } from '../../src/arb/basis.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { Executor } from '../../src/trading/executor.js';
import { needDerivatives } from '../../src/trading/exchange-port.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { OkxExchange } from '../../src/trading/okx-exchange.js';
import { SafeExchange } from '../../src/trading/safe-exchange.js';
import { TestClock } from '../../src/util/clock.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';

async function setup(t: import('node:test').TestContext, premiumBps: number) {
  const start = Date.UTC(2026, 0, 5, 7, 0, 0);
  const clock = new TestClock(start);
  const sim = await withSim(t, {
    seed: 5,
    clock,
    config: { market: { crossOffsetBps: { 'BTC-USDT-SWAP': premiumBps } } },
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
  const bot = new BasisBot({
    port,
    funding: okxFunding(client),
    spotInstId: 'BTC-USDT',
    swapInstId: 'BTC-USDT-SWAP',
    size: '0.1',
    fees: { spot: 0.001, swap: 0.0005 },
    borrowRateYearly: 0.05,
    audit: { append: (e) => void audit.push(e) },
    clock,
  });
  return { sim, clock, bot, journal, audit };
}

test('a swap premium that pays more than fees and borrowing: enter, collect funding at the 8 h settlement, exit; PnL split', async (t) => {
  const { clock, bot, journal, audit } = await setup(t, 40);
  const e = await bot.edge();
  assert.ok(e.basisBps > 20, `basis ${e.basisBps}`);
  assert.ok(e.fundingBps > 0, `funding ${e.fundingBps}`);
  assert.match(await bot.step(), /^entered/);
  assert.equal(bot.state, 'open');
  assert.equal(journal.byStatus('acked').length, 2, 'both legs through the journal');

  // Past 08:00 UTC: the sim settles funding; the short receives it.
  clock.advance(1.5 * 3_600_000);
  assert.match(await bot.step(), /^hold/);
  const mid = await bot.pnl();
  assert.ok(mid.funding > 0, `funding received ${mid.funding}`);
  assert.ok(mid.fees < 0);

  await bot.exit('test: close');
  assert.equal(bot.state, 'closed');
  const p = await bot.pnl();
  assert.ok(Math.abs(p.total - (p.basis + p.funding + p.fees)) < 1e-9);
  assert.ok(p.funding > 0 && p.fees < 0);
  assert.equal(journal.byStatus('acked').length, 4);
  assert.deepEqual(
    audit.map((a) => a.action),
    ['basis.enter', 'basis.exit'],
  );
});

test('no premium: the carry does not cover four taker fees and borrowing, the bot waits', async (t) => {
  const { bot, journal } = await setup(t, 0);
  assert.match(await bot.step(), /^wait: net -/);
  assert.equal(bot.state, 'flat');
  assert.equal(journal.byStatus('pending', 'acked', 'rejected', 'unknown').length, 0);
});
