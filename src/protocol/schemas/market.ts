import { z } from 'zod';
import { msTs, optStr, str } from './common.js';

/**
 * GET /api/v5/market/ticker?instId=BTC-USDT  (docs/OKX-PROTOCOL.md §7.2)
 * {"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1",
 *   "askPx":"9999.99","askSz":"11","bidPx":"8888.88","bidSz":"5","open24h":"9000","high24h":"10000",
 *   "low24h":"8888.88","volCcy24h":"2222","vol24h":"2222","sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085"}]}
 */
export const tickerSchema = z.looseObject({
  instType: str,
  instId: str,
  last: str,
  askPx: str,
  bidPx: str,
  ts: msTs,
  lastSz: optStr,
  askSz: optStr,
  bidSz: optStr,
  open24h: optStr,
  high24h: optStr,
  low24h: optStr,
  volCcy24h: optStr,
  vol24h: optStr,
  sodUtc0: optStr,
  sodUtc8: optStr,
});
/** One ticker from GET /api/v5/market/ticker(s): last, best bid/ask and 24 h figures as decimal strings. */
export type Ticker = z.infer<typeof tickerSchema>;

/** A book level: [price, size, "0" (deprecated), order count]. */
const levelSchema = z.array(z.string()).min(2);

/**
 * GET /api/v5/market/books?instId=BTC-USDT&sz=1
 * {"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"]],
 *   "ts":"1629966436396","seqId":3085328}]}   (seqId added 2026; kept optional, any type OKX gives it)
 */
export const booksSchema = z.looseObject({
  asks: z.array(levelSchema),
  bids: z.array(levelSchema),
  ts: msTs,
  seqId: z.union([z.number(), z.string()]).optional(),
});
/** An order-book snapshot from GET /api/v5/market/books: asks and bids as [price, size, ..] string arrays, and its time. */
export type BookSnapshot = z.infer<typeof booksSchema>;

/**
 * GET /api/v5/market/candles?instId=BTC-USDT&bar=1m  (newest first)
 * {"code":"0","msg":"","data":[["1597026383085","3.721","3.743","3.677","3.708","8422410","22698348.04828491",
 *   "12698348.04828491","0"]]}
 * [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]; confirm "0" = still forming.
 */
export const candleRowSchema = z.tuple([msTs, str, str, str, str], str);

/**
 * GET /api/v5/market/trades?instId=BTC-USDT&limit=1
 * {"code":"0","msg":"","data":[{"instId":"BTC-USDT","side":"sell","sz":"0.00001","px":"29963.2",
 *   "tradeId":"242720720","ts":"1654161646974"}]}
 */
export const tradeSchema = z.looseObject({
  instId: str,
  tradeId: str,
  px: str,
  sz: str,
  side: z.enum(['buy', 'sell']),
  ts: msTs,
  count: optStr,
});
/** One public trade from GET /api/v5/market/trades: price, size, side and time (ms). */
export type Trade = z.infer<typeof tradeSchema>;
