import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkxClient } from '../../src/client/okx-client.js';
import { register as registerDoctor } from '../../src/cli/commands/doctor.js';
import {
  auditKey,
  assertKeySafeToTrade,
  UnsafeKeyError,
  type AuditReport,
  type CheckId,
  type CheckStatus,
} from '../../src/security/doctor.js';
import { MIN_SCRYPT_N, Vault } from '../../src/security/vault.js';
import { withSim } from '../helpers/sim.js';
import { runCli } from './helpers/cli.js';

const status = (rep: AuditReport) =>
  Object.fromEntries(rep.results.map((r) => [r.id, r.status])) as Record<CheckId, CheckStatus>;

test("doctor against the local exchange's default keys", async (t) => {
  const sim = await withSim(t);
  const audit = (label: string) =>
    auditKey(new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials(label), readOnly: true }));

  const trade = await audit('trade');
  assert.deepEqual(status(trade), {
    signature: 'pass',
    environment: 'pass',
    permissions: 'pass',
    'ip-whitelist': 'pass',
    clock: 'pass',
    'key-age': 'skip',
    latency: 'pass',
    'vault-file': 'skip',
  });
  assert.equal(trade.account?.perm, 'read_only,trade');
  assert.doesNotThrow(() => assertKeySafeToTrade(trade));

  const ro = await audit('read-only');
  assert.equal(status(ro).permissions, 'pass');
  assert.equal(status(ro)['ip-whitelist'], 'pass');

  const wd = await audit('withdraw');
  assert.equal(status(wd).permissions, 'fail');
  assert.throws(() => assertKeySafeToTrade(wd), UnsafeKeyError);

  const noIp = await audit('trade-no-ip');
  assert.equal(status(noIp)['ip-whitelist'], 'warn');
  assert.equal(noIp.ok, true);

  // A demo flag on a live key: 50101 from the gateway.
  const env = await auditKey(
    new OkxClient({
      baseUrl: sim.restUrl,
      credentials: sim.credentials('trade'),
      demo: true,
      readOnly: true,
      retry: { maxRetries: 0 },
    }),
    { demo: true },
  );
  assert.equal(status(env).environment, 'fail');
  assert.match(env.results.find((r) => r.id === 'environment')!.fix!, /turn demo off/);
});

test('doctor sees a skewed exchange clock (sim clockSkewMs)', async (t) => {
  const sim = await withSim(t);
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    readOnly: true,
  });
  sim.faults.set({ clockSkewMs: 3_000 });
  const warn = await auditKey(client);
  assert.equal(status(warn).clock, 'warn');
  assert.match(warn.results.find((r) => r.id === 'clock')!.message, /behind OKX/);
  sim.faults.set({ clockSkewMs: -20_000 });
  const fail = await auditKey(client);
  assert.equal(status(fail).clock, 'fail');
  assert.equal(status(fail).signature, 'pass');
  assert.throws(() => assertKeySafeToTrade(fail), UnsafeKeyError);
  let warned = '';
  assert.deepEqual(
    assertKeySafeToTrade(fail, { force: true, warn: (s) => (warned += s) }).overridden.map((o) => o.id),
    ['clock'],
  );
  assert.match(warned, /--force-unsafe-key/);
});

test('okxkit doctor CLI: --sim exit codes and a vault profile against the local exchange', async (t) => {
  const ok = await runCli(registerDoctor, ['doctor', '--sim']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(
    ok.stdout,
    /^okxkit doctor: local exchange key "trade", live at http:\/\/127\.0\.0\.1:\d+\nPASS {2}signature accepted/,
  );
  const wd = await runCli(registerDoctor, ['doctor', '--sim', '--key-label', 'withdraw', '--json']);
  assert.equal(wd.code, 1);
  const rep = JSON.parse(wd.stdout);
  assert.equal(rep.ok, false);
  assert.equal(rep.results.find((r: { id: string }) => r.id === 'permissions').status, 'fail');

  const sim = await withSim(t);
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-docsim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const vaultPath = join(dir, 'vault.json');
  const k = sim.key('trade');
  const v = await Vault.open(vaultPath, 'fake vault pass', { create: true, scryptN: MIN_SCRYPT_N });
  v.add('grid', k, { createdAt: new Date(Date.now() - 100 * 86_400_000).toISOString(), ips: ['127.0.0.1'] });
  await v.save();
  const env = {
    OKXKIT_VAULT: vaultPath,
    OKXKIT_VAULT_PASSPHRASE: 'fake vault pass',
    OKX_BASE_URL: sim.restUrl,
    // The local exchange is not an OKX host: a profile goes there only when allowed (issue 11).
    OKXKIT_ALLOW_CUSTOM_BASE_URL: '1',
  };
  const prof = await runCli(registerDoctor, ['doctor', '--profile', 'grid'], { env });
  assert.equal(prof.code, 0, prof.stdout + prof.stderr);
  assert.match(prof.stdout, /profile "grid" \(sim-\*\*\*\*\)/);
  assert.match(prof.stdout, /WARN {2}key age\s+100 days old/);
  assert.match(prof.stdout, /PASS {2}vault file permissions/);
  const fresh = await runCli(registerDoctor, ['doctor', '--profile', 'grid', '--rotation-days', '365'], {
    env,
  });
  assert.match(fresh.stdout, /PASS {2}key age\s+100 days old; rotation due in 265 days/);
  // Credentials from the environment work the same way.
  const fromEnv = await runCli(registerDoctor, ['doctor', '--base-url', sim.restUrl], {
    env: {
      OKX_API_KEY: sim.key('read-only').apiKey,
      OKX_SECRET_KEY: sim.key('read-only').secretKey,
      OKX_PASSPHRASE: sim.key('read-only').passphrase,
    },
  });
  assert.equal(fromEnv.code, 0, fromEnv.stdout);
  assert.match(fromEnv.stdout, /from the environment/);
});
