// Issue 11 item 7 (second half): pino redaction reaches any depth of the logged object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/util/logger.js';

const CANARY = 'CANARY-fake-secret-7f3a9c';

function capture() {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info' }, dest) };
}

test('secrets are censored at any depth: nested objects, arrays, headers, errors, child bindings', () => {
  const { lines, logger } = capture();
  logger.info({ a: { b: { c: { d: { secretKey: CANARY, passphrase: CANARY } } } } }, 'deep');
  logger.info(
    { req: { opts: { headers: { 'OK-ACCESS-SIGN': CANARY, 'ok-access-passphrase': CANARY } } } },
    'headers',
  );
  logger.info({ list: [{ x: [{ apiSecret: CANARY }] }, { password: CANARY }] }, 'arrays');
  logger.info(
    { ccxt: { config: { label: 'visible-label', secret: CANARY, password: CANARY } } },
    'ccxt shape',
  );
  const err = Object.assign(new Error('boom'), { detail: { request: { signature: CANARY } } });
  logger.error({ err }, 'error');
  logger.child({ ctx: { creds: { api_secret: CANARY } } }).info('child');
  const text = lines.join('');
  assert.equal(lines.length, 6);
  assert.doesNotMatch(text, new RegExp(CANARY));
  assert.match(text, /\[redacted\]/);
  assert.match(text, /visible-label/, 'non-secret fields are kept');
  assert.match(text, /boom/, 'the error still logs its message');
});

test('a cyclic object still logs, without the secret', () => {
  const { lines, logger } = capture();
  const o: Record<string, unknown> = { inner: { secretKey: CANARY } };
  o.self = o;
  logger.info({ o }, 'cycle');
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, new RegExp(CANARY));
});
