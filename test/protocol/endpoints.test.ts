import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ccxt from 'ccxt';
import {
  ENDPOINTS,
  findEndpoint,
  rateKey,
  type EndpointDef,
  type Permission,
  type RateScope,
} from '../../src/protocol/endpoints.js';

interface DocRow {
  method: string;
  path: string;
  limit: number;
  windowMs: number;
  countBy: 'request' | 'orders';
  scope: RateScope;
  permission: Permission | undefined;
}

const RULES: Record<string, RateScope> = {
  IP: 'ip',
  'IP + Instrument Type': 'ip+instType',
  'IP + Instrument ID': 'ip+instId',
  'IP + Instrument Family': 'ip+instFamily',
  'User ID': 'user',
  'User ID + Instrument ID': 'user+instId',
  'User ID + Instrument Family': 'user+instFamily',
  'User ID + Currency': 'user+ccy',
  'User ID + tag': 'user+tag',
};
const WINDOWS: Record<string, number> = { second: 1000, day: 86_400_000, month: 30 * 86_400_000 };

/** The hand-transcribed documentation table, parsed from its own wording. */
function docTable(): DocRow[] {
  const text = readFileSync(new URL('./fixtures/okx-v5-endpoints.md', import.meta.url), 'utf8');
  const rows: DocRow[] = [];
  for (const line of text.split('\n')) {
    // Cells are split on '|' and trimmed, so column padding (prettier aligns tables) does not matter.
    if (!line.startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim());
    if (cells[0] === 'Method' || cells.every((c) => /^:?-+:?$/.test(c))) continue; // header, separator
    assert.equal(cells.length, 5, `table row without 5 cells: ${line}`);
    const [method, path, rate, rule, perm] = cells as [string, string, string, string, string];
    assert.match(method, /^(GET|POST)$/, `unknown method in row: ${line}`);
    assert.match(path, /^\/api\/v5\/\S+$/, `bad path in row: ${line}`);
    assert.match(perm, /^\w+$/, `bad permission in row: ${line}`);
    const r = /^(\d+) (requests?|orders) per (?:(\d+) seconds|(second|day|month))$/.exec(rate);
    assert.ok(r, `unparsable rate '${rate}' for ${path}`);
    const scope = RULES[rule];
    assert.ok(scope, `unknown rule '${rule}' for ${path}`);
    rows.push({
      method,
      path,
      limit: Number(r[1]),
      windowMs: r[3] ? Number(r[3]) * 1000 : WINDOWS[r[4]!]!,
      countBy: r[2] === 'orders' ? 'orders' : 'request',
      scope,
      permission: perm === 'Public' ? undefined : (perm.toLowerCase() as Permission),
    });
  }
  return rows;
}

const all = Object.values(ENDPOINTS) as EndpointDef[];

test('catalogue matches the table transcribed from OKX documentation, row by row, both ways', () => {
  const rows = docTable();
  assert.ok(rows.length >= 150, `only ${rows.length} rows parsed`);
  const seen = new Set<string>();
  for (const row of rows) {
    const e = findEndpoint(row.method, row.path);
    assert.ok(e, `${row.method} ${row.path} is documented but not catalogued`);
    seen.add(e.id);
    assert.deepEqual(
      {
        limit: e.rate.limit,
        windowMs: e.rate.windowMs,
        countBy: e.rate.countBy,
        scope: e.rate.scope,
        permission: e.permission,
        auth: e.auth,
      },
      {
        limit: row.limit,
        windowMs: row.windowMs,
        countBy: row.countBy,
        scope: row.scope,
        permission: row.permission,
        auth: row.permission !== undefined,
      },
      `${e.id} (${row.method} ${row.path})`,
    );
  }
  const missing = all.filter((e) => !seen.has(e.id)).map((e) => `${e.method} ${e.path}`);
  assert.deepEqual(missing, [], 'catalogued endpoints missing from the documentation table');
});

