// The main proof: thousands of orders through the full safe path (guard -> journal ->
// OkxClient -> the local exchange) while the exchange times out accepted orders, answers 5xx
// and 429 and drops WebSocket connections, and the result is exactly once: none duplicated,
// none lost, journal == exchange, and every order update reaches the bot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { withSim } from '../helpers/sim.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { OkxWsClient } from '../../src/ws/client.js';
import { OkxExchange } from '../../src/trading/okx-exchange.js';
import { OrderJournal } from '../../src/trading/journal.js';
import { Executor } from '../../src/trading/executor.js';
import { OrderGuard } from '../../src/trading/order-guard.js';
import { SafeExchange } from '../../src/trading/safe-exchange.js';
import { Alerts } from '../../src/trading/alerts.js';
import { until } from '../helpers/until.js';
import type { Order, OrderIntent } from '../../src/trading/exchange-port.js';

const TOTAL = Number(process.env.CHAOS_TOTAL ?? 2000);
const CONCURRENCY = 48;
const INSTRUMENTS = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'OKB-USDT', 'ETH-BTC'];

async function pool<T>(items: T[], n: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function allHistory(client: OkxClient): Promise<Order[]> {
  const { mapOrder } = await import('../../src/trading/okx-exchange.js');
  const out: Order[] = [];
  let after: string | undefined;
  for (;;) {
    const page = (
      await client.trade.ordersHistory({ instType: 'SPOT', limit: 100, ...(after ? { after } : {}) })
    ).map((o) => mapOrder(o as unknown as Record<string, unknown>));
    out.push(...page);
    if (page.length < 100) return out;
    after = page[page.length - 1]!.ordId;
  }
}

test(
  'chaos: 2000 orders under accepted-then-timeout, 5xx and 429 faults are placed exactly once',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'okxkit-chaos-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const sim = await withSim(t, { seed: 20261121 });
    const alerts = new Alerts();
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: sim.credentials('trade'),
      timeoutMs: 3_000,
      retry: { maxRetries: 6, baseDelayMs: 20, maxDelayMs: 300 },
      onRateLimitPressure: alerts.rateLimitPressure,
    });
    // Order updates stream over the WebSocket client, whose connections the sim keeps dropping.
    const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade') });
    t.after(() => ws.close());
    let reconnects = 0;
    ws.on('open', (info) => {
      if (info.endpoint === 'private' && info.reconnect) reconnects++;
    });
    const okx = new OkxExchange({ client, ws });
    const streamed = new Set<string>();
    const offOrders = okx.onOrder((o) => streamed.add(o.ordId));
    t.after(offOrders);
    assert.equal(await okx.ordersStreamReady(), true, 'the orders subscription is acknowledged');
    // NORMAL: the SIGKILL crash test covers durability; here fsync per row would only measure the disk.
    const journal = new OrderJournal(join(dir, 'journal.db'), { synchronous: 'NORMAL' });
    t.after(() => journal.close());
    const executor = new Executor({
      venue: okx,
      journal,
      expWindowMs: 3_000,
      expMarginMs: 300,
      lookupDelayMs: 50,
      maxSends: 4,
      alerts,
    });
    const guard = new OrderGuard({ market: okx, limits: { bandPct: '5', maxNotionalPerOrder: '100' } });
    const safe = new SafeExchange({ inner: okx, executor, guard });

    // Far from the market: buys at 60% of the bid, sells at 140% of the ask; never fill.
    const intents: OrderIntent[] = [];
    const rules = new Map<string, { px: { buy: string; sell: string }; sz: string }>();
    for (const instId of INSTRUMENTS) {
      const [inst, tk] = await Promise.all([okx.instrument(instId), okx.ticker(instId)]);
      rules.set(instId, {
        px: {
          buy: new Decimal(tk.bidPx).mul('0.6').toFixed(8),
          sell: new Decimal(tk.askPx).mul('1.4').toFixed(8),
        },
        sz: new Decimal(inst.minSz).mul(2).toFixed(),
      });
    }
    for (let i = 0; i < TOTAL; i++) {
      const instId = INSTRUMENTS[i % INSTRUMENTS.length]!;
      const r = rules.get(instId)!;
      const side = i % 2 === 0 ? 'buy' : 'sell';
      intents.push({ instId, side, ordType: i % 3 === 0 ? 'limit' : 'post_only', px: r.px[side], sz: r.sz });
    }

    sim.faults.set({
      acceptThenTimeoutRate: 0.05,
      errorRate: 0.03,
      errorKind: 'http500',
      rateLimitRate: 0.03,
      dropWsEveryMs: 500,
    });
    const placed: Order[] = [];
    const failures: unknown[] = [];
    const started = Date.now();
    await pool(intents, CONCURRENCY, async (intent) => {
      try {
        placed.push(await safe.placeOrder(intent));
      } catch (err) {
        failures.push(err);
      }
    });
    const elapsed = Date.now() - started;
    sim.faults.clear();

    // The faults really happened: some requests had an ambiguous outcome, some were throttled.
    const events = journal.db
      .prepare('SELECT event, COUNT(*) AS n FROM events GROUP BY event')
      .all() as Array<{ event: string; n: number }>;
    const count = (e: string) => events.find((x) => x.event === e)?.n ?? 0;
    t.diagnostic(`placed ${placed.length} in ${elapsed} ms; events ${JSON.stringify(events)}`);
    t.diagnostic(`private WS reconnects: ${reconnects}`);
    assert.ok(count('ambiguous') >= TOTAL / 40, `ambiguous outcomes: ${count('ambiguous')}`);
    assert.ok(count('send') > TOTAL, 'some intents were resent after confirmed non-existence');

    assert.deepEqual(
      failures.map((e) => String(e)),
      [],
    );
    assert.equal(placed.length, TOTAL);

    // Exactly once: the exchange holds one order per intent, no duplicate clOrdId, none lost.
    const pending = await okx.openOrders();
    const history = await allHistory(client);
    const onExchange = [...pending, ...history];
    const clIds = onExchange.map((o) => o.clOrdId);
    assert.equal(new Set(clIds).size, clIds.length, 'no duplicate clOrdId on the exchange');
    assert.equal(onExchange.length, TOTAL, 'one order per intent');
    assert.equal(history.length, 0, 'nothing cancelled or filled');

    const rows = journal.all();
    assert.equal(rows.length, TOTAL);
    assert.ok(rows.every((r) => r.status === 'acked' && !r.mismatch));
    const byCl = new Map(onExchange.map((o) => [o.clOrdId, o]));
    for (const r of rows) {
      const o = byCl.get(r.clOrdId);
      assert.ok(o, `journal row ${r.clOrdId} is on the exchange`);
      assert.equal(o.ordId, r.ordId);
    }
    assert.deepEqual(new Set(placed.map((o) => o.clOrdId)), new Set(byCl.keys()));

    // Every order reached the stream, through the dropped connections (pushes, or the REST sweep after each reconnect).
    // a timeout is not the failure to report: the count below names how many orders are missing
    await until(() => streamed.size >= TOTAL, 'every order on the stream').catch(() => undefined);
    const missing = rows.filter((r) => !streamed.has(r.ordId)).length;
    assert.equal(missing, 0, `${missing} orders never reached onOrder`);
    assert.ok(reconnects >= 2, `the private connection was dropped and re-established (${reconnects})`);

    // A restart finds nothing left to settle.
    const fresh = new Executor({ venue: okx, journal, expWindowMs: 1_500 });
    const report = await fresh.reconcile();
    assert.equal(
      report.adopted.length + report.expired.length + report.unresolved.length + report.foreign.length,
      0,
    );
  },
);
