import { paged, per2s, sectionOf, type EndpointSpec } from './rules.js';

const { get, post } = sectionOf('algo');

/** Algo trading: conditional (TP/SL), OCO, trigger, trailing, iceberg and TWAP orders. */
export const ALGO = {
  'algo.place': post('trade/order-algo', 'trade', per2s(20, 'user+instId')),
  /** Body: an array of up to 10 `{ instId, algoId | algoClOrdId }`; counted per request. */
  'algo.cancel': post('trade/cancel-algos', 'trade', per2s(20, 'user+instId')),
  'algo.amend': post('trade/amend-algos', 'trade', per2s(20, 'user+instId')),
  'algo.getOrder': get('trade/order-algo', 'read', per2s(20, 'user')),
  'algo.ordersPending': get('trade/orders-algo-pending', 'read', per2s(20, 'user'), {
    paging: paged('algoId'),
  }),
  'algo.ordersHistory': get('trade/orders-algo-history', 'read', per2s(20, 'user'), {
    paging: paged('algoId'),
  }),
} as const satisfies Record<string, EndpointSpec>;
