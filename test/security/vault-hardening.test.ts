// Issue 11 item 6: weak passphrases refused, corruption told from a wrong passphrase, atomic
// passphrase change, OWASP scrypt cost, a warning on a group/world-readable vault, SQLite state
// files created 0600, and a vault change rolled back when its audit record fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotStateStore } from '../../src/bots/state-store.js';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import {
  DEFAULT_SCRYPT_N,
  MIN_SCRYPT_N,
  Vault,
  VaultCorruptError,
  VaultPassphraseError,
  WeakPassphraseError,
} from '../../src/security/vault.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { runCli } from './helpers/cli.js';

const PASS = 'fake vault pass hardening';
const NEW_PASS = 'another fake vault passphrase 7';
const KEY = { apiKey: 'fake-key-hard-0001', secretKey: 'fake-secret-hard-0001', passphrase: 'Fake Pass!' };
const FAST = { scryptN: MIN_SCRYPT_N };

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-vault-hard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function made(path: string): Promise<Vault> {
  const v = await Vault.open(path, PASS, { create: true, ...FAST, onWarning: () => {} });
  v.add('a', KEY);
  await v.save();
  return v;
}

test('a weak new vault passphrase is refused with the reason; a strong one is accepted', async (t) => {
  const dir = tempDir(t);
  for (const weak of ['short', 'password1234', 'qwertyuiop123', 'aaaaaaaaaaaaaaaa', '123456789012']) {
    await assert.rejects(
      Vault.open(join(dir, 'v.json'), weak, { create: true, ...FAST }),
      (e: unknown) => e instanceof WeakPassphraseError && /too weak/.test((e as Error).message),
      weak,
    );
  }
  assert.equal(existsSync(join(dir, 'v.json')), false);
  await made(join(dir, 'v.json'));
});

test('every edit of the salt, check or KDF parameters is corruption; only a wrong passphrase is a wrong passphrase', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await made(path);
  const f = JSON.parse(readFileSync(path, 'utf8'));
  const flip = (s: string) => {
    const b = Buffer.from(s, 'base64');
    b[0]! ^= 1;
    return b.toString('base64');
  };
  const edits: Record<string, unknown>[] = [
    { ...f, kdf: { ...f.kdf, salt: flip(f.kdf.salt) } },
    { ...f, check: flip(f.check) },
    { ...f, kdf: { ...f.kdf, N: f.kdf.N * 2 } },
    { ...f, kdf: { ...f.kdf, r: 9 } },
    { ...f, kdf: { ...f.kdf, p: 2 } },
  ];
  for (const e of edits) {
    writeFileSync(path, JSON.stringify(e));
    await assert.rejects(Vault.open(path, PASS), VaultCorruptError, JSON.stringify(e.kdf));
  }
  writeFileSync(path, JSON.stringify(f));
  await assert.rejects(Vault.open(path, 'a wrong but long passphrase'), VaultPassphraseError);
  await Vault.open(path, PASS);
});

test('keys passwd: the new passphrase opens the vault, the old does not; a failed write keeps the old one', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await made(path);
  const v = await Vault.open(path, PASS, FAST);
  await assert.rejects(v.changePassphrase('weak'), WeakPassphraseError);
  await v.changePassphrase(NEW_PASS);
  await assert.rejects(Vault.open(path, PASS), VaultPassphraseError);
  const reopened = await Vault.open(path, NEW_PASS, FAST);
  assert.equal(reopened.credentials('a').revealSecret(), KEY.secretKey);

  // A crash mid-write: nothing changes on disk or in memory.
  const before = readFileSync(path, 'utf8');
  const crashing = await Vault.open(path, NEW_PASS, {
    ...FAST,
    writeFile: () => {
      throw new Error('disk full');
    },
  });
  await assert.rejects(crashing.changePassphrase(PASS), /disk full/);
  assert.equal(readFileSync(path, 'utf8'), before);
  await Vault.open(path, NEW_PASS);
});

