/**
 * The OKX V5 endpoints okxkit speaks, as data (docs/OKX-PROTOCOL.md §5 and §7): method, path, whether it is
 * signed, the permission it needs, and the rate-limit rule OKX applies. The client's limiter and
 * the local exchange's limiter both read this table, so they agree by construction.
 */
export type Method = 'GET' | 'POST';
export type Permission = 'read' | 'trade' | 'withdraw';

/** Who a limit is counted for. Public: per IP; private: per user (sub-account); trading: per user and instrument. */
export type RateScope = 'ip' | 'ip+instType' | 'user' | 'user+instId' | 'user+tag';

export interface RateRule {
  /** Requests (or orders, for batch endpoints) allowed per window. */
  limit: number;
  windowMs: number;
  scope: RateScope;
  /** Batch endpoints count each order in the body, not each request (docs/OKX-PROTOCOL.md §5). */
  countBy: 'request' | 'orders';
}

export interface EndpointDef {
  id: EndpointId;
  method: Method;
  path: string;
  auth: boolean;
  permission?: Permission;
  rate: RateRule;
  /** Body is a JSON array of items (batch endpoints), each with its own instId. */
  batch?: boolean;
  /** Maximum items in a batch body. */
  maxBatch?: number;
  /** Supports the expTime header (docs/OKX-PROTOCOL.md §9). */
  expTime?: boolean;
}

const r = (
  limit: number,
  windowMs: number,
  scope: RateScope,
  countBy: RateRule['countBy'] = 'request',
): RateRule => ({
  limit,
  windowMs,
  scope,
  countBy,
});

const DEFS = {
  // public
  'public.time': { method: 'GET', path: '/api/v5/public/time', auth: false, rate: r(10, 2000, 'ip') },
  'public.instruments': {
    method: 'GET',
    path: '/api/v5/public/instruments',
    auth: false,
    rate: r(20, 2000, 'ip+instType'),
  },
  // market
  'market.ticker': { method: 'GET', path: '/api/v5/market/ticker', auth: false, rate: r(20, 2000, 'ip') },
  'market.tickers': { method: 'GET', path: '/api/v5/market/tickers', auth: false, rate: r(20, 2000, 'ip') },
  'market.books': { method: 'GET', path: '/api/v5/market/books', auth: false, rate: r(40, 2000, 'ip') },
  'market.candles': { method: 'GET', path: '/api/v5/market/candles', auth: false, rate: r(40, 2000, 'ip') },
  'market.historyCandles': {
    method: 'GET',
    path: '/api/v5/market/history-candles',
    auth: false,
    rate: r(20, 2000, 'ip'),
  },
  'market.trades': { method: 'GET', path: '/api/v5/market/trades', auth: false, rate: r(100, 2000, 'ip') },
  // account (trading account)
  'account.balance': {
    method: 'GET',
    path: '/api/v5/account/balance',
    auth: true,
    permission: 'read',
    rate: r(10, 2000, 'user'),
  },
  'account.positions': {
    method: 'GET',
    path: '/api/v5/account/positions',
    auth: true,
    permission: 'read',
    rate: r(10, 2000, 'user'),
  },
  'account.bills': {
    method: 'GET',
    path: '/api/v5/account/bills',
    auth: true,
    permission: 'read',
    rate: r(5, 1000, 'user'),
  },
  'account.config': {
    method: 'GET',
    path: '/api/v5/account/config',
    auth: true,
    permission: 'read',
    rate: r(5, 2000, 'user'),
  },
  // asset (funding account)
  'asset.balances': {
    method: 'GET',
    path: '/api/v5/asset/balances',
    auth: true,
    permission: 'read',
    rate: r(6, 1000, 'user'),
  },
  'asset.bills': {
    method: 'GET',
    path: '/api/v5/asset/bills',
    auth: true,
    permission: 'read',
    rate: r(6, 1000, 'user'),
  },
  // trade
  'trade.order': {
    method: 'POST',
    path: '/api/v5/trade/order',
    auth: true,
    permission: 'trade',
    rate: r(60, 2000, 'user+instId'),
    expTime: true,
  },
  'trade.batchOrders': {
    method: 'POST',
    path: '/api/v5/trade/batch-orders',
    auth: true,
    permission: 'trade',
    rate: r(300, 2000, 'user+instId', 'orders'),
    batch: true,
    maxBatch: 20,
    expTime: true,
  },
  'trade.cancelOrder': {
    method: 'POST',
    path: '/api/v5/trade/cancel-order',
    auth: true,
    permission: 'trade',
    rate: r(60, 2000, 'user+instId'),
  },
  'trade.cancelBatchOrders': {
    method: 'POST',
    path: '/api/v5/trade/cancel-batch-orders',
    auth: true,
    permission: 'trade',
    rate: r(300, 2000, 'user+instId', 'orders'),
    batch: true,
    maxBatch: 20,
  },
  'trade.amendOrder': {
    method: 'POST',
    path: '/api/v5/trade/amend-order',
    auth: true,
    permission: 'trade',
    rate: r(60, 2000, 'user+instId'),
    expTime: true,
  },
  'trade.amendBatchOrders': {
    method: 'POST',
    path: '/api/v5/trade/amend-batch-orders',
    auth: true,
    permission: 'trade',
    rate: r(300, 2000, 'user+instId', 'orders'),
    batch: true,
    maxBatch: 20,
    expTime: true,
  },
  'trade.getOrder': {
    method: 'GET',
    path: '/api/v5/trade/order',
    auth: true,
    permission: 'read',
    rate: r(60, 2000, 'user+instId'),
  },
  'trade.ordersPending': {
    method: 'GET',
    path: '/api/v5/trade/orders-pending',
    auth: true,
    permission: 'read',
    rate: r(60, 2000, 'user'),
  },
  'trade.ordersHistory': {
    method: 'GET',
    path: '/api/v5/trade/orders-history',
    auth: true,
    permission: 'read',
    rate: r(40, 2000, 'user'),
  },
  'trade.fills': {
    method: 'GET',
    path: '/api/v5/trade/fills',
    auth: true,
    permission: 'read',
    rate: r(60, 2000, 'user'),
  },
  'trade.cancelAllAfter': {
    method: 'POST',
    path: '/api/v5/trade/cancel-all-after',
    auth: true,
    permission: 'trade',
    rate: r(1, 1000, 'user+tag'),
  },
} as const satisfies Record<string, Omit<EndpointDef, 'id'>>;

