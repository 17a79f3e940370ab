// The alerts: section of a bots.yaml -> the hub: validation naming fields, secrets only from the
// environment (*_FILE too) or the vault, the CLI's test command, and no secret in any output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlertsConfigError,
  alertsFromConfig,
  parseAlertsConfig,
  startAlertReceiver,
} from '../../src/ops/alerts/index.js';
import { Vault, MIN_SCRYPT_N } from '../../src/security/vault.js';
import { TestClock } from '../../src/util/clock.js';
import { runCli } from '../helpers/cli.js';

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'okxkit-alerts-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('alerts config validation', () => {
  test('a secret written in clear is refused, naming the field and the fix, without echoing it', () => {
    const err = (() => {
      try {
        parseAlertsConfig({
          channels: [{ type: 'slack', url: 'https://hooks.slack.com/services/CANARYclear' }],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof AlertsConfigError);
    assert.equal(err.issues[0]!.field, 'alerts.channels[0].url');
    assert.match(err.message, /\{ env: NAME \}.*\{ vault: NAME \}/);
    assert.ok(!err.message.includes('CANARY'));
  });

  test('unknown settings, bad types and duplicate names name their field', () => {
    assert.throws(
      () => parseAlertsConfig({ channels: [], rule: {} }),
      (e: AlertsConfigError) => e.issues[0]!.field === 'alerts.rule' && /not a known setting/.test(e.message),
    );
    assert.throws(
      () => parseAlertsConfig({ channels: [{ type: 'pager', url: 'x' }] }),
      (e: AlertsConfigError) =>
        /type must be one of webhook, slack, discord, telegram, email/.test(e.message),
    );
    assert.throws(
      () =>
        parseAlertsConfig({ channels: [{ type: 'email', host: 'h', port: 'x', from: 'a@b', to: 'c@d' }] }),
      (e: AlertsConfigError) => e.issues[0]!.field === 'alerts.channels[0].port',
    );
    assert.throws(
      () =>
        parseAlertsConfig({
          channels: [
            { type: 'discord', url: { env: 'A' } },
            { type: 'discord', url: { env: 'B' } },
          ],
        }),
      (e: AlertsConfigError) => e.issues[0]!.field === 'alerts.channels[1].name',
    );
    assert.deepEqual(parseAlertsConfig(undefined).channels, []);
  });

  test('a missing environment secret names the variable and the field', async () => {
    await assert.rejects(
      alertsFromConfig({ channels: [{ type: 'discord', url: { env: 'NOPE_URL' } }] }, { env: {} }),
      /alerts\.channels\[0\]\.url: the environment variable NOPE_URL \(or NOPE_URL_FILE\) is not set/,
    );
  });
});

describe('alertsFromConfig: secrets from *_FILE and the vault, thresholds into the rules', () => {
  test('builds every channel with its secret, delivers, and carries the rule thresholds', async (t) => {
    const dir = tmp(t);
    const rx = await startAlertReceiver({ secret: 'fake-file-secret' });
    t.after(() => rx.close());
    writeFileSync(join(dir, 'hook.secret'), 'fake-file-secret\n');
    const vaultPath = join(dir, 'vault.json');
    const pass = 'correct horse battery staple 42';
    const v = await Vault.open(vaultPath, pass, { create: true, scryptN: MIN_SCRYPT_N });
    v.setSecret('tg-token', '42:fake-vault-token');
    await v.save();
    const clock = new TestClock(Date.now());
    const hub = await alertsFromConfig(
      {
        channels: [
          { name: 'hook', type: 'webhook', url: `${rx.url}/h`, secret: { env: 'HOOK_SECRET' } },
          {
            name: 'tg',
            type: 'telegram',
            token: { vault: 'tg-token' },
            chatId: 7,
            apiUrl: rx.url,
            minSeverity: 'critical',
          },
        ],
        rules: { wsDownSeconds: 5, keyMaxAgeDays: 30 },
      },
      {
        env: { HOOK_SECRET_FILE: join(dir, 'hook.secret'), OKXKIT_VAULT_PASSPHRASE: pass },
        vaultPath,
        clock,
      },
    );
    t.after(() => hub.close());
    assert.equal(hub.rules.thresholds.wsDownMs, 5_000);
    assert.equal(hub.rules.thresholds.keyMaxAgeDays, 30);
    assert.deepEqual(
      (await hub.test()).map((o) => [o.channel, o.ok]),
      [
        ['hook', true],
        ['tg', true],
      ],
    );
    assert.equal(rx.received[0]!.signature, 'ok', 'signed with the secret read from HOOK_SECRET_FILE');
    assert.equal(rx.received[1]!.path, '/bot42:fake-vault-token/sendMessage', 'token from the vault');
    // a warning skips the critical-only channel; a rule firing reaches both
    await hub.emit({ kind: 'x', severity: 'warning', message: 'w' });
    assert.equal(rx.received.length, 3);
    hub.rules.observeKillSwitch({ scope: 'all', engaged: true, reason: 'test' });
    await rx.next(5);
    assert.deepEqual(
      rx.received
        .slice(3)
        .map((r) => r.path.replace(/^\/bot[^/]+/, '/bot'))
        .sort(),
      ['/bot/sendMessage', '/h'],
    );
  });
});

describe('okxkit alerts test', () => {
  test('prints each channel outcome and exits 1 when one failed; no secret in the output', async (t) => {
    const dir = tmp(t);
    const rx = await startAlertReceiver();
    t.after(() => rx.close());
    const dead = await startAlertReceiver();
    const deadUrl = dead.url;
    await dead.close();
    const file = join(dir, 'alerts.yaml');
    writeFileSync(
      file,
      [
        'alerts:',
        '  channels:',
        '    - { name: good, type: slack, url: { env: GOOD_URL } }',
        '    - { name: bad, type: discord, url: { env: BAD_URL } }',
      ].join('\n'),
    );
    const env = { GOOD_URL: `${rx.url}/services/CANARYgood`, BAD_URL: `${deadUrl}/api/webhooks/CANARYbad` };
    const r = await runCli(['alerts', 'test', '-c', file], env);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ok {4}good \(slack\)$/m);
    assert.match(
      r.out,
      /^FAIL {2}bad \(discord\): alert channel bad: could not reach the service \(ECONNREFUSED\)$/m,
    );
    assert.match(r.out, /1 of 2 channel\(s\) delivered the test alert/);
    assert.ok(!`${r.out}${r.err}`.includes('CANARY'));
    const j = await runCli(['alerts', 'test', '-c', file, '--json'], { ...env, BAD_URL: `${rx.url}/x` });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(
      (JSON.parse(j.out) as Array<{ channel: string; ok: boolean }>).map((o) => [o.channel, o.ok]),
      [
        ['good', true],
        ['bad', true],
      ],
    );
  });

  test('a config with a clear secret fails before sending anything', async (t) => {
    const dir = tmp(t);
    const file = join(dir, 'a.yaml');
    writeFileSync(file, 'channels:\n  - { type: telegram, token: "1:CANARYclear", chatId: 1 }\n');
    const r = await runCli(['alerts', 'test', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.err, /alerts\.channels\[0\]\.token/);
    assert.ok(!r.err.includes('CANARY'));
  });
});

describe('the hub never shows a secret (canary)', () => {
  test('inspect / JSON of the hub and its channels, and a failing delivery, hold no secret', async () => {
    const canary = 'CANARY-hub-7731';
    const hub = await alertsFromConfig(
      {
        retries: 0,
        channels: [
          { name: 'w', type: 'webhook', url: 'http://127.0.0.1:9/h', secret: { env: 'S' } },
          {
            name: 'e',
            type: 'email',
            host: '127.0.0.1',
            port: 9,
            user: 'u',
            password: { env: 'P' },
            from: 'a@b.c',
            to: 'd@e.f',
          },
        ],
      },
      { env: { S: canary, P: canary } },
    );
    const outcomes = await hub.test();
    await hub.close();
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [false, false],
    );
    const shown = [
      inspect(hub, { depth: 8 }),
      JSON.stringify(outcomes),
      ...hub.channels.map((c) => inspect(c, { depth: 8 })),
    ].join('\n');
    assert.ok(!shown.includes(canary), shown);
  });
});

describe('the hub feeds the rules', () => {
  test('observeError counts toward the configured 50011 rule once, not the hub default', async () => {
    const clock = new TestClock(0);
    const hub = await alertsFromConfig(
      {
        rules: {
          rateLimited: { threshold: 2, windowSeconds: 10 },
          errorRate: { threshold: 3, windowSeconds: 10 },
        },
      },
      { clock },
    );
    const e = Object.assign(new Error('rate limited'), { code: '50011' });
    hub.observeError(e);
    hub.observeError(e);
    hub.observeError(e);
    await hub.close();
    assert.deepEqual(
      hub.history.map((a) => a.kind),
      ['rate-limited', 'error-rate'],
    );
  });
});
