import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_SCRYPT_N, Vault } from '../../src/security/vault.js';

// Named secrets that are not OKX keys (a signal source's HMAC secret or token, issue 19).
const PASS = 'fake vault passphrase for named secrets 7!';
const VALUE = 'fake-named-secret-value-0000';

test('a named secret round-trips encrypted; a missing one names the known ones, never a value', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'okxkit-vault-secrets-')), 'vault.json');
  const v = await Vault.open(path, PASS, { create: true, scryptN: MIN_SCRYPT_N });
  assert.throws(() => v.setSecret('tv', 'short'), /at least|shorter than 16/);
  v.setSecret('tv', VALUE);
  await v.save();
  assert.ok(!readFileSync(path, 'utf8').includes(VALUE), 'stored encrypted');
  const again = await Vault.open(path, PASS, { scryptN: MIN_SCRYPT_N });
  assert.equal(again.secret('tv'), VALUE);
  assert.deepEqual(again.secretNames(), ['tv']);
  assert.deepEqual(again.names(), [], 'not an OKX key profile');
  assert.throws(
    () => again.secret('bot'),
    (err: Error & { code?: string; hint?: string }) =>
      err.code === 'SECRET_NOT_FOUND' &&
      /known: tv/.test(err.hint ?? '') &&
      !JSON.stringify(err).includes(VALUE),
  );
});
