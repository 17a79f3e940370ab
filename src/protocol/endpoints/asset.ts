import { DAY, paged, per1s, per2s, r, sectionOf, type EndpointSpec } from './rules.js';

const { pub, get, post } = sectionOf('asset');

/**
 * Funding account: currencies, balances, transfers, deposits, withdrawals, statements and convert.
 * The withdrawal endpoints carry `permission: 'withdraw'`: the client refuses them unless it was
 * built with `allowWithdraw`, and always in read-only mode.
 */
export const ASSET = {
  'asset.currencies': get('asset/currencies', 'read', per1s(6, 'user')),
  'asset.balances': get('asset/balances', 'read', per1s(6, 'user')),
  'asset.nonTradableAssets': get('asset/non-tradable-assets', 'read', per1s(6, 'user')),
  'asset.valuation': get('asset/asset-valuation', 'read', per1s(1, 'user')),
  'asset.transfer': post('asset/transfer', 'trade', per1s(2, 'user+ccy')),
  'asset.transferState': get('asset/transfer-state', 'read', per1s(10, 'user')),
  'asset.bills': get('asset/bills', 'read', per1s(6, 'user'), { paging: paged('ts') }),
  'asset.billsHistory': get('asset/bills-history', 'read', per1s(1, 'user'), { paging: paged('ts') }),
  'asset.depositLightning': get('asset/deposit-lightning', 'read', per1s(2, 'user')),
  'asset.depositAddress': get('asset/deposit-address', 'read', per1s(6, 'user')),
  'asset.depositHistory': get('asset/deposit-history', 'read', per1s(6, 'user'), { paging: paged('ts') }),
  'asset.withdrawal': post('asset/withdrawal', 'withdraw', per1s(6, 'user')),
  'asset.withdrawalLightning': post('asset/withdrawal-lightning', 'withdraw', per1s(2, 'user')),
  'asset.cancelWithdrawal': post('asset/cancel-withdrawal', 'withdraw', per1s(6, 'user')),
  'asset.withdrawalHistory': get('asset/withdrawal-history', 'read', per1s(6, 'user'), {
    paging: paged('ts'),
  }),
  'asset.depositWithdrawStatus': get('asset/deposit-withdraw-status', 'read', per2s(1, 'user')),
  'asset.exchangeList': pub('asset/exchange-list', per1s(6, 'ip')),
  'asset.monthlyStatementApply': post('asset/monthly-statement', 'read', r(20, 30 * DAY, 'user')),
  'asset.monthlyStatement': get('asset/monthly-statement', 'read', per2s(10, 'user')),
  'asset.convertCurrencies': get('asset/convert/currencies', 'read', per1s(6, 'user')),
  'asset.convertCurrencyPair': get('asset/convert/currency-pair', 'read', per1s(6, 'user')),
  'asset.convertEstimateQuote': post('asset/convert/estimate-quote', 'trade', per1s(10, 'user')),
  'asset.convertTrade': post('asset/convert/trade', 'trade', per1s(10, 'user')),
  'asset.convertHistory': get('asset/convert/history', 'read', per1s(6, 'user'), { paging: paged('ts') }),
} as const satisfies Record<string, EndpointSpec>;
