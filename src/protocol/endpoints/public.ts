import { paged, per2s, r, SECOND, sectionOf, type EndpointSpec } from './rules.js';

const { pub, get } = sectionOf('public');

/** Public data: instruments, funding, open interest, limits, mark prices, tiers, system status. */
export const PUBLIC = {
  'public.time': pub('public/time', per2s(10, 'ip')),
  'public.instruments': pub('public/instruments', per2s(20, 'ip+instType')),
  'public.estimatedPrice': pub('public/estimated-price', per2s(10, 'ip+instId')),
  'public.deliveryExerciseHistory': pub('public/delivery-exercise-history', per2s(40, 'ip+instFamily'), {
    paging: paged('ts'),
  }),
  'public.estimatedSettlementInfo': pub('public/estimated-settlement-info', per2s(10, 'ip+instId')),
  'public.settlementHistory': pub('public/settlement-history', per2s(40, 'ip+instFamily'), {
    paging: paged('ts'),
  }),
  'public.fundingRate': pub('public/funding-rate', per2s(10, 'ip+instId')),
  'public.fundingRateHistory': pub('public/funding-rate-history', per2s(10, 'ip+instId'), {
    paging: paged('fundingTime', 400),
  }),
  'public.openInterest': pub('public/open-interest', per2s(20, 'ip+instId')),
  'public.priceLimit': pub('public/price-limit', per2s(20, 'ip')),
  'public.optSummary': pub('public/opt-summary', per2s(20, 'ip+instFamily')),
  'public.discountRateInterestFreeQuota': pub('public/discount-rate-interest-free-quota', per2s(2, 'ip')),
  'public.markPrice': pub('public/mark-price', per2s(10, 'ip+instId')),
  'public.positionTiers': pub('public/position-tiers', per2s(10, 'ip')),
  'public.interestRateLoanQuota': pub('public/interest-rate-loan-quota', per2s(2, 'ip')),
  'public.underlying': pub('public/underlying', per2s(20, 'ip')),
  'public.insuranceFund': pub('public/insurance-fund', per2s(10, 'ip'), { paging: paged('ts') }),
  'public.convertContractCoin': pub('public/convert-contract-coin', per2s(10, 'ip')),
  'public.instrumentTickBands': pub('public/instrument-tick-bands', per2s(5, 'ip')),
  'public.premiumHistory': pub('public/premium-history', per2s(20, 'ip'), { paging: paged('ts') }),
  'public.optionTrades': pub('public/option-trades', per2s(20, 'ip')),
  'public.marketDataHistory': pub('public/market-data-history', per2s(5, 'ip')),
  'public.economicCalendar': get('public/economic-calendar', 'read', r(1, 5 * SECOND, 'user')),
  'public.systemStatus': pub('system/status', r(1, 5 * SECOND, 'ip')),
} as const satisfies Record<string, EndpointSpec>;
