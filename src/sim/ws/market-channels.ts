import { bookChecksum, type BookLevel } from '../../protocol/book-checksum.js';
import type { MarketUpdate } from '../contracts.js';
import { barStart } from '../market/bars.js';
import { instrumentToOkx } from '../market/instrument-payload.js';
import { tradePayload } from '../market/trade-payload.js';
import { isPrivateKind, type ChannelKind } from './channels.js';
import type { Conn, Json, Sub, WsHub } from './hub.js';

/** OKX: candle channels push at most once a second. */
const CANDLE_PUSH_MS = 1000;

/** Within a connection, bbo-tbt, then books, then books5 (docs/OKX-PROTOCOL.md §3). */
const PUSH_RANK: Record<ChannelKind['kind'], number> = {
  'bbo-tbt': 0,
  books: 1,
  books5: 2,
  tickers: 3,
  trades: 4,
  'trades-all': 5,
  candle: 6,
  vip: 7,
  orders: 8,
  account: 9,
  positions: 10,
  balance_and_position: 11,
  instruments: 12,
  'mark-price': 13,
  'index-tickers': 14,
  'funding-rate': 15,
  'open-interest': 16,
  'price-limit': 17,
  'estimated-price': 18,
  'mark-price-candle': 19,
  'index-candle': 20,
  'liquidation-warning': 21,
  'orders-algo': 22,
  'algo-advance': 23,
};

const isBookKind = (k: ChannelKind['kind']): boolean => k === 'books' || k === 'books5' || k === 'bbo-tbt';

/**
 * The public market channels (docs/OKX-PROTOCOL.md §3): books (snapshot, then seqId-chained
 * updates with a checksum), books5 and bbo-tbt (pushed on change), tickers, trades, trades-all,
 * candles (at most once a second, the closed bar confirmed at rollover) and instruments; and the
 * ~60 s no-change book heartbeat.
 */
export class MarketChannels {
  /** per instId: last books5 / bbo-tbt payloads, to push only on change */
  private readonly lastTop = new Map<string, { b5: string; bbo: string }>();
  private readonly bookHeartbeatMs: number;
  private readonly off: () => void;

  constructor(private readonly hub: WsHub) {
    this.bookHeartbeatMs = hub.opts.bookHeartbeatMs ?? 60_000;
    const market = hub.opts.market;
    // A market without onUpdate (a small fake) still answers subscriptions with their first push.
    this.off = market.onUpdate ? market.onUpdate((u) => this.onMarket(u)) : () => {};
  }

  close(): void {
    this.off();
  }

  /** The push a new subscription gets at once (nothing for channels that wait for news). */
  initialPush(c: Conn, sub: Sub): void {
    const { market, clock } = this.hub.opts;
    const { ch, instId } = sub;
    switch (ch.kind) {
      case 'books': {
        sub.bookPushAt = clock.now();
        if (this.hub.opts.noBookSnapshot) break;
        const d = market.depth(instId, 400);
        sub.lastSeqId = d.seqId;
        this.hub.send(c, {
          arg: sub.arg,
          action: 'snapshot',
          data: [
            {
              asks: d.asks,
              bids: d.bids,
              ts: String(d.ts),
              checksum: this.checksumOf(d.bids, d.asks),
              prevSeqId: -1,
              seqId: d.seqId,
            },
          ],
        });
        break;
      }
      case 'books5':
      case 'bbo-tbt':
        sub.bookPushAt = clock.now();
        this.hub.send(c, this.topPayload(sub));
        break;
      case 'tickers':
        this.hub.send(c, { arg: sub.arg, data: [market.ticker(instId)] });
        break;
      case 'instruments':
        // The instType's instruments on subscribe (SPOT, SWAP, FUTURES; OPTION is REST-only here).
        {
          // A type with nothing listed here (OPTION, MARGIN, or no contracts) gets no push.
          const list = market.instruments().filter((i) => i.instType === sub.arg.instType);
          if (list.length > 0) this.hub.send(c, { arg: sub.arg, data: list.map(instrumentToOkx) });
        }
        break;
      case 'candle': {
        const row = market.candles(instId, ch.bar, { limit: 1, history: ch.bar === '1s' })[0];
        if (row) {
          sub.barTs = Number(row[0]);
          this.hub.send(c, { arg: sub.arg, data: [row] });
        }
        break;
      }
      default:
        break;
    }
  }

  /** Time-driven duty: the no-change heartbeat of every book subscription of a connection. */
  tick(c: Conn, now: number): void {
    for (const s of c.subs.values()) if (isBookKind(s.ch.kind)) this.bookHeartbeat(c, s, now);
  }

  private checksumOf(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
    return this.hub.opts.zeroChecksum ? 0 : bookChecksum(bids, asks);
  }

  private topPayload(sub: Sub): Json {
    const n = sub.ch.kind === 'books5' ? 5 : 1;
    const d = this.hub.opts.market.depth(sub.instId, n);
    const data: Json = { asks: d.asks, bids: d.bids, ts: String(d.ts), seqId: d.seqId };
    if (n === 5) data.instId = sub.instId;
    return { arg: sub.arg, data: [data] };
  }

