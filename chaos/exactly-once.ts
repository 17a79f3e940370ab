// Exactly-once under faults: N order intents through the whole safe path (guard -> journal ->
// executor -> OkxClient -> the local exchange) while the exchange executes orders and drops the
// answer, answers 5xx and 429, stalls around the client's timeout, moves its clock and drops
// WebSocket connections. Afterwards the exchange is compared with the journal order by order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { startSimulator } from '../src/sim/simulator.js';
import { OkxClient } from '../src/client/okx-client.js';
import { OkxWsClient } from '../src/ws/client.js';
import { OkxExchange, mapOrder } from '../src/trading/okx-exchange.js';
import { OrderJournal } from '../src/trading/journal.js';
import { Executor } from '../src/trading/executor.js';
import { OrderGuard } from '../src/trading/order-guard.js';
import { SafeExchange } from '../src/trading/safe-exchange.js';
import { Alerts } from '../src/trading/alerts.js';
import { ExecutionUnresolvedError } from '../src/trading/errors.js';
import { OkxkitError } from '../src/util/errors.js';
import { seededRandom } from '../src/util/random.js';
import type { Order, OrderIntent } from '../src/trading/exchange-port.js';
import { inc, newReport, pool, type SectionReport } from './report.js';

const INSTRUMENTS = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'OKB-USDT', 'ETH-BTC'];
const TIMEOUT_MS = 1_500;

export interface ExactlyOnceOptions {
  intents: number;
  concurrency?: number;
  seed?: number;
  /** An intent unresolved this long (ms) is a stall: the run fails with its journal history. */
  stallMs?: number;
}

