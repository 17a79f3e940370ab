// Signing cost per private request: okxkit's signRequest (timestamp + body serialisation +
// HMAC) against a bare node:crypto floor doing the same three steps, and against the peers'
// signing paths called without network: okx-api (Web Crypto, async, key imported per call) and
// ccxt (okx.sign(), which also builds the URL and headers).
import { createHmac } from 'node:crypto';
import { isoTimestamp, prepareSecret, signRequest } from '../src/protocol/sign.js';
import { compare, rows, type BenchResult, type Variant } from './harness.js';

const SECRET = 'fake-secret-0123456789ABCDEF0123456789AB';
const PATH = '/api/v5/trade/order';
const ORDER = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '60000',
  sz: '0.001',
  clOrdId: 'b1',
};

export async function run(): Promise<BenchResult[]> {
  let sink = 0;
  const key = prepareSecret(SECRET);
  const variants: Variant[] = [
    {
      name: 'node:crypto floor (createHmac + toISOString + JSON.stringify)',
      fn: () => {
        const ts = new Date(Date.now()).toISOString();
        sink += createHmac('sha256', SECRET)
          .update(ts + 'POST' + PATH + JSON.stringify(ORDER))
          .digest('base64').length;
      },
    },
    {
      name: 'okxkit signRequest (prepared KeyObject)',
      fn: () => {
        const ts = isoTimestamp(Date.now());
        sink += signRequest({
          timestamp: ts,
          method: 'POST',
          requestPath: PATH,
          body: JSON.stringify(ORDER),
          secretKey: key,
        }).length;
      },
    },
    {
      name: 'okxkit signRequest (string secret)',
      fn: () => {
        const ts = isoTimestamp(Date.now());
        sink += signRequest({
          timestamp: ts,
          method: 'POST',
          requestPath: PATH,
          body: JSON.stringify(ORDER),
          secretKey: SECRET,
        }).length;
      },
    },
  ];
  const notes = ['', '', ''];
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a peer SDK, loaded only to compare against
    const { RestClient } = (await import('okx-api')) as any;
    const peer = new RestClient({ apiKey: 'fake-key-bench-0001', apiSecret: SECRET, apiPass: 'Fake Pass!' });
    if (typeof peer.signRequest !== 'function') throw new Error('no signRequest');
    variants.push({
      name: 'okx-api signRequest (Web Crypto)',
      fn: async () => {
        const r = await peer.signRequest(false, new Date().toISOString(), 'POST', PATH, ORDER);
        sink += r.sign.length;
      },
    });
    notes.push('async; imports the key on every call');
  } catch (e) {
    notes.push(`okx-api skipped: ${(e as Error).message}`);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a peer SDK, loaded only to compare against
    const ccxt = (await import('ccxt')) as any;
    const Okx = ccxt.okx ?? ccxt.default?.okx;
    const ex = new Okx({ apiKey: 'fake-key-bench-0001', secret: SECRET, password: 'Fake Pass!' });
    variants.push({
      name: 'ccxt okx.sign()',
      // clOrdId given, so ccxt does not inject its broker id
      fn: () => {
        sink += ex.sign('trade/order', 'private', 'POST', { ...ORDER }).headers['OK-ACCESS-SIGN'].length;
      },
    });
    notes.push('also builds URL and headers');
  } catch (e) {
    notes.push(`ccxt skipped: ${(e as Error).message}`);
  }
  const ns = await compare(variants, { warmupOps: 200, rounds: 5, opsPerRound: 400 });
  if (sink === 0) throw new Error('nothing signed');
  return rows('sign', variants, ns, 0, notes);
}
