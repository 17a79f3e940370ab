// Order-book throughput: raw message strings through OrderBook.applyRaw (parse + seq checks +
// merge + checksum) against JSON.parse alone on the same strings, for a 400-level book with
// about 5 levels changed per update (the local exchange's generator). The peer okx-api has no
// order-book helper, so the JSON.parse floor is the reference. Target: ratio >= 0.5.
import { OrderBook } from '../src/ws/order-book.js';
import { generateBookMessages } from '../src/sim/market/index.js';

export interface BenchResult {
  name: string;
  opsPerSec: number;
  ratio?: number;
  note?: string;
}

const CHUNK = 100;

/**
 * Replays the updates in chunks of CHUNK messages, timing each chunk; over several rounds the
 * fastest time of each chunk is kept. Summing those minimums filters out other processes on a
 * shared machine far better than timing whole runs.
 */
function measure(msgs: string[], rounds: number, variant: 'parse' | 'book'): number {
  const chunks = Math.floor((msgs.length - 1) / CHUNK);
  const best = new Array<number>(chunks).fill(Infinity);
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const book = new OrderBook('BTC-USDT');
    if (book.applyRaw(msgs[0]!) !== 'applied') throw new Error('snapshot rejected');
    for (let c = 0; c < chunks; c++) {
      const from = 1 + c * CHUNK;
      const t0 = process.hrtime.bigint();
      if (variant === 'parse') {
        for (let i = from; i < from + CHUNK; i++)
          sink += (JSON.parse(msgs[i]!) as { data: unknown[] }).data.length;
      } else {
        for (let i = from; i < from + CHUNK; i++) {
          if (book.applyRaw(msgs[i]!) !== 'applied') throw new Error(`book rejected message ${i}`);
        }
      }
      const ns = Number(process.hrtime.bigint() - t0);
      if (ns < best[c]!) best[c] = ns;
    }
    sink += book.size().bids;
  }
  if (sink === 0) throw new Error('unreachable');
  return best.reduce((a, b) => a + b, 0) / (chunks * CHUNK); // ns per message
}

export async function run(opts: { count?: number; rounds?: number } = {}): Promise<BenchResult[]> {
  const count = opts.count ?? 5001;
  const rounds = opts.rounds ?? 12;
  const msgs = generateBookMessages({ seed: 42, count, instId: 'BTC-USDT' });
  const zero = generateBookMessages({ seed: 42, count, instId: 'BTC-USDT', zeroChecksum: true });
  const perSec = (ns: number) => Math.round(1e9 / ns);
  // Interleave the variants so that load from elsewhere hits them alike.
  let tParse = Infinity;
  let tBook = Infinity;
  let tZero = Infinity;
  for (let k = 0; k < 3; k++) {
    tParse = Math.min(tParse, measure(msgs, Math.ceil(rounds / 3), 'parse'));
    tBook = Math.min(tBook, measure(msgs, Math.ceil(rounds / 3), 'book'));
    tZero = Math.min(tZero, measure(zero, Math.ceil(rounds / 3), 'book'));
  }
  const parse = perSec(tParse);
  return [
    {
      name: 'orderbook: JSON.parse only (floor)',
      opsPerSec: parse,
      note: `${count - 1} updates, 400 levels, ~5 changes each`,
    },
    {
      name: 'orderbook: OrderBook.applyRaw with checksum',
      opsPerSec: perSec(tBook),
      ratio: tParse / tBook,
      note: 'target ratio >= 0.5',
    },
    {
      name: 'orderbook: OrderBook.applyRaw, checksum 0 (seq only)',
      opsPerSec: perSec(tZero),
      ratio: tParse / tZero,
    },
  ];
}

const isMain = process.argv[1] !== undefined && /orderbook\.ts$/.test(process.argv[1]);
if (isMain) {
  for (const r of await run()) {
    console.log(
      `${r.name}: ${r.opsPerSec.toLocaleString()} msg/s${r.ratio ? ` (ratio ${r.ratio.toFixed(2)})` : ''}${r.note ? `  ${r.note}` : ''}`,
    );
  }
}
