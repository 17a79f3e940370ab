import type { EndpointId } from '../endpoints.js';
import { ACCOUNT_API } from './account.js';
import { ALGO_API } from './algo.js';
import { ASSET_API } from './asset.js';
import { FINANCE_API } from './finance.js';
import { MARKET_API } from './market.js';
import { PUBLIC_API } from './public.js';
import { RUBIK_API } from './rubik.js';
import type { ApiSpec } from './spec.js';
import { SUBACCOUNT_API } from './subaccount.js';
import { TRADE_API } from './trade.js';

/**
 * The typed request and response of every catalogued endpoint, keyed by endpoint id. The
 * `satisfies` below makes a catalogue entry without a spec (or a spec without an entry) a
 * compile error, so the generated client methods cover the whole catalogue.
 */
export const API_SPECS = {
  ...PUBLIC_API,
  ...MARKET_API,
  ...RUBIK_API,
  ...TRADE_API,
  ...ALGO_API,
  ...ACCOUNT_API,
  ...ASSET_API,
  ...SUBACCOUNT_API,
  ...FINANCE_API,
} as const satisfies Record<EndpointId, ApiSpec>;

export type ApiSpecs = typeof API_SPECS;
export type { ApiSpec, DataKind } from './spec.js';
export { placeOrderSchema, attachAlgoSchema } from './trade.js';
export { placeAlgoSchema, algoOrderSchema, ALGO_ORD_TYPES } from './algo.js';
export {
  leverageRowSchema,
  maxSizeRowSchema,
  maxAvailRowSchema,
  tradeFeeRowSchema,
  positionHistorySchema,
} from './account.js';
export { currencySchema, depositRowSchema, withdrawalRowSchema } from './asset.js';
export { indexTickerSchema } from './market.js';
export {
  fundingRateSchema,
  fundingRateHistorySchema,
  openInterestSchema,
  markPriceSchema,
  priceLimitSchema,
  estimatedPriceSchema,
  publicPositionTierSchema,
} from './public.js';
export { subAccountSchema } from './subaccount.js';
