import { ALL_BARS } from '../market/bars.js';

export type WsPath = 'public' | 'private' | 'business';

export type ChannelKind =
  | { kind: 'tickers' | 'trades' | 'books' | 'books5' | 'bbo-tbt' | 'trades-all' }
  | { kind: 'vip'; code: '60029' | '60030' }
  | { kind: 'candle'; bar: string }
  | { kind: 'orders' | 'account' | 'positions' };

const PUBLIC: Record<string, ChannelKind> = {
  tickers: { kind: 'tickers' },
  trades: { kind: 'trades' },
  books: { kind: 'books' },
  books5: { kind: 'books5' },
  'bbo-tbt': { kind: 'bbo-tbt' },
  // VIP-only depth (facts §3): the local exchange's keys are all fee tier VIP0.
  'books-l2-tbt': { kind: 'vip', code: '60029' },
  'books50-l2-tbt': { kind: 'vip', code: '60030' },
};

const BUSINESS: Record<string, ChannelKind> = {
  'trades-all': { kind: 'trades-all' },
  ...Object.fromEntries(ALL_BARS.map((b) => [`candle${b}`, { kind: 'candle', bar: b } as ChannelKind])),
};

const PRIVATE: Record<string, ChannelKind> = {
  orders: { kind: 'orders' },
  account: { kind: 'account' },
  positions: { kind: 'positions' },
};

/** Which channels live on which path (facts §2.1); anything else there is 60018. */
export function channelOn(path: WsPath, channel: string): ChannelKind | undefined {
  const table = path === 'public' ? PUBLIC : path === 'business' ? BUSINESS : PRIVATE;
  return Object.hasOwn(table, channel) ? table[channel] : undefined;
}

export const PATHS: Record<string, WsPath> = {
  '/ws/v5/public': 'public',
  '/ws/v5/private': 'private',
  '/ws/v5/business': 'business',
};

/** WS order ops (facts §2.6), served on /private only. */
export const TRADE_OPS = new Set([
  'order',
  'batch-orders',
  'cancel-order',
  'batch-cancel-orders',
  'amend-order',
  'batch-amend-orders',
]);
