import { createHash, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { z } from 'zod';
import {
  ENDPOINTS,
  SUB_ACCOUNT_ORDER_LIMIT,
  UNCATALOGUED_PUBLIC_RULE,
  UNCATALOGUED_SIGNED_RULE,
  findEndpoint,
  rateKey,
  type EndpointDef,
  type EndpointId,
  type Permission,
} from '../protocol/endpoints.js';
import { errorInfo } from '../protocol/error-codes.js';
import { hostsFor, type Site } from '../protocol/hosts.js';
import { AccessPolicy, DEFAULT_POLICY } from '../protocol/policy.js';
import { isoTimestamp, prepareSecret, signRequest } from '../protocol/sign.js';
import { itemResultSchema } from '../protocol/schemas/common.js';
import { serverTimeSchema, type ServerTime } from '../protocol/schemas/public.js';
import { realSleep, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { ValidationError, errorCode } from '../util/errors.js';
import { buildApi, type ApiRequest, type ApiRow, type GeneratedApi } from './api.js';
import { paginate, type PageOptions } from './paginate.js';
import { maskKey, silentLogger, type Logger } from '../util/logger.js';
import type { CallSpec, DataKind, Query, RestCaller } from './caller.js';
import { ClockSync, describeDrift, PLAUSIBLE_SERVER_MS } from './clock-sync.js';
import type { Credentials } from './credentials.js';
import {
  OkxApiError,
  OkxBatchError,
  OkxBusyError,
  OkxCredentialsRequiredError,
  OkxEndpointNotFoundError,
  OkxNetworkError,
  OkxReadOnlyError,
  OkxSchemaError,
  OkxTimeoutError,
  OkxWithdrawNotAllowedError,
  apiErrorFor,
  type ItemOutcome,
} from './errors.js';
import { RateLimiter, type RatePressureEvent, type RequestLimiter } from './rate-limiter.js';
import { logRequest } from './request-log.js';
import { backoffDelay, retryPolicy, type RetryPolicy } from './retry.js';
import { Transport } from './transport.js';
import { AccountApi } from './groups/account.js';
import { AssetApi } from './groups/asset.js';
import { MarketApi } from './groups/market.js';
import { PublicApi } from './groups/public.js';
import { TradeApi } from './groups/trade.js';

/** Options of `OkxClient`: where it connects (site, demo or any base URL), its credentials, clock, retries and rate limits. */
export interface OkxClientOptions {
  /** Any URL (e.g. the local exchange); default hostsFor(site, demo).rest. */
  baseUrl?: string;
  site?: Site;
  /** Demo trading: sends x-simulated-trading: 1 (docs/OKX-PROTOCOL.md §1.2). */
  demo?: boolean;
  /** Required for private endpoints. */
  credentials?: Credentials;
  /**
   * Refuses every trade- or withdraw-permission endpoint locally, before signing. Adds to the
   * credentials' own policy (`credentials.policy`); nothing here can loosen it.
   */
  readOnly?: boolean;
  /**
   * Withdrawal endpoints (permission 'withdraw': asset/withdrawal, withdrawal-lightning,
   * cancel-withdrawal) are refused locally unless this is true; read-only refuses them anyway.
   */
  allowWithdraw?: boolean;
  clock?: Clock;
  sleep?: Sleep;
  /** pino logger for the request log; default silent. */
  logger?: Logger;
  /** http(s) proxy URL. */
  proxy?: string;
  /** Per request; default 10_000. */
  timeoutMs?: number;
  /** Client-side limiter; default true. */
  rateLimit?: boolean;
  /**
   * Share one limiter between clients using the same key: an in-process {@link RateLimiter}, or
   * a limiter shared by several processes (e.g. on Redis) with the same contract.
   */
  limiter?: RequestLimiter;
  retry?: Partial<RetryPolicy>;
  /** Uniform [0,1) source for backoff jitter; default Math.random (tests pass a seeded one). */
  random?: () => number;
  /** Fires when a rate rule goes above 80% use. */
  onRateLimitPressure?: (e: RatePressureEvent) => void;
  /**
   * Fires once per HTTP attempt with what the request log carries (no secret, no body), plus the
   * endpoint's catalogue label: for metrics. A throwing listener is ignored.
   */
  onRequest?: (e: RequestEvent) => void;
}

/** One HTTP attempt as `onRequest` reports it. */
export interface RequestEvent {
  /** The endpoint as catalogued, e.g. "GET /api/v5/market/ticker" (no query string). */
  endpoint: string;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
  /** OKX code of the answer ("0" on success). */
  okxCode?: string;
  /** The network failure's code when no answer arrived. */
  error?: string;
  latencyMs: number;
  attempt: number;
}

interface EndpointRuntime {
  def: Pick<EndpointDef, 'method' | 'path' | 'auth' | 'permission' | 'rate' | 'batch' | 'expTime'> & {
    id: string;
  };
  label: string;
  write: boolean;
  /** The permission the policy refuses this endpoint for, if any. */
  refused: Permission | undefined;
  /** A withdrawal endpoint on a client built without allowWithdraw. */
  withdrawBlocked: boolean;
  /** Rule whose key a 1-order batch counts against (docs/OKX-PROTOCOL.md §5). */
  singleId?: EndpointId;
  /** New and amended orders also count against the sub-account order limit (docs/OKX-PROTOCOL.md §5). */
  subAccountLimit: boolean;
}

const SINGLE_OF: Partial<Record<EndpointId, EndpointId>> = {
  'trade.batchOrders': 'trade.order',
  'trade.cancelBatchOrders': 'trade.cancelOrder',
  'trade.amendBatchOrders': 'trade.amendOrder',
};
const SUB_LIMITED = new Set<EndpointId>([
  'trade.order',
  'trade.batchOrders',
  'trade.amendOrder',
  'trade.amendBatchOrders',
]);
const NETWORK_TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Failures before any byte of the request left this machine: nothing can have happened on the exchange. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The OKX V5 REST client. One request: read-only check -> query string / body built once ->
 * rate limiter -> clock-corrected timestamp -> signature over exactly those bytes -> send ->
 * envelope and schema check -> typed result or typed error. Only what is safe is retried: reads
 * on network errors, timeouts, 5xx and throttling; writes only when OKX throttled them before
 * acting (50011). A write with an unknown outcome throws an ambiguous error and is never resent.
 */
export class OkxClient implements RestCaller {
  readonly baseUrl: string;
  readonly site: Site;
  readonly demo: boolean;
  readonly readOnly: boolean;
  /** The access policy every request is checked against: the credentials' own, plus `readOnly`. */
  readonly policy: AccessPolicy;
  readonly allowWithdraw: boolean;
  /** Every catalogued endpoint as a typed method, grouped by OKX section (src/client/api.ts). */
  readonly api: GeneratedApi;
  readonly public: PublicApi;
  readonly market: MarketApi;
  readonly account: AccountApi;
  readonly asset: AssetApi;
  readonly trade: TradeApi;

  readonly #secret: KeyObject | undefined;
  readonly #passphrase: string;
  readonly #apiKey: string;
  readonly #maskedKey: string | undefined;
  /** Identity rate limits count under: derived from the key, never the key itself. */
  readonly #user: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #logger: Logger;
  readonly #limiter: RequestLimiter | undefined;
  readonly #clockSync: ClockSync;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #onRequest: ((e: RequestEvent) => void) | undefined;
  readonly #endpoints = new Map<EndpointId, EndpointRuntime>();

  constructor(opts: OkxClientOptions = {}) {
    this.site = opts.site ?? 'global';
    if (!['global', 'eea', 'us'].includes(this.site)) {
      throw new ValidationError('site', `unknown site '${String(this.site)}'`, "use 'global', 'eea' or 'us'");
    }
    this.demo = opts.demo ?? false;
    this.policy = (opts.credentials?.policy ?? DEFAULT_POLICY).restrict({ readOnly: opts.readOnly === true });
    this.readOnly = this.policy.readOnly;
    // Withdrawals: an explicit opt-in, by the credentials' policy (a profile that allows them) or
    // by this client's `allowWithdraw`; never under read-only.
    this.allowWithdraw = !this.policy.readOnly && (this.policy.allowWithdraw || opts.allowWithdraw === true);
    this.baseUrl = opts.baseUrl ?? hostsFor(this.site, this.demo).rest;
    try {
      new URL(this.baseUrl);
    } catch {
      throw new ValidationError(
        'baseUrl',
        `'${this.baseUrl}' is not a URL`,
        'use e.g. https://www.okx.com or http://127.0.0.1:8080',
      );
    }
    if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) {
      throw new ValidationError('timeoutMs', 'must be a positive number of milliseconds');
    }
    this.#secret = opts.credentials ? prepareSecret(opts.credentials.revealSecret()) : undefined;
    this.#passphrase = opts.credentials?.revealPassphrase() ?? '';
    this.#apiKey = opts.credentials?.apiKey ?? '';
    this.#maskedKey = opts.credentials ? maskKey(opts.credentials.apiKey) : undefined;
    this.#user = opts.credentials
      ? createHash('sha256').update(opts.credentials.apiKey).digest('hex').slice(0, 16)
      : '';
    this.#clock = opts.clock ?? systemClock;
    this.#sleep = opts.sleep ?? realSleep;
    this.#logger = opts.logger ?? silentLogger;
    this.#clockSync = new ClockSync(this.#clock);
    this.#retry = retryPolicy(opts.retry);
    this.#random = opts.random ?? Math.random;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#onRequest = opts.onRequest;
    const userPressure = opts.onRateLimitPressure;
    this.#limiter =
      opts.rateLimit === false
        ? undefined
        : (opts.limiter ??
          new RateLimiter({
            clock: this.#clock,
            sleep: this.#sleep,
            holdUntilRelease: true,
            onPressure: (e) => {
              this.#logger.warn(e, 'okx rate limit above 80% of the rule');
              userPressure?.(e);
            },
          }));
    this.#transport = new Transport(this.baseUrl, { proxy: opts.proxy, timeoutMs: this.#timeoutMs });
    for (const def of Object.values(ENDPOINTS)) {
      this.#endpoints.set(def.id, {
        def,
        label: `${def.method} ${def.path}`,
        write: def.method === 'POST',
        refused: this.refusalOf(def),
        withdrawBlocked: def.permission === 'withdraw' && !this.allowWithdraw,
        singleId: SINGLE_OF[def.id],
        subAccountLimit: SUB_LIMITED.has(def.id),
      });
    }
    this.public = new PublicApi(this);
    this.market = new MarketApi(this);
    this.account = new AccountApi(this);
    this.asset = new AssetApi(this);
    this.trade = new TradeApi(this);
    this.api = buildApi(this);
  }

  /** server time - local time, ms, as last measured (0 before any measurement). */
  get clockOffsetMs(): number {
    return this.#clockSync.offsetMs;
  }

  /** +- bound on clockOffsetMs, ms (half the round trip of the sample it comes from); Infinity before any measurement. */
  get clockErrorMs(): number {
    return this.#clockSync.errorMs;
  }

  /** Server time estimate, ms: use it for expTime deadlines. */
  serverNow(): number {
    return this.#clockSync.now();
  }

  /**
   * Measures the clock offset from GET /api/v5/public/time the way NTP does: `samples` round
   * trips (default 4), the fastest recent one wins, and its half round trip is the error bound
   * (`clockErrorMs`). Every signed timestamp and expTime uses the offset. A server time that
   * cannot be right (before 2015 or after 2100) is refused with a schema error, never adopted.
   */
  syncClock(opts: { samples?: number } = {}): Promise<{ offsetMs: number; rttMs: number; errorMs: number }> {
    // One measurement at a time: callers that ask while one runs (many orders hitting 50102 at
    // once) share it instead of queueing their own samples behind the /public/time rate limit.
    if (this.#syncing) return this.#syncing;
    const run = this.#measureClock(opts).finally(() => (this.#syncing = undefined));
    this.#syncing = run;
    return run;
  }

  #syncing: Promise<{ offsetMs: number; rttMs: number; errorMs: number }> | undefined;

  async #measureClock(opts: {
    samples?: number;
  }): Promise<{ offsetMs: number; rttMs: number; errorMs: number }> {
    const n = Math.max(1, Math.trunc(opts.samples ?? 4));
    let r = this.#clockSync.estimate();
    let lastErr: unknown;
    let got = 0;
    for (let i = 0; i < n; i++) {
      const timing = { sentAt: 0, receivedAt: 0 };
      let data: ServerTime[];
      try {
        data = await this.#call('public.time', {}, serverTimeArray, 'data', timing);
      } catch (err) {
        // One lost sample does not spoil the others; all lost is an error.
        lastErr = err;
        continue;
      }
      const first = data[0];
      if (!first)
        throw new OkxSchemaError('GET /api/v5/public/time', 'data', 'expected one element, got none', 200);
      const serverMs = Number(first.ts);
      if (!(serverMs >= PLAUSIBLE_SERVER_MS.min && serverMs <= PLAUSIBLE_SERVER_MS.max))
        throw new OkxSchemaError(
          'GET /api/v5/public/time',
          'data[0].ts',
          `server time ${first.ts} ms is not a date between 2015 and 2100, so it cannot be right; the clock offset was not changed`,
          200,
        );
      r = this.#clockSync.record(timing.sentAt, timing.receivedAt, serverMs);
      got++;
    }
    if (got === 0) throw lastErr;
    if (Math.abs(r.offsetMs) >= 1000) {
      this.#logger.warn(
        { offsetMs: r.offsetMs, rttMs: r.rttMs, errorMs: r.errorMs },
        `clock drift: ${describeDrift(r.offsetMs)}; okxkit corrects signed timestamps, but sync the system clock with NTP`,
      );
    }
    return r;
  }

  call<T>(id: EndpointId, spec: CallSpec, schema: z.ZodType<T[]>, kind: DataKind = 'data'): Promise<T[]> {
    return this.#call(id, spec, schema, kind, undefined);
  }

  /**
   * Any V5 endpoint by method and path, e.g. `request('GET', '/api/v5/finance/savings/balance')`.
   * A catalogued path goes through its own entry (rule, permission, read-only and withdrawal
   * policy). Any other path is signed when the client has credentials, limited at a conservative
   * 5 per 2 s, envelope-checked and answered with typed errors like every call; in read-only mode
   * an uncatalogued POST is refused (its permission is unknown), and an uncatalogued POST whose
   * path names a withdrawal needs allowWithdraw. Resolves to `data` (validated by `schema` if given).
   */
  async request<T = unknown>(
    method: 'GET' | 'POST',
    path: string,
    params?: Record<string, unknown> | unknown[],
    opts: { schema?: z.ZodType<T[]>; expTime?: number } = {},
  ): Promise<T[]> {
    const m = String(method).toUpperCase();
    if (m !== 'GET' && m !== 'POST')
      throw new ValidationError(
        'method',
        `'${String(method)}' is not GET or POST`,
        'OKX V5 uses GET and POST only',
      );
    if (typeof path !== 'string' || !/^\/api\/v5\/[A-Za-z0-9/_-]+$/.test(path))
      throw new ValidationError(
        'path',
        `'${String(path)}' is not an OKX V5 path`,
        "use the path without host or query, e.g. '/api/v5/account/balance'; pass parameters separately",
      );
    if (m === 'GET' && Array.isArray(params))
      throw new ValidationError('params', 'a GET takes an object of query parameters, not an array');
    const schema = opts.schema ?? (anyArray as unknown as z.ZodType<T[]>);
    const spec: CallSpec =
      m === 'GET' ? { query: (params ?? {}) as Query } : { body: params ?? {}, expTime: opts.expTime };
    const known = findEndpoint(m, path);
    if (known) return this.#call(known.id, spec, schema, 'data', undefined);
    const auth = this.#secret !== undefined;
    const write = m === 'POST';
    const withdrawal = write && /withdraw/i.test(path);
    const def: EndpointDef = {
      id: `request:${m} ${path}` as EndpointId,
      method: m,
      path,
      auth,
      permission: auth ? (withdrawal ? 'withdraw' : write ? 'trade' : 'read') : undefined,
      rate: auth ? UNCATALOGUED_SIGNED_RULE : UNCATALOGUED_PUBLIC_RULE,
    } as EndpointDef;
    const ep: EndpointRuntime = {
      def,
      label: `${m} ${path}`,
      write,
      // the same policy as every catalogued endpoint; a signed POST counts as a trade at least
      refused: this.refusalOf(def) ?? (this.readOnly && write ? 'trade' : undefined),
      withdrawBlocked: withdrawal && !this.allowWithdraw,
      subAccountLimit: false,
    };
    return this.#run(ep, spec, schema, 'data', undefined);
  }

  /** Rows of a paged endpoint across pages (after/before cursors), bounded by maxPages / maxItems. */
  paginate<Id extends EndpointId>(
    id: Id,
    params: ApiRequest<Id>,
    opts?: PageOptions,
  ): AsyncGenerator<ApiRow<Id>> {
    return paginate(this, id, params, opts);
  }

  /** paginate, collected into one array. */
  async fetchAll<Id extends EndpointId>(
    id: Id,
    params: ApiRequest<Id>,
    opts?: PageOptions,
  ): Promise<ApiRow<Id>[]> {
    const out: ApiRow<Id>[] = [];
    for await (const r of paginate(this, id, params, opts)) out.push(r);
    return out;
  }

  /** Closes the keep-alive connections. */
  /**
   * What the policy refuses for an endpoint. A withdrawal outside read-only is this client's own
   * gate (`withdrawBlocked`, OkxWithdrawNotAllowedError), not a read-only refusal.
   */
  private refusalOf(def: EndpointDef): Permission | undefined {
    const r = this.policy.refusesEndpoint(def);
    return r === 'withdraw' && !this.policy.readOnly ? undefined : r;
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  toString(): string {
    return `OkxClient(${this.baseUrl}${this.demo ? ', demo' : ''}${this.#maskedKey ? `, key ${this.#maskedKey}` : ''})`;
  }
  toJSON(): Record<string, unknown> {
    return {
      baseUrl: this.baseUrl,
      site: this.site,
      demo: this.demo,
      readOnly: this.readOnly,
      key: this.#maskedKey,
    };
  }
  [inspect.custom](): string {
    return this.toString();
  }

  async #call<T>(
    id: EndpointId,
    spec: CallSpec,
    schema: z.ZodType<T[]>,
    kind: DataKind,
    timing: { sentAt: number; receivedAt: number } | undefined,
  ): Promise<T[]> {
    const ep = this.#endpoints.get(id);
    if (ep === undefined) throw new ValidationError('endpoint', `unknown endpoint id '${id}'`);
    return this.#run(ep, spec, schema, kind, timing);
  }

  // long: one request lifecycle (refuse, encode, sign, send, retry, clock resync) whose retry rules depend on each other
  async #run<T>(
    ep: EndpointRuntime,
    spec: CallSpec,
    schema: z.ZodType<T[]>,
    kind: DataKind,
    timing: { sentAt: number; receivedAt: number } | undefined,
  ): Promise<T[]> {
    const def = ep.def;
    const id = def.id;
    // Refuse before anything is built or signed (docs/REQUIREMENTS.md R6 read-only mode; withdrawals need allowWithdraw).
    if (ep.refused !== undefined) throw new OkxReadOnlyError(ep.label, ep.refused);
    if (ep.withdrawBlocked) throw new OkxWithdrawNotAllowedError(ep.label);
    if (def.auth && this.#secret === undefined) throw new OkxCredentialsRequiredError(ep.label);

    // Encode once; the same strings are signed and sent (docs/OKX-PROTOCOL.md §1.1).
    const qs = spec.query === undefined ? '' : encodeQuery(spec.query);
    const path = qs === '' ? def.path : `${def.path}?${qs}`;
    const body = ep.write ? JSON.stringify(spec.body ?? {}) : undefined;

    let resynced = false;
    let attempt = 0;
    for (;;) {
      const held = this.#limiter === undefined ? undefined : await this.#acquire(ep, spec);
      const headers = this.#headers(def, path, body, spec.expTime);
      const started = this.#clock.now();
      let status: number;
      let text: string;
      try {
        const sent = this.#transport.send(def.method, path, headers, body);
        const res = await (held === undefined ? sent : sent.finally(() => this.#release(held)));
        status = res.status;
        text = res.text;
      } catch (err) {
        const e = this.#networkError(ep, err);
        logRequest(this.#logger, {
          method: def.method,
          path,
          latencyMs: this.#clock.now() - started,
          key: this.#maskedKey,
          attempt,
          error: e.code,
        });
        this.#report({
          endpoint: ep.label,
          error: e.code,
          latencyMs: this.#clock.now() - started,
          attempt,
        });
        // A write that may have reached OKX is never resent (docs/REQUIREMENTS.md R11); a read is.
        if (!ep.write && attempt < this.#retry.maxRetries) {
          await this.#sleep(backoffDelay(attempt++, this.#retry, this.#random));
          continue;
        }
        throw e;
      }
      const ended = this.#clock.now();
      if (timing !== undefined) {
        timing.sentAt = started;
        timing.receivedAt = ended;
      }

      let outcome: { data: T[] } | { error: OkxApiError | OkxSchemaError };
      try {
        outcome = this.#interpret(ep, status, text, schema, kind);
      } catch (err) {
        // interpret returns errors; a throw here is a bug in a schema refinement: still typed.
        outcome = { error: unreadable(ep, '', String(err), status, err) };
      }
      if (this.#logger.isLevelEnabled('info'))
        logRequest(this.#logger, {
          method: def.method,
          path,
          status,
          okxCode: 'error' in outcome ? outcome.error.code : '0',
          latencyMs: ended - started,
          key: this.#maskedKey,
          attempt,
        });
      this.#report({
        endpoint: ep.label,
        status,
        okxCode: 'error' in outcome ? outcome.error.code : '0',
        latencyMs: ended - started,
        attempt,
      });
      if ('data' in outcome) return outcome.data;

      const error = outcome.error;
      if (error instanceof OkxSchemaError) throw error;
      // 50102: re-measure the offset and try once more; the request was rejected at the gateway.
      if (error.code === '50102' && def.auth && !resynced && id !== 'public.time') {
        resynced = true;
        try {
          // The offset in force was wrong: start the estimate afresh (unless a sync is under way).
          if (!this.#syncing) this.#clockSync.reset();
          await this.syncClock();
        } catch {
          throw this.#withDriftHint(error);
        }
        continue;
      }
      if (error.code === '50102') throw this.#withDriftHint(error);
      if (error.retryable && attempt < this.#retry.maxRetries) {
        await this.#sleep(backoffDelay(attempt++, this.#retry, this.#random));
        continue;
      }
      throw error;
    }
  }

  #report(e: RequestEvent): void {
    if (this.#onRequest === undefined) return;
    try {
      this.#onRequest(e);
    } catch {
      // a metrics listener never breaks a request
    }
  }

  #headers(
    def: EndpointRuntime['def'],
    path: string,
    body: string | undefined,
    expTime: number | undefined,
  ): Record<string, string> {
    let headers: Record<string, string>;
    if (def.auth) {
      const ts = isoTimestamp(this.#clockSync.now());
      headers = {
        'OK-ACCESS-KEY': this.#apiKey,
        'OK-ACCESS-SIGN': signRequest({
          timestamp: ts,
          method: def.method,
          requestPath: path,
          body: body ?? '',
          secretKey: this.#secret!,
        }),
        'OK-ACCESS-TIMESTAMP': ts,
        'OK-ACCESS-PASSPHRASE': this.#passphrase,
        'Content-Type': 'application/json',
      };
    } else {
      headers = { 'Content-Type': 'application/json' };
    }
    if (this.demo) headers['x-simulated-trading'] = '1';
    if (expTime !== undefined && def.expTime) headers['expTime'] = String(Math.trunc(expTime));
    return headers;
  }

  /** The response (or failure) is in: the exchange has counted the request by now (see RateLimiterOptions.holdUntilRelease). */
  #release(held: Array<[string, number]> | undefined): void {
    if (held === undefined) return;
    for (const [key, n] of held) this.#limiter!.release(key, n);
  }

  /** Waits for capacity under every rule the request counts against; returns what it took, to release later. */
  async #acquire(ep: EndpointRuntime, spec: CallSpec): Promise<Array<[string, number]>> {
    const limiter = this.#limiter!;
    const def = ep.def;
    const who = { user: this.#user };
    const held: Array<[string, number]> = [];
    if (def.batch && Array.isArray(spec.body)) {
      const items = spec.body as Array<{ instId?: unknown }>;
      // Batch rules count orders per instrument (docs/OKX-PROTOCOL.md §5); a 1-order batch counts as a single call.
      const target = items.length === 1 && ep.singleId ? this.#endpoints.get(ep.singleId)!.def : def;
      const groups = new Map<string, number>();
      for (const it of items) {
        const inst = typeof it?.instId === 'string' ? it.instId : '';
        groups.set(inst, (groups.get(inst) ?? 0) + 1);
      }
      for (const [instId, n] of groups) {
        const key = rateKey(target, who, { instId });
        const w = limiter.acquire(key, target.rate, n, ep.label);
        if (w) await w;
        held.push([key, n]);
      }
      if (ep.subAccountLimit) {
        const key = `sub|u:${this.#user}`;
        const w = limiter.acquire(key, SUB_ACCOUNT_ORDER_LIMIT, items.length, ep.label);
        if (w) await w;
        held.push([key, items.length]);
      }
      return held;
    }
    const src = (def.method === 'GET' ? spec.query : spec.body) as Record<string, unknown> | undefined;
    const req = {
      instId: typeof src?.instId === 'string' ? src.instId : undefined,
      instType: typeof src?.instType === 'string' ? src.instType : undefined,
      instFamily: typeof src?.instFamily === 'string' ? src.instFamily : undefined,
      ccy: typeof src?.ccy === 'string' ? src.ccy : undefined,
      tag: typeof src?.tag === 'string' ? src.tag : undefined,
    };
    const key = rateKey(def, who, req);
    const w = limiter.acquire(key, def.rate, 1, ep.label);
    if (w) await w;
    held.push([key, 1]);
    if (ep.subAccountLimit) {
      const subKey = `sub|u:${this.#user}`;
      const s = limiter.acquire(subKey, SUB_ACCOUNT_ORDER_LIMIT, 1, ep.label);
      if (s) await s;
      held.push([subKey, 1]);
    }
    return held;
  }

  // long: every way an OKX answer can fail (HTTP, envelope code, per-item sCode, schema) mapped to one typed error, in precedence order
  #interpret<T>(
    ep: EndpointRuntime,
    status: number,
    text: string,
    schema: z.ZodType<T[]>,
    kind: DataKind,
  ): { data: T[] } | { error: OkxApiError | OkxSchemaError } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (status >= 500 || status === 429) return { error: this.#httpError(ep, status) };
      return {
        error: unreadable(
          ep,
          '',
          text.trim() === ''
            ? `the body is empty (HTTP ${status})`
            : `the body is not JSON (HTTP ${status}, ${text.length} bytes)`,
          status,
        ),
      };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {
        error: unreadable(ep, '', `expected a JSON object envelope, got ${describe(parsed)}`, status),
      };
    }
    const env = parsed as { code?: unknown; msg?: unknown; data?: unknown };
    if (typeof env.code !== 'string') {
      if (status >= 500 || status === 429) return { error: this.#httpError(ep, status) };
      return {
        error: unreadable(ep, 'code', `expected a string, got ${describe(env.code)}`, status),
      };
    }
    if (env.code === '0' && (status < 200 || status > 299)) {
      // "code 0" says success, the status says failure: one of them is wrong, so neither is believed.
      if (status >= 500 || status === 429) return { error: this.#httpError(ep, status) };
      return {
        error: unreadable(ep, 'code', `code "0" (success) on HTTP ${status} cannot be right`, status),
      };
    }
    const msg = typeof env.msg === 'string' ? env.msg : '';
    if (status === 404 && env.code !== '0') {
      // The gateway routed nothing (docs/OKX-PROTOCOL.md §4.7): not executed, so never ambiguous.
      return {
        error: new OkxEndpointNotFoundError({
          code: env.code,
          msg,
          httpStatus: status,
          endpoint: ep.label,
          retryable: false,
          ambiguous: false,
          hint: `OKX does not serve ${ep.label}: check the method and the path against the OKX V5 docs (a removed endpoint answers this too).`,
        }),
      };
    }

    if (env.code === '0') {
      const r = schema.safeParse(env.data);
      if (!r.success) return { error: schemaError(ep, r.error, status) };
      if (kind === 'item') {
        const bad = (r.data as Array<{ sCode?: string }>).find(
          (i) => i?.sCode !== undefined && i.sCode !== '0',
        );
        if (bad)
          return {
            error: this.#itemError(ep, status, r.data as unknown as ItemOutcome[], bad as ItemOutcome),
          };
      }
      return { data: r.data };
    }

    // Order-type envelopes: "1" all failed, "2" some failed; the reasons are per item (docs/OKX-PROTOCOL.md §7.1).
    if ((env.code === '1' || env.code === '2') && kind !== 'data') {
      const r = itemsSchema.safeParse(env.data);
      if (!r.success) return { error: schemaError(ep, r.error, status) };
      const items = r.data as ItemOutcome[];
      if (kind === 'batch') {
        return {
          error: new OkxBatchError({
            code: env.code,
            msg,
            httpStatus: status,
            endpoint: ep.label,
            items,
            retryable: false,
            ambiguous: false,
          }),
        };
      }
      const bad = items.find((i) => i.sCode !== '0');
      if (bad) return { error: this.#itemError(ep, status, items, bad) };
    }

    const info = errorInfo(env.code);
    let items: ItemOutcome[] | undefined;
    if (Array.isArray(env.data) && env.data.length > 0) {
      const r = itemsSchema.safeParse(env.data);
      if (r.success) items = r.data;
    }
    return {
      error: apiErrorFor({
        code: env.code,
        msg,
        httpStatus: status,
        endpoint: ep.label,
        items,
        // Writes are retried only when OKX refused them before acting (rate limits); 50013 and 5xx may have acted.
        retryable: ep.write ? info.cls === 'rate-limit' : info.retryable || status >= 500,
        // A code outside OKX's table is no proof the order was refused (a proxy, a new failure): look it up.
        ambiguous: ep.write && (info.ambiguous || info.cls === 'unknown'),
        hint: this.#hintFor(env.code, msg, info.hint),
      }),
    };
  }

  #itemError(ep: EndpointRuntime, status: number, items: ItemOutcome[], bad: ItemOutcome): OkxApiError {
    const info = errorInfo(bad.sCode);
    return apiErrorFor({
      code: bad.sCode,
      msg: bad.sMsg,
      httpStatus: status,
      endpoint: ep.label,
      items,
      retryable: false,
      // An item code outside OKX's table proves nothing was refused: look the order up.
      ambiguous: ep.write && (info.ambiguous || info.cls === 'unknown'),
      hint: this.#hintFor(bad.sCode, bad.sMsg, info.hint),
    });
  }

  #httpError(ep: EndpointRuntime, status: number): OkxApiError {
    return new OkxBusyError({
      code: `HTTP_${status}`,
      msg: `HTTP ${status} without an OKX envelope`,
      httpStatus: status,
      endpoint: ep.label,
      retryable: !ep.write || status === 429,
      ambiguous: ep.write && status !== 429,
      hint: ep.write
        ? 'The outcome is unknown: look the order up by clOrdId before doing anything else.'
        : 'OKX (or a proxy in front of it) failed: retried with backoff.',
    });
  }

  #networkError(ep: EndpointRuntime, err: unknown): OkxNetworkError {
    const c = errorCode(err) ?? '';
    const notSent = NOT_SENT_CODES.has(c);
    const ambiguous = ep.write && !notSent;
    if (NETWORK_TIMEOUT_CODES.has(c))
      return new OkxTimeoutError(ep.label, this.#timeoutMs, { ambiguous, cause: err });
    const detail = err instanceof Error ? `${c || err.name}: ${err.message}` : String(err);
    return new OkxNetworkError(ep.label, detail, { ambiguous, cause: err });
  }

  #hintFor(code: string, msg: string, base: string): string {
    switch (code) {
      case '50101':
        return this.demo
          ? 'This client is in demo mode (x-simulated-trading: 1) but the key is a live key: drop demo (OKX_DEMO=0, no --demo) or create a demo-trading key.'
          : 'This client is in live mode but the key is a demo-trading key: set demo: true (OKX_DEMO=1 or --demo).';
      case '50110': {
        const ip = /IP\s+([0-9a-fA-F.:]+)/.exec(msg)?.[1];
        return ip
          ? `OKX saw this request from ${ip}, which is not on the key's IP whitelist: add ${ip} to the key on OKX, or run from a whitelisted server.`
          : base;
      }
      case '50111':
        return `The key is unknown on ${this.baseUrl} (site '${this.site}'): keys from my.okx.com need site 'eea' (--site eea), keys from app.okx.com need site 'us' (--site us); otherwise check OKX_API_KEY.`;
      case '50113':
        return 'The signature did not verify: the secret key is probably wrong, or the secret and passphrase are swapped (OKX_SECRET_KEY is the long hex string shown once at key creation; OKX_PASSPHRASE is the one you chose).';
      default:
        return base;
    }
  }

  #withDriftHint(err: OkxApiError): OkxApiError {
    const measured = this.#clockSync.measuredAt !== undefined;
    const hint = measured
      ? `Timestamp rejected: ${describeDrift(this.#clockSync.offsetMs)} (measured, round trip ${this.#clockSync.rttMs} ms). Sync the system clock with NTP (e.g. chrony or systemd-timesyncd).`
      : `Timestamp rejected and the server time could not be measured: sync the system clock with NTP and check GET /api/v5/public/time.`;
    return apiErrorFor({
      code: err.code,
      msg: err.msg,
      httpStatus: err.httpStatus,
      endpoint: err.endpoint,
      items: err.items,
      retryable: false,
      ambiguous: false,
      hint,
    });
  }
}

