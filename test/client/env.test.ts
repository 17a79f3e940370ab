import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFromEnv, clientOptionsFromEnv, envWithDotEnv, readDotEnv } from '../../src/client/env.js';
import { CredentialsError } from '../../src/client/credentials.js';
import { ValidationError } from '../../src/util/errors.js';
import { KEY, ok, startFakeOkx } from './fake-okx.js';

function tmp(t: any): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('.env is parsed without touching process.env; the environment wins over it', (t) => {
  const dir = tmp(t);
  const file = join(dir, '.env');
  writeFileSync(
    file,
    `OKX_API_KEY=${KEY.apiKey}\nOKX_SECRET_KEY=${KEY.secretKey}\nOKX_PASSPHRASE="${KEY.passphrase}"\nOKX_DEMO=1\n`,
  );
  const before = { ...process.env };
  const parsed = readDotEnv(file);
  assert.equal(
    parsed.OKX_PASSPHRASE,
    KEY.passphrase,
    'quoted value with spaces and symbols kept byte for byte',
  );
  assert.deepEqual({ ...process.env }, before);
  assert.equal(process.env.OKX_API_KEY, undefined);
  const merged = envWithDotEnv({ OKX_DEMO: '0' }, file);
  assert.equal(merged.OKX_DEMO, '0');
  assert.equal(merged.OKX_API_KEY, KEY.apiKey);
  assert.deepEqual(readDotEnv(join(dir, 'missing.env')), {});
});

test('a partial set of credentials names every missing variable', () => {
  assert.throws(
    () => clientOptionsFromEnv({ OKX_API_KEY: KEY.apiKey }),
    (e: any) =>
      e instanceof CredentialsError && /OKX_SECRET_KEY/.test(e.message) && /OKX_PASSPHRASE/.test(e.message),
  );
});

test('no credentials at all -> a public-only client; OKX_BASE_URL / OKX_DEMO / OKX_SITE are read', () => {
  const o = clientOptionsFromEnv({ OKX_BASE_URL: 'http://127.0.0.1:9', OKX_DEMO: 'true', OKX_SITE: 'eea' });
  assert.equal(o.credentials, undefined);
  assert.equal(o.baseUrl, 'http://127.0.0.1:9');
  assert.equal(o.demo, true);
  assert.equal(o.site, 'eea');
  assert.equal(clientOptionsFromEnv({ OKX_DEMO: '0' }).demo, false);
  const c = clientFromEnv({ OKX_SITE: 'us' });
  assert.equal(c.baseUrl, 'https://us.okx.com');
  void c.close();
  const d = clientFromEnv({ OKX_SITE: 'eea', OKX_DEMO: '1' });
  assert.equal(d.baseUrl, 'https://eea.okx.com');
  assert.equal(d.demo, true);
  void d.close();
});

test('bad values are named', () => {
  assert.throws(
    () => clientOptionsFromEnv({ OKX_DEMO: 'maybe' }),
    (e: any) => e instanceof ValidationError && e.field === 'OKX_DEMO',
  );
  assert.throws(
    () => clientOptionsFromEnv({ OKX_SITE: 'mars' }),
    (e: any) => e instanceof ValidationError && e.field === 'OKX_SITE',
  );
  assert.throws(
    () => clientOptionsFromEnv({ OKX_BASE_URL: 'not a url' }),
    (e: any) => e instanceof ValidationError && e.field === 'OKX_BASE_URL',
  );
});

test('*_FILE mounts: secret and passphrase from files, one trailing newline dropped; a missing file is named', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'secret'), `${KEY.secretKey}\n`);
  writeFileSync(join(dir, 'pass'), `${KEY.passphrase}\n`);
  const okx = await startFakeOkx(t);
  okx.handle(() => ok([{ ccy: 'BTC', bal: '1', frozenBal: '0', availBal: '1' }]));
  const client = clientFromEnv({
    OKX_API_KEY: KEY.apiKey,
    OKX_SECRET_KEY_FILE: join(dir, 'secret'),
    OKX_PASSPHRASE_FILE: join(dir, 'pass'),
    OKX_BASE_URL: okx.url,
  });
  t.after(() => client.close());
  await client.asset.balances();
  assert.equal(okx.requests[0]!.signed, true);

  assert.throws(
    () =>
      clientOptionsFromEnv({ OKX_API_KEY: 'k', OKX_SECRET_KEY_FILE: join(dir, 'nope'), OKX_PASSPHRASE: 'p' }),
    (e: any) => e instanceof CredentialsError && /OKX_SECRET_KEY_FILE/.test(e.message),
  );
});
