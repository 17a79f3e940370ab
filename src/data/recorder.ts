import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { OkxWsClient } from '../ws/client.js';
import { LiveOrderBook } from '../ws/live-book.js';
import type { MarketStore } from './store.js';

/**
 * Live recording: public trades and order-book snapshots from the WebSocket into the store.
 * Trades as they print; a book snapshot (top `depth` levels per side) at most every
 * `bookEveryMs` of exchange time, taken from a `LiveOrderBook` (so only a verified book is
 * stored). Parts are written every `flushEveryRows` rows and when the recording stops; each
 * part covers the time the subscription was up, and a reconnect starts a new covered interval,
 * so `data check` shows what a disconnect missed.
 */
export interface RecordOptions {
  ws: OkxWsClient;
  store: MarketStore;
  instIds: string[];
  signal: AbortSignal;
  /** Default 1000 ms. */
  bookEveryMs?: number;
  /** Levels per side in a snapshot, default 20 (max 400). */
  depth?: number;
  /** Default 10 000. */
  flushEveryRows?: number;
  clock?: Clock;
  /** After each stored row (trades and snapshots counted together). */
  onRecord?: (s: RecordStats) => void;
}

/** What a live recording wrote: trades, book snapshots, parts, and how often it reconnected. */
export interface RecordStats {
  trades: number;
  books: number;
  parts: number;
  reconnects: number;
}

interface Buffer {
  trades: { ts: number[]; tradeId: string[]; px: number[]; sz: number[]; side: string[] };
  books: { ts: number[]; bidPx: number[][]; bidSz: number[][]; askPx: number[][]; askSz: number[][] };
  /** Start of the interval the buffered rows cover (subscription up since then). */
  since: number;
}

const emptyBuffer = (since: number): Buffer => ({
  trades: { ts: [], tradeId: [], px: [], sz: [], side: [] },
  books: { ts: [], bidPx: [], bidSz: [], askPx: [], askSz: [] },
  since,
});

// long: the WS handlers, buffers and flush/reconnect bookkeeping share the current interval
/** Records live trades and book snapshots from the public WebSocket into the store until the signal stops it. */
export async function record(opts: RecordOptions): Promise<RecordStats> {
  const clock = opts.clock ?? systemClock;
  const depth = opts.depth ?? 20;
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= 400)) {
    throw new ValidationError('depth', `${depth} is not a whole number of levels from 1 to 400`);
  }
  const every = opts.bookEveryMs ?? 1000;
  const flushRows = opts.flushEveryRows ?? 10_000;
  const stats: RecordStats = { trades: 0, books: 0, parts: 0, reconnects: 0 };
  const start = clock.now();
  const buf = new Map(opts.instIds.map((id) => [id, emptyBuffer(start)]));
  const lastBook = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;

  const flush = (instId: string, until: number) => {
    const b = buf.get(instId)!;
    buf.set(instId, emptyBuffer(until));
    const cover = { from: b.since, to: Math.max(until, b.since + 1) };
    chain = chain.then(async () => {
      try {
        if (b.trades.ts.length > 0 || until > b.since) {
          const tMax = Math.max(cover.to, ...b.trades.ts.map((t) => t + 1));
          const tMin = Math.min(cover.from, ...b.trades.ts);
          stats.parts += (
            await opts.store.write({ kind: 'trades', instId }, b.trades, { from: tMin, to: tMax })
          ).length;
        }
        if (b.books.ts.length > 0) {
          const bMax = Math.max(cover.to, ...b.books.ts.map((t) => t + 1));
          const bMin = Math.min(cover.from, ...b.books.ts);
          stats.parts += (
            await opts.store.write({ kind: 'books', instId }, b.books, { from: bMin, to: bMax })
          ).length;
        }
      } catch (err) {
        failure ??= err;
      }
    });
  };
  const rows = (b: Buffer) => b.trades.ts.length + b.books.ts.length;

  const subs = opts.instIds.map((instId) =>
    opts.ws.subscribe({ channel: 'trades', instId }, (push) => {
      const b = buf.get(instId)!;
      for (const d of push.data as Record<string, unknown>[]) {
        b.trades.ts.push(Number(d.ts));
        b.trades.tradeId.push(String(d.tradeId));
        b.trades.px.push(Number(d.px));
        b.trades.sz.push(Number(d.sz));
        b.trades.side.push(d.side === 'sell' ? 'sell' : 'buy');
        stats.trades++;
        opts.onRecord?.(stats);
      }
      if (rows(b) >= flushRows) flush(instId, clock.now());
    }),
  );
  const books = opts.instIds.map((instId) => {
    const lb = new LiveOrderBook(opts.ws, instId, { channel: 'books' });
    lb.on('change', (ob) => {
      const ts = Number(ob.ts);
      if (!(ts >= (lastBook.get(instId) ?? -Infinity) + every)) return;
      lastBook.set(instId, ts);
      const d = ob.depth(depth);
      const b = buf.get(instId)!;
      b.books.ts.push(ts);
      b.books.bidPx.push(d.bids.map((l) => Number(l[0])));
      b.books.bidSz.push(d.bids.map((l) => Number(l[1])));
      b.books.askPx.push(d.asks.map((l) => Number(l[0])));
      b.books.askSz.push(d.asks.map((l) => Number(l[1])));
      stats.books++;
      opts.onRecord?.(stats);
      if (rows(b) >= flushRows) flush(instId, clock.now());
    });
    return lb;
  });
  // A reconnect: what was buffered covers up to the drop; the new interval starts now.
  const onReconnect = (info: { reconnect: boolean }) => {
    if (!info.reconnect) return;
    stats.reconnects++;
    for (const id of opts.instIds) flush(id, clock.now());
  };
  opts.ws.on('open', onReconnect);
  try {
    await Promise.all([...subs.map((s) => s.ready), ...books.map((b) => b.ready)]);
    if (!opts.signal.aborted) {
      await new Promise<void>((resolve) =>
        opts.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  } finally {
    opts.ws.off('open', onReconnect);
    for (const s of subs) s.close();
    for (const b of books) b.close();
    const end = clock.now();
    for (const id of opts.instIds) flush(id, end);
    await chain;
  }
  if (failure !== undefined) throw failure;
  return stats;
}
