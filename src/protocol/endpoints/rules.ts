/**
 * The shape of one catalogue entry and the helpers the per-section files use to write them
 * compactly. Pure data, no I/O (docs/ENDPOINTS.md describes the fields).
 */
export type Method = 'GET' | 'POST';
/** What an API key needs for an endpoint: OKX's three key permissions. Public endpoints have none. */
export type Permission = 'read' | 'trade' | 'withdraw';

/**
 * Who a limit is counted for. Public: per IP (some also per instrument type, instrument or
 * family); private: per user (each sub-account is its own user), trading per user and instrument;
 * funding transfers per user and currency; cancel-all-after per user and tag.
 */
export type RateScope =
  | 'ip'
  | 'ip+instType'
  | 'ip+instId'
  | 'ip+instFamily'
  | 'user'
  | 'user+instId'
  | 'user+instFamily'
  | 'user+ccy'
  | 'user+tag';

export interface RateRule {
  /** Requests (or orders, for batch endpoints) allowed per window. */
  limit: number;
  windowMs: number;
  scope: RateScope;
  /** Batch order endpoints count each order in the body, not each request. */
  countBy: 'request' | 'orders';
}

/** The OKX documentation section an endpoint is listed under. */
export type Section =
  'trade' | 'algo' | 'account' | 'asset' | 'market' | 'public' | 'rubik' | 'subaccount' | 'finance';

/**
 * How a list endpoint pages: OKX's `after` / `before` cursors. `after=c` returns rows older than
 * the cursor, `before=c` rows newer than it, newest first. `cursor` names the row field holding
 * the cursor value (a number: the index in an array row, e.g. 0 for a candle's ts).
 */
export interface Paging {
  kind: 'after-before';
  cursor: string | number;
  /** Largest `limit` OKX accepts. */
  maxLimit: number;
}

export interface EndpointSpec {
  method: Method;
  path: string;
  auth: boolean;
  permission?: Permission;
  rate: RateRule;
  section: Section;
  /** Body is a JSON array of items (batch endpoints), each with its own instId. */
  batch?: boolean;
  /** Maximum items in a batch body. */
  maxBatch?: number;
  /** Supports the expTime header (a request older than it is rejected unprocessed). */
  expTime?: boolean;
  paging?: Paging;
  /** Deprecated by OKX but still answered; kept so existing callers work. */
  deprecated?: boolean;
}

export const SECOND = 1000;
export const DAY = 86_400_000;

export function r(
  limit: number,
  windowMs: number,
  scope: RateScope,
  countBy: RateRule['countBy'] = 'request',
): RateRule {
  return { limit, windowMs, scope, countBy };
}
/** `n` per 2 s, OKX's most common window. */
export const per2s = (n: number, scope: RateScope, countBy: RateRule['countBy'] = 'request') =>
  r(n, 2 * SECOND, scope, countBy);
export const per1s = (n: number, scope: RateScope) => r(n, SECOND, scope);

/** Paging by `after` / `before` on a row field, up to `maxLimit` rows a page. */
export const paged = (cursor: string | number, maxLimit = 100): Paging => ({
  kind: 'after-before',
  cursor,
  maxLimit,
});

type Extra = Pick<EndpointSpec, 'batch' | 'maxBatch' | 'expTime' | 'paging' | 'deprecated'>;

/** Builders that stamp the section and the /api/v5 prefix on each entry. */
export function sectionOf(section: Section) {
  const mk = (
    method: Method,
    path: string,
    auth: boolean,
    permission: Permission | undefined,
    rate: RateRule,
    extra: Extra,
  ): EndpointSpec => ({
    method,
    path: `/api/v5/${path}`,
    auth,
    ...(permission ? { permission } : {}),
    rate,
    section,
    ...extra,
  });
  return {
    /** A public GET (no key). */
    pub: (path: string, rate: RateRule, extra: Extra = {}) => mk('GET', path, false, undefined, rate, extra),
    /** A signed GET. */
    get: (path: string, permission: Permission, rate: RateRule, extra: Extra = {}) =>
      mk('GET', path, true, permission, rate, extra),
    /** A signed POST. */
    post: (path: string, permission: Permission, rate: RateRule, extra: Extra = {}) =>
      mk('POST', path, true, permission, rate, extra),
  };
}
