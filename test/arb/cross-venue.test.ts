// Issue 15: cross-venue arbitrage on two local exchanges whose prices are planted apart, the
// second reached through ccxt's okx class (CcxtExchange) as if it were another venue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';
import { BookBoard } from '../../src/arb/books.js';
import { CcxtExchange, createCcxt } from '../../src/arb/ccxt-exchange.js';
import { OpportunityEngine } from '../../src/arb/engine.js';
import { ArbBot } from '../../src/arb/execute.js';
import { rebalanceReport } from '../../src/arb/rebalance.js';
import { openOkxVenue } from '../../src/arb/venue.js';
import { Executor } from '../../src/trading/executor.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { OrderGuard } from '../../src/trading/order-guard.js';
import { SafeExchange } from '../../src/trading/safe-exchange.js';
import { TestClock } from '../../src/util/clock.js';

test('BTC-USDT 1.5 % dearer on the second venue: found, bought on one, sold on the other through ccxt, journaled', async (t) => {
  // Both markets move only with the test clock (started at real time, so ccxt's own signing
  // timestamps stay inside the window): the books the engine saw are the books the legs meet.
  const clock = new TestClock(Date.now());
  const a = await withSim(t, {
    seed: 3,
    clock,
    config: { market: { prices: { 'BTC-USDT': '60000' } } },
  });
  const b = await withSim(t, {
    seed: 4,
    clock,
    config: { market: { prices: { 'BTC-USDT': '60900' } } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-xv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const board = new BookBoard();
  const okx = await openOkxVenue({
    name: 'okx',
    baseUrl: a.restUrl,
    credentials: a.credentials('trade'),
    instIds: ['BTC-USDT'],
    board,
    journalDir: dir,
    clock,
  });
  t.after(() => okx.close());

  const k = b.key('trade');
  const alt = new CcxtExchange(
    await createCcxt({
      exchange: 'okx',
      apiKey: k.apiKey,
      secret: k.secretKey,
      password: k.passphrase,
      restUrl: b.restUrl,
    }),
  );
  const altFee = await alt.takerFee('BTC-USDT');
  assert.equal(altFee, 0.001, "the second venue's taker rate, read through ccxt from its trade-fee endpoint");
  const stopPoll = alt.pollBooks(board, 'alt', ['BTC-USDT'], 100);
  t.after(stopPoll);
  const altJournal = new OrderJournal(join(dir, 'alt-journal.db'));
  t.after(() => altJournal.close());
  const altPort = new SafeExchange({
    inner: alt,
    executor: new Executor({ venue: alt, journal: altJournal }),
    guard: new OrderGuard({ market: alt }),
  });

  const engine = new OpportunityEngine({
    books: (v, i) => board.get(v, i),
    instruments: { okx: ['BTC-USDT'], alt: ['BTC-USDT'] },
    pairs: [{ instId: 'BTC-USDT', venues: ['okx', 'alt'] }],
    takerFee: { okx: okx.fees.spot, alt: altFee },
    maxPairSize: 0.05,
    clock,
  });
  await until(() => board.get('alt', 'BTC-USDT') !== undefined, 'the ccxt venue book');
  const all = engine.scan();
  assert.equal(all.length, 2);
  const best = all[0]!;
  assert.equal(best.id, 'pair:BTC-USDT:okx>alt', 'buy where it is cheap, sell where it is dear');
  assert.ok(best.edgeBps > 50 && best.edgeBps < 250, `edge ${best.edgeBps} bps`);
  assert.ok(Math.abs(best.size - 0.05) < 1e-9, 'capped at the max size');
  assert.ok(all[1]!.edgeBps < 0, 'the other way round loses');

  const before = { okx: await okx.port!.balances(), alt: await alt.balances() };
  const bot = new ArbBot({
    id: 'xv',
    venues: { okx: okx.port!, alt: altPort },
    books: (v, i) => board.get(v, i),
    takerFee: { okx: okx.fees.spot, alt: altFee },
    latencyBudgetMs: 3_000,
    lossBudget: 20,
    slippageBps: 20,
    clock,
  });
  const run = await bot.execute(best);
  assert.equal(run.status, 'done', run.reason);
  assert.ok(run.pnl > 0);
  assert.equal(okx.journal!.get(run.legs.find((l) => l.venue === 'okx')!.clOrdId)?.status, 'acked');
  assert.equal(altJournal.get(run.legs.find((l) => l.venue === 'alt')!.clOrdId)?.status, 'acked');
  const sold = run.legs.find((l) => l.venue === 'alt')!;
  assert.equal(sold.side, 'sell');
  assert.equal(sold.state, 'filled');
  // The order reached the second venue under the bot's clOrdId (ccxt's clientOrderId).
  assert.equal((await alt.getOrder({ instId: 'BTC-USDT', clOrdId: sold.clOrdId }))?.state, 'filled');

  const after = { okx: await okx.port!.balances(), alt: await alt.balances() };
  const btc = (bs: typeof before.okx) => Number(bs.find((x) => x.ccy === 'BTC')!.eq);
  assert.ok(
    btc(after.okx) > btc(before.okx) && btc(after.alt) < btc(before.alt),
    'BTC moved from alt to okx in effect',
  );
  const report = rebalanceReport(after, ['BTC', 'USDT']);
  assert.equal(report.rows.length, 4);
  const move = report.transfers.find((x) => x.ccy === 'BTC');
  assert.ok(
    move && move.from === 'okx' && move.to === 'alt' && move.amount > 0,
    JSON.stringify(report.transfers),
  );
});
