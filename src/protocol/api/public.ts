import { z } from 'zod';
import type { PUBLIC } from '../endpoints/public.js';
import { instrumentSchema, serverTimeSchema } from '../schemas/public.js';
import { anyRow, instType, none, o, pageFields, q, req, row, s, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

export const fundingRateSchema = row({
  instId: s,
  instType: o,
  fundingRate: s,
  nextFundingRate: o,
  fundingTime: s,
  nextFundingTime: o,
  minFundingRate: o,
  maxFundingRate: o,
  settFundingRate: o,
  settState: o,
  method: o,
  premium: o,
  interestRate: o,
  impactValue: o,
  sodUtc0: o,
  sodUtc8: o,
  ts: o,
});
export const fundingRateHistorySchema = row({
  instId: s,
  instType: o,
  fundingRate: s,
  realizedRate: o,
  fundingTime: s,
  method: o,
});
export const openInterestSchema = row({ instId: s, instType: o, oi: s, oiCcy: o, oiUsd: o, ts: s });
export const markPriceSchema = row({ instId: s, instType: o, markPx: s, ts: s });
export const priceLimitSchema = row({
  instId: s,
  instType: o,
  buyLmt: s,
  sellLmt: s,
  enabled: z.boolean().optional(),
  ts: s,
});
export const estimatedPriceSchema = row({ instId: s, instType: o, settlePx: s, ts: s });
export const publicPositionTierSchema = row({
  instFamily: o,
  uly: o,
  instId: o,
  tier: s,
  minSz: s,
  maxSz: s,
  mmr: s,
  imr: s,
  maxLever: s,
  optMgnFactor: o,
  quoteMaxLoan: o,
  baseMaxLoan: o,
});
const byInst = { instType: instType.optional(), instFamily: req.opt, uly: req.opt, instId: req.opt };

export const PUBLIC_API = {
  'public.time': spec(none, serverTimeSchema),
  'public.instruments': spec(
    q({ instType, instFamily: req.opt, uly: req.opt, instId: req.opt }),
    instrumentSchema,
  ),
  'public.estimatedPrice': spec(q({ instId: req.instId }), estimatedPriceSchema),
  'public.deliveryExerciseHistory': spec(
    q({ instType: z.enum(['FUTURES', 'OPTION']), instFamily: req.opt, uly: req.opt, ...pageFields }),
    // OKX spells the instrument field `insId` here (docs/OKX-PROTOCOL.md §7.7).
    row({ ts: s, details: z.array(row({ insId: s, px: s, type: s })).optional() }),
  ),
  'public.estimatedSettlementInfo': spec(
    q({ instId: req.instId }),
    row({ instId: s, estSettlePx: o, nextSettleTime: o, ts: o }),
  ),
  'public.settlementHistory': spec(
    q({ instFamily: req.str, ...pageFields }),
    row({ ts: s, details: z.array(anyRow).optional() }),
  ),
  'public.fundingRate': spec(q({ instId: req.str }), fundingRateSchema),
  'public.fundingRateHistory': spec(q({ instId: req.instId, ...pageFields }), fundingRateHistorySchema),
  'public.openInterest': spec(q(byInst), openInterestSchema),
  'public.priceLimit': spec(q({ instId: req.instId }), priceLimitSchema),
  'public.optSummary': spec(
    q({ instFamily: req.opt, uly: req.opt, expTime: req.opt }),
    row({ instId: s, instType: o, delta: o, gamma: o, vega: o, theta: o, markVol: o, fwdPx: o, ts: o }),
  ),
  'public.discountRateInterestFreeQuota': spec(q({ ccy: req.opt, discountLv: req.opt }), anyRow),
  'public.markPrice': spec(
    q({
      instType: z.enum(['MARGIN', 'SWAP', 'FUTURES', 'OPTION']),
      instFamily: req.opt,
      uly: req.opt,
      instId: req.opt,
    }),
    markPriceSchema,
  ),
  'public.positionTiers': spec(
    q({
      instType: z.enum(['MARGIN', 'SWAP', 'FUTURES', 'OPTION']),
      tdMode: z.enum(['cross', 'isolated']),
      instFamily: req.opt,
      uly: req.opt,
      instId: req.opt,
      ccy: req.opt,
      tier: req.opt,
    }),
    publicPositionTierSchema,
  ),
  'public.interestRateLoanQuota': spec(none, anyRow),
  'public.underlying': spec(q({ instType: z.enum(['SWAP', 'FUTURES', 'OPTION']) }), z.array(z.string())),
  'public.insuranceFund': spec(
    q({
      instType: z.enum(['MARGIN', 'SWAP', 'FUTURES', 'OPTION']),
      type: req.opt,
      instFamily: req.opt,
      uly: req.opt,
      ccy: req.opt,
      ...pageFields,
    }),
    row({ total: o, instFamily: o, instType: o, details: z.array(anyRow).optional() }),
  ),
  'public.convertContractCoin': spec(
    q({
      type: z.enum(['1', '2']).optional(),
      instId: req.instId,
      sz: req.dec,
      px: req.optDec,
      unit: req.opt,
      opType: req.opt,
    }),
    row({ instId: s, px: o, sz: s, type: o, unit: o }),
  ),
  'public.instrumentTickBands': spec(q({ instType: z.literal('OPTION'), instFamily: req.opt }), anyRow),
  'public.premiumHistory': spec(
    q({ instId: req.instId, ...pageFields }),
    row({ instId: s, premium: s, ts: s }),
  ),
  'public.optionTrades': spec(q({ instId: req.opt, instFamily: req.opt, optType: req.opt }), anyRow),
  'public.marketDataHistory': spec(
    q({
      module: req.str,
      instType: req.opt,
      instFamilyList: req.opt,
      instIdList: req.opt,
      dateAggrType: req.str,
      begin: req.num,
      end: req.num,
    }),
    anyRow,
  ),
  'public.economicCalendar': spec(q({ region: req.opt, importance: req.opt, ...pageFields }), anyRow),
  'public.systemStatus': spec(
    q({ state: req.opt }),
    row({ title: s, state: s, begin: o, end: o, serviceType: o, system: o, scheDesc: o, href: o }),
  ),
} as const satisfies Record<keyof typeof PUBLIC, ApiSpec>;
