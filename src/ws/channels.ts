import { WS_CANDLE_BARS } from '../protocol/bars.js';
/**
 * Which WebSocket endpoint each channel lives on (docs/OKX-PROTOCOL.md §2.1). Subscribing on the wrong one
 * yields 60018 or 64001, so every subscription is routed by this table, never by the caller.
 */
export type WsEndpoint = 'public' | 'private' | 'business';

/** A subscription argument as OKX takes it (docs/OKX-PROTOCOL.md §2.3). */
export interface ChannelArg {
  channel: string;
  instId?: string;
  instType?: string;
  instFamily?: string;
  ccy?: string;
  [key: string]: string | undefined;
}

const PRIVATE = new Set([
  'orders',
  'account',
  'positions',
  'balance_and_position',
  'fills',
  'liquidation-warning',
  'account-greeks',
]);

const BUSINESS = new Set([
  'trades-all',
  'orders-algo',
  'algo-advance',
  'deposit-info',
  'withdrawal-info',
  'economic-calendar',
  'grid-orders-spot',
  'grid-orders-contract',
  'grid-orders-moon',
  'grid-positions',
  'grid-sub-orders',
  'algo-recurring-buy',
  'rfqs',
  'quotes',
  'struc-block-trades',
  'public-struc-block-trades',
  'public-block-trades',
  'block-tickers',
  'sprd-orders',
  'sprd-trades',
  'sprd-public-trades',
  'sprd-bbo-tbt',
  'sprd-books5',
  'sprd-books-l2-tbt',
  'sprd-tickers',
]);

// Channels that need a logged-in connection even though they are not on /private (docs/OKX-PROTOCOL.md §2.1).
const LOGIN_ELSEWHERE = new Set([
  'books-l2-tbt',
  'books50-l2-tbt',
  'orders-algo',
  'algo-advance',
  'deposit-info',
  'withdrawal-info',
  'economic-calendar',
  'grid-orders-spot',
  'grid-orders-contract',
  'grid-orders-moon',
  'grid-positions',
  'grid-sub-orders',
  'algo-recurring-buy',
  'rfqs',
  'quotes',
  'struc-block-trades',
  'sprd-orders',
  'sprd-trades',
]);

/** The endpoint a channel must be subscribed on. */
export function endpointForChannel(channel: string): WsEndpoint {
  if (PRIVATE.has(channel)) return 'private';
  // Every candlestick family moved to /business (docs/OKX-PROTOCOL.md §2.1, ANN-2023).
  if (
    channel.startsWith('candle') ||
    channel.startsWith('mark-price-candle') ||
    channel.startsWith('index-candle')
  ) {
    return 'business';
  }
  if (BUSINESS.has(channel)) return 'business';
  return 'public';
}

/** Whether subscribing to the channel requires a login on its connection. */
export function channelNeedsLogin(channel: string): boolean {
  return PRIVATE.has(channel) || LOGIN_ELSEWHERE.has(channel);
}

/** Bar sizes of the candle channels (docs/OKX-PROTOCOL.md §7.2; WS also has 1s). */
export const CANDLE_BARS = WS_CANDLE_BARS;
/** A candle length the WebSocket candle channels accept, e.g. "1m", "1H", "1Dutc". */
export type CandleBar = (typeof CANDLE_BARS)[number];

/**
 * A stable key for a subscription argument, also computed for every push to route it, so it
 * reads a fixed list of fields (private pushes add `uid`, which must not change the key).
 */
export function argKey(arg: Readonly<ChannelArg>): string {
  return `${arg.channel}|${arg.instId ?? ''}|${arg.instType ?? ''}|${arg.instFamily ?? ''}|${arg.ccy ?? ''}|${arg.algoId ?? ''}`;
}
