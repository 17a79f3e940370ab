import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * OKX V5 REST signature (docs/OKX-PROTOCOL.md §1.1):
 *   Base64(HMAC-SHA256(secretKey, timestamp + METHOD + requestPath + body))
 * - timestamp: the exact OK-ACCESS-TIMESTAMP value, ISO-8601 with milliseconds (not unix ms).
 * - requestPath: path plus the query string exactly as sent (never re-sorted).
 * - body: the exact JSON bytes sent, "" for none.
 * The digest is Base64, never hex.
 */
export interface SignRequestInput {
  timestamp: string;
  method: string;
  requestPath: string;
  body?: string;
  secretKey: string | KeyObject;
}

/** The OK-ACCESS-SIGN header value: base64 HMAC-SHA256 of timestamp + METHOD + request path + body, keyed with the secret. */
export function signRequest(input: SignRequestInput): string {
  return createHmac('sha256', input.secretKey)
    .update(input.timestamp + input.method.toUpperCase() + input.requestPath + (input.body ?? ''))
    .digest('base64');
}

/**
 * WebSocket login signature (docs/OKX-PROTOCOL.md §2.2): timestamp is Unix epoch SECONDS as a string;
 * the prehash is always timestamp + "GET" + "/users/self/verify".
 */
export function signWsLogin(input: { timestamp: string; secretKey: string | KeyObject }): string {
  return createHmac('sha256', input.secretKey)
    .update(input.timestamp + 'GET/users/self/verify')
    .digest('base64');
}

/** A secret prepared once as a KeyObject: saves re-importing the key on every request. */
export function prepareSecret(secretKey: string): KeyObject {
  return createSecretKey(Buffer.from(secretKey, 'utf8'));
}

/** OK-ACCESS-TIMESTAMP for a time in ms: "2020-12-08T09:08:57.715Z". */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** WS login timestamp for a time in ms: whole Unix seconds as a string. */
export function wsLoginTimestamp(ms: number): string {
  return String(Math.floor(ms / 1000));
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses an OK-ACCESS-TIMESTAMP; undefined if it is not ISO-8601 with milliseconds (-> 50112). */
export function parseIsoTimestamp(value: string): number | undefined {
  if (!ISO_MS.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
