import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { RiskManager } from '../../src/trading/risk.js';
import { OrderGuard } from '../../src/trading/order-guard.js';
import { GuardRejection } from '../../src/trading/errors.js';
import { verifyAuditLogFile } from '../../src/security/audit-log.js';
import { ManualClock } from '../../src/util/clock.js';
import { FakeExchange } from './fake-exchange.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSim } from '../helpers/sim.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxExchange } from '../../src/trading/okx-exchange.js';

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (s: string) => (out.push(s), true);
  try {
    await buildProgram().parseAsync(['node', 'okxkit', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}

test('okxkit kill halts a running bot at once; okxkit resume lifts it; both audited', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'kill-switch.json');
  const audit = join(dir, 'audit.jsonl');

  // A "running bot": guard + risk watching the same state file, with open orders.
  const clock = new ManualClock(Date.now());
  const ex = new FakeExchange(clock);
  await ex.placeOrder({ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '30000', sz: '0.001' });
  const risk = new RiskManager({ limits: {}, killSwitch: new KillSwitch({ path: state }), exchange: ex });
  const guard = new OrderGuard({ market: ex, risk });
  const order = {
    instId: 'BTC-USDT',
    side: 'buy' as const,
    ordType: 'limit' as const,
    px: '30000',
    sz: '0.001',
  };
  await guard.check(order);

  const out = await run([
    'kill',
    '--why',
    'exchange incident',
    '--operator',
    'alice',
    '--state',
    state,
    '--audit-log',
    audit,
  ]);
  assert.match(out, /ENGAGED .* by alice: exchange incident/);
  await assert.rejects(
    guard.check(order),
    (e: unknown) => e instanceof GuardRejection && e.rule === 'halted' && /exchange incident/.test(e.message),
  );
  const trip = await risk.pollKillSwitch();
  assert.equal(trip?.cancelled, 1);
  assert.equal((await ex.openOrders()).length, 0);

  const json = JSON.parse(
    await run([
      'resume',
      '--why',
      'incident over',
      '--operator',
      'alice',
      '--state',
      state,
      '--audit-log',
      audit,
      '--json',
    ]),
  ) as { halted: boolean };
  assert.equal(json.halted, false);
  await risk.pollKillSwitch();
  await guard.check(order);

  const lines = readFileSync(audit, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; why: string; operator: string });
  assert.deepEqual(
    lines.map((l) => [l.action, l.why, l.operator]),
    [
      ['killswitch.engaged', 'exchange incident', 'alice'],
      ['killswitch.released', 'incident over', 'alice'],
    ],
  );
  assert.equal(verifyAuditLogFile(audit).ok, true);
});

test('okxkit kill --cancel-open cancels the account open orders on the exchange at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sim = await withSim(t, { seed: 9 });
  const key = sim.key('trade');
  const okx = new OkxExchange({
    client: new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') }),
  });
  for (const px of ['1000', '1001'])
    await okx.placeOrder({ instId: 'ETH-USDT', side: 'buy', ordType: 'limit', px, sz: '0.01' });
  const saved = { ...process.env };
  t.after(() => {
    for (const k of ['OKX_API_KEY', 'OKX_SECRET_KEY', 'OKX_PASSPHRASE', 'OKX_BASE_URL']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  Object.assign(process.env, {
    OKX_API_KEY: key.apiKey,
    OKX_SECRET_KEY: key.secretKey,
    OKX_PASSPHRASE: key.passphrase,
    OKX_BASE_URL: sim.restUrl,
  });
  const audit = join(dir, 'audit.jsonl');
  const hooked: string[] = [];
  const hook = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => (hooked.push(raw), res.end()));
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t.after(() => hook.close());
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  const stderr = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  let out: string;
  try {
    out = await run([
      'kill',
      '--why',
      'runaway bot',
      '--state',
      join(dir, 'ks.json'),
      '--audit-log',
      audit,
      '--cancel-open',
      '--alert-webhook',
      hookUrl,
    ]);
  } finally {
    process.stderr.write = stderr;
  }
  assert.equal(hooked.length, 1);
  const sent = JSON.parse(hooked[0]!) as { kind: string; details: { cancelled: number } };
  assert.equal(sent.kind, 'kill-switch');
  assert.equal(sent.details.cancelled, 2);
  assert.ok(!hooked[0]!.includes(key.secretKey) && !hooked[0]!.includes(key.passphrase));
  assert.match(out, /cancelled 2 open order\(s\)/);
  assert.equal((await okx.openOrders()).length, 0);
  const rec = JSON.parse(readFileSync(audit, 'utf8').trim()) as { details: { cancelled: number } };
  assert.equal(rec.details.cancelled, 2);
  assert.ok(!readFileSync(audit, 'utf8').includes(key.secretKey), 'no secret in the audit trail');
});

test('okxkit kill without --why halts at once and records "no reason given" (issue 10 item 8)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'kill-switch.json');
  const audit = join(dir, 'audit.jsonl');
  const out = await run(['kill', '--state', state, '--audit-log', audit]);
  assert.match(out, /ENGAGED .*: no reason given/);
  assert.equal(new KillSwitch({ path: state }).state().halted, true);
  const rec = JSON.parse(readFileSync(audit, 'utf8').trim()) as { action: string; why: string };
  assert.deepEqual([rec.action, rec.why], ['killswitch.engaged', 'no reason given']);
  // resume still needs a reason: lifting a halt is a decision, not an emergency
  await assert.rejects(run(['resume', '--state', state, '--audit-log', audit]), /why/);
});
