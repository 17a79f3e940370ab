import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { SIGNAL_SERIES } from '../../src/signals/metrics.js';
import { rig } from './kit.js';

const BUY = { id: 'buy-1', instId: 'BTC-USDT', action: 'open', side: 'buy', size: '0.01' };

/** The value of one series line of an exposition, or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('signals server /metrics: received, accepted and rejected by reason, per source; loopback only', async (t) => {
  const r = await rig(t);
  const metrics = async () => {
    const res = await request(`${r.server.url}/metrics`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    return res.body.text();
  };
  const before = await metrics();
  for (const name of SIGNAL_SERIES) assert.match(before, new RegExp(`# TYPE ${name} counter`));
  assert.equal(value(before, 'okxkit_signals_received_total{source="bot"}'), 0);

  assert.equal((await r.signed(BUY)).json.status, 'accepted');
  assert.equal((await r.signed(BUY)).json.status, 'duplicate');
  const body = JSON.stringify({ source: 'bot', ts: r.clock.now(), ...BUY, id: 'x-2' });
  assert.equal((await r.post('/signal/bot', body)).json.code, 'UNAUTHENTICATED');
  assert.equal(
    (await r.post('/signal/nobody', body.replace('"bot"', '"nobody"'))).json.code,
    'UNAUTHENTICATED',
  );

  const text = await metrics();
  assert.equal(value(text, 'okxkit_signals_received_total{source="bot"}'), 3);
  assert.equal(value(text, 'okxkit_signals_accepted_total{source="bot"}'), 1);
  assert.equal(value(text, 'okxkit_signals_rejected_total{source="bot",reason="DUPLICATE"}'), 1);
  assert.equal(value(text, 'okxkit_signals_rejected_total{source="bot",reason="UNAUTHENTICATED"}'), 1);
  // A path that names no configured source is labelled "unknown": strangers cannot add series.
  assert.equal(value(text, 'okxkit_signals_received_total{source="unknown"}'), 1);
  assert.equal(value(text, 'okxkit_signals_rejected_total{source="unknown",reason="UNAUTHENTICATED"}'), 1);
  assert.doesNotMatch(text, /nobody/);
  assert.equal(value(text, 'okxkit_signals_received_total{source="tv"}'), 0);

  // Through a proxy (forwarded headers) the counts are not served.
  const proxied = await request(`${r.server.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  assert.equal(proxied.statusCode, 404);
  await proxied.body.dump();
});