test("catalogue rates agree with ccxt's independent okx cost table (documented exceptions only)", () => {
  // ccxt's okx class spends `cost` units per call at one unit per 100 ms: cost c = 20/c calls per 2 s.
  const api = (
    new ccxt.okx() as unknown as { api: Record<string, Record<string, Record<string, { cost: number }>>> }
  ).api;
  const cost = new Map<string, number>();
  for (const access of ['public', 'private'])
    for (const m of ['get', 'post'])
      for (const [p, v] of Object.entries(api[access]?.[m] ?? {}))
        cost.set(`${m.toUpperCase()} /api/v5/${p}`, v.cost);
  // Where OKX's documented rule differs from ccxt's single number, with the reason:
  const exceptions: Record<string, string> = {
    // ccxt charges 1/150 per request; OKX counts 300 orders per 2 s, like the other batch endpoints
    'trade.amendBatchOrders': 'per-order count',
    // ccxt uses the per-instrument rule (1 per 5 s); the user rule is 10 per second
    'asset.convertEstimateQuote': 'two rules',
    // OKX's pages say 20 per 2 s (trades history), 1 per second (account rate limit) and
    // 20 per 2 s (sub-account API keys); ccxt's table carries 10, 10 and 1 per second
    'market.historyTrades': 'ccxt differs from the page',
    'trade.accountRateLimit': 'ccxt differs from the page',
    'subaccount.apiKeys': 'ccxt differs from the page',
  };
  let compared = 0;
  const diffs: string[] = [];
  for (const e of all) {
    const c = cost.get(`${e.method} ${e.path}`);
    if (c === undefined || e.id in exceptions) continue;
    compared++;
    const ours = (e.rate.limit * 2000) / e.rate.windowMs;
    const theirs = 20 / c;
    // day- and month-long windows are charged by ccxt as an average: compare within 5%
    if (Math.abs(ours - theirs) / theirs > 0.05) diffs.push(`${e.id}: ours ${ours}/2s, ccxt ${theirs}/2s`);
  }
  assert.deepEqual(diffs, []);
  assert.ok(compared >= 150, `only ${compared} endpoints compared`);
});

test('catalogue invariants: unique routes, keys and permissions, paging, expTime, batches', () => {
  const routes = new Set(all.map((e) => `${e.method} ${e.path}`));
  assert.equal(routes.size, all.length, 'two ids share a route');
  for (const e of all) {
    assert.ok(e.path.startsWith('/api/v5/'), e.id);
    assert.equal(e.auth, e.permission !== undefined, `${e.id}: signed iff it needs a permission`);
    if (e.paging) assert.equal(e.method, 'GET', `${e.id}: only reads page`);
    if (e.expTime) assert.ok(e.id.startsWith('trade.') && e.method === 'POST', e.id);
    if (e.batch) assert.equal(e.rate.countBy, 'orders', e.id);
    if (e.method === 'GET') assert.notEqual(e.permission, 'trade', `${e.id}: a read needs no trade key`);
  }
  const withdraw = all.filter((e) => e.permission === 'withdraw').map((e) => e.id);
  assert.deepEqual(withdraw.sort(), [
    'asset.cancelWithdrawal',
    'asset.withdrawal',
    'asset.withdrawalLightning',
  ]);
  const perSection = new Map<string, number>();
  for (const e of all) perSection.set(e.section, (perSection.get(e.section) ?? 0) + 1);
  for (const s of ['trade', 'algo', 'account', 'asset', 'market', 'public', 'rubik', 'subaccount', 'finance'])
    assert.ok((perSection.get(s) ?? 0) > 0, `section ${s} is empty`);
});

test('the ids the client, the local exchange and the tests used before stay valid', () => {
  const old = [
    'public.time',
    'public.instruments',
    'market.ticker',
    'market.tickers',
    'market.books',
    'market.candles',
    'market.historyCandles',
    'market.trades',
    'account.balance',
    'account.positions',
    'account.bills',
    'account.config',
    'asset.balances',
    'asset.bills',
    'trade.order',
    'trade.batchOrders',
    'trade.cancelOrder',
    'trade.cancelBatchOrders',
    'trade.amendOrder',
    'trade.amendBatchOrders',
    'trade.getOrder',
    'trade.ordersPending',
    'trade.ordersHistory',
    'trade.fills',
    'trade.cancelAllAfter',
  ];
  for (const id of old) assert.ok(id in ENDPOINTS, id);
});

test('rate keys: each scope counts under its own fields', () => {
  const k = (id: keyof typeof ENDPOINTS, req: object) =>
    rateKey(ENDPOINTS[id], { ip: '1.2.3.4', user: 'u1' }, req);
  assert.equal(
    k('public.fundingRate', { instId: 'BTC-USDT-SWAP' }),
    'public.fundingRate|ip:1.2.3.4|BTC-USDT-SWAP',
  );
  assert.equal(k('public.optSummary', { instFamily: 'BTC-USD' }), 'public.optSummary|ip:1.2.3.4|BTC-USD');
  assert.equal(k('asset.transfer', { ccy: 'USDT' }), 'asset.transfer|u:u1|USDT');
  assert.notEqual(k('asset.transfer', { ccy: 'USDT' }), k('asset.transfer', { ccy: 'BTC' }));
  assert.equal(k('algo.place', { instId: 'BTC-USDT-SWAP' }), 'algo.place|u:u1|BTC-USDT-SWAP');
});
