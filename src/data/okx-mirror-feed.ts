import type { BookLevel } from '../protocol/book-checksum.js';
import { ValidationError } from '../util/errors.js';
import { OkxWsClient, type WsUrls } from '../ws/client.js';
import { LiveOrderBook } from '../ws/live-book.js';

/** OKX's public WebSocket, the default source of `okxkit sim --market okx`. */
export const OKX_PUBLIC_WS_BASE = 'wss://ws.okx.com:8443/ws/v5';

/**
 * Where the mirrored data goes: the local exchange's mirror market implements it (structurally;
 * this layer does not import the local exchange).
 */
export interface MirrorTarget {
  setInstruments(list: ReadonlyArray<Record<string, unknown> & { instId: string; instType: string }>): void;
  setBook(instId: string, bids: readonly BookLevel[], asks: readonly BookLevel[], ts: number): void;
  addTrades(
    instId: string,
    trades: ReadonlyArray<{
      instId: string;
      tradeId: string;
      px: string;
      sz: string;
      side: 'buy' | 'sell';
      ts: number;
    }>,
  ): void;
  setTicker(instId: string, ticker: Record<string, string>): void;
  setCandle(instId: string, row: readonly string[]): void;
}

export interface MirrorFeedOptions {
  /** WS base URL: `<base>/public` and `<base>/business` are used. Default OKX's. */
  wsBase?: string;
  instIds: string[];
  target: MirrorTarget;
  /** Book levels kept per side (the `books` channel sends 400). */
  depth?: number;
}

export interface MirrorFeed {
  readonly urls: WsUrls;
  /** Resolves when each instrument has its rules and a first book snapshot. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** WS URLs under one base ("wss://ws.okx.com:8443/ws/v5" or a loopback stand-in). */
export function mirrorUrls(base: string): WsUrls {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new ValidationError('--mirror-url', `'${base}' is not a URL`, `e.g. ${OKX_PUBLIC_WS_BASE}`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new ValidationError(
      '--mirror-url',
      `'${base}' is not a ws:// or wss:// URL`,
      `e.g. ${OKX_PUBLIC_WS_BASE}`,
    );
  }
  const b = base.replace(/\/+$/, '');
  return { wsPublic: `${b}/public`, wsPrivate: `${b}/private`, wsBusiness: `${b}/business` };
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/**
 * Subscribes to OKX's public channels for each instrument (instruments, books, trades, tickers,
 * candle1m) and hands what arrives to `target`. Books go through `LiveOrderBook` (seqId
 * continuity, checksum when non-zero, resync on a gap), so the mirror only ever holds a book that
 * was correct when OKX sent it. Reconnects and resubscriptions are the WS client's.
 */
export function startMirrorFeed(opts: MirrorFeedOptions): MirrorFeed {
  const urls = mirrorUrls(opts.wsBase ?? OKX_PUBLIC_WS_BASE);
  const depth = opts.depth ?? 400;
  const ws = new OkxWsClient({ urls });
  ws.on('error', () => undefined); // surfaced as resyncs / reconnects; the mirror keeps serving
  const t = opts.target;
  const subs = [
    ws.subscribe({ channel: 'instruments', instType: 'SPOT' }, (push) => {
      t.setInstruments(push.data as Array<Record<string, unknown> & { instId: string; instType: string }>);
    }),
  ];
  const books: LiveOrderBook[] = [];
  for (const instId of opts.instIds) {
    subs.push(
      ws.subscribe({ channel: 'trades', instId }, (push) => {
        t.addTrades(
          instId,
          (push.data as Record<string, unknown>[]).map((d) => ({
            instId,
            tradeId: str(d.tradeId),
            px: str(d.px),
            sz: str(d.sz),
            side: d.side === 'sell' ? 'sell' : 'buy',
            ts: Number(d.ts),
          })),
        );
      }),
      ws.subscribe({ channel: 'tickers', instId }, (push) => {
        const d = push.data[0] as Record<string, unknown> | undefined;
        if (d) t.setTicker(instId, Object.fromEntries(Object.entries(d).map(([k, v]) => [k, str(v)])));
      }),
      ws.subscribe({ channel: 'candle1m', instId }, (push) => {
        for (const row of push.data as unknown[][]) t.setCandle(instId, row.map(str));
      }),
    );
    const lb = new LiveOrderBook(ws, instId, { channel: 'books' });
    lb.on('change', (b) => {
      const d = b.depth(depth);
      t.setBook(instId, d.bids, d.asks, Number(b.ts) || Date.now());
    });
    books.push(lb);
  }
  const ready = Promise.all([...subs.map((s) => s.ready), ...books.map((b) => b.ready)]).then(
    () => undefined,
  );
  // Whoever awaits `ready` gets its rejection; this only keeps an un-awaited one from being unhandled.
  ready.catch(() => undefined);
  return {
    urls,
    ready,
    async close() {
      for (const b of books) b.close();
      for (const s of subs) s.close();
      await ws.close();
    },
  };
}
