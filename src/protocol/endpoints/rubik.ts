import { per2s, sectionOf, type EndpointSpec } from './rules.js';

const { pub } = sectionOf('rubik');

const stat = (path: string, limit = 5) => pub(`rubik/stat/${path}`, per2s(limit, 'ip'));

/** Trading statistics (rubik): taker volume, loan ratio, long/short ratios, open interest, options. */
export const RUBIK = {
  'rubik.supportCoin': stat('trading-data/support-coin'),
  'rubik.openInterestHistory': pub('rubik/stat/contracts/open-interest-history', per2s(10, 'ip+instId')),
  'rubik.takerVolume': stat('taker-volume'),
  'rubik.takerVolumeContract': pub('rubik/stat/taker-volume-contract', per2s(5, 'ip+instId')),
  'rubik.marginLoanRatio': stat('margin/loan-ratio'),
  'rubik.longShortAccountRatioTopTrader': pub(
    'rubik/stat/contracts/long-short-account-ratio-contract-top-trader',
    per2s(5, 'ip+instId'),
  ),
  'rubik.longShortPositionRatioTopTrader': pub(
    'rubik/stat/contracts/long-short-position-ratio-contract-top-trader',
    per2s(5, 'ip+instId'),
  ),
  'rubik.longShortAccountRatioContract': pub(
    'rubik/stat/contracts/long-short-account-ratio-contract',
    per2s(5, 'ip+instId'),
  ),
  'rubik.longShortAccountRatio': stat('contracts/long-short-account-ratio'),
  'rubik.contractsOpenInterestVolume': stat('contracts/open-interest-volume'),
  'rubik.optionOpenInterestVolume': stat('option/open-interest-volume'),
  'rubik.optionOpenInterestVolumeRatio': stat('option/open-interest-volume-ratio'),
  'rubik.optionOpenInterestVolumeExpiry': stat('option/open-interest-volume-expiry'),
  'rubik.optionOpenInterestVolumeStrike': stat('option/open-interest-volume-strike'),
  'rubik.optionTakerBlockVolume': stat('option/taker-block-volume'),
} as const satisfies Record<string, EndpointSpec>;
