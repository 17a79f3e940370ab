// Forced WebSocket drops: the local exchange drops every connection N times. After each drop
// the client reconnects, logs in, resubscribes; the order book must come back through a fresh
// snapshot and stay checksum-exact (any gap or checksum mismatch is a violation), and every
// order placed meanwhile must reach the private order stream (pushes, or the REST sweep after
// the resubscription).
import { Decimal } from 'decimal.js';
import { startSimulator } from '../src/sim/simulator.js';
import { attachWsServer } from '../src/sim/ws/index.js';
import { OkxClient } from '../src/client/okx-client.js';
import { OkxWsClient } from '../src/ws/client.js';
import { ConnectLimiter } from '../src/ws/limits.js';
import { LiveOrderBook } from '../src/ws/live-book.js';
import { OkxExchange } from '../src/trading/okx-exchange.js';
import { newClOrdId } from '../src/protocol/cl-ord-id.js';
import { inc, newReport, type SectionReport } from './report.js';

function waitFor(test: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (test()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

export async function wsDrops(drops: number, seed = 1806): Promise<SectionReport> {
  const report = newReport('ws-drops');
  const t0 = Date.now();
  // The 3-connections-per-second rule is OKX's and is tested elsewhere; here it would only make
  // the run slow, so the local exchange and the client allow more.
  const sim = await startSimulator({
    seed,
    tickMs: 50,
    attachWs: (o) => attachWsServer({ ...o, connectionsPerSecond: 1_000, opsPerHour: 1_000_000 }),
  });
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  const ws = new OkxWsClient({
    urls: sim.wsUrls,
    credentials: sim.credentials('trade'),
    backoff: { baseMs: 1, maxMs: 20 },
    connectLimiter: new ConnectLimiter(1_000),
  });
  ws.on('error', () => undefined);
  const crashes: string[] = [];
  const onCrash = (e: unknown) => crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const book = new LiveOrderBook(ws, 'BTC-USDT');
  book.on('resync', (i) => report.violations.push(`book resync (${i.reason}): ${i.detail}`));
  let changes = 0;
  book.on('change', () => changes++);
  const okx = new OkxExchange({ client, ws, reconcileMs: 60_000 });
  const seen = new Set<string>();
  const off = okx.onOrder((o) => seen.add(o.clOrdId));
  let privateOpens = 0;
  ws.on('open', (info) => {
    if (info.endpoint === 'private') privateOpens++;
  });
  try {
    await book.ready;
    await okx.ordersStreamReady();
    const tk = await okx.ticker('BTC-USDT');
    const px = new Decimal(tk.bidPx).mul('0.9').toDecimalPlaces(1).toFixed();
    for (let i = 0; i < drops; i++) {
      const before = changes;
      const opensBefore = privateOpens;
      sim.dropWsConnections();
      inc(report, 'ws drops');
      await waitFor(() => privateOpens > opensBefore, 10_000, `private reconnect after drop ${i + 1}`);
      await waitFor(() => book.isSynced && changes > before, 10_000, `book snapshot after drop ${i + 1}`);
      inc(report, 'book snapshots after a drop');
      if (i % 10 === 0) {
        // An order placed right after the drop reaches the private stream.
        const clOrdId = newClOrdId('w');
        await client.trade.placeOrder({
          instId: 'BTC-USDT',
          tdMode: 'cash',
          side: 'buy',
          ordType: 'post_only',
          px,
          sz: '0.0001',
          clOrdId,
        });
        await waitFor(() => seen.has(clOrdId), 10_000, `order ${clOrdId} on the private stream`).then(
          () => inc(report, 'private-stream orders seen'),
          (e: Error) => report.violations.push(e.message),
        );
      }
    }
    inc(report, 'book pushes applied', changes);
    inc(report, 'book pushes read raw', book.rawApplied);
  } catch (err) {
    report.violations.push(err instanceof Error ? err.message : String(err));
  } finally {
    off();
    book.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await ws.close();
    await client.close();
    await sim.close();
  }
  report.counts['book gaps or checksum mismatches'] = report.violations.filter((v) =>
    v.startsWith('book resync'),
  ).length;
  report.counts.crashes = crashes.length;
  for (const c of crashes) report.violations.push(`crash: ${c}`);
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
