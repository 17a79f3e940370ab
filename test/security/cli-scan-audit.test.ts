import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register as registerScan } from '../../src/cli/commands/scan.js';
import { register as registerAudit } from '../../src/cli/commands/audit.js';
import { AuditLog, verifyAuditLogFile } from '../../src/security/audit-log.js';
import { fingerprint, HOOK_MARKER } from '../../src/security/scanner.js';
import { runCli } from './helpers/cli.js';
import { gitIn, tempRepo } from './helpers/git.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const SECRET = createHash('sha256').update('cli-scan-seed').digest('hex').slice(0, 32).toUpperCase();

test('scan: findings print masked with file:line and exit 1; clean trees exit 0; --json; --allowlist', async (t) => {
  const dir = tempRepo(t);
  writeFileSync(join(dir, 'bot.ts'), `export const x = 1;\nconst secretKey = '${SECRET}';\n`);
  const r = await runCli(registerScan, ['scan', dir]);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    new RegExp(
      `^bot\\.ts:2  okx-secret-key \\(OKX secret key\\)  ${SECRET.slice(0, 4)}\\*{4}  fingerprint:${fingerprint(SECRET)}`,
    ),
  );
  assert.ok(!(r.stdout + r.stderr).includes(SECRET));
  assert.match(r.stderr, /1 finding\(s\) in 1 file\(s\)/);

  const j = await runCli(registerScan, ['scan', dir, '--json']);
  const rep = JSON.parse(j.stdout);
  assert.equal(rep.findings[0].masked, `${SECRET.slice(0, 4)}****`);

  writeFileSync(join(dir, 'ignore.txt'), `# reviewed\n${fingerprint(SECRET)}\n`);
  const allowed = await runCli(registerScan, ['scan', dir, '--allowlist', join(dir, 'ignore.txt')]);
  assert.equal(allowed.code, 0, allowed.stdout);
  assert.match(allowed.stderr, /no secrets found/);
  const missing = await runCli(registerScan, ['scan', dir, '--allowlist', join(dir, 'nope.txt')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /allowlist .* not found/);

  // history: committed then deleted, still found with its commit
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'leak');
  const leak = gitIn(dir, 'rev-parse', 'HEAD').stdout.trim();
  writeFileSync(join(dir, 'bot.ts'), 'export const x = 1;\n');
  gitIn(dir, 'commit', '-q', '-am', 'fix');
  assert.equal((await runCli(registerScan, ['scan', dir])).code, 0);
  const h = await runCli(registerScan, ['scan', dir, '--history']);
  assert.equal(h.code, 1);
  assert.match(h.stdout, new RegExp(`^${leak.slice(0, 12)} bot\\.ts:2 `));
  assert.match(h.stderr, /in 2 commit\(s\)/);
});

test("scan of okxkit's own repository exits 0", async () => {
  const r = await runCli(registerScan, ['scan', REPO_ROOT]);
  assert.equal(r.code, 0, r.stdout);
});

test('the installed pre-commit hook blocks a commit that adds a secret and lets a clean one through', async (t) => {
  const dir = tempRepo(t);
  const loader = import.meta.resolve('tsx');
  const cmd = `'${process.execPath}' --import '${loader}' '${join(HERE, 'helpers', 'scan-cli.ts')}'`;
  const inst = await runCli(registerScan, ['scan', dir, '--install-hook', '--hook-command', cmd]);
  assert.equal(inst.code, 0, inst.stderr);
  const hook = join(dir, '.git', 'hooks', 'pre-commit');
  assert.ok(readFileSync(hook, 'utf8').includes(HOOK_MARKER));
  assert.ok(statSync(hook).mode & 0o100);

  writeFileSync(join(dir, 'ok.ts'), 'export const ok = true;\n');
  gitIn(dir, 'add', 'ok.ts');
  const good = gitIn(dir, 'commit', '-m', 'clean');
  assert.equal(good.status, 0, good.stderr);

  writeFileSync(join(dir, '.env'), `OKX_SECRET_KEY=${SECRET}\n`);
  gitIn(dir, 'add', '.env');
  const bad = gitIn(dir, 'commit', '-m', 'add env');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout + bad.stderr, /okx-secret-key/);
  assert.match(bad.stderr, /commit blocked by the secret scan/);
  assert.ok(!(bad.stdout + bad.stderr).includes(SECRET));
  assert.equal(gitIn(dir, 'rev-list', '--count', 'HEAD').stdout.trim(), '1');

  // A foreign hook is kept unless --force.
  writeFileSync(hook, '#!/bin/sh\nexit 0\n');
  const keep = await runCli(registerScan, ['scan', dir, '--install-hook', '--hook-command', cmd]);
  assert.equal(keep.code, 1);
  assert.match(keep.stderr, /not written by okxkit/);
  assert.equal(
    (await runCli(registerScan, ['scan', dir, '--install-hook', '--hook-command', cmd, '--force'])).code,
    0,
  );
  assert.ok(existsSync(hook));
});

