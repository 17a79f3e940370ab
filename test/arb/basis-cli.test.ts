// Issue 15: `okxkit arb basis` on a local exchange whose swap trades at a planted premium: the scan
// prints the entry edge after the tier's fees and borrowing and tapes the books and fundings; the
// backtest replays that recording through the basis bot; paper mode trades the live books.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { simFetch, withSim } from '../helpers/sim.js';

test('arb basis scan tapes the books and fundings, run --backtest replays them, run --paper trades on paper', async (t) => {
  const sim = await withSim(t, {
    seed: 3,
    tickMs: 50,
    config: { market: { crossOffsetBps: { 'BTC-USDT-SWAP': 40 } } },
  });
  const home = mkdtempSync(join(tmpdir(), 'okxkit-basiscli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = join(home, 'store');
  const venue = ['--venue', `okx=${sim.restUrl}`, '--sim-keys'];

  const scan = await runCli(
    ['arb', 'basis', 'scan', ...venue, '--seconds', '2', '--step-ms', '200', '--dir', dir, '--json'],
    { OKXKIT_HOME: home },
  );
  assert.equal(scan.code, 0, scan.err);
  const s = JSON.parse(scan.out);
  assert.deepEqual(s.fees, { spot: 0.001, swap: 0.0005, source: 'trade-fee endpoint', level: 'Lv1' });
  assert.ok(s.steps >= 2, `steps ${s.steps}`);
  assert.equal(s.best.feeBps, 30);
  assert.ok(s.best.basisBps > 20 && s.best.netBps > 0, JSON.stringify(s.best));
  assert.equal(s.state, 'flat', 'a scan trades nothing');
  assert.ok(s.bookRows >= 2 && s.fundingRows > 0, `${s.bookRows} books, ${s.fundingRows} fundings`);

  const bt = await runCli(
    ['arb', 'basis', 'run', '--backtest', '--venue', 'okx', '--dir', dir, '--size', '0.1', '--json'],
    { OKXKIT_HOME: home },
  );
  assert.equal(bt.code, 0, bt.err);
  const rep = JSON.parse(bt.out);
  assert.ok(rep.events >= 2);
  assert.match(rep.decisions[0].decision, /^entered/);
  assert.equal(rep.state, 'open');
  assert.ok(rep.pnl.fees < 0);

  const paper = await runCli(
    [
      'arb',
      'basis',
      'run',
      '--paper',
      ...venue,
      '--seconds',
      '2',
      '--step-ms',
      '200',
      '--size',
      '0.1',
      '--json',
    ],
    { OKXKIT_HOME: home },
  );
  assert.equal(paper.code, 0, paper.err);
  const p = JSON.parse(paper.out);
  assert.match(p.decisions[0].decision, /^entered/);
  assert.equal(p.state, 'open');
  // Entry fees at the tier: 0.1 BTC x ~60,000 x (0.1 % + 0.05 %).
  assert.ok(p.pnl.fees < -5 && p.pnl.fees > -15, `fees ${p.pnl.fees}`);
  // Paper: not one order reached the exchange.
  for (const instType of ['SPOT', 'SWAP']) {
    const h = await simFetch(sim, 'trade', 'GET', `/api/v5/trade/orders-history?instType=${instType}`);
    assert.equal(h.json.code, '0');
    assert.equal(h.json.data.length, 0, `${instType} orders on the exchange`);
  }
});

test('arb basis: bad flags are named with their fix', async () => {
  const a = await runCli(['arb', 'basis', 'run', '--backtest', '--fees', '0.5,1']);
  assert.notEqual(a.code, 0);
  assert.match(a.err, /--fees/);
  const b = await runCli(['arb', 'basis', 'run', '--paper', '--backtest']);
  assert.notEqual(b.code, 0);
  assert.match(b.err, /exclusive/);
  const c = await runCli(['arb', 'basis', 'scan', '--venue', 'okx=http://127.0.0.1:1', '--swap', 'BTC-USDT']);
  assert.notEqual(c.code, 0);
  assert.match(c.err, /--swap.*not a perpetual swap/);
});
