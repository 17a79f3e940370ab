import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runWatch } from '../../src/cli/commands/watch.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { Vault } from '../../src/security/vault.js';
import { withSim } from '../helpers/sim.js';

test('watch orders --profile logs in with the vault profile and prints its order updates', async (t) => {
  const sim = await withSim(t);
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-watch-profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const vaultPath = join(dir, 'vault.json');
  const v = await Vault.open(vaultPath, 'fake vault pass watch', { create: true });
  v.add('trader', sim.key('trade'), { readOnly: false });
  await v.save();

  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const env = { OKX_BASE_URL: sim.restUrl, OKXKIT_VAULT_PASSPHRASE: 'fake vault pass watch' };
  let subscribed!: () => void;
  const up = new Promise<void>((r) => (subscribed = r));
  const watching = runWatch(
    'orders',
    undefined,
    { profile: 'trader', vault: vaultPath, json: true, seconds: 3, env, onSubscribed: subscribed },
    out,
  );

  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  t.after(() => client.close());
  // Place once the login and subscription are up; the watch prints the pushed order.
  await up;
  await client.trade.placeOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'limit',
    px: '1000',
    sz: '0.001',
    clOrdId: 'watchProfile1',
  });
  const n = await watching;
  assert.ok(n >= 1, `expected an order push, got: ${text}`);
  assert.match(text, /watchProfile1/);
  assert.doesNotMatch(text, new RegExp(sim.key('trade').secretKey));
});
