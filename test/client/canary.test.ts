import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { Credentials } from '../../src/client/credentials.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeOkx } from './fake-okx.js';

const CANARY_SECRET = 'fake-secret-CANARY-5ecr3t-77aa';
const CANARY_PASS = 'Fake Pass! CANARY-pa55';

test('canary secret and passphrase never appear in logs, errors, error JSON or inspect output', async (t) => {
  const okx = await startFakeOkx(t);
  // the server rejects everything as the gateway would, in several ways
  okx.handle((r, n) => {
    if (r.path === '/api/v5/public/time')
      return { body: { code: '0', msg: '', data: [{ ts: String(Date.now()) }] } };
    if (n % 4 === 0) return { status: 401, body: { msg: 'Invalid signature', code: '50113' } };
    if (n % 4 === 1) return { status: 429, body: { msg: 'Too Many Requests', code: '50011' } };
    if (n % 4 === 2) return { body: '{"code":"0","data":[{"ordId":null' };
    return { hang: true };
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug' }, sink);
  const client = new OkxClient({
    baseUrl: okx.url,
    credentials: new Credentials('fake-key-trade-0001', CANARY_SECRET, CANARY_PASS),
    logger,
    timeoutMs: 150,
    retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
    onRateLimitPressure: () => {},
  });
  t.after(() => client.close());

  const errors: unknown[] = [];
  const o = { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1', sz: '1' } as const;
  for (const call of [
    () => client.account.balance(),
    () => client.trade.placeOrder(o),
    () => client.account.config(),
    () => client.trade.placeOrder(o),
    () => client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: '1' }),
    () => client.syncClock(),
  ]) {
    try {
      await call();
    } catch (e) {
      errors.push(e);
    }
  }
  assert.ok(errors.length >= 4, `expected failures, got ${errors.length}`);
  assert.ok(lines.length >= 5, 'requests were logged');
  const line = JSON.parse(lines[0]!);
  assert.ok('latencyMs' in line && 'path' in line && 'method' in line);
  assert.equal(line.key, 'fake****');

  const everything = [
    ...lines,
    ...errors.flatMap((e) => [
      String(e),
      (e as Error).message,
      JSON.stringify(e),
      inspect(e, { depth: 10, showHidden: true }),
    ]),
    inspect(client, { depth: 10, showHidden: true }),
    JSON.stringify(client),
    String(client),
  ].join('\n');
  assert.ok(!everything.includes(CANARY_SECRET), 'secret leaked');
  assert.ok(!everything.includes(CANARY_PASS), 'passphrase leaked');
  assert.ok(!everything.includes('CANARY'), 'part of a secret leaked');
  // no signature either
  for (const r of okx.requests) {
    const sign = r.headers['ok-access-sign'];
    if (typeof sign === 'string') assert.ok(!everything.includes(sign), 'signature leaked');
  }
  assert.ok(!/ok-access-sign/i.test(lines.join('\n')), 'headers are not logged');
});
