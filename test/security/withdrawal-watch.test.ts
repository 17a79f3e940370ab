import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/util/clock.js';
import {
  WithdrawalWatch,
  type FundingBill,
  type WithdrawalAlert,
} from '../../src/security/withdrawal-watch.js';

function tempState(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-ww-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state', 'withdrawal-watch.json');
}

/** A funding account whose bills a test appends to; serves them newest first, 100 a page, `after` = ts. */
class FakeFunding {
  bills: FundingBill[] = [];
  calls: Record<string, string>[] = [];
  #id = 1000;
  add(type: string, balChg: string, ts: number, ccy = 'USDT'): FundingBill {
    const b = { billId: String(this.#id++), ccy, balChg, bal: '0', type, ts: String(ts), notes: '' };
    this.bills.push(b);
    return b;
  }
  asset = {
    bills: async (params: Record<string, string> = {}) => {
      this.calls.push(params);
      const newest = [...this.bills].sort((a, b) => Number(b.ts) - Number(a.ts));
      const after = params.after ? Number(params.after) : Infinity;
      return newest.filter((b) => Number(b.ts) < after).slice(0, Number(params.limit ?? 100));
    },
  };
}

const sinkStream = () => {
  let text = '';
  const s = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { s, text: () => text };
};

test('each withdrawal bill alerts exactly once, across polls and restarts', async (t) => {
  const statePath = tempState(t);
  const clock = new ManualClock(Date.parse('2026-05-01T00:00:00Z'));
  const funding = new FakeFunding();
  const t0 = clock.now();
  funding.add('1', '500', t0 - 5000); // deposit
  const w1 = funding.add('2', '-0.5', t0 - 4000, 'BTC'); // withdrawal
  funding.add('131', '-100', t0 - 3000); // to trading account: expected
  funding.add('130', '20', t0 - 2000); // from trading account
  const got: WithdrawalAlert[] = [];
  const out = sinkStream();
  const watch = new WithdrawalWatch({
    client: funding,
    statePath,
    clock,
    onAlert: (a) => void got.push(a),
    console: out.s,
  });
  const first = await watch.poll();
  assert.deepEqual(
    first.map((a) => [a.kind, a.bill.billId]),
    [['withdrawal', w1.billId]],
  );
  assert.equal(first[0]!.severity, 'critical');
  assert.equal(first[0]!.detectedAt, '2026-05-01T00:00:00.000Z');
  assert.equal(got.length, 1);
  assert.match(
    out.text(),
    /ALERT CRITICAL withdrawal: withdrawal of -0.5 BTC \(bill 1001, type 2 withdrawal/,
  );

  assert.deepEqual(await watch.poll(), []);
  clock.advance(60_000);
  const w2 = funding.add('2', '-1000', clock.now() - 10);
  const sub = funding.add('20', '-250', clock.now() - 5); // to a sub account: not declared as expected
  const second = await watch.poll();
  assert.deepEqual(
    second.map((a) => [a.kind, a.severity, a.bill.billId]),
    [
      ['withdrawal', 'critical', w2.billId],
      ['unexpected-outflow', 'warning', sub.billId],
    ],
  );
  assert.equal(got.length, 3);

  // A restart reads the state file: nothing alerts again.
  const again: WithdrawalAlert[] = [];
  const watch2 = new WithdrawalWatch({
    client: funding,
    statePath,
    clock,
    onAlert: (a) => void again.push(a),
    console: false,
  });
  assert.deepEqual(await watch2.poll(), []);
  assert.equal(again.length, 0);
});

test('declared outflow types do not alert; baseline records history silently on the first run', async (t) => {
  const funding = new FakeFunding();
  funding.add('2', '-1', 1_000);
  funding.add('20', '-5', 2_000);
  const got: WithdrawalAlert[] = [];
  const watch = new WithdrawalWatch({
    client: funding,
    statePath: tempState(t),
    expectedOutflowTypes: ['131', '20'],
    baseline: true,
    onAlert: (a) => void got.push(a),
    console: false,
  });
  assert.deepEqual(await watch.poll(), []);
  funding.add('20', '-5', 3_000);
  funding.add('2', '-2', 4_000);
  assert.deepEqual(
    (await watch.poll()).map((a) => a.kind),
    ['withdrawal'],
  );
  assert.equal(got.length, 1);
});

test('pages back through more than 100 new bills', async (t) => {
  const funding = new FakeFunding();
  for (let i = 0; i < 250; i++) funding.add(i === 3 ? '2' : '1', i === 3 ? '-7' : '1', 10_000 + i);
  const watch = new WithdrawalWatch({ client: funding, statePath: tempState(t), console: false });
  const alerts = await watch.poll();
  assert.deepEqual(
    alerts.map((a) => a.bill.balChg),
    ['-7'],
  );
  assert.equal(funding.calls.length, 3);
  assert.equal(funding.calls[1]!.after, String(10_000 + 150));
});

test('start/stop polls on the injected sleep and reports errors without stopping', async (t) => {
  const funding = new FakeFunding();
  let fail = true;
  const orig = funding.asset.bills;
  funding.asset.bills = async (p) => {
    if (fail) {
      fail = false;
      throw new Error('network down');
    }
    return orig(p);
  };
  const waits: number[] = [];
  let polls = 0;
  const errors: unknown[] = [];
  let release: () => void = () => {};
  const done = new Promise<void>((r) => (release = r));
  const watch = new WithdrawalWatch({
    client: funding,
    statePath: tempState(t),
    console: false,
    intervalMs: 30_000,
    onError: (e) => errors.push(e),
    onAlert: () => release(),
    sleep: async (ms, signal) => {
      waits.push(ms);
      polls++;
      if (polls === 1) funding.add('2', '-3', 5_000);
      if (signal?.aborted) throw new Error('aborted');
    },
  });
  watch.start();
  await done;
  await watch.stop();
  assert.equal(errors.length, 1);
  assert.ok(waits.length >= 1 && waits.every((w) => w === 30_000));
  assert.throws(() => new WithdrawalWatch({ client: funding, statePath: 'x', intervalMs: 10 }), /intervalMs/);
});

test('against the local exchange through OkxClient: opening deposit and transfer to trading raise nothing', async (t) => {
  const { withSim } = await import('../helpers/sim.js');
  const { OkxClient } = await import('../../src/client/okx-client.js');
  const sim = await withSim(t);
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('read-only'),
    readOnly: true,
  });
  const seen: WithdrawalAlert[] = [];
  const watch = new WithdrawalWatch({
    client,
    statePath: tempState(t),
    onAlert: (a) => void seen.push(a),
    console: false,
  });
  const bills = await client.asset.bills();
  assert.ok(
    bills.some((b) => b.type === '131' && b.balChg.startsWith('-')),
    'the sim books a transfer to trading',
  );
  assert.deepEqual(await watch.poll(), []);
  assert.equal(seen.length, 0);
  // A withdrawal in the same shape the client returns is caught.
  const w = { ...bills[0]!, billId: '999999', type: '2', balChg: '-1' };
  assert.equal(watch.classify(w)?.kind, 'withdrawal');
});
