// Order-book throughput: raw message strings through OrderBook.applyRaw (parse + seq checks +
// merge + checksum) against JSON.parse alone on the same strings, for a 400-level book with
// about 5 levels changed per update. The peer okx-api has no order-book helper, so the
// JSON.parse floor is the reference. Target: ratio >= 0.5.
import { OrderBook } from '../src/ws/order-book.js';
import { generateBookMessages } from '../src/sim/market/index.js';

export interface BenchResult {
  name: string;
  opsPerSec: number;
  ratio?: number;
  note?: string;
}

/** Best (lowest) ns per call over interleaved rounds: robust to other load on the machine. */
function best(fns: Array<() => void>, rounds: number): number[] {
  const out = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const t0 = process.hrtime.bigint();
      fn();
      const ns = Number(process.hrtime.bigint() - t0);
      if (ns < out[i]!) out[i] = ns;
    });
  }
  return out;
}

export async function run(opts: { count?: number; rounds?: number } = {}): Promise<BenchResult[]> {
  const count = opts.count ?? 5000;
  const rounds = opts.rounds ?? 15;
  const msgs = generateBookMessages({ seed: 42, count, instId: 'BTC-USDT' });
  const zero = generateBookMessages({ seed: 42, count, instId: 'BTC-USDT', zeroChecksum: true });
  const updates = msgs.length - 1;
  let sink = 0;
  const parseOnly = (list: string[]) => () => {
    for (let i = 1; i < list.length; i++) sink += (JSON.parse(list[i]!) as { data: unknown[] }).data.length;
  };
  const book = (list: string[]) => () => {
    const b = new OrderBook('BTC-USDT');
    b.applyRaw(list[0]!);
    for (let i = 1; i < list.length; i++) {
      if (b.applyRaw(list[i]!) !== 'applied') throw new Error(`book rejected message ${i}`);
    }
    sink += b.size().bids;
  };
  // The snapshot load is excluded from both sides: time it separately and subtract.
  const snapOnly = () => {
    const b = new OrderBook('BTC-USDT');
    b.applyRaw(msgs[0]!);
    sink += b.size().bids;
  };
  // Warm up.
  parseOnly(msgs)();
  book(msgs)();
  book(zero)();
  const [tParse, tSnap, tBookAll, tZeroAll] = best(
    [parseOnly(msgs), snapOnly, book(msgs), book(zero)],
    rounds,
  );
  const tBook = tBookAll! - tSnap!;
  const tBookZero = tZeroAll! - tSnap!;
  if (sink === 0) throw new Error('unreachable');
  const ops = (ns: number) => Math.round((updates * 1e9) / ns);
  const parse = ops(tParse!);
  return [
    {
      name: 'orderbook: JSON.parse only (floor)',
      opsPerSec: parse,
      note: `${updates} updates, 400 levels, ~5 changes each`,
    },
    {
      name: 'orderbook: OrderBook.applyRaw with checksum',
      opsPerSec: ops(tBook),
      ratio: ops(tBook) / parse,
      note: 'target ratio >= 0.5',
    },
    {
      name: 'orderbook: OrderBook.applyRaw, checksum 0 (seq only)',
      opsPerSec: ops(tBookZero),
      ratio: ops(tBookZero) / parse,
    },
  ];
}

const isMain = process.argv[1] !== undefined && /orderbook\.ts$/.test(process.argv[1]);
if (isMain) {
  for (const r of await run())
    console.log(
      `${r.name}: ${r.opsPerSec.toLocaleString()} msg/s${r.ratio ? ` (ratio ${r.ratio.toFixed(2)})` : ''}${r.note ? `  ${r.note}` : ''}`,
    );
}
