import { z } from 'zod';
import type { RUBIK } from '../endpoints/rubik.js';
import { none, q, req, row, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

/** Rubik statistics answer arrays of strings, [ts, value...]. */
const series = z.array(z.string());
const ccyPeriod = q({ ccy: req.str, period: req.opt, begin: req.num, end: req.num });
const instPeriod = q({ instId: req.instId, period: req.opt, begin: req.num, end: req.num, limit: req.num });
const optCcy = q({ ccy: req.str, period: req.opt });

export const RUBIK_API = {
  'rubik.supportCoin': spec(
    none,
    row({
      contract: z.array(z.string()).optional(),
      option: z.array(z.string()).optional(),
      spot: z.array(z.string()).optional(),
    }),
  ),
  'rubik.openInterestHistory': spec(instPeriod, series),
  'rubik.takerVolume': spec(
    q({
      ccy: req.str,
      instType: z.enum(['SPOT', 'CONTRACTS']),
      period: req.opt,
      begin: req.num,
      end: req.num,
    }),
    series,
  ),
  'rubik.takerVolumeContract': spec(
    q({ instId: req.instId, period: req.opt, unit: req.opt, begin: req.num, end: req.num, limit: req.num }),
    series,
  ),
  'rubik.marginLoanRatio': spec(ccyPeriod, series),
  'rubik.longShortAccountRatioTopTrader': spec(instPeriod, series),
  'rubik.longShortPositionRatioTopTrader': spec(instPeriod, series),
  'rubik.longShortAccountRatioContract': spec(instPeriod, series),
  'rubik.longShortAccountRatio': spec(ccyPeriod, series),
  'rubik.contractsOpenInterestVolume': spec(ccyPeriod, series),
  'rubik.optionOpenInterestVolume': spec(optCcy, series),
  'rubik.optionOpenInterestVolumeRatio': spec(optCcy, series),
  'rubik.optionOpenInterestVolumeExpiry': spec(optCcy, series),
  'rubik.optionOpenInterestVolumeStrike': spec(
    q({ ccy: req.str, expTime: req.str, period: req.opt }),
    series,
  ),
  'rubik.optionTakerBlockVolume': spec(optCcy, series),
} as const satisfies Record<keyof typeof RUBIK, ApiSpec>;
