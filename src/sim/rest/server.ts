import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  ENDPOINTS,
  findEndpoint,
  rateKey,
  SUB_ACCOUNT_ORDER_LIMIT,
  type EndpointDef,
} from '../../protocol/endpoints.js';
import { errorMessage } from '../../protocol/error-codes.js';
import type { Clock, Sleep } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import { adminRequestRefusal, authenticate, normaliseIp } from '../auth.js';
import type { SimMarketApi } from '../contracts.js';
import type { MatchingEngine } from '../engine/engine.js';
import { FAULT_KINDS, type FaultInjector, type FaultSettings } from '../faults.js';
import type { KeyRegistry } from '../keys.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import { lendingRoutes } from './loan-routes.js';
import { privateRoutes } from './private-routes.js';
import { publicRoutes } from './public-routes.js';
import { gatewayError, ok, okxError, type Reply } from './reply.js';

/** A request body over MAX_BODY_BYTES: answered HTTP 500 "Request body too large". */
class BodyTooLargeError extends OkxkitError {
  constructor() {
    super('body too large', { code: 'BODY_TOO_LARGE', hint: `send at most ${MAX_BODY_BYTES} bytes` });
  }
}

export interface RestServerDeps {
  market: SimMarketApi;
  engine: MatchingEngine;
  keys: KeyRegistry;
  /** Server time (includes any injected skew). */
  clock: Clock;
  faults: FaultInjector;
  limiter: SlidingWindowLimiter;
  sleep: Sleep;
  dropWsConnections: () => void;
  /** Sends the 64008 upgrade notice to WS clients (closing them 60 s later); optional for small setups. */
  announceWsUpgrade?: () => void;
}

/** Order endpoints whose response may be lost after execution (accept-then-timeout fault). */
const ORDER_ENDPOINTS = new Set<string>([
  'trade.order',
  'trade.batchOrders',
  'trade.cancelOrder',
  'trade.cancelBatchOrders',
  'trade.amendOrder',
  'trade.amendBatchOrders',
]);
/** New and amended orders count against the sub-account order limit (docs/OKX-PROTOCOL.md §5). */
const SUB_ACCOUNT_COUNTED = new Set<string>([
  'trade.order',
  'trade.batchOrders',
  'trade.amendOrder',
  'trade.amendBatchOrders',
]);
/** A one-order batch counts against the single-order limit (docs/OKX-PROTOCOL.md §5). */
const SINGLE_OF_BATCH: Record<string, string> = {
  'trade.batchOrders': 'trade.order',
  'trade.cancelBatchOrders': 'trade.cancelOrder',
  'trade.amendBatchOrders': 'trade.amendOrder',
};

/** What OKX's gateway answers for a path it does not route (docs/OKX-PROTOCOL.md §4.7). */
const NOT_FOUND: Reply = { status: 404, body: { msg: 'Not Found', code: '404' } };

const KNOWN_PATHS = new Set(Object.values(ENDPOINTS).map((e) => e.path));

const adminSchema = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorKind: z.enum(FAULT_KINDS).optional(),
  rateLimitRate: z.number().min(0).max(1).optional(),
  acceptThenTimeoutRate: z.number().min(0).max(1).optional(),
  clockSkewMs: z.number().optional(),
  dropWsEveryMs: z.number().min(0).optional(),
  wsUpgradeEveryMs: z.number().min(0).optional(),
  noFillInstIds: z.array(z.string().min(1)).optional(),
  reset: z.boolean().optional(),
  clear: z.boolean().optional(),
  dropWs: z.boolean().optional(),
  wsUpgrade: z.boolean().optional(),
});

/** Largest request body the local exchange reads (OKX bodies are small). */
export const MAX_BODY_BYTES = 1_000_000;

