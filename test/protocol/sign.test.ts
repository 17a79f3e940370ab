import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  signRequest,
  signWsLogin,
  prepareSecret,
  isoTimestamp,
  parseIsoTimestamp,
  wsLoginTimestamp,
} from '../../src/protocol/sign.js';

// Vectors of docs/OKX-PROTOCOL.md §1.4 (the docs' example secret and timestamp).
const secretKey = '22582BD0CFF14C41EDBF1AB98506286D';
const timestamp = '2020-12-08T09:08:57.715Z';

test('A: GET with query string signs path + query', () => {
  assert.equal(
    signRequest({ timestamp, method: 'GET', requestPath: '/api/v5/account/balance?ccy=BTC', secretKey }),
    'HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=',
  );
});

test('B: GET without query; empty body is ""', () => {
  assert.equal(
    signRequest({ timestamp, method: 'GET', requestPath: '/api/v5/account/balance', body: '', secretKey }),
    'AkD5YszBhggtIyjDlmTy/9PpNVntel+1Lff8wh0qpQw=',
  );
});

const compact = '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"2.15","sz":"2"}';
test('C: POST signs the exact compact body', () => {
  assert.equal(JSON.stringify(JSON.parse(compact)), compact);
  assert.equal(
    signRequest({ timestamp, method: 'POST', requestPath: '/api/v5/trade/order', body: compact, secretKey }),
    'iwrdSpN7pm4G4u8+fswZUyH6mOM48+sBF6WvKpj4Dvk=',
  );
});

test('D: whitespace in the body changes the signature (sign the bytes sent)', () => {
  const spaced = compact.replaceAll('","', '", "').replaceAll('":"', '": "');
  assert.equal(
    signRequest({ timestamp, method: 'POST', requestPath: '/api/v5/trade/order', body: spaced, secretKey }),
    'ndhLECBZOdEnKUoXpFMXtL/rmKwKjNKUys4V5s4RLDc=',
  );
});

test('method is upper-cased; a prepared KeyObject signs the same', () => {
  const a = signRequest({
    timestamp,
    method: 'get',
    requestPath: '/api/v5/account/balance?ccy=BTC',
    secretKey,
  });
  const b = signRequest({
    timestamp,
    method: 'GET',
    requestPath: '/api/v5/account/balance?ccy=BTC',
    secretKey: prepareSecret(secretKey),
  });
  assert.equal(a, 'HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=');
  assert.equal(b, a);
});

test('not hex: the digest is Base64 of the raw bytes', () => {
  const s = signRequest({
    timestamp,
    method: 'GET',
    requestPath: '/api/v5/account/balance?ccy=BTC',
    secretKey,
  });
  assert.equal(
    Buffer.from(s, 'base64').toString('hex'),
    '1e2661bd27ccb56240dee5085575776bf6d25cd3c25af6055e8182552f15e336',
  );
});

test('E: WS login signs seconds + GET/users/self/verify', () => {
  assert.equal(
    signWsLogin({ timestamp: '1538054050', secretKey }),
    '+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=',
  );
});

test('timestamps: ISO with ms for REST, whole seconds for WS login', () => {
  const ms = Date.parse(timestamp);
  assert.equal(isoTimestamp(ms), timestamp);
  assert.equal(wsLoginTimestamp(ms), '1607418537');
  assert.equal(parseIsoTimestamp(timestamp), ms);
  assert.equal(parseIsoTimestamp(String(ms)), undefined);
  assert.equal(parseIsoTimestamp('2020-12-08T09:08:57Z'), undefined);
});