export type EndpointId = keyof typeof DEFS;

/** Freezes an object and everything it holds: the catalogue cannot be edited at run time. */
function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Frozen, deeply: a permission or rate rule changed at run time would bypass the read-only policy. */
export const ENDPOINTS: Readonly<Record<EndpointId, Readonly<EndpointDef>>> = deepFreeze(
  Object.fromEntries(Object.entries(DEFS).map(([id, d]) => [id, { id, ...d }])) as Record<
    EndpointId,
    EndpointDef
  >,
);

const BY_ROUTE = new Map<string, EndpointDef>(
  Object.values(ENDPOINTS).map((e) => [`${e.method} ${e.path}`, e]),
);

/** The endpoint a method + path (without query) names, if okxkit knows it. */
export function findEndpoint(method: string, path: string): EndpointDef | undefined {
  return BY_ROUTE.get(`${method.toUpperCase()} ${path}`);
}

/**
 * The sub-account order limit (docs/OKX-PROTOCOL.md §5): 1000 new + amend orders per 2 s across all
 * instruments, REST and WS together; over it -> 50061.
 */
export const SUB_ACCOUNT_ORDER_LIMIT: Readonly<RateRule> = Object.freeze({
  limit: 1000,
  windowMs: 2000,
  scope: 'user',
  countBy: 'orders',
});

/** The key a rate rule counts under, for a caller identity and a request. */
export function rateKey(
  e: EndpointDef,
  who: { ip?: string; user?: string },
  req: { instId?: string; instType?: string; tag?: string },
): string {
  switch (e.rate.scope) {
    case 'ip':
      return `${e.id}|ip:${who.ip ?? ''}`;
    case 'ip+instType':
      return `${e.id}|ip:${who.ip ?? ''}|${req.instType ?? ''}`;
    case 'user':
      return `${e.id}|u:${who.user ?? ''}`;
    case 'user+instId':
      return `${e.id}|u:${who.user ?? ''}|${req.instId ?? ''}`;
    case 'user+tag':
      return `${e.id}|u:${who.user ?? ''}|${req.tag ?? ''}`;
  }
}
