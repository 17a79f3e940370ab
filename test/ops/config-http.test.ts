import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { alertSinksFromConfig, parseOpsConfig } from '../../src/ops/config.js';
import { OpsServer } from '../../src/ops/http.js';
import { Supervisor } from '../../src/ops/supervisor.js';
import { AuditLog } from '../../src/security/audit-log.js';
import { WebhookSink } from '../../src/trading/alerts.js';
import { OKXKIT_SERIES } from '../../src/ops/metrics.js';

const BOT = `{ id: dca1, instId: BTC-USDT, quoteAmount: "50", intervalSec: 60, takeProfitPct: "1" }`;

describe('supervisor config (bots.yaml)', () => {
  test('YAML and JSON give the same config, with defaults', () => {
    const y = parseOpsConfig(`bots:\n  - kind: dca\n    config: ${BOT}\n`);
    const j = parseOpsConfig(
      JSON.stringify({
        bots: [
          {
            kind: 'dca',
            config: {
              id: 'dca1',
              instId: 'BTC-USDT',
              quoteAmount: '50',
              intervalSec: 60,
              takeProfitPct: '1',
            },
          },
        ],
      }),
    );
    assert.deepEqual(y, j);
    assert.deepEqual(y.listen, { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(y.exchange, { sim: { seed: 7 } });
    assert.equal(y.bots[0]!.cancelOnExit, false);
  });

  test("each bot's order tag (its dead-man's switch) is its own; more than 20 switches on one key are refused", () => {
    const dca = (id: string, extra = '') =>
      `  - kind: dca\n    config: { id: ${id}, instId: BTC-USDT, quoteAmount: "50", intervalSec: 60, takeProfitPct: "1"${extra} }\n`;
    // Two long ids sharing their first 16 characters still get different derived tags.
    const ok = parseOpsConfig(`bots:\n${dca('dcaEthereumWeekly01')}${dca('dcaEthereumWeekly02')}`);
    assert.equal(ok.bots.length, 2);
    assert.throws(
      () => parseOpsConfig(`bots:\n${dca('dca1', ', tag: shared')}${dca('dca2', ', tag: shared')}`, 'b.yaml'),
      (err: Error & { issues?: { field: string; problem: string }[] }) => {
        assert.deepEqual(
          err.issues!.map((i) => i.field),
          ['b.yaml: bots[1].config.tag'],
        );
        assert.match(err.message, /order tag "shared" is also bot "dca1"'s/);
        return true;
      },
    );
    assert.throws(
      () => parseOpsConfig(`bots:\n${dca('dca1', ', tag: "no-dash"')}`),
      /tag: must be 1 to 16 letters/,
    );
    const many = Array.from({ length: 21 }, (_, i) => dca(`d${i}`)).join('');
    assert.throws(() => parseOpsConfig(`bots:\n${many}`), /21 bots keep a dead-man's switch.*51071/);
    const offOne = Array.from({ length: 21 }, (_, i) => dca(`d${i}`, i === 0 ? ', deadManSec: 0' : '')).join(
      '',
    );
    assert.equal(parseOpsConfig(`bots:\n${offOne}`).bots.length, 21);
  });

  test('every bad field is named with its fix: bot settings, unknown keys, duplicate ids, kinds', () => {
    const bad = `
listen: { prot: 1 }
bots:
  - kind: grid
    config: { id: g1, instId: BTC-USDT, lower: "1", upper: "2", levels: 1, investment: "100" }
  - kind: dca
    config: ${BOT}
  - kind: dca
    config: ${BOT}
  - kind: martingale
    config: {}
`;
    assert.throws(
      () => parseOpsConfig(bad, 'bots.yaml'),
      (err: Error) => {
        assert.match(err.message, /bots\.yaml: listen\.prot.*not a known setting/);
        return true;
      },
    );
    const noListen = bad.replace('listen: { prot: 1 }\n', '');
    assert.throws(
      () => parseOpsConfig(noListen, 'bots.yaml'),
      (err: Error & { issues?: { field: string; problem: string }[] }) => {
        const fields = err.issues!.map((i) => i.field);
        assert.ok(
          fields.some((f) => f.includes('bots[0].config.levels')),
          fields.join(', '),
        );
        assert.ok(
          fields.some((f) => f.includes('bots[2].config.id')),
          fields.join(', '),
        );
        assert.ok(
          fields.some((f) => f.includes('bots[3].kind')),
          fields.join(', '),
        );
        assert.match(err.message, /used by another bot/);
        return true;
      },
    );
    assert.throws(() => parseOpsConfig('bots: [', 'x.yaml'), /x\.yaml: is not valid YAML or JSON/);
    assert.throws(() => parseOpsConfig('bots: []'), /bots: needs at least one bot/);
    assert.throws(
      () =>
        parseOpsConfig(
          `exchange: { sim: {}, baseUrl: "http://127.0.0.1:1" }\nbots:\n  - kind: dca\n    config: ${BOT}\n`,
        ),
      /exchange: sim cannot be combined with baseUrl/,
    );
  });

  test('alerts.webhook.url becomes a webhook sink; a bad one names the field', () => {
    const sinks = alertSinksFromConfig({ webhook: { url: 'http://127.0.0.1:9/hook' } });
    assert.equal(sinks.length, 1);
    assert.ok(sinks[0] instanceof WebhookSink);
    assert.deepEqual(alertSinksFromConfig(undefined), []);
    assert.throws(() => alertSinksFromConfig({ webhook: { url: 'ftp://x' } }), /webhook url/);
    assert.throws(() => alertSinksFromConfig({ webhook: {} }), /alerts\.webhook\.url/);
  });
});

function supervisor(home: string): Supervisor {
  const auditPath = join(home, 'audit.jsonl');
  return new Supervisor({
    config: parseOpsConfig(`bots:\n  - kind: dca\n    config: ${BOT}\n`),
    venue: {
      baseUrl: 'http://127.0.0.1:1',
      demo: false,
      key: { apiKey: 'k', secretKey: 's', passphrase: 'p' },
      killScope: 'http-test',
    },
    home,
    auditLog: new AuditLog(auditPath),
    auditPath,
    log: () => undefined,
  });
}

describe('the HTTP server (metrics, dashboard)', () => {
  test('refuses a non-loopback bind without a token, and a short token', (t) => {
    const home = mkdtempSync(join(tmpdir(), 'okxkit-http-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const s = supervisor(home);
    const auditPath = join(home, 'audit.jsonl');
    assert.throws(
      () => new OpsServer({ supervisor: s, host: '0.0.0.0', port: 0, auditPath }),
      /listen\.host.*OKXKIT_DASHBOARD_TOKEN/,
    );
    assert.throws(
      () => new OpsServer({ supervisor: s, host: '0.0.0.0', port: 0, auditPath, token: 'short' }),
      /16 characters/,
    );
  });

  test('with a token: 401 without it; bearer works; actions need the CSRF token and the same origin', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'okxkit-http-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const s = supervisor(home);
    const token = 'fake-dashboard-token-0123456789';
    const server = new OpsServer({
      supervisor: s,
      host: '127.0.0.1',
      port: 0,
      auditPath: join(home, 'audit.jsonl'),
      token,
    });
    const { url } = await server.listen();
    t.after(() => server.close());
    const get = (path: string, headers: Record<string, string> = {}) =>
      request(`${url}${path.slice(1)}`, { headers });
    const denied = await get('/metrics');
    assert.equal(denied.statusCode, 401);
    await denied.body.dump();
    const auth = { authorization: `Bearer ${token}` };
    const m = await get('/metrics', auth);
    assert.equal(m.statusCode, 200);
    const text = await m.body.text();
    for (const name of ['okxkit_bot_up', 'okxkit_bot_restarts_total', 'okxkit_kill_switch_engaged'])
      assert.match(text, new RegExp(`^${name}`, 'm'));
    assert.ok(OKXKIT_SERIES.includes('okxkit_bot_up'));
    const page = await (await get('/', auth)).body.text();
    const csrf = /<meta name="csrf" content="([^"]+)"/.exec(page)![1]!;
    assert.equal(csrf, server.csrf);
    const post = (headers: Record<string, string>) =>
      request(`${url}api/kill`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: '{"why":"test"}',
      });
    const noCsrf = await post({});
    assert.equal(noCsrf.statusCode, 403);
    await noCsrf.body.dump();
    const crossSite = await post({ 'x-csrf-token': csrf, origin: 'http://evil.example' });
    assert.equal(crossSite.statusCode, 403);
    await crossSite.body.dump();
    assert.equal(s.killSwitch.state().halted, false, 'no forged request halted anything');
    const ok = await post({ 'x-csrf-token': csrf, origin: url.replace(/\/$/, '') });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    assert.equal(s.killSwitch.state().halted, true);
    const rebinding = await get('/api/state', { ...auth, host: 'evil.example:80' });
    assert.equal(rebinding.statusCode, 421);
    await rebinding.body.dump();
  });
});

describe('the CLI commands', () => {
  test('okxkit up names a bad config field and exits non-zero before starting anything', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-upcli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bots.yaml');
    writeFileSync(
      file,
      'bots:\n  - kind: grid\n    config: { id: g1, instId: BTC-USDT, lower: "1", upper: "2", levels: 1, investment: "100" }\n',
    );
    const r = await runCli(['up', '-c', file], { OKXKIT_HOME: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /bots\[0\]\.config\.levels/);
    const missing = await runCli(['up', '-c', join(dir, 'nope.yaml')], { OKXKIT_HOME: dir });
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /--config: cannot read/);
  });

  test('okxkit bot list without a supervisor says so (and how to start one)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-upcli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = await runCli(['bot', 'list', '--json'], { OKXKIT_HOME: dir });
    assert.notEqual(r.code, 0);
    assert.equal(r.out, '');
    assert.match(r.err, /SUPERVISOR_NOT_RUNNING[\s\S]*okxkit up -c bots\.yaml/);
  });
});
