import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { OkxReadOnlyError } from '../../src/client/errors.js';
import { createLogger } from '../../src/util/logger.js';
import { auditKey, assertKeySafeToTrade, formatAuditReport } from '../../src/security/doctor.js';
import { clientForProfile, openClient } from '../../src/security/client-factory.js';
import { resolveCredentials } from '../../src/security/resolve.js';
import { MIN_SCRYPT_N, Vault } from '../../src/security/vault.js';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import { withSim } from '../helpers/sim.js';
import { runCli } from './helpers/cli.js';

const VAULT_PASS = 'fake vault pass ro';

async function vaultWith(
  t: { after: (fn: () => void) => void },
  profiles: [string, { apiKey: string; secretKey: string; passphrase: string }, { readOnly: boolean }][],
) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-ro-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'vault.json');
  const v = await Vault.open(path, VAULT_PASS, { create: true, scryptN: MIN_SCRYPT_N });
  for (const [name, keys, meta] of profiles) v.add(name, keys, meta);
  await v.save();
  return { dir, path, env: { OKXKIT_VAULT: path, OKXKIT_VAULT_PASSPHRASE: VAULT_PASS } };
}

const ORDER = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '1000',
  sz: '0.001',
  clOrdId: 'roGuardTest1',
} as const;

test('a read-only profile cannot place an order: refused locally, the exchange sees no request', async (t) => {
  const sim = await withSim(t);
  const seen: string[] = [];
  sim.server.on('request', (req) => seen.push(`${req.method} ${req.url}`));
  // The sim's "trade" key CAN trade: only the profile's read-only flag stands in the way.
  const { env } = await vaultWith(t, [
    ['watcher', sim.key('trade'), { readOnly: true }],
    ['trader', sim.key('trade'), { readOnly: false }],
  ]);
  const { client, resolved } = await openClient({
    profile: 'watcher',
    env: { ...env, OKX_BASE_URL: sim.restUrl },
    allowCustomBaseUrl: true, // the local exchange is not an OKX host (issue 11)
  });
  assert.equal(resolved.readOnly, true);
  assert.equal(client.readOnly, true);

  const before = seen.length;
  await assert.rejects(client.trade.placeOrder({ ...ORDER }), OkxReadOnlyError);
  await assert.rejects(
    client.trade.cancelOrder({ instId: 'BTC-USDT', clOrdId: 'roGuardTest1' }),
    OkxReadOnlyError,
  );
  await assert.rejects(client.trade.cancelAllAfter({ timeOut: '60' }), OkxReadOnlyError);
  assert.deepEqual(seen.slice(before), [], 'nothing reached the exchange');
  assert.deepEqual(sim.engine.ordersPending(sim.key('trade').account, {}), []);

  // Reads still work on the read-only client.
  const cfg = await client.account.config();
  assert.equal(cfg.perm, 'read_only,trade');
  assert.ok(seen.slice(before).some((s) => s.startsWith('GET /api/v5/account/config')));

  // Extra options cannot switch read-only off.
  const forced = clientForProfile(resolved, { baseUrl: sim.restUrl, readOnly: false });
  assert.equal(forced.readOnly, true);

  // Control: the same key through a normal profile does place the order.
  const trader = clientForProfile(
    await resolveCredentials({ profile: 'trader', env, allowCustomBaseUrl: true }),
    {
      baseUrl: sim.restUrl,
    },
  );
  const placed = await trader.trade.placeOrder({ ...ORDER });
  assert.equal(placed.sCode, '0');
  assert.equal(sim.engine.ordersPending(sim.key('trade').account, {}).length, 1);
});

test('a canary secret and passphrase never reach a log line, an error, a thrown object or keys list', async (t) => {
  const canary = {
    apiKey: 'fake-key-canary-0001',
    secretKey: 'fake-canary-secret-e41b',
    passphrase: 'Fake Canary Pass 77',
  };
  const sim = await withSim(t, {
    config: {
      keys: [
        {
          ...canary,
          perm: 'read_only,trade,withdraw',
          ip: '',
          label: 'canary',
          demo: false,
          account: 'main',
        },
      ],
      accounts: { main: { balances: { USDT: '1000' } } },
    },
  });
  let logged = '';
  const sink = new Writable({
    write(chunk, _e, cb) {
      logged += String(chunk);
      cb();
    },
  });
  const logger = createLogger({ level: 'trace' }, sink);
  const { env } = await vaultWith(t, [['canary', canary, { readOnly: false }]]);
  const { client } = await openClient({
    profile: 'canary',
    env: { ...env, OKX_BASE_URL: sim.restUrl },
    allowCustomBaseUrl: true, // the local exchange is not an OKX host (issue 11)
    client: { logger, retry: { maxRetries: 0 } },
  });
  const shown: string[] = [];
  const capture = (e: unknown) =>
    shown.push(
      String(e),
      JSON.stringify(e),
      inspect(e, { depth: 8, showHidden: true }),
      (e as Error).stack ?? '',
    );

  await client.account.balance();
  await client.trade.placeOrder({ ...ORDER, clOrdId: 'canary1' }).catch(capture);
  // Wrong passphrase and wrong secret: auth errors from the gateway.
  const { client: bad } = await openClient({
    env: {
      OKX_API_KEY: canary.apiKey,
      OKX_SECRET_KEY: `${canary.secretKey}x`,
      OKX_PASSPHRASE: canary.passphrase,
      OKX_BASE_URL: sim.restUrl,
    },
    client: { logger, retry: { maxRetries: 0 } },
  });
  await bad.account.balance().then(
    () => assert.fail('expected 50113'),
    (e) => capture(e),
  );
  const report = await auditKey(client);
  shown.push(JSON.stringify(report), formatAuditReport(report));
  try {
    assertKeySafeToTrade(report);
  } catch (e) {
    capture(e);
  }
  shown.push(inspect(client, { depth: 6, showHidden: true }), JSON.stringify(client));
  const list = await runCli(registerKeys, ['keys', 'list', '--json', '--history'], { env });
  const list2 = await runCli(registerKeys, ['keys', 'list'], { env });
  shown.push(list.stdout, list.stderr, list2.stdout, list2.stderr);

  assert.ok(logged.includes('okx request'), 'the request log is on');
  assert.match(shown.join('\n'), /50113/);
  const haystack = `${logged}\n${shown.join('\n')}`;
  for (const secret of [canary.secretKey, canary.passphrase, VAULT_PASS])
    assert.ok(!haystack.includes(secret), `leaked: ${secret.slice(0, 8)}…`);
});
