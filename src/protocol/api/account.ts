import { z } from 'zod';
import type { ACCOUNT } from '../endpoints/account.js';
import {
  accountBalanceSchema,
  accountBillSchema,
  accountConfigSchema,
  positionSchema,
} from '../schemas/account.js';
import { instrumentSchema } from '../schemas/public.js';
import {
  anyRow,
  instType,
  mgnMode,
  none,
  o,
  pageFields,
  posSide,
  q,
  req,
  row,
  s,
  spec,
  tdMode,
} from './spec.js';
import type { ApiSpec } from './spec.js';

const billsFilter = {
  instType: instType.optional(),
  instId: req.optInstId,
  ccy: req.opt,
  mgnMode: mgnMode.optional(),
  ctType: req.opt,
  type: req.opt,
  subType: req.opt,
  begin: req.num,
  end: req.num,
  ...pageFields,
};

export const leverageRowSchema = row({ instId: o, ccy: o, mgnMode: s, posSide: o, lever: s });
export const maxSizeRowSchema = row({ instId: s, ccy: o, maxBuy: s, maxSell: s });
export const maxAvailRowSchema = row({ instId: s, availBuy: s, availSell: s });
export const tradeFeeRowSchema = row({
  instType: o,
  level: o,
  maker: o,
  taker: o,
  makerU: o,
  takerU: o,
  makerUSDC: o,
  takerUSDC: o,
  ts: o,
});
export const positionHistorySchema = row({
  instType: s,
  instId: s,
  mgnMode: o,
  type: o,
  cTime: o,
  uTime: s,
  openAvgPx: o,
  closeAvgPx: o,
  posId: o,
  openMaxPos: o,
  closeTotalPos: o,
  realizedPnl: o,
  fee: o,
  fundingFee: o,
  liqPenalty: o,
  pnl: o,
  posSide: o,
  lever: o,
  direction: o,
});
export const positionTierSchema = row({
  instFamily: o,
  uly: o,
  tier: o,
  minSz: o,
  maxSz: o,
  mmr: o,
  imr: o,
  maxLever: o,
  optMgnFactor: o,
});

const leverageReq = q({
  lever: req.dec,
  mgnMode,
  instId: req.optInstId,
  ccy: req.opt,
  posSide: posSide.optional(),
}).refine((r) => Boolean(r.instId || r.ccy), { message: 'instId or ccy is required', path: ['instId'] });

