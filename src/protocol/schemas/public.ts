import { z } from 'zod';
import { msTs, optStr, str } from './common.js';

/**
 * GET /api/v5/public/time
 * {"code":"0","msg":"","data":[{"ts":"1597026383085"}]}
 */
export const serverTimeSchema = z.looseObject({ ts: msTs });
/** OKX server time from GET /api/v5/public/time (ms since epoch). */
export type ServerTime = z.infer<typeof serverTimeSchema>;

/**
 * GET /api/v5/public/instruments?instType=SPOT  (docs/OKX-PROTOCOL.md §7.2)
 * {"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","instIdCode":1,"uly":"","instFamily":"",
 *   "baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","optType":"","stk":"",
 *   "listTime":"1611907686000","expTime":"","lever":"10","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001",
 *   "ctType":"","alias":"","state":"live","ruleType":"normal","maxLmtSz":"9999999999","maxMktSz":"1000000",
 *   "maxLmtAmt":"20000000","maxMktAmt":"1000000","maxTwapSz":"9999999999","maxIcebergSz":"9999999999",
 *   "maxTriggerSz":"9999999999","maxStopSz":"1000000","futureSettlement":false,"tradeQuoteCcyList":["USDT"]}]}
 * Non-strings: instIdCode (integer), futureSettlement (boolean), tradeQuoteCcyList (array).
 */
export const instrumentSchema = z.looseObject({
  instType: str,
  instId: str,
  baseCcy: str,
  quoteCcy: str,
  tickSz: str,
  lotSz: str,
  minSz: str,
  state: str,
  instIdCode: z.number().int().optional(),
  uly: optStr,
  instFamily: optStr,
  settleCcy: optStr,
  ctVal: optStr,
  ctMult: optStr,
  ctValCcy: optStr,
  ctType: optStr,
  optType: optStr,
  stk: optStr,
  listTime: optStr,
  expTime: optStr,
  lever: optStr,
  alias: optStr,
  ruleType: optStr,
  maxLmtSz: optStr,
  maxMktSz: optStr,
  maxLmtAmt: optStr,
  maxMktAmt: optStr,
  maxTwapSz: optStr,
  maxIcebergSz: optStr,
  maxTriggerSz: optStr,
  maxStopSz: optStr,
  groupId: optStr,
  futureSettlement: z.boolean().optional(),
  tradeQuoteCcyList: z.array(z.string()).optional(),
});
/** One instrument from GET /api/v5/public/instruments: its rules (tick size, lot size, minimum size) and state, as strings. */
export type Instrument = z.infer<typeof instrumentSchema>;
