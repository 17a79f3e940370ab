import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSim } from '../../src/cli/commands/sim.js';
import { loadSimConfig, parseSimConfig } from '../../src/sim/config.js';
import { ValidationError } from '../../src/util/errors.js';
import { buildProgram } from '../../src/cli/main.js';
import { ManualClock } from '../../src/util/clock.js';
import { withSim } from '../helpers/sim.js';
import { Client, isEvent } from './ws/helpers.js';

test('okxkit sim prints its URLs and fake keys, serves, and stops on abort', async () => {
  const out: string[] = [];
  const ac = new AbortController();
  let printed!: () => void;
  const ready = new Promise<void>((r) => (printed = r));
  const run = runSim({ port: '0', seed: '3' }, { write: (s) => (out.push(s), printed()), signal: ac.signal });
  await ready;
  const text = out.join('');
  const rest = /REST\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
  assert.ok(rest, text);
  assert.match(text, /WS public\s+ws:\/\/127\.0\.0\.1:\d+\/ws\/v5\/public/);
  assert.match(text, /OKX_API_KEY=sim-trade-0000-fake/);
  for (const label of ['trade', 'read-only', 'withdraw', 'trade-no-ip'])
    assert.ok(text.includes(`# ${label}  (perm`), label);
  // issue 10 item 8: each key as export lines ready to paste, the base URL included
  assert.ok(text.includes(`export OKX_BASE_URL=${rest}\nexport OKX_API_KEY=sim-trade-0000-fake\n`), text);
  assert.match(text, /^export OKX_PASSPHRASE='.+'$/m);
  const r = await fetch(`${rest}/api/v5/public/time`);
  assert.equal(r.status, 200);
  ac.abort();
  await run;
  assert.match(out.join(''), /local exchange stopped/);
  await assert.rejects(fetch(`${rest}/api/v5/public/time`));
});

test('bad flags and configs are ValidationErrors naming the field', async () => {
  const ac = new AbortController();
  await assert.rejects(
    runSim({ port: '99999' }, { write: () => {}, signal: ac.signal }),
    (e: unknown) => e instanceof ValidationError && e.field === '--port',
  );
  assert.throws(
    () =>
      parseSimConfig({
        keys: [
          {
            apiKey: 'fake-key-1',
            secretKey: 's',
            passphrase: 'p',
            perm: 'read_only,admin',
            label: 'x',
            account: 'main',
          },
        ],
      }),
    (e: unknown) => e instanceof ValidationError && /keys\[0\]\.perm/.test(e.message),
  );
  assert.throws(
    () =>
      parseSimConfig({
        keys: [
          {
            apiKey: 'fake-key-1',
            secretKey: 's',
            passphrase: 'p',
            perm: 'read_only',
            label: 'x',
            account: 'nope',
          },
        ],
        accounts: { main: { balances: { USDT: '1' } } },
      }),
    (e: unknown) => e instanceof ValidationError && /keys\[0\]\.account/.test(e.message),
  );
  assert.throws(
    () => parseSimConfig({ accounts: { main: { balances: { USDT: '-1' } } } }),
    (e: unknown) => e instanceof ValidationError && /accounts\.main\.balances\.USDT/.test(e.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-sim-'));
  try {
    const file = join(dir, 'sim.json');
    writeFileSync(file, '{"keys": [');
    assert.throws(
      () => loadSimConfig(file),
      (e: unknown) => e instanceof ValidationError && e.field === '--config',
    );
    writeFileSync(
      file,
      JSON.stringify({
        keys: [
          {
            apiKey: 'fake-key-cfg-0001',
            secretKey: 'fake-secret-cfg',
            passphrase: 'Fake Pass!',
            perm: 'read_only,trade',
            ip: '',
            label: 'bot',
            account: 'main',
          },
        ],
        accounts: { main: { balances: { USDT: '10000', BTC: '1' } } },
      }),
    );
    const cfg = loadSimConfig(file);
    assert.equal(cfg.keys[0]!.demo, false);
    assert.deepEqual(cfg.accounts.main!.balances, { USDT: '10000', BTC: '1' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('okxkit sim-faults --ws-upgrade sends the 64008 notice to the WS clients of a running sim', async (t) => {
  const sim = await withSim(t, { clock: new ManualClock(Date.UTC(2026, 10, 21, 11, 0, 0)) });
  const c = await Client.open(sim.wsUrls.wsPublic);
  t.after(() => c.ws.terminate());
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (s: string) => (out.push(String(s)), true);
  try {
    await buildProgram().parseAsync(['node', 'okxkit', 'sim-faults', '--url', sim.restUrl, '--ws-upgrade']);
  } finally {
    process.stdout.write = write;
  }
  const notice = await c.next(isEvent('notice'));
  assert.equal(notice.code, '64008');
  assert.match(out.join(''), /"wsUpgradeEveryMs": 0/);
});

test('the config file takes wsUpgradeEveryMs among its faults; a negative one names the field', () => {
  assert.equal(parseSimConfig({ faults: { wsUpgradeEveryMs: 5000 } }).faults.wsUpgradeEveryMs, 5000);
  assert.throws(
    () => parseSimConfig({ faults: { wsUpgradeEveryMs: -1 } }),
    (e: unknown) => e instanceof ValidationError && /wsUpgradeEveryMs/.test(`${e.field} ${e.message}`),
  );
});
