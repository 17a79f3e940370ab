import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { formatTable } from '../../src/cli/common.js';
import { withSim } from '../helpers/sim.js';

const run = runCli;

test('market and account commands against a base URL with credentials from the environment', async (t) => {
  const sim = await withSim(t, { seed: 11 });
  const k = sim.key('trade');
  const env = { OKX_API_KEY: k.apiKey, OKX_SECRET_KEY: k.secretKey, OKX_PASSPHRASE: k.passphrase };

  const tk = await run(['market', 'ticker', 'BTC-USDT', '--base-url', sim.restUrl, '--json'], env);
  assert.equal(tk.code, 0, tk.err);
  assert.equal(JSON.parse(tk.out).instId, 'BTC-USDT');
  assert.doesNotMatch(tk.err, /local exchange/);

  const table = await run(['market', 'candles', 'BTC-USDT', '--bar', '1m', '--limit', '3'], {
    ...env,
    OKX_BASE_URL: sim.restUrl,
  });
  assert.equal(table.code, 0, table.err);
  const lines = table.out.trim().split('\n');
  assert.match(lines[0]!, /^time\s+o\s+h\s+l\s+c/);
  assert.equal(lines.length, 2 + 3);

  const books = await run(['market', 'books', 'BTC-USDT', '--sz', '2', '--json'], {
    ...env,
    OKX_BASE_URL: sim.restUrl,
  });
  assert.equal(JSON.parse(books.out).asks.length, 2);

  const bal = await run(['account', 'balance', '--json'], { ...env, OKX_BASE_URL: sim.restUrl });
  assert.ok(JSON.parse(bal.out).details.some((d: any) => d.ccy === 'USDT'));
  const cfg = await run(['account', 'config'], { ...env, OKX_BASE_URL: sim.restUrl });
  assert.match(cfg.out, /perm\s+read_only,trade/);
});

test('order place / get / list / cancel round trip', async (t) => {
  const sim = await withSim(t, { seed: 12 });
  const k = sim.key('trade');
  const env = {
    OKX_API_KEY: k.apiKey,
    OKX_SECRET_KEY: k.secretKey,
    OKX_PASSPHRASE: k.passphrase,
    OKX_BASE_URL: sim.restUrl,
  };
  const last = Number(JSON.parse((await run(['market', 'ticker', 'BTC-USDT', '--json'], env)).out).last);
  const px = (last * 0.5).toFixed(1);

  const placed = await run(
    [
      'order',
      'place',
      '--inst',
      'BTC-USDT',
      '--side',
      'buy',
      '--type',
      'limit',
      '--px',
      px,
      '--sz',
      '0.001',
      '--cl-ord-id',
      'cli1',
      '--json',
    ],
    env,
  );
  assert.equal(placed.code, 0, placed.err);
  const ordId = JSON.parse(placed.out).ordId;
  assert.ok(ordId);

  const got = await run(['order', 'get', '--inst', 'BTC-USDT', '--cl-ord-id', 'cli1', '--json'], env);
  assert.equal(JSON.parse(got.out).state, 'live');
  const list = await run(['order', 'list', '--inst', 'BTC-USDT'], env);
  assert.match(list.out, new RegExp(ordId));

  const cancel = await run(['order', 'cancel', '--inst', 'BTC-USDT', '--ord-id', ordId], env);
  assert.equal(cancel.code, 0, cancel.err);
  const after = await run(['order', 'get', '--inst', 'BTC-USDT', '--ord-id', ordId, '--json'], env);
  assert.equal(JSON.parse(after.out).state, 'canceled');

  // read-only refuses before anything is sent
  const ro = await run(
    ['order', 'place', '--inst', 'BTC-USDT', '--side', 'buy', '--type', 'market', '--sz', '1', '--read-only'],
    env,
  );
  assert.equal(ro.code, 1);
  assert.match(ro.err, /READ_ONLY/);
});

test('bad input: a clear message and a non-zero exit, before any exchange is contacted', async () => {
  const missingPx = await run([
    'order',
    'place',
    '--inst',
    'BTC-USDT',
    '--side',
    'buy',
    '--type',
    'limit',
    '--sz',
    '0.001',
  ]);
  assert.equal(missingPx.code, 1);
  assert.match(missingPx.err, /--px: is required for limit orders/);
  assert.doesNotMatch(missingPx.err, /local exchange/);

  const badNum = await run(['market', 'candles', 'BTC-USDT', '--limit', 'ten']);
  assert.equal(badNum.code, 1);
  assert.match(badNum.err, /--limit: 'ten' is not a whole number/);

  const badInst = await run(['market', 'ticker', 'BTC_USDT']);
  assert.equal(badInst.code, 1);
  assert.match(badInst.err, /not an OKX instrument id/);

  const badBar = await run(['market', 'candles', 'BTC-USDT', '--bar', '7m']);
  assert.equal(badBar.code, 1);
  assert.match(badBar.err, /--bar/);

  const noRef = await run(['order', 'get', '--inst', 'BTC-USDT']);
  assert.equal(noRef.code, 1);
  assert.match(noRef.err, /--ord-id or --cl-ord-id/);

  const partial = await run(['account', 'balance'], { OKX_API_KEY: 'fake-key-trade-0001' });
  assert.equal(partial.code, 1);
  assert.match(partial.err, /OKX_SECRET_KEY, OKX_PASSPHRASE/);

  const badSite = await run(['market', 'ticker', 'BTC-USDT', '--site', 'mars']);
  assert.equal(badSite.code, 1);
  assert.match(badSite.err, /--site/);
});

test('nothing configured: the embedded local exchange answers, with a note on stderr', async () => {
  const r = await run(['market', 'ticker', 'ETH-USDT', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).instId, 'ETH-USDT');
  assert.match(r.err, /^note: using the embedded local exchange at http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(r.err.trim().split('\n').length, 1);
});

test('formatTable aligns columns and shows (none) for no rows', () => {
  assert.equal(formatTable([], ['a']), '(none)\n');
  assert.equal(formatTable([{ a: '1', b: 'xyz' }, { a: '22' }], ['a', 'b']), 'a   b\n--  ---\n1   xyz\n22\n');
});
