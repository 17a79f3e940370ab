import { z } from 'zod';
import type { ALGO } from '../endpoints/algo.js';
import { instType, o, pageFields, posSide, q, req, row, s, side, spec, tdMode } from './spec.js';
import type { ApiSpec } from './spec.js';

export const ALGO_ORD_TYPES = [
  'conditional',
  'oco',
  'trigger',
  'move_order_stop',
  'iceberg',
  'twap',
  'chase',
] as const;

/** POST /trade/order-algo: TP/SL (conditional, oco), trigger, trailing (move_order_stop), iceberg, TWAP. */
export const placeAlgoSchema = q({
  instId: req.instId,
  tdMode,
  side,
  ordType: z.enum(ALGO_ORD_TYPES),
  sz: req.optDec,
  closeFraction: req.opt,
  posSide: posSide.optional(),
  ccy: req.opt,
  tag: req.opt,
  algoClOrdId: req.opt,
  reduceOnly: req.bool,
  tgtCcy: req.opt,
  tpTriggerPx: req.optDec,
  tpOrdPx: req.opt,
  tpTriggerPxType: req.opt,
  slTriggerPx: req.optDec,
  slOrdPx: req.opt,
  slTriggerPxType: req.opt,
  triggerPx: req.optDec,
  orderPx: req.opt,
  triggerPxType: req.opt,
  callbackRatio: req.optDec,
  callbackSpread: req.optDec,
  activePx: req.optDec,
});

export const algoOrderSchema = row({
  algoId: s,
  instId: s,
  ordType: s,
  state: s,
  algoClOrdId: o,
  instType: o,
  side: o,
  posSide: o,
  sz: o,
  tdMode: o,
  ccy: o,
  tag: o,
  triggerPx: o,
  orderPx: o,
  tpTriggerPx: o,
  tpOrdPx: o,
  slTriggerPx: o,
  slOrdPx: o,
  callbackRatio: o,
  callbackSpread: o,
  activePx: o,
  moveTriggerPx: o,
  reduceOnly: o,
  closeFraction: o,
  ordId: o,
  ordIdList: z.array(z.string()).optional(),
  actualPx: o,
  actualSz: o,
  actualSide: o,
  triggerTime: o,
  lever: o,
  cTime: o,
  uTime: o,
});

const algoAck = row({ algoId: s, algoClOrdId: o, sCode: s, sMsg: o, tag: o, clOrdId: o });
const algoRef = q({ instId: req.instId, algoId: req.opt, algoClOrdId: req.opt }).refine(
  (r) => Boolean(r.algoId || r.algoClOrdId),
  { message: 'algoId or algoClOrdId is required', path: ['algoId'] },
);
const listFilter = {
  ordType: req.str,
  algoId: req.opt,
  instType: instType.optional(),
  instId: req.optInstId,
  ...pageFields,
};

export const ALGO_API = {
  'algo.place': spec(placeAlgoSchema, algoAck, 'item'),
  'algo.cancel': spec(z.array(algoRef).min(1).max(10), algoAck, 'batch'),
  'algo.amend': spec(
    q({
      instId: req.instId,
      algoId: req.opt,
      algoClOrdId: req.opt,
      cxlOnFail: req.bool,
      reqId: req.opt,
      newSz: req.optDec,
      newTpTriggerPx: req.opt,
      newTpOrdPx: req.opt,
      newSlTriggerPx: req.opt,
      newSlOrdPx: req.opt,
      newTpTriggerPxType: req.opt,
      newSlTriggerPxType: req.opt,
      newTriggerPx: req.opt,
      newOrdPx: req.opt,
    }),
    row({ algoId: s, algoClOrdId: o, reqId: o, sCode: s, sMsg: o }),
    'item',
  ),
  'algo.getOrder': spec(q({ algoId: req.opt, algoClOrdId: req.opt }), algoOrderSchema),
  'algo.ordersPending': spec(q(listFilter), algoOrderSchema),
  'algo.ordersHistory': spec(q({ ...listFilter, state: req.opt }), algoOrderSchema),
} as const satisfies Record<keyof typeof ALGO, ApiSpec>;