/**
 * Reads the body. Past MAX_BODY_BYTES the rest is read and thrown away, so the caller still
 * gets its error reply instead of a reset connection; only a body 16 times the limit (abuse) has
 * its connection cut.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES * 16) {
        req.destroy();
        return;
      }
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new BodyTooLargeError());
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip.startsWith('127.');
}

/** Request identity fields the rate rules count under, from the query or a body item. */
function scopeFields(e: EndpointDef, query: URLSearchParams, item: Record<string, unknown> | undefined) {
  const get = (k: string) => (item && typeof item[k] === 'string' ? item[k] : (query.get(k) ?? undefined));
  return {
    instId: get('instId') ?? (item?.instIdCode !== undefined ? `#${String(item.instIdCode)}` : undefined),
    instType: get('instType'),
    instFamily: get('instFamily'),
    ccy: get('ccy'),
    tag: get('tag'),
  };
}

// long: the request pipeline kept in one place, read in the order a request goes through it
/**
 * The REST side of the local exchange: OKX's gateway checks (route, method, auth, body, rate
 * limits) in OKX's order, then the endpoint. Returns a node:http request listener.
 */
export function createRestHandler(deps: RestServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const pub = { ...publicRoutes(deps.market, deps.clock, deps.engine.derivs), ...lendingRoutes(deps.engine) };
  const priv = privateRoutes(deps.engine, deps.keys, deps.clock, deps.market);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const ip = normaliseIp(req.socket.remoteAddress);

    if (path === '/sim/faults') {
      const refused = adminRequestRefusal(req.headers);
      if (refused) return send(res, { status: 403, body: { code: '403', msg: `/sim/faults: ${refused}` } });
      return send(res, admin(method, ip, rawBody));
    }

    const endpoint = findEndpoint(method, path);
    if (!endpoint) {
      if (KNOWN_PATHS.has(path)) return send(res, gatewayError('50115'));
      return send(res, NOT_FOUND);
    }
    // A catalogued endpoint the local exchange does not serve answers as an unknown path does
    // (docs/OKX-PROTOCOL.md §4.7): before auth and limits, never 50005 (that code says "retired").
    if (!pub[endpoint.id] && !priv[endpoint.id]) return send(res, NOT_FOUND);

    const f = deps.faults.settings;
    if (f.latencyMs > 0) {
      deps.faults.count('latency');
      await deps.sleep(f.latencyMs);
    }
    if (deps.faults.roll(f.rateLimitRate)) {
      deps.faults.count('429 rate limit');
      return send(res, gatewayError('50011'));
    }
    if (deps.faults.roll(f.errorRate)) {
      deps.faults.count(
        f.errorKind === 'http500'
          ? '500 (50026)'
          : f.errorKind === '50001'
            ? '503 (50001)'
            : '429 busy (50013)',
      );
      return send(res, faultReply(f.errorKind));
    }

    deps.engine.checkTimers();
    const reply = await route(endpoint, req, rawUrl, rawBody, query, ip);
    if (reply === undefined) return;
    if (ORDER_ENDPOINTS.has(endpoint.id) && deps.faults.roll(deps.faults.settings.acceptThenTimeoutRate)) {
      // The order was executed; the caller never learns it (docs/OKX-PROTOCOL.md §8: reconcile by clOrdId).
      deps.faults.count('accepted then timed out');
      req.socket.destroy();
      return;
    }
    send(res, reply);
  }

  function faultReply(kind: FaultSettings['errorKind']): Reply {
    if (kind === '50001') return gatewayError('50001');
    if (kind === '50013') return gatewayError('50013');
    return { status: 500, body: { msg: errorMessage('50026'), code: '50026' } };
  }

  function admin(method: string, ip: string, rawBody: Buffer): Reply {
    if (!isLoopback(ip))
      return { status: 403, body: { code: '403', msg: 'The fault admin route is loopback-only' } };
    if (method === 'GET') return ok([{ ...deps.faults.settings }]);
    if (method !== 'POST') return gatewayError('50115');
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8') || '{}');
    } catch {
      return gatewayError('50002');
    }
    const parsed = adminSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        status: 400,
        body: {
          code: '51000',
          msg: `Parameter ${issue.path.join('.') || 'body'} error: ${issue.message}`,
          data: [],
        },
      };
    }
    const { reset, clear, dropWs, wsUpgrade, ...patch } = parsed.data;
    if (reset) deps.faults.reset();
    if (clear) deps.faults.clear();
    deps.faults.set(patch);
    if (dropWs) deps.dropWsConnections();
    if (wsUpgrade) deps.announceWsUpgrade?.();
    return ok([{ ...deps.faults.settings }]);
  }

  async function route(
    endpoint: EndpointDef,
    req: IncomingMessage,
    rawUrl: string,
    rawBody: Buffer,
    query: URLSearchParams,
    ip: string,
  ): Promise<Reply | undefined> {
    if (!endpoint.auth) {
      const fields = scopeFields(endpoint, query, undefined);
      if (!deps.limiter.take(rateKey(endpoint, { ip }, fields), endpoint.rate)) return gatewayError('50011');
      const r = pub[endpoint.id];
      return r ? r(query) : NOT_FOUND;
    }

    const auth = authenticate({
      headers: req.headers,
      method: endpoint.method,
      rawUrl,
      rawBody,
      ip,
      nowMs: deps.clock.now(),
      keys: deps.keys,
      permission: endpoint.permission,
    });
    if (!auth.ok) return gatewayError(auth.code, ...(auth.params ?? []));
    const key = auth.key;

    let body: unknown;
    if (endpoint.method === 'POST') {
      const ct = String(req.headers['content-type'] ?? '').toLowerCase();
      if (!ct.includes('application/json')) return gatewayError('50006');
      const text = rawBody.toString('utf8');
      if (text.trim() === '') return gatewayError('50000');
      try {
        body = JSON.parse(text);
      } catch {
        return gatewayError('50002');
      }
    }

    const limited = applyRateLimits(deps.limiter, endpoint, key.account, query, body);
    if (limited) return limited;

    const r = priv[endpoint.id];
    if (!r) return NOT_FOUND;
    return r({ key, query, body, headers: req.headers });
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      const msg = err instanceof BodyTooLargeError ? 'Request body too large' : errorMessage('50026');
      send(res, { status: 500, body: { msg, code: '50026' } });
    });
  };
}