test('audit verify names the tampered line and exits 1; show prints records', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-auditcli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  const log = new AuditLog(path, { operator: 'ops' });
  log.append({ action: 'bot.started', details: { bot: 'grid-1' } });
  log.append({ action: 'risk.limits_changed', details: { maxNotional: '500' }, why: 'smaller' });
  log.append({ action: 'bot.stopped', details: { bot: 'grid-1' } });
  const ok = await runCli(registerAudit, ['audit', 'verify', path]);
  assert.equal(ok.code, 0);
  const show = await runCli(registerAudit, ['audit', 'show', path]);
  assert.match(
    show.stdout,
    /^#1 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}ops {2}bot\.started {2}\{"bot":"grid-1"\}\n#2 .*risk\.limits_changed .*why: smaller\n#3 /,
  );
  const tail = await runCli(registerAudit, ['audit', 'show', path, '--tail', '1', '--json']);
  assert.equal(JSON.parse(tail.stdout).seq, 3);

  const ls = readFileSync(path, 'utf8').split('\n');
  ls[1] = ls[1]!.replace('"500"', '"5000"');
  writeFileSync(path, ls.join('\n'));
  const bad = await runCli(registerAudit, ['audit', 'verify', path]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stdout,
    /^TAMPERED .*\d problem\(s\) in 3 record\(s\)\n\s+edited\s+line 2 \(seq 2\): content does not match its hash/,
  );
  const j = JSON.parse((await runCli(registerAudit, ['audit', 'verify', path, '--json'])).stdout);
  assert.deepEqual(j.problems[0].line, 2);
  const none = await runCli(registerAudit, ['audit', 'verify', join(dir, 'missing.jsonl')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /AUDIT_LOG/);
});

test('okxkit scan --install-hook through the real CLI pins how okxkit was started, and the hook blocks a leak', async (t) => {
  const dir = tempRepo(t);
  // Started from okxkit's own directory with a bare loader name, as `node --import tsx` users do.
  const inst = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'scan', dir, '--install-hook'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  assert.equal(inst.status, 0, inst.stderr);
  const hook = readFileSync(join(dir, '.git', 'hooks', 'pre-commit'), 'utf8');
  assert.match(hook, /--import file:\/\/\S+tsx\S+ /);
  assert.match(hook, /src\/cli\/main\.ts scan --staged/);
  writeFileSync(join(dir, 'leak.ts'), `export const okxSecretKey = '${SECRET}';\n`);
  gitIn(dir, 'add', 'leak.ts');
  const bad = gitIn(dir, 'commit', '-m', 'leak');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout + bad.stderr, /leak\.ts:1 {2}okx-secret-key/);
  assert.equal(gitIn(dir, 'rev-parse', '--verify', '-q', 'HEAD').status, 1, 'no commit was made');
});

test('audit withdrawals: alerts once per withdrawal, records it in the audit trail, exits 1 under --once', async (t) => {
  const { startMiniOkx } = await import('./helpers/mini-okx.js');
  const okx = await startMiniOkx([
    {
      apiKey: 'fake-key-watch-0001',
      secretKey: 'fake-secret-watch-0001',
      passphrase: 'Fake Pass!',
      perm: 'read_only',
      ip: '',
      demo: false,
      label: 'watch',
    },
  ]);
  t.after(() => okx.close());
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-wwcli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    OKX_API_KEY: 'fake-key-watch-0001',
    OKX_SECRET_KEY: 'fake-secret-watch-0001',
    OKX_PASSPHRASE: 'Fake Pass!',
    OKX_BASE_URL: okx.url,
    OKXKIT_HOME: dir,
    OKXKIT_AUDIT_LOG: join(dir, 'audit.jsonl'),
  };
  const bill = (billId: string, type: string, balChg: string, ts: number) => ({
    billId,
    ccy: 'USDT',
    clientId: '',
    balChg,
    bal: '0',
    type,
    notes: '',
    ts: String(ts),
  });
  okx.bills.push(bill('3', '2', '-250', 3000), bill('2', '131', '-100', 2000), bill('1', '1', '1000', 1000));
  const first = await runCli(registerAudit, ['audit', 'withdrawals', '--once'], { env });
  assert.equal(first.code, 1, first.stderr);
  assert.match(
    first.stderr,
    /ALERT CRITICAL withdrawal: withdrawal of -250 USDT \(bill 3, type 2 withdrawal/,
  );
  assert.match(first.stderr, /1 alert\(s\)/);
  const again = await runCli(registerAudit, ['audit', 'withdrawals', '--once'], { env });
  assert.equal(again.code, 0, again.stderr);
  okx.bills.unshift(bill('4', '20', '-40', 4000));
  const json = await runCli(registerAudit, ['audit', 'withdrawals', '--once', '--json'], { env });
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).kind, 'unexpected-outflow');
  const recs = readFileSync(env.OKXKIT_AUDIT_LOG, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    recs.map((r) => [r.action, r.details.billId, r.operator]),
    [
      ['funds.withdrawal_detected', '3', 'withdrawal-watch'],
      ['funds.outflow_detected', '4', 'withdrawal-watch'],
    ],
  );
  assert.match(recs[0].why, /freeze the account/);
  assert.equal(verifyAuditLogFile(env.OKXKIT_AUDIT_LOG).ok, true);

  // Continuous mode polls on the (injected) sleep until --seconds elapse.
  okx.bills.unshift(bill('5', '2', '-1', 5000));
  const quick = (_ms: number, signal?: AbortSignal) =>
    new Promise<void>((res, rej) => {
      if (signal?.aborted) return rej(new Error('aborted'));
      setTimeout(res, 5);
    });
  const loop = await runCli(
    (p, io) => registerAudit(p, io, quick),
    ['audit', 'withdrawals', '--interval', '1', '--seconds', '1'],
    { env },
  );
  assert.equal(loop.code, 0, loop.stderr);
  assert.match(loop.stderr, /watching funding bills of fake\*\*\*\* every 1 s/);
  assert.match(loop.stderr, /bill 5, type 2 withdrawal/);
  assert.ok(!(first.stderr + json.stdout + loop.stderr).includes('fake-secret-watch'));
});
