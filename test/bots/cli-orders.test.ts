import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.js';
import { io } from '../../src/cli/common.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { tempDir } from './helpers.js';

// Issue 10 item 4: `okxkit order place` is as safe as a bot order, and the order/account/market
// commands a user needs exist. Each command runs on its own embedded local exchange (seed 1:
// BTC-USDT near 59000), with OKXKIT_HOME a temp dir and no credentials.

function home(t: TestContext): string {
  const dir = tempDir(t);
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (/^(OKX_|OKXKIT_)/.test(k)) delete process.env[k];
  process.env.OKXKIT_HOME = dir;
  process.env.OKXKIT_AUDIT_LOG = join(dir, 'audit.jsonl');
  t.after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  return dir;
}

/** Runs a command in-process; its output through the CLI's `io.out` (the test runner owns stdout). */
async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const saved = io.out;
  io.out = (s: string) => void out.push(s);
  try {
    await buildProgram().parseAsync(['node', 'okxkit', ...args]);
  } finally {
    io.out = saved;
  }
  return out.join('');
}

const BUY = ['order', 'place', '--inst', 'BTC-USDT', '--side', 'buy', '--type', 'limit', '--sz', '0.001'];

test('a limit buy far above the market is refused by the price band', async (t) => {
  home(t);
  await assert.rejects(run([...BUY, '--px', '90000']), /band/i);
});

test('order place generates and prints a clOrdId (or takes --cl-ord-id)', async (t) => {
  home(t);
  const out = await run([...BUY, '--px', '20000']);
  const id = /clOrdId (cli[0-9a-z]+)/.exec(out)?.[1];
  assert.ok(id, out);
  assert.match(out, new RegExp(`${id}\\s+BTC-USDT\\s+buy\\s+limit`));
  const json = JSON.parse(await run([...BUY, '--px', '20000', '--cl-ord-id', 'mine1', '--json'])) as {
    clOrdId: string;
    state: string;
  };
  assert.equal(json.clOrdId, 'mine1');
  assert.equal(json.state, 'live');
});

test('order place obeys the kill switch', async (t) => {
  const dir = home(t);
  new KillSwitch({ path: join(dir, 'kill-switch.json') }).engage({ why: 'ops halt', by: 'ops' });
  await assert.rejects(run([...BUY, '--px', '20000']), /halted.*ops halt/);
});

test('--no-guard is an explicit override, recorded in the audit trail', async (t) => {
  const dir = home(t);
  const out = await run([...BUY, '--px', '60500', '--no-guard', '--json']);
  assert.equal((JSON.parse(out) as { side: string }).side, 'buy');
  const rec = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  assert.match(rec, /"action":"safety.override"/);
  assert.match(rec, /--no-guard/);
});

test('order amend, order cancel-all, order fills, account bills, market instruments', async (t) => {
  home(t);
  const inst = JSON.parse(await run(['market', 'instruments', '--inst', 'BTC-USDT', '--json'])) as Array<{
    instId: string;
    tickSz: string;
  }>;
  assert.equal(inst[0]?.instId, 'BTC-USDT');
  assert.ok(Array.isArray(JSON.parse(await run(['account', 'bills', '--json']))));
  assert.ok(Array.isArray(JSON.parse(await run(['order', 'fills', '--json']))));
  assert.match(await run(['order', 'cancel-all', '--inst', 'BTC-USDT']), /0 cancel\(s\) accepted, 0 failed/);
  // amend needs an order: on a fresh embedded exchange there is none, and it says so
  await assert.rejects(
    run(['order', 'amend', '--inst', 'BTC-USDT', '--cl-ord-id', 'nope1', '--new-px', '20001']),
    /51603|not exist|does not exist/i,
  );
});
