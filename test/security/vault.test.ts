import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs, {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ManualClock } from '../../src/util/clock.js';
import { ValidationError } from '../../src/util/errors.js';
import {
  MIN_SCRYPT_N,
  ProfileExistsError,
  ProfileNotFoundError,
  Vault,
  VaultCorruptError,
  VaultNotFoundError,
  VaultPassphraseError,
} from '../../src/security/vault.js';
import { clientOptionsFor, resolveCredentials } from '../../src/security/resolve.js';

const PASS = 'correct horse battery staple';
/** Tests write at the lowest accepted scrypt cost; the default (OWASP's) is tested in vault-hardening. */
const FAST = { scryptN: MIN_SCRYPT_N };
const KEY = { apiKey: 'fake-key-vault-0001', secretKey: 'fake-secret-vault-0001', passphrase: 'Fake Pass!' };
const KEY2 = {
  apiKey: 'fake-key-vault-0002',
  secretKey: 'fake-secret-vault-0002',
  passphrase: ' Fake Pass 2 ',
};

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-vault-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function makeVault(
  path: string,
  clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
): Promise<Vault> {
  const v = await Vault.open(path, PASS, { ...FAST, create: true, clock });
  v.add('grid', KEY, { label: 'grid bot', demo: true, ips: ['203.0.113.7'], notes: 'server A' });
  await v.save();
  return v;
}

test('a saved vault reopens with the same profiles; file is 0600 and holds no plaintext', async (t) => {
  const path = join(tempDir(t), 'sub', 'vault.json');
  await makeVault(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const text = readFileSync(path, 'utf8');
  for (const s of [KEY.apiKey, KEY.secretKey, KEY.passphrase, 'grid bot', 'server A'])
    assert.ok(!text.includes(s), s);
  const f = JSON.parse(text);
  assert.equal(f.kdf.name, 'scrypt');
  assert.ok(f.kdf.N >= MIN_SCRYPT_N);
  assert.equal(f.kdf.r, 8);
  assert.equal(f.kdf.p, 1);
  assert.equal(Buffer.from(f.cipher.iv, 'base64').length, 12);

  const v = await Vault.open(path, PASS, {
    ...FAST,
    clock: new ManualClock(Date.parse('2026-01-31T00:00:00Z')),
  });
  const info = v.info('grid');
  assert.equal(info.label, 'grid bot');
  assert.equal(info.demo, true);
  assert.deepEqual(info.ips, ['203.0.113.7']);
  assert.equal(info.allowWithdraw, false);
  assert.equal(info.ageDays, 30);
  assert.equal(info.apiKeyMasked, 'fake****');
  const c = v.credentials('grid');
  assert.equal(c.revealSecret(), KEY.secretKey);
  assert.equal(c.revealPassphrase(), KEY.passphrase);
});

test('every write uses a fresh salt and IV', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  const v = await makeVault(path);
  const a = JSON.parse(readFileSync(path, 'utf8'));
  await v.save();
  const b = JSON.parse(readFileSync(path, 'utf8'));
  assert.notEqual(a.kdf.salt, b.kdf.salt);
  assert.notEqual(a.cipher.iv, b.cipher.iv);
  assert.notEqual(a.ciphertext, b.ciphertext);
});

test('a wrong passphrase is a typed error', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await makeVault(path);
  await assert.rejects(Vault.open(path, 'Correct horse battery staple'), VaultPassphraseError);
});

test('a flipped byte anywhere in the ciphertext, tag or header gives VaultCorruptError, never data', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await makeVault(path);
  const f = JSON.parse(readFileSync(path, 'utf8'));
  const flip = (s: string, i: number) => {
    const b = Buffer.from(s, 'base64');
    b[i % b.length]! ^= 0x01;
    return b.toString('base64');
  };
  const cases: Record<string, unknown>[] = [
    { ...f, ciphertext: flip(f.ciphertext, 3) },
    { ...f, tag: flip(f.tag, 0) },
    { ...f, cipher: { ...f.cipher, iv: flip(f.cipher.iv, 5) } },
  ];
  for (const c of cases) {
    writeFileSync(path, JSON.stringify(c));
    await assert.rejects(Vault.open(path, PASS, FAST), VaultCorruptError);
  }
  // A changed salt derives other keys; the integrity digest still tells it from a wrong passphrase (issue 11).
  writeFileSync(path, JSON.stringify({ ...f, kdf: { ...f.kdf, salt: flip(f.kdf.salt, 1) } }));
  await assert.rejects(Vault.open(path, PASS, FAST), VaultCorruptError);
  // Weakened KDF parameters are refused before any derivation.
  writeFileSync(path, JSON.stringify({ ...f, kdf: { ...f.kdf, N: 1024 } }));
  await assert.rejects(Vault.open(path, PASS, FAST), VaultCorruptError);
});

