import { createHmac, timingSafeEqual, createHash } from 'node:crypto';

/** Header names of a signed signal (docs/SIGNALS.md, "Authentication"). */
export const SIGNATURE_HEADER = 'x-signal-signature';
export const TIMESTAMP_HEADER = 'x-signal-timestamp';

/** hex HMAC-SHA256 over `timestamp + body` (the exact bytes received). */
export function signSignal(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(timestamp).update(body).digest('hex');
}

/** Constant-time equality of two strings (hashed first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Why a signal was not authenticated: the HTTP status, a stable code and the field at fault. */
export interface AuthFailure {
  status: 401;
  code: 'UNAUTHENTICATED' | 'STALE_TIMESTAMP';
  field: string;
  message: string;
}

/** Parses a timestamp header: ms since epoch, or seconds (10 digits), or ISO-8601. */
export function parseTimestamp(v: string): number | undefined {
  if (/^\d{13}$/.test(v)) return Number(v);
  if (/^\d{10}$/.test(v)) return Number(v) * 1000;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && /^\d{4}-/.test(v) ? ms : undefined;
}

/** Checks a timestamp against now +- windowMs. */
export function checkWindow(
  tsMs: number,
  nowMs: number,
  windowMs: number,
  field: string,
): AuthFailure | undefined {
  if (Math.abs(nowMs - tsMs) <= windowMs) return undefined;
  return {
    status: 401,
    code: 'STALE_TIMESTAMP',
    field,
    message: `is ${Math.round((nowMs - tsMs) / 1000)} s from the server's time (window +-${windowMs / 1000} s): a replay, or a clock that is off`,
  };
}

/** Verifies a signed request: signature present, hex, and equal to the HMAC of timestamp + body. */
export function verifyHmac(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  body: Buffer,
  nowMs: number,
  windowMs: number,
): AuthFailure | undefined {
  if (!headers.timestamp)
    return { status: 401, code: 'UNAUTHENTICATED', field: TIMESTAMP_HEADER, message: 'is missing' };
  if (!headers.signature)
    return { status: 401, code: 'UNAUTHENTICATED', field: SIGNATURE_HEADER, message: 'is missing' };
  const ts = parseTimestamp(headers.timestamp);
  if (ts === undefined)
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      field: TIMESTAMP_HEADER,
      message: 'is not a time (ms or s since epoch, or ISO-8601)',
    };
  const want = signSignal(secret, headers.timestamp, body);
  if (!safeEqual(headers.signature.trim().toLowerCase(), want))
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      field: SIGNATURE_HEADER,
      message: 'does not match: sign timestamp + body with the source secret (hex HMAC-SHA256)',
    };
  // The window is checked after the signature, so an unsigned caller learns nothing of the clock.
  return checkWindow(ts, nowMs, windowMs, TIMESTAMP_HEADER);
}
