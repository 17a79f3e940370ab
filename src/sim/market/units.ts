import { ValidationError } from '../../util/errors.js';

/**
 * Prices and sizes live as integers inside the market (ticks and lots), so book arithmetic is
 * exact and every level prints the same string each time (checksums hash the raw strings).
 */

/** Number of decimals of a step such as "0.001" (3) or "1" (0). */
export function decimalsOf(step: string): number {
  const i = step.indexOf('.');
  if (i < 0) return 0;
  return step.length - i - 1;
}

/** Integer multiple of 10^-decimals for a decimal string; `round` says what to do with extra digits. */
export function parseUnits(
  value: string,
  decimals: number,
  field: string,
  round: 'floor' | 'ceil' = 'floor',
): number {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new ValidationError(
      field,
      `"${value}" is not a positive decimal number`,
      'send a decimal string such as "0.01"',
    );
  }
  const [int = '0', frac = ''] = value.split('.');
  const kept = frac.slice(0, decimals).padEnd(decimals, '0');
  let n = Number(int + kept);
  if (round === 'ceil' && /[1-9]/.test(frac.slice(decimals))) n += 1;
  if (!Number.isSafeInteger(n))
    throw new ValidationError(field, `"${value}" is too large`, 'send a smaller value');
  return n;
}

/** Fixed-point string with exactly `decimals` digits after the point (prices, tick precision). */
export function formatFixed(units: number, decimals: number): string {
  if (decimals === 0) return String(units);
  const neg = units < 0;
  const s = String(Math.abs(units)).padStart(decimals + 1, '0');
  const out = s.slice(0, s.length - decimals) + '.' + s.slice(s.length - decimals);
  return neg ? '-' + out : out;
}

/** Like formatFixed but without trailing zeros (sizes: "0.5", "12"). */
export function formatTrim(units: number | bigint, decimals: number): string {
  if (decimals === 0) return String(units);
  const neg = units < 0;
  const abs = typeof units === 'bigint' ? (neg ? -units : units) : Math.abs(units);
  const s = String(abs).padStart(decimals + 1, '0');
  let frac = s.slice(s.length - decimals);
  frac = frac.replace(/0+$/, '');
  const int = s.slice(0, s.length - decimals);
  return (neg ? '-' : '') + (frac ? `${int}.${frac}` : int);
}
