import { paged, per1s, per2s, sectionOf, type EndpointSpec } from './rules.js';

const { get } = sectionOf('subaccount');

/** Sub-account, read side: list, keys, balances, bills, limits (creation and transfers are not catalogued). */
export const SUBACCOUNT = {
  'subaccount.list': get('users/subaccount/list', 'read', per2s(2, 'user'), { paging: paged('ts') }),
  'subaccount.apiKeys': get('users/subaccount/apikey', 'read', per2s(20, 'user')),
  'subaccount.tradingBalances': get('account/subaccount/balances', 'read', per2s(6, 'user')),
  'subaccount.fundingBalances': get('asset/subaccount/balances', 'read', per2s(6, 'user')),
  'subaccount.maxWithdrawal': get('account/subaccount/max-withdrawal', 'read', per2s(20, 'user')),
  'subaccount.bills': get('asset/subaccount/bills', 'read', per1s(6, 'user'), { paging: paged('billId') }),
  'subaccount.managedBills': get('asset/subaccount/managed-subaccount-bills', 'read', per1s(6, 'user'), {
    paging: paged('billId'),
  }),
  'subaccount.entrustList': get('users/entrust-subaccount-list', 'read', per1s(1, 'user')),
  'subaccount.interestLimits': get('account/subaccount/interest-limits', 'read', per2s(5, 'user')),
} as const satisfies Record<string, EndpointSpec>;
