import { ValidationError } from '../util/errors.js';

const INST_ID = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$/;
const DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/** An OKX instrument id such as BTC-USDT or BTC-USD-SWAP. */
export function checkInstId(v: unknown, field = 'instId'): string {
  if (typeof v !== 'string' || !INST_ID.test(v)) {
    throw new ValidationError(
      field,
      `'${String(v)}' is not an OKX instrument id`,
      'use e.g. BTC-USDT or BTC-USDT-SWAP',
    );
  }
  return v;
}

/** A positive decimal string (OKX sizes and prices are decimal strings, never floats). */
export function checkDecimal(v: unknown, field: string): string {
  if (typeof v !== 'string' || !DECIMAL.test(v)) {
    throw new ValidationError(
      field,
      `'${String(v)}' is not a decimal number`,
      'pass a decimal string such as "0.001"',
    );
  }
  return v;
}

/** An integer within [min, max], as OKX's limit / sz parameters. */
export function checkInt(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(field, `'${String(v)}' is not an integer in ${min}..${max}`);
  }
  return v;
}

export function requireOne(ref: { ordId?: string; clOrdId?: string }, what: string): void {
  if (!ref.ordId && !ref.clOrdId)
    throw new ValidationError(`${what}.ordId`, 'ordId or clOrdId is required (OKX: 51003)');
}