export const ACCOUNT_API = {
  'account.instruments': spec(q({ instType, instFamily: req.opt, instId: req.optInstId }), instrumentSchema),
  'account.balance': spec(q({ ccy: req.opt }), accountBalanceSchema),
  'account.positions': spec(
    q({ instType: instType.optional(), instId: req.opt, posId: req.opt }),
    positionSchema,
  ),
  'account.positionsHistory': spec(
    q({
      instType: instType.optional(),
      instId: req.optInstId,
      mgnMode: mgnMode.optional(),
      type: req.opt,
      posId: req.opt,
      ...pageFields,
    }),
    positionHistorySchema,
  ),
  'account.positionRisk': spec(
    q({ instType: instType.optional() }),
    row({ adjEq: o, balData: z.array(anyRow).optional(), posData: z.array(anyRow).optional(), ts: o }),
  ),
  'account.bills': spec(q(billsFilter), accountBillSchema),
  'account.billsArchive': spec(q(billsFilter), accountBillSchema),
  'account.billsHistoryArchiveApply': spec(
    q({ year: req.str, quarter: z.enum(['Q1', 'Q2', 'Q3', 'Q4']), type: req.opt }),
    row({ result: o, ts: o }),
  ),
  'account.billsHistoryArchive': spec(
    q({ year: req.str, quarter: z.enum(['Q1', 'Q2', 'Q3', 'Q4']), type: req.opt }),
    row({ fileHref: o, state: o, ts: o }),
  ),
  'account.subtypes': spec(q({ type: req.opt }), anyRow),
  'account.config': spec(none, accountConfigSchema),
  'account.setPositionMode': spec(
    q({ posMode: z.enum(['long_short_mode', 'net_mode']) }),
    row({ posMode: s }),
  ),
  'account.setLeverage': spec(leverageReq, leverageRowSchema),
  'account.maxSize': spec(
    q({
      instId: req.str,
      tdMode,
      ccy: req.opt,
      px: req.optDec,
      leverage: req.optDec,
      tradeQuoteCcy: req.opt,
    }),
    maxSizeRowSchema,
  ),
  'account.maxAvailSize': spec(
    q({
      instId: req.str,
      tdMode,
      ccy: req.opt,
      reduceOnly: req.bool,
      px: req.optDec,
      tradeQuoteCcy: req.opt,
    }),
    maxAvailRowSchema,
  ),
  'account.marginBalance': spec(
    q({ instId: req.instId, posSide: posSide, type: z.enum(['add', 'reduce']), amt: req.dec, ccy: req.opt }),
    row({ instId: s, posSide: o, amt: o, type: o, leverage: o }),
  ),
  'account.leverageInfo': spec(q({ mgnMode, instId: req.opt, ccy: req.opt }), leverageRowSchema),
  'account.adjustLeverageInfo': spec(
    q({
      instType,
      mgnMode,
      lever: req.dec,
      instId: req.optInstId,
      ccy: req.opt,
      posSide: posSide.optional(),
    }),
    row({
      estAvailQuoteTrans: o,
      estAvailTrans: o,
      estLiqPx: o,
      estMgn: o,
      estQuoteMgn: o,
      estMaxAmt: o,
      existOrd: z.boolean().optional(),
    }),
  ),
  'account.maxLoan': spec(
    q({ mgnMode, instId: req.opt, ccy: req.opt, mgnCcy: req.opt }),
    row({ instId: o, mgnMode: o, mgnCcy: o, maxLoan: s, ccy: o, side: o }),
  ),
  'account.tradeFee': spec(
    q({ instType, instId: req.optInstId, instFamily: req.opt, ruleType: req.opt }),
    tradeFeeRowSchema,
  ),
  'account.interestAccrued': spec(
    q({ type: req.opt, ccy: req.opt, instId: req.optInstId, mgnMode: mgnMode.optional(), ...pageFields }),
    row({ ccy: o, interest: o, interestRate: o, liab: o, ts: o }),
  ),
  'account.interestRate': spec(q({ ccy: req.opt }), row({ ccy: s, interestRate: s })),
  'account.setFeeType': spec(q({ feeType: z.enum(['0', '1']) }), row({ feeType: s })),
  'account.setGreeks': spec(q({ greeksType: z.enum(['PA', 'BS']) }), row({ greeksType: s })),
  'account.setIsolatedMode': spec(
    q({ isoMode: z.enum(['auto_transfers_ccy', 'automatic']), type: z.enum(['MARGIN', 'CONTRACTS']) }),
    row({ isoMode: s }),
  ),
  'account.maxWithdrawal': spec(
    q({ ccy: req.opt }),
    row({ ccy: s, maxWd: s, maxWdEx: o, spotOffsetMaxWd: o, spotOffsetMaxWdEx: o }),
  ),
  'account.riskState': spec(
    none,
    row({
      atRisk: z.union([z.boolean(), z.string()]).optional(),
      atRiskIdx: z.array(z.unknown()).optional(),
      atRiskMgn: z.array(z.unknown()).optional(),
      ts: o,
    }),
  ),
  'account.interestLimits': spec(q({ type: req.opt, ccy: req.opt }), anyRow),
  'account.spotManualBorrowRepay': spec(
    q({ ccy: req.str, side: z.enum(['borrow', 'repay']), amt: req.dec }),
    row({ ccy: s, side: s, amt: s }),
  ),
  'account.borrowRepay': spec(
    q({ ccy: req.str, side: z.enum(['borrow', 'repay']), amt: req.dec, ordId: req.opt }),
    row({ ccy: s, side: s, amt: s, ordId: o, state: o }),
  ),
  'account.setAutoRepay': spec(q({ autoRepay: z.boolean() }), row({ autoRepay: z.boolean() })),
  'account.spotBorrowRepayHistory': spec(
    q({ ccy: req.opt, type: req.opt, ...pageFields }),
    row({ ccy: s, type: o, amt: o, accBorrowed: o, ts: o }),
  ),
  'account.positionBuilder': spec(
    q({
      acctLv: req.opt,
      inclRealPosAndEq: req.bool,
      lever: req.opt,
      simPos: req.objs,
      simAsset: req.objs,
      greeksType: req.opt,
    }),
    anyRow,
  ),
  'account.positionBuilderGraph': spec(
    q({
      inclRealPosAndEq: req.bool,
      simPos: req.objs,
      simAsset: req.objs,
      greeksType: req.opt,
      type: req.str,
      mmrConfig: z.looseObject({}),
    }),
    anyRow,
  ),
  'account.setRiskOffsetAmt': spec(
    q({ ccy: req.str, clSpotInUseAmt: req.dec }),
    row({ ccy: s, clSpotInUseAmt: s }),
  ),
  'account.greeks': spec(
    q({ ccy: req.opt }),
    row({
      ccy: s,
      deltaBS: o,
      deltaPA: o,
      gammaBS: o,
      gammaPA: o,
      thetaBS: o,
      thetaPA: o,
      vegaBS: o,
      vegaPA: o,
      ts: o,
    }),
  ),
  'account.positionTiers': spec(
    q({ instType: z.enum(['SWAP', 'FUTURES', 'OPTION']), instFamily: req.str }),
    row({ instFamily: o, maxSz: o, posType: o, uly: o }),
  ),
  'account.activateOption': spec(none, row({ ts: s })),
  'account.setAutoLoan': spec(q({ autoLoan: z.boolean() }), row({ autoLoan: z.boolean() })),
  'account.levelSwitchPreset': spec(
    q({ acctLv: z.enum(['2', '3', '4']), lever: req.optDec, riskOffsetType: req.opt }),
    anyRow,
  ),
  'account.levelSwitchPrecheck': spec(
    q({ acctLv: z.enum(['1', '2', '3', '4']) }),
    row({ sCode: o, curAcctLv: o, acctLv: o }),
  ),
  'account.setAccountLevel': spec(q({ acctLv: z.enum(['1', '2', '3', '4']) }), row({ acctLv: s })),
  'account.setCollateralAssets': spec(
    q({ type: z.enum(['all', 'custom']), collateralEnabled: z.boolean(), ccyList: req.strs }),
    anyRow,
  ),
  'account.collateralAssets': spec(
    q({ ccy: req.opt, collateralEnabled: req.bool }),
    row({ ccy: s, collateralEnabled: z.boolean() }),
  ),
  'account.mmpReset': spec(
    q({ instType: z.literal('OPTION').optional(), instFamily: req.str }),
    row({ result: z.boolean() }),
  ),
  'account.setMmpConfig': spec(
    q({ instFamily: req.str, timeInterval: req.str, frozenInterval: req.str, qtyLimit: req.dec }),
    row({ instFamily: s, frozenInterval: o, qtyLimit: o, timeInterval: o }),
  ),
  'account.mmpConfig': spec(
    q({ instFamily: req.opt }),
    row({ instFamily: s, mmpFrozen: z.boolean().optional(), mmpFrozenUntil: o, qtyLimit: o }),
  ),
  'account.movePositions': spec(
    q({ fromAcct: req.str, toAcct: req.str, legs: z.array(z.looseObject({})).min(1), clientId: req.str }),
    anyRow,
  ),
  'account.movePositionsHistory': spec(
    q({
      blockTdId: req.opt,
      clientId: req.opt,
      beginTs: req.num,
      endTs: req.num,
      limit: req.num,
      state: req.opt,
    }),
    anyRow,
  ),
  'account.setAutoEarn': spec(
    q({ earnType: req.opt, ccy: req.str, action: z.enum(['turn_on', 'turn_off']), apr: req.opt }),
    anyRow,
  ),
  'account.setSettleCurrency': spec(q({ settleCcy: req.str }), row({ settleCcy: s })),
  'account.setTradingConfig': spec(q({ type: req.str, stgyType: req.opt }), anyRow),
  'account.precheckSetDeltaNeutral': spec(q({ stgyType: req.str }), anyRow),
} as const satisfies Record<keyof typeof ACCOUNT, ApiSpec>;
