import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxEndpointNotFoundError, OkxRequestError } from '../../src/client/errors.js';
import { withSim, simFetch } from '../helpers/sim.js';

// A catalogued endpoint the local exchange does not serve (market-maker protection).
const UNSERVED = '/api/v5/account/mmp-config';

test('a path the local exchange does not serve answers HTTP 404 {"msg":"Not Found","code":"404"}, before auth', async (t) => {
  const sim = await withSim(t, { seed: 5 });
  for (const [label, method, path] of [
    [undefined, 'GET', '/api/v5/no/such/path'],
    [undefined, 'GET', UNSERVED],
    ['trade', 'GET', UNSERVED],
    ['trade', 'POST', '/api/v5/no/such/write'],
  ] as const) {
    const r = await simFetch(sim, label, method, path, method === 'POST' ? { body: {} } : {});
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.deepEqual(r.json, { msg: 'Not Found', code: '404' }, `${method} ${path}`);
  }
});

test('OkxClient maps the 404 to OkxEndpointNotFoundError (never ambiguous); request() still reaches catalogued paths', async (t) => {
  const sim = await withSim(t, { seed: 6 });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  const notFound = (method: 'GET' | 'POST', path: string) =>
    assert.rejects(client.request(method, path, {}), (e: unknown) => {
      assert.ok(e instanceof OkxEndpointNotFoundError, String(e));
      assert.ok(e instanceof OkxRequestError);
      assert.equal(e.httpStatus, 404);
      assert.equal(e.code, '404');
      assert.equal(e.ambiguous, false);
      assert.equal(e.retryable, false);
      assert.match(e.endpoint, new RegExp(path.replace(/\//g, '\\/')));
      return true;
    });
  await notFound('GET', '/api/v5/no/such/path');
  // An uncatalogued write: the gateway routed nothing, so the outcome is known (not executed).
  await notFound('POST', '/api/v5/no/such/write');
  // Catalogued, not served by the local exchange.
  await notFound('GET', UNSERVED);
  // request() on catalogued paths goes through their own entries and answers as the typed groups do.
  const [bal] = await client.request<{ details: Array<{ ccy: string }> }>('GET', '/api/v5/account/balance');
  assert.ok(bal!.details.some((d) => d.ccy === 'USDT'));
  const [tk] = await client.request<{ instId: string }>('GET', '/api/v5/market/ticker', {
    instId: 'BTC-USDT',
  });
  assert.equal(tk!.instId, 'BTC-USDT');
});
