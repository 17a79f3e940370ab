import { randomBytes } from 'node:crypto';

/** clOrdId, reqId, WS op id (docs/OKX-PROTOCOL.md §8): case-sensitive alphanumerics, 1 to 32 characters. */
export const CL_ORD_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;
/** tag: alphanumerics, up to 16 characters. */
export const TAG_PATTERN = /^[A-Za-z0-9]{1,16}$/;

/** True when `id` is a client order id OKX accepts: 1 to 32 letters and digits. */
export function isValidClOrdId(id: string): boolean {
  return CL_ORD_ID_PATTERN.test(id);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A fresh clOrdId: an optional alphanumeric prefix (the caller's choice; okxkit adds none of its
 * own) followed by random alphanumerics, 32 characters in all unless `length` says otherwise.
 */
export function newClOrdId(
  prefix = '',
  length = 32,
  random: (n: number) => Uint8Array = randomBytes,
): string {
  if (prefix && !/^[A-Za-z0-9]*$/.test(prefix)) throw new RangeError('clOrdId prefix must be alphanumeric');
  if (length > 32 || length <= prefix.length)
    throw new RangeError('clOrdId length must be 1..32 and longer than the prefix');
  const n = length - prefix.length;
  const bytes = random(n);
  let out = prefix;
  for (let i = 0; i < n; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}
