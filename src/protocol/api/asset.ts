import { z } from 'zod';
import type { ASSET } from '../endpoints/asset.js';
import { assetBalanceSchema, assetBillSchema } from '../schemas/asset.js';
import { anyRow, none, o, pageFields, q, req, row, s, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

export const currencySchema = row({
  ccy: s,
  chain: o,
  name: o,
  canDep: z.boolean().optional(),
  canWd: z.boolean().optional(),
  canInternal: z.boolean().optional(),
  minDep: o,
  minWd: o,
  maxWd: o,
  wdTickSz: o,
  minFee: o,
  maxFee: o,
  mainNet: z.boolean().optional(),
});
export const depositRowSchema = row({
  ccy: s,
  chain: o,
  amt: s,
  from: o,
  to: o,
  txId: o,
  ts: s,
  state: s,
  depId: o,
  actualDepBlkConfirm: o,
});
export const withdrawalRowSchema = row({
  ccy: s,
  chain: o,
  amt: s,
  ts: s,
  from: o,
  to: o,
  txId: o,
  fee: o,
  state: s,
  wdId: s,
  clientId: o,
});
const transferAck = row({ transId: s, ccy: o, clientId: o, from: o, to: o, amt: o });
const ccyPage = { ccy: req.opt, ...pageFields };

export const ASSET_API = {
  'asset.currencies': spec(q({ ccy: req.opt }), currencySchema),
  'asset.balances': spec(q({ ccy: req.opt }), assetBalanceSchema),
  'asset.nonTradableAssets': spec(q({ ccy: req.opt }), row({ ccy: s, bal: o })),
  'asset.valuation': spec(
    q({ ccy: req.opt }),
    row({ totalBal: s, ts: o, details: z.looseObject({}).optional() }),
  ),
  'asset.transfer': spec(
    q({
      ccy: req.str,
      amt: req.dec,
      from: z.enum(['6', '18']),
      to: z.enum(['6', '18']),
      type: req.opt,
      subAcct: req.opt,
      loanTrans: req.bool,
      omitPosRisk: req.opt,
      clientId: req.opt,
    }),
    transferAck,
  ),
  'asset.transferState': spec(
    q({ transId: req.opt, clientId: req.opt, type: req.opt }),
    row({ transId: s, state: s, amt: o, ccy: o }),
  ),
  'asset.bills': spec(
    q({ ...ccyPage, type: req.opt, clientId: req.opt, pagingType: z.enum(['1', '2']).optional() }),
    assetBillSchema,
  ),
  'asset.billsHistory': spec(
    q({ ...ccyPage, type: req.opt, clientId: req.opt, pagingType: z.enum(['1', '2']).optional() }),
    assetBillSchema,
  ),
  'asset.depositLightning': spec(
    q({ ccy: req.str, amt: req.dec, to: req.opt }),
    row({ invoice: s, cTime: o }),
  ),
  'asset.depositAddress': spec(
    q({ ccy: req.str }),
    row({ ccy: s, chain: o, addr: s, tag: o, memo: o, to: o, selected: z.boolean().optional() }),
  ),
  'asset.depositHistory': spec(
    q({ ...ccyPage, depId: req.opt, fromWdId: req.opt, txId: req.opt, type: req.opt, state: req.opt }),
    depositRowSchema,
  ),
  'asset.withdrawal': spec(
    q({
      ccy: req.str,
      amt: req.dec,
      dest: z.enum(['3', '4']),
      toAddr: req.str,
      chain: req.opt,
      clientId: req.opt,
      areaCode: req.opt,
      rcvrInfo: z.looseObject({}).optional(),
      fee: req.optDec,
    }),
    row({ ccy: s, chain: o, amt: s, wdId: s, clientId: o }),
  ),
  'asset.withdrawalLightning': spec(
    q({ ccy: req.str, invoice: req.str, memo: req.opt }),
    row({ wdId: s, cTime: o }),
  ),
  'asset.cancelWithdrawal': spec(q({ wdId: req.str }), row({ wdId: s })),
  'asset.withdrawalHistory': spec(
    q({ ...ccyPage, wdId: req.opt, clientId: req.opt, txId: req.opt, type: req.opt, state: req.opt }),
    withdrawalRowSchema,
  ),
  'asset.depositWithdrawStatus': spec(
    q({ wdId: req.opt, txId: req.opt, ccy: req.opt, to: req.opt, chain: req.opt }),
    anyRow,
  ),
  'asset.exchangeList': spec(none, row({ exchId: s, exchName: o })),
  'asset.monthlyStatementApply': spec(q({ month: req.opt }), row({ ts: o })),
  'asset.monthlyStatement': spec(q({ month: req.str }), row({ fileHref: o, state: o, ts: o })),
  'asset.convertCurrencies': spec(none, row({ ccy: s, min: o, max: o })),
  'asset.convertCurrencyPair': spec(
    q({ fromCcy: req.str, toCcy: req.str }),
    row({ instId: s, baseCcy: o, quoteCcy: o }),
  ),
  'asset.convertEstimateQuote': spec(
    q({
      baseCcy: req.str,
      quoteCcy: req.str,
      side: z.enum(['buy', 'sell']),
      rfqSz: req.dec,
      rfqSzCcy: req.str,
      clQReqId: req.opt,
      tag: req.opt,
    }),
    row({
      quoteId: s,
      baseCcy: o,
      quoteCcy: o,
      side: o,
      cnvtPx: o,
      baseSz: o,
      quoteSz: o,
      rfqSz: o,
      rfqSzCcy: o,
      origRfqSz: o,
      clQReqId: o,
      quoteTime: o,
      ttlMs: o,
    }),
  ),
  'asset.convertTrade': spec(
    q({
      quoteId: req.str,
      baseCcy: req.str,
      quoteCcy: req.str,
      side: z.enum(['buy', 'sell']),
      sz: req.dec,
      szCcy: req.str,
      clTReqId: req.opt,
      tag: req.opt,
    }),
    row({ tradeId: s, state: o, instId: o, fillPx: o, fillBaseSz: o, fillQuoteSz: o, ts: o }),
  ),
  'asset.convertHistory': spec(
    q({ clTReqId: req.opt, tag: req.opt, ...pageFields }),
    row({
      tradeId: s,
      clTReqId: o,
      state: o,
      instId: o,
      baseCcy: o,
      quoteCcy: o,
      side: o,
      fillPx: o,
      fillBaseSz: o,
      fillQuoteSz: o,
      ts: o,
    }),
  ),
} as const satisfies Record<keyof typeof ASSET, ApiSpec>;
