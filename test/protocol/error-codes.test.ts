import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorInfo, errorMessage } from '../../src/protocol/error-codes.js';

test('auth codes are the documented ones, not the blog myths (docs/OKX-PROTOCOL.md §4.6)', () => {
  assert.match(errorInfo('50113').message, /Invalid signature/);
  assert.match(errorInfo('50111').message, /Invalid OK-ACCESS-KEY/);
  assert.match(errorInfo('50102').message, /Timestamp request expired/);
  assert.match(errorInfo('50105').message, /PASSPHRASE" incorrect/);
  assert.match(errorInfo('50110').message, /IP whitelist/);
  assert.equal(errorInfo('50113').http, 401);
  assert.equal(errorInfo('50011').http, 429);
});

test('ambiguous outcomes are flagged for reconciliation', () => {
  for (const c of ['50001', '50004', '50013', '50026', '51054', '51149'])
    assert.equal(errorInfo(c).ambiguous, true, c);
  for (const c of ['51008', '50113', '51016', '51603']) assert.equal(errorInfo(c).ambiguous, false, c);
  assert.equal(errorInfo('50011').retryable, true);
  assert.equal(errorInfo('51008').retryable, false);
});

test('unknown codes get a generic, non-retryable entry', () => {
  const u = errorInfo('99999');
  assert.equal(u.cls, 'unknown');
  assert.equal(u.retryable, false);
});

test('placeholders fill in order', () => {
  assert.equal(errorMessage('50014', 'instId'), 'Parameter instId can not be empty.');
  assert.equal(
    errorMessage('50110', '10.0.0.1'),
    "Your IP 10.0.0.1 is not included in your API key's IP whitelist.",
  );
});
