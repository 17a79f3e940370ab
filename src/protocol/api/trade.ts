import { z } from 'zod';
import { CL_ORD_ID_PATTERN, TAG_PATTERN } from '../cl-ord-id.js';
import type { TRADE } from '../endpoints/trade.js';
import {
  amendResultSchema,
  cancelAllAfterSchema,
  cancelResultSchema,
  fillSchema,
  orderSchema,
  placeResultSchema,
} from '../schemas/trade.js';
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
  side,
  spec,
  tdMode,
} from './spec.js';
import type { ApiSpec } from './spec.js';

const clOrdId = z.string().regex(CL_ORD_ID_PATTERN, 'must be 1-32 letters or digits').optional();
const tag = z.string().regex(TAG_PATTERN, 'must be 1-16 letters or digits').optional();

/** A TP/SL attached to an order (attachAlgoOrds[]). */
export const attachAlgoSchema = q({
  attachAlgoClOrdId: req.opt,
  tpTriggerPx: req.optDec,
  tpOrdPx: req.opt,
  tpTriggerPxType: req.opt,
  slTriggerPx: req.optDec,
  slOrdPx: req.opt,
  slTriggerPxType: req.opt,
  sz: req.optDec,
});

export const placeOrderSchema = q({
  instId: req.instId,
  tdMode,
  side,
  ordType: z.enum([
    'market',
    'limit',
    'post_only',
    'fok',
    'ioc',
    'optimal_limit_ioc',
    'mmp',
    'mmp_and_post_only',
    'elp',
  ]),
  sz: req.dec,
  px: req.optDec,
  clOrdId,
  tag,
  posSide: posSide.optional(),
  ccy: req.opt,
  reduceOnly: req.bool,
  tgtCcy: z.enum(['base_ccy', 'quote_ccy']).optional(),
  banAmend: req.bool,
  stpMode: z.enum(['cancel_maker', 'cancel_taker', 'cancel_both']).optional(),
  attachAlgoOrds: z.array(attachAlgoSchema).optional(),
});
const orderRef = q({ instId: req.instId, ordId: req.opt, clOrdId: req.opt }).refine(
  (r) => Boolean(r.ordId || r.clOrdId),
  { message: 'ordId or clOrdId is required', path: ['ordId'] },
);
const amendSchema = q({
  instId: req.instId,
  ordId: req.opt,
  clOrdId: req.opt,
  newSz: req.optDec,
  newPx: req.optDec,
  cxlOnFail: req.bool,
  reqId: req.opt,
  attachAlgoOrds: z.array(attachAlgoSchema).optional(),
});
const batch = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(20);
const ordersFilter = {
  instType: instType.optional(),
  instFamily: req.opt,
  instId: req.optInstId,
  ordType: req.opt,
  state: req.opt,
  ...pageFields,
};
const fillsFilter = {
  instType: instType.optional(),
  instFamily: req.opt,
  instId: req.optInstId,
  ordId: req.opt,
  subType: req.opt,
  begin: req.num,
  end: req.num,
  ...pageFields,
};
const convertRow = row({ ccy: o, uTime: o, state: o });

export const TRADE_API = {
  'trade.order': spec(placeOrderSchema, placeResultSchema, 'item'),
  'trade.batchOrders': spec(batch(placeOrderSchema), placeResultSchema, 'batch'),
  'trade.cancelOrder': spec(orderRef, cancelResultSchema, 'item'),
  'trade.cancelBatchOrders': spec(batch(orderRef), cancelResultSchema, 'batch'),
  'trade.amendOrder': spec(amendSchema, amendResultSchema, 'item'),
  'trade.amendBatchOrders': spec(batch(amendSchema), amendResultSchema, 'batch'),
  'trade.closePosition': spec(
    q({
      instId: req.instId,
      mgnMode,
      posSide: posSide.optional(),
      ccy: req.opt,
      autoCxl: req.bool,
      clOrdId,
      tag,
    }),
    row({ instId: s, posSide: o, clOrdId: o, tag: o }),
  ),
  'trade.getOrder': spec(orderRef, orderSchema, 'item'),
  'trade.ordersPending': spec(q(ordersFilter), orderSchema),
  'trade.ordersHistory': spec(
    q({ ...ordersFilter, instType, category: req.opt, begin: req.num, end: req.num }),
    orderSchema,
  ),
  'trade.ordersHistoryArchive': spec(
    q({ ...ordersFilter, instType, category: req.opt, begin: req.num, end: req.num }),
    orderSchema,
  ),
  'trade.fills': spec(q(fillsFilter), fillSchema),
  'trade.fillsHistory': spec(q({ ...fillsFilter, instType }), fillSchema),
  'trade.fillsArchiveApply': spec(
    q({ year: req.str, quarter: z.enum(['Q1', 'Q2', 'Q3', 'Q4']) }),
    row({ result: o, ts: o }),
  ),
  'trade.fillsArchive': spec(
    q({ year: req.str, quarter: z.enum(['Q1', 'Q2', 'Q3', 'Q4']) }),
    row({ fileHref: o, state: o, ts: o }),
  ),
  'trade.easyConvertCurrencyList': spec(q({ source: req.opt }), anyRow),
  'trade.easyConvert': spec(
    q({ fromCcy: z.array(z.string()).min(1), toCcy: req.str, source: req.opt }),
    convertRow,
  ),
  'trade.easyConvertHistory': spec(q(pageFields), convertRow),
  'trade.oneClickRepayCurrencyList': spec(q({ debtType: req.opt }), anyRow),
  'trade.oneClickRepay': spec(q({ debtCcy: z.array(z.string()).min(1), repayCcy: req.str }), anyRow),
  'trade.oneClickRepayHistory': spec(q(pageFields), anyRow),
  'trade.oneClickRepayCurrencyListV2': spec(none, anyRow),
  'trade.oneClickRepayV2': spec(q({ debtCcy: req.str, repayCcyList: z.array(z.string()).min(1) }), anyRow),
  'trade.oneClickRepayHistoryV2': spec(q(pageFields), anyRow),
  'trade.massCancel': spec(
    q({ instType: z.literal('OPTION'), instFamily: req.str, lockInterval: req.opt }),
    row({ result: z.boolean() }),
  ),
  'trade.cancelAllAfter': spec(
    q({ timeOut: z.string().regex(/^(0|[1-9]\d*)$/, 'seconds: "0" or 10..120'), tag }),
    cancelAllAfterSchema,
  ),
  'trade.accountRateLimit': spec(
    none,
    row({ accRateLimit: o, fillRatio: o, mainFillRatio: o, nextAccRateLimit: o, ts: o }),
  ),
  'trade.orderPrecheck': spec(placeOrderSchema, anyRow),
} as const satisfies Record<keyof typeof TRADE, ApiSpec>;
