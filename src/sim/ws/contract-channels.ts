import type { ContractFeed } from '../contracts.js';
import { isPrivateKind } from './channels.js';
import type { Conn, Sub, WsHub } from './hub.js';

/** Public contract channels push on change, at most once a second (OKX: 0.2 s to a few seconds). */
const PUSH_MS = 1000;

const ENDPOINT_ROW: Record<string, string> = {
  'mark-price': 'mark-price',
  'index-tickers': 'index-tickers',
  'funding-rate': 'funding-rate',
  'open-interest': 'open-interest',
  'price-limit': 'price-limit',
  'estimated-price': 'estimated-price',
};

const ALGO_ADVANCE = new Set(['move_order_stop', 'iceberg', 'twap']);

/**
 * The channels of contracts: public mark-price, index-tickers, funding-rate, open-interest,
 * price-limit, estimated-price (each push is the REST endpoint's row), mark-price and index
 * candles on /business; private positions (balance_and_position: PrivateChannels),
 * liquidation-warning on /private, and orders-algo / algo-advance on /business.
 */
export class ContractChannels {
  private readonly offs: Array<() => void> = [];
  /** per connection and subscription key: the last public push (text without ts) and its time */
  private readonly last = new WeakMap<Conn, Map<string, { text: string; at: number }>>();

  constructor(
    private readonly hub: WsHub,
    private readonly feed: ContractFeed | undefined,
  ) {
    if (!feed) return;
    this.offs.push(
      feed.onPosition((account, row) => {
        for (const c of hub.of(account)) {
          for (const s of c.subs.values()) {
            if (s.ch.kind === 'positions' && matches(s, row))
              hub.send(c, { arg: hub.privArg(c, s), data: [row] });
          }
        }
      }),
      feed.onLiquidationWarning((account, row) => {
        for (const c of hub.of(account))
          for (const s of c.subs.values())
            if (s.ch.kind === 'liquidation-warning' && matches(s, row))
              hub.send(c, { arg: hub.privArg(c, s), data: [row] });
      }),
      feed.onAlgo((account, row) => {
        const kind = ALGO_ADVANCE.has(String(row.ordType)) ? 'algo-advance' : 'orders-algo';
        for (const c of hub.of(account))
          for (const s of c.subs.values())
            if (s.ch.kind === kind && matches(s, row)) hub.send(c, { arg: hub.privArg(c, s), data: [row] });
      }),
    );
  }

  close(): void {
    for (const off of this.offs) off();
  }

  /** Whether the channel's instId names something the feed prices (public channels). */
  knows(sub: { ch: Sub['ch']; instId: string }): boolean {
    if (!this.feed) return false;
    const k = sub.ch.kind;
    if (k === 'mark-price-candle' || k === 'index-candle')
      return this.feed.candles(k === 'index-candle' ? 'index' : 'mark', sub.instId, '1m') !== undefined;
    return this.feed.publicRow(ENDPOINT_ROW[k] ?? k, sub.instId) !== undefined;
  }

  initialPush(c: Conn, sub: Sub): void {
    const feed = this.feed;
    if (!feed) return;
    const k = sub.ch.kind;
    if (k === 'positions') {
      if (c.account === undefined) return;
      const rows = feed.positions(c.account).filter((r) => matches(sub, r));
      this.hub.send(c, { arg: this.hub.privArg(c, sub), data: rows });
      return;
    }
    if (isPrivateKind(k)) return;
    this.pushPublic(c, sub, this.hub.opts.clock.now(), true);
  }

  /** Public contract subscriptions: push what changed (at most once a second). */
  tick(c: Conn, now: number): void {
    for (const s of c.subs.values()) {
      if (isPrivateKind(s.ch.kind)) continue;
      if (ENDPOINT_ROW[s.ch.kind] || s.ch.kind === 'mark-price-candle' || s.ch.kind === 'index-candle')
        this.pushPublic(c, s, now, false);
    }
  }

  private pushPublic(c: Conn, sub: Sub, now: number, force: boolean): void {
    const feed = this.feed!;
    const ch = sub.ch;
    let data: unknown[] | undefined;
    if (ch.kind === 'mark-price-candle' || ch.kind === 'index-candle') {
      const rows = feed.candles(ch.kind === 'index-candle' ? 'index' : 'mark', sub.instId, ch.bar);
      data = rows?.slice(0, 1);
    } else {
      const row = feed.publicRow(ENDPOINT_ROW[ch.kind]!, sub.instId);
      data = row ? [row] : undefined;
    }
    if (!data || data.length === 0) return;
    let seen = this.last.get(c);
    if (!seen) this.last.set(c, (seen = new Map()));
    const text = JSON.stringify(data, (k, v) => (k === 'ts' ? undefined : v));
    const prev = seen.get(sub.key);
    if (!force && prev && (prev.text === text || now - prev.at < PUSH_MS)) return;
    seen.set(sub.key, { text, at: now });
    this.hub.send(c, { arg: sub.arg, data });
  }
}

/** A private subscription's filters: instType (ANY), instFamily, instId. */
function matches(s: Sub, row: Record<string, unknown>): boolean {
  const t = s.arg.instType;
  if (t && t !== 'ANY' && t !== row.instType) return false;
  if (s.arg.instId && s.arg.instId !== row.instId) return false;
  if (s.arg.instFamily && s.arg.instFamily !== String(row.instId).split('-').slice(0, 2).join('-'))
    return false;
  return true;
}
