import { bookChecksum } from '../../protocol/book-checksum.js';
import { ValidationError } from '../../util/errors.js';
import { SyntheticBook } from './book.js';
import { DEFAULT_MARKET_INSTRUMENTS } from './instruments.js';
import { Rng, hash32 } from './prng.js';
import { decimalsOf } from './units.js';

export interface BookMessagesOptions {
  seed: number;
  /** Messages in all: one snapshot, then count - 1 updates. */
  count: number;
  /** One of the default instruments; default BTC-USDT. */
  instId?: string;
  /** Levels per side in the snapshot (OKX books: 400). */
  depth?: number;
  /** Send checksum 0, as production OKX does since June 2026. */
  zeroChecksum?: boolean;
  /** ms of the snapshot; updates follow every 100 ms. */
  startTs?: number;
}

/**
 * Input for order-book benchmarks and tests: OKX `books` channel messages as JSON text, a
 * 400-level snapshot then updates with about five changed levels each, with seqId/prevSeqId
 * continuity and the checksum of the book a correct client rebuilds (docs/OKX-PROTOCOL.md §3).
 */
export function generateBookMessages(opts: BookMessagesOptions): string[] {
  const instId = opts.instId ?? 'BTC-USDT';
  const cfg = DEFAULT_MARKET_INSTRUMENTS.find((c) => c.instId === instId);
  if (!cfg) {
    throw new ValidationError(
      'instId',
      `"${instId}" is not a default instrument`,
      DEFAULT_MARKET_INSTRUMENTS.map((c) => c.instId).join(', '),
    );
  }
  if (!Number.isInteger(opts.count) || opts.count < 1)
    throw new ValidationError('count', 'must be a positive integer');
  const rng = new Rng(hash32(opts.seed, 0x424b));
  const lot = Number(cfg.lotSz);
  const [minSz, maxSz] = cfg.tradeSize ?? [lot, lot * 1000];
  const book = new SyntheticBook(
    {
      pxDec: decimalsOf(cfg.tickSz),
      szDec: decimalsOf(cfg.lotSz),
      gapTicks: cfg.levelGapTicks ?? 1,
      minLots: Math.max(1, minSz / lot),
      maxLots: Math.max(1, (maxSz * 2) / lot),
      depth: Math.max(1, Math.min(opts.depth ?? 400, 400)),
    },
    1_000_000 + (hash32(opts.seed, 0x5345) % 1_000_000),
  );
  let fair = Number(cfg.price) / Number(cfg.tickSz);
  book.recentre(fair, rng);
  const t0 = opts.startTs ?? Date.UTC(2026, 0, 5, 12, 0, 0);
  book.commit(t0);
  const arg = JSON.stringify({ channel: 'books', instId });
  const checksum = () =>
    opts.zeroChecksum ? 0 : bookChecksum(book.levels('bid', 25), book.levels('ask', 25));
  const out: string[] = [];
  out.push(
    `{"arg":${arg},"action":"snapshot","data":[${JSON.stringify({
      asks: book.levels('ask', 400),
      bids: book.levels('bid', 400),
      ts: String(t0),
      checksum: checksum(),
      prevSeqId: -1,
      seqId: book.seqId,
    })}]}`,
  );
  for (let i = 1; out.length < opts.count; i++) {
    // Now and then the price moves a tick or two, which changes the top of the book.
    if (rng.next() < 0.15) {
      fair += rng.next() < 0.5 ? -1.5 : 1.5;
      book.recentre(fair, rng);
    }
    book.churn(rng, 2 + Math.floor(rng.next() * 4));
    book.fillDepth(rng);
    const d = book.commit(t0 + i * 100);
    if (!d) continue;
    out.push(
      `{"arg":${arg},"action":"update","data":[${JSON.stringify({
        asks: d.asks,
        bids: d.bids,
        ts: String(d.ts),
        checksum: checksum(),
        prevSeqId: d.prevSeqId,
        seqId: d.seqId,
      })}]}`,
    );
  }
  return out;
}
