// Issue 15: the opportunity engine finds a planted triangular mispricing on the local exchange,
// the bot executes the cycle with every leg journaled, and a forced leg failure ends in the
// unwind with the loss inside its budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';
import { BookBoard } from '../../src/arb/books.js';
import { OpportunityEngine } from '../../src/arb/engine.js';
import { ArbBot, type LegResult } from '../../src/arb/execute.js';
import { openOkxVenue } from '../../src/arb/venue.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';
import { TestClock } from '../../src/util/clock.js';

const INSTS = ['BTC-USDT', 'ETH-USDT', 'ETH-BTC'];

async function setup(t: import('node:test').TestContext, offsetBps: number) {
  // The market moves only when the test clock does: what the engine saw is what the legs meet.
  const clock = new TestClock(Date.UTC(2026, 0, 5, 12));
  const sim = await withSim(t, {
    seed: 7,
    clock,
    config: { market: { crossOffsetBps: { 'ETH-BTC': offsetBps } } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-arb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const board = new BookBoard();
  const venue = await openOkxVenue({
    name: 'okx',
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    instIds: INSTS,
    board,
    journalDir: dir,
    clock,
  });
  t.after(() => venue.close());
  const engine = new OpportunityEngine({
    books: (v, i) => board.get(v, i),
    instruments: { okx: INSTS },
    cycles: [{ venue: 'okx', currencies: ['USDT', 'BTC', 'ETH'] }],
    takerFee: { okx: venue.fees.spot },
    maxCycleSize: 3_000,
    refCycleSize: 1_000,
    clock,
  });
  const audit: TradingAuditEntry[] = [];
  const hooks: { onOrder?: (r: LegResult, phase: string) => void } = {};
  const alerts: { kind: string; message: string }[] = [];
  const bot = new ArbBot({
    id: 'tri',
    venues: { okx: venue.port! },
    books: (v, i) => board.get(v, i),
    takerFee: { okx: venue.fees.spot },
    latencyBudgetMs: 2_000,
    lossBudget: 15,
    slippageBps: 15,
    audit: { append: (e) => void audit.push(e) },
    alerts: { emit: (a) => void alerts.push(a) },
    onOrder: (r, phase) => hooks.onOrder?.(r, phase),
    clock,
  });
  return { sim, board, venue, engine, bot, audit, alerts, hooks };
}

test('a planted ETH-BTC mispricing: found after fees, executed leg by leg through the journal', async (t) => {
  const { engine, bot, venue, audit } = await setup(t, 80);
  assert.equal(venue.fees.source, 'trade-fee endpoint');
  assert.equal(venue.fees.spot, 0.001, "the local exchange's Lv1 spot taker rate");
  let best = engine.scan()[0]!;
  await until(() => (best = engine.scan()[0]!).profit > 0, 'a profitable cycle');
  // ETH-BTC 80 bps above its legs: sell ETH for BTC dear, i.e. USDT -> ETH -> BTC -> USDT.
  assert.equal(best.id, 'cycle:okx:USDT>ETH>BTC>USDT');
  assert.ok(best.edgeBps > 20 && best.edgeBps < 80, `edge ${best.edgeBps} bps after 3 taker fees`);
  assert.ok(best.size > 0 && best.size <= 3_000);
  assert.equal(best.books.length, 3);
  for (const b of best.books) assert.ok(b.ageMs >= 0 && b.ts > 0);

  const run = await bot.execute(best);
  assert.equal(run.status, 'done', run.reason);
  assert.equal(run.legs.length, 3);
  assert.ok(run.pnl > 0, `pnl ${run.pnl}`);
  assert.ok(run.detectToOrderMs! >= 0);
  // Every leg is in the journal, acked, under the clOrdId the bot chose.
  for (const l of run.legs) {
    const row = venue.journal!.get(l.clOrdId);
    assert.ok(row, `${l.clOrdId} journaled`);
    assert.equal(row.status, 'acked');
    assert.equal(l.state, 'filled');
  }
  assert.equal(new Set(run.legs.map((l) => l.clOrdId)).size, 3);
  assert.equal(audit.filter((a) => a.action === 'arb.run').length, 1);
});

test('no planted mispricing: every cycle loses after fees, nothing is sent', async (t) => {
  const { engine, bot, venue } = await setup(t, 0);
  const all = engine.scan();
  assert.equal(all.length, 2);
  for (const o of all) assert.ok(o.profit === 0 && o.edgeBps < 0, `${o.id} ${o.edgeBps}`);
  const run = await bot.execute(all[0]!);
  assert.equal(run.status, 'skipped');
  assert.equal(venue.journal!.byStatus('pending', 'acked', 'rejected', 'unknown').length, 0);
});

test('a forced leg failure (the last leg finds no liquidity) ends in the unwind, loss inside the budget', async (t) => {
  const { sim, engine, bot, venue, audit, hooks } = await setup(t, 80);
  let best = engine.scan()[0]!;
  await until(() => (best = engine.scan()[0]!).profit > 0, 'a profitable cycle');
  const last = best.legs[ArbBot.legOrder(best)[2]!]!;
  sim.faults.set({ noFillInstIds: [last.instId] });
  // The outage is brief: liquidity is back once the failed leg has been answered.
  hooks.onOrder = (r) => {
    if (r.instId === last.instId) sim.faults.set({ noFillInstIds: [] });
  };
  const run = await bot.execute(best);
  assert.equal(run.legs.length, 3, JSON.stringify(run.legs));
  assert.equal(run.legs[2]!.filled, '0');
  assert.equal(run.status, 'unwound', run.reason);
  assert.ok(run.unwind.length >= 1);
  assert.ok(
    run.unwind.every((u) => Number(u.filled) > 0),
    JSON.stringify(run.unwind),
  );
  assert.ok(run.loss <= run.lossBudget, `loss ${run.loss} within ${run.lossBudget}`);
  for (const l of [...run.legs, ...run.unwind]) assert.ok(venue.journal!.get(l.clOrdId), l.clOrdId);
  assert.ok(audit.some((a) => a.action === 'arb.unwind'));
  assert.equal(bot.haltReason, undefined);
});

test('an unwind the budget cannot cover: left open, the bot halts, alerts and audits', async (t) => {
  const { sim, engine, bot, audit, alerts, hooks } = await setup(t, 80);
  let best = engine.scan()[0]!;
  await until(() => (best = engine.scan()[0]!).profit > 0, 'a profitable cycle');
  // After two legs filled, every book of the venue goes dry: the last leg fails and so does
  // every unwind order.
  let answered = 0;
  hooks.onOrder = () => {
    if (++answered === 2) sim.faults.set({ noFillInstIds: INSTS });
  };
  const run = await bot.execute(best);
  assert.equal(run.status, 'over-budget', run.reason);
  assert.equal(run.legs.length, 3);
  assert.ok(run.unwind.length >= 1 && run.unwind.every((u) => u.filled === '0'));
  assert.match(bot.haltReason ?? '', /loss budget/);
  assert.equal(alerts.filter((a) => a.kind === 'arb-unwind-over-budget').length, 1);
  assert.ok(audit.some((a) => a.action === 'arb.unwind.over-budget'));
  const again = await bot.execute(best);
  assert.equal(again.status, 'skipped');
  assert.match(again.reason ?? '', /halted/);
});