  private onMarket(u: MarketUpdate): void {
    const { market, clock } = this.hub.opts;
    // Gather this instrument's subscribers once; most updates have none.
    const targets: [Conn, Sub][] = [];
    for (const c of this.hub.conns) {
      const mine: Sub[] = [];
      for (const s of c.subs.values()) if (s.instId === u.instId && !isPrivateKind(s.ch.kind)) mine.push(s);
      if (mine.length > 1) mine.sort((a, b) => PUSH_RANK[a.ch.kind] - PUSH_RANK[b.ch.kind]);
      for (const s of mine) targets.push([c, s]);
    }
    if (targets.length === 0) return;
    let bookMsg: string | undefined;
    let top: { b5: string; bbo: string } | undefined;
    let tickerMsg: Json | undefined;
    const topNow = () => {
      if (top) return top;
      const d5 = market.depth(u.instId, 5);
      top = {
        b5: JSON.stringify({ asks: d5.asks, bids: d5.bids }),
        bbo: JSON.stringify({ asks: d5.asks.slice(0, 1), bids: d5.bids.slice(0, 1) }),
      };
      return top;
    };
    const prevTop = this.lastTop.get(u.instId);
    for (const [c, s] of targets) {
      switch (s.ch.kind) {
        case 'books':
          if (!u.book) break;
          if (bookMsg === undefined) {
            const d = market.depth(u.instId, 25);
            bookMsg = JSON.stringify({
              asks: u.book.asks,
              bids: u.book.bids,
              ts: String(u.book.ts),
              checksum: this.checksumOf(d.bids, d.asks),
              prevSeqId: u.book.prevSeqId,
              seqId: u.book.seqId,
            });
          }
          this.hub.send(c, `{"arg":${JSON.stringify(s.arg)},"action":"update","data":[${bookMsg}]}`);
          s.bookPushAt = clock.now();
          s.lastSeqId = u.book.seqId;
          break;
        case 'books5':
          if (u.book && topNow().b5 !== prevTop?.b5) {
            this.hub.send(c, this.topPayload(s));
            s.bookPushAt = clock.now();
          }
          break;
        case 'bbo-tbt':
          if (u.book && topNow().bbo !== prevTop?.bbo) {
            this.hub.send(c, this.topPayload(s));
            s.bookPushAt = clock.now();
          }
          break;
        case 'tickers':
          if (u.trades.length === 0 && !(u.book && topNow().bbo !== prevTop?.bbo)) break;
          tickerMsg ??= { data: [market.ticker(u.instId)] };
          this.hub.send(c, { arg: s.arg, ...tickerMsg });
          break;
        case 'trades':
          if (u.trades.length === 0) break;
          this.hub.send(c, {
            arg: s.arg,
            // The trades channel adds the number of aggregated trades; each of ours is one.
            data: u.trades.map((t) => ({ ...tradePayload(t), count: '1' })),
          });
          break;
        case 'trades-all':
          for (const t of u.trades) this.hub.send(c, { arg: s.arg, data: [tradePayload(t)] });
          break;
        case 'candle':
          this.pushCandle(c, s, u.ts);
          break;
        default:
          break;
      }
    }
    if (u.book) this.lastTop.set(u.instId, topNow());
  }

  private pushCandle(c: Conn, s: Sub, ts: number): void {
    if (s.ch.kind !== 'candle') return;
    const market = this.hub.opts.market;
    const bar = s.ch.bar;
    const history = bar === '1s';
    const start = barStart(bar, ts);
    if (s.barTs !== undefined && start !== s.barTs) {
      // the bar rolled over: its final state, confirmed
      const closed = market.candles(s.instId, bar, { after: s.barTs + 1, limit: 1, history })[0];
      if (closed && Number(closed[0]) === s.barTs) this.hub.send(c, { arg: s.arg, data: [closed] });
      s.barTs = start;
      s.lastPushTs = undefined;
    }
    if (s.lastPushTs !== undefined && ts - s.lastPushTs < CANDLE_PUSH_MS) return;
    const row = market.candles(s.instId, bar, { limit: 1, history })[0];
    if (!row) return;
    s.barTs = Number(row[0]);
    s.lastPushTs = ts;
    this.hub.send(c, { arg: s.arg, data: [row] });
  }

  /** No depth change for ~60 s -> an empty increment on books, the snapshot again on books5/bbo-tbt. */
  private bookHeartbeat(c: Conn, s: Sub, now: number): void {
    if (s.bookPushAt === undefined || now - s.bookPushAt < this.bookHeartbeatMs) return;
    s.bookPushAt = now;
    if (s.ch.kind === 'books') {
      const d = this.hub.opts.market.depth(s.instId, 25);
      const seqId = s.lastSeqId ?? d.seqId;
      this.hub.send(c, {
        arg: s.arg,
        action: 'update',
        data: [
          {
            asks: [],
            bids: [],
            ts: String(now),
            checksum: this.checksumOf(d.bids, d.asks),
            prevSeqId: seqId,
            seqId,
          },
        ],
      });
    } else {
      this.hub.send(c, this.topPayload(s));
    }
  }
}