export async function exactlyOnce(opts: ExactlyOnceOptions): Promise<SectionReport> {
  const report = newReport('exactly-once');
  const t0 = Date.now();
  const seed = opts.seed ?? 20261206;
  const rnd = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-chaos-'));
  const sim = await startSimulator({ seed });
  const alerts = new Alerts();
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    timeoutMs: TIMEOUT_MS,
    retry: { maxRetries: 6, baseDelayMs: 20, maxDelayMs: 300 },
  });
  const ws = new OkxWsClient({ urls: sim.wsUrls, credentials: sim.credentials('trade') });
  let reconnects = 0;
  ws.on('open', (info) => {
    if (info.reconnect) reconnects++;
  });
  ws.on('error', () => undefined);
  const okx = new OkxExchange({ client, ws, minResyncMs: 1_000 });
  const journal = new OrderJournal(join(dir, 'journal.db'), { synchronous: 'NORMAL' });
  const executor = new Executor({
    venue: okx,
    journal,
    expWindowMs: 3_000,
    lookupDelayMs: 50,
    maxSends: 4,
    alerts,
  });
  const guard = new OrderGuard({ market: okx, limits: { bandPct: '5', maxNotionalPerOrder: '200' } });
  const safe = new SafeExchange({ inner: okx, executor, guard });
  const subs: Array<() => void> = [];
  const crashes: string[] = [];
  const onCrash = (e: unknown) => crashes.push(`unhandled: ${e instanceof Error ? e.stack : String(e)}`);
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);

  try {
    await client.syncClock();
    // Intents: two in three are IOC orders that fill at once (buys and sells in turn, so the
    // balances hold); the rest are post-only orders far from the market that rest.
    const rules = new Map<
      string,
      { ioc: { buy: string; sell: string }; rest: { buy: string; sell: string }; sz: string }
    >();
    const ticks = new Map<string, Decimal>();
    const sizes = new Map<string, string>();
    const price = (instId: string, bidPx: string, askPx: string) => {
      const tick = ticks.get(instId)!;
      const round = (d: Decimal) => d.div(tick).floor().mul(tick).toFixed();
      rules.set(instId, {
        ioc: {
          buy: round(new Decimal(askPx).mul('1.01')),
          sell: round(new Decimal(bidPx).mul('0.99')),
        },
        rest: {
          buy: round(new Decimal(bidPx).mul('0.96')),
          sell: round(new Decimal(askPx).mul('1.04')),
        },
        sz: sizes.get(instId)!,
      });
    };
    for (const instId of INSTRUMENTS) {
      const [inst, tk] = await Promise.all([okx.instrument(instId), okx.ticker(instId)]);
      ticks.set(instId, new Decimal(inst.tickSz));
      sizes.set(instId, new Decimal(inst.minSz).mul(2).toFixed());
      price(instId, tk.bidPx, tk.askPx);
    }
    // The WebSocket streams are live, so the forced drops below bite: the tickers keep each
    // intent's price near the market (the guard's band), the private orders channel feeds the
    // exchange adapter, and every drop means a reconnect, a login and a resubscription.
    let tickerPushes = 0;
    let orderPushes = 0;
    for (const instId of INSTRUMENTS)
      subs.push(
        okx.onTicker(instId, (t) => {
          tickerPushes++;
          if (t.bidPx && t.askPx) price(instId, t.bidPx, t.askPx);
        }),
      );
    subs.push(okx.onOrder(() => orderPushes++));
    if (!(await okx.ordersStreamReady())) report.violations.push('the private orders stream did not start');
    // Intents: two in three are IOC orders that fill at once (buys and sells in turn, so the
    // balances hold); the rest are post-only orders far from the market that rest. Each is
    // priced from the latest ticker when its turn comes.
    const intents: Array<() => OrderIntent> = [];
    for (let i = 0; i < opts.intents; i++) {
      const instId = INSTRUMENTS[i % INSTRUMENTS.length]!;
      const side = Math.floor(i / INSTRUMENTS.length) % 2 === 0 ? 'buy' : 'sell';
      const resting = i % 3 === 2;
      intents.push(() => {
        const r = rules.get(instId)!;
        return {
          instId,
          side,
          ordType: resting ? 'post_only' : 'ioc',
          px: resting ? r.rest[side] : r.ioc[side],
          sz: r.sz,
        };
      });
    }

    // The fault schedule: a base mix all the time, and every 1.5 s one of: a latency spike
    // around the client's timeout, a server clock move (small, or past the 30 s signing window),
    // a forced WebSocket drop, or calm.
    const base = { acceptThenTimeoutRate: 0.04, errorRate: 0.03, rateLimitRate: 0.03, dropWsEveryMs: 0 };
    sim.faults.set(base);
    const kinds = ['http500', '50001', '50013'] as const;
    let phaseTimer: NodeJS.Timeout | undefined;
    const phase = () => {
      const p = rnd();
      const errorKind = kinds[Math.floor(rnd() * kinds.length)]!;
      if (p < 0.3) {
        sim.faults.set({
          ...base,
          errorKind,
          latencyMs: Math.round(TIMEOUT_MS * (0.8 + rnd() * 0.4)),
          clockSkewMs: 0,
        });
        inc(report, 'latency spikes');
      } else if (p < 0.5) {
        const big = rnd() < 0.25;
        const skew = Math.round((big ? 40_000 : 300 + rnd() * 600) * (rnd() < 0.5 ? -1 : 1));
        sim.faults.set({ ...base, errorKind, latencyMs: 0, clockSkewMs: skew });
        inc(report, 'clock moves');
      } else if (p < 0.7) {
        sim.faults.set({ ...base, errorKind, latencyMs: 0 });
        sim.dropWsConnections();
        inc(report, 'ws drops forced');
      } else {
        sim.faults.set({ ...base, errorKind, latencyMs: 0, clockSkewMs: 0 });
      }
      phaseTimer = setTimeout(phase, 1_500);
    };
    phase();
    // The trading stack re-measures the clock every few minutes; here every 3 s, so the clock
    // moves above meet both the periodic and the anomaly re-sync.
    const syncTimer = setInterval(
      () => void client.syncClock().catch(() => inc(report, 'clock syncs failed')),
      3_000,
    );

    // Stall watch: every intent in flight carries its start time.
    const started = new Map<number, { at: number; clOrdId?: string }>();
    const stallMs = opts.stallMs ?? 120_000;
    let stallReject: (e: Error) => void = () => undefined;
    const stall = new Promise<never>((_, reject) => (stallReject = reject));
    const watch = setInterval(() => {
      const now = Date.now();
      for (const [i, s] of started)
        if (now - s.at > stallMs)
          stallReject(new Error(`intent #${i} unresolved after ${Math.round((now - s.at) / 1000)} s`));
    }, 1_000);

    const historyOf = (cl: string) => {
      report.details.push(`journal history of ${cl}:`);
      const evs = journal.events(cl);
      if (evs.length === 0) report.details.push('  (no journal events)');
      for (const e of evs)
        report.details.push(`  ${new Date(e.tsMs).toISOString()} ${e.event} ${JSON.stringify(e.detail)}`);
    };
    const placed = new Map<number, Order>();
    const unresolved = new Map<number, string>();
    const failures: string[] = [];
    const refusedBeforeSending = new Map<string, string>();
    const refusedExamples: string[] = [];
    const seenClOrdIds: string[] = [];
    const clOrdIdOf = new Map<number, string>();
    const { newClOrdId } = await import('../src/protocol/cl-ord-id.js');
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    try {
      await Promise.race([
        stall,
        (running = pool(intents, opts.concurrency ?? 48, async (intent, i) => {
          // After a stall no new intent starts; those in flight finish before the comparison.
          if (stopped) return;
          const clOrdId = newClOrdId('c');
          clOrdIdOf.set(i, clOrdId);
          seenClOrdIds.push(clOrdId);
          started.set(i, { at: Date.now(), clOrdId });
          try {
            placed.set(i, await safe.placeOrder({ ...intent(), clOrdId }));
          } catch (err) {
            if (err instanceof ExecutionUnresolvedError) unresolved.set(i, err.message);
            else if (err instanceof OkxkitError && !journal.get(clOrdId)) {
              // Refused before anything was journaled (the guard's ticker read hit a 429 after its
              // retries): fine only if it stays so. After the run the journal must still have no
              // row for it (or a settled refusal) and the exchange no order with its clOrdId.
              refusedBeforeSending.set(clOrdId, `#${i} ${err.code}: ${err.message}`);
              if (refusedExamples.length < 3) refusedExamples.push(`#${i} ${err.code}: ${err.message}`);
            } else if (err instanceof OkxkitError) failures.push(`#${i} ${err.code}: ${err.message}`);
            else crashes.push(`#${i} untyped error: ${err instanceof Error ? err.stack : String(err)}`);
          } finally {
            started.delete(i);
          }
        })),
      ]);
    } catch (err) {
      stopped = true;
      // A stall: print what the journal knows of every intent still in flight.
      report.violations.push(`stall: ${(err as Error).message}`);
      for (const [i, s] of started) {
        report.details.push(`stalled intent #${i}:`);
        historyOf(s.clOrdId!);
      }
    } finally {
      clearInterval(watch);
      clearTimeout(phaseTimer);
      clearInterval(syncTimer);
    }
    sim.faults.clear();
    // Intents still in flight (after a stall) settle now that the faults are gone, or not at all.
    await Promise.race([running, new Promise((r) => setTimeout(r, 120_000).unref())]);

    // Faults cleared: what was left unresolved is settled the way a restart would, by clOrdId.
    await client.syncClock();
    // The local exchange's own rate limits still apply (no fault): a 429 here is waited out.
    const rec = await (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await executor.reconcile();
        } catch (err) {
          if ((err as { retryable?: unknown }).retryable !== true || attempt >= 10) throw err;
          inc(report, 'reconcile retried after a 429');
          await new Promise((r) => setTimeout(r, 2_000));
        }
      }
    })();
    inc(report, 'left unknown, settled by reconcile', rec.adopted.length + rec.expired.length);
    // A stall too: an intent still unresolved once the faults are gone and its deadline passed.
    for (const r of rec.unresolved) {
      report.violations.push(`stall: still unresolved after the faults cleared: ${r.clOrdId}`);
      historyOf(r.clOrdId);
    }
    inc(report, 'stalls', report.violations.filter((v) => v.startsWith('stall')).length);

    // The exchange, order by order.
    const onExchange: Order[] = [...(await okx.openOrders())];
    for (const instType of ['SPOT'] as const) {
      let after: string | undefined;
      for (;;) {
        const page = (
          await client.trade.ordersHistory({ instType, limit: 100, ...(after ? { after } : {}) })
        ).map((o) => mapOrder(o as unknown as Record<string, unknown>));
        onExchange.push(...page);
        if (page.length < 100) break;
        after = page[page.length - 1]!.ordId;
      }
    }
    const byCl = new Map<string, Order[]>();
    // One entry per exchange order id (an order in both the open and the history answer is one).
    const distinct = new Map(onExchange.map((o) => [o.ordId, o]));
    for (const o of distinct.values()) byCl.set(o.clOrdId, [...(byCl.get(o.clOrdId) ?? []), o]);
    let duplicates = 0;
    let lost = 0;
    let orphans = 0;
    for (const [cl, list] of byCl) {
      if (list.length > 1) {
        duplicates += list.length - 1;
        report.violations.push(
          `duplicate: ${cl} has ${list.length} orders (${list.map((o) => o.ordId).join(', ')})`,
        );
        historyOf(cl);
      }
      const row = journal.get(cl);
      if (!row || row.status !== 'acked') {
        orphans++;
        report.violations.push(
          `orphan: ${cl} is on the exchange but the journal says ${row?.status ?? 'nothing'}`,
        );
      }
    }
    for (const row of journal.all()) {
      if (row.status === 'acked' && !byCl.has(row.clOrdId)) {
        lost++;
        report.violations.push(`lost: ${row.clOrdId} is acked in the journal but not on the exchange`);
      }
      if (row.status === 'pending' || row.status === 'unknown') {
        lost++;
        report.violations.push(`lost: ${row.clOrdId} still ${row.status} in the journal`);
        historyOf(row.clOrdId);
      }
    }
    for (const cl of seenClOrdIds)
      if (!journal.get(cl) && byCl.has(cl)) failures.push(`${cl} is on the exchange but was never journaled`);
    // A refusal before sending is settled only if the journal shows it refused (no row, or
    // `rejected`) and the exchange has no order under its clOrdId; anything else is a violation.
    let refusalsBroken = 0;
    for (const [cl, what] of refusedBeforeSending) {
      const row = journal.get(cl);
      const settled = !row || row.status === 'rejected';
      if (settled && !byCl.has(cl)) continue;
      refusalsBroken++;
      report.violations.push(
        `refused before sending but ${byCl.has(cl) ? 'on the exchange' : `journaled ${row!.status}`}: ${cl} (${what})`,
      );
      historyOf(cl);
    }

    const events = journal.db
      .prepare('SELECT event, COUNT(*) AS n FROM events GROUP BY event')
      .all() as Array<{ event: string; n: number }>;
    const ev = (e: string) => events.find((x) => x.event === e)?.n ?? 0;
    report.counts = {
      intents: opts.intents,
      'placed (acked)': journal.byStatus('acked').length,
      'expired (confirmed never executed)': journal.byStatus('expired').length,
      'rejected by the exchange': journal.byStatus('rejected').length,
      'refused before sending (typed error, nothing sent)': refusedBeforeSending.size,
      'refusals not settled (journaled or on the exchange)': refusalsBroken,
      'faults seen: ambiguous outcomes': ev('ambiguous'),
      'faults seen: throttled (429/expired)': ev('throttled'),
      'faults seen: resends after confirmed absence': ev('send') - journal.all().length,
      'faults seen: resends refused (clock bound)': ev('resend-refused'),
      'faults seen: ws reconnects': reconnects,
      'ws ticker pushes': tickerPushes,
      'ws order pushes': orderPushes,
      ...Object.fromEntries(
        Object.entries(sim.faults.injected).map(([k, v]) => [`faults injected: ${k}`, v]),
      ),
      ...report.counts,
      duplicates,
      lost,
      orphans,
      crashes: crashes.length,
      'other failures': failures.length,
    };
    for (const c of crashes) report.violations.push(`crash: ${c}`);
    for (const f of failures.slice(0, 20)) report.details.push(`failure: ${f}`);
    for (const f of refusedExamples) report.details.push(`refused before sending, e.g. ${f}`);
    if (failures.length) report.violations.push(`${failures.length} intents failed with an error`);
    if (report.counts['faults seen: ambiguous outcomes']! < opts.intents / 100)
      report.violations.push('too few ambiguous outcomes: the faults did not bite');
    if ((report.counts['ws drops forced'] ?? 0) > 0 && reconnects === 0)
      report.violations.push('WebSocket drops were forced but no stream reconnected: the drops did not bite');
  } finally {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    for (const off of subs) off();
    await ws.close();
    journal.close();
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
