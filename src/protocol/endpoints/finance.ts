import { paged, per1s, sectionOf, type EndpointSpec } from './rules.js';

const { pub } = sectionOf('finance');

/**
 * Financial products (Simple Earn): only the public market lending rate history, which ccxt's
 * fetchBorrowRateHistory reads. Earn subscriptions and loans are not catalogued.
 */
export const FINANCE = {
  'finance.lendingRateHistory': pub('finance/savings/lending-rate-history', per1s(6, 'ip'), {
    paging: paged('ts'),
  }),
} as const satisfies Record<string, EndpointSpec>;
