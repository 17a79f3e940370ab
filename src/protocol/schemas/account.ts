import { z } from 'zod';
import { optStr, str } from './common.js';

/**
 * GET /api/v5/account/balance  (docs/OKX-PROTOCOL.md §7.3; data[0], one object)
 * {"code":"0","msg":"","data":[{"adjEq":"","availEq":"","borrowFroz":"","imr":"","isoEq":"5.4682385526666675",
 *   "mgnRatio":"","mmr":"","notionalUsd":"","ordFroz":"","totalEq":"99.88870288820581","uTime":"1705474164160",
 *   "upl":"","details":[{"availBal":"","availEq":"1","cashBal":"1","ccy":"BTC","crossLiab":"","disEq":"50559.01",
 *   "eq":"1","eqUsd":"45078.3790756226851","fixedBal":"0","frozenBal":"0","interest":"","isoEq":"0","isoLiab":"",
 *   "isoUpl":"0","liab":"","maxLoan":"","mgnRatio":"","notionalLever":"0","ordFrozen":"0","twap":"0",
 *   "uTime":"1705449605015","upl":"0","uplLiab":"","stgyEq":"0","spotInUseAmt":"","borrowFroz":"",
 *   "collateralEnabled":false}]}]}
 * Inapplicable fields are "" (never null); collateralEnabled / collateralRestrict are Booleans.
 */
export const balanceDetailSchema = z.looseObject({
  ccy: str,
  eq: str,
  cashBal: str,
  availBal: str,
  frozenBal: str,
  availEq: optStr,
  ordFrozen: optStr,
  uTime: optStr,
  eqUsd: optStr,
  disEq: optStr,
  fixedBal: optStr,
  isoEq: optStr,
  liab: optStr,
  upl: optStr,
  interest: optStr,
  maxLoan: optStr,
  spotBal: optStr,
  openAvgPx: optStr,
  accAvgPx: optStr,
  spotUpl: optStr,
  totalPnl: optStr,
  collateralEnabled: z.boolean().optional(),
  collateralRestrict: z.boolean().optional(),
});
/** One currency of the trading-account balance (GET /api/v5/account/balance); numbers are decimal strings. */
export type BalanceDetail = z.infer<typeof balanceDetailSchema>;

export const accountBalanceSchema = z.looseObject({
  totalEq: str,
  uTime: str,
  details: z.array(balanceDetailSchema),
  isoEq: optStr,
  adjEq: optStr,
  availEq: optStr,
  ordFroz: optStr,
  imr: optStr,
  mmr: optStr,
  borrowFroz: optStr,
  mgnRatio: optStr,
  notionalUsd: optStr,
  upl: optStr,
});
/** The trading-account balance from GET /api/v5/account/balance: total equity in USD and one detail per currency. */
export type AccountBalance = z.infer<typeof accountBalanceSchema>;

/**
 * GET /api/v5/account/positions
 * {"code":"0","msg":"","data":[{"adl":"1","availPos":"1","avgPx":"2566.31","cTime":"1619507758793","ccy":"ETH",
 *   "instId":"ETH-USD-210430","instType":"FUTURES","lever":"10","liqPx":"2352.87","markPx":"2353.849",
 *   "mgnMode":"isolated","pos":"1","posId":"307173036051017730","posSide":"long","upl":"-0.0003",
 *   "uTime":"1619507761462","closeOrderAlgo":[]}]}
 */
export const positionSchema = z.looseObject({
  instType: str,
  instId: str,
  mgnMode: str,
  posId: str,
  posSide: str,
  pos: str,
  avgPx: str,
  cTime: str,
  uTime: str,
  availPos: optStr,
  upl: optStr,
  uplRatio: optStr,
  lever: optStr,
  liqPx: optStr,
  markPx: optStr,
  margin: optStr,
  mgnRatio: optStr,
  ccy: optStr,
  notionalUsd: optStr,
  realizedPnl: optStr,
  fee: optStr,
  // OKX sends an array; the local exchange (for now) a JSON string of one. The field is not read
  // by okxkit, so either passes rather than failing the whole positions read.
  closeOrderAlgo: z.union([z.array(z.unknown()), z.string()]).optional(),
});
/** One open position as GET /api/v5/account/positions returns it; numbers are decimal strings, times ms. */
export type Position = z.infer<typeof positionSchema>;

/**
 * GET /api/v5/account/bills
 * {"code":"0","msg":"","data":[{"bal":"8694.2179403378290202","balChg":"0.0219338232210000","billId":"623950854533513219",
 *   "ccy":"USDT","fee":"-0.000021955779","fillTime":"1695033476166","instId":"BTC-USDT","instType":"SPOT",
 *   "mgnMode":"isolated","notes":"","ordId":"623950854525124608","pnl":"0","posBal":"0","posBalChg":"0",
 *   "px":"27105.9","subType":"1","sz":"0.021955779","tag":"","to":"","ts":"1695033476167","type":"2"}]}
 */
export const accountBillSchema = z.looseObject({
  billId: str,
  ccy: str,
  bal: str,
  balChg: str,
  type: str,
  ts: str,
  subType: optStr,
  instType: optStr,
  instId: optStr,
  ordId: optStr,
  clOrdId: optStr,
  tradeId: optStr,
  tag: optStr,
  sz: optStr,
  px: optStr,
  fee: optStr,
  pnl: optStr,
  mgnMode: optStr,
  execType: optStr,
  fillTime: optStr,
  notes: optStr,
});
/** One trading-account bill (ledger entry) as GET /api/v5/account/bills returns it; numbers are decimal strings. */
export type AccountBill = z.infer<typeof accountBillSchema>;

/**
 * GET /api/v5/account/config  (docs/OKX-PROTOCOL.md §6; data[0])
 * {"code":"0","msg":"","data":[{"acctLv":"2","autoLoan":false,"ctIsoMode":"automatic","enableSpotBorrow":false,
 *   "greeksType":"PA","ip":"","kycLv":"3","label":"v5 test","level":"Lv1","levelTmp":"","liquidationGear":"-1",
 *   "mainUid":"44705892343619584","mgnIsoMode":"automatic","opAuth":"1","perm":"read_only,withdraw,trade",
 *   "posMode":"long_short_mode","roleType":"0","spotBorrowAutoRepay":false,"spotOffsetType":"","spotRoleType":"0",
 *   "spotTraderInsts":[],"traderInsts":[],"type":"0","uid":"44705892343619584"}]}
 * autoLoan / enableSpotBorrow / spotBorrowAutoRepay are Booleans; traderInsts / spotTraderInsts arrays.
 */
export const accountConfigSchema = z.looseObject({
  uid: str,
  perm: str,
  ip: str,
  acctLv: str,
  posMode: str,
  mainUid: optStr,
  label: optStr,
  type: optStr,
  kycLv: optStr,
  level: optStr,
  levelTmp: optStr,
  acctStpMode: optStr,
  greeksType: optStr,
  ctIsoMode: optStr,
  mgnIsoMode: optStr,
  liquidationGear: optStr,
  opAuth: optStr,
  roleType: optStr,
  spotRoleType: optStr,
  autoLoan: z.boolean().optional(),
  enableSpotBorrow: z.boolean().optional(),
  spotBorrowAutoRepay: z.boolean().optional(),
  traderInsts: z.array(z.unknown()).optional(),
  spotTraderInsts: z.array(z.unknown()).optional(),
});
/** The account configuration from GET /api/v5/account/config: account level, position mode, permissions, IPs. */
export type AccountConfig = z.infer<typeof accountConfigSchema>;
