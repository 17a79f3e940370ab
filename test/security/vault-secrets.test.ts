// Named secrets besides OKX keys (alert channels' tokens, webhook URLs, SMTP passwords): encrypted
// with the profiles, never shown in errors or printed vaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_SCRYPT_N, Vault, VaultError } from '../../src/security/vault.js';

const PASS = 'correct horse battery staple 42';

test('a named secret survives save and reopen, encrypted; a missing one names the known names only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-vsec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'vault.json');
  const v = await Vault.open(path, PASS, { create: true, scryptN: MIN_SCRYPT_N });
  v.setSecret('slack-url', 'https://hooks.example.test/CANARY-slack');
  v.setSecret('tg-token', '1:CANARY-tg');
  await v.save();
  assert.ok(!readFileSync(path, 'utf8').includes('CANARY'), 'encrypted at rest');
  const again = await Vault.open(path, PASS);
  assert.equal(again.secret('slack-url'), 'https://hooks.example.test/CANARY-slack');
  assert.deepEqual(again.secretNames(), ['slack-url', 'tg-token']);
  assert.ok(!inspect(again).includes('CANARY') && !JSON.stringify(again).includes('CANARY'));
  const err = (() => {
    try {
      again.secret('nope');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof VaultError);
  assert.equal(err.code, 'SECRET_NOT_FOUND');
  assert.match(err.hint ?? '', /Known secrets: slack-url, tg-token/);
  assert.ok(!JSON.stringify(err).includes('CANARY'));
  assert.equal(again.removeSecret('tg-token'), true);
  assert.equal(again.removeSecret('tg-token'), false);
  assert.throws(() => again.setSecret('bad name!', 'x'), /profile/);
  assert.throws(() => again.setSecret('empty', ''), /secret empty: is empty/);
});

test('a vault written before named secrets existed opens with none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-vsec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'vault.json');
  const v = await Vault.open(path, PASS, { create: true, scryptN: MIN_SCRYPT_N });
  v.add('main', { apiKey: 'fake-key-0001', secretKey: 'fake-secret', passphrase: 'fake-pass' });
  await v.save();
  const again = await Vault.open(path, PASS);
  assert.deepEqual(again.secretNames(), []);
  assert.deepEqual(again.names(), ['main']);
});
