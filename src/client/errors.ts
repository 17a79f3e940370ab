import { errorInfo, type ErrorClass } from '../protocol/error-codes.js';
import { OkxkitError } from '../util/errors.js';

/** One per-item result of an order-type call (docs/OKX-PROTOCOL.md §7.1): sCode "0" = accepted. */
export interface ItemOutcome {
  sCode: string;
  sMsg: string;
  ordId?: string;
  clOrdId?: string;
  [k: string]: unknown;
}

export interface OkxApiErrorInit {
  code: string;
  msg: string;
  httpStatus: number;
  /** "POST /api/v5/trade/order" */
  endpoint: string;
  items?: ItemOutcome[];
  retryable?: boolean;
  ambiguous?: boolean;
  hint?: string;
  cause?: unknown;
}

/**
 * An error OKX reported (a non-"0" code, or a per-item sCode). Carries the real OKX code and
 * message, the endpoint, and what to do: whether a retry is safe, whether the outcome is unknown
 * (a write that may have happened: reconcile by clOrdId), and a hint.
 */
export class OkxApiError extends OkxkitError {
  readonly msg: string;
  readonly httpStatus: number;
  readonly endpoint: string;
  readonly items: ItemOutcome[];
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  constructor(init: OkxApiErrorInit) {
    const info = errorInfo(init.code);
    super(`${init.endpoint} failed: OKX ${init.code} ${init.msg || info.message}`, {
      code: init.code,
      hint: init.hint ?? info.hint,
      cause: init.cause,
    });
    this.msg = init.msg;
    this.httpStatus = init.httpStatus;
    this.endpoint = init.endpoint;
    this.items = init.items ?? [];
    this.retryable = init.retryable ?? info.retryable;
    this.ambiguous = init.ambiguous ?? false;
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      msg: this.msg,
      httpStatus: this.httpStatus,
      endpoint: this.endpoint,
      items: this.items,
      retryable: this.retryable,
      ambiguous: this.ambiguous,
    };
  }
}

/** Key, signature, passphrase, timestamp, IP whitelist or environment (demo/live, region) rejected. */
export class OkxAuthError extends OkxApiError {}
/** Authenticated, but the key may not do this (50030, 50114, 50120...). */
export class OkxPermissionError extends OkxApiError {}
/** A rate limit of the user or IP (50011, 50061, HTTP 429). */
export class OkxRateLimitError extends OkxApiError {}
/** OKX is busy or failing (50001, 50013, 50026, 5xx). For writes the outcome may be unknown: see `ambiguous`. */
export class OkxBusyError extends OkxApiError {}
/** The request itself is malformed (bad parameter, unknown instrument...). */
export class OkxRequestError extends OkxApiError {}
/** An order refused by a trading rule (price band, lot size, duplicate clOrdId...). */
export class OkxOrderError extends OkxApiError {}
/** Not enough funds (51008, 51127, 51131). */
export class OkxBalanceError extends OkxApiError {}
/**
 * OKX does not route this method and path: HTTP 404 from its gateway, whose body carries code
 * "404" (docs/OKX-PROTOCOL.md §4.7). Nothing was executed, so it is never ambiguous; a typo in a
 * `client.request()` path, or an endpoint OKX has removed.
 */
export class OkxEndpointNotFoundError extends OkxRequestError {}
/** The order or data does not exist (51603, 52000). */
export class OkxNotFoundError extends OkxApiError {}
/**
 * A batch call where some or all items failed (code "1" = all, "2" = some). `items` holds every
 * item in request order, the accepted ones included, so the caller knows exactly what happened.
 */
export class OkxBatchError extends OkxApiError {
  get failed(): ItemOutcome[] {
    return this.items.filter((i) => i.sCode !== '0');
  }
  get succeeded(): ItemOutcome[] {
    return this.items.filter((i) => i.sCode === '0');
  }
}

const BY_CLASS: Record<ErrorClass, new (init: OkxApiErrorInit) => OkxApiError> = {
  auth: OkxAuthError,
  permission: OkxPermissionError,
  'rate-limit': OkxRateLimitError,
  busy: OkxBusyError,
  ambiguous: OkxBusyError,
  request: OkxRequestError,
  order: OkxOrderError,
  balance: OkxBalanceError,
  'not-found': OkxNotFoundError,
  websocket: OkxApiError,
  unknown: OkxApiError,
};

/** The OkxApiError subclass for an OKX code, from the error table's class. */
export function apiErrorFor(init: OkxApiErrorInit): OkxApiError {
  return new BY_CLASS[errorInfo(init.code).cls](init);
}

/**
 * The network failed or the connection broke before a full response arrived. For a write the
 * exchange may have acted (`ambiguous`): the client never resends it; look the order up by clOrdId.
 */
