import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertsFromOpsConfig, parseOpsConfig } from '../../src/ops/config.js';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../../src/ops/alerts/channels.js';
import { TestClock } from '../../src/util/clock.js';

// `okxkit up` builds its alert hub from the config's `alerts:` section: the channel config of
// src/ops/alerts (here one HMAC-signed webhook whose secret comes from the environment).
const BOT = `{ id: dca1, instId: BTC-USDT, quoteAmount: "50", intervalSec: 60, takeProfitPct: "1" }`;
const SECRET = 'fake-alert-hmac-secret-for-tests-0000';

test('a bots.yaml with alerts.channels gives up a signed-webhook hub that a crash alert reaches', async (t) => {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const cfg = parseOpsConfig(
    `alerts:\n  channels:\n    - type: webhook\n      url: ${url}\n      secret: { env: ALERT_SECRET }\nbots:\n  - kind: dca\n    config: ${BOT}\n`,
  );
  const clock = new TestClock(Date.UTC(2026, 0, 1));
  const hub = await alertsFromOpsConfig(cfg, [], { clock, env: { ALERT_SECRET: SECRET } });
  assert.equal(typeof hub.close, 'function', 'the channel hub (closed on stop), not the short-form one');
  await hub.emit({
    kind: 'bot-crash',
    severity: 'critical',
    message: 'bot dca1 crashed',
    details: { bot: 'dca1' },
  });
  assert.equal(got.length, 1);
  const h = got[0]!.headers;
  assert.equal(h[SIGNATURE_HEADER], signWebhook(SECRET, String(h[TIMESTAMP_HEADER]), got[0]!.body));
  assert.match(got[0]!.body, /bot dca1 crashed/);
  assert.ok(!got[0]!.body.includes(SECRET));
  await hub.close?.();
});

test('the short form alerts.webhook.url still gives a plain webhook hub', async () => {
  const cfg = parseOpsConfig(
    `alerts:\n  webhook: { url: "http://127.0.0.1:9/hook" }\nbots:\n  - kind: dca\n    config: ${BOT}\n`,
  );
  const hub = await alertsFromOpsConfig(cfg);
  assert.equal(hub.close, undefined);
});
