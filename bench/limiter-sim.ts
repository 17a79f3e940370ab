// The client's rate limiter against the local exchange, in real time: a burst of workers
// hammers one endpoint for a few windows. Target: >= 95% of the rule's capacity used, and the
// local exchange (which enforces OKX's rules itself) answers 50011 zero times.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OkxClient } from '../src/client/okx-client.js';
import { ENDPOINTS, type EndpointId } from '../src/protocol/endpoints.js';
import { startSimulator } from '../src/sim/simulator.js';
import type { BenchResult } from './harness.js';

const WINDOWS = 3;

export async function run(): Promise<BenchResult[]> {
  const sim = await startSimulator({ seed: 1 });
  let rejected = 0;
  sim.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () => {
      if (res.statusCode === 429) rejected++;
    });
  });
  const out: BenchResult[] = [];
  try {
    const cases: Array<[EndpointId, (c: OkxClient) => Promise<unknown>]> = [
      ['market.ticker', (c) => c.market.ticker('BTC-USDT')],
      ['account.balance', (c) => c.account.balance()],
    ];
    for (const [id, call] of cases) {
      // A fresh client per case: its limiter starts empty, as the exchange's window does after a pause.
      await new Promise((r) => setTimeout(r, ENDPOINTS[id].rate.windowMs + 100));
      rejected = 0;
      const client = new OkxClient({
        baseUrl: sim.restUrl,
        credentials: sim.credentials('trade'),
        retry: { maxRetries: 0 },
      });
      const rule = ENDPOINTS[id].rate;
      const durationMs = WINDOWS * rule.windowMs;
      const started = Date.now();
      let ok = 0;
      let failed = 0;
      const worker = async () => {
        while (Date.now() - started < durationMs) {
          try {
            await call(client);
            if (Date.now() - started <= durationMs) ok++;
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      await client.close();
      const capacity = rule.limit * WINDOWS;
      out.push({
        name: `limiter on the local exchange: ${ENDPOINTS[id].path} ${rule.limit} / ${rule.windowMs / 1000} s, 16 workers`,
        opsPerSec: ok / (durationMs / 1000),
        ratio: ok / capacity,
        note: `${ok} of ${capacity} possible in ${durationMs / 1000} s; 50011 from the exchange: ${rejected}; client errors: ${failed}; ratio = utilisation (target >= 0.95, zero 50011)`,
      });
    }
  } finally {
    await sim.close();
  }
  return out;
}
