import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MIN_SCRYPT_N, Vault } from '../../src/security/vault.js';
import { withSim } from '../helpers/sim.js';

const run = promisify(execFile);
const VAULT_PASS = 'fake vault pass cli';

async function cli(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

test('--profile: market/account/order commands take credentials and the read-only flag from the vault', async (t) => {
  const sim = await withSim(t);
  const posts: string[] = [];
  sim.server.on('request', (req) => {
    if (req.method === 'POST') posts.push(req.url ?? '');
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-cli-profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const vaultPath = join(dir, 'vault.json');
  const v = await Vault.open(vaultPath, VAULT_PASS, { create: true, scryptN: MIN_SCRYPT_N });
  v.add('watcher', sim.key('trade'), { readOnly: true });
  v.add('trader', sim.key('trade'), { readOnly: false });
  await v.save();
  const env = {
    OKX_BASE_URL: sim.restUrl,
    // The local exchange is not an OKX host: a profile goes there only when allowed (issue 11).
    OKXKIT_ALLOW_CUSTOM_BASE_URL: '1',
    OKXKIT_VAULT: vaultPath,
    OKXKIT_VAULT_PASSPHRASE: VAULT_PASS,
    HOME: dir,
  };

  const bal = await cli(['account', 'balance', '--profile', 'trader', '--json'], env);
  assert.equal(bal.code, 0, bal.stderr);
  assert.ok(JSON.stringify(JSON.parse(bal.stdout)).includes('USDT'));
  assert.doesNotMatch(bal.stderr, /embedded local exchange/);

  const order = [
    'order',
    'place',
    '--inst',
    'BTC-USDT',
    '--side',
    'buy',
    '--type',
    'limit',
    '--px',
    '1000',
    '--sz',
    '0.001',
  ];
  const refused = await cli([...order, '--profile', 'watcher'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /read-only/i);
  assert.deepEqual(posts, [], 'a read-only profile must not reach the exchange');

  const placed = await cli([...order, '--profile', 'trader', '--json'], env);
  assert.equal(placed.code, 0, placed.stderr);
  assert.equal(posts.length, 1);

  const unknown = await cli(['account', 'balance', '--profile', 'nobody'], env);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /nobody/);
  for (const out of [bal, refused, placed, unknown]) {
    assert.doesNotMatch(out.stdout + out.stderr, new RegExp(sim.key('trade').secretKey));
  }
});