export class OkxNetworkError extends OkxkitError {
  readonly endpoint: string;
  readonly ambiguous: boolean;
  readonly retryable: boolean;
  constructor(
    endpoint: string,
    detail: string,
    opts: { ambiguous: boolean; cause?: unknown; code?: string },
  ) {
    super(
      `${endpoint} failed: ${detail}${opts.ambiguous ? ' (the outcome is unknown: the exchange may have acted)' : ''}`,
      {
        code: opts.code ?? 'NETWORK_ERROR',
        hint: opts.ambiguous
          ? 'Do not resend blindly: look the order up by clOrdId (GET /api/v5/trade/order) and adopt what the exchange says.'
          : 'Check the network, the base URL and any proxy.',
        cause: opts.cause,
      },
    );
    this.endpoint = endpoint;
    this.ambiguous = opts.ambiguous;
    this.retryable = !opts.ambiguous;
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      endpoint: this.endpoint,
      ambiguous: this.ambiguous,
      retryable: this.retryable,
    };
  }
}

/** No response within timeoutMs. For a write the exchange may have acted: reconcile by clOrdId. */
export class OkxTimeoutError extends OkxNetworkError {
  readonly timeoutMs: number;
  constructor(endpoint: string, timeoutMs: number, opts: { ambiguous: boolean; cause?: unknown }) {
    super(endpoint, `no response within ${timeoutMs} ms`, { ...opts, code: 'TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs };
  }
}

/**
 * A response did not match its schema (bad JSON, null, wrong type): names the endpoint and the field path.
 * For a write (an order, a cancel) such an answer proves nothing either way: the request may have
 * been executed, so `ambiguous` is true and the order must be looked up by clOrdId (docs/OKX-PROTOCOL.md §8).
 */
export class OkxSchemaError extends OkxkitError {
  readonly endpoint: string;
  /** "data[0].ordId"; "" for the whole body. */
  readonly path: string;
  readonly httpStatus: number;
  /** The request was a write whose outcome this answer does not tell. */
  readonly ambiguous: boolean;
  constructor(
    endpoint: string,
    path: string,
    problem: string,
    httpStatus: number,
    cause?: unknown,
    opts: { ambiguous?: boolean } = {},
  ) {
    const ambiguous = opts.ambiguous ?? false;
    super(
      `${endpoint}: unexpected response${path ? ` at ${path}` : ''}: ${problem}${ambiguous ? ' (the outcome is unknown: the exchange may have acted)' : ''}`,
      {
        code: 'SCHEMA_MISMATCH',
        hint: ambiguous
          ? 'The answer to this write could not be read, so it may or may not have been executed: look the order up by clOrdId before anything else; never resend it blindly.'
          : 'OKX (or the server at the base URL) sent a payload okxkit does not understand; nothing was acted on. Check the base URL; if this is OKX, report the field.',
        cause,
      },
    );
    this.endpoint = endpoint;
    this.path = path;
    this.httpStatus = httpStatus;
    this.ambiguous = ambiguous;
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      endpoint: this.endpoint,
      path: this.path,
      httpStatus: this.httpStatus,
      ambiguous: this.ambiguous,
    };
  }
}

/** A trading or withdrawal endpoint called on a client in read-only mode; nothing was signed or sent. */
export class OkxReadOnlyError extends OkxkitError {
  readonly endpoint: string;
  constructor(endpoint: string, permission: string) {
    super(
      permission === 'withdraw'
        ? `${endpoint} needs the 'withdraw' permission and these credentials do not allow withdrawals: refused locally, nothing sent`
        : `${endpoint} needs the '${permission}' permission and these credentials are read-only: refused locally, nothing sent`,
      {
        code: 'READ_ONLY',
        hint:
          permission === 'withdraw'
            ? 'Withdrawals need a vault profile with allowWithdraw set (okxkit keys update --allow-withdraw).'
            : 'Read-only comes from the vault profile, OKXKIT_READ_ONLY=1, --read-only or readOnly: true; use credentials without it to trade.',
      },
    );
    this.endpoint = endpoint;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), endpoint: this.endpoint };
  }
}

/** A withdrawal endpoint called on a client built without `allowWithdraw: true`. */
export class OkxWithdrawNotAllowedError extends OkxkitError {
  readonly endpoint: string;
  constructor(endpoint: string) {
    super(
      `${endpoint} moves funds off the exchange and this client does not allow withdrawals: refused locally, nothing sent`,
      {
        code: 'WITHDRAW_NOT_ALLOWED',
        hint: 'Build the client with allowWithdraw: true, on purpose, with a key that carries the withdraw permission.',
      },
    );
    this.endpoint = endpoint;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), endpoint: this.endpoint };
  }
}

/** A private endpoint called without credentials. */
export class OkxCredentialsRequiredError extends OkxkitError {
  readonly endpoint: string;
  constructor(endpoint: string) {
    super(`${endpoint} is a private endpoint and this client has no credentials`, {
      code: 'CREDENTIALS_MISSING',
      hint: 'Set OKX_API_KEY, OKX_SECRET_KEY and OKX_PASSPHRASE (or the *_FILE forms), or pass credentials to OkxClient.',
    });
    this.endpoint = endpoint;
  }
}
