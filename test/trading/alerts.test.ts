import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/util/clock.js';
import { Alerts, ConsoleSink, WebhookSink, type Alert } from '../../src/trading/alerts.js';
import { ValidationError } from '../../src/util/errors.js';

async function loopback(t: { after(fn: () => void): void }, status = 200) {
  const got: Array<{ body: Alert; headers: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      got.push({ body: JSON.parse(raw) as Alert, headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

describe('Alerts', () => {
  test('a risk trip reaches a loopback webhook as JSON, and the console', async (t) => {
    const hook = await loopback(t);
    const lines: string[] = [];
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const alerts = new Alerts({
      clock,
      sinks: [
        new WebhookSink({ url: hook.url, timeoutMs: 2000 }),
        new ConsoleSink({ write: (s: string) => lines.push(s) }),
      ],
    });
    const sent = await alerts.emit({
      kind: 'risk-trip',
      severity: 'critical',
      message: 'trading halted: maxDailyLoss',
      details: { dailyPnl: '-102' },
    });
    assert.equal(sent, true);
    assert.equal(hook.got.length, 1);
    assert.equal(hook.got[0]!.headers['content-type'], 'application/json');
    assert.deepEqual(hook.got[0]!.body, {
      kind: 'risk-trip',
      severity: 'critical',
      message: 'trading halted: maxDailyLoss',
      details: { dailyPnl: '-102' },
      ts: Date.UTC(2026, 0, 1),
      suppressed: 0,
    });
    assert.match(lines[0]!, /CRITICAL risk-trip: trading halted/);
  });

  test('duplicates inside the window are counted, not re-sent', async (t) => {
    const hook = await loopback(t);
    const clock = new ManualClock(0);
    const alerts = new Alerts({ clock, dedupWindowMs: 60_000, sinks: [new WebhookSink({ url: hook.url })] });
    const a = { kind: 'error-rate', message: 'spike' };
    assert.equal(await alerts.emit(a), true);
    assert.equal(await alerts.emit(a), false);
    assert.equal(await alerts.emit(a), false);
    clock.advance(60_000);
    assert.equal(await alerts.emit(a), true);
    assert.equal(hook.got.length, 2);
    assert.equal(hook.got[1]!.body.suppressed, 2);
  });

  test('never carries a secret: canary values in details are redacted, keys masked', async (t) => {
    const hook = await loopback(t);
    const alerts = new Alerts({ sinks: [new WebhookSink({ url: hook.url })] });
    const CANARY = 'fake-secret-CANARY-7f3a';
    await alerts.emit({
      kind: 'auth-failure',
      message: 'auth failed',
      details: {
        secretKey: CANARY,
        passphrase: CANARY,
        nested: { sign: CANARY, headers: { 'OK-ACCESS-SIGN': CANARY } },
        apiKey: 'fake-key-trade-0001',
      },
    });
    const raw = JSON.stringify(hook.got[0]!.body);
    assert.ok(!raw.includes(CANARY), raw);
    assert.ok(!raw.includes('fake-key-trade-0001'));
    assert.match(raw, /fake\*\*\*\*/);
  });

  test('a failing or hanging webhook never throws into the caller', async (t) => {
    const hook = await loopback(t, 500);
    const errors: string[] = [];
    const alerts = new Alerts({
      sinks: [new WebhookSink({ url: hook.url })],
      onSinkError: (s, e) => errors.push(`${s}: ${(e as Error).message}`),
    });
    assert.equal(await alerts.emit({ kind: 'x', message: 'y' }), true);
    assert.deepEqual(errors, ['webhook: webhook answered HTTP 500']);
    // A server that never answers: the timeout ends it.
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    t.after(() => hang.closeAllConnections());
    t.after(() => hang.close());
    const slow = new Alerts({
      sinks: [
        new WebhookSink({ url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`, timeoutMs: 200 }),
      ],
      onSinkError: (s) => errors.push(`${s}: timeout`),
    });
    await slow.emit({ kind: 'x', message: 'y' });
    assert.equal(errors.length, 2);
  });

  test('rate-limit pressure, auth failures and error-rate spikes', async () => {
    const clock = new ManualClock(0);
    const alerts = new Alerts({ clock, errorRate: { windowMs: 10_000, threshold: 5 } });
    alerts.rateLimitPressure({
      endpoint: 'POST /api/v5/trade/order',
      key: 'u1:BTC-USDT',
      used: 50,
      limit: 60,
    });
    alerts.rateLimitPressure({
      endpoint: 'POST /api/v5/trade/order',
      key: 'u1:BTC-USDT',
      used: 55,
      limit: 60,
    });
    alerts.observeError(
      Object.assign(new Error('Invalid signature.'), {
        name: 'OkxAuthError',
        code: '50113',
        endpoint: 'GET /api/v5/account/balance',
      }),
    );
    for (let i = 0; i < 3; i++) {
      clock.advance(3_000);
      alerts.observeError(Object.assign(new Error('busy'), { code: '50013' }));
    }
    assert.ok(!alerts.history.some((a) => a.kind === 'error-rate'), 'spread out errors are not a spike');
    clock.advance(1_000);
    alerts.observeError(Object.assign(new Error('busy'), { code: '50013' }));
    alerts.observeError(Object.assign(new Error('busy'), { code: '50013' }));
    await new Promise((r) => setImmediate(r));
    const kinds = alerts.history.map((a) => a.kind);
    assert.deepEqual(kinds, ['rate-limit-pressure', 'auth-failure', 'error-rate']);
    assert.equal(alerts.history[1]!.severity, 'critical');
    assert.equal(alerts.history[2]!.details.errors, 5);
  });

  test('a bad webhook URL is a ValidationError naming the field', () => {
    assert.throws(
      () => new WebhookSink({ url: 'not a url' }),
      (e: unknown) => e instanceof ValidationError && e.field === 'webhook url',
    );
    assert.throws(() => new WebhookSink({ url: 'file:///etc/passwd' }), ValidationError);
  });
});
