import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseIsoTimestamp } from '../protocol/sign.js';
import type { Permission } from '../protocol/endpoints.js';
import type { KeyLookup, SimKey } from './contracts.js';

/** OKX REST timestamp window (docs/OKX-PROTOCOL.md §9): ±30 s of server time. */
export const TIMESTAMP_WINDOW_MS = 30_000;

export type AuthOutcome = { ok: true; key: SimKey } | { ok: false; code: string; params?: string[] };

export interface AuthInput {
  headers: IncomingHttpHeaders;
  method: string;
  /** req.url exactly as received: path plus raw query string. */
  rawUrl: string;
  /** The body bytes exactly as received. */
  rawBody: Buffer;
  /** The caller's IP, already normalised (see normaliseIp). */
  ip: string;
  /** Server time, ms. */
  nowMs: number;
  keys: KeyLookup;
  permission?: Permission;
}

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** `::ffff:127.0.0.1` (IPv4-mapped IPv6, as node reports IPv4 peers on dual-stack sockets) -> `127.0.0.1`. */
export function normaliseIp(ip: string | undefined): string {
  if (!ip) return '';
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Whitelist entries may be single IPs or IPv4 CIDR blocks (docs/OKX-PROTOCOL.md §6: IPv4/IPv6/CIDR). */
export function ipAllowed(whitelist: string, ip: string): boolean {
  if (whitelist.trim() === '') return true;
  return whitelist.split(',').some((raw) => {
    const entry = normaliseIp(raw.trim());
    if (!entry.includes('/')) return entry === ip;
    const [base, bitsText] = entry.split('/');
    const b = ipv4ToInt(base ?? '');
    const x = ipv4ToInt(ip);
    const bits = Number(bitsText);
    if (b === undefined || x === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (b & mask) >>> 0 === (x & mask) >>> 0;
  });
}

/** Compares two strings in time independent of where they differ (and of their lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

const PERM_NAME: Record<Permission, string> = { read: 'read_only', trade: 'trade', withdraw: 'withdraw' };

export function keyHasPermission(key: SimKey, permission: Permission | undefined): boolean {
  if (!permission) return true;
  return key.perm.split(',').includes(PERM_NAME[permission]);
}

/**
 * Authenticates a private REST request the way the OKX gateway does (docs/OKX-PROTOCOL.md §1, §4.3): headers
 * present, timestamp well-formed and fresh, key known, passphrase, signature over the raw
 * path+query and raw body, environment (demo/live), IP whitelist, then the endpoint permission.
 */
export function authenticate(input: AuthInput): AuthOutcome {
  const h = input.headers;
  const apiKey = header(h, 'ok-access-key');
  const sign = header(h, 'ok-access-sign');
  const timestamp = header(h, 'ok-access-timestamp');
  const passphrase = header(h, 'ok-access-passphrase');
  if (!apiKey) return { ok: false, code: '50103' };
  if (!sign) return { ok: false, code: '50106' };
  if (!timestamp) return { ok: false, code: '50107' };
  if (!passphrase) return { ok: false, code: '50104' };

  const ts = parseIsoTimestamp(timestamp);
  if (ts === undefined) return { ok: false, code: '50112' };
  if (Math.abs(input.nowMs - ts) > TIMESTAMP_WINDOW_MS) return { ok: false, code: '50102' };

  const key = input.keys.find(apiKey);
  if (!key) return { ok: false, code: '50111' };
  if (!constantTimeEqual(passphrase, key.passphrase)) return { ok: false, code: '50105' };

  // The prehash is built from the bytes received, never from a re-serialised body (docs/OKX-PROTOCOL.md §1.1).
  const expected = createHmac('sha256', key.secretKey)
    .update(Buffer.from(timestamp + input.method.toUpperCase() + input.rawUrl, 'utf8'))
    .update(input.rawBody)
    .digest('base64');
  if (!constantTimeEqual(sign, expected)) return { ok: false, code: '50113' };

  // x-simulated-trading: "1" = demo; "0" or absent = live (python-okx always sends it).
  const demo = header(h, 'x-simulated-trading') === '1';
  if (demo !== key.demo) return { ok: false, code: '50101' };

  if (!ipAllowed(key.ip, input.ip)) return { ok: false, code: '50110', params: [input.ip] };

  if (!keyHasPermission(key, input.permission)) return { ok: false, code: '50114' };
  return { ok: true, key };
}

// --- WebSocket: the same environment, IP and permission checks as REST ----------------------

/**
 * Whether a WebSocket connection is on the demo environment. OKX tells demo by its WS host
 * (wspap.okx.com); the local exchange serves both on one origin, so a connection is demo when its
 * upgrade request carries `x-simulated-trading: 1` (as REST does) or the legacy `brokerId=9999`
 * query of OKX's demo URLs.
 */
export function wsConnectionIsDemo(headers: IncomingHttpHeaders, rawUrl: string): boolean {
  if (header(headers, 'x-simulated-trading') === '1') return true;
  const q = rawUrl.indexOf('?');
  return q >= 0 && new URLSearchParams(rawUrl.slice(q + 1)).get('brokerId') === '9999';
}

/**
 * The checks after a WS login's signature verified, in REST's order: environment (50101, as OKX
 * answers a demo key on the live WS), then the key's IP whitelist (50110 with the IP).
 */
export function checkWsLogin(key: SimKey, ctx: { demo: boolean; ip: string }): AuthOutcome {
  if (key.demo !== ctx.demo) return { ok: false, code: '50101' };
  if (!ipAllowed(key.ip, ctx.ip)) return { ok: false, code: '50110', params: [ctx.ip] };
  return { ok: true, key };
}

/** The WS order ops and the permission each needs (the same as its REST endpoint's). */
const WS_OP_PERMISSION: Readonly<Record<string, Permission>> = {
  order: 'trade',
  'batch-orders': 'trade',
  'cancel-order': 'trade',
  'batch-cancel-orders': 'trade',
  'amend-order': 'trade',
  'batch-amend-orders': 'trade',
  'mass-cancel': 'trade',
};

/**
 * The checks on every WS order op of a logged-in connection: the key's permission (50120, "this
 * API key doesn't have permission to use this function"), and the IP again, since a key's
 * whitelist is checked per request on OKX. Undefined when the op may go ahead.
 */
export function checkWsOp(
  key: SimKey,
  op: string,
  ctx: { ip: string },
): { code: string; params?: string[] } | undefined {
  if (!ipAllowed(key.ip, ctx.ip)) return { code: '50110', params: [ctx.ip] };
  if (!keyHasPermission(key, WS_OP_PERMISSION[op] ?? 'trade')) return { code: '50120' };
  return undefined;
}

// --- the fault admin route ------------------------------------------------------------------

/** The header every request to the local exchange's admin route (/sim/faults) must carry. */
export const SIM_ADMIN_HEADER = 'x-okxkit-sim-admin';

/**
 * Refuses a request to the admin route that a web page could have sent: one with an Origin (or a
 * cross-site Sec-Fetch-Site) header, or without the custom admin header. A page cannot add a
 * custom header to a cross-origin request without a CORS preflight, which the local exchange never
 * grants, so a site open in the user's browser cannot change the faults. Returns the reason, or
 * undefined when the request may go ahead.
 */
export function adminRequestRefusal(headers: IncomingHttpHeaders): string | undefined {
  if (header(headers, 'origin') !== '') return 'requests from a web page (Origin header) are refused';
  const site = header(headers, 'sec-fetch-site');
  if (site !== '' && site !== 'none' && site !== 'same-origin') return 'cross-site requests are refused';
  if (header(headers, SIM_ADMIN_HEADER) !== '1') return `send the header "${SIM_ADMIN_HEADER}: 1"`;
  return undefined;
}
