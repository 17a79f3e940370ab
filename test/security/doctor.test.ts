import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Credentials } from '../../src/client/credentials.js';
import { ManualClock } from '../../src/util/clock.js';
import { AuditLog } from '../../src/security/audit-log.js';
import {
  assertKeySafeToTrade,
  auditKey,
  checkKeyBeforeTrading,
  formatAuditReport,
  UnsafeKeyError,
  WITHDRAW_RISK_FLAG,
  type AuditReport,
  type CheckId,
  type CheckStatus,
} from '../../src/security/doctor.js';
import type { ProfileInfo } from '../../src/security/vault.js';
import { miniClient, startMiniOkx, type MiniKey, type MiniOkx } from './helpers/mini-okx.js';

const key = (label: string, perm: string, ip: string, demo = false): MiniKey => ({
  apiKey: `fake-key-${label}-0001`,
  secretKey: `fake-secret-${label}-0001`,
  passphrase: 'Fake Pass!',
  perm,
  ip,
  demo,
  label,
});
const KEYS = [
  key('trade', 'read_only,trade', '127.0.0.1'),
  key('read-only', 'read_only', ''),
  key('withdraw', 'read_only,trade,withdraw', '127.0.0.1'),
  key('trade-no-ip', 'read_only,trade', ''),
  key('demo', 'read_only,trade', '127.0.0.1', true),
  key('elsewhere', 'read_only,trade', '198.51.100.4'),
  key('open-v4', 'read_only,trade', '127.0.0.1,0.0.0.0/0'),
  key('open-v6', 'read_only,trade', '127.0.0.1,::/0'),
];
const creds = (k: MiniKey, over: Partial<MiniKey> = {}) => {
  const m = { ...k, ...over };
  return new Credentials(m.apiKey, m.secretKey, m.passphrase);
};
const byLabel = (l: string) => KEYS.find((k) => k.label === l)!;

let okx: MiniOkx;
before(async () => {
  okx = await startMiniOkx(KEYS);
});
after(() => okx.close());

const status = (rep: AuditReport) =>
  Object.fromEntries(rep.results.map((r) => [r.id, r.status])) as Record<CheckId, CheckStatus>;
const check = (rep: AuditReport, id: CheckId) => rep.results.find((r) => r.id === id)!;

test('a trade key bound to this IP passes every check it can', async () => {
  okx.skewMs = 0;
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('trade'))));
  assert.deepEqual(status(rep), {
    signature: 'pass',
    environment: 'pass',
    permissions: 'pass',
    'ip-whitelist': 'pass',
    clock: 'pass',
    'key-age': 'skip',
    latency: 'pass',
    'vault-file': 'skip',
  });
  assert.equal(rep.ok, true);
  assert.deepEqual(rep.account, {
    perm: 'read_only,trade',
    ip: '127.0.0.1',
    uid: '44705892343619584',
    label: 'trade',
    acctLv: '1',
  });
  assert.doesNotThrow(() => assertKeySafeToTrade(rep, { warn: () => assert.fail('no warning expected') }));
});

test('read-only key: permissions pass, no whitelist is acceptable', async () => {
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('read-only'))));
  assert.equal(check(rep, 'permissions').status, 'pass');
  assert.equal(check(rep, 'ip-whitelist').status, 'pass');
  assert.equal(rep.ok, true);
});

test('withdraw-enabled key fails, and trading is refused unless the loud flag is given', async (t) => {
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('withdraw'))));
  const p = check(rep, 'permissions');
  assert.equal(p.status, 'fail');
  assert.match(p.message, /CAN WITHDRAW/);
  assert.match(p.fix!, /Read \+ Trade only/);
  assert.equal(rep.ok, false);
  assert.throws(
    () => assertKeySafeToTrade(rep),
    (e: unknown) =>
      e instanceof UnsafeKeyError && e.code === 'KEY_UNSAFE' && e.hint!.includes(WITHDRAW_RISK_FLAG),
  );
  // --force-unsafe-key does not cover withdraw
  assert.throws(() => assertKeySafeToTrade(rep, { force: true, warn: () => {} }), UnsafeKeyError);

  const dir = mkdtempSync(join(tmpdir(), 'okxkit-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new AuditLog(join(dir, 'audit.jsonl'), { operator: 'ops' });
  let warned = '';
  const out = assertKeySafeToTrade(rep, { allowWithdraw: true, warn: (s) => (warned += s), auditLog: log });
  assert.deepEqual(
    out.overridden.map((o) => o.id),
    ['permissions'],
  );
  assert.match(warned, /^!!!!/);
  assert.match(warned, /WARNING: trading with a key that failed its safety audit/);
  assert.match(warned, new RegExp(WITHDRAW_RISK_FLAG));
  const rec = JSON.parse(readFileSync(join(dir, 'audit.jsonl'), 'utf8'));
  assert.equal(rec.action, 'safety.override');
  assert.deepEqual(rec.details.flags, [WITHDRAW_RISK_FLAG]);

  // A profile that explicitly allows withdraw turns the failure into a warning.
  const allowed = await auditKey(miniClient(okx.url, creds(byLabel('withdraw'))), { allowWithdraw: true });
  assert.equal(check(allowed, 'permissions').status, 'warn');
  await assert.rejects(
    checkKeyBeforeTrading(miniClient(okx.url, creds(byLabel('withdraw')))),
    UnsafeKeyError,
  );
});