test('a truncated or non-vault file gives VaultCorruptError', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await makeVault(path);
  const text = readFileSync(path, 'utf8');
  for (const cut of [0, 10, Math.floor(text.length / 2), text.length - 3]) {
    writeFileSync(path, text.slice(0, cut));
    await assert.rejects(Vault.open(path, PASS, FAST), VaultCorruptError, `cut at ${cut}`);
  }
  writeFileSync(path, '{"profiles":{}}');
  await assert.rejects(Vault.open(path, PASS, FAST), /not an okxkit vault/);
  await assert.rejects(Vault.open(join(tempDir(t), 'none.json'), PASS), VaultNotFoundError);
});

test('a crash between the temp write and the rename leaves the old vault intact', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'vault.json');
  const v = await makeVault(path);
  const before = readFileSync(path, 'utf8');
  v.add('dca', KEY2);
  const m = mock.method(fs, 'renameSync', () => {
    throw Object.assign(new Error('simulated power loss'), { code: 'EIO' });
  });
  syncBuiltinESMExports();
  try {
    await assert.rejects(v.save(), /simulated power loss/);
  } finally {
    m.mock.restore();
    syncBuiltinESMExports();
  }
  assert.equal(readFileSync(path, 'utf8'), before);
  // The temp file the crash left behind is a complete new vault, but the real one is untouched.
  assert.ok(readdirSync(dir).some((n) => n.endsWith('.tmp')));
  const reopened = await Vault.open(path, PASS, FAST);
  assert.deepEqual(reopened.names(), ['grid']);
  // and the next save succeeds
  reopened.add('dca', KEY2);
  await reopened.save();
  assert.deepEqual((await Vault.open(path, PASS, FAST)).names(), ['dca', 'grid']);
});

test('a failing injected writer (crash before rename) also leaves the old file', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await makeVault(path);
  const before = readFileSync(path, 'utf8');
  const v = await Vault.open(path, PASS, {
    ...FAST,
    writeFile: (p, data) => {
      writeFileSync(`${p}.partial`, data.slice(0, 40));
      throw new Error('killed');
    },
  });
  v.remove('grid');
  await assert.rejects(v.save(), /killed/);
  assert.equal(readFileSync(path, 'utf8'), before);
  assert.deepEqual((await Vault.open(path, PASS, FAST)).names(), ['grid']);
});

test('rotate swaps the key, keeps the old metadata in history and resets the age', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  await makeVault(path, clock);
  clock.set(Date.parse('2026-04-15T00:00:00Z'));
  const v = await Vault.open(path, PASS, { ...FAST, clock });
  assert.equal(v.info('grid').ageDays, 104);
  const { retired, profile } = v.rotate('grid', KEY2);
  await v.save();
  assert.equal(retired.apiKeyMasked, 'fake****');
  assert.equal(retired.createdAt, '2026-01-01T00:00:00.000Z');
  assert.equal(retired.retiredAt, '2026-04-15T00:00:00.000Z');
  assert.equal(profile.ageDays, 0);
  assert.equal(profile.label, 'grid bot');
  const again = await Vault.open(path, PASS, { ...FAST, clock });
  assert.equal(again.credentials('grid').apiKey, KEY2.apiKey);
  assert.equal(again.credentials('grid').revealPassphrase(), ' Fake Pass 2 ');
  assert.equal(again.history('grid').length, 1);
  assert.ok(!JSON.stringify(again.history()).includes(KEY.secretKey));
  assert.throws(() => again.rotate('grid', KEY2), ValidationError);
});

test('profile validation: names, duplicates, sites, permissions, IPs, missing secrets', async (t) => {
  const v = await Vault.open(join(tempDir(t), 'v.json'), PASS, { ...FAST, create: true });
  assert.throws(() => v.add('bad name', KEY), ValidationError);
  v.add('a', KEY);
  assert.throws(() => v.add('a', KEY), ProfileExistsError);
  assert.throws(() => v.add('b', KEY, { site: 'mars' as never }), /site/);
  assert.throws(() => v.add('c', KEY, { expectedPerms: ['admin' as never] }), /expectedPerms/);
  assert.throws(() => v.add('d', KEY, { ips: ['300.1.1.1'] }), /ips/);
  assert.throws(() => v.add('e', { ...KEY, secretKey: '' }), /OKX_SECRET_KEY/);
  assert.throws(() => v.info('zzz'), ProfileNotFoundError);
  assert.deepEqual(v.add('f', KEY, { ips: ['10.0.0.0/8', '2001:db8::1'] }).ips, [
    '10.0.0.0/8',
    '2001:db8::1',
  ]);
});

