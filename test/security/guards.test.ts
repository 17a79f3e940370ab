// Issue 11 items 1-3: one read-only policy bound to the credentials, a frozen endpoint catalogue,
// WS login/op checks on the local exchange, the fault route's origin check, and credentials that
// never follow a redirected base URL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Credentials } from '../../src/client/credentials.js';
import { clientFromEnv, envWithDotEnv } from '../../src/client/env.js';
import { OkxReadOnlyError } from '../../src/client/errors.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { ENDPOINTS, SUB_ACCOUNT_ORDER_LIMIT } from '../../src/protocol/endpoints.js';
import { signWsLogin } from '../../src/protocol/sign.js';
import { BaseUrlRefusedError, clientOptionsFor, resolveCredentials } from '../../src/security/resolve.js';
import { MIN_SCRYPT_N, Vault } from '../../src/security/vault.js';
import type { SimKey } from '../../src/sim/contracts.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { withSim } from '../helpers/sim.js';

const FAKE = {
  apiKey: 'guard-fake-key-0001',
  secretKey: 'GUARDFAKESECRET000000000',
  passphrase: 'Guard Fake 1!',
};
const ORDER = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '1000',
  sz: '0.001',
} as const;

/** A local HTTP server that counts every request it receives (and answers 500). */
async function countingServer(t: { after(fn: () => unknown): void }) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} key=${String(req.headers['ok-access-key'] ?? '')}`);
    res.writeHead(500).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe('item 1: one read-only policy, whatever built the client', () => {
  test('the endpoint catalogue cannot be edited at run time', () => {
    assert.throws(() => {
      (ENDPOINTS['trade.order'] as { permission?: string }).permission = 'read';
    }, TypeError);
    assert.throws(() => {
      (ENDPOINTS['trade.order'].rate as { limit: number }).limit = 1e9;
    }, TypeError);
    assert.throws(() => {
      (ENDPOINTS as Record<string, unknown>)['trade.order'] = {};
    }, TypeError);
    assert.throws(() => {
      (SUB_ACCOUNT_ORDER_LIMIT as { limit: number }).limit = 1e9;
    }, TypeError);
    assert.equal(ENDPOINTS['trade.order'].permission, 'trade');
  });

  test('OKXKIT_READ_ONLY=1 binds a client built by clientFromEnv: nothing is sent', async (t) => {
    const srv = await countingServer(t);
    const client = clientFromEnv(
      {
        OKX_API_KEY: FAKE.apiKey,
        OKX_SECRET_KEY: FAKE.secretKey,
        OKX_PASSPHRASE: FAKE.passphrase,
        OKX_BASE_URL: srv.url,
        OKXKIT_READ_ONLY: '1',
      },
      { retry: { maxRetries: 0 } },
    );
    t.after(() => client.close());
    assert.equal(client.readOnly, true);
    await assert.rejects(client.trade.placeOrder({ ...ORDER }), OkxReadOnlyError);
    await assert.rejects(client.trade.cancelAllAfter({ timeOut: '60' }), OkxReadOnlyError);
    assert.deepEqual(srv.seen, []);
  });

  test('read-only credentials bind REST whoever constructs the client: batch, amend, cancel, cancel-all-after, raw call', async (t) => {
    const srv = await countingServer(t);
    const ro = new Credentials(FAKE.apiKey, FAKE.secretKey, FAKE.passphrase, { readOnly: true });
    // The caller asks for a trading client: the credentials' policy wins.
    const client = new OkxClient({
      baseUrl: srv.url,
      credentials: ro,
      readOnly: false,
      retry: { maxRetries: 0 },
    });
    t.after(() => client.close());
    assert.equal(client.readOnly, true);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['placeOrder', () => client.trade.placeOrder({ ...ORDER })],
      ['batchOrders', () => client.trade.batchOrders([{ ...ORDER }])],
      ['amendOrder', () => client.trade.amendOrder({ instId: 'BTC-USDT', ordId: '1', newPx: '2' })],
      ['cancelOrder', () => client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' })],
      ['cancelAllAfter', () => client.trade.cancelAllAfter({ timeOut: '60' })],
      ['raw call', () => client.call('trade.order', { body: { ...ORDER } }, ENDPOINT_ANY)],
    ];
    for (const [name, call] of calls) await assert.rejects(call(), OkxReadOnlyError, name);
    assert.deepEqual(srv.seen, []);
    // The policy can only be made stricter.
    assert.equal(ro.restrict({ readOnly: false }).policy.readOnly, true);
    assert.equal(new Credentials('k', 's', 'p').restrict({ readOnly: true }).policy.readOnly, true);
  });

  test('withdraw endpoints are refused unless the credentials allow withdrawals', () => {
    const plain = new Credentials('k', 's', 'p');
    assert.equal(plain.policy.refusal('withdraw', true), 'withdraw');
    assert.equal(plain.policy.refusal('trade', true), undefined);
    assert.equal(plain.policy.refusal(undefined, true), undefined);
    const ro = new Credentials('k', 's', 'p', { readOnly: true, allowWithdraw: true });
    assert.equal(ro.policy.allowWithdraw, false, 'read-only never withdraws');
    assert.equal(
      ro.policy.refusal(undefined, true),
      'trade',
      'an unclassified private endpoint counts as trade',
    );
    assert.equal(ro.policy.refusal('read', true), undefined);
  });

  test('a read-only vault profile cannot trade over WebSocket: typed refusal, nothing reaches the exchange', async (t) => {
    const sim = await withSim(t);
    const received: string[] = [];
    sim.server.on('upgrade', (req, socket) => {
      socket.on('data', () => received.push(String(req.url)));
    });
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-guards-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const vault = await Vault.open(join(dir, 'vault.json'), 'Correct-Horse-Battery-Staple-42', {
      create: true,
      scryptN: MIN_SCRYPT_N,
    });
    vault.add('watcher', sim.key('trade'), { readOnly: true });
    const creds = vault.credentials('watcher');
    assert.equal(creds.policy.readOnly, true);
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: creds });
    t.after(() => ws.close());
    await assert.rejects(ws.trade.placeOrder({ ...ORDER }), OkxReadOnlyError);
    await assert.rejects(ws.trade.batchOrders([{ ...ORDER }]), OkxReadOnlyError);
    await assert.rejects(
      ws.trade.amendOrder({ instId: 'BTC-USDT', ordId: '1', newPx: '2' }),
      OkxReadOnlyError,
    );
    await assert.rejects(ws.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' }), OkxReadOnlyError);
    // A raw op on the connection is bound too.
    await assert.rejects(ws.connection('private').request('order', [{ ...ORDER }]), OkxReadOnlyError);
    await assert.rejects(ws.connection('private').request('mass-cancel', [{}]), OkxReadOnlyError);
    assert.deepEqual(received, [], 'nothing was sent: not even a connection');
    // The WS client's own readOnly option adds to a trading key's policy.
    const ws2 = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade'), readOnly: true });
    t.after(() => ws2.close());
    await assert.rejects(ws2.trade.placeOrder({ ...ORDER }), OkxReadOnlyError);
  });
});

const ENDPOINT_ANY = { parse: (x: unknown) => x } as never;

// --- item 2 ---------------------------------------------------------------------------------

interface WsReply {
  event?: string;
  op?: string;
  code?: string;
  msg?: string;
}

/** Opens a raw socket, logs in with `key` and returns the login reply (and the socket). */
async function rawLogin(
  sim: Simulator,
  key: Pick<SimKey, 'apiKey' | 'secretKey' | 'passphrase'>,
  opts: { headers?: Record<string, string> } = {},
): Promise<{ ws: WebSocket; reply: WsReply; next: () => Promise<WsReply> }> {
  const ws = new WebSocket(sim.wsUrls.wsPrivate, { headers: opts.headers ?? {} });
  const queue: WsReply[] = [];
  const waiters: Array<(m: WsReply) => void> = [];
  ws.on('message', (d) => {
    const text = d.toString();
    if (text === 'pong') return;
    const m = JSON.parse(text) as WsReply;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const next = () =>
    new Promise<WsReply>((resolve) => {
      const m = queue.shift();
      if (m) resolve(m);
      else waiters.push(resolve);
    });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const timestamp = String(Math.floor(sim.clock.now() / 1000));
  ws.send(
    JSON.stringify({
      op: 'login',
      args: [
        {
          apiKey: key.apiKey,
          passphrase: key.passphrase,
          timestamp,
          sign: signWsLogin({ timestamp, secretKey: key.secretKey }),
        },
      ],
    }),
  );
  return { ws, reply: await next(), next };
}

function keyOf(label: string, over: Partial<SimKey>): SimKey {
  return {
    label,
    apiKey: `fake-ws-${label}-0001`,
    secretKey: `FAKEWSSECRET${label.toUpperCase()}0000`,
    passphrase: 'Fake Pass 1!',
    perm: 'read_only,trade',
    ip: '',
    demo: false,
    account: 'main',
    ...over,
  };
}

describe('item 2: the local exchange checks WS trading as REST does', () => {
  const keys = [
    keyOf('reader', { perm: 'read_only' }),
    keyOf('faraway', { ip: '10.9.8.7' }),
    keyOf('demo', { demo: true }),
    keyOf('trader', {}),
  ];
  const config = { keys, accounts: { main: { balances: { USDT: '100000' } } } };

  test('a read-only key logs in but its order ops are refused with 50120; nothing is placed', async (t) => {
    const sim = await withSim(t, { config });
    const { ws, reply, next } = await rawLogin(sim, keys[0]!);
    t.after(() => ws.close());
    assert.equal(reply.code, '0');
    for (const op of ['order', 'batch-orders', 'amend-order', 'cancel-order']) {
      ws.send(
        JSON.stringify({ id: `x${op.replace(/-/g, '')}`, op, args: [{ ...ORDER, ordId: '1', newPx: '2' }] }),
      );
      const r = await next();
      assert.equal(r.op, op);
      assert.equal(r.code, '50120', `${op}: ${JSON.stringify(r)}`);
    }
    const { ws: w2, next: n2 } = await rawLogin(sim, keys[3]!);
    t.after(() => w2.close());
    w2.send(JSON.stringify({ id: 'ok1', op: 'order', args: [{ ...ORDER }] }));
    assert.equal((await n2()).code, '0', 'a trade key still trades');
  });

  test('a key bound to another IP cannot log in (50110 naming the IP)', async (t) => {
    const sim = await withSim(t, { config });
    const { ws, reply } = await rawLogin(sim, keys[1]!);
    t.after(() => ws.close());
    assert.equal(reply.event, 'error');
    assert.equal(reply.code, '50110');
    assert.match(reply.msg ?? '', /127\.0\.0\.1/);
  });

  test('a demo key on the live endpoint and a live key on demo get 50101; the demo key logs in on demo', async (t) => {
    const sim = await withSim(t, { config });
    const live = await rawLogin(sim, keys[2]!);
    t.after(() => live.ws.close());
    assert.equal(live.reply.code, '50101');
    const demoHdr = { 'x-simulated-trading': '1' };
    const onDemo = await rawLogin(sim, keys[2]!, { headers: demoHdr });
    t.after(() => onDemo.ws.close());
    assert.equal(onDemo.reply.code, '0');
    const liveKeyOnDemo = await rawLogin(sim, keys[3]!, { headers: demoHdr });
    t.after(() => liveKeyOnDemo.ws.close());
    assert.equal(liveKeyOnDemo.reply.code, '50101');
    // OkxWsClient marks a demo connection the same way.
    const client = new OkxWsClient({
      urls: sim.wsUrls,
      demo: true,
      credentials: new Credentials(keys[2]!.apiKey, keys[2]!.secretKey, keys[2]!.passphrase),
    });
    t.after(() => client.close());
    await client.connection('private').connect();
  });

  test('/sim/faults refuses requests from a web page and requests without the admin header', async (t) => {
    const sim = await withSim(t);
    const post = (headers: Record<string, string>) =>
      fetch(`${sim.restUrl}/sim/faults`, { method: 'POST', headers, body: JSON.stringify({ errorRate: 1 }) });
    // What a page on another site can send without a preflight: text/plain, with its Origin.
    let r = await post({ 'content-type': 'text/plain', origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    r = await post({ 'x-okxkit-sim-admin': '1', origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    r = await post({ 'x-okxkit-sim-admin': '1', 'sec-fetch-site': 'cross-site' });
    assert.equal(r.status, 403);
    r = await post({ 'content-type': 'application/json' });
    assert.equal(r.status, 403);
    assert.equal(sim.faults.settings.errorRate, 0, 'no refused request changed a fault');
    r = await post({ 'x-okxkit-sim-admin': '1' });
    assert.equal(r.status, 200);
    assert.equal(sim.faults.settings.errorRate, 1);
  });
});

// --- item 3 ---------------------------------------------------------------------------------

describe('item 3: credentials never follow a redirected base URL', () => {
  async function liveVault(t: { after(fn: () => unknown): void }) {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-baseurl-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const vaultPath = join(dir, 'vault.json');
    const pass = 'Correct-Horse-Battery-Staple-42';
    const v = await Vault.open(vaultPath, pass, { create: true, scryptN: MIN_SCRYPT_N });
    v.add('live1', FAKE, { site: 'global' });
    v.add('eu', { ...FAKE, apiKey: 'guard-fake-key-eu01' }, { site: 'eea' });
    await v.save();
    return { dir, vaultPath, pass };
  }

  test('OKX_BASE_URL from a .env file never redirects a vault profile', async (t) => {
    const { dir, vaultPath, pass } = await liveVault(t);
    const dotenv = join(dir, '.env');
    writeFileSync(dotenv, 'OKX_BASE_URL=http://127.0.0.1:19402\nOKX_DEMO=1\n');
    const env = envWithDotEnv({ OKXKIT_VAULT_PASSPHRASE: pass }, dotenv);
    assert.equal(env.OKX_BASE_URL, 'http://127.0.0.1:19402', 'the .env was read');
    const r = await resolveCredentials({ profile: 'live1', env, vaultPath });
    assert.equal(r.baseUrl, undefined);
    assert.equal(r.demo, false);
    const client = new OkxClient(clientOptionsFor(r));
    t.after(() => client.close());
    assert.equal(client.baseUrl, 'https://www.okx.com');
  });

  test('a non-official base URL needs an explicit flag, is reported, and a profile is bound to its site', async (t) => {
    const { vaultPath, pass } = await liveVault(t);
    const env = { OKXKIT_VAULT_PASSPHRASE: pass, OKX_BASE_URL: 'http://127.0.0.1:19402' };
    await assert.rejects(resolveCredentials({ profile: 'live1', env, vaultPath }), BaseUrlRefusedError);
    await assert.rejects(
      resolveCredentials({
        profile: 'live1',
        env: { OKXKIT_VAULT_PASSPHRASE: pass },
        vaultPath,
        baseUrl: 'https://okx.com.evil.example',
      }),
      BaseUrlRefusedError,
    );
    // An EEA profile is not sent to the global host.
    await assert.rejects(
      resolveCredentials({
        profile: 'eu',
        env: { OKXKIT_VAULT_PASSPHRASE: pass },
        vaultPath,
        baseUrl: 'https://www.okx.com',
      }),
      BaseUrlRefusedError,
    );
    const ok = await resolveCredentials({ profile: 'live1', env, vaultPath, allowCustomBaseUrl: true });
    assert.equal(ok.baseUrl, 'http://127.0.0.1:19402');
    assert.match(ok.baseUrlNotice ?? '', /127\.0\.0\.1:19402.*not an official OKX global host/);
    const official = await resolveCredentials({
      profile: 'eu',
      env: { OKXKIT_VAULT_PASSPHRASE: pass },
      vaultPath,
      baseUrl: 'https://eea.okx.com',
    });
    assert.equal(official.baseUrlNotice, undefined);
    // An override given later (e.g. a command's --base-url) is checked the same way.
    const plain = await resolveCredentials({
      profile: 'live1',
      env: { OKXKIT_VAULT_PASSPHRASE: pass },
      vaultPath,
    });
    assert.throws(() => clientOptionsFor(plain, { baseUrl: 'http://127.0.0.1:1' }), BaseUrlRefusedError);
  });

  test("CLI: a .env in the working directory does not send a profile's key to its URL", async (t) => {
    const { dir, vaultPath, pass } = await liveVault(t);
    const srv = await countingServer(t);
    writeFileSync(join(dir, '.env'), `OKX_BASE_URL=${srv.url}\n`);
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          import.meta.resolve('tsx'),
          join(process.cwd(), 'src/cli/main.ts'),
          'account',
          'balance',
          '--profile',
          'live1',
          '--base-url',
          srv.url,
        ],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: dir,
            OKXKIT_VAULT: vaultPath,
            OKXKIT_VAULT_PASSPHRASE: pass,
          },
          timeout: 60_000,
        },
        (err, _stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /--allow-custom-base-url/);
    assert.deepEqual(srv.seen, [], 'the key never reached the redirected URL');
  });
});
