import type { FINANCE } from '../endpoints/finance.js';
import { pageFields, q, req, row, s, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

export const FINANCE_API = {
  'finance.lendingRateHistory': spec(
    q({ ccy: req.opt, ...pageFields }),
    row({ ccy: s, amt: s, rate: s, ts: s }),
  ),
} as const satisfies Record<keyof typeof FINANCE, ApiSpec>;
