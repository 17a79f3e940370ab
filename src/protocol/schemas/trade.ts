import { z } from 'zod';
import { optStr, str } from './common.js';

/**
 * POST /api/v5/trade/order (and batch-orders, one item per order)  (docs/OKX-PROTOCOL.md §7.1)
 * {"code":"0","msg":"","data":[{"clOrdId":"oktswap6","ordId":"312269865356374016","tag":"","ts":"1695190491421",
 *   "sCode":"0","sMsg":""}],"inTime":"1695190491421339","outTime":"1695190491423240"}
 */
export const placeResultSchema = z.looseObject({
  ordId: str,
  clOrdId: str,
  tag: z.string().default(''),
  ts: str,
  sCode: str,
  sMsg: str,
});
/** The per-order result of POST /api/v5/trade/order (and batch-orders): ids and `sCode`/`sMsg` ("0" = accepted). */
export type PlaceResult = z.infer<typeof placeResultSchema>;

/**
 * POST /api/v5/trade/cancel-order (and cancel-batch-orders)
 * {"code":"0","msg":"","data":[{"clOrdId":"oktswap6","ordId":"12345689","ts":"1695190491421","sCode":"0","sMsg":""}],
 *   "inTime":"1695190491421339","outTime":"1695190491423240"}
 * sCode "0" = accepted, not yet done (docs/OKX-PROTOCOL.md §7.1).
 */
export const cancelResultSchema = z.looseObject({
  ordId: str,
  clOrdId: str,
  ts: optStr,
  sCode: str,
  sMsg: str,
});
/** The per-order result of POST /api/v5/trade/cancel-order (and cancel-batch-orders): ids and `sCode`/`sMsg`. */
export type CancelResult = z.infer<typeof cancelResultSchema>;

/**
 * POST /api/v5/trade/amend-order (and amend-batch-orders)
 * {"code":"0","msg":"","data":[{"clOrdId":"","ordId":"12344","ts":"1695190491421","reqId":"b12344","sCode":"0",
 *   "sMsg":""}],"inTime":"1695190491421339","outTime":"1695190491423240"}
 */
export const amendResultSchema = z.looseObject({
  ordId: str,
  clOrdId: str,
  ts: optStr,
  reqId: optStr,
  sCode: str,
  sMsg: str,
});
/** The per-order result of POST /api/v5/trade/amend-order (and amend-batch-orders): ids, `reqId` and `sCode`/`sMsg`. */
export type AmendResult = z.infer<typeof amendResultSchema>;

/**
 * GET /api/v5/trade/order (also orders-pending, orders-history)  (docs/OKX-PROTOCOL.md §7.4)
 * {"code":"0","msg":"","data":[{"accFillSz":"0.00192834","algoClOrdId":"","algoId":"","avgPx":"51858","cTime":"1708587373361",
 *   "cancelSource":"","category":"normal","ccy":"","clOrdId":"","fee":"-0.00000192834","feeCcy":"BTC",
 *   "fillPx":"51858","fillSz":"0.00192834","fillTime":"1708587373361","instId":"BTC-USDT","instType":"SPOT",
 *   "lever":"","ordId":"680800019749904384","ordType":"market","pnl":"0","posSide":"","px":"","reduceOnly":"false",
 *   "side":"buy","source":"","state":"filled","stpMode":"","sz":"100","tag":"","tdMode":"cash","tgtCcy":"quote_ccy",
 *   "tradeId":"744876980","uTime":"1708587373362","attachAlgoOrds":[],"linkedAlgoOrd":{"algoId":""}}]}
 * fillPx / avgPx are "" until filled; reduceOnly is the STRING "true"/"false" here.
 */
export const orderSchema = z.looseObject({
  instType: str,
  instId: str,
  ordId: str,
  clOrdId: str,
  px: str,
  sz: str,
  ordType: str,
  side: z.enum(['buy', 'sell']),
  tdMode: str,
  accFillSz: str,
  avgPx: str,
  state: str,
  cTime: str,
  uTime: str,
  tag: z.string().default(''),
  fee: z.string().default(''),
  feeCcy: z.string().default(''),
  posSide: optStr,
  tgtCcy: optStr,
  ccy: optStr,
  fillPx: optStr,
  fillSz: optStr,
  fillTime: optStr,
  tradeId: optStr,
  lever: optStr,
  pnl: optStr,
  category: optStr,
  source: optStr,
  reduceOnly: optStr,
  stpMode: optStr,
  cancelSource: optStr,
  cancelSourceReason: optStr,
  rebate: optStr,
  rebateCcy: optStr,
  attachAlgoOrds: z.array(z.unknown()).optional(),
  linkedAlgoOrd: z.unknown().optional(),
});
/** One order as GET /api/v5/trade/order, orders-pending and orders-history return it; numbers are decimal strings. */
export type Order = z.infer<typeof orderSchema>;

/**
 * GET /api/v5/trade/fills
 * {"code":"0","msg":"","data":[{"side":"buy","fillSz":"0.00192834","fillPx":"51858","fee":"-0.00000192834",
 *   "ordId":"680800019749904384","instType":"SPOT","instId":"BTC-USDT","clOrdId":"","posSide":"net",
 *   "billId":"680800019754098688","subType":"1","fillTime":"1708587373361","feeCcy":"BTC","execType":"T",
 *   "tradeId":"744876980","tag":"","ts":"1708587373362","feeRate":"-0.001"}]}
 */
export const fillSchema = z.looseObject({
  instType: str,
  instId: str,
  tradeId: str,
  ordId: str,
  clOrdId: str,
  billId: str,
  fillPx: str,
  fillSz: str,
  side: z.enum(['buy', 'sell']),
  execType: str,
  fee: str,
  feeCcy: str,
  ts: str,
  fillTime: optStr,
  subType: optStr,
  posSide: optStr,
  tag: optStr,
  feeRate: optStr,
  fillPnl: optStr,
});
/** One fill from GET /api/v5/trade/fills: price, size, fee (decimal strings; fees negative when charged) and time (ms). */
export type Fill = z.infer<typeof fillSchema>;

/**
 * POST /api/v5/trade/cancel-all-after  (docs/OKX-PROTOCOL.md §7.4; seconds, not ms)
 * {"code":"0","msg":"","data":[{"triggerTime":"1587971460","tag":"","ts":"1587971400"}]}
 */
export const cancelAllAfterSchema = z.looseObject({
  triggerTime: str,
  tag: z.string().default(''),
  ts: str,
});
/** Answer of POST /api/v5/trade/cancel-all-after: when the cancel-all triggers and the request time (seconds as strings). */
export type CancelAllAfterResult = z.infer<typeof cancelAllAfterSchema>;