test('a whitelist of 0.0.0.0/0 or ::/0 fails the audit: it admits every address (issue 11)', async () => {
  for (const label of ['open-v4', 'open-v6']) {
    const rep = await auditKey(miniClient(okx.url, creds(byLabel(label))));
    const ip = check(rep, 'ip-whitelist');
    assert.equal(ip.status, 'fail', label);
    assert.match(ip.message, label === 'open-v4' ? /0\.0\.0\.0\/0/ : /::\/0/);
    assert.equal(rep.ok, false);
  }
});

test('a trading key without an IP whitelist warns (and mentions the 14-day expiry on live)', async () => {
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('trade-no-ip'))));
  const ip = check(rep, 'ip-whitelist');
  assert.equal(ip.status, 'warn');
  assert.match(ip.message, /14 days unused/);
  assert.equal(rep.ok, true);
});

test('signature failures are explained: wrong secret 50113, wrong passphrase 50105, unknown key 50111', async () => {
  const trade = byLabel('trade');
  const bad = await auditKey(miniClient(okx.url, creds(trade, { secretKey: 'fake-secret-wrong' })));
  assert.equal(check(bad, 'signature').status, 'fail');
  assert.match(check(bad, 'signature').message, /50113/);
  assert.match(check(bad, 'signature').fix!, /secret key/);
  assert.equal(check(bad, 'permissions').status, 'skip');
  assert.throws(() => assertKeySafeToTrade(bad), UnsafeKeyError);

  const pass = await auditKey(miniClient(okx.url, creds(trade, { passphrase: 'fake pass!' })));
  assert.match(check(pass, 'signature').message, /50105/);
  assert.match(check(pass, 'signature').fix!, /byte for byte/);

  const unknown = await auditKey(miniClient(okx.url, creds(trade, { apiKey: 'fake-key-unknown' })), {
    site: 'global',
  });
  assert.match(check(unknown, 'signature').message, /50111/);
  assert.match(check(unknown, 'signature').fix!, /eea\.okx\.com/);
});

test('environment: a demo key on live (and a live key on demo) fails with the right fix', async () => {
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('demo'))), { demo: false });
  assert.equal(check(rep, 'environment').status, 'fail');
  assert.match(check(rep, 'environment').fix!, /turn demo on/);
  const rep2 = await auditKey(miniClient(okx.url, creds(byLabel('trade')), { demo: true }), { demo: true });
  assert.equal(check(rep2, 'environment').status, 'fail');
  assert.match(check(rep2, 'environment').fix!, /live key: turn demo off/);
  const ok = await auditKey(miniClient(okx.url, creds(byLabel('demo')), { demo: true }), { demo: true });
  assert.equal(check(ok, 'environment').status, 'pass');
  // on demo there is no 14-day expiry to warn about, but the whitelist advice holds
});

test('an IP not on the whitelist fails the whitelist check (50110)', async () => {
  const rep = await auditKey(miniClient(okx.url, creds(byLabel('elsewhere'))));
  assert.equal(check(rep, 'ip-whitelist').status, 'fail');
  assert.match(check(rep, 'ip-whitelist').message, /50110/);
});

