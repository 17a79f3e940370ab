/**
 * Candle bar sizes (docs/OKX-PROTOCOL.md §7.2). Up to 4H bars align to UTC; 6H and longer align to UTC+8 unless
 * suffixed "utc". GET /market/candles serves REST_CANDLE_BARS; history-candles also serves 1s; the
 * WebSocket candle channels (`candle<bar>` on /business) add 1s and 5D / 5Dutc.
 */
export const REST_CANDLE_BARS = [
  '1m', '3m', '5m', '15m', '30m', '1H', '2H', '4H',
  '6H', '12H', '1D', '2D', '3D', '1W', '1M', '3M',
  '6Hutc', '12Hutc', '1Dutc', '2Dutc', '3Dutc', '1Wutc', '1Mutc', '3Mutc',
] as const; // prettier-ignore

export const HISTORY_CANDLE_BARS = ['1s', ...REST_CANDLE_BARS] as const;

export const WS_CANDLE_BARS = [...HISTORY_CANDLE_BARS, '5D', '5Dutc'] as const;

export type RestCandleBar = (typeof REST_CANDLE_BARS)[number];
export type HistoryCandleBar = (typeof HISTORY_CANDLE_BARS)[number];
export type WsCandleBar = (typeof WS_CANDLE_BARS)[number];
