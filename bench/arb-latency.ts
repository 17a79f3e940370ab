// Detect-to-order latency of the triangular arbitrage bot against the local exchange with a
// planted ETH-BTC mispricing: from the scan that found the opportunity (on a book change) to
// (a) the bot handing the first leg to its port, (b) the first leg's request leaving for the
// exchange after the order guard and the journal, (c) its answer. p50 / p99 over the runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BookBoard } from '../src/arb/books.js';
import { OpportunityEngine } from '../src/arb/engine.js';
import { ArbBot } from '../src/arb/execute.js';
import { openOkxVenue } from '../src/arb/venue.js';
import { startSimulator } from '../src/sim/simulator.js';
import type { OrderIntent } from '../src/trading/exchange-port.js';
import type { BenchResult } from './harness.js';

const RUNS = 63;
const WARMUP = 3;
const INSTS = ['BTC-USDT', 'ETH-USDT', 'ETH-BTC'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function run(): Promise<BenchResult[]> {
  const sim = await startSimulator({
    seed: 7,
    tickMs: 50,
    config: { market: { crossOffsetBps: { 'ETH-BTC': 80 } } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-bench-arb-'));
  const board = new BookBoard();
  const venue = await openOkxVenue({
    name: 'okx',
    baseUrl: sim.restUrl,
    credentials: sim.credentials('trade'),
    instIds: INSTS,
    board,
    journalDir: dir,
  });
  try {
    // The moment each order request leaves for the exchange (after guard and journal).
    const wire: number[] = [];
    const inner = venue.exchange!;
    const place = inner.placeOrder.bind(inner);
    inner.placeOrder = (i: OrderIntent) => {
      wire.push(performance.now());
      return place(i);
    };
    const get = (v: string, i: string) => board.get(v, i);
    const engine = new OpportunityEngine({
      books: get,
      instruments: { okx: INSTS },
      cycles: [{ venue: 'okx', currencies: ['USDT', 'BTC', 'ETH'] }],
      takerFee: { okx: venue.fees.spot },
      maxCycleSize: 1000,
    });
    const bot = new ArbBot({
      id: 'bench',
      venues: { okx: venue.port! },
      books: get,
      takerFee: { okx: venue.fees.spot },
      latencyBudgetMs: 1000,
      lossBudget: 10,
      slippageBps: 15,
    });
    const toPort: number[] = [];
    const toWire: number[] = [];
    const toAck: number[] = [];
    let busy = false;
    let runs = 0;
    const scanNs: number[] = [];
    await new Promise<void>((resolve) => {
      const off = board.onChange(() => {
        if (busy || runs >= RUNS) return;
        const t0 = performance.now();
        const best = engine.scan()[0];
        scanNs.push((performance.now() - t0) * 1e6);
        if (!best || !(best.profit > 0)) return;
        busy = true;
        runs++;
        const w0 = wire.length;
        void bot.execute(best).then((r) => {
          // The first WARMUP runs load instrument rules and warm the connections: not counted.
          if (runs > WARMUP && r.detectToOrderMs !== undefined) {
            toPort.push(r.detectToOrderMs);
            if (wire[w0] !== undefined) toWire.push(wire[w0] - best.detectedPerf);
            const ack = r.legs[0]?.ackPerf;
            if (ack !== undefined) toAck.push(ack - best.detectedPerf);
          }
          busy = false;
          if (runs >= RUNS) {
            off();
            resolve();
          }
        });
      });
    });
    const f = (xs: number[]) =>
      `p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms (n=${xs.length})`;
    return [
      {
        name: 'scan (2 cycles x 3 books, 50 levels)',
        opsPerSec: Math.round(1e9 / pct(scanNs, 50)),
        note: `p50 ${(pct(scanNs, 50) / 1000).toFixed(1)} us`,
      },
      {
        name: 'detect -> first leg to the port',
        opsPerSec: Math.round(1000 / Math.max(pct(toPort, 50), 1e-3)),
        note: f(toPort),
      },
      {
        name: 'detect -> first leg on the wire (guard + journal)',
        opsPerSec: Math.round(1000 / pct(toWire, 50)),
        note: f(toWire),
      },
      { name: 'detect -> first leg answered', opsPerSec: Math.round(1000 / pct(toAck, 50)), note: f(toAck) },
    ];
  } finally {
    await venue.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
