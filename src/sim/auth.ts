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
