import { Decimal } from 'decimal.js';

/** decimal.js with enough precision for any OKX amount; money never goes through a binary float. */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = InstanceType<typeof D>;
export type DecValue = string | number | Dec;

export function dec(v: DecValue): Dec {
  return new D(v);
}

function places(step: string): number {
  return new D(step).decimalPlaces();
}

/**
 * Rounds to a multiple of `step` (tickSz or lotSz) and prints it with the step's decimals, as OKX
 * expects: a price of 1.5 on a 0.01 tick is "1.50".
 */
export function toStep(v: DecValue, step: string, mode: 'down' | 'up' | 'nearest'): string {
  const s = new D(step);
  const rounding = mode === 'down' ? D.ROUND_DOWN : mode === 'up' ? D.ROUND_UP : D.ROUND_HALF_UP;
  return new D(v).toNearest(s, rounding).toFixed(places(step));
}

/** A clean decimal string for display and state (no exponent, no trailing zeros). */
export function fmt(v: DecValue, dp?: number): string {
  const d = new D(v);
  return dp === undefined ? d.toFixed() : d.toFixed(dp);
}

/** Fee in quote currency: OKX charges spot buys in base (negative = charged), sells in quote. */
export function feeInQuote(fee: string, feeCcy: string, quoteCcy: string, px: DecValue): Dec {
  if (!fee) return new D(0);
  const f = new D(fee);
  return feeCcy === quoteCcy ? f : f.mul(px);
}
