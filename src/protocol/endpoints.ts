/**
 * The OKX V5 REST endpoint catalogue, as data: method, path, whether it is signed, the key
 * permission it needs, the rate-limit rule OKX applies, expTime support and how it pages. One
 * file per OKX documentation section under `endpoints/`. The client's limiter, its generated
 * methods, the read-only policy and the local exchange's limiter all read this table, so they
 * agree by construction (docs/ENDPOINTS.md).
 */
import { ACCOUNT } from './endpoints/account.js';
import { ALGO } from './endpoints/algo.js';
import { ASSET } from './endpoints/asset.js';
import { FINANCE } from './endpoints/finance.js';
import { MARKET } from './endpoints/market.js';
import { PUBLIC } from './endpoints/public.js';
import { RUBIK } from './endpoints/rubik.js';
import { per2s, type EndpointSpec, type RateRule } from './endpoints/rules.js';
import { SUBACCOUNT } from './endpoints/subaccount.js';
import { TRADE } from './endpoints/trade.js';

export type {
  EndpointSpec,
  Method,
  Paging,
  Permission,
  RateRule,
  RateScope,
  Section,
} from './endpoints/rules.js';

const DEFS = {
  ...PUBLIC,
  ...MARKET,
  ...RUBIK,
  ...TRADE,
  ...ALGO,
  ...ACCOUNT,
  ...ASSET,
  ...SUBACCOUNT,
  ...FINANCE,
} as const satisfies Record<string, EndpointSpec>;

export type EndpointId = keyof typeof DEFS;

export interface EndpointDef extends EndpointSpec {
  id: EndpointId;
}

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

/**
 * The rule `client.request` applies to a path the catalogue does not know: lower than any
 * catalogued read rule of its kind except the 1-per-window ones, so an uncatalogued call cannot
 * starve its neighbours. Counted per user (signed) or per IP (public).
 */
export const UNCATALOGUED_SIGNED_RULE: RateRule = per2s(5, 'user');
export const UNCATALOGUED_PUBLIC_RULE: RateRule = per2s(5, 'ip');

/** Request fields a rate rule may count under. */
export interface RateFields {
  instId?: string;
  instType?: string;
  instFamily?: string;
  ccy?: string;
  tag?: string;
}

/** The key a rate rule counts under, for a caller identity and a request. */
export function rateKey(
  e: { id: string; rate: RateRule },
  who: { ip?: string; user?: string },
  req: RateFields,
): string {
  const ip = `${e.id}|ip:${who.ip ?? ''}`;
  const user = `${e.id}|u:${who.user ?? ''}`;
  switch (e.rate.scope) {
    case 'ip':
      return ip;
    case 'ip+instType':
      return `${ip}|${req.instType ?? ''}`;
    case 'ip+instId':
      return `${ip}|${req.instId ?? ''}`;
    case 'ip+instFamily':
      return `${ip}|${req.instFamily ?? ''}`;
    case 'user':
      return user;
    case 'user+instId':
      return `${user}|${req.instId ?? ''}`;
    case 'user+instFamily':
      return `${user}|${req.instFamily ?? ''}`;
    case 'user+ccy':
      return `${user}|${req.ccy ?? ''}`;
    case 'user+tag':
      return `${user}|${req.tag ?? ''}`;
  }
}
