import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { until } from '../helpers/until.js';
import { Vault } from '../../src/security/vault.js';
import { signSignal } from '../../src/signals/auth.js';
import { SignalStore } from '../../src/signals/store.js';

const PASS = 'fake vault passphrase for signals tests 42!';
const SECRET = 'fake-signal-secret-in-the-vault-0000';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

describe('okxkit signals (CLI)', () => {
  test('a bad sources file names the field; nothing starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-sig-cli-'));
    const cfg = join(dir, 'signals.yaml');
    writeFileSync(
      cfg,
      'sources:\n  tv:\n    auth: token\n    secret: env:X\n    instruments: [BTC-USDT]\n    maxNotional: lots\n',
    );
    const r = await runCli(['signals', 'serve', '--config', cfg, '--port', '0']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /sources\.tv\.maxNotional/);
    const unknown = await runCli(['signals', 'serve', '--config', cfg.replace('signals', 'nope')]);
    assert.match(unknown.err, /--config: cannot read/);
  });

  test('secret in the vault -> serve on the local exchange -> a signed signal fills -> signals log --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-sig-cli-'));
    const vault = join(dir, 'vault.json');
    const env = { OKXKIT_VAULT_PASSPHRASE: PASS, OKXKIT_SIGNAL_SECRET: SECRET, OKXKIT_HOME: dir };
    const stored = await runCli(['signals', 'secret', 'bot', '--vault', vault], env);
    assert.equal(stored.code, 0, stored.err);
    assert.ok(!stored.out.includes(SECRET), 'a given secret is not echoed');
    assert.equal((await Vault.open(vault, PASS)).secret('bot'), SECRET);

    const cfg = join(dir, 'signals.yaml');
    writeFileSync(
      cfg,
      'sources:\n  bot:\n    auth: hmac\n    secret: vault:bot\n    instruments: [BTC-USDT]\n    maxNotional: 5000\n',
    );
    const db = join(dir, 'signals.sqlite');
    const port = await freePort();
    const serving = runCli(
      [
        'signals',
        'serve',
        '--config',
        cfg,
        '--port',
        String(port),
        '--db',
        db,
        '--vault',
        vault,
        '--seconds',
        '8',
      ],
      { OKXKIT_VAULT_PASSPHRASE: PASS, OKXKIT_HOME: dir },
    );
    let up = false;
    await until(
      async () => {
        up = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        );
        return up;
      },
      30_000,
      'the signals server',
    );
    const body = JSON.stringify({
      id: 'cli-1',
      instId: 'BTC-USDT',
      action: 'open',
      side: 'buy',
      size: '0.001',
    });
    const ts = String(Date.now());
    const res = await fetch(`http://127.0.0.1:${port}/signal/bot`, {
      method: 'POST',
      headers: { 'x-signal-timestamp': ts, 'x-signal-signature': signSignal(SECRET, ts, body) },
      body,
    });
    const answer = (await res.json()) as { status: string; orders: Array<{ state: string }> };
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.equal(answer.orders[0]!.state, 'filled');
    const served = await serving;
    assert.equal(served.code, 0, served.err);
    assert.match(served.out, /bot\/cli-1 open BTC-USDT -> accepted ACCEPTED: buy 0\.001 BTC-USDT filled @/);
    assert.ok(!(served.out + served.err).includes(SECRET));

    const log = await runCli(['signals', 'log', '--json', '--db', db]);
    assert.equal(log.code, 0, log.err);
    const rows = JSON.parse(log.out) as Array<{
      signalId: string;
      status: string;
      orders: Array<{ accFillSz: string }>;
    }>;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.signalId, 'cli-1');
    assert.equal(rows[0]!.orders[0]!.accFillSz, '0.001');
    const table = await runCli(['signals', 'log', '--db', db]);
    assert.match(table.out, /cli-1\s+open\s+BTC-USDT\s+accepted\s+ACCEPTED\s+buy 0\.001 filled @/);
  });

  test('signals log of an empty record, and of one source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-sig-cli-'));
    const db = join(dir, 's.sqlite');
    const store = new SignalStore(db);
    for (const source of ['a', 'b'])
      store.insert({
        receivedMs: 1,
        source,
        signalId: `${source}-1`,
        instId: 'BTC-USDT',
        action: 'open',
        signal: {},
        remote: '127.0.0.1',
        status: 'refused',
        httpStatus: 429,
        code: 'RATE_LIMITED',
        field: 'source',
        reason: 'too many',
      });
    store.close();
    const one = JSON.parse((await runCli(['signals', 'log', '--json', '--db', db, '--source', 'b'])).out);
    assert.deepEqual(
      one.map((r: { signalId: string }) => r.signalId),
      ['b-1'],
    );
    const empty = await runCli(['signals', 'log', '--db', join(dir, 'none.sqlite')]);
    assert.equal(empty.out, '(none)\n');
  });
});
