import { DAY, paged, per1s, per2s, r, sectionOf, type EndpointSpec } from './rules.js';

const { get, post } = sectionOf('trade');

/** Order book trading: orders, fills, mass cancel, cancel-all-after, convert and repay helpers. */
export const TRADE = {
  'trade.order': post('trade/order', 'trade', per2s(60, 'user+instId'), { expTime: true }),
  'trade.batchOrders': post('trade/batch-orders', 'trade', per2s(300, 'user+instId', 'orders'), {
    batch: true,
    maxBatch: 20,
    expTime: true,
  }),
  'trade.cancelOrder': post('trade/cancel-order', 'trade', per2s(60, 'user+instId')),
  'trade.cancelBatchOrders': post('trade/cancel-batch-orders', 'trade', per2s(300, 'user+instId', 'orders'), {
    batch: true,
    maxBatch: 20,
  }),
  'trade.amendOrder': post('trade/amend-order', 'trade', per2s(60, 'user+instId'), { expTime: true }),
  'trade.amendBatchOrders': post('trade/amend-batch-orders', 'trade', per2s(300, 'user+instId', 'orders'), {
    batch: true,
    maxBatch: 20,
    expTime: true,
  }),
  'trade.closePosition': post('trade/close-position', 'trade', per2s(20, 'user+instId')),
  'trade.getOrder': get('trade/order', 'read', per2s(60, 'user+instId')),
  'trade.ordersPending': get('trade/orders-pending', 'read', per2s(60, 'user'), { paging: paged('ordId') }),
  'trade.ordersHistory': get('trade/orders-history', 'read', per2s(40, 'user'), { paging: paged('ordId') }),
  'trade.ordersHistoryArchive': get('trade/orders-history-archive', 'read', per2s(20, 'user'), {
    paging: paged('ordId'),
  }),
  'trade.fills': get('trade/fills', 'read', per2s(60, 'user'), { paging: paged('billId') }),
  'trade.fillsHistory': get('trade/fills-history', 'read', per2s(10, 'user'), { paging: paged('billId') }),
  'trade.fillsArchiveApply': post('trade/fills-archive', 'read', r(5, DAY, 'user')),
  'trade.fillsArchive': get('trade/fills-archive', 'read', per2s(10, 'user')),
  'trade.easyConvertCurrencyList': get('trade/easy-convert-currency-list', 'read', per2s(1, 'user')),
  'trade.easyConvert': post('trade/easy-convert', 'trade', per2s(1, 'user')),
  'trade.easyConvertHistory': get('trade/easy-convert-history', 'read', per2s(1, 'user'), {
    paging: paged('uTime'),
  }),
  'trade.oneClickRepayCurrencyList': get('trade/one-click-repay-currency-list', 'read', per2s(1, 'user')),
  'trade.oneClickRepay': post('trade/one-click-repay', 'trade', per2s(1, 'user')),
  'trade.oneClickRepayHistory': get('trade/one-click-repay-history', 'read', per2s(1, 'user'), {
    paging: paged('uTime'),
  }),
  'trade.oneClickRepayCurrencyListV2': get(
    'trade/one-click-repay-currency-list-v2',
    'read',
    per2s(1, 'user'),
  ),
  'trade.oneClickRepayV2': post('trade/one-click-repay-v2', 'trade', per2s(1, 'user')),
  'trade.oneClickRepayHistoryV2': get('trade/one-click-repay-history-v2', 'read', per2s(1, 'user'), {
    paging: paged('ts'),
  }),
  'trade.massCancel': post('trade/mass-cancel', 'trade', per2s(5, 'user')),
  'trade.cancelAllAfter': post('trade/cancel-all-after', 'trade', per1s(1, 'user+tag')),
  'trade.accountRateLimit': get('trade/account-rate-limit', 'read', per1s(1, 'user')),
  'trade.orderPrecheck': post('trade/order-precheck', 'trade', per2s(5, 'user')),
} as const satisfies Record<string, EndpointSpec>;