test('the vault never shows its secrets when printed or serialised', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  const v = await makeVault(path);
  const shown = [
    String(v),
    JSON.stringify(v),
    inspect(v, { depth: 10, showHidden: true }),
    JSON.stringify(v.list()),
    inspect(v.list()),
  ].join('\n');
  for (const s of [KEY.secretKey, KEY.passphrase, KEY.apiKey]) assert.ok(!shown.includes(s), s);
});

test('resolveCredentials: a profile brings its demo/site/readOnly; env credentials otherwise', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'vault.json');
  const v = await Vault.open(path, PASS, { ...FAST, create: true });
  v.add('watcher', KEY, { readOnly: true, site: 'eea', demo: true });
  await v.save();
  const r = await resolveCredentials({
    profile: 'watcher',
    env: { OKXKIT_VAULT: path, OKXKIT_VAULT_PASSPHRASE: PASS },
  });
  assert.equal(r.source, 'vault');
  assert.equal(r.readOnly, true);
  assert.equal(r.site, 'eea');
  assert.equal(r.demo, true);
  assert.equal(r.credentials.revealSecret(), KEY.secretKey);
  assert.deepEqual(clientOptionsFor(r, { baseUrl: 'https://eea.okx.com' }).readOnly, true);
  assert.equal(r.credentials.policy.readOnly, true, 'the policy travels with the credentials');
  // OKXKIT_PROFILE picks the profile too; a passphrase file works like the variable
  const pf = join(dir, 'pass.txt');
  writeFileSync(pf, `${PASS}\n`);
  chmodSync(pf, 0o600);
  const r2 = await resolveCredentials({
    env: { OKXKIT_PROFILE: 'watcher', OKXKIT_VAULT: path, OKXKIT_VAULT_PASSPHRASE_FILE: pf },
  });
  assert.equal(r2.profile?.name, 'watcher');
  await assert.rejects(
    resolveCredentials({ profile: 'watcher', env: { OKXKIT_VAULT: path } }),
    /no vault passphrase/,
  );
  await assert.rejects(
    resolveCredentials({ profile: 'watcher', env: { OKXKIT_VAULT: path, OKXKIT_VAULT_PASSPHRASE: 'nope' } }),
    VaultPassphraseError,
  );

  const e = await resolveCredentials({
    env: {
      OKX_API_KEY: 'fake-key-env',
      OKX_SECRET_KEY: 'fake-secret-env',
      OKX_PASSPHRASE: 'Fake Pass!',
      OKX_DEMO: '1',
      OKX_BASE_URL: 'http://127.0.0.1:9',
    },
  });
  assert.equal(e.source, 'env');
  assert.equal(e.demo, true);
  assert.equal(e.readOnly, false);
  assert.equal(e.baseUrl, 'http://127.0.0.1:9');
  await assert.rejects(
    resolveCredentials({ env: { OKX_API_KEY: 'fake-key-env' } }),
    /OKX_SECRET_KEY, OKX_PASSPHRASE/,
  );
  await assert.rejects(
    resolveCredentials({
      env: { OKX_API_KEY: 'a', OKX_SECRET_KEY: 'b', OKX_PASSPHRASE: 'c', OKX_DEMO: 'maybe' },
    }),
    ValidationError,
  );
});

test('a save over a vault another process changed meanwhile is refused, not lost', async (t) => {
  const path = join(tempDir(t), 'vault.json');
  await makeVault(path);
  const a = await Vault.open(path, PASS, FAST);
  const b = await Vault.open(path, PASS, FAST);
  a.add('dca', KEY2);
  await a.save();
  b.add('other', KEY2);
  await assert.rejects(
    b.save(),
    (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'VAULT_CONFLICT',
  );
  assert.deepEqual((await Vault.open(path, PASS, FAST)).names(), ['dca', 'grid']);
  // The same instance can keep saving its own changes.
  a.remove('dca');
  await a.save();
  assert.deepEqual((await Vault.open(path, PASS, FAST)).names(), ['grid']);
  assert.ok(!readdirSync(join(path, '..')).some((n) => n.endsWith('.lock')));
});