/**
 * Per-endpoint rules (per instId for trading, counting orders for batches), then the
 * sub-account order limit; shared by REST and WS order ops (docs/OKX-PROTOCOL.md §5). A refusal spends nothing
 * on the rule that refused.
 */
export function applyRateLimits(
  limiter: SlidingWindowLimiter,
  endpoint: EndpointDef,
  user: string,
  query: URLSearchParams,
  body: unknown,
): Reply | undefined {
  const items = Array.isArray(body)
    ? (body.filter((x) => x && typeof x === 'object') as Record<string, unknown>[])
    : body && typeof body === 'object'
      ? [body as Record<string, unknown>]
      : [undefined];
  let rule = endpoint;
  if (endpoint.batch && items.length === 1)
    rule = ENDPOINTS[SINGLE_OF_BATCH[endpoint.id] as keyof typeof ENDPOINTS] ?? endpoint;
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = rateKey(rule, { user }, scopeFields(endpoint, query, item));
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const takes = [...counts].map(([key, n]) => ({ key, rule: rule.rate, n: endpoint.batch ? n : 1 }));
  if (!limiter.takeAll(takes)) return gatewayError('50011');
  if (SUB_ACCOUNT_COUNTED.has(endpoint.id)) {
    const n = Array.isArray(body) ? body.length : 1;
    if (!limiter.take(`sub-account-orders|u:${user}`, SUB_ACCOUNT_ORDER_LIMIT, n)) return okxError('50061');
  }
  return undefined;
}