test('clock drift: >1 s warns, >10 s fails, beyond the window the signature fails too', async (t) => {
  t.after(() => {
    okx.skewMs = 0;
  });
  const c = miniClient(okx.url, creds(byLabel('trade')));
  okx.skewMs = 2500;
  const warn = await auditKey(c);
  assert.equal(check(warn, 'clock').status, 'warn');
  assert.match(check(warn, 'clock').message, /2\.\d+ s behind OKX/);
  assert.match(check(warn, 'clock').fix!, /NTP/);
  okx.skewMs = -15_000;
  const fail = await auditKey(c);
  assert.equal(check(fail, 'clock').status, 'fail');
  assert.match(check(fail, 'clock').message, /ahead of OKX/);
  assert.equal(check(fail, 'signature').status, 'pass');
  okx.skewMs = 45_000;
  const expired = await auditKey(c);
  assert.equal(check(expired, 'clock').status, 'fail');
  assert.equal(check(expired, 'signature').status, 'fail');
  assert.match(check(expired, 'signature').message, /50102/);
});

const profile = (createdAt: string, over: Partial<ProfileInfo> = {}): ProfileInfo => ({
  name: 'grid',
  label: 'grid',
  site: 'global',
  demo: false,
  createdAt,
  expectedPerms: ['read_only', 'trade'],
  ips: ['127.0.0.1'],
  allowWithdraw: false,
  readOnly: false,
  notes: '',
  apiKeyMasked: 'fake****',
  ageDays: 0,
  ...over,
});

test('key age against the rotation period; profile expectations compared with OKX', async () => {
  const c = miniClient(okx.url, creds(byLabel('trade')));
  const day = 86_400_000;
  const old = await auditKey(c, { profile: profile(new Date(Date.now() - 120 * day).toISOString()) });
  assert.equal(check(old, 'key-age').status, 'warn');
  assert.match(check(old, 'key-age').fix!, /okxkit keys rotate grid/);
  const young = await auditKey(c, { profile: profile(new Date(Date.now() - 10 * day).toISOString()) });
  assert.equal(check(young, 'key-age').status, 'pass');
  assert.match(check(young, 'key-age').message, /due in 80 days/);
  const custom = await auditKey(c, {
    rotationDays: 7,
    profile: profile(new Date(Date.now() - 10 * day).toISOString()),
  });
  assert.equal(check(custom, 'key-age').status, 'warn');
  const mismatch = await auditKey(c, {
    profile: profile(new Date().toISOString(), { expectedPerms: ['read_only'], ips: ['203.0.113.9'] }),
  });
  assert.equal(check(mismatch, 'permissions').status, 'warn');
  assert.equal(check(mismatch, 'ip-whitelist').status, 'warn');
});

test('vault file readable by group/other fails', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'vault.json');
  writeFileSync(path, '{}');
  const c = miniClient(okx.url, creds(byLabel('trade')));
  chmodSync(path, 0o644);
  const bad = await auditKey(c, { vaultPath: path });
  assert.equal(check(bad, 'vault-file').status, 'fail');
  assert.match(check(bad, 'vault-file').fix!, /chmod 600/);
  chmodSync(path, 0o600);
  assert.equal(check(await auditKey(c, { vaultPath: path }), 'vault-file').status, 'pass');
});

test('latency over the limit warns; an unreachable host fails without throwing', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const slow = {
    public: {
      time: async () => {
        clock.advance(1500);
        return clock.now() - 750;
      },
    },
    account: { config: async () => ({ perm: 'read_only', ip: '' }) },
  };
  const rep = await auditKey(slow, { clock });
  assert.equal(check(rep, 'latency').status, 'warn');
  assert.equal(check(rep, 'clock').status, 'pass');
  const down = await auditKey(miniClient('http://127.0.0.1:1', creds(byLabel('trade'))));
  assert.equal(check(down, 'signature').status, 'fail');
  assert.equal(check(down, 'clock').status, 'fail');
  assert.equal(check(down, 'latency').status, 'skip');
});

test('no report, table or error carries the secret or passphrase', async () => {
  const canary = {
    apiKey: 'fake-key-trade-0001',
    secretKey: 'fake-canary-secret-7f3a9b',
    passphrase: 'Fake Canary Pass 2c8d',
  };
  const rep = await auditKey(
    miniClient(okx.url, new Credentials(canary.apiKey, canary.secretKey, canary.passphrase)),
  );
  let thrown = '';
  try {
    assertKeySafeToTrade(rep);
  } catch (e) {
    thrown = `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack}`;
  }
  const all = JSON.stringify(rep) + formatAuditReport(rep) + thrown;
  assert.ok(thrown.length > 0);
  assert.ok(!all.includes('canary-secret') && !all.includes('Canary Pass'));
});