const serverTimeArray = serverTimeSchema.array();
const anyArray = z.array(z.unknown());
const itemsSchema = itemResultSchema.array();

/** URLSearchParams over the caller's params in the caller's order, undefined dropped (never sorted). */
/** Characters URLSearchParams leaves as they are: such values need no encoding pass. */
const PLAIN = /^[A-Za-z0-9*._-]*$/;

export function encodeQuery(q: Query): string {
  // The form encoding of URLSearchParams, without building one for the usual plain values
  // (instIds, numbers, enums); anything else goes through URLSearchParams itself.
  let out = '';
  for (const k in q) {
    const v = q[k];
    if (v === undefined) continue;
    const sv = String(v);
    if (!PLAIN.test(k) || !PLAIN.test(sv)) return slowEncodeQuery(q);
    out += out === '' ? `${k}=${sv}` : `&${k}=${sv}`;
  }
  return out;
}

function slowEncodeQuery(q: Query): string {
  const p = new URLSearchParams();
  for (const k in q) {
    const v = q[k];
    if (v !== undefined) p.append(k, String(v));
  }
  return p.toString();
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = 'data';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

function schemaError(ep: EndpointRuntime, err: z.ZodError, status: number): OkxSchemaError {
  const issue = err.issues[0];
  const path = issue ? formatPath(issue.path) : 'data';
  return unreadable(ep, path, issue?.message ?? 'invalid', status);
}

/** An answer that cannot be read: for a write, the outcome is unknown (ambiguous), never a rejection. */
function unreadable(
  ep: EndpointRuntime,
  path: string,
  problem: string,
  status: number,
  cause?: unknown,
): OkxSchemaError {
  return new OkxSchemaError(ep.label, path, problem, status, cause, { ambiguous: ep.write });
}
