import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import { register as registerAudit } from '../../src/cli/commands/audit.js';
import { Vault } from '../../src/security/vault.js';
import { runCli, type CliRun } from './helpers/cli.js';

const VAULT_PASS = 'fake vault pass for tests';
const CANARY = {
  apiKey: 'fake-key-cli-0001',
  secretKey: 'fake-canary-secret-cli-91c2',
  passphrase: 'Fake Canary Pass cli ',
};
const NEXT = {
  apiKey: 'fake-key-cli-0002',
  secretKey: 'fake-canary-secret-cli-5d7e',
  passphrase: 'Fake Canary Pass two',
};

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    OKXKIT_VAULT: join(dir, 'vault.json'),
    OKXKIT_VAULT_PASSPHRASE: VAULT_PASS,
    OKXKIT_AUDIT_LOG: join(dir, 'audit.jsonl'),
  };
  return { dir, env };
}

const lines = (k: typeof CANARY) => `${k.apiKey}\n${k.secretKey}\n${k.passphrase}\n`;
const leaks = (runs: CliRun[], values: string[]) => {
  const all = runs.map((r) => r.stdout + r.stderr).join('\n');
  return values.filter((v) => all.includes(v.trim()));
};

test('keys add / list / rotate / remove through the CLI, audited, never printing a secret', async (t) => {
  const { dir, env } = setup(t);
  const runs: CliRun[] = [];
  const run = async (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) => {
    const r = await runCli(registerKeys, args, { env: { ...env, ...opts.env }, stdin: opts.stdin });
    runs.push(r);
    return r;
  };

  const add = await run(
    [
      'keys',
      'add',
      'grid',
      '--why',
      'new grid bot',
      '--demo',
      '--ips',
      '203.0.113.7',
      '--notes',
      'server A',
      '--operator',
      'alice',
    ],
    { stdin: lines(CANARY) },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /added grid \(fake\*\*\*\*, global, demo\)/);
  assert.equal(statSync(env.OKXKIT_VAULT).mode & 0o777, 0o600);

  // From the environment (automation), read-only
  const fromEnv = await run(
    [
      'keys',
      'add',
      'watcher',
      '--read-only',
      '--why',
      'dashboard',
      '--site',
      'eea',
      '--created-at',
      '2025-01-01',
    ],
    {
      env: {
        OKX_API_KEY: 'fake-key-env-0003',
        OKX_SECRET_KEY: 'fake-secret-env-0003',
        OKX_PASSPHRASE: 'Fake Pass!',
      },
    },
  );
  assert.equal(fromEnv.code, 0, fromEnv.stderr);

  const list = await run(['keys', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /^PROFILE\s+LABEL\s+KEY\s+SITE\s+ENV\s+CREATED\s+AGE\s+PERMS\s+IPS\s+FLAGS\s+NOTES/,
  );
  assert.match(
    list.stdout,
    /grid\s+grid\s+fake\*\*\*\*\s+global\s+demo\s+\d{4}-\d\d-\d\d\s+0d\s+read_only,trade\s+203\.0\.113\.7\s+-\s+server A/,
  );
  assert.match(list.stdout, /watcher .*eea\s+live\s+2025-01-01 .*read_only\s+-\s+read-only,ROTATE/);
  assert.match(list.stdout, /1 key\(s\) older than 90 days/);
  const json = await run(['keys', 'list', '--json']);
  const parsed = JSON.parse(json.stdout);
  assert.deepEqual(
    parsed.profiles.map((p: { name: string; rotationDue: boolean }) => [p.name, p.rotationDue]),
    [
      ['grid', false],
      ['watcher', true],
    ],
  );

  const noWhy = await run(['keys', 'remove', 'grid']);
  assert.equal(noWhy.code, 1);
  assert.match(noWhy.stderr, /--why/);
  const dup = await run(['keys', 'add', 'grid', '--why', 'again'], { stdin: lines(NEXT) });
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /PROFILE_EXISTS/);

  const rot = await run(['keys', 'rotate', 'grid', '--why', '90-day rotation', '--operator', 'bob'], {
    stdin: lines(NEXT),
  });
  assert.equal(rot.code, 0, rot.stderr);
  assert.match(
    rot.stdout,
    /Now delete the old key fake\*\*\*\* \(label "grid", created \d{4}-\d\d-\d\d\) on OKX/,
  );
  const v = await Vault.open(env.OKXKIT_VAULT, VAULT_PASS);
  assert.equal(v.credentials('grid').apiKey, NEXT.apiKey);
  assert.equal(v.credentials('grid').revealPassphrase(), NEXT.passphrase);
  assert.equal(v.info('grid').demo, true);
  const hist = await run(['keys', 'list', '--history']);
  assert.match(hist.stdout, /rotated-out keys/);

  const rm = await run(['keys', 'remove', 'grid', '--why', 'bot retired']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /still exists on OKX: delete fake\*\*\*\*/);

  const wrong = await run(['keys', 'list'], { env: { OKXKIT_VAULT_PASSPHRASE: 'fake wrong vault pass' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /error \[VAULT_PASSPHRASE\]: wrong vault passphrase/);
  const none = await run(['keys', 'list'], { env: { OKXKIT_VAULT: join(dir, 'missing.json') } });
  assert.match(none.stderr, /VAULT_NOT_FOUND/);

  // The audit trail holds each change with operator and justification, and verifies.
  const recs = readFileSync(env.OKXKIT_AUDIT_LOG, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    recs.map((r) => [r.action, r.operator, r.why]),
    [
      ['key.added', 'alice', 'new grid bot'],
      ['key.added', recs[1].operator, 'dashboard'],
      ['key.rotated', 'bob', '90-day rotation'],
      ['key.removed', recs[3].operator, 'bot retired'],
    ],
  );
  const verify = await runCli(registerAudit, ['audit', 'verify', env.OKXKIT_AUDIT_LOG]);
  runs.push(verify);
  assert.equal(verify.code, 0);
  assert.match(verify.stdout, /^OK .*4 record\(s\), chain intact/);

  // Canary: no secret or passphrase in any output, the audit log, or the vault file.
  const secrets = [
    CANARY.secretKey,
    CANARY.passphrase,
    NEXT.secretKey,
    NEXT.passphrase,
    VAULT_PASS,
    'fake-secret-env-0003',
  ];
  assert.deepEqual(leaks(runs, secrets), []);
  const files = readFileSync(env.OKXKIT_AUDIT_LOG, 'utf8') + readFileSync(env.OKXKIT_VAULT, 'utf8');
  assert.deepEqual(
    secrets.filter((s) => files.includes(s.trim())),
    [],
  );
});

test('keys add: missing stdin lines and partial env are clear errors', async (t) => {
  const { env } = setup(t);
  const short = await runCli(registerKeys, ['keys', 'add', 'x', '--why', 'w'], {
    env,
    stdin: 'fake-key-only\n',
  });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /no input for "Secret key"/);
  const partial = await runCli(registerKeys, ['keys', 'add', 'x', '--why', 'w'], {
    env: { ...env, OKX_API_KEY: 'fake-key-x' },
  });
  assert.match(partial.stderr, /OKX_SECRET_KEY, OKX_PASSPHRASE/);
  const noPass = await runCli(registerKeys, ['keys', 'add', 'x', '--why', 'w'], {
    env: { OKXKIT_VAULT: env.OKXKIT_VAULT },
    stdin: lines(CANARY),
  });
  assert.match(noPass.stderr, /VAULT_PASSPHRASE_MISSING/);
  assert.ok(!(short.stderr + partial.stderr + noPass.stderr).includes(CANARY.secretKey));
});