test('a vault change whose audit record fails is rolled back on disk', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await made(path);
  const before = readFileSync(path, 'utf8');
  const v = await Vault.open(path, PASS, FAST);
  v.add('b', { ...KEY, apiKey: 'fake-key-hard-0002' });
  await assert.rejects(
    v.save({
      record: () => {
        throw new Error('audit log unwritable');
      },
    }),
    /audit log unwritable/,
  );
  assert.equal(readFileSync(path, 'utf8'), before);
  assert.deepEqual((await Vault.open(path, PASS)).names(), ['a']);
  // A first save whose record fails leaves no vault behind.
  const fresh = join(tempDir(t), 'new.json');
  const n = await Vault.open(fresh, PASS, { create: true, ...FAST });
  n.add('a', KEY);
  await assert.rejects(
    n.save({
      record: () => {
        throw new Error('no audit');
      },
    }),
    /no audit/,
  );
  assert.equal(existsSync(fresh), false);
});

test("new vaults are written at OWASP's scrypt cost (N = 2^17, r = 8, p = 1)", async (t) => {
  const path = join(tempDir(t), 'vault.json');
  const v = await Vault.open(path, PASS, { create: true });
  await v.save();
  const f = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(DEFAULT_SCRYPT_N, 2 ** 17);
  assert.deepEqual([f.kdf.N, f.kdf.r, f.kdf.p], [2 ** 17, 8, 1]);
});

test('opening a group- or world-readable vault warns', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await made(path);
  const warnings: string[] = [];
  await Vault.open(path, PASS, { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 0);
  chmodSync(path, 0o644);
  await Vault.open(path, PASS, { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /group\/other.*chmod 600/);
});

test('SQLite state files (order journal, bot state) are created 0600 whatever the umask', (t) => {
  const dir = tempDir(t);
  const old = process.umask(0o022);
  try {
    const j = new OrderJournal(join(dir, 'journal.db'));
    const s = new BotStateStore(join(dir, 'bots.db'));
    for (const f of ['journal.db', 'journal.db-wal', 'bots.db', 'bots.db-wal']) {
      if (!existsSync(join(dir, f))) continue;
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    }
    assert.equal(statSync(join(dir, 'journal.db')).mode & 0o777, 0o600);
    j.close();
    s.close();
  } finally {
    process.umask(old);
  }
});

test('CLI: keys passwd changes the passphrase atomically and audits it; a weak one is refused; an unwritable audit log rolls the change back', async (t) => {
  const dir = tempDir(t);
  const env = {
    OKXKIT_VAULT: join(dir, 'vault.json'),
    OKXKIT_VAULT_PASSPHRASE: PASS,
    OKXKIT_AUDIT_LOG: join(dir, 'audit.jsonl'),
  };
  await made(env.OKXKIT_VAULT);
  const weak = await runCli(registerKeys, ['keys', 'passwd', '--why', 'rotate'], {
    env: { ...env, OKXKIT_NEW_VAULT_PASSPHRASE: 'pass' + 'word123' },
  });
  assert.notEqual(weak.code, 0);
  assert.match(weak.stderr, /too weak/);
  const before = readFileSync(env.OKXKIT_VAULT, 'utf8');
  // The audit log is tampered with: the change must not land without its record.
  writeFileSync(env.OKXKIT_AUDIT_LOG, '{"seq":1,"hash":"x"}\n');
  const blocked = await runCli(registerKeys, ['keys', 'passwd', '--why', 'rotate'], {
    env: { ...env, OKXKIT_NEW_VAULT_PASSPHRASE: NEW_PASS },
  });
  assert.notEqual(blocked.code, 0);
  assert.equal(readFileSync(env.OKXKIT_VAULT, 'utf8'), before);
  await Vault.open(env.OKXKIT_VAULT, PASS);
  rmSync(env.OKXKIT_AUDIT_LOG);
  const ok = await runCli(registerKeys, ['keys', 'passwd', '--why', 'rotate'], {
    env: { ...env, OKXKIT_NEW_VAULT_PASSPHRASE: NEW_PASS },
  });
  assert.equal(ok.code, 0, ok.stderr);
  await assert.rejects(Vault.open(env.OKXKIT_VAULT, PASS), VaultPassphraseError);
  await Vault.open(env.OKXKIT_VAULT, NEW_PASS);
  assert.match(readFileSync(env.OKXKIT_AUDIT_LOG, 'utf8'), /key\.vault_passphrase_changed/);
  assert.ok(!(ok.stdout + ok.stderr).includes(NEW_PASS));
});
