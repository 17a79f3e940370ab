import { WS_CANDLE_BARS } from '../../protocol/bars.js';

export type WsPath = 'public' | 'private' | 'business';

export type ChannelKind =
  | { kind: 'tickers' | 'trades' | 'books' | 'books5' | 'bbo-tbt' | 'trades-all' | 'instruments' }
  | { kind: 'vip'; code: '60029' | '60030' | '64003' }
  | { kind: 'candle'; bar: string }
  | { kind: 'mark-price-candle' | 'index-candle'; bar: string }
  | { kind: ContractPublicKind }
  | { kind: PrivateKind };

/** Public channels of contracts, each the WS form of a REST endpoint's row. */
export type ContractPublicKind =
  'mark-price' | 'index-tickers' | 'funding-rate' | 'open-interest' | 'price-limit' | 'estimated-price';

/** Channels of /private that the local exchange pushes (all need a login). */
export type PrivateKind =
  | 'orders'
  | 'account'
  | 'positions'
  | 'balance_and_position'
  | 'liquidation-warning'
  | 'orders-algo'
  | 'algo-advance';

const PUBLIC: Record<string, ChannelKind> = {
  tickers: { kind: 'tickers' },
  trades: { kind: 'trades' },
  books: { kind: 'books' },
  books5: { kind: 'books5' },
  'bbo-tbt': { kind: 'bbo-tbt' },
  instruments: { kind: 'instruments' },
  'mark-price': { kind: 'mark-price' },
  'index-tickers': { kind: 'index-tickers' },
  'funding-rate': { kind: 'funding-rate' },
  'open-interest': { kind: 'open-interest' },
  'price-limit': { kind: 'price-limit' },
  'estimated-price': { kind: 'estimated-price' },
  // VIP-only depth (docs/OKX-PROTOCOL.md §3): the local exchange's keys are all fee tier VIP0.
  'books-l2-tbt': { kind: 'vip', code: '60029' },
  'books50-l2-tbt': { kind: 'vip', code: '60030' },
};

const BUSINESS: Record<string, ChannelKind> = {
  'trades-all': { kind: 'trades-all' },
  // Every candle channel OKX documents, 1s and 5D included (docs/OKX-PROTOCOL.md §2.1; the REST bars plus those two).
  ...Object.fromEntries(WS_CANDLE_BARS.map((b) => [`candle${b}`, { kind: 'candle', bar: b }])),
  ...Object.fromEntries(
    WS_CANDLE_BARS.map((b) => [`mark-price-candle${b}`, { kind: 'mark-price-candle', bar: b }]),
  ),
  ...Object.fromEntries(WS_CANDLE_BARS.map((b) => [`index-candle${b}`, { kind: 'index-candle', bar: b }])),
  // Algo orders push on /business and need a login.
  'orders-algo': { kind: 'orders-algo' },
  'algo-advance': { kind: 'algo-advance' },
};

const PRIVATE: Record<string, ChannelKind> = {
  orders: { kind: 'orders' },
  account: { kind: 'account' },
  positions: { kind: 'positions' },
  balance_and_position: { kind: 'balance_and_position' },
  'liquidation-warning': { kind: 'liquidation-warning' },
  // OKX opens the fills channel to fee tier VIP5 and above only; the local exchange's keys are VIP0.
  fills: { kind: 'vip', code: '64003' },
};

const PRIVATE_KINDS = new Set<string>([
  'orders',
  'account',
  'positions',
  'balance_and_position',
  'liquidation-warning',
  'orders-algo',
  'algo-advance',
]);

export function isPrivateKind(kind: ChannelKind['kind']): kind is PrivateKind {
  return PRIVATE_KINDS.has(kind);
}

const CONTRACT_KINDS = new Set<string>([
  'mark-price',
  'index-tickers',
  'funding-rate',
  'open-interest',
  'price-limit',
  'estimated-price',
  'mark-price-candle',
  'index-candle',
  'liquidation-warning',
  'orders-algo',
  'algo-advance',
]);

/** Channels the contract feed serves (src/sim/ws/contract-channels.ts). */
export function isContractKind(kind: ChannelKind['kind']): boolean {
  return CONTRACT_KINDS.has(kind);
}

/** Which channels live on which path (docs/OKX-PROTOCOL.md §2.1); anything else there is 60018. */
export function channelOn(path: WsPath, channel: string): ChannelKind | undefined {
  const table = path === 'public' ? PUBLIC : path === 'business' ? BUSINESS : PRIVATE;
  return Object.hasOwn(table, channel) ? table[channel] : undefined;
}

export const PATHS: Record<string, WsPath> = {
  '/ws/v5/public': 'public',
  '/ws/v5/private': 'private',
  '/ws/v5/business': 'business',
};

/** WS order ops (docs/OKX-PROTOCOL.md §2.6), served on /private only. */
export const TRADE_OPS = new Set([
  'order',
  'batch-orders',
  'cancel-order',
  'batch-cancel-orders',
  'amend-order',
  'batch-amend-orders',
]);
