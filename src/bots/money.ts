import { D, type Decimal } from '../util/decimal.js';

/** The one decimal configuration (util/decimal.ts): money never goes through a binary float. */
export { D };
export type Dec = Decimal;
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

/** A running total kept as a state string: `total + v`, to 10 decimals ("" or absent counts as 0). */
export function addTo(total: string | undefined, v: DecValue): string {
  return fmt(new D(total || '0').plus(v).toDecimalPlaces(10));
}

/** Fee in quote currency: OKX charges spot buys in base (negative = charged), sells in quote. */
export function feeInQuote(fee: string, feeCcy: string, quoteCcy: string, px: DecValue): Dec {
  if (!fee) return new D(0);
  const f = new D(fee);
  return feeCcy === quoteCcy ? f : f.mul(px);
}

/** What the fee helpers read of an order (the Exchange port's Order has these fields). */
export interface FilledOrder {
  accFillSz: string;
  avgPx: string;
  px: string;
  /** OKX sign: negative = charged. */
  fee: string;
  feeCcy: string;
}

/** Base and quote an order moved, fees included in the currency they were charged in (OKX sign: negative = charged). */
export function orderFlows(
  order: FilledOrder & { side: 'buy' | 'sell' },
  inst: { baseCcy: string; quoteCcy: string },
): { base: Dec; quote: Dec; px: string } {
  const filled = dec(order.accFillSz || '0');
  const px = order.avgPx || order.px;
  const fee = order.fee ? dec(order.fee) : dec(0);
  const baseFee = order.feeCcy === inst.baseCcy ? fee : dec(0);
  const quoteFee = order.feeCcy === inst.quoteCcy ? fee : dec(0);
  const value = px ? filled.mul(px) : dec(0);
  return order.side === 'buy'
    ? { base: filled.plus(baseFee), quote: value.neg().plus(quoteFee), px }
    : { base: filled.neg().plus(baseFee), quote: value.plus(quoteFee), px };
}

/** Fee rate an order paid, as a fraction of what it traded (0 without a fee). */
export function paidFeeRate(order: FilledOrder, inst: { baseCcy: string; quoteCcy: string }): Dec {
  const filled = dec(order.accFillSz || '0');
  if (!order.fee || filled.lte(0)) return dec(0);
  const fee = dec(order.fee).neg();
  if (fee.lte(0)) return dec(0);
  if (order.feeCcy === inst.baseCcy) return fee.div(filled);
  const px = order.avgPx || order.px;
  return px ? fee.div(filled.mul(px)) : dec(0);
}
