import { errorInfo, errorMessage } from '../../protocol/error-codes.js';

/** What a route answers: an HTTP status and a JSON body. */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** Success envelope (docs/OKX-PROTOCOL.md §4.1). */
export function ok(data: unknown[]): Reply {
  return { status: 200, body: { code: '0', msg: '', data } };
}

/** A business or parameter error: OKX's HTTP status for the code, `data: []`. */
export function okxError(code: string, ...params: string[]): Reply {
  return { status: errorInfo(code).http, body: { code, msg: errorMessage(code, ...params), data: [] } };
}

/** The same with a message of our own (where OKX's text carries detail). */
export function okxErrorMsg(code: string, msg: string): Reply {
  return { status: errorInfo(code).http, body: { code, msg, data: [] } };
}

// Live gateway texts where they differ from the documented table (docs/OKX-PROTOCOL.md §4.3: 50114 "Invalid Authority").
const GATEWAY_TEXT: Record<string, string> = { '50114': 'Invalid Authority' };

/**
 * A gateway error (auth, rate limit, malformed request): emitted before the request reaches a
 * service, so OKX sends it without `data` (docs/OKX-PROTOCOL.md §4.1), e.g. HTTP 401 {"msg":"...","code":"50102"}.
 */
export function gatewayError(code: string, ...params: string[]): Reply {
  return {
    status: errorInfo(code).http,
    body: { msg: GATEWAY_TEXT[code] ?? errorMessage(code, ...params), code },
  };
}
